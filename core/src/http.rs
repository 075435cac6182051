//! The HTTP-agnostic handler: method, path, headers and body in; status, headers and a JSON body
//! out. The edge worker and the native server are thin translations of it.

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
    /// The headers as name and value; names compare case-insensitively, the first wins.
    pub headers: &'a [(&'a str, &'a str)],
    /// The body bytes (a shell reads at most [`crate::validate::MAX_BODY_BYTES`] + 1).
    pub body: &'a [u8],
}

impl HttpRequest<'_> {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }
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
    let result = match (request.path, request.method) {
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
    let call = CreateCall {
        api_key: request.header("X-API-Key"),
        tenant_id: request.header("X-Tenant-ID"),
        body: Body::Json {
            content_type: request.header("Content-Type"),
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
