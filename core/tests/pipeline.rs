//! The pipeline end to end: records from many threads through the queue
//! and the writer into files, with exact counts.

use logfort_core::{Config, Error, Level, Logger, Record};
use std::time::Duration;

fn file_config(path: &std::path::Path, extra: &str) -> Config {
    Config::from_json(&format!(
        r#"{{"sinks":[{{"type":"file","path":{:?}}}]{extra}}}"#,
        path.to_str().unwrap()
    ))
    .unwrap()
}

fn lines(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("torn or invalid line {l:?}: {e}"))
        })
        .collect()
}

#[test]
fn eight_threads_block_policy_loses_nothing_and_keeps_order() {
    const THREADS: u64 = 8;
    const PER: u64 = 250_000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dir/app.log");
    let logger = Logger::new(file_config(&path, "")).unwrap();
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let logger = &logger;
            s.spawn(move || {
                for i in 0..PER {
                    logger
                        .log(
                            Record::new(Level::Info, "load", "tick")
                                .field("t", t)
                                .field("i", i),
                        )
                        .unwrap();
                }
            });
        }
    });
    logger.flush(Duration::from_secs(60)).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut next = vec![0u64; THREADS as usize];
    let mut count = 0u64;
    for line in text.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("bad line {line:?}: {e}"));
        let (t, i) = (v["t"].as_u64().unwrap() as usize, v["i"].as_u64().unwrap());
        assert_eq!(i, next[t], "thread {t} out of order");
        next[t] += 1;
        count += 1;
    }
    assert_eq!(count, THREADS * PER);
    assert_eq!(next, vec![PER; THREADS as usize]);
    assert_eq!(
        logger.metrics().get("logfort_records_written_total", &[]),
        THREADS * PER
    );
}

#[test]
fn drop_policy_counts_every_dropped_record_and_reports_it() {
    const PRODUCED: u64 = 200_000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let logger = Logger::new(file_config(
        &path,
        r#","queue":{"capacity":1024,"overflow":"drop"}"#,
    ))
    .unwrap();
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let logger = &logger;
            s.spawn(move || {
                for i in 0..PRODUCED / 4 {
                    logger
                        .log(
                            Record::new(Level::Info, "load", "x".repeat(200))
                                .field("t", t)
                                .field("i", i),
                        )
                        .unwrap();
                }
            });
        }
    });
    logger.flush(Duration::from_secs(60)).unwrap();
    let all = lines(&path);
    let data = all.iter().filter(|v| v["logger"] == "load").count() as u64;
    let reports: Vec<_> = all
        .iter()
        .filter(|v| v["message"] == "logfort.dropped")
        .collect();
    let reported: u64 = reports.iter().map(|v| v["dropped"].as_u64().unwrap()).sum();
    let dropped = logger
        .metrics()
        .get("logfort_records_dropped_total", &[("reason", "queue_full")]);
    assert!(dropped > 0, "the queue of 1024 should have overflowed");
    assert_eq!(data + dropped, PRODUCED);
    assert_eq!(
        reported, dropped,
        "every drop announced by a logfort.dropped record"
    );
    for r in reports {
        assert_eq!(r["level"], "WARNING");
        assert_eq!(r["logger"], "logfort");
        assert_eq!(r["reason"], "queue_full");
    }
}

#[test]
fn flush_waits_for_everything_queued_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let logger = Logger::new(file_config(&path, "")).unwrap();
    for round in 1..=3u64 {
        for i in 0..1000 {
            logger
                .log(Record::new(Level::Info, "f", "m").field("i", i))
                .unwrap();
        }
        logger.flush(Duration::from_secs(10)).unwrap();
        assert_eq!(lines(&path).len() as u64, round * 1000);
    }
}

#[test]
fn shutdown_is_idempotent_and_later_records_are_refused_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let logger = Logger::new(file_config(&path, "")).unwrap();
    logger.log(Record::new(Level::Info, "s", "before")).unwrap();
    logger.shutdown(Duration::from_secs(10)).unwrap();
    logger.shutdown(Duration::from_secs(10)).unwrap();
    assert!(matches!(
        logger.log(Record::new(Level::Info, "s", "after")),
        Err(Error::Shutdown)
    ));
    assert!(matches!(
        logger.flush(Duration::from_secs(1)),
        Err(Error::Shutdown)
    ));
    assert_eq!(
        logger
            .metrics()
            .get("logfort_records_dropped_total", &[("reason", "shutdown")]),
        1
    );
    let all = lines(&path);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["message"], "before");
}

#[test]
fn records_racing_shutdown_are_written_or_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let logger = Logger::new(file_config(&path, "")).unwrap();
    let (written, refused) = std::thread::scope(|s| {
        let workers: Vec<_> = (0..4)
            .map(|t| {
                let logger = &logger;
                s.spawn(move || {
                    let (mut ok, mut refused) = (0u64, 0u64);
                    for i in 0..200_000u64 {
                        // Boxed records and ring captures, in one order.
                        let sent = if i % 3 == 0 {
                            let rec = Record::new(Level::Info, "race", "m")
                                .field("t", t)
                                .field("i", i);
                            logger.log(rec)
                        } else {
                            let mut c = logger.capture(Level::Info, "race", "m");
                            c.uint("t", t);
                            c.uint("i", i);
                            c.send()
                        };
                        match sent {
                            Ok(()) => ok += 1,
                            Err(Error::Shutdown) => refused += 1,
                            Err(e) => panic!("{e}"),
                        }
                    }
                    (ok, refused)
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(30));
        logger.shutdown(Duration::from_secs(30)).unwrap();
        workers
            .into_iter()
            .map(|w| w.join().unwrap())
            .fold((0, 0), |(a, b), (c, d)| (a + c, b + d))
    });
    assert_eq!(written + refused, 800_000);
    assert!(written > 0 && refused > 0, "the shutdown fell mid-stream");
    let mut next = [0u64; 4];
    for v in lines(&path) {
        let t = v["t"].as_u64().unwrap() as usize;
        assert_eq!(v["i"].as_u64().unwrap(), next[t], "thread {t} out of order");
        next[t] += 1;
    }
    assert_eq!(next.iter().sum::<u64>(), written);
    assert_eq!(
        logger
            .metrics()
            .get("logfort_records_dropped_total", &[("reason", "shutdown")]),
        refused
    );
}

#[test]
fn dropping_the_logger_writes_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    {
        let logger = Logger::new(file_config(&path, "")).unwrap();
        for i in 0..50_000 {
            logger
                .log(Record::new(Level::Info, "d", "m").field("i", i))
                .unwrap();
        }
    }
    assert_eq!(lines(&path).len(), 50_000);
}

#[test]
fn per_sink_minimum_levels_and_caller_side_filter() {
    let dir = tempfile::tempdir().unwrap();
    let all = dir.path().join("combined.log");
    let errors = dir.path().join("error.log");
    let config = Config::from_json(&format!(
        r#"{{"level":"debug","sinks":[{{"type":"file","path":{:?}}},{{"type":"file","path":{:?},"min_level":"error"}}]}}"#,
        all.to_str().unwrap(),
        errors.to_str().unwrap()
    ))
    .unwrap();
    let logger = Logger::new(config).unwrap();
    assert!(!logger.enabled(Level::Trace));
    assert!(logger.enabled(Level::Debug));
    for level in Level::ALL {
        logger
            .log(Record::new(level, "lv", level.as_str()))
            .unwrap();
    }
    logger.flush(Duration::from_secs(10)).unwrap();
    let names = |p| {
        lines(p)
            .iter()
            .map(|v| v["level"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&all),
        ["DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL"]
    );
    assert_eq!(names(&errors), ["ERROR", "CRITICAL"]);
}

/// A logger for `config` that has logged and flushed records "m" with a
/// field `i` from 0 to 99.
fn log_100(config: Config) -> Logger {
    let logger = Logger::new(config).unwrap();
    for i in 0..100 {
        logger
            .log(Record::new(Level::Info, "f", "m").field("i", i))
            .unwrap();
    }
    logger.flush(Duration::from_secs(10)).unwrap();
    logger
}

#[test]
fn a_failing_sink_is_counted_and_does_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.log");
    let config = Config::from_json(&format!(
        r#"{{"sinks":[{{"type":"file","path":"/dev/full"}},{{"type":"file","path":{:?}}}]}}"#,
        good.to_str().unwrap()
    ))
    .unwrap();
    let logger = log_100(config);
    assert_eq!(lines(&good).len(), 100);
    let m = logger.metrics();
    assert_eq!(
        m.get("logfort_sink_dropped_total", &[("sink", "file /dev/full")]),
        100
    );
    assert!(m.get("logfort_sink_errors_total", &[("sink", "file /dev/full")]) >= 1);
}

#[test]
fn sinks_with_an_encoder_each_get_their_lines_and_failures_counted() {
    // Each profile serves one sink here, so lines are encoded straight
    // into the sinks' buffers: the failing one still counts every line,
    // the others each get every line in their own format.
    let dir = tempfile::tempdir().unwrap();
    let (json, text) = (dir.path().join("app.log"), dir.path().join("app.txt"));
    let config = Config::from_json(&format!(
        r#"{{"sinks":[{{"type":"file","path":"/dev/full","format":"ecs"}},
            {{"type":"file","path":{:?}}},{{"type":"file","path":{:?},"format":"text"}}]}}"#,
        json.to_str().unwrap(),
        text.to_str().unwrap()
    ))
    .unwrap();
    let logger = log_100(config);
    let json_lines = lines(&json);
    assert_eq!(json_lines.len(), 100);
    assert_eq!(json_lines[99]["i"], 99);
    let text = std::fs::read_to_string(&text).unwrap();
    assert_eq!(text.lines().count(), 100);
    assert!(
        text.lines()
            .all(|l| l.contains(" INFO ") && l.contains(" m ")),
        "{text}"
    );
    let m = logger.metrics();
    assert_eq!(
        m.get("logfort_sink_dropped_total", &[("sink", "file /dev/full")]),
        100
    );
}

#[test]
fn raw_fields_from_callers_are_merged_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let logger = Logger::new(file_config(&path, "")).unwrap();
    let mut rec = Record::new(Level::Info, "raw", "m").field("a", 1);
    rec.raw_fields = Some(r#"{"b":{"c":[1,2]},"d":"e"}"#.into());
    logger.log(rec).unwrap();
    let mut bad = Record::new(Level::Info, "raw", "bad");
    bad.raw_fields = Some("{not json".into());
    logger.log(bad).unwrap();
    logger.flush(Duration::from_secs(10)).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let l: Vec<&str> = text.lines().collect();
    assert!(
        l[0].ends_with(r#""message":"m","a":1,"b":{"c":[1,2]},"d":"e","schema_version":"1.0"}"#),
        "{}",
        l[0]
    );
    assert!(
        l[1].ends_with(r#""message":"bad","fields":"{not json","schema_version":"1.0"}"#),
        "{}",
        l[1]
    );
}

#[test]
fn opening_a_sink_that_cannot_be_opened_is_a_clear_error() {
    let config =
        Config::from_json(r#"{"sinks":[{"type":"file","path":"/proc/nope/app.log"}]}"#).unwrap();
    let err = Logger::new(config).unwrap_err().to_string();
    assert_eq!(err, "invalid configuration: `sinks[0]` (file /proc/nope/app.log): cannot open: No such file or directory (os error 2)");
}

#[test]
fn reused_records_carry_nothing_over_from_their_last_use() {
    use logfort_core::{Context, Value};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let logger = Logger::new(file_config(&path, "")).unwrap();
    let mut ctx = Context::default();
    ctx.set("correlation_id", "req-1");
    let ctx = Arc::new(ctx);
    for i in 0..2_000u32 {
        // Flushing every 100 records lets the writer hand records back.
        if i % 100 == 0 {
            logger.flush(Duration::from_secs(10)).unwrap();
        }
        let mut rec = if i % 2 == 0 {
            let mut r = logger.record(Level::Error, "full", "card 4111-1111-1111-1111 declined");
            r.add_str("api_key", "sk-live-abcdef");
            r.add("attempt", Value::Int(i.into()));
            r.add_str("user_id", "u-123");
            r.context = Some(ctx.clone());
            r
        } else {
            let mut r = logger.record(Level::Info, "bare", "ok");
            r.add("attempt", Value::Int(i.into()));
            r.context = Some(Arc::new(Context::default()));
            r
        };
        rec.stack_trace = (i % 2 == 0).then(|| "at main".to_owned());
        logger.log(rec).unwrap();
    }
    logger.flush(Duration::from_secs(10)).unwrap();
    let got = lines(&path);
    assert_eq!(got.len(), 2_000);
    for (i, line) in got.iter().enumerate() {
        let obj = line.as_object().unwrap();
        let keys: Vec<&str> = obj
            .keys()
            .map(String::as_str)
            .filter(|k| {
                !matches!(
                    *k,
                    "timestamp" | "level" | "logger" | "message" | "schema_version"
                )
            })
            .collect();
        assert_eq!(line["attempt"], i as u64, "line {i}");
        if i % 2 == 0 {
            assert_eq!(line["message"], "card ****-****-****-1111 declined");
            assert_eq!(line["api_key"], "***MASKED***");
            assert_eq!(line["correlation_id"], "req-1");
            assert_eq!(line["logger"], "full");
        } else {
            assert_eq!(line["message"], "ok", "line {i}");
            assert_eq!(line["logger"], "bare");
            assert_eq!(keys, ["attempt"], "line {i}: {line}");
        }
    }
}

#[test]
fn caller_json_and_slot_fields_mixed_in_one_stream_stay_with_their_records() {
    use logfort_core::Value;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let logger = Logger::new(file_config(&path, "")).unwrap();
    for i in 0..3_000u32 {
        if i % 250 == 0 {
            logger.flush(Duration::from_secs(10)).unwrap();
        }
        let mut rec = logger.record(Level::Info, "l", "m");
        match i % 4 {
            0 => rec.raw_fields_mut().push_str(&format!(
                r#"{{"n":{i},"token":"tok-secret","json_only":"a"}}"#
            )),
            1 => {
                rec.add("n", Value::Int(i.into()));
                rec.raw_fields_mut().push_str(r#"{"both":"b"}"#);
            }
            2 => rec.add("n", Value::Int(i.into())),
            _ => rec.raw_fields_mut().push_str(&format!(r#"{{"n":{i}}}"#)),
        }
        logger.log(rec).unwrap();
    }
    logger.flush(Duration::from_secs(10)).unwrap();
    let got = lines(&path);
    assert_eq!(got.len(), 3_000);
    for (i, line) in got.iter().enumerate() {
        let fields: Vec<(&str, &serde_json::Value)> = line
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| {
                !matches!(
                    k.as_str(),
                    "timestamp" | "level" | "logger" | "message" | "schema_version"
                )
            })
            .map(|(k, v)| (k.as_str(), v))
            .collect();
        let n = serde_json::json!(i);
        let (masked, a, b) = (
            serde_json::json!("***MASKED***"),
            serde_json::json!("a"),
            serde_json::json!("b"),
        );
        // (serde_json's map sorts keys: order is checked by other tests.)
        let want: Vec<(&str, &serde_json::Value)> = match i % 4 {
            0 => vec![("json_only", &a), ("n", &n), ("token", &masked)],
            1 => vec![("both", &b), ("n", &n)],
            _ => vec![("n", &n)],
        };
        assert_eq!(fields, want, "line {i}");
    }
}

#[test]
fn two_loggers_on_one_thread_keep_their_records_apart() {
    use logfort_core::Value;
    let dir = tempfile::tempdir().unwrap();
    let (pa, pb) = (dir.path().join("a.log"), dir.path().join("b.log"));
    let a = Logger::new(file_config(&pa, "")).unwrap();
    let b = Logger::new(file_config(&pb, "")).unwrap();
    // One thread alternates between two loggers, and one of them goes
    // away halfway: each file holds its own records, in order, whole.
    for i in 0..1_500u32 {
        if i % 100 == 0 {
            a.flush(Duration::from_secs(10)).unwrap();
            b.flush(Duration::from_secs(10)).unwrap();
        }
        let (l, name) = if i % 2 == 0 { (&a, "a") } else { (&b, "b") };
        let mut rec = l.record(Level::Info, name, &format!("{name} {i}"));
        rec.add("n", Value::Int(i.into()));
        if i % 3 == 0 {
            rec.add_str("api_key", "sk-live-abcdef");
        }
        l.log(rec).unwrap();
    }
    drop(b);
    for i in 0..500u32 {
        let mut rec = a.record(Level::Info, "a", &format!("after {i}"));
        rec.add("n", Value::Int(i.into()));
        a.log(rec).unwrap();
    }
    a.flush(Duration::from_secs(10)).unwrap();
    let (got_a, got_b) = (lines(&pa), lines(&pb));
    assert_eq!((got_a.len(), got_b.len()), (1_250, 750));
    for (j, line) in got_b.iter().enumerate() {
        let i = 2 * j as u64 + 1;
        assert_eq!(line["message"], format!("b {i}"));
        assert_eq!(line["n"], i);
        let masked = line.get("api_key").map(|v| v.as_str().unwrap());
        assert_eq!(
            masked,
            matches!(i % 3, 0).then_some("***MASKED***"),
            "b line {j}"
        );
    }
    for (j, line) in got_a.iter().enumerate() {
        let (message, n) = if j < 750 {
            (format!("a {}", 2 * j), 2 * j as u64)
        } else {
            (format!("after {}", j - 750), (j - 750) as u64)
        };
        assert_eq!(
            (line["message"].as_str().unwrap(), &line["n"]),
            (&*message, &n.into())
        );
        assert_eq!(line["logger"], "a");
    }
}
