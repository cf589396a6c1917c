//! Profile `otel`: one OpenTelemetry `LogRecord` per line in the OTLP/JSON
//! encoding (lowerCamelCase names, 64-bit integers as decimal strings,
//! enums as numbers, trace and span ids as hex), so a collector's OTLP/JSON
//! receiver, or `json_format.Parse` into the official `LogRecord`, takes it
//! as is.
//!
//! Mapping (documented in tests/vectors/README.md):
//! - `timeUnixNano` and `observedTimeUnixNano` are both the record's time
//!   (captured on the caller's thread: the best observation the writer
//!   has, and deterministic for the golden vectors).
//! - `severityNumber` from `Level::to_otel`, `severityText` the level name,
//!   `body` the message as a string.
//! - `traceId`/`spanId` only when they are valid W3C ids (32/16 hex, not
//!   all zero), `flags` the W3C trace flags (with a valid trace id); other ids stay
//!   attributes.
//! - Attributes, typed: `otel.scope.name` (the logger: a bare LogRecord has
//!   no InstrumentationScope around it), `service.name`, `service.version`,
//!   `deployment.environment.name` (resource attributes, which a bare
//!   LogRecord cannot carry otherwise), `correlation_id`, `request_id`,
//!   `log_type`, the caller's fields (well-known names as semantic
//!   conventions spell them: `user.id`, `session.id`, `client.address`,
//!   `http.request.method`, `url.path`, `url.full` for absolute URLs,
//!   `http.response.status_code`, `user_agent.original`), then
//!   `code.file.path`, `code.line.number`, `code.function.name`,
//!   `exception.type`, `exception.message`, `exception.stacktrace` (the
//!   traceback, else the record's stack), `exception.code`, and
//!   `code.stacktrace` for the record's stack when both exist.
//! - Values: strings, booleans, `intValue` (as a string), `doubleValue`
//!   (NaN and the infinities as the strings proto3 JSON uses), arrays as
//!   `arrayValue`, objects as `kvlistValue`, null as an empty AnyValue, an
//!   unsigned integer beyond i64 as its decimal string. Nesting deeper than
//!   `MAX_DEPTH` is cut to `"[depth limit]"`, keeping every line within
//!   protobuf's default recursion limit of 100.

use super::known::{self, Keys, Known};
use super::{write, Encoder, Meta, Scans, View};
use crate::record::{Record, Value};

/// Deepest value nesting written; each level costs protobuf parsers two
/// message levels (AnyValue, then ArrayValue or KeyValueList).
pub const MAX_DEPTH: usize = 32;

pub struct Otel {
    meta: Meta,
    scans: Scans,
}

impl Otel {
    pub fn new(meta: Meta) -> Otel {
        Otel {
            meta,
            scans: Scans::default(),
        }
    }
}

/// Attribute names this profile writes itself.
fn reserved(k: &str) -> bool {
    matches!(
        k,
        "otel.scope.name"
            | "service.name"
            | "service.version"
            | "deployment.environment.name"
            | "code.file.path"
            | "code.line.number"
            | "code.function.name"
            | "code.stacktrace"
            | "exception.type"
            | "exception.message"
            | "exception.stacktrace"
            | "exception.code"
    )
}

/// The semantic-convention name and value for a well-known field, if the
/// value has the shape the convention defines.
fn known_attr(kind: Known, v: &Value) -> Option<(&'static str, Value)> {
    let s = |name, s: Option<&str>| s.map(|s| (name, Value::Str(s.to_owned())));
    match kind {
        Known::UserId => s("user.id", known::text(v)),
        Known::SessionId => s("session.id", known::text(v)),
        Known::ClientIp => s("client.address", known::text(v)),
        Known::HttpMethod => s("http.request.method", known::text(v)),
        Known::UrlPath => s("url.path", known::text(v)),
        Known::Url => s("url.full", known::text(v).filter(|u| u.contains("://"))),
        Known::UserAgent => s("user_agent.original", known::text(v)),
        Known::Status => {
            known::status(v).map(|c| ("http.response.status_code", Value::Int(c as i64)))
        }
        Known::Referer | Known::DurationMs => None,
    }
}

/// An AnyValue.
fn any(out: &mut Vec<u8>, v: &Value, depth: usize) {
    match v {
        Value::Null => out.extend_from_slice(b"{}"),
        Value::Bool(b) => {
            out.extend_from_slice(b"{\"boolValue\":");
            out.extend_from_slice(if *b { b"true" } else { b"false" });
            out.push(b'}');
        }
        Value::Int(i) => {
            out.extend_from_slice(b"{\"intValue\":\"");
            write::int(out, *i);
            out.extend_from_slice(b"\"}");
        }
        Value::UInt(u) => match i64::try_from(*u) {
            Ok(i) => any(out, &Value::Int(i), depth),
            Err(_) => {
                out.extend_from_slice(b"{\"stringValue\":\"");
                write::uint(out, *u);
                out.extend_from_slice(b"\"}");
            }
        },
        Value::Float(f) => {
            out.extend_from_slice(b"{\"doubleValue\":");
            write::float(out, *f);
            out.push(b'}');
        }
        Value::Str(s) | Value::Raw(s) => {
            out.extend_from_slice(b"{\"stringValue\":");
            write::string(out, s);
            out.push(b'}');
        }
        Value::Array(_) | Value::Object(_) if depth >= MAX_DEPTH => {
            out.extend_from_slice(b"{\"stringValue\":\"[depth limit]\"}")
        }
        Value::Array(items) if items.is_empty() => out.extend_from_slice(b"{\"arrayValue\":{}}"),
        Value::Array(items) => {
            out.extend_from_slice(b"{\"arrayValue\":{\"values\":[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                any(out, item, depth + 1);
            }
            out.extend_from_slice(b"]}}");
        }
        Value::Object(members) if members.is_empty() => {
            out.extend_from_slice(b"{\"kvlistValue\":{}}")
        }
        Value::Object(members) => {
            out.extend_from_slice(b"{\"kvlistValue\":{\"values\":[");
            for (i, (k, v)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                key_value(out, k, v, depth + 1);
            }
            out.extend_from_slice(b"]}}");
        }
    }
}

/// A KeyValue.
fn key_value(out: &mut Vec<u8>, k: &str, v: &Value, depth: usize) {
    out.extend_from_slice(b"{\"key\":");
    write::string(out, k);
    out.extend_from_slice(b",\"value\":");
    any(out, v, depth);
    out.push(b'}');
}

/// The `attributes` array, written lazily: omitted when empty, as proto3
/// JSON omits empty repeated fields.
struct Attrs {
    count: usize,
}

impl Attrs {
    fn sep(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(if self.count == 0 {
            b",\"attributes\":["
        } else {
            b","
        });
        self.count += 1;
    }

    fn put(&mut self, out: &mut Vec<u8>, k: &str, v: &Value) {
        self.sep(out);
        key_value(out, k, v, 0);
    }

    fn str(&mut self, out: &mut Vec<u8>, k: &str, v: Option<&str>) {
        if let Some(v) = v {
            self.sep(out);
            out.extend_from_slice(b"{\"key\":");
            write::string(out, k);
            out.extend_from_slice(b",\"value\":{\"stringValue\":");
            write::string(out, v);
            out.extend_from_slice(b"}}");
        }
    }
}

impl Encoder for Otel {
    fn encode(&mut self, rec: &Record, out: &mut Vec<u8>) {
        let view = View::cached(rec, &mut self.scans);
        let nanos = u64::try_from(write::unix_nanos(rec.time)).unwrap_or(u64::MAX);
        out.extend_from_slice(b"{\"timeUnixNano\":\"");
        write::uint(out, nanos);
        out.extend_from_slice(b"\",\"observedTimeUnixNano\":\"");
        write::uint(out, nanos);
        out.extend_from_slice(b"\",\"severityNumber\":");
        write::uint(out, rec.level.to_otel() as u64);
        out.extend_from_slice(b",\"severityText\":");
        write::string(out, rec.level.as_str());
        out.extend_from_slice(b",\"body\":{\"stringValue\":");
        write::string(out, &rec.message);
        out.push(b'}');

        let trace_raw = view.id("trace_id");
        let span_raw = view.id("span_id");
        let trace = trace_raw.and_then(|t| known::hex_id(t, 32));
        let span = span_raw.and_then(|s| known::hex_id(s, 16));

        let a = &mut Attrs { count: 0 };
        let mut keys = Keys::new(reserved);
        if !rec.logger.is_empty() {
            a.str(out, "otel.scope.name", Some(&rec.logger));
        }
        a.str(out, "service.name", self.meta.service.as_deref());
        a.str(out, "service.version", self.meta.version.as_deref());
        a.str(
            out,
            "deployment.environment.name",
            self.meta.environment.as_deref(),
        );
        for (k, v) in [
            ("correlation_id", view.id("correlation_id")),
            ("request_id", view.id("request_id")),
            ("trace_id", trace_raw.filter(|_| trace.is_none())),
            ("span_id", span_raw.filter(|_| span.is_none())),
        ] {
            if v.is_some() {
                keys.take(k);
                a.str(out, k, v);
            }
            if k == "correlation_id" && view.correlation_id_rejected() {
                keys.take("correlation_id_rejected");
                a.put(out, "correlation_id_rejected", &Value::Bool(true));
            }
        }
        if let Some(t) = rec.log_type {
            keys.take("log_type");
            a.str(out, "log_type", Some(t.as_str()));
        }
        let mut used = 0u16;
        view.each_field(|k, v| {
            if let Some(kind) = Known::of(k).filter(|k| used & k.bit() == 0) {
                if let Some((name, mapped)) = known_attr(kind, v) {
                    if keys.is_free(name) {
                        used |= kind.bit();
                        keys.take(name);
                        return a.put(out, name, &mapped);
                    }
                }
            }
            a.put(out, &keys.claim(k), v);
        });
        if let Some(loc) = &rec.location {
            a.str(out, "code.file.path", Some(&loc.file));
            a.put(out, "code.line.number", &Value::Int(loc.line as i64));
            a.str(out, "code.function.name", Some(&loc.function));
        }
        let traceback = rec.exception.as_ref().and_then(|e| e.traceback.as_deref());
        if let Some(e) = &rec.exception {
            a.str(out, "exception.type", Some(&e.type_name));
            a.str(out, "exception.message", Some(&e.message));
        }
        a.str(
            out,
            "exception.stacktrace",
            traceback.or(rec.stack_trace.as_deref()),
        );
        if let Some(e) = &rec.exception {
            a.str(out, "exception.code", e.code.as_deref());
        }
        if traceback.is_some() {
            a.str(out, "code.stacktrace", rec.stack_trace.as_deref());
        }
        if let Some(v) = self.meta.schema_version.as_deref() {
            a.str(out, &keys.claim("schema_version"), Some(v));
        }
        if !rec.schema_errors.is_empty() {
            let errors = rec.schema_errors.iter().cloned().map(Value::Str).collect();
            a.put(out, &keys.claim("schema_errors"), &Value::Array(errors));
        }
        if a.count > 0 {
            out.push(b']');
        }

        if let Some(t) = &trace {
            out.extend_from_slice(b",\"traceId\":");
            write::string(out, t);
        }
        if let Some(s) = &span {
            out.extend_from_slice(b",\"spanId\":");
            write::string(out, s);
        }
        if let (Some(_), Some(f)) = (&trace, view.trace_flags()) {
            out.extend_from_slice(b",\"flags\":");
            write::uint(out, f as u64);
        }
        out.extend_from_slice(b"}\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::level::Level;

    fn value(v: &Value) -> String {
        let mut out = Vec::new();
        any(&mut out, v, 0);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn any_values_are_typed() {
        assert_eq!(value(&Value::UInt(7)), r#"{"intValue":"7"}"#);
        assert_eq!(
            value(&Value::UInt(u64::MAX)),
            r#"{"stringValue":"18446744073709551615"}"#
        );
        assert_eq!(
            value(&Value::Float(f64::NEG_INFINITY)),
            r#"{"doubleValue":"-Infinity"}"#
        );
        assert_eq!(value(&Value::Raw("{x".into())), r#"{"stringValue":"{x"}"#);
        assert_eq!(value(&Value::Array(vec![])), r#"{"arrayValue":{}}"#);
        assert_eq!(value(&Value::Object(vec![])), r#"{"kvlistValue":{}}"#);
        assert_eq!(
            value(&Value::parse_json(r#"{"a":[null,true]}"#)),
            r#"{"kvlistValue":{"values":[{"key":"a","value":{"arrayValue":{"values":[{},{"boolValue":true}]}}}]}}"#
        );
    }

    #[test]
    fn deep_values_are_cut_at_the_otel_depth() {
        let mut v = Value::Int(1);
        for _ in 0..100 {
            v = Value::Array(vec![v]);
        }
        let text = value(&v);
        assert_eq!(text.matches("arrayValue").count(), MAX_DEPTH);
        assert!(text.contains(r#"{"stringValue":"[depth limit]"}"#));
        serde_json::from_str::<serde_json::Value>(&text).unwrap();
    }

    #[test]
    fn times_beyond_u64_nanos_are_clamped() {
        let rec = Record {
            time: std::time::UNIX_EPOCH + std::time::Duration::from_secs(u64::MAX / 4),
            ..Record::new(Level::Info, "", "m")
        };
        let mut out = Vec::new();
        Otel::new(Meta::default()).encode(&rec, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            concat!(
                r#"{"timeUnixNano":"18446744073709551615","observedTimeUnixNano":"18446744073709551615","#,
                r#""severityNumber":9,"severityText":"INFO","body":{"stringValue":"m"}}"#,
                "\n"
            )
        );
    }

    #[test]
    fn a_field_named_like_a_convention_does_not_duplicate_it() {
        let rec = Record {
            time: std::time::UNIX_EPOCH,
            ..Record::new(Level::Info, "l", "m")
                .field("user.id", "direct")
                .field("user_id", "u-1")
                .field("service.name", "spoof")
        };
        let mut out = Vec::new();
        Otel::new(Meta::default()).encode(&rec, &mut out);
        let got = String::from_utf8(out).unwrap();
        assert!(
            got.contains(concat!(
                r#"{"key":"user.id","value":{"stringValue":"direct"}},"#,
                r#"{"key":"user_id","value":{"stringValue":"u-1"}},"#,
                r#"{"key":"field_service.name","value":{"stringValue":"spoof"}}"#
            )),
            "{got}"
        );
    }
}
