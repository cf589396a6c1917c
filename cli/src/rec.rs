//! A parsed line and the well-known fields every command reads, found
//! whatever profile wrote the file: `json`/`gcp` keep them at the top,
//! `ecs` uses dotted keys and `labels`, `otel` uses `attributes`.

use crate::time;
use logfort_core::{Level, Value};
use std::borrow::Cow;

/// Parses one line into an object, or says why it is not one.
pub fn parse(line: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(line).map_err(|e| format!("invalid UTF-8: {e}"))?;
    match serde_json::from_str::<Value>(text) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(other) => Err(format!("a JSON {}, not an object", other.type_name())),
        Err(e) => Err(e.to_string()),
    }
}

/// A member by name; a dotted name also matches nested objects
/// (`http.status` finds `{"http": {"status": ..}}`).
pub fn get<'a>(obj: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(v) = obj.get(path) {
        return Some(v);
    }
    let (head, tail) = path.split_once('.')?;
    // Longest dotted prefix first would be ambiguous; keys are short, so
    // try each split point in order.
    if let Some(v) = obj.get(head).and_then(|inner| get(inner, tail)) {
        return Some(v);
    }
    let mut at = head.len() + 1;
    while let Some(i) = path[at..].find('.') {
        let (h, t) = (&path[..at + i], &path[at + i + 1..]);
        if let Some(v) = obj.get(h).and_then(|inner| get(inner, t)) {
            return Some(v);
        }
        at += i + 1;
    }
    None
}

fn first_str<'a>(obj: &'a Value, keys: &[&str]) -> Option<&'a str> {
    keys.iter()
        .find_map(|k| get(obj, k).and_then(Value::as_str))
}

/// An OpenTelemetry attribute (`[{"key": k, "value": {"stringValue": v}}]`).
fn otel_attribute<'a>(obj: &'a Value, key: &str) -> Option<&'a Value> {
    let Some(Value::Array(attrs)) = obj.get("attributes") else {
        return None;
    };
    attrs
        .iter()
        .find(|a| a.get("key").and_then(Value::as_str) == Some(key))
        .and_then(|a| a.get("value"))
        .map(|v| match v {
            Value::Object(m) if m.len() == 1 => &m[0].1,
            other => other,
        })
}

pub fn level_of_value(v: &Value) -> Option<Level> {
    match v {
        Value::Str(s) => s.parse().ok().or_else(|| Level::from_gcp(s)),
        Value::Int(n) => Some(Level::from_number(*n)),
        Value::UInt(n) => Some(Level::from_number((*n).min(i64::MAX as u64) as i64)),
        _ => None,
    }
}

pub fn level(obj: &Value) -> Option<Level> {
    ["level", "log.level", "severity", "severityText"]
        .iter()
        .find_map(|k| get(obj, k))
        .and_then(level_of_value)
}

/// Microseconds since the epoch.
pub fn timestamp(obj: &Value) -> Option<i64> {
    if let Some(t) = first_str(obj, &["timestamp", "@timestamp", "time"]) {
        return time::parse(t);
    }
    match obj.get("timeUnixNano")? {
        Value::Str(s) => s.parse::<i64>().ok().map(|n| n / 1000),
        Value::Int(n) => Some(n / 1000),
        _ => None,
    }
}

pub fn logger(obj: &Value) -> Option<&str> {
    first_str(obj, &["logger", "log.logger", "logName"])
        .or_else(|| otel_attribute(obj, "otel.scope.name").and_then(Value::as_str))
        .or_else(|| otel_attribute(obj, "logger").and_then(Value::as_str))
}

pub fn message(obj: &Value) -> Option<&str> {
    first_str(obj, &["message", "body.stringValue", "body"])
}

pub fn correlation_id(obj: &Value) -> Option<&str> {
    first_str(obj, &["correlation_id", "labels.correlation_id"])
        .or_else(|| otel_attribute(obj, "correlation_id").and_then(Value::as_str))
}

/// A caller field wherever the profile put it: at the top (json, gcp),
/// under `labels` (ecs) or in `attributes` (otel).
pub fn field<'a>(obj: &'a Value, name: &str) -> Option<&'a Value> {
    get(obj, name)
        .or_else(|| obj.get("labels").and_then(|l| l.get(name)))
        .or_else(|| otel_attribute(obj, name))
}

/// A number, or a string holding one.
pub fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Str(s) => s.parse().ok(),
        other => other.as_f64(),
    }
}

/// `duration_ms`, or ECS's `event.duration` (nanoseconds).
pub fn duration_ms(obj: &Value) -> Option<f64> {
    field(obj, "duration_ms").and_then(number).or_else(|| {
        get(obj, "event.duration")
            .and_then(number)
            .map(|ns| ns / 1e6)
    })
}

/// A scalar as a `field=value` filter compares it: strings as they are,
/// numbers and booleans as JSON writes them.
pub fn scalar_text(v: &Value) -> Option<Cow<'_, str>> {
    Some(match v {
        Value::Str(s) => Cow::Borrowed(s.as_str()),
        Value::Int(n) => Cow::Owned(n.to_string()),
        Value::UInt(n) => Cow::Owned(n.to_string()),
        Value::Float(f) => Cow::Owned(f.to_string()),
        Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        Value::Null => Cow::Borrowed("null"),
        _ => return None,
    })
}

/// Compact JSON for display.
pub fn to_json(v: &Value) -> String {
    let mut out = Vec::new();
    logfort_core::encode::write::value(&mut out, v);
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(s: &str) -> Value {
        parse(s.as_bytes()).unwrap()
    }

    #[test]
    fn well_known_fields_in_every_profile() {
        let json = obj(
            r#"{"timestamp":"2026-11-23T08:00:00Z","level":"WARNING","logger":"a","message":"m","correlation_id":"c1"}"#,
        );
        let ecs = obj(
            r#"{"@timestamp":"2026-11-23T08:00:00Z","log.level":"warn","message":"m","log":{"logger":"a"},"labels":{"correlation_id":"c1"}}"#,
        );
        let gcp = obj(
            r#"{"time":"2026-11-23T09:00:00+01:00","severity":"WARNING","message":"m","logger":"a","correlation_id":"c1"}"#,
        );
        let otel = obj(
            r#"{"timeUnixNano":"1795420800000000000","severityText":"WARN","body":{"stringValue":"m"},"attributes":[{"key":"correlation_id","value":{"stringValue":"c1"}},{"key":"logger","value":{"stringValue":"a"}}]}"#,
        );
        for r in [&json, &ecs, &gcp, &otel] {
            assert_eq!(level(r), Some(Level::Warning), "{r:?}");
            assert_eq!(timestamp(r), time::parse("2026-11-23T08:00:00Z"), "{r:?}");
            assert_eq!(logger(r), Some("a"), "{r:?}");
            assert_eq!(message(r), Some("m"), "{r:?}");
            assert_eq!(correlation_id(r), Some("c1"), "{r:?}");
        }
    }

    #[test]
    fn bad_lines_say_why() {
        assert_eq!(parse(b"[1]").unwrap_err(), "a JSON array, not an object");
        assert_eq!(
            parse(b"{\"a\":").unwrap_err(),
            "EOF while parsing a value at line 1 column 5"
        );
        assert!(parse(b"{\"a\":\"\xff\"}")
            .unwrap_err()
            .starts_with("invalid UTF-8"));
    }

    #[test]
    fn dotted_paths_reach_nested_and_flat_keys() {
        let r = obj(r#"{"http":{"status":500},"a.b":{"c":true},"n":1.5}"#);
        assert_eq!(get(&r, "http.status"), Some(&Value::Int(500)));
        assert_eq!(get(&r, "a.b.c"), Some(&Value::Bool(true)));
        assert_eq!(scalar_text(get(&r, "n").unwrap()).as_deref(), Some("1.5"));
        assert_eq!(get(&r, "http.nope"), None);
    }
}
