//! A counterexample Cedar synthesised, said so an operator can act on it: the caller and what it
//! holds, the resource and how it relates to the caller, the context, and the policies that
//! decided.

use cedar_policy::{Authorizer, Entities, EntityUid, EvalResult, PolicySet};
use cedar_policy_symcc::Env;

/// The counterexample in words, indented under its invariant. `set` is the policy set it was
/// found in, asked again for the policies that decided.
pub(crate) fn describe(env: &Env, set: &PolicySet) -> String {
    let request = &env.request;
    let entities = &env.entities;
    let mut text = String::new();
    let mut line = |label: &str, value: String| {
        text.push_str(&format!("      {label:<10} {value}\n"));
    };
    let principal = request.principal();
    if let Some(principal) = principal {
        line("caller", entity(entities, principal));
        for (attr, uid) in linked(entities, principal) {
            line("", format!("its {attr}: {}", entity(entities, &uid)));
        }
    }
    if let Some(action) = request.action() {
        line("action", action.to_string());
    }
    if let Some(resource) = request.resource() {
        let relation = principal
            .map(|p| linked(entities, p))
            .unwrap_or_default()
            .into_iter()
            .find(|(_, uid)| uid == resource)
            .map_or_else(String::new, |(attr, _)| {
                format!(" (the caller's own {attr})")
            });
        line(
            "resource",
            format!("{}{relation}", entity(entities, resource)),
        );
    }
    if let Some(context) = request.context() {
        line("context", context.to_string());
    }
    let response = Authorizer::new().is_authorized(request, set, entities);
    let decided: Vec<String> = response
        .diagnostics()
        .reason()
        .map(|id| format!("`{id}`"))
        .collect();
    if !decided.is_empty() {
        line(
            &format!("{:?}", response.decision()).to_lowercase(),
            format!("by {}", decided.join(", ")),
        );
    }
    for error in response.diagnostics().errors() {
        line("error", error.to_string());
    }
    text
}

/// An entity with its attributes, as `Type::"id" {name: value, ...}`.
fn entity(entities: &Entities, uid: &EntityUid) -> String {
    let Some(found) = entities.get(uid) else {
        return uid.to_string();
    };
    let mut attrs: Vec<String> = found
        .attrs()
        .map(|(name, value)| match value {
            Ok(value) => format!("{name}: {value}"),
            Err(_) => format!("{name}: (unknown)"),
        })
        .collect();
    if attrs.is_empty() {
        return uid.to_string();
    }
    attrs.sort();
    format!("{uid} {{{}}}", attrs.join(", "))
}

/// The entities an entity's attributes point at, by attribute name (the key's `tenant`).
fn linked(entities: &Entities, uid: &EntityUid) -> Vec<(String, EntityUid)> {
    let Some(found) = entities.get(uid) else {
        return Vec::new();
    };
    let mut links: Vec<(String, EntityUid)> = found
        .attrs()
        .filter_map(|(name, value)| match value {
            Ok(EvalResult::EntityUid(target)) => Some((name.to_owned(), target)),
            _ => None,
        })
        .collect();
    links.sort();
    links
}
