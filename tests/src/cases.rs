//! The cases: every row of the contract's header, field, status and ordering tables. Field
//! cases come from `tests/cases/validation.json`, which the browser preview's tests read too.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::Request;
use crate::fixture::Fixture;

/// Which `X-API-Key` a case sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// No header.
    Missing,
    /// The platform key with `tenants:create`.
    Master,
    /// A platform key without scopes.
    Unscoped,
    /// A customer tenant's key with `tenants:create`.
    Other,
    /// A revoked platform key.
    Revoked,
    /// A key of the right shape that was never issued.
    Unknown,
    /// The platform key with its secret changed.
    WrongSecret,
    /// Not a key at all.
    Garbage,
    /// The platform key, sent in two `X-API-Key` headers.
    MasterTwice,
}

/// Which `X-Tenant-ID` a case sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenantHeader {
    /// No header.
    Missing,
    /// The platform tenant's id.
    Master,
    /// The platform tenant's id in uppercase.
    MasterUppercase,
    /// The customer tenant's id.
    Other,
    /// Text that is not a UUID.
    NotAUuid,
    /// The platform tenant's id, sent in two `X-Tenant-ID` headers.
    MasterTwice,
    /// A byte outside ASCII (`é`, sent as the one byte 0xE9).
    NonAscii,
}

/// What a case expects.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// The status.
    pub status: u16,
    /// The error code, for errors.
    pub code: Option<&'static str>,
    /// Exactly these fields in `details.fields`.
    pub fields: Option<Vec<String>>,
    /// `details.header`.
    pub header: Option<&'static str>,
    /// Exactly these `details.policies`.
    pub policies: Option<Vec<&'static str>>,
    /// Substrings some notice must contain.
    pub notices: Vec<&'static str>,
    /// The `Allow` header.
    pub allow: Option<&'static str>,
    /// A substring of the error's `message`.
    pub message: Option<&'static str>,
    /// `details.reason` of a 409.
    pub reason: Option<&'static str>,
    /// A 409's suggestions must be non-empty and start with this one.
    pub first_suggestion: Option<&'static str>,
    /// Fields of the created tenant that must have these values.
    pub tenant: Option<Value>,
    /// Entries of `details` that must have these values.
    pub details: Vec<(&'static str, Value)>,
    /// The whole body, byte for byte.
    pub raw_body: Option<&'static str>,
}

/// One case.
#[derive(Debug, Clone)]
pub struct Case {
    /// What it shows.
    pub name: String,
    /// The method.
    pub method: &'static str,
    /// The path.
    pub path: String,
    /// The key sent.
    pub key: Key,
    /// The tenant header sent.
    pub tenant: TenantHeader,
    /// The `Content-Type` sent, if any.
    pub content_type: Option<&'static str>,
    /// Headers sent after the key, tenant and content type.
    pub extra_headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
    /// The expected answer.
    pub expect: Expect,
}

impl Case {
    /// A well-formed create by the platform key with this JSON body.
    pub fn create(name: impl Into<String>, body: &Value, expect: Expect) -> Self {
        Self {
            name: name.into(),
            method: "POST",
            path: "/v1/tenants".to_owned(),
            key: Key::Master,
            tenant: TenantHeader::Master,
            content_type: Some("application/json"),
            extra_headers: Vec::new(),
            body: body.to_string().into_bytes(),
            expect,
        }
    }

    fn with_key(mut self, key: Key) -> Self {
        self.key = key;
        self
    }

    fn with_tenant(mut self, tenant: TenantHeader) -> Self {
        self.tenant = tenant;
        self
    }

    fn with_content_type(mut self, content_type: Option<&'static str>) -> Self {
        self.content_type = content_type;
        self
    }

    fn with_header(mut self, name: &str, value: &str) -> Self {
        self.extra_headers.push((name.to_owned(), value.to_owned()));
        self
    }

    fn with_body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    fn with_extra_headers(mut self, headers: Vec<(String, String)>) -> Self {
        self.extra_headers = headers;
        self
    }

    fn route(name: &str, method: &'static str, path: &str, expect: Expect) -> Self {
        Self {
            method,
            path: path.to_owned(),
            ..Self::create(name, &json!({}), expect)
        }
    }

    /// The request this case sends, given the fixture.
    pub fn request(&self, fixture: &Fixture) -> Request {
        let mut headers = Vec::new();
        let master_secret_changed = {
            let mut key = fixture.master_key.clone();
            key.pop();
            key.push(if fixture.master_key.ends_with('0') {
                '1'
            } else {
                '0'
            });
            key
        };
        let key = match self.key {
            Key::Missing => None,
            Key::Master => Some(fixture.master_key.clone()),
            Key::Unscoped => Some(fixture.unscoped_key.clone()),
            Key::Other => Some(fixture.other_key.clone()),
            Key::Revoked => Some(fixture.revoked_key.clone()),
            Key::Unknown => Some(format!("tnty_{}_{}", "ab".repeat(16), "cd".repeat(32))),
            Key::WrongSecret => Some(master_secret_changed),
            Key::Garbage => Some("let me in".to_owned()),
            Key::MasterTwice => Some(fixture.master_key.clone()),
        };
        if let Some(key) = key {
            if self.key == Key::MasterTwice {
                headers.push(("X-API-Key".to_owned(), key.clone()));
            }
            headers.push(("X-API-Key".to_owned(), key));
        }
        let tenant = match self.tenant {
            TenantHeader::Missing => None,
            TenantHeader::Master => Some(fixture.master_tenant.to_string()),
            TenantHeader::MasterUppercase => Some(fixture.master_tenant.to_string().to_uppercase()),
            TenantHeader::Other => Some(fixture.other_tenant.to_string()),
            TenantHeader::NotAUuid => Some("tenant-1".to_owned()),
            TenantHeader::MasterTwice => Some(fixture.master_tenant.to_string()),
            TenantHeader::NonAscii => Some("caf\u{e9}".to_owned()),
        };
        if let Some(tenant) = tenant {
            if self.tenant == TenantHeader::MasterTwice {
                headers.push(("X-Tenant-ID".to_owned(), tenant.clone()));
            }
            headers.push(("X-Tenant-ID".to_owned(), tenant));
        }
        if let Some(content_type) = self.content_type {
            headers.push(("Content-Type".to_owned(), content_type.to_owned()));
        }
        headers.extend(self.extra_headers.iter().cloned());
        Request {
            method: self.method.to_owned(),
            path: self.path.clone(),
            headers,
            body: self.body.clone(),
        }
    }
}

/// A field case of `tests/cases/validation.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct ValidationCase {
    /// What it shows.
    pub name: String,
    /// The JSON body.
    pub body: Value,
    /// For a valid body: fields of the created tenant and their values.
    #[serde(default)]
    pub valid: Option<Value>,
    /// For an invalid body: exactly the fields `details.fields` names.
    #[serde(default)]
    pub fields: Option<Vec<String>>,
}

/// The field cases, shared with the browser preview's tests.
pub const VALIDATION_JSON: &str = include_str!("../cases/validation.json");

/// The field cases, parsed.
pub fn validation_cases() -> Vec<ValidationCase> {
    serde_json::from_str(VALIDATION_JSON)
        .unwrap_or_else(|e| panic!("tests/cases/validation.json: {e}"))
}

fn error(status: u16, code: &'static str) -> Expect {
    Expect {
        status,
        code: Some(code),
        ..Expect::default()
    }
}

fn created(tenant: Value) -> Expect {
    Expect {
        status: 201,
        tenant: Some(tenant),
        ..Expect::default()
    }
}

fn acme(slug: &str) -> Value {
    json!({ "name": "Acme Corp", "slug": slug, "owner_email": "ann@acme.test", "owner_name": "Ann" })
}

/// Every case, in the order they run on one fresh database (some rely on earlier ones).
pub fn all() -> Vec<Case> {
    let mut cases = Vec::new();
    // Authentication (401): one message for missing, unknown, revoked, wrong-secret and garbage keys.
    for key in [
        Key::Missing,
        Key::Unknown,
        Key::Revoked,
        Key::WrongSecret,
        Key::Garbage,
    ] {
        cases.push(
            Case::create(
                format!("401 for key {key:?}"),
                &acme("auth-check"),
                error(401, "unauthenticated"),
            )
            .with_key(key),
        );
    }
    // The tenant header (400/403).
    cases.push(
        Case::create(
            "400 when X-Tenant-ID is missing",
            &acme("hdr-missing"),
            Expect {
                header: Some("X-Tenant-ID"),
                ..error(400, "invalid_input")
            },
        )
        .with_tenant(TenantHeader::Missing),
    );
    cases.push(
        Case::create(
            "400 when X-Tenant-ID is not a UUID",
            &acme("hdr-bad"),
            Expect {
                header: Some("X-Tenant-ID"),
                ..error(400, "invalid_input")
            },
        )
        .with_tenant(TenantHeader::NotAUuid),
    );
    cases.push(
        Case::create(
            "403 tenant_mismatch for another tenant's id",
            &acme("hdr-other"),
            error(403, "tenant_mismatch"),
        )
        .with_tenant(TenantHeader::Other),
    );
    cases.push(
        Case::create(
            "X-Tenant-ID matches in any letter case",
            &acme("upper-case-id"),
            created(json!({"slug": "upper-case-id"})),
        )
        .with_tenant(TenantHeader::MasterUppercase),
    );
    // Media type and size.
    cases.push(
        Case::create(
            "415 for text/plain",
            &acme("media-1"),
            error(415, "unsupported_media_type"),
        )
        .with_content_type(Some("text/plain")),
    );
    cases.push(
        Case::create(
            "415 without Content-Type",
            &acme("media-2"),
            error(415, "unsupported_media_type"),
        )
        .with_content_type(None),
    );
    cases.push(
        Case::create(
            "application/json with a charset is accepted",
            &acme("charset-ok"),
            created(json!({"slug": "charset-ok"})),
        )
        .with_content_type(Some("Application/JSON; charset=utf-8")),
    );
    let oversized = format!(
        r#"{{"name":"{}","owner_email":"a@a.test","owner_name":"A"}}"#,
        "n".repeat(64 * 1024)
    );
    cases.push(
        Case::create(
            "413 for a body over 64 KiB",
            &json!({}),
            error(413, "payload_too_large"),
        )
        .with_body(oversized.into_bytes()),
    );
    let at_limit = {
        let frame = r#"{"name":"","owner_email":"a@a.test","owner_name":"A"}"#;
        format!(
            r#"{{"name":"{}","owner_email":"a@a.test","owner_name":"A"}}"#,
            "n".repeat(64 * 1024 - frame.len())
        )
    };
    cases.push(
        Case::create(
            "a body of exactly 64 KiB is read (and its name is too long)",
            &json!({}),
            Expect {
                fields: Some(vec!["name".into()]),
                ..error(400, "invalid_input")
            },
        )
        .with_body(at_limit.into_bytes()),
    );
    // Malformed JSON.
    for (name, body) in [
        ("truncated", &b"{\"name\": "[..]),
        ("not JSON", b"name=acme"),
        ("empty", b""),
        ("invalid UTF-8", b"\"\xff\""),
        (
            "a duplicate key",
            br#"{"name":"Acme","owner_email":"a@a.test","owner_name":"A","name":"Evil"}"#,
        ),
        (
            "a duplicate key in a nested object",
            br#"{"name":"Acme","owner_email":"a@a.test","owner_name":{"a":1,"a":2}}"#,
        ),
    ] {
        cases.push(
            Case::create(
                format!("400 invalid_json: {name}"),
                &json!({}),
                error(400, "invalid_json"),
            )
            .with_body(body.to_vec()),
        );
    }
    // Many unknown keys: the error lists 20 of them (names cut to 64 characters) and counts
    // the rest, so it stays smaller than the body.
    let mut many = serde_json::Map::new();
    for i in 0..100 {
        many.insert(format!("unknown_{i:03}_{}", "k".repeat(200)), json!(1));
    }
    let mut listed: Vec<String> = (0..20)
        .map(|i| format!("unknown_{i:03}_{}", "k".repeat(52)))
        .collect();
    listed.extend(["name", "owner_email", "owner_name"].map(String::from));
    cases.push(Case::create(
        "many unknown keys: 20 listed, cut to 64 characters, the rest counted",
        &Value::Object(many),
        Expect {
            fields: Some(listed),
            details: vec![("unlisted_unknown_fields", json!(80))],
            ..error(400, "invalid_input")
        },
    ));
    // Fields.
    for case in validation_cases() {
        let expect = match (&case.valid, &case.fields) {
            (Some(valid), _) => created(valid.clone()),
            (None, fields) => Expect {
                fields: fields.clone(),
                ..error(400, "invalid_input")
            },
        };
        cases.push(Case::create(
            format!("field: {}", case.name),
            &case.body,
            expect,
        ));
    }
    // Policy (403) with notices and the determining policies.
    cases.push(
        Case::create(
            "403 for a platform key without the scope",
            &acme("no-scope"),
            Expect {
                policies: Some(vec!["create-requires-tenants-create-scope"]),
                notices: vec!["tenants:create"],
                ..error(403, "forbidden")
            },
        )
        .with_key(Key::Unscoped),
    );
    cases.push(
        Case::create(
            "403 for another tenant's key",
            &acme("not-platform"),
            Expect {
                policies: Some(vec!["only-platform-tenant-creates-tenants"]),
                notices: vec!["platform"],
                ..error(403, "forbidden")
            },
        )
        .with_key(Key::Other)
        .with_tenant(TenantHeader::Other),
    );
    // Slugs (409).
    cases.push(Case::create(
        "a free slug is created",
        &acme("acme"),
        created(json!({"slug": "acme", "name": "Acme Corp"})),
    ));
    cases.push(Case::create(
        "409 in_use for a taken slug, with suggestions",
        &acme("acme"),
        Expect {
            reason: Some("in_use"),
            first_suggestion: Some("acme-2"),
            ..error(409, "slug_taken")
        },
    ));
    cases.push(Case::create(
        "slugs compare case-insensitively",
        &acme("ACME"),
        Expect {
            reason: Some("in_use"),
            ..error(409, "slug_taken")
        },
    ));
    cases.push(Case::create(
        "409 reserved for a reserved slug",
        &acme("admin"),
        Expect {
            reason: Some("reserved"),
            first_suggestion: Some("admin-2"),
            ..error(409, "slug_taken")
        },
    ));
    let globex = json!({ "name": "Globex", "owner_email": "h@globex.test", "owner_name": "Hank" });
    cases.push(Case::create(
        "a derived slug",
        &globex,
        created(json!({"slug": "globex"})),
    ));
    cases.push(Case::create(
        "a taken derived slug picks a free variant",
        &globex,
        created(json!({"slug": "globex-2"})),
    ));
    let admin_name = json!({ "name": "Admin", "owner_email": "a@admin.test", "owner_name": "A" });
    cases.push(Case::create(
        "a reserved derived slug picks a variant",
        &admin_name,
        created(json!({"slug": "admin-2"})),
    ));
    // The order of checks: 401, then 400/403 header, then body, then policy, then slug.
    cases.push(
        Case::create(
            "401 before a bad tenant header",
            &json!({}),
            error(401, "unauthenticated"),
        )
        .with_key(Key::Unknown)
        .with_tenant(TenantHeader::NotAUuid),
    );
    cases.push(
        Case::create(
            "tenant header before the body",
            &json!({}),
            error(403, "tenant_mismatch"),
        )
        .with_tenant(TenantHeader::Other)
        .with_body(b"{".to_vec()),
    );
    cases.push(
        Case::create(
            "body before policy",
            &json!({"name": ""}),
            error(400, "invalid_input"),
        )
        .with_key(Key::Unscoped),
    );
    cases.push(
        Case::create("policy before slug", &acme("acme"), error(403, "forbidden"))
            .with_key(Key::Unscoped),
    );
    // Routes.
    cases.push(Case::route(
        "404 for an unknown route",
        "GET",
        "/v1/nothing",
        error(404, "not_found"),
    ));
    cases.push(Case::route(
        "404 for a trailing slash",
        "POST",
        "/v1/tenants/",
        error(404, "not_found"),
    ));
    for (method, path, allow) in [
        ("DELETE", "/v1/tenants", "GET, POST"),
        ("PATCH", "/v1/tenants", "GET, POST"),
        (
            "POST",
            "/v1/tenants/00000000-0000-4000-8000-000000000000",
            "GET, PUT, DELETE",
        ),
        ("PUT", "/v1/api-keys", "GET, POST"),
        (
            "PUT",
            "/v1/api-keys/00000000-0000-4000-8000-000000000000",
            "GET, DELETE",
        ),
    ] {
        cases.push(Case::route(
            &format!("405 for {method} {path}"),
            method,
            path,
            Expect {
                allow: Some(allow),
                ..error(405, "method_not_allowed")
            },
        ));
    }
    for path in [
        "/v1/tenants/not-a-uuid",
        "/v1/tenants/00000000-0000-4000-8000-000000000000/x",
        "/v1/api-keys/123",
    ] {
        cases.push(Case::route(
            &format!("404 for GET {path} (ids in paths are UUIDs)"),
            "GET",
            path,
            error(404, "not_found"),
        ));
    }
    for (path, parameter) in [
        ("/v1/tenants?limit=0", "limit"),
        ("/v1/tenants?limit=251", "limit"),
        ("/v1/tenants?limit=ten", "limit"),
        ("/v1/tenants?cursor=abc", "cursor"),
        ("/v1/api-keys?tenant_id=x", "tenant_id"),
        ("/v1/api-keys?limit=1&limit=2", "limit"),
    ] {
        cases.push(Case::route(
            &format!("400 for GET {path}, naming `{parameter}`"),
            "GET",
            path,
            Expect {
                details: vec![("query", json!(parameter))],
                ..error(400, "invalid_input")
            },
        ));
    }
    cases.push(Case::route(
        "GET /v1/tenants lists with the platform key",
        "GET",
        "/v1/tenants?limit=2",
        Expect {
            status: 200,
            ..Expect::default()
        },
    ));
    cases.push(
        Case::route(
            "403 listing tenants with a customer key, with a notice",
            "GET",
            "/v1/tenants",
            Expect {
                policies: Some(vec![
                    "only-platform-tenant-lists-tenants",
                    "reading-tenants-requires-tenants-read-scope",
                ]),
                notices: vec!["platform"],
                ..error(403, "forbidden")
            },
        )
        .with_key(Key::Other)
        .with_tenant(TenantHeader::Other),
    );
    cases.push(
        Case::route(
            "403 listing tenants without `tenants:read`",
            "GET",
            "/v1/tenants",
            Expect {
                policies: Some(vec!["reading-tenants-requires-tenants-read-scope"]),
                notices: vec!["tenants:read"],
                ..error(403, "forbidden")
            },
        )
        .with_key(Key::Unscoped),
    );
    // Bodies of the new routes follow create's rules.
    let missing = "/v1/tenants/00000000-0000-4000-8000-00000000dead";
    for (method, path) in [("POST", "/v1/api-keys"), ("PUT", missing)] {
        cases.push(
            Case::route(
                &format!("415 for {method} {path} as text/plain"),
                method,
                path,
                error(415, "unsupported_media_type"),
            )
            .with_content_type(Some("text/plain")),
        );
        cases.push(
            Case::route(
                &format!("400 invalid_json for {method} {path}"),
                method,
                path,
                error(400, "invalid_json"),
            )
            .with_body(b"{".to_vec()),
        );
        cases.push(
            Case::route(
                &format!("413 for {method} {path} over 64 KiB"),
                method,
                path,
                error(413, "payload_too_large"),
            )
            .with_body(format!(r#"{{"name":"{}"}}"#, "n".repeat(64 * 1024)).into_bytes()),
        );
    }
    cases.push(Case {
        body: br#"{"name":"","scopes":["tenants:creat"],"plan":1}"#.to_vec(),
        ..Case::route(
            "a key body reports every problem at once",
            "POST",
            "/v1/api-keys",
            Expect {
                fields: Some(vec!["name".into(), "plan".into(), "scopes".into()]),
                ..error(400, "invalid_input")
            },
        )
    });
    cases.push(Case {
        body: br#"{"name":"x"}"#.to_vec(),
        ..Case::route(
            "a PUT of an unknown tenant is 404 after the body is read",
            "PUT",
            missing,
            error(404, "not_found"),
        )
    });
    cases.push(Case::route(
        "404 for an unknown tenant id, in upper case",
        "GET",
        "/v1/tenants/0000000A-0000-4000-8000-000000000000",
        Expect {
            message: Some("no tenant with this id"),
            ..error(404, "not_found")
        },
    ));
    // The two servers agree on what reaches them differently: repeated headers (workerd joins
    // them with `, ` before the worker runs), dot segments (workerd resolves them), bytes outside
    // ASCII in a header, and paths outside the API that the worker's static assets would answer.
    cases.push(
        Case::create(
            "415 for Content-Type sent twice (read joined)",
            &acme("media-twice"),
            error(415, "unsupported_media_type"),
        )
        .with_header("Content-Type", "application/json"),
    );
    cases.push(
        Case::create(
            "401 for X-API-Key sent twice",
            &acme("key-twice"),
            error(401, "unauthenticated"),
        )
        .with_key(Key::MasterTwice),
    );
    cases.push(
        Case::create(
            "400 for X-Tenant-ID sent twice, even equal",
            &acme("tenant-twice"),
            Expect {
                header: Some("X-Tenant-ID"),
                message: Some("must be a UUID"),
                ..error(400, "invalid_input")
            },
        )
        .with_tenant(TenantHeader::MasterTwice),
    );
    cases.push(
        Case::create(
            "400 must be a UUID for a byte outside ASCII in X-Tenant-ID",
            &acme("tenant-latin1"),
            Expect {
                header: Some("X-Tenant-ID"),
                message: Some("must be a UUID"),
                ..error(400, "invalid_input")
            },
        )
        .with_tenant(TenantHeader::NonAscii),
    );
    cases.push(Case {
        path: "/v1/./tenants".to_owned(),
        ..Case::create(
            "a `.` segment resolves: POST /v1/./tenants creates",
            &acme("dot-segment"),
            created(json!({"slug": "dot-segment"})),
        )
    });
    cases.push(Case {
        path: "/v1/x/../tenants".to_owned(),
        ..Case::create(
            "a `..` segment resolves: POST /v1/x/../tenants creates",
            &acme("dot-dot-segment"),
            created(json!({"slug": "dot-dot-segment"})),
        )
    });
    for (method, path) in [("POST", "/"), ("DELETE", "/"), ("POST", "/app.js")] {
        cases.push(Case::route(
            &format!("404 JSON for {method} {path} (the page's paths take only reads)"),
            method,
            path,
            error(404, "not_found"),
        ));
    }
    // The head's limits come before the key: they are about the message, not its sender.
    cases.push(
        Case::create(
            "431 for 150 headers",
            &acme("many-headers"),
            error(431, "headers_too_large"),
        )
        .with_key(Key::Missing)
        .with_extra_headers(
            (0..150)
                .map(|i| (format!("X-Extra-{i}"), "1".to_owned()))
                .collect(),
        ),
    );
    cases.push(
        Case::create(
            "431 for 20 KiB of headers",
            &acme("big-headers"),
            error(431, "headers_too_large"),
        )
        .with_extra_headers(vec![("X-Big".to_owned(), "b".repeat(20 * 1024))]),
    );
    cases.push(
        Case::route(
            "414 for a 9 KiB path",
            "GET",
            &format!("/v1/{}", "p".repeat(9 * 1024)),
            error(414, "uri_too_long"),
        )
        .with_key(Key::Missing),
    );
    cases.push(Case::route(
        "health check",
        "GET",
        "/healthz",
        Expect {
            status: 200,
            ..Expect::default()
        },
    ));
    cases.push(
        Case::route(
            "the OpenAPI document, byte for byte, without a key",
            "GET",
            "/openapi.json",
            Expect {
                status: 200,
                raw_body: Some(tenantry_core::openapi::DOCUMENT),
                ..Expect::default()
            },
        )
        .with_key(Key::Missing),
    );
    cases
}
