//! The HTTP-agnostic handler: method, path, headers and body in; status, headers and a JSON body
//! out. The edge worker and the native server are thin translations of it.

use std::borrow::Cow;

use serde_json::json;

use serde::Serialize;
use uuid::Uuid;

use crate::authz::Policies;
use crate::cursor::{PageRequest, limit_error};
use crate::dry_run::DryRun;
use crate::error::ApiError;
use crate::event::{EventType, parse_id};
use crate::events::{self, EventQuery};
use crate::flow::{self, Body, CreateCall, Credentials, InviteTtl, Operation};
use crate::idempotency::IDEMPOTENCY_KEY_HEADER;
use crate::keys::{self, KeyBody, KeyCall, KeyQuery};
use crate::model::parse_hyphenated_uuid;
use crate::model::{Fresh, Timestamp};
use crate::store::TenantStore;
use crate::tenants::{self, TenantQuery, UpdateBody, UpdateCall, Versioned};
use crate::validate::MAX_BODY_BYTES;

/// The tenants' collection: create and list.
pub const TENANTS_PATH: &str = "/v1/tenants";
/// The API keys' collection: issue and list.
pub const API_KEYS_PATH: &str = "/v1/api-keys";
/// The events' collection: list; an event is below it (`/v1/events/evt_…`).
pub const EVENTS_PATH: &str = "/v1/events";
/// Accepting an invite: `POST` with the token, no API key.
pub const ACCEPT_INVITE_PATH: &str = "/v1/invites/accept";
/// The health route.
pub const HEALTH_PATH: &str = "/healthz";
/// The API's OpenAPI document ([`crate::openapi::DOCUMENT`]); `/docs` renders it.
pub const OPENAPI_PATH: &str = "/openapi.json";
/// The longest path a request may have, in bytes; longer: 414 `uri_too_long`.
pub const MAX_PATH_BYTES: usize = 8 * 1024;
/// The most headers a request may have; more: 431 `headers_too_large`.
pub const MAX_HEADERS: usize = 100;
/// The most bytes of header names and values a request may have; more: 431 `headers_too_large`.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Every response's `Content-Type`: every body is JSON, errors included.
pub const CONTENT_TYPE: (&str, &str) = ("Content-Type", "application/json");

/// A request, borrowed from whatever server received it.
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    /// The method, for example `POST`.
    pub method: &'a str,
    /// The path without the query, for example `/v1/tenants`.
    pub path: &'a str,
    /// The query without its `?`, for example `limit=7&cursor=…`; empty when there is none.
    pub query: &'a str,
    /// The headers as name and value, each as often as it was sent; names compare
    /// case-insensitively. A shell that holds raw bytes turns them into text with
    /// [`header_text`].
    pub headers: &'a [(&'a str, &'a str)],
    /// The body bytes (a shell reads at most [`crate::validate::MAX_BODY_BYTES`] + 1).
    pub body: &'a [u8],
}

impl<'a> HttpRequest<'a> {
    /// A header's value, by case-insensitive name. A header sent more than once reads as its
    /// values joined with `, `: that is how the Fetch standard (and so workerd, before the
    /// worker sees them) combines them, so both servers judge the same text. Two
    /// `Content-Type: application/json` thus read as `application/json, application/json`,
    /// which is not JSON's media type, and two API keys are no API key.
    pub fn header(&self, name: &str) -> Option<Cow<'a, str>> {
        let mut values = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v);
        let first = values.next()?;
        let Some(second) = values.next() else {
            return Some(Cow::Borrowed(first));
        };
        let mut joined = format!("{first}, {second}");
        for value in values {
            joined.push_str(", ");
            joined.push_str(value);
        }
        Some(Cow::Owned(joined))
    }
}

/// A header value's bytes as text, one character per byte (ISO-8859-1), as the Fetch standard
/// reads header values: a byte outside ASCII then reaches core as the same character from either
/// server, rather than the header vanishing where a shell insisted on UTF-8.
pub fn header_text(bytes: &[u8]) -> String {
    bytes.iter().copied().map(char::from).collect()
}

/// The path as a WHATWG URL parser leaves it: `.` and `..` segments (also written `%2e`)
/// resolved. workerd hands the worker its path parsed this way, so the native server normalises
/// the raw request target alike and `/v1/x/../tenants` is `/v1/tenants` on both. A path the parser
/// refuses is kept as it is (it then matches no route).
pub fn normalize_path(path: &str) -> Cow<'_, str> {
    if !path.contains(['.', '%', '\\']) {
        return Cow::Borrowed(path);
    }
    match url::Url::parse(&format!("http://host{path}")) {
        Ok(url) if url.path() != path => Cow::Owned(url.path().to_owned()),
        _ => Cow::Borrowed(path),
    }
}

/// Whether a shell with static assets (the worker's page) should answer this request from them:
/// a `GET` or `HEAD` outside the API's paths. Everything else, and an asset that does not exist,
/// goes to [`handle`], so a `POST /` answers the same JSON 404 from both servers.
pub fn serves_asset(method: &str, path: &str) -> bool {
    matches!(method, "GET" | "HEAD") && !is_api_path(&normalize_path(path))
}

/// The paths the API answers itself, whatever the method.
fn is_api_path(path: &str) -> bool {
    path == HEALTH_PATH || path == OPENAPI_PATH || path == "/v1" || path.starts_with("/v1/")
}

/// A response for the shell to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The headers to send as they are; [`CONTENT_TYPE`] is always among them.
    pub headers: Vec<(&'static str, String)>,
    /// The JSON body.
    pub body: String,
    /// A line for the server's log when something unexpected happened; never sent.
    pub log: Option<String>,
}

impl HttpResponse {
    /// The response for an error: its status, its body, `Allow` for a 405, and the log line.
    pub fn from_error(error: &ApiError) -> Self {
        let (status, _) = error.status_and_code();
        let mut headers = Vec::new();
        if let ApiError::MethodNotAllowed { allow, .. } = error {
            headers.push(("Allow", (*allow).to_owned()));
        }
        let log = match error {
            ApiError::Internal(detail) => Some(detail.clone()),
            ApiError::Forbidden { errors, .. } => policy_log(errors),
            _ => None,
        };
        let mut response = Self::ok(
            status,
            headers,
            serde_json::to_string(&error.body()).unwrap_or_default(),
        );
        response.log = log;
        response
    }

    /// `204 No Content`: no body, so no `Content-Type` either.
    fn no_content() -> Self {
        Self {
            status: 204,
            headers: Vec::new(),
            body: String::new(),
            log: None,
        }
    }

    fn ok(status: u16, mut headers: Vec<(&'static str, String)>, body: String) -> Self {
        let (name, value) = CONTENT_TYPE;
        headers.push((name, value.to_owned()));
        Self {
            status,
            headers,
            body,
            log: None,
        }
    }
}

/// Routes and answers one request. `now` and `fresh` are the time and random values of any
/// write it makes (and of its audit record); `invite_ttl` is how long an invite it writes stays
/// valid.
pub async fn handle<S: TenantStore + ?Sized>(
    policies: &Policies,
    store: &S,
    request: HttpRequest<'_>,
    now: Timestamp,
    fresh: Fresh,
    invite_ttl: InviteTtl,
) -> HttpResponse {
    if let Err(error) = check_head(request.path, request.headers) {
        return HttpResponse::from_error(&error);
    }
    let path = normalize_path(request.path);
    let route = route(&path);
    let (key, tenant) = (request.header("X-API-Key"), request.header("X-Tenant-ID"));
    let call = Call {
        op: Operation {
            policies,
            credentials: credentials(&key, &tenant),
            now,
            fresh: &fresh,
        },
        request: &request,
        invite_ttl,
    };
    let Some(write) = Write::of(route, request.method) else {
        return call.dispatch(store, route, &path).await;
    };
    let result = match dry_run(request.query) {
        Ok(true) => {
            let mut response = call
                .write(&DryRun(store), write)
                .await
                .unwrap_or_else(|error| HttpResponse::from_error(&error));
            response.headers.push((DRY_RUN_HEADER, "true".to_owned()));
            return response;
        }
        Ok(false) => call.write(store, write).await,
        Err(error) => Err(error),
    };
    result.unwrap_or_else(|error| HttpResponse::from_error(&error))
}

/// The header on every answer of a dry run, errors included.
pub const DRY_RUN_HEADER: &str = "Tenantry-Dry-Run";

/// The query parameters of the writes that take a dry run.
pub(crate) const DRY_RUN_QUERY: &[&str] = &["dry_run"];

/// The writes that take `?dry_run=`: those a client may want to try first.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Write {
    CreateTenant,
    UpdateTenant(Uuid),
    DeleteTenant(Uuid),
    CreateApiKey,
}

impl Write {
    /// The write a route and method make, if it takes a dry run.
    pub(crate) fn of(route: Option<Route>, method: &str) -> Option<Self> {
        match (route?, method) {
            (Route::Tenants, "POST") => Some(Self::CreateTenant),
            (Route::Tenant(id), "PUT") => Some(Self::UpdateTenant(id)),
            (Route::Tenant(id), "DELETE") => Some(Self::DeleteTenant(id)),
            (Route::ApiKeys, "POST") => Some(Self::CreateApiKey),
            _ => None,
        }
    }
}

/// The `dry_run` query parameter: `true` or `false` (the default); anything else is 400.
fn dry_run(query: &str) -> Result<bool, ApiError> {
    match Query::parse(query, DRY_RUN_QUERY)?.get("dry_run") {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(ApiError::InvalidQuery {
            parameter: "dry_run",
            problem: "must be `true` or `false`",
        }),
    }
}

/// The API's routes; ids in paths are UUIDs in any letter case, anything else is no route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    Health,
    OpenApi,
    Tenants,
    Tenant(Uuid),
    ApiKeys,
    ApiKey(Uuid),
    Events,
    Event(Uuid),
    EventRetry(Uuid),
    AcceptInvite,
    TenantInvite(Uuid),
}

impl Route {
    /// The methods the route takes, as the `Allow` header of a 405 lists them.
    pub(crate) fn allow(self) -> &'static str {
        match self {
            Self::Health | Self::OpenApi => "GET, HEAD",
            Self::Tenants | Self::ApiKeys => "GET, POST",
            Self::Tenant(_) => "GET, PUT, DELETE",
            Self::ApiKey(_) => "GET, DELETE",
            Self::Events | Self::Event(_) => "GET",
            Self::AcceptInvite | Self::TenantInvite(_) | Self::EventRetry(_) => "POST",
        }
    }
}

/// The route of a normalised path, if any.
pub(crate) fn route(path: &str) -> Option<Route> {
    let id = parse_hyphenated_uuid;
    match path {
        HEALTH_PATH => Some(Route::Health),
        OPENAPI_PATH => Some(Route::OpenApi),
        TENANTS_PATH => Some(Route::Tenants),
        API_KEYS_PATH => Some(Route::ApiKeys),
        EVENTS_PATH => Some(Route::Events),
        ACCEPT_INVITE_PATH => Some(Route::AcceptInvite),
        _ => {
            if let Some(rest) = path.strip_prefix("/v1/tenants/") {
                match rest.strip_suffix("/invite") {
                    Some(tenant) => id(tenant).map(Route::TenantInvite),
                    None => id(rest).map(Route::Tenant),
                }
            } else if let Some(rest) = path.strip_prefix("/v1/events/") {
                match rest.strip_suffix("/retry") {
                    Some(event) => parse_id(event).map(Route::EventRetry),
                    None => parse_id(rest).map(Route::Event),
                }
            } else {
                path.strip_prefix("/v1/api-keys/")
                    .and_then(id)
                    .map(Route::ApiKey)
            }
        }
    }
}

/// One request on its way to a flow: what every route hands on.
struct Call<'a> {
    /// What every flow but accepting an invite starts from, built once per request.
    op: Operation<'a>,
    request: &'a HttpRequest<'a>,
    invite_ttl: InviteTtl,
}

impl Call<'_> {
    /// Answers one of the writes that take `?dry_run=` on `store` (the real one, or a dry
    /// run's): only these are built for both, the other routes for the real store alone.
    async fn write<S: TenantStore + ?Sized>(
        &self,
        store: &S,
        write: Write,
    ) -> Result<HttpResponse, ApiError> {
        match write {
            Write::CreateTenant => self.create_tenant(store).await,
            Write::UpdateTenant(id) => self.update_tenant(store, id).await,
            Write::DeleteTenant(id) => self.delete_tenant(store, id).await,
            Write::CreateApiKey => self.create_api_key(store).await,
        }
    }

    /// Answers every other request.
    async fn dispatch<S: TenantStore + ?Sized>(
        &self,
        store: &S,
        route: Option<Route>,
        path: &str,
    ) -> HttpResponse {
        let result = match (route, self.request.method) {
            (Some(Route::Tenants), "GET") => self.list_tenants(store).await,
            (Some(Route::Tenant(id)), "GET") => self.get_tenant(store, id).await,
            (Some(Route::ApiKeys), "GET") => self.list_api_keys(store).await,
            (Some(Route::ApiKey(id)), "GET") => self.get_api_key(store, id).await,
            (Some(Route::ApiKey(id)), "DELETE") => self.revoke_api_key(store, id).await,
            (Some(Route::Events), "GET") => self.list_events(store).await,
            (Some(Route::AcceptInvite), "POST") => self.accept_invite(store).await,
            (Some(Route::TenantInvite(id)), "POST") => self.resend_invite(store, id).await,
            (Some(Route::Event(id)), "GET") => self.get_event(store, id).await,
            (Some(Route::EventRetry(id)), "POST") => self.retry_event(store, id).await,
            (Some(Route::Health), "GET" | "HEAD") => Ok(HttpResponse::ok(
                200,
                Vec::new(),
                json!({"status": "ok"}).to_string(),
            )),
            (Some(Route::OpenApi), "GET" | "HEAD") => Ok(HttpResponse::ok(
                200,
                Vec::new(),
                crate::openapi::DOCUMENT.to_owned(),
            )),
            (Some(known), method) => Err(not_allowed(method, known.allow())),
            (None, _) => Err(ApiError::NotFound(path.to_owned())),
        };
        result.unwrap_or_else(|error| HttpResponse::from_error(&error))
    }

    async fn create_tenant<S: TenantStore + ?Sized>(
        &self,
        store: &S,
    ) -> Result<HttpResponse, ApiError> {
        let content_type = self.request.header("Content-Type");
        let idempotency_key = self.request.header(IDEMPOTENCY_KEY_HEADER);
        let call = CreateCall {
            body: Body::Json {
                content_type: content_type.as_deref(),
                bytes: self.request.body,
            },
            idempotency_key: idempotency_key.as_deref(),
            invite_ttl: self.invite_ttl,
        };
        let created = flow::create_tenant(self.op, store, call).await?;
        let location = format!("{TENANTS_PATH}/{}", created.tenant.id);
        let mut response = json_response(201, vec![("Location", location)], &created.tenant)?;
        response.log = policy_log(&created.policy_errors);
        Ok(response)
    }

    async fn list_tenants<S: TenantStore + ?Sized>(
        &self,
        store: &S,
    ) -> Result<HttpResponse, ApiError> {
        let query = Query::parse(self.request.query, TENANT_LIST_QUERY)?;
        let query = TenantQuery {
            page: query.page()?,
            slug: query.get("slug").map(str::to_owned),
        };
        let page = tenants::list_tenants(self.op, store, &query).await?;
        json_response(200, Vec::new(), &page)
    }

    async fn get_tenant<S: TenantStore + ?Sized>(
        &self,
        store: &S,
        id: Uuid,
    ) -> Result<HttpResponse, ApiError> {
        let found = tenants::get_tenant(self.op, store, id).await?;
        versioned(found)
    }

    async fn update_tenant<S: TenantStore + ?Sized>(
        &self,
        store: &S,
        id: Uuid,
    ) -> Result<HttpResponse, ApiError> {
        let content_type = self.request.header("Content-Type");
        let if_match = self.request.header("If-Match");
        let call = UpdateCall {
            body: UpdateBody::Json {
                content_type: content_type.as_deref(),
                bytes: self.request.body,
            },
            if_match: if_match.as_deref(),
        };
        let updated = tenants::update_tenant(self.op, store, call, id).await?;
        versioned(updated)
    }

    async fn delete_tenant<S: TenantStore + ?Sized>(
        &self,
        store: &S,
        id: Uuid,
    ) -> Result<HttpResponse, ApiError> {
        let if_match = self.request.header("If-Match");
        tenants::delete_tenant(self.op, store, id, if_match.as_deref()).await?;
        Ok(HttpResponse::no_content())
    }

    async fn create_api_key<S: TenantStore + ?Sized>(
        &self,
        store: &S,
    ) -> Result<HttpResponse, ApiError> {
        let content_type = self.request.header("Content-Type");
        let idempotency_key = self.request.header(IDEMPOTENCY_KEY_HEADER);
        let call = KeyCall {
            body: KeyBody::Json {
                content_type: content_type.as_deref(),
                bytes: self.request.body,
            },
            idempotency_key: idempotency_key.as_deref(),
        };
        let created = keys::create_api_key(self.op, store, call).await?;
        let location = format!("{API_KEYS_PATH}/{}", created.key.id);
        json_response(201, vec![("Location", location)], &created)
    }

    async fn list_api_keys<S: TenantStore + ?Sized>(
        &self,
        store: &S,
    ) -> Result<HttpResponse, ApiError> {
        let query = Query::parse(self.request.query, API_KEY_LIST_QUERY)?;
        let tenant_id = match query.get("tenant_id") {
            None => None,
            Some(text) => Some(parse_hyphenated_uuid(text).ok_or(ApiError::InvalidQuery {
                parameter: "tenant_id",
                problem: "must be a UUID",
            })?),
        };
        let query = KeyQuery {
            page: query.page()?,
            tenant_id,
        };
        let page = keys::list_api_keys(self.op, store, &query).await?;
        json_response(200, Vec::new(), &page)
    }

    async fn get_api_key<S: TenantStore + ?Sized>(
        &self,
        store: &S,
        id: Uuid,
    ) -> Result<HttpResponse, ApiError> {
        let found = keys::get_api_key(self.op, store, id).await?;
        json_response(200, Vec::new(), &found)
    }

    async fn revoke_api_key<S: TenantStore + ?Sized>(
        &self,
        store: &S,
        id: Uuid,
    ) -> Result<HttpResponse, ApiError> {
        keys::revoke_api_key(self.op, store, id).await?;
        Ok(HttpResponse::no_content())
    }

    async fn list_events<S: TenantStore + ?Sized>(
        &self,
        store: &S,
    ) -> Result<HttpResponse, ApiError> {
        let query = Query::parse(self.request.query, EVENT_LIST_QUERY)?;
        let kind = match query.get("type") {
            None => None,
            Some(name) => Some(EventType::parse(name).ok_or(ApiError::InvalidQuery {
                parameter: "type",
                problem: "is not an event type (`tenant.created`, `tenant.updated`, \
                          `tenant.deleted`, `invite.created`, `api_key.created`, \
                          `api_key.revoked`)",
            })?),
        };
        let query = EventQuery {
            page: query.page()?,
            kind,
        };
        let page = events::list_events(self.op, store, &query).await?;
        json_response(200, Vec::new(), &page)
    }

    async fn get_event<S: TenantStore + ?Sized>(
        &self,
        store: &S,
        id: Uuid,
    ) -> Result<HttpResponse, ApiError> {
        let found = events::get_event(self.op, store, id).await?;
        json_response(200, Vec::new(), &found)
    }

    async fn retry_event<S: TenantStore + ?Sized>(
        &self,
        store: &S,
        id: Uuid,
    ) -> Result<HttpResponse, ApiError> {
        let event = events::retry_event(self.op, store, id).await?;
        json_response(202, Vec::new(), &event)
    }

    async fn accept_invite<S: TenantStore + ?Sized>(
        &self,
        store: &S,
    ) -> Result<HttpResponse, ApiError> {
        let content_type = self.request.header("Content-Type");
        let accepted = crate::invites::accept_invite(
            store,
            content_type.as_deref(),
            self.request.body,
            self.op.now,
            self.op.fresh,
        )
        .await?;
        json_response(200, Vec::new(), &accepted)
    }

    async fn resend_invite<S: TenantStore + ?Sized>(
        &self,
        store: &S,
        id: Uuid,
    ) -> Result<HttpResponse, ApiError> {
        let resent = crate::invites::resend_invite(self.op, store, id, self.invite_ttl).await?;
        json_response(202, Vec::new(), &resent)
    }
}

fn credentials<'a>(
    key: &'a Option<Cow<'_, str>>,
    tenant: &'a Option<Cow<'_, str>>,
) -> Credentials<'a> {
    Credentials {
        api_key: key.as_deref(),
        tenant_id: tenant.as_deref(),
    }
}

fn json_response(
    status: u16,
    headers: Vec<(&'static str, String)>,
    value: &impl Serialize,
) -> Result<HttpResponse, ApiError> {
    let body = serde_json::to_string(value).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::ok(status, headers, body))
}

fn versioned(found: Versioned) -> Result<HttpResponse, ApiError> {
    json_response(200, vec![("ETag", found.etag)], &found.tenant)
}

/// The query parameters of `GET /v1/tenants`.
pub(crate) const TENANT_LIST_QUERY: &[&str] = &["limit", "cursor", "slug"];
/// The query parameters of `GET /v1/api-keys`.
pub(crate) const API_KEY_LIST_QUERY: &[&str] = &["limit", "cursor", "tenant_id"];
/// The query parameters of `GET /v1/events`.
pub(crate) const EVENT_LIST_QUERY: &[&str] = &["limit", "cursor", "type"];

/// A list's query parameters, decoded; each known one at most once, others ignored.
struct Query(Vec<(&'static str, String)>);

impl Query {
    fn parse(query: &str, known: &[&'static str]) -> Result<Self, ApiError> {
        let mut found: Vec<(&'static str, String)> = Vec::new();
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let Some(known) = known.iter().find(|k| **k == name) else {
                continue;
            };
            if found.iter().any(|(n, _)| n == known) {
                return Err(ApiError::InvalidQuery {
                    parameter: known,
                    problem: "must be given at most once",
                });
            }
            found.push((known, value.into_owned()));
        }
        Ok(Self(found))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    fn page(&self) -> Result<PageRequest, ApiError> {
        let limit = match self.get("limit") {
            None => None,
            Some(text) => Some(text.parse::<u32>().map_err(|_| limit_error())?),
        };
        Ok(PageRequest {
            limit,
            cursor: self.get("cursor").map(str::to_owned),
        })
    }
}

/// Checks what a server knows before it reads the body, in this order: the path's length (414),
/// the number and size of the headers (431), and a declared `Content-Length` over
/// [`MAX_BODY_BYTES`] (413). A server calls it before reading a body, so that it never reads one
/// it would refuse; [`handle`] calls it first too, so every way in answers alike. These come
/// before authentication: they are about the message, not about who sent it.
pub fn check_head(path: &str, headers: &[(&str, &str)]) -> Result<(), ApiError> {
    if path.len() > MAX_PATH_BYTES {
        return Err(ApiError::UriTooLong {
            limit: MAX_PATH_BYTES,
        });
    }
    let header_bytes: usize = headers.iter().map(|(n, v)| n.len() + v.len()).sum();
    if headers.len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
        return Err(ApiError::HeadersTooLarge {
            max_count: MAX_HEADERS,
            max_bytes: MAX_HEADER_BYTES,
        });
    }
    // An unreadable length is the HTTP stack's to refuse; here only a readable one counts.
    let declared = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("Content-Length"))
        .filter_map(|(_, v)| v.trim().parse::<u64>().ok())
        .max();
    match declared {
        Some(length) if length > MAX_BODY_BYTES as u64 => Err(ApiError::PayloadTooLarge {
            limit: MAX_BODY_BYTES,
        }),
        _ => Ok(()),
    }
}

fn not_allowed(method: &str, allow: &'static str) -> ApiError {
    ApiError::MethodNotAllowed {
        method: method.to_owned(),
        allow,
    }
}

/// The log line for Cedar's evaluation errors, if there were any: a policy that fails to
/// evaluate is skipped, so an operator must hear of it.
fn policy_log(errors: &[String]) -> Option<String> {
    (!errors.is_empty()).then(|| format!("cedar policy errors: {}", errors.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_resolve_as_a_url_parser_resolves_them() {
        for (raw, normal) in [
            ("/v1/tenants", "/v1/tenants"),
            ("/v1/./tenants", "/v1/tenants"),
            ("/v1/x/../tenants", "/v1/tenants"),
            ("/v1/%2e/tenants", "/v1/tenants"),
            ("/v1/x/%2E%2e/tenants", "/v1/tenants"),
            ("/../../v1/tenants", "/v1/tenants"),
            ("/v1/tenants/.", "/v1/tenants/"),
            ("//v1/tenants", "//v1/tenants"),
            ("/v1/tenants%2Fx", "/v1/tenants%2Fx"),
        ] {
            assert_eq!(normalize_path(raw), normal, "{raw}");
        }
    }

    #[test]
    fn repeated_headers_read_joined_and_single_ones_borrowed() {
        let headers = [
            ("content-type", "application/json"),
            ("X-Other", "x"),
            ("Content-Type", "application/json"),
        ];
        let request = HttpRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            body: b"",
        };
        assert_eq!(
            request.header("Content-Type").as_deref(),
            Some("application/json, application/json")
        );
        assert!(matches!(
            request.header("x-other"),
            Some(Cow::Borrowed("x"))
        ));
        assert_eq!(request.header("X-API-Key"), None);
    }

    #[test]
    fn header_bytes_read_one_character_each() {
        assert_eq!(header_text(b"caf\xe9"), "caf\u{e9}");
        assert_eq!(header_text(b"plain"), "plain");
    }

    #[test]
    fn only_reads_outside_the_api_go_to_assets() {
        assert!(serves_asset("GET", "/"));
        assert!(serves_asset("HEAD", "/app.js"));
        assert!(!serves_asset("POST", "/"));
        assert!(!serves_asset("GET", "/healthz"));
        assert!(!serves_asset("GET", "/v1/tenants"));
        assert!(!serves_asset("GET", "/v1/x/../tenants"));
        assert!(!serves_asset("GET", "/v1"));
        assert!(!serves_asset("GET", "/openapi.json"));
        assert!(serves_asset("GET", "/docs"));
    }

    fn status(path: &str, headers: &[(&str, &str)]) -> u16 {
        check_head(path, headers).map_or_else(|e| e.status_and_code().0, |()| 200)
    }

    #[test]
    fn the_head_is_refused_past_each_limit_and_not_at_it() {
        let path = format!("/{}", "a".repeat(MAX_PATH_BYTES - 1));
        assert_eq!(status(&path, &[]), 200);
        assert_eq!(status(&format!("{path}a"), &[]), 414);
        let names: Vec<String> = (0..=MAX_HEADERS).map(|i| format!("x-h{i}")).collect();
        let many: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "v")).collect();
        assert_eq!(status("/", &many[..MAX_HEADERS]), 200);
        assert_eq!(status("/", &many), 431);
        let value = "v".repeat(MAX_HEADER_BYTES - 1);
        assert_eq!(status("/", &[("x", &value)]), 200);
        assert_eq!(status("/", &[("xy", &value)]), 431);
        let limit = MAX_BODY_BYTES.to_string();
        let over = (MAX_BODY_BYTES + 1).to_string();
        assert_eq!(status("/", &[("content-length", &limit)]), 200);
        assert_eq!(status("/", &[("Content-Length", &over)]), 413);
        assert_eq!(status("/", &[("content-length", "-1")]), 200);
    }

    #[test]
    fn every_response_says_its_body_is_json() {
        let responses = [
            HttpResponse::from_error(&ApiError::NotFound("/x".into())),
            HttpResponse::ok(201, vec![("Location", "/x".into())], "{}".into()),
        ];
        for response in responses {
            let content_type = response
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("content-type"));
            assert_eq!(
                content_type,
                Some(&("Content-Type", "application/json".to_owned()))
            );
        }
    }
}
