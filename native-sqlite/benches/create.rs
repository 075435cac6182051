//! In-process creates on a database file, beside the storage floor: the bare SQL transaction
//! that writes the same rows (tenant, owner, invite, audit), measured in the same run.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use tenantry_core::{CreateTenantRequest, sql};
use tenantry_native::Tenantry;

mod support;

static NEXT: AtomicU64 = AtomicU64::new(0);

fn unique_slug(prefix: &str) -> String {
    format!("{prefix}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

fn create(c: &mut Criterion) {
    let Ok(dir) = tempfile::tempdir() else {
        return eprintln!("no temporary folder");
    };
    let Ok(tenantry) = Tenantry::open(&dir.path().join("bench.db")) else {
        return eprintln!("cannot open the database");
    };
    let Ok(master) = tenantry.init() else {
        return eprintln!("cannot bootstrap");
    };
    let tenant_id = master.tenant_id.to_string();
    let mut group = c.benchmark_group("create on a file database");
    group.bench_function("in-process create_tenant", |b| {
        b.iter_batched(
            || CreateTenantRequest {
                name: "Bench Co".into(),
                slug: Some(unique_slug("inproc")),
                owner_email: "ann@bench.test".into(),
                owner_name: "Ann".into(),
                ..CreateTenantRequest::default()
            },
            |request| {
                black_box(
                    tenantry
                        .create_tenant(&master.api_key, &tenant_id, &request)
                        .is_ok(),
                )
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("floor: the bare SQL transaction", |b| {
        b.iter_batched(
            || {
                support::floor_record(master.tenant_id, unique_slug("floor"))
                    .map(|r| sql::insert_tenant(&r))
                    .unwrap_or_default()
            },
            |statements| {
                black_box(
                    support::bare_transaction(tenantry.store().connection(), &statements).is_ok(),
                )
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, create);
criterion_main!(benches);
