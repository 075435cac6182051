//! Translation between workerd's requests and responses and core's.

use futures_util::StreamExt;
use tenantry_core::ApiError;
use tenantry_core::MAX_BODY_BYTES;
use tenantry_core::http::HttpResponse;
use worker::{ByteStream, Headers, Request, Response};

/// The parts of a request core looks at, owned.
pub(crate) struct IncomingRequest {
    /// The method as the client sent it.
    pub(crate) method: String,
    /// The path without the query.
    pub(crate) path: String,
    /// The query without its `?` (empty when there is none).
    pub(crate) query: String,
    /// The headers, in the runtime's order (it joins repeated headers with `, `).
    pub(crate) headers: Vec<(String, String)>,
    /// At most [`MAX_BODY_BYTES`] + 1 bytes of the body, so that core can answer 413 itself.
    pub(crate) body: Vec<u8>,
}

impl IncomingRequest {
    /// The headers borrowed as core's request takes them.
    pub(crate) fn header_pairs(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect()
    }
}

/// Reads what core needs from a request, stopping the body after `MAX_BODY_BYTES + 1` bytes.
pub(crate) async fn read_request(request: Request) -> Result<IncomingRequest, ApiError> {
    let raw = request.inner();
    let mut body = Vec::new();
    if let Some(stream) = raw.body() {
        let mut chunks = ByteStream::from(stream);
        while let Some(chunk) = chunks.next().await {
            // The body stream fails when the client's framing does (workerd has already parsed
            // it): the client's fault, as the native server answers it.
            let chunk = chunk.map_err(|e| ApiError::MalformedRequest(e.to_string()))?;
            let room = (MAX_BODY_BYTES + 1).saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if body.len() > MAX_BODY_BYTES {
                break;
            }
        }
    }
    Ok(IncomingRequest {
        method: raw.method(),
        path: request.path(),
        query: request
            .url()
            .ok()
            .and_then(|url| url.query().map(str::to_owned))
            .unwrap_or_default(),
        headers: request.headers().entries().collect(),
        body,
    })
}

/// Core's response as a workerd response, with core's headers (`Content-Type` among them) as
/// they are.
pub(crate) fn to_worker_response(answer: HttpResponse) -> worker::Result<Response> {
    let headers = Headers::new();
    for (name, value) in &answer.headers {
        headers.set(name, value)?;
    }
    Ok(Response::builder()
        .with_status(answer.status)
        .with_headers(headers)
        .fixed(answer.body.into_bytes()))
}
