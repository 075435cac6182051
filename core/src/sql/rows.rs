//! Rows as the stores hand them back, read into core's types: the stores decode no column.

use uuid::Uuid;

use super::SqlValue;
use crate::delivery::DueEvent;
use crate::event::{EventInfo, public_id};
use crate::model::{Tenant, Timestamp};
use crate::store::{
    ApiKeyInfo, CreateFound, FoundInvite, FoundKey, FoundOwner, FoundTenant, IdempotencyEntry,
    StoreError, StoredAnswer, StoredApiKey, StoredTenant,
};

/// Read from whatever a database driver hands back (D1 gives JavaScript values, whose numbers
/// are floats): a whole float is an integer, as SQLite stored it.
impl<'de> serde::Deserialize<'de> for SqlValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = SqlValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("null, a number or a string")
            }
            fn visit_unit<E>(self) -> Result<SqlValue, E> {
                Ok(SqlValue::Null)
            }
            fn visit_none<E>(self) -> Result<SqlValue, E> {
                Ok(SqlValue::Null)
            }
            fn visit_bool<E>(self, flag: bool) -> Result<SqlValue, E> {
                Ok(flag.into())
            }
            fn visit_i64<E>(self, n: i64) -> Result<SqlValue, E> {
                Ok(SqlValue::Integer(n))
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<SqlValue, E> {
                i64::try_from(n).map(SqlValue::Integer).map_err(E::custom)
            }
            fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<SqlValue, E> {
                #[expect(
                    clippy::cast_possible_truncation,
                    reason = "checked whole and in range"
                )]
                let whole = n as i64;
                if n.fract() == 0.0 && n.abs() < 9.0e15 {
                    Ok(SqlValue::Integer(whole))
                } else {
                    Err(E::custom(format!("{n} is not a whole number")))
                }
            }
            fn visit_str<E>(self, text: &str) -> Result<SqlValue, E> {
                Ok(SqlValue::Text(text.to_owned()))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// One row of a query, its columns in the statement's order. Stores hand rows back as they are;
/// core reads them, so no store decodes a column itself.
pub type Row = Vec<SqlValue>;

/// Reads the columns of a [`Row`] by position, naming the column in every error.
struct Columns<'a>(&'a [SqlValue]);

impl Columns<'_> {
    fn get(&self, at: usize) -> Result<&SqlValue, StoreError> {
        self.0
            .get(at)
            .ok_or_else(|| StoreError::Backend(format!("row without column {at}")))
    }

    /// A text column, borrowed: ids and times are parsed from it without a copy.
    fn str(&self, at: usize) -> Result<&str, StoreError> {
        match self.get(at)? {
            SqlValue::Text(text) => Ok(text),
            other => Err(StoreError::Backend(format!(
                "column {at}: {other:?} is not text"
            ))),
        }
    }

    fn text(&self, at: usize) -> Result<String, StoreError> {
        self.str(at).map(str::to_owned)
    }

    fn optional_text(&self, at: usize) -> Result<Option<String>, StoreError> {
        match self.get(at)? {
            SqlValue::Null => Ok(None),
            _ => self.text(at).map(Some),
        }
    }

    fn integer(&self, at: usize) -> Result<i64, StoreError> {
        match self.get(at)? {
            SqlValue::Integer(n) => Ok(*n),
            other => Err(StoreError::Backend(format!(
                "column {at}: {other:?} is not an integer"
            ))),
        }
    }

    fn uuid(&self, at: usize) -> Result<Uuid, StoreError> {
        let text = self.str(at)?;
        Uuid::try_parse(text).map_err(|e| StoreError::Backend(format!("stored id `{text}`: {e}")))
    }

    fn optional_uuid(&self, at: usize) -> Result<Option<Uuid>, StoreError> {
        match self.get(at)? {
            SqlValue::Null => Ok(None),
            _ => self.uuid(at).map(Some),
        }
    }

    fn time(&self, at: usize) -> Result<Timestamp, StoreError> {
        let text = self.str(at)?;
        Timestamp::parse_rfc3339(text)
            .ok_or_else(|| StoreError::Backend(format!("stored time `{text}`")))
    }

    fn optional_time(&self, at: usize) -> Result<Option<Timestamp>, StoreError> {
        match self.get(at)? {
            SqlValue::Null => Ok(None),
            _ => self.time(at).map(Some),
        }
    }

    fn strings(&self, at: usize) -> Result<Vec<String>, StoreError> {
        let text = self.str(at)?;
        serde_json::from_str(text)
            .map_err(|e| StoreError::Backend(format!("stored JSON array `{text}`: {e}")))
    }

    /// A tenant from the tenant columns, which start the row.
    fn tenant(&self) -> Result<Tenant, StoreError> {
        Ok(Tenant {
            id: self.uuid(0)?,
            name: self.text(1)?,
            slug: self.text(2)?,
            locale: self.text(3)?,
            owner_email: self.optional_text(4)?,
            owner_user_id: self.optional_uuid(5)?,
            sso_start_url: self.optional_text(6)?,
            sso_region: self.optional_text(7)?,
            is_master: self.integer(8)? != 0,
            primary_domain: self.optional_text(9)?,
            created_at: self.time(10)?,
            updated_at: self.time(11)?,
        })
    }

    /// A key from the key columns, which start the row.
    fn key_info(&self) -> Result<ApiKeyInfo, StoreError> {
        Ok(ApiKeyInfo {
            id: self.uuid(0)?,
            name: self.text(1)?,
            tenant_id: self.uuid(2)?,
            scopes: self.strings(3)?,
            created_at: self.time(4)?,
            revoked_at: self.optional_time(5)?,
        })
    }

    /// An event from the event columns, which start the row.
    fn event(&self) -> Result<EventInfo, StoreError> {
        let data = self.str(4)?;
        Ok(EventInfo {
            id: public_id(self.uuid(0)?),
            kind: self.text(1)?,
            tenant_id: self.uuid(2)?,
            created_at: self.time(3)?,
            data: serde_json::from_str(data)
                .map_err(|e| StoreError::Backend(format!("stored event data `{data}`: {e}")))?,
            attempts: self.integer(5)?,
            delivered_at: self.optional_time(6)?,
            next_attempt_at: self.optional_time(7)?,
            last_error: self.optional_text(8)?,
        })
    }
}

/// The answer to [`find_tenant`](super::find_tenant).
pub fn found_tenant(rows: &[Row]) -> Result<Option<FoundTenant>, StoreError> {
    rows.first()
        .map(|row| {
            let columns = Columns(row);
            Ok(FoundTenant {
                stored: StoredTenant {
                    tenant: columns.tenant()?,
                    version: columns.integer(12)?,
                },
                has_user: columns.integer(13)? != 0,
            })
        })
        .transpose()
}

/// The answer to [`tenants_after`](super::tenants_after).
pub fn listed_tenants(rows: &[Row]) -> Result<Vec<(i64, Tenant)>, StoreError> {
    rows.iter()
        .map(|row| {
            let columns = Columns(row);
            Ok((columns.integer(12)?, columns.tenant()?))
        })
        .collect()
}

/// The answer to [`find_key_info`](super::find_key_info).
pub fn found_key_info(rows: &[Row]) -> Result<Option<FoundKey>, StoreError> {
    rows.first()
        .map(|row| {
            let columns = Columns(row);
            Ok(FoundKey {
                info: columns.key_info()?,
                tenant_is_master: columns.integer(6)? != 0,
                tenant_slug: columns.text(7)?,
            })
        })
        .transpose()
}

/// The answer to [`keys_after`](super::keys_after).
pub fn listed_keys(rows: &[Row]) -> Result<Vec<(i64, ApiKeyInfo)>, StoreError> {
    rows.iter()
        .map(|row| {
            let columns = Columns(row);
            Ok((columns.integer(6)?, columns.key_info()?))
        })
        .collect()
}

/// The answer to [`find_api_key`](super::find_api_key).
pub fn found_api_key(rows: &[Row]) -> Result<Option<StoredApiKey>, StoreError> {
    rows.first()
        .map(|row| {
            let columns = Columns(row);
            Ok(StoredApiKey {
                key_id: columns.uuid(0)?,
                tenant_id: columns.uuid(1)?,
                tenant_is_master: columns.integer(2)? != 0,
                secret_hash: columns.text(3)?,
                scopes: columns.strings(4)?,
                revoked: columns.integer(5)? != 0,
                tenant_slug: columns.text(6)?,
            })
        })
        .transpose()
}

/// The answer to [`find_create_reads`](super::find_create_reads).
pub fn found_create_reads(rows: &[Row]) -> Result<CreateFound, StoreError> {
    Ok(CreateFound {
        key: found_api_key(rows)?,
        slugs_in_use: match rows.first() {
            Some(row) => Columns(row).strings(7)?,
            None => Vec::new(),
        },
    })
}

/// The answer to [`find_event`](super::find_event).
pub fn found_event(rows: &[Row]) -> Result<Option<EventInfo>, StoreError> {
    rows.first().map(|row| Columns(row).event()).transpose()
}

/// The answer to [`events_after`](super::events_after).
pub fn listed_events(rows: &[Row]) -> Result<Vec<(i64, EventInfo)>, StoreError> {
    rows.iter()
        .map(|row| {
            let columns = Columns(row);
            Ok((columns.integer(9)?, columns.event()?))
        })
        .collect()
}

/// The answer to [`claim_due_events`](super::claim_due_events) or
/// [`claim_due_mails`](super::claim_due_mails).
pub fn claimed_events(rows: &[Row]) -> Result<Vec<DueEvent>, StoreError> {
    rows.iter()
        .map(|row| {
            let columns = Columns(row);
            let data = columns.str(3)?;
            Ok(DueEvent {
                id: columns.uuid(0)?,
                kind: columns.text(1)?,
                created_at: columns.time(2)?,
                data: serde_json::from_str(data)
                    .map_err(|e| StoreError::Backend(format!("stored event data `{data}`: {e}")))?,
                invite_token: columns.optional_text(4)?,
                attempts: columns.integer(5)?,
            })
        })
        .collect()
}

/// The answer to [`find_invite`](super::find_invite).
pub fn found_invite(rows: &[Row]) -> Result<Option<FoundInvite>, StoreError> {
    rows.first()
        .map(|row| {
            let columns = Columns(row);
            Ok(FoundInvite {
                id: columns.uuid(0)?,
                tenant_id: columns.uuid(1)?,
                user_id: columns.uuid(2)?,
                email: columns.text(3)?,
                token_hash: columns.text(4)?,
                expires_at: columns.time(5)?,
                used: columns.integer(6)? != 0,
            })
        })
        .transpose()
}

/// The answer to [`find_owner`](super::find_owner).
pub fn found_owner(rows: &[Row]) -> Result<Option<FoundOwner>, StoreError> {
    rows.first()
        .map(|row| {
            let columns = Columns(row);
            Ok(FoundOwner {
                id: columns.uuid(0)?,
                email: columns.text(1)?,
                name: columns.text(2)?,
                invited: columns.integer(3)? != 0,
            })
        })
        .transpose()
}

/// The answer to [`claim_idempotency_key`](super::claim_idempotency_key): the key's row after
/// the claim.
pub fn claimed_idempotency_key(rows: &[Row]) -> Result<IdempotencyEntry, StoreError> {
    let row = rows
        .first()
        .ok_or_else(|| StoreError::Backend("the idempotency claim returned no row".into()))?;
    idempotency_entry(row)
}

/// The answer to [`find_idempotency_key_holder`](super::find_idempotency_key_holder): the
/// holder's row, or `None` when a claim would win.
pub fn idempotency_key_holder(rows: &[Row]) -> Result<Option<IdempotencyEntry>, StoreError> {
    rows.first().map(idempotency_entry).transpose()
}

/// An idempotency key's row: fingerprint, claim_id, status, body, location.
fn idempotency_entry(row: &Row) -> Result<IdempotencyEntry, StoreError> {
    let columns = Columns(row);
    let answer = match columns.get(2)? {
        SqlValue::Null => None,
        _ => Some(StoredAnswer {
            status: u16::try_from(columns.integer(2)?)
                .map_err(|e| StoreError::Backend(format!("stored status: {e}")))?,
            body: columns.text(3)?,
            location: columns.optional_text(4)?,
        }),
    };
    Ok(IdempotencyEntry {
        fingerprint: columns.text(0)?,
        claim_id: columns.uuid(1)?,
        answer,
    })
}
