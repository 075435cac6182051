#![doc = include_str!("../README.md")]
//!
//! ## The map
//!
//! Five modules are namespaces of their own, for the shells: [`http`] (the HTTP-agnostic
//! handler), [`store`] (the storage port and the records it writes), [`sql`] (the statements both
//! databases run), [`openapi`] (the API's OpenAPI document) and [`admin`] (bootstrapping the
//! platform tenant, issuing and revoking keys).
//! With the `wasm` feature, `preview` holds the browser page's bindings. Everything else is
//! private, and what callers need of it is re-exported here, at one path each.

mod action;
pub mod admin;
mod api_key;
mod authz;
mod cursor;
mod delivery;
mod dry_run;
mod email;
mod error;
mod event;
mod events;
mod fields;
mod flow;
pub mod http;
mod idempotency;
mod invite_mail;
mod invites;
mod json;
mod keys;
mod memory_store;
mod migrations;
mod model;
pub mod openapi;
mod outbox;
#[cfg(feature = "wasm")]
pub mod preview;
mod scope;
mod slug;
pub mod sql;
mod sso;
pub mod store;
mod tenants;
mod text;
mod update;
mod validate;

pub use action::{Action, Ask, Context, Resource, TenantRef};
pub use api_key::{IssuedKey, KEY_RANDOM_BYTES, hash_secret};
pub use authz::{
    DEFAULT_POLICY_FILES, DEFAULT_SCHEMA, Permit, Policies, PolicyError, PolicyProblem, Principal,
};
pub use cursor::{DEFAULT_LIMIT, ListKind, MAX_LIMIT, Page, PageRequest, Position};
pub use delivery::{
    ATTEMPT_TIMEOUT_SECONDS, Attempted, DEFAULT_RETRY_DELAYS, DueEvent, EndpointError,
    LEASE_SECONDS, Outcome, RetrySchedule, SecretError, WebhookRequest, WebhookSecret,
    after_attempt, check_endpoint, webhook_request,
};
pub use dry_run::DryRun;
pub use error::{ApiError, ErrorBody, SlugConflict};
pub use event::{EventInfo, EventType, NewEvent, parse_id as parse_event_id};
pub use events::{EventQuery, get_event, list_events, retry_event};
pub use fields::CreateTenantRequest;
pub use flow::{Body, CreateCall, Created, Credentials, InviteTtl, Operation, create_tenant};
pub use idempotency::{
    IDEMPOTENCY_KEY_HEADER, IDEMPOTENCY_KEY_TTL_SECONDS, IDEMPOTENCY_LEASE_SECONDS,
    MAX_IDEMPOTENCY_KEY_CHARS,
};
pub use invite_mail::{InviteLink, InviteMail, MailError, invite_mail};
pub use invites::{Accepted, Resent, accept_invite, resend_invite};
pub use keys::{
    CreateApiKeyRequest, CreatedKey, KeyBody, KeyCall, KeyQuery, create_api_key, get_api_key,
    list_api_keys, revoke_api_key,
};
pub use memory_store::MemoryStore;
pub use migrations::MIGRATIONS;
pub use model::{FRESH_RANDOM_BYTES, Fresh, Tenant, Timestamp};
pub use outbox::{
    CLAIM_BATCH, DEFAULT_RETENTION_DAYS, Retention, WebhookClient, Webhooks, deliver_due,
    may_have_written_events, prune_delivered,
};
pub use scope::{Scope, UnknownScope};
pub use tenants::{
    TenantQuery, UpdateBody, UpdateCall, Versioned, delete_tenant, get_tenant, list_tenants,
    update_tenant,
};
pub use update::{SsoChange, UpdateTenantRequest};
pub use validate::{MAX_BODY_BYTES, SlugChoice, ValidTenant, parse_and_validate, validate};
