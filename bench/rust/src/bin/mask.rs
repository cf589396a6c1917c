//! Masking benchmark: logfort's scanner against the naive baseline (the
//! same detectors as separate `Regex::replace_all` passes) on two corpora,
//! in the same run; then the DESIGN.md workload end to end, masking on
//! against masking off. Prints MB/s, records/s and the ratios.

use logfort_bench::{corpus, naive::Naive};
use logfort_core::mask::{MaskConfig, MaskStage, Masker};
use logfort_core::{context, Level, Logger, Record, Stage, Value};
use std::borrow::Cow;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// CPU time of the calling thread: on a shared machine, wall time also
/// counts the time other processes held the core.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for the call to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Best of `rounds` timings (thread CPU time) of one pass of `f` over
/// every line.
fn time_lines(lines: &[String], rounds: usize, f: &dyn Fn(&str) -> usize) -> Duration {
    (0..rounds)
        .map(|_| {
            let t = thread_cpu();
            let mut changed = 0;
            for l in lines {
                changed += f(l);
            }
            black_box(changed);
            thread_cpu() - t
        })
        .min()
        .unwrap_or_default()
}

/// 1 when the text came back different (a `Cow::Owned` may hold the
/// same text: `replace_all` with a closure that keeps a match).
fn changed(input: &str, c: Cow<'_, str>) -> usize {
    usize::from(c != input)
}

fn mbps(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64() / 1e6
}

fn scanner(name: &str, lines: &[String], masker: &Masker, naive: &Naive) -> (f64, f64) {
    let bytes: usize = lines.iter().map(String::len).sum();
    let ours = masker_changes(lines, masker);
    let theirs = lines
        .iter()
        .filter(|l| changed(l, naive.mask(l)) == 1)
        .count();
    let mut best_l = Duration::MAX;
    let mut best_n = Duration::MAX;
    // Interleaved so that machine noise hits both alike.
    for _ in 0..3 {
        best_l = best_l.min(time_lines(lines, 2, &|l| changed(l, masker.mask_str(l))));
        best_n = best_n.min(time_lines(lines, 1, &|l| changed(l, naive.mask(l))));
    }
    let (l, n) = (mbps(bytes, best_l), mbps(bytes, best_n));
    println!(
        "{name:<10} {:>7.1} MB in {:>6} lines | logfort {l:>8.1} MB/s ({ours} lines masked) | naive {n:>7.1} MB/s ({theirs} lines masked) | ratio {:>5.2}x",
        bytes as f64 / 1e6,
        lines.len(),
        l / n
    );
    (l, n)
}

fn masker_changes(lines: &[String], m: &Masker) -> usize {
    lines.iter().map(|l| changed(l, m.mask_str(l))).sum()
}

const MESSAGE: &str =
    r#"login failed {"password": "hunter2"} for alice@example.com card 4111-1111-1111-1111"#;

/// The DESIGN.md benchmark record.
fn design_record() -> Record {
    Record::new(Level::Info, "app.auth", MESSAGE)
        .field("user_id", "u-123")
        .field("client_ip", "192.168.1.1")
        .field("duration_ms", 12.5)
        .field("request_path", "/api/v1/login")
        .field("api_key", "sk-live-abcdef")
}

/// Writer-side work per DESIGN.md record, thread CPU time: cloning the
/// record (the baseline every variant pays), masking it, encoding it.
fn writer_costs(n: usize) {
    let config = logfort_core::Config::default();
    let mut stage = MaskStage::new(Arc::new(Masker::new(&config.mask).expect("masker")));
    let mut encoder =
        logfort_core::encode::encoder(logfort_core::encode::Format::Json, config.meta(), false);
    let mut rec = design_record();
    rec.context = Some(Arc::new(logfort_core::Context {
        correlation_id: Some("3f2a9c1b-0e5d-4a64-9b1e-7c2d5e8f9a01".into()),
        ..Default::default()
    }));
    let per = |d: Duration| d.as_nanos() as f64 / n as f64;
    let t = thread_cpu();
    for _ in 0..n {
        black_box(rec.clone());
    }
    let clone = thread_cpu() - t;
    let t = thread_cpu();
    for _ in 0..n {
        let mut r = rec.clone();
        stage.apply(&mut r);
        black_box(&r);
        stage.after(&mut r); // as the writer does once the record is written
    }
    let masked = thread_cpu() - t;
    let masker = Masker::new(&config.mask).expect("masker");
    let t = thread_cpu();
    for _ in 0..n {
        let mut r = rec.clone();
        masker.mask_record(&mut r); // remembers nothing: every string scanned
        black_box(r);
    }
    let scanned = thread_cpu() - t;
    let mut buf = Vec::with_capacity(512);
    let t = thread_cpu();
    for _ in 0..n {
        buf.clear();
        encoder.encode(&rec, &mut buf);
        black_box(&buf);
    }
    let encoded = thread_cpu() - t;
    println!(
        "writer work per record: mask {:.0} ns (every string scanned: {:.0} ns), json encode {:.0} ns",
        per(masked.saturating_sub(clone)),
        per(scanned.saturating_sub(clone)),
        per(encoded)
    );
}

/// The DESIGN.md benchmark record, `n` times, to a file; records/s until
/// the file holds every line. With `unique`, each message ends with its
/// own number, so that nothing the writer remembers applies.
fn workload(n: usize, mask: bool, unique: bool) -> f64 {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.log");
    let doc = format!(
        r#"{{"sinks": [{{"type": "file", "path": {:?}}}], "mask": {{"enabled": {mask}}}}}"#,
        path.display().to_string()
    );
    let logger =
        Logger::new(logfort_core::Config::from_json(&doc).expect("config")).expect("logger");
    context::update_current(|c| c.set("correlation_id", "3f2a9c1b-0e5d-4a64-9b1e-7c2d5e8f9a01"));
    let mut message = String::from(MESSAGE);
    let t = Instant::now();
    for i in 0..n {
        if unique {
            use std::fmt::Write;
            message.truncate(MESSAGE.len());
            let _ = write!(message, " attempt {i}");
        }
        let mut rec = logger.record(Level::Info, "app.auth", &message);
        rec.add_str("user_id", "u-123");
        rec.add_str("client_ip", "192.168.1.1");
        rec.add("duration_ms", Value::Float(12.5));
        rec.add_str("request_path", "/api/v1/login");
        rec.add_str("api_key", "sk-live-abcdef");
        logger.log(rec).expect("log");
    }
    logger.flush(Duration::from_secs(120)).expect("flush");
    let elapsed = t.elapsed();
    context::clear_current();
    logger.shutdown(Duration::from_secs(10)).expect("shutdown");
    let text = std::fs::read_to_string(&path).expect("read log");
    assert_eq!(text.lines().count(), n, "every record written");
    let first = text.lines().next().unwrap_or_default();
    if mask {
        assert!(
            !first.contains("hunter2")
                && !first.contains("4111-1111-1111-1111")
                && !first.contains("sk-live-abcdef"),
            "{first}"
        );
    }
    n as f64 / elapsed.as_secs_f64()
}

fn main() {
    let lines: usize = std::env::var("BENCH_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let records: usize = std::env::var("BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let masker = Masker::new(&MaskConfig::default()).expect("masker");
    if std::env::args().nth(1).as_deref() == Some("diff") {
        // `mask diff`: realistic lines the two engines treat differently.
        let naive = Naive::new();
        for l in corpus::realistic(lines) {
            let (a, b) = (masker.mask_str(&l), naive.mask(&l));
            if (a != l) != (b != l) {
                println!("line:    {l}\nlogfort: {a}\nnaive:   {b}\n");
            }
        }
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("e2e") {
        // `mask e2e`: the end-to-end workload with masking on, for a profiler.
        writer_costs(records);
        let config = MaskConfig {
            disable: std::env::args().skip(2).collect(),
            ..MaskConfig::default()
        };
        let m = Masker::new(&config).expect("masker");
        for text in [
            design_record().message.as_str(),
            "u-123",
            "192.168.1.1",
            "/api/v1/login",
            "sk-live-abcdef",
            "3f2a9c1b-0e5d-4a64-9b1e-7c2d5e8f9a01",
            "user_id",
        ] {
            let t = thread_cpu();
            for _ in 0..100_000 {
                black_box(m.mask_str(black_box(text)));
            }
            println!(
                "{:>6.0} ns  {text}",
                (thread_cpu() - t).as_nanos() as f64 / 1e5
            );
        }
        println!("{:.0} records/s", workload(records, true, false));
        return;
    }
    if let Some(corpus) = std::env::args().nth(1) {
        // `mask realistic|dense [rule ...]`: logfort's scanner alone, with
        // the named rules disabled, for a profiler.
        let text = if corpus == "dense" {
            corpus::dense(lines)
        } else {
            corpus::realistic(lines)
        };
        let config = MaskConfig {
            disable: std::env::args().skip(2).collect(),
            ..MaskConfig::default()
        };
        let masker = Masker::new(&config).expect("masker");
        println!("prefilter: {} trigger words", masker.prefilter_stats().0);
        let d = time_lines(&text, 10, &|l| changed(l, masker.mask_str(l)));
        let bytes: usize = text.iter().map(String::len).sum();
        println!("{corpus}: {:.1} MB/s", mbps(bytes, d));
        return;
    }
    let naive = Naive::new();
    println!("== masking scanner: logfort vs naive Regex::replace_all passes (same run) ==");
    let (real_l, real_n) = scanner("realistic", &corpus::realistic(lines), &masker, &naive);
    let (dense_l, dense_n) = scanner("dense", &corpus::dense(lines / 4), &masker, &naive);
    println!("== DESIGN.md workload end to end, file sink, {records} records ==");
    let best = |mask, unique| {
        (0..3)
            .map(|_| workload(records, mask, unique))
            .fold(0f64, f64::max)
    };
    let (off, on) = (best(false, false), best(true, false));
    println!(
        "masking off {off:>10.0} records/s | masking on {on:>10.0} records/s | cost {:.2}x",
        off / on
    );
    let (u_off, u_on) = (best(false, true), best(true, true));
    println!(
        "every message new (nothing remembered applies): off {u_off:>10.0} | on {u_on:>10.0} | cost {:.2}x",
        u_off / u_on
    );
    writer_costs(records);
    println!("== targets ==");
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    println!(
        "realistic >= 300 MB/s: {:.0} MB/s, {}",
        real_l,
        verdict(real_l >= 300.0)
    );
    println!(
        "realistic >= 3x naive: {:.2}x, {}",
        real_l / real_n,
        verdict(real_l >= 3.0 * real_n)
    );
    println!(
        "dense     >= 3x naive: {:.2}x, {}",
        dense_l / dense_n,
        verdict(dense_l >= 3.0 * dense_n)
    );
    println!(
        "end to end <= 1.25x:   {:.2}x, {}",
        off / on,
        verdict(off / on <= 1.25)
    );
}
