//! The webhook deliverer of `tenantry serve`: a thread beside the server that claims due
//! events (a lease of [`tenantry_core::LEASE_SECONDS`], so no event is being delivered twice at once), POSTs each as core signs it,
//! and stores what core makes of the outcome. Killed at any moment, it leaves leased events to
//! be claimed again once their lease runs out: at least once, never lost.

use std::sync::Arc;
use std::time::Duration;

use tenantry_core::{
    ATTEMPT_TIMEOUT_SECONDS, DueEvent, Outcome, RetrySchedule, WebhookSecret, after_attempt, sql,
    webhook_request,
};

use crate::server::Pool;
use crate::{NativeError, system};

/// How long the deliverer sleeps when nothing is due: the commit-to-delivery delay's floor.
const POLL: Duration = Duration::from_millis(100);
/// How many events one claim takes: few enough that all of them are tried within the lease
/// (4 × the 10 s timeout < 60 s), so no event's lease runs out while it waits its turn.
const BATCH: u32 = 4;

/// Where and how events are delivered.
#[derive(Debug, Clone)]
pub struct Webhooks {
    /// The endpoint, `http://…`.
    pub url: String,
    /// Its signing secret.
    pub secret: WebhookSecret,
    /// The retry delays.
    pub schedule: RetrySchedule,
    /// How long a claim holds its events, in seconds ([`LEASE_SECONDS`] unless a test
    /// shortens it).
    pub lease_seconds: i64,
}

/// Starts the deliverer on its own thread; it runs as long as the process.
pub fn spawn(pool: Arc<Pool>, webhooks: Webhooks) {
    std::thread::spawn(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(ATTEMPT_TIMEOUT_SECONDS)))
            .http_status_as_error(false)
            .build()
            .into();
        loop {
            match deliver_due(&pool, &agent, &webhooks) {
                Ok(0) => std::thread::sleep(POLL),
                Ok(_) => {}
                Err(error) => {
                    eprintln!("tenantry: webhook delivery: {error}");
                    std::thread::sleep(POLL);
                }
            }
        }
    });
}

/// Claims what is due and tries each once; answers how many were tried.
fn deliver_due(
    pool: &Pool,
    agent: &ureq::Agent,
    webhooks: &Webhooks,
) -> Result<usize, NativeError> {
    let now = system::now()?;
    let until = now.plus_seconds(webhooks.lease_seconds);
    let due = pool.with(|t| t.store().claim_due_events(now, until, BATCH))??;
    for event in &due {
        let outcome = post(agent, webhooks, event)?;
        let attempted = after_attempt(event, outcome, system::now()?, &webhooks.schedule);
        pool.with(|t| {
            t.store()
                .execute_atomically(&[sql::record_attempt(&attempted)])
        })??;
    }
    Ok(due.len())
}

/// One attempt: the signed POST, and what came of it.
fn post(
    agent: &ureq::Agent,
    webhooks: &Webhooks,
    event: &DueEvent,
) -> Result<Outcome, NativeError> {
    let request = webhook_request(&webhooks.secret, event, system::now()?);
    let mut builder = agent.post(&webhooks.url);
    for (name, value) in &request.headers {
        builder = builder.header(*name, value);
    }
    Ok(match builder.send(&request.body) {
        Ok(response) => Outcome::of_status(response.status().as_u16()),
        Err(error) => Outcome::Failed(error.to_string()),
    })
}
