//! The DESIGN.md workload through `logfort_core::Logger` and through
//! tracing (tracing-subscriber JSON + tracing-appender `non_blocking`,
//! lossless), side by side in one process run: end-to-end records/s
//! (until the file holds every line) and caller latency, from 1 and 4
//! threads, with the ratios logfort / tracing.

use logfort_bench::*;
use logfort_core::sink::{FileConfig, SinkConfig, SinkKind};
use logfort_core::{context, Config, Level, Logger};
use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

/// One call in this many is timed, so timing barely touches the rate.
const SAMPLE_EVERY: usize = 8;
/// Longest wait for a file to hold every line after the flush.
const SETTLE: Duration = Duration::from_secs(60);

/// End-to-end time, process CPU time (ns) until the flush returned, and
/// the caller latency samples (ns).
type Run = (Duration, u64, Vec<u64>);

/// Which pass a run is.
#[derive(Clone, Copy, PartialEq)]
enum Pass {
    /// As fast as possible; the rate is measured, 1 call in 8 timed.
    Saturated,
    /// Bursts of `PACE_BURST` calls, every one timed, then a pause.
    Paced,
}

fn main() {
    let rounds = rounds();
    let dir = tempfile::tempdir().expect("temporary directory");
    println!(
        "pipeline: {} records per end-to-end run (1 call in {SAMPLE_EVERY} timed), {} per paced \
         latency run (bursts of {PACE_BURST}, {PACE_PAUSE:?} pause), {rounds} round(s)",
        records(),
        paced_records(),
    );
    println!(
        "timer: an empty timed region reads p50 {} ns; every caller figure includes it",
        logfort_bench::timer_floor_ns()
    );
    // BENCH_ONLY=logfort or =tracing runs one peer (for profiling).
    let only = std::env::var("BENCH_ONLY").ok();
    let mut seq = 0;
    for threads in [1, 4] {
        // Every thread logs the same number of records.
        let n = records().div_ceil(threads) * threads;
        let paced_n = paced_records().div_ceil(threads) * threads;
        let mut ratios = Vec::new();
        for round in 1..=rounds {
            let mut report = Report::new(format!(
                "\n{n} records from {threads} thread(s), round {round}/{rounds}"
            ));
            // Alternate who goes first so neither always gets the cooler machine.
            for name in if round % 2 == 1 {
                ["logfort", "tracing"]
            } else {
                ["tracing", "logfort"]
            } {
                if only.as_deref().is_some_and(|o| o != name) {
                    continue;
                }
                let mut run = |n, pass| {
                    seq += 1;
                    let path = dir.path().join(format!("run-{seq}.log"));
                    let result = if name == "logfort" {
                        run_logfort(&path, n, threads, pass)
                    } else {
                        run_tracing(&path, n, threads, pass)
                    };
                    let _ = std::fs::remove_file(&path);
                    result
                };
                let (elapsed, cpu, mut samples) = run(n, Pass::Saturated);
                let (_, _, mut paced) = run(paced_n, Pass::Paced);
                report.add(
                    Measurement::new(name, threads, n, elapsed, &mut samples)
                        .with_cpu(n, cpu)
                        .with_paced(&mut paced),
                );
            }
            report.print("logfort", "tracing");
            ratios.extend(report.ratio("logfort", "tracing", threads));
        }
        if !ratios.is_empty() {
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
}

/// Starts `threads` threads; each builds its call with `setup` (binding
/// context, entering spans), waits for the others, then makes
/// `per_thread` calls as `pass` says. In a paced pass each burst is
/// followed by `settle` (untimed: waiting for the logger to catch up), then
/// the pause. Returns the moment all were released and the latency
/// samples in nanoseconds.
fn drive<S, C>(
    threads: usize,
    per_thread: usize,
    pass: Pass,
    setup: S,
    settle: impl Fn() + Send + Sync + 'static,
) -> (Instant, Vec<u64>)
where
    S: Fn() -> C + Send + Sync + 'static,
    C: FnMut(),
{
    let setup = Arc::new(setup);
    let settle = Arc::new(settle);
    let barrier = Arc::new(Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (setup, settle, barrier) = (setup.clone(), settle.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut call = setup();
                barrier.wait();
                match pass {
                    Pass::Saturated => {
                        let mut samples = Vec::with_capacity(per_thread / SAMPLE_EVERY + 1);
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
                    }
                    Pass::Paced => {
                        let mut samples = Vec::with_capacity(per_thread);
                        for i in 0..per_thread {
                            let t0 = Instant::now();
                            call();
                            samples.push(t0.elapsed().as_nanos() as u64);
                            if (i + 1) % PACE_BURST == 0 {
                                settle();
                                std::thread::sleep(PACE_PAUSE);
                            }
                        }
                        samples
                    }
                }
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
/// whenever the configuration has it on by default). Each thread binds
/// the correlation context once, as a request would, and logs with
/// `Logger::capture`, the Rust API's hot path.
fn run_logfort(path: &Path, n: usize, threads: usize, pass: Pass) -> Run {
    let mut config = Config {
        sinks: vec![SinkConfig::new(SinkKind::File(FileConfig::new(path)))],
        ..Config::default()
    };
    // BENCH_QUEUE=N tries another queue capacity than the default.
    if let Some(q) = std::env::var("BENCH_QUEUE")
        .ok()
        .and_then(|q| q.parse().ok())
    {
        config.queue.capacity = q;
    }
    let logger = Arc::new(Logger::new(config).expect("logfort logger"));
    let cpu0 = process_cpu_ns();
    let (l, settling) = (logger.clone(), logger.clone());
    let setup = move || {
        let l = l.clone();
        context::set_current(Some(workload_context().clone()));
        move || {
            let mut c = l.capture(Level::Info, LOGGER, MESSAGE);
            capture_fields(&mut c);
            c.send().expect("log")
        }
    };
    let settle = move || settling.flush(SETTLE).expect("flush");
    let (start, samples) = drive(threads, n / threads, pass, setup, settle);
    logger.flush(SETTLE).expect("flush");
    let (flushed, cpu) = (Instant::now(), process_cpu_ns() - cpu0);
    let end = settled(path, n, flushed, SETTLE);
    logger.shutdown(SETTLE).expect("shutdown");
    (end - start, cpu, samples)
}

/// tracing: JSON lines through the lossless `non_blocking` appender to a
/// file, the correlation id a field of the request span each thread has
/// entered (the usual way to bind it), fields flattened like logfort's.
/// Each run needs its own subscriber, so it is the thread's default
/// rather than the global one (a thread-local lookup per event).
fn run_tracing(path: &Path, n: usize, threads: usize, pass: Pass) -> Run {
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
    let cpu0 = process_cpu_ns();
    let d = dispatch.clone();
    let setup = move || {
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
    };
    // Nothing to settle: the appender's worker only writes lines, and a
    // burst is far below its queue.
    let (start, samples) = drive(threads, n / threads, pass, setup, || {});
    // Dropping the guard writes out everything queued.
    drop(guard);
    let (flushed, cpu) = (Instant::now(), process_cpu_ns() - cpu0);
    let end = settled(path, n, flushed, SETTLE);
    drop(dispatch);
    (end - start, cpu, samples)
}
