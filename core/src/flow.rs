//! The create-tenant flow, written once: authentication, the tenant header, the body, policy,
//! the slug, and the atomic write, over any [`TenantStore`]; and the steps every operation
//! starts with (the caller, the decision and its audit), which the other flows share.

use uuid::Uuid;

use crate::action::{Action, Ask, Context, Resource};
use crate::api_key::{self, PresentedKey, hash_secret};
use crate::authz::{Permit, Policies, Principal};
use crate::error::{ApiError, SlugConflict};
use crate::event::{EventType, NewEvent};
use crate::fields::CreateTenantRequest;
use crate::http::TENANTS_PATH;
use crate::idempotency::{self, Begun, Held};
use crate::model::parse_hyphenated_uuid;
use crate::model::{Fresh, Tenant, Timestamp};
use crate::slug;
use crate::store::{
    AuditRecord, CreateReads, Invite, NewTenantRecord, OwnerUser, StoreError, StoredAnswer,
    StoredApiKey, TenantStore,
};
use crate::validate::{self, MAX_BODY_BYTES, SlugChoice, ValidTenant};

/// How long an owner's invite stays valid unless the deployment says otherwise: 7 days.
const DEFAULT_INVITE_TTL_SECONDS: i64 = 7 * 24 * 60 * 60;
/// How many alternatives a 409 suggests.
pub(crate) const SUGGESTIONS: usize = 3;
/// How many plain variants a derived slug tries (`acme`, `acme-2` … `acme-10`) before random
/// suffixes: numbers read well, but racing creates would all pick the same next number.
const SEQUENTIAL_VARIANTS: u32 = 10;

/// The body of a create, as it arrived.
#[derive(Debug, Clone, Copy)]
pub enum Body<'a> {
    /// Raw bytes with their `Content-Type`, as over HTTP.
    Json {
        /// The `Content-Type` header, if any.
        content_type: Option<&'a str>,
        /// The body bytes.
        bytes: &'a [u8],
    },
    /// An already typed request, as from the in-process API.
    Typed(&'a CreateTenantRequest),
}

/// Who calls: the two headers every operation starts from.
#[derive(Clone, Copy)]
pub struct Credentials<'a> {
    /// The `X-API-Key` header.
    pub api_key: Option<&'a str>,
    /// The `X-Tenant-ID` header.
    pub tenant_id: Option<&'a str>,
}

/// Written by hand so that the key's secret never reaches a log.
impl std::fmt::Debug for Credentials<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Credentials")
            .field("api_key", &self.api_key.map(|_| "<redacted>"))
            .field("tenant_id", &self.tenant_id)
            .finish()
    }
}

/// What every operation but accepting an invite starts from: the policies that decide, who
/// calls, and the time and random values of any write it makes (and of its audit record). Each
/// shell builds one per request and hands it to the flow, with the flow's own inputs.
#[derive(Clone, Copy)]
pub struct Operation<'a> {
    /// The policies every decision goes to (through the one [`Policies::authorize`]).
    pub policies: &'a Policies,
    /// The caller.
    pub credentials: Credentials<'a>,
    /// The time of the request.
    pub now: Timestamp,
    /// The random values of any write and of its audit record.
    pub fresh: &'a Fresh,
}

/// Written by hand to leave the policies out (they are the deployment's, not the request's);
/// the key's secret and the invite token stay redacted, as their own `Debug` writes them.
impl std::fmt::Debug for Operation<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Operation")
            .field("credentials", &self.credentials)
            .field("now", &self.now)
            .field("fresh", self.fresh)
            .finish_non_exhaustive()
    }
}

impl Operation<'_> {
    /// The decision to ask for: `principal` doing `action` on `resource`, at this operation's
    /// time and under its audit id.
    pub(crate) fn decision<'d>(
        &self,
        principal: &'d Principal,
        action: Action,
        resource: Resource<'d>,
    ) -> Decision<'d> {
        Decision {
            principal,
            action,
            resource,
            now: self.now,
            audit_id: self.fresh.audit_id,
        }
    }
}

/// One create call: the body, the idempotency key if any, and how long the owner's invite will
/// stay valid.
#[derive(Debug, Clone, Copy)]
pub struct CreateCall<'a> {
    /// The body.
    pub body: Body<'a>,
    /// The `Idempotency-Key` header: a retry with the same key and body answers the first
    /// answer again and creates nothing.
    pub idempotency_key: Option<&'a str>,
    /// The new invite's lifetime.
    pub invite_ttl: InviteTtl,
}

/// How long a new invite stays valid: a setting of the deployment (`tenantry serve
/// --invite-ttl`), 7 days unless set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InviteTtl(i64);

impl Default for InviteTtl {
    fn default() -> Self {
        Self(DEFAULT_INVITE_TTL_SECONDS)
    }
}

impl InviteTtl {
    /// A lifetime of `seconds`; `None` unless positive.
    pub fn from_seconds(seconds: i64) -> Option<Self> {
        (seconds > 0).then_some(Self(seconds))
    }

    /// Reads a whole number with a unit, `s`, `m`, `h` or `d` (`2s`, `90m`, `7d`); `None` for
    /// anything else, zero included.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let unit = text.chars().last()?;
        let factor = match unit {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            _ => return None,
        };
        let number = &text[..text.len() - 1];
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Self::from_seconds(number.parse::<i64>().ok()?.checked_mul(factor)?)
    }

    /// The lifetime in seconds.
    pub fn seconds(self) -> i64 {
        self.0
    }
}

impl Body<'_> {
    /// The body as JSON bytes, for the request's idempotency fingerprint.
    fn json_bytes(&self) -> Vec<u8> {
        match self {
            Self::Json { bytes, .. } => bytes.to_vec(),
            Self::Typed(request) => serde_json::to_vec(request).unwrap_or_default(),
        }
    }
}

/// A created tenant, and the invite token for whoever sends the invite.
#[derive(Clone, PartialEq, Eq)]
pub struct Created {
    /// The tenant as the API returns it.
    pub tenant: Tenant,
    /// The invite's single-use token in hex; only its hash was stored. Hand it to a mailer.
    /// `None` on the replay of an idempotent retry: the token was never stored (the
    /// `invite.created` event of the first request carries it).
    pub invite_token: Option<String>,
    /// When the invite expires.
    pub invite_expires_at: Timestamp,
    /// Cedar's errors for policies that failed to evaluate in the decision, for the log.
    pub policy_errors: Vec<String>,
}

/// Written by hand so that the invite token never reaches a log.
impl std::fmt::Debug for Created {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Created")
            .field("tenant", &self.tenant)
            .field("invite_token", &"<redacted>")
            .field("invite_expires_at", &self.invite_expires_at)
            .field("policy_errors", &self.policy_errors)
            .finish()
    }
}

/// Creates a tenant: every check in the contract's order, then one atomic write. Two calls to
/// the store in the common case: [`TenantStore::create_reads`], then the write. With an
/// idempotency key, the key is claimed once the caller is known, and a retry is answered from it.
pub async fn create_tenant<S: TenantStore + ?Sized>(
    op: Operation<'_>,
    store: &S,
    call: CreateCall<'_>,
) -> Result<Created, ApiError> {
    let Operation {
        credentials,
        now,
        fresh,
        ..
    } = op;
    let presented = presented_key(credentials.api_key)?;
    // The body is read before the key is looked up, so that the slug's candidates go with the
    // key in one read; its errors still answer after the caller's, in the contract's order.
    let body = read_body(call.body);
    let candidates = body
        .as_ref()
        .map_or_else(|_| Vec::new(), |valid| slug_candidates(&valid.slug));
    let found = store
        .create_reads(&CreateReads {
            key_id: presented.key_id,
            slug_candidates: &candidates,
        })
        .await
        .map_err(internal)?;
    let principal = identify(&presented, found.key, credentials.tenant_id)?;
    let once = idempotency::Request {
        key: call.idempotency_key,
        fingerprint: &|| idempotency::fingerprint("POST", TENANTS_PATH, &call.body.json_bytes()),
        claim_id: fresh.audit_id,
        now,
    };
    match idempotency::begin(store, &principal, once).await? {
        Begun::Replay(answer) => {
            let tenant: Tenant = idempotency::replayed(&answer)?;
            Ok(Created {
                invite_token: None,
                invite_expires_at: tenant.created_at.plus_seconds(call.invite_ttl.seconds()),
                policy_errors: Vec::new(),
                tenant,
            })
        }
        Begun::Run(held) => {
            let read = Read {
                principal,
                body,
                candidates,
                used: folded(found.slugs_in_use),
                invite_ttl: call.invite_ttl,
            };
            let result = create_held(op, store, read, held.as_ref()).await;
            idempotency::settle(store, held, result).await
        }
    }
}

/// What a create has read and checked before its decision.
struct Read {
    principal: Principal,
    body: Result<ValidTenant, ApiError>,
    /// The slugs the read asked about, and those of them in use (folded).
    candidates: Vec<String>,
    used: Vec<String>,
    invite_ttl: InviteTtl,
}

/// The create itself, once any idempotency key is held; its answer goes into its write.
async fn create_held<S: TenantStore + ?Sized>(
    op: Operation<'_>,
    store: &S,
    read: Read,
    held: Option<&Held>,
) -> Result<Created, ApiError> {
    let Operation {
        policies,
        now,
        fresh,
        ..
    } = op;
    let valid = read.body?;
    let decision = op.decision(&read.principal, Action::CreateTenant, Resource::Platform);
    let permit = decide(
        policies,
        store,
        &decision,
        &Context::Tenant(Ask::of(&valid)),
    )
    .await?;
    // A derived slug that is taken after all (a racing create got it first) is retried with
    // the next random suffix; a given one answers 409. The unique index decides: the read
    // above only steers the choice.
    let mut suffixes = fresh.slug_suffixes.iter();
    let mut slug = choose_slug(
        store,
        &valid.slug,
        read.candidates,
        &read.used,
        &mut suffixes,
    )
    .await?;
    loop {
        let mut record =
            new_tenant_record(&valid, &slug, &decision, &permit, fresh, read.invite_ttl);
        record.idempotency = held.map(|held| held.answer(created_answer(&record.tenant), now));
        match store.insert_tenant(&record).await {
            Ok(()) => {
                return Ok(Created {
                    tenant: record.tenant,
                    invite_token: Some(api_key::hex(&fresh.invite_token)),
                    invite_expires_at: record.invite.expires_at,
                    policy_errors: permit.errors,
                });
            }
            Err(StoreError::SlugTaken) => match (&valid.slug, suffixes.next()) {
                (SlugChoice::Derived(base), Some(suffix)) => {
                    slug = slug::random_variant(base, suffix);
                }
                (SlugChoice::Given(asked) | SlugChoice::Derived(asked), _) => {
                    return Err(slug_taken(store, asked, SlugConflict::InUse).await);
                }
            },
            // The claim was taken over (its lease ran out while this request ran): the other
            // request answers for the key now.
            Err(StoreError::Stale) if held.is_some() => return Err(ApiError::IdempotencyInFlight),
            Err(other) => return Err(internal(other)),
        }
    }
}

/// The body of a create, checked and validated.
fn read_body(body: Body<'_>) -> Result<ValidTenant, ApiError> {
    match body {
        Body::Json {
            content_type,
            bytes,
        } => {
            check_content_type(content_type)?;
            check_size(bytes.len())?;
            validate::parse_and_validate(bytes)
        }
        Body::Typed(request) => validate::validate(request),
    }
}

/// Authenticates the caller and checks its tenant header: the first two checks of every
/// operation, in the contract's order.
pub(crate) async fn caller<S: TenantStore + ?Sized>(
    store: &S,
    credentials: Credentials<'_>,
) -> Result<Principal, ApiError> {
    let presented = presented_key(credentials.api_key)?;
    let stored = store.api_key(presented.key_id).await.map_err(internal)?;
    identify(&presented, stored, credentials.tenant_id)
}

/// A decision to ask the policies for, with what its audit record needs.
pub(crate) struct Decision<'a> {
    pub(crate) principal: &'a Principal,
    pub(crate) action: Action,
    pub(crate) resource: Resource<'a>,
    pub(crate) now: Timestamp,
    pub(crate) audit_id: Uuid,
}

impl Decision<'_> {
    /// The audit record of this decision.
    pub(crate) fn audit(&self, decision: &'static str, policies: Vec<String>) -> AuditRecord {
        AuditRecord {
            id: self.audit_id,
            at: self.now,
            actor_key_id: self.principal.key_id,
            actor_tenant_id: self.principal.tenant_id,
            action: self.action.name(),
            resource_id: match self.resource {
                Resource::Platform => None,
                Resource::Tenant(tenant) => Some(tenant.id),
            },
            decision,
            policies,
        }
    }
}

/// Asks the policies (through the one [`Policies::authorize`]); a denial is audited before it
/// is answered, so that refused attempts leave a trace as changes do.
pub(crate) async fn decide<S: TenantStore + ?Sized>(
    policies: &Policies,
    store: &S,
    decision: &Decision<'_>,
    context: &Context<'_>,
) -> Result<Permit, ApiError> {
    let result = policies.authorize(
        decision.principal,
        decision.action,
        decision.resource,
        context,
    );
    if let Err(ApiError::Forbidden { policies, .. }) = &result {
        store
            .audit_denial(&decision.audit("deny", policies.clone()))
            .await
            .map_err(internal)?;
    }
    result
}

/// A refusal by a rule in code (not policy), audited as a denial with the rule's name where a
/// Cedar denial has its policies' ids; answers the refusal, or 500 if the audit cannot be written.
pub(crate) async fn refuse<S: TenantStore + ?Sized>(
    store: &S,
    decision: &Decision<'_>,
    rule: &str,
    refusal: ApiError,
) -> ApiError {
    match store
        .audit_denial(&decision.audit("deny", vec![format!("code:{rule}")]))
        .await
    {
        Ok(()) => refusal,
        Err(error) => internal(error),
    }
}

/// A store failure as the caller sees it: 500, the detail for the log.
pub(crate) fn internal(error: StoreError) -> ApiError {
    ApiError::Internal(error.to_string())
}

/// The key in the `X-API-Key` header; a missing or malformed one is
/// [`ApiError::Unauthenticated`] before anything is read.
fn presented_key(header: Option<&str>) -> Result<PresentedKey<'_>, ApiError> {
    header
        .and_then(api_key::parse)
        .ok_or(ApiError::Unauthenticated)
}

/// The caller, from the key it presented and the key stored under that id, and its tenant
/// header checked. Unknown, revoked and wrong-secret keys all end in the same
/// [`ApiError::Unauthenticated`], after the same hashing work.
fn identify(
    presented: &PresentedKey<'_>,
    stored: Option<StoredApiKey>,
    tenant_header: Option<&str>,
) -> Result<Principal, ApiError> {
    let Some(stored) = stored else {
        // Hash anyway, so an unknown id takes as long as a wrong secret.
        std::hint::black_box(hash_secret(presented.secret));
        return Err(ApiError::Unauthenticated);
    };
    if !api_key::secret_matches(presented.secret, &stored.secret_hash) || stored.revoked {
        return Err(ApiError::Unauthenticated);
    }
    let principal = Principal {
        key_id: stored.key_id,
        tenant_id: stored.tenant_id,
        tenant_is_master: stored.tenant_is_master,
        tenant_slug: stored.tenant_slug,
        scopes: stored.scopes,
    };
    check_tenant_header(&principal, tenant_header)?;
    Ok(principal)
}

/// The tenant-header check, in code so that no policy can switch it off.
fn check_tenant_header(principal: &Principal, header: Option<&str>) -> Result<(), ApiError> {
    const HEADER: &str = "X-Tenant-ID";
    let text = header.ok_or(ApiError::InvalidHeader {
        header: HEADER,
        problem: "is required",
    })?;
    let id = parse_hyphenated_uuid(text).ok_or(ApiError::InvalidHeader {
        header: HEADER,
        problem: "must be a UUID such as `2489e9ad-2ee2-8e00-8ec9-32d5f69181c0`",
    })?;
    if id == principal.tenant_id {
        Ok(())
    } else {
        Err(ApiError::TenantMismatch)
    }
}

/// Accepts `application/json`, with parameters such as `charset`, in any letter case.
pub(crate) fn check_content_type(content_type: Option<&str>) -> Result<(), ApiError> {
    let media_type = content_type
        .and_then(|value| value.split(';').next())
        .map(str::trim)
        .unwrap_or_default();
    if media_type.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType)
    }
}

/// Refuses bodies over [`MAX_BODY_BYTES`].
pub(crate) fn check_size(len: usize) -> Result<(), ApiError> {
    if len > MAX_BODY_BYTES {
        Err(ApiError::PayloadTooLarge {
            limit: MAX_BODY_BYTES,
        })
    } else {
        Ok(())
    }
}

/// The slugs a create asks about with its key: a given slug and the variants its 409 would
/// suggest (so that a taken or reserved slug is answered from the same read); a derived slug and
/// its [`SEQUENTIAL_VARIANTS`] plain variants, reserved ones left out.
fn slug_candidates(choice: &SlugChoice) -> Vec<String> {
    match choice {
        SlugChoice::Given(given) => {
            let mut candidates = vec![given.clone()];
            candidates.extend(suggestion_candidates(given));
            candidates
        }
        SlugChoice::Derived(base) => {
            let mut candidates = vec![base.clone()];
            candidates.extend(slug::variants(base, 2, SEQUENTIAL_VARIANTS - 1));
            candidates.retain(|c| !slug::is_reserved(c));
            candidates
        }
    }
}

/// The slug to write, from `candidates` (see [`slug_candidates`]) and those of them `used`: a
/// given one if free and not reserved; for a derived one, the first free plain variant, or else
/// one with the next random suffix.
async fn choose_slug<S: TenantStore + ?Sized>(
    store: &S,
    choice: &SlugChoice,
    candidates: Vec<String>,
    used: &[String],
    suffixes: &mut std::slice::Iter<'_, [u8; slug::RANDOM_SUFFIX_BYTES]>,
) -> Result<String, ApiError> {
    match choice {
        SlugChoice::Given(given) => {
            let reason = if slug::is_reserved(given) {
                SlugConflict::Reserved
            } else if used.contains(given) {
                SlugConflict::InUse
            } else {
                return Ok(given.clone());
            };
            Err(conflict(given, reason, used))
        }
        SlugChoice::Derived(base) => {
            if let Some(free) = candidates.into_iter().find(|c| !used.contains(c)) {
                return Ok(free);
            }
            match suffixes.next() {
                Some(suffix) => Ok(slug::random_variant(base, suffix)),
                None => Err(slug_taken(store, base, SlugConflict::InUse).await),
            }
        }
    }
}

/// The variants of a slug a 409 may suggest.
fn suggestion_candidates(slug: &str) -> Vec<String> {
    slug::variants(slug, 2, 12)
}

/// The 409 for a slug, with up to [`SUGGESTIONS`] of its variants not among `used`.
fn conflict(slug: &str, reason: SlugConflict, used: &[String]) -> ApiError {
    let suggestions = suggestion_candidates(slug)
        .into_iter()
        .filter(|c| !used.contains(c))
        .take(SUGGESTIONS)
        .collect();
    ApiError::SlugTaken {
        slug: slug.to_owned(),
        reason,
        suggestions,
    }
}

/// The 409 for a slug found taken only at the write, its suggestions read afresh (none if the
/// store fails): the rare path, which pays one more read.
async fn slug_taken<S: TenantStore + ?Sized>(
    store: &S,
    slug: &str,
    reason: SlugConflict,
) -> ApiError {
    let used = store
        .slugs_in_use(&suggestion_candidates(slug))
        .await
        .map(folded)
        .unwrap_or_default();
    conflict(slug, reason, &used)
}

/// Slugs as a store found them, folded to compare with candidates.
fn folded(slugs: Vec<String>) -> Vec<String> {
    slugs.into_iter().map(|s| slug::fold(&s)).collect()
}

/// The rows of one create.
fn new_tenant_record(
    valid: &ValidTenant,
    slug: &str,
    decision: &Decision<'_>,
    permit: &Permit,
    fresh: &Fresh,
    ttl: InviteTtl,
) -> NewTenantRecord {
    let now = decision.now;
    let tenant = Tenant {
        id: fresh.tenant_id,
        name: valid.name.clone(),
        slug: slug.to_owned(),
        locale: valid.locale.clone(),
        owner_email: Some(valid.owner_email.clone()),
        owner_user_id: Some(fresh.owner_user_id),
        sso_start_url: valid.sso.as_ref().map(|s| s.start_url.clone()),
        sso_region: valid.sso.as_ref().map(|s| s.region.clone()),
        is_master: false,
        primary_domain: None,
        created_at: now,
        updated_at: now,
    };
    let owner = OwnerUser {
        id: fresh.owner_user_id,
        tenant_id: tenant.id,
        email: valid.owner_email.clone(),
        name: valid.owner_name.clone(),
        created_at: now,
    };
    let (invite, token) = new_invite(&owner, fresh, now, ttl);
    let audit = AuditRecord {
        resource_id: Some(tenant.id),
        ..decision.audit("allow", permit.policies.clone())
    };
    let events = [
        NewEvent::of_tenant(audit.id, EventType::TenantCreated, &tenant, now),
        NewEvent::of_invite(&tenant, &owner, &invite, token),
    ];
    NewTenantRecord {
        owner,
        invite,
        audit,
        events,
        tenant,
        idempotency: None,
    }
}

/// The answer of a create, as stored for an idempotent retry: what the HTTP handler sends.
fn created_answer(tenant: &Tenant) -> StoredAnswer {
    StoredAnswer {
        status: 201,
        body: serde_json::to_string(tenant).unwrap_or_default(),
        location: Some(format!("{TENANTS_PATH}/{}", tenant.id)),
    }
}

/// A fresh invite for an owner, valid for `ttl` from `now`, and its token in hex (only the
/// token's hash goes into the invite).
pub(crate) fn new_invite(
    owner: &OwnerUser,
    fresh: &Fresh,
    now: Timestamp,
    ttl: InviteTtl,
) -> (Invite, String) {
    let token = api_key::hex(&fresh.invite_token);
    let invite = Invite {
        id: fresh.invite_id,
        tenant_id: owner.tenant_id,
        user_id: owner.id,
        email: owner.email.clone(),
        token_hash: hash_secret(&token),
        expires_at: now.plus_seconds(ttl.seconds()),
        created_at: now,
    };
    (invite, token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invite_ttl_is_a_positive_number_with_a_unit() {
        let seconds = |text: &str| InviteTtl::parse(text).map(InviteTtl::seconds);
        assert_eq!(seconds("2s"), Some(2));
        assert_eq!(seconds("90m"), Some(5_400));
        assert_eq!(seconds("12h"), Some(43_200));
        assert_eq!(seconds("7d"), Some(InviteTtl::default().seconds()));
        for refused in [
            "",
            "s",
            "0s",
            "-1s",
            "2",
            "2w",
            "1.5h",
            "+2s",
            "99999999999999999d",
        ] {
            assert_eq!(seconds(refused), None, "{refused}");
        }
    }

    #[test]
    fn an_operation_debug_shows_neither_the_key_nor_the_invite_token() {
        let policies = Policies::embedded().unwrap();
        let fresh = Fresh::from_random_bytes([0x5e; crate::FRESH_RANDOM_BYTES]);
        let op = Operation {
            policies: &policies,
            credentials: Credentials {
                api_key: Some("tk_5ec7e7_5ec7e7"),
                tenant_id: Some("t-1"),
            },
            now: Timestamp::from_unix_seconds(0).unwrap(),
            fresh: &fresh,
        };
        let shown = format!("{op:?}");
        assert!(!shown.contains("5ec7e7"), "{shown}");
        assert!(
            !shown.contains(&api_key::hex(&fresh.invite_token)),
            "{shown}"
        );
        assert!(shown.contains("t-1"), "{shown}");
    }

    #[test]
    fn debug_never_shows_the_invite_token() {
        let now = Timestamp::from_unix_seconds(0).unwrap();
        let created = Created {
            tenant: Tenant {
                id: Uuid::nil(),
                name: "Acme".into(),
                slug: "acme".into(),
                locale: "en".into(),
                owner_email: Some("a@acme.test".into()),
                owner_user_id: Some(Uuid::nil()),
                sso_start_url: None,
                sso_region: None,
                is_master: false,
                primary_domain: None,
                created_at: now,
                updated_at: now,
            },
            invite_token: Some("5ec7e7".repeat(8)),
            invite_expires_at: now,
            policy_errors: Vec::new(),
        };
        let shown = format!("{created:?}");
        assert!(!shown.contains("5ec7e7"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }
}
