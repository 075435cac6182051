//! The policy set, parsed and validated once per isolate.

use std::rc::Rc;

use tenantry_core::{Policies, PolicyError};

thread_local! {
    /// Parsed on the isolate's first request and kept for all that follow (a Workers isolate is
    /// single-threaded, so one thread-local is one per isolate).
    static POLICIES: Result<Rc<Policies>, PolicyError> = Policies::embedded().map(Rc::new);
}

/// The embedded policies, or why they were refused (then every request answers 500).
pub(crate) fn cached() -> Result<Rc<Policies>, PolicyError> {
    POLICIES.with(Clone::clone)
}
