//! Creates at once: sixteen of one given slug (exactly one 201, fifteen 409, one set of rows),
//! thirty-two of one name with no slug (all 201, distinct derived slugs), and many of one name
//! one after another (all 201).

use std::collections::BTreeSet;
use std::sync::Barrier;

use serde_json::{Value, json};

use crate::fixture::Fixture;
use crate::{Request, Response, RowCounts, Target};

/// How many creates of one given slug race.
pub const RACERS: usize = 16;
/// How many creates of one name race for derived slugs.
pub const DERIVED_RACERS: usize = 32;

/// Races [`RACERS`] creates of `slug` on a target and checks the outcome and the rows left.
pub fn race_for_one_slug(target: &dyn Target, fixture: &Fixture, slug: &str) {
    let body = json!({"name": format!("Race {slug}"), "slug": slug, "owner_email": "r@race.test",
        "owner_name": "R"});
    let statuses: Vec<u16> = send_at_once(target, &create(fixture, &body), RACERS)
        .into_iter()
        .map(|response| {
            if response.status == 409 {
                assert_eq!(response.body["code"], "slug_taken", "{}", response.raw_body);
            }
            response.status
        })
        .collect();
    let created = statuses.iter().filter(|s| **s == 201).count();
    let conflicts = statuses.iter().filter(|s| **s == 409).count();
    assert_eq!(
        (created, conflicts),
        (1, RACERS - 1),
        "{}: statuses {statuses:?}",
        target.name()
    );
    assert_eq!(
        target.count_rows(slug),
        RowCounts::ONE_CREATE,
        "{}: rows after the race",
        target.name()
    );
}

/// Races [`DERIVED_RACERS`] creates of one `name` and no slug: a derived slug always finds a
/// free variant, so every one is created, each with its own slug.
pub fn race_for_one_derived_slug(target: &dyn Target, fixture: &Fixture, name: &str) {
    let body = json!({"name": name, "owner_email": "r@race.test", "owner_name": "R"});
    let responses = send_at_once(target, &create(fixture, &body), DERIVED_RACERS);
    assert_created_with_distinct_slugs(target, &responses);
}

/// Creates `count` tenants of one `name` and no slug, one after another: all are created, each
/// with its own slug, however many share the name.
pub fn many_of_one_name(target: &dyn Target, fixture: &Fixture, name: &str, count: usize) {
    let body = json!({"name": name, "owner_email": "m@many.test", "owner_name": "M"});
    let request = create(fixture, &body);
    let responses: Vec<Response> = (0..count).map(|_| target.send(&request)).collect();
    assert_created_with_distinct_slugs(target, &responses);
}

fn assert_created_with_distinct_slugs(target: &dyn Target, responses: &[Response]) {
    for response in responses {
        assert_eq!(
            response.status,
            201,
            "{}: {}",
            target.name(),
            response.raw_body
        );
    }
    let slugs: BTreeSet<&str> = responses
        .iter()
        .filter_map(|response| response.body["slug"].as_str())
        .collect();
    assert_eq!(slugs.len(), responses.len(), "{}: {slugs:?}", target.name());
}

fn create(fixture: &Fixture, body: &Value) -> Request {
    fixture.platform_call("POST", "/v1/tenants", Some(body))
}

/// Sends `request` from `racers` threads released together.
fn send_at_once(target: &dyn Target, request: &Request, racers: usize) -> Vec<Response> {
    let barrier = Barrier::new(racers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..racers)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    target.send(request)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| panic!("a racer panicked")))
            .collect()
    })
}
