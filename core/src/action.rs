//! What the policies decide about: one Cedar action per operation, the resource it targets, and
//! the context the request carries.

use uuid::Uuid;

use crate::model::Tenant;

/// Declares [`Action`] and its Cedar names from one list.
macro_rules! actions {
    ($($(#[doc = $doc:literal])* $variant:ident => $name:literal,)+) => {
        /// A Cedar action of `Tenantry::Action`, one per operation.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $($(#[doc = $doc])* $variant,)+
        }

        impl Action {
            /// Every action, in the schema's order.
            pub const ALL: &[Self] = &[$(Self::$variant,)+];

            /// The action's name in the schema and the audit log, e.g. `create_tenant`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)+
                }
            }
        }
    };
}

actions! {
    /// `POST /v1/tenants`; the resource is the platform.
    CreateTenant => "create_tenant",
    /// `GET /v1/tenants`; the resource is the platform.
    ListTenants => "list_tenants",
    /// `GET /v1/tenants/{id}`.
    ReadTenant => "read_tenant",
    /// `PUT /v1/tenants/{id}`.
    UpdateTenant => "update_tenant",
    /// `DELETE /v1/tenants/{id}`.
    DeleteTenant => "delete_tenant",
    /// `POST /v1/api-keys`; the resource is the tenant that will own the key.
    CreateApiKey => "create_api_key",
    /// `GET /v1/api-keys` and `GET /v1/api-keys/{id}`; the resource is the keys' tenant.
    ListApiKeys => "list_api_keys",
    /// `DELETE /v1/api-keys/{id}`; the resource is the key's tenant.
    RevokeApiKey => "revoke_api_key",
    /// Reading a tenant's events; the resource is that tenant.
    ReadEvents => "read_events",
    /// `POST /v1/events/{id}/retry`, scheduling a delivery again; the resource is the caller's
    /// tenant (the stream it acts on), as for reading.
    RetryEvent => "retry_event",
}

/// What an action targets: the platform (lists and creates of tenants) or one tenant, whose
/// attributes the policies see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource<'a> {
    /// `Tenantry::Platform::"platform"`.
    Platform,
    /// `Tenantry::Tenant::"<id>"` with `is_master` and `slug`.
    Tenant(TenantRef<'a>),
}

/// A tenant as the policies see it as a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantRef<'a> {
    /// Its id.
    pub id: Uuid,
    /// Whether it is the platform tenant.
    pub is_master: bool,
    /// Its slug.
    pub slug: &'a str,
}

impl<'a> TenantRef<'a> {
    /// The reference of a whole tenant.
    pub fn of(tenant: &'a Tenant) -> Self {
        Self {
            id: tenant.id,
            is_master: tenant.is_master,
            slug: &tenant.slug,
        }
    }
}

/// The values a tenant will have, as the context of `create_tenant` and `update_tenant` shows
/// them, so one rule (say, SSO only in EU regions) holds for both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ask<'a> {
    /// The slug, lowercase.
    pub slug: &'a str,
    /// Whether the slug was derived from the name (always `false` for an update).
    pub slug_derived: bool,
    /// The canonical locale.
    pub locale: &'a str,
    /// The owner's email domain, lowercase (empty for the platform tenant, which has no owner).
    pub owner_email_domain: &'a str,
    /// The SSO region, if SSO is configured.
    pub sso_region: Option<&'a str>,
}

impl<'a> Ask<'a> {
    /// The ask of a tenant as it is (or will be after an update).
    pub fn of_tenant(tenant: &'a Tenant) -> Self {
        Self {
            slug: &tenant.slug,
            slug_derived: false,
            locale: &tenant.locale,
            owner_email_domain: tenant
                .owner_email
                .as_deref()
                .and_then(|email| email.rsplit_once('@'))
                .map_or("", |(_, domain)| domain),
            sso_region: tenant.sso_region.as_deref(),
        }
    }
}

/// The request's `context`, as the action's schema declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Context<'a> {
    /// Nothing beyond the principal and the resource.
    Empty,
    /// The values of the tenant after the operation (`create_tenant`, `update_tenant`).
    Tenant(Ask<'a>),
    /// The scopes a new key would hold (`create_api_key`).
    Scopes(&'a [String]),
}
