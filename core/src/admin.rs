//! Administration of the platform, decided here and run by the shells: the platform tenant with
//! its first key (`tenantry init`), further keys, and revocation. The shell gives the time and the
//! random bytes, asks its database the change's [`Check`] inside the same transaction, and runs
//! the statements (or writes them out for `wrangler d1 execute`, where nothing can be asked).

use uuid::Uuid;

use crate::api_key::{IssuedKey, KEY_RANDOM_BYTES};
use crate::event::{EventType, NewEvent, public_id};
use crate::model::Timestamp;
use crate::scope::Scope;
use crate::sql::{self, SqlStatement, SqlValue};
use crate::store::{MasterTenant, NewApiKey};

/// How many random bytes [`bootstrap`] takes: the tenant id's, then the first key's.
pub const BOOTSTRAP_RANDOM_BYTES: usize = 16 + KEY_RANDOM_BYTES;

/// The name of the key `tenantry init` prints.
pub const FIRST_KEY_NAME: &str = "platform key from tenantry init";
/// The name of a key `tenantry keys create` issues.
pub const CLI_KEY_NAME: &str = "issued by tenantry keys create";

/// Why an administrative change does not apply to a database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminError {
    /// `init` on a database that already has a platform tenant.
    #[error("this database already has a platform (master) tenant; nothing was changed")]
    AlreadyInitialised,
    /// A key for a tenant the database does not have.
    #[error("no tenant `{0}` in this database; pass the id `tenantry init` printed")]
    NoSuchTenant(Uuid),
    /// Revoking a key the database does not have.
    #[error("no API key `{0}` in this database; nothing was revoked")]
    NoSuchKey(Uuid),
    /// Retrying an event the database does not have.
    #[error("no event `{id}` in this database; nothing was scheduled", id = public_id(*.0))]
    NoSuchEvent(Uuid),
}

/// What must hold in the database for a change to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// There is no platform tenant yet: one database has one platform.
    NoMaster,
    /// The tenant exists: a key of no tenant would authenticate as nobody.
    TenantExists(Uuid),
    /// The key exists: revoking a mistyped id must not look like success.
    KeyExists(Uuid),
    /// The event exists: retrying a mistyped id must not look like success.
    EventExists(Uuid),
    /// Nothing: the change applies to whatever rows match it (none, maybe).
    Nothing,
}

impl Check {
    /// The query that answers the check: one row of one boolean column.
    pub fn query(self) -> SqlStatement {
        let (sql, params) = match self {
            Self::NoMaster => (sql::HAS_MASTER, Vec::new()),
            Self::TenantExists(id) => (sql::HAS_TENANT, vec![SqlValue::from(id)]),
            Self::KeyExists(id) => (sql::HAS_API_KEY, vec![SqlValue::from(id)]),
            Self::EventExists(id) => (sql::HAS_EVENT, vec![SqlValue::from(id)]),
            Self::Nothing => (sql::TRUE, Vec::new()),
        };
        SqlStatement { sql, params }
    }

    /// Judges the query's answer.
    pub fn judge(self, answer: bool) -> Result<(), AdminError> {
        match (self, answer) {
            (Self::NoMaster, false)
            | (Self::TenantExists(_) | Self::KeyExists(_) | Self::EventExists(_), true)
            | (Self::Nothing, _) => Ok(()),
            (Self::NoMaster, true) => Err(AdminError::AlreadyInitialised),
            (Self::TenantExists(id), false) => Err(AdminError::NoSuchTenant(id)),
            (Self::KeyExists(id), false) => Err(AdminError::NoSuchKey(id)),
            (Self::EventExists(id), false) => Err(AdminError::NoSuchEvent(id)),
        }
    }
}

/// An administrative change: its check, and the statements to run in one transaction after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What the database must answer first.
    pub check: Check,
    /// The statements, in order.
    pub statements: Vec<SqlStatement>,
}

impl Change {
    /// The statements as a SQL file for `wrangler d1 execute DB --file`. The check is not in it:
    /// the file cannot ask first (a second platform tenant still fails, on the unique index).
    pub fn to_sql_file(&self) -> String {
        self.statements
            .iter()
            .map(|s| s.to_literal_sql() + "\n")
            .collect()
    }
}

/// The platform tenant and its first key, as `tenantry init` creates them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bootstrap {
    /// The platform tenant's row.
    pub master: MasterTenant,
    /// The first key; its plaintext is shown once.
    pub key: IssuedKey,
    /// The first key's row.
    pub key_row: NewApiKey,
    /// The change that stores both.
    pub change: Change,
}

/// The platform tenant and its first key, which holds every scope: it is the operator's key,
/// from which narrower keys are issued, so it must be able to do everything the API offers.
pub fn bootstrap(now: Timestamp, random: [u8; BOOTSTRAP_RANDOM_BYTES]) -> Bootstrap {
    let mut id = [0u8; 16];
    id.copy_from_slice(&random[..16]);
    let mut key_bytes = [0u8; KEY_RANDOM_BYTES];
    key_bytes.copy_from_slice(&random[16..]);
    let master = MasterTenant::new(uuid::Builder::from_random_bytes(id).into_uuid(), now);
    let key = IssuedKey::from_random_bytes(key_bytes);
    let key_row = NewApiKey::of(
        &key,
        master.id,
        FIRST_KEY_NAME,
        scope_texts(Scope::ALL),
        now,
    );
    let change = Change {
        check: Check::NoMaster,
        statements: [sql::insert_master(&master), sql::insert_api_key(&key_row)].concat(),
    };
    Bootstrap {
        master,
        key,
        key_row,
        change,
    }
}

/// Another key for a tenant, holding `scopes` (each once; none given, none held), and its
/// `api_key.created` (id `event_id`) in the same write, as the API writes it.
pub fn issue_key(
    tenant_id: Uuid,
    scopes: &[Scope],
    now: Timestamp,
    random: [u8; KEY_RANDOM_BYTES],
    event_id: Uuid,
) -> (IssuedKey, Change) {
    let key = IssuedKey::from_random_bytes(random);
    let row = NewApiKey::of(&key, tenant_id, CLI_KEY_NAME, scope_texts(scopes), now);
    let event = NewEvent::of_key(event_id, EventType::ApiKeyCreated, &row.info(), now);
    let change = Change {
        check: Check::TenantExists(tenant_id),
        statements: [sql::insert_api_key(&row), sql::event(&event).to_vec()].concat(),
    };
    (key, change)
}

/// Revokes a key from `now` on, with its `api_key.revoked` (id `event_id`) in the same write;
/// a key revoked before keeps its first revocation time and gets no second event.
pub fn revoke_key(key_id: Uuid, now: Timestamp, event_id: Uuid) -> Change {
    Change {
        check: Check::KeyExists(key_id),
        statements: sql::revoke_key_with_event(key_id, event_id, now),
    }
}

/// Schedules the delivery of event `id` again from `now` (attempts kept, as
/// `POST /v1/events/{id}/retry` does), or with no id every failed event's.
pub fn retry_events(id: Option<Uuid>, now: Timestamp) -> Change {
    match id {
        Some(id) => Change {
            check: Check::EventExists(id),
            statements: vec![sql::retry_one_event(id, now)],
        },
        None => Change {
            check: Check::Nothing,
            statements: vec![sql::retry_failed_events(now)],
        },
    }
}

/// The scopes as stored, each once, in the order given.
fn scope_texts(scopes: &[Scope]) -> Vec<String> {
    let mut texts: Vec<String> = Vec::with_capacity(scopes.len());
    for scope in scopes {
        if !texts.iter().any(|t| t == scope.as_str()) {
            texts.push(scope.as_str().to_owned());
        }
    }
    texts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        Timestamp::from_unix_seconds(1_776_254_400).unwrap()
    }

    #[test]
    fn the_bootstrap_is_built_from_the_given_time_and_bytes_and_its_key_holds_every_scope() {
        let boot = bootstrap(now(), [3; BOOTSTRAP_RANDOM_BYTES]);
        assert_eq!(boot, bootstrap(now(), [3; BOOTSTRAP_RANDOM_BYTES]));
        assert_eq!(boot.master.id.get_version_num(), 4);
        assert_eq!(boot.master.created_at, now());
        assert_eq!(boot.key_row.tenant_id, boot.master.id);
        assert_eq!(boot.key_row.key_id, boot.key.key_id);
        let all: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(boot.key_row.scopes, all);
        assert_eq!(boot.change.check, Check::NoMaster);
        assert_eq!(
            boot.change.statements,
            [
                sql::insert_master(&boot.master),
                sql::insert_api_key(&boot.key_row)
            ]
            .concat()
        );
    }

    #[test]
    fn an_issued_key_holds_its_scopes_once_and_needs_its_tenant() {
        let tenant = Uuid::from_u128(5);
        let (key, change) = issue_key(
            tenant,
            &[Scope::KeysRead, Scope::TenantsRead, Scope::KeysRead],
            now(),
            [4; KEY_RANDOM_BYTES],
            Uuid::from_u128(6),
        );
        assert_eq!(change.check, Check::TenantExists(tenant));
        let row = NewApiKey::of(
            &key,
            tenant,
            CLI_KEY_NAME,
            vec!["keys:read".into(), "tenants:read".into()],
            now(),
        );
        let event = NewEvent::of_key(
            Uuid::from_u128(6),
            EventType::ApiKeyCreated,
            &row.info(),
            now(),
        );
        assert_eq!(
            change.statements,
            [sql::insert_api_key(&row), sql::event(&event).to_vec()].concat()
        );
    }

    #[test]
    fn each_check_refuses_with_its_own_error() {
        let id = Uuid::from_u128(9);
        assert_eq!(Check::NoMaster.judge(false), Ok(()));
        assert_eq!(
            Check::NoMaster.judge(true),
            Err(AdminError::AlreadyInitialised)
        );
        assert_eq!(Check::TenantExists(id).judge(true), Ok(()));
        assert_eq!(
            Check::TenantExists(id).judge(false),
            Err(AdminError::NoSuchTenant(id))
        );
        assert_eq!(Check::KeyExists(id).judge(true), Ok(()));
        assert_eq!(
            Check::KeyExists(id).judge(false),
            Err(AdminError::NoSuchKey(id))
        );
        assert_eq!(
            revoke_key(id, now(), Uuid::nil()).check.query().params,
            [SqlValue::from(id)]
        );
        assert_eq!(Check::EventExists(id).judge(true), Ok(()));
        assert_eq!(
            Check::EventExists(id).judge(false),
            Err(AdminError::NoSuchEvent(id))
        );
        assert!(
            AdminError::NoSuchEvent(id)
                .to_string()
                .contains("evt_00000000000000000000000000000009")
        );
        assert_eq!(Check::Nothing.judge(false), Ok(()));
        assert_eq!(retry_events(None, now()).check, Check::Nothing);
        assert_eq!(retry_events(Some(id), now()).check, Check::EventExists(id));
    }
}
