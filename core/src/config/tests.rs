use super::*;
use crate::sink::FileConfig;
use std::collections::HashMap;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

fn err(doc: &str) -> String {
    Config::load_with(Some(doc), env(&[]))
        .unwrap_err()
        .to_string()
}

#[test]
fn defaults_without_document_or_environment() {
    let c = Config::load_with(None, env(&[])).unwrap();
    assert_eq!(c, Config::default());
    assert_eq!(c.level, Level::Info);
    assert_eq!(c.format, Format::Json);
    assert_eq!(
        c.queue,
        QueueConfig {
            capacity: 4_096,
            overflow: Overflow::Block
        }
    );
    assert_eq!(c.sinks, vec![SinkConfig::new(SinkKind::Stdout)]);
}

#[test]
fn document_with_native_spellings() {
    let c = Config::load_with(
        Some(r#"{"level":"warn","service":"grc","environment":"production","includeCorrelationId":false,
                 "queue":{"capacity":1024,"overflow":"drop"},
                 "sinks":[{"type":"stdout"},{"type":"file","path":"logs/e.log","minLevel":"error","format":"text"}]}"#),
        env(&[]),
    )
    .unwrap();
    assert_eq!(c.level, Level::Warning);
    assert_eq!(c.service.as_deref(), Some("grc"));
    assert!(!c.include_correlation_id);
    assert_eq!(
        c.queue,
        QueueConfig {
            capacity: 1024,
            overflow: Overflow::Drop
        }
    );
    assert_eq!(
        c.sinks[1],
        SinkConfig {
            kind: SinkKind::File(FileConfig::new("logs/e.log")),
            min_level: Some(Level::Error),
            format: Some(Format::Text),
            log_types: None,
        }
    );
}

#[test]
fn errors_name_key_value_and_expectation() {
    assert_eq!(
        err(r#"{"levle":"info"}"#),
        "invalid configuration: `levle`: unknown key, expected one of: audit, environment, format, gcp_project, include_correlation_id, level, mask, monitor, performance, queue, schema, service, sinks, version"
    );
    assert_eq!(
        err(r#"{"level":"loud"}"#),
        "invalid configuration: `level`: got \"loud\", expected a level (trace, debug, info, notice, warning, error, critical) or a number"
    );
    assert_eq!(
        err(r#"{"queue":{"overflow":"sometimes"}}"#),
        "invalid configuration: `queue.overflow`: got \"sometimes\", expected \"block\" or \"drop\""
    );
    assert_eq!(
        err(r#"{"queue":{"capacity":0}}"#),
        "invalid configuration: `queue.capacity`: got 0, expected a whole number from 1 to 16777216"
    );
    assert_eq!(
        err(r#"{"sinks":[{"type":"file"}]}"#),
        "invalid configuration: `sinks[0].path`: got null, expected a file path"
    );
    assert_eq!(
        err(r#"{"sinks":[{"type":"kafka"}]}"#),
        "invalid configuration: `sinks[0].type`: got \"kafka\", expected \"stdout\", \"stderr\", \"file\", \"syslog\", \"otlp\" or \"audit\""
    );
    assert_eq!(
        err(r#"{"sinks":[]}"#),
        "invalid configuration: `sinks`: got [], expected at least one sink"
    );
    assert_eq!(
        err(r#"{"service":5}"#),
        "invalid configuration: `service`: got 5, expected a string"
    );
    assert_eq!(
        err(r#"[1]"#),
        "invalid configuration: `the configuration`: got [1], expected an object"
    );
    assert!(err("{nope").starts_with("invalid configuration: not valid JSON: key must be a string"));
}

#[test]
fn environment_overrides_the_document() {
    let c = Config::load_with(
        Some(r#"{"level":"debug","service":"a"}"#),
        env(&[
            ("LOG_LEVEL", "ERROR"),
            ("LOG_JSON_FORMAT", "false"),
            ("LOG_SERVICE", "b"),
            ("LOG_ENVIRONMENT", "staging"),
            ("LOG_VERSION", "9"),
            ("LOG_INCLUDE_CORRELATION_ID", "0"),
            ("LOG_FILE", "logs/x.log"),
        ]),
    )
    .unwrap();
    assert_eq!(c.level, Level::Error);
    assert_eq!(c.format, Format::Text);
    assert_eq!(
        (
            c.service.as_deref(),
            c.environment.as_deref(),
            c.version.as_deref()
        ),
        (Some("b"), Some("staging"), Some("9"))
    );
    assert!(!c.include_correlation_id);
    assert_eq!(c.sinks.len(), 2);
    assert_eq!(
        c.sinks[1].kind,
        SinkKind::File(FileConfig::new("logs/x.log"))
    );
    // LOG_FORMAT wins over LOG_JSON_FORMAT.
    let c = Config::load_with(
        None,
        env(&[("LOG_JSON_FORMAT", "false"), ("LOG_FORMAT", "json")]),
    )
    .unwrap();
    assert_eq!(c.format, Format::Json);
}

#[test]
fn bad_environment_values_name_the_variable() {
    let e = |pairs: &[(&str, &str)]| Config::load_with(None, env(pairs)).unwrap_err().to_string();
    assert_eq!(
        e(&[("LOG_JSON_FORMAT", "maybe")]),
        "invalid configuration: LOG_JSON_FORMAT: got \"maybe\", expected true or false"
    );
    assert_eq!(
        e(&[("LOG_FORMAT", "xml")]),
        format!(
            "invalid configuration: LOG_FORMAT: got \"xml\", expected {}",
            Format::NAMES
        )
    );
    assert!(
        e(&[("LOG_CONFIG", "/nonexistent/logfort.json")]).starts_with(
            "invalid configuration: LOG_CONFIG: cannot read \"/nonexistent/logfort.json\""
        )
    );
}

#[test]
fn log_config_names_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.json");
    std::fs::write(&path, r#"{"level":"error"}"#).unwrap();
    let c = Config::load_with(None, env(&[("LOG_CONFIG", path.to_str().unwrap())])).unwrap();
    assert_eq!(c.level, Level::Error);
}

#[test]
fn effective_level_is_the_lowest_sink_accepts() {
    let c = Config::from_json(r#"{"level":"debug","sinks":[{"type":"stdout","min_level":"warning"},{"type":"stderr","min_level":"error"}]}"#).unwrap();
    assert_eq!(c.effective_level(), Level::Warning);
    let c =
        Config::from_json(r#"{"level":"error","sinks":[{"type":"stdout","min_level":"debug"}]}"#)
            .unwrap();
    assert_eq!(c.effective_level(), Level::Error);
}
