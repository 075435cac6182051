//! The table the invariants are written from: each action Tenantry decides, the scope a key
//! needs for it, and what it does. Adding an action to the product is one row here; rows whose
//! action the schema does not declare are skipped, with a note in the report.

use tenantry_core::Scope;

/// What an action does, which decides the invariants that bound it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Creates, deletes or lists tenants: only platform keys may ever do it.
    PlatformWide,
    /// Acts on one tenant (the resource): a child tenant's key only on its own.
    OnTenant,
}

/// One action of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionRow {
    /// The action's name in the `Tenantry` namespace, e.g. `create_tenant`.
    pub action: &'static str,
    /// The scope a key must hold to be permitted the action.
    pub scope: Scope,
    /// What the action does.
    pub kind: Kind,
}

const fn row(action: &'static str, scope: Scope, kind: Kind) -> ActionRow {
    ActionRow {
        action,
        scope,
        kind,
    }
}

/// Every action of the contract, in its order (CONTRACT-LIFECYCLE.md's list).
pub const ACTIONS: &[ActionRow] = &[
    row("create_tenant", Scope::TenantsCreate, Kind::PlatformWide),
    row("list_tenants", Scope::TenantsRead, Kind::PlatformWide),
    row("read_tenant", Scope::TenantsRead, Kind::OnTenant),
    row("update_tenant", Scope::TenantsUpdate, Kind::OnTenant),
    row("delete_tenant", Scope::TenantsDelete, Kind::PlatformWide),
    row("create_api_key", Scope::KeysCreate, Kind::OnTenant),
    row("list_api_keys", Scope::KeysRead, Kind::OnTenant),
    row("revoke_api_key", Scope::KeysRevoke, Kind::OnTenant),
    row("read_events", Scope::EventsRead, Kind::OnTenant),
    row("retry_event", Scope::EventsRead, Kind::PlatformWide),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_appears_once_and_every_scope_guards_one() {
        let mut names: Vec<&str> = ACTIONS.iter().map(|row| row.action).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ACTIONS.len());
        for scope in Scope::ALL {
            assert!(
                ACTIONS.iter().any(|row| row.scope == *scope),
                "no action needs `{scope}`"
            );
        }
    }
}
