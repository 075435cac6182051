//! The HTTP-agnostic handler: method, path, headers and body in; status, headers and a JSON body
//! out. The edge worker and the native server are thin translations of it.

use std::borrow::Cow;

use serde_json::json;

use crate::authz::Policies;
use crate::error::ApiError;
use crate::flow::{self, Body, CreateCall};
use crate::model::{Fresh, Timestamp};
use crate::store::TenantStore;

/// The create route.
pub const TENANTS_PATH: &str = "/v1/tenants";
/// The health route.
pub const HEALTH_PATH: &str = "/healthz";

/// A request, borrowed from whatever server received it.
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    /// The method, for example `POST`.
    pub method: &'a str,
    /// The path without the query, for example `/v1/tenants`.
    pub path: &'a str,
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
    path == HEALTH_PATH || path == "/v1" || path.starts_with("/v1/")
}

/// A response for the shell to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Headers besides `Content-Type: application/json`, which every response has.
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
        Self {
            status,
            headers,
            body: serde_json::to_string(&error.body()).unwrap_or_default(),
            log,
        }
    }

    fn ok(status: u16, headers: Vec<(&'static str, String)>, body: String) -> Self {
        Self {
            status,
            headers,
            body,
            log: None,
        }
    }
}

/// Routes and answers one request. `now` and `fresh` are used only by a create.
pub async fn handle<S: TenantStore + ?Sized>(
    policies: &Policies,
    store: &S,
    request: HttpRequest<'_>,
    now: Timestamp,
    fresh: Fresh,
) -> HttpResponse {
    let path = normalize_path(request.path);
    let result = match (path.as_ref(), request.method) {
        (TENANTS_PATH, "POST") => create(policies, store, &request, now, fresh).await,
        (HEALTH_PATH, "GET" | "HEAD") => Ok(HttpResponse::ok(
            200,
            Vec::new(),
            json!({"status": "ok"}).to_string(),
        )),
        (TENANTS_PATH, method) => Err(not_allowed(method, "POST")),
        (HEALTH_PATH, method) => Err(not_allowed(method, "GET, HEAD")),
        (path, _) => Err(ApiError::NotFound(path.to_owned())),
    };
    result.unwrap_or_else(|error| HttpResponse::from_error(&error))
}

fn not_allowed(method: &str, allow: &'static str) -> ApiError {
    ApiError::MethodNotAllowed {
        method: method.to_owned(),
        allow,
    }
}

async fn create<S: TenantStore + ?Sized>(
    policies: &Policies,
    store: &S,
    request: &HttpRequest<'_>,
    now: Timestamp,
    fresh: Fresh,
) -> Result<HttpResponse, ApiError> {
    let (api_key, tenant_id, content_type) = (
        request.header("X-API-Key"),
        request.header("X-Tenant-ID"),
        request.header("Content-Type"),
    );
    let call = CreateCall {
        api_key: api_key.as_deref(),
        tenant_id: tenant_id.as_deref(),
        body: Body::Json {
            content_type: content_type.as_deref(),
            bytes: request.body,
        },
    };
    let created = flow::create_tenant(policies, store, call, now, fresh).await?;
    let body =
        serde_json::to_string(&created.tenant).map_err(|e| ApiError::Internal(e.to_string()))?;
    let location = format!("{TENANTS_PATH}/{}", created.tenant.id);
    let mut response = HttpResponse::ok(201, vec![("Location", location)], body);
    response.log = policy_log(&created.policy_errors);
    Ok(response)
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
    }
}
