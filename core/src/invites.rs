//! Invites after the create: sending a new one, and accepting one. Accepting needs no API key:
//! the token is the credential. Its checks in the contract's order: the body, the token (404 for
//! unknown and malformed alike), used (409), expired (410); then one atomic write that only one
//! of racing accepts wins.

use serde::Serialize;
use serde_json::Value;
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::action::{Action, Ask, Context, Resource, TenantRef};
use crate::api_key::hash_secret;
use crate::error::ApiError;
use crate::event::{EventType, NewEvent};
use crate::flow::{self, InviteTtl, Operation, decide, internal};
use crate::model::{Fresh, Timestamp};
use crate::store::{
    AuditRecord, InviteAcceptance, InviteRenewal, OwnerUser, StoreError, TenantStore,
};
use crate::tenants::visible;
use crate::validate::{self, UNKNOWN_FIELD};

/// The audit action of an acceptance (not a Cedar action: no key asks, the token is the
/// credential).
const ACCEPT_ACTION: &str = "accept_invite";
/// The one field of `POST /v1/invites/accept`.
pub(crate) const TOKEN_FIELD: &str = "token";
/// The length of a token: 32 random bytes in lowercase hex.
const TOKEN_CHARS: usize = 64;

/// The answer of `POST /v1/invites/accept`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Accepted {
    /// The tenant joined.
    pub tenant_id: Uuid,
    /// The user, now `active`.
    pub user_id: Uuid,
    /// The user's address.
    pub email: String,
}

/// A new invite sent: when it expires, and its token for whoever sends the mail.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct Resent {
    /// When the new invite stops working.
    pub expires_at: Timestamp,
    /// The new token in hex; only its hash was stored. Not part of the HTTP answer: the
    /// `invite.created` delivery carries it.
    #[serde(skip)]
    pub invite_token: String,
}

/// Written by hand so that the invite token never reaches a log.
impl std::fmt::Debug for Resent {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Resent")
            .field("expires_at", &self.expires_at)
            .field("invite_token", &"<redacted>")
            .finish()
    }
}

/// `POST /v1/tenants/{id}/invite`: a new invite for an owner still `invited`, valid for `ttl`;
/// the old tokens stop working. Checks: the caller, the tenant (404), policy as an update of the tenant (403),
/// an owner (409 `no_owner`) still invited (409 `owner_active`).
pub async fn resend_invite<S: TenantStore + ?Sized>(
    op: Operation<'_>,
    store: &S,
    id: Uuid,
    ttl: InviteTtl,
) -> Result<Resent, ApiError> {
    let principal = flow::caller(store, op.credentials).await?;
    let tenant = visible(store, &principal, id, None).await?.stored.tenant;
    let resource = Resource::Tenant(TenantRef::of(&tenant));
    let decision = op.decision(&principal, Action::UpdateTenant, resource);
    let ask = Context::Tenant(Ask::of_tenant(&tenant));
    let permit = decide(op.policies, store, &decision, &ask).await?;
    let owner_id = tenant.owner_user_id.ok_or(ApiError::NoOwner)?;
    let owner = store
        .owner(owner_id)
        .await
        .map_err(internal)?
        .ok_or(ApiError::NoOwner)?;
    if !owner.invited {
        return Err(ApiError::OwnerActive);
    }
    let user = OwnerUser {
        id: owner.id,
        tenant_id: tenant.id,
        email: owner.email,
        name: owner.name,
        created_at: op.now,
    };
    let (invite, token) = flow::new_invite(&user, op.fresh, op.now, ttl);
    let renewal = InviteRenewal {
        event: NewEvent::of_invite(&tenant, &user, &invite, token.clone()),
        audit: AuditRecord {
            resource_id: Some(tenant.id),
            ..decision.audit("allow", permit.policies)
        },
        invite,
    };
    match store.renew_invite(&renewal).await {
        Ok(()) => Ok(Resent {
            expires_at: renewal.invite.expires_at,
            invite_token: token,
        }),
        // The owner accepted between the read and the write.
        Err(StoreError::Stale) => Err(ApiError::OwnerActive),
        Err(other) => Err(internal(other)),
    }
}

/// `POST /v1/invites/accept` with `{"token": "..."}`.
pub async fn accept_invite<S: TenantStore + ?Sized>(
    store: &S,
    content_type: Option<&str>,
    bytes: &[u8],
    now: Timestamp,
    fresh: &Fresh,
) -> Result<Accepted, ApiError> {
    flow::check_content_type(content_type)?;
    flow::check_size(bytes.len())?;
    let token = parse(bytes)?;
    let well_formed = token.len() == TOKEN_CHARS
        && token
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !well_formed {
        return Err(ApiError::UnknownInvite);
    }
    let hash = hash_secret(&token);
    let invite = store
        .invite(&hash)
        .await
        .map_err(internal)?
        // Found by its hash through the index, then compared in constant time, as the contract
        // asks: the answer never depends on how much of a hash matched.
        .filter(|found| bool::from(found.token_hash.as_bytes().ct_eq(hash.as_bytes())))
        .ok_or(ApiError::UnknownInvite)?;
    if invite.used {
        return Err(ApiError::InviteUsed);
    }
    if now >= invite.expires_at {
        return Err(ApiError::InviteExpired);
    }
    let accepted = Accepted {
        tenant_id: invite.tenant_id,
        user_id: invite.user_id,
        email: invite.email.clone(),
    };
    let audit = AuditRecord {
        id: fresh.audit_id,
        at: now,
        // No key asked: the nil id says so, and the tenant is the invite's.
        actor_key_id: Uuid::nil(),
        actor_tenant_id: invite.tenant_id,
        action: ACCEPT_ACTION,
        resource_id: Some(invite.tenant_id),
        decision: "allow",
        policies: vec!["invite-token".to_owned()],
    };
    let acceptance = InviteAcceptance {
        invite_id: invite.id,
        user_id: invite.user_id,
        at: now,
        event: NewEvent {
            id: audit.id,
            kind: EventType::InviteAccepted,
            tenant_id: invite.tenant_id,
            created_at: now,
            data: serde_json::to_value(&accepted).unwrap_or(Value::Null),
            invite_token: None,
        },
        audit,
    };
    match store.accept_invite(&acceptance).await {
        Ok(()) => Ok(accepted),
        // Another accept of the same token won the race.
        Err(StoreError::Stale) => Err(ApiError::InviteUsed),
        Err(other) => Err(internal(other)),
    }
}

/// The token of a body `{"token": "..."}`; every other field is refused.
fn parse(bytes: &[u8]) -> Result<String, ApiError> {
    let value = crate::json::from_slice(bytes).map_err(|e| ApiError::InvalidJson(e.to_string()))?;
    let (object, mut problems) =
        validate::body_object(&value, |key| (key != TOKEN_FIELD).then_some(UNKNOWN_FIELD))?;
    let token = problems.required_string(object, TOKEN_FIELD);
    match token {
        Some(token) if problems.fields.is_empty() => Ok(token.to_owned()),
        _ => Err(problems.into_error()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{Body, CreateCall, Credentials, create_tenant};
    use crate::{CreateTenantRequest, FRESH_RANDOM_BYTES, MemoryStore, Policies, admin};

    /// The platform tenant and its key in `store`: (tenant id, key).
    fn bootstrap(store: &MemoryStore, now: Timestamp) -> (Uuid, String) {
        let boot = admin::bootstrap(now, [7; admin::BOOTSTRAP_RANDOM_BYTES]);
        store.add_bootstrap(&boot).unwrap_or_else(|e| panic!("{e}"));
        (boot.master.id, boot.key.plaintext)
    }

    fn fresh(seed: u8) -> Fresh {
        Fresh::from_random_bytes([seed; FRESH_RANDOM_BYTES])
    }

    #[test]
    fn a_token_is_a_required_string_as_any_field_is() {
        for (body, message) in [
            ("{}", "is required"),
            (r#"{"token":null}"#, "is required"),
            (r#"{"token":7}"#, "must be a string"),
        ] {
            let Err(ApiError::InvalidFields { fields, .. }) = parse(body.as_bytes()) else {
                panic!("{body} accepted")
            };
            assert_eq!(fields["token"], message, "{body}");
        }
        assert_eq!(parse(br#"{"token":"abc"}"#).ok().as_deref(), Some("abc"));
    }

    #[test]
    fn a_token_works_once_and_not_after_it_expires() {
        pollster::block_on(async {
            let policies = Policies::embedded().unwrap_or_else(|e| panic!("{e}"));
            let store = MemoryStore::new();
            let now = Timestamp::from_unix_seconds(1_700_000_000).unwrap_or_else(|| unreachable!());
            let boot = bootstrap(&store, now);
            let request = CreateTenantRequest {
                name: "Invited".into(),
                owner_email: "o@inv.test".into(),
                owner_name: "O".into(),
                ..Default::default()
            };
            let op = Operation {
                policies: &policies,
                credentials: Credentials {
                    api_key: Some(&boot.1),
                    tenant_id: Some(&boot.0.to_string()),
                },
                now,
                fresh: &fresh(1),
            };
            let call = CreateCall {
                body: Body::Typed(&request),
                idempotency_key: None,
                invite_ttl: InviteTtl::default(),
            };
            let created = create_tenant(op, &store, call)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let token = created.invite_token.clone().unwrap_or_default();
            let body = |token: &str| format!("{{\"token\":\"{token}\"}}").into_bytes();
            let accept = |token: String, at: Timestamp| {
                let store = &store;
                async move {
                    accept_invite(
                        store,
                        Some("application/json"),
                        &body(&token),
                        at,
                        &fresh(2),
                    )
                    .await
                }
            };
            let late = now.plus_seconds(InviteTtl::default().seconds());
            assert_eq!(
                accept(token.clone(), late).await,
                Err(ApiError::InviteExpired)
            );
            assert_eq!(
                accept("0".repeat(64), now).await,
                Err(ApiError::UnknownInvite)
            );
            assert_eq!(accept("zz".into(), now).await, Err(ApiError::UnknownInvite));
            let accepted = accept(token.clone(), now)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(accepted.tenant_id, created.tenant.id);
            assert_eq!(accept(token, now).await, Err(ApiError::InviteUsed));
        });
    }
}
