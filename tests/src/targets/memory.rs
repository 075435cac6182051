//! Core's handler over the in-memory store.

use tenantry_core::Policies;
use tenantry_core::admin;
use tenantry_core::http::handle;
use tenantry_core::store::NewApiKey;
use tenantry_core::{InviteTtl, MemoryStore};
use tenantry_native::system;
use uuid::Uuid;

use crate::targets::through_handler;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::{Request, Response, RowCounts, Target, WriteCounts};

/// Core with [`MemoryStore`].
#[derive(Debug)]
pub struct MemoryTarget {
    policies: Policies,
    store: MemoryStore,
    /// How far the test moved the clock ahead of the real one, in seconds.
    clock_offset: AtomicI64,
}

impl MemoryTarget {
    /// An empty store with the shipped policies.
    pub fn new() -> Self {
        Self {
            policies: Policies::embedded().unwrap_or_else(|e| panic!("{e}")),
            store: MemoryStore::new(),
            clock_offset: AtomicI64::new(0),
        }
    }

    fn add_key(&self, tenant: Uuid, scopes: &[&str]) -> (Uuid, String) {
        let key = system::issue_key().unwrap_or_else(|e| panic!("{e}"));
        let now = system::now().unwrap_or_else(|e| panic!("{e}"));
        let scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
        self.store
            .add_api_key(NewApiKey::of(&key, tenant, "test key", scopes, now), false)
            .unwrap_or_else(|e| panic!("{e}"));
        (key.key_id, key.plaintext)
    }
}

impl Default for MemoryTarget {
    fn default() -> Self {
        Self::new()
    }
}

impl Target for MemoryTarget {
    fn name(&self) -> &str {
        "core+memory"
    }

    fn send(&self, request: &Request) -> Response {
        let now = system::now()
            .unwrap_or_else(|e| panic!("{e}"))
            .plus_seconds(self.clock_offset.load(Ordering::SeqCst));
        let fresh = system::fresh().unwrap_or_else(|e| panic!("{e}"));
        through_handler(request, |http| {
            pollster::block_on(handle(
                &self.policies,
                &self.store,
                http,
                now,
                fresh,
                InviteTtl::default(),
            ))
        })
    }

    fn bootstrap(&self) -> (Uuid, String) {
        let now = system::now().unwrap_or_else(|e| panic!("{e}"));
        let random = system::random().unwrap_or_else(|e| panic!("{e}"));
        let boot = admin::bootstrap(now, random);
        self.store
            .add_bootstrap(&boot)
            .unwrap_or_else(|e| panic!("{e}"));
        (boot.master.id, boot.key.plaintext)
    }

    fn issue_key(&self, tenant: Uuid, scopes: &[&str]) -> (Uuid, String) {
        self.add_key(tenant, scopes)
    }

    fn revoke_key(&self, key_id: Uuid) {
        let now = system::now().unwrap_or_else(|e| panic!("{e}"));
        self.store
            .revoke_api_key(key_id, now)
            .unwrap_or_else(|e| panic!("{e}"));
    }

    fn count_writes(&self) -> WriteCounts {
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        WriteCounts {
            events: count(self.store.event_count()),
            audit: count(self.store.audit_log().len()),
        }
    }

    fn advance_clock(&self, seconds: i64) -> bool {
        self.clock_offset.fetch_add(seconds, Ordering::SeqCst);
        true
    }

    fn count_rows(&self, slug: &str) -> RowCounts {
        let n = i64::try_from(
            self.store
                .created()
                .iter()
                .filter(|r| r.tenant.slug == slug)
                .count(),
        )
        .unwrap_or(i64::MAX);
        // The memory store keeps a create's rows together: one record holds all of them.
        RowCounts {
            tenants: n,
            users: n,
            invites: n,
        }
    }
}
