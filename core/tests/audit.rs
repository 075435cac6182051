//! Every change writes its audit record, and so does every denied attempt.

use tenantry_core::admin::{self, BOOTSTRAP_RANDOM_BYTES};
use tenantry_core::http::{HttpRequest, handle};
use tenantry_core::store::NewApiKey;
use tenantry_core::{FRESH_RANDOM_BYTES, Fresh, IssuedKey, KEY_RANDOM_BYTES, MemoryStore};
use tenantry_core::{InviteTtl, Policies, Timestamp};

#[test]
fn changes_and_denials_are_audited_with_their_policies() {
    let now = Timestamp::from_unix_seconds(1_776_254_400).unwrap();
    let boot = admin::bootstrap(now, [1; BOOTSTRAP_RANDOM_BYTES]);
    let store = MemoryStore::new();
    store.add_bootstrap(&boot).unwrap();
    let reader = IssuedKey::from_random_bytes([2; KEY_RANDOM_BYTES]);
    let row = NewApiKey::of(
        &reader,
        boot.master.id,
        "reader",
        vec!["tenants:read".into()],
        now,
    );
    store.add_api_key(row, false).unwrap();
    let policies = Policies::embedded().unwrap();
    let tenant = boot.master.id.to_string();
    let send = |key: &str, method: &str, path: &str, body: &[u8], n: u8| {
        let headers = [
            ("X-API-Key", key),
            ("X-Tenant-ID", tenant.as_str()),
            ("Content-Type", "application/json"),
        ];
        let request = HttpRequest {
            method,
            path,
            query: "",
            headers: &headers,
            body,
        };
        let fresh = Fresh::from_random_bytes([n; FRESH_RANDOM_BYTES]);
        pollster::block_on(handle(
            &policies,
            &store,
            request,
            now,
            fresh,
            InviteTtl::default(),
        ))
        .status
    };
    let path = format!("/v1/tenants/{tenant}");
    assert_eq!(
        send(&reader.plaintext, "PUT", &path, br#"{"name":"X"}"#, 3),
        403
    );
    assert_eq!(send(&reader.plaintext, "GET", &path, b"", 4), 200);
    assert_eq!(
        send(&boot.key.plaintext, "PUT", &path, br#"{"name":"X"}"#, 5),
        200
    );
    assert_eq!(send(&boot.key.plaintext, "DELETE", &path, b"", 6), 409);
    let log = store.audit_log();
    let summary: Vec<(&str, &str, Option<uuid::Uuid>)> = log
        .iter()
        .map(|r| (r.action, r.decision, r.resource_id))
        .collect();
    let master = Some(boot.master.id);
    assert_eq!(
        summary,
        [
            ("update_tenant", "deny", master),
            ("update_tenant", "allow", master),
            ("delete_tenant", "deny", master)
        ],
        "a permitted read writes nothing"
    );
    assert_eq!(log[0].policies, ["update-requires-tenants-update-scope"]);
    assert_eq!(log[0].actor_key_id, reader.key_id);
    assert_eq!(
        log[2].policies,
        ["code:master_tenant"],
        "a rule in code names itself"
    );
    // The platform key on its own tenant: both permits determine the decision.
    assert_eq!(
        log[1].policies,
        [
            "platform-keys-manage-tenants",
            "tenant-keys-read-and-update-own-tenant"
        ]
    );
}
