//! Typed records (audit, security, performance, business) built by the
//! core's constructors, so level, message and fixed fields are the same
//! in every language. Python sends them through `logging` (level,
//! message, fields as `extra=`, `log_type`), so they reach whatever
//! handlers are configured; the native logger pushes them directly.

use crate::context::to_py;
use crate::convert;
use crate::pipeline::Pipeline;
use logfort_core::audit;
use logfort_core::{Record, Value};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// `(levelno, message, log_type, fields)` of a core-built record.
pub type Parts<'py> = (u8, String, &'static str, Bound<'py, PyDict>);

fn details(d: Option<&Bound<'_, PyDict>>) -> Vec<(String, Value)> {
    d.map(|d| {
        d.iter()
            .map(|(k, v)| (convert::key(&k), convert::value(&v)))
            .collect()
    })
    .unwrap_or_default()
}

fn parts(py: Python<'_>, rec: Record) -> PyResult<Parts<'_>> {
    let fields = PyDict::new(py);
    for (k, v) in &rec.fields {
        fields.set_item(k, to_py(py, v)?)?;
    }
    let t = rec.log_type.map_or("", |t| t.as_str());
    Ok((rec.level.number(), rec.message, t, fields))
}

#[pyfunction]
#[pyo3(signature = (logger, action, resource_type, resource_id, user_id=None, result="success", details=None))]
#[allow(clippy::too_many_arguments)]
pub fn audit_record<'py>(
    py: Python<'py>,
    logger: &str,
    action: &str,
    resource_type: &str,
    resource_id: &str,
    user_id: Option<&str>,
    result: &str,
    details: Option<&Bound<'py, PyDict>>,
) -> PyResult<Parts<'py>> {
    let d = self::details(details);
    parts(
        py,
        audit::audit(
            logger,
            action,
            resource_type,
            resource_id,
            user_id,
            d,
            result,
        ),
    )
}

#[pyfunction]
#[pyo3(signature = (logger, event, severity="warning", client_ip=None, user_id=None, details=None))]
pub fn security_record<'py>(
    py: Python<'py>,
    logger: &str,
    event: &str,
    severity: &str,
    client_ip: Option<&str>,
    user_id: Option<&str>,
    details: Option<&Bound<'py, PyDict>>,
) -> PyResult<Parts<'py>> {
    let d = self::details(details);
    parts(
        py,
        audit::security(logger, event, severity, client_ip, user_id, d),
    )
}

/// The level comes from the process-wide configuration's thresholds.
#[pyfunction]
#[pyo3(signature = (logger, operation, duration_ms, success=true, metadata=None))]
pub fn performance_record<'py>(
    py: Python<'py>,
    logger: &str,
    operation: &str,
    duration_ms: f64,
    success: bool,
    metadata: Option<&Bound<'py, PyDict>>,
) -> PyResult<Parts<'py>> {
    let config = Pipeline::default(py)?.config();
    let d = self::details(metadata);
    parts(
        py,
        audit::performance(
            &config.performance,
            logger,
            operation,
            duration_ms,
            success,
            d,
        ),
    )
}

#[pyfunction]
#[pyo3(signature = (logger, event, details=None))]
pub fn business_record<'py>(
    py: Python<'py>,
    logger: &str,
    event: &str,
    details: Option<&Bound<'py, PyDict>>,
) -> PyResult<Parts<'py>> {
    let d = self::details(details);
    parts(py, audit::business(logger, event, d))
}
