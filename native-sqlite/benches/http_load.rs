//! A bounded load on 127.0.0.1: client threads creating tenants with unique slugs over keep-alive
//! HTTP, reporting throughput and p50/p99 latency, beside the storage floor measured in the same
//! run on the same database file (the bare transaction, one per create, on one connection).
//!
//! By default it starts this build's `tenantry serve` on a fresh database for each point of the
//! curve. The environment shapes the run:
//!
//! - `TENANTRY_LOAD_CLIENTS`: the client counts, comma-separated (default `8`); one point each.
//! - `TENANTRY_LOAD_REQUESTS`: creates per client (default: 2000 per point, shared out).
//! - `TENANTRY_SERVE_BINS`: `tenantry` programs to compare, comma-separated, run one after the
//!   other at each point on fresh files (for example the program before a change, and after).
//! - `TENANTRY_LOAD_LISTEN`: the address the servers listen on (default `127.0.0.1:0`).
//! - `TENANTRY_LOAD_URL`, `TENANTRY_LOAD_KEY`, `TENANTRY_LOAD_TENANT`: load another server
//!   instead (the edge worker in workerd); no floor then.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tenantry_core::sql;
use tenantry_native::{SqliteStore, Tenantry, system};

mod support;

/// Creates per point of the curve when `TENANTRY_LOAD_REQUESTS` does not say.
const CREATES_PER_POINT: usize = 2000;

/// What one load measured.
struct Measured {
    created: usize,
    sent: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Measured {
    fn rate(&self) -> f64 {
        self.created as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> Duration {
        support::percentile(&self.latencies, p)
    }
}

/// The target of a load: its URL and the credentials of its platform key.
struct Target {
    url: String,
    key: String,
    tenant: String,
}

fn main() {
    let clients: Vec<usize> = std::env::var("TENANTRY_LOAD_CLIENTS")
        .unwrap_or_else(|_| "8".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    if let Ok(url) = std::env::var("TENANTRY_LOAD_URL") {
        let var = |n: &str| std::env::var(n).unwrap_or_default();
        let target = Target {
            url,
            key: var("TENANTRY_LOAD_KEY"),
            tenant: var("TENANTRY_LOAD_TENANT"),
        };
        for &count in &clients {
            let measured = load(&target, count, per_client(count));
            report(&target.url, count, &measured, None);
        }
        return;
    }
    let servers: Vec<PathBuf> = std::env::var("TENANTRY_SERVE_BINS")
        .map(|list| list.split(',').map(PathBuf::from).collect())
        .unwrap_or_else(|_| vec![PathBuf::from(env!("CARGO_BIN_EXE_tenantry"))]);
    let listen = std::env::var("TENANTRY_LOAD_LISTEN").unwrap_or_else(|_| "127.0.0.1:0".into());
    println!(
        "| server | clients | creates/s | p50 | p99 | max | floor creates/s | share of the floor |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for &count in &clients {
        for server in &servers {
            let Ok(dir) = tempfile::tempdir() else {
                return eprintln!("no temporary folder");
            };
            let db = dir.path().join("load.db");
            let Some((running, target)) = start_native(server, &db, &listen) else {
                return eprintln!("could not start {}", server.display());
            };
            let measured = load(&target, count, per_client(count));
            drop(running);
            let floor = floor(&db, measured.sent);
            report(&server.display().to_string(), count, &measured, floor);
        }
    }
}

fn per_client(clients: usize) -> usize {
    support::env_number(
        "TENANTRY_LOAD_REQUESTS",
        CREATES_PER_POINT.div_ceil(clients.max(1)),
    )
}

fn start_native(server: &Path, db: &Path, listen: &str) -> Option<(support::Server, Target)> {
    let bootstrapped = Tenantry::open(db).ok()?.init().ok()?;
    let how = support::Serve {
        program: Some(server),
        listen: Some(listen),
        ..support::Serve::default()
    };
    let (running, url) = support::serve_with(&how, db)?;
    Some((
        running,
        Target {
            url,
            key: bootstrapped.api_key,
            tenant: bootstrapped.tenant_id.to_string(),
        },
    ))
}

/// `clients` threads, each sending `per_client` creates one after the other over one
/// keep-alive connection.
fn load(target: &Target, clients: usize, per_client: usize) -> Measured {
    let run = std::process::id().to_string();
    let shared = support::LoadTarget {
        url: &target.url,
        key: &target.key,
        tenant: &target.tenant,
    };
    let (sent, elapsed) = support::create_load(&shared, clients, per_client, Duration::ZERO, &run);
    let mut latencies: Vec<Duration> = sent.iter().map(|s| s.latency).collect();
    latencies.sort_unstable();
    Measured {
        created: sent.iter().filter(|s| s.status == 201).count(),
        sent: sent.len(),
        elapsed,
        latencies,
    }
}

/// One line of the table (Markdown), with the statuses other than 201 if there were any.
fn report(server: &str, clients: usize, measured: &Measured, floor: Option<f64>) {
    let floor_cells = floor.map_or_else(
        || "— | —".to_owned(),
        |floor| format!("{floor:.0} | {:.0}%", 100.0 * measured.rate() / floor),
    );
    println!(
        "| {server} | {clients} | {:.0} | {:.2?} | {:.2?} | {:.2?} | {floor_cells} |",
        measured.rate(),
        measured.percentile(0.5),
        measured.percentile(0.99),
        measured.percentile(1.0),
    );
    if measured.created != measured.sent {
        println!(
            "  ({} of {} creates answered other than 201)",
            measured.sent - measured.created,
            measured.sent
        );
    }
}

/// The storage floor on the same file: the bare transaction writing the same rows, one per
/// create, in a loop on one connection, as many times as the load sent creates.
fn floor(db: &Path, count: usize) -> Option<f64> {
    let store = SqliteStore::open(db).ok()?;
    let actor = system::uuid().ok()?;
    let statements: Vec<_> = (0..count)
        .filter_map(|i| support::floor_record(actor, format!("floor-{i}")))
        .map(|record| sql::insert_tenant(&record))
        .collect();
    let started = Instant::now();
    let written = statements
        .iter()
        .filter(|statements| support::bare_transaction(store.connection(), statements).is_ok())
        .count();
    Some(written as f64 / started.elapsed().as_secs_f64())
}
