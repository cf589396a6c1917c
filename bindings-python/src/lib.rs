//! `logfort._native`: the PyO3 glue between Python's `logging` and
//! logfort-core. Only what Python owns lives here: object conversion, the
//! contextvars context, the handler/formatter/logger objects and the
//! process lifecycle hooks. Masking, validation, encoding and I/O are the
//! core's, on its writer thread.

mod context;
mod convert;
mod errors;
mod handler;
mod logger;
mod logrecord;
mod pipeline;
mod typed;

use logfort_core::{Config, Formatter};
use pipeline::Pipeline;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};
use std::time::Duration;

fn load_config(config_json: Option<&str>) -> PyResult<Config> {
    Config::load(config_json).map_err(errors::to_py)
}

fn timeout(secs: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(secs)
        .map_err(|_| pyo3::exceptions::PyValueError::new_err(format!("bad timeout {secs}")))
}

/// Records the ContextVar holding the current context and the names of
/// the standard LogRecord attributes. Called once by `logfort`.
#[pyfunction]
fn _init(
    py: Python<'_>,
    context_var: Bound<'_, PyAny>,
    standard: Vec<Bound<'_, PyString>>,
) -> PyResult<()> {
    context::set_var(py, context_var)?;
    logrecord::set_standard(py, standard)?;
    // SAFETY: registers a plain function to run after finalisation.
    unsafe { pyo3::ffi::Py_AtExit(Some(pipeline::at_process_exit)) };
    Ok(())
}

/// (Re)configures the process-wide pipeline from a JSON document (`None`:
/// `LOG_CONFIG` and `LOG_*` only).
#[pyfunction]
#[pyo3(signature = (config_json=None))]
fn configure(py: Python<'_>, config_json: Option<&str>) -> PyResult<()> {
    let config = load_config(config_json)?;
    Pipeline::configure_default(py, config).map(|_| ())
}

/// The native core of a `logfort.Handler`: its own pipeline when it has a
/// configuration, else the process-wide one.
#[pyfunction]
#[pyo3(signature = (filters, filtered_handle, config_json=None))]
fn handler_core(
    py: Python<'_>,
    filters: Bound<'_, PyList>,
    filtered_handle: Bound<'_, PyAny>,
    config_json: Option<&str>,
) -> PyResult<handler::HandlerCore> {
    let p = match config_json {
        Some(doc) => Pipeline::own(load_config(Some(doc))?)?,
        None => Pipeline::default(py)?,
    };
    Ok(handler::HandlerCore::new(
        p,
        filters.unbind(),
        filtered_handle.unbind(),
    ))
}

/// A synchronous formatter from a JSON document.
#[pyfunction]
#[pyo3(signature = (config_json=None))]
fn formatter(config_json: Option<&str>) -> PyResult<handler::PyFormatter> {
    let config = load_config(config_json)?;
    Formatter::new(&config)
        .map(handler::PyFormatter::new)
        .map_err(errors::to_py)
}

#[pyfunction]
fn get_logger(py: Python<'_>, name: String) -> PyResult<logger::NativeLogger> {
    Ok(logger::NativeLogger::new(name, Pipeline::default(py)?))
}

#[pyfunction]
#[pyo3(signature = (timeout_secs=10.0))]
fn flush(py: Python<'_>, timeout_secs: f64) -> PyResult<()> {
    pipeline::flush_all(py, timeout(timeout_secs)?)
}

#[pyfunction]
#[pyo3(signature = (timeout_secs=10.0))]
fn shutdown(py: Python<'_>, timeout_secs: f64) -> PyResult<()> {
    pipeline::shutdown_all(py, timeout(timeout_secs)?)
}

#[pyfunction]
fn metrics() -> String {
    pipeline::metrics_text()
}

/// `handler-N`/`default` flush for one handler's pipeline.
#[pyfunction]
#[pyo3(signature = (core, timeout_secs=10.0, shutdown=false))]
fn handler_flush(
    py: Python<'_>,
    core: &Bound<'_, handler::HandlerCore>,
    timeout_secs: f64,
    shutdown: bool,
) -> PyResult<()> {
    let p = &core.get().pipeline;
    if p.is_shut_down() {
        return Ok(());
    }
    if shutdown {
        p.shutdown(py, timeout(timeout_secs)?)
    } else {
        p.flush(py, timeout(timeout_secs)?)
    }
}

/// True when records at `level` pass the process-wide pipeline's level.
#[pyfunction]
fn enabled(py: Python<'_>, level: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(Pipeline::default(py)?.enabled(logger::level_arg(level)?))
}

#[pyfunction]
fn _at_exit(py: Python<'_>) {
    let _ = pipeline::flush_all(py, pipeline::HOOK_TIMEOUT);
}

#[pyfunction]
fn _before_fork(py: Python<'_>) {
    // Bounded: a writer stuck on a sink must not hold up a fork for long.
    let _ = pipeline::flush_all(py, Duration::from_secs(5));
}

#[pyfunction]
fn _after_fork_child() {
    pipeline::after_fork_child();
}

/// `text` masked by the process-wide pipeline's rules, as record strings
/// are (unchanged when masking is disabled). The GIL is released while
/// the core scans.
#[pyfunction]
fn mask(py: Python<'_>, text: &str) -> PyResult<String> {
    let logger = Pipeline::default(py)?
        .logger()
        .ok_or_else(|| errors::LogfortError::new_err("no pipeline is running in this process"))?;
    Ok(py.detach(|| logger.mask(text)))
}

/// Converts an object the way record fields are converted (for tests and
/// for users checking what a value will look like), returned as Python.
#[pyfunction]
fn _convert<'py>(py: Python<'py>, obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    context::to_py(py, &convert::value(obj))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", logfort_core::VERSION)?;
    m.add("LogfortError", py.get_type::<errors::LogfortError>())?;
    m.add("ConfigError", py.get_type::<errors::ConfigError>())?;
    m.add("SchemaError", py.get_type::<errors::SchemaError>())?;
    m.add_class::<context::PyContext>()?;
    m.add_class::<handler::HandlerCore>()?;
    m.add_class::<handler::PyFormatter>()?;
    m.add_class::<logger::NativeLogger>()?;
    m.add_function(wrap_pyfunction!(_init, m)?)?;
    m.add_function(wrap_pyfunction!(configure, m)?)?;
    m.add_function(wrap_pyfunction!(handler_core, m)?)?;
    m.add_function(wrap_pyfunction!(handler_flush, m)?)?;
    m.add_function(wrap_pyfunction!(formatter, m)?)?;
    m.add_function(wrap_pyfunction!(get_logger, m)?)?;
    m.add_function(wrap_pyfunction!(flush, m)?)?;
    m.add_function(wrap_pyfunction!(shutdown, m)?)?;
    m.add_function(wrap_pyfunction!(metrics, m)?)?;
    m.add_function(wrap_pyfunction!(mask, m)?)?;
    m.add_function(wrap_pyfunction!(enabled, m)?)?;
    m.add_function(wrap_pyfunction!(_at_exit, m)?)?;
    m.add_function(wrap_pyfunction!(_before_fork, m)?)?;
    m.add_function(wrap_pyfunction!(_after_fork_child, m)?)?;
    m.add_function(wrap_pyfunction!(_convert, m)?)?;
    m.add_function(wrap_pyfunction!(typed::audit_record, m)?)?;
    m.add_function(wrap_pyfunction!(typed::security_record, m)?)?;
    m.add_function(wrap_pyfunction!(typed::performance_record, m)?)?;
    m.add_function(wrap_pyfunction!(typed::business_record, m)?)?;
    Ok(())
}
