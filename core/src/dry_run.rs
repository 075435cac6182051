//! Dry runs: the flows, unchanged, over a store whose writes are skipped.
//!
//! A dry run must run every check the real call runs and answer what it would answer, yet
//! write nothing: no row, no event, no audit record (a denial's included). Rather than a second
//! copy of each flow with its writes left out, the flows run as they are over [`DryRun`], which
//! reads through to the real store and skips every write, answering it as done. The answer is
//! then the real call's at that moment, its generated values (ids, times, a key's secret)
//! included; what only the write itself could refuse (a racing create taking the slug between
//! the check and the write) is not known to a dry run.

use uuid::Uuid;

use crate::delivery::{Attempted, DueEvent};
use crate::event::EventInfo;
use crate::model::{Tenant, Timestamp};
use crate::store::{
    ApiKeyInfo, AuditRecord, CreateFound, CreateReads, EventFilter, EventRetry, FoundInvite,
    FoundKey, FoundOwner, FoundTenant, IdempotencyClaim, IdempotencyEntry, IdempotencyRelease,
    InviteAcceptance, InviteRenewal, KeyIssue, KeyRevocation, NewTenantRecord, StoreError,
    StoredApiKey, TenantDeletion, TenantStore, TenantUpdate,
};

/// A store that reads from `S` and skips every write.
#[derive(Debug)]
pub struct DryRun<'a, S: ?Sized>(pub &'a S);

impl<S: TenantStore + ?Sized> TenantStore for DryRun<'_, S> {
    async fn api_key(&self, key_id: Uuid) -> Result<Option<StoredApiKey>, StoreError> {
        self.0.api_key(key_id).await
    }

    async fn slugs_in_use(&self, candidates: &[String]) -> Result<Vec<String>, StoreError> {
        self.0.slugs_in_use(candidates).await
    }

    async fn create_reads(&self, reads: &CreateReads<'_>) -> Result<CreateFound, StoreError> {
        self.0.create_reads(reads).await
    }

    async fn insert_tenant(&self, _: &NewTenantRecord) -> Result<(), StoreError> {
        Ok(())
    }

    async fn tenant(
        &self,
        id: Uuid,
        user: Option<Uuid>,
    ) -> Result<Option<FoundTenant>, StoreError> {
        self.0.tenant(id, user).await
    }

    async fn tenants_after(
        &self,
        after: i64,
        limit: u32,
        slug: Option<&str>,
    ) -> Result<Vec<(i64, Tenant)>, StoreError> {
        self.0.tenants_after(after, limit, slug).await
    }

    async fn api_key_info(&self, key_id: Uuid) -> Result<Option<FoundKey>, StoreError> {
        self.0.api_key_info(key_id).await
    }

    async fn api_keys_after(
        &self,
        tenant_id: Uuid,
        after: i64,
        limit: u32,
    ) -> Result<Vec<(i64, ApiKeyInfo)>, StoreError> {
        self.0.api_keys_after(tenant_id, after, limit).await
    }

    async fn update_tenant(&self, _: &TenantUpdate) -> Result<(), StoreError> {
        Ok(())
    }

    async fn delete_tenant(&self, _: &TenantDeletion) -> Result<(), StoreError> {
        Ok(())
    }

    async fn insert_api_key(&self, _: &KeyIssue) -> Result<(), StoreError> {
        Ok(())
    }

    async fn revoke_api_key(&self, _: &KeyRevocation) -> Result<(), StoreError> {
        Ok(())
    }

    async fn event(&self, id: Uuid) -> Result<Option<EventInfo>, StoreError> {
        self.0.event(id).await
    }

    async fn events_after(
        &self,
        after: i64,
        limit: u32,
        filter: EventFilter,
    ) -> Result<Vec<(i64, EventInfo)>, StoreError> {
        self.0.events_after(after, limit, filter).await
    }

    async fn retry_event(&self, _: &EventRetry) -> Result<(), StoreError> {
        Ok(())
    }

    /// A claim is a write: a dry run claims nothing (and never delivers).
    async fn claim_due_events(
        &self,
        _: Timestamp,
        _: Timestamp,
        _: u32,
    ) -> Result<Vec<DueEvent>, StoreError> {
        Ok(Vec::new())
    }

    async fn record_attempts(&self, _: &[Attempted], _: bool) -> Result<(), StoreError> {
        Ok(())
    }

    async fn prune_events(&self, _: Timestamp) -> Result<u64, StoreError> {
        Ok(0)
    }

    async fn invite(&self, token_hash: &str) -> Result<Option<FoundInvite>, StoreError> {
        self.0.invite(token_hash).await
    }

    async fn accept_invite(&self, _: &InviteAcceptance) -> Result<(), StoreError> {
        Ok(())
    }

    async fn owner(&self, user_id: Uuid) -> Result<Option<FoundOwner>, StoreError> {
        self.0.owner(user_id).await
    }

    async fn renew_invite(&self, _: &InviteRenewal) -> Result<(), StoreError> {
        Ok(())
    }

    async fn audit_denial(&self, _: &AuditRecord) -> Result<(), StoreError> {
        Ok(())
    }

    /// A claim is a write: skipped. The key is looked up instead, so that the dry run answers
    /// as the real call would (the stored answer again, 422 for another request, 409 while the
    /// first runs); a key no one holds is answered as won, and stays free.
    async fn claim_idempotency_key(
        &self,
        claim: &IdempotencyClaim,
    ) -> Result<IdempotencyEntry, StoreError> {
        let holder = self.0.idempotency_key_holder(claim).await?;
        Ok(holder.unwrap_or_else(|| IdempotencyEntry {
            fingerprint: claim.fingerprint.clone(),
            claim_id: claim.claim_id,
            answer: None,
        }))
    }

    async fn idempotency_key_holder(
        &self,
        claim: &IdempotencyClaim,
    ) -> Result<Option<IdempotencyEntry>, StoreError> {
        self.0.idempotency_key_holder(claim).await
    }

    async fn release_idempotency_key(&self, _: &IdempotencyRelease) -> Result<(), StoreError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Fresh, MemoryStore, Timestamp};

    #[test]
    fn a_dry_run_reads_through_and_writes_nothing() {
        let store = MemoryStore::new();
        let now = Timestamp::from_unix_seconds(1_800_000_000).unwrap();
        let master = crate::store::MasterTenant::new(Uuid::from_u128(1), now);
        store.add_master(&master).unwrap();
        let dry = DryRun(&store);
        let audit = AuditRecord {
            id: Fresh::from_random_bytes([3; crate::FRESH_RANDOM_BYTES]).audit_id,
            at: now,
            actor_key_id: Uuid::nil(),
            actor_tenant_id: master.id,
            action: "create_tenant",
            resource_id: None,
            decision: "deny",
            policies: Vec::new(),
        };
        pollster::block_on(dry.audit_denial(&audit)).unwrap();
        assert!(store.audit_log().is_empty());
        let read = pollster::block_on(dry.tenant(master.id, None)).unwrap();
        assert_eq!(
            read.map(|found| found.stored.tenant.slug),
            Some("platform".into())
        );
    }
}
