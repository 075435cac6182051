//! Runs the invariants through Cedar's symbolic compiler and the SMT solver.

use std::str::FromStr;

use cedar_policy::{PolicySet, RequestEnv, Schema};
use cedar_policy_symcc::solver::LocalSolver;
use cedar_policy_symcc::{CedarSymCompiler, CompiledPolicy, CompiledPolicySet};

use crate::counterexample::describe;
use crate::invariant::{Bound, Check, Invariant};
use crate::{Outcome, Verdict};

/// The policies under verification and what they are compared with.
pub(crate) struct Subject<'a> {
    pub(crate) schema: &'a Schema,
    pub(crate) policies: &'a PolicySet,
    /// The shipped policies, or why they do not load against this schema.
    pub(crate) shipped: &'a Result<PolicySet, String>,
}

/// One solver process answers every query in turn.
pub(crate) struct Prover {
    compiler: CedarSymCompiler<LocalSolver>,
}

impl Prover {
    /// Starts the solver: cvc5, from the `CVC5` environment variable or `PATH`.
    pub(crate) fn start() -> Result<Self, String> {
        let solver = LocalSolver::cvc5().map_err(|e| e.to_string())?;
        let compiler = CedarSymCompiler::new(solver).map_err(|e| e.to_string())?;
        Ok(Self { compiler })
    }

    /// Proves or refutes one invariant over every request environment it concerns.
    pub(crate) async fn prove(&mut self, invariant: &Invariant, subject: &Subject<'_>) -> Outcome {
        let verdict = match &invariant.check {
            Check::NeverErrors => self.never_errors(invariant, subject).await,
            Check::Within { action, bound } => self.within(invariant, subject, action, bound).await,
        };
        Outcome {
            name: invariant.name.clone(),
            statement: invariant.statement.clone(),
            verdict: verdict.unwrap_or_else(Verdict::Unprovable),
        }
    }

    /// Each policy on its own: a policy that errors is skipped by Cedar whatever the others do.
    async fn never_errors(
        &mut self,
        invariant: &Invariant,
        subject: &Subject<'_>,
    ) -> Result<Verdict, String> {
        for env in subject.schema.request_envs() {
            for policy in subject.policies.policies() {
                let compiled = CompiledPolicy::compile(policy, &env, subject.schema)
                    .map_err(|e| format!("policy `{}`: {e}", policy.id()))?;
                let found = self
                    .compiler
                    .check_never_errors_with_counterexample_opt(&compiled)
                    .await
                    .map_err(|e| format!("policy `{}`: {e}", policy.id()))?;
                if let Some(counterexample) = found {
                    return Ok(Verdict::Refuted {
                        remedy: format!("policy `{}` errors: {}", policy.id(), invariant.remedy),
                        counterexample: describe(&counterexample, subject.policies),
                    });
                }
            }
        }
        Ok(Verdict::Proven)
    }

    /// Cedar's implication check: every request the policies permit, the bound permits.
    async fn within(
        &mut self,
        invariant: &Invariant,
        subject: &Subject<'_>,
        action: &str,
        bound: &Bound,
    ) -> Result<Verdict, String> {
        let bound = match bound {
            // The condition is ours, but the principal and resource types it names are the
            // schema's: one that does not fit the action is reported, not assumed away.
            Bound::Condition(condition) => PolicySet::from_str(&format!(
                "permit (principal, action, resource) when {{ {condition} }};"
            ))
            .map_err(|e| format!("the invariant does not parse: {e}"))?,
            Bound::Shipped => subject.shipped.clone()?,
        };
        let envs: Vec<RequestEnv> = subject
            .schema
            .request_envs()
            .filter(|env| env.action().to_string() == action)
            .collect();
        for env in &envs {
            let fits = |e: cedar_policy_symcc::err::Error| {
                format!(
                    "cannot state it for principal `{}` and resource `{}`: {e}",
                    env.principal(),
                    env.resource()
                )
            };
            let policies =
                CompiledPolicySet::compile(subject.policies, env, subject.schema).map_err(fits)?;
            let bound = CompiledPolicySet::compile(&bound, env, subject.schema).map_err(fits)?;
            let found = self
                .compiler
                .check_implies_with_counterexample_opt(&policies, &bound)
                .await
                .map_err(|e| e.to_string())?;
            if let Some(counterexample) = found {
                return Ok(Verdict::Refuted {
                    remedy: invariant.remedy.clone(),
                    counterexample: describe(&counterexample, subject.policies),
                });
            }
        }
        Ok(Verdict::Proven)
    }
}
