//! A database made by the release before the lifecycle (only `0001` applied, rows of its shape)
//! upgrades without losing a row, and its old tenants and keys work through the new API.

#![expect(
    clippy::unwrap_used,
    reason = "the helpers of a test fail it loudly on any error"
)]

use rusqlite::Connection;
use tenantry_core::http::HttpRequest;
use tenantry_core::{IssuedKey, KEY_RANDOM_BYTES, MIGRATIONS};
use tenantry_native::Tenantry;

const MASTER: &str = "00000000-0000-4000-8000-000000000001";

fn old_database(path: &std::path::Path) -> String {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(MIGRATIONS[0].1).unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
    conn.execute(
        "INSERT INTO tenants (id, name, slug, locale, is_master, created_at, updated_at) \
         VALUES (?1, 'Platform', 'platform', 'en', 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        [MASTER],
    )
    .unwrap();
    // Five customers, two created in the same second: the order must still be oldest first,
    // ties by id.
    for (i, at) in [
        "2026-01-02",
        "2026-01-03",
        "2026-01-03",
        "2026-01-04",
        "2026-01-05",
    ]
    .iter()
    .enumerate()
    {
        let id = format!("00000000-0000-4000-8000-0000000001{i:02}");
        let user = format!("00000000-0000-4000-8000-0000000002{i:02}");
        let time = format!("{at}T00:00:00Z");
        conn.execute(
            "INSERT INTO tenants (id, name, slug, locale, owner_email, owner_user_id, created_at, \
             updated_at) VALUES (?1, ?2, ?3, 'en', 'o@old.test', ?4, ?5, ?5)",
            [&id, &format!("Old {i}"), &format!("old-{i}"), &user, &time],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO users (id, tenant_id, email, name, role, status, created_at, updated_at) \
             VALUES (?1, ?2, 'o@old.test', 'O', 'owner', 'invited', ?3, ?3)",
            [&user, &id, &time],
        )
        .unwrap();
    }
    let key = IssuedKey::from_random_bytes([3; KEY_RANDOM_BYTES]);
    conn.execute(
        "INSERT INTO api_keys (id, tenant_id, secret_hash, scopes, created_at) \
         VALUES (?1, ?2, ?3, ?4, '2026-01-01T00:00:00Z')",
        [
            key.key_id.to_string(),
            MASTER.to_owned(),
            key.secret_hash.clone(),
            r#"["tenants:read","tenants:create","keys:read","keys:create"]"#.to_owned(),
        ],
    )
    .unwrap();
    key.plaintext
}

fn get(tenantry: &Tenantry, key: &str, path: &str, query: &str) -> serde_json::Value {
    let headers = [("X-API-Key", key), ("X-Tenant-ID", MASTER)];
    let response = tenantry.handle(HttpRequest {
        method: "GET",
        path,
        query,
        headers: &headers,
        body: b"",
    });
    assert_eq!(response.status, 200, "{path}?{query}: {}", response.body);
    serde_json::from_str(&response.body).unwrap()
}

#[test]
fn a_database_of_the_previous_release_upgrades_and_pages_its_old_tenants() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let key = old_database(&path);
    let tenantry = Tenantry::open(&path).unwrap();
    let mut slugs = Vec::new();
    let mut query = "limit=2".to_owned();
    loop {
        let page = get(&tenantry, &key, "/v1/tenants", &query);
        for tenant in page["data"].as_array().unwrap() {
            slugs.push(tenant["slug"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => query = format!("limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(
        slugs,
        ["platform", "old-0", "old-1", "old-2", "old-3", "old-4"]
    );
    let old = get(
        &tenantry,
        &key,
        "/v1/tenants/00000000-0000-4000-8000-000000000102",
        "",
    );
    assert_eq!(old["owner_email"], "o@old.test");
    let keys = get(&tenantry, &key, "/v1/api-keys", "");
    assert_eq!(keys["data"][0]["name"], "unnamed");
    // A tenant created after the upgrade comes after every old one.
    let request = tenantry_core::CreateTenantRequest {
        name: "New".into(),
        owner_email: "n@new.test".into(),
        owner_name: "N".into(),
        ..Default::default()
    };
    tenantry.create_tenant(&key, MASTER, &request).unwrap();
    let all = get(&tenantry, &key, "/v1/tenants", "limit=250");
    assert_eq!(all["data"][6]["slug"], "new");
}
