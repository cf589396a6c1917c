//! Sink configuration: DESIGN.md's example parses, every key is checked,
//! level-split files through a whole logger.

use logfort_core::sink::{Facility, Rotate, SinkKind, Transport};
use logfort_core::{Config, Level, Logger, Record};
use std::time::Duration;

fn err(doc: &str) -> String {
    Config::from_json(doc).unwrap_err().to_string()
}

#[test]
fn the_design_example_parses() {
    let c = Config::from_json(
        r#"{"sinks": [{"type": "stdout"},
           {"type": "file", "path": "logs/combined.log", "max_bytes": 5242880, "backups": 5, "compress": true},
           {"type": "file", "path": "logs/error.log", "min_level": "error"}]}"#,
    )
    .unwrap();
    let SinkKind::File(f) = &c.sinks[1].kind else {
        panic!("not a file sink")
    };
    assert_eq!(f.path.to_str(), Some("logs/combined.log"));
    assert_eq!(
        (f.max_bytes, f.backups, f.compress),
        (Some(5_242_880), Some(5), true)
    );
    let SinkKind::File(e) = &c.sinks[2].kind else {
        panic!("not a file sink")
    };
    assert_eq!((e.max_bytes, e.compress), (None, false));
    assert_eq!(c.sinks[2].min_level, Some(Level::Error));
}

#[test]
fn time_rotation_and_native_spellings() {
    let c = Config::from_json(
        r#"{"sinks": [{"type": "file", "path": "a.log", "rotate": "midnight", "maxAgeDays": 90,
                       "reopen-on-sighup": false}]}"#,
    )
    .unwrap();
    let SinkKind::File(f) = &c.sinks[0].kind else {
        panic!()
    };
    assert_eq!(
        (f.rotate, f.max_age_days),
        (Some(Rotate::Midnight), Some(90.0))
    );
}

#[test]
fn bad_file_keys_are_named() {
    assert_eq!(
        err(r#"{"sinks": [{"type": "file", "path": "a.log", "max_bytes": 0}]}"#),
        "invalid configuration: `sinks[0].max_bytes`: got 0, expected a whole number from 1 to 18446744073709551615"
    );
    assert_eq!(
        err(r#"{"sinks": [{"type": "file", "path": "a.log", "rotate": "weekly"}]}"#),
        "invalid configuration: `sinks[0].rotate`: got \"weekly\", expected \"hourly\", \"daily\" or \"midnight\""
    );
    assert_eq!(
        err(r#"{"sinks": [{"type": "file", "path": "a.log", "backups": 3}]}"#),
        "invalid configuration: `sinks[0].backups`: got 3, expected `max_bytes` or `rotate` to be set as well"
    );
    assert_eq!(
        err(r#"{"sinks": [{"type": "file", "path": "a.log", "max_bytes": 10, "rotate": "daily"}]}"#),
        "invalid configuration: `sinks[0].rotate`: got \"daily\", expected no `rotate` beside `max_bytes` (pick size or time)"
    );
    assert!(err(
        r#"{"sinks": [{"type": "file", "path": "a.log", "max_bytes": 10, "compres": true}]}"#
    )
    .starts_with("invalid configuration: `sinks[0].compres`: unknown key, expected one of: "));
    assert_eq!(
        err(r#"{"sinks": [{"type": "pipe"}]}"#),
        "invalid configuration: `sinks[0].type`: got \"pipe\", expected \"stdout\", \"stderr\", \"file\", \"syslog\", \"otlp\" or \"audit\""
    );
}

#[test]
fn syslog_keys() {
    let c = Config::from_json(
        r#"{"sinks": [{"type": "syslog", "transport": "tcp", "address": "127.0.0.1:6514",
                       "facility": "local3", "app_name": "api", "msgid": "REQ",
                       "structured_data": {"meta@32473": {"env": "prod\"x]"}}}]}"#,
    )
    .unwrap();
    let SinkKind::Syslog(s) = &c.sinks[0].kind else {
        panic!()
    };
    assert_eq!((s.transport, s.facility), (Transport::Tcp, Facility(19)));
    assert_eq!(
        s.structured_data.as_deref(),
        Some(r#"[meta@32473 env="prod\"x\]"]"#)
    );
    assert_eq!(
        err(r#"{"sinks": [{"type": "syslog", "facility": "local9"}]}"#),
        "invalid configuration: `sinks[0].facility`: got \"local9\", expected a facility name (user, daemon, local0 … local7, …)"
    );
    assert_eq!(
        err(r#"{"sinks": [{"type": "syslog", "app_name": "my app"}]}"#),
        "invalid configuration: `sinks[0].app_name`: got \"my app\", expected 1 to 48 printable ASCII characters without spaces"
    );
    assert_eq!(
        err(r#"{"sinks": [{"type": "syslog", "transport": "tcp", "address": "nowhere"}]}"#),
        "invalid configuration: `sinks[0].address`: got \"nowhere\", expected host:port"
    );
}

#[test]
fn otlp_keys() {
    let c = Config::from_json(
        r#"{"sinks": [{"type": "otlp", "endpoint": "http://127.0.0.1:4318", "batch_size": 100,
                       "batch_timeout_ms": 200, "headers": {"x-api-key": "k"}, "compress": false}]}"#,
    )
    .unwrap();
    let SinkKind::Otlp(o) = &c.sinks[0].kind else {
        panic!()
    };
    assert_eq!((o.batch_size, o.compress), (100, false));
    assert_eq!(o.headers, [("x-api-key".to_owned(), "k".to_owned())]);
    assert_eq!(
        err(r#"{"sinks": [{"type": "otlp", "endpoint": "https://collector:4318"}]}"#),
        "invalid configuration: `sinks[0].endpoint`: got \"https://collector:4318\", expected an http:// URL (for TLS, send to a local collector)"
    );
    assert_eq!(
        err(r#"{"sinks": [{"type": "otlp", "headers": {"a": 1}}]}"#),
        "invalid configuration: `sinks[0].headers.a`: got 1, expected a header name mapping to a string"
    );
}

#[test]
fn level_split_files_beside_a_combined_file() {
    let dir = tempfile::tempdir().unwrap();
    let combined = dir.path().join("logs/combined.log");
    let error = dir.path().join("logs/error.log");
    let doc = serde_json::json!({"level": "debug", "sinks": [
        {"type": "file", "path": combined, "max_bytes": 5242880, "backups": 5, "compress": true},
        {"type": "file", "path": error, "min_level": "error"}]});
    let logger = Logger::new(Config::from_json(&doc.to_string()).unwrap()).unwrap();
    for (level, msg) in [
        (Level::Debug, "d"),
        (Level::Info, "i"),
        (Level::Error, "e"),
        (Level::Warning, "w"),
        (Level::Critical, "c"),
    ] {
        logger.log(Record::new(level, "app", msg)).unwrap();
    }
    logger.shutdown(Duration::from_secs(10)).unwrap();
    let messages = |p: &std::path::Path| -> Vec<String> {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["message"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(messages(&combined), ["d", "i", "e", "w", "c"]);
    assert_eq!(messages(&error), ["e", "c"]);
}
