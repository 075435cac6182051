//! The storage port: the few things the flow asks of a database, and the rows it hands over.

use uuid::Uuid;

use crate::api_key::IssuedKey;
use crate::model::{Tenant, Timestamp};

/// What a store can answer besides data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The unique slug index refused the write: another tenant has the slug.
    #[error("the slug is already in use")]
    SlugTaken,
    /// Anything else; the text goes to the log.
    #[error("storage failed: {0}")]
    Backend(String),
}

/// An API key as stored, joined with its tenant's master flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredApiKey {
    /// The key's id.
    pub key_id: Uuid,
    /// The tenant that owns it.
    pub tenant_id: Uuid,
    /// Whether that tenant is the platform tenant.
    pub tenant_is_master: bool,
    /// Hex SHA-256 of the secret.
    pub secret_hash: String,
    /// The scopes it holds.
    pub scopes: Vec<String>,
    /// Whether it has been revoked.
    pub revoked: bool,
}

/// The owner user of a new tenant: role `owner`, status `invited`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerUser {
    /// The user's id.
    pub id: Uuid,
    /// The tenant it belongs to.
    pub tenant_id: Uuid,
    /// Its email address.
    pub email: String,
    /// Its full name.
    pub name: String,
    /// When it was created.
    pub created_at: Timestamp,
}

impl OwnerUser {
    /// The role of an owner user.
    pub const ROLE: &'static str = "owner";
    /// The status of a user who has not yet accepted the invite.
    pub const STATUS: &'static str = "invited";
}

/// The invite for the owner: a single-use token kept only as a hash, with an expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    /// The invite's id.
    pub id: Uuid,
    /// The tenant it is for.
    pub tenant_id: Uuid,
    /// The invited user.
    pub user_id: Uuid,
    /// Where it goes.
    pub email: String,
    /// Hex SHA-256 of the token.
    pub token_hash: String,
    /// When it stops working.
    pub expires_at: Timestamp,
    /// When it was made.
    pub created_at: Timestamp,
}

/// The audit record of a permitted create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// The record's id.
    pub id: Uuid,
    /// When the decision was made.
    pub at: Timestamp,
    /// The API key that asked.
    pub actor_key_id: Uuid,
    /// That key's tenant.
    pub actor_tenant_id: Uuid,
    /// The action, `create_tenant`.
    pub action: &'static str,
    /// The tenant created.
    pub resource_id: Uuid,
    /// The decision, `allow`.
    pub decision: &'static str,
    /// The `@id`s of the determining policies.
    pub policies: Vec<String>,
}

/// Everything one create writes, as one atomic unit: all of it is stored or none of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTenantRecord {
    /// The tenant.
    pub tenant: Tenant,
    /// Its owner user.
    pub owner: OwnerUser,
    /// The owner's invite.
    pub invite: Invite,
    /// The audit record of the decision.
    pub audit: AuditRecord,
}

/// A stored API key row to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    /// The key's id.
    pub key_id: Uuid,
    /// The tenant that owns it.
    pub tenant_id: Uuid,
    /// Hex SHA-256 of the secret.
    pub secret_hash: String,
    /// The scopes it holds.
    pub scopes: Vec<String>,
    /// When it was issued.
    pub created_at: Timestamp,
}

impl NewApiKey {
    /// The row for an issued key.
    pub fn of(
        key: &IssuedKey,
        tenant_id: Uuid,
        scopes: Vec<String>,
        created_at: Timestamp,
    ) -> Self {
        Self {
            key_id: key.key_id,
            tenant_id,
            secret_hash: key.secret_hash.clone(),
            scopes,
            created_at,
        }
    }
}

/// The platform (master) tenant row: it has no owner user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterTenant {
    /// Its id.
    pub id: Uuid,
    /// Its name, `Platform`.
    pub name: String,
    /// Its slug, `platform` (reserved for it).
    pub slug: String,
    /// Its locale.
    pub locale: String,
    /// When it was created.
    pub created_at: Timestamp,
}

impl MasterTenant {
    /// The master tenant as `tenantry init` creates it.
    pub fn new(id: Uuid, created_at: Timestamp) -> Self {
        Self {
            id,
            name: "Platform".to_owned(),
            slug: "platform".to_owned(),
            locale: "en".to_owned(),
            created_at,
        }
    }
}

/// The scope that lets a platform key create tenants.
pub const CREATE_SCOPE: &str = crate::scope::Scope::TenantsCreate.as_str();

/// The storage port. Adapters implement it and hold no rule of their own.
///
/// The futures carry no `Send` bound so that D1's (single-threaded, JS-backed) futures fit.
#[expect(
    async_fn_in_trait,
    reason = "the port is deliberately not Send: D1's futures are not, and native calls are sync"
)]
pub trait TenantStore {
    /// The API key with this id, joined with its tenant's master flag.
    async fn api_key(&self, key_id: Uuid) -> Result<Option<StoredApiKey>, StoreError>;

    /// Which of `candidates` (lowercase slugs) are used by existing tenants.
    async fn slugs_in_use(&self, candidates: &[String]) -> Result<Vec<String>, StoreError>;

    /// Writes the tenant, owner, invite and audit record atomically. A unique-slug violation is
    /// [`StoreError::SlugTaken`] and leaves nothing behind.
    async fn insert_tenant(&self, record: &NewTenantRecord) -> Result<(), StoreError>;
}
