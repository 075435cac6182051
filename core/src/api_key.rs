//! API keys: issuing, parsing, hashing and checking. Only a hash of a key's secret is stored.
//!
//! A key reads `tnty_<key id: 32 hex>_<secret: 64 hex>`. The prefix makes leaked keys easy to
//! spot (secret scanners), the key id finds the stored record without a scan, and the secret is
//! 256 random bits, so one SHA-256 is a sound hash for it (no slow password hash is needed).

use std::fmt;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

/// The prefix of every key.
pub(crate) const PREFIX: &str = "tnty_";
/// How many random bytes [`IssuedKey::from_random_bytes`] takes.
pub const KEY_RANDOM_BYTES: usize = 16 + 32;

/// A key just issued: the text to show once, and what to store.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedKey {
    /// The key's id, stored in the clear.
    pub key_id: Uuid,
    /// The full key, shown to its holder once and never stored.
    pub plaintext: String,
    /// Hex SHA-256 of the secret, the only form of it that is stored.
    pub secret_hash: String,
}

impl IssuedKey {
    /// Issues a key from bytes of a secure random source.
    pub fn from_random_bytes(bytes: [u8; KEY_RANDOM_BYTES]) -> Self {
        let mut id = [0u8; 16];
        id.copy_from_slice(&bytes[..16]);
        let key_id = uuid::Builder::from_random_bytes(id).into_uuid();
        let secret = hex(&bytes[16..]);
        Self {
            key_id,
            plaintext: format!("{PREFIX}{}_{secret}", key_id.simple()),
            secret_hash: hash_secret(&secret),
        }
    }
}

/// Written by hand so that the key's secret never reaches a log.
impl fmt::Debug for IssuedKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("IssuedKey")
            .field("key_id", &self.key_id)
            .field("plaintext", &"<redacted>")
            .field("secret_hash", &self.secret_hash)
            .finish()
    }
}

/// A key as presented by a caller, split into its parts.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct PresentedKey<'a> {
    /// The id part.
    pub key_id: Uuid,
    /// The secret part.
    pub secret: &'a str,
}

/// Written by hand so that the presented secret never reaches a log.
impl fmt::Debug for PresentedKey<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("PresentedKey")
            .field("key_id", &self.key_id)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// Splits a presented key; `None` when it is not of the issued shape.
pub(crate) fn parse(text: &str) -> Option<PresentedKey<'_>> {
    let rest = text.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    if id.len() != 32 || secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let key_id = Uuid::try_parse(id).ok()?;
    Some(PresentedKey { key_id, secret })
}

/// Hex SHA-256 of a secret, as stored.
pub fn hash_secret(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Whether a presented secret matches a stored hash, compared in constant time.
pub(crate) fn secret_matches(secret: &str, stored_hash: &str) -> bool {
    hash_secret(secret)
        .as_bytes()
        .ct_eq(stored_hash.as_bytes())
        .into()
}

/// Lowercase hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn debug_never_shows_a_secret() {
        let key = IssuedKey::from_random_bytes([0xcd; KEY_RANDOM_BYTES]);
        let presented = parse(&key.plaintext).unwrap();
        for shown in [format!("{key:?}"), format!("{presented:?}")] {
            assert!(!shown.contains(presented.secret), "{shown}");
            assert!(shown.contains("<redacted>"), "{shown}");
        }
    }

    #[test]
    fn an_issued_key_parses_and_matches_only_its_own_hash() {
        let key = IssuedKey::from_random_bytes([9; KEY_RANDOM_BYTES]);
        assert!(key.plaintext.starts_with("tnty_"));
        let presented = parse(&key.plaintext).unwrap();
        assert_eq!(presented.key_id, key.key_id);
        assert!(secret_matches(presented.secret, &key.secret_hash));
        assert!(!key.secret_hash.contains(presented.secret));
        let other = IssuedKey::from_random_bytes([8; KEY_RANDOM_BYTES]);
        assert!(!secret_matches(presented.secret, &other.secret_hash));
    }

    #[test]
    fn malformed_keys_do_not_parse() {
        for text in [
            "",
            "tnty_",
            "abc",
            "tnty_zz_zz",
            &format!("tnty_{}_{}", "0".repeat(32), "g".repeat(64)),
        ] {
            assert!(parse(text).is_none(), "{text}");
        }
    }

    proptest! {
        #[test]
        fn parsing_never_panics(text in ".{0,200}") {
            let _ = parse(&text);
        }
    }
}
