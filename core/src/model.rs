//! The operation's data: the request body, the Tenant it returns, and the inputs core never
//! makes itself (the time and fresh random values).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

/// The body of `POST /v1/tenants`, as a caller of the in-process API writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTenantRequest {
    /// The tenant's display name.
    pub name: String,
    /// The slug; derived from `name` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// The owner's email address; the invite goes here.
    pub owner_email: String,
    /// The owner's full name.
    pub owner_name: String,
    /// A BCP 47 language tag; `en` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The AWS IAM Identity Center start URL; together with `sso_region` or not at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso_start_url: Option<String>,
    /// The AWS region of the Identity Center instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso_region: Option<String>,
}

/// A tenant as the API returns it (201 body).
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
    /// The owner's email, domain in lowercase.
    pub owner_email: String,
    /// The owner user's id.
    pub owner_user_id: Uuid,
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

/// A point in time, whole seconds in UTC, written as RFC 3339 with a `Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
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
        OffsetDateTime::parse(text, &Rfc3339)
            .ok()
            .map(|t| Self(t.to_offset(time::UtcOffset::UTC)))
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

/// How many random bytes [`Fresh::from_random_bytes`] takes.
pub const FRESH_RANDOM_BYTES: usize = 16 * 4 + 32;

/// The fresh values one create needs, drawn by the shell (core draws no randomness itself).
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

impl Fresh {
    /// Builds version-4 UUIDs and the invite token from bytes of a secure random source.
    pub fn from_random_bytes(bytes: [u8; FRESH_RANDOM_BYTES]) -> Self {
        let uuid_at = |i: usize| {
            let mut chunk = [0u8; 16];
            chunk.copy_from_slice(&bytes[i * 16..(i + 1) * 16]);
            uuid::Builder::from_random_bytes(chunk).into_uuid()
        };
        let mut invite_token = [0u8; 32];
        invite_token.copy_from_slice(&bytes[64..]);
        Self {
            tenant_id: uuid_at(0),
            owner_user_id: uuid_at(1),
            invite_id: uuid_at(2),
            audit_id: uuid_at(3),
            invite_token,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn fresh_values_are_v4_uuids_from_the_given_bytes() {
        let fresh = Fresh::from_random_bytes([7; FRESH_RANDOM_BYTES]);
        assert_eq!(fresh.tenant_id.get_version_num(), 4);
        assert_eq!(fresh.invite_token, [7; 32]);
        assert_eq!(fresh.tenant_id, fresh.audit_id, "same bytes, same ids");
    }
}
