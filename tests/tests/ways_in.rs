//! Every case on every native way in, the slug races on each, many tenants of one name, and the failure and bootstrap
//! guarantees of the SQLite adapter.

use tenantry_conformance::fixture::Fixture;
use tenantry_conformance::race::{many_of_one_name, race_for_one_derived_slug, race_for_one_slug};
use tenantry_conformance::retries;
use tenantry_conformance::runner::run_all;
use tenantry_conformance::targets::in_process::InProcessTarget;
use tenantry_conformance::targets::memory::MemoryTarget;
use tenantry_conformance::targets::native_http;

#[test]
fn every_case_on_core_with_the_memory_store() {
    run_all(&MemoryTarget::new());
}

#[test]
fn every_case_in_process_on_sqlite() {
    run_all(&InProcessTarget::new());
}

#[test]
fn every_case_over_http_on_tenantry_serve() {
    run_all(&native_http::start());
}

#[test]
fn sixteen_racers_for_one_slug_on_the_memory_store() {
    let target = MemoryTarget::new();
    race_for_one_slug(&target, &Fixture::set_up(&target), "race-memory");
}

#[test]
fn sixteen_racers_for_one_slug_in_process() {
    let target = InProcessTarget::new();
    race_for_one_slug(&target, &Fixture::set_up(&target), "race-in-process");
}

#[test]
fn thirty_two_racers_for_one_derived_slug_on_the_memory_store() {
    let target = MemoryTarget::new();
    race_for_one_derived_slug(&target, &Fixture::set_up(&target), "Derived Race");
}

#[test]
fn thirty_two_racers_for_one_derived_slug_in_process() {
    let target = InProcessTarget::new();
    race_for_one_derived_slug(&target, &Fixture::set_up(&target), "Derived Race");
}

#[test]
fn thirty_two_racers_for_one_derived_slug_over_http() {
    let target = native_http::start();
    race_for_one_derived_slug(&target, &Fixture::set_up(&target), "Derived Race");
}

#[test]
fn two_hundred_and_fifty_tenants_of_one_name_on_the_memory_store() {
    let target = MemoryTarget::new();
    many_of_one_name(&target, &Fixture::set_up(&target), "Namesake", 250);
}

#[test]
fn sixteen_racers_for_one_slug_over_http() {
    let target = native_http::start();
    race_for_one_slug(&target, &Fixture::set_up(&target), "race-http");
}

#[test]
fn the_lifecycle_and_its_events_on_the_memory_store() {
    let target = MemoryTarget::new();
    let fixture = Fixture::set_up(&target);
    tenantry_conformance::lifecycle::run_all(&target, &fixture, 1000);
    tenantry_conformance::events::run_all(&target, &fixture);
}

#[test]
fn the_lifecycle_and_its_events_in_process() {
    let target = InProcessTarget::new();
    let fixture = Fixture::set_up(&target);
    tenantry_conformance::lifecycle::run_all(&target, &fixture, 1000);
    tenantry_conformance::events::run_all(&target, &fixture);
}

#[test]
fn the_lifecycle_and_its_events_over_http() {
    let target = native_http::start();
    let fixture = Fixture::set_up(&target);
    tenantry_conformance::lifecycle::run_all(&target, &fixture, 1000);
    tenantry_conformance::events::run_all(&target, &fixture);
}

#[test]
fn retries_and_dry_runs_on_the_memory_store() {
    let target = MemoryTarget::new();
    let fixture = Fixture::set_up(&target);
    retries::run_all(&target, &fixture);
    retries::keys_expire_after_a_day(&target, &fixture);
}

#[test]
fn retries_and_dry_runs_in_process() {
    let target = InProcessTarget::new();
    let fixture = Fixture::set_up(&target);
    retries::run_all(&target, &fixture);
    retries::keys_expire_after_a_day(&target, &fixture);
}

#[test]
fn retries_and_dry_runs_over_http() {
    let target = native_http::start();
    retries::run_all(&target, &Fixture::set_up(&target));
}
