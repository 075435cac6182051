//! Idempotent retries (the `Idempotency-Key` header of the IETF draft
//! draft-ietf-httpapi-idempotency-key-header-07) for the creates, written once over any
//! [`TenantStore`].
//!
//! A request with a key claims it before its work: a row with a short lease, written in one
//! atomic step, so that of two racing requests exactly one holds the key and the other answers
//! 409 `idempotency_in_flight`. The request that holds it stores its answer in the same atomic
//! write as what it created; later requests with the key and the same fingerprint get that
//! answer back, with another fingerprint 422 `idempotency_key_reused`. A request that fails
//! gives its claim up, so that a retry runs again.

use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::api_key;
use crate::authz::Principal;
use crate::error::ApiError;
use crate::flow::internal;
use crate::model::Timestamp;
use crate::store::{
    IdempotencyClaim, IdempotencyRelease, IdempotentAnswer, StoredAnswer, TenantStore,
};

/// The header's name.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";
/// The longest key, in characters.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 255;
/// How long a key and its answer are kept: 24 hours. After that the key is new again.
pub const IDEMPOTENCY_KEY_TTL_SECONDS: i64 = 24 * 60 * 60;
/// How long a claim without an answer holds its key: a request that died (a crashed server, a
/// worker cut off) leaves a claim that a retry may take over once this has passed.
pub const IDEMPOTENCY_LEASE_SECONDS: i64 = 60;

/// The key of a request, as it arrived: a plain string, or the draft's Structured Field string
/// in double quotes (the quotes are not part of the key). Answers the key, or 400.
pub(crate) fn parse_key(header: &str) -> Result<&str, ApiError> {
    let key = header
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(header);
    let printable = key.bytes().all(|b| (0x20..=0x7e).contains(&b));
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_CHARS || !printable {
        return Err(ApiError::InvalidIdempotencyKey);
    }
    Ok(key)
}

/// The fingerprint of a request: hex SHA-256 of its method, its path and its body in canonical
/// JSON (object keys sorted, no insignificant space), so that a retry whose JSON differs only
/// in key order or spacing is the same request. A body that is not JSON counts as its bytes.
pub(crate) fn fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    let canonical = crate::json::from_slice(body)
        .ok()
        .map(|value| canonical_json(&value).into_bytes());
    let mut hasher = Sha256::new();
    for part in [method.as_bytes(), path.as_bytes()] {
        hasher.update(part);
        hasher.update(b"\n");
    }
    hasher.update(canonical.as_deref().unwrap_or(body));
    api_key::hex(&hasher.finalize())
}

/// A JSON value written with every object's keys in order.
fn canonical_json(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{}:{}", Value::from(k.as_str()), canonical_json(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(canonical_json).collect();
            format!("[{}]", inner.join(","))
        }
        scalar => scalar.to_string(),
    }
}

/// What a request with (or without) a key goes on to do.
pub(crate) enum Begun {
    /// Answer this again: the key's first request answered it.
    Replay(StoredAnswer),
    /// Do the work; with the claim to answer under, if the request has a key.
    Run(Option<Held>),
}

/// A key this request holds.
#[derive(Debug, Clone)]
pub(crate) struct Held {
    tenant_id: Uuid,
    key: String,
    claim_id: Uuid,
}

impl Held {
    /// The answer to write with what the request creates.
    pub(crate) fn answer(&self, answer: StoredAnswer, now: Timestamp) -> IdempotentAnswer {
        IdempotentAnswer {
            tenant_id: self.tenant_id,
            key: self.key.clone(),
            claim_id: self.claim_id,
            answer,
            now,
        }
    }
}

/// The request's idempotency key, if any, for the caller.
#[derive(Clone, Copy)]
pub(crate) struct Request<'a> {
    /// The `Idempotency-Key` header.
    pub(crate) key: Option<&'a str>,
    /// The request's fingerprint (see [`fingerprint`]), computed only for a request with a key.
    pub(crate) fingerprint: &'a dyn Fn() -> String,
    /// The request's audit id, which names its claim.
    pub(crate) claim_id: Uuid,
    /// The time of the request.
    pub(crate) now: Timestamp,
}

/// Checks the key and claims it for the caller's tenant: replay, run, 422 or 409.
pub(crate) async fn begin<S: TenantStore + ?Sized>(
    store: &S,
    principal: &Principal,
    request: Request<'_>,
) -> Result<Begun, ApiError> {
    let Some(header) = request.key else {
        return Ok(Begun::Run(None));
    };
    let key = parse_key(header)?;
    let claim = IdempotencyClaim {
        tenant_id: principal.tenant_id,
        key: key.to_owned(),
        fingerprint: (request.fingerprint)(),
        claim_id: request.claim_id,
        now: request.now,
        lease_until: request.now.plus_seconds(IDEMPOTENCY_LEASE_SECONDS),
        expires_at: request.now.plus_seconds(IDEMPOTENCY_KEY_TTL_SECONDS),
    };
    let entry = store
        .claim_idempotency_key(&claim)
        .await
        .map_err(internal)?;
    if entry.fingerprint != claim.fingerprint {
        return Err(ApiError::IdempotencyKeyReused);
    }
    match entry.answer {
        Some(answer) => Ok(Begun::Replay(answer)),
        None if entry.claim_id == claim.claim_id => Ok(Begun::Run(Some(Held {
            tenant_id: claim.tenant_id,
            key: claim.key,
            claim_id: claim.claim_id,
        }))),
        None => Err(ApiError::IdempotencyInFlight),
    }
}

/// Ends a run: a failure gives the claim up (no answer is stored, a retry runs again); a
/// success stored its answer in its own write already.
pub(crate) async fn settle<S: TenantStore + ?Sized, T>(
    store: &S,
    held: Option<Held>,
    result: Result<T, ApiError>,
) -> Result<T, ApiError> {
    if let (Err(_), Some(held)) = (&result, held) {
        let release = IdempotencyRelease {
            tenant_id: held.tenant_id,
            key: held.key,
            claim_id: held.claim_id,
        };
        // Should the release fail, the lease runs out in IDEMPOTENCY_LEASE_SECONDS anyway;
        // the caller hears of its own failure, not of this one.
        let _ = store.release_idempotency_key(&release).await;
    }
    result
}

/// A stored answer's body read back as the typed value it was written from.
pub(crate) fn replayed<T: serde::de::DeserializeOwned>(
    answer: &StoredAnswer,
) -> Result<T, ApiError> {
    serde_json::from_str(&answer.body)
        .map_err(|e| ApiError::Internal(format!("a stored idempotent answer does not read: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_one_to_255_printable_ascii_characters_quoted_or_not() {
        assert_eq!(parse_key("abc-123"), Ok("abc-123"));
        assert_eq!(parse_key("\"abc 123\""), Ok("abc 123"));
        assert_eq!(parse_key(&"k".repeat(255)).map(str::len), Ok(255));
        for bad in ["", "\"\"", "caf\u{e9}", "tab\there", &"k".repeat(256)] {
            assert_eq!(
                parse_key(bad),
                Err(ApiError::InvalidIdempotencyKey),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_fingerprint_ignores_key_order_and_spacing_but_not_values_or_routes() {
        let a = fingerprint("POST", "/v1/tenants", br#"{"name":"A","slug":"a"}"#);
        let same = fingerprint(
            "POST",
            "/v1/tenants",
            b"{ \"slug\": \"a\", \"name\": \"A\" }",
        );
        assert_eq!(a, same);
        assert_ne!(
            a,
            fingerprint("POST", "/v1/tenants", br#"{"name":"B","slug":"a"}"#)
        );
        assert_ne!(
            a,
            fingerprint("POST", "/v1/api-keys", br#"{"name":"A","slug":"a"}"#)
        );
        assert_ne!(
            fingerprint("POST", "/v1/tenants", b"not json"),
            fingerprint("POST", "/v1/tenants", b"not json!")
        );
        assert_eq!(a.len(), 64);
    }
}
