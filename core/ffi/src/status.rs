//! Status codes, the thread's last error, and the guard that keeps
//! panics from crossing into C.

use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Result of every fallible call. `LF_OK` is 0; anything else sets the
/// calling thread's `lf_last_error()`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lf_status {
    LF_OK = 0,
    /// A required pointer argument was NULL.
    LF_NULL_ARGUMENT = 1,
    /// A string was not valid UTF-8. Log calls still write the record,
    /// with U+FFFD in place of the invalid bytes.
    LF_INVALID_UTF8 = 2,
    /// `fields_json` was not a JSON object. The record is still written,
    /// with the text kept (masked) as the string field `fields`.
    LF_INVALID_JSON = 3,
    /// The configuration was rejected; lf_last_error() names the key.
    LF_INVALID_CONFIG = 4,
    /// Another argument was out of range (for example an lf_kv kind).
    LF_INVALID_ARGUMENT = 5,
    /// The logger was shut down; the record was counted as dropped.
    LF_SHUT_DOWN = 6,
    /// lf_flush did not finish within its timeout.
    LF_TIMEOUT = 7,
    /// Schema policy "strict" rejected the record.
    LF_SCHEMA_VIOLATION = 8,
    /// An operating-system error (for example a sink that cannot open).
    LF_IO = 9,
    /// A bug inside logfort was caught at the boundary.
    LF_PANIC = 10,
}

/// A thread's last error text.
struct LastError(RefCell<CString>);

impl LastError {
    fn replace(&self, text: CString) {
        let mut e = self.0.borrow_mut();
        match (e.as_bytes().is_empty(), text.as_bytes().is_empty()) {
            (true, false) => HOLDING.fetch_add(1, Relaxed),
            (false, true) => HOLDING.fetch_sub(1, Relaxed),
            _ => 0,
        };
        *e = text;
    }
}

impl Drop for LastError {
    fn drop(&mut self) {
        self.replace(CString::default());
    }
}

thread_local! {
    static LAST_ERROR: LastError = LastError(RefCell::new(CString::default()));
}

/// How many threads' last errors hold text. While none does, a
/// successful call has nothing to clear and skips the thread-local lookup
/// (a call to `__tls_get_addr` in a shared library). A thread always sees
/// its own count, so one that reads 0 holds no text.
static HOLDING: AtomicUsize = AtomicUsize::new(0);

pub(crate) fn set_error(msg: impl Into<String>) {
    let msg = msg.into().replace('\0', " ");
    let _ = LAST_ERROR.try_with(|e| e.replace(CString::new(msg).unwrap_or_default()));
}

/// A NULL pointer argument: its error text, and the status to return.
#[cold]
#[inline(never)]
pub(crate) fn null_argument(name: impl std::fmt::Display) -> lf_status {
    set_error(format!("{name} is NULL"));
    lf_status::LF_NULL_ARGUMENT
}

#[inline]
pub(crate) fn clear_error() {
    if HOLDING.load(Relaxed) != 0 {
        let _ = LAST_ERROR.try_with(|e| e.replace(CString::default()));
    }
}

/// Maps a core error to its status and records its text.
pub(crate) fn fail(err: logfort_core::Error) -> lf_status {
    use logfort_core::Error;
    let status = match &err {
        Error::Config(_) => lf_status::LF_INVALID_CONFIG,
        Error::Schema(_) => lf_status::LF_SCHEMA_VIOLATION,
        Error::Shutdown => lf_status::LF_SHUT_DOWN,
        Error::Timeout(_) => lf_status::LF_TIMEOUT,
        Error::Io(_) => lf_status::LF_IO,
    };
    set_error(err.to_string());
    status
}

/// Runs an export body; a panic becomes `LF_PANIC`, never an unwind into C.
/// Asserting unwind safety is sound here: the logger's shared state is
/// atomics and a channel, which a panicking caller cannot leave torn.
pub(crate) fn guard(f: impl FnOnce() -> lf_status) -> lf_status {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        set_error("internal error (panic) in logfort; the call had no effect");
        lf_status::LF_PANIC
    })
}

/// Text of the calling thread's last error, or "" when the last call
/// succeeded. Owned by the library; valid until this thread's next lf_ call.
#[no_mangle]
pub extern "C" fn lf_last_error() -> *const c_char {
    LAST_ERROR
        .try_with(|e| e.0.borrow().as_ptr())
        .unwrap_or(c"".as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn a_panic_becomes_a_status_and_an_error_text() {
        let status = guard(|| panic!("boom"));
        assert_eq!(status, lf_status::LF_PANIC);
        // SAFETY: lf_last_error returns a valid NUL-terminated string.
        let text = unsafe { CStr::from_ptr(lf_last_error()) }.to_str().unwrap();
        assert_eq!(
            text,
            "internal error (panic) in logfort; the call had no effect"
        );
    }

    #[test]
    fn core_errors_map_to_statuses() {
        use logfort_core::Error;
        assert_eq!(
            fail(Error::Config("x".into())),
            lf_status::LF_INVALID_CONFIG
        );
        assert_eq!(fail(Error::Shutdown), lf_status::LF_SHUT_DOWN);
        assert_eq!(
            fail(Error::Timeout(std::time::Duration::from_secs(1))),
            lf_status::LF_TIMEOUT
        );
        assert_eq!(
            fail(Error::Schema("x".into())),
            lf_status::LF_SCHEMA_VIOLATION
        );
        // SAFETY: as above.
        let text = unsafe { CStr::from_ptr(lf_last_error()) }.to_str().unwrap();
        assert_eq!(text, "schema violation: x");
    }

    #[test]
    fn a_success_clears_only_its_own_threads_error() {
        fn last() -> String {
            // SAFETY: lf_last_error returns a valid NUL-terminated string.
            unsafe { CStr::from_ptr(lf_last_error()) }
                .to_str()
                .unwrap()
                .to_owned()
        }
        let (set, cleared) = (std::sync::Barrier::new(2), std::sync::Barrier::new(2));
        std::thread::scope(|s| {
            s.spawn(|| {
                set_error("first thread");
                set.wait();
                cleared.wait();
                assert_eq!(last(), "first thread");
                clear_error();
                assert_eq!(last(), "");
            });
            s.spawn(|| {
                set.wait();
                set_error("second thread");
                clear_error();
                assert_eq!(last(), "");
                cleared.wait();
            });
        });
    }
}
