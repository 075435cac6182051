//! Delivery by Standard Webhooks, as a state machine without I/O: given a due event, its
//! attempts and `now`, it says what to send (the signed request) and, from the outcome the shell
//! reports, what to store (delivered, retry at a time, or failed).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use uuid::Uuid;

use crate::event::public_id;
use crate::model::Timestamp;

/// How long a delivery may take before it counts as failed (the contract's 10 s).
pub const ATTEMPT_TIMEOUT_SECONDS: u64 = 10;
/// How long a claimed event stays its deliverer's alone: well past one attempt's timeout, so
/// that only a deliverer that died lets it go to another.
pub const LEASE_SECONDS: i64 = 60;
/// The contract's retry delays, in seconds: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
pub const DEFAULT_RETRY_DELAYS: &[i64] = &[0, 5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];
/// The prefix of a Standard Webhooks secret.
const SECRET_PREFIX: &str = "whsec_";

/// An endpoint's signing secret, `whsec_` then base64; never shown by `Debug`.
#[derive(Clone)]
pub struct WebhookSecret(Vec<u8>);

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("WebhookSecret(<redacted>)")
    }
}

/// Why a secret was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// It does not start with `whsec_` or its rest is not base64 of at least 24 bytes.
    #[error("a webhook secret is `whsec_` followed by the base64 of 24 to 64 random bytes")]
    Malformed,
}

impl WebhookSecret {
    /// Reads `whsec_…` (surrounding whitespace, as a file's final newline, ignored).
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let encoded = text
            .trim()
            .strip_prefix(SECRET_PREFIX)
            .ok_or(SecretError::Malformed)?;
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| SecretError::Malformed)?;
        if (24..=64).contains(&bytes.len()) {
            Ok(Self(bytes))
        } else {
            Err(SecretError::Malformed)
        }
    }

    /// `v1,` then the base64 HMAC-SHA256 of `id.timestamp.body`.
    fn sign(&self, id: &str, timestamp: i64, body: &str) -> String {
        // Any key length is valid for HMAC, so this never fails.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body.as_bytes());
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// Why a webhook endpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    /// Not an absolute `http://` or `https://` URL with a host.
    #[error(
        "a webhook endpoint is an http:// or https:// URL, e.g. `https://hooks.example.com/tenantry`"
    )]
    Malformed,
}

/// Checks a webhook endpoint: an absolute `http` or `https` URL with a host. Anything else
/// (another scheme, a relative path, no host) is refused before the deliverer starts.
pub fn check_endpoint(url: &str) -> Result<(), EndpointError> {
    let parsed = url::Url::parse(url).map_err(|_| EndpointError::Malformed)?;
    let ok = matches!(parsed.scheme(), "http" | "https") && parsed.host_str().is_some();
    ok.then_some(()).ok_or(EndpointError::Malformed)
}

/// How long to wait after each failed attempt; after the last, the event is marked failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule(Vec<i64>);

impl Default for RetrySchedule {
    fn default() -> Self {
        Self(DEFAULT_RETRY_DELAYS.to_vec())
    }
}

impl RetrySchedule {
    /// A schedule of these delays in seconds (tests shorten the contract's hours to seconds);
    /// `None` when empty or a delay is negative.
    pub fn new(delays: Vec<i64>) -> Option<Self> {
        (!delays.is_empty() && delays.iter().all(|d| *d >= 0)).then_some(Self(delays))
    }

    /// Delays as a setting writes them, `0,5,300`; `None` unless whole seconds, at least one.
    pub fn parse(text: &str) -> Option<Self> {
        let delays = text
            .split(',')
            .map(|delay| delay.trim().parse().ok())
            .collect::<Option<Vec<i64>>>()?;
        Self::new(delays)
    }

    /// When attempt number `attempts + 1` is due after attempt `attempts` failed at `now`;
    /// `None` when no retry is left.
    fn next(&self, attempts: i64, now: Timestamp) -> Option<Timestamp> {
        let index = usize::try_from(attempts).ok()?;
        self.0.get(index).map(|delay| now.plus_seconds(*delay))
    }
}

/// An event claimed for delivery, with its invite token if it has one (never shown by `Debug`).
#[derive(Clone, PartialEq, Eq)]
pub struct DueEvent {
    /// The event's id.
    pub id: Uuid,
    /// Its type's name.
    pub kind: String,
    /// When it was written.
    pub created_at: Timestamp,
    /// Its data as stored.
    pub data: Value,
    /// The invite token of an `invite.created`, until a delivery succeeds.
    pub invite_token: Option<String>,
    /// Attempts made before this one.
    pub attempts: i64,
}

impl fmt::Debug for DueEvent {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("DueEvent")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("attempts", &self.attempts)
            .field(
                "invite_token",
                &self.invite_token.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

/// The POST a shell sends: headers and body (which may hold an invite token: never logged).
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookRequest {
    /// `webhook-id`, `webhook-timestamp`, `webhook-signature` and the content type.
    pub headers: Vec<(&'static str, String)>,
    /// `{"type", "timestamp", "data"}`.
    pub body: String,
}

impl fmt::Debug for WebhookRequest {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("WebhookRequest")
            .field("headers", &self.headers)
            .field("body", &"<redacted>")
            .finish()
    }
}

/// The signed request for an event at `now`: the same `webhook-id` on every attempt, a fresh
/// timestamp and signature each time.
pub fn webhook_request(secret: &WebhookSecret, event: &DueEvent, now: Timestamp) -> WebhookRequest {
    let mut data = event.data.clone();
    if let (Some(token), Value::Object(fields)) = (&event.invite_token, &mut data) {
        fields.insert("token".into(), Value::from(token.as_str()));
    }
    let body = json!({"type": event.kind, "timestamp": event.created_at, "data": data}).to_string();
    let id = public_id(event.id);
    let timestamp = now.unix_seconds();
    let signature = secret.sign(&id, timestamp, &body);
    WebhookRequest {
        headers: vec![
            ("content-type", "application/json".to_owned()),
            ("webhook-id", id),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", signature),
        ],
        body,
    }
}

/// What the shell saw of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A 2xx answer.
    Delivered,
    /// Anything else: a status, a refused connection, no answer in time; the text is stored.
    Failed(String),
}

impl Outcome {
    /// The outcome of an HTTP status.
    pub fn of_status(status: u16) -> Self {
        if (200..300).contains(&status) {
            Self::Delivered
        } else {
            Self::Failed(format!("the endpoint answered {status}"))
        }
    }
}

/// An event's delivery state after an attempt, to store (and to end its lease).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempted {
    /// The event.
    pub id: Uuid,
    /// Attempts made, this one included.
    pub attempts: i64,
    /// When it was delivered, if it now is.
    pub delivered_at: Option<Timestamp>,
    /// When it is due again; `None` once delivered or failed.
    pub next_attempt_at: Option<Timestamp>,
    /// What the last failure was, if the attempt failed.
    pub last_error: Option<String>,
}

/// The state after an attempt at `now` ended with `outcome`.
pub fn after_attempt(
    event: &DueEvent,
    outcome: Outcome,
    now: Timestamp,
    schedule: &RetrySchedule,
) -> Attempted {
    let attempts = event.attempts + 1;
    match outcome {
        Outcome::Delivered => Attempted {
            id: event.id,
            attempts,
            delivered_at: Some(now),
            next_attempt_at: None,
            last_error: None,
        },
        Outcome::Failed(error) => Attempted {
            id: event.id,
            attempts,
            delivered_at: None,
            // Retry `n` waits the `n`-th delay (the first, 0, is the "at once" retry).
            next_attempt_at: schedule.next(event.attempts, now),
            last_error: Some(error),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds).unwrap_or_else(|| unreachable!())
    }

    fn due(attempts: i64) -> DueEvent {
        DueEvent {
            id: Uuid::from_u128(1),
            kind: "invite.created".into(),
            created_at: at(1_700_000_000),
            data: json!({"email": "o@x.test"}),
            invite_token: Some("abc".into()),
            attempts,
        }
    }

    #[test]
    fn the_signature_is_the_standard_webhooks_one() {
        // The example of the Standard Webhooks specification's reference libraries.
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .unwrap_or_else(|e| panic!("{e}"));
        let signature = secret.sign(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn endpoints_are_http_or_https_urls_with_a_host() {
        for accepted in [
            "http://127.0.0.1:9000/hooks",
            "https://hooks.example.com/tenantry",
            "HTTPS://hooks.example.com",
        ] {
            assert_eq!(check_endpoint(accepted), Ok(()), "{accepted}");
        }
        for refused in [
            "ftp://hooks.example.com/x",
            "hooks.example.com/x",
            "/hooks",
            "file:///etc/passwd",
            "https://",
            "",
        ] {
            assert_eq!(
                check_endpoint(refused),
                Err(EndpointError::Malformed),
                "{refused}"
            );
        }
    }

    #[test]
    fn secrets_need_the_prefix_and_enough_bytes() {
        assert!(WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
        assert!(WebhookSecret::parse("whsec_c2hvcnQ=").is_err());
        assert!(WebhookSecret::parse("whsec_not base64!").is_err());
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n");
        assert!(secret.is_ok_and(|s| !format!("{s:?}").contains("MfKQ")));
    }

    #[test]
    fn the_request_carries_the_token_and_the_same_id_on_every_attempt() {
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .unwrap_or_else(|e| panic!("{e}"));
        let first = webhook_request(&secret, &due(0), at(1_700_000_001));
        let again = webhook_request(&secret, &due(1), at(1_700_000_009));
        assert_eq!(first.headers[1], again.headers[1]);
        assert_eq!(first.headers[2].1, "1700000001");
        let body: Value = serde_json::from_str(&first.body).unwrap_or_default();
        assert_eq!(body["data"]["token"], "abc");
        assert_eq!(body["type"], "invite.created");
        assert!(!format!("{first:?}").contains("abc"));
    }

    #[test]
    fn failures_follow_the_schedule_then_the_event_fails() {
        let schedule = RetrySchedule::default();
        let now = at(1_700_000_000);
        let mut waits = Vec::new();
        for attempts in 0..8 {
            let state = after_attempt(
                &due(attempts),
                Outcome::Failed("503".into()),
                now,
                &schedule,
            );
            assert_eq!(state.attempts, attempts + 1);
            waits.push(
                state
                    .next_attempt_at
                    .map(|t| t.unix_seconds() - now.unix_seconds()),
            );
        }
        let expected: Vec<Option<i64>> = DEFAULT_RETRY_DELAYS.iter().copied().map(Some).collect();
        assert_eq!(waits, expected);
        let last = after_attempt(&due(8), Outcome::Failed("503".into()), now, &schedule);
        assert_eq!((last.next_attempt_at, last.delivered_at), (None, None));
        let delivered = after_attempt(&due(3), Outcome::of_status(204), now, &schedule);
        assert_eq!(
            (delivered.delivered_at, delivered.next_attempt_at),
            (Some(now), None)
        );
        assert_eq!(
            Outcome::of_status(500),
            Outcome::Failed("the endpoint answered 500".into())
        );
    }
}
