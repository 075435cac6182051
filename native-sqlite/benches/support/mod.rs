//! What both benchmarks share: the rows of one create, for the storage floor.

use tenantry_core::Tenant;
use tenantry_core::store::{AuditRecord, Invite, NewTenantRecord, OwnerUser};
use tenantry_native::system;
use uuid::Uuid;

/// The four rows one create writes (tenant, owner, invite, audit), with fresh ids, as the flow
/// would build them; `None` if the clock or the random source fails.
pub(crate) fn floor_record(actor: Uuid, slug: String) -> Option<NewTenantRecord> {
    let now = system::now().ok()?;
    let fresh = system::fresh().ok()?;
    let email = "floor@bench.test".to_owned();
    Some(NewTenantRecord {
        tenant: Tenant {
            id: fresh.tenant_id,
            name: "Floor Co".into(),
            slug,
            locale: "en".into(),
            owner_email: Some(email.clone()),
            owner_user_id: Some(fresh.owner_user_id),
            sso_start_url: None,
            sso_region: None,
            is_master: false,
            primary_domain: None,
            created_at: now,
            updated_at: now,
        },
        owner: OwnerUser {
            id: fresh.owner_user_id,
            tenant_id: fresh.tenant_id,
            email: email.clone(),
            name: "Floor".into(),
            created_at: now,
        },
        invite: Invite {
            id: fresh.invite_id,
            tenant_id: fresh.tenant_id,
            user_id: fresh.owner_user_id,
            email,
            token_hash: tenantry_core::hash_secret(&fresh.invite_id.to_string()),
            expires_at: now.plus_seconds(3600),
            created_at: now,
        },
        audit: AuditRecord {
            id: fresh.audit_id,
            at: now,
            actor_key_id: actor,
            actor_tenant_id: actor,
            action: "create_tenant",
            resource_id: Some(fresh.tenant_id),
            decision: "allow",
            policies: vec!["platform-keys-create-tenants".into()],
        },
    })
}
