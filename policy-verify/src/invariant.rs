//! The invariants, stated from the action table over the actions the schema declares.

use crate::table::{ACTIONS, ActionRow, Kind};

/// The namespace of Tenantry's actions, as the schema declares them.
const NAMESPACE: &str = "Tenantry";

/// What must hold, as a question the symbolic compiler can answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Check {
    /// No policy errors on any well-formed request of any action.
    NeverErrors,
    /// Every request for `action` the policies permit, `bound` permits too.
    Within {
        /// The action's uid, e.g. `Tenantry::Action::"create_tenant"`.
        action: String,
        /// What bounds the permitted requests.
        bound: Bound,
    },
}

/// The policy set a [`Check::Within`] compares against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Bound {
    /// One `permit` whose condition is the invariant: Cedar text of a `when` body.
    Condition(String),
    /// The policies Tenantry ships.
    Shipped,
}

/// One invariant: its name, what it says, what a refutation means, and how it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invariant {
    pub(crate) name: String,
    pub(crate) statement: String,
    /// What a counterexample shows and what to change, said to the operator.
    pub(crate) remedy: String,
    pub(crate) check: Check,
}

/// The invariants for the actions the schema declares, and the table's actions it does not.
pub(crate) fn invariants(declared: &[String]) -> (Vec<Invariant>, Vec<&'static str>) {
    let mut found = vec![Invariant {
        name: "never-errors".to_owned(),
        statement: "no policy errors on any well-formed request".to_owned(),
        remedy: "this policy errors on the request below, and Cedar skips a policy that errors, \
                 so a `forbid` that errors lets requests through; guard optional attributes with \
                 `has` and keep arithmetic in range"
            .to_owned(),
        check: Check::NeverErrors,
    }];
    let mut skipped = Vec::new();
    for row in ACTIONS {
        let action = format!("{NAMESPACE}::Action::\"{}\"", row.action);
        if declared.contains(&action) {
            found.extend(for_action(row, &action));
        } else {
            skipped.push(row.action);
        }
    }
    (found, skipped)
}

/// The invariants of one declared action.
fn for_action(row: &ActionRow, action: &str) -> Vec<Invariant> {
    let name = row.action;
    let scope = row.scope.as_str();
    let within = |condition: String| Check::Within {
        action: action.to_owned(),
        bound: Bound::Condition(condition),
    };
    let mut found = Vec::with_capacity(3);
    found.push(match row.kind {
        Kind::PlatformWide => Invariant {
            name: format!("{name}/platform-keys-only"),
            statement: format!("no key of a non-platform tenant is permitted `{name}`"),
            remedy: format!(
                "a key of a non-platform tenant is permitted `{name}`; require \
                 `principal.tenant.is_master` in the permit that allows it, or keep a forbid \
                 `unless {{ principal.tenant.is_master }}`"
            ),
            check: within("principal.tenant.is_master".to_owned()),
        },
        Kind::OnTenant => Invariant {
            name: format!("{name}/own-tenant-only"),
            statement: format!("a child tenant's key is permitted `{name}` only on its own tenant"),
            remedy: format!(
                "a child tenant's key is permitted `{name}` on another tenant; require \
                 `resource == principal.tenant` (or `principal.tenant.is_master`) in the permit \
                 that allows it"
            ),
            check: within("principal.tenant.is_master || resource == principal.tenant".to_owned()),
        },
    });
    found.push(Invariant {
        name: format!("{name}/needs-scope"),
        statement: format!("no key without `{scope}` is permitted `{name}`"),
        remedy: format!(
            "a key without `{scope}` is permitted `{name}`; require \
             `principal.scopes.contains(\"{scope}\")` in the permit that allows it"
        ),
        check: within(format!("principal.scopes.contains(\"{scope}\")")),
    });
    found.push(Invariant {
        name: format!("{name}/within-shipped"),
        statement: format!("every `{name}` these policies permit, the shipped policies permit"),
        remedy: format!(
            "these policies permit a `{name}` that the shipped policies deny: a permit opens \
             more than Tenantry ships; narrow it, or if it is meant, review it against the \
             invariants above"
        ),
        check: Check::Within {
            action: action.to_owned(),
            bound: Bound::Shipped,
        },
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_undeclared_action_is_skipped_and_a_declared_one_gets_three_invariants() {
        let (found, skipped) = invariants(&[r#"Tenantry::Action::"create_tenant""#.to_owned()]);
        let names: Vec<&str> = found.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "never-errors",
                "create_tenant/platform-keys-only",
                "create_tenant/needs-scope",
                "create_tenant/within-shipped",
            ]
        );
        assert_eq!(skipped.len(), ACTIONS.len() - 1);
        assert!(!skipped.contains(&"create_tenant"));
    }

    #[test]
    fn an_action_on_a_tenant_is_bounded_to_the_callers_own() {
        let (found, _) = invariants(&[r#"Tenantry::Action::"read_tenant""#.to_owned()]);
        let own = found
            .iter()
            .find(|i| i.name == "read_tenant/own-tenant-only")
            .unwrap();
        assert_eq!(
            own.check,
            Check::Within {
                action: r#"Tenantry::Action::"read_tenant""#.to_owned(),
                bound: Bound::Condition(
                    "principal.tenant.is_master || resource == principal.tenant".to_owned()
                ),
            }
        );
    }
}
