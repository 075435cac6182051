//! What the benchmarks share: the rows of one create (for the storage floor), a `tenantry serve`
//! on a database file, a load of creates over HTTP, and numbers from the environment.

#![allow(
    dead_code,
    reason = "each benchmark includes this module and uses its own part of it"
)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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
        idempotency: None,
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

/// Starts this build's `tenantry serve` on `db` (already initialised) on a free port of
/// 127.0.0.1; the server and its base URL.
pub(crate) fn serve(db: &Path) -> Option<(Server, String)> {
    serve_with(&Serve::default(), db)
}

/// How to start a server: which `tenantry` program (this build's unless named), where it
/// listens (port 0: any free port of 127.0.0.1), and more arguments and environment variables
/// (a webhook endpoint and secret).
#[derive(Default)]
pub(crate) struct Serve<'a> {
    pub(crate) program: Option<&'a Path>,
    pub(crate) listen: Option<&'a str>,
    pub(crate) args: &'a [&'a str],
    pub(crate) env: &'a [(&'a str, &'a str)],
}

/// Starts `tenantry serve` on `db` (already initialised) as `how` says; the server and its base
/// URL.
pub(crate) fn serve_with(how: &Serve<'_>, db: &Path) -> Option<(Server, String)> {
    let program = how
        .program
        .unwrap_or(Path::new(env!("CARGO_BIN_EXE_tenantry")));
    let mut child = Command::new(program)
        .args([
            "serve",
            "--listen",
            how.listen.unwrap_or("127.0.0.1:0"),
            "--db",
        ])
        .arg(db)
        .args(how.args)
        .envs(how.env.iter().copied())
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

/// Where a load goes: the server's base URL, a platform key and its tenant.
pub(crate) struct LoadTarget<'a> {
    pub(crate) url: &'a str,
    pub(crate) key: &'a str,
    pub(crate) tenant: &'a str,
}

/// One create of a load: how long it took, its status, when its answer arrived, and its body.
pub(crate) struct Sent {
    pub(crate) latency: Duration,
    pub(crate) status: u16,
    pub(crate) answered: Instant,
    pub(crate) body: String,
}

/// `clients` threads each creating `per_client` tenants with unique slugs (`load-{run}-…`) over
/// keep-alive HTTP, each waiting `pause` between its creates; every create and the load's time.
pub(crate) fn create_load(
    target: &LoadTarget<'_>,
    clients: usize,
    per_client: usize,
    pause: Duration,
    run: &str,
) -> (Vec<Sent>, Duration) {
    let started = Instant::now();
    let sent = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..clients)
            .map(|client| {
                scope.spawn(move || {
                    let agent = ureq::Agent::config_builder()
                        .http_status_as_error(false)
                        .timeout_global(Some(Duration::from_secs(30)))
                        .build()
                        .new_agent();
                    (0..per_client)
                        .map(|i| {
                            std::thread::sleep(pause);
                            let body = format!(
                                r#"{{"name":"Load Co","slug":"load-{run}-{client}-{i}","owner_email":"l@load.test","owner_name":"L"}}"#
                            );
                            let sent = Instant::now();
                            let (status, body) = agent
                                .post(format!("{}/v1/tenants", target.url))
                                .header("X-API-Key", target.key)
                                .header("X-Tenant-ID", target.tenant)
                                .header("Content-Type", "application/json")
                                .send(body)
                                .map(|mut r| {
                                    let body = r.body_mut().read_to_string().unwrap_or_default();
                                    (r.status().as_u16(), body)
                                })
                                .unwrap_or((0, String::new()));
                            Sent {
                                latency: sent.elapsed(),
                                status,
                                answered: Instant::now(),
                                body,
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    (sent, started.elapsed())
}

/// The `p` quantile (0 to 1) of sorted durations.
pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}
