//! The correlation context as Python sees it: an immutable native object
//! held in one `ContextVar`, so a record captures it with a single lookup
//! and shares it by reference count. `bind` returns an updated copy.

use crate::convert;
use crate::logrecord::Fill;
use logfort_core::context::{Context as CoreContext, IDS};
use logfort_core::Value;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString};
use std::sync::Arc;

#[pyclass(module = "logfort._native", name = "Context", frozen)]
pub struct PyContext {
    pub inner: Arc<CoreContext>,
}

impl PyContext {
    fn wrap(ctx: CoreContext) -> PyContext {
        PyContext {
            inner: Arc::new(ctx),
        }
    }
}

#[pymethods]
impl PyContext {
    #[new]
    #[pyo3(signature = (**fields))]
    fn new(fields: Option<&Bound<'_, PyDict>>) -> PyContext {
        let mut ctx = CoreContext::default();
        if let Some(f) = fields {
            apply(&mut ctx, f);
        }
        PyContext::wrap(ctx)
    }

    /// A copy with these entries set. Id names fill their slots (a
    /// correlation id is validated by the core and replaced when hostile);
    /// other names become bound fields, any JSON-able value.
    #[pyo3(signature = (**fields))]
    fn bind(&self, fields: Option<&Bound<'_, PyDict>>) -> PyContext {
        let mut ctx = (*self.inner).clone();
        if let Some(f) = fields {
            apply(&mut ctx, f);
        }
        PyContext::wrap(ctx)
    }

    /// A copy without these entries.
    #[pyo3(signature = (*keys))]
    fn unbind(&self, keys: Vec<String>) -> PyContext {
        let mut ctx = (*self.inner).clone();
        for k in &keys {
            ctx.remove(k);
        }
        PyContext::wrap(ctx)
    }

    /// A copy carrying the ids of an incoming request, as the core reads
    /// the headers: the correlation id accepted, or replaced and flagged
    /// when malformed; the trace ids of a valid `traceparent` (whose trace
    /// id serves as correlation id when none came); a fresh id otherwise.
    #[pyo3(signature = (correlation_id=None, traceparent=None))]
    fn with_headers(&self, correlation_id: Option<&str>, traceparent: Option<&str>) -> PyContext {
        let from = CoreContext::from_headers(correlation_id, traceparent);
        let mut ctx = (*self.inner).clone();
        ctx.correlation_id = from.correlation_id;
        ctx.correlation_id_rejected = from.correlation_id_rejected;
        ctx.trace_id = from.trace_id;
        ctx.span_id = from.span_id;
        ctx.trace_flags = from.trace_flags;
        PyContext::wrap(ctx)
    }

    #[getter]
    fn trace_flags(&self) -> Option<u8> {
        self.inner.trace_flags
    }

    #[getter]
    fn correlation_id(&self) -> Option<&str> {
        self.inner.correlation_id.as_deref()
    }
    #[getter]
    fn correlation_id_rejected(&self) -> bool {
        self.inner.correlation_id_rejected
    }
    #[getter]
    fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }
    #[getter]
    fn trace_id(&self) -> Option<&str> {
        self.inner.trace_id.as_deref()
    }
    #[getter]
    fn span_id(&self) -> Option<&str> {
        self.inner.span_id.as_deref()
    }
    #[getter]
    fn user_id(&self) -> Option<&str> {
        self.inner.user_id.as_deref()
    }
    #[getter]
    fn session_id(&self) -> Option<&str> {
        self.inner.session_id.as_deref()
    }

    /// Every entry as a plain dict (ids first, then bound fields).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        let c = &*self.inner;
        for (k, v) in IDS.iter().zip(c.ids()) {
            if let Some(v) = v {
                d.set_item(k, v)?;
            }
        }
        for (k, v) in &c.fields {
            d.set_item(k, to_py(py, v)?)?;
        }
        Ok(d)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("Context({})", self.to_dict(py)?.repr()?))
    }
}

fn apply(ctx: &mut CoreContext, fields: &Bound<'_, PyDict>) {
    for (k, v) in fields.iter() {
        let key = convert::key(&k);
        if key == "correlation_id_rejected" {
            ctx.correlation_id_rejected = v.is_truthy().unwrap_or(false);
            continue;
        }
        if key == "trace_flags" {
            ctx.trace_flags = v.extract::<u8>().ok();
            continue;
        }
        // The ids that have their own slot in the record; everything else
        // bound becomes a field (`correlation_id_rejected` and `trace_flags`
        // set their flags, above).
        if IDS.contains(&key.as_str()) {
            if v.is_none() {
                continue;
            }
            ctx.set(&key, &convert::display(&v));
        } else {
            let value = convert::value(&v);
            ctx.fields.retain(|(fk, _)| *fk != key);
            ctx.fields.push((key, value));
        }
    }
}

/// A core value back as a Python object (for `to_dict`).
pub fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    use pyo3::IntoPyObjectExt;
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_bound_py_any(py)?,
        Value::Int(i) => i.into_bound_py_any(py)?,
        Value::UInt(u) => u.into_bound_py_any(py)?,
        Value::Float(f) => f.into_bound_py_any(py)?,
        Value::Str(s) | Value::Raw(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = pyo3::types::PyList::empty(py);
            for i in items {
                list.append(to_py(py, i)?)?;
            }
            list.into_any()
        }
        Value::Object(members) => {
            let d = PyDict::new(py);
            for (k, v) in members {
                d.set_item(k, to_py(py, v)?)?;
            }
            d.into_any()
        }
    })
}

extern "C" {
    // Not in the limited API's headers but exported by every CPython >= 3.7:
    // the C-level `ContextVar.get`, without a method call.
    fn PyContextVar_Get(
        var: *mut ffi::PyObject,
        default_value: *mut ffi::PyObject,
        value: *mut *mut ffi::PyObject,
    ) -> std::os::raw::c_int;
}

/// The `ContextVar` the Python side keeps the current context in.
static VAR: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

pub fn set_var(py: Python<'_>, var: Bound<'_, PyAny>) -> PyResult<()> {
    let cls = py.import("contextvars")?.getattr("ContextVar")?;
    if !var.get_type().is(&cls) {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "expected a contextvars.ContextVar",
        ));
    }
    VAR.set(py, var.unbind())
        .map_err(|_| pyo3::exceptions::PyRuntimeError::new_err("context variable already set"))
}

/// Gives the record the current context, if one is bound: one
/// `ContextVar` lookup (see `Record::set_context`).
pub fn capture(py: Python<'_>, rec: &mut impl Fill) {
    let Some(var) = VAR.get(py) else {
        return;
    };
    let mut out: *mut ffi::PyObject = std::ptr::null_mut();
    // SAFETY: `var` is a ContextVar (checked in `set_var`); on success
    // `out` is a new reference or NULL when no value is set.
    let rc = unsafe { PyContextVar_Get(var.as_ptr(), std::ptr::null_mut(), &mut out) };
    if rc < 0 {
        // SAFETY: clears the error this call raised.
        unsafe { ffi::PyErr_Clear() };
        return;
    }
    if out.is_null() {
        return;
    }
    // SAFETY: `out` is a new, owned reference.
    let obj = unsafe { Bound::from_owned_ptr(py, out) };
    if let Ok(c) = obj.cast::<PyContext>() {
        rec.context(&c.get().inner);
    }
}
