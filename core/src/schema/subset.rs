//! The JSON Schema subset custom schemas are written in: `type`, `enum`,
//! `pattern`, `minimum`, `maximum`, `maxLength`, `required`,
//! `properties`, plus `format` (`ip`, `ipv4`, `ipv6`). Compiled once from
//! configuration (bad schemas are configuration errors naming the key);
//! checked on the writer thread against the record's values.

use crate::config::doc::Section;
use crate::error::{Error, Result};
use crate::value::Value;
use regex::Regex;
use serde_json::Value as Json;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A JSON type name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    String,
    Number,
    Integer,
    Boolean,
    Object,
    Array,
    Null,
}

impl Kind {
    const NAMES: &'static str =
        "a type name (string, number, integer, boolean, object, array, null) or an array of them";

    fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "string" => Kind::String,
            "number" => Kind::Number,
            "integer" => Kind::Integer,
            "boolean" => Kind::Boolean,
            "object" => Kind::Object,
            "array" => Kind::Array,
            "null" => Kind::Null,
            _ => return None,
        })
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }

    fn as_str(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::Number => "number",
            Kind::Integer => "integer",
            Kind::Boolean => "boolean",
            Kind::Object => "object",
            Kind::Array => "array",
            Kind::Null => "null",
        }
    }

    fn article(self) -> &'static str {
        match self {
            Kind::Integer | Kind::Object | Kind::Array => "an",
            _ => "a",
        }
    }
}

/// String formats the subset knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Ip,
    Ipv4,
    Ipv6,
}

/// The string each format accepted last: a service logs the same few
/// client addresses over and over, and comparing is cheaper than
/// parsing. Kept by whoever checks record after record (the writer's
/// stage); a one-off check starts from an empty one.
#[derive(Debug, Default)]
pub struct Accepted([String; 3]);

impl Accepted {
    /// Whether `s` is the string format `f` accepted last.
    #[inline]
    fn remembers(&self, f: Format, s: &str) -> bool {
        !s.is_empty() && crate::bytes::eq(self.0[f as usize].as_bytes(), s.as_bytes())
    }
}

impl Format {
    /// Whether `s` has the format.
    fn check(self, s: &str, accepted: &mut Accepted) -> bool {
        if accepted.remembers(self, s) {
            return true;
        }
        let ok = match self {
            Format::Ip => s.parse::<IpAddr>().is_ok(),
            Format::Ipv4 => s.parse::<Ipv4Addr>().is_ok(),
            Format::Ipv6 => s.parse::<Ipv6Addr>().is_ok(),
        };
        if ok {
            crate::bytes::assign(&mut accepted.0[self as usize], s);
        }
        ok
    }

    fn describe(self) -> &'static str {
        match self {
            Format::Ip => "an IP address",
            Format::Ipv4 => "an IPv4 address",
            Format::Ipv6 => "an IPv6 address",
        }
    }
}

/// What a property's schema asks of a value when that is at most a type,
/// bounds and a format: checked in a plan's step, without the schema.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quick {
    /// The `Kind::bit`s of the allowed types; 0: any type.
    kinds: u8,
    minimum: Option<f64>,
    maximum: Option<f64>,
    format: Option<Format>,
}

impl Quick {
    /// Whether `v` passes: one of the types, within the bounds, and the
    /// string its format accepted last. False means "check"
    /// (`Node::check_value` decides), never "fails".
    #[inline]
    pub(super) fn passes(&self, v: Seen<'_>, accepted: &Accepted) -> bool {
        // One look at the value: its kinds, and the number or text the
        // bounds or the format check.
        let (number, integer) = (Kind::Number.bit(), Kind::Integer.bit());
        let (kinds, n, text) = match v {
            Seen::Str(s) => (Kind::String.bit(), None, Some(s)),
            Seen::Value(Value::Str(s) | Value::Raw(s)) => {
                (Kind::String.bit(), None, Some(s.as_str()))
            }
            Seen::Value(&Value::Int(i)) => (number | integer, Some(i as f64), None),
            Seen::Value(&Value::UInt(u)) => (number | integer, Some(u as f64), None),
            Seen::Value(&Value::Float(f)) => {
                let whole = self.kinds & integer != 0 && is_whole(f);
                (number | if whole { integer } else { 0 }, Some(f), None)
            }
            Seen::Value(other) => (Seen::Value(other).kinds(), None, None),
        };
        if self.kinds != 0 && kinds & self.kinds == 0 {
            return false;
        }
        if let Some(n) = n {
            let low = self.minimum.is_none_or(|min| n >= min);
            let high = self.maximum.is_none_or(|max| n <= max);
            if !(low && high) {
                return false; // NaN too
            }
        }
        match (self.format, text) {
            (Some(f), Some(s)) => accepted.remembers(f, s),
            _ => true,
        }
    }
}

/// Whether `f` is a whole number (a finite float of integer value), by
/// a round trip through `i64` where `fract` would call `trunc` (x86-64
/// has no rounding instruction before SSE4.1). From 2^53 up every float
/// is whole.
pub(super) fn is_whole(f: f64) -> bool {
    f.is_finite() && (f.abs() >= (1u64 << 53) as f64 || f as i64 as f64 == f)
}

/// A compiled `pattern`; equal when the source text is.
#[derive(Clone, Debug)]
pub struct Pattern(pub Regex);

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

/// One schema (or one property's schema).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Node {
    /// Empty: any type.
    pub types: Vec<Kind>,
    pub enumeration: Option<Vec<Value>>,
    pub pattern: Option<Pattern>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub max_length: Option<usize>,
    pub format: Option<Format>,
    pub required: Vec<String>,
    pub properties: Vec<(String, Node)>,
}

/// A value as validation sees it: a field's value, or a string the record
/// holds directly (its level, logger, message, context ids).
#[derive(Clone, Copy, Debug)]
pub enum Seen<'a> {
    Value(&'a Value),
    Str(&'a str),
}

impl<'a> Seen<'a> {
    fn as_str(self) -> Option<&'a str> {
        match self {
            Seen::Str(s) => Some(s),
            Seen::Value(Value::Str(s) | Value::Raw(s)) => Some(s),
            Seen::Value(_) => None,
        }
    }

    fn as_f64(self) -> Option<f64> {
        match self {
            Seen::Value(v) => v.as_f64(),
            Seen::Str(_) => None,
        }
    }

    /// The `Kind::bit` of every type the value has (a whole float is a
    /// number and an integer).
    fn kinds(self) -> u8 {
        let Seen::Value(v) = self else {
            return Kind::String.bit();
        };
        match v {
            Value::Str(_) | Value::Raw(_) => Kind::String.bit(),
            Value::Int(_) | Value::UInt(_) => Kind::Number.bit() | Kind::Integer.bit(),
            Value::Float(f) if is_whole(*f) => Kind::Number.bit() | Kind::Integer.bit(),
            Value::Float(_) => Kind::Number.bit(),
            Value::Bool(_) => Kind::Boolean.bit(),
            Value::Object(_) => Kind::Object.bit(),
            Value::Array(_) => Kind::Array.bit(),
            Value::Null => Kind::Null.bit(),
        }
    }

    fn is(self, kind: Kind) -> bool {
        self.kinds() & kind.bit() != 0
    }

    /// JSON equality: numbers compare by value whatever their kind.
    fn equals(self, other: &Value) -> bool {
        match (self.as_f64(), other.as_f64()) {
            (Some(a), Some(b)) => return a == b,
            (None, None) => {}
            _ => return false,
        }
        match (self, other) {
            (Seen::Value(v), _) if v.as_str().is_none() => v == other,
            _ => self.as_str().is_some() && self.as_str() == other.as_str(),
        }
    }
}

impl Node {
    /// Reads the keywords of one schema object; the caller finishes the
    /// section (so that it may accept keys of its own beside them).
    pub fn parse(s: &mut Section<'_>) -> Result<Node> {
        for annotation in [
            "title",
            "description",
            "$comment",
            "$schema",
            "$id",
            "examples",
        ] {
            let _ = s.get(annotation);
        }
        let mut node = Node::default();
        if let Some(t) = s.get("type") {
            let names: Vec<&Json> = match t {
                Json::Array(items) if !items.is_empty() => items.iter().collect(),
                Json::Array(_) => vec![t],
                single => vec![single],
            };
            for n in names {
                match n.as_str().and_then(Kind::parse) {
                    Some(k) => node.types.push(k),
                    None => return Err(s.error("type", t, Kind::NAMES)),
                }
            }
        }
        if let Some(e) = s.get("enum") {
            match e {
                Json::Array(items) if !items.is_empty() => {
                    node.enumeration = Some(items.iter().cloned().map(Value::from).collect())
                }
                _ => return Err(s.error("enum", e, "a non-empty array of values")),
            }
        }
        if let Some(p) = s.str("pattern")? {
            let re = Regex::new(p).map_err(|e| {
                Error::Config(format!(
                    "`{}`: invalid regular expression: {e}",
                    s.path_of("pattern")
                ))
            })?;
            node.pattern = Some(Pattern(re));
        }
        for (key, slot) in [
            ("minimum", &mut node.minimum),
            ("maximum", &mut node.maximum),
        ] {
            if let Some(v) = s.get(key) {
                *slot = Some(v.as_f64().ok_or_else(|| s.error(key, v, "a number"))?);
            }
        }
        node.max_length = s
            .uint("max_length", 0, u32::MAX as u64)?
            .map(|n| n as usize);
        if let Some(f) = s.get("format") {
            node.format = Some(match f.as_str() {
                Some("ip") => Format::Ip,
                Some("ipv4") => Format::Ipv4,
                Some("ipv6") => Format::Ipv6,
                _ => return Err(s.error("format", f, "\"ip\", \"ipv4\" or \"ipv6\"")),
            });
        }
        node.required = s.strings("required")?.unwrap_or_default();
        if let Some(props) = s.get("properties") {
            let Json::Object(map) = props else {
                return Err(s.error("properties", props, "an object of field name → schema"));
            };
            let base = s.path_of("properties");
            for (name, v) in map {
                let mut sub = Section::new(&format!("{base}.{name}"), v)?;
                let child = Node::parse(&mut sub)?;
                sub.finish()?;
                node.properties.push((name.clone(), child));
            }
        }
        Ok(node)
    }

    /// Compiles a schema document given as JSON text (the built-ins).
    pub fn from_json(path: &str, text: &str) -> Result<Node> {
        let json: Json = serde_json::from_str(text)
            .map_err(|e| Error::Config(format!("`{path}`: not valid JSON: {e}")))?;
        let mut s = Section::new(path, &json)?;
        let node = Node::parse(&mut s)?;
        s.finish()?;
        Ok(node)
    }

    /// Every field path this schema can report a violation for, in order.
    pub fn paths(&self, prefix: &str, out: &mut Vec<String>) {
        for name in &self.required {
            push_unique(out, join(prefix, name));
        }
        for (name, child) in &self.properties {
            let path = join(prefix, name);
            push_unique(out, path.clone());
            child.paths(&path, out);
        }
    }

    /// The checks a plan's step makes itself, when this schema asks only
    /// for a type, bounds and a format.
    pub(super) fn quick(&self) -> Option<Quick> {
        let plain = self.enumeration.is_none()
            && self.pattern.is_none()
            && self.max_length.is_none()
            && self.required.is_empty()
            && self.properties.is_empty();
        plain.then(|| Quick {
            kinds: self.types.iter().fold(0, |m, k| m | k.bit()),
            minimum: self.minimum,
            maximum: self.maximum,
            format: self.format,
        })
    }

    /// Checks the members of an object value through `get`; calls
    /// `report(path, rule)` per violation. (The record itself is checked
    /// through a `Plan`, which finds its members once per shape.)
    fn check_members<'a>(
        &self,
        prefix: &str,
        get: &dyn Fn(&str) -> Option<Seen<'a>>,
        accepted: &mut Accepted,
        report: &mut dyn FnMut(String, String),
    ) {
        for name in &self.required {
            if get(name).is_none() {
                report(join(prefix, name), "is required".to_owned());
            }
        }
        for (name, child) in &self.properties {
            if let Some(v) = get(name) {
                child.check_value(prefix, name, v, accepted, report);
            }
        }
    }

    /// Checks one value against this schema; calls `report(path, rule)`
    /// per violation. Rules name the constraint, never the offending value.
    pub(super) fn check_value<'v>(
        &self,
        prefix: &str,
        name: &str,
        v: Seen<'v>,
        accepted: &mut Accepted,
        report: &mut dyn FnMut(String, String),
    ) {
        let mut fail = |rule: String| report(join(prefix, name), rule);
        if !self.types.is_empty() && !self.types.iter().any(|k| v.is(*k)) {
            return fail(type_rule(&self.types));
        }
        if let Some(choices) = &self.enumeration {
            if !choices.iter().any(|c| v.equals(c)) {
                fail(enum_rule(choices));
            }
        }
        if let Some(s) = v.as_str() {
            if let Some(max) = self.max_length {
                if s.len() > max && s.chars().count() > max {
                    fail(format!("must be at most {max} characters"));
                }
            }
            if let Some(p) = &self.pattern {
                if !p.0.is_match(s) {
                    fail(format!("must match pattern {}", p.0.as_str()));
                }
            }
            if let Some(f) = self.format {
                if !f.check(s, accepted) {
                    fail(format!("must be {}", f.describe()));
                }
            }
        }
        if let Some(n) = v.as_f64() {
            if let Some(min) = self.minimum {
                if n.is_nan() || n < min {
                    fail(format!("must be >= {min}"));
                }
            }
            if let Some(max) = self.maximum {
                if n.is_nan() || n > max {
                    fail(format!("must be <= {max}"));
                }
            }
        }
        if let Seen::Value(obj @ Value::Object(_)) = v {
            if !self.required.is_empty() || !self.properties.is_empty() {
                let path = join(prefix, name);
                let get = &|k: &str| obj.get(k).map(Seen::Value);
                self.check_members(&path, get, accepted, report);
            }
        }
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

fn push_unique(out: &mut Vec<String>, path: String) {
    if !out.contains(&path) {
        out.push(path);
    }
}

fn type_rule(types: &[Kind]) -> String {
    match types {
        [one] => format!("must be {} {}", one.article(), one.as_str()),
        many => {
            let names: Vec<&str> = many.iter().map(|k| k.as_str()).collect();
            format!("must be of type {}", names.join(" or "))
        }
    }
}

/// The allowed values come from configuration, so naming them is safe.
fn enum_rule(choices: &[Value]) -> String {
    let mut s = String::from("must be one of ");
    for (i, c) in choices.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        match c {
            Value::Str(t) => s.push_str(t),
            other => {
                let mut buf = Vec::new();
                crate::encode::write::value(&mut buf, other);
                let _ = write!(s, "{}", String::from_utf8_lossy(&buf));
            }
        }
    }
    s
}
