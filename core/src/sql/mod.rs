//! The SQL both adapters run, written once: SQLite through rusqlite and D1 speak the same
//! dialect and share `migrations/`. Statements are text plus values; adapters bind and execute
//! them (rusqlite in one transaction, D1 in one batch), and `tenantry --emit-sql` renders them.

mod rows;

use uuid::Uuid;

use crate::delivery::Attempted;
use crate::event::NewEvent;
use crate::model::{Tenant, Timestamp};
use crate::store::{
    AuditRecord, CreateReads, EventFilter, EventRetry, IdempotencyClaim, IdempotencyRelease,
    IdempotentAnswer, Invite, InviteAcceptance, InviteRenewal, KeyIssue, KeyRevocation,
    MasterTenant, NewApiKey, NewTenantRecord, OwnerUser, TenantDeletion, TenantUpdate,
};

pub use rows::{
    Row, claimed_events, claimed_idempotency_key, found_api_key, found_create_reads, found_event,
    found_invite, found_key_info, found_owner, found_tenant, idempotency_key_holder, listed_events,
    listed_keys, listed_tenants,
};

/// A value bound to a statement parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlValue {
    /// `NULL`.
    Null,
    /// An integer.
    Integer(i64),
    /// Text.
    Text(String),
}

impl From<&str> for SqlValue {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<String> for SqlValue {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<bool> for SqlValue {
    fn from(flag: bool) -> Self {
        Self::Integer(i64::from(flag))
    }
}

impl From<Timestamp> for SqlValue {
    fn from(time: Timestamp) -> Self {
        Self::Text(time.to_rfc3339())
    }
}

impl From<Uuid> for SqlValue {
    fn from(id: Uuid) -> Self {
        Self::Text(id.to_string())
    }
}

impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Null, Into::into)
    }
}

impl From<i64> for SqlValue {
    fn from(n: i64) -> Self {
        Self::Integer(n)
    }
}

/// One statement with its values, bound to `?1`, `?2`, … in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlStatement {
    /// The SQL text.
    pub sql: &'static str,
    /// The values of its parameters.
    pub params: Vec<SqlValue>,
}

impl SqlStatement {
    /// The statement as one line of SQL with its values written in as literals, for a file that
    /// `wrangler d1 execute --file` runs.
    pub fn to_literal_sql(&self) -> String {
        let mut out = String::with_capacity(self.sql.len() + 64);
        let mut rest = self.sql;
        while let Some(at) = rest.find('?') {
            out.push_str(&rest[..at]);
            let digits = rest[at + 1..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            let index: usize = rest[at + 1..at + 1 + digits].parse().unwrap_or(0);
            match index.checked_sub(1).and_then(|i| self.params.get(i)) {
                Some(SqlValue::Null) | None => out.push_str("NULL"),
                Some(SqlValue::Integer(n)) => out.push_str(&n.to_string()),
                Some(SqlValue::Text(text)) => {
                    out.push('\'');
                    out.push_str(&text.replace('\'', "''"));
                    out.push('\'');
                }
            }
            rest = &rest[at + 1 + digits..];
        }
        out.push_str(rest);
        out.push(';');
        out
    }
}

/// A key with its tenant's master flag and slug, from `api_keys k` joined with `tenants t`.
/// Columns: id, tenant_id, is_master, secret_hash, scopes (JSON array), revoked (0 or 1), the
/// tenant's slug. (A macro, so that the statements below are built with `concat!`.)
macro_rules! api_key_select {
    () => {
        "SELECT k.id, k.tenant_id, t.is_master, k.secret_hash, k.scopes, \
         k.revoked_at IS NOT NULL, t.slug"
    };
}

/// The tenants whose slug is among the JSON array `?N` of candidates (the column compares
/// NOCASE).
macro_rules! slugs_in_use_from {
    ($param:literal) => {
        concat!(
            "FROM tenants s WHERE s.slug IN (SELECT value FROM json_each(",
            $param,
            "))"
        )
    };
}

/// Finds an API key with its tenant's master flag and slug. Columns: id, tenant_id, is_master,
/// secret_hash, scopes (JSON array), revoked (0 or 1), the tenant's slug.
pub const FIND_API_KEY: &str = concat!(
    api_key_select!(),
    " FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.id = ?1"
);

/// The reads of a create in one query, so that they cost one round trip: [`FIND_API_KEY`]'s
/// columns for key `?1`, then, as a JSON array, the slugs in use among the JSON array `?2` of
/// candidates. No row when there is no such key (the create stops there).
pub const FIND_CREATE_READS: &str = concat!(
    api_key_select!(),
    ", (SELECT json_group_array(s.slug) ",
    slugs_in_use_from!("?2"),
    ") FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.id = ?1"
);

/// The columns of a tenant, in the order `rows` reads them. (A macro, so that
/// the statements below are built with `concat!` at compile time.)
macro_rules! tenant_columns {
    () => {
        "t.id, t.name, t.slug, t.locale, t.owner_email, t.owner_user_id, t.sso_start_url, \
         t.sso_region, t.is_master, t.primary_domain, t.created_at, t.updated_at"
    };
}

/// The columns of a key as the API shows it, in the order `rows` reads them.
macro_rules! key_columns {
    () => {
        "k.id, k.name, k.tenant_id, k.scopes, k.created_at, k.revoked_at"
    };
}

/// The columns of an event as the API shows it, in the order `rows` reads them.
macro_rules! event_columns {
    () => {
        "e.id, e.type, e.tenant_id, e.created_at, e.data, e.attempts, e.delivered_at, \
         e.next_attempt_at, e.last_error"
    };
}

/// One event. Parameter: its id.
pub const FIND_EVENT: &str = concat!(
    "SELECT ",
    event_columns!(),
    " FROM events e WHERE e.id = ?1"
);

/// A page of events by sequence (on `events_seq`, or `events_tenant_seq` for one tenant's).
/// Parameters: the last sequence number seen, how many, a tenant id (or `NULL`), a type (or
/// `NULL`).
pub const EVENTS_AFTER: &str = concat!(
    "SELECT ",
    event_columns!(),
    ", e.seq FROM events e WHERE e.seq > ?1 AND (?3 IS NULL OR e.tenant_id = ?3) \
     AND (?4 IS NULL OR e.type = ?4) ORDER BY e.seq LIMIT ?2"
);

/// Claims up to `?3` events due at `?1` whose lease (if any) has run out, leasing them until
/// `?2`, and answers them: id, type, created_at, data, invite_token, attempts. One statement, so
/// two deliverers never claim one event at once.
pub const CLAIM_DUE_EVENTS: &str = "UPDATE events SET lease_until = ?2 WHERE id IN (\
     SELECT id FROM events WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ?1 \
     AND (lease_until IS NULL OR lease_until <= ?1) ORDER BY next_attempt_at LIMIT ?3) \
     RETURNING id, type, created_at, data, invite_token, attempts";

/// Whether an event's invite mail is still to be sent (not mailed, not given up): until it is,
/// its invite token stays. A fragment of the statements below.
macro_rules! mail_pending {
    () => {
        "(mailed_at IS NULL AND (mail_attempts = 0 OR mail_next_attempt_at IS NOT NULL))"
    };
}

/// Stores an attempt's outcome and ends the lease. A delivered event drops its invite token,
/// unless `?6` (a mailer is configured) and its mail is still to be sent.
/// Parameters: id, attempts, delivered_at, next_attempt_at, last_error, mailer (0 or 1).
const RECORD_ATTEMPT: &str = concat!(
    "UPDATE events SET attempts = ?2, delivered_at = ?3, \
     next_attempt_at = ?4, last_error = ?5, lease_until = NULL, \
     invite_token = CASE WHEN ?3 IS NULL OR (?6 = 1 AND ",
    mail_pending!(),
    ") THEN invite_token END WHERE id = ?1"
);

/// Schedules event `?1` again at `?2`: due then, a failed or delivered state cleared, its
/// attempts kept.
const RETRY_EVENT: &str =
    "UPDATE events SET next_attempt_at = ?2, delivered_at = NULL WHERE id = ?1";
/// Schedules every failed event (neither delivered nor due) again at `?1`.
const RETRY_FAILED_EVENTS: &str = "UPDATE events SET next_attempt_at = ?1 \
     WHERE delivered_at IS NULL AND next_attempt_at IS NULL";
/// A check that always holds.
pub const TRUE: &str = "SELECT 1";
/// Whether an event exists. Parameter: its id.
pub const HAS_EVENT: &str = "SELECT EXISTS (SELECT 1 FROM events WHERE id = ?1)";

/// Claims up to `?3` invites to mail at `?1` (never tried, or due again; with their token;
/// not leased), leasing them until `?2`; the same columns as [`CLAIM_DUE_EVENTS`], the mail's
/// attempts in place of the delivery's.
pub const CLAIM_DUE_MAILS: &str = "UPDATE events SET mail_lease_until = ?2 WHERE id IN (\
     SELECT id FROM events WHERE type = 'invite.created' AND invite_token IS NOT NULL \
     AND mailed_at IS NULL AND (mail_attempts = 0 OR mail_next_attempt_at <= ?1) \
     AND (mail_lease_until IS NULL OR mail_lease_until <= ?1) ORDER BY seq LIMIT ?3) \
     RETURNING id, type, created_at, data, invite_token, mail_attempts";

/// Stores a mail attempt's outcome and ends its lease. The invite token goes once the mail is
/// sent or given up, unless `?6` (a webhook endpoint is configured) and the event is not
/// delivered yet. Parameters: id, attempts, mailed_at, next attempt, last error, webhooks (0 or 1).
const RECORD_MAIL: &str = "UPDATE events SET mail_attempts = ?2, mailed_at = ?3, \
     mail_next_attempt_at = ?4, mail_last_error = ?5, mail_lease_until = NULL, \
     invite_token = CASE WHEN (?3 IS NULL AND ?4 IS NOT NULL) OR (?6 = 1 AND delivered_at IS NULL) \
     THEN invite_token END WHERE id = ?1";

/// The platform tenant's name, which invite mails give as the inviter.
pub const PLATFORM_NAME: &str = "SELECT name FROM tenants WHERE is_master = 1";

/// Deletes the events delivered before `?1`; undelivered and failed events (`delivered_at`
/// `NULL`) are never deleted. It reads the whole outbox (no index on `delivered_at`), which
/// after pruning is about the retention's worth of events: the shells run it hourly.
const PRUNE_EVENTS: &str =
    "DELETE FROM events WHERE delivered_at IS NOT NULL AND delivered_at < ?1";

/// The invite with a token hash. Columns: id, tenant_id, user_id, email, token_hash, expires_at,
/// used (0 or 1).
pub const FIND_INVITE: &str = "SELECT i.id, i.tenant_id, i.user_id, i.email, i.token_hash, \
     i.expires_at, i.used_at IS NOT NULL FROM invites i WHERE i.token_hash = ?1";
/// Holds only while invite `?1` is unused; see `write_preconditions`.
const REQUIRE_UNUSED: &str = "INSERT INTO write_preconditions (held) \
     VALUES (coalesce((SELECT used_at IS NULL FROM invites WHERE id = ?1), 0))";
const USE_INVITE: &str = "UPDATE invites SET used_at = ?2 WHERE id = ?1";
const ACTIVATE_USER: &str = "UPDATE users SET status = 'active', updated_at = ?2 WHERE id = ?1";

/// A user as an owner's invite needs it. Columns: id, email, name, invited (0 or 1).
pub const FIND_OWNER: &str =
    "SELECT u.id, u.email, u.name, u.status = 'invited' FROM users u WHERE u.id = ?1";
/// Holds only while user `?1` is still `invited`; see `write_preconditions`.
const REQUIRE_INVITED: &str = "INSERT INTO write_preconditions (held) \
     VALUES (coalesce((SELECT status = 'invited' FROM users WHERE id = ?1), 0))";
const DELETE_USER_INVITES: &str = "DELETE FROM invites WHERE user_id = ?1";

/// A tenant, its version, and whether user `?2` is one of its users. Parameters: the tenant id,
/// the user id (or `NULL`).
pub const FIND_TENANT: &str = concat!(
    "SELECT ",
    tenant_columns!(),
    ", t.version, EXISTS (SELECT 1 FROM users u WHERE u.id = ?2 AND u.tenant_id = t.id) \
     FROM tenants t WHERE t.id = ?1"
);

/// A page of tenants by sequence (keyset, on the unique index `tenants_seq`). Parameters: the
/// last sequence number seen, how many, a slug to filter by (or `NULL`).
pub const TENANTS_AFTER: &str = concat!(
    "SELECT ",
    tenant_columns!(),
    ", t.seq FROM tenants t WHERE t.seq > ?1 AND (?3 IS NULL OR t.slug = ?3) ORDER BY t.seq LIMIT ?2"
);

/// One key as the API shows it. Parameter: the key id.
pub const FIND_KEY_INFO: &str = concat!(
    "SELECT ",
    key_columns!(),
    ", t.is_master, t.slug FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.id = ?1"
);

/// A page of a tenant's keys by sequence (on the index `api_keys_tenant_seq`). Parameters: the
/// tenant id, the last sequence number seen, how many.
pub const KEYS_AFTER: &str = concat!(
    "SELECT ",
    key_columns!(),
    ", k.seq FROM api_keys k WHERE k.tenant_id = ?1 AND k.seq > ?2 ORDER BY k.seq LIMIT ?3"
);

/// The slugs among a JSON array of candidates that tenants use (the column compares NOCASE).
pub const SLUGS_IN_USE: &str = concat!("SELECT s.slug ", slugs_in_use_from!("?1"));

/// Whether a master tenant exists.
pub const HAS_MASTER: &str = "SELECT EXISTS (SELECT 1 FROM tenants WHERE is_master = 1)";

/// Whether a tenant exists. Parameter: the tenant id.
pub const HAS_TENANT: &str = "SELECT EXISTS (SELECT 1 FROM tenants WHERE id = ?1)";

/// Whether an API key exists, revoked or not. Parameter: the key id.
pub const HAS_API_KEY: &str = "SELECT EXISTS (SELECT 1 FROM api_keys WHERE id = ?1)";

/// Writes the `api_key.revoked` of key `?1` (event id `?2`, at `?3`) with the key as the API
/// shows it once revoked (the fields of `ApiKeyInfo`, in its order), unless the key is revoked
/// already or unknown: then nothing, as the API writes no event for a repeated revocation. Runs
/// before the revocation, which it reads as not yet made.
const INSERT_REVOCATION_EVENT: &str = "INSERT INTO events (id, type, tenant_id, created_at, data, \
     next_attempt_at, seq) SELECT ?2, 'api_key.revoked', k.tenant_id, ?3, \
     json_object('id', k.id, 'name', k.name, 'tenant_id', k.tenant_id, 'scopes', json(k.scopes), \
     'created_at', k.created_at, 'revoked_at', ?3), ?3, \
     (SELECT value FROM sequences WHERE name = 'events') \
     FROM api_keys k WHERE k.id = ?1 AND k.revoked_at IS NULL";

/// Revokes an API key. Parameters: the key id, the time of revocation.
pub const REVOKE_API_KEY: &str =
    "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL";

/// Whether the idempotency key's row may be claimed anew at `?7`: its 24 hours are over, or its
/// lease ran out with no answer (the request that held it died). Inside the upsert's `SET`,
/// where every column reads as it was before the update, and in the query that finds the holder
/// without claiming (a dry run's), so both decide by the one rule.
macro_rules! lapsed {
    () => {
        "(expires_at <= ?7 OR (status IS NULL AND lease_until <= ?7))"
    };
}

/// Claims an idempotency key: a new row, or a lapsed one replaced, or else the holder's row
/// left as it is; in every case it answers the row as it is afterwards (fingerprint, claim_id,
/// status, body, location), so one statement decides the race. Parameters: tenant_id, key,
/// fingerprint, claim_id, lease_until, expires_at, now.
pub const CLAIM_IDEMPOTENCY_KEY: &str = concat!(
    "INSERT INTO idempotency_keys (tenant_id, key, fingerprint, claim_id, lease_until, \
     expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (tenant_id, key) DO UPDATE SET \
     fingerprint = CASE WHEN ",
    lapsed!(),
    " THEN excluded.fingerprint ELSE fingerprint END, claim_id = CASE WHEN ",
    lapsed!(),
    " THEN excluded.claim_id ELSE claim_id END, lease_until = CASE WHEN ",
    lapsed!(),
    " THEN excluded.lease_until ELSE lease_until END, expires_at = CASE WHEN ",
    lapsed!(),
    " THEN excluded.expires_at ELSE expires_at END, body = CASE WHEN ",
    lapsed!(),
    " THEN NULL ELSE body END, location = CASE WHEN ",
    lapsed!(),
    " THEN NULL ELSE location END, status = CASE WHEN ",
    lapsed!(),
    " THEN NULL ELSE status END \
     RETURNING fingerprint, claim_id, status, body, location"
);
/// The row that holds an idempotency key against a claim at `?7`, without claiming: none when
/// the claim would win (no row, or a lapsed one). Takes the claim's parameters, of which it reads
/// tenant_id, key and now; columns as [`CLAIM_IDEMPOTENCY_KEY`] answers them.
pub const FIND_IDEMPOTENCY_KEY_HOLDER: &str = concat!(
    "SELECT fingerprint, claim_id, status, body, location FROM idempotency_keys \
     WHERE tenant_id = ?1 AND key = ?2 AND NOT ",
    lapsed!()
);
/// Gives up claim `?3` of key `?2` of tenant `?1` if it has no answer.
const RELEASE_IDEMPOTENCY_KEY: &str = "DELETE FROM idempotency_keys \
     WHERE tenant_id = ?1 AND key = ?2 AND claim_id = ?3 AND status IS NULL";
/// Holds only while claim `?3` still holds key `?2` of tenant `?1` without an answer; see
/// `write_preconditions`.
const REQUIRE_CLAIM: &str = "INSERT INTO write_preconditions (held) VALUES (coalesce((\
     SELECT claim_id = ?3 AND status IS NULL FROM idempotency_keys \
     WHERE tenant_id = ?1 AND key = ?2), 0))";
const STORE_ANSWER: &str = "UPDATE idempotency_keys SET status = ?4, body = ?5, location = ?6 \
     WHERE tenant_id = ?1 AND key = ?2 AND claim_id = ?3";
/// Deletes up to 16 keys expired at `?1` (on `idempotency_keys_expiry`): each answer stored
/// sweeps a few, so expired rows never pile up and no write sweeps many.
const SWEEP_IDEMPOTENCY_KEYS: &str = "DELETE FROM idempotency_keys WHERE rowid IN (\
     SELECT rowid FROM idempotency_keys WHERE expires_at <= ?1 LIMIT 16)";

/// Takes the next number of a sequence; the insert after it reads it (in the same write).
const BUMP_SEQUENCE: &str = "UPDATE sequences SET value = value + 1 WHERE name = ?1";
const INSERT_TENANT: &str = "INSERT INTO tenants (id, name, slug, locale, owner_email, owner_user_id, \
     sso_start_url, sso_region, is_master, primary_domain, created_at, updated_at, seq) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, \
     (SELECT value FROM sequences WHERE name = 'tenants'))";
const UPDATE_TENANT: &str = "UPDATE tenants SET name = ?2, locale = ?3, owner_user_id = ?4, \
     sso_start_url = ?5, sso_region = ?6, updated_at = ?7, version = version + 1 WHERE id = ?1";
/// Holds only while the tenant `?1` still has version `?2`; see `write_preconditions`.
const REQUIRE_VERSION: &str = "INSERT INTO write_preconditions (held) \
     VALUES (coalesce((SELECT version FROM tenants WHERE id = ?1) = ?2, 0))";
const CLEAR_PRECONDITIONS: &str = "DELETE FROM write_preconditions";
const DELETE_INVITES: &str = "DELETE FROM invites WHERE tenant_id = ?1";
const DELETE_USERS: &str = "DELETE FROM users WHERE tenant_id = ?1";
const DELETE_KEYS: &str = "DELETE FROM api_keys WHERE tenant_id = ?1";
const DELETE_TENANT: &str = "DELETE FROM tenants WHERE id = ?1";
const INSERT_USER: &str = "INSERT INTO users (id, tenant_id, email, name, role, status, created_at, updated_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)";
const INSERT_INVITE: &str = "INSERT INTO invites (id, tenant_id, user_id, email, token_hash, expires_at, created_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
const INSERT_AUDIT: &str = "INSERT INTO audit_log (id, at, actor_key_id, actor_tenant_id, action, resource_id, \
     decision, policies) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
/// Due at once: `next_attempt_at` is the time of the change.
const INSERT_EVENT: &str = "INSERT INTO events (id, type, tenant_id, created_at, data, invite_token, \
     next_attempt_at, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?4, \
     (SELECT value FROM sequences WHERE name = 'events'))";
const INSERT_API_KEY: &str = "INSERT INTO api_keys (id, tenant_id, secret_hash, name, scopes, created_at, seq) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT value FROM sequences WHERE name = 'api_keys'))";

fn bump(sequence: &str) -> SqlStatement {
    SqlStatement {
        sql: BUMP_SEQUENCE,
        params: vec![sequence.into()],
    }
}

fn audit(record: &AuditRecord) -> SqlStatement {
    SqlStatement {
        sql: INSERT_AUDIT,
        params: vec![
            record.id.into(),
            record.at.into(),
            record.actor_key_id.into(),
            record.actor_tenant_id.into(),
            record.action.into(),
            record.resource_id.into(),
            record.decision.into(),
            json_array(&record.policies).into(),
        ],
    }
}

/// The statement that stores an invite (its token only as a hash).
fn invite(invite: &Invite) -> SqlStatement {
    SqlStatement {
        sql: INSERT_INVITE,
        params: vec![
            invite.id.into(),
            invite.tenant_id.into(),
            invite.user_id.into(),
            invite.email.clone().into(),
            invite.token_hash.clone().into(),
            invite.expires_at.into(),
            invite.created_at.into(),
        ],
    }
}

/// The statements that write an event: its sequence number, then the event.
pub(crate) fn event(event: &NewEvent) -> [SqlStatement; 2] {
    [
        bump("events"),
        SqlStatement {
            sql: INSERT_EVENT,
            params: vec![
                event.id.into(),
                event.kind.name().into(),
                event.tenant_id.into(),
                event.created_at.into(),
                event.data.to_string().into(),
                event.invite_token.clone().into(),
            ],
        },
    ]
}

fn on_tenant(sql: &'static str, id: Uuid) -> SqlStatement {
    SqlStatement {
        sql,
        params: vec![id.into()],
    }
}

/// The statements that require tenant `id` to be at `version` still, then run `changes`.
fn at_version(id: Uuid, version: i64, changes: Vec<SqlStatement>) -> Vec<SqlStatement> {
    let mut statements = vec![SqlStatement {
        sql: REQUIRE_VERSION,
        params: vec![id.into(), version.into()],
    }];
    statements.extend(changes);
    statements.push(SqlStatement {
        sql: CLEAR_PRECONDITIONS,
        params: Vec::new(),
    });
    statements
}

/// The statements of one create, to run atomically and in this order.
pub fn insert_tenant(record: &NewTenantRecord) -> Vec<SqlStatement> {
    let NewTenantRecord {
        tenant,
        owner,
        invite,
        audit,
        events,
        idempotency,
    } = record;
    // Taken apart without `..`, so a field added to the tenant does not compile until it has
    // its column here.
    let Tenant {
        id,
        name,
        slug,
        locale,
        owner_email,
        owner_user_id,
        sso_start_url,
        sso_region,
        is_master,
        primary_domain,
        created_at,
        updated_at,
    } = tenant;
    let mut statements = vec![
        bump("tenants"),
        SqlStatement {
            sql: INSERT_TENANT,
            params: vec![
                (*id).into(),
                name.clone().into(),
                slug.clone().into(),
                locale.clone().into(),
                owner_email.clone().into(),
                (*owner_user_id).into(),
                sso_start_url.clone().into(),
                sso_region.clone().into(),
                (*is_master).into(),
                primary_domain.clone().into(),
                (*created_at).into(),
                (*updated_at).into(),
            ],
        },
        SqlStatement {
            sql: INSERT_USER,
            params: vec![
                owner.id.into(),
                owner.tenant_id.into(),
                owner.email.clone().into(),
                owner.name.clone().into(),
                OwnerUser::ROLE.into(),
                OwnerUser::STATUS.into(),
                owner.created_at.into(),
            ],
        },
        self::invite(invite),
        self::audit(audit),
    ];
    for written in events {
        statements.extend(event(written));
    }
    statements.extend(idempotency.iter().flat_map(store_answer));
    statements
}

/// The statements that store a claimed key's answer, in the write of what the request created:
/// they fail it unless the claim still holds the key.
fn store_answer(stored: &IdempotentAnswer) -> Vec<SqlStatement> {
    let key = || {
        vec![
            SqlValue::from(stored.tenant_id),
            stored.key.as_str().into(),
            stored.claim_id.into(),
        ]
    };
    let mut answer = key();
    answer.extend([
        i64::from(stored.answer.status).into(),
        stored.answer.body.as_str().into(),
        stored.answer.location.clone().into(),
    ]);
    vec![
        SqlStatement {
            sql: REQUIRE_CLAIM,
            params: key(),
        },
        SqlStatement {
            sql: STORE_ANSWER,
            params: answer,
        },
        SqlStatement {
            sql: SWEEP_IDEMPOTENCY_KEYS,
            params: vec![stored.now.into()],
        },
        SqlStatement {
            sql: CLEAR_PRECONDITIONS,
            params: Vec::new(),
        },
    ]
}

/// Claims an idempotency key; see [`CLAIM_IDEMPOTENCY_KEY`].
pub fn claim_idempotency_key(claim: &IdempotencyClaim) -> SqlStatement {
    SqlStatement {
        sql: CLAIM_IDEMPOTENCY_KEY,
        params: claim_params(claim),
    }
}

/// Finds who holds an idempotency key against a claim; see [`FIND_IDEMPOTENCY_KEY_HOLDER`].
pub fn find_idempotency_key_holder(claim: &IdempotencyClaim) -> SqlStatement {
    SqlStatement {
        sql: FIND_IDEMPOTENCY_KEY_HOLDER,
        params: claim_params(claim),
    }
}

/// A claim's parameters, in the order both statements about it number them.
fn claim_params(claim: &IdempotencyClaim) -> Vec<SqlValue> {
    vec![
        claim.tenant_id.into(),
        claim.key.as_str().into(),
        claim.fingerprint.as_str().into(),
        claim.claim_id.into(),
        claim.lease_until.into(),
        claim.expires_at.into(),
        claim.now.into(),
    ]
}

/// Gives up a claim that has no answer.
pub fn release_idempotency_key(release: &IdempotencyRelease) -> SqlStatement {
    SqlStatement {
        sql: RELEASE_IDEMPOTENCY_KEY,
        params: vec![
            release.tenant_id.into(),
            release.key.as_str().into(),
            release.claim_id.into(),
        ],
    }
}

/// The statements that create the platform tenant.
pub fn insert_master(master: &MasterTenant) -> Vec<SqlStatement> {
    vec![
        bump("tenants"),
        SqlStatement {
            sql: INSERT_TENANT,
            params: vec![
                master.id.into(),
                master.name.clone().into(),
                master.slug.clone().into(),
                master.locale.clone().into(),
                SqlValue::Null,
                SqlValue::Null,
                SqlValue::Null,
                SqlValue::Null,
                true.into(),
                SqlValue::Null,
                master.created_at.into(),
                master.created_at.into(),
            ],
        },
    ]
}

/// The statements that store an API key (its secret only as a hash).
pub fn insert_api_key(key: &NewApiKey) -> Vec<SqlStatement> {
    vec![
        bump("api_keys"),
        SqlStatement {
            sql: INSERT_API_KEY,
            params: vec![
                key.key_id.into(),
                key.tenant_id.into(),
                key.secret_hash.clone().into(),
                key.name.clone().into(),
                json_array(&key.scopes).into(),
                key.created_at.into(),
            ],
        },
    ]
}

/// The statements of a key issued through the API: the key, its audit record and its event.
pub fn issue_key(issue: &KeyIssue) -> Vec<SqlStatement> {
    let mut statements = insert_api_key(&issue.key);
    statements.push(audit(&issue.audit));
    statements.extend(event(&issue.event));
    statements.extend(issue.idempotency.iter().flat_map(store_answer));
    statements
}

/// The statements of a revocation through the API: the revocation, its audit record and its
/// event (none when the key was revoked already).
pub fn revoke_key_audited(revocation: &KeyRevocation) -> Vec<SqlStatement> {
    let mut statements = vec![
        revoke_api_key(revocation.key_id, revocation.at),
        audit(&revocation.audit),
    ];
    statements.extend(revocation.event.iter().flat_map(event));
    statements
}

/// The statements of an update, to run atomically: they change nothing unless the tenant is
/// still at the version the update was computed from.
pub fn update_tenant(update: &TenantUpdate) -> Vec<SqlStatement> {
    let tenant = &update.tenant;
    at_version(
        tenant.id,
        update.read_version,
        vec![
            SqlStatement {
                sql: UPDATE_TENANT,
                params: vec![
                    tenant.id.into(),
                    tenant.name.clone().into(),
                    tenant.locale.clone().into(),
                    tenant.owner_user_id.into(),
                    tenant.sso_start_url.clone().into(),
                    tenant.sso_region.clone().into(),
                    tenant.updated_at.into(),
                ],
            },
            audit(&update.audit),
        ]
        .into_iter()
        .chain(event(&update.event))
        .collect(),
    )
}

/// The statements of a delete, to run atomically: the tenant's invites, users and keys, the
/// tenant, and the audit record and event (which stay), unless the tenant changed since it was read.
pub fn delete_tenant(deletion: &TenantDeletion) -> Vec<SqlStatement> {
    let id = deletion.tenant_id;
    at_version(
        id,
        deletion.read_version,
        vec![
            on_tenant(DELETE_INVITES, id),
            on_tenant(DELETE_USERS, id),
            on_tenant(DELETE_KEYS, id),
            on_tenant(DELETE_TENANT, id),
            audit(&deletion.audit),
        ]
        .into_iter()
        .chain(event(&deletion.event))
        .collect(),
    )
}

/// The statements of an acceptance, to run atomically: nothing changes unless the invite is
/// still unused.
pub fn accept_invite(acceptance: &InviteAcceptance) -> Vec<SqlStatement> {
    let mut statements = vec![
        on_tenant(REQUIRE_UNUSED, acceptance.invite_id),
        SqlStatement {
            sql: USE_INVITE,
            params: vec![acceptance.invite_id.into(), acceptance.at.into()],
        },
        SqlStatement {
            sql: ACTIVATE_USER,
            params: vec![acceptance.user_id.into(), acceptance.at.into()],
        },
        audit(&acceptance.audit),
    ];
    statements.extend(event(&acceptance.event));
    statements.push(SqlStatement {
        sql: CLEAR_PRECONDITIONS,
        params: Vec::new(),
    });
    statements
}

/// The statements of a new invite for an owner, to run atomically: nothing changes unless the
/// owner is still `invited`.
pub fn renew_invite(renewal: &InviteRenewal) -> Vec<SqlStatement> {
    let user = renewal.invite.user_id;
    let mut statements = vec![
        on_tenant(REQUIRE_INVITED, user),
        on_tenant(DELETE_USER_INVITES, user),
        invite(&renewal.invite),
        audit(&renewal.audit),
    ];
    statements.extend(event(&renewal.event));
    statements.push(SqlStatement {
        sql: CLEAR_PRECONDITIONS,
        params: Vec::new(),
    });
    statements
}

/// The query for [`FIND_OWNER`].
pub fn find_owner(user_id: Uuid) -> SqlStatement {
    on_tenant(FIND_OWNER, user_id)
}

/// The query for [`FIND_INVITE`].
pub fn find_invite(token_hash: &str) -> SqlStatement {
    SqlStatement {
        sql: FIND_INVITE,
        params: vec![token_hash.into()],
    }
}

/// The statement that records a denied attempt.
pub fn audit_denial(record: &AuditRecord) -> SqlStatement {
    audit(record)
}

/// The query for [`FIND_TENANT`].
pub fn find_tenant(id: Uuid, user: Option<Uuid>) -> SqlStatement {
    SqlStatement {
        sql: FIND_TENANT,
        params: vec![id.into(), user.into()],
    }
}

/// The query for [`TENANTS_AFTER`].
pub fn tenants_after(after: i64, limit: u32, slug: Option<&str>) -> SqlStatement {
    SqlStatement {
        sql: TENANTS_AFTER,
        params: vec![after.into(), i64::from(limit).into(), slug.into()],
    }
}

/// The query for [`FIND_KEY_INFO`].
pub fn find_key_info(id: Uuid) -> SqlStatement {
    on_tenant(FIND_KEY_INFO, id)
}

/// The query for [`KEYS_AFTER`].
pub fn keys_after(tenant_id: Uuid, after: i64, limit: u32) -> SqlStatement {
    SqlStatement {
        sql: KEYS_AFTER,
        params: vec![tenant_id.into(), after.into(), i64::from(limit).into()],
    }
}

/// The query for [`FIND_EVENT`].
pub fn find_event(id: Uuid) -> SqlStatement {
    on_tenant(FIND_EVENT, id)
}

/// The query for [`EVENTS_AFTER`].
pub fn events_after(after: i64, limit: u32, filter: EventFilter) -> SqlStatement {
    SqlStatement {
        sql: EVENTS_AFTER,
        params: vec![
            after.into(),
            i64::from(limit).into(),
            filter.tenant_id.into(),
            filter.kind.map(|kind| kind.name()).into(),
        ],
    }
}

/// The statement for [`CLAIM_DUE_EVENTS`]: events due at `now`, leased until `until`.
pub fn claim_due_events(now: Timestamp, until: Timestamp, limit: u32) -> SqlStatement {
    SqlStatement {
        sql: CLAIM_DUE_EVENTS,
        params: vec![now.into(), until.into(), i64::from(limit).into()],
    }
}

/// The statements that store the outcomes of delivery attempts, one each, written together;
/// `mailer` says whether invite mails are sent too (then a delivered invite keeps its token
/// until it is mailed).
pub fn record_attempts(attempts: &[Attempted], mailer: bool) -> Vec<SqlStatement> {
    attempts
        .iter()
        .map(|attempted| outcome(RECORD_ATTEMPT, attempted, mailer))
        .collect()
}

/// The statements of a retry through the API: the event due again, and the audit record.
pub fn retry_event(retry: &EventRetry) -> Vec<SqlStatement> {
    vec![retry_one_event(retry.id, retry.at), audit(&retry.audit)]
}

/// The statement that schedules one event again at `at`.
pub fn retry_one_event(id: Uuid, at: Timestamp) -> SqlStatement {
    SqlStatement {
        sql: RETRY_EVENT,
        params: vec![id.into(), at.into()],
    }
}

/// The statement that schedules every failed event again at `at`.
pub fn retry_failed_events(at: Timestamp) -> SqlStatement {
    SqlStatement {
        sql: RETRY_FAILED_EVENTS,
        params: vec![at.into()],
    }
}

/// The statement for [`CLAIM_DUE_MAILS`]: invites to mail at `now`, leased until `until`.
pub fn claim_due_mails(now: Timestamp, until: Timestamp, limit: u32) -> SqlStatement {
    SqlStatement {
        sql: CLAIM_DUE_MAILS,
        params: vec![now.into(), until.into(), i64::from(limit).into()],
    }
}

/// The statement that stores a mail attempt's outcome (`delivered_at` is when the relay took
/// it); `webhooks` says whether an endpoint is configured (then the token stays until the event
/// is delivered there too).
pub fn record_mail(attempted: &Attempted, webhooks: bool) -> SqlStatement {
    outcome(RECORD_MAIL, attempted, webhooks)
}

/// An attempt's outcome bound to `sql`, with the other consumer's flag last.
fn outcome(sql: &'static str, attempted: &Attempted, other: bool) -> SqlStatement {
    SqlStatement {
        sql,
        params: vec![
            attempted.id.into(),
            attempted.attempts.into(),
            attempted.delivered_at.into(),
            attempted.next_attempt_at.into(),
            attempted.last_error.clone().into(),
            other.into(),
        ],
    }
}

/// The statement that deletes the events delivered before `cutoff`.
pub fn prune_events(cutoff: Timestamp) -> SqlStatement {
    SqlStatement {
        sql: PRUNE_EVENTS,
        params: vec![cutoff.into()],
    }
}

/// The query for [`FIND_API_KEY`].
pub fn find_api_key(id: Uuid) -> SqlStatement {
    on_tenant(FIND_API_KEY, id)
}

/// The query for [`FIND_CREATE_READS`].
pub fn find_create_reads(reads: &CreateReads<'_>) -> SqlStatement {
    SqlStatement {
        sql: FIND_CREATE_READS,
        params: vec![
            reads.key_id.into(),
            json_array(reads.slug_candidates).into(),
        ],
    }
}

/// The statement that revokes an API key from `at` on.
pub fn revoke_api_key(key_id: Uuid, at: Timestamp) -> SqlStatement {
    SqlStatement {
        sql: REVOKE_API_KEY,
        params: vec![key_id.into(), at.into()],
    }
}

/// The statements of a revocation without the API (`tenantry keys revoke`): its
/// `api_key.revoked` with id `event_id` (none if the key was revoked already), then the
/// revocation, in one write.
pub fn revoke_key_with_event(key_id: Uuid, event_id: Uuid, at: Timestamp) -> Vec<SqlStatement> {
    vec![
        bump("events"),
        SqlStatement {
            sql: INSERT_REVOCATION_EVENT,
            params: vec![key_id.into(), event_id.into(), at.into()],
        },
        revoke_api_key(key_id, at),
    ]
}

/// A JSON array of strings, as the `scopes` and `policies` columns hold.
pub fn json_array(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

/// Whether a database error message is a failed write precondition (`write_preconditions`):
/// the row changed since the flow read it.
pub fn is_precondition_violation(message: &str) -> bool {
    message.contains("CHECK constraint failed: precondition_failed")
}

/// Whether a database error message is a violation of the unique slug index. Both adapters
/// decide by it: SQLite says `UNIQUE constraint failed: tenants.slug`, and D1 passes the same
/// text on inside its own message.
pub fn is_slug_unique_violation(message: &str) -> bool {
    message.contains("UNIQUE constraint failed: tenants.slug")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_sql_quotes_text_and_writes_null() {
        let statement = SqlStatement {
            sql: "INSERT INTO t VALUES (?1, ?2, ?3, ?10)",
            params: vec![
                SqlValue::Text("O'Brien".into()),
                SqlValue::Null,
                SqlValue::Integer(7),
                SqlValue::Null,
            ],
        };
        assert_eq!(
            statement.to_literal_sql(),
            "INSERT INTO t VALUES ('O''Brien', NULL, 7, NULL);"
        );
    }

    #[test]
    fn only_the_slug_index_counts_as_a_slug_conflict() {
        assert!(is_slug_unique_violation(
            "UNIQUE constraint failed: tenants.slug"
        ));
        assert!(is_slug_unique_violation(
            "D1_ERROR: UNIQUE constraint failed: tenants.slug: SQLITE_CONSTRAINT"
        ));
        assert!(!is_slug_unique_violation(
            "UNIQUE constraint failed: tenants.id"
        ));
        assert!(!is_slug_unique_violation(
            "UNIQUE constraint failed: tenants.is_master"
        ));
    }
}
