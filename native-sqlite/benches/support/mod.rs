//! What the benchmarks share: the rows of one create (for the storage floor), a `tenantry serve`
//! on a database file, and numbers from the environment.

#![allow(
    dead_code,
    reason = "each benchmark includes this module and uses its own part of it"
)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use tenantry_core::sql::{SqlStatement, SqlValue};
use tenantry_core::store::{AuditRecord, Invite, NewTenantRecord, OwnerUser};
use tenantry_core::{EventType, NewEvent, Tenant};
use tenantry_native::system;
use uuid::Uuid;

/// The rows one create writes (tenant, owner, invite, audit, two events), with fresh ids, as the flow
/// would build them; `None` if the clock or the random source fails.
pub(crate) fn floor_record(actor: Uuid, slug: String) -> Option<NewTenantRecord> {
    let now = system::now().ok()?;
    let fresh = system::fresh().ok()?;
    let email = "floor@bench.test".to_owned();
    let tenant = Tenant {
        id: fresh.tenant_id,
        name: "Floor Co".into(),
        slug,
        locale: "en".into(),
        owner_email: Some(email.clone()),
        owner_user_id: Some(fresh.owner_user_id),
        sso_start_url: None,
        sso_region: None,
        is_master: false,
        primary_domain: None,
        created_at: now,
        updated_at: now,
    };
    let owner = OwnerUser {
        id: fresh.owner_user_id,
        tenant_id: fresh.tenant_id,
        email: email.clone(),
        name: "Floor".into(),
        created_at: now,
    };
    let token = fresh.invite_id.to_string();
    let invite = Invite {
        id: fresh.invite_id,
        tenant_id: fresh.tenant_id,
        user_id: fresh.owner_user_id,
        email,
        token_hash: tenantry_core::hash_secret(&token),
        expires_at: now.plus_seconds(3600),
        created_at: now,
    };
    Some(NewTenantRecord {
        events: [
            NewEvent::of_tenant(fresh.audit_id, EventType::TenantCreated, &tenant, now),
            NewEvent::of_invite(&tenant, &owner, &invite, token),
        ],
        tenant,
        owner,
        invite,
        audit: AuditRecord {
            id: fresh.audit_id,
            at: now,
            actor_key_id: actor,
            actor_tenant_id: actor,
            action: "create_tenant",
            resource_id: Some(fresh.tenant_id),
            decision: "allow",
            policies: vec!["platform-keys-create-tenants".into()],
        },
    })
}

/// The floor's unit: the statements of one create in a bare `IMMEDIATE` transaction of their own
/// on one connection, committed (the connection as the store opens it: WAL, `synchronous` FULL).
pub(crate) fn bare_transaction(
    conn: &rusqlite::Connection,
    statements: &[SqlStatement],
) -> rusqlite::Result<()> {
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    for statement in statements {
        let values = statement.params.iter().map(|value| match value {
            SqlValue::Null => rusqlite::types::Value::Null,
            SqlValue::Integer(n) => rusqlite::types::Value::Integer(*n),
            SqlValue::Text(text) => rusqlite::types::Value::Text(text.clone()),
        });
        tx.prepare_cached(statement.sql)?
            .execute(rusqlite::params_from_iter(values))?;
    }
    tx.commit()
}

/// A number from the environment, or `default`.
pub(crate) fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A `tenantry serve` started for the run, stopped when dropped.
pub(crate) struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `server` (a `tenantry` program) as `tenantry serve` on `db` (already initialised),
/// listening on `listen` (port 0: any free port of 127.0.0.1); the server and its base URL.
pub(crate) fn serve_with(server: &Path, db: &Path, listen: &str) -> Option<(Server, String)> {
    let mut child = Command::new(server)
        .args(["serve", "--listen", listen, "--db"])
        .arg(db)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let mut lines = BufReader::new(child.stderr.take()?).lines();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.split("listening on ").nth(1).map(str::to_owned))?;
    // Keep draining the request log so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Some((Server(child), url))
}

/// Starts this build's `tenantry serve` on `db` on a free port of 127.0.0.1.
pub(crate) fn serve(db: &Path) -> Option<(Server, String)> {
    serve_with(Path::new(env!("CARGO_BIN_EXE_tenantry")), db, "127.0.0.1:0")
}
