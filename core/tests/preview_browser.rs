//! The browser preview's bindings, run in headless Chromium (`scripts/test-browser.sh`):
//! every validation case of the conformance suite (`tests/cases/validation.json`, which the
//! servers are checked against too) through `validateDraft` and `previewDecision` as the page
//! calls them, and the default policies' three decisions.
#![cfg(all(target_arch = "wasm32", feature = "wasm"))]
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests: clippy does not see `wasm_bindgen_test` functions as tests, and a failed \
              unwrap is a failed test"
)]

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{Value, json};
use tenantry_core::preview::{
    key_id_of, preview_decision, preview_update, scope_names, validate_draft,
};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const VALIDATION_JSON: &str = include_str!("../../tests/cases/validation.json");

/// The fields of a created tenant that a valid case may name, and where the preview has them.
const VALUE_FIELDS: [&str; 6] = [
    "name",
    "slug",
    "locale",
    "owner_email",
    "sso_start_url",
    "sso_region",
];

fn to_js(value: &Value) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap()
}

fn from_js(value: JsValue) -> Value {
    serde_wasm_bindgen::from_value(value).unwrap()
}

fn validate(draft: &Value) -> Value {
    from_js(validate_draft(to_js(draft)).unwrap_or_else(|_| panic!("validateDraft threw")))
}

fn decide(draft: &Value, caller: &Value) -> Value {
    from_js(
        preview_decision(to_js(draft), to_js(caller))
            .unwrap_or_else(|_| panic!("previewDecision threw")),
    )
}

fn cases() -> Vec<Value> {
    match serde_json::from_str(VALIDATION_JSON).unwrap() {
        Value::Array(cases) => cases,
        other => panic!("validation.json is not an array: {other}"),
    }
}

fn master() -> Value {
    json!({ "tenant_is_master": true, "scopes": ["tenants:create"] })
}

#[wasm_bindgen_test]
fn every_conformance_case_previews_as_the_server_answers() {
    let cases = cases();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap_or("?");
        let preview = validate(&case["body"]);
        let decision = decide(&case["body"], &master());
        if let Some(expected) = case["fields"].as_array() {
            let expected: BTreeSet<&str> = expected.iter().filter_map(Value::as_str).collect();
            let got: BTreeSet<&str> = preview["fields"]
                .as_object()
                .map(|fields| fields.keys().map(String::as_str).collect())
                .unwrap_or_default();
            let body_fields: BTreeSet<&str> = preview["error"]["details"]["fields"]
                .as_object()
                .map(|fields| fields.keys().map(String::as_str).collect())
                .unwrap_or_default();
            if preview["valid"] != json!(false)
                || got != expected
                || body_fields != expected
                || preview["error"]["code"] != json!("invalid_input")
            {
                failures.push(format!(
                    "{name}: expected fields {expected:?}, got {preview}"
                ));
            }
            if decision["evaluated"] != json!(false) || decision["status"] != json!(400) {
                failures.push(format!(
                    "{name}: decision should wait for valid fields: {decision}"
                ));
            }
        } else {
            let expected = case["valid"].as_object().unwrap();
            let values = &preview["values"];
            if preview["valid"] != json!(true) || !preview["fields"].as_object().unwrap().is_empty()
            {
                failures.push(format!("{name}: expected valid, got {preview}"));
                continue;
            }
            for (field, want) in expected {
                assert!(VALUE_FIELDS.contains(&field.as_str()), "{name}: {field}");
                if &values[field] != want {
                    failures.push(format!(
                        "{name}: `{field}` expected {want}, got {}",
                        values[field]
                    ));
                }
            }
            if preview["slug"] != values["slug"] {
                failures.push(format!("{name}: top-level slug differs: {preview}"));
            }
            if decision["allowed"] != json!(true) || decision["status"] != json!(201) {
                failures.push(format!("{name}: master key should be allowed: {decision}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[wasm_bindgen_test]
fn the_slug_is_derived_while_other_fields_are_still_wrong() {
    let preview = validate(&json!({ "name": "  Acme Corp!  ", "owner_email": "ann@" }));
    assert_eq!(preview["valid"], json!(false));
    assert_eq!(preview["slug"], json!("acme-corp"));
    assert_eq!(preview["slug_derived"], json!(true));
    assert!(preview["fields"]["owner_email"].is_string(), "{preview}");
    assert!(preview["fields"]["owner_name"].is_string(), "{preview}");

    let given = validate(&json!({ "name": "Acme", "slug": "Admin" }));
    assert_eq!(given["slug"], json!("admin"));
    assert_eq!(given["slug_derived"], json!(false));
    assert_eq!(given["slug_reserved"], json!(true));

    let bad_slug = validate(&json!({ "name": "Acme", "slug": "a--b" }));
    assert_eq!(bad_slug["slug"], Value::Null, "{bad_slug}");
}

const VALID: &str = r#"{ "name": "Acme", "owner_email": "ann@acme.test", "owner_name": "Ann" }"#;

#[wasm_bindgen_test]
fn the_default_policies_decide_as_the_contract_says() {
    let draft: Value = serde_json::from_str(VALID).unwrap();

    let allowed = decide(&draft, &master());
    assert_eq!(allowed["allowed"], json!(true), "{allowed}");
    assert_eq!(allowed["policies"], json!(["platform-keys-create-tenants"]));

    let other_tenant = decide(
        &draft,
        &json!({ "tenant_is_master": false, "scopes": ["tenants:create"] }),
    );
    assert_eq!(other_tenant["allowed"], json!(false));
    assert_eq!(other_tenant["status"], json!(403));
    assert_eq!(
        other_tenant["policies"],
        json!(["only-platform-tenant-creates-tenants"])
    );
    assert!(
        other_tenant["notices"][0]
            .as_str()
            .unwrap()
            .contains("platform (master) tenant"),
        "{other_tenant}"
    );
    assert_eq!(other_tenant["error"]["code"], json!("forbidden"));

    let no_scope = decide(&draft, &json!({ "tenant_is_master": true, "scopes": [] }));
    assert_eq!(no_scope["allowed"], json!(false));
    assert_eq!(
        no_scope["policies"],
        json!(["create-requires-tenants-create-scope"])
    );
    assert!(
        no_scope["notices"][0]
            .as_str()
            .unwrap()
            .contains("tenants:create")
    );
}

#[wasm_bindgen_test]
fn a_malformed_caller_is_an_error_that_says_its_shape() {
    let draft: Value = serde_json::from_str(VALID).unwrap();
    let error = preview_decision(to_js(&draft), to_js(&json!({ "scopes": "tenants:create" })));
    assert!(error.is_err());
}

/// A customer tenant as `GET /v1/tenants/{id}` answers it.
fn customer() -> Value {
    json!({
        "id": "6f1c2b9e-0000-4000-8000-000000000001", "name": "Acme", "slug": "acme",
        "locale": "en", "owner_email": "ann@acme.test",
        "owner_user_id": "6f1c2b9e-0000-4000-8000-000000000002",
        "sso_start_url": null, "sso_region": null, "is_master": false, "primary_domain": null,
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"
    })
}

fn preview_put(patch: &Value, caller: &Value) -> Value {
    from_js(
        preview_update(to_js(&customer()), to_js(patch), to_js(caller))
            .unwrap_or_else(|_| panic!("previewUpdate threw")),
    )
}

#[wasm_bindgen_test]
fn an_update_previews_the_field_rules_and_the_update_policies() {
    let own_key = json!({ "tenant_is_master": false, "scopes": ["tenants:update"],
        "tenant_id": "6f1c2b9e-0000-4000-8000-000000000001" });
    let renamed = preview_put(&json!({ "name": "Acme SAS", "locale": "fr-fr" }), &own_key);
    assert_eq!(renamed["decision"]["status"], json!(200), "{renamed}");
    assert_eq!(renamed["tenant"]["locale"], json!("fr-FR"));
    assert_eq!(renamed["unchanged"], json!(false));
    assert_eq!(
        preview_put(&json!({ "name": "Acme" }), &own_key)["unchanged"],
        json!(true)
    );

    let other_key = json!({ "tenant_is_master": false, "scopes": ["tenants:update"],
        "tenant_id": "6f1c2b9e-0000-4000-8000-0000000000ff" });
    let denied = preview_put(&json!({ "name": "Acme SAS" }), &other_key);
    assert_eq!(denied["decision"]["status"], json!(403), "{denied}");
    assert!(!denied["decision"]["notices"].as_array().unwrap().is_empty());

    let half_sso = preview_put(&json!({ "sso_region": "eu-west-3", "slug": "x" }), &own_key);
    assert_eq!(half_sso["valid"], json!(false));
    assert_eq!(half_sso["decision"]["evaluated"], json!(false));
    assert_eq!(
        half_sso["fields"]["slug"],
        json!("is read-only"),
        "{half_sso}"
    );
    assert!(
        half_sso["fields"]["sso_start_url"].is_string(),
        "{half_sso}"
    );
}

#[wasm_bindgen_test]
fn the_scopes_and_a_key_id_come_from_core() {
    let scopes = from_js(scope_names().unwrap());
    assert_eq!(scopes[0], json!("tenants:create"));
    assert_eq!(scopes.as_array().unwrap().len(), 8, "{scopes}");
    let key = format!(
        "tnty_{}_{}",
        "0123456789abcdef0123456789abcdef",
        "a".repeat(64)
    );
    assert_eq!(
        key_id_of(&key).as_deref(),
        Some("01234567-89ab-cdef-0123-456789abcdef")
    );
    assert_eq!(key_id_of("tnty_nope"), None);
}
