//! The calling thread's state in one thread-local, so that a capture
//! looks it up once: in a shared library (the C ABI) every thread-local
//! lookup is a call to `__tls_get_addr`.

use crate::context::Context;
use crate::ring::Lane;
use std::cell::RefCell;
use std::sync::Arc;

pub(crate) struct Local {
    /// The thread's context (`context::current`).
    pub context: RefCell<Option<Arc<Context>>>,
    /// The thread's lanes, one per logger it has logged to. Boxed so
    /// that an open capture's pointer survives the list growing.
    #[allow(clippy::vec_box)]
    pub lanes: RefCell<Vec<Box<Lane>>>,
}

thread_local! {
    static LOCAL: Local = const {
        Local {
            context: RefCell::new(None),
            lanes: RefCell::new(Vec::new()),
        }
    };
}

/// Runs `f` on the calling thread's state; `None` while the thread exits.
#[inline(always)]
pub(crate) fn with<R>(f: impl FnOnce(&Local) -> R) -> Option<R> {
    LOCAL.try_with(f).ok()
}
