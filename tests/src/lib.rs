//! The conformance suite: the contract's cases, written once as data, run against every way
//! into Tenantry (core with the in-memory store, the in-process SQLite API, `tenantry serve`
//! over HTTP, and the edge worker in workerd).
//!
//! A way in is a [`Target`]: it sends a request and answers a response, and it can bootstrap
//! a platform tenant, issue and revoke keys, and count rows, by its own means.

#![expect(
    clippy::panic,
    reason = "a test harness reports a failed case by panicking, as assert! does"
)]

pub mod cases;
pub mod events;
pub mod fixture;
pub mod hooks;
pub mod http_client;
pub mod lifecycle;
pub mod outbox;
pub mod race;
pub mod receivers;
/// Safe retries (`Idempotency-Key`) and dry runs (`?dry_run=true`).
pub mod retries;
pub mod runner;
pub mod targets;

/// A request as a case describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method.
    pub method: String,
    /// The path.
    pub path: String,
    /// Header names and values.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// A response as a target answered it.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Header names (lowercase) and values.
    pub headers: Vec<(String, String)>,
    /// The body, parsed as JSON (`Null` when it was not JSON).
    pub body: serde_json::Value,
    /// The body as text, to check that nothing secret leaks.
    pub raw_body: String,
}

impl Response {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Parses a body as JSON, keeping the text.
    pub fn new(status: u16, headers: Vec<(String, String)>, raw_body: String) -> Self {
        Self {
            status,
            headers,
            body: serde_json::from_str(&raw_body).unwrap_or(serde_json::Value::Null),
            raw_body,
        }
    }
}

/// Row counts of the tables a create writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowCounts {
    /// Tenants with the slug.
    pub tenants: i64,
    /// Users of those tenants.
    pub users: i64,
    /// Invites of those tenants.
    pub invites: i64,
}

impl RowCounts {
    /// What one create leaves: the tenant, its owner and the owner's invite.
    pub const ONE_CREATE: Self = Self {
        tenants: 1,
        users: 1,
        invites: 1,
    };
}

/// Checks a response's status, naming the target and the step, with the body it got; answers
/// the body.
pub(crate) fn expect(
    target: &dyn Target,
    response: &Response,
    status: u16,
    what: &str,
) -> serde_json::Value {
    assert_eq!(
        response.status,
        status,
        "{}: {what}: {}",
        target.name(),
        response.raw_body
    );
    response.body.clone()
}

/// The SQL that counts the rows of the tenant with a slug; parameter `?1` is the slug.
pub const COUNT_ROWS_SQL: &str = "SELECT \
    (SELECT count(*) FROM tenants WHERE slug = ?1), \
    (SELECT count(*) FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE t.slug = ?1), \
    (SELECT count(*) FROM invites i JOIN tenants t ON t.id = i.tenant_id WHERE t.slug = ?1)";

/// Totals of the rows a change writes beside what it changes: its events and audit records
/// (a refused attempt's included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteCounts {
    /// Events in the outbox.
    pub events: i64,
    /// Audit records.
    pub audit: i64,
}

/// The SQL that counts events and audit records.
pub const COUNT_WRITES_SQL: &str =
    "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM audit_log)";

/// One way into Tenantry.
pub trait Target: Sync {
    /// A short name for reports, e.g. `in-process`.
    fn name(&self) -> &str;
    /// Sends one request.
    fn send(&self, request: &Request) -> Response;
    /// Creates the platform tenant and its first key: (tenant id, key).
    fn bootstrap(&self) -> (uuid::Uuid, String);
    /// Issues a key for a tenant: (key id, key).
    fn issue_key(&self, tenant: uuid::Uuid, scopes: &[&str]) -> (uuid::Uuid, String);
    /// Revokes a key.
    fn revoke_key(&self, key_id: uuid::Uuid);
    /// Counts the rows of the tenant with a slug.
    fn count_rows(&self, slug: &str) -> RowCounts;
    /// Counts all events and audit records.
    fn count_writes(&self) -> WriteCounts;
    /// Moves the target's clock `seconds` ahead, if its clock is the test's (core and the
    /// in-process API); `false` for a server, which reads the real clock.
    fn advance_clock(&self, seconds: i64) -> bool {
        let _ = seconds;
        false
    }
}
