//! `logfort` run as a user runs it, on files with known content: exact
//! standard output, exact standard error, exit status.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const APP: &str = r#"{"timestamp":"2026-11-23T08:00:00.000001Z","level":"INFO","logger":"app.http","message":"request started","correlation_id":"req-1","service":"py","request_path":"/api/pay"}
{"timestamp":"2026-11-23T08:00:00.200000Z","level":"ERROR","logger":"app.db","message":"db timeout","correlation_id":"req-1","service":"py","operation":"db_query","duration_ms":300}
not json {oops
{"timestamp":"2026-11-23T08:30:00Z","level":"WARNING","logger":"app.auth","message":"login failed","correlation_id":"req-2","service":"py","log_type":"security","security_event":"failed_login","client_ip":"10.0.0.9"}
{"timestamp":"2026-11-23T09:15:00Z","level":"INFO","logger":"app.db","message":"query","correlation_id":"req-2","operation":"db_query","duration_ms":120}
{"timestamp":"2026-11-23T09:16:00Z","level":"ERROR","logger":"app.db","message":"db timeout","correlation_id":"req-3","operation":"db_query","duration_ms":100}
[1,2]
{"timestamp":"2026-11-23T09:20:00Z","level":"CRITICAL","logger":"app","message":"out of memory","operation":"api","duration_ms":12.5}

"#;

const NODE: &str = r#"{"timestamp":"2026-11-23T08:00:00.100000Z","level":"INFO","logger":"node.api","message":"forwarded","correlation_id":"req-1","service":"node"}
{"timestamp":"2026-11-23T08:00:00.150000+00:00","level":"INFO","logger":"c.worker","message":"computed","correlation_id":"req-1","service":"c"}
{"timestamp":"2026-11-23T07:59:59.999Z","level":"DEBUG","logger":"node.api","message":"mentions req-1 in text","correlation_id":"req-10"}
"#;

const MALFORMED: &str =
    "logfort: {app}:3: malformed JSON (expected ident at line 1 column 2), skipped\n\
                         logfort: {app}:7: malformed JSON (a JSON array, not an object), skipped\n";

struct Fx {
    _dir: tempfile::TempDir,
    app: PathBuf,
    node_gz: PathBuf,
}

fn fixture() -> Fx {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app.log");
    std::fs::write(&app, APP).unwrap();
    let node_gz = dir.path().join("node.log.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&node_gz).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(NODE.as_bytes()).unwrap();
    gz.finish().unwrap();
    Fx {
        _dir: dir,
        app,
        node_gz,
    }
}

fn logfort(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_logfort"))
        .args(args)
        .env_remove("LOGFORT_HMAC_KEY")
        .output()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

/// Lines of APP / NODE by number (1-based).
fn app(n: usize) -> &'static str {
    APP.lines().nth(n - 1).unwrap()
}
fn node(n: usize) -> &'static str {
    NODE.lines().nth(n - 1).unwrap()
}

fn lines(ls: &[&str]) -> String {
    ls.iter().map(|l| format!("{l}\n")).collect()
}

#[test]
fn stats_counts_levels_hours_errors_and_percentiles() {
    let fx = fixture();
    let out = logfort(&["stats", s(&fx.app)]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        "records: 6 (2 malformed lines skipped)

by level
  CRITICAL  1
  ERROR     2
  WARNING   1
  INFO      2

by hour (UTC)
  2026-11-23T08:00Z  3
  2026-11-23T09:00Z  3

top error messages
  2  db timeout
  1  out of memory

slowest operations (duration_ms)
  operation  count   p50   p95   p99   max
  db_query       3   120   300   300   300
  api            1  12.5  12.5  12.5  12.5
"
    );
    assert_eq!(text(&out.stderr), MALFORMED.replace("{app}", s(&fx.app)));
}

#[test]
fn stats_reads_gzip_and_standard_input_alike() {
    let fx = fixture();
    let gz = logfort(&["stats", "--top", "1", s(&fx.node_gz)]);
    let expected = "records: 3

by level
  INFO   2
  DEBUG  1

by hour (UTC)
  2026-11-23T07:00Z  1
  2026-11-23T08:00Z  2

top error messages

slowest operations (duration_ms)
";
    assert_eq!(text(&gz.stdout), expected);
    let mut child = Command::new(env!("CARGO_BIN_EXE_logfort"))
        .arg("stats")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(NODE.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(text(&out.stdout), expected);
}

#[test]
fn trace_collects_one_request_across_files_in_time_order() {
    let fx = fixture();
    let out = logfort(&["trace", "req-1", s(&fx.app), s(&fx.node_gz)]);
    assert_eq!(out.status.code(), Some(0));
    // req-10 mentions "req-1" but is another request; the +00:00 time
    // sorts with the Z ones.
    assert_eq!(
        text(&out.stdout),
        lines(&[app(1), node(1), node(2), app(2)])
    );
    // Malformed lines that cannot hold the id are not even parsed.
    assert_eq!(text(&out.stderr), "");
    let pretty = logfort(&["trace", "req-3", "--pretty", "--color", "never", s(&fx.app)]);
    assert_eq!(
        text(&pretty.stdout),
        "2026-11-23T09:16:00.000000Z ERROR    app.db: db timeout
    correlation_id: req-3
    operation: db_query
    duration_ms: 100
"
    );
    let none = logfort(&["trace", "req-404", s(&fx.app)]);
    assert_eq!(
        (none.status.code(), text(&none.stdout)),
        (Some(0), String::new())
    );
    assert_eq!(
        text(&none.stderr),
        "logfort: no record of correlation id \"req-404\"\n"
    );
}

#[test]
fn trace_reports_a_malformed_line_that_holds_the_id() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("x.log");
    std::fs::write(
        &f,
        format!("{}\n{{\"correlation_id\":\"req-1\",\n{}\n", app(1), app(2)),
    )
    .unwrap();
    let out = logfort(&["trace", "req-1", s(&f)]);
    assert_eq!(text(&out.stdout), lines(&[app(1), app(2)]));
    assert_eq!(
        text(&out.stderr),
        format!("logfort: {}:2: malformed JSON (EOF while parsing a value at line 1 column 26), skipped\n", s(&f))
    );
}

#[test]
fn tail_filters() {
    let fx = fixture();
    let run = |extra: &[&str]| {
        let mut args = vec!["tail"];
        args.extend_from_slice(extra);
        args.push(s(&fx.app));
        let out = logfort(&args);
        assert_eq!(out.status.code(), Some(0), "{extra:?}");
        assert_eq!(text(&out.stderr), MALFORMED.replace("{app}", s(&fx.app)));
        text(&out.stdout)
    };
    assert_eq!(
        run(&["--level", "warning"]),
        lines(&[app(2), app(4), app(6), app(8)])
    );
    assert_eq!(
        run(&["--level", "error", "-n", "2"]),
        lines(&[app(6), app(8)])
    );
    assert_eq!(
        run(&["--logger", "app.db"]),
        lines(&[app(2), app(5), app(6)])
    );
    // A logger matches its children, not its namesakes.
    assert_eq!(run(&["--logger", "app.d"]), "");
    assert_eq!(run(&["-c", "req-2"]), lines(&[app(4), app(5)]));
    assert_eq!(
        run(&[
            "--since",
            "2026-11-23T08:30:00Z",
            "--until",
            "2026-11-23T10:16:00+01:00"
        ]),
        lines(&[app(4), app(5)])
    );
    assert_eq!(
        run(&["-w", "operation=db_query", "-w", "duration_ms=120"]),
        lines(&[app(5)])
    );
    assert_eq!(
        run(&["-w", "client_ip=10.0.0.9", "--level", "warning"]),
        lines(&[app(4)])
    );
    assert_eq!(run(&["-n", "0"]), "");
    assert_eq!(run(&[]).lines().count(), 6);
}

#[test]
fn tail_rejects_bad_arguments_clearly() {
    let fx = fixture();
    let out = logfort(&["tail", "--level", "loud", s(&fx.app)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains(
        "invalid value 'loud' for '--level <LEVEL>': \"loud\" is not a level (trace, debug, info, notice, warning, error, critical)"
    ));
    let out = logfort(&["tail", "--since", "yesterday-ish", s(&fx.app)]);
    assert!(text(&out.stderr).contains("is neither an RFC 3339 time"));
    let out = logfort(&["tail", "-w", "novalue", s(&fx.app)]);
    assert!(text(&out.stderr).contains("\"novalue\" is not FIELD=VALUE"));
    let out = logfort(&["tail", "-f", s(&fx.node_gz)]);
    assert_eq!(
        (out.status.code(), text(&out.stderr)),
        (
            Some(2),
            format!(
                "logfort: {}: a gzip file cannot be followed\n",
                s(&fx.node_gz)
            )
        )
    );
    let out = logfort(&["tail", "/nonexistent/x.log"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "logfort: /nonexistent/x.log: No such file or directory (os error 2)\n"
    );
}

#[test]
fn tail_follow_prints_appended_records() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("live.log");
    std::fs::write(&f, lines(&[app(1)])).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_logfort"))
        .args(["tail", "-f", "--level", "error", "-n", "5", s(&f)])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let append = |l: &str| {
        let mut file = std::fs::OpenOptions::new().append(true).open(&f).unwrap();
        file.write_all(l.as_bytes()).unwrap();
    };
    append(&lines(&[app(5), app(6)]));
    let mut got = String::new();
    out.read_line(&mut got).unwrap();
    assert_eq!(got, lines(&[app(6)]));
    // A line written in two parts is printed once, whole.
    let (a, b) = app(8).split_at(30);
    append(a);
    append(&format!("{b}\n"));
    got.clear();
    out.read_line(&mut got).unwrap();
    assert_eq!(got, lines(&[app(8)]));
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn pretty_renders_and_skips_malformed_lines() {
    let fx = fixture();
    let out = logfort(&["pretty", "--color", "never", s(&fx.node_gz)]);
    assert_eq!(
        text(&out.stdout),
        "2026-11-23T08:00:00.100000Z INFO     node.api: forwarded
    correlation_id: req-1
    service: node
2026-11-23T08:00:00.150000Z INFO     c.worker: computed
    correlation_id: req-1
    service: c
2026-11-23T07:59:59.999000Z DEBUG    node.api: mentions req-1 in text
    correlation_id: req-10
"
    );
    let out = logfort(&["pretty", "--color", "always", s(&fx.app)]);
    let first = text(&out.stdout).lines().next().unwrap().to_owned();
    assert_eq!(
        first,
        "\x1b[2m2026-11-23T08:00:00.000001Z\x1b[0m \x1b[32mINFO    \x1b[0m \x1b[1mapp.http\x1b[0m: request started"
    );
    assert_eq!(text(&out.stderr), MALFORMED.replace("{app}", s(&fx.app)));
}

#[test]
fn metrics_are_prometheus_text() {
    let fx = fixture();
    let out = logfort(&["metrics", s(&fx.app)]);
    assert_eq!(
        text(&out.stdout),
        r#"# HELP logfort_log_records_total Records in the log files, by level.
# TYPE logfort_log_records_total counter
logfort_log_records_total{level="CRITICAL"} 1
logfort_log_records_total{level="ERROR"} 2
logfort_log_records_total{level="WARNING"} 1
logfort_log_records_total{level="INFO"} 2
# HELP logfort_log_malformed_lines_total Lines that are not JSON objects.
# TYPE logfort_log_malformed_lines_total counter
logfort_log_malformed_lines_total 2
# HELP logfort_log_records_by_type_total Records by log_type.
# TYPE logfort_log_records_by_type_total counter
logfort_log_records_by_type_total{log_type="security"} 1
# HELP logfort_log_security_events_total Security records by security_event.
# TYPE logfort_log_security_events_total counter
logfort_log_security_events_total{security_event="failed_login"} 1
# HELP logfort_log_operation_duration_ms duration_ms of records by operation.
# TYPE logfort_log_operation_duration_ms summary
logfort_log_operation_duration_ms{operation="api",quantile="0.5"} 12.5
logfort_log_operation_duration_ms{operation="api",quantile="0.95"} 12.5
logfort_log_operation_duration_ms{operation="api",quantile="0.99"} 12.5
logfort_log_operation_duration_ms_sum{operation="api"} 12.5
logfort_log_operation_duration_ms_count{operation="api"} 1
logfort_log_operation_duration_ms{operation="db_query",quantile="0.5"} 120
logfort_log_operation_duration_ms{operation="db_query",quantile="0.95"} 300
logfort_log_operation_duration_ms{operation="db_query",quantile="0.99"} 300
logfort_log_operation_duration_ms_sum{operation="db_query"} 520
logfort_log_operation_duration_ms_count{operation="db_query"} 3
"#
    );
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("big.log");
    std::fs::write(&f, lines(&[app(1)]).repeat(50_000)).unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{} tail {} | head -n 1",
            env!("CARGO_BIN_EXE_logfort"),
            s(&f)
        ))
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), lines(&[app(1)]));
    assert_eq!(text(&out.stderr), "");
}

const SCHEMA: &str = r#"{"timestamp":"2026-11-23T08:00:00Z","level":"INFO","logger":"app","message":"ok","correlation_id":"req-1"}
{"timestamp":"2026-11-23T08:00:01Z","level":"INFO","logger":"app","message":"slow","log_type":"performance","operation":"db","duration_ms":-5,"success":true}
{"timestamp":"2026-11-23T08:00:02Z","level":"INFO","logger":"app","message":"who","log_type":"audit","action":"read","resource_type":"file","resource_id":"f1","result":"success","client_ip":"not-an-ip"}
{"level":"LOUD","message":"x"}
not json
{"timestamp":"2026-11-23T08:00:03Z","level":"WARNING","logger":"app.orders","message":"m","log_type":"gossip","user_id":42}
"#;

#[test]
fn validate_reports_violations_by_line_and_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("v.log");
    std::fs::write(&f, SCHEMA).unwrap();
    let out = logfort(&["validate", s(&f)]);
    assert_eq!(out.status.code(), Some(1));
    let expected = "{f}:2: duration_ms: must be >= 0 (base)
{f}:2: duration_ms: must be >= 0 (performance)
{f}:3: client_ip: must be an IP address (base)
{f}:3: user_id: is required (audit)
{f}:3: client_ip: must be an IP address (audit)
{f}:4: level: must be one of TRACE, DEBUG, INFO, NOTICE, WARNING, ERROR, CRITICAL (record)
{f}:4: timestamp: is required (record)
{f}:6: log_type: must be audit, security, performance or business (record)
{f}:6: user_id: must be a string (base)
5 record(s), 4 with violations, 1 malformed line(s) skipped
violations by field
  client_ip    2
  duration_ms  2
  level        1
  log_type     1
  timestamp    1
  user_id      2
";
    assert_eq!(text(&out.stdout), expected.replace("{f}", s(&f)));
    assert_eq!(
        text(&out.stderr),
        format!(
            "logfort: {}:5: malformed JSON (expected ident at line 1 column 2), skipped\n",
            s(&f)
        )
    );
    // Custom schemas come from a configuration document.
    let config = dir.path().join("logging.json");
    std::fs::write(
        &config,
        r#"{"schema": {"schemas": {"orders": {"match": {"logger": "app.orders"}, "required": ["order_id"]}}}}"#,
    )
    .unwrap();
    let out = logfort(&["validate", "--config", s(&config), s(&f)]);
    assert!(
        text(&out.stdout).contains(":6: order_id: is required (orders)\n"),
        "{}",
        text(&out.stdout)
    );
    // A clean file exits 0.
    std::fs::write(&f, lines(&[SCHEMA.lines().next().unwrap()])).unwrap();
    let out = logfort(&["validate", s(&f)]);
    assert_eq!(
        (out.status.code(), text(&out.stdout)),
        (Some(0), "1 record(s), 0 with violations\n".into())
    );
}

#[test]
fn mask_masks_json_lines_and_text_lines_from_standard_input() {
    let input = concat!(
        r#"{"timestamp":"2026-11-23T08:00:00Z","level":"INFO","message":"login for alice@example.com card 4111 1111 1111 1111","password":"hunter2","nested":{"api_key":"sk-live-abcdef123456","ok":"fine"}}"#,
        "\nplain text line with password=hunter2 and card 4111111111111111\n",
        "{\"broken\": \n",
        "EMP-123456 was here\n",
    );
    let run = |args: &[&str]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_logfort"))
            .arg("mask")
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        concat!(
            r#"{"timestamp":"2026-11-23T08:00:00Z","level":"INFO","message":"login for a***@example.com card ****-****-****-1111","password":"***MASKED***","nested":{"api_key":"***MASKED***","ok":"fine"}}"#,
            "\nplain text line with password=***MASKED*** and card ****-****-****-1111\n",
            "{\"broken\":\n",
            "EMP-123456 was here\n",
        )
    );
    assert_eq!(
        text(&out.stderr),
        "logfort: -:3: malformed JSON (EOF while parsing a value at line 1 column 10), masked as text\n"
    );
    // The configuration's custom rules apply too.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("logging.json");
    std::fs::write(
        &config,
        r#"{"mask": {"rules": [{"name": "employee_id", "pattern": "EMP-\\d{6}", "replace": "EMP-******"}]}}"#,
    )
    .unwrap();
    let out = run(&["--config", s(&config)]);
    assert!(
        text(&out.stdout).ends_with("EMP-****** was here\n"),
        "{}",
        text(&out.stdout)
    );
}
