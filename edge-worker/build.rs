//! Validates the embedded Cedar policies against the schema, in strict mode, before the worker
//! is built: an invalid policy set fails the build (and so can never be deployed), which lets the
//! worker itself skip the validator and stay small.

use std::process::ExitCode;

fn main() -> ExitCode {
    println!("cargo::rerun-if-changed=../policies");
    match tenantry_core::Policies::embedded() {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            println!("cargo::error=the Cedar policies in policies/ are refused: {error}");
            ExitCode::FAILURE
        }
    }
}
