//! The commands read every profile the core writes (json, ecs, gcp,
//! otel): the same records give the same stats and the same trace.

use logfort_core::context::Context;
use logfort_core::{Level, Logger, Record};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

fn write(path: &Path, format: &str) {
    let doc = format!(
        r#"{{"format": {format:?}, "service": "shop", "sinks": [{{"type": "file", "path": {:?}}}]}}"#,
        path.display().to_string()
    );
    let log = Logger::from_json(Some(&doc)).unwrap();
    let recs = [
        (0, Level::Info, "app.http", "request started", "req-1", None),
        (
            1,
            Level::Error,
            "app.db",
            "db timeout",
            "req-1",
            Some(("db_query", 300.0)),
        ),
        (
            3600,
            Level::Warning,
            "app.auth",
            "login failed",
            "req-2",
            None,
        ),
        (
            3601,
            Level::Info,
            "app.db",
            "query",
            "req-2",
            Some(("db_query", 120.0)),
        ),
    ];
    for (secs, level, logger, msg, cid, perf) in recs {
        let mut r = Record::new(level, logger, msg);
        r.time = UNIX_EPOCH + Duration::from_secs(1_795_420_800 + secs);
        r.context = Some(Arc::new(Context {
            correlation_id: Some(cid.into()),
            ..Context::default()
        }));
        if let Some((op, ms)) = perf {
            r = r.field("operation", op).field("duration_ms", ms);
        }
        log.log(r).unwrap();
    }
    log.shutdown(Duration::from_secs(5)).unwrap();
}

fn logfort(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_logfort"))
        .args(args)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_profile_gives_the_same_answers() {
    let dir = tempfile::tempdir().unwrap();
    let expected_stats = "records: 4

by level
  ERROR    1
  WARNING  1
  INFO     2

by hour (UTC)
  2026-11-23T08:00Z  2
  2026-11-23T09:00Z  2

top error messages
  1  db timeout

slowest operations (duration_ms)
  operation  count  p50  p95  p99  max
  db_query       2  120  300  300  300
";
    for format in ["json", "ecs", "gcp", "otel"] {
        let path = dir.path().join(format!("{format}.log"));
        write(&path, format);
        let p = path.to_str().unwrap();
        assert_eq!(logfort(&["stats", p]), expected_stats, "{format}");
        let trace = logfort(&["trace", "req-2", "--pretty", "--color", "never", p]);
        let heads: Vec<&str> = trace.lines().filter(|l| !l.starts_with(' ')).collect();
        assert_eq!(
            heads,
            [
                "2026-11-23T09:00:00.000000Z WARNING  app.auth: login failed",
                "2026-11-23T09:00:01.000000Z INFO     app.db: query"
            ],
            "{format}"
        );
        let tail = logfort(&[
            "tail", "--level", "error", "--logger", "app", "-c", "req-1", p,
        ]);
        assert_eq!(tail.lines().count(), 1, "{format}");
        let metrics = logfort(&["metrics", p]);
        assert!(
            metrics.contains("logfort_log_records_total{level=\"INFO\"} 2\n"),
            "{format}"
        );
    }
}
