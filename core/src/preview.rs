//! The browser preview's API (feature `wasm`): what `POST /v1/tenants` would answer for a draft
//! and a described caller, computed in the browser by the same validation and the same Cedar
//! policies the servers run. Nothing here decides anything itself: it calls
//! [`validate::parse_and_validate`], the slug rules and [`Policies::authorize`] and reshapes their answers
//! for JavaScript.
//!
//! The operator console's other previews (`previewUpdate`, `scopeNames`, `keyIdOf`) are in
//! its `console` part: [`update_preview`], [`scope_names`], [`key_id_of`].
//!
//! From JavaScript (the `--target web` output of `scripts/build-preview.sh`):
//!
//! ```js
//! import init, { requestFields, validateDraft, previewDecision } from "./pkg/tenantry_core.js";
//! await init();
//! requestFields();
//! // [{ name: "name", required: true }, …, { name: "sso_region", required: false }]
//! validateDraft({ name: "Acme", owner_email: "x" });
//! // { valid: false, fields: { owner_email: "must be …", owner_name: "is required" }, slug: "acme", … }
//! previewDecision({ name: "Acme", owner_email: "a@acme.test", owner_name: "Ann" },
//!                 { tenant_is_master: false, scopes: ["tenants:create"] });
//! // { evaluated: true, allowed: false, status: 403, policies: ["only-platform-…"], notices: [ … ], … }
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;
use wasm_bindgen::prelude::*;

use crate::action::{Action, Ask, Context, Resource};
use crate::authz::{Policies, PolicyError, Principal};
use crate::error::{ApiError, ErrorBody};
use crate::fields::REQUEST_FIELDS;
use crate::slug;
use crate::validate::{self, SlugChoice, ValidTenant};

mod console;

pub use console::{UpdatePreview, key_id_of, preview_update, scope_names, update_preview};

thread_local! {
    /// Parsed and validated once per page, as the servers do once per process or isolate.
    static POLICIES: Result<Policies, PolicyError> = Policies::embedded();
}

/// The normalised values of a valid draft: what the tenant would be stored with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NormalisedValues {
    /// Trimmed name.
    pub name: String,
    /// The slug asked for (folded) or derived from the name.
    pub slug: String,
    /// Whether the slug was derived from the name.
    pub slug_derived: bool,
    /// The email with its domain in lowercase.
    pub owner_email: String,
    /// Trimmed owner name.
    pub owner_name: String,
    /// Canonical BCP 47 tag.
    pub locale: String,
    /// SSO start URL, if configured.
    pub sso_start_url: Option<String>,
    /// SSO region, if configured.
    pub sso_region: Option<String>,
}

impl From<&ValidTenant> for NormalisedValues {
    /// Taken apart without `..`, so a field added to [`ValidTenant`] does not compile until the
    /// preview shows it (or says why not).
    fn from(tenant: &ValidTenant) -> Self {
        let ValidTenant {
            name,
            slug,
            owner_email,
            owner_email_domain: _,
            owner_name,
            locale,
            sso,
        } = tenant;
        Self {
            name: name.clone(),
            slug: slug.as_str().to_owned(),
            slug_derived: matches!(slug, SlugChoice::Derived(_)),
            owner_email: owner_email.clone(),
            owner_name: owner_name.clone(),
            locale: locale.clone(),
            sso_start_url: sso.as_ref().map(|sso| sso.start_url.clone()),
            sso_region: sso.as_ref().map(|sso| sso.region.clone()),
        }
    }
}

/// The validation of a draft, as [`validateDraft`](validate_draft) returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DraftPreview {
    /// Whether every field rule passes.
    pub valid: bool,
    /// Field name to message, exactly the `details.fields` of the server's 400 (empty when valid).
    pub fields: BTreeMap<String, String>,
    /// The normalised values, when valid.
    pub values: Option<NormalisedValues>,
    /// The slug the tenant would get, as soon as the name (or the given slug) passes its rule,
    /// even while other fields do not.
    pub slug: Option<String>,
    /// Whether [`DraftPreview::slug`] is derived from the name.
    pub slug_derived: bool,
    /// Whether that slug is reserved by the platform: given, the API answers 409; derived, it
    /// picks a free variant.
    pub slug_reserved: bool,
    /// The error body the server would send (`invalid_input` or `invalid_json`), when invalid.
    pub error: Option<ErrorBody>,
}

/// The caller the decision is previewed for: what the API key would be.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Caller {
    /// Whether the key's tenant is the platform (master) tenant.
    #[serde(default)]
    pub tenant_is_master: bool,
    /// The scopes the key holds.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The key's tenant, when known: it decides whether a child key acts on its own tenant
    /// (`update_tenant`); creates do not look at it.
    #[serde(default)]
    pub tenant_id: Option<Uuid>,
}

/// The policy decision for a draft and a caller, as [`previewDecision`](preview_decision)
/// returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionPreview {
    /// Whether the policies were asked: the API checks the fields first, so an invalid draft
    /// never reaches them.
    pub evaluated: bool,
    /// Whether the policies permit.
    pub allowed: bool,
    /// The status the API would answer: 400 for an invalid draft, 403 when denied, 201 when
    /// permitted (or 409 at the server, if the slug is taken: only the server knows).
    pub status: u16,
    /// The `@id`s of the determining policies.
    pub policies: Vec<String>,
    /// The `@notice` texts of the determining policies.
    pub notices: Vec<String>,
    /// The error body the server would send, when it would not create.
    pub error: Option<ErrorBody>,
}

/// Validates a draft (any JSON value: the form's fields as an object) by the server's rules.
pub fn draft_preview(draft: &Value) -> DraftPreview {
    match as_body(draft) {
        Ok(tenant) => {
            let values = NormalisedValues::from(&tenant);
            DraftPreview {
                valid: true,
                fields: BTreeMap::new(),
                slug: Some(values.slug.clone()),
                slug_derived: values.slug_derived,
                slug_reserved: slug::is_reserved(&values.slug),
                values: Some(values),
                error: None,
            }
        }
        Err(error) => {
            let fields = match &error {
                ApiError::InvalidFields { fields, .. } => fields.clone(),
                _ => BTreeMap::new(),
            };
            let (slug, slug_derived) = partial_slug(draft, &fields);
            DraftPreview {
                valid: false,
                slug_reserved: slug.as_deref().is_some_and(slug::is_reserved),
                slug,
                slug_derived,
                values: None,
                error: Some(error.body()),
                fields,
            }
        }
    }
}

/// A draft validated as the server validates a body: written out as JSON and read by the one
/// reader of create bodies, [`validate::parse_and_validate`].
fn as_body(draft: &Value) -> Result<ValidTenant, ApiError> {
    validate::parse_and_validate(draft.to_string().as_bytes())
}

/// The slug of a draft whose other fields fail: the given slug folded, or the slug derived from
/// the name, by the same functions validation uses, once that field passes its own rule.
fn partial_slug(draft: &Value, fields: &BTreeMap<String, String>) -> (Option<String>, bool) {
    let text = |field: &str| draft.get(field).and_then(Value::as_str);
    match (text("slug"), text("name")) {
        (Some(given), _) if !fields.contains_key("slug") => (Some(slug::fold(given)), false),
        (None, Some(name)) if draft.get("slug").is_none_or(Value::is_null) => {
            let name_ok = !fields.contains_key("name");
            (name_ok.then(|| slug::derive_from_name(name.trim())), true)
        }
        _ => (None, false),
    }
}

/// The decision the policies would take for this draft and caller, through the servers'
/// [`Policies::authorize`].
pub fn decision_preview(
    policies: &Policies,
    draft: &Value,
    caller: &Caller,
) -> Result<DecisionPreview, ApiError> {
    let tenant = match as_body(draft) {
        Ok(tenant) => tenant,
        Err(error) => return Ok(DecisionPreview::not_evaluated(&error)),
    };
    // The key and tenant ids do not reach the create decision (only the tenant's `is_master` and
    // the key's scopes do), so the preview's caller has nil ids unless it names its tenant.
    let context = Context::Tenant(Ask::of(&tenant));
    DecisionPreview::decide(
        policies,
        &caller.principal(),
        Action::CreateTenant,
        Resource::Platform,
        &context,
        201,
    )
}

impl Caller {
    /// The principal the policies see for this caller; the key id never reaches a decision.
    fn principal(&self) -> Principal {
        Principal {
            key_id: Uuid::nil(),
            tenant_id: self.tenant_id.unwrap_or_else(Uuid::nil),
            tenant_is_master: self.tenant_is_master,
            tenant_slug: String::new(),
            scopes: self.scopes.clone(),
        }
    }
}

impl DecisionPreview {
    /// The answer for a body that fails its field rules: the API checks them before the policies.
    fn not_evaluated(error: &ApiError) -> Self {
        Self {
            evaluated: false,
            allowed: false,
            status: error.status_and_code().0,
            policies: Vec::new(),
            notices: Vec::new(),
            error: Some(error.body()),
        }
    }

    /// Asks [`Policies::authorize`] and reshapes its answer; `ok_status` is what the API answers
    /// when it permits.
    fn decide(
        policies: &Policies,
        principal: &Principal,
        action: Action,
        resource: Resource<'_>,
        context: &Context<'_>,
        ok_status: u16,
    ) -> Result<Self, ApiError> {
        match policies.authorize(principal, action, resource, context) {
            Ok(permit) => Ok(Self {
                evaluated: true,
                allowed: true,
                status: ok_status,
                policies: permit.policies,
                notices: Vec::new(),
                error: None,
            }),
            Err(ApiError::Forbidden {
                policies,
                notices,
                errors,
            }) => {
                let error = ApiError::Forbidden {
                    policies: policies.clone(),
                    notices: notices.clone(),
                    errors,
                };
                Ok(Self {
                    evaluated: true,
                    allowed: false,
                    status: error.status_and_code().0,
                    error: Some(error.body()),
                    policies,
                    notices,
                })
            }
            Err(other) => Err(other),
        }
    }
}

/// `requestFields()`: the fields of the request body, `[{ name, required }, …]`, required ones
/// first; the page builds its draft from these, so it never lists the fields itself.
#[wasm_bindgen(js_name = requestFields)]
pub fn request_fields() -> Result<JsValue, JsError> {
    to_js(&REQUEST_FIELDS)
}

/// `validateDraft(draft)`: the field messages, normalised values and slug of a draft object.
///
/// Fails only when the draft cannot be read as JSON (for example a function).
#[wasm_bindgen(js_name = validateDraft)]
pub fn validate_draft(draft: JsValue) -> Result<JsValue, JsError> {
    let draft = read_json(draft, "the draft")?;
    to_js(&draft_preview(&draft))
}

/// `previewDecision(draft, caller)`: the policy decision for a draft and a caller described as
/// `{ tenant_is_master: boolean, scopes: string[] }`, with the determining policies and notices.
///
/// Fails when the caller is not of that shape, or when the embedded policies are refused.
#[wasm_bindgen(js_name = previewDecision)]
pub fn preview_decision(draft: JsValue, caller: JsValue) -> Result<JsValue, JsError> {
    let draft = read_json(draft, "the draft")?;
    let caller = read_caller(caller)?;
    let preview = with_policies(|policies| decision_preview(policies, &draft, &caller))?;
    to_js(&preview)
}

/// Runs a preview with the page's policies, turning a refusal into a JavaScript error.
fn with_policies<T>(preview: impl FnOnce(&Policies) -> Result<T, ApiError>) -> Result<T, JsError> {
    POLICIES.with(|policies| match policies {
        Ok(policies) => preview(policies)
            .map_err(|e| JsError::new(&format!("the decision could not be previewed: {e:?}"))),
        Err(refused) => Err(JsError::new(&format!(
            "the embedded policies were refused: {refused}"
        ))),
    })
}

fn read_caller(caller: JsValue) -> Result<Caller, JsError> {
    serde_wasm_bindgen::from_value(caller).map_err(|e| {
        JsError::new(&format!(
            "the caller must look like `{{ tenant_is_master: true, scopes: [\"tenants:create\"] }}`: {e}"
        ))
    })
}

fn read_json(value: JsValue, what: &str) -> Result<Value, JsError> {
    serde_wasm_bindgen::from_value(value)
        .map_err(|e| JsError::new(&format!("{what} is not a JSON value: {e}")))
}

/// Plain objects and `null` (not `Map`s and `undefined`), so the page reads it like the API's JSON.
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| {
            JsError::new(&format!(
                "the preview could not be handed to JavaScript: {e}"
            ))
        })
}
