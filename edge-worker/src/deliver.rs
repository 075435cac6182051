//! Webhook delivery and pruning at the edge: core's [`deliver_due`] and [`prune_delivered`] on
//! D1, with workerd's `fetch` as the POST. The worker runs a delivery after each change's
//! response (`waitUntil`), and its Cron Triggers retry whatever is due every minute and prune
//! every hour.
//!
//! Settings (`wrangler.toml`'s `[vars]`, the secret by `wrangler secret put`): `WEBHOOK_URL`
//! (empty or missing: no delivery; events wait in the outbox), `WEBHOOK_SECRET` (`whsec_…`),
//! `WEBHOOK_RETRY_DELAYS` (seconds, comma-separated; the contract's schedule unless set) and
//! `EVENT_RETENTION_DAYS` (30 unless set).

use tenantry_core::{
    Outcome, Retention, RetrySchedule, Timestamp, WebhookClient, WebhookRequest, WebhookSecret,
    Webhooks, check_endpoint, deliver_due, prune_delivered,
};
use worker::{
    AbortSignal, Env, Fetch, Headers, Method, Request, RequestInit, console_error, console_log,
};

use crate::{D1_BINDING, D1Store, inputs};

/// The cron of `wrangler.toml` that prunes; every other cron delivers.
pub(crate) const PRUNE_CRON: &str = "7 * * * *";
/// Claims a delivery after a change makes: `waitUntil` gets 30 s after the response, so few.
pub(crate) const CLAIMS_AFTER_CHANGE: usize = 4;
/// Claims one cron run makes (up to 4 events each): a backlog drains by about 1,000 events a
/// minute; leases keep overlapping runs apart.
pub(crate) const CLAIMS_PER_CRON: usize = 250;

const URL_VAR: &str = "WEBHOOK_URL";
const SECRET_NAME: &str = "WEBHOOK_SECRET";
const DELAYS_VAR: &str = "WEBHOOK_RETRY_DELAYS";
const RETENTION_VAR: &str = "EVENT_RETENTION_DAYS";

/// A setting's text (a var or a secret: workerd binds both as strings), `None` when it is not
/// set or empty.
fn setting(env: &Env, name: &str) -> Option<String> {
    env.var(name)
        .map(|var| var.to_string())
        .ok()
        .filter(|text| !text.trim().is_empty())
}

/// Where and how to deliver, or `None` when no endpoint is set.
pub(crate) fn webhooks(env: &Env) -> Result<Option<Webhooks>, String> {
    let Some(url) = setting(env, URL_VAR) else {
        return Ok(None);
    };
    // The same check as `tenantry serve --webhook-url`: a URL no attempt could reach is a
    // setting to fix, said once in the log, not a failure retried for every event.
    check_endpoint(&url).map_err(|e| format!("{URL_VAR} `{url}`: {e}"))?;
    let secret = setting(env, SECRET_NAME).ok_or_else(|| {
        format!(
            "{URL_VAR} is set but not the {SECRET_NAME} secret (wrangler secret put {SECRET_NAME})"
        )
    })?;
    let secret =
        WebhookSecret::parse(&secret).map_err(|e| format!("the {SECRET_NAME} secret: {e}"))?;
    let schedule = match setting(env, DELAYS_VAR) {
        None => RetrySchedule::default(),
        Some(text) => RetrySchedule::parse(&text)
            .ok_or_else(|| format!("{DELAYS_VAR} `{text}`: whole seconds, comma-separated"))?,
    };
    Ok(Some(Webhooks {
        schedule,
        ..Webhooks::new(url, secret)
    }))
}

/// Delivers what is due (at most `claims` claims), logging what went wrong.
pub(crate) async fn deliver(env: &Env, webhooks: &Webhooks, claims: usize) {
    let delivered = match env.d1(D1_BINDING) {
        Ok(db) => {
            let client = FetchClient {
                timeout_seconds: webhooks.attempt_timeout_seconds,
            };
            deliver_due(&D1Store::new(db), &client, webhooks, claims).await
        }
        Err(e) => Err(format!("D1 binding `{D1_BINDING}`: {e}")),
    };
    if let Err(error) = delivered {
        console_error!("webhook delivery: {error}");
    }
}

/// Deletes the delivered events past their retention, logging how many went.
pub(crate) async fn prune(env: &Env) {
    let pruned = async {
        let retention = match setting(env, RETENTION_VAR) {
            None => Retention::default(),
            Some(text) => Retention::parse(&text)
                .ok_or_else(|| format!("{RETENTION_VAR} `{text}`: a whole number of days"))?,
        };
        let db = env
            .d1(D1_BINDING)
            .map_err(|e| format!("D1 binding `{D1_BINDING}`: {e}"))?;
        let now = inputs::now().map_err(|e| e.to_string())?;
        prune_delivered(&D1Store::new(db), now, retention)
            .await
            .map_err(|e| e.to_string())
    };
    match pruned.await {
        Ok(count) => console_log!("pruned {count} delivered events past their retention"),
        Err(error) => console_error!("pruning delivered events: {error}"),
    }
}

/// workerd's `fetch`, cut off after the attempt's timeout by an `AbortSignal`.
struct FetchClient {
    timeout_seconds: u64,
}

impl WebhookClient for FetchClient {
    fn now(&self) -> Result<Timestamp, String> {
        inputs::now().map_err(|e| e.to_string())
    }

    async fn post(&self, url: &str, request: &WebhookRequest) -> Outcome {
        match send(url, request, self.timeout_seconds).await {
            Ok(status) => Outcome::of_status(status),
            Err(error) => Outcome::Failed(error.to_string()),
        }
    }
}

async fn send(url: &str, request: &WebhookRequest, timeout_seconds: u64) -> worker::Result<u16> {
    let headers = Headers::new();
    for (name, value) in &request.headers {
        headers.set(name, value)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(request.body.as_str().into()));
    let timeout_ms = u32::try_from(timeout_seconds.saturating_mul(1000)).unwrap_or(u32::MAX);
    let signal = AbortSignal::from(web_sys::AbortSignal::timeout_with_u32(timeout_ms));
    let response = Fetch::Request(Request::new_with_init(url, &init)?)
        .send_with_signal(&signal)
        .await?;
    Ok(response.status_code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrangler_toml_runs_the_delivery_every_minute_and_the_pruning_cron() {
        let config = include_str!("../wrangler.toml");
        assert!(
            config.contains(&format!(r#"crons = ["* * * * *", "{PRUNE_CRON}"]"#)),
            "wrangler.toml's [triggers] must list the delivery and pruning crons"
        );
    }
}
