//! Context and schema validation end to end: records through a logger
//! into a file, compared line by line.

use logfort_core::audit::{self, PerformanceConfig};
use logfort_core::context::{self, Context, TraceParent};
use logfort_core::{Config, Error, Level, Logger, Record, Value};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const TS: &str = r#"{"timestamp":"2023-11-14T22:13:20.000000Z""#;
const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";

fn at() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn fixed(mut rec: Record) -> Record {
    rec.time = at();
    rec
}

/// A logger writing to a file in a fresh directory, with `extra`
/// top-level configuration.
fn logger(extra: &str) -> (Logger, std::path::PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let doc = format!(
        r#"{{"sinks":[{{"type":"file","path":{:?}}}]{extra}}}"#,
        path.to_str().unwrap()
    );
    (
        Logger::new(Config::from_json(&doc).unwrap()).unwrap(),
        path,
        dir,
    )
}

fn lines(logger: &Logger, path: &std::path::Path) -> Vec<String> {
    logger.flush(Duration::from_secs(10)).unwrap();
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn annotate_writes_schema_errors_and_version() {
    let (log, path, _d) = logger("");
    let perf = PerformanceConfig::default();
    let mut rec = audit::performance(&perf, "app.db", "db_query", -3.0, true, vec![]);
    rec.context = Some(Arc::new(Context::default()));
    log.log(fixed(rec)).unwrap();
    let mut ok = Record::new(Level::Info, "app", "fine").field("user_id", "u-1");
    ok.context = Some(Arc::new(Context::default()));
    log.log(fixed(ok)).unwrap();
    assert_eq!(
        lines(&log, &path),
        [
            format!(
                r#"{TS},"level":"INFO","logger":"app.db","message":"performance: db_query took -3 ms","log_type":"performance","operation":"db_query","duration_ms":-3.0,"success":true,"schema_version":"1.0","schema_errors":["duration_ms: must be >= 0 (base)","duration_ms: must be >= 0 (performance)"]}}"#
            ),
            format!(
                r#"{TS},"level":"INFO","logger":"app","message":"fine","user_id":"u-1","schema_version":"1.0"}}"#
            ),
        ]
    );
    let m = log.metrics();
    let v = |s: &str| {
        m.get(
            "logfort_schema_violations_total",
            &[("schema", s), ("field", "duration_ms")],
        )
    };
    assert_eq!((v("base"), v("performance")), (1, 1));
    assert!(m.to_prometheus().contains(
        "logfort_schema_violations_total{schema=\"performance\",field=\"duration_ms\"} 1\n"
    ));
}

#[test]
fn record_helpers_through_a_logger() {
    let (log, path, _d) = logger(r#","schema":{"version":"2.0"}"#);
    let ctx = Some(Arc::new(Context::from_headers(
        Some("req-7"),
        Some(&format!("00-{TRACE}-{PARENT}-01")),
    )));
    let details = vec![("reason".to_owned(), Value::from("mfa"))];
    let recs = [
        audit::audit(
            "app.api",
            "user.login",
            "session",
            "s-1",
            Some("u-1"),
            details.clone(),
            "denied",
        ),
        audit::security(
            "app.api",
            "login.bruteforce",
            "critical",
            Some("10.1.2.3"),
            Some("u-1"),
            details,
        ),
        audit::business(
            "app.orders",
            "order.placed",
            vec![("amount".into(), Value::from(12))],
        ),
    ];
    for mut r in recs {
        r.context = ctx.clone();
        log.log(fixed(r)).unwrap();
    }
    let ids = format!(r#""correlation_id":"req-7","trace_id":"{TRACE}","span_id":"{PARENT}""#);
    assert_eq!(
        lines(&log, &path),
        [
            format!(
                r#"{TS},"level":"WARNING","logger":"app.api","message":"audit: user.login on session/s-1 -> denied",{ids},"log_type":"audit","action":"user.login","resource_type":"session","resource_id":"s-1","user_id":"u-1","result":"denied","reason":"mfa","schema_version":"2.0"}}"#
            ),
            format!(
                r#"{TS},"level":"CRITICAL","logger":"app.api","message":"security: login.bruteforce (critical)",{ids},"log_type":"security","security_event":"login.bruteforce","severity":"critical","client_ip":"10.1.2.3","user_id":"u-1","reason":"mfa","schema_version":"2.0"}}"#
            ),
            format!(
                r#"{TS},"level":"INFO","logger":"app.orders","message":"business: order.placed",{ids},"log_type":"business","event":"order.placed","amount":12,"schema_version":"2.0"}}"#
            ),
        ]
    );
}

#[test]
fn performance_levels_through_the_logger_helper() {
    let (log, path, _d) = logger(r#","level":"debug","schema":{"policy":"off"}"#);
    context::set_current(Some(Arc::new(Context::default())));
    log.performance("app", "render", 10_000.0, true, vec![])
        .unwrap();
    log.performance("app", "db_query", 1_000.0, false, vec![])
        .unwrap();
    log.performance("app", "api", 20.0, true, vec![]).unwrap();
    context::clear_current();
    let levels: Vec<String> = lines(&log, &path)
        .iter()
        .map(|l| {
            assert!(!l.contains("schema_version"), "{l}");
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["level"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(levels, ["ERROR", "WARNING", "INFO"]);
}

#[test]
fn hostile_correlation_ids_never_reach_the_output() {
    let hostile = [
        "abc\n{\"level\":\"CRITICAL\"}".to_owned(),
        "quote\"injection".to_owned(),
        "x".repeat(10 * 1024),
        "ids with spaces".to_owned(),
        String::new(),
        "\u{202e}rtl".to_owned(),
    ];
    let (log, path, _d) = logger("");
    let mut expected = Vec::new();
    for (i, h) in hostile.iter().enumerate() {
        // Through the header path (bindings' middleware) ...
        let ctx = Context::from_headers(Some(h), None);
        let id = ctx.correlation_id.clone().unwrap();
        let mut rec = Record::new(Level::Info, "app", format!("m{i}"));
        rec.context = Some(Arc::new(ctx));
        log.log(fixed(rec)).unwrap();
        expected.push(format!(
            r#"{TS},"level":"INFO","logger":"app","message":"m{i}","correlation_id":"{id}","correlation_id_rejected":true,"schema_version":"1.0"}}"#
        ));
        // ... and through the thread-scoped context (Rust and C callers).
        context::update_current(|c| c.set("correlation_id", h));
        let id = context::current().unwrap().correlation_id.clone().unwrap();
        log.log(fixed(Record::new(Level::Info, "app", format!("t{i}"))))
            .unwrap();
        context::clear_current();
        expected.push(format!(
            r#"{TS},"level":"INFO","logger":"app","message":"t{i}","correlation_id":"{id}","correlation_id_rejected":true,"schema_version":"1.0"}}"#
        ));
    }
    let got = lines(&log, &path);
    assert_eq!(got, expected);
    let text = got.join("\n");
    for h in hostile.iter().filter(|h| !h.is_empty()) {
        assert!(!text.contains(h.as_str()), "hostile id {h:?} written");
    }
    assert!(!text.contains("xxxxxxxxxx") && !text.contains("injection") && !text.contains("rtl"));
}

#[test]
fn trace_context_from_headers_reaches_the_record() {
    let (log, path, _d) = logger("");
    let cases = [
        (None, format!("00-{TRACE}-{PARENT}-01")),
        (Some("req-1"), format!("01-{TRACE}-{PARENT}-09-future")),
        (
            Some("req-2"),
            format!("00-{}-{PARENT}-01", TRACE.to_uppercase()),
        ),
        (Some("req-3"), format!("ff-{TRACE}-{PARENT}-01")),
    ];
    for (i, (cid, tp)) in cases.iter().enumerate() {
        let mut rec = Record::new(Level::Info, "app", format!("m{i}"));
        rec.context = Some(Arc::new(Context::from_headers(*cid, Some(tp))));
        log.log(fixed(rec)).unwrap();
    }
    let tail = r#","schema_version":"1.0"}"#;
    assert_eq!(
        lines(&log, &path),
        [
            format!(
                r#"{TS},"level":"INFO","logger":"app","message":"m0","correlation_id":"{TRACE}","trace_id":"{TRACE}","span_id":"{PARENT}"{tail}"#
            ),
            format!(
                r#"{TS},"level":"INFO","logger":"app","message":"m1","correlation_id":"req-1","trace_id":"{TRACE}","span_id":"{PARENT}"{tail}"#
            ),
            format!(
                r#"{TS},"level":"INFO","logger":"app","message":"m2","correlation_id":"req-2"{tail}"#
            ),
            format!(
                r#"{TS},"level":"INFO","logger":"app","message":"m3","correlation_id":"req-3"{tail}"#
            ),
        ]
    );
    let child = Context::from_headers(None, Some(&format!("00-{TRACE}-{PARENT}-01")))
        .child_traceparent()
        .unwrap();
    assert_eq!(
        (child.trace_id_hex(), child.flags),
        (TRACE.to_owned(), TraceParent::SAMPLED)
    );
}

#[test]
fn drop_policy_counts_and_skips() {
    let (log, path, _d) = logger(r#","schema":{"policy":"drop"}"#);
    context::clear_current();
    log.log(fixed(
        Record::new(Level::Info, "app", "bad").field("client_ip", "999.1.1.1"),
    ))
    .unwrap();
    log.log(fixed(
        Record::new(Level::Info, "app", "good").field("client_ip", "::1"),
    ))
    .unwrap();
    assert_eq!(
        lines(&log, &path),
        [format!(
            r#"{TS},"level":"INFO","logger":"app","message":"good","client_ip":"::1","schema_version":"1.0"}}"#
        )]
    );
    let m = log.metrics();
    assert_eq!(
        m.get("logfort_records_dropped_total", &[("reason", "schema")]),
        1
    );
    assert_eq!(m.get("logfort_records_written_total", &[]), 1);
}

#[test]
fn strict_policy_returns_the_error_to_the_caller() {
    let (log, path, _d) = logger(r#","schema":{"policy":"strict"}"#);
    context::clear_current();
    let mut bad = Record::new(Level::Info, "app", "bad");
    bad.raw_fields = Some(r#"{"duration_ms": -1, "password": "hunter2"}"#.into());
    match log.log(fixed(bad)) {
        Err(Error::Schema(msg)) => assert_eq!(msg, "duration_ms: must be >= 0 (base)"),
        other => panic!("expected a schema error, got {other:?}"),
    }
    log.log(fixed(Record::new(Level::Info, "app", "good")))
        .unwrap();
    assert_eq!(
        lines(&log, &path),
        [format!(
            r#"{TS},"level":"INFO","logger":"app","message":"good","schema_version":"1.0"}}"#
        )]
    );
    assert_eq!(
        log.metrics()
            .get("logfort_records_dropped_total", &[("reason", "schema")]),
        1
    );
}

#[test]
fn custom_schema_from_configuration() {
    let (log, path, _d) = logger(
        r#","schema":{"advice":true,"schemas":{"orders":{"match":{"logger":"app.orders"},
            "required":["order_id"],"properties":{"order_id":{"type":"string","pattern":"^ORD-[0-9]{4}$"}}}}}"#,
    );
    context::clear_current();
    log.log(fixed(
        Record::new(Level::Info, "app.orders", "placed").field("order_id", "ORD-secret-4111"),
    ))
    .unwrap();
    log.log(fixed(
        Record::new(Level::Info, "app.orders.eu", "placed").field("orderId", 1),
    ))
    .unwrap();
    log.log(fixed(Record::new(Level::Info, "app.users", "x")))
        .unwrap();
    assert_eq!(
        lines(&log, &path),
        [
            format!(
                r#"{TS},"level":"INFO","logger":"app.orders","message":"placed","order_id":"ORD-secret-4111","schema_version":"1.0","schema_errors":["order_id: must match pattern ^ORD-[0-9]{{4}}$ (orders)"]}}"#
            ),
            format!(
                r#"{TS},"level":"INFO","logger":"app.orders.eu","message":"placed","orderId":1,"schema_advice":["orderId: use order_id (snake_case)"],"schema_version":"1.0","schema_errors":["order_id: is required (orders)"]}}"#
            ),
            format!(
                r#"{TS},"level":"INFO","logger":"app.users","message":"x","schema_version":"1.0"}}"#
            ),
        ]
    );
}

#[test]
fn disabled_audit_records_are_counted_not_written() {
    let (log, path, _d) = logger(r#","audit":{"enabled":false}"#);
    context::clear_current();
    log.log(audit::audit(
        "app",
        "a",
        "t",
        "1",
        Some("u"),
        vec![],
        "success",
    ))
    .unwrap();
    log.log(fixed(audit::business("app", "e", vec![]))).unwrap();
    assert_eq!(
        lines(&log, &path),
        [format!(
            r#"{TS},"level":"INFO","logger":"app","message":"business: e","log_type":"business","event":"e","schema_version":"1.0"}}"#
        )]
    );
    assert_eq!(
        log.metrics().get(
            "logfort_records_dropped_total",
            &[("reason", "audit_disabled")]
        ),
        1
    );
}
