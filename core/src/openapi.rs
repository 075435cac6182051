//! The API's OpenAPI 3.1 document, `core/openapi/openapi.json`, which both servers answer at
//! [`crate::http::OPENAPI_PATH`] byte for byte and `/docs` renders.
//!
//! The document is written by hand and embedded as it is (the worker carries a string, not a
//! generator). It cannot drift from the code: the tests below derive the routes and their
//! methods, the query parameters, the request fields, the serialised objects and the error table
//! from the code and fail on anything the document has that the code lacks, or the other way
//! round.

/// The document, as every server sends it.
pub const DOCUMENT: &str = include_str!("../openapi/openapi.json");

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use serde_json::{Map, Value, json};
    use uuid::Uuid;

    use super::DOCUMENT;
    use crate::error::{ApiError, ErrorBody, SlugConflict};
    use crate::event::{EventInfo, EventType};
    use crate::fields::{READ_ONLY_FIELDS, REQUEST_FIELDS, UPDATABLE_FIELDS};
    use crate::http::{
        self, API_KEY_LIST_QUERY, EVENT_LIST_QUERY, HttpRequest, Route, TENANT_LIST_QUERY,
    };
    use crate::invites::{Accepted, Resent, TOKEN_FIELD};
    use crate::keys::{CreatedKey, KEY_FIELDS};
    use crate::model::{Tenant, Timestamp};
    use crate::scope::Scope;
    use crate::store::ApiKeyInfo;
    use crate::{Fresh, MemoryStore, Page, Policies};

    fn document() -> Value {
        serde_json::from_str(DOCUMENT).expect("the document is JSON")
    }

    fn names(value: &Value) -> BTreeSet<String> {
        value
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    }

    fn set<'a>(items: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
        items.into_iter().map(str::to_owned).collect()
    }

    /// `value` with a `$ref` followed, as often as it takes.
    fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
        match value.get("$ref").and_then(Value::as_str) {
            Some(pointer) => resolve(
                doc,
                doc.pointer(pointer.trim_start_matches('#'))
                    .unwrap_or_else(|| panic!("no {pointer}")),
            ),
            None => value,
        }
    }

    /// Every operation: (method in upper case, path template, operation object).
    fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
        let mut found = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("a path item") {
                if method != "parameters" {
                    found.push((method.to_uppercase(), path.clone(), operation));
                }
            }
        }
        found
    }

    /// A path of the template with a sample id where it has `{id}`.
    fn sample_path(template: &str) -> String {
        let id = if template.starts_with("/v1/events/") {
            "evt_0123456789abcdef0123456789abcdef"
        } else {
            "6f1c1e2a-3b4c-4d5e-8f60-718293a4b5c6"
        };
        template.replace("{id}", id)
    }

    /// Every route of the code, with its path template. The match makes a new route a compile
    /// error here until it is given its template; the indexes make the list complete.
    fn every_route() -> Vec<(Route, &'static str)> {
        fn template(route: Route) -> (usize, &'static str) {
            match route {
                Route::Health => (0, "/healthz"),
                Route::OpenApi => (1, "/openapi.json"),
                Route::Tenants => (2, "/v1/tenants"),
                Route::Tenant(_) => (3, "/v1/tenants/{id}"),
                Route::ApiKeys => (4, "/v1/api-keys"),
                Route::ApiKey(_) => (5, "/v1/api-keys/{id}"),
                Route::Events => (6, "/v1/events"),
                Route::Event(_) => (7, "/v1/events/{id}"),
                Route::AcceptInvite => (8, "/v1/invites/accept"),
                Route::TenantInvite(_) => (9, "/v1/tenants/{id}/invite"),
                Route::EventRetry(_) => (10, "/v1/events/{id}/retry"),
            }
        }
        let id = Uuid::nil();
        let routes = [
            Route::Health,
            Route::OpenApi,
            Route::Tenants,
            Route::Tenant(id),
            Route::ApiKeys,
            Route::ApiKey(id),
            Route::Events,
            Route::Event(id),
            Route::AcceptInvite,
            Route::TenantInvite(id),
            Route::EventRetry(id),
        ];
        let indexes: Vec<usize> = routes.iter().map(|r| template(*r).0).collect();
        assert_eq!(
            indexes,
            (0..routes.len()).collect::<Vec<_>>(),
            "list every route once"
        );
        routes.iter().map(|r| (*r, template(*r).1)).collect()
    }

    #[test]
    fn the_document_has_every_route_and_method_of_the_code_and_no_other() {
        let doc = document();
        let mut documented: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (method, path, _) in operations(&doc) {
            documented.entry(path).or_default().insert(method);
        }
        let mut coded: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (route, template) in every_route() {
            let found = http::route(&sample_path(template));
            assert_eq!(
                found.as_ref().map(std::mem::discriminant),
                Some(std::mem::discriminant(&route)),
                "{template}"
            );
            coded.insert(template.to_owned(), set(route.allow().split(", ")));
        }
        assert_eq!(
            documented, coded,
            "the document's routes (left), the code's (right)"
        );
    }

    /// The query parameters an operation documents, by name.
    fn query_parameters(doc: &Value, path: &str, operation: &Value) -> BTreeSet<String> {
        let shared = doc["paths"][path]["parameters"].as_array().cloned();
        let own = operation["parameters"].as_array().cloned();
        shared
            .into_iter()
            .chain(own)
            .flatten()
            .map(|p| resolve(doc, &p).clone())
            .filter(|p| p["in"] == "query")
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn every_query_parameter_is_the_codes() {
        let doc = document();
        let lists: BTreeMap<&str, &[&str]> = [
            ("/v1/tenants", TENANT_LIST_QUERY),
            ("/v1/api-keys", API_KEY_LIST_QUERY),
            ("/v1/events", EVENT_LIST_QUERY),
        ]
        .into();
        for (method, path, operation) in operations(&doc) {
            let route = http::route(&sample_path(&path));
            let expected = match (method.as_str(), lists.get(path.as_str())) {
                ("GET", Some(list)) => set(list.iter().copied()),
                _ if http::Write::of(route, &method).is_some() => {
                    set(http::DRY_RUN_QUERY.iter().copied())
                }
                _ => BTreeSet::new(),
            };
            assert_eq!(
                query_parameters(&doc, &path, operation),
                expected,
                "{method} {path}: the document's query parameters (left), the code's (right)"
            );
        }
        let types = &doc["paths"]["/v1/events"]["get"]["parameters"][2]["schema"]["enum"];
        assert_eq!(names(types), set(EventType::ALL.iter().map(|t| t.name())));
    }

    fn schema<'a>(doc: &'a Value, name: &str) -> &'a Value {
        &doc["components"]["schemas"][name]
    }

    fn properties(doc: &Value, name: &str) -> BTreeSet<String> {
        let object = schema(doc, name)["properties"].as_object();
        object.into_iter().flat_map(Map::keys).cloned().collect()
    }

    fn required(doc: &Value, name: &str) -> BTreeSet<String> {
        names(&schema(doc, name)["required"])
    }

    #[test]
    fn request_bodies_have_the_fields_the_code_reads() {
        let doc = document();
        let all = REQUEST_FIELDS.iter().map(|f| f.name);
        let must = REQUEST_FIELDS.iter().filter(|f| f.required).map(|f| f.name);
        assert_eq!(properties(&doc, "CreateTenant"), set(all));
        assert_eq!(required(&doc, "CreateTenant"), set(must));
        assert_eq!(
            properties(&doc, "UpdateTenant"),
            set(UPDATABLE_FIELDS.iter().copied())
        );
        let tenant: BTreeSet<String> = UPDATABLE_FIELDS
            .iter()
            .chain(READ_ONLY_FIELDS)
            .map(|f| (*f).to_owned())
            .collect();
        assert_eq!(properties(&doc, "Tenant"), tenant);
        assert_eq!(
            properties(&doc, "CreateApiKey"),
            set(KEY_FIELDS.iter().copied())
        );
        assert_eq!(properties(&doc, "AcceptInvite"), set([TOKEN_FIELD]));
        assert_eq!(
            names(&schema(&doc, "Scope")["enum"]),
            set(Scope::ALL.iter().map(|s| s.as_str()))
        );
        for name in [
            "CreateTenant",
            "UpdateTenant",
            "CreateApiKey",
            "AcceptInvite",
        ] {
            assert_eq!(
                schema(&doc, name)["additionalProperties"],
                false,
                "{name}: the code refuses unknown fields"
            );
        }
    }

    fn time() -> Timestamp {
        Timestamp::from_unix_seconds(1_776_254_400).unwrap()
    }

    fn tenant() -> Tenant {
        Tenant {
            id: Uuid::nil(),
            name: "Acme".into(),
            slug: "acme".into(),
            locale: "en".into(),
            owner_email: Some("ann@acme.example".into()),
            owner_user_id: Some(Uuid::nil()),
            sso_start_url: None,
            sso_region: None,
            is_master: false,
            primary_domain: None,
            created_at: time(),
            updated_at: time(),
        }
    }

    fn key() -> ApiKeyInfo {
        ApiKeyInfo {
            id: Uuid::nil(),
            name: "ci".into(),
            tenant_id: Uuid::nil(),
            scopes: vec!["tenants:read".into()],
            created_at: time(),
            revoked_at: None,
        }
    }

    fn event() -> EventInfo {
        EventInfo {
            id: "evt_0123456789abcdef0123456789abcdef".into(),
            kind: "tenant.created".into(),
            created_at: time(),
            tenant_id: Uuid::nil(),
            data: json!({}),
            attempts: 0,
            delivered_at: None,
            next_attempt_at: None,
            last_error: None,
        }
    }

    fn page<T>(item: T) -> Page<T> {
        Page {
            data: vec![item],
            next_cursor: None,
            has_more: false,
        }
    }

    /// Each object the handlers serialise, with the schema that describes it.
    fn serialised() -> Vec<(&'static str, Value)> {
        let full_error = ErrorBody {
            code: "forbidden",
            message: "m".into(),
            details: Map::from_iter([("policies".to_owned(), json!(["p"]))]),
            notices: vec!["n".into()],
        };
        let value = |v: Result<Value, serde_json::Error>| v.expect("serialises");
        vec![
            ("Tenant", value(serde_json::to_value(tenant()))),
            ("ApiKey", value(serde_json::to_value(key()))),
            (
                "CreatedApiKey",
                value(serde_json::to_value(CreatedKey {
                    key: key(),
                    api_key: Some("tnty_x_y".into()),
                })),
            ),
            ("Event", value(serde_json::to_value(event()))),
            ("TenantPage", value(serde_json::to_value(page(tenant())))),
            ("ApiKeyPage", value(serde_json::to_value(page(key())))),
            ("EventPage", value(serde_json::to_value(page(event())))),
            (
                "InviteSent",
                value(serde_json::to_value(Resent {
                    expires_at: time(),
                    invite_token: "t".into(),
                })),
            ),
            (
                "InviteAccepted",
                value(serde_json::to_value(Accepted {
                    tenant_id: Uuid::nil(),
                    user_id: Uuid::nil(),
                    email: "ann@acme.example".into(),
                })),
            ),
            ("Error", value(serde_json::to_value(full_error))),
        ]
    }

    #[test]
    fn every_object_the_code_sends_has_the_documented_fields() {
        let doc = document();
        for (name, value) in serialised() {
            let keys: BTreeSet<String> = value.as_object().unwrap().keys().cloned().collect();
            assert_eq!(
                keys,
                properties(&doc, name),
                "{name}: the fields the code sends (left), the document's (right)"
            );
            assert!(
                required(&doc, name).is_subset(&keys),
                "{name}: a required field is never sent"
            );
        }
        let bare = serde_json::to_value(ApiError::UnknownTenant.body()).unwrap();
        let keys: BTreeSet<String> = bare.as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            required(&doc, "Error"),
            "an error's fields always sent"
        );
    }

    /// Every error of the code. The match makes a new variant a compile error here until it is
    /// listed; the indexes make the list complete.
    fn every_error() -> Vec<ApiError> {
        fn index(error: &ApiError) -> usize {
            match error {
                ApiError::InvalidJson(_) => 0,
                ApiError::InvalidFields { .. } => 1,
                ApiError::InvalidHeader { .. } => 2,
                ApiError::Unauthenticated => 3,
                ApiError::TenantMismatch => 4,
                ApiError::Forbidden { .. } => 5,
                ApiError::MissingScopes { .. } => 6,
                ApiError::UnknownTenant => 7,
                ApiError::UnknownApiKey => 8,
                ApiError::UnknownEvent => 9,
                ApiError::UnknownInvite => 10,
                ApiError::InviteUsed => 11,
                ApiError::InviteExpired => 12,
                ApiError::OwnerActive => 13,
                ApiError::NoOwner => 14,
                ApiError::InvalidQuery { .. } => 15,
                ApiError::MasterTenant => 16,
                ApiError::PreconditionFailed => 17,
                ApiError::MalformedRequest(_) => 18,
                ApiError::NotFound(_) => 19,
                ApiError::MethodNotAllowed { .. } => 20,
                ApiError::SlugTaken { .. } => 21,
                ApiError::RequestTimeout { .. } => 22,
                ApiError::PayloadTooLarge { .. } => 23,
                ApiError::UriTooLong { .. } => 24,
                ApiError::UnsupportedMediaType => 25,
                ApiError::HeadersTooLarge { .. } => 26,
                ApiError::Internal(_) => 27,
                ApiError::InvalidIdempotencyKey => 28,
                ApiError::IdempotencyKeyReused => 29,
                ApiError::IdempotencyInFlight => 30,
            }
        }
        let errors = vec![
            ApiError::InvalidJson(String::new()),
            ApiError::InvalidFields {
                fields: BTreeMap::new(),
                unlisted_unknown: 0,
            },
            ApiError::InvalidHeader {
                header: "X-Tenant-ID",
                problem: "",
            },
            ApiError::Unauthenticated,
            ApiError::TenantMismatch,
            ApiError::Forbidden {
                policies: vec![],
                notices: vec![],
                errors: vec![],
            },
            ApiError::MissingScopes { scopes: vec![] },
            ApiError::UnknownTenant,
            ApiError::UnknownApiKey,
            ApiError::UnknownEvent,
            ApiError::UnknownInvite,
            ApiError::InviteUsed,
            ApiError::InviteExpired,
            ApiError::OwnerActive,
            ApiError::NoOwner,
            ApiError::InvalidQuery {
                parameter: "limit",
                problem: "",
            },
            ApiError::MasterTenant,
            ApiError::PreconditionFailed,
            ApiError::MalformedRequest(String::new()),
            ApiError::NotFound(String::new()),
            ApiError::MethodNotAllowed {
                method: String::new(),
                allow: "GET",
            },
            ApiError::SlugTaken {
                slug: String::new(),
                reason: SlugConflict::InUse,
                suggestions: vec![],
            },
            ApiError::RequestTimeout { seconds: 1 },
            ApiError::PayloadTooLarge { limit: 1 },
            ApiError::UriTooLong { limit: 1 },
            ApiError::UnsupportedMediaType,
            ApiError::HeadersTooLarge {
                max_count: 1,
                max_bytes: 1,
            },
            ApiError::Internal(String::new()),
            ApiError::InvalidIdempotencyKey,
            ApiError::IdempotencyKeyReused,
            ApiError::IdempotencyInFlight,
        ];
        let indexes: Vec<usize> = errors.iter().map(index).collect();
        assert_eq!(
            indexes,
            (0..errors.len()).collect::<Vec<_>>(),
            "list every error once"
        );
        errors
    }

    /// Every (status, code) the document's error responses name.
    fn documented_codes(doc: &Value) -> BTreeSet<(u16, String)> {
        let mut found = BTreeSet::new();
        for (_, _, operation) in operations(doc) {
            for (status, response) in operation["responses"].as_object().unwrap() {
                let response = resolve(doc, response);
                let schema = &response["content"]["application/json"]["schema"];
                let codes = &schema["allOf"][1]["properties"]["code"]["enum"];
                for code in names(codes) {
                    found.insert((status.parse().unwrap(), code));
                }
            }
        }
        found
    }

    #[test]
    fn the_error_codes_are_the_tables() {
        let doc = document();
        // A 405 belongs to no operation (it answers a method the path has none for), so the
        // document states it once, in its description.
        let description = doc["info"]["description"].as_str().unwrap();
        assert!(
            description.contains("405 `method_not_allowed`"),
            "{description}"
        );
        let table: BTreeSet<(u16, String)> = every_error()
            .iter()
            .map(ApiError::status_and_code)
            .filter(|(status, _)| *status != 405)
            .map(|(status, code)| (status, code.to_owned()))
            .collect();
        assert_eq!(
            documented_codes(&doc),
            table,
            "the document's error codes (left), the table's (right)"
        );
    }

    #[test]
    fn both_servers_answer_the_document_as_it_is() {
        let policies = Policies::embedded().unwrap();
        let store = MemoryStore::new();
        for method in ["GET", "HEAD"] {
            let request = HttpRequest {
                method,
                path: http::OPENAPI_PATH,
                query: "",
                headers: &[],
                body: b"",
            };
            let fresh = Fresh::from_random_bytes([7; crate::FRESH_RANDOM_BYTES]);
            let response = pollster::block_on(http::handle(
                &policies,
                &store,
                request,
                time(),
                fresh,
                crate::InviteTtl::default(),
            ));
            assert_eq!((response.status, response.body.as_str()), (200, DOCUMENT));
        }
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
    }
}
