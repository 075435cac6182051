//! What `tenantry init` and `tenantry keys` do: core decides the change from the clock and random
//! bytes given here; the change then runs on a database file or is written out for
//! `wrangler d1 execute`.

use serde_json::json;
use tenantry_core::Scope;
use tenantry_core::admin::{self, BOOTSTRAP_RANDOM_BYTES, Change};
use uuid::Uuid;

use crate::{NativeError, system};

/// A change to apply, and the JSON to print once it is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminChange {
    /// What core decided: the check and the statements.
    pub change: Change,
    /// What to print on stdout (a key is shown only this once).
    pub output: serde_json::Value,
}

/// The platform tenant and its first key, as `init` creates them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bootstrapped {
    /// The platform tenant's id.
    pub tenant_id: Uuid,
    /// Its first API key, holding every scope; shown only this once.
    pub api_key: String,
}

/// The platform tenant and its first key, which holds every scope.
pub fn init() -> Result<(Bootstrapped, AdminChange), NativeError> {
    let boot = admin::bootstrap(system::now()?, system::random::<BOOTSTRAP_RANDOM_BYTES>()?);
    let bootstrapped = Bootstrapped {
        tenant_id: boot.master.id,
        api_key: boot.key.plaintext,
    };
    let change = AdminChange {
        change: boot.change,
        output: json!({ "tenant_id": bootstrapped.tenant_id, "api_key": bootstrapped.api_key }),
    };
    Ok((bootstrapped, change))
}

/// Another key for a tenant, with the given scopes (none given, none held), and its event.
pub fn create_key(tenant_id: Uuid, scopes: &[Scope]) -> Result<AdminChange, NativeError> {
    let (key, change) = admin::issue_key(
        tenant_id,
        scopes,
        system::now()?,
        system::random()?,
        system::uuid()?,
    );
    Ok(AdminChange {
        change,
        output: json!({ "key_id": key.key_id, "api_key": key.plaintext }),
    })
}

/// Revokes a key from now on, with its event (none if it was revoked already).
pub fn revoke_key(key_id: Uuid) -> Result<AdminChange, NativeError> {
    Ok(AdminChange {
        change: admin::revoke_key(key_id, system::now()?, system::uuid()?),
        output: json!({ "key_id": key_id, "revoked": true }),
    })
}
