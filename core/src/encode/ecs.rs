//! Profile `ecs`: Elastic Common Schema as the ecs-logging spec asks for
//! it: `@timestamp`, `log.level`, `message` first and in that order,
//! `ecs.version` always, schema fields as dotted top-level keys (never
//! nested, so `log.level` stays readable and no object is half-written).
//!
//! Mapping (documented in tests/vectors/README.md):
//! - logger → `log.logger`; trace/span ids → `trace.id`/`span.id`;
//!   request id → `http.request.id`; service, environment, version →
//!   `service.name`/`.environment`/`.version`, plus `event.dataset`
//!   (`<service>.log`, sanitised as the spec says) when a service is set.
//! - Well-known caller fields with the right shape → their ECS names:
//!   `user_id` → `user.id`, `client_ip` → `client.ip` (addresses only),
//!   `http_method` → `http.request.method`, `request_path` → `url.path`,
//!   `url` → `url.original`, `status_code` → `http.response.status_code`,
//!   `user_agent` → `user_agent.original`, `referer` →
//!   `http.request.referrer`, `duration_ms` → `event.duration` (ns).
//! - Location → `log.origin.*`; exception → `error.type`/`.message`/
//!   `.code`/`.stack_trace` (the traceback, else the record's stack).
//! - Everything else goes under `labels`, which ECS keeps for custom
//!   keyword data: correlation id, log type, the caller's other fields.
//!   Label keys have `.`, `*` and `\` replaced by `_` (the spec's rule);
//!   objects are flattened (`order.id` → `labels.order_id`); arrays that
//!   hold structures are kept as their JSON text. No caller field is ever
//!   written at the top level, so none can clash with an ECS field type.

use super::known::{self, Keys, Known};
use super::{write, Encoder, Meta, Scans, View};
use crate::level::Level;
use crate::record::Record;
use crate::value::{Value, MAX_DEPTH};

/// The ECS release whose field definitions this profile follows
/// (`service.environment` needs 8.x).
pub const ECS_VERSION: &str = "8.11.0";

pub struct Ecs {
    meta: Meta,
    /// `event.dataset`, derived once from the service name.
    dataset: Option<String>,
    scans: Scans,
    clock: write::Clock,
}

impl Ecs {
    pub fn new(meta: Meta) -> Ecs {
        let dataset = meta.service.as_deref().map(dataset);
        Ecs {
            meta,
            dataset,
            scans: Scans::default(),
            clock: write::Clock::default(),
        }
    }
}

/// `event.dataset` per the ecs-logging spec: `<service>.log`, lower case,
/// the spec's reserved characters replaced by `_`, at most 100 characters.
fn dataset(service: &str) -> String {
    let mut s: String = service
        .chars()
        .map(|c| match c {
            '\\' | '/' | '*' | '?' | '"' | '<' | '>' | '|' | ' ' | ',' | '#' | ':' | '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    s.push_str(".log");
    s.chars().take(100).collect()
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Trace => "trace",
        Level::Debug => "debug",
        Level::Info => "info",
        Level::Notice => "notice",
        Level::Warning => "warning",
        Level::Error => "error",
        Level::Critical => "critical",
    }
}

/// Label keys: the spec's sanitisation.
fn label_key(k: &str) -> String {
    k.replace(['.', '*', '\\'], "_")
}

fn no_reserved(_: &str) -> bool {
    false
}

/// Writes the `labels` object lazily: nothing at all when empty.
struct Labels {
    open: bool,
    keys: Keys,
}

impl Labels {
    fn key(&mut self, out: &mut Vec<u8>, k: &str) {
        let k = self.keys.claim(k).into_owned();
        if !self.open {
            self.open = true;
            out.extend_from_slice(b",\"labels\":{");
        } else {
            out.push(b',');
        }
        write::string(out, &k);
        out.push(b':');
    }

    fn str(&mut self, out: &mut Vec<u8>, k: &str, v: &str) {
        self.key(out, k);
        write::string(out, v);
    }

    /// A caller value: scalars and scalar arrays as they are, objects
    /// flattened into `<key>_<member>`, other structures as JSON text.
    fn value(&mut self, out: &mut Vec<u8>, k: &str, v: &Value, depth: usize) {
        match v {
            Value::Object(members) if !members.is_empty() && depth < MAX_DEPTH => {
                for (mk, mv) in members {
                    self.value(out, &format!("{k}_{}", label_key(mk)), mv, depth + 1);
                }
            }
            Value::Object(_) => self.json_text(out, k, v),
            Value::Array(items)
                if items
                    .iter()
                    .any(|i| matches!(i, Value::Array(_) | Value::Object(_))) =>
            {
                self.json_text(out, k, v)
            }
            _ => {
                self.key(out, k);
                write::value(out, v);
            }
        }
    }

    fn json_text(&mut self, out: &mut Vec<u8>, k: &str, v: &Value) {
        let mut text = Vec::new();
        write::value(&mut text, v);
        self.key(out, k);
        // write::value always yields UTF-8.
        write::string(out, &String::from_utf8_lossy(&text));
    }
}

/// Writes a well-known field under its ECS name when its value has the
/// shape ECS defines; false leaves it for `labels`.
fn known_field(out: &mut Vec<u8>, first: &mut bool, kind: Known, v: &Value) -> bool {
    let string = |out: &mut Vec<u8>, first: &mut bool, name: &str, s: Option<&str>| {
        s.map(|s| {
            write::key(out, first, name);
            write::string(out, s);
        })
        .is_some()
    };
    match kind {
        Known::ClientIp => string(out, first, "client.ip", known::ip(v)),
        Known::UserId => string(out, first, "user.id", known::text(v)),
        Known::HttpMethod => string(out, first, "http.request.method", known::text(v)),
        Known::UrlPath => string(out, first, "url.path", known::text(v)),
        Known::Url => string(out, first, "url.original", known::text(v)),
        Known::UserAgent => string(out, first, "user_agent.original", known::text(v)),
        Known::Referer => string(out, first, "http.request.referrer", known::text(v)),
        Known::Status => known::status(v)
            .map(|s| {
                write::key(out, first, "http.response.status_code");
                write::uint(out, s as u64);
            })
            .is_some(),
        Known::DurationMs => known::duration_nanos(v)
            .map(|ns| {
                write::key(out, first, "event.duration");
                write::uint(out, ns);
            })
            .is_some(),
        Known::SessionId => false,
    }
}

impl Encoder for Ecs {
    fn encode(&mut self, rec: &Record, out: &mut Vec<u8>) {
        let view = View::cached(rec, &mut self.scans);
        let first = &mut true;
        let opt = |out: &mut Vec<u8>, first: &mut bool, k: &str, v: Option<&str>| {
            if let Some(v) = v {
                write::key(out, first, k);
                write::string(out, v);
            }
        };
        out.push(b'{');
        write::key(out, first, "@timestamp");
        out.push(b'"');
        self.clock.write(out, rec.time);
        out.push(b'"');
        write::key(out, first, "log.level");
        write::string(out, level_name(rec.level));
        write::key(out, first, "message");
        write::string(out, &rec.message);
        write::key(out, first, "ecs.version");
        write::string(out, ECS_VERSION);
        write::key(out, first, "log.logger");
        write::string(out, &rec.logger);
        opt(out, first, "trace.id", view.id("trace_id"));
        opt(out, first, "span.id", view.id("span_id"));
        opt(out, first, "http.request.id", view.id("request_id"));
        opt(out, first, "service.name", self.meta.service.as_deref());
        opt(
            out,
            first,
            "service.environment",
            self.meta.environment.as_deref(),
        );
        opt(out, first, "service.version", self.meta.version.as_deref());
        opt(out, first, "event.dataset", self.dataset.as_deref());

        // Pass 1: well-known fields to their ECS names, first one per fact.
        let mut used = 0u16;
        let mut mapped = Vec::new();
        view.each_field(|k, v| {
            let hit = match Known::of(k) {
                Some(kind) if used & kind.bit() == 0 => {
                    let ok = known_field(out, first, kind, v);
                    if ok {
                        used |= kind.bit();
                    }
                    ok
                }
                _ => false,
            };
            mapped.push(hit);
        });

        if let Some(loc) = &rec.location {
            write::key(out, first, "log.origin.file.name");
            write::string(out, &loc.file);
            write::key(out, first, "log.origin.file.line");
            write::uint(out, loc.line as u64);
            write::key(out, first, "log.origin.function");
            write::string(out, &loc.function);
        }
        let traceback = rec.exception.as_ref().and_then(|e| e.traceback.as_deref());
        if let Some(e) = &rec.exception {
            write::key(out, first, "error.type");
            write::string(out, &e.type_name);
            write::key(out, first, "error.message");
            write::string(out, &e.message);
            opt(out, first, "error.code", e.code.as_deref());
        }
        opt(
            out,
            first,
            "error.stack_trace",
            traceback.or(rec.stack_trace.as_deref()),
        );

        // Pass 2: everything else under `labels`.
        let mut labels = Labels {
            open: false,
            keys: Keys::new(no_reserved),
        };
        if let Some(id) = view.id("correlation_id") {
            labels.str(out, "correlation_id", id);
        }
        if view.correlation_id_rejected() {
            labels.key(out, "correlation_id_rejected");
            out.extend_from_slice(b"true");
        }
        if let Some(t) = rec.log_type {
            labels.str(out, "log_type", t.as_str());
        }
        let mut i = 0;
        view.each_field(|k, v| {
            if !mapped[i] {
                labels.value(out, &label_key(k), v, 0);
            }
            i += 1;
        });
        if let (Some(_), Some(stack)) = (traceback, rec.stack_trace.as_deref()) {
            labels.str(out, "stack_info", stack);
        }
        if let Some(v) = self.meta.schema_version.as_deref() {
            labels.str(out, "schema_version", v);
        }
        if !rec.schema_errors.is_empty() {
            labels.key(out, "schema_errors");
            write::strings(out, &rec.schema_errors);
        }
        if labels.open {
            out.push(b'}');
        }
        out.extend_from_slice(b"}\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Exception;

    fn line(meta: Meta, rec: &Record) -> String {
        let mut out = Vec::new();
        Ecs::new(meta).encode(rec, &mut out);
        String::from_utf8(out).unwrap()
    }

    fn at_epoch(rec: Record) -> Record {
        Record {
            time: std::time::UNIX_EPOCH,
            ..rec
        }
    }

    #[test]
    fn dataset_follows_the_spec_sanitisation() {
        assert_eq!(dataset("GRC-Backend/api v2"), "grc_backend_api_v2.log");
        assert_eq!(dataset(&"x".repeat(200)).chars().count(), 100);
    }

    #[test]
    fn labels_flatten_objects_and_keep_scalar_arrays() {
        let rec = at_epoch(
            Record::new(Level::Info, "l", "m")
                .field(
                    "order",
                    Value::parse_json(r#"{"id":5,"ship.to":{"city":"Oslo"},"e":{}}"#),
                )
                .field("tags", Value::parse_json(r#"["a",1,null]"#))
                .field("rows", Value::parse_json(r#"[{"a":1}]"#))
                .field("order_id", "clash"),
        );
        assert_eq!(
            line(Meta::default(), &rec),
            concat!(
                r#"{"@timestamp":"1970-01-01T00:00:00.000000Z","log.level":"info","message":"m","#,
                r#""ecs.version":"8.11.0","log.logger":"l","labels":{"order_id":5,"#,
                r#""order_ship_to_city":"Oslo","order_e":"{}","tags":["a",1,null],"#,
                r#""rows":"[{\"a\":1}]","field_order_id":"clash"}}"#,
                "\n"
            )
        );
    }

    #[test]
    fn wrong_shapes_stay_labels_and_second_facts_too() {
        let rec = at_epoch(
            Record::new(Level::Warning, "l", "m")
                .field("client_ip", "unknown")
                .field("status", "ok")
                .field("http_method", "GET")
                .field("request_method", "POST")
                .field("duration_ms", 1.5),
        );
        assert_eq!(
            line(Meta::default(), &rec),
            concat!(
                r#"{"@timestamp":"1970-01-01T00:00:00.000000Z","log.level":"warning","message":"m","#,
                r#""ecs.version":"8.11.0","log.logger":"l","http.request.method":"GET","#,
                r#""event.duration":1500000,"labels":{"client_ip":"unknown","status":"ok","#,
                r#""request_method":"POST"}}"#,
                "\n"
            )
        );
    }

    #[test]
    fn both_stacks_are_kept() {
        let mut rec = at_epoch(Record::new(Level::Error, "l", "m"));
        rec.exception = Some(Box::new(Exception {
            type_name: "E".into(),
            message: "bad".into(),
            traceback: Some("tb".into()),
            code: None,
        }));
        rec.stack_trace = Some("st".into());
        let got = line(Meta::default(), &rec);
        assert!(got.contains(r#""error.type":"E","error.message":"bad","error.stack_trace":"tb","labels":{"stack_info":"st"}}"#), "{got}");
    }
}
