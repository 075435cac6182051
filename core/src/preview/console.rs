//! What the operator console previews beyond create: an update of a tenant (`PUT
//! /v1/tenants/{id}`), the closed list of scopes a key may hold, and which key a pasted secret
//! is. Each answer comes from the functions the servers run ([`update::parse_value`],
//! [`Patch::apply`], [`Policies::authorize`], [`Scope::ALL`], [`api_key::parse`]).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;

use super::{Caller, DecisionPreview, read_caller, read_json, to_js, with_policies};
use crate::action::{Action, Ask, Context, Resource, TenantRef};
use crate::api_key;
use crate::authz::Policies;
use crate::error::ApiError;
use crate::model::Tenant;
use crate::scope::Scope;
use crate::update::{self, Patch};

/// An update's validation and decision, as [`previewUpdate`](preview_update) returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpdatePreview {
    /// Whether every field rule passes.
    pub valid: bool,
    /// Field name to message, exactly the `details.fields` of the server's 400 (empty when valid).
    pub fields: BTreeMap<String, String>,
    /// The tenant as it would be after the update, when valid (`updated_at` unchanged: the
    /// server sets it).
    pub tenant: Option<Tenant>,
    /// Whether the update would change nothing (the API answers 200 and keeps the `ETag`).
    pub unchanged: bool,
    /// The policy decision, with status 200 when permitted.
    pub decision: DecisionPreview,
}

/// The answer of `PUT /v1/tenants/{id}` for this patch, this stored tenant and this caller, as
/// far as the browser can know it: whether `owner_user_id` names a user of the tenant, and
/// whether the `If-Match` is still fresh, only the server knows.
pub fn update_preview(
    policies: &Policies,
    tenant: &Tenant,
    patch: &Value,
    caller: &Caller,
) -> Result<UpdatePreview, ApiError> {
    let patch: Patch = match update::parse_value(patch) {
        Ok(patch) => patch,
        Err(error) => {
            let fields = match &error {
                ApiError::InvalidFields { fields, .. } => fields.clone(),
                _ => BTreeMap::new(),
            };
            return Ok(UpdatePreview {
                valid: false,
                fields,
                tenant: None,
                unchanged: false,
                decision: DecisionPreview::not_evaluated(&error),
            });
        }
    };
    let next = patch.apply(tenant);
    let decision = DecisionPreview::decide(
        policies,
        &caller.principal(),
        Action::UpdateTenant,
        Resource::Tenant(TenantRef::of(tenant)),
        &Context::Tenant(Ask::of_tenant(&next)),
        200,
    )?;
    Ok(UpdatePreview {
        valid: true,
        fields: BTreeMap::new(),
        unchanged: next == *tenant,
        tenant: Some(next),
        decision,
    })
}

/// `previewUpdate(tenant, patch, caller)`: [`update_preview`] for the tenant as `GET
/// /v1/tenants/{id}` answered it, a patch object, and a caller `{ tenant_is_master, scopes,
/// tenant_id }`.
///
/// Fails when the tenant or the caller is not of that shape, or the policies are refused.
#[wasm_bindgen(js_name = previewUpdate)]
pub fn preview_update(
    tenant: JsValue,
    patch: JsValue,
    caller: JsValue,
) -> Result<JsValue, JsError> {
    let tenant: Tenant = serde_wasm_bindgen::from_value(tenant)
        .map_err(|e| JsError::new(&format!("the tenant must be as the API returns it: {e}")))?;
    let patch = read_json(patch, "the patch")?;
    let caller = read_caller(caller)?;
    let preview = with_policies(|policies| update_preview(policies, &tenant, &patch, &caller))?;
    to_js(&preview)
}

/// `scopeNames()`: every scope a key can hold, in the contract's order, for the page's
/// checkboxes.
#[wasm_bindgen(js_name = scopeNames)]
pub fn scope_names() -> Result<JsValue, JsError> {
    let names: Vec<&str> = Scope::ALL.iter().map(|scope| scope.as_str()).collect();
    to_js(&names)
}

/// `keyIdOf(secret)`: the id of the key a pasted secret is (so the page can read the key's
/// scopes), or `null` when the text is not of the issued shape.
#[wasm_bindgen(js_name = keyIdOf)]
pub fn key_id_of(secret: &str) -> Option<String> {
    api_key::parse(secret.trim()).map(|key| key.key_id.to_string())
}
