//! The closed list of scopes an API key can hold. A scope outside it is refused wherever one is
//! given (the CLI included), so a typo never issues a key that silently holds nothing.

use std::fmt;
use std::str::FromStr;

/// Declares [`Scope`], its text and [`Scope::ALL`] from one list, so the three cannot drift.
macro_rules! scopes {
    ($($(#[doc = $doc:literal])* $variant:ident => $text:literal,)+) => {
        /// A scope an API key can hold; Cedar sees it as its text, e.g. `tenants:create`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Scope {
            $($(#[doc = $doc])* $variant,)+
        }

        impl Scope {
            /// Every scope, in the contract's order.
            pub const ALL: &[Self] = &[$(Self::$variant,)+];

            /// The scope as keys store it and policies name it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }
    };
}

scopes! {
    /// Create tenants.
    TenantsCreate => "tenants:create",
    /// List and read tenants.
    TenantsRead => "tenants:read",
    /// Update tenants.
    TenantsUpdate => "tenants:update",
    /// Delete tenants.
    TenantsDelete => "tenants:delete",
    /// Issue API keys.
    KeysCreate => "keys:create",
    /// List and read API keys.
    KeysRead => "keys:read",
    /// Revoke API keys.
    KeysRevoke => "keys:revoke",
    /// Read events.
    EventsRead => "events:read",
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A scope that is not on the closed list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope `{0}`; known scopes: {known}", known = known_scopes())]
pub struct UnknownScope(pub String);

fn known_scopes() -> String {
    let names: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
    names.join(", ")
}

impl FromStr for Scope {
    type Err = UnknownScope;

    /// Exact text only: scopes are identifiers, and a near miss is more likely a typo than intent.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .iter()
            .copied()
            .find(|scope| scope.as_str() == text)
            .ok_or_else(|| UnknownScope(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scope_reads_back_from_its_text_and_the_list_is_the_contracts() {
        let texts: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            texts,
            [
                "tenants:create",
                "tenants:read",
                "tenants:update",
                "tenants:delete",
                "keys:create",
                "keys:read",
                "keys:revoke",
                "events:read",
            ]
        );
        for scope in Scope::ALL {
            assert_eq!(scope.as_str().parse::<Scope>(), Ok(*scope));
        }
    }

    #[test]
    fn an_unknown_scope_is_refused_naming_it_and_the_known_ones() {
        let error = "tenants:creat".parse::<Scope>().unwrap_err();
        assert_eq!(error, UnknownScope("tenants:creat".into()));
        let message = error.to_string();
        assert!(
            message.starts_with("unknown scope `tenants:creat`"),
            "{message}"
        );
        assert!(message.contains("events:read"), "{message}");
        assert!("Tenants:Create".parse::<Scope>().is_err());
    }
}
