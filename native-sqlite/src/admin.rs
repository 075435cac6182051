//! What `tenantry init` and `tenantry keys` do: the platform tenant and API keys, as SQL
//! statements that run on a database file or are written out for `wrangler d1 execute`.

use serde_json::json;
use tenantry_core::sql::{self, SqlStatement};
use tenantry_core::store::{CREATE_SCOPE, MasterTenant, NewApiKey};
use uuid::Uuid;

use crate::{NativeError, system};

/// A change to apply, and the JSON to print once it is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminChange {
    /// The statements, to run in one transaction.
    pub statements: Vec<SqlStatement>,
    /// What to print on stdout (the key is shown only this once).
    pub output: serde_json::Value,
}

impl AdminChange {
    /// The statements as a SQL file for `wrangler d1 execute DB --file`.
    pub fn to_sql_file(&self) -> String {
        self.statements
            .iter()
            .map(|s| s.to_literal_sql() + "\n")
            .collect()
    }
}

/// The platform tenant and its first key, as `init` creates them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bootstrapped {
    /// The platform tenant's id.
    pub tenant_id: Uuid,
    /// Its first API key, holding `tenants:create`; shown only this once.
    pub api_key: String,
}

/// The platform tenant and its first key, which holds `tenants:create`.
pub fn init() -> Result<(Bootstrapped, AdminChange), NativeError> {
    let now = system::now()?;
    let master = MasterTenant::new(system::uuid()?, now);
    let key = system::issue_key()?;
    let row = NewApiKey::of(&key, master.id, vec![CREATE_SCOPE.to_owned()], now);
    let change = AdminChange {
        statements: vec![sql::insert_master(&master), sql::insert_api_key(&row)],
        output: json!({ "tenant_id": master.id, "api_key": key.plaintext }),
    };
    let bootstrapped = Bootstrapped {
        tenant_id: master.id,
        api_key: key.plaintext,
    };
    Ok((bootstrapped, change))
}

/// Another key for a tenant, with the given scopes (none given, none held).
pub fn create_key(tenant_id: Uuid, scopes: Vec<String>) -> Result<AdminChange, NativeError> {
    let key = system::issue_key()?;
    let row = NewApiKey::of(&key, tenant_id, scopes, system::now()?);
    Ok(AdminChange {
        statements: vec![sql::insert_api_key(&row)],
        output: json!({ "key_id": key.key_id, "api_key": key.plaintext }),
    })
}

/// Revokes a key from now on.
pub fn revoke_key(key_id: Uuid) -> Result<AdminChange, NativeError> {
    Ok(AdminChange {
        statements: vec![sql::revoke_api_key(key_id, system::now()?)],
        output: json!({ "key_id": key_id, "revoked": true }),
    })
}
