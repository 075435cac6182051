//! The callers every case can use, set up on a target by its own administrative means.

use serde_json::Value;
use uuid::Uuid;

use crate::{Request, Target};

/// Keys and tenants for the cases.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// The platform tenant.
    pub master_tenant: Uuid,
    /// Its first key (holds `tenants:create`).
    pub master_key: String,
    /// A platform key without any scope.
    pub unscoped_key: String,
    /// Another (customer) tenant.
    pub other_tenant: Uuid,
    /// A key of that tenant holding `tenants:create`.
    pub other_key: String,
    /// A platform key that has been revoked.
    pub revoked_key: String,
}

impl Fixture {
    /// A request with the platform tenant's first key (`body` sent as JSON).
    pub fn platform_call(&self, method: &str, path: &str, body: Option<&Value>) -> Request {
        crate::lifecycle::call(
            &self.master_key,
            &self.master_tenant.to_string(),
            method,
            path,
            body,
        )
    }

    /// Sets up the fixture: bootstrap, keys, and a customer tenant created through the API.
    pub fn set_up(target: &dyn Target) -> Self {
        let (master_tenant, master_key) = target.bootstrap();
        let (_, unscoped_key) = target.issue_key(master_tenant, &[]);
        let (revoked_id, revoked_key) = target.issue_key(master_tenant, &["tenants:create"]);
        target.revoke_key(revoked_id);
        let body = br#"{"name":"Fixture Customer","slug":"fixture-customer","owner_email":"c@customer.test","owner_name":"C"}"#;
        let response = target.send(&Request {
            method: "POST".into(),
            path: "/v1/tenants".into(),
            headers: vec![
                ("X-API-Key".into(), master_key.clone()),
                ("X-Tenant-ID".into(), master_tenant.to_string()),
                ("Content-Type".into(), "application/json".into()),
            ],
            body: body.to_vec(),
        });
        assert_eq!(
            response.status,
            201,
            "{}: fixture tenant: {}",
            target.name(),
            response.raw_body
        );
        let other_tenant = response.body["id"]
            .as_str()
            .and_then(|id| Uuid::try_parse(id).ok())
            .unwrap_or_else(|| panic!("{}: no id in {}", target.name(), response.raw_body));
        let (_, other_key) = target.issue_key(other_tenant, &["tenants:create"]);
        Self {
            master_tenant,
            master_key,
            unscoped_key,
            other_tenant,
            other_key,
            revoked_key,
        }
    }
}
