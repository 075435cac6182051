//! Delivery from the edge worker in workerd to a receiver verifying every delivery with PyPI's
//! `standardwebhooks`: after each change (`waitUntil`), retried under the same `webhook-id`,
//! and from the Cron Triggers, fired by `wrangler dev --test-scheduled`'s `/__scheduled`; then
//! pruning by the pruning cron. Run by `scripts/test-edge.sh`, which starts the worker a second
//! time for it on a fresh local D1 with `WEBHOOK_URL` pointing at `TENANTRY_EDGE_HOOK_PORT`,
//! the receiver's secret in `.dev.vars`, retry delays of `0,1,1,1,1,1,1,1` seconds and a
//! retention of 0 days.

#![expect(
    clippy::panic,
    reason = "a test reports a failed step by panicking, as assert! does"
)]

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};
use tenantry_conformance::fixture::Fixture;
use tenantry_conformance::hooks::{
    accept_with_delivered_tokens, all_events, post_tenant, received, resend, start_receiver_with,
    wait_for_events,
};
use tenantry_conformance::targets::edge;
use tenantry_conformance::{Request, Target};

/// The pruning cron of `edge-worker/wrangler.toml`.
const PRUNE_CRON: &str = "7+*+*+*+*";
/// The delivery cron.
const DELIVERY_CRON: &str = "*+*+*+*+*";

fn hook_port() -> u16 {
    std::env::var("TENANTRY_EDGE_HOOK_PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("set TENANTRY_EDGE_HOOK_PORT; scripts/test-edge.sh does"))
}

/// Fires a Cron Trigger as the runtime would; answers once the handler finished.
fn fire(target: &dyn Target, cron: &str) {
    let response = target.send(&Request {
        method: "GET".into(),
        path: format!("/__scheduled?cron={cron}"),
        headers: Vec::new(),
        body: Vec::new(),
    });
    assert_eq!(response.status, 200, "{}", response.raw_body);
}

/// Creates a tenant named `name`; answers its id.
fn create(target: &dyn Target, fixture: &Fixture, name: &str) -> String {
    let body = json!({"name": name, "owner_email": "o@edge-hook.test", "owner_name": "O"});
    assert_eq!(post_tenant(target, fixture, &body), 201, "{name}");
    let events = all_events(target, fixture);
    events
        .iter()
        .rev()
        .find(|e| e["type"] == "tenant.created" && e["data"]["name"] == name)
        .and_then(|e| e["tenant_id"].as_str())
        .unwrap_or_else(|| panic!("no tenant.created for {name}: {events:?}"))
        .to_owned()
}

fn of_tenant(events: &[Value], tenant: &str) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e["tenant_id"] == tenant)
        .cloned()
        .collect()
}

/// How many deliveries of each `webhook-id` the receiver logged, with their statuses.
fn statuses_by_id(deliveries: &[Value]) -> BTreeMap<String, Vec<i64>> {
    let mut by_id: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for delivery in deliveries {
        assert_eq!(delivery["verified"], true, "{delivery}");
        by_id
            .entry(
                delivery["webhook_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
            .or_default()
            .push(delivery["status"].as_i64().unwrap_or_default());
    }
    by_id
}

fn ids(events: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = events
        .iter()
        .filter_map(|e| e["id"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

#[test]
#[ignore = "needs the worker running in workerd with a webhook endpoint: run scripts/test-edge.sh"]
fn the_worker_delivers_after_each_change_retries_from_its_cron_and_prunes() {
    let target = edge::from_env();
    let port = hook_port();

    // A healthy receiver: each change's events arrive once the response is sent, verified.
    let receiver = start_receiver_with(Some(port), 0);
    let fixture = Fixture::set_up(&target);
    let hooked = create(&target, &fixture, "Edge Hooked");
    let events = wait_for_events(&target, &fixture, 15, |e| e["delivered_at"].is_string());
    assert!(
        events
            .iter()
            .all(|e| e["delivered_at"].is_string() && e["attempts"] == 1),
        "{events:?}"
    );
    let deliveries = received(&receiver);
    let by_id = statuses_by_id(&deliveries);
    assert_eq!(by_id.keys().cloned().collect::<Vec<_>>(), ids(&events));
    assert!(
        by_id.values().all(|statuses| statuses == &[204]),
        "{by_id:?}"
    );
    let kinds: Vec<&str> = deliveries
        .iter()
        .filter(|d| d["data"]["tenant"]["id"] == hooked.as_str() || d["data"]["id"] == hooked)
        .filter_map(|d| d["type"].as_str())
        .collect();
    assert_eq!(
        kinds,
        ["tenant.created", "invite.created"],
        "{deliveries:?}"
    );
    let invite = deliveries
        .iter()
        .find(|d| d["type"] == "invite.created" && d["data"]["tenant"]["id"] == hooked.as_str())
        .unwrap_or_else(|| panic!("no invite for {hooked}"));
    assert_eq!(
        invite["data"]["token"].as_str().map(str::len),
        Some(64),
        "the mailer gets the token: {invite}"
    );
    // The delivered tokens are the invites: each accepts once (then 409), eight racing accepts
    // of one token give one 200; a resend while the owner is invited delivers a new token and
    // the old one then answers 404; once the owner is active a resend is 409. A third invite
    // (beside the fixture's and this one) is the one resent.
    create(&target, &fixture, "Edge Invited");
    wait_for_events(&target, &fixture, 15, |e| e["delivered_at"].is_string());
    accept_with_delivered_tokens(&target, &received(&receiver));
    resend(&target, &fixture, &receiver);
    wait_for_events(&target, &fixture, 15, |e| e["delivered_at"].is_string());
    drop(receiver);

    // A receiver answering 500 twice: each event is retried at once under the same
    // `webhook-id`, within the delivery after the change.
    let receiver = start_receiver_with(Some(port), 2);
    let retried = create(&target, &fixture, "Edge Retried");
    let events = wait_for_events(&target, &fixture, 15, |e| e["delivered_at"].is_string());
    let mine = of_tenant(&events, &retried);
    assert_eq!(mine.len(), 2, "{events:?}");
    assert!(
        mine.iter()
            .all(|e| e["attempts"] == 2 && e["last_error"].is_null()),
        "{mine:?}"
    );
    let by_id = statuses_by_id(&received(&receiver));
    assert_eq!(by_id.keys().cloned().collect::<Vec<_>>(), ids(&mine));
    assert!(
        by_id.values().all(|statuses| statuses == &[500, 204]),
        "{by_id:?}"
    );
    drop(receiver);

    // The receiver down while creating: the deliveries after the changes fail and schedule
    // retries; once it is up, the delivery cron brings every event.
    let down = [
        create(&target, &fixture, "Edge Down One"),
        create(&target, &fixture, "Edge Down Two"),
    ];
    let waiting = wait_for_events(&target, &fixture, 15, |e| {
        e["delivered_at"].is_string() || e["next_attempt_at"] != e["created_at"]
    });
    let waiting: Vec<Value> = down.iter().flat_map(|t| of_tenant(&waiting, t)).collect();
    assert_eq!(waiting.len(), 4, "{waiting:?}");
    for event in &waiting {
        assert!(event["delivered_at"].is_null(), "{event}");
        assert!(event["attempts"].as_i64() >= Some(1), "{event}");
        assert!(event["last_error"].is_string(), "{event}");
        assert!(event["next_attempt_at"].is_string(), "{event}");
    }
    let receiver = start_receiver_with(Some(port), 0);
    // The retries are due a second after the failures.
    std::thread::sleep(Duration::from_millis(1_100));
    fire(&target, DELIVERY_CRON);
    let events = all_events(&target, &fixture);
    let after: Vec<Value> = down.iter().flat_map(|t| of_tenant(&events, t)).collect();
    assert!(
        after
            .iter()
            .all(|e| e["delivered_at"].is_string() && e["last_error"].is_null()),
        "{after:?}"
    );
    let by_id = statuses_by_id(&received(&receiver));
    assert_eq!(by_id.keys().cloned().collect::<Vec<_>>(), ids(&after));
    drop(receiver);

    // Pruning (a retention of 0 days): every delivered event goes, an undelivered one stays.
    let kept = create(&target, &fixture, "Edge Kept");
    std::thread::sleep(Duration::from_millis(1_100));
    fire(&target, PRUNE_CRON);
    let left = all_events(&target, &fixture);
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(
        left.iter()
            .all(|e| e["tenant_id"] == kept.as_str() && e["delivered_at"].is_null()),
        "{left:?}"
    );
}
