//! Rotation, compression, retention and reopening of the file sink, on
//! real files in a temporary directory.

use flate2::read::GzDecoder;
use logfort_core::level::Level;
use logfort_core::sink::{Clock, FileConfig, FileSink, Rotate, Sink};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Line `i` padded to exactly 100 bytes with its newline.
fn line(i: usize) -> Vec<u8> {
    let mut s = format!("{{\"i\":{i},\"pad\":\"");
    while s.len() < 97 {
        s.push('x');
    }
    s.push_str("\"}\n");
    assert_eq!(s.len(), 100);
    s.into_bytes()
}

fn lines(range: std::ops::Range<usize>) -> Vec<u8> {
    range.flat_map(line).collect()
}

fn write(sink: &mut FileSink, range: std::ops::Range<usize>, per_flush: usize) {
    for (n, i) in range.enumerate() {
        sink.write(&line(i), Level::Info).unwrap();
        if (n + 1).is_multiple_of(per_flush) {
            sink.flush().unwrap();
        }
    }
    sink.flush().unwrap();
}

fn gunzip(p: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    GzDecoder::new(fs::File::open(p).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// File names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn sized(dir: &Path, max: u64, backups: u32, compress: bool) -> (PathBuf, FileConfig) {
    let path = dir.join("app.log");
    let mut c = FileConfig::new(&path);
    c.max_bytes = Some(max);
    c.backups = Some(backups);
    c.compress = compress;
    (path, c)
}

#[test]
fn size_rotation_keeps_exact_sizes_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (path, c) = sized(dir.path(), 1000, 3, false);
    let mut sink = FileSink::open(&c).unwrap();
    write(&mut sink, 0..45, 7);
    assert_eq!(
        names(dir.path()),
        [
            "app.log",
            "app.log.1",
            "app.log.2",
            "app.log.3",
            "app.log.lock"
        ]
    );
    assert_eq!(fs::read(&path).unwrap(), lines(40..45));
    assert_eq!(
        fs::read(dir.path().join("app.log.1")).unwrap(),
        lines(30..40)
    );
    assert_eq!(
        fs::read(dir.path().join("app.log.2")).unwrap(),
        lines(20..30)
    );
    assert_eq!(
        fs::read(dir.path().join("app.log.3")).unwrap(),
        lines(10..20)
    );
    assert_eq!(sink.take_losses().unwrap().errors, 0);
}

#[test]
fn a_line_longer_than_max_bytes_gets_a_file_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let (path, c) = sized(dir.path(), 150, 2, false);
    let mut sink = FileSink::open(&c).unwrap();
    let long = format!("{}\n", "y".repeat(299));
    sink.write(&line(0), Level::Info).unwrap();
    sink.write(long.as_bytes(), Level::Info).unwrap();
    sink.write(&line(1), Level::Info).unwrap();
    sink.flush().unwrap();
    assert_eq!(fs::read(&path).unwrap(), line(1));
    assert_eq!(
        fs::read(dir.path().join("app.log.1")).unwrap(),
        long.as_bytes()
    );
    assert_eq!(fs::read(dir.path().join("app.log.2")).unwrap(), line(0));
}

#[test]
fn zero_backups_discards_the_rotated_file() {
    let dir = tempfile::tempdir().unwrap();
    let (path, c) = sized(dir.path(), 500, 0, false);
    let mut sink = FileSink::open(&c).unwrap();
    write(&mut sink, 0..12, 12);
    assert_eq!(names(dir.path()), ["app.log", "app.log.lock"]);
    assert_eq!(fs::read(&path).unwrap(), lines(10..12));
}

#[test]
fn rotated_files_are_gzipped_to_the_exact_lines() {
    let dir = tempfile::tempdir().unwrap();
    let (path, c) = sized(dir.path(), 1000, 3, true);
    let mut sink = FileSink::open(&c).unwrap();
    write(&mut sink, 0..100, 3);
    assert!(sink.wait_compressed(Duration::from_secs(30)));
    assert_eq!(
        names(dir.path()),
        [
            "app.log",
            "app.log.1.gz",
            "app.log.2.gz",
            "app.log.3.gz",
            "app.log.lock"
        ]
    );
    assert_eq!(fs::read(&path).unwrap(), lines(90..100));
    assert_eq!(gunzip(&dir.path().join("app.log.1.gz")), lines(80..90));
    assert_eq!(gunzip(&dir.path().join("app.log.2.gz")), lines(70..80));
    assert_eq!(gunzip(&dir.path().join("app.log.3.gz")), lines(60..70));
    assert!(sink.take_losses().unwrap().is_empty());
}

fn set_mtime(p: &Path, t: SystemTime) {
    fs::File::options()
        .write(true)
        .open(p)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

#[test]
fn age_retention_removes_exactly_the_backups_that_are_due() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut c) = sized(dir.path(), 1000, 5, false);
    c.max_age_days = Some(7.0);
    let now = SystemTime::now();
    let day = Duration::from_secs(86_400);
    for (k, age_days, body) in [
        (1, 1, "one\n"),
        (2, 10, "two\n"),
        (3, 3, "three\n"),
        (4, 8, "four\n"),
    ] {
        let p = dir.path().join(format!("app.log.{k}"));
        fs::write(&p, body).unwrap();
        set_mtime(&p, now - day * age_days);
    }
    let mut sink = FileSink::open(&c).unwrap();
    write(&mut sink, 0..11, 11);
    // Shifted by one: old .1 (1 day) → .2, old .2 (10 days) → .3 removed,
    // old .3 (3 days) → .4, old .4 (8 days) → .5 removed.
    assert_eq!(
        names(dir.path()),
        [
            "app.log",
            "app.log.1",
            "app.log.2",
            "app.log.4",
            "app.log.lock"
        ]
    );
    assert_eq!(fs::read(&path).unwrap(), line(10));
    assert_eq!(
        fs::read(dir.path().join("app.log.1")).unwrap(),
        lines(0..10)
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("app.log.2")).unwrap(),
        "one\n"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("app.log.4")).unwrap(),
        "three\n"
    );
}

#[test]
fn count_retention_removes_backups_beyond_a_lowered_limit() {
    let dir = tempfile::tempdir().unwrap();
    for k in 1..=6 {
        fs::write(dir.path().join(format!("app.log.{k}")), format!("{k}\n")).unwrap();
    }
    let (_, c) = sized(dir.path(), 1000, 2, false);
    let mut sink = FileSink::open(&c).unwrap();
    write(&mut sink, 0..11, 11);
    assert_eq!(
        names(dir.path()),
        ["app.log", "app.log.1", "app.log.2", "app.log.lock"]
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("app.log.2")).unwrap(),
        "1\n"
    );
}

/// A clock the test moves by hand.
fn manual_clock(start: SystemTime) -> (Clock, Arc<AtomicU64>) {
    let secs = Arc::new(AtomicU64::new(
        start
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    ));
    let s = secs.clone();
    let clock: Clock =
        Arc::new(move || SystemTime::UNIX_EPOCH + Duration::from_secs(s.load(Ordering::SeqCst)));
    (clock, secs)
}

/// 2026-11-23T07:10:00Z
const T0: u64 = 1_795_417_800;

#[test]
fn hourly_rotation_uses_dated_names_and_the_injected_clock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let mut c = FileConfig::new(&path);
    c.rotate = Some(Rotate::Hourly);
    c.compress = true;
    let (clock, secs) = manual_clock(SystemTime::UNIX_EPOCH + Duration::from_secs(T0));
    let mut sink = FileSink::open_with_clock(&c, clock).unwrap();
    write(&mut sink, 0..3, 3);
    secs.store(T0 + 40 * 60, Ordering::SeqCst); // 07:50
    write(&mut sink, 3..5, 5);
    secs.store(T0 + 55 * 60, Ordering::SeqCst); // 08:05
    write(&mut sink, 5..6, 5);
    secs.store(T0 + 3 * 3600, Ordering::SeqCst); // 10:10, nothing in 09
    write(&mut sink, 6..8, 5);
    assert!(sink.wait_compressed(Duration::from_secs(30)));
    assert_eq!(
        names(dir.path()),
        [
            "app.log",
            "app.log.2026-11-23T07.gz",
            "app.log.2026-11-23T08.gz",
            "app.log.lock"
        ]
    );
    assert_eq!(
        gunzip(&dir.path().join("app.log.2026-11-23T07.gz")),
        lines(0..5)
    );
    assert_eq!(
        gunzip(&dir.path().join("app.log.2026-11-23T08.gz")),
        lines(5..6)
    );
    assert_eq!(fs::read(&path).unwrap(), lines(6..8));
}

#[test]
fn daily_rotation_keeps_the_newest_backups() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let mut c = FileConfig::new(&path);
    c.rotate = Some(Rotate::Daily);
    c.backups = Some(2);
    let (clock, secs) = manual_clock(SystemTime::UNIX_EPOCH + Duration::from_secs(T0));
    let mut sink = FileSink::open_with_clock(&c, clock).unwrap();
    for day in 0..4u64 {
        secs.store(T0 + day * 86_400, Ordering::SeqCst);
        write(&mut sink, day as usize..day as usize + 1, 1);
    }
    assert_eq!(
        names(dir.path()),
        [
            "app.log",
            "app.log.2026-11-24",
            "app.log.2026-11-25",
            "app.log.lock"
        ]
    );
    assert_eq!(
        fs::read(dir.path().join("app.log.2026-11-24")).unwrap(),
        line(1)
    );
    assert_eq!(
        fs::read(dir.path().join("app.log.2026-11-25")).unwrap(),
        line(2)
    );
    assert_eq!(fs::read(&path).unwrap(), line(3));
}

#[test]
fn a_file_moved_away_is_reopened_at_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let mut sink = FileSink::open(&FileConfig::new(&path)).unwrap();
    write(&mut sink, 0..2, 2);
    fs::rename(&path, dir.path().join("app.log.1")).unwrap(); // logrotate `create`
    write(&mut sink, 2..3, 2);
    assert_eq!(fs::read(dir.path().join("app.log.1")).unwrap(), lines(0..2));
    assert_eq!(fs::read(&path).unwrap(), lines(2..3));
}

#[test]
fn a_deleted_directory_is_recreated() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let (path, mut c) = sized(&logs, 1000, 2, false);
    c.path = path.clone();
    let mut sink = FileSink::open(&c).unwrap();
    write(&mut sink, 0..2, 2);
    fs::remove_dir_all(&logs).unwrap();
    write(&mut sink, 2..4, 2);
    assert_eq!(fs::read(&path).unwrap(), lines(2..4));
    assert!(sink.take_losses().unwrap().is_empty());
}

#[test]
fn a_permission_error_drops_and_counts_then_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("app.log");
    let mut sink = FileSink::open(&FileConfig::new(&path)).unwrap();
    write(&mut sink, 0..1, 1);
    // Replace the directory by a plain file: opening the path now fails
    // with ENOTDIR, whatever our privileges.
    fs::remove_dir_all(dir.path().join("sub")).unwrap();
    fs::write(dir.path().join("sub"), "not a directory").unwrap();
    for i in 1..4 {
        sink.write(&line(i), Level::Info).unwrap();
    }
    assert!(sink.flush().is_err());
    let l = sink.take_losses().unwrap();
    assert_eq!((l.errors, l.dropped), (1, 3));
    fs::remove_file(dir.path().join("sub")).unwrap();
    write(&mut sink, 4..6, 2);
    assert_eq!(fs::read(&path).unwrap(), lines(4..6));
    assert!(sink.take_losses().unwrap().is_empty());
}

#[test]
fn backups_left_uncompressed_are_compressed_by_the_next_process() {
    let dir = tempfile::tempdir().unwrap();
    let (_, c) = sized(dir.path(), 1000, 3, true);
    fs::write(dir.path().join("app.log.1"), lines(10..20)).unwrap();
    fs::write(dir.path().join("app.log.2"), lines(0..10)).unwrap();
    let sink = FileSink::open(&c).unwrap();
    assert!(sink.wait_compressed(Duration::from_secs(30)));
    assert_eq!(
        names(dir.path()),
        ["app.log", "app.log.1.gz", "app.log.2.gz", "app.log.lock"]
    );
    assert_eq!(gunzip(&dir.path().join("app.log.1.gz")), lines(10..20));
    assert_eq!(gunzip(&dir.path().join("app.log.2.gz")), lines(0..10));
}
