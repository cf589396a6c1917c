//! Profile `text`: a human line for development. Time, level, logger,
//! message, then `key=value` pairs. Control characters are escaped so a
//! message can never forge a second line; colour only when asked (TTY).

use super::{write, Encoder, Meta, Scans, View};
use crate::level::Level;
use crate::record::{Record, Value};

pub struct Text {
    meta: Meta,
    color: bool,
    scans: Scans,
    clock: write::Clock,
}

impl Text {
    pub fn new(meta: Meta, color: bool) -> Text {
        Text {
            meta,
            color,
            scans: Scans::default(),
            clock: write::Clock::default(),
        }
    }
}

fn color_of(level: Level) -> &'static str {
    match level {
        Level::Trace | Level::Debug => "\x1b[2m",
        Level::Info => "\x1b[32m",
        Level::Notice => "\x1b[36m",
        Level::Warning => "\x1b[33m",
        Level::Error => "\x1b[31m",
        Level::Critical => "\x1b[1;31m",
    }
}

/// Plain text with control characters written as JSON escapes.
fn escaped(out: &mut Vec<u8>, s: &str) {
    if s.bytes().any(|b| b < 0x20) {
        let mut tmp = Vec::with_capacity(s.len() + 8);
        write::string(&mut tmp, s);
        out.extend_from_slice(&tmp[1..tmp.len() - 1]);
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

/// A value after `key=`: bare when unambiguous, JSON otherwise.
fn pair_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Str(s)
            if !s.is_empty()
                && s.bytes()
                    .all(|b| b > 0x20 && b != b'"' && b != b'=' && b != 0x7f) =>
        {
            out.extend_from_slice(s.as_bytes())
        }
        other => write::value(out, other),
    }
}

impl Encoder for Text {
    fn encode(&mut self, rec: &Record, out: &mut Vec<u8>) {
        let view = View::cached(rec, &mut self.scans);
        self.clock.write(out, rec.time);
        out.push(b' ');
        if self.color {
            out.extend_from_slice(color_of(rec.level).as_bytes());
        }
        let name = rec.level.as_str();
        out.extend_from_slice(name.as_bytes());
        if self.color {
            out.extend_from_slice(b"\x1b[0m");
        }
        out.extend_from_slice(&b"         "[..9 - name.len()]);
        escaped(out, &rec.logger);
        out.extend_from_slice(b": ");
        escaped(out, &rec.message);
        let mut pair = |k: &str, v: &Value| {
            out.push(b' ');
            if self.color {
                out.extend_from_slice(b"\x1b[2m");
            }
            escaped(out, k);
            out.push(b'=');
            if self.color {
                out.extend_from_slice(b"\x1b[0m");
            }
            pair_value(out, v);
        };
        for slot in ["correlation_id", "request_id", "trace_id", "span_id"] {
            if let Some(id) = view.id(slot) {
                pair(slot, &Value::Str(id.to_owned()));
            }
        }
        if let Some(t) = rec.log_type {
            pair("log_type", &Value::Str(t.as_str().to_owned()));
        }
        for (k, v) in [
            ("service", &self.meta.service),
            ("environment", &self.meta.environment),
        ] {
            if let Some(v) = v {
                pair(k, &Value::Str(v.clone()));
            }
        }
        view.each_field(&mut pair);
        if let Some(loc) = &rec.location {
            pair("at", &Value::Str(format!("{}:{}", loc.file, loc.line)));
        }
        if !rec.schema_errors.is_empty() {
            pair("schema_errors", &Value::Str(rec.schema_errors.join("; ")));
        }
        if let Some(e) = &rec.exception {
            pair(
                "exception",
                &Value::Str(format!("{}: {}", e.type_name, e.message)),
            );
        }
        for trace in [
            rec.exception.as_ref().and_then(|e| e.traceback.as_deref()),
            rec.stack_trace.as_deref(),
        ]
        .into_iter()
        .flatten()
        {
            for line in trace.lines() {
                out.extend_from_slice(b"\n    ");
                escaped(out, line);
            }
        }
        out.push(b'\n');
    }
}
