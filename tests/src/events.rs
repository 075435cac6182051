//! The outbox on a target: every change leaves exactly one event, written with it, a change
//! refused or lost leaves none, and `GET /v1/events[/{id}]` shows them (pages, type filter,
//! delivery state, who sees what) without ever showing an invite token.

use serde_json::{Value, json};

use crate::fixture::Fixture;
use crate::lifecycle::call;
use crate::{Target, expect};

/// Every event `key` sees of `tenant_id` (all of them when `None`), paging by `limit`.
fn events_of(
    target: &dyn Target,
    key: &str,
    caller: &str,
    query: &str,
    tenant_id: Option<&str>,
) -> Vec<Value> {
    let mut seen = Vec::new();
    let mut path = format!("/v1/events?limit=7{query}");
    for _ in 0..10_000 {
        let response = target.send(&call(key, caller, "GET", &path, None));
        let page = expect(target, &response, 200, "a page of events");
        assert!(
            !response.raw_body.contains("\"token\""),
            "{}: a token in the list",
            target.name()
        );
        for event in page["data"].as_array().cloned().unwrap_or_default() {
            if tenant_id.is_none_or(|id| event["tenant_id"] == id) {
                seen.push(event);
            }
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/events?limit=7{query}&cursor={cursor}"),
            None => return seen,
        }
    }
    panic!("{}: the event list never ended", target.name());
}

fn types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default())
        .collect()
}

/// `POST /v1/events/{id}/retry`: a platform key with `events:read` schedules any event again
/// (202, the event due now, its attempts kept); a customer key gets 403 for its own tenant's
/// event and the 404 of an unknown id for another's; no `events:read`: 403.
fn retry(target: &dyn Target, fixture: &Fixture, reader: &str, theirs: &str) {
    let master = fixture.master_tenant.to_string();
    let other = fixture.other_tenant.to_string();
    let path = |id: &str| format!("/v1/events/{id}/retry");
    let before = target.send(&call(
        &fixture.master_key,
        &master,
        "GET",
        &format!("/v1/events/{theirs}"),
        None,
    ));
    let before = expect(target, &before, 200, "the event");
    let retried = target.send(&call(
        &fixture.master_key,
        &master,
        "POST",
        &path(theirs),
        None,
    ));
    let retried = expect(target, &retried, 202, "a retry");
    assert_eq!(
        (
            &retried["id"],
            &retried["attempts"],
            &retried["data"],
            &retried["delivered_at"]
        ),
        (
            &before["id"],
            &before["attempts"],
            &before["data"],
            &Value::Null
        ),
        "{}: the event, its attempts kept",
        target.name()
    );
    let due = retried["next_attempt_at"].as_str().unwrap_or_default();
    assert!(
        due >= before["created_at"].as_str().unwrap_or_default(),
        "{}: due now: {retried}",
        target.name()
    );
    let shown = target.send(&call(
        &fixture.master_key,
        &master,
        "GET",
        &format!("/v1/events/{theirs}"),
        None,
    ));
    assert_eq!(
        expect(target, &shown, 200, "after a retry"),
        retried,
        "{}",
        target.name()
    );
    let own = events_of(target, reader, &other, "", None);
    let own = own[0]["id"].as_str().unwrap_or_default();
    let refused = target.send(&call(reader, &other, "POST", &path(own), None));
    let refused = expect(
        target,
        &refused,
        403,
        "a customer key retries its own event",
    );
    assert_eq!(
        refused["details"]["policies"],
        json!(["only-platform-tenant-retries-events"]),
        "{}",
        target.name()
    );
    let hidden = target.send(&call(reader, &other, "POST", &path(theirs), None));
    let unknown = target.send(&call(
        reader,
        &other,
        "POST",
        &path("evt_0000000000004000800000000000abcd"),
        None,
    ));
    expect(
        target,
        &hidden,
        404,
        "a customer key retries another tenant's event",
    );
    assert_eq!(hidden.raw_body, unknown.raw_body, "{}", target.name());
    let unscoped = target.send(&call(
        &fixture.unscoped_key,
        &master,
        "POST",
        &path(theirs),
        None,
    ));
    expect(target, &unscoped, 403, "a retry without events:read");
    let read = target.send(&call(
        &fixture.master_key,
        &master,
        "GET",
        &path(theirs),
        None,
    ));
    expect(target, &read, 405, "GET on a retry");
}

/// Every event check, on one target.
pub fn run_all(target: &dyn Target, fixture: &Fixture) {
    let master = fixture.master_tenant.to_string();
    let key = fixture.master_key.as_str();
    let send = |method: &str, path: &str, body: Option<&Value>| {
        target.send(&call(key, &master, method, path, body))
    };
    let body = json!({"name": "Evented", "slug": "evt-life", "owner_email": "o@evt.test",
                      "owner_name": "Owner", "locale": "fr"});
    let created = expect(
        target,
        &send("POST", "/v1/tenants", Some(&body)),
        201,
        "create",
    );
    let id = created["id"].as_str().unwrap_or_default().to_owned();
    // Refused and lost changes write nothing: a taken slug, a stale `If-Match`.
    expect(
        target,
        &send("POST", "/v1/tenants", Some(&body)),
        409,
        "taken slug",
    );
    let rename = json!({"name": "Evented Two"});
    let tenant_path = format!("/v1/tenants/{id}");
    let mut stale = call(key, &master, "PUT", &tenant_path, Some(&rename));
    stale.headers.push(("If-Match".into(), "\"9\"".into()));
    expect(target, &target.send(&stale), 412, "stale update");
    let updated = expect(
        target,
        &send("PUT", &tenant_path, Some(&rename)),
        200,
        "update",
    );
    // An update that changes nothing writes nothing.
    expect(
        target,
        &send("PUT", &tenant_path, Some(&rename)),
        200,
        "same update",
    );
    let issue = json!({"name": "evented", "scopes": ["events:read"], "tenant_id": id});
    let issued = expect(
        target,
        &send("POST", "/v1/api-keys", Some(&issue)),
        201,
        "issue",
    );
    let child_key = issued["api_key"].as_str().unwrap_or_default().to_owned();
    let key_path = format!("/v1/api-keys/{}", issued["id"].as_str().unwrap_or_default());
    // The tenant's own key sees its own events, and only those.
    let own = events_of(target, &child_key, &id, "", None);
    assert!(
        !own.is_empty() && own.iter().all(|e| e["tenant_id"] == id.as_str()),
        "{}: a child key's events: {own:?}",
        target.name()
    );
    expect(target, &send("DELETE", &key_path, None), 204, "revoke");
    // Revoking again changes nothing, so it writes no second event.
    expect(
        target,
        &send("DELETE", &key_path, None),
        204,
        "revoke again",
    );
    expect(target, &send("DELETE", &tenant_path, None), 204, "delete");

    let events = events_of(target, key, &master, "", Some(&id));
    assert_eq!(
        types(&events),
        [
            "tenant.created",
            "invite.created",
            "tenant.updated",
            "api_key.created",
            "api_key.revoked",
            "tenant.deleted"
        ],
        "{}: the tenant's events",
        target.name()
    );
    let data = |at: usize| events[at]["data"].clone();
    assert_eq!(data(0), created, "{}: tenant.created", target.name());
    assert_eq!(data(2), updated, "{}: tenant.updated", target.name());
    assert_eq!(data(5), updated, "{}: tenant.deleted", target.name());
    assert_eq!(
        (
            &data(1)["email"],
            &data(1)["locale"],
            &data(1)["tenant"]["id"]
        ),
        (&json!("o@evt.test"), &json!("fr"), &json!(id)),
        "{}: invite.created",
        target.name()
    );
    assert!(data(1).get("token").is_none(), "{}", target.name());
    assert_eq!(
        data(3)["id"],
        issued["id"],
        "{}: api_key.created",
        target.name()
    );
    assert!(data(4)["revoked_at"].is_string(), "{}", target.name());
    for event in &events {
        let event_id = event["id"].as_str().unwrap_or_default();
        assert!(event_id.starts_with("evt_"), "{}: {event}", target.name());
        // Nothing delivers here: every event waits, due since it was written.
        assert_eq!(
            (
                &event["attempts"],
                &event["delivered_at"],
                &event["last_error"]
            ),
            (&json!(0), &Value::Null, &Value::Null),
            "{}: {event}",
            target.name()
        );
        assert_eq!(event["next_attempt_at"], event["created_at"]);
        let one = send("GET", &format!("/v1/events/{event_id}"), None);
        assert_eq!(
            &expect(target, &one, 200, "one event"),
            event,
            "{}",
            target.name()
        );
    }
    let only = events_of(target, key, &master, "&type=tenant.deleted", Some(&id));
    assert_eq!(types(&only), ["tenant.deleted"], "{}", target.name());

    // What a key may not see is not there: another tenant's event answers as an unknown id.
    let other = fixture.other_tenant.to_string();
    let reader = json!({"name": "reader", "scopes": ["events:read"], "tenant_id": other});
    let reader = expect(
        target,
        &send("POST", "/v1/api-keys", Some(&reader)),
        201,
        "reader",
    );
    let reader = reader["api_key"].as_str().unwrap_or_default().to_owned();
    let theirs = events[0]["id"].as_str().unwrap_or_default();
    let seen = target.send(&call(
        &reader,
        &other,
        "GET",
        &format!("/v1/events/{theirs}"),
        None,
    ));
    let unknown = target.send(&call(
        &reader,
        &other,
        "GET",
        "/v1/events/evt_0000000000004000800000000000abcd",
        None,
    ));
    expect(target, &seen, 404, "another tenant's event");
    assert_eq!(seen.raw_body, unknown.raw_body, "{}", target.name());
    retry(target, fixture, &reader, theirs);
    let without_scope = target.send(&call(&fixture.other_key, &other, "GET", "/v1/events", None));
    expect(target, &without_scope, 403, "no events:read");
    let bad_type = send("GET", "/v1/events?type=tenant.renamed", None);
    assert_eq!(
        expect(target, &bad_type, 400, "unknown type")["details"]["query"],
        "type"
    );
    let tenants = expect(
        target,
        &send("GET", "/v1/tenants?limit=1", None),
        200,
        "tenants",
    );
    let foreign = format!(
        "/v1/events?cursor={}",
        tenants["next_cursor"].as_str().unwrap_or_default()
    );
    expect(
        target,
        &send("GET", &foreign, None),
        400,
        "a tenant list's cursor",
    );
    expect(
        target,
        &send("POST", "/v1/events", None),
        405,
        "POST on the list",
    );
}
