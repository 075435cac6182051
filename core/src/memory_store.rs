//! An in-memory [`TenantStore`] for tests and examples. It honours the rules the databases
//! enforce: unique slugs, growing sequences, versions, and every write's check and change under
//! one lock.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use uuid::Uuid;

use crate::delivery::{Attempted, DueEvent};
use crate::event::{EventInfo, NewEvent};
use crate::model::{Tenant, Timestamp};
use crate::slug;
use crate::store::{
    ApiKeyInfo, AuditRecord, EventFilter, EventRetry, FoundInvite, FoundKey, FoundOwner,
    FoundTenant, IdempotencyClaim, IdempotencyEntry, IdempotencyRelease, IdempotentAnswer, Invite,
    InviteAcceptance, InviteRenewal, KeyIssue, KeyRevocation, MasterTenant, NewApiKey,
    NewTenantRecord, StoreError, StoredApiKey, StoredTenant, TenantDeletion, TenantStore,
    TenantUpdate,
};

#[derive(Debug, Clone)]
struct Key {
    row: NewApiKey,
    seq: i64,
    revoked_at: Option<Timestamp>,
}

/// An event in the outbox with what only delivery sees: its invite token and its lease.
#[derive(Debug, Clone)]
struct StoredEvent {
    seq: i64,
    id: Uuid,
    info: EventInfo,
    invite_token: Option<String>,
    lease_until: Option<Timestamp>,
}

impl StoredEvent {
    fn due(&self, now: Timestamp) -> bool {
        self.info.next_attempt_at.is_some_and(|at| at <= now)
            && self.lease_until.is_none_or(|until| until <= now)
    }
}

#[derive(Debug, Default)]
struct State {
    /// Tenants by id, with their sequence number and version.
    tenants: HashMap<Uuid, (i64, StoredTenant)>,
    /// Users by id, with their tenant.
    users: HashMap<Uuid, Uuid>,
    keys: HashMap<Uuid, Key>,
    records: Vec<NewTenantRecord>,
    /// Each invited user's current invite, by user id.
    invites: HashMap<Uuid, Invite>,
    /// The invites whose tokens were accepted, by id.
    used_invites: Vec<Uuid>,
    /// The users who accepted an invite.
    active_users: Vec<Uuid>,
    audit: Vec<AuditRecord>,
    /// The outbox, in order.
    events: Vec<StoredEvent>,
    /// The last sequence numbers given out; never reused, as the databases' counters.
    tenant_seq: i64,
    key_seq: i64,
    /// Idempotency keys by caller's tenant and key, as the `idempotency_keys` table holds them.
    idempotency: HashMap<(Uuid, String), IdempotencyRow>,
}

/// An idempotency key's row.
#[derive(Debug, Clone)]
struct IdempotencyRow {
    entry: IdempotencyEntry,
    lease_until: Timestamp,
    expires_at: Timestamp,
}

impl IdempotencyRow {
    /// Whether a claim at `now` takes the key anew: its 24 hours are over, or its lease ran out
    /// with no answer (the SQL stores' `lapsed!`).
    fn lapsed(&self, now: Timestamp) -> bool {
        self.expires_at <= now || (self.entry.answer.is_none() && self.lease_until <= now)
    }
}

impl State {
    fn slug_taken(&self, slug: &str) -> bool {
        let folded = slug::fold(slug);
        self.tenants
            .values()
            .any(|(_, t)| slug::fold(&t.tenant.slug) == folded)
    }

    fn insert(&mut self, tenant: Tenant) -> Result<(), StoreError> {
        if self.slug_taken(&tenant.slug) {
            return Err(StoreError::SlugTaken);
        }
        self.tenant_seq += 1;
        let stored = StoredTenant { tenant, version: 1 };
        self.tenants
            .insert(stored.tenant.id, (self.tenant_seq, stored));
        Ok(())
    }

    fn add_key(&mut self, key: NewApiKey, revoked: bool) {
        self.key_seq += 1;
        let key = Key {
            revoked_at: revoked.then_some(key.created_at),
            seq: self.key_seq,
            row: key,
        };
        self.keys.insert(key.row.key_id, key);
    }

    fn add_event(&mut self, event: &NewEvent) {
        let seq = self.events.last().map_or(1, |last| last.seq + 1);
        self.events.push(StoredEvent {
            seq,
            id: event.id,
            info: event.info(),
            invite_token: event.invite_token.clone(),
            lease_until: None,
        });
    }

    /// Fails with [`StoreError::Stale`] unless the answer's claim still holds its key; checked
    /// before a write changes anything, as the databases' precondition is.
    fn require_claim(&self, answer: Option<&IdempotentAnswer>) -> Result<(), StoreError> {
        let Some(answer) = answer else {
            return Ok(());
        };
        match self
            .idempotency
            .get(&(answer.tenant_id, answer.key.clone()))
        {
            Some(row) if row.entry.claim_id == answer.claim_id && row.entry.answer.is_none() => {
                Ok(())
            }
            _ => Err(StoreError::Stale),
        }
    }

    /// Stores a claim's answer and sweeps the keys expired by then.
    fn store_answer(&mut self, answer: Option<&IdempotentAnswer>) {
        let Some(answer) = answer else {
            return;
        };
        if let Some(row) = self
            .idempotency
            .get_mut(&(answer.tenant_id, answer.key.clone()))
        {
            row.entry.answer = Some(answer.answer.clone());
        }
        self.idempotency
            .retain(|_, row| row.expires_at > answer.now);
    }

    fn require_version(&self, id: Uuid, version: i64) -> Result<(), StoreError> {
        match self.tenants.get(&id) {
            Some((_, stored)) if stored.version == version => Ok(()),
            _ => Err(StoreError::Stale),
        }
    }
}

/// A store held in memory; safe to share between threads.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>, StoreError> {
        self.state
            .lock()
            .map_err(|_| StoreError::Backend("the in-memory store's lock is poisoned".into()))
    }

    /// Adds the platform tenant.
    pub fn add_master(&self, master: &MasterTenant) -> Result<(), StoreError> {
        self.lock()?.insert(Tenant {
            id: master.id,
            name: master.name.clone(),
            slug: master.slug.clone(),
            locale: master.locale.clone(),
            owner_email: None,
            owner_user_id: None,
            sso_start_url: None,
            sso_region: None,
            is_master: true,
            primary_domain: None,
            created_at: master.created_at,
            updated_at: master.created_at,
        })
    }

    /// Adds an API key; `revoked` marks it revoked.
    pub fn add_api_key(&self, key: NewApiKey, revoked: bool) -> Result<(), StoreError> {
        self.lock()?.add_key(key, revoked);
        Ok(())
    }

    /// Stores what [`admin::bootstrap`](crate::admin::bootstrap) made: the platform tenant and
    /// its first key.
    pub fn add_bootstrap(&self, boot: &crate::admin::Bootstrap) -> Result<(), StoreError> {
        self.add_master(&boot.master)?;
        self.add_api_key(boot.key_row.clone(), false)
    }

    /// Marks an API key revoked.
    pub fn revoke_api_key(&self, key_id: Uuid, at: Timestamp) -> Result<(), StoreError> {
        if let Some(key) = self.lock()?.keys.get_mut(&key_id) {
            key.revoked_at.get_or_insert(at);
        }
        Ok(())
    }

    /// Every tenant created through the port, in order.
    pub fn created(&self) -> Vec<NewTenantRecord> {
        self.lock().map(|s| s.records.clone()).unwrap_or_default()
    }

    /// How many events the outbox holds.
    pub fn event_count(&self) -> usize {
        self.lock().map(|s| s.events.len()).unwrap_or_default()
    }

    /// Every audit record written, in order.
    pub fn audit_log(&self) -> Vec<AuditRecord> {
        self.lock().map(|s| s.audit.clone()).unwrap_or_default()
    }
}

impl Key {
    fn info(&self) -> ApiKeyInfo {
        ApiKeyInfo {
            revoked_at: self.revoked_at,
            ..self.row.info()
        }
    }
}

impl TenantStore for MemoryStore {
    async fn api_key(&self, key_id: Uuid) -> Result<Option<StoredApiKey>, StoreError> {
        let state = self.lock()?;
        Ok(state.keys.get(&key_id).and_then(|key| {
            let (_, tenant) = state.tenants.get(&key.row.tenant_id)?;
            Some(StoredApiKey {
                key_id: key.row.key_id,
                tenant_id: key.row.tenant_id,
                tenant_is_master: tenant.tenant.is_master,
                tenant_slug: tenant.tenant.slug.clone(),
                secret_hash: key.row.secret_hash.clone(),
                scopes: key.row.scopes.clone(),
                revoked: key.revoked_at.is_some(),
            })
        }))
    }

    async fn slugs_in_use(&self, candidates: &[String]) -> Result<Vec<String>, StoreError> {
        let state = self.lock()?;
        Ok(candidates
            .iter()
            .filter(|c| state.slug_taken(c))
            .cloned()
            .collect())
    }

    async fn insert_tenant(&self, record: &NewTenantRecord) -> Result<(), StoreError> {
        let mut state = self.lock()?;
        state.require_claim(record.idempotency.as_ref())?;
        state.insert(record.tenant.clone())?;
        state.store_answer(record.idempotency.as_ref());
        state.users.insert(record.owner.id, record.tenant.id);
        state.audit.push(record.audit.clone());
        for event in &record.events {
            state.add_event(event);
        }
        state
            .invites
            .insert(record.invite.user_id, record.invite.clone());
        state.records.push(record.clone());
        Ok(())
    }

    async fn tenant(
        &self,
        id: Uuid,
        user: Option<Uuid>,
    ) -> Result<Option<FoundTenant>, StoreError> {
        let state = self.lock()?;
        Ok(state.tenants.get(&id).map(|(_, stored)| FoundTenant {
            stored: stored.clone(),
            has_user: user.is_some_and(|user| state.users.get(&user) == Some(&id)),
        }))
    }

    async fn tenants_after(
        &self,
        after: i64,
        limit: u32,
        slug: Option<&str>,
    ) -> Result<Vec<(i64, Tenant)>, StoreError> {
        let state = self.lock()?;
        let ordered: BTreeMap<i64, &Tenant> = state
            .tenants
            .values()
            .filter(|(seq, stored)| {
                *seq > after
                    && slug.is_none_or(|s| slug::fold(s) == slug::fold(&stored.tenant.slug))
            })
            .map(|(seq, stored)| (*seq, &stored.tenant))
            .collect();
        Ok(ordered
            .into_iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|(seq, tenant)| (seq, tenant.clone()))
            .collect())
    }

    async fn api_key_info(&self, key_id: Uuid) -> Result<Option<FoundKey>, StoreError> {
        let state = self.lock()?;
        Ok(state.keys.get(&key_id).and_then(|key| {
            let (_, tenant) = state.tenants.get(&key.row.tenant_id)?;
            Some(FoundKey {
                info: key.info(),
                tenant_is_master: tenant.tenant.is_master,
                tenant_slug: tenant.tenant.slug.clone(),
            })
        }))
    }

    async fn api_keys_after(
        &self,
        tenant_id: Uuid,
        after: i64,
        limit: u32,
    ) -> Result<Vec<(i64, ApiKeyInfo)>, StoreError> {
        let state = self.lock()?;
        let ordered: BTreeMap<i64, &Key> = state
            .keys
            .values()
            .filter(|key| key.row.tenant_id == tenant_id && key.seq > after)
            .map(|key| (key.seq, key))
            .collect();
        Ok(ordered
            .into_iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|(seq, key)| (seq, key.info()))
            .collect())
    }

    async fn update_tenant(&self, update: &TenantUpdate) -> Result<(), StoreError> {
        let mut state = self.lock()?;
        state.require_version(update.tenant.id, update.read_version)?;
        if let Some((_, stored)) = state.tenants.get_mut(&update.tenant.id) {
            stored.tenant = update.tenant.clone();
            stored.version += 1;
        }
        state.audit.push(update.audit.clone());
        state.add_event(&update.event);
        Ok(())
    }

    async fn delete_tenant(&self, deletion: &TenantDeletion) -> Result<(), StoreError> {
        let mut state = self.lock()?;
        let id = deletion.tenant_id;
        state.require_version(id, deletion.read_version)?;
        state.tenants.remove(&id);
        state.users.retain(|_, tenant| *tenant != id);
        state.keys.retain(|_, key| key.row.tenant_id != id);
        state.audit.push(deletion.audit.clone());
        state.add_event(&deletion.event);
        Ok(())
    }

    async fn insert_api_key(&self, issue: &KeyIssue) -> Result<(), StoreError> {
        let mut state = self.lock()?;
        state.require_claim(issue.idempotency.as_ref())?;
        state.store_answer(issue.idempotency.as_ref());
        state.add_key(issue.key.clone(), false);
        state.audit.push(issue.audit.clone());
        state.add_event(&issue.event);
        Ok(())
    }

    async fn revoke_api_key(&self, revocation: &KeyRevocation) -> Result<(), StoreError> {
        let mut state = self.lock()?;
        if let Some(key) = state.keys.get_mut(&revocation.key_id) {
            key.revoked_at.get_or_insert(revocation.at);
        }
        state.audit.push(revocation.audit.clone());
        if let Some(event) = &revocation.event {
            state.add_event(event);
        }
        Ok(())
    }

    async fn event(&self, id: Uuid) -> Result<Option<EventInfo>, StoreError> {
        let state = self.lock()?;
        Ok(state
            .events
            .iter()
            .find(|event| event.id == id)
            .map(|event| event.info.clone()))
    }

    async fn events_after(
        &self,
        after: i64,
        limit: u32,
        filter: EventFilter,
    ) -> Result<Vec<(i64, EventInfo)>, StoreError> {
        let state = self.lock()?;
        Ok(state
            .events
            .iter()
            .filter(|event| {
                event.seq > after
                    && filter.tenant_id.is_none_or(|id| id == event.info.tenant_id)
                    && filter
                        .kind
                        .is_none_or(|kind| kind.name() == event.info.kind)
            })
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|event| (event.seq, event.info.clone()))
            .collect())
    }

    async fn retry_event(&self, retry: &EventRetry) -> Result<(), StoreError> {
        let mut state = self.lock()?;
        if let Some(event) = state.events.iter_mut().find(|e| e.id == retry.id) {
            event.info.next_attempt_at = Some(retry.at);
            event.info.delivered_at = None;
        }
        state.audit.push(retry.audit.clone());
        Ok(())
    }

    async fn claim_due_events(
        &self,
        now: Timestamp,
        until: Timestamp,
        limit: u32,
    ) -> Result<Vec<DueEvent>, StoreError> {
        let mut state = self.lock()?;
        let mut due: Vec<&mut StoredEvent> =
            state.events.iter_mut().filter(|e| e.due(now)).collect();
        due.sort_by_key(|event| event.info.next_attempt_at);
        Ok(due
            .into_iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|event| {
                event.lease_until = Some(until);
                DueEvent {
                    id: event.id,
                    kind: event.info.kind.clone(),
                    created_at: event.info.created_at,
                    data: event.info.data.clone(),
                    invite_token: event.invite_token.clone(),
                    attempts: event.info.attempts,
                }
            })
            .collect())
    }

    async fn record_attempts(
        &self,
        attempts: &[Attempted],
        mailer: bool,
    ) -> Result<(), StoreError> {
        let mut state = self.lock()?;
        for attempted in attempts {
            let Some(event) = state.events.iter_mut().find(|e| e.id == attempted.id) else {
                continue;
            };
            event.info.attempts = attempted.attempts;
            event.info.delivered_at = attempted.delivered_at;
            event.info.next_attempt_at = attempted.next_attempt_at;
            event.info.last_error.clone_from(&attempted.last_error);
            event.lease_until = None;
            // The memory store mails nothing: with a mailer the token stays for it.
            if attempted.delivered_at.is_some() && !mailer {
                event.invite_token = None;
            }
        }
        Ok(())
    }

    async fn prune_events(&self, cutoff: Timestamp) -> Result<u64, StoreError> {
        let mut state = self.lock()?;
        let before = state.events.len();
        state
            .events
            .retain(|event| event.info.delivered_at.is_none_or(|at| at >= cutoff));
        Ok(u64::try_from(before - state.events.len()).unwrap_or(u64::MAX))
    }

    async fn invite(&self, token_hash: &str) -> Result<Option<FoundInvite>, StoreError> {
        let state = self.lock()?;
        Ok(state
            .invites
            .values()
            .find(|invite| {
                invite.token_hash == token_hash && state.tenants.contains_key(&invite.tenant_id)
            })
            .map(|invite| FoundInvite {
                id: invite.id,
                tenant_id: invite.tenant_id,
                user_id: invite.user_id,
                email: invite.email.clone(),
                token_hash: invite.token_hash.clone(),
                expires_at: invite.expires_at,
                used: state.used_invites.contains(&invite.id),
            }))
    }

    async fn accept_invite(&self, acceptance: &InviteAcceptance) -> Result<(), StoreError> {
        let mut state = self.lock()?;
        if state.used_invites.contains(&acceptance.invite_id) {
            return Err(StoreError::Stale);
        }
        state.used_invites.push(acceptance.invite_id);
        state.active_users.push(acceptance.user_id);
        state.audit.push(acceptance.audit.clone());
        state.add_event(&acceptance.event);
        Ok(())
    }

    async fn owner(&self, user_id: Uuid) -> Result<Option<FoundOwner>, StoreError> {
        let state = self.lock()?;
        Ok(state
            .records
            .iter()
            .map(|record| &record.owner)
            .find(|owner| owner.id == user_id && state.users.contains_key(&user_id))
            .map(|owner| FoundOwner {
                id: owner.id,
                email: owner.email.clone(),
                name: owner.name.clone(),
                invited: !state.active_users.contains(&owner.id),
            }))
    }

    async fn renew_invite(&self, renewal: &InviteRenewal) -> Result<(), StoreError> {
        let mut state = self.lock()?;
        let user = renewal.invite.user_id;
        if state.active_users.contains(&user) || !state.users.contains_key(&user) {
            return Err(StoreError::Stale);
        }
        state.invites.insert(user, renewal.invite.clone());
        state.audit.push(renewal.audit.clone());
        state.add_event(&renewal.event);
        Ok(())
    }

    async fn audit_denial(&self, audit: &AuditRecord) -> Result<(), StoreError> {
        self.lock()?.audit.push(audit.clone());
        Ok(())
    }

    async fn claim_idempotency_key(
        &self,
        claim: &IdempotencyClaim,
    ) -> Result<IdempotencyEntry, StoreError> {
        let mut state = self.lock()?;
        let slot = (claim.tenant_id, claim.key.clone());
        let lapsed = state
            .idempotency
            .get(&slot)
            .is_none_or(|row| row.lapsed(claim.now));
        if lapsed {
            let row = IdempotencyRow {
                entry: IdempotencyEntry {
                    fingerprint: claim.fingerprint.clone(),
                    claim_id: claim.claim_id,
                    answer: None,
                },
                lease_until: claim.lease_until,
                expires_at: claim.expires_at,
            };
            state.idempotency.insert(slot.clone(), row);
        }
        Ok(state.idempotency[&slot].entry.clone())
    }

    async fn idempotency_key_holder(
        &self,
        claim: &IdempotencyClaim,
    ) -> Result<Option<IdempotencyEntry>, StoreError> {
        let state = self.lock()?;
        let row = state.idempotency.get(&(claim.tenant_id, claim.key.clone()));
        Ok(row
            .filter(|row| !row.lapsed(claim.now))
            .map(|row| row.entry.clone()))
    }

    async fn release_idempotency_key(
        &self,
        release: &IdempotencyRelease,
    ) -> Result<(), StoreError> {
        let mut state = self.lock()?;
        let slot = (release.tenant_id, release.key.clone());
        if state
            .idempotency
            .get(&slot)
            .is_some_and(|row| row.entry.claim_id == release.claim_id && row.entry.answer.is_none())
        {
            state.idempotency.remove(&slot);
        }
        Ok(())
    }
}
