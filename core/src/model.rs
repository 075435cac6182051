//! The operation's data: the request body, the Tenant it returns, and the inputs core never
//! makes itself (the time and fresh random values).

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::slug::RANDOM_SUFFIX_BYTES;

/// A tenant as the API returns it (the body of a create, a read, an update, and a list's items).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// The tenant's id.
    pub id: Uuid,
    /// Display name, trimmed.
    pub name: String,
    /// Lowercase slug, unique.
    pub slug: String,
    /// Canonical BCP 47 tag.
    pub locale: String,
    /// The owner's email, domain in lowercase; `None` only for the platform tenant, which has
    /// no owner user.
    pub owner_email: Option<String>,
    /// The owner user's id; `None` only for the platform tenant.
    pub owner_user_id: Option<Uuid>,
    /// SSO start URL, if configured.
    pub sso_start_url: Option<String>,
    /// SSO region, if configured.
    pub sso_region: Option<String>,
    /// Whether this is the platform tenant.
    pub is_master: bool,
    /// First verified domain, if any (none at creation).
    pub primary_domain: Option<String>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it was last changed.
    pub updated_at: Timestamp,
}

/// A UUID as the API takes it in a header, a path, a query or a body: hyphenated (36
/// characters), in any letter case. `Uuid::try_parse` alone would also take the simple,
/// braced and URN forms, which the API never writes.
pub(crate) fn parse_hyphenated_uuid(text: &str) -> Option<Uuid> {
    (text.len() == 36)
        .then(|| Uuid::try_parse(text).ok())
        .flatten()
}

/// A point in time, whole seconds in UTC, written as RFC 3339 with a `Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// 1970-01-01T00:00:00Z.
    pub(crate) const EPOCH: Self = Self(OffsetDateTime::UNIX_EPOCH);

    /// The time `seconds` after the Unix epoch; `None` outside the years 1 to 9999.
    pub fn from_unix_seconds(seconds: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp(seconds).ok().map(Self)
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(self) -> i64 {
        self.0.unix_timestamp()
    }

    /// This time plus `seconds`, saturating at the end of the representable range.
    pub fn plus_seconds(self, seconds: i64) -> Self {
        Self(
            self.0
                .checked_add(time::Duration::seconds(seconds))
                .unwrap_or(self.0),
        )
    }

    /// RFC 3339 in UTC, for example `2026-04-15T12:00:00Z`.
    pub fn to_rfc3339(self) -> String {
        self.0
            .format(&Rfc3339)
            .unwrap_or_else(|_| self.unix_seconds().to_string())
    }

    /// Parses an RFC 3339 time, as stored by [`Timestamp::to_rfc3339`].
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        Self::parse_stored(text).or_else(|| {
            OffsetDateTime::parse(text, &Rfc3339)
                .ok()
                .map(|t| Self(t.to_offset(time::UtcOffset::UTC)))
        })
    }

    /// The one form [`Timestamp::to_rfc3339`] writes, `YYYY-MM-DDTHH:MM:SSZ`, read by hand: a
    /// page of tenants holds two times a row, and the general RFC 3339 parser was the larger part
    /// of decoding a row. Anything else is `None` (and goes to the general parser).
    fn parse_stored(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        let separators = [
            (4, b'-'),
            (7, b'-'),
            (10, b'T'),
            (13, b':'),
            (16, b':'),
            (19, b'Z'),
        ];
        if bytes.len() != 20 || separators.iter().any(|&(at, b)| bytes[at] != b) {
            return None;
        }
        let number = |from: usize, to: usize| {
            bytes[from..to].iter().try_fold(0u16, |n, &digit| {
                digit
                    .is_ascii_digit()
                    .then(|| n * 10 + u16::from(digit - b'0'))
            })
        };
        let small = |from: usize| number(from, from + 2).and_then(|n| u8::try_from(n).ok());
        let date = time::Date::from_calendar_date(
            i32::from(number(0, 4)?),
            time::Month::try_from(small(5)?).ok()?,
            small(8)?,
        )
        .ok()?;
        let clock = time::Time::from_hms(small(11)?, small(14)?, small(17)?).ok()?;
        Some(Self(time::PrimitiveDateTime::new(date, clock).assume_utc()))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse_rfc3339(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not an RFC 3339 time")))
    }
}

/// How many random slug suffixes a create carries: a derived slug that is taken, or that loses a
/// race, is retried with the next one. Each suffix has 30 random bits, so even racing creates of
/// one name pick the same one about once in a billion; four are never all taken in practice.
pub(crate) const SLUG_SUFFIXES: usize = 4;

/// How many random bytes [`Fresh::from_random_bytes`] takes.
pub const FRESH_RANDOM_BYTES: usize = 16 * 4 + 32 + SLUG_SUFFIXES * RANDOM_SUFFIX_BYTES;

/// The fresh values one create needs, drawn by the shell (core draws no randomness itself).
#[derive(Clone, PartialEq, Eq)]
pub struct Fresh {
    /// The id of the new tenant.
    pub tenant_id: Uuid,
    /// The id of its owner user.
    pub owner_user_id: Uuid,
    /// The id of the owner's invite.
    pub invite_id: Uuid,
    /// The id of the audit record.
    pub audit_id: Uuid,
    /// The invite's single-use token; only its hash is stored.
    pub invite_token: [u8; 32],
    /// Random bytes for the suffixes of a derived slug's variants (`acme-k3x9qa`).
    pub slug_suffixes: [[u8; RANDOM_SUFFIX_BYTES]; SLUG_SUFFIXES],
}

impl Fresh {
    /// Builds version-4 UUIDs, the invite token and the slug suffixes from bytes of a secure
    /// random source.
    pub fn from_random_bytes(bytes: [u8; FRESH_RANDOM_BYTES]) -> Self {
        let uuid_at = |i: usize| {
            let mut chunk = [0u8; 16];
            chunk.copy_from_slice(&bytes[i * 16..(i + 1) * 16]);
            uuid::Builder::from_random_bytes(chunk).into_uuid()
        };
        let mut invite_token = [0u8; 32];
        invite_token.copy_from_slice(&bytes[64..96]);
        let mut slug_suffixes = [[0u8; RANDOM_SUFFIX_BYTES]; SLUG_SUFFIXES];
        for (suffix, chunk) in slug_suffixes
            .iter_mut()
            .zip(bytes[96..].chunks_exact(RANDOM_SUFFIX_BYTES))
        {
            suffix.copy_from_slice(chunk);
        }
        Self {
            tenant_id: uuid_at(0),
            owner_user_id: uuid_at(1),
            invite_id: uuid_at(2),
            audit_id: uuid_at(3),
            invite_token,
            slug_suffixes,
        }
    }
}

impl Fresh {
    /// Random bytes for a key issued through the API (which makes no tenant, owner or
    /// invite): the owner id's bytes and the invite token's.
    pub(crate) fn key_bytes(&self) -> [u8; crate::api_key::KEY_RANDOM_BYTES] {
        let mut bytes = [0u8; crate::api_key::KEY_RANDOM_BYTES];
        bytes[..16].copy_from_slice(self.owner_user_id.as_bytes());
        bytes[16..].copy_from_slice(&self.invite_token);
        bytes
    }
}

/// Written by hand so that the invite token never reaches a log.
impl fmt::Debug for Fresh {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Fresh")
            .field("tenant_id", &self.tenant_id)
            .field("owner_user_id", &self.owner_user_id)
            .field("invite_id", &self.invite_id)
            .field("audit_id", &self.audit_id)
            .field("invite_token", &"<redacted>")
            .field("slug_suffixes", &self.slug_suffixes)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_taken_hyphenated_in_any_case_and_in_no_other_form() {
        let id = "2489e9ad-2ee2-8e00-8ec9-32d5f69181c0";
        assert!(parse_hyphenated_uuid(id).is_some());
        assert_eq!(
            parse_hyphenated_uuid(&id.to_uppercase()),
            parse_hyphenated_uuid(id)
        );
        for other in [
            "2489e9ad2ee28e008ec932d5f69181c0",
            "{2489e9ad-2ee2-8e00-8ec9-32d5f69181c0}",
            "urn:uuid:2489e9ad-2ee2-8e00-8ec9-32d5f69181c0",
            "2489e9ad-2ee2-8e00-8ec9-32d5f69181cz",
            "",
        ] {
            assert_eq!(parse_hyphenated_uuid(other), None, "{other}");
        }
    }

    #[test]
    fn the_stored_form_reads_as_the_general_parser_reads_it() {
        for text in [
            "2026-04-15T12:00:00Z",
            "1970-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "2024-02-29T08:30:05Z",
        ] {
            let general = OffsetDateTime::parse(text, &Rfc3339).unwrap();
            assert_eq!(
                Timestamp::parse_stored(text),
                Some(Timestamp(general)),
                "{text}"
            );
        }
        for text in [
            "2026-02-30T12:00:00Z",
            "2026-04-15T24:00:00Z",
            "2026-04-15 12:00:00Z",
            "2026-04-15T12:00:00+02:00",
            "2026-4-15T12:00:00Z",
        ] {
            assert_eq!(Timestamp::parse_stored(text), None, "{text}");
        }
        assert!(Timestamp::parse_rfc3339("2026-04-15T14:00:00+02:00").is_some());
    }

    #[test]
    fn timestamps_are_rfc3339_utc_with_z() {
        let t = Timestamp::from_unix_seconds(1_776_254_400).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-04-15T12:00:00Z");
        assert_eq!(
            Timestamp::parse_rfc3339("2026-04-15T14:00:00+02:00"),
            Some(t)
        );
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2026-04-15T12:00:00Z\""
        );
    }

    #[test]
    fn debug_never_shows_the_invite_token() {
        let fresh = Fresh::from_random_bytes([0xab; FRESH_RANDOM_BYTES]);
        let shown = format!("{fresh:?}");
        assert!(
            !shown.contains(&format!("{:?}", fresh.invite_token)),
            "{shown}"
        );
        assert!(shown.contains("<redacted>"), "{shown}");
    }

    #[test]
    fn fresh_values_are_v4_uuids_from_the_given_bytes() {
        let fresh = Fresh::from_random_bytes([7; FRESH_RANDOM_BYTES]);
        assert_eq!(fresh.tenant_id.get_version_num(), 4);
        assert_eq!(fresh.invite_token, [7; 32]);
        assert_eq!(fresh.tenant_id, fresh.audit_id, "same bytes, same ids");
        assert_eq!(
            fresh.slug_suffixes,
            [[7; RANDOM_SUFFIX_BYTES]; SLUG_SUFFIXES]
        );
    }
}
