//! Profiles chosen by configuration: `format` / `LOG_FORMAT` for the
//! logger, `format` per sink, each sink receiving its own profile's line
//! (the golden vectors' "minimal" lines).

use logfort_core::encode::Format;
use logfort_core::{Config, Level, Logger, Record, Value};
use std::time::{Duration, UNIX_EPOCH};

fn expected_minimal() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/records.json");
    let Value::Array(cases) = Value::parse_json(&std::fs::read_to_string(path).unwrap()) else {
        panic!("records.json: not an array")
    };
    let case = cases
        .into_iter()
        .find(|c| c.get("name") == Some(&Value::from("minimal")))
        .expect("a case named minimal");
    case.get("expected").unwrap().clone()
}

#[test]
fn format_names_users_type() {
    for (name, format) in [
        ("json", Format::Json),
        ("ECS", Format::Ecs),
        ("elastic", Format::Ecs),
        ("gcp", Format::Gcp),
        ("stackdriver", Format::Gcp),
        ("cloud-logging", Format::Gcp),
        ("otel", Format::Otel),
        ("otlp", Format::Otel),
        ("OpenTelemetry", Format::Otel),
        ("text", Format::Text),
    ] {
        assert_eq!(name.parse::<Format>(), Ok(format), "{name}");
        let env = |k: &str| (k == "LOG_FORMAT").then(|| name.to_owned());
        assert_eq!(Config::load_with(None, env).unwrap().format, format);
    }
    assert_eq!("xml".parse::<Format>(), Err(()));
    for f in [
        Format::Json,
        Format::Ecs,
        Format::Gcp,
        Format::Otel,
        Format::Text,
    ] {
        assert_eq!(f.as_str().parse::<Format>(), Ok(f));
        assert!(
            Format::NAMES.contains(&format!("\"{f}\"")),
            "{f} missing from NAMES"
        );
    }
    let err = Config::from_json(r#"{"format":"xml"}"#)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "invalid configuration: `format`: got \"xml\", expected \"json\", \"ecs\", \"gcp\", \"otel\" or \"text\""
    );
}

#[test]
fn each_sink_writes_its_own_profile() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let sink = |name: &str, format: Option<&str>| {
        let p = path(name);
        let p = p.to_str().unwrap();
        match format {
            Some(f) => format!(r#"{{"type":"file","path":{p:?},"format":"{f}"}}"#),
            None => format!(r#"{{"type":"file","path":{p:?}}}"#),
        }
    };
    let doc = format!(
        // Schema policy off: the golden "minimal" lines carry no schema_version.
        r#"{{"format":"otel","schema":{{"policy":"off"}},"sinks":[{},{},{},{},{}]}}"#,
        sink("default.log", None),
        sink("json.log", Some("json")),
        sink("ecs.log", Some("ecs")),
        sink("gcp.log", Some("gcp")),
        sink("text.log", Some("text")),
    );
    let logger = Logger::new(Config::from_json(&doc).unwrap()).unwrap();
    let mut rec = Record::new(Level::Info, "app", "hello");
    rec.time = UNIX_EPOCH + Duration::new(1_795_417_821, 123_456_000);
    logger.log(rec).unwrap();
    logger.shutdown(Duration::from_secs(10)).unwrap();

    let expected = expected_minimal();
    for (file, profile) in [
        ("default.log", "otel"),
        ("json.log", "json"),
        ("ecs.log", "ecs"),
        ("gcp.log", "gcp"),
        ("text.log", "text"),
    ] {
        let want = expected.get(profile).and_then(Value::as_str).unwrap();
        let got = std::fs::read_to_string(path(file)).unwrap();
        assert_eq!(got, format!("{want}\n"), "{file}");
    }
}
