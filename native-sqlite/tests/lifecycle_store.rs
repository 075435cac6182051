//! What the SQLite store writes for the lifecycle: a delete takes the tenant's users, invites and
//! keys with it and leaves the audit and the events; a stale write changes nothing at all.

#![expect(
    clippy::unwrap_used,
    reason = "the helpers of a test fail it loudly on any error"
)]

use tenantry_core::{ApiError, CreateTenantRequest, UpdateTenantRequest};
use tenantry_native::Tenantry;

fn count(tenantry: &Tenantry, sql: &str) -> i64 {
    tenantry
        .store()
        .connection()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_delete_takes_everything_of_the_tenant_and_keeps_the_audit() {
    let tenantry = Tenantry::open_in_memory().unwrap();
    let master = tenantry.init().unwrap();
    let platform = master.tenant_id.to_string();
    let request = CreateTenantRequest {
        name: "Doomed".into(),
        owner_email: "d@doomed.test".into(),
        owner_name: "D".into(),
        ..Default::default()
    };
    let created = tenantry
        .create_tenant(&master.api_key, &platform, &request)
        .unwrap();
    let id = created.tenant.id;
    let key = tenantry_core::CreateApiKeyRequest {
        name: "theirs".into(),
        scopes: vec!["tenants:read".into()],
        tenant_id: Some(id),
    };
    tenantry
        .create_api_key(&master.api_key, &platform, &key)
        .unwrap();
    let stale = tenantry.delete_tenant(&master.api_key, &platform, id, Some("\"0\""));
    assert_eq!(stale, Err(ApiError::PreconditionFailed));
    assert_eq!(
        count(&tenantry, "SELECT count(*) FROM write_preconditions"),
        0
    );
    tenantry
        .delete_tenant(&master.api_key, &platform, id, Some("\"1\""))
        .unwrap();
    for table in ["users", "invites"] {
        assert_eq!(
            count(&tenantry, &format!("SELECT count(*) FROM {table}")),
            0,
            "{table}"
        );
    }
    assert_eq!(
        count(&tenantry, "SELECT count(*) FROM api_keys"),
        1,
        "the platform key stays"
    );
    assert_eq!(
        count(
            &tenantry,
            "SELECT count(*) FROM audit_log WHERE action IN ('create_tenant', 'create_api_key', 'delete_tenant')"
        ),
        3
    );
    // The tenant's events stay with the audit, one per change, the stale delete none.
    assert_eq!(
        count(
            &tenantry,
            "SELECT count(*) FROM events WHERE type IN ('tenant.created', 'invite.created', \
             'api_key.created', 'tenant.deleted')"
        ),
        4
    );
    assert_eq!(
        count(&tenantry, "SELECT count(*) FROM write_preconditions"),
        0
    );
}

#[test]
fn an_update_under_a_stale_etag_changes_nothing() {
    let tenantry = Tenantry::open_in_memory().unwrap();
    let master = tenantry.init().unwrap();
    let platform = master.tenant_id.to_string();
    let id = master.tenant_id;
    let rename = |name: &str, if_match| {
        let request = UpdateTenantRequest {
            name: Some(name.into()),
            ..Default::default()
        };
        tenantry.update_tenant(&master.api_key, &platform, id, &request, if_match)
    };
    let first = rename("Platform One", Some("\"1\"")).unwrap();
    assert_eq!(first.etag, "\"2\"");
    assert_eq!(
        rename("Lost", Some("\"1\"")),
        Err(ApiError::PreconditionFailed)
    );
    let read = tenantry.get_tenant(&master.api_key, &platform, id).unwrap();
    assert_eq!(
        (read.tenant.name.as_str(), read.etag.as_str()),
        ("Platform One", "\"2\"")
    );
    assert_eq!(
        count(
            &tenantry,
            "SELECT count(*) FROM audit_log WHERE action = 'update_tenant'"
        ),
        1
    );
}

#[test]
fn the_store_refuses_a_write_computed_from_an_old_version_whole() {
    use tenantry_core::store::{AuditRecord, TenantStore, TenantUpdate};
    let tenantry = Tenantry::open_in_memory().unwrap();
    let master = tenantry.init().unwrap();
    let platform = master.tenant_id.to_string();
    let read = tenantry
        .get_tenant(&master.api_key, &platform, master.tenant_id)
        .unwrap();
    let sneaky = tenantry_core::Tenant {
        name: "Sneaky".into(),
        ..read.tenant.clone()
    };
    let update = TenantUpdate {
        event: tenantry_core::NewEvent::of_tenant(
            uuid::Uuid::from_u128(9),
            tenantry_core::EventType::TenantUpdated,
            &sneaky,
            read.tenant.created_at,
        ),
        tenant: sneaky,
        read_version: 7,
        audit: AuditRecord {
            id: uuid::Uuid::from_u128(9),
            at: read.tenant.created_at,
            actor_key_id: uuid::Uuid::from_u128(1),
            actor_tenant_id: master.tenant_id,
            action: "update_tenant",
            resource_id: Some(master.tenant_id),
            decision: "allow",
            policies: Vec::new(),
        },
    };
    let written = pollster::block_on(tenantry.store().update_tenant(&update));
    assert_eq!(written, Err(tenantry_core::store::StoreError::Stale));
    assert_eq!(count(&tenantry, "SELECT count(*) FROM audit_log"), 0);
    assert_eq!(count(&tenantry, "SELECT count(*) FROM events"), 0);
    assert_eq!(
        count(
            &tenantry,
            "SELECT count(*) FROM tenants WHERE name = 'Sneaky'"
        ),
        0
    );
}

#[test]
fn the_in_process_creates_take_an_idempotency_key_and_a_dry_run() {
    use tenantry_native::WriteOptions;
    let tenantry = Tenantry::open_in_memory().unwrap();
    let master = tenantry.init().unwrap();
    let platform = master.tenant_id.to_string();
    let request = CreateTenantRequest {
        name: "Once".into(),
        owner_email: "o@once.test".into(),
        owner_name: "O".into(),
        ..Default::default()
    };
    let dry = WriteOptions {
        dry_run: true,
        ..Default::default()
    };
    let would = tenantry
        .create_tenant_with(&master.api_key, &platform, &request, dry)
        .unwrap();
    assert_eq!(would.tenant.slug, "once");
    assert_eq!(count(&tenantry, "SELECT count(*) FROM tenants"), 1);
    let once = WriteOptions {
        idempotency_key: Some("once-1"),
        ..Default::default()
    };
    let first = tenantry
        .create_tenant_with(&master.api_key, &platform, &request, once)
        .unwrap();
    assert!(first.invite_token.is_some());
    let again = tenantry
        .create_tenant_with(&master.api_key, &platform, &request, once)
        .unwrap();
    assert_eq!(again.tenant, first.tenant);
    assert_eq!(again.invite_token, None, "the token is never stored");
    assert_eq!(again.invite_expires_at, first.invite_expires_at);
    assert_eq!(count(&tenantry, "SELECT count(*) FROM tenants"), 2);
    let other = CreateTenantRequest {
        name: "Another".into(),
        ..request
    };
    assert_eq!(
        tenantry
            .create_tenant_with(&master.api_key, &platform, &other, once)
            .map(|c| c.tenant.id),
        Err(ApiError::IdempotencyKeyReused)
    );

    let key = tenantry_core::CreateApiKeyRequest {
        name: "ci".into(),
        scopes: vec!["tenants:read".into()],
        tenant_id: None,
    };
    let once = WriteOptions {
        idempotency_key: Some("key-1"),
        ..Default::default()
    };
    let issued = tenantry
        .create_api_key_with(&master.api_key, &platform, &key, once)
        .unwrap();
    let replayed = tenantry
        .create_api_key_with(&master.api_key, &platform, &key, once)
        .unwrap();
    assert_eq!((replayed.key, replayed.api_key), (issued.key, None));
    assert_eq!(count(&tenantry, "SELECT count(*) FROM api_keys"), 2);
}
