//! Record types as core helpers, so every binding produces them
//! identically: `audit`, `security`, `performance` and `business`. Each
//! sets `log_type`, fixed field names, a readable stable message and the
//! level; the caller's details follow the fixed fields (a detail whose
//! key collides with one is written as `detail_<key>`).
//!
//! Levels:
//! - audit: INFO, or WARNING when the result is a failure (`failure`,
//!   `failed`, `denied`, `error`, `rejected`, any case);
//! - security: severity `info` → INFO, `warning` → WARNING, `critical` →
//!   CRITICAL; any other severity → WARNING (never hidden), and the
//!   security schema reports it;
//! - performance: ≥ `error_ms` → ERROR, else ≥ `warn_ms` → WARNING, else
//!   INFO, with per-operation thresholds;
//! - business: INFO.
//!
//! Configuration: `audit.enabled` (env `LOG_AUDIT_ENABLED`) and
//! `performance.enabled` (env `LOG_PERFORMANCE`); records of a disabled
//! type are not written and are counted as
//! `logfort_records_dropped_total{reason="audit_disabled"|"performance_disabled"}`.

use crate::config::doc::Section;
use crate::error::{Error, Result};
use crate::level::Level;
use crate::logger::Logger;
use crate::metrics::{Report, Sample};
use crate::record::{LogType, Record, Value};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Thresholds for one operation; an absent one falls back to the global.
#[derive(Clone, Debug, PartialEq)]
pub struct OperationThresholds {
    pub warn_ms: Option<f64>,
    pub error_ms: Option<f64>,
}

/// Section `performance`:
/// `{"enabled": true, "warn_ms": 5000, "error_ms": 10000,
///   "operations": {"db_query": {"warn_ms": 1000}}}`. Configured
/// operations are added to (or replace) the defaults `db_query` (warn
/// 1000) and `api` (warn 3000).
#[derive(Clone, Debug, PartialEq)]
pub struct PerformanceConfig {
    pub enabled: bool,
    pub warn_ms: f64,
    pub error_ms: f64,
    pub operations: Vec<(String, OperationThresholds)>,
}

impl Default for PerformanceConfig {
    fn default() -> PerformanceConfig {
        let warn = |ms| OperationThresholds {
            warn_ms: Some(ms),
            error_ms: None,
        };
        PerformanceConfig {
            enabled: true,
            warn_ms: 5000.0,
            error_ms: 10000.0,
            operations: vec![
                ("db_query".into(), warn(1000.0)),
                ("api".into(), warn(3000.0)),
            ],
        }
    }
}

impl PerformanceConfig {
    pub fn parse(mut s: Section<'_>) -> Result<PerformanceConfig> {
        let mut c = PerformanceConfig::default();
        if let Some(b) = s.bool("enabled")? {
            c.enabled = b;
        }
        if let Some(ms) = s.non_negative("warn_ms")? {
            c.warn_ms = ms;
        }
        if let Some(ms) = s.non_negative("error_ms")? {
            c.error_ms = ms;
        }
        if let Some(ops) = s.get("operations") {
            let serde_json::Value::Object(map) = ops else {
                return Err(s.error("operations", ops, "an object of operation → thresholds"));
            };
            let base = s.path_of("operations");
            for (name, v) in map {
                let mut o = Section::new(&format!("{base}.{name}"), v)?;
                let t = OperationThresholds {
                    warn_ms: o.non_negative("warn_ms")?,
                    error_ms: o.non_negative("error_ms")?,
                };
                o.finish()?;
                c.operations.retain(|(n, _)| n != name);
                c.operations.push((name.clone(), t));
                let (w, e) = c.thresholds(name);
                check_order(&format!("{base}.{name}"), w, e)?;
            }
        }
        check_order(&s.path_of("warn_ms"), c.warn_ms, c.error_ms)?;
        s.finish()?;
        Ok(c)
    }

    /// (warn_ms, error_ms) for an operation.
    pub fn thresholds(&self, operation: &str) -> (f64, f64) {
        let op = self
            .operations
            .iter()
            .find(|(n, _)| n == operation)
            .map(|(_, t)| t);
        (
            op.and_then(|t| t.warn_ms).unwrap_or(self.warn_ms),
            op.and_then(|t| t.error_ms).unwrap_or(self.error_ms),
        )
    }

    /// The error threshold is checked first: checking the lower one first
    /// (the usual hand-written version) can never reach ERROR.
    pub fn level(&self, operation: &str, duration_ms: f64) -> Level {
        let (warn, error) = self.thresholds(operation);
        if duration_ms >= error {
            Level::Error
        } else if duration_ms >= warn {
            Level::Warning
        } else {
            Level::Info
        }
    }
}

/// A warning threshold above the error threshold could never warn.
fn check_order(path: &str, warn: f64, error: f64) -> Result<()> {
    if warn > error {
        return Err(Error::Config(format!(
            "`{path}`: warn_ms {warn} is above error_ms {error}, so it could never warn"
        )));
    }
    Ok(())
}

/// Section `audit`: `{"enabled": true}`.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditConfig {
    pub enabled: bool,
}

impl Default for AuditConfig {
    fn default() -> AuditConfig {
        AuditConfig { enabled: true }
    }
}

impl AuditConfig {
    pub fn parse(mut s: Section<'_>) -> Result<AuditConfig> {
        let mut c = AuditConfig::default();
        if let Some(b) = s.bool("enabled")? {
            c.enabled = b;
        }
        s.finish()?;
        Ok(c)
    }
}

/// Which record types a logger writes, and how many it discarded.
#[derive(Debug, Default)]
pub struct TypeGate {
    audit_off: bool,
    performance_off: bool,
    dropped_audit: AtomicU64,
    dropped_performance: AtomicU64,
}

impl TypeGate {
    pub fn new(audit: &AuditConfig, performance: &PerformanceConfig) -> TypeGate {
        TypeGate {
            audit_off: !audit.enabled,
            performance_off: !performance.enabled,
            ..TypeGate::default()
        }
    }

    /// False (and counted) for a record of a disabled type.
    #[inline]
    pub fn allows(&self, t: Option<LogType>) -> bool {
        let counter = match t {
            Some(LogType::Audit) if self.audit_off => &self.dropped_audit,
            Some(LogType::Performance) if self.performance_off => &self.dropped_performance,
            _ => return true,
        };
        counter.fetch_add(1, Relaxed);
        false
    }
}

impl Report for TypeGate {
    fn report(&self, out: &mut Vec<Sample>) {
        for (reason, c) in [
            ("audit_disabled", &self.dropped_audit),
            ("performance_disabled", &self.dropped_performance),
        ] {
            out.push(Sample {
                name: "logfort_records_dropped_total",
                help: "Records not written, by reason",
                labels: vec![("reason", reason.into())],
                value: c.load(Relaxed),
            });
        }
    }
}

/// Builds a typed record: fixed fields first, then the details.
fn typed(
    t: LogType,
    level: Level,
    logger: &str,
    message: String,
    fixed: Vec<(&'static str, Value)>,
    details: Vec<(String, Value)>,
) -> Record {
    let mut rec = Record::new(level, logger, message);
    rec.log_type = Some(t);
    rec.fields.reserve(fixed.len() + details.len());
    for (k, v) in &fixed {
        rec.fields.push(((*k).to_owned(), v.clone()));
    }
    for (k, v) in details {
        let key = if fixed.iter().any(|(f, _)| *f == k) {
            format!("detail_{k}")
        } else {
            k
        };
        rec.fields.push((key, v));
    }
    rec
}

fn is_failure(result: &str) -> bool {
    ["failure", "failed", "denied", "error", "rejected"]
        .iter()
        .any(|f| result.eq_ignore_ascii_case(f))
}

/// Who did what to which resource, and how it ended. Without `user_id`
/// the context's user (if any) stands in.
pub fn audit(
    logger: &str,
    action: &str,
    resource_type: &str,
    resource_id: &str,
    user_id: Option<&str>,
    details: Vec<(String, Value)>,
    result: &str,
) -> Record {
    let level = if is_failure(result) {
        Level::Warning
    } else {
        Level::Info
    };
    let mut fixed = vec![
        ("action", Value::from(action)),
        ("resource_type", Value::from(resource_type)),
        ("resource_id", Value::from(resource_id)),
    ];
    if let Some(u) = user_id {
        fixed.push(("user_id", Value::from(u)));
    }
    fixed.push(("result", Value::from(result)));
    let message = format!("audit: {action} on {resource_type}/{resource_id} -> {result}");
    typed(LogType::Audit, level, logger, message, fixed, details)
}

/// The level a security severity maps to.
pub fn security_level(severity: &str) -> Level {
    match severity {
        "info" => Level::Info,
        "critical" => Level::Critical,
        _ => Level::Warning,
    }
}

/// A security event; the severity picks the level.
pub fn security(
    logger: &str,
    event: &str,
    severity: &str,
    client_ip: Option<&str>,
    user_id: Option<&str>,
    details: Vec<(String, Value)>,
) -> Record {
    let mut fixed = vec![
        ("security_event", Value::from(event)),
        ("severity", Value::from(severity)),
    ];
    if let Some(ip) = client_ip {
        fixed.push(("client_ip", Value::from(ip)));
    }
    if let Some(u) = user_id {
        fixed.push(("user_id", Value::from(u)));
    }
    let message = format!("security: {event} ({severity})");
    typed(
        LogType::Security,
        security_level(severity),
        logger,
        message,
        fixed,
        details,
    )
}

/// How long an operation took; the level comes from the thresholds.
pub fn performance(
    config: &PerformanceConfig,
    logger: &str,
    operation: &str,
    duration_ms: f64,
    success: bool,
    metadata: Vec<(String, Value)>,
) -> Record {
    let fixed = vec![
        ("operation", Value::from(operation)),
        ("duration_ms", Value::Float(duration_ms)),
        ("success", Value::Bool(success)),
    ];
    let outcome = if success { "" } else { " (failed)" };
    let message = format!("performance: {operation} took {duration_ms} ms{outcome}");
    let level = config.level(operation, duration_ms);
    typed(
        LogType::Performance,
        level,
        logger,
        message,
        fixed,
        metadata,
    )
}

/// A business event.
pub fn business(logger: &str, event: &str, details: Vec<(String, Value)>) -> Record {
    let fixed = vec![("event", Value::from(event))];
    let message = format!("business: {event}");
    typed(
        LogType::Business,
        Level::Info,
        logger,
        message,
        fixed,
        details,
    )
}

impl Logger {
    /// Logs a performance record with this logger's thresholds.
    pub fn performance(
        &self,
        logger: &str,
        operation: &str,
        duration_ms: f64,
        success: bool,
        metadata: Vec<(String, Value)>,
    ) -> Result<()> {
        let perf = &self.config().performance;
        self.log(performance(
            perf,
            logger,
            operation,
            duration_ms,
            success,
            metadata,
        ))
    }
}

#[cfg(test)]
mod tests;
