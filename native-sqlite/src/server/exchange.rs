//! One request: core's check of the head before any body is read, a console file when core says
//! it is an asset request, else the body read against a deadline, core's answer on the blocking
//! pool, one log line, and core's response sent as it is.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Instant;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use tenantry_core::ApiError;
use tenantry_core::http::{self, HttpRequest, HttpResponse};
use tenantry_core::{MAX_BODY_BYTES, may_have_written_events};

use super::assets::Asset;
use super::{Limits, Pool};
use crate::NativeError;

/// Answers one request and logs it. It never fails: whatever goes wrong is core's error body.
pub(super) async fn answer(
    pool: Arc<Pool>,
    limits: Limits,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let method = parts.method.to_string();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                http::header_text(value.as_bytes()),
            )
        })
        .collect();
    let target = Target {
        method: &method,
        path: &path,
        query: &query,
    };
    // Core refuses a bad head before anything else; then a console file, if core says the
    // request is for one and the folder has it.
    let asset = match http::check_head(&path, &borrow(&headers)) {
        Ok(()) => pool.assets().answer(&method, &path),
        Err(_) => None,
    };
    let response = match asset {
        Some(Ok(file)) => {
            eprintln!("{method} {path} 200 {:.2?}", started.elapsed());
            return Ok(file_response(file, &method));
        }
        Some(Err(not_built)) => not_built,
        None => respond(pool, limits, target, headers, body).await,
    };
    let elapsed = started.elapsed();
    match &response.log {
        Some(detail) => eprintln!(
            "{method} {path} {} {elapsed:.2?} error: {detail}",
            response.status
        ),
        None => eprintln!("{method} {path} {} {elapsed:.2?}", response.status),
    }
    Ok(to_hyper(response))
}

/// A console file as hyper's response; a `HEAD` gets the headers without the bytes.
fn file_response(file: Asset, method: &str) -> Response<Full<Bytes>> {
    let length = file.bytes.len();
    let body = if method == "HEAD" {
        Bytes::new()
    } else {
        file.bytes
    };
    let mut response = Response::new(Full::new(body));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(file.content_type));
    headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
    // The console is rebuilt in place: a browser asks again rather than run a stale preview.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// What a request asks for, before its headers and body.
struct Target<'a> {
    method: &'a str,
    path: &'a str,
    query: &'a str,
}

async fn respond(
    pool: Arc<Pool>,
    limits: Limits,
    Target {
        method,
        path,
        query,
    }: Target<'_>,
    headers: Vec<(String, String)>,
    body: Incoming,
) -> HttpResponse {
    // Core refuses a head it would never accept before a byte of the body is read.
    if let Err(error) = http::check_head(path, &borrow(&headers)) {
        return closing(HttpResponse::from_error(&error));
    }
    let read = tokio::time::timeout(limits.body_read, read_at_most(body, MAX_BODY_BYTES + 1));
    let bytes = match read.await {
        Ok(Ok(bytes)) => bytes,
        // The framing of the body is broken: the client's fault, not the server's.
        Ok(Err(error)) => return closing(HttpResponse::from_error(&malformed(&error))),
        Err(_) => {
            return closing(HttpResponse::from_error(&ApiError::RequestTimeout {
                seconds: limits.body_read.as_secs(),
            }));
        }
    };
    let unread_rest = bytes.len() > MAX_BODY_BYTES;
    let (method, path, query) = (method.to_owned(), path.to_owned(), query.to_owned());
    let answer = tokio::task::spawn_blocking(move || {
        let request = HttpRequest {
            method: &method,
            path: &path,
            query: &query,
            headers: &borrow(&headers),
            body: &bytes,
        };
        let answer = pool.with(|tenantry| tenantry.handle(request));
        if let Ok(response) = &answer
            && may_have_written_events(&method, response.status)
        {
            pool.wrote_events();
        }
        answer
    })
    .await
    .map_err(|e| NativeError::System(format!("request task failed: {e}")))
    .and_then(|result| result)
    .unwrap_or_else(|e| HttpResponse::from_error(&ApiError::Internal(e.to_string())));
    if unread_rest { closing(answer) } else { answer }
}

/// Says `Connection: close` on an answer given before the body was read to its end: hyper then
/// closes the connection (the next request's start is unknown), and a client told so opens a
/// new one instead of sending its next request into a connection about to close.
fn closing(mut response: HttpResponse) -> HttpResponse {
    response.headers.push(("Connection", "close".to_owned()));
    response
}

fn borrow(headers: &[(String, String)]) -> Vec<(&str, &str)> {
    headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}

/// hyper's reason for refusing a body, e.g. `invalid chunk size: overflow`, in the lowercase of
/// the error messages (hyper capitalises some).
fn malformed(error: &hyper::Error) -> ApiError {
    let reason = std::error::Error::source(error)
        .map_or_else(|| error.to_string(), |cause| cause.to_string());
    let mut chars = reason.chars();
    let reason = chars
        .next()
        .map(|first| first.to_lowercase().chain(chars).collect())
        .unwrap_or_default();
    ApiError::MalformedRequest(reason)
}

/// Reads a body, stopping once `limit` bytes are in: enough for core to see it is too large.
async fn read_at_most(mut body: Incoming, limit: usize) -> Result<Vec<u8>, hyper::Error> {
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            bytes.extend_from_slice(&data);
            if bytes.len() >= limit {
                bytes.truncate(limit);
                break;
            }
        }
    }
    Ok(bytes)
}

/// Core's response as hyper's, its headers copied as they are.
fn to_hyper(answer: HttpResponse) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(answer.body)));
    *response.status_mut() =
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in answer.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}
