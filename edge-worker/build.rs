//! Validates the embedded Cedar policies against the schema, in strict mode, before the worker
//! is built: an invalid policy set fails the build (and so can never be deployed), which lets the
//! worker itself skip the validator and stay small.

use std::process::ExitCode;

fn main() -> ExitCode {
    println!("cargo::rerun-if-changed=../policies");
    match tenantry_core::Policies::embedded() {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            // One `cargo::error` per line: the error lists every problem on a line of its own.
            let message = format!("the Cedar policies in policies/ are refused: {error}");
            for line in message.lines() {
                println!("cargo::error={line}");
            }
            ExitCode::FAILURE
        }
    }
}
