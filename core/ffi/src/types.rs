//! Typed records: audit, security and performance events, built by the
//! core helpers so that C callers get exactly what every binding gets
//! (`log_type`, fixed field names, level rules, message).

use crate::logger::{check_object, finish, lf_logger, logger_ref};
use crate::status::{clear_error, guard, lf_status};
use crate::strings::text;
use logfort_core::audit;
use logfort_core::{Logger, Record, Value};
use std::ffi::c_char;

/// Required and optional string arguments, with a flag for lossy UTF-8.
struct Args {
    lossy: bool,
}

impl Args {
    unsafe fn req(&mut self, p: *const c_char, name: &str) -> Result<String, lf_status> {
        // SAFETY: forwarded from the caller's contract.
        let (s, bad) = unsafe { text(p, name) }?;
        self.lossy |= bad;
        Ok(s.into_owned())
    }

    unsafe fn opt(&mut self, p: *const c_char, name: &str) -> Result<Option<String>, lf_status> {
        if p.is_null() {
            return Ok(None);
        }
        // SAFETY: forwarded from the caller's contract.
        unsafe { self.req(p, name) }.map(Some)
    }
}

/// Skips a record below the logger's level (before touching the JSON);
/// otherwise attaches `details_json` (NULL, or a JSON object merged
/// after the fixed fields on the writer thread) and queues the record.
unsafe fn send(
    l: &Logger,
    mut rec: Record,
    details_json: *const c_char,
    args: &mut Args,
    name: &str,
) -> lf_status {
    if !l.enabled(rec.level) {
        clear_error();
        return lf_status::LF_OK;
    }
    let mut json_error = None;
    // SAFETY: forwarded from the caller's contract.
    if let Some(json) = unsafe { args.opt(details_json, name) }.ok().flatten() {
        match check_object(&json) {
            Ok(()) => rec.raw_fields = Some(json),
            Err(e) => {
                json_error = Some(format!("{name}: {e}; kept as the string field \"fields\""));
                rec.fields.push(("fields".into(), Value::Str(json)));
            }
        }
    }
    finish(l.log(rec), args.lossy, json_error)
}

macro_rules! try_status {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(s) => return s,
        }
    };
}

/// Logs an audit record: who (`user_id`, NULL for the thread context's
/// user) did `action` to `resource_type`/`resource_id`, and the `result`
/// ("success", "failure", "denied", ...; failures are logged as WARNING).
/// `details_json` is NULL or a JSON object of further fields.
///
/// # Safety
/// `logger` is a live handle; the strings are NUL-terminated (`user_id`
/// and `details_json` may be NULL).
#[no_mangle]
#[allow(clippy::too_many_arguments)] // mirrors audit(...) of every binding
pub unsafe extern "C" fn lf_audit(
    logger: *const lf_logger,
    logger_name: *const c_char,
    action: *const c_char,
    resource_type: *const c_char,
    resource_id: *const c_char,
    user_id: *const c_char,
    details_json: *const c_char,
    result: *const c_char,
) -> lf_status {
    guard(|| {
        // SAFETY (whole block): forwarded from the caller's contract.
        unsafe {
            let l = try_status!(logger_ref(logger));
            let mut a = Args { lossy: false };
            let name = try_status!(a.req(logger_name, "logger_name"));
            let action = try_status!(a.req(action, "action"));
            let rtype = try_status!(a.req(resource_type, "resource_type"));
            let rid = try_status!(a.req(resource_id, "resource_id"));
            let user = try_status!(a.opt(user_id, "user_id"));
            let result = try_status!(a.req(result, "result"));
            let rec = audit::audit(
                &name,
                &action,
                &rtype,
                &rid,
                user.as_deref(),
                vec![],
                &result,
            );
            send(l, rec, details_json, &mut a, "details_json")
        }
    })
}

/// Logs a security event. `severity` is "info", "warning" or "critical"
/// and picks the level (INFO, WARNING, CRITICAL; anything else is logged
/// as WARNING and reported by the security schema). `client_ip`,
/// `user_id` and `details_json` may be NULL.
///
/// # Safety
/// `logger` is a live handle; the strings are NUL-terminated or NULL
/// where allowed.
#[no_mangle]
pub unsafe extern "C" fn lf_security(
    logger: *const lf_logger,
    logger_name: *const c_char,
    event: *const c_char,
    severity: *const c_char,
    client_ip: *const c_char,
    user_id: *const c_char,
    details_json: *const c_char,
) -> lf_status {
    guard(|| {
        // SAFETY (whole block): forwarded from the caller's contract.
        unsafe {
            let l = try_status!(logger_ref(logger));
            let mut a = Args { lossy: false };
            let name = try_status!(a.req(logger_name, "logger_name"));
            let event = try_status!(a.req(event, "event"));
            let severity = try_status!(a.req(severity, "severity"));
            let ip = try_status!(a.opt(client_ip, "client_ip"));
            let user = try_status!(a.opt(user_id, "user_id"));
            let rec = audit::security(
                &name,
                &event,
                &severity,
                ip.as_deref(),
                user.as_deref(),
                vec![],
            );
            send(l, rec, details_json, &mut a, "details_json")
        }
    })
}

/// Logs how long `operation` took. The level follows the logger's
/// performance thresholds: ERROR at or above `error_ms`, else WARNING at
/// or above `warn_ms`, else INFO. `success` is false when 0.
/// `metadata_json` is NULL or a JSON object of further fields.
///
/// # Safety
/// `logger` is a live handle; the strings are NUL-terminated
/// (`metadata_json` may be NULL).
#[no_mangle]
pub unsafe extern "C" fn lf_performance(
    logger: *const lf_logger,
    logger_name: *const c_char,
    operation: *const c_char,
    duration_ms: f64,
    success: i32,
    metadata_json: *const c_char,
) -> lf_status {
    guard(|| {
        // SAFETY (whole block): forwarded from the caller's contract.
        unsafe {
            let l = try_status!(logger_ref(logger));
            let mut a = Args { lossy: false };
            let name = try_status!(a.req(logger_name, "logger_name"));
            let op = try_status!(a.req(operation, "operation"));
            let perf = &l.config().performance;
            let rec = audit::performance(perf, &name, &op, duration_ms, success != 0, vec![]);
            send(l, rec, metadata_json, &mut a, "metadata_json")
        }
    })
}
