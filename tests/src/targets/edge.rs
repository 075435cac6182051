//! The edge worker running in workerd (`wrangler dev`), administered with `tenantry --emit-sql`
//! and `wrangler d1 execute` against its local D1. `scripts/test-edge.sh` starts it and sets
//! `TENANTRY_EDGE_URL` and `TENANTRY_EDGE_DIR`.

use std::path::PathBuf;

use crate::targets::cli::Database;
use crate::targets::remote::Remote;

/// The worker named by `TENANTRY_EDGE_URL`, its folder by `TENANTRY_EDGE_DIR`.
pub fn from_env() -> Remote {
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!("set {name}; scripts/test-edge.sh starts the worker and sets it")
        })
    };
    let database = Database::LocalD1(PathBuf::from(var("TENANTRY_EDGE_DIR")));
    Remote::new("edge-workerd", &var("TENANTRY_EDGE_URL"), database, None)
}
