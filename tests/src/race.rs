//! Sixteen creates of one slug at once: exactly one 201, fifteen 409, and one set of rows.

use std::sync::Barrier;

use crate::fixture::Fixture;
use crate::{Request, RowCounts, Target};

/// How many creates race.
pub const RACERS: usize = 16;

/// Races [`RACERS`] creates of `slug` on a target and checks the outcome and the rows left.
pub fn race_for_one_slug(target: &dyn Target, fixture: &Fixture, slug: &str) {
    let body = format!(
        r#"{{"name":"Race {slug}","slug":"{slug}","owner_email":"r@race.test","owner_name":"R"}}"#
    );
    let request = Request {
        method: "POST".into(),
        path: "/v1/tenants".into(),
        headers: vec![
            ("X-API-Key".into(), fixture.master_key.clone()),
            ("X-Tenant-ID".into(), fixture.master_tenant.to_string()),
            ("Content-Type".into(), "application/json".into()),
        ],
        body: body.into_bytes(),
    };
    let barrier = Barrier::new(RACERS);
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..RACERS)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    target.send(&request)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                let response = h.join().unwrap_or_else(|_| panic!("a racer panicked"));
                if response.status == 409 {
                    assert_eq!(response.body["code"], "slug_taken", "{}", response.raw_body);
                }
                response.status
            })
            .collect()
    });
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
        RowCounts {
            tenants: 1,
            users: 1,
            invites: 1
        },
        "{}: rows after the race",
        target.name()
    );
}
