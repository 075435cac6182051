//! The shipped policies: they validate, they decide as the fixtures in `policies/fixtures/`
//! say, and a broken policy set is refused with a message a person can act on.

use serde::Deserialize;
use tenantry_core::MemoryStore;
use tenantry_core::admin::{self, BOOTSTRAP_RANDOM_BYTES};
use tenantry_core::http::{HttpRequest, HttpResponse, handle};
use tenantry_core::{Action, Ask, Context, Permit, Resource, TenantRef};
use tenantry_core::{ApiError, Policies, PolicyError, Principal};
use tenantry_core::{DEFAULT_POLICY_FILES, DEFAULT_SCHEMA};
use tenantry_core::{FRESH_RANDOM_BYTES, Fresh, InviteTtl, Timestamp};
use uuid::Uuid;

#[derive(Deserialize)]
struct Fixture {
    name: String,
    principal: FixturePrincipal,
    /// The action; `create_tenant` when absent.
    #[serde(default = "create_tenant")]
    action: String,
    /// `platform` (the default), `own` (the key's tenant), `other` or `other_master`.
    #[serde(default = "platform")]
    target: String,
    #[serde(default = "default_ask")]
    ask: FixtureAsk,
    decision: String,
    policies: Vec<String>,
    #[serde(default)]
    notice_contains: Vec<String>,
}

#[derive(Deserialize)]
struct FixturePrincipal {
    tenant_is_master: bool,
    scopes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureAsk {
    slug: String,
    slug_derived: bool,
    locale: String,
    owner_email_domain: String,
    sso_region: Option<String>,
}

fn create_tenant() -> String {
    "create_tenant".into()
}

fn platform() -> String {
    "platform".into()
}

fn default_ask() -> FixtureAsk {
    FixtureAsk {
        slug: "acme".into(),
        slug_derived: false,
        locale: "en".into(),
        owner_email_domain: "acme.test".into(),
        sso_region: None,
    }
}

/// The decision a fixture describes, through the one `authorize`.
#[expect(
    clippy::panic,
    reason = "a fixture that names no action is broken: fail the test"
)]
fn decide(
    policies: &Policies,
    fixture: &Fixture,
    principal: &Principal,
) -> Result<Permit, ApiError> {
    let action = *Action::ALL
        .iter()
        .find(|a| a.name() == fixture.action)
        .unwrap_or_else(|| panic!("{}: no action `{}`", fixture.name, fixture.action));
    let ask = Ask {
        slug: &fixture.ask.slug,
        slug_derived: fixture.ask.slug_derived,
        locale: &fixture.ask.locale,
        owner_email_domain: &fixture.ask.owner_email_domain,
        sso_region: fixture.ask.sso_region.as_deref(),
    };
    let (id, is_master, slug) = match fixture.target.as_str() {
        "own" => (principal.tenant_id, principal.tenant_is_master, "own"),
        "other" => (Uuid::from_u128(3), false, "other"),
        "other_master" => (Uuid::from_u128(4), true, "platform"),
        _ => (Uuid::nil(), false, ""),
    };
    let resource = if fixture.target == "platform" {
        Resource::Platform
    } else {
        Resource::Tenant(TenantRef {
            id,
            is_master,
            slug,
        })
    };
    let context = match action {
        Action::CreateTenant | Action::UpdateTenant => Context::Tenant(ask),
        Action::CreateApiKey => Context::Scopes(&principal.scopes),
        _ => Context::Empty,
    };
    policies.authorize(principal, action, resource, &context)
}

#[test]
fn the_default_policies_decide_as_the_fixtures_say() {
    let policies = Policies::embedded().unwrap();
    let fixtures: Vec<Fixture> = serde_json::from_str(include_str!(
        "../../policies/fixtures/default-decisions.json"
    ))
    .unwrap();
    assert!(fixtures.len() >= 5);
    for fixture in fixtures {
        let principal = Principal {
            key_id: Uuid::from_u128(1),
            tenant_id: Uuid::from_u128(2),
            tenant_is_master: fixture.principal.tenant_is_master,
            tenant_slug: "own".into(),
            scopes: fixture.principal.scopes.clone(),
        };
        match (
            decide(&policies, &fixture, &principal),
            fixture.decision.as_str(),
        ) {
            (Ok(permit), "allow") => {
                assert_eq!(permit.policies, fixture.policies, "{}", fixture.name);
                assert_eq!(permit.errors, Vec::<String>::new(), "{}", fixture.name);
            }
            (
                Err(ApiError::Forbidden {
                    policies,
                    notices,
                    errors,
                }),
                "deny",
            ) => {
                assert_eq!(errors, Vec::<String>::new(), "{}", fixture.name);
                assert_eq!(policies, fixture.policies, "{}", fixture.name);
                assert_eq!(
                    notices.len(),
                    policies.len(),
                    "{}: one notice per forbid",
                    fixture.name
                );
                for needle in &fixture.notice_contains {
                    assert!(
                        notices.iter().any(|n| n.contains(needle.as_str())),
                        "{}: {needle}",
                        fixture.name
                    );
                }
            }
            (other, expected) => panic!("{}: expected {expected}, got {other:?}", fixture.name),
        }
    }
}

const PERMIT: &str = r#"@id("p") permit (principal, action, resource);"#;

#[test]
fn a_policy_without_an_id_is_refused() {
    let error = Policies::load(
        DEFAULT_SCHEMA,
        &[("x.cedar", "permit (principal, action, resource);")],
    )
    .unwrap_err();
    assert_eq!(
        error,
        PolicyError::MissingId {
            file: "x.cedar".into()
        }
    );
    assert!(error.to_string().contains("@id"));
}

#[test]
fn a_forbid_without_a_notice_is_refused() {
    let text = r#"@id("no-notice") forbid (principal, action, resource);"#;
    let error = Policies::load(DEFAULT_SCHEMA, &[("x.cedar", text)]).unwrap_err();
    assert_eq!(error, PolicyError::MissingNotice("no-notice".into()));
}

#[test]
fn duplicate_ids_are_refused() {
    let error =
        Policies::load(DEFAULT_SCHEMA, &[("a.cedar", PERMIT), ("b.cedar", PERMIT)]).unwrap_err();
    assert_eq!(error, PolicyError::DuplicateId("p".into()));
}

#[test]
fn a_policy_that_breaks_the_schema_is_refused_naming_its_file_and_line() {
    let text = "// a typo on line 3\n@id(\"typo\")\npermit (principal, action, resource) when { principal.scope.contains(\"x\") };";
    let error = Policies::load(
        DEFAULT_SCHEMA,
        &[("fine.cedar", PERMIT), ("typo.cedar", text)],
    )
    .unwrap_err();
    let PolicyError::Invalid(problems) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(problems.len(), 1, "{error}");
    assert_eq!(problems[0].file, "typo.cedar");
    assert_eq!(problems[0].at.map(|(line, _)| line), Some(3), "{error}");
    assert!(problems[0].message.contains("scope"), "{error}");
    assert!(error.to_string().contains("typo.cedar:3:"), "{error}");
}

#[test]
fn every_parse_error_is_reported_at_its_file_line_and_column() {
    let text = "@id(\"a\")\npermit (principal, action, resource) when { 1 + };\n\n@id(\"b\")\nforbid (principal, action resource);\n";
    let error = Policies::load(
        DEFAULT_SCHEMA,
        &[("fine.cedar", PERMIT), ("broken.cedar", text)],
    )
    .unwrap_err();
    let PolicyError::Parse(problems) = &error else {
        panic!("{error:?}")
    };
    let places: Vec<(&str, Option<usize>)> = problems
        .iter()
        .map(|p| (p.file.as_str(), p.at.map(|(line, _)| line)))
        .collect();
    assert_eq!(
        places,
        [("broken.cedar", Some(2)), ("broken.cedar", Some(5))],
        "{error}"
    );
    let shown = error.to_string();
    for problem in problems {
        let (line, column) = problem.at.unwrap();
        assert!(column > 1, "{problem}");
        assert!(
            shown.contains(&format!("broken.cedar:{line}:{column}: ")),
            "{shown}"
        );
    }
}

#[test]
fn unparsable_policies_and_schemas_are_refused() {
    let error = Policies::load(DEFAULT_SCHEMA, &[("bad.cedar", "permit (")]).unwrap_err();
    assert!(
        matches!(&error, PolicyError::Parse(problems) if problems[0].file == "bad.cedar"),
        "{error:?}"
    );
    let error = Policies::load("namespace {", DEFAULT_POLICY_FILES).unwrap_err();
    let PolicyError::Schema(problems) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(problems[0].file, "schema.cedarschema");
    assert!(problems[0].at.is_some(), "{error}");
}

/// Strict validation cannot see an overflow, so this permit errors at every request, and Cedar
/// skips it: without the error in the answer, a deny would be unexplained.
const OVERFLOWING: &str = r#"@id("overflows")
    permit (principal, action, resource)
    when { 9223372036854775807 + 1 > 0 };"#;

#[test]
fn a_create_permitted_beside_a_failing_policy_logs_the_failure() {
    let mut files = DEFAULT_POLICY_FILES.to_vec();
    files.push(("o.cedar", OVERFLOWING));
    let policies = Policies::load(DEFAULT_SCHEMA, &files).unwrap();
    let store = MemoryStore::new();
    let now = Timestamp::from_unix_seconds(1_776_254_400).unwrap();
    // The bootstrap key, with every scope, is what the shipped policies permit to create.
    let boot = admin::bootstrap(now, [1; BOOTSTRAP_RANDOM_BYTES]);
    store.add_bootstrap(&boot).unwrap();
    let tenant = boot.master.id.to_string();
    let headers = [
        ("X-API-Key", boot.key.plaintext.as_str()),
        ("X-Tenant-ID", tenant.as_str()),
        ("Content-Type", "application/json"),
    ];
    let request = HttpRequest {
        method: "POST",
        path: "/v1/tenants",
        query: "",
        headers: &headers,
        body: br#"{"name": "Acme", "owner_email": "a@acme.test", "owner_name": "A"}"#,
    };
    let fresh = Fresh::from_random_bytes([2; FRESH_RANDOM_BYTES]);
    let response = pollster::block_on(handle(
        &policies,
        &store,
        request,
        now,
        fresh,
        InviteTtl::default(),
    ));
    assert_eq!(response.status, 201, "{}", response.body);
    assert!(
        response.log.unwrap_or_default().contains("overflows"),
        "the skipped policy reaches the log"
    );
}

/// A key of the platform tenant with these scopes.
fn platform_key(scopes: &[&str]) -> Principal {
    Principal {
        key_id: Uuid::from_u128(1),
        tenant_id: Uuid::from_u128(2),
        tenant_is_master: true,
        tenant_slug: "platform".into(),
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
    }
}

/// A create of `acme`, its slug given.
fn acme() -> Ask<'static> {
    Ask {
        slug: "acme",
        slug_derived: false,
        locale: "en",
        owner_email_domain: "acme.test",
        sso_region: None,
    }
}

#[test]
fn a_policy_that_fails_to_evaluate_is_reported_with_the_decision() {
    let overflowing = OVERFLOWING;
    let principal = platform_key(&["tenants:create"]);
    let ask = acme();
    let alone = Policies::load(DEFAULT_SCHEMA, &[("o.cedar", overflowing)]).unwrap();
    let denied = create(&alone, &principal, &ask).unwrap_err();
    let ApiError::Forbidden { errors, .. } = &denied else {
        panic!("the only permit errored, so the default deny holds: {denied:?}")
    };
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("overflows"), "{errors:?}");
    // The shell's log line carries them; the caller's body does not.
    let response = HttpResponse::from_error(&denied);
    assert!(response.log.unwrap_or_default().contains("overflows"));
    assert!(!response.body.contains("overflows"), "{}", response.body);
    let mut files = DEFAULT_POLICY_FILES.to_vec();
    files.push(("o.cedar", overflowing));
    let permit = create(
        &Policies::load(DEFAULT_SCHEMA, &files).unwrap(),
        &principal,
        &ask,
    )
    .unwrap();
    assert_eq!(permit.errors.len(), 1, "{permit:?}");
    assert!(permit.errors[0].contains("overflows"), "{permit:?}");
}

#[test]
fn an_operator_rule_on_the_context_takes_effect() {
    let sso_in_eu = r#"@id("sso-only-in-eu")
        @notice("SSO is only offered in EU regions; choose an `eu-` region")
        forbid (principal, action, resource)
        when { context has sso_region && !(context.sso_region like "eu-*") };"#;
    let mut files = DEFAULT_POLICY_FILES.to_vec();
    files.push(("sso.cedar", sso_in_eu));
    let policies = Policies::load(DEFAULT_SCHEMA, &files).unwrap();
    let principal = Principal {
        key_id: Uuid::from_u128(1),
        tenant_id: Uuid::from_u128(2),
        tenant_is_master: true,
        tenant_slug: "platform".into(),
        scopes: vec!["tenants:create".into()],
    };
    let ask = |region| Ask {
        slug: "acme",
        slug_derived: false,
        locale: "en",
        owner_email_domain: "acme.test",
        sso_region: region,
    };
    assert!(create(&policies, &principal, &ask(Some("eu-west-3"))).is_ok());
    assert!(create(&policies, &principal, &ask(None)).is_ok());
    let Err(ApiError::Forbidden {
        policies: ids,
        notices,
        ..
    }) = create(&policies, &principal, &ask(Some("us-east-1")))
    else {
        panic!("expected a deny")
    };
    assert_eq!(ids, ["sso-only-in-eu"]);
    assert!(notices[0].contains("EU"));
}

#[test]
fn a_schema_that_the_built_requests_do_not_fit_is_refused_at_load() {
    let schema = DEFAULT_SCHEMA.replace("has_sso: Bool,", "");
    assert_ne!(schema, DEFAULT_SCHEMA);
    let error = Policies::load(&schema, DEFAULT_POLICY_FILES).unwrap_err();
    let PolicyError::Shape(message) = &error else {
        panic!("{error:?}")
    };
    assert!(message.contains("does not fit the schema"), "{message}");
    let entity_schema =
        DEFAULT_SCHEMA.replace("is_master: Bool,", "is_master: Bool, region: String,");
    let error = Policies::load(&entity_schema, DEFAULT_POLICY_FILES).unwrap_err();
    assert!(
        error.to_string().contains("entities Tenantry builds"),
        "{error}"
    );
}

#[test]
fn the_prevalidated_set_decides_like_the_validated_one() {
    let validated = Policies::embedded().unwrap();
    let prevalidated = Policies::embedded_prevalidated().unwrap();
    for (is_master, scopes) in [
        (true, vec!["tenants:create"]),
        (true, vec![]),
        (false, vec!["tenants:create"]),
    ] {
        let principal = Principal {
            key_id: Uuid::from_u128(1),
            tenant_id: Uuid::from_u128(2),
            tenant_is_master: is_master,
            tenant_slug: "own".into(),
            scopes: scopes.into_iter().map(String::from).collect(),
        };
        let ask = Ask {
            slug: "acme",
            slug_derived: false,
            locale: "en",
            owner_email_domain: "acme.test",
            sso_region: None,
        };
        assert_eq!(
            create(&validated, &principal, &ask),
            create(&prevalidated, &principal, &ask)
        );
    }
}

/// The cache of callers finds them by key id, yet a key whose principal changed (its scopes
/// here) is decided as it now is, not as it was.
#[test]
fn a_cached_caller_serves_only_its_own_principal() {
    let policies = Policies::embedded().unwrap();
    let decides = |scopes: &[&str]| create(&policies, &platform_key(scopes), &acme()).is_ok();
    assert!(decides(&["tenants:create"]));
    assert!(!decides(&[]));
    assert!(decides(&["tenants:create"]));
}

/// A create's decision.
fn create(policies: &Policies, principal: &Principal, ask: &Ask<'_>) -> Result<Permit, ApiError> {
    policies.authorize(
        principal,
        Action::CreateTenant,
        Resource::Platform,
        &Context::Tenant(ask.clone()),
    )
}

#[test]
fn every_action_has_an_allow_and_a_deny_fixture() {
    let fixtures: Vec<Fixture> = serde_json::from_str(include_str!(
        "../../policies/fixtures/default-decisions.json"
    ))
    .unwrap();
    for action in Action::ALL {
        for decision in ["allow", "deny"] {
            assert!(
                fixtures
                    .iter()
                    .any(|f| f.action == action.name() && f.decision == decision),
                "no `{decision}` fixture for `{}`",
                action.name()
            );
        }
    }
}
