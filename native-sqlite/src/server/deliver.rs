//! The outbox's consumers in `tenantry serve`: the webhook deliverer, and the invite mailer of
//! `mail.rs`, each a thread beside the server running one loop: claim what is due (a lease of
//! [`tenantry_core::LEASE_SECONDS`], so no event is being tried twice at once), try each, and store
//! what core makes of the outcome. Killed at any moment, a consumer leaves leased events to be
//! claimed again once their lease runs out: at least once, never lost.

use std::sync::Arc;
use std::time::Duration;

use tenantry_core::sql::{self, SqlStatement};
use tenantry_core::{
    Attempted, DueEvent, Outcome, RetrySchedule, Timestamp, WebhookSecret, after_attempt,
    webhook_request,
};

use crate::server::Pool;
use crate::{NativeError, system};

/// How long a consumer sleeps when nothing is due: the commit-to-delivery delay's floor.
const POLL: Duration = Duration::from_millis(100);
/// How many events one claim takes: few enough that all of them are tried within the lease
/// (4 × the 10 s timeout < 60 s), so no event's lease runs out while it waits its turn.
const BATCH: u32 = 4;

/// One way events leave the outbox: what it claims, how it tries one event, and how the
/// outcome is stored.
pub(super) trait Channel: Send + 'static {
    /// Its name, for the log.
    const NAME: &'static str;
    /// The claim of up to `limit` due events at `now`, leased until `until`.
    fn claim(now: Timestamp, until: Timestamp, limit: u32) -> SqlStatement;
    /// The statement storing an attempt's outcome.
    fn record(&self, attempted: &Attempted) -> SqlStatement;
    /// Its retry delays.
    fn schedule(&self) -> &RetrySchedule;
    /// How long a claim holds its events, in seconds.
    fn lease_seconds(&self) -> i64;
    /// One attempt at one event.
    fn attempt(&self, pool: &Pool, event: &DueEvent) -> Result<Outcome, NativeError>;
}

/// Runs `channel` on its own thread for as long as the process.
pub(super) fn spawn_channel<C: Channel>(pool: Arc<Pool>, channel: C) {
    std::thread::spawn(move || {
        loop {
            match run_due(&pool, &channel) {
                Ok(0) => std::thread::sleep(POLL),
                Ok(_) => {}
                Err(error) => {
                    eprintln!("tenantry: {}: {error}", C::NAME);
                    std::thread::sleep(POLL);
                }
            }
        }
    });
}

/// Claims what is due and tries each once; answers how many were tried.
fn run_due<C: Channel>(pool: &Pool, channel: &C) -> Result<usize, NativeError> {
    let now = system::now()?;
    let until = now.plus_seconds(channel.lease_seconds());
    let due = pool.with(|t| t.store().claim(&C::claim(now, until, BATCH)))??;
    for event in &due {
        let outcome = channel.attempt(pool, event)?;
        let attempted = after_attempt(event, outcome, system::now()?, channel.schedule());
        pool.with(|t| t.store().execute_atomically(&[channel.record(&attempted)]))??;
    }
    Ok(due.len())
}

/// Where and how events are delivered by webhook.
#[derive(Debug, Clone)]
pub struct Webhooks {
    /// The endpoint, `https://…` or `http://…`.
    pub url: String,
    /// Its signing secret.
    pub secret: WebhookSecret,
    /// The retry delays.
    pub schedule: RetrySchedule,
    /// How long a claim holds its events, in seconds ([`tenantry_core::LEASE_SECONDS`] unless a test
    /// shortens it).
    pub lease_seconds: i64,
    /// How long one attempt may take before it counts as failed
    /// ([`tenantry_core::ATTEMPT_TIMEOUT_SECONDS`] unless a test shortens it).
    pub attempt_timeout: Duration,
    /// Whether invites are mailed too: then a delivered `invite.created` keeps its token
    /// until its mail is sent.
    pub mailer: bool,
}

/// The webhook deliverer: the settings and its HTTP client.
struct Deliverer {
    webhooks: Webhooks,
    agent: ureq::Agent,
}

/// Starts the webhook deliverer on its own thread; it runs as long as the process.
pub fn spawn(pool: Arc<Pool>, webhooks: Webhooks) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(webhooks.attempt_timeout))
        .http_status_as_error(false)
        .build()
        .into();
    spawn_channel(pool, Deliverer { webhooks, agent });
}

impl Channel for Deliverer {
    const NAME: &'static str = "webhook delivery";

    fn claim(now: Timestamp, until: Timestamp, limit: u32) -> SqlStatement {
        sql::claim_due_events(now, until, limit)
    }

    fn record(&self, attempted: &Attempted) -> SqlStatement {
        sql::record_attempt(attempted, self.webhooks.mailer)
    }

    fn schedule(&self) -> &RetrySchedule {
        &self.webhooks.schedule
    }

    fn lease_seconds(&self) -> i64 {
        self.webhooks.lease_seconds
    }

    /// The signed POST, and what came of it.
    fn attempt(&self, _pool: &Pool, event: &DueEvent) -> Result<Outcome, NativeError> {
        let request = webhook_request(&self.webhooks.secret, event, system::now()?);
        let mut builder = self.agent.post(&self.webhooks.url);
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        Ok(match builder.send(&request.body) {
            Ok(response) => Outcome::of_status(response.status().as_u16()),
            Err(error) => Outcome::Failed(error.to_string()),
        })
    }
}
