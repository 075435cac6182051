//! Delivery and pruning through core's flows, with a test clock, on the memory store and on
//! SQLite: the same steps on each (`tenantry_conformance::outbox`).

use tenantry_conformance::outbox::deliver_then_prune;
use tenantry_core::{MemoryStore, admin};
use tenantry_native::Tenantry;

#[test]
fn delivery_and_pruning_on_the_memory_store() {
    let store = MemoryStore::new();
    let now = tenantry_core::Timestamp::from_unix_seconds(1_799_000_000)
        .unwrap_or_else(|| unreachable!());
    let boot = admin::bootstrap(now, [7; admin::BOOTSTRAP_RANDOM_BYTES]);
    store.add_bootstrap(&boot).unwrap_or_else(|e| panic!("{e}"));
    deliver_then_prune(&store, &(boot.master.id, boot.key.plaintext));
}

#[test]
fn delivery_and_pruning_on_sqlite() {
    let tenantry = Tenantry::open_in_memory().unwrap_or_else(|e| panic!("{e}"));
    let boot = tenantry.init().unwrap_or_else(|e| panic!("{e}"));
    deliver_then_prune(tenantry.store(), &(boot.tenant_id, boot.api_key));
}
