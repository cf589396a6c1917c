use super::*;
use crate::config::Config;
use crate::metrics::Metrics;
use std::collections::HashMap;

fn perf(doc: &str) -> Result<PerformanceConfig> {
    Config::from_json(&format!(r#"{{"performance": {doc}}}"#)).map(|c| c.performance)
}

fn keys(r: &Record) -> Vec<&str> {
    r.fields.iter().map(|(k, _)| k.as_str()).collect()
}

fn details() -> Vec<(String, Value)> {
    vec![
        ("ip_country".into(), Value::from("NL")),
        ("action".into(), Value::from("x")),
    ]
}

#[test]
fn performance_levels_reach_error_first() {
    let c = PerformanceConfig::default();
    let cases = [
        ("render", 4999.0, Level::Info),
        ("render", 5000.0, Level::Warning),
        ("render", 9999.9, Level::Warning),
        ("render", 10000.0, Level::Error),
        ("render", 60000.0, Level::Error),
        ("db_query", 999.0, Level::Info),
        ("db_query", 1000.0, Level::Warning),
        ("db_query", 10000.0, Level::Error),
        ("api", 2999.0, Level::Info),
        ("api", 3000.0, Level::Warning),
        ("api", 12000.0, Level::Error),
        ("render", f64::NAN, Level::Info),
    ];
    for (op, ms, level) in cases {
        assert_eq!(c.level(op, ms), level, "{op} {ms}");
    }
}

#[test]
fn performance_configuration_merges_operations() {
    let c = perf(
        r#"{"warnMs": 100, "error_ms": 200, "operations":
            {"db_query": {"error_ms": 500}, "batch": {"warn_ms": 150, "error_ms": 180}}}"#,
    )
    .unwrap();
    assert_eq!(c.thresholds("other"), (100.0, 200.0));
    assert_eq!(c.thresholds("db_query"), (100.0, 500.0));
    assert_eq!(c.thresholds("batch"), (150.0, 180.0));
    // The default `api` override stays (and still reaches ERROR first).
    assert_eq!(c.thresholds("api"), (3000.0, 200.0));
    assert_eq!(c.level("api", 250.0), Level::Error);
    assert_eq!(c.operations.len(), 3);
}

#[test]
fn performance_configuration_errors() {
    let err = |doc: &str| perf(doc).unwrap_err().to_string();
    assert_eq!(
        err(r#"{"warn_ms": 20000}"#),
        "invalid configuration: `performance.warn_ms`: warn_ms 20000 is above error_ms 10000, so it could never warn"
    );
    assert_eq!(
        err(r#"{"operations": {"db_query": {"warn_ms": 12000}}}"#),
        "invalid configuration: `performance.operations.db_query`: warn_ms 12000 is above error_ms 10000, so it could never warn"
    );
    assert_eq!(
        err(r#"{"error_ms": -1}"#),
        "invalid configuration: `performance.error_ms`: got -1, expected a number ≥ 0"
    );
    assert_eq!(
        err(r#"{"operations": {"x": {"warn": 1}}}"#),
        "invalid configuration: `performance.operations.x.warn`: unknown key, expected one of: error_ms, warn_ms"
    );
    assert_eq!(
        err(r#"{"operations": []}"#),
        "invalid configuration: `performance.operations`: got [], expected an object of operation → thresholds"
    );
}

#[test]
fn enabled_flags_from_config_and_environment() {
    let env: HashMap<&str, &str> =
        [("LOG_PERFORMANCE", "false"), ("LOG_AUDIT_ENABLED", "0")].into();
    let c = Config::load_with(Some("{}"), |k| env.get(k).map(|v| v.to_string())).unwrap();
    assert!(!c.performance.enabled && !c.audit.enabled);
    let c =
        Config::from_json(r#"{"audit": {"enabled": false}, "performance": {"enabled": false}}"#)
            .unwrap();
    assert!(!c.performance.enabled && !c.audit.enabled);
    assert!(Config::default().performance.enabled && Config::default().audit.enabled);
    let e = Config::load_with(Some("{}"), |k| {
        (k == "LOG_AUDIT_ENABLED").then(|| "maybe".into())
    });
    assert_eq!(
        e.unwrap_err().to_string(),
        "invalid configuration: LOG_AUDIT_ENABLED: got \"maybe\", expected true or false"
    );
}

#[test]
fn audit_record() {
    let r = audit(
        "app.api",
        "user.login",
        "session",
        "s-1",
        Some("u-1"),
        details(),
        "success",
    );
    assert_eq!((r.level, r.log_type), (Level::Info, Some(LogType::Audit)));
    assert_eq!(r.logger, "app.api");
    assert_eq!(r.message, "audit: user.login on session/s-1 -> success");
    assert_eq!(
        keys(&r),
        [
            "action",
            "resource_type",
            "resource_id",
            "user_id",
            "result",
            "ip_country",
            "detail_action"
        ]
    );
    assert_eq!(r.get("action"), Some(&Value::from("user.login")));
    for failed in ["failure", "DENIED", "error", "failed", "rejected"] {
        let r = audit("a", "x", "t", "1", None, vec![], failed);
        assert_eq!(r.level, Level::Warning, "{failed}");
        assert_eq!(r.get("user_id"), None);
    }
}

#[test]
fn security_record_severity_picks_the_level() {
    let r = security(
        "app",
        "login.bruteforce",
        "critical",
        Some("10.0.0.1"),
        Some("u-1"),
        details(),
    );
    assert_eq!(
        (r.level, r.log_type),
        (Level::Critical, Some(LogType::Security))
    );
    assert_eq!(r.message, "security: login.bruteforce (critical)");
    assert_eq!(
        keys(&r),
        [
            "security_event",
            "severity",
            "client_ip",
            "user_id",
            "ip_country",
            "action"
        ]
    );
    let levels: Vec<Level> = ["info", "warning", "critical", "high", "CRITICAL"]
        .iter()
        .map(|s| security_level(s))
        .collect();
    assert_eq!(
        levels,
        [
            Level::Info,
            Level::Warning,
            Level::Critical,
            Level::Warning,
            Level::Warning
        ]
    );
    let r = security("app", "e", "info", None, None, vec![]);
    assert_eq!(keys(&r), ["security_event", "severity"]);
}

#[test]
fn performance_and_business_records() {
    let c = PerformanceConfig::default();
    let r = performance(
        &c,
        "app.db",
        "db_query",
        1500.0,
        false,
        vec![("rows".into(), Value::from(3))],
    );
    assert_eq!(
        (r.level, r.log_type),
        (Level::Warning, Some(LogType::Performance))
    );
    assert_eq!(r.message, "performance: db_query took 1500 ms (failed)");
    assert_eq!(keys(&r), ["operation", "duration_ms", "success", "rows"]);
    assert_eq!(r.get("duration_ms"), Some(&Value::Float(1500.0)));
    let r = performance(&c, "app", "render", 12.5, true, vec![]);
    assert_eq!(
        (r.level, r.message.as_str()),
        (Level::Info, "performance: render took 12.5 ms")
    );
    let r = business(
        "app.orders",
        "order.placed",
        vec![("event".into(), Value::from(1))],
    );
    assert_eq!(
        (r.level, r.log_type),
        (Level::Info, Some(LogType::Business))
    );
    assert_eq!(r.message, "business: order.placed");
    assert_eq!(keys(&r), ["event", "detail_event"]);
}

#[test]
fn gate_discards_and_counts_disabled_types() {
    let gate = TypeGate::new(
        &AuditConfig { enabled: false },
        &PerformanceConfig::default(),
    );
    assert!(!gate.allows(Some(LogType::Audit)));
    assert!(!gate.allows(Some(LogType::Audit)));
    assert!(gate.allows(Some(LogType::Performance)));
    assert!(gate.allows(Some(LogType::Security)));
    assert!(gate.allows(None));
    let mut m = Metrics::default();
    gate.report(&mut m.samples);
    assert_eq!(
        m.get(
            "logfort_records_dropped_total",
            &[("reason", "audit_disabled")]
        ),
        2
    );
    assert_eq!(
        m.get(
            "logfort_records_dropped_total",
            &[("reason", "performance_disabled")]
        ),
        0
    );
}
