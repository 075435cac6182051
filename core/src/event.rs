//! The outbox's events: what each change writes beside itself, in the same atomic write, and
//! how the API shows an event with its delivery state.

use std::fmt;

use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::model::{Tenant, Timestamp};
use crate::store::{ApiKeyInfo, Invite, OwnerUser};

/// Declares [`EventType`] and its names from one list.
macro_rules! event_types {
    ($($(#[doc = $doc:literal])* $variant:ident => $name:literal,)+) => {
        /// The kind of a change, as an event's `type` names it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EventType {
            $($(#[doc = $doc])* $variant,)+
        }

        impl EventType {
            /// Every type, in the order declared.
            #[cfg(test)]
            pub(crate) const ALL: &[Self] = &[$(Self::$variant,)+];

            /// The type's name, e.g. `tenant.created`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)+
                }
            }

            /// The type with this name; `None` for any other text.
            pub fn parse(name: &str) -> Option<Self> {
                match name {
                    $($name => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

event_types! {
    /// A tenant was created; `data` is the tenant.
    TenantCreated => "tenant.created",
    /// A tenant was changed; `data` is the tenant after the change.
    TenantUpdated => "tenant.updated",
    /// A tenant was deleted; `data` is the tenant as it was.
    TenantDeleted => "tenant.deleted",
    /// An owner was invited; `data` is the invite (its token only in the delivery).
    InviteCreated => "invite.created",
    /// An owner accepted an invite; `data` is the acceptance's answer.
    InviteAccepted => "invite.accepted",
    /// An API key was issued; `data` is the key without its secret.
    ApiKeyCreated => "api_key.created",
    /// An API key was revoked; `data` is the key without its secret.
    ApiKeyRevoked => "api_key.revoked",
}

/// The prefix of an event's public id: `evt_` then the UUID's 32 hex digits.
const ID_PREFIX: &str = "evt_";

/// An event's public id, `evt_…`.
pub(crate) fn public_id(id: Uuid) -> String {
    format!("{ID_PREFIX}{}", id.simple())
}

/// The UUID behind a public id; `None` for text no event id has.
pub fn parse_id(text: &str) -> Option<Uuid> {
    let hex = text.strip_prefix(ID_PREFIX)?;
    // Only the simple form this code writes: one text per event.
    (hex.len() == 32 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then(|| Uuid::try_parse(hex).ok())
        .flatten()
}

/// An event to write with its change.
#[derive(Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// Its id: the id of the change's audit record (the invite's id for `invite.created`), so
    /// that one change never has two events of one type and no extra randomness is drawn.
    pub id: Uuid,
    /// What happened.
    pub kind: EventType,
    /// The tenant it is about.
    pub tenant_id: Uuid,
    /// When.
    pub created_at: Timestamp,
    /// The resource as the API shows it.
    pub data: Value,
    /// The invite's token in hex (`invite.created` only): kept apart from `data` so that no
    /// read of the events shows it; only a delivery adds it.
    pub invite_token: Option<String>,
}

/// Written by hand so that an invite token never reaches a log.
impl fmt::Debug for NewEvent {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("NewEvent")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("tenant_id", &self.tenant_id)
            .field("created_at", &self.created_at)
            .field("data", &self.data)
            .field(
                "invite_token",
                &self.invite_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl NewEvent {
    /// An event about a tenant (`tenant.*`), whose data is the tenant.
    pub fn of_tenant(id: Uuid, kind: EventType, tenant: &Tenant, at: Timestamp) -> Self {
        Self {
            id,
            kind,
            tenant_id: tenant.id,
            created_at: at,
            data: serde_json::to_value(tenant).unwrap_or(Value::Null),
            invite_token: None,
        }
    }

    /// An event about a key (`api_key.*`), whose data is the key without its secret.
    pub fn of_key(id: Uuid, kind: EventType, key: &ApiKeyInfo, at: Timestamp) -> Self {
        Self {
            id,
            kind,
            tenant_id: key.tenant_id,
            created_at: at,
            data: serde_json::to_value(key).unwrap_or(Value::Null),
            invite_token: None,
        }
    }

    /// The event as the API shows it once written: due at once, not tried yet.
    pub(crate) fn info(&self) -> EventInfo {
        EventInfo {
            id: public_id(self.id),
            kind: self.kind.name().to_owned(),
            created_at: self.created_at,
            tenant_id: self.tenant_id,
            data: self.data.clone(),
            attempts: 0,
            delivered_at: None,
            next_attempt_at: Some(self.created_at),
            last_error: None,
        }
    }

    /// The `invite.created` of an owner's invite; the token travels beside the data.
    pub fn of_invite(tenant: &Tenant, owner: &OwnerUser, invite: &Invite, token: String) -> Self {
        Self {
            id: invite.id,
            kind: EventType::InviteCreated,
            tenant_id: tenant.id,
            created_at: invite.created_at,
            data: json!({
                "tenant": tenant,
                "user_id": owner.id,
                "email": owner.email,
                "name": owner.name,
                "locale": tenant.locale,
                "expires_at": invite.expires_at,
            }),
            invite_token: Some(token),
        }
    }
}

/// An event as `GET /v1/events` shows it: the event and its delivery state, never a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventInfo {
    /// `evt_…`.
    pub id: String,
    /// What happened, e.g. `tenant.created`.
    #[serde(rename = "type")]
    pub kind: String,
    /// When.
    pub created_at: Timestamp,
    /// The tenant it is about.
    pub tenant_id: Uuid,
    /// The resource as the API showed it then.
    pub data: Value,
    /// How many deliveries were tried.
    pub attempts: i64,
    /// When a delivery was acknowledged, if one was.
    pub delivered_at: Option<Timestamp>,
    /// When the next delivery is due; `None` once delivered or failed.
    pub next_attempt_at: Option<Timestamp>,
    /// What the last failed delivery met.
    pub last_error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_back_only_in_the_form_written() {
        let id = Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        let text = public_id(id);
        assert_eq!(text, "evt_0123456789abcdef0123456789abcdef");
        assert_eq!(parse_id(&text), Some(id));
        for other in [
            "0123456789abcdef0123456789abcdef",
            "evt_0123456789ABCDEF0123456789abcdef",
            "evt_01234567-89ab-cdef-0123-456789abcdef",
            "evt_0123",
            "evt_",
        ] {
            assert_eq!(parse_id(other), None, "{other}");
        }
    }

    #[test]
    fn every_type_parses_back_from_its_name() {
        for kind in [
            EventType::TenantCreated,
            EventType::TenantUpdated,
            EventType::TenantDeleted,
            EventType::InviteCreated,
            EventType::InviteAccepted,
            EventType::ApiKeyCreated,
            EventType::ApiKeyRevoked,
        ] {
            assert_eq!(EventType::parse(kind.name()), Some(kind));
        }
        assert_eq!(EventType::parse("tenant.renamed"), None);
    }
}
