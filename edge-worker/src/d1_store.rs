//! The storage port over D1: core's SQL, bound and run through the `DB` binding.

use serde::de::DeserializeOwned;
use tenantry_core::sql::{self, SqlStatement, SqlValue};
use tenantry_core::store::{NewTenantRecord, StoredApiKey};
use tenantry_core::store::{StoreError, TenantStore};
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

/// A row of [`sql::FIND_API_KEY`].
type ApiKeyRow = (String, String, i64, String, String, i64);

impl TenantStore for D1Store {
    async fn api_key(&self, key_id: uuid::Uuid) -> Result<Option<StoredApiKey>, StoreError> {
        let statement = SqlStatement {
            sql: sql::FIND_API_KEY,
            params: vec![key_id.into()],
        };
        let rows: Vec<ApiKeyRow> = self.rows(&statement).await?;
        rows.into_iter()
            .next()
            .map(|(id, tenant_id, is_master, secret_hash, scopes, revoked)| {
                sql::api_key_from_row(&id, &tenant_id, is_master, secret_hash, &scopes, revoked)
            })
            .transpose()
    }

    async fn slugs_in_use(&self, candidates: &[String]) -> Result<Vec<String>, StoreError> {
        let statement = SqlStatement {
            sql: sql::SLUGS_IN_USE,
            params: vec![sql::json_array(candidates).into()],
        };
        let rows: Vec<(String,)> = self.rows(&statement).await?;
        Ok(rows.into_iter().map(|(slug,)| slug).collect())
    }

    async fn insert_tenant(&self, record: &NewTenantRecord) -> Result<(), StoreError> {
        let batch = sql::insert_tenant(record)
            .iter()
            .map(|statement| self.prepare(statement))
            .collect::<Result<Vec<_>, _>>()?;
        // D1 runs a batch as one transaction: all of it is stored or none of it.
        self.db.batch(batch).await.map_err(|e| d1_error(&e))?;
        Ok(())
    }
}

/// A value as D1 binds it. Integers go as JavaScript numbers; D1 takes no `BigInt`, so they
/// must fit in 32 bits, as worker's own `D1Type::Integer` does (core binds only flags).
fn js_value(value: &SqlValue) -> Result<JsValue, StoreError> {
    match value {
        SqlValue::Null => Ok(JsValue::NULL),
        SqlValue::Text(text) => Ok(JsValue::from_str(text)),
        SqlValue::Integer(n) => i32::try_from(*n).map(JsValue::from).map_err(|_| {
            StoreError::Backend(format!("integer {n} is beyond what D1 binds exactly"))
        }),
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
