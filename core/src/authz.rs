//! Cedar authorization: the policy set and schema, loaded and validated once, and the one
//! `authorize` through which every decision goes.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use cedar_policy::{
    Authorizer, Context, Decision, Effect, Entities, Entity, EntityId, EntityTypeName, EntityUid,
    Policy, PolicyId, PolicySet, Request, RestrictedExpression, Schema, ValidationMode, Validator,
};
use uuid::Uuid;

use crate::error::ApiError;
use crate::validate::ValidTenant;

/// The schema shipped in `policies/`.
pub const DEFAULT_SCHEMA: &str = include_str!("../../policies/schema.cedarschema");
/// The policy files shipped in `policies/`, by file name.
pub const DEFAULT_POLICY_FILES: &[(&str, &str)] = &[(
    "tenants.cedar",
    include_str!("../../policies/tenants.cedar"),
)];

/// Why a policy set was refused at start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The schema does not parse.
    #[error("the Cedar schema is invalid: {0}")]
    Schema(String),
    /// A policy file does not parse.
    #[error("policy file `{file}` does not parse: {message}")]
    Parse {
        /// The file's name.
        file: String,
        /// Cedar's message.
        message: String,
    },
    /// A policy has no `@id`.
    #[error("a policy in `{file}` has no `@id(\"...\")` annotation; give every policy one")]
    MissingId {
        /// The file's name.
        file: String,
    },
    /// Two policies share an `@id`.
    #[error("two policies have the `@id` `{0}`; ids must be unique")]
    DuplicateId(String),
    /// A `forbid` has no `@notice`.
    #[error("forbid policy `{0}` has no `@notice(\"...\")`; say what the caller can do")]
    MissingNotice(String),
    /// The policies do not validate against the schema in strict mode.
    #[error("the policies do not validate against the schema: {0}")]
    Invalid(String),
}

/// The caller, as authentication found it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Principal {
    /// The API key's id.
    pub key_id: Uuid,
    /// The tenant that owns the key.
    pub tenant_id: Uuid,
    /// Whether that tenant is the platform (master) tenant.
    pub tenant_is_master: bool,
    /// The scopes the key holds.
    pub scopes: Vec<String>,
}

/// What the request asks for, as the policies see it in `context`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ask<'a> {
    /// The slug, lowercase.
    pub slug: &'a str,
    /// Whether the slug was derived from the name.
    pub slug_derived: bool,
    /// The canonical locale.
    pub locale: &'a str,
    /// The owner's email domain, lowercase.
    pub owner_email_domain: &'a str,
    /// The SSO region, if SSO is configured.
    pub sso_region: Option<&'a str>,
}

impl<'a> Ask<'a> {
    /// The ask of a validated request. Taken apart without `..`, so a new field does not
    /// compile until someone decides whether policies see it.
    pub fn of(tenant: &'a ValidTenant) -> Self {
        let ValidTenant {
            name: _,
            slug,
            owner_email: _,
            owner_email_domain,
            owner_name: _,
            locale,
            sso,
        } = tenant;
        Self {
            slug: slug.as_str(),
            slug_derived: matches!(slug, crate::validate::SlugChoice::Derived(_)),
            locale,
            owner_email_domain,
            sso_region: sso.as_ref().map(|sso| sso.region.as_str()),
        }
    }
}

/// A permit, with the policies that determined it (kept in the audit record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permit {
    /// The `@id`s of the determining policies.
    pub policies: Vec<String>,
}

/// A caller as Cedar sees it: its key's uid and the entities of the key and its tenant.
#[derive(Debug)]
struct Caller {
    key: EntityUid,
    entities: Entities,
}

/// How many callers' entities [`Policies`] keeps built; past this the cache starts afresh.
const PRINCIPAL_CACHE_LIMIT: usize = 4096;

/// The schema and policy set, parsed and validated once per process or isolate.
#[derive(Debug)]
pub struct Policies {
    set: PolicySet,
    notices: HashMap<PolicyId, String>,
    authorizer: Authorizer,
    action: EntityUid,
    resource: EntityUid,
    tenant_type: EntityTypeName,
    key_type: EntityTypeName,
    /// A caller's entities depend only on the caller, and callers are few (API keys), so they
    /// are built once each: building them costs more than the authorization itself.
    principals: Mutex<HashMap<Principal, Arc<Caller>>>,
}

impl Policies {
    /// The policies shipped in `policies/`.
    pub fn embedded() -> Result<Self, PolicyError> {
        Self::load(DEFAULT_SCHEMA, DEFAULT_POLICY_FILES)
    }

    /// The policies shipped in `policies/`, parsed but not validated against the schema: for a
    /// build that validated them at build time (the edge worker's `build.rs` calls
    /// [`Policies::embedded`] and fails the build if they do not validate). Leaving the schema
    /// and validator out of the worker keeps its upload small.
    pub fn embedded_prevalidated() -> Result<Self, PolicyError> {
        Self::from_set(parse_named(DEFAULT_POLICY_FILES)?)
    }

    /// Parses a schema and policy files, names each policy by its `@id`, and validates them in
    /// strict mode. Every `forbid` must carry a `@notice`.
    pub fn load(schema_text: &str, files: &[(&str, &str)]) -> Result<Self, PolicyError> {
        let (schema, _warnings) = Schema::from_cedarschema_str(schema_text)
            .map_err(|e| PolicyError::Schema(cedar_message(&e)))?;
        let named = parse_named(files)?;
        let validation = Validator::new(schema.clone()).validate(&named.0, ValidationMode::Strict);
        if !validation.validation_passed() {
            let messages: Vec<String> = validation
                .validation_errors()
                .map(|e| cedar_message(e))
                .collect();
            return Err(PolicyError::Invalid(messages.join("; ")));
        }
        let policies = Self::from_set(named)?;
        policies.check_request_shape(&schema)?;
        Ok(policies)
    }

    fn from_set(
        (set, notices): (PolicySet, HashMap<PolicyId, String>),
    ) -> Result<Self, PolicyError> {
        let parse_uid = |text: &str| {
            EntityUid::from_str(text).map_err(|e| PolicyError::Schema(cedar_message(&e)))
        };
        let parse_type = |text: &str| {
            EntityTypeName::from_str(text).map_err(|e| PolicyError::Schema(cedar_message(&e)))
        };
        Ok(Self {
            set,
            notices,
            authorizer: Authorizer::new(),
            action: parse_uid(r#"Tenantry::Action::"create_tenant""#)?,
            resource: parse_uid(r#"Tenantry::Platform::"platform""#)?,
            tenant_type: parse_type("Tenantry::Tenant")?,
            key_type: parse_type("Tenantry::ApiKey")?,
            principals: Mutex::new(HashMap::new()),
        })
    }

    /// Checks the requests this code builds against the schema, once, at load. Their types are
    /// fixed by the code (only values vary per request), so a request that fits here fits
    /// always, and the per-request check can be left out of the hot path.
    fn check_request_shape(&self, schema: &Schema) -> Result<(), PolicyError> {
        let principal = Principal {
            key_id: Uuid::nil(),
            tenant_id: Uuid::nil(),
            tenant_is_master: false,
            scopes: vec![String::new()],
        };
        for sso_region in [None, Some("us-east-1")] {
            let ask = Ask {
                slug: "shape",
                slug_derived: false,
                locale: "en",
                owner_email_domain: "example.com",
                sso_region,
            };
            let (request, entities) = self
                .cedar_request(&principal, &ask)
                .map_err(|e| PolicyError::Invalid(format!("the request does not build: {e:?}")))?;
            let key = request.principal().cloned();
            let context = request.context().cloned();
            if let (Some(key), Some(context)) = (key, context) {
                Request::new(
                    key,
                    self.action.clone(),
                    self.resource.clone(),
                    context,
                    Some(schema),
                )
                .map_err(|e| {
                    PolicyError::Invalid(format!(
                        "the request Tenantry builds does not fit the schema: {}",
                        cedar_message(&e)
                    ))
                })?;
            }
            Entities::from_entities(entities.as_ref().iter().cloned(), Some(schema)).map_err(
                |e| {
                    PolicyError::Invalid(format!(
                        "the entities Tenantry builds do not fit the schema: {}",
                        cedar_message(&e)
                    ))
                },
            )?;
        }
        Ok(())
    }

    /// The one authorization chokepoint: builds the Cedar request (checked against the schema),
    /// asks the authorizer, and turns a deny into [`ApiError::Forbidden`] with the determining
    /// policies' ids and notices.
    pub fn authorize(&self, principal: &Principal, ask: &Ask<'_>) -> Result<Permit, ApiError> {
        let (request, entities) = self.cedar_request(principal, ask)?;
        let response = self
            .authorizer
            .is_authorized(&request, &self.set, entities.as_ref());
        let mut determining: Vec<&PolicyId> = response.diagnostics().reason().collect();
        if determining.len() > 1 {
            determining.sort_unstable_by_key(|id| id.to_string());
        }
        let policies = determining.iter().map(|id| id.to_string()).collect();
        match response.decision() {
            Decision::Allow => Ok(Permit { policies }),
            Decision::Deny => Err(ApiError::Forbidden {
                notices: determining
                    .iter()
                    .filter_map(|id| self.notices.get(*id).cloned())
                    .collect(),
                policies,
            }),
        }
    }

    /// The Cedar request and entities for a principal and ask; public for the benchmark that
    /// compares the whole decision path with the bare authorizer call.
    pub fn cedar_request(
        &self,
        principal: &Principal,
        ask: &Ask<'_>,
    ) -> Result<(Request, impl AsRef<Entities> + use<>), ApiError> {
        let caller = self.caller(principal)?;
        let mut context = vec![
            (
                "slug".to_owned(),
                RestrictedExpression::new_string(ask.slug.to_owned()),
            ),
            (
                "slug_derived".to_owned(),
                RestrictedExpression::new_bool(ask.slug_derived),
            ),
            (
                "locale".to_owned(),
                RestrictedExpression::new_string(ask.locale.to_owned()),
            ),
            (
                "owner_email_domain".to_owned(),
                RestrictedExpression::new_string(ask.owner_email_domain.to_owned()),
            ),
            (
                "has_sso".to_owned(),
                RestrictedExpression::new_bool(ask.sso_region.is_some()),
            ),
        ];
        if let Some(region) = ask.sso_region {
            context.push((
                "sso_region".to_owned(),
                RestrictedExpression::new_string(region.to_owned()),
            ));
        }
        let context = Context::from_pairs(context).map_err(|e| internal("context", &e))?;
        // Checked against the schema at load (`check_request_shape`); see there why once is enough.
        let request = Request::new(
            caller.key.clone(),
            self.action.clone(),
            self.resource.clone(),
            context,
            None,
        )
        .map_err(|e| internal("request", &e))?;
        Ok((request, CallerEntities(caller)))
    }

    /// The caller as Cedar sees it, built once per caller.
    fn caller(&self, principal: &Principal) -> Result<Arc<Caller>, ApiError> {
        if let Some(caller) = self
            .principals
            .lock()
            .ok()
            .and_then(|cache| cache.get(principal).cloned())
        {
            return Ok(caller);
        }
        let caller = Arc::new(self.build_caller(principal)?);
        if let Ok(mut cache) = self.principals.lock() {
            if cache.len() >= PRINCIPAL_CACHE_LIMIT {
                cache.clear();
            }
            cache.insert(principal.clone(), caller.clone());
        }
        Ok(caller)
    }

    fn build_caller(&self, principal: &Principal) -> Result<Caller, ApiError> {
        let tenant = EntityUid::from_type_name_and_id(
            self.tenant_type.clone(),
            EntityId::new(principal.tenant_id.to_string()),
        );
        let key = EntityUid::from_type_name_and_id(
            self.key_type.clone(),
            EntityId::new(principal.key_id.to_string()),
        );
        let tenant_entity = Entity::new(
            tenant.clone(),
            HashMap::from([(
                "is_master".to_owned(),
                RestrictedExpression::new_bool(principal.tenant_is_master),
            )]),
            HashSet::new(),
        )
        .map_err(|e| internal("tenant entity", &e))?;
        let scopes = principal
            .scopes
            .iter()
            .map(|s| RestrictedExpression::new_string(s.clone()));
        let key_entity = Entity::new(
            key.clone(),
            HashMap::from([
                (
                    "tenant".to_owned(),
                    RestrictedExpression::new_entity_uid(tenant.clone()),
                ),
                ("scopes".to_owned(), RestrictedExpression::new_set(scopes)),
            ]),
            HashSet::from([tenant]),
        )
        .map_err(|e| internal("key entity", &e))?;
        let entities = Entities::from_entities([tenant_entity, key_entity], None)
            .map_err(|e| internal("entities", &e))?;
        Ok(Caller { key, entities })
    }

    /// The bare authorizer call on a prepared request, for the benchmark's baseline.
    pub fn is_authorized(&self, request: &Request, entities: &Entities) -> Decision {
        self.authorizer
            .is_authorized(request, &self.set, entities)
            .decision()
    }
}

/// Parses policy files, names each policy by its `@id`, and collects the `forbid`s' notices.
fn parse_named(
    files: &[(&str, &str)],
) -> Result<(PolicySet, HashMap<PolicyId, String>), PolicyError> {
    let mut set = PolicySet::new();
    let mut notices = HashMap::new();
    for (file, text) in files {
        let parsed = PolicySet::from_str(text).map_err(|e| PolicyError::Parse {
            file: (*file).to_owned(),
            message: cedar_message(&e),
        })?;
        for policy in parsed.policies() {
            let id = policy
                .annotation("id")
                .ok_or_else(|| PolicyError::MissingId {
                    file: (*file).to_owned(),
                })?;
            let named: Policy = policy.new_id(PolicyId::new(id));
            if policy.effect() == Effect::Forbid {
                let notice = policy
                    .annotation("notice")
                    .filter(|n| !n.trim().is_empty())
                    .ok_or_else(|| PolicyError::MissingNotice(id.to_owned()))?;
                notices.insert(named.id().clone(), notice.to_owned());
            }
            set.add(named)
                .map_err(|_| PolicyError::DuplicateId(id.to_owned()))?;
        }
    }
    Ok((set, notices))
}

/// The entities of a cached caller, lent out without copying them.
struct CallerEntities(Arc<Caller>);

impl AsRef<Entities> for CallerEntities {
    fn as_ref(&self) -> &Entities {
        &self.0.entities
    }
}

fn internal(what: &str, error: &dyn std::error::Error) -> ApiError {
    ApiError::Internal(format!("building the cedar {what}: {error}"))
}

/// Cedar's message with its sources, on one line.
fn cedar_message(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
