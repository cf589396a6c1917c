//! Owned field values. Bindings convert their native objects into these on
//! the caller's thread; everything after the queue works on them alone.

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Deeper structures are cut here (encoded as `"[depth limit]"`) so that no
/// input can exhaust the writer's stack.
pub const MAX_DEPTH: usize = 64;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Array(Vec<Value>),
    /// Members in insertion order; keys are kept as given.
    Object(Vec<(String, Value)>),
    /// JSON text a caller already serialised. Parsed on the writer thread
    /// (so masking reaches inside it); kept as a string if it is not JSON.
    Raw(String),
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Int(i) => Some(i as f64),
            Value::UInt(u) => Some(u as f64),
            Value::Float(f) => Some(f),
            _ => None,
        }
    }

    /// Whether a reused record keeps this value's buffer (a short string)
    /// rather than freeing it.
    pub(crate) fn reusable(&self) -> bool {
        match self {
            Value::Str(s) => s.capacity() <= 1024,
            Value::Array(_) | Value::Object(_) | Value::Raw(_) => false,
            _ => true,
        }
    }

    /// Looks a member up in an object value.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The JSON type name, as schemas and error messages spell it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::UInt(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) | Value::Raw(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    /// Parses JSON text into a value, keeping member order. Text that is not
    /// JSON (or nests deeper than serde_json allows) is kept as a string:
    /// the record still goes out, and masking still sees every byte.
    pub fn parse_json(text: &str) -> Value {
        let mut de = serde_json::Deserializer::from_str(text);
        match serde::Deserialize::deserialize(&mut de).and_then(|v: Value| de.end().map(|_| v)) {
            Ok(v) => v,
            Err(_) => Value::Str(text.to_owned()),
        }
    }

    /// Replaces every `Raw` inside this value by its parsed form.
    pub fn resolve_raw(&mut self) {
        match self {
            Value::Raw(text) => *self = Value::parse_json(text),
            Value::Array(items) => items.iter_mut().for_each(Value::resolve_raw),
            Value::Object(members) => members.iter_mut().for_each(|(_, v)| v.resolve_raw()),
            _ => {}
        }
    }
}

macro_rules! from_impls {
    ($($t:ty => $v:ident as $c:ty),*) => {$(
        impl From<$t> for Value {
            fn from(x: $t) -> Value { Value::$v(x as $c) }
        }
    )*};
}
from_impls!(i8 => Int as i64, i16 => Int as i64, i32 => Int as i64, i64 => Int as i64,
            u8 => Int as i64, u16 => Int as i64, u32 => Int as i64, u64 => UInt as u64,
            f32 => Float as f64, f64 => Float as f64);

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Value {
        o.map_or(Value::Null, Into::into)
    }
}

impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Value::Int(i)
                } else if let Some(u) = n.as_u64() {
                    Value::UInt(u)
                } else {
                    Value::Float(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            serde_json::Value::String(s) => Value::Str(s),
            serde_json::Value::Array(a) => Value::Array(a.into_iter().map(Value::from).collect()),
            serde_json::Value::Object(o) => {
                Value::Object(o.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
            }
        }
    }
}

impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Int(i))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        Ok(i64::try_from(u).map_or(Value::UInt(u), Value::Int))
    }
    fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
        Ok(Value::Float(f))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        Ok(Value::Str(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::Str(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(v) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            members.push((k, v));
        }
        Ok(Value::Object(members))
    }
}

/// Parses `text`, a JSON object, member by member into `out`, each
/// member filled into a slot from `spare` (a key buffer and a value whose
/// string buffer is reused) before new ones are made: caller JSON parsed
/// on the writer allocates nothing once records are reused. False, with
/// `out` as it was, when `text` is not exactly one JSON object.
pub(crate) fn parse_object_into(
    text: &str,
    out: &mut Vec<(String, Value)>,
    spare: &mut Vec<(String, Value)>,
) -> bool {
    let own = out.len();
    let mut de = serde_json::Deserializer::from_str(text);
    let ok = de::DeserializeSeed::deserialize(Members { out, spare }, &mut de)
        .and_then(|()| de.end())
        .is_ok();
    if !ok {
        out.truncate(own);
    }
    ok
}

/// The members of one object, into slots.
struct Members<'a> {
    out: &'a mut Vec<(String, Value)>,
    spare: &'a mut Vec<(String, Value)>,
}

impl<'de> de::DeserializeSeed<'de> for Members<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Members<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        loop {
            let (mut k, mut v) = self.spare.pop().unwrap_or((String::new(), Value::Null));
            if map.next_key_seed(Fill(&mut k))?.is_none() {
                self.spare.push((k, v));
                return Ok(());
            }
            map.next_value_seed(Fill(&mut v))?;
            self.out.push((k, v));
        }
    }
}

/// Deserializes into an existing key or value, keeping its buffer.
struct Fill<'a, T>(&'a mut T);

impl<'de> de::DeserializeSeed<'de> for Fill<'_, String> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Fill<'_, String> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        self.0.clear();
        self.0.push_str(s);
        Ok(())
    }
}

impl<'de> de::DeserializeSeed<'de> for Fill<'_, Value> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Fill<'_, Value> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        match self.0 {
            Value::Str(buf) => {
                buf.clear();
                buf.push_str(s);
            }
            other => *other = Value::Str(s.to_owned()),
        }
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        *self.0 = Value::Null;
        Ok(())
    }
    fn visit_bool<E>(self, b: bool) -> Result<(), E> {
        *self.0 = Value::Bool(b);
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, i: i64) -> Result<(), E> {
        *self.0 = ValueVisitor.visit_i64(i)?;
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, u: u64) -> Result<(), E> {
        *self.0 = ValueVisitor.visit_u64(u)?;
        Ok(())
    }
    fn visit_f64<E>(self, f: f64) -> Result<(), E> {
        *self.0 = Value::Float(f);
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        *self.0 = ValueVisitor.visit_seq(seq)?;
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        *self.0 = ValueVisitor.visit_map(map)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_keeps_member_order_and_number_kinds() {
        let v = Value::parse_json(
            r#"{"z":1,"a":-2,"m":18446744073709551615,"f":1.5,"s":"x","n":null}"#,
        );
        let Value::Object(m) = v else {
            panic!("not an object")
        };
        let keys: Vec<&str> = m.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["z", "a", "m", "f", "s", "n"]);
        assert_eq!(m[0].1, Value::Int(1));
        assert_eq!(m[1].1, Value::Int(-2));
        assert_eq!(m[2].1, Value::UInt(u64::MAX));
        assert_eq!(m[3].1, Value::Float(1.5));
        assert_eq!(m[5].1, Value::Null);
    }

    #[test]
    fn objects_parse_into_reused_slots_as_parse_json_would() {
        let text = r#"{"k":"v\u00e9","n":-2,"m":18446744073709551615,"f":1.5,"o":{"a":[1,null]},"b":true}"#;
        let Value::Object(want) = Value::parse_json(text) else {
            panic!("not an object")
        };
        let mut spare = vec![(
            String::with_capacity(16),
            Value::Str(String::with_capacity(16)),
        )];
        let bufs = (spare[0].0.as_ptr(), spare[0].1.as_str().unwrap().as_ptr());
        let mut out = vec![("first".to_owned(), Value::Int(0))];
        assert!(parse_object_into(text, &mut out, &mut spare));
        assert_eq!(out[1..], want[..]);
        assert_eq!(out[0], ("first".to_owned(), Value::Int(0)));
        // The first member took the spare slot's buffers.
        assert_eq!(
            (out[1].0.as_ptr(), out[1].1.as_str().unwrap().as_ptr()),
            bufs
        );
        // The slot taken to look for a next member is handed back.
        assert_eq!(spare, [(String::new(), Value::Null)]);
        for bad in ["{\"a\":1", "{\"a\":1} x", "[1]", "1", ""] {
            let mut out = vec![("first".to_owned(), Value::Int(0))];
            assert!(
                !parse_object_into(bad, &mut out, &mut Vec::new()),
                "{bad:?}"
            );
            assert_eq!(out, [("first".to_owned(), Value::Int(0))], "{bad:?}");
        }
    }

    #[test]
    fn text_that_is_not_json_stays_a_string() {
        assert_eq!(Value::parse_json("{oops"), Value::Str("{oops".into()));
        assert_eq!(Value::parse_json("1 2"), Value::Str("1 2".into()));
        let deep = "[".repeat(1000) + &"]".repeat(1000);
        assert_eq!(Value::parse_json(&deep), Value::Str(deep.clone()));
    }

    #[test]
    fn resolve_raw_reaches_nested_raw() {
        let mut v = Value::Array(vec![Value::Raw(r#"{"a":[1]}"#.into())]);
        v.resolve_raw();
        assert_eq!(
            v,
            Value::Array(vec![Value::Object(vec![(
                "a".into(),
                Value::Array(vec![Value::Int(1)])
            )])])
        );
    }
}
