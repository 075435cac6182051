//! The storage port on SQLite: WAL with `synchronous = FULL` (an answered write is on disk), a
//! busy timeout so the CLI and a server can share a file, and every write through the process's
//! [`GroupCommit`], which gives concurrent writes one transaction and one fsync.

use std::path::Path;
use std::sync::Arc;

use rusqlite::{Connection, ErrorCode};
use tenantry_core::admin::{AdminError, Change};
use tenantry_core::sql::{self, Row, SqlStatement, SqlValue};
use tenantry_core::store::{
    ApiKeyInfo, AuditRecord, EventFilter, EventRetry, FoundInvite, FoundKey, FoundOwner,
    FoundTenant, IdempotencyClaim, IdempotencyEntry, IdempotencyRelease, InviteAcceptance,
    InviteRenewal, KeyIssue, KeyRevocation, NewTenantRecord, StoreError, StoredApiKey,
    TenantDeletion, TenantStore, TenantUpdate,
};
use tenantry_core::{Attempted, DueEvent, EventInfo, Tenant, Timestamp};
use uuid::Uuid;

use crate::group_commit::{GroupCommit, GroupStats};
use crate::migrations;

/// How long a connection waits for another process's writer before giving up.
const BUSY_TIMEOUT_MS: u32 = 5_000;

/// How many prepared statements a connection keeps: more than the store has.
const STATEMENT_CACHE: usize = 128;

/// One SQLite connection with the schema migrated, writing through a [`GroupCommit`].
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    group: Arc<GroupCommit>,
}

impl SqliteStore {
    /// Opens (creating if needed) a database file and migrates it.
    pub fn open(path: &Path) -> rusqlite::Result<Self> {
        Self::open_grouped(path, Arc::default())
    }

    /// Opens a database file for a pool whose connections share one [`GroupCommit`]: the
    /// writes of all of them are grouped into shared transactions.
    pub fn open_grouped(path: &Path, group: Arc<GroupCommit>) -> rusqlite::Result<Self> {
        create_private(path)?;
        Self::configure(Connection::open(path)?, group)
    }

    /// An in-memory database, migrated; gone when dropped.
    pub fn open_in_memory() -> rusqlite::Result<Self> {
        Self::configure(Connection::open_in_memory()?, Arc::default())
    }

    fn configure(mut conn: Connection, group: Arc<GroupCommit>) -> rusqlite::Result<Self> {
        conn.busy_timeout(std::time::Duration::from_millis(u64::from(BUSY_TIMEOUT_MS)))?;
        // WAL lets readers and one writer share the file; its answer is the mode in force.
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        // FULL syncs the WAL at every commit, so a write answered is a write on disk (WAL's
        // NORMAL would only keep the database consistent, not the last commits).
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        // Each write runs in a savepoint, whose statement journal (the pages it changed, to undo
        // it alone) would otherwise spill to a temporary file at every write: keep it in memory.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // Every statement the flows and the group commit run stays prepared: past rusqlite's
        // default of 16 they would evict each other and be parsed again on every request.
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        migrations::apply(&mut conn)?;
        Ok(Self { conn, group })
    }

    /// The connection, for the program's bootstrap and for tests.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Runs a write job in a transaction shared with the writes that queued beside it, inside its
    /// own savepoint, and answers once the transaction is committed: see [`GroupCommit::write`].
    /// Every write of the store goes through here.
    pub fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnMut(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.group.write(&self.conn, work)
    }

    /// The transactions committed through this store's group so far, and the writes they
    /// carried.
    pub fn group_stats(&self) -> GroupStats {
        self.group.stats()
    }

    /// Runs statements as one write: all of them or none.
    pub fn execute_atomically(&self, statements: &[SqlStatement]) -> Result<(), StoreError> {
        self.write_statements(statements.to_vec())
    }

    fn write_statements(&self, statements: Vec<SqlStatement>) -> Result<(), StoreError> {
        self.write(move |conn| {
            statements
                .iter()
                .try_for_each(|statement| execute(conn, statement).map(drop))
                .map_err(store_error)
        })
    }

    /// Asks an administrative change's check and runs its statements in one write, so nothing
    /// slips in between; core judges the answer, and a refusal (the inner error) changes nothing.
    pub fn apply_change(&self, change: &Change) -> Result<Result<(), AdminError>, StoreError> {
        let change = change.clone();
        self.write(move |conn| {
            let check = change.check.query();
            let answer: bool = conn
                .prepare_cached(check.sql)
                .and_then(|mut s| {
                    s.query_row(
                        rusqlite::params_from_iter(check.params.iter().map(to_sql)),
                        |r| r.get(0),
                    )
                })
                .map_err(store_error)?;
            if let Err(refused) = change.check.judge(answer) {
                return Ok(Err(refused));
            }
            for statement in &change.statements {
                execute(conn, statement).map_err(store_error)?;
            }
            Ok(Ok(()))
        })
    }

    /// Leases what a claim (`sql::claim_due_events` for delivery, `sql::claim_due_mails` for
    /// the mailer) selects and answers it (a write, so it is grouped as the others are).
    pub fn claim(&self, claim: &SqlStatement) -> Result<Vec<DueEvent>, StoreError> {
        let claim = claim.clone();
        self.write(move |conn| sql::claimed_events(&rows(conn, &claim)?))
    }

    /// The platform tenant's name (`None` before `tenantry init`).
    pub fn platform_name(&self) -> Result<Option<String>, StoreError> {
        let rows = self.rows(&SqlStatement {
            sql: sql::PLATFORM_NAME,
            params: Vec::new(),
        })?;
        Ok(rows.first().and_then(|row| match row.first() {
            Some(SqlValue::Text(name)) => Some(name.clone()),
            _ => None,
        }))
    }

    /// The rows of a query on this store's connection.
    fn rows(&self, statement: &SqlStatement) -> Result<Vec<Row>, StoreError> {
        rows(&self.conn, statement)
    }

    /// Whether a statement returning one boolean (`SELECT EXISTS …`) is true.
    pub fn exists(&self, sql: &str, params: &[SqlValue]) -> Result<bool, StoreError> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut s| {
                s.query_row(rusqlite::params_from_iter(params.iter().map(to_sql)), |r| {
                    r.get(0)
                })
            })
            .map_err(store_error)
    }
}

/// The rows of a query, each column as it is stored.
fn rows(conn: &Connection, statement: &SqlStatement) -> Result<Vec<Row>, StoreError> {
    let mut prepared = conn.prepare_cached(statement.sql).map_err(store_error)?;
    let columns = prepared.column_count();
    let rows = prepared
        .query_map(
            rusqlite::params_from_iter(statement.params.iter().map(to_sql)),
            |row| {
                (0..columns)
                    .map(|at| row.get_ref(at).map(from_sql))
                    .collect()
            },
        )
        .map_err(store_error)?;
    rows.collect::<Result<_, _>>().map_err(store_error)
}

/// Creates a missing database file readable and writable by its owner only, before SQLite would
/// create it world-readable: it holds key hashes and invites. SQLite gives the `-wal` and `-shm`
/// files it creates later the mode of the database file.
fn create_private(path: &Path) -> rusqlite::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path);
        match created {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                Some(format!("cannot create `{}`: {e}", path.display())),
            )),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// Runs one statement with its values bound.
pub(crate) fn execute(conn: &Connection, statement: &SqlStatement) -> rusqlite::Result<usize> {
    conn.prepare_cached(statement.sql)?
        .execute(rusqlite::params_from_iter(
            statement.params.iter().map(to_sql),
        ))
}

fn to_sql(value: &SqlValue) -> rusqlite::types::Value {
    match value {
        SqlValue::Null => rusqlite::types::Value::Null,
        SqlValue::Integer(n) => rusqlite::types::Value::Integer(*n),
        SqlValue::Text(text) => rusqlite::types::Value::Text(text.clone()),
    }
}

fn from_sql(value: rusqlite::types::ValueRef<'_>) -> SqlValue {
    use rusqlite::types::ValueRef;
    match value {
        ValueRef::Null | ValueRef::Blob(_) => SqlValue::Null,
        ValueRef::Integer(n) => SqlValue::Integer(n),
        #[expect(
            clippy::cast_possible_truncation,
            reason = "the schema stores no real numbers"
        )]
        ValueRef::Real(n) => SqlValue::Integer(n as i64),
        ValueRef::Text(text) => SqlValue::Text(String::from_utf8_lossy(text).into_owned()),
    }
}

/// The one place a SQLite error becomes a store error: a violation of the unique slug index
/// (extended code `SQLITE_CONSTRAINT_UNIQUE` on `tenants.slug`) is a slug conflict.
pub(crate) fn store_error(error: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(failure, Some(message)) = &error
        && failure.code == ErrorCode::ConstraintViolation
        && failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
        && sql::is_slug_unique_violation(message)
    {
        return StoreError::SlugTaken;
    }
    if let rusqlite::Error::SqliteFailure(failure, Some(message)) = &error
        && failure.code == ErrorCode::ConstraintViolation
        && sql::is_precondition_violation(message)
    {
        return StoreError::Stale;
    }
    StoreError::Backend(error.to_string())
}

impl TenantStore for SqliteStore {
    async fn api_key(&self, key_id: Uuid) -> Result<Option<StoredApiKey>, StoreError> {
        sql::found_api_key(&self.rows(&sql::find_api_key(key_id))?)
    }

    async fn slugs_in_use(&self, candidates: &[String]) -> Result<Vec<String>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached(sql::SLUGS_IN_USE)
            .map_err(store_error)?;
        let rows = statement
            .query_map([sql::json_array(candidates)], |row| row.get::<_, String>(0))
            .map_err(store_error)?;
        rows.collect::<Result<_, _>>().map_err(store_error)
    }

    async fn insert_tenant(&self, record: &NewTenantRecord) -> Result<(), StoreError> {
        self.write_statements(sql::insert_tenant(record))
    }

    async fn tenant(
        &self,
        id: Uuid,
        user: Option<Uuid>,
    ) -> Result<Option<FoundTenant>, StoreError> {
        sql::found_tenant(&self.rows(&sql::find_tenant(id, user))?)
    }

    async fn tenants_after(
        &self,
        after: i64,
        limit: u32,
        slug: Option<&str>,
    ) -> Result<Vec<(i64, Tenant)>, StoreError> {
        sql::listed_tenants(&self.rows(&sql::tenants_after(after, limit, slug))?)
    }

    async fn api_key_info(&self, key_id: Uuid) -> Result<Option<FoundKey>, StoreError> {
        sql::found_key_info(&self.rows(&sql::find_key_info(key_id))?)
    }

    async fn api_keys_after(
        &self,
        tenant_id: Uuid,
        after: i64,
        limit: u32,
    ) -> Result<Vec<(i64, ApiKeyInfo)>, StoreError> {
        sql::listed_keys(&self.rows(&sql::keys_after(tenant_id, after, limit))?)
    }

    async fn update_tenant(&self, update: &TenantUpdate) -> Result<(), StoreError> {
        self.write_statements(sql::update_tenant(update))
    }

    async fn delete_tenant(&self, deletion: &TenantDeletion) -> Result<(), StoreError> {
        self.write_statements(sql::delete_tenant(deletion))
    }

    async fn insert_api_key(&self, issue: &KeyIssue) -> Result<(), StoreError> {
        self.write_statements(sql::issue_key(issue))
    }

    async fn revoke_api_key(&self, revocation: &KeyRevocation) -> Result<(), StoreError> {
        self.write_statements(sql::revoke_key_audited(revocation))
    }

    async fn event(&self, id: Uuid) -> Result<Option<EventInfo>, StoreError> {
        sql::found_event(&self.rows(&sql::find_event(id))?)
    }

    async fn events_after(
        &self,
        after: i64,
        limit: u32,
        filter: EventFilter,
    ) -> Result<Vec<(i64, EventInfo)>, StoreError> {
        sql::listed_events(&self.rows(&sql::events_after(after, limit, filter))?)
    }

    async fn retry_event(&self, retry: &EventRetry) -> Result<(), StoreError> {
        self.write_statements(sql::retry_event(retry))
    }

    async fn claim_due_events(
        &self,
        now: Timestamp,
        until: Timestamp,
        limit: u32,
    ) -> Result<Vec<DueEvent>, StoreError> {
        self.claim(&sql::claim_due_events(now, until, limit))
    }

    async fn record_attempts(
        &self,
        attempts: &[Attempted],
        mailer: bool,
    ) -> Result<(), StoreError> {
        self.write_statements(sql::record_attempts(attempts, mailer))
    }

    async fn prune_events(&self, cutoff: Timestamp) -> Result<u64, StoreError> {
        let prune = sql::prune_events(cutoff);
        let deleted = self.write(move |conn| execute(conn, &prune).map_err(store_error))?;
        Ok(u64::try_from(deleted).unwrap_or(u64::MAX))
    }

    async fn invite(&self, token_hash: &str) -> Result<Option<FoundInvite>, StoreError> {
        sql::found_invite(&self.rows(&sql::find_invite(token_hash))?)
    }

    async fn accept_invite(&self, acceptance: &InviteAcceptance) -> Result<(), StoreError> {
        self.write_statements(sql::accept_invite(acceptance))
    }

    async fn owner(&self, user_id: Uuid) -> Result<Option<FoundOwner>, StoreError> {
        sql::found_owner(&self.rows(&sql::find_owner(user_id))?)
    }

    async fn renew_invite(&self, renewal: &InviteRenewal) -> Result<(), StoreError> {
        self.write_statements(sql::renew_invite(renewal))
    }

    async fn audit_denial(&self, audit: &AuditRecord) -> Result<(), StoreError> {
        self.write_statements(vec![sql::audit_denial(audit)])
    }

    async fn claim_idempotency_key(
        &self,
        claim: &IdempotencyClaim,
    ) -> Result<IdempotencyEntry, StoreError> {
        // One statement (an upsert that returns the row): a write, grouped as the others are.
        let claim = sql::claim_idempotency_key(claim);
        self.write(move |conn| sql::claimed_idempotency_key(&rows(conn, &claim)?))
    }

    async fn idempotency_key_holder(
        &self,
        claim: &IdempotencyClaim,
    ) -> Result<Option<IdempotencyEntry>, StoreError> {
        sql::idempotency_key_holder(&self.rows(&sql::find_idempotency_key_holder(claim))?)
    }

    async fn release_idempotency_key(
        &self,
        release: &IdempotencyRelease,
    ) -> Result<(), StoreError> {
        self.write_statements(vec![sql::release_idempotency_key(release)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_database_and_its_wal_and_shm_are_readable_by_their_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db");
        let store = SqliteStore::open(&db).unwrap();
        store.execute_atomically(&[]).unwrap();
        for name in ["t.db", "t.db-wal", "t.db-shm"] {
            let mode = std::fs::metadata(dir.path().join(name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}: {mode:o}");
        }
    }

    #[test]
    fn only_a_unique_violation_of_the_slug_is_a_slug_conflict() {
        let store = SqliteStore::open_in_memory().unwrap();
        let conn = store.connection();
        let insert = "INSERT INTO tenants (id, name, slug, locale, created_at, updated_at) \
                      VALUES (?1, 'n', ?2, 'en', 't', 't')";
        conn.execute(insert, ["a", "acme"]).unwrap();
        let slug_clash = conn.execute(insert, ["b", "ACME"]).unwrap_err();
        assert_eq!(store_error(slug_clash), StoreError::SlugTaken);
        let id_clash = conn.execute(insert, ["a", "other"]).unwrap_err();
        assert!(matches!(store_error(id_clash), StoreError::Backend(_)));
        let not_null = conn
            .execute("INSERT INTO tenants (id) VALUES ('c')", [])
            .unwrap_err();
        assert!(matches!(store_error(not_null), StoreError::Backend(_)));
    }
}
