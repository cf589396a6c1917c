//! Borrowing C strings, handing out owned ones, and the version.

use crate::status::{lf_status, null_argument};
use std::borrow::Cow;
use std::ffi::{c_char, CStr, CString};

/// `fields[i].part`, as an error names an argument of `lf_log_kv`:
/// formatted only on error, and nothing to build before.
pub(crate) struct Part(pub usize, pub &'static str);

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "fields[{}].{}", self.0, self.1)
    }
}

/// A borrowed C string as text. NULL is an error naming the argument;
/// invalid UTF-8 is replaced, and reported through the flag. Inlined into
/// every call site: the usual string is ASCII, and `name` is formatted
/// only on error.
#[inline(always)]
pub(crate) unsafe fn text<'a>(
    p: *const c_char,
    name: impl std::fmt::Display,
) -> Result<(Cow<'a, str>, bool), lf_status> {
    // SAFETY: forwarded from the caller's contract.
    let bytes = unsafe { bytes(p, name) }?;
    // Most strings are ASCII, which a word-at-a-time check settles faster
    // than full validation does for short text.
    if logfort_core::bytes::is_ascii(bytes) {
        // SAFETY: ASCII is UTF-8.
        return Ok((
            Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(bytes) }),
            false,
        ));
    }
    Ok(logfort_core::bytes::lossy(bytes))
}

/// A borrowed C string's bytes, for the calls that check UTF-8 as they
/// copy (`Capture::text_bytes`). NULL is an error naming the argument.
#[inline(always)]
pub(crate) unsafe fn bytes<'a>(
    p: *const c_char,
    name: impl std::fmt::Display,
) -> Result<&'a [u8], lf_status> {
    if p.is_null() {
        return Err(null_argument(name));
    }
    // SAFETY: the caller passes a NUL-terminated string valid for the call.
    Ok(unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// Hands a Rust string to C (interior NULs become spaces).
pub(crate) fn owned(s: String) -> *mut c_char {
    let s = if s.contains('\0') {
        s.replace('\0', " ")
    } else {
        s
    };
    CString::new(s).map_or(std::ptr::null_mut(), CString::into_raw)
}

/// Releases a string returned by lf_mask or lf_metrics. NULL is ignored.
///
/// # Safety
/// `s` must come from this library and not have been freed before.
#[no_mangle]
pub unsafe extern "C" fn lf_string_free(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: created by CString::into_raw in `owned`.
        let _ = std::panic::catch_unwind(|| drop(unsafe { CString::from_raw(s) }));
    }
}

/// The library version, e.g. "0.1.0". Static; never freed.
#[no_mangle]
pub extern "C" fn lf_version() -> *const c_char {
    static VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => c"unknown",
        };
    VERSION.as_ptr()
}
