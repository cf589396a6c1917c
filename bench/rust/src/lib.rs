//! The benchmark workload of DESIGN.md, shared by every benchmark binary
//! in this crate, and the few helpers they all need: percentiles, line
//! counting and a table printer. Kept small and stable so that each
//! subsystem can add its own binary beside `pipeline`.

pub mod corpus;
pub mod naive;

use logfort_core::{Capture, Context};
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

pub const LOGGER: &str = "app.auth";
pub const MESSAGE: &str =
    r#"login failed {"password": "hunter2"} for alice@example.com card 4111-1111-1111-1111"#;
pub const CORRELATION_ID: &str = "req-7f3a9c2e-bench";
pub const USER_ID: &str = "u-123";
pub const CLIENT_IP: &str = "192.168.1.1";
pub const DURATION_MS: f64 = 12.5;
pub const REQUEST_PATH: &str = "/api/v1/login";
pub const API_KEY: &str = "sk-live-abcdef";

/// Records per measurement: `BENCH_N`, default 200 000.
pub fn records() -> usize {
    env_usize("BENCH_N", 200_000)
}

/// Repetitions of each measurement: `BENCH_ROUNDS`, default 3.
pub fn rounds() -> usize {
    env_usize("BENCH_ROUNDS", 3)
}

fn env_usize(var: &str, default: usize) -> usize {
    match std::env::var(var) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{var}={v:?}: expected a positive integer")),
        Err(_) => default,
    }
    .max(1)
}

/// The correlation context every workload record carries, built once as a
/// request would bind it (each benchmark thread makes it its current one).
pub fn workload_context() -> &'static Arc<Context> {
    static CTX: OnceLock<Arc<Context>> = OnceLock::new();
    CTX.get_or_init(|| {
        let mut c = Context::default();
        c.set("correlation_id", CORRELATION_ID);
        Arc::new(c)
    })
}

/// The workload's fields, added to a capture (`Logger::capture`); the
/// context is the thread's.
pub fn capture_fields(c: &mut Capture<'_>) {
    c.str("user_id", USER_ID);
    c.str("client_ip", CLIENT_IP);
    c.float("duration_ms", DURATION_MS);
    c.str("request_path", REQUEST_PATH);
    c.str("api_key", API_KEY);
}

/// Nearest-rank p50, p99 and p99.9 of the samples (sorted in place).
/// All zero when there are no samples.
pub fn percentiles(samples: &mut [u64]) -> (u64, u64, u64) {
    if samples.is_empty() {
        return (0, 0, 0);
    }
    samples.sort_unstable();
    let rank = |p: f64| {
        let r = (p * samples.len() as f64).ceil() as usize;
        samples[r.clamp(1, samples.len()) - 1]
    };
    (rank(0.50), rank(0.99), rank(0.999))
}

/// p50 of an empty timed region: the clock's own share of every caller
/// figure (two reads, one of which falls inside the interval).
pub fn timer_floor_ns() -> u64 {
    let mut samples: Vec<u64> = (0..100_000)
        .map(|_| {
            let t0 = std::time::Instant::now();
            t0.elapsed().as_nanos() as u64
        })
        .collect();
    percentiles(&mut samples).0
}

/// Newline count of a file (0 when it does not exist yet).
pub fn count_lines(path: &Path) -> usize {
    std::fs::read(path)
        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
        .unwrap_or(0)
}

/// When the file held all `n` lines. `flushed` is when the logger's
/// flush returned: if the file already holds every line, that is the
/// moment; otherwise (a flush that gave up early) the file is polled and
/// the moment the last line is seen counts. Panics (the benchmark is
/// invalid) on lines still missing after `timeout`, or on extra lines.
pub fn settled(path: &Path, n: usize, flushed: Instant, timeout: Duration) -> Instant {
    let deadline = flushed + timeout;
    let mut seen = count_lines(path);
    let mut at = flushed;
    while seen < n {
        assert!(
            Instant::now() < deadline,
            "{}: {seen} of {n} lines after {timeout:?}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(1));
        seen = count_lines(path);
        at = Instant::now();
    }
    assert_eq!(seen, n, "{}: more lines than records", path.display());
    at
}

/// CPU time the whole process has used (every thread, user + system), in
/// nanoseconds. On a shared machine the CPU a run costs is steadier than
/// its wall-clock rate.
pub fn process_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is valid writable storage for the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Calls per burst in a paced pass, and the pause after each burst. A
/// logger with a writer thread is first let catch up (flushed, untimed),
/// so every burst starts on an empty queue and the latency is the
/// caller's own cost (capture + enqueue), never a wait for a full queue.
pub const PACE_BURST: usize = 1000;
pub const PACE_PAUSE: Duration = Duration::from_millis(1);

/// Calls in a paced latency pass: `BENCH_PACED_N`, default 100 000.
pub fn paced_records() -> usize {
    env_usize("BENCH_PACED_N", 100_000)
}

/// p50, p99, p99.9 in nanoseconds.
pub type Percentiles = (u64, u64, u64);

/// One measured configuration: end-to-end rate, caller latency while the
/// logger is saturated (the same run), and caller latency at a pace the
/// logger keeps up with (a separate pass).
#[derive(Clone, Debug)]
pub struct Measurement {
    pub name: String,
    pub threads: usize,
    pub records_per_s: f64,
    pub saturated: Percentiles,
    pub paced: Option<Percentiles>,
    /// Process CPU time per record over the end-to-end run.
    pub cpu_ns_per_record: Option<f64>,
}

impl Measurement {
    /// From the record count, the end-to-end time and the latency samples
    /// taken during that run.
    pub fn new(
        name: &str,
        threads: usize,
        n: usize,
        elapsed: Duration,
        samples: &mut [u64],
    ) -> Measurement {
        Measurement {
            name: name.to_owned(),
            threads,
            records_per_s: n as f64 / elapsed.as_secs_f64(),
            saturated: percentiles(samples),
            paced: None,
            cpu_ns_per_record: None,
        }
    }

    /// Adds the CPU time the end-to-end run of `n` records used.
    pub fn with_cpu(mut self, n: usize, cpu_ns: u64) -> Measurement {
        self.cpu_ns_per_record = Some(cpu_ns as f64 / n as f64);
        self
    }

    /// Adds the latency samples of a paced pass.
    pub fn with_paced(mut self, samples: &mut [u64]) -> Measurement {
        self.paced = Some(percentiles(samples));
        self
    }
}

/// A table of measurements and the ratios between peers.
#[derive(Debug, Default)]
pub struct Report {
    pub title: String,
    pub rows: Vec<Measurement>,
}

impl Report {
    pub fn new(title: impl Into<String>) -> Report {
        Report {
            title: title.into(),
            rows: Vec::new(),
        }
    }

    pub fn add(&mut self, m: Measurement) {
        self.rows.push(m);
    }

    fn find(&self, name: &str, threads: usize) -> Option<&Measurement> {
        self.rows
            .iter()
            .find(|m| m.name == name && m.threads == threads)
    }

    /// `a`'s end-to-end rate over `b`'s at the same thread count.
    pub fn ratio(&self, a: &str, b: &str, threads: usize) -> Option<f64> {
        Some(self.find(a, threads)?.records_per_s / self.find(b, threads)?.records_per_s)
    }

    /// The table, then `a / b` for every thread count both have.
    pub fn print(&self, a: &str, b: &str) {
        println!("{}", self.title);
        println!(
            "  {:<16} {:>7} {:>11} {:>7} | {:>22} | {:>22}",
            "", "", "end to end", "CPU ns", "caller ns, saturated", "caller ns, paced"
        );
        println!(
            "  {:<16} {:>7} {:>11} {:>7} | {:>6} {:>7} {:>7} | {:>6} {:>7} {:>7}",
            "logger",
            "threads",
            "records/s",
            "/record",
            "p50",
            "p99",
            "p99.9",
            "p50",
            "p99",
            "p99.9"
        );
        let dash = "-".to_owned();
        for m in &self.rows {
            let (s50, s99, s999) = m.saturated;
            let [p50, p99, p999] = match m.paced {
                Some((x, y, z)) => [x, y, z].map(|v| v.to_string()),
                None => [dash.clone(), dash.clone(), dash.clone()],
            };
            let cpu = m
                .cpu_ns_per_record
                .map_or(dash.clone(), |c| format!("{c:.0}"));
            println!(
                "  {:<16} {:>7} {:>11.0} {cpu:>7} | {s50:>6} {s99:>7} {s999:>7} | {p50:>6} {p99:>7} {p999:>7}",
                m.name, m.threads, m.records_per_s
            );
        }
        let mut threads: Vec<usize> = self.rows.iter().map(|m| m.threads).collect();
        threads.dedup();
        for t in threads {
            if let (Some(x), Some(y)) = (self.find(a, t), self.find(b, t)) {
                print!(
                    "  {a} / {b}, {t} thread(s): end-to-end {:.2}x",
                    x.records_per_s / y.records_per_s
                );
                if let (Some(cx), Some(cy)) = (x.cpu_ns_per_record, y.cpu_ns_per_record) {
                    print!(", CPU per record {:.2}x less", cy / cx);
                }
                if let (Some(px), Some(py)) = (x.paced, y.paced) {
                    print!(
                        "; paced caller p50 {:.1}x and p99.9 {:.1}x lower",
                        py.0 as f64 / px.0.max(1) as f64,
                        py.2 as f64 / px.2.max(1) as f64
                    );
                }
                println!();
            }
        }
    }
}

/// The median of some ratios (rounds of the same measurement).
pub fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut s: Vec<u64> = (1..=1000).rev().collect();
        assert_eq!(percentiles(&mut s), (500, 990, 999));
        assert_eq!(percentiles(&mut [7]), (7, 7, 7));
        assert_eq!(percentiles(&mut []), (0, 0, 0));
    }

    #[test]
    fn a_workload_capture_carries_the_fields_and_the_correlation_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.log");
        let config = logfort_core::Config::from_json(&format!(
            r#"{{"sinks":[{{"type":"file","path":{:?}}}]}}"#,
            path.to_str().unwrap()
        ))
        .unwrap();
        let logger = logfort_core::Logger::new(config).unwrap();
        logfort_core::context::set_current(Some(workload_context().clone()));
        let mut c = logger.capture(logfort_core::Level::Info, LOGGER, MESSAGE);
        capture_fields(&mut c);
        c.send().unwrap();
        logfort_core::context::clear_current();
        logger.flush(Duration::from_secs(10)).unwrap();
        let line = std::fs::read_to_string(&path).unwrap();
        let want = format!(
            concat!(
                r#""logger":"app.auth","message":{:?},"correlation_id":{:?},"user_id":"u-123","#,
                r#""client_ip":"192.168.1.1","duration_ms":12.5,"request_path":"/api/v1/login","#,
                r#""api_key":"***MASKED***""#
            ),
            "login failed {\"password\": \"***MASKED***\"} for a***@example.com card ****-****-****-1111",
            CORRELATION_ID
        );
        assert!(line.contains(&want), "{line}");
    }
}
