//! Delivery by Standard Webhooks from `tenantry serve` to a receiver the project did not write
//! the checks of: a Python server verifying every delivery with PyPI's `standardwebhooks`
//! (installed into `.tools/py` by `scripts/install-tools.sh`); then the owners accept their
//! invites with the tokens the deliveries carried.

#![expect(
    clippy::panic,
    reason = "a test reports a failed step by panicking, as assert! does"
)]

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tenantry_conformance::fixture::Fixture;
use tenantry_conformance::hooks::{
    SECRET, accept_with_delivered_tokens, all_events, free_port, get, post_tenant, received,
    resend, start_receiver, start_receiver_slowed, start_receiver_with, wait_for_events,
};
use tenantry_conformance::targets::native_http;
use tenantry_conformance::{Request, Target};

/// Fault: the receiver is down, then up. Every event is retried on the (shortened) schedule
/// while it is down, with the error shown, and all of them arrive once it is up.
#[test]
fn a_receiver_down_for_a_while_gets_every_event_once_it_is_up() {
    let port = free_port();
    let target = native_http::start_with(
        &[
            "--webhook-url",
            &format!("http://127.0.0.1:{port}/hooks"),
            "--webhook-retry-delays",
            "0,1,1,1,1,1,1,1,1,1",
        ],
        &[("TENANTRY_WEBHOOK_SECRET", SECRET)],
    );
    let fixture = Fixture::set_up(&target);
    let waiting = wait_for_events(&target, &fixture, 10, |e| e["attempts"].as_i64() >= Some(2));
    for event in &waiting {
        assert!(
            event["attempts"].as_i64() >= Some(2),
            "not retried: {event}"
        );
        assert!(event["last_error"].is_string(), "{event}");
        assert!(event["next_attempt_at"].is_string(), "{event}");
        assert!(event["delivered_at"].is_null(), "{event}");
    }
    let receiver = start_receiver_with(Some(port), 0);
    let events = wait_for_events(&target, &fixture, 10, |e| e["delivered_at"].is_string());
    assert!(
        events
            .iter()
            .all(|e| e["delivered_at"].is_string() && e["last_error"].is_null()),
        "{events:?}"
    );
    let delivered: BTreeSet<String> = received(&receiver)
        .iter()
        .filter_map(|d| d["webhook_id"].as_str().map(str::to_owned))
        .collect();
    let ids: BTreeSet<String> = events
        .iter()
        .filter_map(|e| e["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(ids, delivered);
}

/// Fault: the receiver answers 500. Each failure is retried on the schedule with the same
/// `webhook-id`; once the schedule is spent, the event shows as failed. Scheduled again through
/// the API once the receiver is fixed, one event is delivered, its attempts counted on, and the
/// others stay failed.
#[test]
fn errors_are_retried_with_the_same_id_then_the_event_fails() {
    let receiver = start_receiver_with(None, 1_000);
    let target = native_http::start_with(
        &[
            "--webhook-url",
            &receiver.url,
            "--webhook-retry-delays",
            "0,1",
        ],
        &[("TENANTRY_WEBHOOK_SECRET", SECRET)],
    );
    let fixture = Fixture::set_up(&target);
    let events = wait_for_events(&target, &fixture, 20, |e| e["next_attempt_at"].is_null());
    // The fixture's create (tenant.created, invite.created) and its keys (three issued, one
    // revoked): 500, 500 at once, 500 a second later, then failed.
    assert_eq!(events.len(), 6, "{events:?}");
    let deliveries = received(&receiver);
    for event in &events {
        assert_eq!(
            (
                &event["attempts"],
                &event["last_error"],
                &event["delivered_at"]
            ),
            (&json!(3), &json!("the endpoint answered 500"), &Value::Null),
            "{event}"
        );
        let tries = deliveries
            .iter()
            .filter(|d| d["webhook_id"] == event["id"])
            .count();
        assert_eq!(tries, 3, "one webhook-id on every attempt: {deliveries:?}");
    }
    let port = receiver.receiver.port;
    drop(receiver);
    let _fixed = start_receiver_with(Some(port), 0);
    let id = events[0]["id"].as_str().unwrap_or_default();
    let retried = target.send(&Request {
        method: "POST".into(),
        path: format!("/v1/events/{id}/retry"),
        headers: vec![
            ("X-API-Key".into(), fixture.master_key.clone()),
            ("X-Tenant-ID".into(), fixture.master_tenant.to_string()),
        ],
        body: Vec::new(),
    });
    assert_eq!(retried.status, 202, "{}", retried.raw_body);
    assert!(
        retried.body["next_attempt_at"].is_string(),
        "{}",
        retried.raw_body
    );
    let events = wait_for_events(&target, &fixture, 10, |e| {
        e["id"] != id || e["delivered_at"].is_string()
    });
    for event in &events {
        let expected = if event["id"] == id {
            (json!(4), true)
        } else {
            (json!(3), false)
        };
        assert_eq!(
            (event["attempts"].clone(), event["delivered_at"].is_string()),
            expected,
            "{event}"
        );
    }
}

/// Fault: `tenantry serve` killed with SIGKILL in the middle of deliveries five times, then
/// started again. Every committed event arrives at least once, nothing of a refused change
/// ever does, and a repeat carries the event's one `webhook-id`. The counts are printed.
#[test]
fn killed_five_times_mid_delivery_it_still_delivers_every_committed_event() {
    let receiver = start_receiver_slowed(None, 0, 40);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("tenantry.db");
    let args = [
        "--webhook-url",
        receiver.url.as_str(),
        "--webhook-lease",
        "1",
    ];
    let env = [("TENANTRY_WEBHOOK_SECRET", SECRET)];
    let mut fixture: Option<Fixture> = None;
    for round in 0..5 {
        let target = native_http::start_on(&db, &args, &env);
        let fixture = fixture.get_or_insert_with(|| Fixture::set_up(&target));
        for n in 0..6 {
            let body = json!({"name": format!("Crash {round} {n}"), "slug": format!("crash-{round}-{n}"),
                              "owner_email": "o@crash.test", "owner_name": "O"});
            let created = post_tenant(&target, fixture, &body);
            assert_eq!(created, 201);
            // The same slug again: refused, so no event may ever be delivered for it.
            assert_eq!(post_tenant(&target, fixture, &body), 409);
        }
        std::thread::sleep(Duration::from_millis(150));
        drop(target);
    }
    let fixture = fixture.unwrap_or_else(|| unreachable!());
    let target = native_http::start_on(&db, &args, &env);
    let events = wait_for_events(&target, &fixture, 30, |e| e["delivered_at"].is_string());
    assert_eq!(
        events.len(),
        6 + 5 * 6 * 2,
        "the fixture's six, then one tenant.created and invite.created each"
    );
    assert!(
        events.iter().all(|e| e["delivered_at"].is_string()),
        "{events:?}"
    );
    let deliveries = received(&receiver);
    let ids: BTreeSet<&str> = events.iter().filter_map(|e| e["id"].as_str()).collect();
    let delivered: BTreeSet<&str> = deliveries
        .iter()
        .filter_map(|d| d["webhook_id"].as_str())
        .collect();
    assert_eq!(ids, delivered, "every committed event, and nothing else");
    eprintln!(
        "killed 5 times: {} events, {} deliveries, {} repeats (same webhook-id)",
        events.len(),
        deliveries.len(),
        deliveries.len() - events.len()
    );
}

/// Pruning at start: with `--event-retention 0`, a restart deletes the events delivered before
/// it and keeps the one written while no endpoint was set, which it then delivers.
#[test]
fn a_restart_prunes_the_events_delivered_past_their_retention() {
    let receiver = start_receiver();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("tenantry.db");
    let args = [
        "--webhook-url",
        receiver.url.as_str(),
        "--event-retention",
        "0",
    ];
    let env = [("TENANTRY_WEBHOOK_SECRET", SECRET)];
    let target = native_http::start_on(&db, &args, &env);
    let fixture = Fixture::set_up(&target);
    let delivered = wait_for_events(&target, &fixture, 10, |e| e["delivered_at"].is_string());
    assert!(
        !delivered.is_empty() && delivered.iter().all(|e| e["delivered_at"].is_string()),
        "{delivered:?}"
    );
    drop(target);
    let target = native_http::start_on(&db, &[], &[]);
    let body = json!({"name": "Waiting", "owner_email": "o@prune.test", "owner_name": "O"});
    assert_eq!(post_tenant(&target, &fixture, &body), 201);
    let waiting: Vec<Value> = all_events(&target, &fixture)
        .into_iter()
        .filter(|e| e["delivered_at"].is_null())
        .collect();
    assert_eq!(waiting.len(), 2, "{waiting:?}");
    drop(target);
    // Delivered a second or more before the restart: past a retention of 0 days.
    std::thread::sleep(Duration::from_millis(1_100));
    let target = native_http::start_on(&db, &args, &env);
    let events = wait_for_events(&target, &fixture, 10, |e| e["delivered_at"].is_string());
    let ids = |events: &[Value]| -> BTreeSet<String> {
        events
            .iter()
            .filter_map(|e| e["id"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(ids(&events), ids(&waiting), "{events:?}");
    assert!(
        events.iter().all(|e| e["delivered_at"].is_string()),
        "{events:?}"
    );
}

#[test]
fn every_event_reaches_a_standard_webhooks_receiver_and_verifies() {
    let receiver = start_receiver();
    let target = native_http::start_with(
        &["--webhook-url", &receiver.url],
        &[("TENANTRY_WEBHOOK_SECRET", SECRET)],
    );
    let fixture = Fixture::set_up(&target);
    for n in 0..5 {
        let body =
            json!({"name": format!("Hooked {n}"), "owner_email": "o@hook.test", "owner_name": "O"});
        assert_eq!(post_tenant(&target, &fixture, &body), 201, "{body}");
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let events = loop {
        let events = all_events(&target, &fixture);
        if events.iter().all(|e| e["delivered_at"].is_string()) || Instant::now() > deadline {
            break events;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    // The fixture's tenant and five more: a tenant.created and an invite.created each; and the
    // fixture's keys: three api_key.created, one api_key.revoked.
    assert_eq!(events.len(), 16, "{events:?}");
    for event in &events {
        assert!(event["delivered_at"].is_string(), "not delivered: {event}");
        assert_eq!(
            (&event["attempts"], &event["next_attempt_at"]),
            (&json!(1), &Value::Null)
        );
    }
    let deliveries = received(&receiver);
    assert!(
        deliveries.iter().all(|d| d["verified"] == true),
        "a delivery failed verification: {deliveries:?}"
    );
    let ids: BTreeSet<&str> = events.iter().filter_map(|e| e["id"].as_str()).collect();
    let delivered: BTreeSet<&str> = deliveries
        .iter()
        .filter_map(|d| d["webhook_id"].as_str())
        .collect();
    assert_eq!(ids, delivered);
    // The mailer gets the token; the API never shows it, and the outbox drops it once sent.
    for invite in deliveries.iter().filter(|d| d["type"] == "invite.created") {
        let token = invite["data"]["token"].as_str().unwrap_or_default();
        assert_eq!(token.len(), 64, "{invite}");
        let shown = get(
            &target,
            &fixture,
            &format!(
                "/v1/events/{}",
                invite["webhook_id"].as_str().unwrap_or_default()
            ),
        );
        assert!(!shown.to_string().contains(token));
    }
    accept_with_delivered_tokens(&target, &deliveries);
    resend(&target, &fixture, &receiver);
}

/// A receiver that accepts every connection and never answers, holding them open; counts the
/// connections it accepted.
struct Hanging {
    port: u16,
    accepted: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

fn start_hanging() -> Hanging {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let port = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"))
        .port();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().map_while(Result::ok) {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            held.push(stream);
        }
    });
    Hanging { port, accepted }
}

/// Fault: the receiver takes the connection and never answers. Each attempt is given up on
/// after the attempt timeout (shortened to 1 s here; 10 s by default) and retried on the
/// schedule, then the event is failed: two attempts each, two connections each.
#[test]
fn a_receiver_that_never_answers_is_given_up_on_after_the_timeout_and_retried() {
    let hanging = start_hanging();
    let target = native_http::start_with(
        &[
            "--webhook-url",
            &format!("http://127.0.0.1:{}/hooks", hanging.port),
            "--webhook-retry-delays",
            "1",
            "--webhook-timeout",
            "1",
        ],
        &[("TENANTRY_WEBHOOK_SECRET", SECRET)],
    );
    let started = Instant::now();
    let fixture = Fixture::set_up(&target);
    let events = wait_for_events(&target, &fixture, 60, |e| e["next_attempt_at"].is_null());
    let elapsed = started.elapsed();
    // The fixture's create and keys: six events.
    assert_eq!(events.len(), 6, "{events:?}");
    for event in &events {
        assert_eq!(
            (
                &event["attempts"],
                &event["delivered_at"],
                &event["next_attempt_at"]
            ),
            (&json!(2), &Value::Null, &Value::Null),
            "{event}"
        );
        let error = event["last_error"].as_str().unwrap_or_default();
        assert!(error.contains("timeout"), "{error}");
    }
    assert_eq!(
        hanging.accepted.load(std::sync::atomic::Ordering::SeqCst),
        12,
        "one connection per attempt"
    );
    // Twelve attempts of 1 s and 1 s delays: far less than the default 10 s timeout would take.
    assert!(elapsed < Duration::from_secs(40), "{elapsed:?}");
}
