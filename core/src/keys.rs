//! The API key flows: issue, list, read and revoke, each in the contract's order of checks over
//! any [`TenantStore`]. A key issues only scopes it holds itself: code, not policy.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::action::{Action, Context, Resource, TenantRef};
use crate::api_key::IssuedKey;
use crate::authz::Principal;
use crate::cursor::{ListKind, Page, PageRequest};
use crate::error::ApiError;
use crate::event::{EventType, NewEvent};
use crate::flow::{self, Operation, decide, internal};
use crate::http::API_KEYS_PATH;
use crate::idempotency::{self, Begun, Held};
use crate::model::parse_hyphenated_uuid;
use crate::scope::Scope;
use crate::store::{
    ApiKeyInfo, KeyIssue, KeyRevocation, NewApiKey, StoreError, StoredAnswer, TenantStore,
};
use crate::tenants::visible;
use crate::validate::{self, MAX_NAME_CHARS, Problems, UNKNOWN_FIELD, plain_text};

/// The fields of `POST /v1/api-keys`.
pub(crate) const KEY_FIELDS: &[&str] = &["name", "scopes", "tenant_id"];

/// The body of `POST /v1/api-keys`, as a caller of the in-process API writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateApiKeyRequest {
    /// 1 to 100 characters.
    pub name: String,
    /// Known scopes, each once, at least one; only scopes the calling key holds.
    pub scopes: Vec<String>,
    /// The tenant that will own the key; the caller's own when `None`.
    pub tenant_id: Option<Uuid>,
}

/// The body of a key create, as it arrived.
#[derive(Debug, Clone, Copy)]
pub enum KeyBody<'a> {
    /// Raw bytes with their `Content-Type`, as over HTTP.
    Json {
        /// The `Content-Type` header, if any.
        content_type: Option<&'a str>,
        /// The body bytes.
        bytes: &'a [u8],
    },
    /// A typed request, as from the in-process API.
    Typed(&'a CreateApiKeyRequest),
}

impl KeyBody<'_> {
    /// The body as JSON bytes, for the request's idempotency fingerprint.
    fn json_bytes(&self) -> Vec<u8> {
        match self {
            Self::Json { bytes, .. } => bytes.to_vec(),
            Self::Typed(request) => serde_json::json!({
                "name": request.name,
                "scopes": request.scopes,
                "tenant_id": request.tenant_id,
            })
            .to_string()
            .into_bytes(),
        }
    }
}

/// One key create call: the body, and the idempotency key, if any.
#[derive(Debug, Clone, Copy)]
pub struct KeyCall<'a> {
    /// The body.
    pub body: KeyBody<'a>,
    /// The `Idempotency-Key` header: a retry with the same key and body answers the first
    /// answer again (with `api_key` null) and issues nothing.
    pub idempotency_key: Option<&'a str>,
}

/// A key just issued: the key object and, this once, its secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedKey {
    /// The key as lists show it.
    #[serde(flatten)]
    pub key: ApiKeyInfo,
    /// The full key, shown this once; `None` (JSON `null`) on the replay of an idempotent
    /// retry, since the secret is never stored.
    pub api_key: Option<String>,
}

/// Written by hand so that the key's secret never reaches a log.
impl fmt::Debug for CreatedKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("CreatedKey")
            .field("key", &self.key)
            .field("api_key", &"<redacted>")
            .finish()
    }
}

/// The query of `GET /v1/api-keys`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyQuery {
    /// The page asked for.
    pub page: PageRequest,
    /// Whose keys; the caller's tenant when `None`.
    pub tenant_id: Option<Uuid>,
}

/// `POST /v1/api-keys`. Checks: the caller, the idempotency key (a retry answers again), the
/// body, the tenant (404 unless the caller sees it), policy (403), no escalation (403 with
/// `details.missing_scopes`).
pub async fn create_api_key<S: TenantStore + ?Sized>(
    op: Operation<'_>,
    store: &S,
    call: KeyCall<'_>,
) -> Result<CreatedKey, ApiError> {
    let principal = flow::caller(store, op.credentials).await?;
    let once = idempotency::Request {
        key: call.idempotency_key,
        fingerprint: &|| idempotency::fingerprint("POST", API_KEYS_PATH, &call.body.json_bytes()),
        claim_id: op.fresh.audit_id,
        now: op.now,
    };
    match idempotency::begin(store, &principal, once).await? {
        Begun::Replay(answer) => idempotency::replayed(&answer),
        Begun::Run(held) => {
            let result = issue_held(op, store, &principal, call.body, held.as_ref()).await;
            idempotency::settle(store, held, result).await
        }
    }
}

/// The issue itself, once any idempotency key is held; its answer goes into its write.
async fn issue_held<S: TenantStore + ?Sized>(
    op: Operation<'_>,
    store: &S,
    principal: &Principal,
    body: KeyBody<'_>,
    held: Option<&Held>,
) -> Result<CreatedKey, ApiError> {
    let ValidKey {
        name,
        scopes,
        tenant_id,
    } = match body {
        KeyBody::Json {
            content_type,
            bytes,
        } => {
            flow::check_content_type(content_type)?;
            flow::check_size(bytes.len())?;
            parse(bytes)?
        }
        KeyBody::Typed(request) => check(request, Problems::default())?,
    };
    let tenant_id = tenant_id.unwrap_or(principal.tenant_id);
    let target = target_tenant(store, principal, tenant_id).await?;
    let resource = Resource::Tenant(target.as_ref());
    let decision = op.decision(principal, Action::CreateApiKey, resource);
    let permit = decide(op.policies, store, &decision, &Context::Scopes(&scopes)).await?;
    let missing: Vec<String> = scopes
        .iter()
        .filter(|s| !principal.scopes.contains(s))
        .cloned()
        .collect();
    if !missing.is_empty() {
        let refusal = ApiError::MissingScopes { scopes: missing };
        return Err(flow::refuse(store, &decision, "no_escalation", refusal).await);
    }
    let now = op.now;
    let issued = IssuedKey::from_random_bytes(op.fresh.key_bytes());
    let key = NewApiKey::of(&issued, tenant_id, &name, scopes, now);
    let audit = crate::store::AuditRecord {
        resource_id: Some(tenant_id),
        ..decision.audit("allow", permit.policies)
    };
    // What a replay answers: the key object, never its secret.
    let replay = CreatedKey {
        key: key.info(),
        api_key: None,
    };
    let issue = KeyIssue {
        event: NewEvent::of_key(audit.id, EventType::ApiKeyCreated, &key.info(), now),
        audit,
        key,
        idempotency: held.map(|held| {
            let answer = StoredAnswer {
                status: 201,
                body: serde_json::to_string(&replay).unwrap_or_default(),
                location: Some(format!("{API_KEYS_PATH}/{}", replay.key.id)),
            };
            held.answer(answer, now)
        }),
    };
    match store.insert_api_key(&issue).await {
        Ok(()) => Ok(CreatedKey {
            api_key: Some(issued.plaintext),
            ..replay
        }),
        // The claim was taken over (its lease ran out while this request ran).
        Err(StoreError::Stale) if held.is_some() => Err(ApiError::IdempotencyInFlight),
        Err(other) => Err(internal(other)),
    }
}

/// `GET /v1/api-keys`: a page of one tenant's keys, revoked ones included, never a secret.
pub async fn list_api_keys<S: TenantStore + ?Sized>(
    op: Operation<'_>,
    store: &S,
    query: &KeyQuery,
) -> Result<Page<ApiKeyInfo>, ApiError> {
    let principal = flow::caller(store, op.credentials).await?;
    let (limit, after) = query.page.check(ListKind::ApiKeys)?;
    let tenant_id = query.tenant_id.unwrap_or(principal.tenant_id);
    let target = target_tenant(store, &principal, tenant_id).await?;
    let resource = Resource::Tenant(target.as_ref());
    let decision = op.decision(&principal, Action::ListApiKeys, resource);
    decide(op.policies, store, &decision, &Context::Empty).await?;
    let rows = store
        .api_keys_after(tenant_id, after, limit + 1)
        .await
        .map_err(internal)?;
    Ok(Page::of(ListKind::ApiKeys, rows, limit))
}

/// `GET /v1/api-keys/{id}`: one key, never its secret (the action is `list_api_keys`).
pub async fn get_api_key<S: TenantStore + ?Sized>(
    op: Operation<'_>,
    store: &S,
    id: Uuid,
) -> Result<ApiKeyInfo, ApiError> {
    let principal = flow::caller(store, op.credentials).await?;
    let (key, tenant) = visible_key(store, &principal, id).await?;
    let resource = Resource::Tenant(tenant.as_ref());
    let decision = op.decision(&principal, Action::ListApiKeys, resource);
    decide(op.policies, store, &decision, &Context::Empty).await?;
    Ok(key)
}

/// `DELETE /v1/api-keys/{id}`: revokes the key at once; a revoked key keeps its first time.
pub async fn revoke_api_key<S: TenantStore + ?Sized>(
    op: Operation<'_>,
    store: &S,
    id: Uuid,
) -> Result<(), ApiError> {
    let principal = flow::caller(store, op.credentials).await?;
    let (key, tenant) = visible_key(store, &principal, id).await?;
    let resource = Resource::Tenant(tenant.as_ref());
    let decision = op.decision(&principal, Action::RevokeApiKey, resource);
    let permit = decide(op.policies, store, &decision, &Context::Empty).await?;
    let now = op.now;
    let audit = decision.audit("allow", permit.policies);
    // Revoking a revoked key changes nothing, so it has no event.
    let event = key.revoked_at.is_none().then(|| {
        let revoked = ApiKeyInfo {
            revoked_at: Some(now),
            ..key
        };
        NewEvent::of_key(audit.id, EventType::ApiKeyRevoked, &revoked, now)
    });
    let revocation = KeyRevocation {
        key_id: id,
        at: now,
        audit,
        event,
    };
    store.revoke_api_key(&revocation).await.map_err(internal)
}

/// A tenant as a resource, owned.
struct Target {
    id: Uuid,
    is_master: bool,
    slug: String,
}

impl Target {
    fn as_ref(&self) -> TenantRef<'_> {
        TenantRef {
            id: self.id,
            is_master: self.is_master,
            slug: &self.slug,
        }
    }
}

/// The tenant whose keys an operation is about: the caller's own (known from its key, no read)
/// or, for a platform key, any that exists; otherwise the 404 of an unknown tenant.
async fn target_tenant<S: TenantStore + ?Sized>(
    store: &S,
    principal: &Principal,
    id: Uuid,
) -> Result<Target, ApiError> {
    if id == principal.tenant_id {
        let own = principal.tenant();
        return Ok(Target {
            id,
            is_master: own.is_master,
            slug: own.slug.to_owned(),
        });
    }
    let found = visible(store, principal, id, None).await?;
    let tenant = found.stored.tenant;
    Ok(Target {
        id,
        is_master: tenant.is_master,
        slug: tenant.slug,
    })
}

/// The key and its tenant, if the caller sees that tenant; otherwise the 404 of an unknown key.
async fn visible_key<S: TenantStore + ?Sized>(
    store: &S,
    principal: &Principal,
    id: Uuid,
) -> Result<(ApiKeyInfo, Target), ApiError> {
    let found = store
        .api_key_info(id)
        .await
        .map_err(internal)?
        .filter(|found| principal.sees(found.info.tenant_id))
        .ok_or(ApiError::UnknownApiKey)?;
    let target = Target {
        id: found.info.tenant_id,
        is_master: found.tenant_is_master,
        slug: found.tenant_slug,
    };
    Ok((found.info, target))
}

/// A key request that passed every rule.
struct ValidKey {
    /// Trimmed.
    name: String,
    scopes: Vec<String>,
    tenant_id: Option<Uuid>,
}

/// Parses and checks a JSON body: its problems of shape and of value, all at once.
fn parse(bytes: &[u8]) -> Result<ValidKey, ApiError> {
    let value = crate::json::from_slice(bytes).map_err(|e| ApiError::InvalidJson(e.to_string()))?;
    let (object, mut problems) = validate::body_object(&value, |key| {
        (!KEY_FIELDS.contains(&key)).then_some(UNKNOWN_FIELD)
    })?;
    let name = problems
        .required_string(object, "name")
        .unwrap_or_default()
        .to_owned();
    let scopes = match object.get("scopes") {
        Some(Value::Array(items)) => {
            let texts: Vec<String> = items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect();
            if texts.len() != items.len() {
                problems.add("scopes", "must be a list of strings");
            }
            texts
        }
        None | Some(Value::Null) => {
            problems.add("scopes", "is required");
            Vec::new()
        }
        Some(_) => {
            problems.add("scopes", "must be a list of strings");
            Vec::new()
        }
    };
    let tenant_id = match object.get("tenant_id") {
        None | Some(Value::Null) => None,
        Some(given) => {
            let id = given.as_str().and_then(parse_hyphenated_uuid);
            if id.is_none() {
                problems.add("tenant_id", "must be a UUID");
            }
            id
        }
    };
    let request = CreateApiKeyRequest {
        name,
        scopes,
        tenant_id,
    };
    check(&request, problems)
}

/// The request checked, or every problem at once (with those `problems` found before).
fn check(request: &CreateApiKeyRequest, mut problems: Problems) -> Result<ValidKey, ApiError> {
    let name = if problems.fields.contains_key("name") {
        None
    } else {
        plain_text(&mut problems, "name", &request.name, MAX_NAME_CHARS)
    };
    if !problems.fields.contains_key("scopes") {
        check_scopes(&mut problems, &request.scopes);
    }
    match name {
        Some(name) if problems.fields.is_empty() => Ok(ValidKey {
            name,
            scopes: request.scopes.clone(),
            tenant_id: request.tenant_id,
        }),
        _ => Err(problems.into_error()),
    }
}

fn check_scopes(problems: &mut Problems, scopes: &[String]) {
    if scopes.is_empty() {
        problems.add("scopes", "must hold at least one scope");
    }
    for (at, scope) in scopes.iter().enumerate() {
        if let Err(unknown) = scope.parse::<Scope>() {
            problems.add("scopes", unknown.to_string());
        } else if scopes[..at].contains(scope) {
            problems.add(
                "scopes",
                format!("lists `{scope}` twice; list each scope once"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;

    #[test]
    fn a_key_body_reports_every_problem_at_once() {
        let Err(ApiError::InvalidFields { fields, .. }) =
            parse(br#"{"name":"","scopes":["tenants:read","tenants:read","x"],"tenant_id":"no","plan":1}"#)
        else {
            panic!("refused")
        };
        let names: Vec<&str> = fields.keys().map(String::as_str).collect();
        assert_eq!(names, ["name", "plan", "scopes", "tenant_id"]);
        assert!(parse(br#"{"name":"ci","scopes":[]}"#).is_err());
        assert!(parse(br#"{"name":"ci","scopes":["keys:read"]}"#).is_ok());
    }

    #[test]
    fn debug_never_shows_the_new_secret() {
        let now = Timestamp::from_unix_seconds(0).unwrap();
        let issued = IssuedKey::from_random_bytes([5; crate::KEY_RANDOM_BYTES]);
        let created = CreatedKey {
            key: NewApiKey::of(&issued, Uuid::nil(), "ci", Vec::new(), now).info(),
            api_key: Some(issued.plaintext.clone()),
        };
        assert!(!format!("{created:?}").contains(&issued.plaintext));
    }
}
