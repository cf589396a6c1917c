//! Profile `gcp`: Google Cloud Logging structured logging. The logging
//! agent (Cloud Run, GKE, the Ops Agent) lifts the special keys out of
//! each line into the LogEntry and keeps the rest as `jsonPayload`.
//!
//! Mapping (documented in tests/vectors/README.md):
//! - `severity` from the level (`Level::to_gcp`), `message`, `time`.
//! - `logging.googleapis.com/trace`: `projects/<gcp_project>/traces/<id>`
//!   when a project is configured, the bare id otherwise;
//!   `logging.googleapis.com/spanId`; `logging.googleapis.com/trace_sampled`
//!   from the W3C flags. Ids that are not valid W3C hex stay in the
//!   payload as `trace_id`/`span_id`.
//! - `httpRequest` when the record carries an HTTP method, URL/path or
//!   status: `requestMethod`, `requestUrl`, `status`, `userAgent`,
//!   `remoteIp`, `referer`, `latency` ("0.0125s") from the well-known
//!   field names; the fields it takes are not repeated in the payload.
//! - `logging.googleapis.com/sourceLocation` {file, line (a string, as
//!   int64 is in JSON), function}.
//! - Errors for Error Reporting: `exception` {type, message, code},
//!   `stack_trace` (the traceback, else the record's stack), and
//!   `serviceContext` {service, version} when a service is configured.
//! - Everything else keeps its `json`-profile name in the payload; a
//!   caller key that Cloud Logging would treat specially is written as
//!   `field_<key>`, so no field can change a line's severity or trace.

use super::known::{self, Keys, Known};
use super::{write, Encoder, Meta, Scans, View};
use crate::record::{Record, Value};

pub struct Gcp {
    meta: Meta,
    scans: Scans,
    clock: write::Clock,
}

impl Gcp {
    pub fn new(meta: Meta) -> Gcp {
        Gcp {
            meta,
            scans: Scans::default(),
            clock: write::Clock::default(),
        }
    }
}

/// Keys Cloud Logging interprets, and the ones this profile writes
/// besides the `json` profile's (which `View` already renames).
fn reserved(k: &str) -> bool {
    k.starts_with("logging.googleapis.com/")
        || matches!(
            k,
            "severity"
                | "time"
                | "timestampSeconds"
                | "timestampNanos"
                | "httpRequest"
                | "serviceContext"
                | "stack_info"
                | "textPayload"
        )
}

/// The order `httpRequest` members are written in (the LogEntry's).
const HTTP_SLOTS: [Known; 7] = [
    Known::HttpMethod,
    Known::Url,
    Known::Status,
    Known::UserAgent,
    Known::ClientIp,
    Known::Referer,
    Known::DurationMs,
];

/// A protobuf Duration in JSON: seconds with up to nine fractional
/// digits and an `s`.
fn latency(nanos: u64) -> String {
    let (secs, frac) = (nanos / 1_000_000_000, nanos % 1_000_000_000);
    if frac == 0 {
        format!("{secs}s")
    } else {
        let digits = format!("{frac:09}");
        format!("{secs}.{}s", digits.trim_end_matches('0'))
    }
}

/// One `httpRequest` member rendered from a field, if the value fits.
fn http_member(kind: Known, v: &Value) -> Option<(&'static str, Vec<u8>)> {
    let mut out = Vec::new();
    let name = match kind {
        Known::HttpMethod => {
            write::string(&mut out, known::text(v)?);
            "requestMethod"
        }
        Known::Url | Known::UrlPath => {
            write::string(&mut out, known::text(v)?);
            "requestUrl"
        }
        Known::Status => {
            write::uint(&mut out, known::status(v)? as u64);
            "status"
        }
        Known::UserAgent => {
            write::string(&mut out, known::text(v)?);
            "userAgent"
        }
        Known::ClientIp => {
            write::string(&mut out, known::ip(v)?);
            "remoteIp"
        }
        Known::Referer => {
            write::string(&mut out, known::text(v)?);
            "referer"
        }
        Known::DurationMs => {
            write::string(&mut out, &latency(known::duration_nanos(v)?));
            "latency"
        }
        Known::UserId | Known::SessionId => return None,
    };
    Some((name, out))
}

/// What pass 1 found: per `HTTP_SLOTS` entry, the field's position in
/// `each_field` order and its rendered value.
type HttpSlots = [Option<(usize, &'static str, Vec<u8>)>; HTTP_SLOTS.len()];

fn slot_of(kind: Known) -> Option<usize> {
    // A path fills the URL slot when no full URL does.
    let kind = if kind == Known::UrlPath {
        Known::Url
    } else {
        kind
    };
    HTTP_SLOTS.iter().position(|k| *k == kind)
}

impl Encoder for Gcp {
    fn encode(&mut self, rec: &Record, out: &mut Vec<u8>) {
        let view = View::cached(rec, &mut self.scans);
        let first = &mut true;
        out.push(b'{');
        write::key(out, first, "severity");
        write::string(out, rec.level.to_gcp());
        write::key(out, first, "message");
        write::string(out, &rec.message);
        write::key(out, first, "time");
        out.push(b'"');
        self.clock.write(out, rec.time);
        out.push(b'"');

        let trace_raw = view.id("trace_id");
        let span_raw = view.id("span_id");
        let trace = trace_raw.and_then(|t| known::hex_id(t, 32));
        let span = span_raw.and_then(|s| known::hex_id(s, 16));
        if let Some(t) = &trace {
            write::key(out, first, "logging.googleapis.com/trace");
            match &self.meta.gcp_project {
                Some(p) => write::string(out, &format!("projects/{p}/traces/{t}")),
                None => write::string(out, t),
            }
        }
        if let Some(s) = &span {
            write::key(out, first, "logging.googleapis.com/spanId");
            write::string(out, s);
        }
        if let (Some(_), Some(flags)) = (&trace, view.trace_flags()) {
            write::key(out, first, "logging.googleapis.com/trace_sampled");
            out.extend_from_slice(if flags & 1 == 1 { b"true" } else { b"false" });
        }

        write::key(out, first, "logger");
        write::string(out, &rec.logger);
        write::opt(out, first, "correlation_id", view.id("correlation_id"));
        if view.correlation_id_rejected() {
            write::key(out, first, "correlation_id_rejected");
            out.extend_from_slice(b"true");
        }
        write::opt(out, first, "request_id", view.id("request_id"));
        if trace.is_none() {
            write::opt(out, first, "trace_id", trace_raw);
        }
        if span.is_none() {
            write::opt(out, first, "span_id", span_raw);
        }
        write::opt(out, first, "service", self.meta.service.as_deref());
        write::opt(out, first, "environment", self.meta.environment.as_deref());
        write::opt(out, first, "version", self.meta.version.as_deref());
        write::opt(out, first, "log_type", rec.log_type.map(|t| t.as_str()));

        // Pass 1: the first fitting field for each httpRequest member.
        let mut slots: HttpSlots = Default::default();
        let mut i = 0;
        view.each_field(|k, v| {
            if let Some(kind) = Known::of(k) {
                if let Some(s) = slot_of(kind).filter(|s| slots[*s].is_none()) {
                    if let Some((name, bytes)) = http_member(kind, v) {
                        slots[s] = Some((i, name, bytes));
                    }
                }
            }
            i += 1;
        });
        // Only an HTTP fact (method, URL, status) makes an httpRequest.
        let is_http = slots[..3].iter().any(Option::is_some);
        let mut taken = Vec::new();
        if is_http {
            write::key(out, first, "httpRequest");
            out.push(b'{');
            let inner = &mut true;
            for (pos, name, bytes) in slots.iter().flatten() {
                write::key(out, inner, name);
                out.extend_from_slice(bytes);
                taken.push(*pos);
            }
            out.push(b'}');
        }

        // Pass 2: the payload fields.
        let mut keys = Keys::new(reserved);
        let mut i = 0;
        view.each_field(|k, v| {
            if !taken.contains(&i) {
                write::key(out, first, &keys.claim(k));
                write::value(out, v);
            }
            i += 1;
        });

        if let Some(loc) = &rec.location {
            write::key(out, first, "logging.googleapis.com/sourceLocation");
            out.push(b'{');
            let inner = &mut true;
            write::key(out, inner, "file");
            write::string(out, &loc.file);
            write::key(out, inner, "line");
            out.push(b'"');
            write::uint(out, loc.line as u64);
            out.push(b'"');
            write::key(out, inner, "function");
            write::string(out, &loc.function);
            out.push(b'}');
        }
        let traceback = rec.exception.as_ref().and_then(|e| e.traceback.as_deref());
        if let Some(e) = &rec.exception {
            write::key(out, first, "exception");
            out.push(b'{');
            let inner = &mut true;
            write::key(out, inner, "type");
            write::string(out, &e.type_name);
            write::key(out, inner, "message");
            write::string(out, &e.message);
            write::opt(out, inner, "code", e.code.as_deref());
            out.push(b'}');
        }
        let stack = traceback.or(rec.stack_trace.as_deref());
        write::opt(out, first, "stack_trace", stack);
        if traceback.is_some() {
            write::opt(out, first, "stack_info", rec.stack_trace.as_deref());
        }
        if let (Some(service), true) = (
            &self.meta.service,
            rec.exception.is_some() || stack.is_some(),
        ) {
            write::key(out, first, "serviceContext");
            out.push(b'{');
            let inner = &mut true;
            write::key(out, inner, "service");
            write::string(out, service);
            write::opt(out, inner, "version", self.meta.version.as_deref());
            out.push(b'}');
        }
        write::close(
            out,
            first,
            self.meta.schema_version.as_deref(),
            &rec.schema_errors,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::level::Level;

    fn line(meta: Meta, rec: &Record) -> String {
        let mut out = Vec::new();
        Gcp::new(meta).encode(rec, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn latency_is_a_protobuf_duration() {
        assert_eq!(latency(0), "0s");
        assert_eq!(latency(12_500_000), "0.0125s");
        assert_eq!(latency(3_000_000_000), "3s");
        assert_eq!(latency(1_000_000_001), "1.000000001s");
    }

    #[test]
    fn special_keys_from_callers_are_renamed() {
        let rec = Record {
            time: std::time::UNIX_EPOCH,
            ..Record::new(Level::Debug, "l", "m")
                .field("severity", "EMERGENCY")
                .field("logging.googleapis.com/trace", "x")
                .field("field_severity", 1)
        };
        assert_eq!(
            line(Meta::default(), &rec),
            concat!(
                r#"{"severity":"DEBUG","message":"m","time":"1970-01-01T00:00:00.000000Z","#,
                r#""logger":"l","field_severity":"EMERGENCY","#,
                r#""field_logging.googleapis.com/trace":"x","field_field_severity":1}"#,
                "\n"
            )
        );
    }

    #[test]
    fn latency_alone_makes_no_http_request() {
        let rec = Record {
            time: std::time::UNIX_EPOCH,
            ..Record::new(Level::Info, "l", "m")
                .field("duration_ms", 2)
                .field("client_ip", "10.0.0.1")
        };
        assert_eq!(
            line(Meta::default(), &rec),
            concat!(
                r#"{"severity":"INFO","message":"m","time":"1970-01-01T00:00:00.000000Z","#,
                r#""logger":"l","duration_ms":2,"client_ip":"10.0.0.1"}"#,
                "\n"
            )
        );
    }

    #[test]
    fn project_comes_from_the_document_then_the_environment() {
        let env = |k: &str| (k == "GOOGLE_CLOUD_PROJECT").then(|| "from-env".to_owned());
        let c = Config::load_with(Some(r#"{"gcpProject": "doc"}"#), env).unwrap();
        assert_eq!(c.meta().gcp_project.as_deref(), Some("doc"));
        let c = Config::load_with(Some("{}"), env).unwrap();
        assert_eq!(c.meta().gcp_project.as_deref(), Some("from-env"));
        let c = Config::load_with(Some("{}"), |_| None).unwrap();
        assert_eq!(c.meta().gcp_project, None);
        let err = Config::from_json(r#"{"gcp_project": 5}"#).unwrap_err();
        assert!(err.to_string().contains("gcp_project"), "{err}");
    }
}
