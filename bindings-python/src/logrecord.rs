//! A `logging.LogRecord` as a core record: level, logger, message with
//! its args applied, `extra=` fields, location, exception, stack, time and
//! the current context, filled into a `Capture` (the handler) or a
//! `Record` (the formatter). Reads go straight to the record's `__dict__`
//! with interned names; nothing here raises.

use crate::context;
use crate::convert::{self, borrowed, display, repr, text};
use logfort_core::{Capture, Context, Exception, Level, LogType, Record, Value};
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyFloat, PyString, PyTuple};
use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What a LogRecord is converted into.
pub trait Fill {
    fn str(&mut self, key: &str, value: &str);
    fn value(&mut self, key: &str, value: Value);
    fn log_type(&mut self, t: LogType);
    fn location(&mut self, file: &str, line: u32, function: &str);
    fn exception(&mut self, e: Box<Exception>);
    fn stack_trace(&mut self, trace: String);
    fn context(&mut self, ctx: &Arc<Context>);
}

impl Fill for Capture<'_> {
    fn str(&mut self, key: &str, value: &str) {
        Capture::str(self, key, value);
    }
    fn value(&mut self, key: &str, value: Value) {
        Capture::value(self, key, value);
    }
    fn log_type(&mut self, t: LogType) {
        Capture::log_type(self, t);
    }
    fn location(&mut self, file: &str, line: u32, function: &str) {
        Capture::location(self, file, line, function);
    }
    fn exception(&mut self, e: Box<Exception>) {
        Capture::exception(self, e);
    }
    fn stack_trace(&mut self, trace: String) {
        Capture::stack_trace(self, trace);
    }
    fn context(&mut self, ctx: &Arc<Context>) {
        Capture::context(self, ctx);
    }
}

impl Fill for Record {
    fn str(&mut self, key: &str, value: &str) {
        self.add_str(key, value);
    }
    fn value(&mut self, key: &str, value: Value) {
        self.add(key, value);
    }
    fn log_type(&mut self, t: LogType) {
        self.log_type = Some(t);
    }
    fn location(&mut self, file: &str, line: u32, function: &str) {
        let loc = self.location_mut();
        loc.file.push_str(file);
        loc.line = line;
        loc.function.push_str(function);
    }
    fn exception(&mut self, e: Box<Exception>) {
        self.exception = Some(e);
    }
    fn stack_trace(&mut self, trace: String) {
        self.stack_trace = Some(trace);
    }
    fn context(&mut self, ctx: &Arc<Context>) {
        self.set_context(ctx);
    }
}

/// The attributes every LogRecord has (taken from a blank record at import,
/// plus `message` and `asctime` that formatters add): anything else in a
/// record's `__dict__` came from `extra=`.
struct Standard {
    /// Addresses of the interned attribute names in the order a record's
    /// `__init__` sets them: a record's own keys match one by one.
    order: Vec<usize>,
    /// The same, sorted: the membership test for keys out of that order.
    ptrs: Vec<usize>,
    names: Vec<String>,
    /// Per first byte, a bit for each length of a name starting with it:
    /// most other keys are ruled out without comparing text.
    shapes: [u32; 128],
    /// Where each of `ATTRS` is in `order`, and which of them each entry
    /// of `order` is.
    positions: [Option<usize>; ATTRS.len()],
    attr_at: Vec<Option<usize>>,
    _keep: Vec<Py<PyString>>,
}

static STANDARD: PyOnceLock<Standard> = PyOnceLock::new();
static FORMAT_EXCEPTION: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `names` in the order a blank record's `__dict__` holds them.
pub fn set_standard(py: Python<'_>, names: Vec<Bound<'_, PyString>>) -> PyResult<()> {
    let mut order = Vec::with_capacity(names.len());
    let mut set = Vec::new();
    let mut keep = Vec::new();
    let mut shapes = [0u32; 128];
    for n in names {
        let n = n.clone();
        // SAFETY: interns in place; `n` stays owned by `keep`.
        let mut p = n.into_ptr();
        unsafe { ffi::PyUnicode_InternInPlace(&mut p) };
        // SAFETY: `p` is the (possibly replaced) owned reference.
        let n: Bound<'_, PyString> = unsafe { Bound::from_owned_ptr(py, p).cast_into_unchecked() };
        order.push(n.as_ptr() as usize);
        let name = text(&n);
        if let Some(bit) = shape(&name) {
            shapes[usize::from(name.as_bytes()[0])] |= bit;
        } else {
            shapes.fill(u32::MAX); // a name no shape describes: compare all
        }
        set.push(name);
        keep.push(n.unbind());
    }
    let positions = ATTRS.map(|a| set.iter().position(|n| n == a));
    let attr_at = set
        .iter()
        .map(|n| ATTRS.iter().position(|a| a == n))
        .collect();
    let mut ptrs = order.clone();
    ptrs.sort_unstable();
    STANDARD
        .set(
            py,
            Standard {
                order,
                ptrs,
                names: set,
                shapes,
                positions,
                attr_at,
                _keep: keep,
            },
        )
        .map_err(|_| pyo3::exceptions::PyRuntimeError::new_err("already initialised"))
}

/// The length bit of a name that starts with an ASCII byte and is
/// shorter than 32 bytes.
fn shape(name: &str) -> Option<u32> {
    match name.as_bytes() {
        [first, ..] if first.is_ascii() && name.len() < 32 => Some(1 << name.len()),
        _ => None,
    }
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
    /// pointer tests catch the record's own keys).
    fn is_name(&self, name: &str) -> bool {
        let possible = match shape(name) {
            Some(bit) => self.shapes[usize::from(name.as_bytes()[0])] & bit != 0,
            None => true,
        };
        possible && self.names.iter().any(|n| n == name)
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

/// The attributes `convert` reads.
#[derive(Clone, Copy)]
enum Attr {
    Name,
    Msg,
    Args,
    Levelno,
    Created,
    Pathname,
    Lineno,
    FuncName,
    ExcInfo,
    ExcText,
    StackInfo,
}

const ATTRS: [&str; 11] = [
    "name",
    "msg",
    "args",
    "levelno",
    "created",
    "pathname",
    "lineno",
    "funcName",
    "exc_info",
    "exc_text",
    "stack_info",
];

/// Attributes of `ATTRS` met while walking a record's `__dict__`.
type Seen<'py> = [Option<Bound<'py, PyAny>>; ATTRS.len()];

/// An attribute the walk saw, else `get`.
fn seen_or_get<'py>(
    seen: &mut Seen<'py>,
    d: &Bound<'py, PyDict>,
    rec: &Bound<'py, PyAny>,
    attr: Attr,
) -> Option<Bound<'py, PyAny>> {
    seen[attr as usize].take().or_else(|| get(d, rec, attr))
}

/// A record attribute: from its `__dict__`, where a record's `__init__`
/// put it (one entry read, no hashing), else by name.
fn get<'py>(
    d: &Bound<'py, PyDict>,
    rec: &Bound<'py, PyAny>,
    attr: Attr,
) -> Option<Bound<'py, PyAny>> {
    let py = d.py();
    let std = STANDARD.get(py);
    let at = std.and_then(|s| Some((s, s.positions[attr as usize]?)));
    if let Some((std, i)) = at {
        let mut pos = i as ffi::Py_ssize_t;
        let mut k: *mut ffi::PyObject = std::ptr::null_mut();
        let mut v: *mut ffi::PyObject = std::ptr::null_mut();
        // SAFETY: reads one entry of a live dict; the position is only a
        // guess, checked by the key's identity before the value is used.
        let found = unsafe { ffi::PyDict_Next(d.as_ptr(), &mut pos, &mut k, &mut v) } != 0;
        if found && k as usize == std.order[i] {
            // SAFETY: a borrowed reference from the dict, taken as owned.
            return Some(unsafe { Bound::from_borrowed_ptr(py, v) });
        }
    }
    let key = PyString::intern(py, ATTRS[attr as usize]);
    match d.get_item(&key) {
        Ok(Some(v)) => Some(v),
        _ => rec.getattr(&key).ok(),
    }
}

/// Fills what `blank` starts (a capture on the queue path, a fresh record
/// for the formatter).
pub fn convert<F: Fill>(
    rec: &Bound<'_, PyAny>,
    blank: impl FnOnce(SystemTime, Level, &str, &str) -> F,
) -> F {
    let py = rec.py();
    let dict = match rec
        .getattr(intern!(py, "__dict__"))
        .map(|d| d.cast_into::<PyDict>())
    {
        Ok(Ok(d)) => d,
        _ => PyDict::new(py),
    };
    let d = &dict;
    let level = get(d, rec, Attr::Levelno)
        .and_then(|l| l.extract::<i64>().ok())
        .map_or(Level::Info, Level::from_number);
    let name = get(d, rec, Attr::Name);
    let name = match name.as_ref().map(|n| n.cast_exact::<PyString>()) {
        Some(Ok(s)) => borrowed(s),
        Some(Err(_)) => Cow::Owned(display(name.as_ref().expect("checked"))),
        None => Cow::Borrowed(""),
    };
    let msg = get(d, rec, Attr::Msg);
    let args = get(d, rec, Attr::Args);
    let (message, message_error) = message(rec, msg.as_ref(), args);
    let created = get(d, rec, Attr::Created).and_then(|c| match c.cast::<PyFloat>() {
        Ok(f) => Some(f.value()),
        Err(_) => c.extract::<f64>().ok(),
    });
    let time = created.map_or_else(SystemTime::now, time_from_secs);
    let mut out = blank(time, level, &name, &message);
    let mut seen = Default::default();
    extras(d, &mut out, &mut seen);
    if let Some(err) = message_error {
        out.str("logging_error", &err);
    }
    let file = seen_or_get(&mut seen, d, rec, Attr::Pathname).filter(|v| !v.is_none());
    if let Some(file) = file {
        let line = seen_or_get(&mut seen, d, rec, Attr::Lineno)
            .and_then(|l| l.extract::<u32>().ok())
            .unwrap_or(0);
        let function = seen_or_get(&mut seen, d, rec, Attr::FuncName).filter(|f| !f.is_none());
        let function = function.as_ref().map_or(Cow::Borrowed(""), as_text);
        out.location(&as_text(&file), line, &function);
    }
    if let Some(ei) = seen_or_get(&mut seen, d, rec, Attr::ExcInfo).filter(|e| !e.is_none()) {
        let exc_text = seen_or_get(&mut seen, d, rec, Attr::ExcText).filter(|t| !t.is_none());
        if let Some(e) = exception(&ei, exc_text.as_ref()) {
            out.exception(e);
        }
    }
    if let Some(si) = seen_or_get(&mut seen, d, rec, Attr::StackInfo).filter(|s| !s.is_none()) {
        out.stack_trace(display(&si));
    }
    context::capture(py, &mut out);
    out
}

/// `str(obj)`, borrowed when `obj` is a str.
fn as_text<'a>(obj: &'a Bound<'_, PyAny>) -> Cow<'a, str> {
    match obj.cast_exact::<PyString>() {
        Ok(s) => borrowed(s),
        Err(_) => Cow::Owned(display(obj)),
    }
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
/// The walk also keeps the attributes of `ATTRS` it meets in `seen`.
/// Str keys with str, number, bool or None values are copied during the
/// walk; from the first member whose conversion may run Python code
/// (`__str__`, `__repr__`) on, members wait until after it, so the dict
/// cannot change under the iteration and the order is kept.
fn extras<'py>(d: &Bound<'py, PyDict>, out: &mut impl Fill, seen: &mut Seen<'py>) {
    let Some(std) = STANDARD.get(d.py()) else {
        return;
    };
    let mut found = Vec::new();
    walk(d, std, seen, |key, value| {
        let Ok(ks) = key.cast_exact::<PyString>() else {
            found.push((key.unbind(), value.unbind()));
            return true;
        };
        if !found.is_empty() {
            found.push((key.unbind(), value.unbind())); // keep the order
            return true;
        }
        let name = borrowed(ks);
        if std.is_name(&name) {
            return true;
        }
        if let Ok(vs) = value.cast_exact::<PyString>() {
            let text = borrowed(vs);
            match as_log_type(&name, &text) {
                Some(t) => out.log_type(t),
                None => out.str(&name, &text),
            }
        } else if let Some(v) = convert::scalar(&value) {
            out.value(&name, v);
        } else {
            found.push((key.unbind(), value.unbind()));
        }
        true
    });
    let py = d.py();
    for (k, v) in found {
        let (k, v) = (k.into_bound(py), v.into_bound(py));
        if std.contains(&k) {
            continue;
        }
        let named = (k.cast_exact::<PyString>().ok())
            .zip(v.cast::<PyString>().ok())
            .and_then(|(k, v)| as_log_type(&borrowed(k), &borrowed(v)));
        match named {
            Some(t) => out.log_type(t),
            None => convert::add_field(out, &k, &v),
        }
    }
}

/// Walks a record's `__dict__` with borrowed references, calling `each`
/// for every member that is not one of the record's own attributes (of
/// those, the ones in `ATTRS` go to `seen`); stops when `each` returns
/// false. `each` must run no Python code.
fn walk<'py>(
    d: &Bound<'py, PyDict>,
    std: &Standard,
    seen: &mut Seen<'py>,
    mut each: impl FnMut(Bound<'_, PyAny>, Bound<'_, PyAny>) -> bool,
) -> bool {
    let py = d.py();
    let mut pos: ffi::Py_ssize_t = 0;
    let mut k: *mut ffi::PyObject = std::ptr::null_mut();
    let mut v: *mut ffi::PyObject = std::ptr::null_mut();
    let mut next = 0;
    // SAFETY: walks a live dict with borrowed references; `each` runs no
    // Python code, so the dict cannot change under the walk.
    while unsafe { ffi::PyDict_Next(d.as_ptr(), &mut pos, &mut k, &mut v) } != 0 {
        if std.order.get(next) == Some(&(k as usize)) {
            // A record's own attributes, in the order it set them.
            if let Some(a) = std.attr_at[next] {
                // SAFETY: a borrowed reference from the dict, taken as owned.
                seen[a] = Some(unsafe { Bound::from_borrowed_ptr(py, v) });
            }
            next += 1;
            continue;
        }
        if std.ptrs.binary_search(&(k as usize)).is_ok() {
            continue;
        }
        // SAFETY: borrowed references from the dict, alive for the walk.
        let (key, value) = unsafe {
            (
                Bound::from_borrowed_ptr(py, k),
                Bound::from_borrowed_ptr(py, v),
            )
        };
        if !each(key, value) {
            return false;
        }
    }
    true
}

/// The type an `extra={"log_type": ...}` names, if it names a known one.
fn as_log_type(name: &str, text: &str) -> Option<LogType> {
    (name == "log_type").then(|| LogType::parse(text)).flatten()
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
