//! The inputs core never makes itself: the time and fresh random bytes.

use tenantry_core::{ApiError, FRESH_RANDOM_BYTES, Fresh, Timestamp};
use worker::Date;

/// The current time, from the runtime's clock (whole seconds).
pub(crate) fn now() -> Result<Timestamp, ApiError> {
    let millis = Date::now().as_millis();
    i64::try_from(millis / 1000)
        .ok()
        .and_then(Timestamp::from_unix_seconds)
        .ok_or_else(|| ApiError::Internal(format!("the clock says {millis} ms since the epoch")))
}

/// Fresh ids and the invite token, from `crypto.getRandomValues`.
pub(crate) fn fresh() -> Result<Fresh, ApiError> {
    let mut bytes = [0u8; FRESH_RANDOM_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    Ok(Fresh::from_random_bytes(bytes))
}
