//! The in-process SQLite API (no HTTP), on a database file shared by a pool of connections.

use std::sync::Arc;

use tenantry_core::{Policies, Scope};
use tenantry_native::admin;
use tenantry_native::server::Pool;
use uuid::Uuid;

use crate::targets::through_handler;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::{Request, Response, RowCounts, Target, WriteCounts};

/// [`tenantry_native::Tenantry::handle`] on a temporary database file.
#[derive(Debug)]
pub struct InProcessTarget {
    pool: Pool,
    /// How far the test moved the clock ahead of the real one, in seconds.
    clock_offset: AtomicI64,
    _dir: tempfile::TempDir,
}

impl InProcessTarget {
    /// A fresh database in a temporary folder.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let policies = Arc::new(Policies::embedded().unwrap_or_else(|e| panic!("{e}")));
        let pool =
            Pool::open(dir.path().join("tenantry.db"), policies).unwrap_or_else(|e| panic!("{e}"));
        Self {
            pool,
            clock_offset: AtomicI64::new(0),
            _dir: dir,
        }
    }

    fn with<T>(&self, f: impl FnOnce(&tenantry_native::Tenantry) -> T) -> T {
        self.pool.with(f).unwrap_or_else(|e| panic!("{e}"))
    }
}

impl Default for InProcessTarget {
    fn default() -> Self {
        Self::new()
    }
}

impl Target for InProcessTarget {
    fn name(&self) -> &str {
        "in-process"
    }

    fn send(&self, request: &Request) -> Response {
        let now = tenantry_native::system::now()
            .unwrap_or_else(|e| panic!("{e}"))
            .plus_seconds(self.clock_offset.load(Ordering::SeqCst));
        let fresh = tenantry_native::system::fresh().unwrap_or_else(|e| panic!("{e}"));
        through_handler(request, |http| self.with(|t| t.handle_at(http, now, fresh)))
    }

    fn bootstrap(&self) -> (Uuid, String) {
        let bootstrapped = self.with(|t| t.init()).unwrap_or_else(|e| panic!("{e}"));
        (bootstrapped.tenant_id, bootstrapped.api_key)
    }

    fn issue_key(&self, tenant: Uuid, scopes: &[&str]) -> (Uuid, String) {
        let scopes: Vec<Scope> = scopes
            .iter()
            .map(|s| s.parse().unwrap_or_else(|e| panic!("{e}")))
            .collect();
        let change = admin::create_key(tenant, &scopes).unwrap_or_else(|e| panic!("{e}"));
        self.with(|t| t.apply_admin_change(&change.change))
            .unwrap_or_else(|e| panic!("{e}"));
        crate::targets::cli::key_of(&change.output)
    }

    fn revoke_key(&self, key_id: Uuid) {
        let change = admin::revoke_key(key_id).unwrap_or_else(|e| panic!("{e}"));
        self.with(|t| t.apply_admin_change(&change.change))
            .unwrap_or_else(|e| panic!("{e}"));
    }

    fn count_writes(&self) -> WriteCounts {
        self.with(|t| crate::targets::cli::count_writes_on(t.store().connection()))
    }

    fn advance_clock(&self, seconds: i64) -> bool {
        self.clock_offset.fetch_add(seconds, Ordering::SeqCst);
        true
    }

    fn count_rows(&self, slug: &str) -> RowCounts {
        self.with(|t| crate::targets::cli::count_rows_on(t.store().connection(), slug))
    }
}
