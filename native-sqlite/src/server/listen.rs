//! The accept loop: a cap on connections, hyper's head timeout, and a bounded graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;

use super::{Pool, exchange};
use crate::NativeError;

/// How many headers hyper parses. Above core's [`tenantry_core::http::MAX_HEADERS`], so that
/// core answers a few too many with its JSON 431; past this, hyper answers 431 with no body.
const HYPER_MAX_HEADERS: usize = 500;

/// The most bytes hyper buffers for a request head (and per read of a body). Above core's path
/// and header limits together, so that core answers those with JSON; past this, hyper answers
/// 431 with no body. It also bounds a connection's memory.
const HYPER_MAX_BUFFER: usize = 64 * 1024;

/// How long to wait before accepting again after `accept` failed, e.g. out of file descriptors:
/// retrying at once would spin while nothing has been freed.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The server's timeouts and its cap on connections; `docs/http.md` explains each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long a client has to send a request's head. hyper starts this clock whenever it waits
    /// for a head, so it also closes a keep-alive connection idle this long.
    pub header_read: Duration,
    /// How long a client has to send a whole body; then it gets 408 and the connection closes.
    pub body_read: Duration,
    /// How long requests in flight may still run after the shutdown signal; then their
    /// connections are cut.
    pub grace: Duration,
    /// How many connections are served at once; more wait in the listen backlog.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(10),
            body_read: Duration::from_secs(30),
            grace: Duration::from_secs(10),
            max_connections: 512,
        }
    }
}

/// A bound socket, not serving yet: its address is known before the first request.
#[derive(Debug)]
pub struct Listener {
    inner: TcpListener,
}

impl Listener {
    /// Binds `address` (port 0 picks a free port).
    pub async fn bind(address: SocketAddr) -> Result<Self, NativeError> {
        let inner = TcpListener::bind(address)
            .await
            .map_err(|e| NativeError::System(format!("cannot listen on {address}: {e}")))?;
        Ok(Self { inner })
    }

    /// The address it is bound to.
    pub fn local_addr(&self) -> Result<SocketAddr, NativeError> {
        self.inner
            .local_addr()
            .map_err(|e| NativeError::System(e.to_string()))
    }

    /// Serves the API until `shutdown` completes; then it stops accepting, lets the requests in
    /// flight finish for up to [`Limits::grace`], and cuts the connections still open.
    pub async fn serve(
        self,
        pool: Arc<Pool>,
        limits: Limits,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), NativeError> {
        let mut http = http1::Builder::new();
        // A client may half-close once it has sent its request and still get the answer.
        http.timer(TokioTimer::new())
            .half_close(true)
            .header_read_timeout(limits.header_read)
            .max_headers(HYPER_MAX_HEADERS)
            .max_buf_size(HYPER_MAX_BUFFER);
        let permits = Arc::new(Semaphore::new(limits.max_connections));
        let (stop, stopped) = watch::channel(false);
        let mut connections = JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            // A permit before a connection: past the cap, clients wait in the backlog, and the
            // server never holds more sockets than the cap, whatever the file limit.
            let permit = tokio::select! {
                () = &mut shutdown => break,
                permit = permits.clone().acquire_owned() => permit
                    .map_err(|e| NativeError::System(format!("connection cap: {e}")))?,
            };
            let stream = tokio::select! {
                () = &mut shutdown => break,
                accepted = self.inner.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        eprintln!("tenantry: cannot accept a connection: {e}");
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                        continue;
                    }
                },
            };
            while connections.try_join_next().is_some() {}
            let connection = Connection {
                http: http.clone(),
                pool: pool.clone(),
                limits,
                stopped: stopped.clone(),
                _permit: permit,
            };
            connections.spawn(connection.run(stream));
        }
        drop(self.inner);
        // Nobody may be listening any more; that is fine.
        let _ = stop.send(true);
        let drained = tokio::time::timeout(limits.grace, async {
            while connections.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            eprintln!(
                "tenantry: cut {} connections still open after the grace period",
                connections.len()
            );
        }
        connections.shutdown().await;
        eprintln!("tenantry: stopped");
        Ok(())
    }
}

/// Serves the API on `listen` with the default [`Limits`] until Ctrl-C or SIGTERM.
pub async fn serve(pool: Arc<Pool>, listen: SocketAddr) -> Result<(), NativeError> {
    let listener = Listener::bind(listen).await?;
    eprintln!("tenantry: listening on http://{}", listener.local_addr()?);
    listener
        .serve(pool, Limits::default(), shutdown_signal())
        .await
}

/// One accepted connection and what it holds until it closes, its permit included.
struct Connection {
    http: http1::Builder,
    pool: Arc<Pool>,
    limits: Limits,
    stopped: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
}

impl Connection {
    /// Serves requests until the client leaves, a timeout fires, or, after the shutdown signal,
    /// the request in flight is answered.
    async fn run(self, stream: TcpStream) {
        let peer = stream.peer_addr().ok();
        let (pool, limits) = (self.pool.clone(), self.limits);
        let service = service_fn(move |request| exchange::answer(pool.clone(), limits, request));
        let connection = self.http.serve_connection(TokioIo::new(stream), service);
        tokio::pin!(connection);
        let result = tokio::select! {
            result = connection.as_mut() => result,
            () = stop_requested(self.stopped) => {
                connection.as_mut().graceful_shutdown();
                connection.await
            }
        };
        if let (Err(error), Some(peer)) = (result, peer) {
            eprintln!("tenantry: connection from {peer} closed: {error}");
        }
    }
}

/// Completes once the server stops (or is gone).
async fn stop_requested(mut stopped: watch::Receiver<bool>) {
    // An error means the server is gone, which is a stop too.
    let _ = stopped.wait_for(|stopped| *stopped).await;
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
