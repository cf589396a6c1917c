//! `logfort verify` on chains written by the audit sink, intact and
//! tampered with: the exact report and the exit status.

use logfort_core::{Level, LogType, Logger, Record};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

fn write_chain(path: &Path, n: u32, extra: &str) {
    let doc = format!(
        r#"{{"sinks": [{{"type": "audit", "path": {:?}{extra}}}]}}"#,
        path.display().to_string()
    );
    let log = Logger::from_json(Some(&doc)).unwrap();
    for i in 0..n {
        let mut r = Record::new(
            Level::Info,
            "audit",
            format!("audit: read on file/{i} -> success"),
        )
        .field("user_id", "u-7")
        .field("action", "read")
        .field("resource_id", i.to_string())
        .field("client_ip", "10.1.1.1")
        .field("result", "success");
        r.log_type = Some(LogType::Audit);
        log.log(r).unwrap();
    }
    log.shutdown(Duration::from_secs(5)).unwrap();
}

fn verify(args: &[&str], key: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_logfort"));
    c.arg("verify").args(args).env_remove("LOGFORT_HMAC_KEY");
    if let Some(k) = key {
        c.env("LOGFORT_HMAC_KEY", k);
    }
    c.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

fn edit_lines(path: &Path, f: impl FnOnce(&mut Vec<String>)) {
    let mut lines: Vec<String> = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    f(&mut lines);
    std::fs::write(
        path,
        lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
}

struct Chain {
    _dir: tempfile::TempDir,
    base: PathBuf,
}

impl Chain {
    fn s(&self) -> &str {
        self.base.to_str().unwrap()
    }
    fn file(&self, n: u32) -> PathBuf {
        PathBuf::from(format!("{}.{n}", self.s()))
    }
}

/// 10 records in 4 files (3 rotations), then 2 more after a restart.
fn rotated() -> Chain {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("audit.log");
    write_chain(&base, 10, r#", "max_bytes": 1500"#);
    write_chain(&base, 2, r#", "max_bytes": 1500"#);
    assert!(dir.path().join("audit.log.3").exists());
    let in_second = std::fs::read_to_string(dir.path().join("audit.log.2")).unwrap();
    assert!(in_second.lines().count() >= 3);
    Chain { _dir: dir, base }
}

fn files_count(c: &Chain) -> usize {
    logfort_core::chain::chain_files(&c.base).len()
}

#[test]
fn an_intact_rotated_and_restarted_chain_verifies() {
    let c = rotated();
    let out = verify(&[c.s()], None);
    assert_eq!(
        text(&out.stdout),
        format!(
            "intact: 12 record(s), seq 1 to 12, in {} file(s)\n",
            files_count(&c)
        )
    );
    assert_eq!(
        (out.status.code(), text(&out.stderr)),
        (Some(0), String::new())
    );
}

#[test]
fn tampering_is_named_with_file_line_and_kind() {
    // Each case: what is done to which file, and the report.
    type Edit = fn(&mut Vec<String>);
    let cases: [(u32, Edit, &str); 5] = [
        (
            2,
            |l| l[0] = l[0].replace("file/", "FILE/"),
            "{f}:1: modified (seq {s}): its hash does not match its content",
        ),
        (
            2,
            |l| {
                l.remove(1);
            },
            "{f}:2: deleted (seq {s2}): record seq {s1} is missing before this line",
        ),
        (
            2,
            |l| l.swap(0, 1),
            "{f}:1: reordered (seq {s1}): seq {s1} comes before seq {s}",
        ),
        (
            2,
            |l| {
                let c = l[0].clone();
                l.insert(1, c);
            },
            "{f}:2: inserted (seq {s}): a copy of the record at line 1",
        ),
        (
            2,
            |l| l.insert(0, r#"{"message":"forged"}"#.into()),
            "{f}:1: inserted: a record without chain members (seq, prev_hash, hash)",
        ),
    ];
    for (n, edit, want) in cases {
        let c = rotated();
        let f = c.file(n);
        let first = std::fs::read_to_string(&f).unwrap();
        let seq = logfort_core::chain::parse_line(first.lines().next().unwrap().as_bytes())
            .unwrap()
            .seq;
        edit_lines(&f, edit);
        let out = verify(&[c.s()], None);
        let want = want
            .replace("{f}", f.to_str().unwrap())
            .replace("{s}", &seq.to_string())
            .replace("{s1}", &(seq + 1).to_string())
            .replace("{s2}", &(seq + 2).to_string());
        assert_eq!(text(&out.stdout), format!("{want}\n"));
        assert_eq!(out.status.code(), Some(1), "{want}");
    }
}

#[test]
fn a_truncated_end_is_detected_through_the_head_file() {
    let c = rotated();
    let lines = std::fs::read_to_string(&c.base).unwrap().lines().count();
    edit_lines(&c.base, |l| {
        l.pop();
    });
    let out = verify(&[c.s()], None);
    assert_eq!(
        text(&out.stdout),
        format!(
            "{}:{lines}: truncated: the chain ends at seq 11, the head file names seq 12: 1 record(s) missing at the end\n",
            c.s()
        )
    );
    assert_eq!(out.status.code(), Some(1));
    // Cut in the middle of the last line.
    let c = rotated();
    let lines = std::fs::read_to_string(&c.base).unwrap().lines().count();
    let bytes = std::fs::read(&c.base).unwrap();
    std::fs::write(&c.base, &bytes[..bytes.len() - 10]).unwrap();
    let out = verify(&[c.s()], None);
    assert_eq!(
        text(&out.stdout),
        format!(
            "{}:{lines}: truncated: the last line is cut short (no newline at its end)\n",
            c.s()
        )
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn files_can_be_named_one_by_one_and_compressed() {
    let c = rotated();
    let mut files: Vec<String> = logfort_core::chain::chain_files(&c.base)
        .iter()
        .map(|p| p.to_str().unwrap().to_owned())
        .collect();
    // The oldest file gzip-compressed by an archiver.
    let gz = format!("{}.gz", files[0]);
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    std::io::Write::write_all(&mut enc, &std::fs::read(&files[0]).unwrap()).unwrap();
    enc.finish().unwrap();
    files[0] = gz;
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let out = verify(&args, None);
    assert_eq!(
        text(&out.stdout),
        format!(
            "intact: 12 record(s), seq 1 to 12, in {} file(s)\n",
            files.len()
        )
    );
    // Without the oldest file, only --partial accepts the rest.
    let out = verify(&args[1..], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains(": deleted (seq "),
        "{}",
        text(&out.stdout)
    );
    let mut partial = vec!["--partial"];
    partial.extend_from_slice(&args[1..]);
    let out = verify(&partial, None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn hmac_chains_need_their_key() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("a.log");
    write_chain(&base, 3, r#", "hmac_key": "k-123""#);
    let b = base.to_str().unwrap();
    let out = verify(&[b], Some("k-123"));
    assert_eq!(
        text(&out.stdout),
        "intact: 3 record(s), seq 1 to 3, in 1 file(s), HMAC\n"
    );
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, "k-123\n").unwrap();
    let out = verify(&["--hmac-key-file", key_file.to_str().unwrap(), b], None);
    assert_eq!(out.status.code(), Some(0));
    let out = verify(&[b], Some("wrong"));
    assert_eq!(
        text(&out.stdout),
        format!("{b}.head: head file not trusted: its MAC does not match the key\n")
    );
    assert_eq!(out.status.code(), Some(1));
    let out = verify(&["--head", "/dev/null", b], None);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_missing_head_file_is_said_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("a.log");
    write_chain(&base, 2, "");
    std::fs::remove_file(format!("{}.head", base.display())).unwrap();
    let out = verify(&[base.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stderr),
        format!(
            "logfort: no head file {}.head: records cut from the end cannot be detected\n",
            base.display()
        )
    );
}
