//! The event flows: list and read the outbox, each in the contract's order of checks over any
//! [`TenantStore`]. Platform keys see every event, a customer tenant's key its own tenant's.

use uuid::Uuid;

use crate::action::{Action, Context, Resource};
use crate::authz::Principal;
use crate::cursor::{ListKind, Page, PageRequest};
use crate::error::ApiError;
use crate::event::{EventInfo, EventType};
use crate::flow::{self, Operation, decide, internal};
use crate::store::{AuditRecord, EventFilter, EventRetry, TenantStore};

/// The query of `GET /v1/events`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventQuery {
    /// The page asked for.
    pub page: PageRequest,
    /// Only events of this type, if any.
    pub kind: Option<EventType>,
}

/// `GET /v1/events`: a page of the events the caller sees, oldest first, with their delivery
/// state.
pub async fn list_events<S: TenantStore + ?Sized>(
    op: Operation<'_>,
    store: &S,
    query: &EventQuery,
) -> Result<Page<EventInfo>, ApiError> {
    let principal = flow::caller(store, op.credentials).await?;
    let (limit, after) = query.page.check(ListKind::Events)?;
    authorize_read(op, store, &principal).await?;
    let filter = EventFilter {
        // Code, not policy, as for tenants and keys: what a key may not see is not there.
        tenant_id: (!principal.tenant_is_master).then_some(principal.tenant_id),
        kind: query.kind,
    };
    let rows = store
        .events_after(after, limit + 1, filter)
        .await
        .map_err(internal)?;
    Ok(Page::of(ListKind::Events, rows, limit))
}

/// `GET /v1/events/{id}`: one event with its delivery state; one the caller does not see
/// answers the 404 of an unknown event.
pub async fn get_event<S: TenantStore + ?Sized>(
    op: Operation<'_>,
    store: &S,
    id: Uuid,
) -> Result<EventInfo, ApiError> {
    let principal = flow::caller(store, op.credentials).await?;
    let event = visible_event(store, &principal, id).await?;
    authorize_read(op, store, &principal).await?;
    Ok(event)
}

/// `POST /v1/events/{id}/retry`: schedules the event's delivery again, now, whether it failed,
/// is still pending or was delivered (a replay); its attempts are kept, so a retry of an event
/// past its schedule is one more attempt. Checks: the caller, the event (404 for one it does not
/// see), then policy (403: platform keys only, with `events:read`). Answers the event as it now
/// is, with an audit record written beside the change.
pub async fn retry_event<S: TenantStore + ?Sized>(
    op: Operation<'_>,
    store: &S,
    id: Uuid,
) -> Result<EventInfo, ApiError> {
    let principal = flow::caller(store, op.credentials).await?;
    let event = visible_event(store, &principal, id).await?;
    let resource = Resource::Tenant(principal.tenant());
    let decision = op.decision(&principal, Action::RetryEvent, resource);
    let permit = decide(op.policies, store, &decision, &Context::Empty).await?;
    let retry = EventRetry {
        id,
        at: op.now,
        audit: AuditRecord {
            // The record names the tenant the event is about.
            resource_id: Some(event.tenant_id),
            ..decision.audit("allow", permit.policies)
        },
    };
    store.retry_event(&retry).await.map_err(internal)?;
    visible_event(store, &principal, id).await
}

/// The event, if the caller sees it.
async fn visible_event<S: TenantStore + ?Sized>(
    store: &S,
    principal: &Principal,
    id: Uuid,
) -> Result<EventInfo, ApiError> {
    store
        .event(id)
        .await
        .map_err(internal)?
        .filter(|event| principal.sees(event.tenant_id))
        .ok_or(ApiError::UnknownEvent)
}

/// Asks the policies for `read_events`. The resource is the caller's own tenant, the stream it
/// reads: an event's tenant may be deleted, and what the caller sees of other tenants' events
/// is decided in code above, as for every other read.
async fn authorize_read<S: TenantStore + ?Sized>(
    op: Operation<'_>,
    store: &S,
    principal: &Principal,
) -> Result<(), ApiError> {
    let resource = Resource::Tenant(principal.tenant());
    let decision = op.decision(principal, Action::ReadEvents, resource);
    decide(op.policies, store, &decision, &Context::Empty)
        .await
        .map(|_| ())
}
