//! The DESIGN.md workload through `logfort_core::Logger` and through
//! tracing (tracing-subscriber JSON + tracing-appender `non_blocking`,
//! lossless), side by side in one process run: end-to-end records/s
//! (until the file holds every line) and caller latency, from 1 and 4
//! threads, with the ratios logfort / tracing.

use logfort_bench::*;
use logfort_core::sink::{FileConfig, SinkConfig, SinkKind};
use logfort_core::{Config, Logger};
use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

/// One call in this many is timed, so timing barely touches the rate.
const SAMPLE_EVERY: usize = 8;
/// Longest wait for a file to hold every line after the flush.
const SETTLE: Duration = Duration::from_secs(60);

fn main() {
    let rounds = rounds();
    let dir = tempfile::tempdir().expect("temporary directory");
    println!(
        "pipeline: {} records per measurement, {rounds} round(s), 1 call in {SAMPLE_EVERY} timed",
        records()
    );
    // BENCH_ONLY=logfort or =tracing runs one peer (for profiling).
    let only = std::env::var("BENCH_ONLY").ok();
    let mut seq = 0;
    for threads in [1, 4] {
        // Every thread logs the same number of records.
        let n = records().div_ceil(threads) * threads;
        let mut ratios = Vec::new();
        for round in 1..=rounds {
            let mut report = Report::new(format!(
                "\n{n} records from {threads} thread(s), round {round}/{rounds}"
            ));
            // Alternate who goes first so neither always gets the cooler machine.
            for first in [round % 2 == 0, round % 2 != 0] {
                let name = if first { "logfort" } else { "tracing" };
                if !only.as_deref().is_none_or(|o| o == name) {
                    continue;
                }
                seq += 1;
                let path = dir.path().join(format!("run-{seq}.log"));
                report.add(if first {
                    run_logfort(&path, n, threads)
                } else {
                    run_tracing(&path, n, threads)
                });
                let _ = std::fs::remove_file(&path);
            }
            report.print("logfort", "tracing");
            ratios.extend(report.ratio("logfort", "tracing", threads));
        }
        println!(
            "\n{threads} thread(s): logfort / tracing end-to-end, median of {rounds} round(s): {:.2}x (rounds: {})",
            median(&mut ratios.clone()),
            ratios
                .iter()
                .map(|r| format!("{r:.2}x"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

/// Starts `threads` threads; each builds its call with `setup` (binding
/// context, entering spans), waits for the others, then makes
/// `per_thread` calls, timing one in `SAMPLE_EVERY`. Returns the moment
/// all were released and the latency samples in nanoseconds.
fn drive<S, C>(threads: usize, per_thread: usize, setup: S) -> (Instant, Vec<u64>)
where
    S: Fn() -> C + Send + Sync + 'static,
    C: FnMut(),
{
    let setup = Arc::new(setup);
    let barrier = Arc::new(Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (setup, barrier) = (setup.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut samples = Vec::with_capacity(per_thread / SAMPLE_EVERY + 1);
                let mut call = setup();
                barrier.wait();
                for i in 0..per_thread {
                    if i % SAMPLE_EVERY == 0 {
                        let t0 = Instant::now();
                        call();
                        samples.push(t0.elapsed().as_nanos() as u64);
                    } else {
                        call();
                    }
                }
                samples
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    let samples = handles
        .into_iter()
        .flat_map(|h| h.join().expect("benchmark thread"))
        .collect();
    (start, samples)
}

/// logfort: the file sink, default configuration otherwise (masking on
/// whenever the configuration has it on by default).
fn run_logfort(path: &Path, n: usize, threads: usize) -> Measurement {
    let mut config = Config::default();
    config.sinks = vec![SinkConfig::new(SinkKind::File(FileConfig::new(path)))];
    let logger = Arc::new(Logger::new(config).expect("logfort logger"));
    let l = logger.clone();
    let (start, mut samples) = drive(threads, n / threads, move || {
        let l = l.clone();
        move || l.log(workload_record()).expect("log")
    });
    logger.flush(SETTLE).expect("flush");
    let end = settled(path, n, Instant::now(), SETTLE);
    logger.shutdown(SETTLE).expect("shutdown");
    Measurement::new("logfort", threads, n, end - start, &mut samples)
}

/// tracing: JSON lines through the lossless `non_blocking` appender to a
/// file, the correlation id a field of the request span each thread has
/// entered (the usual way to bind it), fields flattened like logfort's.
fn run_tracing(path: &Path, n: usize, threads: usize) -> Measurement {
    let file = std::fs::File::create(path).expect("tracing log file");
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .finish(file);
    let subscriber = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_span_list(false)
        .with_writer(writer)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let dispatch = tracing::Dispatch::new(subscriber);
    let d = dispatch.clone();
    let (start, mut samples) = drive(threads, n / threads, move || {
        let default = tracing::dispatcher::set_default(&d);
        let span = tracing::info_span!("request", correlation_id = CORRELATION_ID).entered();
        move || {
            let _bound = (&default, &span);
            tracing::info!(
                target: "app.auth",
                user_id = USER_ID,
                client_ip = CLIENT_IP,
                duration_ms = DURATION_MS,
                request_path = REQUEST_PATH,
                api_key = API_KEY,
                "{}",
                MESSAGE
            );
        }
    });
    // Dropping the guard writes out everything queued.
    drop(guard);
    let end = settled(path, n, Instant::now(), SETTLE);
    drop(dispatch);
    Measurement::new("tracing", threads, n, end - start, &mut samples)
}
