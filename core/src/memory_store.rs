//! An in-memory [`TenantStore`] for tests and examples. It honours the unique-slug rule the way
//! the databases do: the check and the write happen under one lock.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use uuid::Uuid;

use crate::slug;
use crate::store::{
    MasterTenant, NewApiKey, NewTenantRecord, StoreError, StoredApiKey, TenantStore,
};

#[derive(Debug, Default)]
struct State {
    /// Folded slug to tenant id, with the master flag, for every tenant.
    slugs: HashMap<String, (Uuid, bool)>,
    keys: HashMap<Uuid, (NewApiKey, bool)>,
    records: Vec<NewTenantRecord>,
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
        let mut state = self.lock()?;
        if state.slugs.contains_key(&master.slug) {
            return Err(StoreError::SlugTaken);
        }
        state.slugs.insert(master.slug.clone(), (master.id, true));
        Ok(())
    }

    /// Adds an API key; `revoked` marks it revoked.
    pub fn add_api_key(&self, key: NewApiKey, revoked: bool) -> Result<(), StoreError> {
        self.lock()?.keys.insert(key.key_id, (key, revoked));
        Ok(())
    }

    /// Marks an API key revoked.
    pub fn revoke_api_key(&self, key_id: Uuid) -> Result<(), StoreError> {
        if let Some((_, revoked)) = self.lock()?.keys.get_mut(&key_id) {
            *revoked = true;
        }
        Ok(())
    }

    /// Every tenant created through the port, in order.
    pub fn created(&self) -> Vec<NewTenantRecord> {
        self.lock().map(|s| s.records.clone()).unwrap_or_default()
    }
}

impl TenantStore for MemoryStore {
    async fn api_key(&self, key_id: Uuid) -> Result<Option<StoredApiKey>, StoreError> {
        let state = self.lock()?;
        Ok(state.keys.get(&key_id).map(|(key, revoked)| StoredApiKey {
            key_id: key.key_id,
            tenant_id: key.tenant_id,
            tenant_is_master: state
                .slugs
                .values()
                .any(|(id, is_master)| *id == key.tenant_id && *is_master),
            secret_hash: key.secret_hash.clone(),
            scopes: key.scopes.clone(),
            revoked: *revoked,
        }))
    }

    async fn slugs_in_use(&self, candidates: &[String]) -> Result<Vec<String>, StoreError> {
        let state = self.lock()?;
        Ok(candidates
            .iter()
            .filter(|c| state.slugs.contains_key(&slug::fold(c)))
            .cloned()
            .collect())
    }

    async fn insert_tenant(&self, record: &NewTenantRecord) -> Result<(), StoreError> {
        let mut state = self.lock()?;
        let folded = slug::fold(&record.tenant.slug);
        if state.slugs.contains_key(&folded) {
            return Err(StoreError::SlugTaken);
        }
        state.slugs.insert(folded, (record.tenant.id, false));
        state.records.push(record.clone());
        Ok(())
    }
}
