//! The webhook deliverer of `tenantry serve`: a thread beside the server running core's
//! [`deliver_due`] (claims under a lease of [`tenantry_core::LEASE_SECONDS`], so no event is being
//! delivered twice at once) with a blocking HTTP client, and core's [`prune_delivered`] at start
//! and every hour. Killed at any moment, it leaves leased events to be claimed again once their
//! lease runs out: at least once, never lost.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tenantry_core::{
    Outcome, Retention, Timestamp, WebhookClient, WebhookRequest, Webhooks, deliver_due,
    prune_delivered,
};

use crate::server::Pool;
use crate::system;

/// How long the deliverer waits when nothing is due, unless a request that may have written
/// events wakes it: retries falling due are found this late at most.
pub(super) const POLL: Duration = Duration::from_millis(100);
/// How often delivered events past their retention are pruned (and once at start).
const PRUNE_EVERY: Duration = Duration::from_secs(3_600);

/// Starts the deliverer on its own thread; it runs as long as the process.
pub fn spawn(pool: Arc<Pool>, webhooks: Webhooks, retention: Retention) {
    std::thread::spawn(move || {
        let client = Client(
            ureq::Agent::config_builder()
                .timeout_global(Some(Duration::from_secs(webhooks.attempt_timeout_seconds)))
                .http_status_as_error(false)
                .build()
                .into(),
        );
        let mut pruned_at: Option<Instant> = None;
        loop {
            if pruned_at.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
                prune(&pool, retention);
                pruned_at = Some(Instant::now());
            }
            let tried = pool
                .with(|t| pollster::block_on(deliver_due(t.store(), &client, &webhooks, 1)))
                .map_err(|e| e.to_string())
                .and_then(|tried| tried);
            match tried {
                Ok(0) => pool.wait_for_events(POLL),
                Ok(_) => {}
                Err(error) => {
                    eprintln!("tenantry: webhook delivery: {error}");
                    std::thread::sleep(POLL);
                }
            }
        }
    });
}

/// Deletes the delivered events past their retention, saying how many went.
fn prune(pool: &Pool, retention: Retention) {
    let pruned = system::now().map_err(|e| e.to_string()).and_then(|now| {
        pool.with(|t| pollster::block_on(prune_delivered(t.store(), now, retention)))
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())
    });
    match pruned {
        Ok(0) => {}
        Ok(count) => eprintln!("tenantry: pruned {count} delivered events past their retention"),
        Err(error) => eprintln!("tenantry: pruning delivered events: {error}"),
    }
}

/// A blocking HTTP client with the attempt's timeout; [`deliver_due`] runs on this thread.
struct Client(ureq::Agent);

impl WebhookClient for Client {
    fn now(&self) -> Result<Timestamp, String> {
        system::now().map_err(|e| e.to_string())
    }

    async fn post(&self, url: &str, request: &WebhookRequest) -> Outcome {
        let mut builder = self.0.post(url);
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        match builder.send(&request.body) {
            Ok(response) => Outcome::of_status(response.status().as_u16()),
            Err(error) => Outcome::Failed(error.to_string()),
        }
    }
}
