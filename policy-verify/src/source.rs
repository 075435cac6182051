//! Where the policies to verify come from: the shipped ones, or a folder an operator edits.

use std::path::Path;

use tenantry_core::{DEFAULT_POLICY_FILES, DEFAULT_SCHEMA};

use crate::VerifyError;

/// The schema file a policy folder holds, as in `policies/`.
const SCHEMA_FILE: &str = "schema.cedarschema";

/// A schema and policy files, as the server would load them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySource {
    /// Where they come from, for the report.
    pub origin: String,
    /// The schema's text.
    pub schema: String,
    /// Each `.cedar` file's name and text, sorted by name.
    pub files: Vec<(String, String)>,
}

impl PolicySource {
    /// The policies and schema built into this program.
    pub fn shipped() -> Self {
        Self {
            origin: "the shipped policies".to_owned(),
            schema: DEFAULT_SCHEMA.to_owned(),
            files: DEFAULT_POLICY_FILES
                .iter()
                .map(|(name, text)| ((*name).to_owned(), (*text).to_owned()))
                .collect(),
        }
    }

    /// A folder laid out as `policies/`: `schema.cedarschema` and every `.cedar` file beside it
    /// (sub-folders are not read, as the build does not embed them).
    pub fn read_dir(dir: &Path) -> Result<Self, VerifyError> {
        let read_error = |path: &Path, e: std::io::Error| VerifyError::Read {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let schema_path = dir.join(SCHEMA_FILE);
        let schema =
            std::fs::read_to_string(&schema_path).map_err(|e| read_error(&schema_path, e))?;
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| read_error(dir, e))? {
            let path = entry.map_err(|e| read_error(dir, e))?.path();
            if path.is_file() && path.extension().is_some_and(|ext| ext == "cedar") {
                let text = std::fs::read_to_string(&path).map_err(|e| read_error(&path, e))?;
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                files.push((name.into_owned(), text));
            }
        }
        if files.is_empty() {
            return Err(VerifyError::NoPolicies(dir.display().to_string()));
        }
        files.sort();
        Ok(Self {
            origin: format!("`{}`", dir.display()),
            schema,
            files,
        })
    }
}
