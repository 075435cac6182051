//! `tenantry serve`: hyper on tokio in front of the in-process API. SQLite work runs on the
//! blocking pool, never on the async workers; each request is logged on one line. What the server
//! refuses, its timeouts and its limits are written down in `docs/http.md`.

mod assets;
mod deliver;
mod exchange;
mod listen;
mod mail;

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use tenantry_core::{InviteTtl, Policies};

use crate::{GroupCommit, NativeError, SqliteStore, Tenantry};

pub use assets::{Assets, REPOSITORY_ASSETS};
pub use deliver::spawn as spawn_deliverer;
pub use listen::{Limits, Listener, serve};
pub use mail::{Mailer, spawn as spawn_mailer};

/// A pool of connections to one database file, each a [`Tenantry`] sharing the policies and
/// one [`GroupCommit`] (so their writes share transactions), and the console's files served beside the API.
#[derive(Debug)]
pub struct Pool {
    path: PathBuf,
    policies: Arc<Policies>,
    group: Arc<GroupCommit>,
    idle: Mutex<Vec<Tenantry>>,
    assets: Assets,
    invite_ttl: InviteTtl,
    doorbell: Doorbell,
}

/// Rung by each request that may have written events, so that the deliverer starts at once
/// rather than at its next poll; a ring while it is busy is kept for its next wait.
#[derive(Debug, Default)]
struct Doorbell {
    rung: Mutex<bool>,
    ring: Condvar,
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
            invite_ttl: InviteTtl::default(),
            doorbell: Doorbell::default(),
        })
    }

    /// Writes invites valid for `ttl` (7 days unless set).
    #[must_use]
    pub fn with_invite_ttl(self, ttl: InviteTtl) -> Self {
        let idle = self
            .idle
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .into_iter()
            .map(|tenantry| tenantry.with_invite_ttl(ttl))
            .collect();
        Self {
            idle: Mutex::new(idle),
            invite_ttl: ttl,
            ..self
        }
    }

    /// Serves the operator console's files beside the API; without them, `GET /` says how to
    /// build them.
    #[must_use]
    pub fn with_assets(self, assets: Assets) -> Self {
        Self { assets, ..self }
    }

    /// Tells the deliverer that a request may have written events.
    fn wrote_events(&self) {
        if let Ok(mut rung) = self.doorbell.rung.lock() {
            *rung = true;
            self.doorbell.ring.notify_one();
        }
    }

    /// Waits until a request may have written events, or `timeout` passed.
    fn wait_for_events(&self, timeout: Duration) {
        let Ok(rung) = self.doorbell.rung.lock() else {
            return std::thread::sleep(timeout);
        };
        if let Ok((mut rung, _)) = self
            .doorbell
            .ring
            .wait_timeout_while(rung, timeout, |rung| !*rung)
        {
            *rung = false;
        }
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
            )
            .with_invite_ttl(self.invite_ttl),
        };
        let result = f(&tenantry);
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(tenantry);
        }
        Ok(result)
    }
}
