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
    // 200 tenants to page rather than the native 1,000: each create is a D1 batch in local
    // workerd, and the walk, the concurrent creates and the other checks need no more to show
    // that nothing is skipped or shown twice across many pages of 7.
    tenantry_conformance::lifecycle::run_all(&target, &fixture, 200);
}
