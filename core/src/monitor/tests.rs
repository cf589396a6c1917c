use super::*;
use crate::config::Config;
use crate::context::Context;
use std::time::UNIX_EPOCH;

fn config(rules: &str) -> MonitorConfig {
    Config::from_json(&format!(r#"{{"monitor": {{"rules": {rules}}}}}"#))
        .unwrap()
        .monitor
}

const BRUTE: &str = r#"[{"name": "brute_force", "event": "failed_login", "key": "client_ip", "threshold": 5, "window_seconds": 300}]"#;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000 + secs)
}

fn failed_login(secs: u64, ip: &str) -> Record {
    let mut r = Record::new(
        Level::Warning,
        "app.auth",
        "security: failed_login (warning)",
    )
    .field("security_event", "failed_login")
    .field("client_ip", ip)
    .field("user_id", "alice");
    r.time = at(secs);
    r
}

/// Runs records through the stage; returns (record index, alert) pairs.
fn run(m: &mut Monitor, recs: Vec<Record>) -> Vec<(usize, Record)> {
    let mut alerts = Vec::new();
    for (i, mut r) in recs.into_iter().enumerate() {
        assert!(m.apply(&mut r));
        let mut extra = Vec::new();
        m.drain_extra(&mut extra);
        alerts.extend(extra.into_iter().map(|a| (i, a)));
    }
    alerts
}

#[test]
fn fifth_event_in_the_window_raises_one_alert() {
    let mut m = Monitor::for_config(&config(BRUTE)).unwrap();
    let recs = (0..10).map(|i| failed_login(i * 10, "10.0.0.9")).collect();
    let alerts = run(&mut m, recs);
    assert_eq!(alerts.len(), 1);
    let (i, a) = &alerts[0];
    assert_eq!(*i, 4);
    assert_eq!(a.level, Level::Error);
    assert_eq!(a.log_type, Some(LogType::Security));
    assert_eq!(a.logger, ALERT_LOGGER);
    assert_eq!(a.time, at(40));
    assert_eq!(
        a.message,
        "security alert: brute_force: 5 failed_login from client_ip=10.0.0.9 within 300s"
    );
    let f: Vec<(String, Value)> = a.fields.clone();
    assert_eq!(
        f,
        vec![
            ("security_event".into(), Value::from("security_alert")),
            ("severity".into(), Value::from("critical")),
            ("rule".into(), Value::from("brute_force")),
            ("trigger_event".into(), Value::from("failed_login")),
            ("key".into(), Value::from("client_ip")),
            ("client_ip".into(), Value::from("10.0.0.9")),
            ("user_id".into(), Value::from("alice")),
            ("count".into(), Value::UInt(5)),
            ("threshold".into(), Value::Int(5)),
            ("window_seconds".into(), Value::Float(300.0)),
        ]
    );
    assert_eq!(
        m.alerts().by_rule.lock().clone(),
        vec![("brute_force".to_owned(), 1)]
    );
}

#[test]
fn quiet_for_one_window_then_alerts_again_while_it_goes_on() {
    let mut m = Monitor::for_config(&config(BRUTE)).unwrap();
    // One attempt a minute for 12 minutes.
    let recs = (0..12).map(|i| failed_login(i * 60, "10.0.0.9")).collect();
    let alerts: Vec<(usize, u64)> = run(&mut m, recs)
        .into_iter()
        .map(|(i, a)| {
            (
                i,
                match a.get("count") {
                    Some(Value::UInt(n)) => *n,
                    _ => 0,
                },
            )
        })
        .collect();
    // At 4 min (5th attempt); quiet until 9 min; at 9 min the last 5 min
    // hold attempts at 5, 6, 7, 8, 9 min.
    assert_eq!(alerts, [(4, 5), (9, 5)]);
}

#[test]
fn keys_are_counted_apart_and_old_events_expire() {
    let mut m = Monitor::for_config(&config(BRUTE)).unwrap();
    let mut recs: Vec<Record> = Vec::new();
    for i in 0..4 {
        recs.push(failed_login(i, "10.0.0.1"));
        recs.push(failed_login(i, "10.0.0.2"));
    }
    // The fifth comes after the first ones left the window.
    recs.push(failed_login(300, "10.0.0.1"));
    // Other events and records without the key are not counted.
    recs.push(
        Record::new(Level::Info, "x", "m")
            .field("security_event", "login_ok")
            .field("client_ip", "10.0.0.2"),
    );
    recs.push(Record::new(Level::Info, "x", "m").field("security_event", "failed_login"));
    assert!(run(&mut m, recs).is_empty());
    let alerts = run(&mut m, vec![failed_login(10, "10.0.0.2")]);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].1.get("client_ip"), Some(&Value::from("10.0.0.2")));
}

#[test]
fn the_key_may_come_from_the_bound_context_and_the_alert_keeps_it() {
    let mut m = Monitor::for_config(&config(
        r#"[{"name": "spray", "event": "failed_login", "key": "user_id", "threshold": 2, "window_seconds": 60}]"#,
    ))
    .unwrap();
    let ctx = Arc::new(Context {
        user_id: Some("u-1".into()),
        correlation_id: Some("req-9".into()),
        ..Context::default()
    });
    let recs = (0..2)
        .map(|i| {
            let mut r =
                Record::new(Level::Warning, "a", "m").field("security_event", "failed_login");
            r.context = Some(ctx.clone());
            r.time = at(i);
            r
        })
        .collect();
    let alerts = run(&mut m, recs);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].1.get("user_id"), Some(&Value::from("u-1")));
    assert_eq!(alerts[0].1.get("client_ip"), None);
    assert_eq!(
        alerts[0]
            .1
            .context
            .as_deref()
            .unwrap()
            .correlation_id
            .as_deref(),
        Some("req-9")
    );
    // Its own alerts are never counted.
    let again = run(&mut m, vec![alerts[0].1.clone(), alerts[0].1.clone()]);
    assert!(again.is_empty());
}

#[test]
fn expired_keys_are_forgotten() {
    let mut m = Monitor::for_config(&config(BRUTE)).unwrap();
    let recs = (0..SWEEP_EVERY - 1)
        .map(|i| failed_login(0, &format!("10.1.{}.{}", i / 256, i % 256)))
        .collect();
    run(&mut m, recs);
    assert_eq!(m.tracked(), SWEEP_EVERY as usize - 1);
    run(&mut m, vec![failed_login(1000, "10.9.9.9")]);
    assert_eq!(m.tracked(), 1);
}

#[test]
fn configuration_errors_name_the_key() {
    let err = |rules: &str| {
        Config::from_json(&format!(r#"{{"monitor": {{"rules": {rules}}}}}"#))
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        err(r#"[{"name": "a", "event": "e", "threshold": 0, "window_seconds": 1}]"#),
        "invalid configuration: `monitor.rules[0].threshold`: got 0, expected a whole number from 1 to 1000000"
    );
    assert_eq!(
        err(r#"[{"name": "a", "event": "e", "threshold": 1, "window_seconds": -1}]"#),
        "invalid configuration: `monitor.rules[0].window_seconds`: got -1, expected a number of seconds above 0, at most a year"
    );
    assert_eq!(
        err(r#"[{"name": "a", "threshold": 1, "window_seconds": 1}]"#),
        "invalid configuration: `monitor.rules[0].event`: got null, expected the event to count, e.g. \"failed_login\""
    );
    assert_eq!(
        err(r#"[{"name": "a", "event": "e", "threshold": 1, "window_seconds": 1, "windw": 2}]"#),
        "invalid configuration: `monitor.rules[0].windw`: unknown key, expected one of: event, key, name, threshold, window_seconds"
    );
    assert_eq!(
        err(r#"[{"name": "a", "event": "e", "threshold": 1, "window_seconds": 1}, {"name": "a", "event": "f", "threshold": 1, "window_seconds": 1}]"#),
        "invalid configuration: `monitor.rules[1].name`: got \"a\", expected a name no other rule has"
    );
    // camelCase works as everywhere else.
    let c = config(r#"[{"name": "a", "event": "e", "threshold": 3, "windowSeconds": 1.5}]"#);
    assert_eq!(c.rules[0].window, Duration::from_millis(1500));
    assert_eq!(c.rules[0].key, "client_ip");
}

#[test]
fn alerts_reach_the_sinks_after_the_record_that_raised_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sec.log");
    let doc = format!(
        r#"{{"monitor": {{"rules": {BRUTE}}}, "sinks": [{{"type": "file", "path": {:?}}}]}}"#,
        path.display().to_string()
    );
    let log = crate::Logger::from_json(Some(&doc)).unwrap();
    for i in 0..6 {
        log.log(failed_login(i, "192.0.2.1")).unwrap();
    }
    log.shutdown(Duration::from_secs(5)).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 7);
    assert!(lines[5].starts_with(
        r#"{"timestamp":"2027-01-15T08:00:04.000000Z","level":"ERROR","logger":"logfort.monitor","message":"security alert: brute_force: 5 failed_login from client_ip=192.0.2.1 within 300s","log_type":"security","security_event":"security_alert","severity":"critical","rule":"brute_force""#
    ), "{}", lines[5]);
    assert!(lines[6].contains("\"message\":\"security: failed_login (warning)\""));
    let m = log.metrics();
    assert_eq!(
        m.get("logfort_security_alerts_total", &[("rule", "brute_force")]),
        1
    );
    // The synchronous formatter writes the alert after the record too.
    let mut f = crate::Formatter::new(
        &Config::from_json(&format!(r#"{{"monitor": {{"rules": {BRUTE}}}}}"#)).unwrap(),
    )
    .unwrap();
    let outs: Vec<usize> = (0..5)
        .map(|i| {
            f.format(failed_login(i, "x"))
                .unwrap()
                .split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .count()
        })
        .collect();
    assert_eq!(outs, [1, 1, 1, 1, 2]);
}
