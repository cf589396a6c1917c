//! Masking one string with a logger's rules, for callers that send text
//! somewhere other than the log.

use crate::logger::{lf_logger, logger_ref};
use crate::status::{clear_error, guard, lf_status, null_argument, set_error};
use crate::strings::{owned, text};
use std::ffi::c_char;

/// Masks `input` with the logger's rules (the same ones its records go
/// through; unchanged text when masking is disabled). `*out` receives a
/// new string to release with lf_string_free. Invalid UTF-8 is replaced
/// and reported as LF_INVALID_UTF8, with `*out` still set.
///
/// # Safety
/// `logger` is a live handle; `input` is a NUL-terminated string; `out`
/// points to writable storage.
#[no_mangle]
pub unsafe extern "C" fn lf_mask(
    logger: *const lf_logger,
    input: *const c_char,
    out: *mut *mut c_char,
) -> lf_status {
    guard(|| {
        if out.is_null() {
            return null_argument("out");
        }
        // SAFETY: checked non-NULL above.
        unsafe { *out = std::ptr::null_mut() };
        // SAFETY: forwarded from the caller's contract.
        let l = match unsafe { logger_ref(logger) } {
            Ok(l) => l,
            Err(s) => return s,
        };
        // SAFETY: forwarded from the caller's contract.
        let (input, lossy) = match unsafe { text(input, "input") } {
            Ok(t) => t,
            Err(s) => return s,
        };
        // SAFETY: checked non-NULL above.
        unsafe { *out = owned(l.mask(&input)) };
        if lossy {
            set_error("input is not valid UTF-8; invalid bytes were replaced by U+FFFD");
            return lf_status::LF_INVALID_UTF8;
        }
        clear_error();
        lf_status::LF_OK
    })
}
