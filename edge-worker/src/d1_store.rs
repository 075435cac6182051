//! The storage port over D1: core's SQL, bound and run through the `DB` binding.

use serde::de::DeserializeOwned;
use tenantry_core::sql::{self, Row, SqlStatement, SqlValue};
use tenantry_core::store::{
    ApiKeyInfo, AuditRecord, CreateFound, CreateReads, EventFilter, EventRetry, FoundInvite,
    FoundKey, FoundOwner, FoundTenant, IdempotencyClaim, IdempotencyEntry, IdempotencyRelease,
    InviteAcceptance, InviteRenewal, KeyIssue, KeyRevocation, NewTenantRecord, StoredApiKey,
    TenantDeletion, TenantUpdate,
};
use tenantry_core::store::{StoreError, TenantStore};
use tenantry_core::{Attempted, DueEvent, EventInfo, Tenant, Timestamp};
use uuid::Uuid;
use wasm_bindgen::JsValue;
use worker::d1::serde_wasm_bindgen;
use worker::{D1Database, D1PreparedStatement};

/// [`TenantStore`] on a D1 database. It runs the statements of [`tenantry_core::sql`] and holds
/// no rule of its own.
pub struct D1Store {
    db: D1Database,
}

impl D1Store {
    /// A store over this database.
    pub fn new(db: D1Database) -> Self {
        Self { db }
    }

    /// One of core's statements, prepared and bound.
    fn prepare(&self, statement: &SqlStatement) -> Result<D1PreparedStatement, StoreError> {
        let values = statement
            .params
            .iter()
            .map(js_value)
            .collect::<Result<Vec<_>, _>>()?;
        self.db
            .prepare(statement.sql)
            .bind(&values)
            .map_err(|e| d1_error(&e))
    }

    /// Runs a query and decodes each row (an array of columns) as `T`.
    async fn rows<T: DeserializeOwned>(
        &self,
        statement: &SqlStatement,
    ) -> Result<Vec<T>, StoreError> {
        let rows = self
            .prepare(statement)?
            .raw_js_value()
            .await
            .map_err(|e| d1_error(&e))?;
        rows.into_iter()
            .map(|row| {
                serde_wasm_bindgen::from_value(row)
                    .map_err(|e| StoreError::Backend(format!("unexpected row shape: {e}")))
            })
            .collect()
    }
}

impl D1Store {
    /// Runs statements as one batch, which D1 runs as one transaction: all or nothing.
    async fn batch(&self, statements: &[SqlStatement]) -> Result<(), StoreError> {
        let batch = statements
            .iter()
            .map(|statement| self.prepare(statement))
            .collect::<Result<Vec<_>, _>>()?;
        self.db.batch(batch).await.map_err(|e| d1_error(&e))?;
        Ok(())
    }
}

impl TenantStore for D1Store {
    async fn api_key(&self, key_id: Uuid) -> Result<Option<StoredApiKey>, StoreError> {
        let rows: Vec<Row> = self.rows(&sql::find_api_key(key_id)).await?;
        sql::found_api_key(&rows)
    }

    async fn slugs_in_use(&self, candidates: &[String]) -> Result<Vec<String>, StoreError> {
        let statement = SqlStatement {
            sql: sql::SLUGS_IN_USE,
            params: vec![sql::json_array(candidates).into()],
        };
        let rows: Vec<(String,)> = self.rows(&statement).await?;
        Ok(rows.into_iter().map(|(slug,)| slug).collect())
    }

    /// One query (one round trip) rather than the port's two reads.
    async fn create_reads(&self, reads: &CreateReads<'_>) -> Result<CreateFound, StoreError> {
        let rows: Vec<Row> = self.rows(&sql::find_create_reads(reads)).await?;
        sql::found_create_reads(&rows)
    }

    async fn insert_tenant(&self, record: &NewTenantRecord) -> Result<(), StoreError> {
        self.batch(&sql::insert_tenant(record)).await
    }

    async fn tenant(
        &self,
        id: Uuid,
        user: Option<Uuid>,
    ) -> Result<Option<FoundTenant>, StoreError> {
        let rows: Vec<Row> = self.rows(&sql::find_tenant(id, user)).await?;
        sql::found_tenant(&rows)
    }

    async fn tenants_after(
        &self,
        after: i64,
        limit: u32,
        slug: Option<&str>,
    ) -> Result<Vec<(i64, Tenant)>, StoreError> {
        let rows: Vec<Row> = self.rows(&sql::tenants_after(after, limit, slug)).await?;
        sql::listed_tenants(&rows)
    }

    async fn api_key_info(&self, key_id: Uuid) -> Result<Option<FoundKey>, StoreError> {
        let rows: Vec<Row> = self.rows(&sql::find_key_info(key_id)).await?;
        sql::found_key_info(&rows)
    }

    async fn api_keys_after(
        &self,
        tenant_id: Uuid,
        after: i64,
        limit: u32,
    ) -> Result<Vec<(i64, ApiKeyInfo)>, StoreError> {
        let rows: Vec<Row> = self.rows(&sql::keys_after(tenant_id, after, limit)).await?;
        sql::listed_keys(&rows)
    }

    async fn update_tenant(&self, update: &TenantUpdate) -> Result<(), StoreError> {
        self.batch(&sql::update_tenant(update)).await
    }

    async fn delete_tenant(&self, deletion: &TenantDeletion) -> Result<(), StoreError> {
        self.batch(&sql::delete_tenant(deletion)).await
    }

    async fn insert_api_key(&self, issue: &KeyIssue) -> Result<(), StoreError> {
        self.batch(&sql::issue_key(issue)).await
    }

    async fn revoke_api_key(&self, revocation: &KeyRevocation) -> Result<(), StoreError> {
        self.batch(&sql::revoke_key_audited(revocation)).await
    }

    async fn event(&self, id: Uuid) -> Result<Option<EventInfo>, StoreError> {
        let rows: Vec<Row> = self.rows(&sql::find_event(id)).await?;
        sql::found_event(&rows)
    }

    async fn events_after(
        &self,
        after: i64,
        limit: u32,
        filter: EventFilter,
    ) -> Result<Vec<(i64, EventInfo)>, StoreError> {
        let rows: Vec<Row> = self.rows(&sql::events_after(after, limit, filter)).await?;
        sql::listed_events(&rows)
    }

    async fn retry_event(&self, retry: &EventRetry) -> Result<(), StoreError> {
        self.batch(&sql::retry_event(retry)).await
    }

    async fn claim_due_events(
        &self,
        now: Timestamp,
        until: Timestamp,
        limit: u32,
    ) -> Result<Vec<DueEvent>, StoreError> {
        // One `UPDATE … RETURNING`: D1 runs it as one write, so two claims never overlap.
        let rows: Vec<Row> = self.rows(&sql::claim_due_events(now, until, limit)).await?;
        sql::claimed_events(&rows)
    }

    async fn record_attempts(
        &self,
        attempts: &[Attempted],
        mailer: bool,
    ) -> Result<(), StoreError> {
        self.batch(&sql::record_attempts(attempts, mailer)).await
    }

    async fn prune_events(&self, cutoff: Timestamp) -> Result<u64, StoreError> {
        let result = self
            .prepare(&sql::prune_events(cutoff))?
            .run()
            .await
            .map_err(|e| d1_error(&e))?;
        let changes = result
            .meta()
            .map_err(|e| d1_error(&e))?
            .and_then(|meta| meta.changes)
            .unwrap_or(0);
        Ok(u64::try_from(changes).unwrap_or(u64::MAX))
    }

    async fn invite(&self, token_hash: &str) -> Result<Option<FoundInvite>, StoreError> {
        let rows: Vec<Row> = self.rows(&sql::find_invite(token_hash)).await?;
        sql::found_invite(&rows)
    }

    async fn accept_invite(&self, acceptance: &InviteAcceptance) -> Result<(), StoreError> {
        self.batch(&sql::accept_invite(acceptance)).await
    }

    async fn owner(&self, user_id: Uuid) -> Result<Option<FoundOwner>, StoreError> {
        let rows: Vec<Row> = self.rows(&sql::find_owner(user_id)).await?;
        sql::found_owner(&rows)
    }

    async fn renew_invite(&self, renewal: &InviteRenewal) -> Result<(), StoreError> {
        self.batch(&sql::renew_invite(renewal)).await
    }

    async fn audit_denial(&self, audit: &AuditRecord) -> Result<(), StoreError> {
        self.batch(&[sql::audit_denial(audit)]).await
    }

    async fn claim_idempotency_key(
        &self,
        claim: &IdempotencyClaim,
    ) -> Result<IdempotencyEntry, StoreError> {
        // One statement (an upsert that returns the row): D1 runs it atomically, one round trip.
        let rows: Vec<Row> = self.rows(&sql::claim_idempotency_key(claim)).await?;
        sql::claimed_idempotency_key(&rows)
    }

    async fn idempotency_key_holder(
        &self,
        claim: &IdempotencyClaim,
    ) -> Result<Option<IdempotencyEntry>, StoreError> {
        let rows: Vec<Row> = self.rows(&sql::find_idempotency_key_holder(claim)).await?;
        sql::idempotency_key_holder(&rows)
    }

    async fn release_idempotency_key(
        &self,
        release: &IdempotencyRelease,
    ) -> Result<(), StoreError> {
        self.batch(&[sql::release_idempotency_key(release)]).await
    }
}

/// The largest integer a JavaScript number holds exactly (2^53 - 1).
const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// A value as D1 binds it. Integers go as JavaScript numbers (D1 takes no `BigInt`), which hold
/// them exactly up to 2^53; sequences, versions and limits stay far below.
fn js_value(value: &SqlValue) -> Result<JsValue, StoreError> {
    match value {
        SqlValue::Null => Ok(JsValue::NULL),
        SqlValue::Text(text) => Ok(JsValue::from_str(text)),
        SqlValue::Integer(n) if n.abs() <= MAX_SAFE_INTEGER =>
        {
            #[expect(clippy::cast_precision_loss, reason = "checked to be exact above")]
            Ok(JsValue::from_f64(*n as f64))
        }
        SqlValue::Integer(n) => Err(StoreError::Backend(format!(
            "integer {n} is beyond what D1 binds exactly"
        ))),
    }
}

/// The text of a worker error; for D1 errors, the message and its cause, where SQLite's own
/// words are.
fn d1_error(error: &worker::Error) -> StoreError {
    let text = match error {
        worker::Error::D1(d1) => {
            let js: &js_sys::Error = d1.as_ref();
            format!("{}; cause: {}", String::from(js.message()), d1.cause())
        }
        other => other.to_string(),
    };
    store_error(&text)
}

/// Maps the text of a D1 error to the port's error: the unique slug index becomes
/// [`StoreError::SlugTaken`] (so a lost race answers 409), anything else
/// [`StoreError::Backend`].
pub fn store_error(text: &str) -> StoreError {
    if sql::is_slug_unique_violation(text) {
        StoreError::SlugTaken
    } else if sql::is_precondition_violation(text) {
        StoreError::Stale
    } else {
        StoreError::Backend(text.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slug_index_violation_is_slug_taken() {
        // As local workerd words it for a batch: the error's message, then its cause.
        let text = "D1_ERROR: UNIQUE constraint failed: tenants.slug: SQLITE_CONSTRAINT \
                    (extended: SQLITE_CONSTRAINT_UNIQUE); cause: UNIQUE constraint failed: \
                    tenants.slug: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)";
        assert_eq!(store_error(text), StoreError::SlugTaken);
    }

    #[test]
    fn other_errors_are_backend_errors_with_their_text() {
        for text in [
            "D1_ERROR: UNIQUE constraint failed: tenants.id: SQLITE_CONSTRAINT",
            "D1_ERROR: UNIQUE constraint failed: invites.token_hash: SQLITE_CONSTRAINT",
            "D1_ERROR: no such table: tenants: SQLITE_ERROR",
        ] {
            assert_eq!(store_error(text), StoreError::Backend(text.to_owned()));
        }
    }
}
