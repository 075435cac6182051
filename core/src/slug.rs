//! Slugs: folding, the rules, derivation from a name, reserved words and free variants.

/// The shortest slug allowed.
pub(crate) const MIN_LEN: usize = 3;
/// The longest slug allowed (a DNS label).
pub(crate) const MAX_LEN: usize = 63;

/// Slugs the platform keeps for itself: they would collide with routes, hostnames or roles.
pub(crate) const RESERVED: &[&str] = &[
    "admin",
    "api",
    "app",
    "assets",
    "auth",
    "billing",
    "cdn",
    "dashboard",
    "docs",
    "help",
    "login",
    "logout",
    "mail",
    "master",
    "platform",
    "root",
    "signup",
    "sso",
    "static",
    "status",
    "support",
    "system",
    "tenant",
    "tenants",
    "www",
];

/// Folds a slug to its stored form: ASCII letters to lowercase. Slugs compare by this form.
pub(crate) fn fold(slug: &str) -> String {
    slug.to_ascii_lowercase()
}

/// Why a given slug breaks the rules, as a message for `details.fields.slug`.
pub(crate) fn rule_violation(folded: &str) -> Option<&'static str> {
    let len = folded.len();
    if !(MIN_LEN..=MAX_LEN).contains(&len) {
        return Some("must be 3 to 63 characters long");
    }
    if !folded
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Some("may contain only letters a-z, digits 0-9 and `-`");
    }
    if folded.starts_with('-') || folded.ends_with('-') {
        return Some("must start and end with a letter or digit");
    }
    if folded.contains("--") {
        return Some("must not contain `--`");
    }
    None
}

/// Whether a folded slug is reserved by the platform.
pub(crate) fn is_reserved(folded: &str) -> bool {
    RESERVED.contains(&folded)
}

/// Derives a valid slug from a tenant name: lowercase ASCII letters and digits are kept, every
/// other run becomes one `-`, the ends are trimmed, and the result is cut to 63 characters.
/// A result shorter than 3 characters is completed with `tenant` so that it is always valid.
pub(crate) fn derive_from_name(name: &str) -> String {
    let mut slug = String::with_capacity(name.len().min(MAX_LEN));
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let mut slug = cut(&slug, MAX_LEN);
    if slug.len() < MIN_LEN {
        slug = if slug.is_empty() {
            "tenant".to_owned()
        } else {
            format!("{slug}-tenant")
        };
    }
    slug
}

/// How many random bytes a [`random_variant`]'s suffix takes: one per character.
pub(crate) const RANDOM_SUFFIX_BYTES: usize = 6;
/// The characters of a random suffix: 32 of them, so each byte picks one without bias.
const SUFFIX_ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// The `n`th variant of a slug (`acme-2`, `acme-3`, …), cut so that it stays within 63 characters.
pub(crate) fn variant(base: &str, n: u32) -> String {
    with_suffix(base, &n.to_string())
}

/// A variant with a random suffix (`acme-k3x9qa`): 30 random bits, so creates racing for
/// variants of one name practically never pick the same one.
pub(crate) fn random_variant(base: &str, bytes: &[u8; RANDOM_SUFFIX_BYTES]) -> String {
    let suffix: String = bytes
        .iter()
        .map(|b| char::from(SUFFIX_ALPHABET[usize::from(b % 32)]))
        .collect();
    with_suffix(base, &suffix)
}

/// `base-suffix`, the base cut so that the whole stays within 63 characters.
fn with_suffix(base: &str, suffix: &str) -> String {
    format!("{}-{suffix}", cut(base, MAX_LEN - suffix.len() - 1))
}

/// Candidate variants `base-from` … `base-(from+count-1)`, skipping reserved ones.
pub(crate) fn variants(base: &str, from: u32, count: u32) -> Vec<String> {
    (from..from.saturating_add(count))
        .map(|n| variant(base, n))
        .filter(|candidate| !is_reserved(candidate))
        .collect()
}

/// Cuts an ASCII slug to at most `max` bytes and trims any `-` left at its end.
fn cut(slug: &str, max: usize) -> String {
    let end = slug.len().min(max);
    slug.get(..end).unwrap_or(slug).trim_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn derivation_examples() {
        assert_eq!(derive_from_name("Acme Corp"), "acme-corp");
        assert_eq!(derive_from_name("  --Hello,  World!! "), "hello-world");
        assert_eq!(derive_from_name("Café Zürich"), "caf-z-rich");
        assert_eq!(derive_from_name("日本"), "tenant");
        assert_eq!(derive_from_name("AB"), "ab-tenant");
        assert_eq!(derive_from_name(&"x".repeat(80)).len(), 63);
        assert_eq!(
            derive_from_name(&format!("{}-b", "a".repeat(62))),
            "a".repeat(62)
        );
    }

    #[test]
    fn rules_examples() {
        assert_eq!(rule_violation("acme"), None);
        assert_eq!(rule_violation("a1-b2"), None);
        assert!(rule_violation("ab").is_some());
        assert!(rule_violation(&"a".repeat(64)).is_some());
        assert!(rule_violation("-acme").is_some());
        assert!(rule_violation("acme-").is_some());
        assert!(rule_violation("ac--me").is_some());
        assert!(rule_violation("ac_me").is_some());
        assert!(rule_violation("acmé").is_some());
    }

    #[test]
    fn variants_stay_valid_and_skip_reserved() {
        assert_eq!(variant("acme", 2), "acme-2");
        assert_eq!(variant(&"a".repeat(63), 10).len(), 63);
        assert_eq!(variants("acme", 2, 3), ["acme-2", "acme-3", "acme-4"]);
        assert_eq!(
            random_variant("acme", &[0, 1, 25, 26, 31, 32]),
            "acme-abz27a"
        );
        assert_eq!(random_variant(&"a".repeat(63), &[0; 6]).len(), 63);
        assert!(is_reserved("admin") && !is_reserved("acme"));
    }

    proptest! {
        #[test]
        fn a_derived_slug_is_always_valid(name in ".{0,200}") {
            let slug = derive_from_name(&name);
            prop_assert_eq!(rule_violation(&slug), None, "{:?} -> {:?}", name, slug);
        }

        #[test]
        fn variants_of_a_valid_slug_are_valid(slug in "[a-z0-9]([a-z0-9]|-[a-z0-9]){2,62}", n in 2u32..100_000) {
            let candidate = variant(&cut(&slug, MAX_LEN), n);
            prop_assert_eq!(rule_violation(&candidate), None, "{}", candidate);
        }

        #[test]
        fn random_variants_of_a_valid_slug_are_valid(
            slug in "[a-z0-9]([a-z0-9]|-[a-z0-9]){2,62}",
            bytes in any::<[u8; RANDOM_SUFFIX_BYTES]>(),
        ) {
            let candidate = random_variant(&cut(&slug, MAX_LEN), &bytes);
            prop_assert_eq!(rule_violation(&candidate), None, "{}", candidate);
            prop_assert!(!is_reserved(&candidate));
        }

        #[test]
        fn folding_is_idempotent(slug in ".{0,80}") {
            let once = fold(&slug);
            prop_assert_eq!(fold(&once), once);
        }

        #[test]
        fn slugs_that_differ_in_case_fold_alike(slug in "[a-zA-Z0-9-]{0,63}") {
            prop_assert_eq!(fold(&slug.to_uppercase()), fold(&slug.to_lowercase()));
        }
    }
}
