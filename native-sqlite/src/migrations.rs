//! The migrations of `migrations/` (embedded by core, which generates the list from the folder),
//! applied in order; `PRAGMA user_version` records how many have run. (D1 applies the same files
//! with `wrangler d1 migrations apply`.)

use rusqlite::Connection;
use tenantry_core::MIGRATIONS;

/// Applies the migrations the database has not seen yet, each in its own transaction.
pub(crate) fn apply(conn: &mut Connection) -> rusqlite::Result<()> {
    let done: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    for (version, (_name, sql)) in (1i64..).zip(MIGRATIONS).skip_while(|(v, _)| *v <= done) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_migrations_apply_to_an_empty_database_and_twice_is_harmless() {
        let mut conn = Connection::open_in_memory().unwrap();
        apply(&mut conn).unwrap();
        apply(&mut conn).unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, i64::try_from(MIGRATIONS.len()).unwrap());
        for table in ["tenants", "users", "invites", "api_keys", "audit_log"] {
            let n: i64 = conn
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE name = ?1",
                    [table],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(n, 1, "{table}");
        }
    }
}
