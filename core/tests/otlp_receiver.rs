//! The OTLP sink against a local receiver (tests/sinks/otlp_receiver.py)
//! that decodes every request with the official protobuf definitions. The
//! sink's lines come from the `otel` profile, its default.
//! `make test` provides the Python environment (.venv with
//! opentelemetry-proto) and sets LOGFORT_REQUIRE_OTLP_PROTO=1; elsewhere,
//! without it, the receiver tests say so and pass.

use logfort_core::{Config, Level, Logger, Record};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn python() -> Option<PathBuf> {
    let py = std::env::var_os("LOGFORT_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv/bin/python"));
    let ok = Command::new(&py)
        .args([
            "-c",
            "import opentelemetry.proto.collector.logs.v1.logs_service_pb2",
        ])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return Some(py);
    }
    if std::env::var_os("LOGFORT_REQUIRE_OTLP_PROTO").is_some() {
        panic!(
            "{} cannot import opentelemetry-proto (run `make venv`)",
            py.display()
        );
    }
    eprintln!("SKIPPED: no Python with opentelemetry-proto (make venv provides it)");
    None
}

struct Receiver {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Receiver {
    fn start(py: &Path, fail: u32) -> Receiver {
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new(py)
            .arg(root().join("tests/sinks/otlp_receiver.py"))
            .arg("--port-file")
            .arg(dir.path().join("port"))
            .arg("--out")
            .arg(dir.path().join("records.jsonl"))
            .arg("--stats")
            .arg(dir.path().join("stats.json"))
            .arg("--fail")
            .arg(fail.to_string())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let port = loop {
            if let Some(p) = fs::read_to_string(dir.path().join("port"))
                .ok()
                .and_then(|s| s.parse().ok())
            {
                break p;
            }
            assert!(Instant::now() < deadline, "receiver did not start");
            std::thread::sleep(Duration::from_millis(20));
        };
        Receiver { child, dir, port }
    }

    fn records(&self) -> Vec<Json> {
        fs::read_to_string(self.dir.path().join("records.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn stats(&self) -> Json {
        serde_json::from_str(&fs::read_to_string(self.dir.path().join("stats.json")).unwrap())
            .unwrap()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn logger(endpoint: &str, extra: Json) -> Logger {
    let mut sink = serde_json::json!({"type": "otlp", "endpoint": endpoint, "batch_size": 100,
                                      "batch_timeout_ms": 50});
    for (k, v) in extra.as_object().unwrap() {
        sink[k] = v.clone();
    }
    let doc = serde_json::json!({"service": "grc-backend", "environment": "test", "version": "1.2.3",
                                 "sinks": [sink]});
    Logger::new(Config::from_json(&doc.to_string()).unwrap()).unwrap()
}

fn record(i: u64) -> Record {
    let level = if i.is_multiple_of(7) {
        Level::Error
    } else {
        Level::Info
    };
    Record::new(level, "app.auth", format!("login {i}"))
        .field("i", i)
        .field("user_id", "u-123")
        .field("duration_ms", 12.5)
        .field("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736")
        .field("span_id", "00f067aa0ba902b7")
}

/// Every record decoded by the receiver, checked field by field; returns
/// how often each `i` arrived.
fn check(records: &[Json]) -> HashMap<u64, usize> {
    let mut seen = HashMap::new();
    for r in records {
        let i = r["attributes"]["i"].as_i64().unwrap() as u64;
        assert_eq!(
            r["resource"],
            serde_json::json!({"service.name": "grc-backend", "deployment.environment.name": "test",
                               "service.version": "1.2.3"})
        );
        assert_eq!(r["scope"], "logfort");
        assert_eq!(r["body"], format!("login {i}"));
        let (num, text) = if i.is_multiple_of(7) {
            (17, "ERROR")
        } else {
            (9, "INFO")
        };
        assert_eq!(
            (r["severity_number"].as_i64(), r["severity_text"].as_str()),
            (Some(num), Some(text))
        );
        assert_eq!(r["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(r["span_id"], "00f067aa0ba902b7");
        // The `otel` profile's names (semantic conventions where they exist).
        let a = &r["attributes"];
        assert_eq!(a["user.id"], "u-123", "{r}");
        assert_eq!(a["duration_ms"], 12.5, "{r}");
        assert_eq!(a["otel.scope.name"], "app.auth", "{r}");
        assert_eq!(a["service.name"], "grc-backend", "{r}");
        assert!(r["time_unix_nano"].as_u64().unwrap() > 1_700_000_000_000_000_000);
        *seen.entry(i).or_insert(0) += 1;
    }
    seen
}

fn assert_each_once(seen: &HashMap<u64, usize>, n: u64) {
    assert_eq!(seen.len() as u64, n, "missing records");
    assert!(seen.values().all(|c| *c == 1), "duplicates");
}

#[test]
fn every_record_decodes_with_the_official_definitions() {
    let Some(py) = python() else { return };
    let rx = Receiver::start(&py, 0);
    let logger = logger(
        &format!("http://127.0.0.1:{}", rx.port),
        serde_json::json!({}),
    );
    for i in 0..1000 {
        logger.log(record(i)).unwrap();
    }
    logger.flush(Duration::from_secs(10)).unwrap();
    logger.shutdown(Duration::from_secs(10)).unwrap();
    assert_each_once(&check(&rx.records()), 1000);
    let stats = rx.stats();
    assert_eq!(stats["errors"], serde_json::json!([]));
    assert_eq!(stats["gzip"], stats["requests"]);
    assert!(
        stats["requests"].as_u64().unwrap() >= 10,
        "batches of at most 100"
    );
    assert_eq!(logger.metrics().get("logfort_sink_dropped_total", &[]), 0);
}

#[test]
fn records_wait_out_a_receiver_answering_503() {
    let Some(py) = python() else { return };
    let rx = Receiver::start(&py, 5);
    let logger = logger(
        &format!("http://127.0.0.1:{}", rx.port),
        serde_json::json!({"compress": false}),
    );
    for i in 0..500 {
        logger.log(record(i)).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while rx.records().len() < 500 && Instant::now() < deadline {
        let _ = logger.flush(Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(50));
    }
    logger.shutdown(Duration::from_secs(10)).unwrap();
    assert_each_once(&check(&rx.records()), 500);
    let stats = rx.stats();
    assert_eq!(
        (stats["refused"].as_u64(), stats["gzip"].as_u64()),
        (Some(5), Some(0))
    );
    assert_eq!(stats["errors"], serde_json::json!([]));
    let m = logger.metrics();
    assert_eq!(m.get("logfort_sink_dropped_total", &[]), 0);
    assert_eq!(m.get("logfort_sink_errors_total", &[]), 5);
}

#[test]
fn an_unreachable_receiver_costs_at_most_the_shutdown_bound() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let logger = logger(
        &format!("http://127.0.0.1:{port}"),
        serde_json::json!({"shutdown_timeout_ms": 300, "timeout_ms": 200}),
    );
    for i in 0..50 {
        logger.log(record(i)).unwrap();
    }
    assert!(logger.flush(Duration::from_secs(10)).is_ok());
    logger.shutdown(Duration::from_secs(10)).unwrap();
    let m = logger.metrics();
    assert_eq!(m.get("logfort_sink_dropped_total", &[]), 50);
    assert!(m.get("logfort_sink_errors_total", &[]) >= 1);
}

#[test]
fn a_partial_batch_is_sent_when_its_time_is_up() {
    let Some(py) = python() else { return };
    let rx = Receiver::start(&py, 0);
    let logger = logger(
        &format!("http://127.0.0.1:{}", rx.port),
        serde_json::json!({"batch_size": 1000, "batch_timeout_ms": 100}),
    );
    for i in 0..3 {
        logger.log(record(i)).unwrap();
    }
    // No flush: only the batch timer can send these.
    let deadline = Instant::now() + Duration::from_secs(20);
    while rx.records().len() < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_each_once(&check(&rx.records()), 3);
    logger.shutdown(Duration::from_secs(10)).unwrap();
}

#[test]
fn json_profile_lines_are_mapped_to_valid_log_records() {
    let Some(py) = python() else { return };
    let rx = Receiver::start(&py, 0);
    let logger = logger(
        &format!("http://127.0.0.1:{}", rx.port),
        serde_json::json!({"format": "json"}),
    );
    for i in 0..20 {
        logger.log(record(i)).unwrap();
    }
    logger.shutdown(Duration::from_secs(10)).unwrap();
    let records = rx.records();
    assert_eq!(rx.stats()["errors"], serde_json::json!([]));
    assert_eq!(records.len(), 20);
    for (i, r) in records.iter().enumerate() {
        let (num, text) = if (i as u64).is_multiple_of(7) {
            (17, "ERROR")
        } else {
            (9, "INFO")
        };
        assert_eq!(r["body"], format!("login {i}"));
        assert_eq!(
            (r["severity_number"].as_i64(), r["severity_text"].as_str()),
            (Some(num), Some(text))
        );
        assert_eq!(r["attributes"]["user_id"], "u-123");
        assert_eq!(r["attributes"]["logger"], "app.auth");
        assert_eq!(r["attributes"]["i"], i as u64);
        assert_eq!(r["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(r["resource"]["service.name"], "grc-backend");
    }
}
