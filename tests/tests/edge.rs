//! The same cases and the same races against the edge worker in workerd. Run by
//! `scripts/test-edge.sh`, which starts the worker with a fresh local D1 (one bootstrap per
//! database, so the cases and the race share one fixture).

use tenantry_conformance::race::{race_for_one_derived_slug, race_for_one_slug};
use tenantry_conformance::runner::run_all;
use tenantry_conformance::targets::edge;

#[test]
#[ignore = "needs the worker running in workerd: run scripts/test-edge.sh"]
fn every_case_then_the_races_on_the_edge_worker() {
    let target = edge::from_env();
    let fixture = run_all(&target);
    race_for_one_slug(&target, &fixture, "race-edge");
    race_for_one_derived_slug(&target, &fixture, "Derived Race Edge");
    // The same 1,000 tenants to page as natively: local workerd creates them in seconds.
    tenantry_conformance::lifecycle::run_all(&target, &fixture, 1000);
    tenantry_conformance::events::run_all(&target, &fixture);
    tenantry_conformance::retries::run_all(&target, &fixture);
}
