//! The two inputs core never makes itself: the current time and secure random bytes.

use tenantry_core::{FRESH_RANDOM_BYTES, Fresh, Timestamp};
use tenantry_core::{IssuedKey, KEY_RANDOM_BYTES};

use crate::NativeError;

/// The current time, in whole seconds.
pub fn now() -> Result<Timestamp, NativeError> {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| NativeError::System(format!("the system clock is before 1970: {e}")))?
        .as_secs();
    i64::try_from(seconds)
        .ok()
        .and_then(Timestamp::from_unix_seconds)
        .ok_or_else(|| NativeError::System("the system clock is out of range".into()))
}

/// `N` bytes of the operating system's secure random source.
pub fn random<const N: usize>() -> Result<[u8; N], NativeError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)
        .map_err(|e| NativeError::System(format!("no secure randomness: {e}")))?;
    Ok(bytes)
}

/// Fresh ids and an invite token for one create.
pub fn fresh() -> Result<Fresh, NativeError> {
    random::<FRESH_RANDOM_BYTES>().map(Fresh::from_random_bytes)
}

/// A new API key.
pub fn issue_key() -> Result<IssuedKey, NativeError> {
    random::<KEY_RANDOM_BYTES>().map(IssuedKey::from_random_bytes)
}

/// A fresh random UUID (version 4).
pub fn uuid() -> Result<uuid::Uuid, NativeError> {
    random::<16>().map(|b| uuid::Builder::from_random_bytes(b).into_uuid())
}
