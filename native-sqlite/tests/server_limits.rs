//! `tenantry serve`'s limits, spoken to in raw HTTP/1.1 over TCP on 127.0.0.1: timeouts, the
//! connection cap, malformed bodies, oversized heads, and a bounded graceful shutdown. Each test
//! runs its own server with short limits, so that each takes a few seconds at most.

#![expect(
    clippy::unwrap_used,
    reason = "the helpers of a test fail it loudly on any error"
)]

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tenantry_core::Policies;
use tenantry_native::server::{Limits, Listener, Pool};

/// A server on a free port, run on its own thread until [`Served::stop`] or drop.
struct Served {
    address: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    stopped: mpsc::Receiver<()>,
    _dir: tempfile::TempDir,
}

impl Served {
    fn start(limits: Limits) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let policies = Arc::new(Policies::embedded().unwrap());
        let pool = Arc::new(Pool::open(dir.path().join("t.db"), policies).unwrap());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(Listener::bind(SocketAddr::from(([127, 0, 0, 1], 0))))
            .unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stop_signal) = tokio::sync::oneshot::channel::<()>();
        let (done, stopped) = mpsc::channel();
        // Not joined: a server that never stops must fail its test, not hang it.
        std::thread::spawn(move || {
            let shutdown = async {
                let _ = stop_signal.await;
            };
            runtime
                .block_on(listener.serve(pool, limits, shutdown))
                .unwrap();
            let _ = done.send(());
        });
        Self {
            address,
            stop: Some(stop),
            stopped,
            _dir: dir,
        }
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(self.address).unwrap();
        stream.set_read_timeout(Some(SLOW)).unwrap();
        stream
    }

    /// Signals shutdown; true if the server stopped within `within`.
    fn stop(&mut self, within: Duration) -> bool {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.stopped.recv_timeout(within).is_ok()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Longer than every limit the tests set: a read that takes this long found no timeout.
const SLOW: Duration = Duration::from_secs(5);

/// Short limits, so that a test waits a second, not a minute.
fn short() -> Limits {
    Limits {
        header_read: Duration::from_secs(1),
        body_read: Duration::from_secs(1),
        grace: Duration::from_secs(1),
        max_connections: 8,
    }
}

/// What the server sent until it closed the connection, and whether it closed it (rather than
/// the read timing out).
fn read_until_closed(stream: &mut TcpStream) -> (String, bool) {
    let mut received = Vec::new();
    let mut buffer = [0; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return (String::from_utf8_lossy(&received).into_owned(), true),
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {
                return (String::from_utf8_lossy(&received).into_owned(), true);
            }
            Err(_) => return (String::from_utf8_lossy(&received).into_owned(), false),
        }
    }
}

/// A response's status, `Content-Type` and JSON body (`Null` when it has none).
fn parse(raw: &str) -> (u16, String, serde_json::Value) {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let content_type = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-type")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    let body = serde_json::from_str(body).unwrap_or(serde_json::Value::Null);
    (status, content_type, body)
}

/// Sends `request`, half-closes, and expects a JSON error with `status` and `code`.
fn expect_json_error(served: &Served, request: &[u8], status: u16, code: &str) {
    let mut stream = served.connect();
    stream.write_all(request).unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    let (raw, closed) = read_until_closed(&mut stream);
    assert!(closed, "the server kept the connection open: {raw:?}");
    let (got, content_type, body) = parse(&raw);
    assert_eq!((got, body["code"].as_str()), (status, Some(code)), "{raw}");
    assert_eq!(content_type, "application/json", "{raw}");
}

#[test]
fn a_head_sent_slowly_is_cut_after_the_header_timeout() {
    let served = Served::start(short());
    let mut stream = served.connect();
    let mut writer = stream.try_clone().unwrap();
    stream.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
    let started = Instant::now();
    // A header line every 200 ms: each byte arrives in time, the head never completes.
    std::thread::spawn(move || {
        for i in 0..25 {
            std::thread::sleep(Duration::from_millis(200));
            if writer
                .write_all(format!("X-Slow-{i}: 1\r\n").as_bytes())
                .is_err()
            {
                break;
            }
        }
    });
    let (raw, closed) = read_until_closed(&mut stream);
    assert!(closed, "a slow head was never cut");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(
        raw.is_empty(),
        "hyper answers a head timeout by closing: {raw:?}"
    );
}

#[test]
fn an_idle_keep_alive_connection_is_closed() {
    let served = Served::start(short());
    let mut stream = served.connect();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let started = Instant::now();
    let (raw, closed) = read_until_closed(&mut stream);
    assert!(closed, "an idle connection was never closed");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(parse(&raw).0, 200, "{raw}");
}

#[test]
fn a_stalled_body_is_cut_with_a_json_408() {
    let served = Served::start(short());
    let mut stream = served.connect();
    stream
        .write_all(b"POST /v1/tenants HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n{\"na")
        .unwrap();
    let started = Instant::now();
    let (raw, closed) = read_until_closed(&mut stream);
    assert!(closed, "a stalled body was never cut");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let (status, content_type, body) = parse(&raw);
    assert_eq!(
        (status, body["code"].as_str()),
        (408, Some("request_timeout"))
    );
    assert_eq!(content_type, "application/json");
}

#[test]
fn a_malformed_body_is_the_clients_fault_answered_400_in_json() {
    let served = Served::start(short());
    let chunked = "POST /v1/tenants HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
    for bad in [
        "zz\r\n{}\r\n0\r\n\r\n",
        "ffffffffffffffffffff\r\n{}\r\n0\r\n\r\n",
        "-2\r\n{}\r\n0\r\n\r\n",
        "2\r\n{}XX0\r\n\r\n",
    ] {
        let request = format!("{chunked}{bad}");
        expect_json_error(&served, request.as_bytes(), 400, "malformed_request");
    }
    // Fewer bytes than `Content-Length` says, then the client half-closes.
    let short_body = b"POST /v1/tenants HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n{}";
    expect_json_error(&served, short_body, 400, "malformed_request");
}

#[test]
fn a_declared_length_over_the_limit_is_refused_before_any_body_arrives() {
    let served = Served::start(Limits {
        body_read: SLOW,
        ..short()
    });
    let mut stream = served.connect();
    stream
        .write_all(b"POST /v1/tenants HTTP/1.1\r\nHost: t\r\nContent-Length: 10485760\r\n\r\n")
        .unwrap();
    let started = Instant::now();
    let (raw, closed) = read_until_closed(&mut stream);
    assert!(
        closed && started.elapsed() < Duration::from_secs(2),
        "{raw}"
    );
    let (status, content_type, body) = parse(&raw);
    assert_eq!(
        (status, body["code"].as_str()),
        (413, Some("payload_too_large"))
    );
    assert_eq!(content_type, "application/json");
}

#[test]
fn too_many_headers_and_too_long_a_path_are_refused_in_json() {
    let served = Served::start(short());
    let headers: String = (0..150).map(|i| format!("X-Extra-{i}: 1\r\n")).collect();
    let request = format!("GET /healthz HTTP/1.1\r\nHost: t\r\n{headers}\r\n");
    expect_json_error(&served, request.as_bytes(), 431, "headers_too_large");
    let path = "p".repeat(9 * 1024);
    let request = format!("GET /{path} HTTP/1.1\r\nHost: t\r\n\r\n");
    expect_json_error(&served, request.as_bytes(), 414, "uri_too_long");
    // Past hyper's own limit, hyper refuses the head itself, with no body (docs/http.md).
    let headers: String = (0..600).map(|i| format!("X-Extra-{i}: 1\r\n")).collect();
    let mut stream = served.connect();
    let request = format!("GET /healthz HTTP/1.1\r\nHost: t\r\n{headers}\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let (raw, _) = read_until_closed(&mut stream);
    assert_eq!(parse(&raw).0, 431, "{raw}");
}

/// The value of a header of a raw response, by case-insensitive name.
fn header_of(raw: &str, wanted: &str) -> Option<String> {
    let (head, _) = raw.split_once("\r\n\r\n")?;
    head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case(wanted)
            .then(|| value.trim().to_owned())
    })
}

#[test]
fn an_answer_given_before_the_body_is_read_says_the_connection_closes() {
    // A keep-alive client must not send its next request into a connection the server closes
    // because the previous body was left unread (seen as `Peer disconnected` in the suite).
    let served = Served::start(short());
    let big = "b".repeat(20 * 1024);
    let body = "{}";
    let unread = [
        format!(
            "POST /v1/tenants HTTP/1.1\r\nHost: t\r\nX-Big: {big}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
        format!(
            "POST /v1/tenants HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{}\r\n0\r\n\r\n",
            70 * 1024,
            "x".repeat(70 * 1024)
        ),
    ];
    for request in unread {
        let mut stream = served.connect();
        stream.write_all(request.as_bytes()).unwrap();
        let (raw, closed) = read_until_closed(&mut stream);
        assert!(closed, "the server kept the connection open: {raw:?}");
        assert_eq!(
            header_of(&raw, "connection").as_deref(),
            Some("close"),
            "{raw}"
        );
    }
    // A request read to its end keeps the connection.
    let mut stream = served.connect();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let mut buffer = [0; 4096];
    let n = stream.read(&mut buffer).unwrap();
    let raw = String::from_utf8_lossy(&buffer[..n]).into_owned();
    assert_eq!(parse(&raw).0, 200, "{raw}");
    assert_eq!(header_of(&raw, "connection"), None, "{raw}");
}

#[test]
fn connections_past_the_cap_wait_until_one_closes() {
    let served = Served::start(Limits {
        header_read: SLOW,
        max_connections: 2,
        ..short()
    });
    let first = served.connect();
    let _second = served.connect();
    std::thread::sleep(Duration::from_millis(200));
    let mut third = served.connect();
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    third
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let (early, closed) = read_until_closed(&mut third);
    assert!(!closed && early.is_empty(), "served past the cap: {early}");
    drop(first);
    third.set_read_timeout(Some(SLOW)).unwrap();
    let started = Instant::now();
    let (raw, closed) = read_until_closed(&mut third);
    assert!(
        closed && started.elapsed() < Duration::from_secs(2),
        "{raw}"
    );
    assert_eq!(parse(&raw).0, 200, "{raw}");
}

#[test]
fn shutdown_finishes_requests_in_flight_and_cuts_stalled_ones_after_the_grace_period() {
    let mut served = Served::start(Limits {
        body_read: SLOW,
        header_read: SLOW,
        ..short()
    });
    let head = "POST /v1/tenants HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n";
    let mut stalled = served.connect();
    stalled
        .write_all(format!("{head}Content-Length: 100\r\n\r\n{{").as_bytes())
        .unwrap();
    let mut finishing = served.connect();
    finishing
        .write_all(format!("{head}Content-Length: 2\r\n\r\n{{").as_bytes())
        .unwrap();
    let idle = served.connect();
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let stop = std::thread::spawn(move || served.stop(Duration::from_secs(3)));
    std::thread::sleep(Duration::from_millis(200));
    // Within the grace period, the request in flight completes and is answered.
    finishing.write_all(b"}").unwrap();
    let (raw, _) = read_until_closed(&mut finishing);
    assert_eq!(parse(&raw).1, "application/json", "{raw}");
    assert_eq!(parse(&raw).0, 401, "{raw}");
    assert!(stop.join().unwrap(), "the server did not stop");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let (raw, closed) = read_until_closed(&mut stalled);
    assert!(
        closed && raw.is_empty(),
        "the stalled request was not cut: {raw}"
    );
    drop(idle);
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_program_once_the_request_in_flight_is_answered() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenantry"))
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(dir.path().join("t.db"))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let address: SocketAddr = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| line.split("listening on http://").nth(1).map(str::to_owned))
        .unwrap()
        .parse()
        .unwrap();
    std::thread::spawn(move || lines.for_each(drop));
    let _idle = TcpStream::connect(address).unwrap();
    let mut finishing = TcpStream::connect(address).unwrap();
    finishing.set_read_timeout(Some(SLOW)).unwrap();
    finishing
        .write_all(b"POST /v1/tenants HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n{")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(200));
    finishing.write_all(b"}").unwrap();
    let (raw, _) = read_until_closed(&mut finishing);
    assert_eq!(parse(&raw).0, 401, "{raw}");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > Duration::from_secs(3) {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
}
