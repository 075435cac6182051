//! The verdicts, printed one invariant a line, with counterexamples under the refuted ones.

use std::fmt;

/// The outcome of one invariant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// It holds for every well-formed request.
    Proven,
    /// It does not: a request that breaks it.
    Refuted {
        /// What the counterexample shows and what to change.
        remedy: String,
        /// The request, in words, one fact a line.
        counterexample: String,
    },
    /// It could not be decided (the invariant does not fit the schema, or the solver gave up);
    /// a failure, since nothing was proven.
    Unprovable(String),
}

/// One invariant's name, statement and verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// A short name, e.g. `create_tenant/platform-keys-only`.
    pub name: String,
    /// What it says, in one line.
    pub statement: String,
    /// Whether it holds.
    pub verdict: Verdict,
}

/// Every invariant's outcome, and the table's actions the schema does not declare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Where the policies came from.
    pub origin: String,
    /// The policy files verified.
    pub files: Vec<String>,
    /// One per invariant, in order.
    pub outcomes: Vec<Outcome>,
    /// Actions of the table that the schema does not declare, so nothing was proven of them.
    pub skipped: Vec<&'static str>,
}

impl Report {
    /// Whether every invariant was proven.
    pub fn all_proven(&self) -> bool {
        self.outcomes.iter().all(|o| o.verdict == Verdict::Proven)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} ({}): valid against the schema",
            self.origin,
            self.files.join(", ")
        )?;
        let width = self
            .outcomes
            .iter()
            .map(|o| o.name.len())
            .max()
            .unwrap_or(0);
        for outcome in &self.outcomes {
            let label = match outcome.verdict {
                Verdict::Proven => "proven",
                Verdict::Refuted { .. } => "FAILED",
                Verdict::Unprovable(_) => "UNPROVEN",
            };
            writeln!(
                f,
                "{label:<8} {:<width$}  {}",
                outcome.name, outcome.statement
            )?;
            match &outcome.verdict {
                Verdict::Proven => {}
                Verdict::Refuted {
                    remedy,
                    counterexample,
                } => {
                    writeln!(f, "    {remedy}")?;
                    writeln!(f, "    counterexample:")?;
                    write!(f, "{counterexample}")?;
                }
                Verdict::Unprovable(why) => writeln!(f, "    {why}")?,
            }
        }
        for action in &self.skipped {
            writeln!(
                f,
                "skipped  {action}: the schema does not declare this action"
            )?;
        }
        let failed = self
            .outcomes
            .iter()
            .filter(|o| o.verdict != Verdict::Proven)
            .count();
        write!(
            f,
            "{} of {} invariants proven",
            self.outcomes.len() - failed,
            self.outcomes.len()
        )?;
        if failed > 0 {
            write!(f, "; {failed} not")?;
        }
        writeln!(f)
    }
}
