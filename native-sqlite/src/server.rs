//! `tenantry serve`: axum on tokio in front of the in-process API. SQLite work runs on the
//! blocking pool, never on the async workers; each request is logged on one line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use tenantry_core::http::{HttpRequest, HttpResponse, header_text};
use tenantry_core::validate::MAX_BODY_BYTES;
use tenantry_core::{ApiError, Policies};

use crate::sqlite_store::WriteGate;
use crate::{NativeError, SqliteStore, Tenantry};

/// A pool of connections to one database file, each a [`Tenantry`] sharing the policies and
/// one [`WriteGate`].
#[derive(Debug)]
pub struct Pool {
    path: PathBuf,
    policies: Arc<Policies>,
    gate: WriteGate,
    idle: Mutex<Vec<Tenantry>>,
}

impl Pool {
    /// A pool on a database file (opened and migrated once here, to fail early).
    pub fn open(path: PathBuf, policies: Arc<Policies>) -> Result<Self, NativeError> {
        let gate = WriteGate::default();
        let first = Tenantry::with_policies(
            SqliteStore::open_gated(&path, gate.clone())?,
            policies.clone(),
        );
        Ok(Self {
            path,
            policies,
            gate,
            idle: Mutex::new(vec![first]),
        })
    }

    /// Runs `f` on an idle connection, opening one if none is idle. Blocking: call it off the
    /// async workers.
    pub fn with<T>(&self, f: impl FnOnce(&Tenantry) -> T) -> Result<T, NativeError> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let tenantry = match idle {
            Some(tenantry) => tenantry,
            None => Tenantry::with_policies(
                SqliteStore::open_gated(&self.path, self.gate.clone())?,
                self.policies.clone(),
            ),
        };
        let result = f(&tenantry);
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(tenantry);
        }
        Ok(result)
    }
}

/// Serves the API on `listen` until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(pool: Arc<Pool>, listen: SocketAddr) -> Result<(), NativeError> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| NativeError::System(format!("cannot listen on {listen}: {e}")))?;
    let address = listener
        .local_addr()
        .map_err(|e| NativeError::System(e.to_string()))?;
    eprintln!("tenantry: listening on http://{address}");
    let app = axum::Router::new().fallback(answer).with_state(pool);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| NativeError::System(format!("server failed: {e}")))?;
    eprintln!("tenantry: stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

/// Every request: translate, answer with core on the blocking pool, translate back, log.
async fn answer(State(pool): State<Arc<Pool>>, request: Request) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let method = parts.method.to_string();
    let path = parts.uri.path().to_owned();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), header_text(value.as_bytes())))
        .collect();
    let response = match read_at_most(body, MAX_BODY_BYTES + 1).await {
        Ok(bytes) => {
            let (method, path) = (method.clone(), path.clone());
            tokio::task::spawn_blocking(move || {
                let headers: Vec<(&str, &str)> = headers
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_str()))
                    .collect();
                let request = HttpRequest {
                    method: &method,
                    path: &path,
                    headers: &headers,
                    body: &bytes,
                };
                pool.with(|tenantry| tenantry.handle(request))
            })
            .await
            .map_err(|e| NativeError::System(format!("request task failed: {e}")))
            .and_then(|result| result)
            .unwrap_or_else(|e| HttpResponse::from_error(&ApiError::Internal(e.to_string())))
        }
        Err(e) => HttpResponse::from_error(&ApiError::Internal(format!("reading the body: {e}"))),
    };
    let elapsed = started.elapsed();
    match &response.log {
        Some(detail) => eprintln!(
            "{method} {path} {} {elapsed:.2?} error: {detail}",
            response.status
        ),
        None => eprintln!("{method} {path} {} {elapsed:.2?}", response.status),
    }
    to_axum(response)
}

/// Reads a body, stopping once `limit` bytes are in: enough for core to see it is too large.
async fn read_at_most(mut body: Body, limit: usize) -> Result<Vec<u8>, axum::Error> {
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

fn to_axum(response: HttpResponse) -> Response {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = (status, response.body).into_response();
    let headers = out.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    for (name, value) in response.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.insert(name, value);
        }
    }
    out
}
