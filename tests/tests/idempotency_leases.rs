//! The idempotency claim's rules on each store, through the port: a claim holds its key for its
//! lease, a claim whose lease ran out with no answer is taken over, a release frees only its own
//! claim, and a stored answer holds for 24 hours whatever the lease; and the look-up that does
//! not claim (a dry run's) foresees each of those outcomes. (The worker's D1 runs the
//! same SQL as SQLite; the edge conformance run covers it end to end.)

#![expect(
    clippy::panic,
    reason = "a test reports a failed step by panicking, as assert! does"
)]

use tenantry_core::store::{
    IdempotencyClaim, IdempotencyRelease, IdempotentAnswer, StoredAnswer, TenantStore,
};
use tenantry_core::{
    IDEMPOTENCY_KEY_TTL_SECONDS, IDEMPOTENCY_LEASE_SECONDS, MemoryStore, Timestamp,
};
use tenantry_native::SqliteStore;
use uuid::Uuid;

const TENANT: Uuid = Uuid::from_u128(7);

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_unix_seconds(1_800_000_000 + seconds).unwrap_or_else(|| panic!("time"))
}

fn claim(key: &str, claim_id: u128, now: i64) -> IdempotencyClaim {
    IdempotencyClaim {
        tenant_id: TENANT,
        key: key.to_owned(),
        fingerprint: "f".repeat(64),
        claim_id: Uuid::from_u128(claim_id),
        now: at(now),
        lease_until: at(now + IDEMPOTENCY_LEASE_SECONDS),
        expires_at: at(now + IDEMPOTENCY_KEY_TTL_SECONDS),
    }
}

/// Who holds the key after `claim`; first checks that the look-up without claiming (a dry
/// run's) foresees the claim's outcome, so every step below checks both by one rule.
fn holder<S: TenantStore>(store: &S, claim: &IdempotencyClaim) -> u128 {
    let foreseen = pollster::block_on(store.idempotency_key_holder(claim))
        .unwrap_or_else(|e| panic!("{e}"))
        .map_or(claim.claim_id, |entry| entry.claim_id);
    let held = pollster::block_on(store.claim_idempotency_key(claim))
        .unwrap_or_else(|e| panic!("{e}"))
        .claim_id;
    assert_eq!(
        foreseen, held,
        "the look-up without claiming, at {:?}",
        claim.now
    );
    held.as_u128()
}

fn release<S: TenantStore>(store: &S, key: &str, claim_id: u128) {
    let release = IdempotencyRelease {
        tenant_id: TENANT,
        key: key.to_owned(),
        claim_id: Uuid::from_u128(claim_id),
    };
    pollster::block_on(store.release_idempotency_key(&release)).unwrap_or_else(|e| panic!("{e}"));
}

fn lease_rules<S: TenantStore>(store: &S) {
    assert_eq!(holder(store, &claim("k", 1, 0)), 1, "a new key is claimed");
    assert_eq!(
        holder(store, &claim("k", 2, 30)),
        1,
        "held within the lease"
    );
    release(store, "k", 2);
    assert_eq!(
        holder(store, &claim("k", 3, 31)),
        1,
        "another's release frees nothing"
    );
    let lapsed = IDEMPOTENCY_LEASE_SECONDS + 1;
    assert_eq!(
        holder(store, &claim("k", 4, lapsed)),
        4,
        "taken over after the lease"
    );
    release(store, "k", 4);
    assert_eq!(
        holder(store, &claim("k", 5, lapsed)),
        5,
        "free once released"
    );
    let other_tenant = IdempotencyClaim {
        tenant_id: Uuid::from_u128(8),
        ..claim("k", 6, lapsed)
    };
    assert_eq!(holder(store, &other_tenant), 6, "keys are per tenant");
}

fn answers_outlive_the_lease<S: TenantStore>(store: &S) {
    let first = claim("a", 1, 0);
    assert_eq!(holder(store, &first), 1);
    let answer = IdempotentAnswer {
        tenant_id: TENANT,
        key: "a".into(),
        claim_id: first.claim_id,
        answer: StoredAnswer {
            status: 201,
            body: "{}".into(),
            location: None,
        },
        now: at(1),
    };
    // The answer goes in with a write of the port; a key issue is the smallest.
    store_answer(store, &answer);
    let later = IDEMPOTENCY_KEY_TTL_SECONDS - 1;
    let replayed = pollster::block_on(store.claim_idempotency_key(&claim("a", 2, later)))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (
            replayed.claim_id.as_u128(),
            replayed.answer.map(|a| a.status)
        ),
        (1, Some(201))
    );
    let expired = claim("a", 3, IDEMPOTENCY_KEY_TTL_SECONDS);
    assert_eq!(holder(store, &expired), 3, "expired after 24 hours");
}

/// Stores an answer through `insert_api_key`, which writes it with the key it issues.
fn store_answer<S: TenantStore>(store: &S, answer: &IdempotentAnswer) {
    use tenantry_core::store::{AuditRecord, KeyIssue, NewApiKey};
    use tenantry_core::{EventType, IssuedKey, NewEvent};
    let issued = IssuedKey::from_random_bytes([9; tenantry_core::KEY_RANDOM_BYTES]);
    let key = NewApiKey::of(&issued, TENANT, "k", vec!["keys:read".into()], answer.now);
    let audit = AuditRecord {
        id: Uuid::from_u128(99),
        at: answer.now,
        actor_key_id: key.key_id,
        actor_tenant_id: TENANT,
        action: "create_api_key",
        resource_id: Some(TENANT),
        decision: "allow",
        policies: Vec::new(),
    };
    let issue = KeyIssue {
        event: NewEvent::of_key(audit.id, EventType::ApiKeyCreated, &key.info(), answer.now),
        audit,
        key,
        idempotency: Some(answer.clone()),
    };
    pollster::block_on(store.insert_api_key(&issue)).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn claims_hold_for_their_lease_on_the_memory_store() {
    lease_rules(&MemoryStore::new());
    answers_outlive_the_lease(&MemoryStore::new());
}

#[test]
fn claims_hold_for_their_lease_on_sqlite() {
    let store = SqliteStore::open_in_memory().unwrap_or_else(|e| panic!("{e}"));
    lease_rules(&store);
    let store = SqliteStore::open_in_memory().unwrap_or_else(|e| panic!("{e}"));
    // The key the answer is written with needs its tenant (a foreign key).
    let master = tenantry_core::store::MasterTenant::new(TENANT, at(0));
    store
        .execute_atomically(&tenantry_core::sql::insert_master(&master))
        .unwrap_or_else(|e| panic!("{e}"));
    answers_outlive_the_lease(&store);
}
