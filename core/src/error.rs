//! The one error type of the operation and the one table that maps it to HTTP.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

/// Why a slug cannot be had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlugConflict {
    /// Another tenant has it.
    InUse,
    /// The platform keeps it for itself (for example `admin` or `api`).
    Reserved,
}

/// Everything that can stop an operation, each with its status and code in [`ApiError::status_and_code`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON.
    #[error("the request body is not valid JSON: {0}")]
    InvalidJson(String),
    /// One or more fields of the body break a rule.
    #[error("the request body has invalid fields; see `details.fields`")]
    InvalidFields {
        /// Field name to message.
        fields: BTreeMap<String, String>,
        /// How many more unknown fields the body has than `fields` lists.
        unlisted_unknown: usize,
    },
    /// A header is missing or malformed.
    #[error("header `{header}` {problem}")]
    InvalidHeader {
        /// The header's name.
        header: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// Missing, unknown or revoked API key: one message for all three.
    #[error("a valid API key is required in the `X-API-Key` header")]
    Unauthenticated,
    /// `X-Tenant-ID` names another tenant than the key's.
    #[error("`X-Tenant-ID` does not match the tenant of the API key")]
    TenantMismatch,
    /// The Cedar policies deny.
    #[error("the policies do not permit this API key to do this; see `notices`")]
    Forbidden {
        /// The `@id`s of the determining policies.
        policies: Vec<String>,
        /// Their `@notice` texts.
        notices: Vec<String>,
        /// Cedar's errors for policies that failed to evaluate, for the log; never sent.
        errors: Vec<String>,
    },
    /// A key asked to issue scopes it does not hold itself (code, not policy: no escalation).
    #[error("an API key can only issue scopes it holds itself; see `details.missing_scopes`")]
    MissingScopes {
        /// The scopes asked for that the caller's key lacks.
        scopes: Vec<String>,
    },
    /// No tenant with this id, or one the caller's tenant may not see: one answer for both, so
    /// that no caller learns which ids exist in other tenants.
    #[error("no tenant with this id")]
    UnknownTenant,
    /// No API key with this id, or one of a tenant the caller may not see (as [`Self::UnknownTenant`]).
    #[error("no API key with this id")]
    UnknownApiKey,
    /// No event with this id, or one of a tenant the caller may not see (as [`Self::UnknownTenant`]).
    #[error("no event with this id")]
    UnknownEvent,
    /// No invite with this token (or not a token at all): one answer for both.
    #[error("no invite with this token")]
    UnknownInvite,
    /// The invite was accepted already; a token works once.
    #[error("this invite has been accepted already")]
    InviteUsed,
    /// The invite's time ran out; ask the platform to send a new one.
    #[error("this invite has expired; ask for a new one")]
    InviteExpired,
    /// A new invite was asked for, but the owner accepted one already.
    #[error("the owner has accepted an invite already; there is nothing to send")]
    OwnerActive,
    /// A new invite was asked for a tenant without an owner (the platform tenant).
    #[error("this tenant has no owner to invite")]
    NoOwner,
    /// A query parameter breaks its rule.
    #[error("query parameter `{parameter}` {problem}")]
    InvalidQuery {
        /// The parameter's name.
        parameter: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The platform (master) tenant cannot be deleted (code, not policy).
    #[error("the platform (master) tenant cannot be deleted")]
    MasterTenant,
    /// `If-Match` names a version that is no longer current; nothing was changed.
    #[error("the tenant has changed since the `ETag` given in `If-Match`; read it again and retry")]
    PreconditionFailed,
    /// The body is not well-formed HTTP, for example a bad chunked encoding or fewer bytes than
    /// its `Content-Length`. The text says what the server's HTTP stack found.
    #[error("the request body is not well-formed HTTP: {0}")]
    MalformedRequest(String),
    /// No such route.
    #[error("no route for `{0}`")]
    NotFound(String),
    /// Known route, wrong method.
    #[error("method `{method}` is not allowed here; use {allow}")]
    MethodNotAllowed {
        /// The method that was used.
        method: String,
        /// The methods the route takes, as the `Allow` header lists them.
        allow: &'static str,
    },
    /// The slug is in use or reserved.
    #[error("the slug `{slug}` is not available")]
    SlugTaken {
        /// The slug asked for.
        slug: String,
        /// Why it is not available.
        reason: SlugConflict,
        /// Free alternatives.
        suggestions: Vec<String>,
    },
    /// The body did not arrive in time; the server stops waiting for it.
    #[error("the request body did not arrive within the limit of {seconds} s")]
    RequestTimeout {
        /// How long the server waits for a whole body.
        seconds: u64,
    },
    /// The body is over the limit.
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The path is over the limit.
    #[error("the request path is longer than {limit} bytes")]
    UriTooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body is not declared as JSON.
    #[error("the request body must be sent with `Content-Type: application/json`")]
    UnsupportedMediaType,
    /// Too many headers, or too many bytes of them.
    #[error("the request has more than {max_count} headers or more than {max_bytes} bytes of them")]
    HeadersTooLarge {
        /// The most headers a request may have.
        max_count: usize,
        /// The most bytes of names and values a request may have.
        max_bytes: usize,
    },
    /// The `Idempotency-Key` header is not 1 to 255 printable ASCII characters.
    #[error("header `Idempotency-Key` must be 1 to 255 printable ASCII characters")]
    InvalidIdempotencyKey,
    /// The idempotency key was used before with another request (method, path or body).
    #[error(
        "this `Idempotency-Key` was used with a different request; use a new key for a new request"
    )]
    IdempotencyKeyReused,
    /// The first request with this idempotency key is still running; retry after it answered.
    #[error("a request with this `Idempotency-Key` is still being processed; retry shortly")]
    IdempotencyInFlight,
    /// Anything unexpected. The text is for the log, never for the caller.
    #[error("an internal error occurred; it has been logged")]
    Internal(String),
}

/// The JSON body of every error response.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorBody {
    /// Machine-readable code, for example `slug_taken`.
    pub code: &'static str,
    /// A sentence a person can act on.
    pub message: String,
    /// Extra context; left out when empty.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub details: Map<String, Value>,
    /// The `@notice` texts of the determining policies; left out when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
}

impl ApiError {
    /// The table: every error's HTTP status and machine-readable code.
    pub fn status_and_code(&self) -> (u16, &'static str) {
        match self {
            Self::InvalidJson(_) => (400, "invalid_json"),
            Self::InvalidFields { .. } | Self::InvalidHeader { .. } => (400, "invalid_input"),
            Self::MalformedRequest(_) => (400, "malformed_request"),
            Self::Unauthenticated => (401, "unauthenticated"),
            Self::TenantMismatch => (403, "tenant_mismatch"),
            Self::Forbidden { .. } | Self::MissingScopes { .. } => (403, "forbidden"),
            Self::NotFound(_)
            | Self::UnknownTenant
            | Self::UnknownApiKey
            | Self::UnknownEvent
            | Self::UnknownInvite => (404, "not_found"),
            Self::InviteUsed => (409, "invite_used"),
            Self::InviteExpired => (410, "invite_expired"),
            Self::InvalidQuery { .. } => (400, "invalid_input"),
            Self::MasterTenant | Self::OwnerActive | Self::NoOwner => (409, "conflict"),
            Self::PreconditionFailed => (412, "precondition_failed"),
            Self::MethodNotAllowed { .. } => (405, "method_not_allowed"),
            Self::SlugTaken { .. } => (409, "slug_taken"),
            Self::RequestTimeout { .. } => (408, "request_timeout"),
            Self::PayloadTooLarge { .. } => (413, "payload_too_large"),
            Self::UriTooLong { .. } => (414, "uri_too_long"),
            Self::UnsupportedMediaType => (415, "unsupported_media_type"),
            Self::HeadersTooLarge { .. } => (431, "headers_too_large"),
            Self::InvalidIdempotencyKey => (400, "invalid_idempotency_key"),
            Self::IdempotencyKeyReused => (422, "idempotency_key_reused"),
            Self::IdempotencyInFlight => (409, "idempotency_in_flight"),
            Self::Internal(_) => (500, "internal"),
        }
    }

    /// The body the caller sees. Internal detail stays out of it.
    pub fn body(&self) -> ErrorBody {
        let (_, code) = self.status_and_code();
        let mut details = Map::new();
        let mut notices = Vec::new();
        match self {
            Self::InvalidFields {
                fields,
                unlisted_unknown,
            } => {
                let fields = fields
                    .iter()
                    .map(|(name, message)| (name.clone(), Value::from(message.as_str())))
                    .collect();
                details.insert("fields".into(), Value::Object(fields));
                if *unlisted_unknown > 0 {
                    details.insert(
                        "unlisted_unknown_fields".into(),
                        Value::from(*unlisted_unknown),
                    );
                }
            }
            Self::InvalidHeader { header, .. } => {
                details.insert("header".into(), Value::from(*header));
            }
            Self::Forbidden {
                policies,
                notices: texts,
                ..
            } => {
                details.insert("policies".into(), Value::from(policies.clone()));
                notices.clone_from(texts);
            }
            Self::MethodNotAllowed { allow, .. } => {
                details.insert("allow".into(), Value::from(*allow));
            }
            Self::MissingScopes { scopes } => {
                details.insert("missing_scopes".into(), Value::from(scopes.clone()));
            }
            Self::InvalidQuery { parameter, .. } => {
                details.insert("query".into(), Value::from(*parameter));
            }
            Self::MasterTenant => {
                details.insert("reason".into(), Value::from("master_tenant"));
            }
            Self::OwnerActive => {
                details.insert("reason".into(), Value::from("owner_active"));
            }
            Self::NoOwner => {
                details.insert("reason".into(), Value::from("no_owner"));
            }
            Self::SlugTaken {
                reason,
                suggestions,
                slug,
            } => {
                details.insert("slug".into(), Value::from(slug.as_str()));
                details.insert(
                    "reason".into(),
                    serde_json::to_value(reason).unwrap_or_default(),
                );
                details.insert("suggestions".into(), Value::from(suggestions.clone()));
            }
            Self::PayloadTooLarge { limit } | Self::UriTooLong { limit } => {
                details.insert("limit_bytes".into(), Value::from(*limit));
            }
            Self::HeadersTooLarge {
                max_count,
                max_bytes,
            } => {
                details.insert("limit_count".into(), Value::from(*max_count));
                details.insert("limit_bytes".into(), Value::from(*max_bytes));
            }
            Self::RequestTimeout { seconds } => {
                details.insert("limit_seconds".into(), Value::from(*seconds));
            }
            Self::InvalidJson(_)
            | Self::MalformedRequest(_)
            | Self::Unauthenticated
            | Self::TenantMismatch
            | Self::NotFound(_)
            | Self::UnknownTenant
            | Self::UnknownApiKey
            | Self::UnknownEvent
            | Self::UnknownInvite
            | Self::InviteUsed
            | Self::InviteExpired
            | Self::PreconditionFailed
            | Self::UnsupportedMediaType
            | Self::IdempotencyKeyReused
            | Self::IdempotencyInFlight
            | Self::Internal(_) => {}
            Self::InvalidIdempotencyKey => {
                details.insert("header".into(), Value::from("Idempotency-Key"));
            }
        }
        ErrorBody {
            code,
            message: self.to_string(),
            details,
            notices,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_its_contract_status_and_code() {
        let table = [
            (ApiError::InvalidJson("x".into()), 400, "invalid_json"),
            (
                ApiError::InvalidFields {
                    fields: BTreeMap::new(),
                    unlisted_unknown: 0,
                },
                400,
                "invalid_input",
            ),
            (
                ApiError::InvalidHeader {
                    header: "X-Tenant-ID",
                    problem: "is required",
                },
                400,
                "invalid_input",
            ),
            (ApiError::Unauthenticated, 401, "unauthenticated"),
            (ApiError::TenantMismatch, 403, "tenant_mismatch"),
            (
                ApiError::Forbidden {
                    policies: vec![],
                    notices: vec![],
                    errors: vec![],
                },
                403,
                "forbidden",
            ),
            (
                ApiError::MalformedRequest("invalid chunk size".into()),
                400,
                "malformed_request",
            ),
            (ApiError::NotFound("/x".into()), 404, "not_found"),
            (
                ApiError::MethodNotAllowed {
                    method: "GET".into(),
                    allow: "POST",
                },
                405,
                "method_not_allowed",
            ),
            (
                ApiError::SlugTaken {
                    slug: "acme".into(),
                    reason: SlugConflict::InUse,
                    suggestions: vec![],
                },
                409,
                "slug_taken",
            ),
            (
                ApiError::RequestTimeout { seconds: 1 },
                408,
                "request_timeout",
            ),
            (
                ApiError::PayloadTooLarge { limit: 1 },
                413,
                "payload_too_large",
            ),
            (ApiError::UriTooLong { limit: 1 }, 414, "uri_too_long"),
            (
                ApiError::UnsupportedMediaType,
                415,
                "unsupported_media_type",
            ),
            (
                ApiError::HeadersTooLarge {
                    max_count: 1,
                    max_bytes: 1,
                },
                431,
                "headers_too_large",
            ),
            (ApiError::Internal("db".into()), 500, "internal"),
            (ApiError::MissingScopes { scopes: vec![] }, 403, "forbidden"),
            (ApiError::UnknownTenant, 404, "not_found"),
            (ApiError::UnknownApiKey, 404, "not_found"),
            (
                ApiError::InvalidQuery {
                    parameter: "limit",
                    problem: "x",
                },
                400,
                "invalid_input",
            ),
            (ApiError::MasterTenant, 409, "conflict"),
            (ApiError::PreconditionFailed, 412, "precondition_failed"),
            (
                ApiError::InvalidIdempotencyKey,
                400,
                "invalid_idempotency_key",
            ),
            (
                ApiError::IdempotencyKeyReused,
                422,
                "idempotency_key_reused",
            ),
            (ApiError::IdempotencyInFlight, 409, "idempotency_in_flight"),
        ];
        for (error, status, code) in table {
            assert_eq!(error.status_and_code(), (status, code), "{error:?}");
            assert_eq!(error.body().code, code);
        }
    }

    #[test]
    fn internal_detail_never_reaches_the_body() {
        let body = ApiError::Internal("SELECT secret FROM api_keys".into()).body();
        let json = serde_json::to_string(&body).unwrap();
        assert!(!json.contains("SELECT"), "{json}");
        assert!(
            !json.contains("details") && !json.contains("notices"),
            "{json}"
        );
    }

    #[test]
    fn forbidden_carries_policies_and_notices() {
        let body = ApiError::Forbidden {
            policies: vec!["p".into()],
            notices: vec!["do this".into()],
            errors: vec!["error while evaluating policy `p`".into()],
        }
        .body();
        assert_eq!(body.details["policies"], serde_json::json!(["p"]));
        assert_eq!(body.notices, vec!["do this".to_string()]);
        let json = serde_json::to_string(&body).unwrap();
        assert!(
            !json.contains("evaluating"),
            "evaluation errors are for the log: {json}"
        );
    }
}
