//! Keyset pages: the `limit` and `cursor` of a list, and the opaque cursor itself.
//!
//! A cursor carries the sequence number of the last row a page showed and which list it belongs
//! to, followed by a check value, all in lowercase hex. It is not secret (a caller could make one
//! for any position, and may: every position of a list it may read is one it may ask for), but
//! an edited or truncated cursor is refused rather than silently paging from somewhere else.

use sha2::{Digest, Sha256};

use crate::api_key::hex;
use crate::error::ApiError;

/// The page size when a list names none.
pub const DEFAULT_LIMIT: u32 = 50;
/// The largest page a list gives.
pub const MAX_LIMIT: u32 = 250;
/// The format's version, first in every cursor, so the format can change without misreading
/// cursors of an older release.
const FORMAT: u8 = 1;
/// How many bytes of SHA-256 check a cursor: enough that a random edit passes once in 2^32.
const CHECK_BYTES: usize = 4;
/// Bytes of a cursor before hex: format, list, sequence (8 bytes), check.
const CURSOR_BYTES: usize = 2 + 8 + CHECK_BYTES;

/// Which list a cursor pages, so that a key list's cursor is refused by the tenant list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// `GET /v1/tenants`.
    Tenants = 1,
    /// `GET /v1/api-keys`.
    ApiKeys = 2,
    /// `GET /v1/events`.
    Events = 3,
}

/// A position in a list: after the row with this sequence number (0: from the start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The list.
    pub kind: ListKind,
    /// The last sequence number shown.
    pub after: i64,
}

impl Position {
    /// The opaque text of this position.
    pub fn encode(self) -> String {
        let mut bytes = Vec::with_capacity(CURSOR_BYTES);
        bytes.push(FORMAT);
        bytes.push(self.kind as u8);
        bytes.extend_from_slice(&self.after.to_be_bytes());
        let check = checksum(&bytes);
        bytes.extend_from_slice(&check);
        hex(&bytes)
    }

    /// Reads a cursor of `kind`; `None` for anything [`Position::encode`] did not write.
    pub fn decode(kind: ListKind, text: &str) -> Option<Self> {
        if text.len() != CURSOR_BYTES * 2 {
            return None;
        }
        let bytes = unhex(text)?;
        let (body, check) = bytes.split_at(CURSOR_BYTES - CHECK_BYTES);
        if checksum(body) != check || body[0] != FORMAT || body[1] != kind as u8 {
            return None;
        }
        let mut seq = [0u8; 8];
        seq.copy_from_slice(&body[2..]);
        let after = i64::from_be_bytes(seq);
        (after >= 0).then_some(Self { kind, after })
    }
}

fn checksum(body: &[u8]) -> [u8; CHECK_BYTES] {
    let digest = Sha256::new()
        .chain_update(b"tenantry cursor")
        .chain_update(body)
        .finalize();
    let mut check = [0u8; CHECK_BYTES];
    check.copy_from_slice(&digest[..CHECK_BYTES]);
    check
}

/// Lowercase hex only: an uppercase cursor is not one this code wrote.
fn unhex(text: &str) -> Option<Vec<u8>> {
    let digit = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    };
    text.as_bytes()
        .chunks_exact(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

/// What a caller asks of a list: a page size and where to start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// 1 to [`MAX_LIMIT`]; [`DEFAULT_LIMIT`] when `None`.
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; from the start when `None`.
    pub cursor: Option<String>,
}

impl PageRequest {
    /// The checked limit and start of this request, or 400 naming the parameter.
    pub(crate) fn check(&self, kind: ListKind) -> Result<(u32, i64), ApiError> {
        let limit = match self.limit {
            None => DEFAULT_LIMIT,
            Some(limit @ 1..=MAX_LIMIT) => limit,
            Some(_) => return Err(limit_error()),
        };
        let after = match &self.cursor {
            None => 0,
            Some(text) => {
                Position::decode(kind, text)
                    .ok_or(ApiError::InvalidQuery {
                        parameter: "cursor",
                        problem: "is not a cursor this list gave; start again without it",
                    })?
                    .after
            }
        };
        Ok((limit, after))
    }
}

/// The 400 of a `limit` out of range or not a number.
pub(crate) fn limit_error() -> ApiError {
    ApiError::InvalidQuery {
        parameter: "limit",
        problem: "must be a whole number from 1 to 250",
    }
}

/// One page of a list, as the API answers it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Page<T> {
    /// The items, oldest first.
    pub data: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<String>,
    /// Whether there are more items after these.
    pub has_more: bool,
}

impl<T> Page<T> {
    /// A page from up to `limit + 1` rows (with their sequence numbers) read after a position:
    /// the extra row only says that there is more.
    pub(crate) fn of(kind: ListKind, mut rows: Vec<(i64, T)>, limit: u32) -> Self {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = has_more
            .then(|| {
                rows.last().map(|(after, _)| {
                    Position {
                        kind,
                        after: *after,
                    }
                    .encode()
                })
            })
            .flatten();
        Self {
            data: rows.into_iter().map(|(_, item)| item).collect(),
            next_cursor,
            has_more,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_only_for_its_own_list_and_unedited() {
        let position = Position {
            kind: ListKind::Tenants,
            after: 1234,
        };
        let text = position.encode();
        assert_eq!(Position::decode(ListKind::Tenants, &text), Some(position));
        assert_eq!(Position::decode(ListKind::ApiKeys, &text), None);
        assert_eq!(
            Position::decode(ListKind::Tenants, &text.to_uppercase()),
            None
        );
        assert_eq!(Position::decode(ListKind::Tenants, &text[1..]), None);
        assert_eq!(Position::decode(ListKind::Tenants, ""), None);
    }

    #[test]
    fn a_limit_out_of_range_and_a_bad_cursor_name_their_parameter() {
        for (limit, cursor, parameter) in [
            (Some(0), None, "limit"),
            (Some(251), None, "limit"),
            (None, Some("zz".to_owned()), "cursor"),
        ] {
            let error = PageRequest { limit, cursor }
                .check(ListKind::Tenants)
                .unwrap_err();
            assert_eq!(error.body().details["query"], parameter);
        }
        assert_eq!(
            PageRequest::default().check(ListKind::Tenants),
            Ok((DEFAULT_LIMIT, 0))
        );
    }

    #[test]
    fn a_page_says_whether_more_follow() {
        let page = Page::of(ListKind::Tenants, vec![(1, 'a'), (2, 'b'), (5, 'c')], 2);
        assert_eq!(page.data, ['a', 'b']);
        assert!(page.has_more);
        let next = page.next_cursor.unwrap();
        assert_eq!(Position::decode(ListKind::Tenants, &next).unwrap().after, 2);
        let last = Page::of(ListKind::Tenants, vec![(1, 'a')], 2);
        assert_eq!((last.has_more, last.next_cursor), (false, None));
    }
}
