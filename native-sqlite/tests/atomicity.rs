//! A create is all or nothing: a failure injected in the middle leaves no row behind.

#![expect(
    clippy::unwrap_used,
    reason = "the helpers of a test fail it loudly on any error"
)]

use tenantry_core::{ApiError, CreateTenantRequest};
use tenantry_native::{Tenantry, WriteOptions};

fn request(slug: &str) -> CreateTenantRequest {
    CreateTenantRequest {
        name: "Atomic Co".into(),
        slug: Some(slug.into()),
        owner_email: "a@atomic.test".into(),
        owner_name: "A".into(),
        ..CreateTenantRequest::default()
    }
}

fn count(tenantry: &Tenantry, table: &str) -> i64 {
    let sql = format!("SELECT count(*) FROM {table}");
    tenantry
        .store()
        .connection()
        .query_row(&sql, [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_failure_in_the_middle_of_a_create_leaves_no_row_behind() {
    let dir = tempfile::tempdir().unwrap();
    let tenantry = Tenantry::open(&dir.path().join("t.db")).unwrap();
    let master = tenantry.init().unwrap();
    let tenant_id = master.tenant_id.to_string();
    // The tenant and its owner are written before these; each trigger fails a later statement.
    for table in ["invites", "audit_log"] {
        let trigger = format!(
            "CREATE TRIGGER fail_{table} BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        );
        tenantry
            .store()
            .connection()
            .execute_batch(&trigger)
            .unwrap();
        let result = tenantry.create_tenant(&master.api_key, &tenant_id, &request("atomic-co"));
        assert!(
            matches!(result, Err(ApiError::Internal(ref detail)) if detail.contains("injected")),
            "{result:?}"
        );
        assert_eq!(
            count(&tenantry, "tenants"),
            1,
            "only the platform tenant is left"
        );
        for table in ["users", "invites", "audit_log"] {
            assert_eq!(count(&tenantry, table), 0, "{table} after a failure");
        }
        tenantry
            .store()
            .connection()
            .execute_batch(&format!("DROP TRIGGER fail_{table}"))
            .unwrap();
    }
    let created = tenantry
        .create_tenant(&master.api_key, &tenant_id, &request("atomic-co"))
        .unwrap();
    assert_eq!(
        created.tenant.slug, "atomic-co",
        "the slug was not left taken by the failed tries"
    );
    for table in ["users", "invites", "audit_log"] {
        assert_eq!(count(&tenantry, table), 1, "{table} after the create");
    }
}

#[test]
fn the_rows_of_a_create_are_what_the_contract_says() {
    let tenantry = Tenantry::open_in_memory().unwrap();
    let master = tenantry.init().unwrap();
    let created = tenantry
        .create_tenant(
            &master.api_key,
            &master.tenant_id.to_string(),
            &request("rows-co"),
        )
        .unwrap();
    let conn = tenantry.store().connection();
    let (role, status): (String, String) = conn
        .query_row(
            "SELECT role, status FROM users WHERE id = ?1",
            [created
                .tenant
                .owner_user_id
                .map(|id| id.to_string())
                .unwrap_or_default()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((role.as_str(), status.as_str()), ("owner", "invited"));
    let (token_hash, expires_at): (String, String) = conn
        .query_row("SELECT token_hash, expires_at FROM invites", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let token = created.invite_token.as_deref().unwrap_or_default();
    assert_ne!(token_hash, token, "only the token's hash is stored");
    assert_eq!(token_hash, tenantry_core::hash_secret(token));
    assert_eq!(expires_at, created.invite_expires_at.to_rfc3339());
    assert!(created.invite_expires_at > created.tenant.created_at);
    let (decision, policies): (String, String) = conn
        .query_row("SELECT decision, policies FROM audit_log", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(decision, "allow");
    assert_eq!(policies, r#"["platform-keys-create-tenants"]"#);
    // No column of the key's row holds its secret; the hash column holds the secret's hash.
    // A key reads `tnty_<id>_<secret>`.
    let secret = master.api_key.rsplit('_').next().unwrap();
    let row: Vec<String> = conn
        .query_row(
            "SELECT id, tenant_id, secret_hash, scopes, created_at FROM api_keys",
            [],
            |r| (0..5).map(|i| r.get(i)).collect(),
        )
        .unwrap();
    assert!(row.iter().all(|column| !column.contains(secret)), "{row:?}");
    assert_eq!(row[2], tenantry_core::hash_secret(secret));
}

#[test]
fn the_in_process_api_answers_with_the_same_errors() {
    let tenantry = Tenantry::open_in_memory().unwrap();
    let master = tenantry.init().unwrap();
    let tenant_id = master.tenant_id.to_string();
    assert_eq!(
        tenantry
            .create_tenant("nope", &tenant_id, &request("x-co"))
            .unwrap_err(),
        ApiError::Unauthenticated
    );
    let mismatch = tenantry.create_tenant(
        &master.api_key,
        &uuid::Uuid::nil().to_string(),
        &request("x-co"),
    );
    assert_eq!(mismatch.unwrap_err(), ApiError::TenantMismatch);
    let mut bad = request("x");
    bad.owner_email = "nobody".into();
    let Err(ApiError::InvalidFields { fields, .. }) =
        tenantry.create_tenant(&master.api_key, &tenant_id, &bad)
    else {
        panic!("expected invalid fields")
    };
    assert_eq!(fields.keys().collect::<Vec<_>>(), ["owner_email", "slug"]);
}

#[test]
fn a_failed_create_is_not_stored_under_its_idempotency_key() {
    let tenantry = Tenantry::open_in_memory().unwrap();
    let master = tenantry.init().unwrap();
    let tenant_id = master.tenant_id.to_string();
    let options = WriteOptions {
        idempotency_key: Some("retry-after-500"),
        dry_run: false,
    };
    let create =
        || tenantry.create_tenant_with(&master.api_key, &tenant_id, &request("after-500"), options);
    let conn = tenantry.store().connection();
    conn.execute_batch(
        "CREATE TRIGGER fail_invites BEFORE INSERT ON invites BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
    )
    .unwrap();
    assert!(matches!(create(), Err(ApiError::Internal(_))));
    conn.execute_batch("DROP TRIGGER fail_invites").unwrap();
    // The 500 was not stored: the retry runs and creates, with the invite's token.
    let created = create().unwrap();
    assert!(created.invite_token.is_some());
    // Its 201 was: a second retry replays it, the same tenant, and creates nothing more.
    let replayed = create().unwrap();
    assert_eq!(
        (replayed.tenant.id, replayed.invite_token),
        (created.tenant.id, None)
    );
    assert_eq!(count(&tenantry, "tenants"), 2);
}
