//! A full disk: a 256 KiB tmpfs filled up. The application keeps running,
//! lost lines are counted exactly, the error is reported once on stderr,
//! no line is torn, and writing resumes once space is freed. Needs root
//! (to mount the tmpfs); elsewhere it says so and passes.

use logfort_core::{Config, Level, Logger, Record};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const CHILD_ENV: &str = "LOGFORT_ENOSPC_DIR";
const FULL: u64 = 3000;
const AFTER: u64 = 100;

struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path) -> Option<Tmpfs> {
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(dir.to_owned()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn record(phase: &str, i: u64) -> Record {
    Record::new(
        Level::Info,
        "app.disk",
        "a line that takes some room on a small disk",
    )
    .field("phase", phase)
    .field("i", i)
    .field("padding", "p".repeat(80))
}

/// The application: runs inside a child process on the mounted tmpfs.
#[test]
fn child_application() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let rotating = std::env::var("LOGFORT_ENOSPC_ROTATE").is_ok();
    let mut sink = serde_json::json!({"type": "file", "path": dir.join("app.log")});
    if rotating {
        sink["max_bytes"] = 20_000.into();
        sink["backups"] = 50.into();
    }
    let doc = serde_json::json!({"sinks": [sink]}).to_string();
    let logger = Logger::new(Config::from_json(&doc).unwrap()).unwrap();
    // Leave about 40 KiB free.
    let filler = dir.join("filler");
    fs::write(&filler, vec![0u8; 216 * 1024]).unwrap();
    for i in 0..FULL {
        logger.log(record("full", i)).unwrap();
        if i % 100 == 99 {
            logger.flush(Duration::from_secs(10)).unwrap();
        }
    }
    logger.flush(Duration::from_secs(10)).unwrap();
    let dropped = logger.metrics().get("logfort_sink_dropped_total", &[]);
    assert!(dropped > 0, "the disk never filled up");
    fs::remove_file(&filler).unwrap();
    if rotating {
        // Make room for what comes after.
        for k in 1..=50 {
            let _ = fs::remove_file(dir.join(format!("app.log.{k}")));
        }
    }
    for i in 0..AFTER {
        logger.log(record("after", i)).unwrap();
    }
    logger.shutdown(Duration::from_secs(10)).unwrap();
    let m = logger.metrics();
    println!(
        "RESULT dropped={} errors={}",
        m.get("logfort_sink_dropped_total", &[]),
        m.get("logfort_sink_errors_total", &[])
    );
}

fn scenario(rotating: bool) {
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("SKIPPED: mounting a tmpfs needs root");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let Some(_mount) = Tmpfs::mount(dir.path()) else {
        panic!("mount -t tmpfs failed although running as root");
    };
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "child_application",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD_ENV, dir.path());
    if rotating {
        cmd.env("LOGFORT_ENOSPC_ROTATE", "1");
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
    let result = stdout
        .lines()
        .find_map(|l| l.split("RESULT ").nth(1))
        .unwrap_or_else(|| panic!("no RESULT line:\n{stdout}\n{stderr}"));
    let num = |key: &str| -> u64 {
        result
            .split(' ')
            .find_map(|kv| kv.strip_prefix(key))
            .unwrap()
            .parse()
            .unwrap()
    };
    let (dropped, errors) = (num("dropped="), num("errors="));
    assert!(errors > 0);
    // The error burst is reported once (well within 10 s).
    let reports = stderr
        .lines()
        .filter(|l| l.starts_with("logfort: sink file"))
        .count();
    assert_eq!(reports, 1, "stderr:\n{stderr}");
    assert!(
        stderr.contains("No space left on device"),
        "stderr:\n{stderr}"
    );
    // Every line on disk is whole; with the drops they add up exactly.
    let (mut full, mut after) = (0u64, Vec::new());
    for entry in fs::read_dir(dir.path()).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".lock") {
            continue;
        }
        let text = fs::read_to_string(&p).unwrap();
        for l in text.lines() {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("torn line in {name}: {e}: {l}"));
            match v["phase"].as_str() {
                Some("full") => full += 1,
                Some("after") => after.push(v["i"].as_u64().unwrap()),
                other => panic!("unexpected line {other:?}"),
            }
        }
    }
    after.sort_unstable();
    assert_eq!(
        after,
        (0..AFTER).collect::<Vec<_>>(),
        "writing did not resume"
    );
    if !rotating {
        assert_eq!(full + dropped, FULL);
    }
}

#[test]
fn full_disk_plain_file() {
    if std::env::var(CHILD_ENV).is_err() {
        scenario(false);
    }
}

#[test]
fn full_disk_rotating_file() {
    if std::env::var(CHILD_ENV).is_err() {
        scenario(true);
    }
}
