//! Profile `json`: the record format of DESIGN.md, keys in its order.

use super::{write, Encoder, Meta, Scans, View};
use crate::level::Level;
use crate::record::{Record, Value};

pub struct Json {
    meta: Meta,
    scans: Scans,
    clock: write::Clock,
    /// The end of a record without schema errors (`schema_version`, then
    /// `}` and the newline), written once here.
    tail: Vec<u8>,
}

impl Json {
    pub fn new(meta: Meta) -> Json {
        let mut tail = Vec::new();
        write::close(&mut tail, &mut false, meta.schema_version.as_deref(), &[]);
        Json {
            meta,
            scans: Scans::default(),
            clock: write::Clock::default(),
            tail,
        }
    }
}

#[inline(always)]
fn member(out: &mut Vec<u8>, first: &mut bool, k: &str, v: &Value) {
    write::key(out, first, k);
    write::value(out, v);
}

/// What follows the timestamp up to the logger's value: literals but for
/// the level, whose names need no escaping.
fn level_piece(level: Level) -> &'static [u8] {
    match level {
        Level::Trace => b"\",\"level\":\"TRACE\",\"logger\":",
        Level::Debug => b"\",\"level\":\"DEBUG\",\"logger\":",
        Level::Info => b"\",\"level\":\"INFO\",\"logger\":",
        Level::Notice => b"\",\"level\":\"NOTICE\",\"logger\":",
        Level::Warning => b"\",\"level\":\"WARNING\",\"logger\":",
        Level::Error => b"\",\"level\":\"ERROR\",\"logger\":",
        Level::Critical => b"\",\"level\":\"CRITICAL\",\"logger\":",
    }
}

impl Encoder for Json {
    fn encode(&mut self, rec: &Record, out: &mut Vec<u8>) {
        let view = View::cached(rec, &mut self.scans);
        // The leading members are always there: their keys are literals.
        out.extend_from_slice(b"{\"timestamp\":\"");
        self.clock.write(out, rec.time);
        out.extend_from_slice(level_piece(rec.level));
        write::string(out, &rec.logger);
        out.extend_from_slice(b",\"message\":");
        write::string(out, &rec.message);
        let first = &mut false;
        write::opt(out, first, "correlation_id", view.id("correlation_id"));
        if view.correlation_id_rejected() {
            write::key(out, first, "correlation_id_rejected");
            out.extend_from_slice(b"true");
        }
        write::opt(out, first, "request_id", view.id("request_id"));
        write::opt(out, first, "trace_id", view.id("trace_id"));
        write::opt(out, first, "span_id", view.id("span_id"));
        write::opt(out, first, "service", self.meta.service.as_deref());
        write::opt(out, first, "environment", self.meta.environment.as_deref());
        write::opt(out, first, "version", self.meta.version.as_deref());
        write::opt(out, first, "log_type", rec.log_type.map(|t| t.as_str()));
        // The common body in a loop here: through `each_field`'s callback
        // the members cost about 360 instructions more a record.
        match view.own_fields() {
            Some(fields) => fields.for_each(|(k, v)| member(out, first, &k, v)),
            None => view.each_field(|k, v| member(out, first, k, v)),
        }
        if let Some(loc) = &rec.location {
            write::key(out, first, "file");
            write::string(out, &loc.file);
            write::key(out, first, "line");
            write::uint(out, loc.line as u64);
            write::key(out, first, "function");
            write::string(out, &loc.function);
        }
        if let Some(e) = &rec.exception {
            write::key(out, first, "exception");
            out.push(b'{');
            let inner = &mut true;
            write::key(out, inner, "type");
            write::string(out, &e.type_name);
            write::key(out, inner, "message");
            write::string(out, &e.message);
            write::opt(out, inner, "traceback", e.traceback.as_deref());
            write::opt(out, inner, "code", e.code.as_deref());
            out.push(b'}');
        }
        write::opt(out, first, "stack_trace", rec.stack_trace.as_deref());
        let errors = &rec.schema_errors;
        if errors.is_empty() {
            out.extend_from_slice(&self.tail);
        } else {
            write::close(out, first, self.meta.schema_version.as_deref(), errors);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_level_piece_names_its_level() {
        for level in Level::ALL {
            let want = format!("\",\"level\":\"{}\",\"logger\":", level.as_str());
            assert_eq!(level_piece(level), want.as_bytes(), "{level:?}");
        }
    }
}
