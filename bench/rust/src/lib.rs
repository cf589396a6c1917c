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

/// What one run cost.
#[derive(Clone, Copy, Debug)]
pub struct Cost {
    /// Wall time until every line is in the file.
    pub wall: Duration,
    /// CPU time of the whole process (caller and writer) over the same
    /// span: unlike wall time, it does not grow when other processes take
    /// the machine's cores, so ratios of it are steadier on shared hosts.
    pub cpu: Duration,
}

/// User + system CPU time of this process so far.
pub fn process_cpu() -> Duration {
    // SAFETY: getrusage writes into the zeroed struct we own.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above; RUSAGE_SELF is always valid.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// Logs `n` workload records from this thread with a correlation id bound
/// in context, until every line is in the file.
pub fn run(config: Config, n: u64) -> Cost {
    let logger = Logger::new(config).unwrap_or_else(|e| panic!("{e}"));
    context::update_current(|c| c.set("correlation_id", "bench-correlation-id"));
    let (start, cpu) = (Instant::now(), process_cpu());
    for _ in 0..n {
        logger.log(record()).unwrap_or_else(|e| panic!("{e}"));
    }
    logger
        .flush(Duration::from_secs(600))
        .unwrap_or_else(|e| panic!("{e}"));
    let cost = Cost {
        wall: start.elapsed(),
        cpu: process_cpu().saturating_sub(cpu),
    };
    context::clear_current();
    cost
}

/// Records per second.
pub fn rate(n: u64, took: Duration) -> f64 {
    n as f64 / took.as_secs_f64()
}
