//! The ways in.

pub mod cli;
pub mod edge;
pub mod in_process;
pub mod memory;
pub mod native_http;
