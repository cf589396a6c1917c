//! Schema validation overhead: the DESIGN.md workload through the Rust
//! API to a file, with schema policy `off` and with `annotate`,
//! interleaved in one run. Prints records/s end to end (until the file
//! holds every line), process CPU per record, and the annotate/off ratios
//! (target: ≤ 1.15). Wall-clock rates drift on shared machines; the CPU
//! ratio is the steadier of the two.
//!
//! `BENCH_N` records per run (default 200 000), `BENCH_ROUNDS` rounds
//! (default 5); the best of each is kept.

use logfort_core::{context, Config, Level, Logger, Record};
use std::path::Path;
use std::time::{Duration, Instant};

const MESSAGE: &str =
    r#"login failed {"password": "hunter2"} for alice@example.com card 4111-1111-1111-1111"#;

/// The workload record: level INFO, logger `app.auth`, the five fields.
fn record() -> Record {
    Record::new(Level::Info, "app.auth", MESSAGE)
        .field("user_id", "u-123")
        .field("client_ip", "192.168.1.1")
        .field("duration_ms", 12.5)
        .field("request_path", "/api/v1/login")
        .field("api_key", "sk-live-abcdef")
}

/// A file sink at `path`, `extra` top-level keys, and masking on. A build
/// whose configuration has no `mask` section runs without masking; the
/// error says why.
fn config(path: &Path, extra: &str) -> (Config, Result<(), String>) {
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

/// User + system CPU time of the whole process (caller and writer).
fn process_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is valid writable storage for the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Logs `n` workload records with a correlation id bound in the thread's
/// context; returns (wall, CPU) until every line is in the file.
fn run(config: Config, n: u64) -> (Duration, Duration) {
    let logger = Logger::new(config).unwrap_or_else(|e| panic!("{e}"));
    context::update_current(|c| c.set("correlation_id", "req-7f3a9c2e-bench"));
    let (start, cpu) = (Instant::now(), process_cpu());
    for _ in 0..n {
        logger.log(record()).unwrap_or_else(|e| panic!("{e}"));
    }
    logger
        .flush(Duration::from_secs(600))
        .unwrap_or_else(|e| panic!("{e}"));
    let cost = (start.elapsed(), process_cpu().saturating_sub(cpu));
    context::clear_current();
    cost
}

fn env_or(var: &str, default: u64) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
        .max(1)
}

fn main() {
    let n = env_or("BENCH_N", 200_000);
    let rounds = env_or("BENCH_ROUNDS", 5);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let variants = [
        ("off", r#","schema":{"policy":"off"}"#),
        ("annotate", r#","schema":{"policy":"annotate"}"#),
    ];
    let mut wall = [Duration::MAX; 2];
    let mut cpu = [Duration::MAX; 2];
    let mut masking = Ok(());
    // A warm-up round, then alternate so that machine noise hits both.
    for round in 0..=rounds {
        for (i, (name, extra)) in variants.iter().enumerate() {
            let path = dir.path().join(format!("{name}-{round}.log"));
            let (cfg, mask) = config(&path, extra);
            masking = mask;
            let (w, c) = run(cfg, n);
            let lines = std::fs::read(&path).map_or(0, |b| bytecount_lines(&b));
            assert_eq!(lines as u64, n, "{name}: lines in the file");
            let _ = std::fs::remove_file(&path);
            if round > 0 {
                wall[i] = wall[i].min(w);
                cpu[i] = cpu[i].min(c);
            }
        }
    }
    println!(
        "schema validation: {n} records x {rounds} rounds, masking {}, best of each",
        match &masking {
            Ok(()) => "on".to_owned(),
            Err(e) => format!("off ({e})"),
        }
    );
    for (i, (name, _)) in variants.iter().enumerate() {
        println!(
            "  {name:<9} {:>10.0} records/s  {:>6.2} us CPU/record",
            n as f64 / wall[i].as_secs_f64(),
            cpu[i].as_secs_f64() * 1e6 / n as f64
        );
    }
    let ratio = |d: [Duration; 2]| d[1].as_secs_f64() / d[0].as_secs_f64();
    println!(
        "  annotate/off: wall time {:.3}, CPU time {:.3} (target <= 1.15)",
        ratio(wall),
        ratio(cpu)
    );
}

fn bytecount_lines(b: &[u8]) -> usize {
    b.iter().filter(|&&c| c == b'\n').count()
}
