//! Safe retries and dry runs on a target: the `Idempotency-Key` header of the creates (replays,
//! a reused key, racing retries, a lost answer, a key's secret never replayed, failures not
//! stored, expiry) and `?dry_run=true` on the writes (the real call's answer, nothing written).

use std::collections::BTreeSet;
use std::sync::Barrier;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

use crate::fixture::Fixture;
use crate::lifecycle::call;
use crate::{Request, Response, RowCounts, Target, expect};

/// How many requests with one idempotency key race.
pub const RACERS: usize = 16;

/// Every retry and dry-run check that any target can run.
pub fn run_all(target: &dyn Target, fixture: &Fixture) {
    replay_answers_the_first_answer(target, fixture);
    a_reused_key_is_422(target, fixture);
    racing_retries_create_one_tenant(target, fixture);
    a_lost_answer_is_found_again(target, fixture);
    a_key_replay_has_no_secret(target, fixture);
    failures_are_not_stored(target, fixture);
    a_malformed_key_is_400(target, fixture);
    dry_runs(target, fixture);
    a_dry_run_with_a_key_answers_as_a_retry(target, fixture);
}

/// A slug or idempotency key used once in this process: each check starts from a free one.
fn unique(what: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("{what}-{}", NEXT.fetch_add(1, Ordering::SeqCst))
}

fn tenant_body(slug: &str) -> Value {
    json!({"name": format!("Retry {slug}"), "slug": slug, "owner_email": "r@retry.test", "owner_name": "R"})
}

fn with_header(mut request: Request, name: &str, value: &str) -> Request {
    request.headers.push((name.to_owned(), value.to_owned()));
    request
}

/// A create by the platform key, with an idempotency key.
fn create_once(fixture: &Fixture, key: &str, body: &Value) -> Request {
    let request = fixture.platform_call("POST", "/v1/tenants", Some(body));
    with_header(request, "Idempotency-Key", key)
}

fn one_tenant(target: &dyn Target, slug: &str) {
    assert_eq!(
        target.count_rows(slug),
        RowCounts::ONE_CREATE,
        "{}: the rows of `{slug}`",
        target.name()
    );
}

/// The second request with a key answers the first answer: same status, body and Location,
/// and nothing more is written (no row, no event, no audit record).
fn replay_answers_the_first_answer(target: &dyn Target, fixture: &Fixture) {
    let slug = unique("replay");
    let request = create_once(fixture, &unique("key"), &tenant_body(&slug));
    let first = target.send(&request);
    expect(target, &first, 201, "the first create with a key");
    let writes = target.count_writes();
    let again = target.send(&request);
    expect(target, &again, 201, "the replay");
    assert_eq!(
        again.body,
        first.body,
        "{}: the replayed body",
        target.name()
    );
    assert_eq!(again.header("location"), first.header("location"));
    assert!(first.header("location").is_some());
    assert_eq!(
        target.count_writes(),
        writes,
        "{}: a replay writes",
        target.name()
    );
    one_tenant(target, &slug);
    // Key order and spacing do not make another request.
    let mut reordered = request.clone();
    reordered.body = format!(
        r#"{{ "owner_name": "R", "owner_email": "r@retry.test", "slug": "{slug}", "name": "Retry {slug}" }}"#
    )
    .into_bytes();
    let third = target.send(&reordered);
    expect(target, &third, 201, "the replay of the same JSON reordered");
    assert_eq!(third.body["id"], first.body["id"]);
}

/// The same key with another body: 422, and nothing created.
fn a_reused_key_is_422(target: &dyn Target, fixture: &Fixture) {
    let key = unique("key");
    let slug = unique("reused");
    let first = target.send(&create_once(fixture, &key, &tenant_body(&slug)));
    expect(target, &first, 201, "the first create");
    let other = unique("other");
    let reused = target.send(&create_once(fixture, &key, &tenant_body(&other)));
    expect(target, &reused, 422, "the key with another body");
    assert_eq!(reused.body["code"], "idempotency_key_reused");
    assert_eq!(target.count_rows(&other).tenants, 0);
    // The key belongs to the caller's tenant: another tenant's key of the same name is its own.
    let customer = fixture.other_tenant.to_string();
    let theirs = with_header(
        call(
            &fixture.other_key,
            &customer,
            "POST",
            "/v1/tenants",
            Some(&tenant_body(&other)),
        ),
        "Idempotency-Key",
        &key,
    );
    assert_ne!(
        target.send(&theirs).status,
        422,
        "{}: keys are per tenant",
        target.name()
    );
}

/// [`RACERS`] requests with one key at once: one tenant, every answer that tenant or 409
/// `idempotency_in_flight`.
fn racing_retries_create_one_tenant(target: &dyn Target, fixture: &Fixture) {
    let slug = unique("race-once");
    let request = create_once(fixture, &unique("key"), &tenant_body(&slug));
    let barrier = Barrier::new(RACERS);
    let responses: Vec<Response> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..RACERS)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    target.send(&request)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| panic!("a racer panicked")))
            .collect()
    });
    let mut ids = BTreeSet::new();
    for response in &responses {
        match response.status {
            201 => {
                ids.insert(response.body["id"].to_string());
            }
            409 => assert_eq!(
                response.body["code"],
                "idempotency_in_flight",
                "{}: {}",
                target.name(),
                response.raw_body
            ),
            other => panic!(
                "{}: a racer got {other}: {}",
                target.name(),
                response.raw_body
            ),
        }
    }
    assert_eq!(ids.len(), 1, "{}: tenants answered {ids:?}", target.name());
    one_tenant(target, &slug);
    let after = target.send(&request);
    expect(target, &after, 201, "a retry after the race");
    assert!(ids.contains(&after.body["id"].to_string()));
}

/// A client that never saw its answer (the connection dropped) sends again and gets the tenant
/// the first request created.
fn a_lost_answer_is_found_again(target: &dyn Target, fixture: &Fixture) {
    let slug = unique("lost");
    let request = create_once(fixture, &unique("key"), &tenant_body(&slug));
    drop(target.send(&request));
    let retry = target.send(&request);
    expect(target, &retry, 201, "the retry after a lost answer");
    let master = fixture.master_tenant.to_string();
    let listed = target.send(&call(
        &fixture.master_key,
        &master,
        "GET",
        &format!("/v1/tenants?slug={slug}"),
        None,
    ));
    assert_eq!(listed.body["data"][0]["id"], retry.body["id"]);
    one_tenant(target, &slug);
}

/// A key's replay: the same status and key object, `api_key` null, no second key.
fn a_key_replay_has_no_secret(target: &dyn Target, fixture: &Fixture) {
    let master = fixture.master_tenant.to_string();
    let name = unique("once");
    let body = json!({"name": name, "scopes": ["tenants:read"]});
    let request = with_header(
        call(
            &fixture.master_key,
            &master,
            "POST",
            "/v1/api-keys",
            Some(&body),
        ),
        "Idempotency-Key",
        &unique("key"),
    );
    let first = target.send(&request);
    expect(target, &first, 201, "the first key create");
    assert!(first.body["api_key"].is_string());
    let again = target.send(&request);
    expect(target, &again, 201, "the key replay");
    assert_eq!(again.body["api_key"], Value::Null, "{}", again.raw_body);
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(again.header("location"), first.header("location"));
    let mut without_secret = first.body.clone();
    without_secret["api_key"] = Value::Null;
    assert_eq!(again.body, without_secret);
    let listed = target.send(&call(
        &fixture.master_key,
        &master,
        "GET",
        "/v1/api-keys?limit=250",
        None,
    ));
    let named = listed.body["data"].as_array().map_or(0, |keys| {
        keys.iter().filter(|k| k["name"] == name.as_str()).count()
    });
    assert_eq!(named, 1, "{}: keys named {name}", target.name());
}

/// A 401 and a refused body are not stored: a retry with the same key runs again.
fn failures_are_not_stored(target: &dyn Target, fixture: &Fixture) {
    let master = fixture.master_tenant.to_string();
    let key = unique("key");
    let slug = unique("after-401");
    let body = tenant_body(&slug);
    let refused = with_header(
        call(
            &fixture.revoked_key,
            &master,
            "POST",
            "/v1/tenants",
            Some(&body),
        ),
        "Idempotency-Key",
        &key,
    );
    expect(target, &target.send(&refused), 401, "a revoked key");
    let created = target.send(&create_once(fixture, &key, &body));
    expect(target, &created, 201, "the retry after a 401");
    // A 409 (the slug is taken) is not stored either: once the slug is free, the retry runs.
    let taken = create_once(fixture, &unique("key"), &body);
    expect(target, &target.send(&taken), 409, "a taken slug");
    let holder = format!(
        "/v1/tenants/{}",
        created.body["id"].as_str().unwrap_or_default()
    );
    let freed = target.send(&call(&fixture.master_key, &master, "DELETE", &holder, None));
    expect(target, &freed, 204, "the slug's holder deleted");
    expect(
        target,
        &target.send(&taken),
        201,
        "the retry once the slug is free",
    );
}

fn a_malformed_key_is_400(target: &dyn Target, fixture: &Fixture) {
    for bad in ["\"\"", &"k".repeat(256), "caf\u{e9}", "tab\tinside"] {
        let response = target.send(&create_once(fixture, bad, &tenant_body(&unique("bad"))));
        expect(target, &response, 400, "a malformed key");
        assert_eq!(response.body["code"], "invalid_idempotency_key");
    }
}

/// Keys expire after 24 hours: on a target whose clock the test moves, a retry a day later
/// runs again (a derived slug, so it can).
pub fn keys_expire_after_a_day(target: &dyn Target, fixture: &Fixture) {
    let body =
        json!({"name": unique("Expiring"), "owner_email": "e@retry.test", "owner_name": "E"});
    let request = create_once(fixture, &unique("key"), &body);
    let first = target.send(&request);
    expect(target, &first, 201, "the first create");
    assert!(
        target.advance_clock(23 * 3600),
        "{}: no test clock",
        target.name()
    );
    let replay = target.send(&request);
    assert_eq!(
        replay.body["id"],
        first.body["id"],
        "{}: 23 h later",
        target.name()
    );
    assert!(target.advance_clock(3600));
    let later = target.send(&request);
    expect(target, &later, 201, "a day later");
    assert_ne!(
        later.body["id"],
        first.body["id"],
        "{}: a day later",
        target.name()
    );
}

fn dry(request: Request) -> Request {
    let path = format!(
        "{}{}dry_run=true",
        request.path,
        if request.path.contains('?') { '&' } else { '?' }
    );
    Request { path, ..request }
}

fn expect_dry(target: &dyn Target, response: &Response, status: u16, what: &str) {
    expect(target, response, status, what);
    assert_eq!(
        response.header("tenantry-dry-run"),
        Some("true"),
        "{}: {what}: the dry-run header",
        target.name()
    );
}

/// `?dry_run=true`: the real call's answer, with `Tenantry-Dry-Run: true`, and nothing written.
fn dry_runs(target: &dyn Target, fixture: &Fixture) {
    let master = fixture.master_tenant.to_string();
    let key = &fixture.master_key;
    let writes = target.count_writes();
    let slug = unique("dry");
    let create = call(
        key,
        &master,
        "POST",
        "/v1/tenants",
        Some(&tenant_body(&slug)),
    );
    let would = target.send(&dry(create.clone()));
    expect_dry(target, &would, 201, "a dry-run create");
    assert_eq!(would.body["slug"], slug.as_str());
    assert!(would.body["id"].is_string() && would.body["created_at"].is_string());
    assert!(would.header("location").is_some());
    assert_eq!(
        target.count_rows(&slug).tenants,
        0,
        "{}: dry run wrote",
        target.name()
    );
    assert_eq!(
        target.count_writes(),
        writes,
        "{}: events or audit",
        target.name()
    );

    let real = target.send(&create);
    expect(target, &real, 201, "the real create");
    assert_eq!(real.header("tenantry-dry-run"), None);
    let id = real.body["id"].as_str().unwrap_or_default().to_owned();
    let writes = target.count_writes();
    let taken = target.send(&dry(create.clone()));
    expect_dry(target, &taken, 409, "a dry-run create of a taken slug");
    assert_eq!(taken.body["code"], "slug_taken");

    let path = format!("/v1/tenants/{id}");
    let put = with_header(
        call(
            key,
            &master,
            "PUT",
            &path,
            Some(&json!({"name": "Changed"})),
        ),
        "If-Match",
        "\"999\"",
    );
    expect_dry(
        target,
        &target.send(&dry(put)),
        412,
        "a dry-run PUT with a stale If-Match",
    );
    let put = call(
        key,
        &master,
        "PUT",
        &path,
        Some(&json!({"name": "Changed"})),
    );
    let changed = target.send(&dry(put));
    expect_dry(target, &changed, 200, "a dry-run PUT");
    assert_eq!(changed.body["name"], "Changed");
    let delete = target.send(&dry(call(key, &master, "DELETE", &path, None)));
    expect_dry(target, &delete, 204, "a dry-run DELETE");
    let read = target.send(&call(key, &master, "GET", &path, None));
    expect(target, &read, 200, "the tenant after the dry-run DELETE");
    assert_eq!(read.body["name"], real.body["name"], "{}", target.name());
    assert_eq!(
        target.count_writes(),
        writes,
        "{}: a dry-run PUT or DELETE wrote an event or audit record",
        target.name()
    );

    let (_, narrow) = target.issue_key(fixture.master_tenant, &["keys:create"]);
    let writes_before_key = target.count_writes();
    let escalate = call(
        &narrow,
        &master,
        "POST",
        "/v1/api-keys",
        Some(&json!({"name": "wider", "scopes": ["tenants:delete"]})),
    );
    expect_dry(
        target,
        &target.send(&dry(escalate)),
        403,
        "a dry-run escalation",
    );
    let issue = call(
        &narrow,
        &master,
        "POST",
        "/v1/api-keys",
        Some(&json!({"name": "dry", "scopes": ["keys:create"]})),
    );
    let issued = target.send(&dry(issue));
    expect_dry(target, &issued, 201, "a dry-run key create");
    assert!(issued.body["api_key"].is_string());
    assert_eq!(
        target.count_writes(),
        writes_before_key,
        "{}: a dry-run refusal or key was audited",
        target.name()
    );

    let maybe = Request {
        path: "/v1/tenants?dry_run=maybe".into(),
        ..create.clone()
    };
    let refused = target.send(&maybe);
    expect(target, &refused, 400, "dry_run=maybe");
    assert_eq!(refused.body["details"]["query"], "dry_run");
    let not_dry = Request {
        path: "/v1/tenants?dry_run=false".into(),
        ..create
    };
    expect(
        target,
        &target.send(&not_dry),
        409,
        "dry_run=false is the real call",
    );
    let unauthenticated = target.send(&dry(call(
        &fixture.revoked_key,
        &master,
        "DELETE",
        &path,
        None,
    )));
    expect_dry(target, &unauthenticated, 401, "a dry run checks the key");
}

/// A dry run with an `Idempotency-Key` answers what the real call would at that moment: before
/// the key is used, a first create's answer, and the key stays free for the real call; after,
/// the stored answer again (the real tenant's id), or 422 for another body. Nothing is written.
fn a_dry_run_with_a_key_answers_as_a_retry(target: &dyn Target, fixture: &Fixture) {
    let key = unique("key");
    let slug = unique("dry-key");
    let create = create_once(fixture, &key, &tenant_body(&slug));
    let writes = target.count_writes();
    let first = target.send(&dry(create.clone()));
    expect_dry(target, &first, 201, "a dry run with a new key");
    assert_eq!(
        target.count_writes(),
        writes,
        "{}: a dry run claimed its key",
        target.name()
    );
    let real = target.send(&create);
    expect(
        target,
        &real,
        201,
        "the real create after a dry run with its key",
    );
    assert_ne!(real.body["id"], first.body["id"], "{}", target.name());
    one_tenant(target, &slug);

    let writes = target.count_writes();
    let replay = target.send(&dry(create));
    expect_dry(target, &replay, 201, "a dry run with a used key");
    assert_eq!(
        replay.body,
        real.body,
        "{}: a dry run with a used key answers the stored answer",
        target.name()
    );
    assert_eq!(replay.header("location"), real.header("location"));
    let other = target.send(&dry(create_once(
        fixture,
        &key,
        &tenant_body(&unique("other")),
    )));
    expect_dry(
        target,
        &other,
        422,
        "a dry run with a used key and another body",
    );
    assert_eq!(other.body["code"], "idempotency_key_reused");
    assert_eq!(
        target.count_writes(),
        writes,
        "{}: a dry run with a used key wrote",
        target.name()
    );
    one_tenant(target, &slug);
}
