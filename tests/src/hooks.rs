//! The webhook receiver of the delivery tests: `tests/receivers/webhooks.py`, which verifies
//! every delivery with PyPI's `standardwebhooks` and logs it, and the reads the tests make of it
//! and of the events.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::fixture::Fixture;
use crate::receivers::Receiver;
use crate::{Request, Target};

/// A test secret (`whsec_` and base64 of 24 bytes).
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// The webhook receiver and the URL deliveries go to.
pub struct Hooks {
    /// The receiver process.
    pub receiver: Receiver,
    /// Where it listens, `http://127.0.0.1:PORT/hooks`.
    pub url: String,
}

/// Starts `tests/receivers/webhooks.py` on a free port.
pub fn start_receiver() -> Hooks {
    start_receiver_with(None, 0)
}

/// The receiver on `port` (a free one when `None`), answering 500 to its first `fail_first`
/// deliveries.
pub fn start_receiver_with(port: Option<u16>, fail_first: u32) -> Hooks {
    start_receiver_slowed(port, fail_first, 0)
}

/// As [`start_receiver_with`], each answer `delay_ms` late.
pub fn start_receiver_slowed(port: Option<u16>, fail_first: u32, delay_ms: u32) -> Hooks {
    let receiver = Receiver::start(
        "webhooks.py",
        port,
        &[
            ("TENANTRY_WEBHOOK_SECRET", SECRET.to_owned()),
            ("RECEIVER_FAIL_FIRST", fail_first.to_string()),
            ("RECEIVER_DELAY_MS", delay_ms.to_string()),
        ],
    );
    Hooks {
        url: format!("http://127.0.0.1:{}/hooks", receiver.port),
        receiver,
    }
}

/// Every delivery the receiver logged, in order: `{"webhook_id", "type", "data", "verified", "status"}`.
pub fn received(hooks: &Hooks) -> Vec<Value> {
    hooks.receiver.received()
}

/// A GET with the fixture's platform key; answers the body.
pub fn get(target: &dyn Target, fixture: &Fixture, path: &str) -> Value {
    target
        .send(&Request {
            method: "GET".into(),
            path: path.into(),
            headers: vec![
                ("X-API-Key".into(), fixture.master_key.clone()),
                ("X-Tenant-ID".into(), fixture.master_tenant.to_string()),
            ],
            body: Vec::new(),
        })
        .body
}

/// Every event, as the API shows it (the fixture's few fit one page).
pub fn all_events(target: &dyn Target, fixture: &Fixture) -> Vec<Value> {
    get(target, fixture, "/v1/events?limit=250")["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Polls the events until `done` holds for all of them, for at most `seconds`; answers them.
pub fn wait_for_events(
    target: &dyn Target,
    fixture: &Fixture,
    seconds: u64,
    done: impl Fn(&Value) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        let events = all_events(target, fixture);
        if events.iter().all(&done) || Instant::now() > deadline {
            return events;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A port nothing listens on (yet).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A `POST /v1/tenants` of `body` with the fixture's platform key; answers the status.
pub fn post_tenant(target: &dyn Target, fixture: &Fixture, body: &Value) -> u16 {
    target
        .send(&fixture.platform_call("POST", "/v1/tenants", Some(body)))
        .status
}

/// `POST /v1/tenants/{tenant}/invite` with the fixture's platform key: a new invite.
pub fn post_invite(target: &dyn Target, fixture: &Fixture, tenant: &str) -> (u16, Value) {
    let path = format!("/v1/tenants/{tenant}/invite");
    let response = target.send(&fixture.platform_call("POST", &path, None));
    (response.status, response.body)
}

/// A new invite: 202 while the owner is invited, the old token then unknown (404) and the new
/// one, from the new delivery, accepted; 409 `owner_active` once accepted.
pub fn resend(target: &dyn Target, fixture: &Fixture, receiver: &Hooks) {
    let invites: Vec<Value> = received(receiver)
        .into_iter()
        .filter(|d| d["type"] == "invite.created")
        .collect();
    let (accepted, waiting) = (&invites[0], &invites[2]);
    let tenant_of = |d: &Value| {
        d["data"]["tenant"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let (status, body) = post_invite(target, fixture, &tenant_of(accepted));
    assert_eq!(
        (status, &body["details"]["reason"]),
        (409, &json!("owner_active")),
        "{body}"
    );
    let tenant = tenant_of(waiting);
    let (status, body) = post_invite(target, fixture, &tenant);
    assert_eq!(status, 202, "{body}");
    assert!(
        body["expires_at"].is_string() && body.get("token").is_none(),
        "{body}"
    );
    let old = waiting["data"]["token"].as_str().unwrap_or_default();
    assert_eq!(accept(target, old), 404);
    let deadline = Instant::now() + Duration::from_secs(10);
    let new = loop {
        let again: Vec<Value> = received(receiver)
            .into_iter()
            .filter(|d| d["type"] == "invite.created" && tenant_of(d) == tenant)
            .collect();
        if again.len() == 2 || Instant::now() > deadline {
            break again.last().cloned().unwrap_or_default();
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let token = new["data"]["token"].as_str().unwrap_or_default();
    assert_ne!(token, old);
    assert_eq!(accept(target, token), 200);
}

/// `POST /v1/invites/accept` with `token` (no key: the token is the credential); the status.
pub fn accept(target: &dyn Target, token: &str) -> u16 {
    target
        .send(&Request {
            method: "POST".into(),
            path: "/v1/invites/accept".into(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: json!({ "token": token }).to_string().into_bytes(),
        })
        .status
}

/// The owner accepts with the token the mailer got: once (then 409); eight racing accepts of
/// another token: exactly one 200; an unknown or malformed token: 404.
pub fn accept_with_delivered_tokens(target: &dyn Target, deliveries: &[Value]) {
    let tokens: Vec<&str> = deliveries
        .iter()
        .filter(|d| d["type"] == "invite.created")
        .filter_map(|d| d["data"]["token"].as_str())
        .collect();
    let [first, raced, ..] = tokens[..] else {
        panic!("fewer than two invites delivered: {deliveries:?}");
    };
    assert_eq!(accept(target, first), 200);
    assert_eq!(accept(target, first), 409);
    assert_eq!(accept(target, &"0".repeat(64)), 404);
    assert_eq!(accept(target, "not-a-token"), 404);
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let racers: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| accept(target, raced)))
            .collect();
        racers
            .into_iter()
            .map(|racer| racer.join().unwrap_or(0))
            .collect()
    });
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| matches!(s, 200 | 409)),
        "{statuses:?}"
    );
}
