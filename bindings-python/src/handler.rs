//! The native half of `logfort.Handler` and `logfort.JSONFormatter`:
//! `emit` converts the LogRecord and queues it; `format` runs the same
//! stages and encoder synchronously and returns the line.

use crate::logrecord;
use crate::pipeline::Pipeline;
use logfort_core::Formatter;
use parking_lot::Mutex;
use pyo3::prelude::*;
use pyo3::types::PyList;
use std::sync::Arc;

/// Bound to one `logfort.Handler`: its pipeline, its filter list (the
/// handler's own `filters`, shared) and the stdlib `handle` to fall back
/// to when filters are set.
#[pyclass(module = "logfort._native", frozen)]
pub struct HandlerCore {
    pub pipeline: Arc<Pipeline>,
    filters: Py<PyList>,
    filtered_handle: Py<PyAny>,
}

impl HandlerCore {
    pub fn new(pipeline: Arc<Pipeline>, filters: Py<PyList>, filtered_handle: Py<PyAny>) -> Self {
        HandlerCore {
            pipeline,
            filters,
            filtered_handle,
        }
    }
}

#[pymethods]
impl HandlerCore {
    /// Converts and queues one record. Never raises.
    fn emit(&self, record: &Bound<'_, PyAny>) {
        let py = record.py();
        let Some(logger) = self.pipeline.logger() else {
            return;
        };
        self.pipeline.make_room(py, &logger);
        let cap = logrecord::convert(record, |time, level, name, msg| {
            logger.capture_at(time, level, name, msg)
        });
        if let Err(e) = self.pipeline.send(py, &logger, cap) {
            // `emit` never raises; policy `strict` is a development mode,
            // so the violation is reported where a developer sees it.
            eprintln!("logfort: record not written: {e}");
        }
    }

    /// `logging.Handler.handle` without the handler lock (`emit` is
    /// thread-safe); with filters set, the stdlib path runs them.
    fn handle<'py>(&self, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = record.py();
        if !self.filters.bind(py).is_empty() {
            return self.filtered_handle.bind(py).call1((record,));
        }
        self.emit(record);
        Ok(pyo3::types::PyBool::new(py, true).to_owned().into_any())
    }
}

/// The synchronous pipeline of `logfort.JSONFormatter`.
#[pyclass(module = "logfort._native", name = "Formatter", frozen)]
pub struct PyFormatter {
    inner: Mutex<Formatter>,
}

impl PyFormatter {
    pub fn new(f: Formatter) -> Self {
        PyFormatter {
            inner: Mutex::new(f),
        }
    }
}

#[pymethods]
impl PyFormatter {
    /// The record as one line without its newline, or `None` when a stage
    /// dropped it (schema policy `drop`).
    fn format(&self, record: &Bound<'_, PyAny>) -> Option<String> {
        let py = record.py();
        let rec = logrecord::convert(record, |time, level, name, msg| {
            logfort_core::Record::new_at(time, level, name, msg)
        });
        let line = py.detach(|| self.inner.lock().format(rec))?;
        let mut s = String::from_utf8(line)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        if s.ends_with('\n') {
            s.pop();
        }
        Some(s)
    }

    /// Counters of the formatter's stages, Prometheus text format.
    fn metrics(&self) -> String {
        self.inner.lock().metrics().to_prometheus()
    }
}
