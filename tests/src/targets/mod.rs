//! The ways in.

pub mod cli;
pub mod edge;
pub mod in_process;
pub mod memory;
pub mod native_http;
pub mod remote;

use tenantry_core::http::{HttpRequest, HttpResponse};

use crate::{Request, Response};

/// Answers a case's request through core's HTTP-agnostic handler, however `answer` reaches it.
pub fn through_handler(
    request: &Request,
    answer: impl FnOnce(HttpRequest<'_>) -> HttpResponse,
) -> Response {
    let headers: Vec<(&str, &str)> = request
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let (path, query) = request
        .path
        .split_once('?')
        .unwrap_or((request.path.as_str(), ""));
    let response = answer(HttpRequest {
        method: &request.method,
        path,
        query,
        headers: &headers,
        body: &request.body,
    });
    // What a server would log, so a failed case shows why it answered 500.
    if let Some(line) = &response.log {
        eprintln!("{} {path}: {line}", request.method);
    }
    let headers = response
        .headers
        .iter()
        .map(|(n, v)| (n.to_lowercase(), v.clone()))
        .collect();
    Response::new(response.status, headers, response.body)
}
