//! The one query D1 runs for a create's reads (`sql::FIND_CREATE_READS`), run on SQLite with
//! the shipped migrations: it answers what the port's two reads answer one after the other.

#![expect(
    clippy::unwrap_used,
    reason = "the helpers of a test fail it loudly on any error"
)]

use tenantry_core::CreateTenantRequest;
use tenantry_core::sql::{self, Row, SqlValue};
use tenantry_core::store::{CreateFound, CreateReads, TenantStore};
use tenantry_native::Tenantry;
use uuid::Uuid;

/// The rows of a statement, each column as the drivers hand it to core.
fn rows(tenantry: &Tenantry, reads: &CreateReads<'_>) -> Vec<Row> {
    let statement = sql::find_create_reads(reads);
    let params: Vec<rusqlite::types::Value> = statement
        .params
        .iter()
        .map(|value| match value {
            SqlValue::Null => rusqlite::types::Value::Null,
            SqlValue::Integer(n) => (*n).into(),
            SqlValue::Text(text) => text.clone().into(),
        })
        .collect();
    let connection = tenantry.store().connection();
    let mut prepared = connection.prepare(statement.sql).unwrap();
    let columns = prepared.column_count();
    prepared
        .query_map(rusqlite::params_from_iter(params), |row| {
            (0..columns)
                .map(|at| {
                    row.get::<_, rusqlite::types::Value>(at).map(|v| match v {
                        rusqlite::types::Value::Integer(n) => SqlValue::Integer(n),
                        rusqlite::types::Value::Text(text) => SqlValue::Text(text),
                        _ => SqlValue::Null,
                    })
                })
                .collect()
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn the_one_query_answers_what_the_two_reads_answer() {
    let tenantry = Tenantry::open_in_memory().unwrap();
    let master = tenantry.init().unwrap();
    let platform = master.tenant_id.to_string();
    for (name, slug) in [("Acme", "acme"), ("Acme Two", "ACME-2")] {
        let request = CreateTenantRequest {
            name: name.into(),
            slug: Some(slug.into()),
            owner_email: "o@acme.test".into(),
            owner_name: "O".into(),
            ..Default::default()
        };
        tenantry
            .create_tenant(&master.api_key, &platform, &request)
            .unwrap();
    }
    let key_id: Uuid = tenantry
        .store()
        .connection()
        .query_row("SELECT id FROM api_keys", [], |row| row.get::<_, String>(0))
        .unwrap()
        .parse()
        .unwrap();
    let candidates: Vec<String> = ["acme", "acme-2", "acme-3", "platform"]
        .map(String::from)
        .to_vec();
    for (key_id, candidates) in [
        (key_id, &candidates[..]),
        (key_id, &[][..]),
        (Uuid::nil(), &candidates[..]),
    ] {
        let reads = CreateReads {
            key_id,
            slug_candidates: candidates,
        };
        let mut one_query = sql::found_create_reads(&rows(&tenantry, &reads)).unwrap();
        let mut two_reads: CreateFound =
            pollster::block_on(tenantry.store().create_reads(&reads)).unwrap();
        one_query.slugs_in_use.sort();
        two_reads.slugs_in_use.sort();
        assert_eq!(one_query, two_reads, "{key_id}, {candidates:?}");
    }
    let reads = CreateReads {
        key_id,
        slug_candidates: &candidates,
    };
    let found = sql::found_create_reads(&rows(&tenantry, &reads)).unwrap();
    assert_eq!(found.key.unwrap().tenant_id, master.tenant_id);
    let mut used = found.slugs_in_use;
    used.sort();
    assert_eq!(used, ["acme", "acme-2", "platform"]);
}
