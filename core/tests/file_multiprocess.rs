//! Four processes write 100,000 lines each into one rotating, compressing
//! file: every line must arrive exactly once, whole, and no file may pass
//! `max_bytes`. The test re-runs its own binary as the writers.

use flate2::read::GzDecoder;
use logfort_core::{Config, Logger, Record};
use std::collections::HashSet;
use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const PROCESSES: usize = 4;
const LINES: usize = 100_000;
const MAX_BYTES: u64 = 1 << 20;
const CHILD_ENV: &str = "LOGFORT_MP_CHILD";

fn config(path: &Path) -> String {
    serde_json::json!({
        "level": "info",
        "sinks": [{"type": "file", "path": path, "max_bytes": MAX_BYTES,
                   "backups": 10_000, "compress": true}]
    })
    .to_string()
}

/// The writer: runs only inside a child process.
#[test]
fn child_writer() {
    let Ok(id) = std::env::var(CHILD_ENV) else {
        return;
    };
    let path = std::env::var("LOGFORT_MP_PATH").unwrap();
    let logger = Logger::new(Config::from_json(&config(Path::new(&path))).unwrap()).unwrap();
    for seq in 0..LINES {
        logger
            .log(
                Record::new(logfort_core::Level::Info, "mp", "line")
                    .field("child", id.as_str())
                    .field("seq", seq as u64),
            )
            .unwrap();
    }
    logger.shutdown(Duration::from_secs(120)).unwrap();
    let m = logger.metrics();
    assert_eq!(m.get("logfort_sink_dropped_total", &[]), 0);
    assert_eq!(m.get("logfort_sink_errors_total", &[]), 0);
}

#[test]
fn four_processes_share_one_rotating_file() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..PROCESSES)
        .map(|i| {
            Command::new(&exe)
                .args(["--exact", "child_writer", "--test-threads=1"])
                .env(CHILD_ENV, i.to_string())
                .env("LOGFORT_MP_PATH", &path)
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let mut seen: HashSet<(String, u64)> = HashSet::new();
    let mut total = 0usize;
    let mut files = 0;
    for entry in fs::read_dir(dir.path()).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let content = if name.ends_with(".gz") {
            let mut v = Vec::new();
            GzDecoder::new(fs::File::open(&p).unwrap())
                .read_to_end(&mut v)
                .unwrap();
            v
        } else if name == "app.log" || name.trim_start_matches("app.log.").parse::<u32>().is_ok() {
            fs::read(&p).unwrap()
        } else {
            assert_eq!(name, "app.log.lock", "unexpected file");
            continue;
        };
        files += 1;
        assert!(
            content.len() as u64 <= MAX_BYTES,
            "{name} holds {} bytes",
            content.len()
        );
        assert!(
            content.is_empty() || content.ends_with(b"\n"),
            "{name} ends inside a line"
        );
        for l in content.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let v: serde_json::Value = serde_json::from_slice(l).unwrap_or_else(|e| {
                panic!("torn line in {name}: {e}: {}", String::from_utf8_lossy(l))
            });
            let key = (
                v["child"].as_str().unwrap().to_owned(),
                v["seq"].as_u64().unwrap(),
            );
            assert!(seen.insert(key.clone()), "duplicate line {key:?}");
            total += 1;
        }
    }
    assert_eq!(total, PROCESSES * LINES);
    assert_eq!(seen.len(), PROCESSES * LINES);
    assert!(files > 10, "expected many rotations, got {files} files");
}
