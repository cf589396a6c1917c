//! The audit sink end to end: records chained through a logger, across
//! rotations and restarts, verified as `logfort verify` does.

use logfort_core::chain::{self, Link, ProblemKind, Start};
use logfort_core::sink::head_path;
use logfort_core::{Level, LogType, Logger, Record};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::time::Duration;

fn logger(path: &Path, extra: &str) -> Logger {
    let doc = format!(
        r#"{{"sinks": [{{"type": "audit", "path": {:?}{extra}}}]}}"#,
        path.display().to_string()
    );
    Logger::from_json(Some(&doc)).unwrap()
}

fn audit(i: u32) -> Record {
    let mut r = Record::new(
        Level::Info,
        "app.audit",
        format!("audit: update on invoice/{i} -> success"),
    )
    .field("action", "update")
    .field("resource_type", "invoice")
    .field("resource_id", i.to_string())
    .field("user_id", "u-1")
    .field("client_ip", "10.0.0.1")
    .field("result", "success");
    r.log_type = Some(LogType::Audit);
    r
}

fn check(path: &Path, key: Option<&[u8]>) -> Result<chain::Verified, chain::Problem> {
    let mut entries = Vec::new();
    let mut cut = false;
    for (i, f) in chain::chain_files(path).iter().enumerate() {
        cut = chain::read_entries(i, BufReader::new(File::open(f).unwrap()), key, &mut entries)
            .unwrap();
    }
    let head = std::fs::read_to_string(head_path(path)).unwrap();
    // A head whose MAC does not match the key is left out here (the CLI
    // reports it); the records themselves still have to verify.
    let head = chain::parse_head(key, &head).ok();
    chain::verify(&entries, Start::Genesis, head.as_ref(), cut)
}

#[test]
fn chain_survives_three_rotations_and_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit/app.audit.log");
    let opts = r#", "max_bytes": 2048, "hmac_key": "s3cret""#;
    let log = logger(&path, opts);
    // Records that are not audit or security records stay out.
    log.log(Record::new(Level::Error, "app", "not audited"))
        .unwrap();
    for i in 0..12 {
        log.log(audit(i)).unwrap();
    }
    log.shutdown(Duration::from_secs(5)).unwrap();
    drop(log);
    // A restart continues the chain in the same file.
    let log = logger(&path, opts);
    for i in 12..20 {
        log.log(audit(i)).unwrap();
    }
    log.shutdown(Duration::from_secs(5)).unwrap();
    let files = chain::chain_files(&path);
    assert!(files.len() >= 4, "{files:?}");
    let head = std::fs::read_to_string(head_path(&path)).unwrap();
    assert_eq!(chain::parse_head(Some(b"s3cret"), &head).unwrap().seq, 20);
    let v = check(&path, Some(b"s3cret")).unwrap();
    assert_eq!(v.records, 20);
    assert_eq!(v.last.seq, 20);
    let all: String = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    assert!(!all.contains("not audited"));
    // The first record of each newer file links to the last of the older.
    let first_of_second = std::fs::read_to_string(&files[1]).unwrap();
    let last_of_first = std::fs::read_to_string(&files[0]).unwrap();
    let prev = chain::parse_line(first_of_second.lines().next().unwrap().as_bytes()).unwrap();
    let last = chain::parse_line(last_of_first.lines().last().unwrap().as_bytes()).unwrap();
    assert_eq!((prev.seq, prev.prev_hash), (last.seq + 1, last.hash));
    // Without the key nothing verifies.
    assert_eq!(
        check(&path, Some(b"wrong")).map_err(|p| p.kind),
        Err(ProblemKind::Modified)
    );
}

#[test]
fn restart_right_after_a_rotation_links_to_the_rotated_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.log");
    let log = logger(&path, "");
    for i in 0..3 {
        log.log(audit(i)).unwrap();
    }
    log.shutdown(Duration::from_secs(5)).unwrap();
    // As if rotated by an outside tool while stopped.
    std::fs::rename(&path, dir.path().join("a.log.1")).unwrap();
    let log = logger(&path, "");
    log.log(audit(3)).unwrap();
    log.shutdown(Duration::from_secs(5)).unwrap();
    let v = check(&path, None).unwrap();
    assert_eq!((v.records, v.last.seq), (4, 4));
}

#[test]
fn a_cut_last_line_is_closed_and_reported_not_hidden() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.log");
    let log = logger(&path, "");
    for i in 0..3 {
        log.log(audit(i)).unwrap();
    }
    log.shutdown(Duration::from_secs(5)).unwrap();
    let text = std::fs::read(&path).unwrap();
    std::fs::write(&path, &text[..text.len() - 20]).unwrap();
    // Restarted: the chain goes on from the last whole record.
    let log = logger(&path, "");
    log.log(audit(3)).unwrap();
    log.shutdown(Duration::from_secs(5)).unwrap();
    let p = check(&path, None).unwrap_err();
    assert_eq!((p.kind, p.line), (ProblemKind::Modified, 3));
    let head =
        chain::parse_head(None, &std::fs::read_to_string(head_path(&path)).unwrap()).unwrap();
    assert_eq!(head.seq, 3);
}

#[test]
fn head_file_names_the_last_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.log");
    let log = logger(&path, r#", "log_types": ["audit", "security"]"#);
    log.log(audit(0)).unwrap();
    log.flush(Duration::from_secs(5)).unwrap();
    let line = std::fs::read_to_string(&path).unwrap();
    let p = chain::parse_line(line.trim_end().as_bytes()).unwrap();
    let head =
        chain::parse_head(None, &std::fs::read_to_string(head_path(&path)).unwrap()).unwrap();
    assert_eq!(
        head,
        Link {
            seq: 1,
            hash: p.hash.to_owned()
        }
    );
    assert_eq!(p.prev_hash, chain::GENESIS);
}

#[test]
fn configuration_errors_name_the_key() {
    let err = |doc: &str| Logger::from_json(Some(doc)).unwrap_err().to_string();
    assert_eq!(
        err(r#"{"sinks": [{"type": "audit", "path": "x.log", "format": "text"}]}"#),
        "invalid configuration: `sinks[0].format`: got \"text\", expected a JSON profile: the audit chain links JSON objects"
    );
    assert_eq!(
        err(r#"{"sinks": [{"type": "audit", "path": "x.log", "log_types": ["audit", "gossip"]}]}"#),
        "invalid configuration: `sinks[0].log_types`: got \"gossip\", expected a list of \"audit\", \"security\", \"performance\", \"business\""
    );
    assert_eq!(
        err(r#"{"sinks": [{"type": "audit"}]}"#),
        "invalid configuration: `sinks[0].path`: got null, expected a file path"
    );
    assert_eq!(
        err(r#"{"sinks": [{"type": "audit", "path": "x", "hmac_key": ""}]}"#),
        "invalid configuration: `sinks[0].hmac_key`: got \"\", expected a non-empty key"
    );
}
