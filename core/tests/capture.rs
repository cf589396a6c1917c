//! `Capture` end to end: records captured into the callers' rings come
//! out as the same lines as boxed records, in order, whole, counted.

use logfort_core::context::{self, Context};
use logfort_core::{
    Config, Error, Exception, Level, Location, LogType, Logger, Record, Scalar, Value,
};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn logger(path: &Path, extra: &str) -> Logger {
    Logger::new(
        Config::from_json(&format!(
            r#"{{"sinks":[{{"type":"file","path":{:?}}}]{extra}}}"#,
            path.to_str().unwrap()
        ))
        .unwrap(),
    )
    .unwrap()
}

fn text(logger: &Logger, path: &Path) -> Vec<String> {
    logger.flush(Duration::from_secs(60)).unwrap();
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// 2026-12-01T12:00:00.123456Z
fn noon() -> SystemTime {
    UNIX_EPOCH + Duration::from_micros(1_796_126_400_123_456)
}

#[test]
fn every_kind_of_field_is_written_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let l = logger(&path, "");
    let mut c = l.capture_at(noon(), Level::Warning, "app.cap", "héllo \"q\"\n");
    c.str("s", "tab\there \u{1F600}");
    c.int("i", -42);
    c.uint("u", u64::MAX);
    c.float("f", 12.5);
    c.float("nan", f64::NAN);
    c.bool("b", true);
    c.null("n");
    c.json("j", r#"{"a":[1,2]}"#);
    c.object(r#"{"m":1,"k":"v"}"#);
    c.send().unwrap();
    assert_eq!(
        text(&l, &path),
        [concat!(
            r#"{"timestamp":"2026-12-01T12:00:00.123456Z","level":"WARNING","logger":"app.cap","#,
            r#""message":"héllo \"q\"\n","s":"tab\there 😀","i":-42,"u":18446744073709551615,"#,
            r#""f":12.5,"nan":"NaN","b":true,"n":null,"j":{"a":[1,2]},"m":1,"k":"v","schema_version":"1.0"}"#
        )]
    );
}

#[test]
fn a_capture_is_the_same_line_as_a_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let l = logger(&path, "");
    let mut c = l.capture_at(noon(), Level::Info, "same", "m");
    c.str("user", "u-1");
    c.float("ms", 0.25);
    c.send().unwrap();
    let rec = Record::new_at(noon(), Level::Info, "same", "m")
        .field("user", "u-1")
        .field("ms", 0.25);
    l.log(rec).unwrap();
    let out = text(&l, &path);
    assert_eq!(out.len(), 2);
    assert_eq!(out[0], out[1]);
}

#[test]
fn secrets_in_captured_fields_are_masked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let l = logger(&path, "");
    let mut c = l.capture(Level::Info, "m", "card 4111-1111-1111-1111");
    c.str("password", "hunter2");
    c.json(
        "nested",
        r#"{"token":"abc","list":[{"api_key":"sk-live-abcdef"}]}"#,
    );
    c.object(r#"{"secret":"s3cr3t"}"#);
    c.send().unwrap();
    let line = text(&l, &path).remove(0);
    for secret in [
        "4111-1111-1111-1111",
        "hunter2",
        "abc\"",
        "sk-live-abcdef",
        "s3cr3t",
    ] {
        assert!(!line.contains(secret), "{secret} leaked: {line}");
    }
}

#[test]
fn fields_beyond_an_entry_and_values_that_are_not_scalars_keep_their_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let l = logger(&path, "");
    let big = "x".repeat(10_000);
    let mut c = l.capture_at(noon(), Level::Info, "big", "m");
    c.int("first", 1);
    c.str("big", &big);
    c.int("after", 2);
    c.send().unwrap();
    let mut c = l.capture_at(noon(), Level::Info, "arr", "m");
    c.int("first", 1);
    c.value(
        "list",
        Value::Array(vec![Value::Int(1), Value::Str("two".into())]),
    );
    c.bool("after", false);
    c.send().unwrap();
    let huge_message = "y".repeat(100_000);
    l.capture_at(noon(), Level::Info, "huge", &huge_message)
        .send()
        .unwrap();
    let out = text(&l, &path);
    let head = r#"{"timestamp":"2026-12-01T12:00:00.123456Z","level":"INFO","#;
    let tail = r#","schema_version":"1.0"}"#;
    assert_eq!(
        out[0],
        format!(r#"{head}"logger":"big","message":"m","first":1,"big":"{big}","after":2{tail}"#)
    );
    assert_eq!(
        out[1],
        format!(
            r#"{head}"logger":"arr","message":"m","first":1,"list":[1,"two"],"after":false{tail}"#
        )
    );
    assert_eq!(
        out[2],
        format!(r#"{head}"logger":"huge","message":"{huge_message}"{tail}"#)
    );
}

#[test]
fn each_record_carries_the_context_of_its_call() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let l = logger(&path, "");
    let bind = |id: &str| {
        context::set_current(Some(Arc::new(Context {
            correlation_id: Some(id.to_owned()),
            ..Context::default()
        })))
    };
    for id in ["a", "a", "b", "-", "c"] {
        if id == "-" {
            context::clear_current();
        } else {
            bind(id);
        }
        l.capture(Level::Info, "ctx", id).send().unwrap();
    }
    context::clear_current();
    let ids: Vec<_> = text(&l, &path)
        .iter()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            (v["message"].clone(), v["correlation_id"].clone())
        })
        .collect();
    let want: Vec<_> = [("a", "a"), ("a", "a"), ("b", "b"), ("-", ""), ("c", "c")]
        .iter()
        .map(|(m, c)| {
            let c = if c.is_empty() {
                serde_json::Value::Null
            } else {
                (*c).into()
            };
            (serde_json::Value::from(*m), c)
        })
        .collect();
    assert_eq!(ids, want);
}

#[test]
fn correlation_ids_are_left_out_when_configured() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let l = logger(&path, r#","include_correlation_id":false"#);
    context::set_current(Some(Arc::new(Context {
        correlation_id: Some("req-1".into()),
        request_id: Some("r-1".into()),
        ..Context::default()
    })));
    l.capture(Level::Info, "ctx", "m").send().unwrap();
    context::clear_current();
    let v: serde_json::Value = serde_json::from_str(&text(&l, &path)[0]).unwrap();
    assert_eq!(v["correlation_id"], serde_json::Value::Null);
    assert_eq!(v["request_id"], "r-1");
}

#[test]
fn captures_and_records_from_many_threads_arrive_whole_and_in_order() {
    const THREADS: u64 = 4;
    const PER: u64 = 60_000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let l = logger(&path, "");
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let l = &l;
            s.spawn(move || {
                for i in 0..PER {
                    if i % 7 == 3 {
                        l.log(
                            Record::new(Level::Info, "load", "boxed")
                                .field("t", t)
                                .field("i", i),
                        )
                        .unwrap();
                    } else {
                        let mut c = l.capture(Level::Info, "load", "ring");
                        c.uint("t", t);
                        c.uint("i", i);
                        c.str("pad", &"p".repeat((i % 300) as usize));
                        c.send().unwrap();
                    }
                }
            });
        }
    });
    let mut next = vec![0u64; THREADS as usize];
    let out = text(&l, &path);
    for line in &out {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("torn line {line:?}: {e}"));
        let (t, i) = (v["t"].as_u64().unwrap() as usize, v["i"].as_u64().unwrap());
        assert_eq!(i, next[t], "thread {t} out of order");
        let kind = if i % 7 == 3 { "boxed" } else { "ring" };
        assert_eq!(v["message"], kind);
        next[t] += 1;
    }
    assert_eq!(out.len() as u64, THREADS * PER);
}

#[test]
fn short_lived_threads_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let l = logger(&path, "");
    for t in 0..50u64 {
        std::thread::scope(|s| {
            s.spawn(|| {
                for i in 0..20u64 {
                    let mut c = l.capture(Level::Info, "short", "m");
                    c.uint("t", t);
                    c.uint("i", i);
                    c.send().unwrap();
                }
            });
        });
    }
    assert_eq!(text(&l, &path).len(), 1000);
}

#[test]
fn byte_strings_are_checked_for_utf8_as_they_are_copied() {
    let before = SystemTime::now();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let l = logger(&path, "");
    let (mut c, bad) = l.capture_bytes(Level::Info, b"app", "d\u{e9}j\u{e0} vu".as_bytes());
    assert!(!bad);
    assert!(!c.text_bytes(b"ascii", b"plain", false));
    assert!(!c.text_bytes("caf\u{e9}".as_bytes(), "cr\u{e8}me".as_bytes(), false));
    assert!(c.text_bytes(b"bad\xff", b"v\xfe", false));
    assert!(!c.text_bytes(b"j", br#"{"a":1}"#, true));
    assert!(!c.scalar_bytes(b"n", Scalar::Int(-7)));
    assert!(!c.scalar_bytes("\u{e9}t\u{e9}".as_bytes(), Scalar::Bool(true)));
    assert!(c.scalar_bytes(b"f\xff", Scalar::Float(0.5)));
    assert!(!c.scalar_bytes(b"none", Scalar::Null));
    // Longer than an entry: the capture moves to a record, still checked.
    let long = "\u{e9}".repeat(3000);
    assert!(!c.text_bytes(b"long", long.as_bytes(), false));
    assert!(c.text_bytes(b"after", b"x\xc3", false));
    c.send().unwrap();
    let (c, bad) = l.capture_bytes(Level::Info, b"app\xc3", b"m");
    assert!(bad);
    c.send().unwrap();
    let (c, bad) = l.capture_bytes(Level::Debug, b"\xff", b"below the level");
    assert!(!bad, "a filtered call checks nothing");
    c.send().unwrap();
    let out = text(&l, &path);
    assert_eq!(out.len(), 2);
    let v: serde_json::Value = serde_json::from_str(&out[0]).unwrap();
    assert_eq!(v["message"], "d\u{e9}j\u{e0} vu");
    assert_eq!(v["ascii"], "plain");
    assert_eq!(v["caf\u{e9}"], "cr\u{e8}me");
    assert_eq!(v["bad\u{fffd}"], "v\u{fffd}");
    assert_eq!(v["j"], serde_json::json!({"a": 1}));
    assert_eq!(
        (&v["n"], &v["\u{e9}t\u{e9}"], &v["f\u{fffd}"], &v["none"]),
        (
            &(-7).into(),
            &true.into(),
            &0.5.into(),
            &serde_json::Value::Null
        )
    );
    assert_eq!(v["long"], long.as_str());
    assert_eq!(v["after"], "x\u{fffd}");
    // The entry moved to a record keeps the time it was stamped with.
    let time = humantime::parse_rfc3339(v["timestamp"].as_str().unwrap()).unwrap();
    assert!(before <= time + Duration::from_micros(1) && time <= SystemTime::now());
    let v: serde_json::Value = serde_json::from_str(&out[1]).unwrap();
    assert_eq!(v["logger"], "app\u{fffd}");
}

#[test]
fn a_full_ring_under_block_waits_and_loses_nothing() {
    // A queue of 64 caps each thread's ring at 64 KiB: about 300 of these
    // entries, far fewer than a thread captures before the writer drains.
    const PER: u64 = 40_000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let l = logger(&path, r#","queue":{"capacity":64}"#);
    std::thread::scope(|s| {
        for t in 0..2u64 {
            let l = &l;
            s.spawn(move || {
                for i in 0..PER {
                    let mut c = l.capture(Level::Info, "load", &"x".repeat(200));
                    c.uint("t", t);
                    c.uint("i", i);
                    c.send().unwrap();
                }
            });
        }
    });
    let mut next = [0u64; 2];
    let out = text(&l, &path);
    for line in &out {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let t = v["t"].as_u64().unwrap() as usize;
        assert_eq!(v["i"].as_u64().unwrap(), next[t], "thread {t} out of order");
        next[t] += 1;
    }
    assert_eq!(next, [PER, PER]);
    let m = l.metrics();
    assert_eq!(
        m.get("logfort_records_dropped_total", &[("reason", "queue_full")]),
        0
    );
}

#[test]
fn drop_policy_counts_every_capture_it_drops() {
    const PRODUCED: u64 = 100_000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let l = logger(&path, r#","queue":{"capacity":64,"overflow":"drop"}"#);
    std::thread::scope(|s| {
        for t in 0..2u64 {
            let l = &l;
            s.spawn(move || {
                for i in 0..PRODUCED / 2 {
                    let mut c = l.capture(Level::Info, "load", &"x".repeat(200));
                    c.uint("t", t);
                    c.uint("i", i);
                    c.send().unwrap();
                }
            });
        }
    });
    let out = text(&l, &path);
    let data = out
        .iter()
        .filter(|line| line.contains(r#""logger":"load""#))
        .count() as u64;
    let dropped = l
        .metrics()
        .get("logfort_records_dropped_total", &[("reason", "queue_full")]);
    assert!(dropped > 0, "a queue of 64 should have overflowed");
    assert_eq!(data + dropped, PRODUCED);
}

#[test]
fn captures_after_shutdown_are_refused_counted_and_release_their_context() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let l = logger(&path, "");
    l.capture(Level::Info, "s", "before").send().unwrap();
    l.shutdown(Duration::from_secs(10)).unwrap();
    let ctx = Arc::new(Context {
        correlation_id: Some("late".into()),
        ..Context::default()
    });
    context::set_current(Some(ctx.clone()));
    assert!(matches!(
        l.capture(Level::Info, "s", "after").send(),
        Err(Error::Shutdown)
    ));
    context::clear_current();
    assert_eq!(
        Arc::strong_count(&ctx),
        1,
        "the refused entry kept a reference"
    );
    assert_eq!(
        l.metrics()
            .get("logfort_records_dropped_total", &[("reason", "shutdown")]),
        1
    );
    let out = std::fs::read_to_string(&path).unwrap();
    assert_eq!(out.lines().count(), 1);
}

#[test]
fn a_disabled_level_captures_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let l = logger(&path, r#","level":"WARNING""#);
    let mut c = l.capture(Level::Info, "off", "m");
    c.str("k", "v");
    c.send().unwrap();
    l.capture(Level::Error, "on", "m").send().unwrap();
    let out = text(&l, &path);
    assert_eq!(out.len(), 1);
    assert!(out[0].contains(r#""logger":"on""#));
}

#[test]
fn location_type_context_exception_and_stack_are_the_same_as_on_a_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let l = logger(&path, "");
    let ctx = Arc::new(Context {
        correlation_id: Some("given".into()),
        user_id: Some("u-9".into()),
        ..Context::default()
    });
    // The thread's context differs: the given one wins.
    context::set_current(Some(Arc::new(Context {
        correlation_id: Some("thread".into()),
        ..Context::default()
    })));
    let exception = || Exception {
        type_name: "ValueError".into(),
        message: "bad password=hunter2".into(),
        traceback: Some("Traceback ...".into()),
        code: None,
    };
    for with_exception in [false, true] {
        let mut c = l.capture_at(noon(), Level::Error, "loc", "m");
        c.str("k", "v");
        c.location("app/views.py", 42, "login");
        c.log_type(LogType::Security);
        c.context(&ctx);
        if with_exception {
            c.exception(Box::new(exception()));
            c.stack_trace("stack".into());
        }
        c.int("after", 1);
        c.send().unwrap();
        let mut rec = Record::new_at(noon(), Level::Error, "loc", "m")
            .field("k", "v")
            .field("after", 1);
        rec.location = Some(Box::new(Location {
            file: "app/views.py".into(),
            line: 42,
            function: "login".into(),
        }));
        rec.log_type = Some(LogType::Security);
        rec.context = Some(ctx.clone());
        if with_exception {
            rec.exception = Some(Box::new(exception()));
            rec.stack_trace = Some("stack".into());
        }
        l.log(rec).unwrap();
    }
    context::clear_current();
    let out = text(&l, &path);
    assert_eq!(out.len(), 4);
    assert_eq!(out[0], out[1]);
    assert_eq!(out[2], out[3]);
    for line in &out {
        assert!(line.contains(r#""correlation_id":"given""#), "{line}");
        assert!(!line.contains("hunter2"), "{line}");
    }
    assert!(out[0].contains("app/views.py") && out[0].contains(r#""log_type":"security""#));
    assert!(out[2].contains("ValueError"), "{}", out[2]);
}

#[test]
fn captures_of_a_disabled_type_are_counted_not_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let l = logger(&path, r#","audit":{"enabled":false}"#);
    let mut c = l.capture(Level::Info, "a", "audited");
    c.log_type(LogType::Audit);
    c.send().unwrap();
    l.capture(Level::Info, "a", "plain").send().unwrap();
    let out = text(&l, &path);
    assert_eq!(out.len(), 1);
    assert!(out[0].contains(r#""message":"plain""#));
    assert_eq!(
        l.metrics().get(
            "logfort_records_dropped_total",
            &[("reason", "audit_disabled")]
        ),
        1
    );
}

#[test]
fn a_capture_queued_in_place_is_written_once_and_takes_nothing_more() {
    // In the thread's ring, and boxed (schema policy `strict` validates
    // on the caller); `queue` leaves the capture spent, as `send` would.
    for extra in ["", r#","schema":{"policy":"strict"}"#] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        let l = logger(&path, extra);
        for i in 0..3i64 {
            let mut c = l.unstarted();
            assert!(!c.start_bytes(Level::Info, b"app", b"in place"));
            c.int("i", i);
            c.queue().unwrap();
            c.str("late", "never written");
            c.queue().unwrap();
        }
        let mut c = l.unstarted();
        assert!(!c.start_bytes(Level::Debug, b"app", b"below the level"));
        c.queue().unwrap();
        let out = text(&l, &path);
        assert_eq!(out.len(), 3, "{extra}");
        for (i, line) in out.iter().enumerate() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["message"], "in place");
            assert_eq!(v["i"], i);
            assert!(v.get("late").is_none(), "{line}");
        }
    }
}
