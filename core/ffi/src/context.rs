//! The calling thread's correlation context.

use crate::status::{clear_error, guard, lf_status, set_error};
use crate::strings::text;
use logfort_core::context;
use std::ffi::c_char;

/// Sets one context entry for records logged from the calling thread:
/// "correlation_id" (validated: a malformed id is replaced by a fresh one
/// and flagged `correlation_id_rejected`), "request_id", "trace_id",
/// "span_id", "user_id", "session_id", "traceparent" (a W3C header:
/// sets trace_id, span_id and the trace flags; an invalid one clears
/// them), or any other name as a bound field. A NULL `value` removes the
/// entry.
///
/// # Safety
/// `key` and `value` must be NUL-terminated strings or NULL.
#[no_mangle]
pub unsafe extern "C" fn lf_context_set(key: *const c_char, value: *const c_char) -> lf_status {
    guard(|| {
        // SAFETY: forwarded from the caller's contract.
        let key = match unsafe { text(key, "key") } {
            Ok((k, _)) => k.into_owned(),
            Err(s) => return s,
        };
        if value.is_null() {
            context::update_current(|c| c.remove(&key));
            clear_error();
            return lf_status::LF_OK;
        }
        // SAFETY: forwarded from the caller's contract.
        let (value, lossy) = match unsafe { text(value, "value") } {
            Ok(v) => v,
            Err(s) => return s,
        };
        context::update_current(|c| c.set(&key, &value));
        if lossy {
            set_error("value is not valid UTF-8; invalid bytes were replaced");
            return lf_status::LF_INVALID_UTF8;
        }
        clear_error();
        lf_status::LF_OK
    })
}

/// Clears the calling thread's context.
#[no_mangle]
pub extern "C" fn lf_context_clear() {
    let _ = guard(|| {
        context::clear_current();
        lf_status::LF_OK
    });
}
