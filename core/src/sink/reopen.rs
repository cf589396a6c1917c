//! Reopening log files on request: after `logrotate` moved them (its
//! `create` mode) an operator sends SIGHUP, as to most daemons.
//!
//! A request only bumps a process-wide generation number; each file sink
//! compares it with the one it saw last when its next batch is written,
//! and reopens its path. `request_reopen` is the entry point for bindings
//! whose language owns signal handling (Python's `signal.signal`, Node's
//! `process.on('SIGHUP')`): they call it from their own handler.
//!
//! The SIGHUP handler itself is installed only when a file sink asks for
//! it (`"reopen_on_sighup": true`), never by default, since SIGHUP's
//! default action (terminate) is what many processes rely on. When
//! installed, it chains to a handler that was in place before (so an
//! existing handler keeps running); a handler installed later by the
//! application replaces ours, as the language runtime expects.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::*};
use std::sync::Once;

static GENERATION: AtomicU64 = AtomicU64::new(0);
/// The handler that was installed before ours, as a raw `sa_sigaction`.
static PREVIOUS: AtomicUsize = AtomicUsize::new(0);
static PREVIOUS_SIGINFO: AtomicUsize = AtomicUsize::new(0);
static INSTALL: Once = Once::new();

/// Asks every file sink of the process to reopen its file before its
/// next write. Async-signal-safe.
pub fn request_reopen() {
    GENERATION.fetch_add(1, Release);
}

pub(crate) fn generation() -> u64 {
    GENERATION.load(Acquire)
}

extern "C" fn on_sighup(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    request_reopen();
    let prev = PREVIOUS.load(Acquire);
    if prev == libc::SIG_DFL || prev == libc::SIG_IGN || prev == 0 {
        return;
    }
    if PREVIOUS_SIGINFO.load(Acquire) != 0 {
        // SAFETY: `prev` was installed as a three-argument handler.
        let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
            unsafe { std::mem::transmute(prev) };
        f(sig, info, ctx);
    } else {
        // SAFETY: `prev` was installed as a one-argument handler.
        let f: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(prev) };
        f(sig);
    }
}

/// Installs the SIGHUP handler once per process.
pub(crate) fn install_sighup() {
    INSTALL.call_once(|| {
        // SAFETY: plain sigaction calls with structures we own; the
        // handler only touches atomics and calls the previous handler.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            let mut new: libc::sigaction = std::mem::zeroed();
            new.sa_sigaction = on_sighup as *const () as usize;
            new.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
            libc::sigemptyset(&mut new.sa_mask);
            if libc::sigaction(libc::SIGHUP, std::ptr::null(), &mut old) != 0 {
                return;
            }
            PREVIOUS.store(old.sa_sigaction, Release);
            PREVIOUS_SIGINFO.store(usize::from(old.sa_flags & libc::SA_SIGINFO != 0), Release);
            libc::sigaction(libc::SIGHUP, &new, std::ptr::null_mut());
        }
    });
}
