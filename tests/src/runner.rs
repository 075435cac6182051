//! Runs the cases on a target and checks every answer, collecting all failures.

use serde_json::Value;

use crate::cases::{self, Case};
use crate::fixture::Fixture;
use crate::{Response, Target};

/// Sets up the fixture, runs every case in order, and panics listing each failed case.
/// Returns the fixture, for more tests on the same database.
pub fn run_all(target: &dyn Target) -> Fixture {
    let fixture = Fixture::set_up(target);
    let cases = cases::all();
    let mut failures = Vec::new();
    for case in &cases {
        let response = target.send(&case.request(&fixture));
        if let Err(problem) = check(case, &response, &fixture) {
            failures.push(format!(
                "- {}: {problem}\n  got {} {}",
                case.name, response.status, response.raw_body
            ));
        }
    }
    println!(
        "{}: {} passed, {} failed",
        target.name(),
        cases.len() - failures.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{}: {} of {} cases failed:\n{}",
        target.name(),
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    fixture
}

/// Checks one answer against its case and against what every answer must be.
pub fn check(case: &Case, response: &Response, fixture: &Fixture) -> Result<(), String> {
    let expect = &case.expect;
    ensure(
        response.status == expect.status,
        format!("status {} instead of {}", response.status, expect.status),
    )?;
    let content_type = response.header("content-type").unwrap_or_default();
    ensure(
        content_type.starts_with("application/json"),
        format!("content-type `{content_type}`"),
    )?;
    ensure(
        !response.raw_body.contains(&fixture.master_key),
        "the body leaks a key".into(),
    )?;
    let body = &response.body;
    if let Some(code) = expect.code {
        check_error_shape(body)?;
        ensure(
            body["code"] == code,
            format!("code {} instead of {code}", body["code"]),
        )?;
    }
    let details = &body["details"];
    if let Some(fields) = &expect.fields {
        let mut got: Vec<String> = details["fields"]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        got.sort();
        let mut want = fields.clone();
        want.sort();
        ensure(got == want, format!("fields {got:?} instead of {want:?}"))?;
    }
    if let Some(header) = expect.header {
        ensure(
            details["header"] == header,
            format!("details.header {}", details["header"]),
        )?;
    }
    if let Some(policies) = &expect.policies {
        ensure(
            details["policies"] == serde_json::json!(policies),
            format!("policies {}", details["policies"]),
        )?;
    }
    for needle in &expect.notices {
        let found = body["notices"].as_array().is_some_and(|n| {
            n.iter()
                .any(|n| n.as_str().is_some_and(|n| n.contains(needle)))
        });
        ensure(found, format!("no notice mentions `{needle}`"))?;
    }
    if let Some(allow) = expect.allow {
        ensure(
            response.header("allow") == Some(allow),
            format!("Allow {:?}", response.header("allow")),
        )?;
    }
    if let Some(message) = expect.message {
        ensure(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains(message)),
            format!("message {} lacks `{message}`", body["message"]),
        )?;
    }
    if let Some(reason) = expect.reason {
        ensure(
            details["reason"] == reason,
            format!("reason {}", details["reason"]),
        )?;
        ensure(
            details["suggestions"]
                .as_array()
                .is_some_and(|s| !s.is_empty()),
            "no suggestions".into(),
        )?;
    }
    if let Some(first) = expect.first_suggestion {
        ensure(
            details["suggestions"][0] == first,
            format!("first suggestion {}", details["suggestions"][0]),
        )?;
    }
    if let Some(raw) = expect.raw_body {
        ensure(
            response.raw_body == raw,
            "the body differs from the one expected byte for byte".into(),
        )?;
    }
    for (key, value) in &expect.details {
        ensure(
            &details[*key] == value,
            format!("details.{key} is {} instead of {value}", details[*key]),
        )?;
    }
    ensure(
        case.body.len() < 1024 || response.raw_body.len() < case.body.len(),
        format!(
            "an error of {} bytes for a body of {}",
            response.raw_body.len(),
            case.body.len()
        ),
    )?;
    if let Some(tenant) = &expect.tenant {
        check_tenant(response)?;
        for (field, value) in tenant.as_object().into_iter().flatten() {
            ensure(
                &body[field] == value,
                format!("{field} is {} instead of {value}", body[field]),
            )?;
        }
    }
    Ok(())
}

fn ensure(ok: bool, problem: String) -> Result<(), String> {
    if ok { Ok(()) } else { Err(problem) }
}

/// `{"code", "message", "details"?, "notices"?}`, with empty `details` and `notices` left out.
fn check_error_shape(body: &Value) -> Result<(), String> {
    let object = body.as_object().ok_or("the error body is not an object")?;
    ensure(
        object.get("code").is_some_and(Value::is_string),
        "no code".into(),
    )?;
    ensure(
        object
            .get("message")
            .is_some_and(|m| m.as_str().is_some_and(|m| !m.is_empty())),
        "no message".into(),
    )?;
    for key in object.keys() {
        ensure(
            ["code", "message", "details", "notices"].contains(&key.as_str()),
            format!("unexpected key `{key}`"),
        )?;
    }
    if let Some(details) = object.get("details") {
        ensure(
            details.as_object().is_some_and(|d| !d.is_empty()),
            "details present but empty".into(),
        )?;
    }
    if let Some(notices) = object.get("notices") {
        ensure(
            notices.as_array().is_some_and(|n| !n.is_empty()),
            "notices present but empty".into(),
        )?;
    }
    Ok(())
}

/// A 201's body is the whole Tenant, with lowercase UUIDs, `Z` times and a matching `Location`.
fn check_tenant(response: &Response) -> Result<(), String> {
    let body = &response.body;
    let fields = [
        "id",
        "name",
        "slug",
        "locale",
        "owner_email",
        "owner_user_id",
        "sso_start_url",
        "sso_region",
        "is_master",
        "primary_domain",
        "created_at",
        "updated_at",
    ];
    let object = body.as_object().ok_or("the tenant is not an object")?;
    ensure(
        object.len() == fields.len() && fields.iter().all(|f| object.contains_key(*f)),
        format!("fields {:?}", object.keys()),
    )?;
    for id_field in ["id", "owner_user_id"] {
        let id = body[id_field].as_str().unwrap_or_default();
        let parsed = uuid::Uuid::try_parse(id).map_err(|e| format!("{id_field}: {e}"))?;
        ensure(
            parsed.hyphenated().to_string() == id,
            format!("{id_field} `{id}` is not lowercase hyphenated"),
        )?;
    }
    for time_field in ["created_at", "updated_at"] {
        let time = body[time_field].as_str().unwrap_or_default();
        ensure(
            time.len() == 20 && time.ends_with('Z') && time.as_bytes().get(10) == Some(&b'T'),
            format!("{time_field} `{time}`"),
        )?;
    }
    ensure(
        body["is_master"] == false && body["primary_domain"].is_null(),
        "is_master/primary_domain".into(),
    )?;
    let location = format!("/v1/tenants/{}", body["id"].as_str().unwrap_or_default());
    ensure(
        response.header("location") == Some(location.as_str()),
        format!("Location {:?}", response.header("location")),
    )
}
