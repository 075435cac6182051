//! Generates the lists of embedded files: every `.cedar` file of `policies/` and every numbered
//! migration of `migrations/`, so a file added to either folder is picked up by the next build
//! instead of waiting for someone to list it by hand.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[path = "build/catalog.rs"]
mod catalog;

fn main() -> ExitCode {
    match generate() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            println!("cargo::error={message}");
            ExitCode::FAILURE
        }
    }
}

fn generate() -> Result<(), String> {
    let root = PathBuf::from(env("CARGO_MANIFEST_DIR")?);
    let out = PathBuf::from(env("OUT_DIR")?);
    let policies = root.join("../policies");
    let migrations = root.join("../migrations");
    println!("cargo::rerun-if-changed=build/catalog.rs");
    println!("cargo::rerun-if-changed={}", policies.display());
    println!("cargo::rerun-if-changed={}", migrations.display());
    let policy_files = catalog::policy_files(&file_names(&policies)?);
    write_list(
        &out.join("policy_files.rs"),
        "The policy files shipped in `policies/`: every `.cedar` file, by file name, sorted.",
        "DEFAULT_POLICY_FILES",
        &policies,
        &policy_files,
    )?;
    let migration_files = catalog::migration_files(&file_names(&migrations)?)?;
    write_list(
        &out.join("migrations.rs"),
        "Every migration of `migrations/`, by file name, in order.",
        "MIGRATIONS",
        &migrations,
        &migration_files,
    )
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|e| format!("`{name}` is not set: {e}"))
}

fn file_names(dir: &Path) -> Result<Vec<String>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    Ok(names)
}

/// Writes `pub const NAME: &[(&str, &str)]` of file names and their `include_str!`ed texts.
fn write_list(
    target: &Path,
    doc: &str,
    name: &str,
    dir: &Path,
    files: &[String],
) -> Result<(), String> {
    let mut code = format!("/// {doc}\npub const {name}: &[(&str, &str)] = &[\n");
    for file in files {
        let path = dir.join(file);
        code.push_str(&format!(
            "    ({file:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    code.push_str("];\n");
    std::fs::write(target, code).map_err(|e| format!("cannot write `{}`: {e}", target.display()))
}
