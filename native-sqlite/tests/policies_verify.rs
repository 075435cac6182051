//! `tenantry policies verify`: the shipped policies are proven, and each deliberately broken set
//! of `policies/verify-fixtures/` is caught by the invariant it breaks, with a counterexample.
//! Needs cvc5 (scripts/install-solver.sh).

#![expect(
    clippy::unwrap_used,
    reason = "the helpers of a test fail it loudly on any error"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn policies() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies")
}

fn verify(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tenantry"))
        .args(["policies", "verify"])
        .args(args)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The lines of the invariants with that verdict, by name.
fn with_verdict(report: &str, verdict: &str) -> Vec<String> {
    report
        .lines()
        .filter_map(|line| line.strip_prefix(verdict))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// A policy folder of a fixture's `.cedar` files beside the shipped schema.
fn fixture_folder(fixture: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        policies().join("schema.cedarschema"),
        dir.path().join("schema.cedarschema"),
    )
    .unwrap();
    let source = policies().join("verify-fixtures").join(fixture);
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "cedar") {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    dir
}

#[test]
fn the_built_in_policies_and_the_policies_folder_are_all_proven() {
    let folder = policies();
    for args in [vec![], vec!["--policies", folder.to_str().unwrap()]] {
        let output = verify(&args);
        let report = stdout(&output);
        assert!(output.status.success(), "{report}{}", stderr(&output));
        let proven = with_verdict(&report, "proven ");
        for name in [
            "never-errors",
            "create_tenant/platform-keys-only",
            "create_tenant/needs-scope",
            "create_tenant/within-shipped",
        ] {
            assert!(proven.iter().any(|p| p == name), "{name} in\n{report}");
        }
        assert!(!report.contains("FAILED"), "{report}");
    }
}

#[test]
fn each_broken_policy_set_is_caught_by_the_invariant_it_breaks() {
    for (fixture, invariant, decided) in [
        (
            "child-key-creates-tenants",
            "create_tenant/platform-keys-only",
            "allow      by `keys-create-tenants`",
        ),
        (
            "scope-not-required",
            "create_tenant/needs-scope",
            "allow      by `automation-creates-tenants`",
        ),
        (
            "child-key-reads-any-tenant",
            "read_tenant/own-tenant-only",
            "allow      by `keys-read-tenants`",
        ),
        (
            "forbid-can-error",
            "never-errors",
            "error while evaluating policy `platform-quota`",
        ),
    ] {
        let dir = fixture_folder(fixture);
        let output = verify(&["--policies", dir.path().to_str().unwrap()]);
        let report = stdout(&output);
        assert!(!output.status.success(), "{fixture} passed:\n{report}");
        assert!(
            with_verdict(&report, "FAILED ").contains(&invariant.to_owned()),
            "{fixture}: {invariant} not failed in\n{report}"
        );
        let failure = report
            .split_once(&format!("FAILED   {invariant} "))
            .unwrap()
            .1;
        let counterexample = failure.split("\nproven").next().unwrap();
        assert!(counterexample.contains("counterexample:"), "{report}");
        assert!(counterexample.contains(decided), "{fixture}:\n{report}");
        assert!(
            stderr(&output).contains("some invariants of the policies are not proven"),
            "{}",
            stderr(&output)
        );
    }
}

#[test]
fn the_counterexample_says_whose_tenant_the_resource_is() {
    let dir = fixture_folder("child-key-reads-any-tenant");
    let report = stdout(&verify(&["--policies", dir.path().to_str().unwrap()]));
    let own_tenant = report
        .split_once("FAILED   read_tenant/own-tenant-only")
        .unwrap()
        .1;
    let resource = own_tenant
        .lines()
        .find(|line| line.trim_start().starts_with("resource"))
        .unwrap();
    assert!(!resource.contains("the caller's own tenant"), "{resource}");
    assert!(
        own_tenant.contains("its tenant: Tenantry::Tenant::"),
        "{report}"
    );
    assert!(own_tenant.contains("is_master: false"), "{report}");
}

#[test]
fn following_the_remedy_proves_the_invariant_that_failed() {
    let dir = fixture_folder("child-key-reads-any-tenant");
    let policy = std::fs::read_to_string(dir.path().join("tenants.cedar")).unwrap();
    let unfixed = r#"when { principal.scopes.contains("tenants:read") };"#;
    assert!(policy.contains(unfixed));
    let fixed = policy.replace(
        unfixed,
        r#"when { resource == principal.tenant && principal.scopes.contains("tenants:read") };"#,
    );
    std::fs::write(dir.path().join("tenants.cedar"), fixed).unwrap();
    let report = stdout(&verify(&["--policies", dir.path().to_str().unwrap()]));
    let proven = with_verdict(&report, "proven ");
    for name in ["read_tenant/own-tenant-only", "read_tenant/needs-scope"] {
        assert!(proven.iter().any(|p| p == name), "{name} in\n{report}");
    }
}

#[test]
fn policies_that_do_not_validate_are_refused_before_any_proof() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        policies().join("schema.cedarschema"),
        dir.path().join("schema.cedarschema"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("typo.cedar"),
        "@id(\"typo\")\npermit (principal, action, resource) when { principal.tenant.is_mastr };\n",
    )
    .unwrap();
    let output = verify(&["--policies", dir.path().to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
    let message = stderr(&output);
    assert!(
        message.contains("the policies do not validate against the schema")
            && message.contains("typo.cedar:2:"),
        "{message}"
    );
}

#[test]
fn a_missing_solver_is_named_with_how_to_install_it() {
    let output = Command::new(env!("CARGO_BIN_EXE_tenantry"))
        .args(["policies", "verify"])
        .env("CVC5", "/nonexistent/cvc5")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("cannot start the SMT solver cvc5")
            && message.contains("scripts/install-solver.sh"),
        "{message}"
    );
}
