//! The tenant flows beyond create: list, read, update and delete, each in the contract's order
//! of checks over any [`TenantStore`].

use uuid::Uuid;

use crate::action::{Action, Ask, Context, Resource, TenantRef};
use crate::authz::Principal;
use crate::cursor::{ListKind, Page, PageRequest};
use crate::error::ApiError;
use crate::event::{EventType, NewEvent};
use crate::flow::{self, Operation, decide, internal};
use crate::model::Tenant;
use crate::store::{FoundTenant, StoreError, TenantDeletion, TenantStore, TenantUpdate};
use crate::update::{self, Patch, UpdateTenantRequest};

/// How often an update or delete without `If-Match` reads again when another write got in
/// between its read and its write (with `If-Match`, that is a 412 at once).
const WRITE_ATTEMPTS: usize = 5;

/// The query of `GET /v1/tenants`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantQuery {
    /// The page asked for.
    pub page: PageRequest,
    /// Only the tenant with this slug (case-insensitively), if any.
    pub slug: Option<String>,
}

/// A tenant with its `ETag`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned {
    /// The tenant.
    pub tenant: Tenant,
    /// Its entity tag, quotes included, for the `ETag` header and `If-Match`.
    pub etag: String,
}

impl Versioned {
    fn new(tenant: Tenant, version: i64) -> Self {
        Self {
            tenant,
            etag: format!("\"{version}\""),
        }
    }
}

/// The body of an update, as it arrived.
#[derive(Debug, Clone, Copy)]
pub enum UpdateBody<'a> {
    /// Raw bytes with their `Content-Type`, as over HTTP.
    Json {
        /// The `Content-Type` header, if any.
        content_type: Option<&'a str>,
        /// The body bytes.
        bytes: &'a [u8],
    },
    /// A typed request, as from the in-process API.
    Typed(&'a UpdateTenantRequest),
}

/// One update call: the body and `If-Match`.
#[derive(Debug, Clone, Copy)]
pub struct UpdateCall<'a> {
    /// The body.
    pub body: UpdateBody<'a>,
    /// The `If-Match` header: `*` or entity tags, one of which must be current.
    pub if_match: Option<&'a str>,
}

/// `GET /v1/tenants`: a page of tenants, oldest first. Platform keys only (policy).
pub async fn list_tenants<S: TenantStore + ?Sized>(
    op: Operation<'_>,
    store: &S,
    query: &TenantQuery,
) -> Result<Page<Tenant>, ApiError> {
    let principal = flow::caller(store, op.credentials).await?;
    let (limit, after) = query.page.check(ListKind::Tenants)?;
    let decision = op.decision(&principal, Action::ListTenants, Resource::Platform);
    decide(op.policies, store, &decision, &Context::Empty).await?;
    let rows = store
        .tenants_after(after, limit + 1, query.slug.as_deref())
        .await
        .map_err(internal)?;
    Ok(Page::of(ListKind::Tenants, rows, limit))
}

/// `GET /v1/tenants/{id}`: the tenant with its `ETag`.
pub async fn get_tenant<S: TenantStore + ?Sized>(
    op: Operation<'_>,
    store: &S,
    id: Uuid,
) -> Result<Versioned, ApiError> {
    let principal = flow::caller(store, op.credentials).await?;
    let found = visible(store, &principal, id, None).await?;
    let tenant = found.stored.tenant;
    let resource = Resource::Tenant(TenantRef::of(&tenant));
    let decision = op.decision(&principal, Action::ReadTenant, resource);
    decide(op.policies, store, &decision, &Context::Empty).await?;
    Ok(Versioned::new(tenant, found.stored.version))
}

/// `PUT /v1/tenants/{id}`: changes the fields given. Checks: the caller, the body, the tenant
/// (404), the new owner (400), policy on the values after the update (403), `If-Match` (412).
/// An update that changes nothing writes nothing and keeps `updated_at` and the `ETag`.
pub async fn update_tenant<S: TenantStore + ?Sized>(
    op: Operation<'_>,
    store: &S,
    call: UpdateCall<'_>,
    id: Uuid,
) -> Result<Versioned, ApiError> {
    let if_match = call.if_match;
    let principal = flow::caller(store, op.credentials).await?;
    let patch = match call.body {
        UpdateBody::Json {
            content_type,
            bytes,
        } => {
            flow::check_content_type(content_type)?;
            flow::check_size(bytes.len())?;
            update::parse(bytes)?
        }
        UpdateBody::Typed(request) => update::of_request(request)?,
    };
    for _ in 0..WRITE_ATTEMPTS {
        let found = visible(store, &principal, id, patch.owner_user_id).await?;
        let write = plan_update(op, store, &principal, &patch, &found, if_match);
        let (update, next) = match write.await? {
            Planned::Unchanged(same) => return Ok(same),
            Planned::Write(update, next) => (*update, next),
        };
        match store.update_tenant(&update).await {
            Ok(()) => return Ok(next),
            Err(StoreError::Stale) if if_match.is_some() => {
                return Err(ApiError::PreconditionFailed);
            }
            Err(StoreError::Stale) => {}
            Err(other) => return Err(internal(other)),
        }
    }
    Err(busy())
}

/// What an update will write, decided from one read of the tenant.
enum Planned {
    Unchanged(Versioned),
    Write(Box<TenantUpdate>, Versioned),
}

/// One attempt of an update, split out so that the retry loop stays readable.
async fn plan_update<S: TenantStore + ?Sized>(
    op: Operation<'_>,
    store: &S,
    principal: &Principal,
    patch: &Patch,
    found: &FoundTenant,
    if_match: Option<&str>,
) -> Result<Planned, ApiError> {
    let current = &found.stored.tenant;
    if patch.owner_user_id.is_some() && !found.has_user {
        return Err(owner_not_a_user());
    }
    let next = patch.apply(current);
    let resource = Resource::Tenant(TenantRef::of(current));
    let decision = op.decision(principal, Action::UpdateTenant, resource);
    let permit = decide(
        op.policies,
        store,
        &decision,
        &Context::Tenant(Ask::of_tenant(&next)),
    )
    .await?;
    check_if_match(if_match, found.stored.version)?;
    if next == *current {
        return Ok(Planned::Unchanged(Versioned::new(
            next,
            found.stored.version,
        )));
    }
    let now = op.now;
    let next = Tenant {
        updated_at: now,
        ..next
    };
    let audit = decision.audit("allow", permit.policies);
    let update = TenantUpdate {
        event: NewEvent::of_tenant(audit.id, EventType::TenantUpdated, &next, now),
        tenant: next.clone(),
        read_version: found.stored.version,
        audit,
    };
    Ok(Planned::Write(
        Box::new(update),
        Versioned::new(next, found.stored.version + 1),
    ))
}

/// `DELETE /v1/tenants/{id}`: the tenant and everything of it, in one write. Checks: the
/// caller, the tenant (404), policy (403), the platform tenant (409, code), `If-Match` (412).
pub async fn delete_tenant<S: TenantStore + ?Sized>(
    op: Operation<'_>,
    store: &S,
    id: Uuid,
    if_match: Option<&str>,
) -> Result<(), ApiError> {
    let principal = flow::caller(store, op.credentials).await?;
    for _ in 0..WRITE_ATTEMPTS {
        let found = visible(store, &principal, id, None).await?;
        let tenant = &found.stored.tenant;
        let resource = Resource::Tenant(TenantRef::of(tenant));
        let decision = op.decision(&principal, Action::DeleteTenant, resource);
        let permit = decide(op.policies, store, &decision, &Context::Empty).await?;
        // Code, not policy: without its platform tenant nobody could administer anything.
        if tenant.is_master {
            return Err(
                flow::refuse(store, &decision, "master_tenant", ApiError::MasterTenant).await,
            );
        }
        check_if_match(if_match, found.stored.version)?;
        let audit = decision.audit("allow", permit.policies);
        let deletion = TenantDeletion {
            tenant_id: id,
            read_version: found.stored.version,
            event: NewEvent::of_tenant(audit.id, EventType::TenantDeleted, tenant, op.now),
            audit,
        };
        match store.delete_tenant(&deletion).await {
            Ok(()) => return Ok(()),
            Err(StoreError::Stale) if if_match.is_some() => {
                return Err(ApiError::PreconditionFailed);
            }
            Err(StoreError::Stale) => {}
            Err(other) => return Err(internal(other)),
        }
    }
    Err(busy())
}

/// The tenant, if the caller may see it; otherwise the same 404 as an id that does not exist.
pub(crate) async fn visible<S: TenantStore + ?Sized>(
    store: &S,
    principal: &Principal,
    id: Uuid,
    user: Option<Uuid>,
) -> Result<FoundTenant, ApiError> {
    if !principal.sees(id) {
        return Err(ApiError::UnknownTenant);
    }
    store
        .tenant(id, user)
        .await
        .map_err(internal)?
        .ok_or(ApiError::UnknownTenant)
}

/// `If-Match`: `*` or a list of entity tags, one of which must be the current one. Strong
/// comparison, as RFC 9110 asks for `If-Match`: a weak tag (`W/"3"`) never matches.
fn check_if_match(if_match: Option<&str>, version: i64) -> Result<(), ApiError> {
    let Some(header) = if_match else {
        return Ok(());
    };
    let current = format!("\"{version}\"");
    let matches = header
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag == current);
    if matches {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed)
    }
}

fn owner_not_a_user() -> ApiError {
    let mut problems = crate::validate::Problems::default();
    problems.add("owner_user_id", "must be the id of a user of this tenant");
    problems.into_error()
}

/// Other writes kept getting in between this one's read and write.
fn busy() -> ApiError {
    ApiError::Internal(format!(
        "the tenant changed under {WRITE_ATTEMPTS} attempts in a row to write it"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_takes_star_or_the_current_tag_and_only_strongly() {
        assert!(check_if_match(None, 3).is_ok());
        assert!(check_if_match(Some("*"), 3).is_ok());
        assert!(check_if_match(Some("\"2\", \"3\""), 3).is_ok());
        assert_eq!(
            check_if_match(Some("\"2\""), 3),
            Err(ApiError::PreconditionFailed)
        );
        assert!(check_if_match(Some("W/\"3\""), 3).is_err());
    }
}
