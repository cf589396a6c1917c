//! Rotation names, the cross-process rotation lock, and retention.
//!
//! Size rotation keeps `app.log`, `app.log.1` … `app.log.N` (newest first,
//! each possibly `.gz`), as Python's `RotatingFileHandler` and Winston's
//! File transport do. Time rotation renames `app.log` to a name dated with
//! the period the file covered: `app.log.2026-11-23` (daily, midnight) or
//! `app.log.2026-11-23T07` (hourly).

use crate::encode::write::rfc3339_micros;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// When time rotation starts a new file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rotate {
    /// At every full hour, UTC; names `app.log.2026-11-23T07`.
    Hourly,
    /// At 00:00 UTC; names `app.log.2026-11-23`.
    Daily,
    /// At local midnight (as Python's `when="midnight"`); local dates.
    Midnight,
}

impl Rotate {
    pub const NAMES: &'static str = "\"hourly\", \"daily\" or \"midnight\"";

    /// The label of the period holding `t`, used as the rotated file's suffix.
    pub fn period(self, t: SystemTime) -> String {
        let t = match self {
            Rotate::Hourly | Rotate::Daily => t,
            Rotate::Midnight => shift_secs(t, local_offset_secs(t)),
        };
        let mut out = Vec::with_capacity(32);
        rfc3339_micros(&mut out, t);
        let len = if self == Rotate::Hourly { 13 } else { 10 };
        String::from_utf8_lossy(&out[..len]).into_owned()
    }
}

impl FromStr for Rotate {
    type Err = ();
    fn from_str(s: &str) -> Result<Rotate, ()> {
        match s {
            "hourly" => Ok(Rotate::Hourly),
            "daily" => Ok(Rotate::Daily),
            "midnight" => Ok(Rotate::Midnight),
            _ => Err(()),
        }
    }
}

fn shift_secs(t: SystemTime, secs: i64) -> SystemTime {
    if secs >= 0 {
        t + Duration::from_secs(secs as u64)
    } else {
        t.checked_sub(Duration::from_secs(secs.unsigned_abs()))
            .unwrap_or(SystemTime::UNIX_EPOCH)
    }
}

/// The local zone's offset from UTC at `t`, from the C library (TZ).
fn local_offset_secs(t: SystemTime) -> i64 {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as libc::time_t);
    // SAFETY: localtime_r writes only into `tm`, which we own.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&secs, &mut tm).is_null() {
            0
        } else {
            tm.tm_gmtoff
        }
    }
}

/// The time source of rotation and age retention; tests inject one.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(SystemTime::now)
}

/// `app.log` + `suffix` → `app.log.suffix`.
pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".");
    s.push(suffix);
    PathBuf::from(s)
}

/// Device and inode: what identifies a file across renames.
pub(crate) type Id = (u64, u64);

pub(crate) fn id_of_path(path: &Path) -> io::Result<Id> {
    fs::metadata(path).map(|m| (m.dev(), m.ino()))
}

pub(crate) fn id_of_file(f: &File) -> io::Result<Id> {
    f.metadata().map(|m| (m.dev(), m.ino()))
}

/// The sidecar `app.log.lock`, locked with `flock` around every write
/// and rotation of a rotating file. `flock` locks belong to the open file
/// description, so each sink and each compressor opening the file on its
/// own also excludes the others inside one process.
pub(crate) struct LockFile {
    path: PathBuf,
    file: File,
}

impl LockFile {
    pub fn open(log_path: &Path) -> io::Result<LockFile> {
        let path = with_suffix(log_path, "lock");
        let file = open_lock(&path)?;
        Ok(LockFile { path, file })
    }

    /// Takes the lock. If the lock file was deleted (its directory
    /// removed), opens the one now at the path so that every process
    /// keeps locking the same file.
    pub fn lock(&mut self) -> io::Result<()> {
        loop {
            flock(&self.file)?;
            let current = id_of_file(&self.file)?;
            match id_of_path(&self.path) {
                Ok(id) if id == current => return Ok(()),
                _ => {
                    self.unlock();
                    if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                        fs::create_dir_all(dir)?;
                    }
                    self.file = open_lock(&self.path)?;
                }
            }
        }
    }

    pub fn unlock(&self) {
        // SAFETY: a valid descriptor we own.
        unsafe { libc::flock(self.file.as_raw_fd(), libc::LOCK_UN) };
    }
}

fn open_lock(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
}

fn flock(f: &File) -> io::Result<()> {
    loop {
        // SAFETY: a valid descriptor owned by `f`.
        if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// Removes a file; a file already gone is fine.
pub(crate) fn remove(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Size rotation, under the lock: drops the oldest backup, shifts
/// `.k` → `.k+1` (plain or gzipped) and renames `path` to `path.1`
/// (or removes it when `backups` is 0).
pub(crate) fn shift_numbered(path: &Path, backups: u32) -> io::Result<()> {
    if backups == 0 {
        return remove(path);
    }
    // One listing; backups are contiguous from 1, shift only those (a
    // gap left by age retention stops the shift, so nothing is renamed
    // over an existing file).
    let existing = numbered(path)?;
    let mut top = 0;
    while top < backups && existing.iter().any(|(k, _)| *k == top + 1) {
        top += 1;
    }
    if top == backups {
        for (_, f) in existing.iter().filter(|(k, _)| *k == backups) {
            remove(f)?;
        }
        top -= 1;
    }
    for (k, from) in existing.iter().rev().filter(|(k, _)| *k <= top) {
        let gz = from.extension().is_some_and(|e| e == "gz");
        let to = if gz {
            format!("{}.gz", k + 1)
        } else {
            (k + 1).to_string()
        };
        fs::rename(from, with_suffix(path, &to))?;
    }
    fs::rename(path, with_suffix(path, "1"))
}

/// Time rotation, under the lock: renames `path` to `path.LABEL`, or
/// `path.LABEL.k` when that name is taken (a restart within the period).
/// Returns the new name.
pub(crate) fn rename_dated(path: &Path, label: &str) -> io::Result<PathBuf> {
    let mut target = with_suffix(path, label);
    let mut k = 1;
    while target.exists() || with_suffix(&target, "gz").exists() {
        target = with_suffix(path, &format!("{label}.{k}"));
        k += 1;
    }
    fs::rename(path, &target)?;
    Ok(target)
}

/// True when `mtime` is older than `max_age` at `now`.
fn too_old(path: &Path, now: SystemTime, max_age: Option<Duration>) -> bool {
    let Some(age) = max_age else { return false };
    fs::metadata(path)
        .and_then(|m| m.modified())
        .is_ok_and(|m| now.duration_since(m).is_ok_and(|d| d > age))
}

/// Size retention, under the lock: removes numbered backups beyond
/// `backups` (left by an earlier, larger setting) and those older than
/// `max_age`.
pub(crate) fn retain_numbered(
    path: &Path,
    backups: u32,
    now: SystemTime,
    max_age: Option<Duration>,
) -> io::Result<()> {
    for (k, f) in numbered(path)? {
        if k > backups || too_old(&f, now, max_age) {
            remove(&f)?;
        }
    }
    Ok(())
}

/// The numbered backups of `path` that exist, plain or gzipped, as
/// (index, file), from one directory listing.
pub(crate) fn numbered(path: &Path) -> io::Result<Vec<(u32, PathBuf)>> {
    let mut found = Vec::new();
    for (rest, p) in siblings(path)? {
        let k = rest.strip_suffix(".gz").unwrap_or(&rest);
        if !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()) && !k.starts_with('0') {
            if let Ok(k) = k.parse() {
                found.push((k, p));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Files named `path.REST` beside `path`, as (REST, file).
fn siblings(path: &Path) -> io::Result<Vec<(String, PathBuf)>> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Ok(Vec::new());
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!("{}.", name.to_string_lossy());
    let mut found = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if let Some(rest) = file_name.strip_prefix(&prefix) {
            found.push((rest.to_owned(), entry.path()));
        }
    }
    Ok(found)
}

/// The dated backups of `path`, oldest first.
pub(crate) fn dated_backups(path: &Path) -> io::Result<Vec<PathBuf>> {
    let mut found: Vec<(String, PathBuf)> = siblings(path)?
        .into_iter()
        .filter(|(rest, _)| is_dated(rest))
        .collect();
    found.sort_by_key(|a| dated_key(&a.0));
    Ok(found.into_iter().map(|(_, p)| p).collect())
}

/// `2026-11-23`, `2026-11-23T07`, optionally `.k` and `.gz` after it.
fn is_dated(rest: &str) -> bool {
    let b = rest.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if !(digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10))
    {
        return false;
    }
    let mut tail = &rest[10..];
    if let Some(t) = tail.strip_prefix('T') {
        if !(t.len() >= 2 && t.as_bytes()[..2].iter().all(u8::is_ascii_digit)) {
            return false;
        }
        tail = &t[2..];
    }
    let tail = tail.strip_suffix(".gz").unwrap_or(tail);
    tail.is_empty()
        || tail
            .strip_prefix('.')
            .is_some_and(|k| !k.is_empty() && k.bytes().all(|c| c.is_ascii_digit()))
}

/// Sorts `2026-11-23.2` after `2026-11-23.1` after `2026-11-23`.
fn dated_key(rest: &str) -> (String, u64) {
    let rest = rest.strip_suffix(".gz").unwrap_or(rest);
    let label_len = if rest.as_bytes().get(10) == Some(&b'T') {
        13
    } else {
        10
    };
    let k = rest
        .get(label_len + 1..)
        .and_then(|k| k.parse().ok())
        .unwrap_or(0);
    (rest[..label_len].to_owned(), k)
}

/// Time retention, under the lock: keeps the newest `backups` dated files
/// and removes those older than `max_age`.
pub(crate) fn retain_dated(
    path: &Path,
    backups: Option<u32>,
    now: SystemTime,
    max_age: Option<Duration>,
) -> io::Result<()> {
    let all = dated_backups(path)?;
    let excess = backups.map_or(0, |n| all.len().saturating_sub(n as usize));
    for (i, f) in all.iter().enumerate() {
        if i < excess || too_old(f, now, max_age) {
            remove(f)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_labels() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_417_400); // 2026-11-23T07:03:20Z
        assert_eq!(Rotate::Hourly.period(t), "2026-11-23T07");
        assert_eq!(Rotate::Daily.period(t), "2026-11-23");
    }

    #[test]
    fn dated_names_are_recognised_and_ordered() {
        for ok in [
            "2026-11-23",
            "2026-11-23T07",
            "2026-11-23.gz",
            "2026-11-23T07.2.gz",
            "2026-11-23.1",
        ] {
            assert!(is_dated(ok), "{ok}");
        }
        for bad in [
            "lock",
            "1",
            "1.gz",
            "2026-11-2",
            "2026-11-23x",
            "2026-11-23.",
            "2026-11-23T7",
        ] {
            assert!(!is_dated(bad), "{bad}");
        }
        let mut v = vec![
            "2026-11-23.2",
            "2026-11-24",
            "2026-11-23",
            "2026-11-23.1.gz",
        ];
        v.sort_by_key(|s| dated_key(s));
        assert_eq!(
            v,
            [
                "2026-11-23",
                "2026-11-23.1.gz",
                "2026-11-23.2",
                "2026-11-24"
            ]
        );
    }
}
