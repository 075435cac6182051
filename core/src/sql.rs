//! The SQL both adapters run, written once: SQLite through rusqlite and D1 speak the same
//! dialect and share `migrations/`. Statements are text plus values; adapters bind and execute
//! them (rusqlite in one transaction, D1 in one batch), and `tenantry --emit-sql` renders them.

use crate::model::{Tenant, Timestamp};
use crate::store::{MasterTenant, NewApiKey, NewTenantRecord, OwnerUser, StoreError, StoredApiKey};

/// A value bound to a statement parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlValue {
    /// `NULL`.
    Null,
    /// An integer.
    Integer(i64),
    /// Text.
    Text(String),
}

impl From<&str> for SqlValue {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<String> for SqlValue {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<Option<String>> for SqlValue {
    fn from(text: Option<String>) -> Self {
        text.map_or(Self::Null, Self::Text)
    }
}

impl From<bool> for SqlValue {
    fn from(flag: bool) -> Self {
        Self::Integer(i64::from(flag))
    }
}

impl From<Timestamp> for SqlValue {
    fn from(time: Timestamp) -> Self {
        Self::Text(time.to_rfc3339())
    }
}

impl From<uuid::Uuid> for SqlValue {
    fn from(id: uuid::Uuid) -> Self {
        Self::Text(id.to_string())
    }
}

/// One statement with its values, bound to `?1`, `?2`, … in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlStatement {
    /// The SQL text.
    pub sql: &'static str,
    /// The values of its parameters.
    pub params: Vec<SqlValue>,
}

impl SqlStatement {
    /// The statement as one line of SQL with its values written in as literals, for a file that
    /// `wrangler d1 execute --file` runs.
    pub fn to_literal_sql(&self) -> String {
        let mut out = String::with_capacity(self.sql.len() + 64);
        let mut rest = self.sql;
        while let Some(at) = rest.find('?') {
            out.push_str(&rest[..at]);
            let digits = rest[at + 1..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            let index: usize = rest[at + 1..at + 1 + digits].parse().unwrap_or(0);
            match index.checked_sub(1).and_then(|i| self.params.get(i)) {
                Some(SqlValue::Null) | None => out.push_str("NULL"),
                Some(SqlValue::Integer(n)) => out.push_str(&n.to_string()),
                Some(SqlValue::Text(text)) => {
                    out.push('\'');
                    out.push_str(&text.replace('\'', "''"));
                    out.push('\'');
                }
            }
            rest = &rest[at + 1 + digits..];
        }
        out.push_str(rest);
        out.push(';');
        out
    }
}

/// Finds an API key with its tenant's master flag. Columns: id, tenant_id, is_master,
/// secret_hash, scopes (JSON array), revoked (0 or 1).
pub const FIND_API_KEY: &str = "SELECT k.id, k.tenant_id, t.is_master, k.secret_hash, k.scopes, \
     k.revoked_at IS NOT NULL FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.id = ?1";

/// The slugs among a JSON array of candidates that tenants use (the column compares NOCASE).
pub const SLUGS_IN_USE: &str =
    "SELECT slug FROM tenants WHERE slug IN (SELECT value FROM json_each(?1))";

/// Whether a master tenant exists.
pub const HAS_MASTER: &str = "SELECT EXISTS (SELECT 1 FROM tenants WHERE is_master = 1)";

/// Whether a tenant exists. Parameter: the tenant id.
pub const HAS_TENANT: &str = "SELECT EXISTS (SELECT 1 FROM tenants WHERE id = ?1)";

/// Whether an API key exists, revoked or not. Parameter: the key id.
pub const HAS_API_KEY: &str = "SELECT EXISTS (SELECT 1 FROM api_keys WHERE id = ?1)";

/// Revokes an API key. Parameters: the key id, the time of revocation.
pub const REVOKE_API_KEY: &str =
    "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL";

const INSERT_TENANT: &str = "INSERT INTO tenants (id, name, slug, locale, owner_email, owner_user_id, \
     sso_start_url, sso_region, is_master, primary_domain, created_at, updated_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
const INSERT_USER: &str = "INSERT INTO users (id, tenant_id, email, name, role, status, created_at, updated_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)";
const INSERT_INVITE: &str = "INSERT INTO invites (id, tenant_id, user_id, email, token_hash, expires_at, created_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
const INSERT_AUDIT: &str = "INSERT INTO audit_log (id, at, actor_key_id, actor_tenant_id, action, resource_id, \
     decision, policies) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
const INSERT_API_KEY: &str = "INSERT INTO api_keys (id, tenant_id, secret_hash, scopes, created_at) VALUES (?1, ?2, ?3, ?4, ?5)";

/// The statements of one create, to run atomically and in this order.
pub fn insert_tenant(record: &NewTenantRecord) -> Vec<SqlStatement> {
    let NewTenantRecord {
        tenant,
        owner,
        invite,
        audit,
    } = record;
    // Taken apart without `..`, so a field added to the tenant does not compile until it has
    // its column here.
    let Tenant {
        id,
        name,
        slug,
        locale,
        owner_email,
        owner_user_id,
        sso_start_url,
        sso_region,
        is_master,
        primary_domain,
        created_at,
        updated_at,
    } = tenant;
    vec![
        SqlStatement {
            sql: INSERT_TENANT,
            params: vec![
                (*id).into(),
                name.clone().into(),
                slug.clone().into(),
                locale.clone().into(),
                owner_email.clone().into(),
                (*owner_user_id).into(),
                sso_start_url.clone().into(),
                sso_region.clone().into(),
                (*is_master).into(),
                primary_domain.clone().into(),
                (*created_at).into(),
                (*updated_at).into(),
            ],
        },
        SqlStatement {
            sql: INSERT_USER,
            params: vec![
                owner.id.into(),
                owner.tenant_id.into(),
                owner.email.clone().into(),
                owner.name.clone().into(),
                OwnerUser::ROLE.into(),
                OwnerUser::STATUS.into(),
                owner.created_at.into(),
            ],
        },
        SqlStatement {
            sql: INSERT_INVITE,
            params: vec![
                invite.id.into(),
                invite.tenant_id.into(),
                invite.user_id.into(),
                invite.email.clone().into(),
                invite.token_hash.clone().into(),
                invite.expires_at.into(),
                invite.created_at.into(),
            ],
        },
        SqlStatement {
            sql: INSERT_AUDIT,
            params: vec![
                audit.id.into(),
                audit.at.into(),
                audit.actor_key_id.into(),
                audit.actor_tenant_id.into(),
                audit.action.into(),
                audit.resource_id.into(),
                audit.decision.into(),
                json_array(&audit.policies).into(),
            ],
        },
    ]
}

/// The statement that creates the platform tenant.
pub fn insert_master(master: &MasterTenant) -> SqlStatement {
    SqlStatement {
        sql: INSERT_TENANT,
        params: vec![
            master.id.into(),
            master.name.clone().into(),
            master.slug.clone().into(),
            master.locale.clone().into(),
            SqlValue::Null,
            SqlValue::Null,
            SqlValue::Null,
            SqlValue::Null,
            true.into(),
            SqlValue::Null,
            master.created_at.into(),
            master.created_at.into(),
        ],
    }
}

/// The statement that stores an API key (its secret only as a hash).
pub fn insert_api_key(key: &NewApiKey) -> SqlStatement {
    SqlStatement {
        sql: INSERT_API_KEY,
        params: vec![
            key.key_id.into(),
            key.tenant_id.into(),
            key.secret_hash.clone().into(),
            json_array(&key.scopes).into(),
            key.created_at.into(),
        ],
    }
}

/// The statement that revokes an API key from `at` on.
pub fn revoke_api_key(key_id: uuid::Uuid, at: Timestamp) -> SqlStatement {
    SqlStatement {
        sql: REVOKE_API_KEY,
        params: vec![key_id.into(), at.into()],
    }
}

/// A JSON array of strings, as the `scopes` and `policies` columns hold.
pub fn json_array(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

/// A row of [`FIND_API_KEY`], decoded. Adapters read the columns and call this.
pub fn api_key_from_row(
    id: &str,
    tenant_id: &str,
    is_master: i64,
    secret_hash: String,
    scopes: &str,
    revoked: i64,
) -> Result<StoredApiKey, StoreError> {
    let uuid = |text: &str| {
        uuid::Uuid::try_parse(text)
            .map_err(|e| StoreError::Backend(format!("stored id `{text}`: {e}")))
    };
    Ok(StoredApiKey {
        key_id: uuid(id)?,
        tenant_id: uuid(tenant_id)?,
        tenant_is_master: is_master != 0,
        secret_hash,
        scopes: serde_json::from_str(scopes)
            .map_err(|e| StoreError::Backend(format!("stored scopes of key `{id}`: {e}")))?,
        revoked: revoked != 0,
    })
}

/// Whether a database error message is a violation of the unique slug index. Both adapters
/// decide by it: SQLite says `UNIQUE constraint failed: tenants.slug`, and D1 passes the same
/// text on inside its own message.
pub fn is_slug_unique_violation(message: &str) -> bool {
    message.contains("UNIQUE constraint failed: tenants.slug")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_sql_quotes_text_and_writes_null() {
        let statement = SqlStatement {
            sql: "INSERT INTO t VALUES (?1, ?2, ?3, ?10)",
            params: vec![
                SqlValue::Text("O'Brien".into()),
                SqlValue::Null,
                SqlValue::Integer(7),
                SqlValue::Null,
            ],
        };
        assert_eq!(
            statement.to_literal_sql(),
            "INSERT INTO t VALUES ('O''Brien', NULL, 7, NULL);"
        );
    }

    #[test]
    fn only_the_slug_index_counts_as_a_slug_conflict() {
        assert!(is_slug_unique_violation(
            "UNIQUE constraint failed: tenants.slug"
        ));
        assert!(is_slug_unique_violation(
            "D1_ERROR: UNIQUE constraint failed: tenants.slug: SQLITE_CONSTRAINT"
        ));
        assert!(!is_slug_unique_violation(
            "UNIQUE constraint failed: tenants.id"
        ));
        assert!(!is_slug_unique_violation(
            "UNIQUE constraint failed: tenants.is_master"
        ));
    }
}
