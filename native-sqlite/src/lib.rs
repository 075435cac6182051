//! Tenantry on SQLite: the rusqlite store, the in-process API, and what the `tenantry`
//! program runs. Every rule lives in `tenantry-core`; this crate does the I/O.
//!
//! The in-process API is a plain call; it needs no async runtime of its caller's:
//!
//! ```
//! use tenantry_core::CreateTenantRequest;
//! use tenantry_native::Tenantry;
//!
//! let tenantry = Tenantry::open_in_memory()?;
//! let master = tenantry.init()?;
//! let request = CreateTenantRequest {
//!     name: "Acme Corp".into(),
//!     owner_email: "ann@Acme.Test".into(),
//!     owner_name: "Ann Example".into(),
//!     ..Default::default()
//! };
//! let created = tenantry.create_tenant(&master.api_key, &master.tenant_id.to_string(), &request)?;
//! assert_eq!(created.tenant.slug, "acme-corp");
//! assert_eq!(created.tenant.owner_email.as_deref(), Some("ann@acme.test"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod admin;
mod group_commit;
mod migrations;
pub mod server;
mod sqlite_store;
pub mod system;

use std::path::Path;
use std::sync::Arc;

use pollster::block_on;

pub use tenantry_core::admin::AdminError;
use tenantry_core::admin::Change;
use tenantry_core::http::{HttpRequest, HttpResponse};
use tenantry_core::sql;
use tenantry_core::store::ApiKeyInfo;
use tenantry_core::{
    ApiError, Body, CreateApiKeyRequest, CreateCall, CreateTenantRequest, Created, CreatedKey,
    Credentials, DryRun, EventInfo, EventQuery, InviteTtl, KeyBody, KeyCall, KeyQuery, Operation,
    Page, Policies, PolicyError, Tenant, TenantQuery, UpdateBody, UpdateCall, UpdateTenantRequest,
    Versioned,
};
use tenantry_core::{
    delete_tenant, get_api_key, get_event, get_tenant, list_api_keys, list_events, list_tenants,
    retry_event, revoke_api_key, update_tenant,
};
use uuid::Uuid;

pub use group_commit::{GroupCommit, GroupStats, MAX_GROUP};
pub use sqlite_store::SqliteStore;

/// What can go wrong outside the operation's own errors.
#[derive(Debug, thiserror::Error)]
pub enum NativeError {
    /// The database could not be opened, migrated or written.
    #[error("database error: {0}")]
    Database(String),
    /// The policies did not load.
    #[error(transparent)]
    Policies(#[from] PolicyError),
    /// An administrative change does not apply to this database (see [`AdminError`]).
    #[error(transparent)]
    Admin(#[from] AdminError),
    /// The clock or the random source failed.
    #[error("{0}")]
    System(String),
}

impl From<rusqlite::Error> for NativeError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Database(error.to_string())
    }
}

impl From<tenantry_core::store::StoreError> for NativeError {
    fn from(error: tenantry_core::store::StoreError) -> Self {
        Self::Database(error.to_string())
    }
}

/// How a create of the in-process API runs: with an idempotency key, as a dry run, or plainly
/// (the default), as the `Idempotency-Key` header and `?dry_run=true` ask over HTTP.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions<'a> {
    /// A retry with the same key and the same request answers the first answer again (a key's
    /// secret and an invite's token as `None`) and creates nothing. Kept 24 hours.
    pub idempotency_key: Option<&'a str>,
    /// Runs every check and answers what the call would, writing nothing.
    pub dry_run: bool,
}

/// Runs a flow on the store, or for a dry run on a [`DryRun`] over it. The flows are generic
/// over the store, so these are two instantiations of one expression, written once here.
macro_rules! on_store {
    ($tenantry:ident, $options:expr, |$store:ident| $flow:expr) => {
        if $options.dry_run {
            let $store = &DryRun(&$tenantry.store);
            pollster::block_on($flow)
        } else {
            let $store = &$tenantry.store;
            pollster::block_on($flow)
        }
    };
}

/// The in-process API's calls that hand their input straight to the flow of the same name:
/// each runs it on the store as the caller `api_key` of `tenant_id` (see `Tenantry::operate`),
/// with the same checks and outcomes as its route. Written as a table, since they differ only
/// in the flow, its input and its answer.
macro_rules! flow_calls {
    ($($(#[doc = $doc:expr])* $flow:ident($($input:ident: $kind:ty),*) -> $answer:ty;)*) => {
        $(
            $(#[doc = $doc])*
            pub fn $flow(
                &self,
                api_key: &str,
                tenant_id: &str,
                $($input: $kind),*
            ) -> Result<$answer, ApiError> {
                self.operate(api_key, tenant_id, |op| {
                    block_on($flow(op, &self.store, $($input),*))
                })
            }
        )*
    };
}

/// Tenantry on one SQLite connection: the in-process API.
#[derive(Debug)]
pub struct Tenantry {
    policies: Arc<Policies>,
    store: SqliteStore,
    invite_ttl: InviteTtl,
}

impl Tenantry {
    /// Opens (creating if needed) a database file with the shipped policies.
    pub fn open(path: &Path) -> Result<Self, NativeError> {
        Ok(Self::with_policies(
            SqliteStore::open(path)?,
            Arc::new(Policies::embedded()?),
        ))
    }

    /// A fresh in-memory database with the shipped policies.
    pub fn open_in_memory() -> Result<Self, NativeError> {
        Ok(Self::with_policies(
            SqliteStore::open_in_memory()?,
            Arc::new(Policies::embedded()?),
        ))
    }

    /// A store with policies already loaded (shared between connections).
    pub fn with_policies(store: SqliteStore, policies: Arc<Policies>) -> Self {
        Self {
            policies,
            store,
            invite_ttl: InviteTtl::default(),
        }
    }

    /// The same, writing invites valid for `ttl` (7 days unless set).
    #[must_use]
    pub fn with_invite_ttl(self, ttl: InviteTtl) -> Self {
        Self {
            invite_ttl: ttl,
            ..self
        }
    }

    /// The store, for administration and tests.
    pub fn store(&self) -> &SqliteStore {
        &self.store
    }

    /// Creates a tenant, with the same checks and outcomes as `POST /v1/tenants`.
    pub fn create_tenant(
        &self,
        api_key: &str,
        tenant_id: &str,
        request: &CreateTenantRequest,
    ) -> Result<Created, ApiError> {
        self.create_tenant_with(api_key, tenant_id, request, WriteOptions::default())
    }

    /// Creates a tenant with an idempotency key or as a dry run (see [`WriteOptions`]).
    pub fn create_tenant_with(
        &self,
        api_key: &str,
        tenant_id: &str,
        request: &CreateTenantRequest,
        options: WriteOptions<'_>,
    ) -> Result<Created, ApiError> {
        let call = CreateCall {
            body: Body::Typed(request),
            idempotency_key: options.idempotency_key,
            invite_ttl: self.invite_ttl,
        };
        self.operate(api_key, tenant_id, |op| {
            on_store!(self, options, |store| tenantry_core::create_tenant(
                op, store, call
            ))
        })
    }

    /// Updates a tenant, as `PUT /v1/tenants/{id}` (with `If-Match` when `if_match` is given).
    pub fn update_tenant(
        &self,
        api_key: &str,
        tenant_id: &str,
        id: Uuid,
        request: &UpdateTenantRequest,
        if_match: Option<&str>,
    ) -> Result<Versioned, ApiError> {
        let call = UpdateCall {
            body: UpdateBody::Typed(request),
            if_match,
        };
        self.operate(api_key, tenant_id, |op| {
            block_on(update_tenant(op, &self.store, call, id))
        })
    }

    /// Issues an API key, as `POST /v1/api-keys`.
    pub fn create_api_key(
        &self,
        api_key: &str,
        tenant_id: &str,
        request: &CreateApiKeyRequest,
    ) -> Result<CreatedKey, ApiError> {
        self.create_api_key_with(api_key, tenant_id, request, WriteOptions::default())
    }

    /// Issues an API key with an idempotency key or as a dry run (see [`WriteOptions`]).
    pub fn create_api_key_with(
        &self,
        api_key: &str,
        tenant_id: &str,
        request: &CreateApiKeyRequest,
        options: WriteOptions<'_>,
    ) -> Result<CreatedKey, ApiError> {
        let call = KeyCall {
            body: KeyBody::Typed(request),
            idempotency_key: options.idempotency_key,
        };
        self.operate(api_key, tenant_id, |op| {
            on_store!(self, options, |store| tenantry_core::create_api_key(
                op, store, call
            ))
        })
    }

    flow_calls! {
        /// Lists tenants, as `GET /v1/tenants`.
        list_tenants(query: &TenantQuery) -> Page<Tenant>;
        /// Reads a tenant with its `ETag`, as `GET /v1/tenants/{id}`.
        get_tenant(id: Uuid) -> Versioned;
        /// Deletes a tenant and everything of it, as `DELETE /v1/tenants/{id}`.
        delete_tenant(id: Uuid, if_match: Option<&str>) -> ();
        /// Lists a tenant's API keys, as `GET /v1/api-keys`.
        list_api_keys(query: &KeyQuery) -> Page<ApiKeyInfo>;
        /// Reads one API key, as `GET /v1/api-keys/{id}`.
        get_api_key(id: Uuid) -> ApiKeyInfo;
        /// Revokes an API key, as `DELETE /v1/api-keys/{id}`.
        revoke_api_key(id: Uuid) -> ();
        /// Lists the events the key sees, as `GET /v1/events`.
        list_events(query: &EventQuery) -> Page<EventInfo>;
        /// Reads one event with its delivery state, as `GET /v1/events/{id}`.
        get_event(id: Uuid) -> EventInfo;
        /// Schedules an event's delivery again, as `POST /v1/events/{id}/retry`; answers the event.
        retry_event(id: Uuid) -> EventInfo;
    }

    /// Answers an HTTP-shaped request without any HTTP: what the server does, in process.
    pub fn handle(&self, request: HttpRequest<'_>) -> HttpResponse {
        match inputs() {
            Ok((now, fresh)) => self.handle_at(request, now, fresh),
            Err(error) => HttpResponse::from_error(&error),
        }
    }

    /// As [`Tenantry::handle`], at a given time and with given random values: a test's clock
    /// (for example, to see an idempotency key expire after 24 hours).
    pub fn handle_at(
        &self,
        request: HttpRequest<'_>,
        now: tenantry_core::Timestamp,
        fresh: tenantry_core::Fresh,
    ) -> HttpResponse {
        pollster::block_on(tenantry_core::http::handle(
            &self.policies,
            &self.store,
            request,
            now,
            fresh,
            self.invite_ttl,
        ))
    }

    /// Runs `flow` as the caller `api_key` of `tenant_id`, now and with fresh random values: the
    /// opening every method of the in-process API shares. The flow blocks on its future itself,
    /// so that the operation it borrows (and the random values in it) outlive it.
    fn operate<T>(
        &self,
        api_key: &str,
        tenant_id: &str,
        flow: impl FnOnce(Operation<'_>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let (now, fresh) = inputs()?;
        flow(Operation {
            policies: &self.policies,
            credentials: Credentials {
                api_key: Some(api_key),
                tenant_id: Some(tenant_id),
            },
            now,
            fresh: &fresh,
        })
    }

    /// Creates the platform tenant and its first key; fails, changing nothing, if the database
    /// already has one.
    pub fn init(&self) -> Result<admin::Bootstrapped, NativeError> {
        let (bootstrapped, change) = admin::init()?;
        self.apply_admin_change(&change.change)?;
        Ok(bootstrapped)
    }

    /// Whether the database has a platform tenant yet.
    pub fn is_initialised(&self) -> Result<bool, NativeError> {
        Ok(self.store.exists(sql::HAS_MASTER, &[])?)
    }

    /// Applies an administrative change (a bootstrap, a new or a revoked key); if its check
    /// fails, nothing changes and the error says why.
    pub fn apply_admin_change(&self, change: &Change) -> Result<(), NativeError> {
        Ok(self.store.apply_change(change)??)
    }
}

/// The time and fresh random values of one call.
fn inputs() -> Result<(tenantry_core::Timestamp, tenantry_core::Fresh), ApiError> {
    Ok((
        system::now().map_err(internal)?,
        system::fresh().map_err(internal)?,
    ))
}

fn internal(error: NativeError) -> ApiError {
    ApiError::Internal(error.to_string())
}
