//! Loggers: create, log, flush, free.

use crate::status::{clear_error, fail, guard, lf_status, null_argument, set_error};
use crate::strings::{bytes, owned, text, Part};
use logfort_core::{Capture, Config, Level, Logger, Scalar};
use std::ffi::{c_char, CStr};
use std::time::Duration;

/// A logger: a queue and the writer thread behind it. Opaque.
pub struct lf_logger {
    inner: Logger,
}

/// Levels on the shared numeric scale; any int is accepted by lf_log
/// (custom levels round down to the nearest named one).
#[repr(C)]
pub enum lf_level {
    LF_TRACE = 5,
    LF_DEBUG = 10,
    LF_INFO = 20,
    LF_NOTICE = 25,
    LF_WARNING = 30,
    LF_ERROR = 40,
    LF_CRITICAL = 50,
}

/// Which member of an lf_kv holds the value.
#[repr(C)]
pub enum lf_kind {
    /// `str`: a NUL-terminated UTF-8 string.
    LF_STRING = 0,
    /// `i`: a 64-bit integer.
    LF_INT = 1,
    /// `d`: a double (NaN and infinities are written as strings).
    LF_DOUBLE = 2,
    /// `i`: false when 0, true otherwise.
    LF_BOOL = 3,
    /// `str`: JSON text (object, array, ...); kept as a string if invalid.
    LF_JSON = 4,
    /// No value: JSON null.
    LF_NULL = 5,
}

/// One field for lf_log_kv. `kind` is an lf_kind.
#[repr(C)]
pub struct lf_kv {
    pub key: *const c_char,
    pub kind: i32,
    pub str: *const c_char,
    pub i: i64,
    pub d: f64,
}

/// Creates a logger. `config_json` is the configuration document (NULL
/// or "" for defaults, or the file named by LOG_CONFIG); LOG_* environment
/// variables override it. On success `*out` owns the logger; on failure it
/// is set to NULL and lf_last_error() names the offending key.
///
/// # Safety
/// `config_json` is NULL or a NUL-terminated string; `out` is a valid
/// pointer to writable storage.
#[no_mangle]
pub unsafe extern "C" fn lf_logger_new(
    config_json: *const c_char,
    out: *mut *mut lf_logger,
) -> lf_status {
    guard(|| {
        if out.is_null() {
            return null_argument("out");
        }
        // SAFETY: checked non-NULL above; the caller provides the storage.
        unsafe { *out = std::ptr::null_mut() };
        let doc = if config_json.is_null() {
            None
        } else {
            // SAFETY: forwarded from the caller's contract.
            match unsafe { text(config_json, "config_json") } {
                Ok((_, true)) => {
                    set_error("config_json is not valid UTF-8");
                    return lf_status::LF_INVALID_UTF8;
                }
                Ok((d, false)) => Some(d.into_owned()),
                Err(s) => return s,
            }
        };
        match Config::load(doc.as_deref()).and_then(Logger::new) {
            Ok(inner) => {
                // SAFETY: as above.
                unsafe { *out = Box::into_raw(Box::new(lf_logger { inner })) };
                clear_error();
                lf_status::LF_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Writes everything queued, stops the writer and frees the logger.
/// NULL is ignored. Waits at most 10 s for a stuck sink.
///
/// # Safety
/// `logger` comes from lf_logger_new, is freed once, and no other call on
/// it runs concurrently or afterwards.
#[no_mangle]
pub unsafe extern "C" fn lf_logger_free(logger: *mut lf_logger) {
    if !logger.is_null() {
        // SAFETY: the caller hands back ownership from lf_logger_new.
        let boxed = unsafe { Box::from_raw(logger) };
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(boxed)));
    }
}

/// Borrows the logger behind a handle, or reports NULL.
pub(crate) unsafe fn logger_ref<'a>(logger: *const lf_logger) -> Result<&'a Logger, lf_status> {
    // SAFETY: a non-NULL handle comes from lf_logger_new and is alive.
    match unsafe { logger.as_ref() } {
        Some(l) => Ok(&l.inner),
        None => Err(null_argument("logger")),
    }
}

/// Checks a call: NULL checks first, then the level (a filtered call
/// touches no string). The logger when the record is to be captured;
/// `None` for a call filtered out, which succeeds and so clears the
/// thread's last error.
#[inline(always)]
unsafe fn begin<'a>(
    logger: *const lf_logger,
    level: i32,
    logger_name: *const c_char,
    message: *const c_char,
) -> Result<Option<(&'a Logger, Level)>, lf_status> {
    // SAFETY: forwarded from the caller's contract.
    let l: &'a Logger = unsafe { logger_ref(logger) }?;
    if logger_name.is_null() {
        return Err(null_argument("logger_name"));
    }
    if message.is_null() {
        return Err(null_argument("message"));
    }
    let level = Level::from_number(level as i64);
    if !l.enabled(level) {
        clear_error();
        return Ok(None);
    }
    Ok(Some((l, level)))
}

/// Starts `rec` (unstarted, kept in place by the caller) with the names;
/// true when a string was not valid UTF-8.
#[inline(always)]
unsafe fn start(
    rec: &mut Capture<'_>,
    level: Level,
    logger_name: *const c_char,
    message: *const c_char,
) -> bool {
    // SAFETY: forwarded from the caller's contract (`begin` checked both).
    let (name, msg) = unsafe {
        (
            CStr::from_ptr(logger_name).to_bytes(),
            CStr::from_ptr(message).to_bytes(),
        )
    };
    rec.start_bytes(level, name, msg)
}

/// Turns the outcome of queueing a record into a status. The usual
/// outcome is settled inline.
#[inline(always)]
pub(crate) fn finish(
    sent: logfort_core::Result<()>,
    lossy: bool,
    json_error: Option<String>,
) -> lf_status {
    if sent.is_ok() && !lossy && json_error.is_none() {
        clear_error();
        return lf_status::LF_OK;
    }
    failed(sent, lossy, json_error)
}

#[cold]
fn failed(sent: logfort_core::Result<()>, lossy: bool, json_error: Option<String>) -> lf_status {
    if let Err(e) = sent {
        return fail(e);
    }
    if let Some(e) = json_error {
        set_error(e);
        return lf_status::LF_INVALID_JSON;
    }
    if lossy {
        set_error("a string was not valid UTF-8; invalid bytes were replaced by U+FFFD");
        return lf_status::LF_INVALID_UTF8;
    }
    clear_error();
    lf_status::LF_OK
}

/// Logs one record. `fields_json` is NULL or a JSON object whose members
/// become the record's fields (parsed, masked and encoded on the writer
/// thread). Returns quickly: the caller never formats or does I/O.
///
/// # Safety
/// `logger` is a live handle; the strings are NUL-terminated or NULL.
#[no_mangle]
pub unsafe extern "C" fn lf_log(
    logger: *const lf_logger,
    level: i32,
    logger_name: *const c_char,
    message: *const c_char,
    fields_json: *const c_char,
) -> lf_status {
    guard(|| {
        // SAFETY: forwarded from the caller's contract.
        let (l, level) = match unsafe { begin(logger, level, logger_name, message) } {
            Ok(Some(started)) => started,
            Ok(None) => return lf_status::LF_OK,
            Err(s) => return s,
        };
        let mut rec = l.unstarted();
        // SAFETY: as above.
        let mut lossy = unsafe { start(&mut rec, level, logger_name, message) };
        let mut json_error = None;
        if !fields_json.is_null() {
            // SAFETY: forwarded from the caller's contract.
            let (json, bad) = unsafe { text(fields_json, "fields_json") }.unwrap_or_default();
            lossy |= bad;
            if let Err(e) = check_object(&json) {
                json_error = Some(format!(
                    "fields_json: {e}; kept as the string field \"fields\""
                ));
                rec.str("fields", &json);
            } else {
                rec.object(&json);
            }
        }
        finish(rec.queue(), lossy, json_error)
    })
}

/// Validates JSON object text without building it (cheap, no allocation).
pub(crate) fn check_object(json: &str) -> Result<(), String> {
    if !json.trim_start().starts_with('{') {
        return Err("expected a JSON object".into());
    }
    serde_json::from_str::<serde::de::IgnoredAny>(json)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Logs one record with typed fields, the fastest call: no JSON parsing.
///
/// # Safety
/// `logger` is a live handle; the strings are NUL-terminated or NULL;
/// `fields` points to `n` lf_kv (or is NULL when `n` is 0).
#[no_mangle]
pub unsafe extern "C" fn lf_log_kv(
    logger: *const lf_logger,
    level: i32,
    logger_name: *const c_char,
    message: *const c_char,
    fields: *const lf_kv,
    n: usize,
) -> lf_status {
    guard(|| {
        if fields.is_null() && n > 0 {
            set_error("fields is NULL but n > 0");
            return lf_status::LF_NULL_ARGUMENT;
        }
        // SAFETY: forwarded from the caller's contract.
        let (l, level) = match unsafe { begin(logger, level, logger_name, message) } {
            Ok(Some(started)) => started,
            Ok(None) => return lf_status::LF_OK,
            Err(s) => return s,
        };
        let mut rec = l.unstarted();
        // SAFETY: as above.
        let mut lossy = unsafe { start(&mut rec, level, logger_name, message) };
        let kvs = if n == 0 {
            &[][..]
        } else {
            // SAFETY: the caller passes `n` valid lf_kv at `fields`.
            unsafe { std::slice::from_raw_parts(fields, n) }
        };
        for (idx, kv) in kvs.iter().enumerate() {
            // SAFETY: forwarded from the caller's contract.
            let key = match unsafe { bytes(kv.key, Part(idx, "key")) } {
                Ok(k) => k,
                Err(s) => return s,
            };
            let value = match kv.kind {
                0 | 4 => {
                    // SAFETY: as above.
                    match unsafe { bytes(kv.str, Part(idx, "str")) } {
                        Ok(v) => lossy |= rec.text_bytes(key, v, kv.kind == 4),
                        Err(s) => return s,
                    }
                    continue;
                }
                1 => Scalar::Int(kv.i),
                2 => Scalar::Float(kv.d),
                3 => Scalar::Bool(kv.i != 0),
                5 => Scalar::Null,
                other => {
                    set_error(format!(
                        "fields[{idx}].kind is {other}, expected an lf_kind (0..=5)"
                    ));
                    return lf_status::LF_INVALID_ARGUMENT;
                }
            };
            lossy |= rec.scalar_bytes(key, value);
        }
        finish(rec.queue(), lossy, None)
    })
}

/// Returns once every record logged before the call (from any thread) is
/// written to every sink, or LF_TIMEOUT after `timeout_ms`.
///
/// # Safety
/// `logger` is a live handle or NULL.
#[no_mangle]
pub unsafe extern "C" fn lf_flush(logger: *const lf_logger, timeout_ms: u32) -> lf_status {
    guard(|| {
        // SAFETY: forwarded from the caller's contract.
        let l = match unsafe { logger_ref(logger) } {
            Ok(l) => l,
            Err(s) => return s,
        };
        match l.flush(Duration::from_millis(timeout_ms as u64)) {
            Ok(()) => {
                clear_error();
                lf_status::LF_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// The logger's counters in the Prometheus text format. `*out` receives a
/// string to release with lf_string_free.
///
/// # Safety
/// `logger` is a live handle; `out` points to writable storage.
#[no_mangle]
pub unsafe extern "C" fn lf_metrics(logger: *const lf_logger, out: *mut *mut c_char) -> lf_status {
    guard(|| {
        if out.is_null() {
            return null_argument("out");
        }
        // SAFETY: forwarded from the caller's contract.
        let l = match unsafe { logger_ref(logger) } {
            Ok(l) => l,
            Err(s) => return s,
        };
        // SAFETY: checked non-NULL above.
        unsafe { *out = owned(l.metrics().to_prometheus()) };
        clear_error();
        lf_status::LF_OK
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::lf_last_error;
    use std::ffi::CStr;

    fn last_error() -> String {
        // SAFETY: lf_last_error returns a valid NUL-terminated string.
        unsafe { CStr::from_ptr(lf_last_error()) }
            .to_str()
            .unwrap()
            .to_owned()
    }

    fn kv(key: *const c_char, str: *const c_char) -> lf_kv {
        lf_kv {
            key,
            kind: lf_kind::LF_STRING as i32,
            str,
            i: 0,
            d: 0.0,
        }
    }

    #[test]
    fn a_null_field_pointer_is_named_by_index_and_success_clears_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kv.log");
        let config = std::ffi::CString::new(format!(
            r#"{{"sinks": [{{"type": "file", "path": {:?}}}]}}"#,
            path.to_str().unwrap()
        ))
        .unwrap();
        let mut logger = std::ptr::null_mut();
        // SAFETY: valid config string and out pointer.
        assert_eq!(
            unsafe { lf_logger_new(config.as_ptr(), &mut logger) },
            lf_status::LF_OK
        );
        let (name, msg) = (c"app".as_ptr(), c"m".as_ptr());
        let good = || kv(c"a".as_ptr(), c"x".as_ptr());
        let log = |fields: &[lf_kv]| {
            // SAFETY: live logger, valid strings, `fields` of its length.
            unsafe { lf_log_kv(logger, 20, name, msg, fields.as_ptr(), fields.len()) }
        };
        let null_key = [good(), kv(std::ptr::null(), c"x".as_ptr())];
        assert_eq!(log(&null_key), lf_status::LF_NULL_ARGUMENT);
        assert_eq!(last_error(), "fields[1].key is NULL");
        let null_str = [good(), good(), kv(c"b".as_ptr(), std::ptr::null())];
        assert_eq!(log(&null_str), lf_status::LF_NULL_ARGUMENT);
        assert_eq!(last_error(), "fields[2].str is NULL");
        assert_eq!(log(&[good()]), lf_status::LF_OK);
        assert_eq!(last_error(), "");
        assert_eq!(log(&[good()]), lf_status::LF_OK);
        assert_eq!(last_error(), "");
        // SAFETY: live logger, freed once.
        unsafe { lf_logger_free(logger) };
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2, "only the two good records: {text}");
        assert!(text.lines().all(|l| l.contains(r#""a":"x""#)), "{text}");
    }
}
