//! A `logging.LogRecord` as a core `Record`: level, logger, message with
//! its args applied, `extra=` fields, location, exception, stack, time and
//! the current context. Reads go straight to the record's `__dict__` with
//! interned names; nothing here raises.

use crate::context;
use crate::convert::{self, borrowed, display, repr, text};
use logfort_core::{Exception, Level, Location, LogType, Record, Value};
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyFloat, PyString, PyTuple};
use std::borrow::Cow;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The attributes every LogRecord has (taken from a blank record at import,
/// plus `message` and `asctime` that formatters add): anything else in a
/// record's `__dict__` came from `extra=`.
struct Standard {
    /// Addresses of the interned attribute names: the fast membership test.
    ptrs: Vec<usize>,
    names: Vec<String>,
    _keep: Vec<Py<PyString>>,
}

static STANDARD: PyOnceLock<Standard> = PyOnceLock::new();
static FORMAT_EXCEPTION: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

pub fn set_standard(py: Python<'_>, names: Vec<Bound<'_, PyString>>) -> PyResult<()> {
    let mut ptrs = Vec::with_capacity(names.len());
    let mut set = Vec::new();
    let mut keep = Vec::new();
    for n in names {
        let n = n.clone();
        // SAFETY: interns in place; `n` stays owned by `keep`.
        let mut p = n.into_ptr();
        unsafe { ffi::PyUnicode_InternInPlace(&mut p) };
        // SAFETY: `p` is the (possibly replaced) owned reference.
        let n: Bound<'_, PyString> = unsafe { Bound::from_owned_ptr(py, p).cast_into_unchecked() };
        ptrs.push(n.as_ptr() as usize);
        set.push(text(&n));
        keep.push(n.unbind());
    }
    ptrs.sort_unstable();
    STANDARD
        .set(
            py,
            Standard {
                ptrs,
                names: set,
                _keep: keep,
            },
        )
        .map_err(|_| pyo3::exceptions::PyRuntimeError::new_err("already initialised"))
}

impl Standard {
    fn contains(&self, k: &Bound<'_, PyAny>) -> bool {
        if self.ptrs.binary_search(&(k.as_ptr() as usize)).is_ok() {
            return true;
        }
        match k.cast_exact::<PyString>() {
            Ok(s) => self.is_name(&borrowed(s)),
            Err(_) => false,
        }
    }

    /// A standard name spelled by a str object not interned (rare: the
    /// pointer test above catches the record's own keys).
    fn is_name(&self, name: &str) -> bool {
        self.names
            .iter()
            .any(|n| n.len() == name.len() && n == name)
    }
}

/// Seconds since the epoch (Python's `record.created`) to a time, rounded
/// to the microsecond the encoders write.
pub fn time_from_secs(secs: f64) -> SystemTime {
    if !secs.is_finite() || secs < 0.0 {
        return SystemTime::now();
    }
    let micros = (secs * 1e6).round() as u64;
    UNIX_EPOCH
        .checked_add(Duration::from_micros(micros))
        .unwrap_or_else(SystemTime::now)
}

fn get<'py>(
    d: &Bound<'py, PyDict>,
    rec: &Bound<'py, PyAny>,
    k: &Bound<'py, PyString>,
) -> Option<Bound<'py, PyAny>> {
    match d.get_item(k) {
        Ok(Some(v)) => Some(v),
        _ => rec.getattr(k).ok(),
    }
}

/// Builds the record in one `blank` gives (a reused one on the queue
/// path, see `Logger::record`).
pub fn convert(
    rec: &Bound<'_, PyAny>,
    blank: impl FnOnce(Level, &str, &str) -> Box<Record>,
) -> Box<Record> {
    let py = rec.py();
    let dict = match rec
        .getattr(intern!(py, "__dict__"))
        .map(|d| d.cast_into::<PyDict>())
    {
        Ok(Ok(d)) => d,
        _ => PyDict::new(py),
    };
    let d = &dict;
    let level = get(d, rec, intern!(py, "levelno"))
        .and_then(|l| l.extract::<i64>().ok())
        .map_or(Level::Info, Level::from_number);
    let name = get(d, rec, intern!(py, "name"));
    let name = match name.as_ref().map(|n| n.cast_exact::<PyString>()) {
        Some(Ok(s)) => borrowed(s),
        Some(Err(_)) => Cow::Owned(display(name.as_ref().expect("checked"))),
        None => Cow::Borrowed(""),
    };
    let msg = get(d, rec, intern!(py, "msg"));
    let args = get(d, rec, intern!(py, "args"));
    let (message, message_error) = message(rec, msg.as_ref(), args);
    let mut out = blank(level, &name, &message);
    if let Some(created) = get(d, rec, intern!(py, "created")) {
        if let Ok(f) = created.cast::<PyFloat>() {
            out.time = time_from_secs(f.value());
        } else if let Ok(f) = created.extract::<f64>() {
            out.time = time_from_secs(f);
        }
    }
    extras(d, &mut out);
    if let Some(err) = message_error {
        out.fields
            .push(("logging_error".to_owned(), Value::Str(err)));
    }
    let file = get(d, rec, intern!(py, "pathname")).filter(|v| !v.is_none());
    if let Some(file) = file {
        let line = get(d, rec, intern!(py, "lineno"))
            .and_then(|l| l.extract::<u32>().ok())
            .unwrap_or(0);
        let function = get(d, rec, intern!(py, "funcName"))
            .filter(|f| !f.is_none())
            .map_or_else(String::new, |f| display(&f));
        out.location = Some(Box::new(Location {
            file: display(&file),
            line,
            function,
        }));
    }
    if let Some(ei) = get(d, rec, intern!(py, "exc_info")).filter(|e| !e.is_none()) {
        let exc_text = get(d, rec, intern!(py, "exc_text")).filter(|t| !t.is_none());
        out.exception = exception(&ei, exc_text.as_ref());
    }
    if let Some(si) = get(d, rec, intern!(py, "stack_info")).filter(|s| !s.is_none()) {
        out.stack_trace = Some(display(&si));
    }
    out.context = context::current(py);
    out
}

/// `record.getMessage()`, without the call in the common case (no args).
/// When formatting fails the record still goes out: the raw message and
/// the args' repr, plus the error.
fn message<'a>(
    rec: &Bound<'_, PyAny>,
    msg: Option<&'a Bound<'_, PyAny>>,
    args: Option<Bound<'_, PyAny>>,
) -> (Cow<'a, str>, Option<String>) {
    let py = rec.py();
    let no_args = args
        .as_ref()
        .is_none_or(|a| a.is_none() || a.cast::<PyTuple>().is_ok_and(|t| t.is_empty()));
    if no_args {
        if let Some(s) = msg.and_then(|m| m.cast_exact::<PyString>().ok()) {
            return (borrowed(s), None);
        }
    }
    match rec.call_method0(intern!(py, "getMessage")) {
        Ok(m) => (Cow::Owned(display(&m)), None),
        Err(e) => {
            let raw = msg.map_or_else(String::new, |m| display(m));
            let args = args.map_or_else(String::new, |a| repr(&a));
            let ty = e
                .get_type(py)
                .name()
                .map_or_else(|_| "Exception".to_owned(), |n| text(&n));
            let err = format!("{ty}: {}", display(e.value(py).as_any()));
            (Cow::Owned(format!("{raw} {args}")), Some(err))
        }
    }
}

/// Everything in the record's `__dict__` that LogRecord itself does not
/// set came from `extra=`; `log_type` naming a known type sets the type.
fn extras(d: &Bound<'_, PyDict>, out: &mut Record) {
    let py = d.py();
    let Some(std) = STANDARD.get(py) else {
        return;
    };
    // Str keys with str values (the usual `extra=`) are copied during the
    // walk; from the first member whose conversion may run Python code
    // (`__str__`, `__repr__`) on, members wait until after it, so the dict
    // cannot change under the iteration and the order is kept.
    let mut found = Vec::new();
    let mut pos: ffi::Py_ssize_t = 0;
    let mut k: *mut ffi::PyObject = std::ptr::null_mut();
    let mut v: *mut ffi::PyObject = std::ptr::null_mut();
    // SAFETY: walks a live dict with borrowed references; the loop body
    // runs no Python code.
    while unsafe { ffi::PyDict_Next(d.as_ptr(), &mut pos, &mut k, &mut v) } != 0 {
        if std.ptrs.binary_search(&(k as usize)).is_ok() {
            continue; // the common case: a standard attribute, no refcounting
        }
        // SAFETY: borrowed references from the dict, alive for the walk.
        let (key, value) = unsafe {
            (
                Bound::from_borrowed_ptr(py, k),
                Bound::from_borrowed_ptr(py, v),
            )
        };
        let (Ok(ks), Ok(vs)) = (key.cast_exact::<PyString>(), value.cast_exact::<PyString>())
        else {
            found.push((key, value));
            continue;
        };
        if !found.is_empty() {
            found.push((key, value)); // after a deferred one: keep the order
            continue;
        }
        let name = borrowed(ks);
        if std.is_name(&name) {
            continue;
        }
        let text = borrowed(vs);
        if name == "log_type" {
            if let Some(t) = LogType::parse(&text) {
                out.log_type = Some(t);
                continue;
            }
        }
        out.add_str(&name, &text);
    }
    for (k, v) in found {
        if std.contains(&k) {
            continue;
        }
        let is_log_type = k
            .cast_exact::<PyString>()
            .is_ok_and(|s| borrowed(s) == "log_type");
        if is_log_type {
            if let Some(t) = v
                .cast::<PyString>()
                .ok()
                .and_then(|s| LogType::parse(&borrowed(s)))
            {
                out.log_type = Some(t);
                continue;
            }
        }
        convert::add_field(out, &k, &v);
    }
}

/// `exc_info` (a `(type, value, traceback)` tuple, or an exception) as the
/// record's exception; `exc_text` (cached by a formatter) is reused.
pub fn exception(
    ei: &Bound<'_, PyAny>,
    exc_text: Option<&Bound<'_, PyAny>>,
) -> Option<Box<Exception>> {
    let py = ei.py();
    let (ty, value, tb) = if let Ok(t) = ei.cast::<PyTuple>() {
        if t.len() != 3 {
            return None;
        }
        (
            t.get_item(0).ok()?,
            t.get_item(1).ok()?,
            t.get_item(2).ok()?,
        )
    } else if ei.is_instance_of::<pyo3::exceptions::PyBaseException>() {
        let tb = ei
            .getattr(intern!(py, "__traceback__"))
            .unwrap_or_else(|_| py.None().into_bound(py));
        (ei.get_type().into_any(), ei.clone(), tb)
    } else {
        return None;
    };
    if ty.is_none() && value.is_none() {
        return None;
    }
    let type_name = ty
        .getattr(intern!(py, "__name__"))
        .map_or_else(|_| convert::type_name(&value), |n| display(&n));
    let message = if value.is_none() {
        String::new()
    } else {
        display(&value)
    };
    // An exception that was never raised has no traceback to show.
    let traceback = match exc_text {
        Some(t) => Some(display(t)),
        None if tb.is_none() => None,
        None => format_exception(&ty, &value, &tb),
    };
    Some(Box::new(Exception {
        type_name,
        message,
        traceback: traceback.map(|t| t.trim_end_matches('\n').to_owned()),
        code: error_code(&value),
    }))
}

/// An error code the exception carries as `code` (Django's
/// `ValidationError`, `SystemExit`, HTTP errors): a str or an int.
fn error_code(value: &Bound<'_, PyAny>) -> Option<String> {
    let code = value.getattr(intern!(value.py(), "code")).ok()?;
    if code.is_exact_instance_of::<PyString>() || code.is_exact_instance_of::<pyo3::types::PyInt>()
    {
        Some(display(&code))
    } else {
        None
    }
}

fn format_exception(
    ty: &Bound<'_, PyAny>,
    value: &Bound<'_, PyAny>,
    tb: &Bound<'_, PyAny>,
) -> Option<String> {
    let py = ty.py();
    let f = FORMAT_EXCEPTION
        .get_or_try_init(py, || {
            py.import("traceback")
                .and_then(|m| m.getattr("format_exception"))
                .map(Bound::unbind)
        })
        .ok()?
        .bind(py);
    let lines = f.call1((ty, value, tb)).ok()?;
    let joined = PyString::new(py, "")
        .call_method1(intern!(py, "join"), (lines,))
        .ok()?;
    Some(display(&joined))
}
