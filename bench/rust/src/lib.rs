//! The DESIGN.md benchmark workload through the Rust API, shared by the
//! benchmark binaries: one record shape, written to a file, timed end to
//! end (until `flush` returns, i.e. the file holds every line).

use logfort_core::{context, Config, Level, Logger, Record};
use std::path::Path;
use std::time::{Duration, Instant};

pub const MESSAGE: &str =
    r#"login failed {"password": "hunter2"} for alice@example.com card 4111-1111-1111-1111"#;

/// The workload record: level INFO, logger `app.auth`, the five fields.
pub fn record() -> Record {
    Record::new(Level::Info, "app.auth", MESSAGE)
        .field("user_id", "u-123")
        .field("client_ip", "192.168.1.1")
        .field("duration_ms", 12.5)
        .field("request_path", "/api/v1/login")
        .field("api_key", "sk-live-abcdef")
}

/// A configuration writing to `path` with `extra` top-level keys, and
/// masking on. A build whose configuration rejects the `mask` section
/// runs without masking; the error says why.
pub fn config(path: &Path, extra: &str) -> (Config, Result<(), String>) {
    let base = format!(
        r#""sinks":[{{"type":"file","path":{:?}}}]{extra}"#,
        path.to_str().unwrap_or_default()
    );
    match Config::from_json(&format!(r#"{{"mask":{{"enabled":true}},{base}}}"#)) {
        Ok(c) => (c, Ok(())),
        Err(e) => (
            Config::from_json(&format!("{{{base}}}")).unwrap_or_else(|e| panic!("{e}")),
            Err(e.to_string()),
        ),
    }
}

/// Logs `n` workload records from this thread with a correlation id bound
/// in context; returns the time until every line is in the file.
pub fn run(config: Config, n: u64) -> Duration {
    let logger = Logger::new(config).unwrap_or_else(|e| panic!("{e}"));
    context::update_current(|c| c.set("correlation_id", "bench-correlation-id"));
    let start = Instant::now();
    for _ in 0..n {
        logger.log(record()).unwrap_or_else(|e| panic!("{e}"));
    }
    logger
        .flush(Duration::from_secs(600))
        .unwrap_or_else(|e| panic!("{e}"));
    let took = start.elapsed();
    context::clear_current();
    took
}

/// Records per second.
pub fn rate(n: u64, took: Duration) -> f64 {
    n as f64 / took.as_secs_f64()
}
