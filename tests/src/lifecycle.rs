//! The tenant lifecycle on a target: reads, updates and deletes of tenants, and keys issued,
//! listed and revoked through the API, with the contract's guarantees that need more than one
//! request to show (404 without an oracle, keyset paging under concurrent creates, `If-Match`
//! races, deletes and revocations that take effect at once, no escalation).

use std::collections::BTreeSet;
use std::sync::Barrier;

use serde_json::{Value, json};

use crate::fixture::Fixture;
use crate::{Request, Response, Target, expect};

/// A request by `key` of `tenant`.
pub(crate) fn call(
    key: &str,
    tenant: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Request {
    let mut headers = vec![
        ("X-API-Key".to_owned(), key.to_owned()),
        ("X-Tenant-ID".to_owned(), tenant.to_owned()),
    ];
    if body.is_some() {
        headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
    }
    Request {
        method: method.to_owned(),
        path: path.to_owned(),
        headers,
        body: body.map(|b| b.to_string().into_bytes()).unwrap_or_default(),
    }
}

/// Creates a tenant with the platform key and answers its id.
fn create(target: &dyn Target, fixture: &Fixture, slug: &str) -> String {
    let master = fixture.master_tenant.to_string();
    let body = json!({"name": slug, "slug": slug, "owner_email": "o@life.test", "owner_name": "O"});
    let response = target.send(&call(
        &fixture.master_key,
        &master,
        "POST",
        "/v1/tenants",
        Some(&body),
    ));
    expect(target, &response, 201, "create");
    response.body["id"].as_str().unwrap_or_default().to_owned()
}

/// A key issued through the API: (id, secret).
fn issue(target: &dyn Target, key: &str, tenant: &str, body: &Value) -> Response {
    target.send(&call(key, tenant, "POST", "/v1/api-keys", Some(body)))
}

/// Every lifecycle check, on one target.
pub fn run_all(target: &dyn Target, fixture: &Fixture, tenants_to_page: usize) {
    not_found_without_an_oracle(target, fixture);
    update_and_etags(target, fixture);
    concurrent_puts(target, fixture);
    keys_and_escalation(target, fixture);
    delete(target, fixture);
    paging_while_creating(target, fixture, tenants_to_page);
}

/// A child key reading another tenant gets the very bytes of an unknown id's 404.
fn not_found_without_an_oracle(target: &dyn Target, fixture: &Fixture) {
    let other = fixture.other_tenant.to_string();
    let master = fixture.master_tenant.to_string();
    let child = issue(
        target,
        &fixture.master_key,
        &master,
        &json!({"name": "child reader", "scopes": ["tenants:read", "keys:read"], "tenant_id": other}),
    );
    expect(target, &child, 201, "issue a child key");
    let child_key = child.body["api_key"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let someone_else = create(target, fixture, "life-someone-else");
    let seen = target.send(&call(
        &child_key,
        &other,
        "GET",
        &format!("/v1/tenants/{someone_else}"),
        None,
    ));
    let unknown = target.send(&call(
        &child_key,
        &other,
        "GET",
        "/v1/tenants/00000000-0000-4000-8000-00000000abcd",
        None,
    ));
    expect(target, &seen, 404, "another tenant");
    assert_eq!(
        seen.raw_body,
        unknown.raw_body,
        "{}: not byte-identical",
        target.name()
    );
    let keys = target.send(&call(
        &child_key,
        &other,
        "GET",
        &format!("/v1/api-keys?tenant_id={someone_else}"),
        None,
    ));
    assert_eq!(
        keys.raw_body,
        unknown.raw_body,
        "{}: key list of another tenant",
        target.name()
    );
    let own = target.send(&call(
        &child_key,
        &other,
        "GET",
        &format!("/v1/tenants/{other}"),
        None,
    ));
    expect(target, &own, 200, "its own tenant");
    assert!(own.header("etag").is_some(), "{}: no ETag", target.name());
}

/// PUT changes what it names, keeps the rest, refuses read-only fields, and a no-op keeps the ETag.
fn update_and_etags(target: &dyn Target, fixture: &Fixture) {
    let master = fixture.master_tenant.to_string();
    let id = create(target, fixture, "life-update");
    let path = format!("/v1/tenants/{id}");
    let read = target.send(&call(&fixture.master_key, &master, "GET", &path, None));
    let etag = read.header("etag").unwrap_or_default().to_owned();
    let body = json!({"name": "Renamed", "sso_start_url": "https://d-1234567890.awsapps.com/start", "sso_region": "eu-west-3"});
    let mut put = call(&fixture.master_key, &master, "PUT", &path, Some(&body));
    put.headers.push(("If-Match".into(), etag.clone()));
    let updated = target.send(&put);
    expect(target, &updated, 200, "update");
    assert_eq!(updated.body["name"], "Renamed");
    assert_eq!(updated.body["slug"], "life-update");
    let new_etag = updated.header("etag").unwrap_or_default().to_owned();
    assert_ne!(new_etag, etag, "{}: the ETag did not change", target.name());
    let stale = target.send(&put);
    expect(target, &stale, 412, "a stale If-Match");
    assert_eq!(stale.body["code"], "precondition_failed");
    let same = target.send(&call(
        &fixture.master_key,
        &master,
        "PUT",
        &path,
        Some(&json!({"name": "Renamed"})),
    ));
    expect(target, &same, 200, "a no-op");
    assert_eq!(same.header("etag"), Some(new_etag.as_str()));
    assert_eq!(same.body["updated_at"], updated.body["updated_at"]);
    let bad = target.send(&call(
        &fixture.master_key,
        &master,
        "PUT",
        &path,
        Some(&json!({"slug": "x", "plan": 1, "name": "", "owner_user_id": "00000000-0000-4000-8000-000000000001"})),
    ));
    expect(target, &bad, 400, "bad fields");
    let fields = &bad.body["details"]["fields"];
    assert_eq!(fields["slug"], "is read-only");
    assert_eq!(fields["plan"], "is not a known field");
    assert!(fields["name"].is_string());
    let mut not_json = call(
        &fixture.master_key,
        &master,
        "PUT",
        &path,
        Some(&json!({"name": "Y"})),
    );
    not_json.headers.retain(|(n, _)| n != "Content-Type");
    not_json
        .headers
        .push(("Content-Type".into(), "text/plain".into()));
    expect(
        target,
        &target.send(&not_json),
        415,
        "a PUT that is not JSON",
    );
    let removed = target.send(&call(
        &fixture.master_key,
        &master,
        "PUT",
        &path,
        Some(&json!({"sso_start_url": null, "sso_region": null})),
    ));
    expect(target, &removed, 200, "remove SSO");
    assert!(removed.body["sso_region"].is_null());
    let stranger = target.send(&call(
        &fixture.master_key,
        &master,
        "PUT",
        &path,
        Some(&json!({"owner_user_id": "00000000-0000-4000-8000-000000000001"})),
    ));
    expect(
        target,
        &stranger,
        400,
        "an owner who is no user of the tenant",
    );
}

/// Sixteen PUTs with one If-Match: exactly one 200, fifteen 412.
fn concurrent_puts(target: &dyn Target, fixture: &Fixture) {
    let master = fixture.master_tenant.to_string();
    let id = create(target, fixture, "life-race");
    let path = format!("/v1/tenants/{id}");
    let read = target.send(&call(&fixture.master_key, &master, "GET", &path, None));
    let etag = read.header("etag").unwrap_or_default().to_owned();
    let barrier = Barrier::new(16);
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16)
            .map(|i| {
                let (barrier, etag, path, master) = (&barrier, &etag, &path, &master);
                scope.spawn(move || {
                    let body = json!({"name": format!("Racer {i}")});
                    let mut put = call(&fixture.master_key, master, "PUT", path, Some(&body));
                    put.headers.push(("If-Match".into(), etag.clone()));
                    barrier.wait();
                    target.send(&put).status
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| panic!("a racer panicked")))
            .collect()
    });
    let ok = statuses.iter().filter(|s| **s == 200).count();
    let stale = statuses.iter().filter(|s| **s == 412).count();
    assert_eq!((ok, stale), (1, 15), "{}: {statuses:?}", target.name());
}

/// Keys: no escalation, lists never show a secret, revocation is at once and idempotent.
fn keys_and_escalation(target: &dyn Target, fixture: &Fixture) {
    let master = fixture.master_tenant.to_string();
    let narrow = issue(
        target,
        &fixture.master_key,
        &master,
        &json!({"name": "narrow", "scopes": ["keys:create", "keys:read", "keys:revoke"]}),
    );
    expect(target, &narrow, 201, "a narrow key");
    assert!(
        narrow
            .header("location")
            .is_some_and(|l| l.starts_with("/v1/api-keys/"))
    );
    let narrow_key = narrow.body["api_key"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let wider = issue(
        target,
        &narrow_key,
        &master,
        &json!({"name": "wider", "scopes": ["keys:read", "tenants:delete"]}),
    );
    expect(target, &wider, 403, "escalation");
    assert_eq!(
        wider.body["details"]["missing_scopes"],
        json!(["tenants:delete"])
    );
    let unknown_scope = issue(
        target,
        &narrow_key,
        &master,
        &json!({"name": "x", "scopes": ["tenants:creat"]}),
    );
    expect(target, &unknown_scope, 400, "an unknown scope");
    let listed = target.send(&call(
        &narrow_key,
        &master,
        "GET",
        "/v1/api-keys?limit=250",
        None,
    ));
    expect(target, &listed, 200, "list keys");
    assert!(
        !listed.raw_body.contains("tnty_"),
        "{}: a list shows a secret",
        target.name()
    );
    let id = narrow.body["id"].as_str().unwrap_or_default();
    let path = format!("/v1/api-keys/{id}");
    let one = target.send(&call(&narrow_key, &master, "GET", &path, None));
    expect(target, &one, 200, "read a key");
    assert!(one.body.get("api_key").is_none());
    let revoked = target.send(&call(&narrow_key, &master, "DELETE", &path, None));
    expect(target, &revoked, 204, "a key revokes itself");
    let after = target.send(&call(&narrow_key, &master, "GET", &path, None));
    expect(target, &after, 401, "a revoked key");
    let again = target.send(&call(&fixture.master_key, &master, "DELETE", &path, None));
    expect(target, &again, 204, "revoke again");
    let shown = target.send(&call(&fixture.master_key, &master, "GET", &path, None));
    assert!(shown.body["revoked_at"].is_string(), "{}", shown.raw_body);
}

/// A delete: 204, the tenant's key 401 at once, its slug free again, the platform tenant 409.
fn delete(target: &dyn Target, fixture: &Fixture) {
    let master = fixture.master_tenant.to_string();
    let id = create(target, fixture, "life-delete");
    let key = issue(
        target,
        &fixture.master_key,
        &master,
        &json!({"name": "doomed", "scopes": ["tenants:read"], "tenant_id": id}),
    );
    expect(target, &key, 201, "a key of the tenant");
    let doomed_key = key.body["api_key"].as_str().unwrap_or_default().to_owned();
    let path = format!("/v1/tenants/{id}");
    let deleted = target.send(&call(&fixture.master_key, &master, "DELETE", &path, None));
    expect(target, &deleted, 204, "delete");
    let orphan = target.send(&call(&doomed_key, &id, "GET", &path, None));
    expect(target, &orphan, 401, "the deleted tenant's key");
    let gone = target.send(&call(&fixture.master_key, &master, "GET", &path, None));
    expect(target, &gone, 404, "a deleted tenant");
    create(target, fixture, "life-delete");
    let platform = target.send(&call(
        &fixture.master_key,
        &master,
        "DELETE",
        &format!("/v1/tenants/{master}"),
        None,
    ));
    expect(target, &platform, 409, "the platform tenant");
    assert_eq!(platform.body["details"]["reason"], "master_tenant");
}

/// Pages through `count` tenants with `limit=7` while another thread creates more: every
/// tenant that existed at the start shows exactly once, in creation order.
fn paging_while_creating(target: &dyn Target, fixture: &Fixture, count: usize) {
    let master = fixture.master_tenant.to_string();
    for i in 0..count {
        create(target, fixture, &format!("page-{i:05}"));
    }
    let before = walk(target, fixture, 250);
    let during = std::thread::scope(|scope| {
        let creator = scope.spawn(|| {
            for i in 0..count.min(100) {
                create(target, fixture, &format!("late-{i:05}"));
            }
        });
        let seen = walk(target, fixture, 7);
        creator
            .join()
            .unwrap_or_else(|_| panic!("the creator panicked"));
        seen
    });
    let unique: BTreeSet<&String> = during.iter().collect();
    assert_eq!(
        unique.len(),
        during.len(),
        "{}: a tenant shown twice",
        target.name()
    );
    let during_old: Vec<&String> = during.iter().filter(|id| before.contains(id)).collect();
    assert_eq!(
        during_old,
        before.iter().collect::<Vec<_>>(),
        "{}: skipped or out of order",
        target.name()
    );
    let filtered = target.send(&call(
        &fixture.master_key,
        &master,
        "GET",
        "/v1/tenants?slug=PAGE-00003",
        None,
    ));
    expect(target, &filtered, 200, "filter by slug");
    assert_eq!(filtered.body["data"][0]["slug"], "page-00003");
}

/// Every tenant id of a walk through the list.
fn walk(target: &dyn Target, fixture: &Fixture, limit: usize) -> Vec<String> {
    let master = fixture.master_tenant.to_string();
    let mut ids = Vec::new();
    let mut path = format!("/v1/tenants?limit={limit}");
    loop {
        let page = target.send(&call(&fixture.master_key, &master, "GET", &path, None));
        expect(target, &page, 200, "a page");
        for tenant in page.body["data"].as_array().into_iter().flatten() {
            ids.push(tenant["id"].as_str().unwrap_or_default().to_owned());
        }
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/tenants?limit={limit}&cursor={cursor}"),
            None => return ids,
        }
    }
}
