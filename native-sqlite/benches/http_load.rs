//! A bounded load on 127.0.0.1: client threads creating tenants with unique slugs over keep-alive
//! HTTP, reporting throughput and p50/p99 latency, beside the storage floor measured in the same
//! run on the same database file.
//!
//! By default it starts `tenantry serve` on a fresh database. To load another server (the edge
//! worker in workerd), set `TENANTRY_LOAD_URL`, `TENANTRY_LOAD_KEY` and `TENANTRY_LOAD_TENANT`.
//! `TENANTRY_LOAD_CLIENTS` (default 8) and `TENANTRY_LOAD_REQUESTS` (per client, default 250)
//! bound the load.

use std::time::{Duration, Instant};

use tenantry_core::sql;
use tenantry_native::{SqliteStore, Tenantry, system};

mod support;

fn start_native(db: &std::path::Path) -> Option<(support::Server, String, String, String)> {
    let bootstrapped = Tenantry::open(db).ok()?.init().ok()?;
    let (server, url) = support::serve(db)?;
    Some((
        server,
        url,
        bootstrapped.api_key,
        bootstrapped.tenant_id.to_string(),
    ))
}

fn main() {
    let clients = support::env_number("TENANTRY_LOAD_CLIENTS", 8);
    let per_client = support::env_number("TENANTRY_LOAD_REQUESTS", 250);
    let Ok(dir) = tempfile::tempdir() else {
        return eprintln!("no temporary folder");
    };
    let db = dir.path().join("load.db");
    let (server, url, key, tenant) = match std::env::var("TENANTRY_LOAD_URL") {
        Ok(url) => {
            let var = |n: &str| std::env::var(n).unwrap_or_default();
            (
                None,
                url,
                var("TENANTRY_LOAD_KEY"),
                var("TENANTRY_LOAD_TENANT"),
            )
        }
        Err(_) => match start_native(&db) {
            Some((server, url, key, tenant)) => (Some(server), url, key, tenant),
            None => return eprintln!("could not start tenantry serve"),
        },
    };
    let run = format!("{}", std::process::id());
    let target = support::LoadTarget {
        url: &url,
        key: &key,
        tenant: &tenant,
    };
    let (sent, elapsed) = support::create_load(&target, clients, per_client, Duration::ZERO, &run);
    let results: Vec<(Duration, u16)> = sent.iter().map(|s| (s.latency, s.status)).collect();
    drop(server);
    let created = results.iter().filter(|(_, s)| *s == 201).count();
    let mut latencies: Vec<Duration> = results.iter().map(|(d, _)| *d).collect();
    latencies.sort_unstable();
    println!("target: {url}");
    println!("load: {clients} clients x {per_client} creates, keep-alive, 127.0.0.1");
    println!(
        "created: {created} of {} (other statuses: {})",
        results.len(),
        results.len() - created
    );
    println!(
        "throughput: {:.0} creates/s over {elapsed:.2?}",
        created as f64 / elapsed.as_secs_f64()
    );
    println!(
        "latency: p50 {:.2?}, p99 {:.2?}, max {:.2?}",
        support::percentile(&latencies, 0.5),
        support::percentile(&latencies, 0.99),
        support::percentile(&latencies, 1.0)
    );
    if std::env::var("TENANTRY_LOAD_URL").is_err() {
        floor(&db, results.len());
    }
}

/// The storage floor on the same file: the bare transaction writing the same four rows, in a
/// loop on one connection, as many times as the load sent creates.
fn floor(db: &std::path::Path, count: usize) {
    let Ok(store) = SqliteStore::open(db) else {
        return eprintln!("cannot reopen the database");
    };
    let Ok(actor) = system::uuid() else { return };
    let started = Instant::now();
    let written = (0..count)
        .filter_map(|i| support::floor_record(actor, format!("floor-{i}")))
        .filter(|record| {
            store
                .execute_atomically(&sql::insert_tenant(record))
                .is_ok()
        })
        .count();
    let elapsed = started.elapsed();
    println!(
        "floor (bare transaction, same file, one connection): {:.0} creates/s ({written} in {elapsed:.2?})",
        written as f64 / elapsed.as_secs_f64()
    );
}
