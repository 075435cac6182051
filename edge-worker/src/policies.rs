//! The policy set, parsed once per isolate. `build.rs` validated it against the schema when the
//! worker was built, so the worker carries no schema validator (see `Policies::embedded_prevalidated`).

use std::rc::Rc;

use tenantry_core::{Policies, PolicyError};

thread_local! {
    /// Parsed on the isolate's first request and kept for all that follow (a Workers isolate is
    /// single-threaded, so one thread-local is one per isolate).
    static POLICIES: Result<Rc<Policies>, PolicyError> = Policies::embedded_prevalidated().map(Rc::new);
}

/// The embedded policies, or why they were refused (then every request answers 500).
pub(crate) fn cached() -> Result<Rc<Policies>, PolicyError> {
    POLICIES.with(Clone::clone)
}
