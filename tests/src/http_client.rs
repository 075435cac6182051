//! Sends a case's request over real HTTP (ureq, no redirects, statuses as answers).

use std::time::Duration;

use crate::{Request, Response};

/// An HTTP client for one base URL such as `http://127.0.0.1:8787`.
#[derive(Debug)]
pub struct HttpClient {
    base: String,
    agent: ureq::Agent,
}

impl HttpClient {
    /// A client for `base`.
    pub fn new(base: &str) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .new_agent();
        Self {
            base: base.trim_end_matches('/').to_owned(),
            agent,
        }
    }

    /// Sends a request and reads the whole answer.
    pub fn send(&self, request: &Request) -> Response {
        let uri = format!("{}{}", self.base, request.path);
        let mut builder = ureq::http::Request::builder()
            .method(request.method.as_str())
            .uri(&uri);
        for (name, value) in &request.headers {
            // One byte per character (ISO-8859-1), as servers read header bytes: a case's `é`
            // goes out as the single byte 0xE9.
            let bytes: Vec<u8> = value
                .chars()
                .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                .collect();
            let value = ureq::http::HeaderValue::from_bytes(&bytes)
                .unwrap_or_else(|e| panic!("header {name}: {e}"));
            builder = builder.header(name, value);
        }
        let http_request = builder
            .body(request.body.clone())
            .unwrap_or_else(|e| panic!("{uri}: {e}"));
        let mut response = self
            .agent
            .run(http_request)
            .unwrap_or_else(|e| panic!("{} {uri}: {e}", request.method));
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    v.to_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        Response::new(status, headers, body)
    }
}
