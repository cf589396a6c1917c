//! `logfort.get_logger(name)`: the hot-path logger. No LogRecord, no
//! handler chain: level check, capture (message, fields, context, time),
//! push. Writes to the process-wide pipeline, like `logfort.Handler()`.

use crate::context;
use crate::convert::{self, display};
use crate::errors;
use crate::logrecord;
use crate::pipeline::Pipeline;
use logfort_core::{Level, LogType};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyString};
use std::borrow::Cow;
use std::sync::Arc;

#[pyclass(module = "logfort._native", name = "Logger", frozen)]
pub struct NativeLogger {
    name: String,
    pipeline: Arc<Pipeline>,
}

static EXC_INFO: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

impl NativeLogger {
    pub fn new(name: String, pipeline: Arc<Pipeline>) -> Self {
        NativeLogger { name, pipeline }
    }

    fn write(
        &self,
        level: Level,
        msg: &Bound<'_, PyAny>,
        fields: Option<&Bound<'_, PyDict>>,
        force_exc: bool,
    ) -> PyResult<()> {
        if !self.pipeline.enabled(level) {
            return Ok(());
        }
        let py = msg.py();
        let message = match msg.cast_exact::<PyString>() {
            Ok(s) => convert::borrowed(s),
            Err(_) => Cow::Owned(display(msg)),
        };
        let Some(logger) = self.pipeline.logger() else {
            return Ok(());
        };
        self.pipeline.make_room(py, &logger);
        let mut rec = logger.capture(level, &self.name, &message);
        let mut exc = force_exc.then(|| current_exc_info(py)).flatten();
        if let Some(f) = fields {
            for (k, v) in f.iter() {
                if is_exc_info(&k) {
                    {
                        exc = exc_info_arg(&v).or(exc);
                        continue;
                    }
                }
                if is_log_type(&k) {
                    let t = v.cast::<PyString>().ok().map(convert::text);
                    if let Some(t) = t.as_deref().and_then(LogType::parse) {
                        rec.log_type(t);
                        continue;
                    }
                }
                convert::add_field(&mut rec, &k, &v);
            }
        }
        if let Some(e) = exc.and_then(|ei| logrecord::exception(&ei, None)) {
            rec.exception(e);
        }
        context::capture(py, &mut rec);
        self.pipeline.send(py, &logger, rec).map_err(errors::to_py)
    }
}

fn is_log_type(k: &Bound<'_, PyAny>) -> bool {
    k.cast_exact::<PyString>()
        .is_ok_and(|s| convert::borrowed(s) == "log_type")
}

fn is_exc_info(k: &Bound<'_, PyAny>) -> bool {
    let py = k.py();
    let name = intern!(py, "exc_info");
    k.as_ptr() == name.as_ptr()
        || (k.is_exact_instance_of::<PyString>()
            // SAFETY: `k` is a live str; the literal is NUL-terminated ASCII.
            && unsafe { pyo3::ffi::PyUnicode_CompareWithASCIIString(k.as_ptr(), c"exc_info".as_ptr()) } == 0)
}

/// `sys.exc_info()` when an exception is being handled.
fn current_exc_info(py: Python<'_>) -> Option<Bound<'_, PyAny>> {
    let f = EXC_INFO
        .get_or_try_init(py, || {
            py.import("sys")
                .and_then(|m| m.getattr("exc_info"))
                .map(Bound::unbind)
        })
        .ok()?;
    f.bind(py).call0().ok()
}

/// `exc_info=` as the stdlib takes it: True (the exception being
/// handled), an exception instance, or a `(type, value, tb)` tuple.
fn exc_info_arg<'py>(v: &Bound<'py, PyAny>) -> Option<Bound<'py, PyAny>> {
    if let Ok(b) = v.cast_exact::<PyBool>() {
        return if b.is_true() {
            current_exc_info(v.py())
        } else {
            None
        };
    }
    (!v.is_none()).then(|| v.clone())
}

#[pymethods]
impl NativeLogger {
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// True when a record at this level (a number or a name) would be written.
    fn is_enabled_for(&self, level: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.pipeline.enabled(level_arg(level)?))
    }

    #[pyo3(signature = (msg, /, **fields))]
    fn trace(&self, msg: &Bound<'_, PyAny>, fields: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        self.write(Level::Trace, msg, fields, false)
    }
    #[pyo3(signature = (msg, /, **fields))]
    fn debug(&self, msg: &Bound<'_, PyAny>, fields: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        self.write(Level::Debug, msg, fields, false)
    }
    #[pyo3(signature = (msg, /, **fields))]
    fn info(&self, msg: &Bound<'_, PyAny>, fields: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        self.write(Level::Info, msg, fields, false)
    }
    #[pyo3(signature = (msg, /, **fields))]
    fn notice(&self, msg: &Bound<'_, PyAny>, fields: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        self.write(Level::Notice, msg, fields, false)
    }
    #[pyo3(signature = (msg, /, **fields))]
    fn warning(&self, msg: &Bound<'_, PyAny>, fields: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        self.write(Level::Warning, msg, fields, false)
    }
    #[pyo3(signature = (msg, /, **fields))]
    fn error(&self, msg: &Bound<'_, PyAny>, fields: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        self.write(Level::Error, msg, fields, false)
    }
    #[pyo3(signature = (msg, /, **fields))]
    fn critical(&self, msg: &Bound<'_, PyAny>, fields: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        self.write(Level::Critical, msg, fields, false)
    }
    /// ERROR with the exception being handled attached.
    #[pyo3(signature = (msg, /, **fields))]
    fn exception(
        &self,
        msg: &Bound<'_, PyAny>,
        fields: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        self.write(Level::Error, msg, fields, true)
    }
    /// Any level, as a number (Python's scale) or a name.
    #[pyo3(signature = (level, msg, /, **fields))]
    fn log(
        &self,
        level: &Bound<'_, PyAny>,
        msg: &Bound<'_, PyAny>,
        fields: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        self.write(level_arg(level)?, msg, fields, false)
    }

    fn __repr__(&self) -> String {
        format!("<logfort.Logger {:?}>", self.name)
    }
}

/// A level given as a number or a name (`"info"`, `"WARNING"`).
pub fn level_arg(level: &Bound<'_, PyAny>) -> PyResult<Level> {
    if let Ok(n) = level.extract::<i64>() {
        return Ok(Level::from_number(n));
    }
    let name = display(level);
    name.parse::<Level>().map_err(|_| {
        pyo3::exceptions::PyValueError::new_err(format!(
            "unknown level {name:?}: expected a number or one of trace, debug, info, notice, warning, error, critical"
        ))
    })
}
