//! `tenantry serve`: hyper on tokio in front of the in-process API. SQLite work runs on the
//! blocking pool, never on the async workers; each request is logged on one line. What the server
//! refuses, its timeouts and its limits are written down in `docs/http.md`.

mod assets;
mod deliver;
mod exchange;
mod listen;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tenantry_core::Policies;

use crate::{GroupCommit, NativeError, SqliteStore, Tenantry};

pub use assets::{Assets, REPOSITORY_ASSETS};
pub use deliver::{Webhooks, spawn as spawn_deliverer};
pub use listen::{Limits, Listener, serve};

/// A pool of connections to one database file, each a [`Tenantry`] sharing the policies and
/// one [`GroupCommit`] (so their writes share transactions), and the console's files served beside the API.
#[derive(Debug)]
pub struct Pool {
    path: PathBuf,
    policies: Arc<Policies>,
    group: Arc<GroupCommit>,
    idle: Mutex<Vec<Tenantry>>,
    assets: Assets,
}

impl Pool {
    /// A pool on a database file (opened and migrated once here, to fail early).
    pub fn open(path: PathBuf, policies: Arc<Policies>) -> Result<Self, NativeError> {
        let group = Arc::<GroupCommit>::default();
        let first = Tenantry::with_policies(
            SqliteStore::open_grouped(&path, group.clone())?,
            policies.clone(),
        );
        Ok(Self {
            path,
            policies,
            group,
            idle: Mutex::new(vec![first]),
            assets: Assets::default(),
        })
    }

    /// Serves the operator console's files beside the API; without them, `GET /` says how to
    /// build them.
    #[must_use]
    pub fn with_assets(self, assets: Assets) -> Self {
        Self { assets, ..self }
    }

    /// The console's files this server answers asset requests with.
    fn assets(&self) -> &Assets {
        &self.assets
    }

    /// Runs `f` on an idle connection, opening one if none is idle. Blocking: call it off the
    /// async workers.
    pub fn with<T>(&self, f: impl FnOnce(&Tenantry) -> T) -> Result<T, NativeError> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let tenantry = match idle {
            Some(tenantry) => tenantry,
            None => Tenantry::with_policies(
                SqliteStore::open_grouped(&self.path, self.group.clone())?,
                self.policies.clone(),
            ),
        };
        let result = f(&tenantry);
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(tenantry);
        }
        Ok(result)
    }
}
