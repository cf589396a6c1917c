//! Golden vectors: every case of tests/vectors/records.json, encoded by
//! every profile, must equal its expected line byte for byte. The Python
//! and Node suites replay the same file through their own APIs, so all
//! languages write identical lines.
//!
//! `LOGFORT_BLESS=1 cargo test -p logfort-core --test vectors` rewrites
//! the expected lines from the current encoders; review the diff by hand
//! against the specs before committing it.

use logfort_core::encode::{encoder, write, Format, Meta};
use logfort_core::{Context, Exception, Level, Location, LogType, Record, Value};
use std::path::PathBuf;
use std::sync::Arc;

const FORMATS: [Format; 5] = [
    Format::Json,
    Format::Ecs,
    Format::Gcp,
    Format::Otel,
    Format::Text,
];

fn vectors_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/records.json")
}

fn members<'a>(v: &'a Value, what: &str) -> &'a [(String, Value)] {
    match v {
        Value::Object(m) => m,
        other => panic!("{what}: expected an object, got {other:?}"),
    }
}

fn string(v: &Value, what: &str) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("{what}: expected a string, got {v:?}"))
        .to_owned()
}

/// A field value from the file: `{"$float": "NaN" | "Infinity" |
/// "-Infinity"}` stands for the float JSON cannot spell.
fn field_value(v: &Value) -> Value {
    match v {
        Value::Object(m) if m.len() == 1 && m[0].0 == "$float" => match m[0].1.as_str() {
            Some("NaN") => Value::Float(f64::NAN),
            Some("Infinity") => Value::Float(f64::INFINITY),
            Some("-Infinity") => Value::Float(f64::NEG_INFINITY),
            other => panic!("$float: unknown value {other:?}"),
        },
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), field_value(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(field_value).collect()),
        other => other.clone(),
    }
}

fn fields(v: &Value, what: &str) -> Vec<(String, Value)> {
    members(v, what)
        .iter()
        .map(|(k, v)| (k.clone(), field_value(v)))
        .collect()
}

fn meta(v: Option<&Value>) -> Meta {
    let mut meta = Meta::default();
    for (k, v) in v.map_or(&[][..], |v| members(v, "config")) {
        let s = Some(string(v, k));
        match k.as_str() {
            "service" => meta.service = s,
            "environment" => meta.environment = s,
            "version" => meta.version = s,
            "gcp_project" => meta.gcp_project = s,
            other => panic!("config: unknown key {other}"),
        }
    }
    meta
}

fn context(v: &Value) -> Context {
    let mut c = Context::default();
    for (k, v) in members(v, "context") {
        let s = || Some(string(v, k));
        match k.as_str() {
            "correlation_id" => c.correlation_id = s(),
            "correlation_id_rejected" => c.correlation_id_rejected = v == &Value::Bool(true),
            "request_id" => c.request_id = s(),
            "trace_id" => c.trace_id = s(),
            "span_id" => c.span_id = s(),
            "trace_flags" => {
                c.trace_flags = Some(match v {
                    Value::Int(n) => u8::try_from(*n).expect("trace_flags: 0..=255"),
                    other => panic!("trace_flags: expected an integer, got {other:?}"),
                })
            }
            "user_id" => c.user_id = s(),
            "session_id" => c.session_id = s(),
            "fields" => c.fields = fields(v, "context.fields"),
            other => panic!("context: unknown key {other}"),
        }
    }
    c
}

/// Builds the record as the writer would see it before encoding (raw
/// fields resolved).
fn record(v: &Value) -> Record {
    let get = |k: &str| v.get(k);
    let time = humantime::parse_rfc3339(&string(get("time").expect("record.time"), "time"))
        .expect("record.time: RFC 3339");
    let level: Level = string(get("level").expect("record.level"), "level")
        .parse()
        .expect("record.level: a level name");
    let mut rec = Record::new(
        level,
        string(get("logger").expect("record.logger"), "logger"),
        string(get("message").expect("record.message"), "message"),
    );
    rec.time = time;
    for (k, v) in members(v, "record") {
        match k.as_str() {
            "time" | "level" | "logger" | "message" => {}
            "fields" => rec.fields = fields(v, "record.fields"),
            "raw_fields" => rec.raw_fields = Some(string(v, k)),
            "context" => rec.context = Some(Arc::new(context(v))),
            "log_type" => {
                rec.log_type = Some(LogType::parse(&string(v, k)).expect("record.log_type"))
            }
            "location" => {
                rec.location = Some(Box::new(Location {
                    file: string(v.get("file").expect("location.file"), "file"),
                    line: match v.get("line") {
                        Some(Value::Int(n)) => u32::try_from(*n).expect("location.line"),
                        other => panic!("location.line: {other:?}"),
                    },
                    function: string(v.get("function").expect("location.function"), "function"),
                }))
            }
            "exception" => {
                let opt = |k: &str| v.get(k).map(|s| string(s, k));
                rec.exception = Some(Box::new(Exception {
                    type_name: opt("type").expect("exception.type"),
                    message: opt("message").expect("exception.message"),
                    traceback: opt("traceback"),
                    code: opt("code"),
                }))
            }
            "stack_trace" => rec.stack_trace = Some(string(v, k)),
            "schema_errors" => {
                let Value::Array(items) = v else {
                    panic!("schema_errors: expected an array")
                };
                rec.schema_errors = items.iter().map(|e| string(e, k)).collect();
            }
            other => panic!("record: unknown key {other}"),
        }
    }
    rec.resolve_raw();
    rec
}

/// Every profile's line for one case, without the final newline.
fn encode_all(case: &Value) -> Vec<(String, Value)> {
    let rec = record(case.get("record").expect("case.record"));
    let meta = meta(case.get("config"));
    FORMATS
        .iter()
        .map(|f| {
            let mut out = Vec::new();
            encoder(*f, meta.clone(), false).encode(&rec, &mut out);
            let line = String::from_utf8(out).expect("UTF-8 output");
            let line = line
                .strip_suffix('\n')
                .unwrap_or_else(|| panic!("{f} line without a final newline: {line:?}"));
            (f.as_str().to_owned(), Value::Str(line.to_owned()))
        })
        .collect()
}

/// Compact JSON with no depth limit (the file's own structure).
fn compact(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                compact(out, item);
            }
            out.push(b']');
        }
        Value::Object(m) => {
            out.push(b'{');
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                write::string(out, k);
                out.extend_from_slice(b": ");
                compact(out, v);
            }
            out.push(b'}');
        }
        scalar => write::value(out, scalar),
    }
}

/// The file layout: cases and their sections one member per line, values
/// below that compact.
fn pretty(out: &mut Vec<u8>, v: &Value, indent: usize, levels: usize) {
    let pad = |out: &mut Vec<u8>, n: usize| out.resize(out.len() + n, b' ');
    match v {
        Value::Array(items) if levels > 0 && !items.is_empty() => {
            out.extend_from_slice(b"[\n");
            for (i, item) in items.iter().enumerate() {
                pad(out, indent + 2);
                pretty(out, item, indent + 2, levels - 1);
                out.extend_from_slice(if i + 1 < items.len() { b",\n" } else { b"\n" });
            }
            pad(out, indent);
            out.push(b']');
        }
        Value::Object(m) if levels > 0 && !m.is_empty() => {
            out.extend_from_slice(b"{\n");
            for (i, (k, v)) in m.iter().enumerate() {
                pad(out, indent + 2);
                write::string(out, k);
                out.extend_from_slice(b": ");
                pretty(out, v, indent + 2, levels - 1);
                out.extend_from_slice(if i + 1 < m.len() { b",\n" } else { b"\n" });
            }
            pad(out, indent);
            out.push(b'}');
        }
        other => compact(out, other),
    }
}

#[test]
fn every_profile_matches_the_golden_vectors() {
    let path = vectors_path();
    let text = std::fs::read_to_string(&path).expect("tests/vectors/records.json");
    let Value::Array(cases) = Value::parse_json(&text) else {
        panic!("records.json: expected an array of cases")
    };
    assert!(cases.len() >= 25, "only {} cases", cases.len());

    if std::env::var_os("LOGFORT_BLESS").is_some_and(|v| v == "1") {
        let blessed: Vec<Value> = cases
            .iter()
            .map(|case| {
                let mut m: Vec<(String, Value)> = members(case, "case")
                    .iter()
                    .filter(|(k, _)| k != "expected")
                    .cloned()
                    .collect();
                m.push(("expected".into(), Value::Object(encode_all(case))));
                Value::Object(m)
            })
            .collect();
        let mut out = Vec::new();
        pretty(&mut out, &Value::Array(blessed), 0, 4);
        out.push(b'\n');
        std::fs::write(&path, out).expect("write records.json");
        return;
    }

    let mut failures = Vec::new();
    let mut names = Vec::new();
    for case in &cases {
        let name = string(case.get("name").expect("case.name"), "name");
        assert!(!names.contains(&name), "duplicate case name {name}");
        names.push(name.clone());
        let expected = case
            .get("expected")
            .unwrap_or_else(|| panic!("{name}: no expected lines (run with LOGFORT_BLESS=1)"));
        for (profile, got) in encode_all(case) {
            let want = expected
                .get(&profile)
                .unwrap_or_else(|| panic!("{name}: no expected {profile} line"));
            if *want != got {
                failures.push(format!(
                    "{name} [{profile}]\n  want {}\n  got  {}",
                    want.as_str().unwrap_or("?"),
                    got.as_str().unwrap_or("?")
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches (LOGFORT_BLESS=1 rewrites after review):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_profile_line_is_one_json_document_or_one_text_record() {
    if std::env::var_os("LOGFORT_BLESS").is_some() {
        return; // the other test is rewriting the file
    }
    let text = std::fs::read_to_string(vectors_path()).expect("records.json");
    let Value::Array(cases) = Value::parse_json(&text) else {
        panic!("not an array")
    };
    for case in &cases {
        for (profile, line) in encode_all(case) {
            let line = line.as_str().unwrap();
            if profile == "text" {
                assert!(!line.contains('\r'));
                // Continuation lines only for tracebacks, each indented.
                for cont in line.split('\n').skip(1) {
                    assert!(cont.starts_with("    "), "{profile}: {cont:?}");
                }
            } else {
                assert!(!line.contains('\n'), "{profile}: raw newline");
                serde_json::from_str::<serde_json::Value>(line)
                    .unwrap_or_else(|e| panic!("{profile}: not JSON ({e}): {line}"));
                let doc = Value::parse_json(line);
                assert_unique_keys(&doc, &format!("{profile}: {line}"));
                if let Some(Value::Array(attrs)) = doc.get("attributes") {
                    let keys: Vec<&Value> = attrs.iter().filter_map(|a| a.get("key")).collect();
                    for (i, k) in keys.iter().enumerate() {
                        assert!(
                            !keys[..i].contains(k),
                            "otel: attribute {k:?} twice: {line}"
                        );
                    }
                }
            }
        }
    }
}

/// No object in an output line may hold a key twice: a consumer would
/// keep one value and silently lose the other.
fn assert_unique_keys(v: &Value, what: &str) {
    match v {
        Value::Object(m) => {
            for (i, (k, v)) in m.iter().enumerate() {
                assert!(
                    !m[..i].iter().any(|(e, _)| e == k),
                    "key {k:?} twice in {what}"
                );
                assert_unique_keys(v, what);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| assert_unique_keys(i, what)),
        _ => {}
    }
}
