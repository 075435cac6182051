//! Proves invariants of Tenantry's Cedar policies for every possible request, with Cedar's
//! symbolic compiler (`cedar-policy-symcc`) and the cvc5 SMT solver: that no policy errors,
//! that only platform keys create, delete or list tenants, that a child tenant's key acts only
//! on its own tenant, that every action needs its scope, and that edited policies permit
//! nothing the shipped ones deny. A refuted invariant comes with the request Cedar synthesised.
//!
//! A crate of its own so that the worker and the browser build, which use only
//! `tenantry-core`, never compile the symbolic compiler.

mod counterexample;
mod invariant;
mod prove;
mod report;
mod source;
mod table;

use cedar_policy::Schema;
use tenantry_core::{DEFAULT_POLICY_FILES, Policies, PolicyError};

pub use report::{Outcome, Report, Verdict};
pub use source::PolicySource;
pub use table::{ACTIONS, ActionRow, Kind};

use invariant::invariants;
use prove::{Prover, Subject};

/// Why the verification could not run (a refuted invariant is a [`Report`], not an error).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// A file of the policy folder cannot be read.
    #[error("cannot read `{path}`: {message}")]
    Read {
        /// The file or folder.
        path: String,
        /// The system's reason.
        message: String,
    },
    /// The folder has no policy file.
    #[error("`{0}` has no `.cedar` file")]
    NoPolicies(String),
    /// The policies do not load as the server would load them.
    #[error(transparent)]
    Policies(#[from] PolicyError),
    /// The solver does not start.
    #[error(
        "cannot start the SMT solver cvc5 (the `CVC5` environment variable, else `cvc5` on \
         `PATH`): {0}; install it with `scripts/install-solver.sh`"
    )]
    Solver(String),
    /// The runtime that talks to the solver does not start.
    #[error("cannot start the runtime: {0}")]
    Runtime(String),
}

/// Loads the policies as the server would (parsed, named, validated against the schema in
/// strict mode) and proves every invariant over the actions the schema declares.
pub fn verify(source: &PolicySource) -> Result<Report, VerifyError> {
    let files: Vec<(&str, &str)> = source
        .files
        .iter()
        .map(|(name, text)| (name.as_str(), text.as_str()))
        .collect();
    let policies = Policies::load(&source.schema, &files)?;
    // `load` has parsed this schema already; its errors are reported there.
    let (schema, _warnings) = Schema::from_cedarschema_str(&source.schema)
        .map_err(|e| PolicyError::Shape(e.to_string()))?;
    // Compared under the operator's schema: the question is what these requests may do.
    let shipped = Policies::load(&source.schema, DEFAULT_POLICY_FILES)
        .map(|shipped| shipped.policy_set().clone())
        .map_err(|e| format!("the shipped policies do not load against this schema: {e}"));
    let declared: Vec<String> = schema.actions().map(ToString::to_string).collect();
    let (invariants, skipped) = invariants(&declared);
    let subject = Subject {
        schema: &schema,
        policies: policies.policy_set(),
        shipped: &shipped,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| VerifyError::Runtime(e.to_string()))?;
    let outcomes = runtime.block_on(async {
        let mut prover = Prover::start().map_err(VerifyError::Solver)?;
        let mut outcomes = Vec::with_capacity(invariants.len());
        for invariant in &invariants {
            outcomes.push(prover.prove(invariant, &subject).await);
        }
        Ok::<_, VerifyError>(outcomes)
    })?;
    Ok(Report {
        origin: source.origin.clone(),
        files: source.files.iter().map(|(name, _)| name.clone()).collect(),
        outcomes,
        skipped,
    })
}
