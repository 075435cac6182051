//! The storage port: the few things the flow asks of a database, and the rows it hands over.

use uuid::Uuid;

use crate::api_key::IssuedKey;
use crate::delivery::{Attempted, DueEvent};
use crate::event::{EventInfo, EventType, NewEvent};
use crate::model::{Tenant, Timestamp};

/// What a store can answer besides data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The unique slug index refused the write: another tenant has the slug.
    #[error("the slug is already in use")]
    SlugTaken,
    /// The write's precondition no longer held (the tenant changed or went since it was read);
    /// nothing was written.
    #[error("the row changed since it was read")]
    Stale,
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
    /// That tenant's slug.
    pub tenant_slug: String,
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

/// The audit record of a decision: every change, and every denied attempt.
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
    /// The Cedar action, for example `create_tenant`.
    pub action: &'static str,
    /// The tenant or key acted on; `None` for a list.
    pub resource_id: Option<Uuid>,
    /// `allow` or `deny`.
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
    /// Its events: `tenant.created`, then `invite.created`.
    pub events: [NewEvent; 2],
    /// The answer to store under the request's idempotency key, if it sent one.
    pub idempotency: Option<IdempotentAnswer>,
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
    /// Its name, for people.
    pub name: String,
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
        name: &str,
        scopes: Vec<String>,
        created_at: Timestamp,
    ) -> Self {
        Self {
            key_id: key.key_id,
            tenant_id,
            secret_hash: key.secret_hash.clone(),
            name: name.to_owned(),
            scopes,
            created_at,
        }
    }

    /// The key as the API shows it: never its secret, nor its hash.
    pub fn info(&self) -> ApiKeyInfo {
        ApiKeyInfo {
            id: self.key_id,
            name: self.name.clone(),
            tenant_id: self.tenant_id,
            scopes: self.scopes.clone(),
            created_at: self.created_at,
            revoked_at: None,
        }
    }
}

/// An API key as the API shows it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ApiKeyInfo {
    /// The key's id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// The tenant that owns it.
    pub tenant_id: Uuid,
    /// The scopes it holds.
    pub scopes: Vec<String>,
    /// When it was issued.
    pub created_at: Timestamp,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

/// A key as the API shows it, with its tenant as the policies see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundKey {
    /// The key.
    pub info: ApiKeyInfo,
    /// Whether its tenant is the platform tenant.
    pub tenant_is_master: bool,
    /// Its tenant's slug.
    pub tenant_slug: String,
}

/// A tenant as stored: what the API shows, and the version behind its `ETag`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTenant {
    /// The tenant.
    pub tenant: Tenant,
    /// Bumped by every change.
    pub version: i64,
}

/// A tenant read for an operation on it, with whether a given user belongs to it (asked in the
/// same read, to keep an update within three round trips to D1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundTenant {
    /// The tenant and its version.
    pub stored: StoredTenant,
    /// Whether the user asked about is a user of this tenant (`false` when none was asked).
    pub has_user: bool,
}

/// One update of a tenant: its values after, the version they were computed from, and the audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantUpdate {
    /// The tenant as it will be (its `updated_at` the time of the change).
    pub tenant: Tenant,
    /// The version read; the write fails with [`StoreError::Stale`] unless it is still current.
    pub read_version: i64,
    /// The audit record.
    pub audit: AuditRecord,
    /// Its event.
    pub event: NewEvent,
}

/// The delete of a tenant and everything of it (users, invites, keys); audit records stay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantDeletion {
    /// The tenant.
    pub tenant_id: Uuid,
    /// The version read; the write fails with [`StoreError::Stale`] unless it is still current.
    pub read_version: i64,
    /// The audit record.
    pub audit: AuditRecord,
    /// Its event.
    pub event: NewEvent,
}

/// A key issued through the API, with its audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyIssue {
    /// The key's row.
    pub key: NewApiKey,
    /// The audit record.
    pub audit: AuditRecord,
    /// Its event.
    pub event: NewEvent,
    /// The answer to store under the request's idempotency key, if it sent one.
    pub idempotency: Option<IdempotentAnswer>,
}

/// A request's claim on an idempotency key, written before the request does its work. The
/// store writes it unless the key is held: by a row whose answer is stored, or whose lease
/// still runs; a row past `expires_at`, or whose lease ran out with no answer, is replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyClaim {
    /// The caller's tenant: keys are scoped to it.
    pub tenant_id: Uuid,
    /// The key as the caller sent it.
    pub key: String,
    /// Hex SHA-256 of the request (method, path, canonical JSON body).
    pub fingerprint: String,
    /// Who claims: the request's audit id.
    pub claim_id: Uuid,
    /// The time of the claim.
    pub now: Timestamp,
    /// Until when the claim holds without an answer.
    pub lease_until: Timestamp,
    /// When the key is forgotten.
    pub expires_at: Timestamp,
}

/// An idempotency key's row as the store holds it after a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyEntry {
    /// The fingerprint of the request that holds it.
    pub fingerprint: String,
    /// The request that holds it (the claim's own id when the claim won).
    pub claim_id: Uuid,
    /// The stored answer; `None` while that request runs.
    pub answer: Option<StoredAnswer>,
}

/// A response as stored for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    /// The status code.
    pub status: u16,
    /// The JSON body (never a secret).
    pub body: String,
    /// The `Location` header, if it had one.
    pub location: Option<String>,
}

/// The answer of a claimed key, written in the same atomic write as what the request created;
/// the write fails with [`StoreError::Stale`] unless the claim is still the key's holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentAnswer {
    /// The caller's tenant.
    pub tenant_id: Uuid,
    /// The key.
    pub key: String,
    /// The claim that must still hold it.
    pub claim_id: Uuid,
    /// The answer.
    pub answer: StoredAnswer,
    /// The time of the write: rows expired by then are swept in the same write.
    pub now: Timestamp,
}

/// A claim given up without an answer (the request failed): the key is free again at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRelease {
    /// The caller's tenant.
    pub tenant_id: Uuid,
    /// The key.
    pub key: String,
    /// The claim; a row held by another claim is left alone.
    pub claim_id: Uuid,
}

/// A key's revocation, with its audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRevocation {
    /// The key.
    pub key_id: Uuid,
    /// When; a key revoked before keeps its first time.
    pub at: Timestamp,
    /// The audit record.
    pub audit: AuditRecord,
    /// Its event; `None` when the key was revoked already (nothing changes).
    pub event: Option<NewEvent>,
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

/// An invite found by its token's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundInvite {
    /// The invite's id.
    pub id: Uuid,
    /// Its tenant.
    pub tenant_id: Uuid,
    /// The invited user.
    pub user_id: Uuid,
    /// The invited address.
    pub email: String,
    /// Hex SHA-256 of its token, as stored.
    pub token_hash: String,
    /// When it stops working.
    pub expires_at: Timestamp,
    /// Whether it was accepted already.
    pub used: bool,
}

/// An invite's acceptance: the invite used, its user active, the audit record and the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteAcceptance {
    /// The invite; the write fails with [`StoreError::Stale`] if it was used meanwhile.
    pub invite_id: Uuid,
    /// Its user, made `active`.
    pub user_id: Uuid,
    /// When.
    pub at: Timestamp,
    /// The audit record.
    pub audit: AuditRecord,
    /// The `invite.accepted` event.
    pub event: NewEvent,
}

/// A tenant's owner as an invite needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundOwner {
    /// The user's id.
    pub id: Uuid,
    /// Its address.
    pub email: String,
    /// Its name.
    pub name: String,
    /// Whether it is still `invited` (has accepted no invite).
    pub invited: bool,
}

/// A new invite for an owner still `invited`: the old ones are deleted (their tokens then
/// answer as unknown), the new one stored, with the audit record and `invite.created`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteRenewal {
    /// The new invite; the write fails with [`StoreError::Stale`] if its user is no longer
    /// `invited`.
    pub invite: Invite,
    /// The audit record.
    pub audit: AuditRecord,
    /// The `invite.created` event, with the new token.
    pub event: NewEvent,
}

/// What a create reads before it decides, asked in one call (one round trip on D1): the
/// caller's key, and which of the slug's candidates are taken. Whatever else a create must read
/// first belongs here too, so that its reads stay one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreateReads<'a> {
    /// The id of the key the caller presented.
    pub key_id: Uuid,
    /// Lowercase slugs to check (none when the body is invalid).
    pub slug_candidates: &'a [String],
}

/// What [`TenantStore::create_reads`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateFound {
    /// The key, as [`TenantStore::api_key`] finds it.
    pub key: Option<StoredApiKey>,
    /// The candidates in use, as [`TenantStore::slugs_in_use`] finds them; a store may leave it
    /// empty when there is no such key, since the create then stops.
    pub slugs_in_use: Vec<String>,
}

/// An event scheduled for delivery again (`POST /v1/events/{id}/retry`), with its audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRetry {
    /// The event.
    pub id: Uuid,
    /// When: it is due from then on.
    pub at: Timestamp,
    /// The audit record.
    pub audit: AuditRecord,
}

/// Which events a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventFilter {
    /// Only this tenant's; every tenant's when `None`.
    pub tenant_id: Option<Uuid>,
    /// Only this type; every type when `None`.
    pub kind: Option<EventType>,
}

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

    /// The reads of a create, in one call. By default the two reads one after the other (no
    /// round trip to save in process); D1 overrides it with one query.
    async fn create_reads(&self, reads: &CreateReads<'_>) -> Result<CreateFound, StoreError> {
        let key = self.api_key(reads.key_id).await?;
        let slugs_in_use = if key.is_some() && !reads.slug_candidates.is_empty() {
            self.slugs_in_use(reads.slug_candidates).await?
        } else {
            Vec::new()
        };
        Ok(CreateFound { key, slugs_in_use })
    }

    /// Writes the tenant, owner, invite, audit record and events atomically. A unique-slug violation is
    /// [`StoreError::SlugTaken`] and leaves nothing behind.
    async fn insert_tenant(&self, record: &NewTenantRecord) -> Result<(), StoreError>;

    /// The tenant with this id, and whether `user` is one of its users.
    async fn tenant(&self, id: Uuid, user: Option<Uuid>)
    -> Result<Option<FoundTenant>, StoreError>;

    /// Up to `limit` tenants with a sequence number above `after`, in that order, each with its
    /// number; only the one with `slug` (case-insensitively) when given.
    async fn tenants_after(
        &self,
        after: i64,
        limit: u32,
        slug: Option<&str>,
    ) -> Result<Vec<(i64, Tenant)>, StoreError>;

    /// The API key with this id, as the API shows it, with its tenant.
    async fn api_key_info(&self, key_id: Uuid) -> Result<Option<FoundKey>, StoreError>;

    /// Up to `limit` keys of a tenant with a sequence number above `after`, in that order.
    async fn api_keys_after(
        &self,
        tenant_id: Uuid,
        after: i64,
        limit: u32,
    ) -> Result<Vec<(i64, ApiKeyInfo)>, StoreError>;

    /// Writes an update, its audit record and its event atomically, or nothing ([`StoreError::Stale`]).
    async fn update_tenant(&self, update: &TenantUpdate) -> Result<(), StoreError>;

    /// Deletes a tenant with its users, invites and keys, and writes the audit record and event,
    /// atomically, or nothing ([`StoreError::Stale`]).
    async fn delete_tenant(&self, deletion: &TenantDeletion) -> Result<(), StoreError>;

    /// Stores a key, its audit record and its event atomically.
    async fn insert_api_key(&self, issue: &KeyIssue) -> Result<(), StoreError>;

    /// Revokes a key (keeping an earlier revocation time) and writes the audit record and event atomically.
    async fn revoke_api_key(&self, revocation: &KeyRevocation) -> Result<(), StoreError>;

    /// The event with this id, as the API shows it.
    async fn event(&self, id: Uuid) -> Result<Option<EventInfo>, StoreError>;

    /// Up to `limit` events passing `filter` with a sequence number above `after`, in that
    /// order, each with its number.
    async fn events_after(
        &self,
        after: i64,
        limit: u32,
        filter: EventFilter,
    ) -> Result<Vec<(i64, EventInfo)>, StoreError>;

    /// Schedules an event's delivery again at `retry.at` (attempts kept, a failed or delivered
    /// state cleared) and writes the audit record, atomically.
    async fn retry_event(&self, retry: &EventRetry) -> Result<(), StoreError>;

    /// Leases up to `limit` events due at `now` (oldest due first) until `until` and answers
    /// them; an event under another deliverer's lease is not due until the lease runs out. One
    /// atomic step, so two deliverers never claim one event at once.
    async fn claim_due_events(
        &self,
        now: Timestamp,
        until: Timestamp,
        limit: u32,
    ) -> Result<Vec<DueEvent>, StoreError>;

    /// Stores the outcomes of a claim's attempts in one write and ends their leases; a delivered
    /// event loses its invite token, unless `mailer` (invites are mailed too) and its mail is
    /// not sent yet.
    async fn record_attempts(&self, attempts: &[Attempted], mailer: bool)
    -> Result<(), StoreError>;

    /// Deletes the events delivered before `cutoff` (never an undelivered or failed one) and
    /// answers how many went.
    async fn prune_events(&self, cutoff: Timestamp) -> Result<u64, StoreError>;

    /// The invite whose token has this hash.
    async fn invite(&self, token_hash: &str) -> Result<Option<FoundInvite>, StoreError>;

    /// Writes an acceptance atomically, or nothing ([`StoreError::Stale`]) if the invite was
    /// used since it was read.
    async fn accept_invite(&self, acceptance: &InviteAcceptance) -> Result<(), StoreError>;

    /// The user with this id, as an owner's invite needs it.
    async fn owner(&self, user_id: Uuid) -> Result<Option<FoundOwner>, StoreError>;

    /// Replaces the user's invites with a new one atomically, or nothing
    /// ([`StoreError::Stale`]) if the user is no longer `invited`.
    async fn renew_invite(&self, renewal: &InviteRenewal) -> Result<(), StoreError>;

    /// Writes the audit record of a denied attempt.
    async fn audit_denial(&self, audit: &AuditRecord) -> Result<(), StoreError>;

    /// Claims an idempotency key (see [`IdempotencyClaim`]) in one atomic step and answers the
    /// key's row as it is afterwards: the claim's own if it won, the holder's otherwise.
    async fn claim_idempotency_key(
        &self,
        claim: &IdempotencyClaim,
    ) -> Result<IdempotencyEntry, StoreError>;

    /// The row that holds an idempotency key against `claim`, without claiming it: the row
    /// [`claim_idempotency_key`](Self::claim_idempotency_key) would answer and leave as it is,
    /// or `None` when that claim would win (no row, or a lapsed one). A dry run asks this,
    /// so that it answers as the real call would (a replay, 422 or 409) and reserves nothing.
    async fn idempotency_key_holder(
        &self,
        claim: &IdempotencyClaim,
    ) -> Result<Option<IdempotencyEntry>, StoreError>;

    /// Deletes a claim that has no answer, if it still holds its key.
    async fn release_idempotency_key(&self, release: &IdempotencyRelease)
    -> Result<(), StoreError>;
}
