//! How many calls a create makes to the storage port, counted by a store that wraps the memory
//! store and records each call. On D1 every call is one round trip (a query, or a batch that D1
//! runs as one transaction), so these counts are the worker's round trips per request.

#![expect(
    clippy::unwrap_used,
    reason = "the helpers of a test fail it loudly on any error"
)]

use std::sync::Mutex;

use tenantry_core::admin::{self, BOOTSTRAP_RANDOM_BYTES};
use tenantry_core::http::{HttpRequest, handle};
use tenantry_core::store::{
    ApiKeyInfo, AuditRecord, CreateFound, CreateReads, EventFilter, EventRetry, FoundInvite,
    FoundKey, FoundOwner, FoundTenant, IdempotencyClaim, IdempotencyEntry, IdempotencyRelease,
    InviteAcceptance, InviteRenewal, KeyIssue, KeyRevocation, NewApiKey, NewTenantRecord,
    StoreError, StoredApiKey, TenantDeletion, TenantStore, TenantUpdate,
};
use tenantry_core::{
    Attempted, DueEvent, EventInfo, FRESH_RANDOM_BYTES, Fresh, IssuedKey, KEY_RANDOM_BYTES, Tenant,
};
use tenantry_core::{InviteTtl, MemoryStore, Policies, Timestamp};
use uuid::Uuid;

/// The memory store, with every call to the port written down by name.
#[derive(Default)]
struct CountingStore {
    inner: MemoryStore,
    calls: Mutex<Vec<&'static str>>,
    /// Answers `create_reads` as if no candidate were taken: what a create sees when a racing
    /// create takes its slug between its read and its write.
    race_after_read: bool,
}

impl CountingStore {
    fn count(&self, call: &'static str) {
        self.calls.lock().unwrap().push(call);
    }

    /// The calls since the last time this was asked.
    fn take_calls(&self) -> Vec<&'static str> {
        std::mem::take(&mut self.calls.lock().unwrap())
    }
}

/// Each listed method of the port: counted, then passed to the memory store.
macro_rules! counted {
    ($(fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*) => {
        $(
            async fn $name(&self $(, $arg: $ty)*) -> Result<$ret, StoreError> {
                self.count(stringify!($name));
                TenantStore::$name(&self.inner, $($arg),*).await
            }
        )*
    };
}

impl TenantStore for CountingStore {
    counted! {
        fn api_key(&self, key_id: Uuid) -> Option<StoredApiKey>;
        fn slugs_in_use(&self, candidates: &[String]) -> Vec<String>;
        fn insert_tenant(&self, record: &NewTenantRecord) -> ();
        fn tenant(&self, id: Uuid, user: Option<Uuid>) -> Option<FoundTenant>;
        fn tenants_after(&self, after: i64, limit: u32, slug: Option<&str>) -> Vec<(i64, Tenant)>;
        fn api_key_info(&self, key_id: Uuid) -> Option<FoundKey>;
        fn api_keys_after(&self, tenant_id: Uuid, after: i64, limit: u32) -> Vec<(i64, ApiKeyInfo)>;
        fn update_tenant(&self, update: &TenantUpdate) -> ();
        fn delete_tenant(&self, deletion: &TenantDeletion) -> ();
        fn insert_api_key(&self, issue: &KeyIssue) -> ();
        fn revoke_api_key(&self, revocation: &KeyRevocation) -> ();
        fn event(&self, id: Uuid) -> Option<EventInfo>;
        fn events_after(&self, after: i64, limit: u32, filter: EventFilter) -> Vec<(i64, EventInfo)>;
        fn invite(&self, token_hash: &str) -> Option<FoundInvite>;
        fn accept_invite(&self, acceptance: &InviteAcceptance) -> ();
        fn owner(&self, user_id: Uuid) -> Option<FoundOwner>;
        fn renew_invite(&self, renewal: &InviteRenewal) -> ();
        fn retry_event(&self, retry: &EventRetry) -> ();
        fn claim_idempotency_key(&self, claim: &IdempotencyClaim) -> IdempotencyEntry;
        fn idempotency_key_holder(&self, claim: &IdempotencyClaim) -> Option<IdempotencyEntry>;
        fn release_idempotency_key(&self, release: &IdempotencyRelease) -> ();
        fn claim_due_events(&self, now: Timestamp, until: Timestamp, limit: u32) -> Vec<DueEvent>;
        fn record_attempts(&self, attempts: &[Attempted], mailer: bool) -> ();
        fn prune_events(&self, cutoff: Timestamp) -> u64;
        fn audit_denial(&self, audit: &AuditRecord) -> ();
    }

    async fn create_reads(&self, reads: &CreateReads<'_>) -> Result<CreateFound, StoreError> {
        self.count("create_reads");
        let found = self.inner.create_reads(reads).await?;
        Ok(if self.race_after_read {
            CreateFound {
                slugs_in_use: Vec::new(),
                ..found
            }
        } else {
            found
        })
    }
}

/// A store with the platform tenant, its key, and a key that may only read tenants.
struct Setup {
    store: CountingStore,
    policies: Policies,
    tenant: String,
    platform_key: String,
    reader_key: String,
    now: Timestamp,
}

impl Setup {
    fn new(race_after_read: bool) -> Self {
        let now = Timestamp::from_unix_seconds(1_776_254_400).unwrap();
        let boot = admin::bootstrap(now, [200; BOOTSTRAP_RANDOM_BYTES]);
        let store = CountingStore {
            race_after_read,
            ..CountingStore::default()
        };
        store.inner.add_bootstrap(&boot).unwrap();
        let reader = IssuedKey::from_random_bytes([201; KEY_RANDOM_BYTES]);
        let scopes = vec!["tenants:read".into()];
        let row = NewApiKey::of(&reader, boot.master.id, "reader", scopes, now);
        store.inner.add_api_key(row, false).unwrap();
        Self {
            store,
            policies: Policies::embedded().unwrap(),
            tenant: boot.master.id.to_string(),
            platform_key: boot.key.plaintext,
            reader_key: reader.plaintext,
            now,
        }
    }

    /// Sends a create with this key and body; answers its status and the port's calls. Each
    /// create of a test takes its own `n`, which seeds its ids (bootstrap's seeds are above 199).
    fn create(&self, key: &str, body: &str, n: u8) -> (u16, Vec<&'static str>) {
        let headers = [
            ("X-API-Key", key),
            ("X-Tenant-ID", self.tenant.as_str()),
            ("Content-Type", "application/json"),
        ];
        let request = HttpRequest {
            method: "POST",
            path: "/v1/tenants",
            query: "",
            headers: &headers,
            body: body.as_bytes(),
        };
        let fresh = Fresh::from_random_bytes([n; FRESH_RANDOM_BYTES]);
        let response = pollster::block_on(handle(
            &self.policies,
            &self.store,
            request,
            self.now,
            fresh,
            InviteTtl::default(),
        ));
        (response.status, self.store.take_calls())
    }
}

fn body(name: &str, slug: Option<&str>) -> String {
    let slug = slug
        .map(|s| format!(r#","slug":"{s}""#))
        .unwrap_or_default();
    format!(r#"{{"name":"{name}"{slug},"owner_email":"o@acme.test","owner_name":"O"}}"#)
}

const READ_THEN_WRITE: [&str; 2] = ["create_reads", "insert_tenant"];

#[test]
fn a_create_is_one_read_and_one_write() {
    let setup = Setup::new(false);
    let key = setup.platform_key.clone();
    assert_eq!(
        setup.create(&key, &body("Acme", Some("acme")), 1),
        (201, READ_THEN_WRITE.to_vec()),
        "a given slug"
    );
    assert_eq!(
        setup.create(&key, &body("Acme", None), 2),
        (201, READ_THEN_WRITE.to_vec()),
        "a derived slug whose base is taken: its variants were read with the key"
    );
}

#[test]
fn a_taken_or_reserved_slug_is_answered_from_the_same_read() {
    let setup = Setup::new(false);
    let key = setup.platform_key.clone();
    setup.create(&key, &body("Acme", Some("acme")), 1);
    setup.create(&key, &body("Acme", Some("acme-2")), 2);
    for (slug, n) in [("acme", 3), ("admin", 4)] {
        let (status, calls) = setup.create(&key, &body("Acme", Some(slug)), n);
        assert_eq!((status, calls), (409, vec!["create_reads"]), "{slug}");
    }
}

#[test]
fn refusals_before_the_write_read_once_or_not_at_all() {
    let setup = Setup::new(false);
    let reader = setup.reader_key.clone();
    assert_eq!(
        setup.create("tk_not-a-key", &body("Acme", None), 1),
        (401, vec![]),
        "a malformed key is refused before any read"
    );
    let unknown = IssuedKey::from_random_bytes([202; KEY_RANDOM_BYTES]).plaintext;
    assert_eq!(
        setup.create(&unknown, &body("Acme", None), 2),
        (401, vec!["create_reads"])
    );
    assert_eq!(
        setup.create(&reader, "{", 3),
        (400, vec!["create_reads"]),
        "a bad body is answered after the caller is known, from the one read"
    );
    assert_eq!(
        setup.create(&reader, &body("Acme", None), 4),
        (403, vec!["create_reads", "audit_denial"]),
        "a denial is read, decided and audited"
    );
}

#[test]
fn a_slug_taken_between_read_and_write_pays_its_extra_round_trip() {
    let setup = Setup::new(true);
    let key = setup.platform_key.clone();
    setup.create(&key, &body("Acme", Some("acme")), 1);
    assert_eq!(
        setup.create(&key, &body("Acme", Some("acme")), 2),
        (409, vec!["create_reads", "insert_tenant", "slugs_in_use"]),
        "a given slug: the unique index refuses, then the suggestions are read"
    );
    let (status, calls) = setup.create(&key, &body("Acme", None), 3);
    assert_eq!(
        (status, calls),
        (201, vec!["create_reads", "insert_tenant", "insert_tenant"]),
        "a derived slug: refused at the write, then written with a random suffix"
    );
}
