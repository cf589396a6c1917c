//! Python objects to core `Value`s, on the caller's thread while the GIL is
//! held. Never raises: whatever JSON cannot hold becomes a string, the way
//! `json.dumps(default=str)` would, with better answers for the usual
//! suspects (Decimal, datetime, UUID, Enum, dataclasses, pydantic models).

use crate::logrecord::Fill;
use logfort_core::value::MAX_DEPTH;
use logfort_core::Value;
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PySet, PyString,
    PyTuple, PyType,
};
use std::borrow::Cow;
use std::os::raw::c_char;

extern "C" {
    // In the stable ABI from 3.10 and exported by every CPython 3.x; the
    // only way to read a str without an intermediate bytes object.
    fn PyUnicode_AsUTF8AndSize(o: *mut ffi::PyObject, size: *mut ffi::Py_ssize_t) -> *const c_char;
}

/// The text of a `str`. Lone surrogates (which UTF-8 cannot hold) are
/// written as `\udXXX` escapes instead of failing.
pub fn text(s: &Bound<'_, PyString>) -> String {
    borrowed(s).into_owned()
}

/// As `text`, borrowing CPython's own UTF-8 copy when it has one (no
/// allocation for the caller's thread).
pub fn borrowed<'a>(s: &'a Bound<'_, PyString>) -> Cow<'a, str> {
    // SAFETY: `s` is a live str; on success CPython returns a pointer to
    // `size` bytes of valid UTF-8 owned by the object, alive as long as it.
    unsafe {
        let mut size: ffi::Py_ssize_t = 0;
        let p = PyUnicode_AsUTF8AndSize(s.as_ptr(), &mut size);
        if !p.is_null() {
            let bytes = std::slice::from_raw_parts(p.cast::<u8>(), size as usize);
            return Cow::Borrowed(std::str::from_utf8_unchecked(bytes));
        }
        ffi::PyErr_Clear();
    }
    let py = s.py();
    Cow::Owned(
        s.call_method1(intern!(py, "encode"), ("utf-8", "backslashreplace"))
            .ok()
            .and_then(|b| b.cast_into::<PyBytes>().ok())
            .map(|b| String::from_utf8_lossy(b.as_bytes()).into_owned())
            .unwrap_or_else(|| "<unprintable str>".to_owned()),
    )
}

/// Appends `key: value` to a record or capture, copying str keys and
/// values without an intermediate string.
pub fn add_field(rec: &mut impl Fill, k: &Bound<'_, PyAny>, v: &Bound<'_, PyAny>) {
    let key = match k.cast_exact::<PyString>() {
        Ok(s) => borrowed(s),
        Err(_) => Cow::Owned(key(k)),
    };
    match v.cast_exact::<PyString>() {
        Ok(s) => rec.str(&key, &borrowed(s)),
        Err(_) => rec.value(&key, value(v)),
    }
}

/// `str(obj)`, or `<unprintable TypeName>` when `__str__` raises.
pub fn display(obj: &Bound<'_, PyAny>) -> String {
    if let Ok(s) = obj.cast::<PyString>() {
        return text(s);
    }
    match obj.str() {
        Ok(s) => text(&s),
        Err(_) => format!("<unprintable {}>", type_name(obj)),
    }
}

/// `repr(obj)`, or `<unprintable TypeName>`.
pub fn repr(obj: &Bound<'_, PyAny>) -> String {
    match obj.repr() {
        Ok(s) => text(&s),
        Err(_) => format!("<unprintable {}>", type_name(obj)),
    }
}

/// The object's type `__name__`.
pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| text(&n))
        .unwrap_or_else(|_| "object".to_owned())
}

/// Any Python object as a value; containers are walked with cycle and
/// depth protection.
pub fn value(obj: &Bound<'_, PyAny>) -> Value {
    Walker { stack: Vec::new() }.value(obj)
}

/// An exact bool, int, float or None as a value: converting one runs no
/// Python code.
pub fn scalar(obj: &Bound<'_, PyAny>) -> Option<Value> {
    if let Ok(b) = obj.cast_exact::<PyBool>() {
        Some(Value::Bool(b.is_true()))
    } else if obj.is_exact_instance_of::<PyInt>() {
        Some(int(obj))
    } else if let Ok(f) = obj.cast_exact::<PyFloat>() {
        Some(Value::Float(f.value()))
    } else if obj.is_none() {
        Some(Value::Null)
    } else {
        None
    }
}

/// A mapping key as text: str as is; None, bool and numbers as `json`
/// spells them; anything else through `str()`.
pub fn key(k: &Bound<'_, PyAny>) -> String {
    if let Ok(s) = k.cast_exact::<PyString>() {
        return text(s);
    }
    if k.is_none() {
        return "null".to_owned();
    }
    if let Ok(b) = k.cast_exact::<PyBool>() {
        return if b.is_true() { "true" } else { "false" }.to_owned();
    }
    display(k)
}

struct Types {
    decimal: Option<Py<PyType>>,
    datetime: Option<Py<PyType>>,
    date: Option<Py<PyType>>,
    time: Option<Py<PyType>>,
    uuid: Option<Py<PyType>>,
    enum_: Option<Py<PyType>>,
    dc_fields: Option<Py<PyAny>>,
}

static TYPES: PyOnceLock<Types> = PyOnceLock::new();

fn types(py: Python<'_>) -> &Types {
    TYPES.get_or_init(py, || {
        let get = |m: &str, a: &str| -> Option<Py<PyAny>> {
            py.import(m)
                .and_then(|m| m.getattr(a))
                .ok()
                .map(Bound::unbind)
        };
        let ty = |m: &str, a: &str| -> Option<Py<PyType>> {
            get(m, a).and_then(|t| t.bind(py).cast::<PyType>().ok().map(|t| t.clone().unbind()))
        };
        Types {
            decimal: ty("decimal", "Decimal"),
            datetime: ty("datetime", "datetime"),
            date: ty("datetime", "date"),
            time: ty("datetime", "time"),
            uuid: ty("uuid", "UUID"),
            enum_: ty("enum", "Enum"),
            dc_fields: get("dataclasses", "fields"),
        }
    })
}

fn is_a(obj: &Bound<'_, PyAny>, ty: &Option<Py<PyType>>) -> bool {
    ty.as_ref()
        .is_some_and(|t| obj.is_instance(t.bind(obj.py())).unwrap_or(false))
}

struct Walker {
    /// Containers being walked (by address): seeing one again is a cycle.
    stack: Vec<usize>,
}

impl Walker {
    fn value(&mut self, obj: &Bound<'_, PyAny>) -> Value {
        // Exact built-in types first: the common case costs a pointer compare.
        if let Ok(s) = obj.cast_exact::<PyString>() {
            return Value::Str(text(s));
        }
        if let Some(v) = scalar(obj) {
            return v;
        }
        if self.stack.len() >= MAX_DEPTH {
            return Value::Str("[depth limit]".to_owned());
        }
        if let Ok(d) = obj.cast::<PyDict>() {
            return self.container(obj, |w| {
                Value::Object(d.iter().map(|(k, v)| (key(&k), w.value(&v))).collect())
            });
        }
        if let Ok(l) = obj.cast::<PyList>() {
            return self.container(obj, |w| {
                Value::Array(l.iter().map(|v| w.value(&v)).collect())
            });
        }
        if let Ok(t) = obj.cast::<PyTuple>() {
            return self.container(obj, |w| {
                Value::Array(t.iter().map(|v| w.value(&v)).collect())
            });
        }
        let py = obj.py();
        let ty = types(py);
        // Before str/int: `class Color(str, Enum)` logs its value.
        if is_a(obj, &ty.enum_) {
            return match obj.getattr(intern!(py, "value")) {
                Ok(v) => self.container(obj, |w| w.value(&v)),
                Err(_) => Value::Str(display(obj)),
            };
        }
        if let Ok(s) = obj.cast::<PyString>() {
            return Value::Str(text(s));
        }
        if obj.is_instance_of::<PyInt>() {
            return int(obj);
        }
        if let Ok(f) = obj.cast::<PyFloat>() {
            return Value::Float(f.value());
        }
        if let Ok(s) = obj.cast::<PySet>() {
            return self.container(obj, |w| {
                Value::Array(s.iter().map(|v| w.value(&v)).collect())
            });
        }
        if let Ok(s) = obj.cast::<PyFrozenSet>() {
            return self.container(obj, |w| {
                Value::Array(s.iter().map(|v| w.value(&v)).collect())
            });
        }
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Value::Str(bytes_text(b.as_bytes(), obj));
        }
        if let Ok(b) = obj.cast::<PyByteArray>() {
            return Value::Str(bytes_text(&b.to_vec(), obj));
        }
        if is_a(obj, &ty.datetime) || is_a(obj, &ty.date) || is_a(obj, &ty.time) {
            return match obj.call_method0(intern!(py, "isoformat")) {
                Ok(s) => Value::Str(display(&s)),
                Err(_) => Value::Str(display(obj)),
            };
        }
        if is_a(obj, &ty.decimal) || is_a(obj, &ty.uuid) {
            return Value::Str(display(obj));
        }
        if let Some(v) = self.dataclass(obj, ty) {
            return v;
        }
        if let Some(v) = self.pydantic(obj) {
            return v;
        }
        Value::Str(display(obj))
    }

    /// Walks a container unless it is already being walked (a cycle).
    fn container(&mut self, obj: &Bound<'_, PyAny>, f: impl FnOnce(&mut Self) -> Value) -> Value {
        let id = obj.as_ptr() as usize;
        if self.stack.contains(&id) {
            return Value::Str("[circular]".to_owned());
        }
        self.stack.push(id);
        let v = f(self);
        self.stack.pop();
        v
    }

    /// A dataclass instance as an object of its fields (not
    /// `dataclasses.asdict`, which deep-copies and does not survive cycles).
    fn dataclass(&mut self, obj: &Bound<'_, PyAny>, ty: &Types) -> Option<Value> {
        let py = obj.py();
        if obj.is_instance_of::<PyType>()
            || !obj
                .get_type()
                .hasattr(intern!(py, "__dataclass_fields__"))
                .unwrap_or(false)
        {
            return None;
        }
        let fields = ty.dc_fields.as_ref()?.bind(py).call1((obj,)).ok()?;
        let fields = fields.cast::<PyTuple>().ok()?.clone();
        Some(self.container(obj, |w| {
            let mut members = Vec::with_capacity(fields.len());
            for f in fields.iter() {
                let Ok(name) = f.getattr(intern!(py, "name")) else {
                    continue;
                };
                let Ok(name) = name.cast_into::<PyString>() else {
                    continue;
                };
                let v = obj.getattr(&name).map_or(Value::Null, |v| w.value(&v));
                members.push((text(&name), v));
            }
            Value::Object(members)
        }))
    }

    /// A pydantic (v2) model as `model_dump(mode="json")`.
    fn pydantic(&mut self, obj: &Bound<'_, PyAny>) -> Option<Value> {
        let py = obj.py();
        let cls = obj.get_type();
        if obj.is_instance_of::<PyType>()
            || !cls.hasattr(intern!(py, "model_dump")).unwrap_or(false)
            || !cls.hasattr(intern!(py, "model_fields")).unwrap_or(false)
        {
            return None;
        }
        let kwargs = PyDict::new(py);
        kwargs
            .set_item(intern!(py, "mode"), intern!(py, "json"))
            .ok()?;
        let dumped = obj
            .call_method(intern!(py, "model_dump"), (), Some(&kwargs))
            .ok()?;
        Some(self.container(obj, |w| w.value(&dumped)))
    }
}

/// Bytes as their UTF-8 text when they are UTF-8, else as Python's repr
/// (`b'\x89PNG...'`), which keeps every byte readable.
fn bytes_text(b: &[u8], obj: &Bound<'_, PyAny>) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_owned(),
        Err(_) => repr(obj),
    }
}

/// An int within i64/u64 as a number, a bigger one as its decimal text.
fn int(obj: &Bound<'_, PyAny>) -> Value {
    if let Ok(i) = obj.extract::<i64>() {
        return Value::Int(i);
    }
    if let Ok(u) = obj.extract::<u64>() {
        return Value::UInt(u);
    }
    Value::Str(display(obj))
}
