//! The outbox's two chores, written once over the storage port for both shells: delivering what
//! is due (claim under a lease, sign, POST, store what [`after_attempt`] makes of the outcome)
//! and pruning delivered events past their retention. A shell brings only the clock and the POST
//! ([`WebhookClient`]) and decides when to run them: natively a thread beside the server, at the
//! edge `waitUntil` after a change and a Cron Trigger.

use crate::delivery::{
    ATTEMPT_TIMEOUT_SECONDS, LEASE_SECONDS, Outcome, RetrySchedule, WebhookRequest, WebhookSecret,
    after_attempt, webhook_request,
};
use crate::model::Timestamp;
use crate::store::{StoreError, TenantStore};

/// How many events one claim takes: few enough that all of them are tried within the lease
/// (4 × the 10 s timeout < 60 s), so no event's lease runs out while it waits its turn.
pub const CLAIM_BATCH: u32 = 4;
/// How long delivered events are kept unless configured otherwise.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;
const SECONDS_PER_DAY: i64 = 86_400;

/// Where and how events are delivered.
#[derive(Debug, Clone)]
pub struct Webhooks {
    /// The endpoint, `http://…` or `https://…`.
    pub url: String,
    /// Its signing secret.
    pub secret: WebhookSecret,
    /// The retry delays.
    pub schedule: RetrySchedule,
    /// How long a claim holds its events, in seconds ([`LEASE_SECONDS`] unless a test
    /// shortens it).
    pub lease_seconds: i64,
    /// How long one attempt may take before it counts as failed, in seconds
    /// ([`ATTEMPT_TIMEOUT_SECONDS`] unless a test shortens it).
    pub attempt_timeout_seconds: u64,
    /// Whether invites are mailed too (natively, `--smtp-url`): then a delivered
    /// `invite.created` keeps its token until its mail is sent.
    pub mailer: bool,
}

impl Webhooks {
    /// Delivery to `url` signed with `secret`, on the contract's schedule and lease.
    pub fn new(url: String, secret: WebhookSecret) -> Self {
        Self {
            url,
            secret,
            schedule: RetrySchedule::default(),
            lease_seconds: LEASE_SECONDS,
            attempt_timeout_seconds: ATTEMPT_TIMEOUT_SECONDS,
            mailer: false,
        }
    }
}

/// The I/O a delivery needs from its shell.
#[expect(
    async_fn_in_trait,
    reason = "not Send on purpose, as the storage port: the worker's fetch is not"
)]
pub trait WebhookClient {
    /// The current time.
    fn now(&self) -> Result<Timestamp, String>;

    /// POSTs the signed request to `url`, giving up after the attempt timeout
    /// ([`Webhooks::attempt_timeout_seconds`]), and says what came of it.
    async fn post(&self, url: &str, request: &WebhookRequest) -> Outcome;
}

/// Claims the events due (at most [`CLAIM_BATCH`] at a time) and tries each once, claim after
/// claim until one comes back empty or `claims` were made; answers how many were tried. An
/// event whose attempt failed with a retry due at once is claimed again by the next claim: the
/// contract's "at once".
pub async fn deliver_due<S: TenantStore + ?Sized, C: WebhookClient>(
    store: &S,
    client: &C,
    webhooks: &Webhooks,
    claims: usize,
) -> Result<usize, String> {
    let mut tried = 0;
    for _ in 0..claims {
        let now = client.now()?;
        let until = now.plus_seconds(webhooks.lease_seconds);
        let due = store
            .claim_due_events(now, until, CLAIM_BATCH)
            .await
            .map_err(|e| e.to_string())?;
        if due.is_empty() {
            break;
        }
        let mut attempts = Vec::with_capacity(due.len());
        for event in &due {
            let request = webhook_request(&webhooks.secret, event, client.now()?);
            let outcome = client.post(&webhooks.url, &request).await;
            attempts.push(after_attempt(
                event,
                outcome,
                client.now()?,
                &webhooks.schedule,
            ));
        }
        // One write for the claim's outcomes: the deliverer takes the write lock twice per
        // claim, not once per event, and so slows the changes beside it less. All of them are
        // tried within the lease, so none is claimed again meanwhile.
        store
            .record_attempts(&attempts, webhooks.mailer)
            .await
            .map_err(|e| e.to_string())?;
        tried += due.len();
    }
    Ok(tried)
}

/// Whether a request answered `status` may have written events: a change that succeeded. The
/// worker delivers after those, at once, rather than waiting for its cron.
pub fn may_have_written_events(method: &str, status: u16) -> bool {
    !matches!(method, "GET" | "HEAD" | "OPTIONS") && (200..300).contains(&status)
}

/// How long delivered events are kept before pruning. Undelivered and failed events are kept
/// whatever it says: nothing is lost that no receiver has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            days: DEFAULT_RETENTION_DAYS,
        }
    }
}

impl Retention {
    /// Keep delivered events `days` days; 0 prunes them at the first pruning after delivery.
    pub fn days(days: u32) -> Self {
        Self { days }
    }

    /// A number of days as text (a setting's value); `None` unless a whole number.
    pub fn parse(text: &str) -> Option<Self> {
        text.trim().parse().ok().map(Self::days)
    }

    /// Events delivered before this time are past their retention at `now`.
    pub fn cutoff(self, now: Timestamp) -> Timestamp {
        now.plus_seconds(-i64::from(self.days) * SECONDS_PER_DAY)
    }
}

/// Deletes the events delivered longer ago than the retention; answers how many went.
pub async fn prune_delivered<S: TenantStore + ?Sized>(
    store: &S,
    now: Timestamp,
    retention: Retention,
) -> Result<u64, StoreError> {
    store.prune_events(retention.cutoff(now)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cutoff_is_the_retention_before_now() {
        let now = Timestamp::from_unix_seconds(1_700_000_000).unwrap_or_else(|| unreachable!());
        assert_eq!(
            Retention::default().cutoff(now).unix_seconds(),
            1_700_000_000 - 30 * 86_400
        );
        assert_eq!(
            Retention::parse(" 2 ").map(|r| r.cutoff(now)),
            Some(now.plus_seconds(-172_800))
        );
        assert_eq!(Retention::parse("0").map(|r| r.cutoff(now)), Some(now));
        assert_eq!(Retention::parse("-1"), None);
        assert_eq!(Retention::parse("30d"), None);
    }

    #[test]
    fn only_successful_changes_may_have_written_events() {
        assert!(may_have_written_events("POST", 201));
        assert!(may_have_written_events("DELETE", 204));
        assert!(!may_have_written_events("POST", 409));
        assert!(!may_have_written_events("GET", 200));
    }
}
