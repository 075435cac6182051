//! The edge worker running in workerd (`wrangler dev`), administered with `tenantry --emit-sql`
//! and `wrangler d1 execute` against its local D1. `scripts/test-edge.sh` starts it and sets
//! `TENANTRY_EDGE_URL` and `TENANTRY_EDGE_DIR`.

use std::path::PathBuf;

use uuid::Uuid;

use crate::http_client::HttpClient;
use crate::targets::cli::Database;
use crate::{Request, Response, RowCounts, Target};

/// A worker someone else started.
#[derive(Debug)]
pub struct EdgeTarget {
    client: HttpClient,
    database: Database,
}

impl EdgeTarget {
    /// The worker named by `TENANTRY_EDGE_URL`, its folder by `TENANTRY_EDGE_DIR`.
    pub fn from_env() -> Self {
        let var = |name: &str| {
            std::env::var(name).unwrap_or_else(|_| {
                panic!("set {name}; scripts/test-edge.sh starts the worker and sets it")
            })
        };
        Self {
            client: HttpClient::new(&var("TENANTRY_EDGE_URL")),
            database: Database::LocalD1(PathBuf::from(var("TENANTRY_EDGE_DIR"))),
        }
    }
}

impl Target for EdgeTarget {
    fn name(&self) -> &str {
        "edge-workerd"
    }

    fn send(&self, request: &Request) -> Response {
        self.client.send(request)
    }

    fn bootstrap(&self) -> (Uuid, String) {
        self.database.bootstrap()
    }

    fn issue_key(&self, tenant: Uuid, scopes: &[&str]) -> (Uuid, String) {
        self.database.issue_key(tenant, scopes)
    }

    fn revoke_key(&self, key_id: Uuid) {
        self.database.revoke_key(key_id)
    }

    fn count_rows(&self, slug: &str) -> RowCounts {
        self.database.count_rows(slug)
    }
}
