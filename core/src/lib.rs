#![doc = include_str!("../README.md")]

pub mod admin;
pub mod api_key;
pub mod authz;
pub mod email;
pub mod error;
pub mod fields;
pub mod flow;
pub mod http;
pub mod json;
pub mod memory_store;
pub mod migrations;
pub mod model;
#[cfg(feature = "wasm")]
pub mod preview;
pub mod scope;
pub mod slug;
pub mod sql;
pub mod sso;
pub mod store;
pub mod text;
pub mod validate;

pub use authz::{Policies, PolicyError, Principal};
pub use error::{ApiError, ErrorBody, SlugConflict};
pub use flow::{Body, CreateCall, Created, create_tenant};
pub use model::{CreateTenantRequest, FRESH_RANDOM_BYTES, Fresh, Tenant, Timestamp};
pub use scope::{Scope, UnknownScope};
pub use store::{StoreError, TenantStore};
