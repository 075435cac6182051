//! Reading tenants from a file database holding 100,000 of them: one page of 50 from the start
//! and one deep in the set, and a get by id, in process and over HTTP (`tenantry serve` on the
//! same file, one keep-alive connection), beside the floor: the bare keyset query on the same
//! file (`SELECT … WHERE seq > ? ORDER BY seq LIMIT 51` and `… WHERE id = ?`), all in one run.
//!
//! `TENANTRY_BENCH_TENANTS` sets how many tenants (default 100,000).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rusqlite::{Connection, OpenFlags};
use tenantry_core::{PageRequest, TenantQuery, sql};
use tenantry_native::Tenantry;
use uuid::Uuid;

mod support;

/// The columns a page reads, as the flow's query reads them.
const FLOOR_PAGE: &str = "SELECT id, name, slug, locale, owner_email, owner_user_id, sso_start_url, \
     sso_region, is_master, primary_domain, created_at, updated_at, seq FROM tenants \
     WHERE seq > ?1 ORDER BY seq LIMIT 51";
const FLOOR_GET: &str = "SELECT id, name, slug, locale, owner_email, owner_user_id, sso_start_url, \
     sso_region, is_master, primary_domain, created_at, updated_at, version FROM tenants \
     WHERE id = ?1";

/// Reads every column of every row, as the flow decodes them.
fn floor_rows(statement: &mut rusqlite::CachedStatement<'_>, param: &dyn rusqlite::ToSql) -> usize {
    let rows = statement.query_map([param], |row| {
        let mut text = 0;
        for i in 0..13 {
            text += match row.get_ref(i)? {
                rusqlite::types::ValueRef::Text(t) => t.len(),
                _ => 1,
            };
        }
        Ok(text)
    });
    rows.map(|rows| rows.filter_map(Result::ok).sum())
        .unwrap_or(0)
}

fn query(limit: u32, cursor: Option<String>) -> TenantQuery {
    TenantQuery {
        page: PageRequest {
            limit: Some(limit),
            cursor,
        },
        slug: None,
    }
}

fn lifecycle(c: &mut Criterion) {
    let count = support::env_number("TENANTRY_BENCH_TENANTS", 100_000);
    let Ok(dir) = tempfile::tempdir() else {
        return eprintln!("no temporary folder");
    };
    let db = dir.path().join("lifecycle.db");
    let Ok(tenantry) = Tenantry::open(&db) else {
        return eprintln!("cannot open the database");
    };
    let Ok(master) = tenantry.init() else {
        return eprintln!("cannot bootstrap");
    };
    // The rows of `count` creates, written a thousand to a transaction: the flow's own
    // statements, so the sequence and every index are as a real database's.
    let mut ids = Vec::with_capacity(count);
    for chunk in 0..count.div_ceil(1000) {
        let mut statements = Vec::new();
        for i in chunk * 1000..((chunk + 1) * 1000).min(count) {
            let Some(record) = support::floor_record(master.tenant_id, format!("t-{i}")) else {
                return eprintln!("no clock or randomness");
            };
            ids.push(record.tenant.id);
            statements.extend(sql::insert_tenant(&record));
        }
        if let Err(e) = tenantry.store().execute_atomically(&statements) {
            return eprintln!("cannot write the tenants: {e}");
        }
    }
    let key = master.api_key.clone();
    let tenant = master.tenant_id.to_string();
    // A cursor 90% of the way in, found by walking as a client would.
    let mut deep = None;
    let mut walked = 0;
    while walked < count * 9 / 10 {
        let page = tenantry.list_tenants(
            &key,
            &tenant,
            &TenantQuery {
                page: PageRequest {
                    limit: Some(250),
                    cursor: deep.clone(),
                },
                slug: None,
            },
        );
        match page {
            Ok(page) => {
                walked += page.data.len();
                deep = page.next_cursor;
            }
            Err(e) => return eprintln!("cannot page: {e}"),
        }
    }
    let deep_seq = i64::try_from(walked).unwrap_or(0) + 1; // the master tenant is seq 1
    let target: Uuid = ids[count * 9 / 10];
    let Ok(floor) = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY) else {
        return eprintln!("cannot open the floor's connection");
    };

    let mut group = c.benchmark_group(format!("read among {count} tenants"));
    group.bench_function("in-process list, first page of 50", |b| {
        b.iter(|| {
            black_box(
                tenantry
                    .list_tenants(&key, &tenant, &query(50, None))
                    .is_ok(),
            )
        })
    });
    group.bench_function("in-process list, page of 50 at 90%", |b| {
        b.iter(|| {
            black_box(
                tenantry
                    .list_tenants(&key, &tenant, &query(50, deep.clone()))
                    .is_ok(),
            )
        })
    });
    // A page of one: what every request pays whatever its size (the key, the decision), so
    // that (page of 50 - page of 1) / 49 is the cost of a row.
    group.bench_function("in-process list, first page of 1", |b| {
        b.iter(|| {
            black_box(
                tenantry
                    .list_tenants(&key, &tenant, &query(1, None))
                    .is_ok(),
            )
        })
    });
    group.bench_function("in-process get by id", |b| {
        b.iter(|| black_box(tenantry.get_tenant(&key, &tenant, target).is_ok()))
    });
    let Ok(mut page_statement) = floor.prepare_cached(FLOOR_PAGE) else {
        return eprintln!("the floor's page query does not prepare");
    };
    group.bench_function("floor: bare keyset query, first page", |b| {
        b.iter(|| black_box(floor_rows(&mut page_statement, &0i64)))
    });
    group.bench_function("floor: bare keyset query, page at 90%", |b| {
        b.iter(|| black_box(floor_rows(&mut page_statement, &deep_seq)))
    });
    drop(page_statement);
    let Ok(mut get_statement) = floor.prepare_cached(FLOOR_GET) else {
        return eprintln!("the floor's get query does not prepare");
    };
    let target_text = target.to_string();
    group.bench_function("floor: bare get by id", |b| {
        b.iter(|| black_box(floor_rows(&mut get_statement, &target_text)))
    });
    drop(get_statement);

    let Some((_server, url)) = support::serve(&db) else {
        return eprintln!("cannot start tenantry serve");
    };
    let agent = ureq::Agent::new_with_defaults();
    let get = |path: &str| {
        agent
            .get(format!("{url}{path}"))
            .header("X-API-Key", &key)
            .header("X-Tenant-ID", &tenant)
            .call()
            .and_then(|mut r| r.body_mut().read_to_string())
            .is_ok()
    };
    let deep_path = format!(
        "/v1/tenants?limit=50&cursor={}",
        deep.clone().unwrap_or_default()
    );
    group.bench_function("HTTP list, first page of 50", |b| {
        b.iter(|| black_box(get("/v1/tenants?limit=50")))
    });
    group.bench_function("HTTP list, page of 50 at 90%", |b| {
        b.iter(|| black_box(get(&deep_path)))
    });
    let get_path = format!("/v1/tenants/{target}");
    group.bench_function("HTTP get by id", |b| b.iter(|| black_box(get(&get_path))));
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50);
    targets = lifecycle
}
criterion_main!(benches);
