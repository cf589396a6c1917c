//! File sink: append-mode writes, rotation by size or time, gzip of
//! rotated files, retention, and reopening after the file was moved.
//!
//! Why several processes can share one rotating file without lost,
//! duplicated or torn lines:
//! - The file is opened `O_APPEND`, and each batch is written while the
//!   process holds an exclusive `flock` on the sidecar `app.log.lock`.
//!   Writes and rotations of every process therefore happen one at a time.
//! - Holding the lock, a process first compares the inode at the path with
//!   the inode it has open. If they differ, another process rotated (or
//!   logrotate moved the file): it reopens the path. So no line is ever
//!   written to a file after its rotation finished, and the size it reads
//!   with `fstat` is exact, because nobody else writes while it holds the
//!   lock.
//! - A rotation happens only under the same lock, after that check, so a
//!   file is rotated once, and lines are never split across a rotation:
//!   rotation happens between whole lines.
//! - A write that fails part way (disk full) leaves the rest of its line
//!   pending; it is written first once writing works again, so the line is
//!   completed rather than torn. Lines after it are counted as dropped.
//!
//! A plain (non-rotating) file takes no lock: `O_APPEND` writes of one
//! batch each do not interleave inside a line on local file systems.

use super::compress::{Compressor, Job, Names};
use super::reopen;
use super::rotate::{self, system_clock, Clock, Id, LockFile, Rotate};
use super::{Losses, Sink, BUFFER_LIMIT};
use crate::config::doc::Section;
use crate::error::Result;
use crate::level::Level;
use serde_json::Value as Json;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

/// Backups kept by size rotation when `backups` is not given.
pub const DEFAULT_BACKUPS: u32 = 5;

#[derive(Clone, Debug, PartialEq)]
pub struct FileConfig {
    pub path: PathBuf,
    /// Size rotation: a file never grows past this many bytes (a single
    /// longer line gets a file of its own).
    pub max_bytes: Option<u64>,
    /// Rotated files kept: `app.log.1` … `app.log.N` for size rotation
    /// (default 5; 0 discards the rotated file), the newest N dated files
    /// for time rotation (default: all).
    pub backups: Option<u32>,
    /// Time rotation, with dated names.
    pub rotate: Option<Rotate>,
    /// Gzip rotated files in the background (`.gz` suffix).
    pub compress: bool,
    /// Rotated files whose last write is older than this are removed.
    pub max_age_days: Option<f64>,
    /// Install a SIGHUP handler that makes every file sink reopen.
    pub reopen_on_sighup: bool,
}

impl FileConfig {
    pub fn new(path: impl Into<PathBuf>) -> FileConfig {
        FileConfig {
            path: path.into(),
            max_bytes: None,
            backups: None,
            rotate: None,
            compress: false,
            max_age_days: None,
            reopen_on_sighup: false,
        }
    }

    pub(super) fn parse(s: &mut Section<'_>) -> Result<FileConfig> {
        let mut c = match s.str("path")? {
            Some(p) if !p.is_empty() => FileConfig::new(p),
            Some(p) => return Err(s.error("path", &Json::String(p.into()), "a file path")),
            None => return Err(s.error("path", &Json::Null, "a file path")),
        };
        c.max_bytes = s.uint("max_bytes", 1, u64::MAX)?;
        c.backups = s.uint("backups", 0, 100_000)?.map(|n| n as u32);
        c.rotate = s.parse("rotate", Rotate::NAMES)?;
        c.compress = s.bool("compress")?.unwrap_or(false);
        c.max_age_days = s.non_negative("max_age_days")?;
        c.reopen_on_sighup = s.bool("reopen_on_sighup")?.unwrap_or(false);
        if c.max_bytes.is_some() && c.rotate.is_some() {
            let got = s.get("rotate").cloned().unwrap_or(Json::Null);
            return Err(s.error(
                "rotate",
                &got,
                "no `rotate` beside `max_bytes` (pick size or time)",
            ));
        }
        if c.max_bytes.is_none() && c.rotate.is_none() {
            for key in ["backups", "compress", "max_age_days"] {
                if let Some(v) = s.get(key).filter(|v| **v != Json::Bool(false)) {
                    let v = v.clone();
                    return Err(s.error(key, &v, "`max_bytes` or `rotate` to be set as well"));
                }
            }
        }
        Ok(c)
    }

    fn max_age(&self) -> Option<Duration> {
        self.max_age_days
            .map(|d| Duration::from_secs_f64((d * 86_400.0).min(1e12)))
    }
}

/// The file we have open, and what it is.
struct Out {
    file: File,
    id: Id,
    /// Time rotation: the period this file covers.
    period: Option<String>,
}

/// What a rotating file needs beyond the plain one.
struct Rotation {
    lock: LockFile,
    gzip: Option<Compressor>,
}

pub struct FileSink {
    config: FileConfig,
    clock: Clock,
    out: Option<Out>,
    buf: Vec<u8>,
    /// The unwritten rest of a line a failed write cut short.
    tail: Vec<u8>,
    losses: Losses,
    reopen_seen: u64,
    rotation: Option<Rotation>,
}

impl FileSink {
    pub fn open(config: &FileConfig) -> io::Result<FileSink> {
        FileSink::open_with_clock(config, system_clock())
    }

    /// As `open`, with the time source of rotation and retention.
    pub fn open_with_clock(config: &FileConfig, clock: Clock) -> io::Result<FileSink> {
        if config.reopen_on_sighup {
            reopen::install_sighup();
        }
        let rotating = config.max_bytes.is_some() || config.rotate.is_some();
        let mut sink = FileSink {
            config: config.clone(),
            out: None,
            buf: Vec::with_capacity(64 * 1024),
            tail: Vec::new(),
            losses: Losses::default(),
            reopen_seen: reopen::generation(),
            rotation: None,
            clock,
        };
        sink.out = Some(sink.open_out()?);
        if rotating {
            sink.rotation = Some(Rotation {
                lock: LockFile::open(&config.path)?,
                gzip: config
                    .compress
                    .then(|| Compressor::start(&config.path))
                    .transpose()?,
            });
            sink.adopt_uncompressed();
        }
        Ok(sink)
    }

    /// Queues rotated files left uncompressed (by a process that stopped
    /// before its compressor finished) for compression. Two processes
    /// compressing one file is harmless: the second finds no plain file
    /// with that inode any more and discards its copy.
    fn adopt_uncompressed(&self) {
        let Some(gz) = self.gzip() else { return };
        let path = &self.config.path;
        let plain: Vec<(PathBuf, Names)> = if self.config.rotate.is_some() {
            rotate::dated_backups(path)
                .unwrap_or_default()
                .into_iter()
                .filter(|p| p.extension().is_none_or(|e| e != "gz"))
                .map(|p| (p.clone(), Names::Exact(p)))
                .collect()
        } else {
            rotate::numbered(path)
                .unwrap_or_default()
                .into_iter()
                .filter(|(_, p)| p.extension().is_none_or(|e| e != "gz"))
                .map(|(_, p)| {
                    let names = Names::Numbered {
                        log_path: path.clone(),
                    };
                    (p, names)
                })
                .collect()
        };
        for (p, names) in plain {
            let Ok(file) = File::open(&p) else { continue };
            let Ok(id) = rotate::id_of_file(&file) else {
                continue;
            };
            gz.submit(Job { file, id, names });
        }
    }

    /// Waits until every rotated file is compressed; false on timeout.
    pub fn wait_compressed(&self, timeout: Duration) -> bool {
        self.rotation
            .as_ref()
            .and_then(|r| r.gzip.as_ref())
            .is_none_or(|g| g.wait_idle(timeout))
    }

    /// Opens the path for appending, creating parent directories.
    fn open_out(&self) -> io::Result<Out> {
        let path = &self.config.path;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(path)?;
        let meta = file.metadata()?;
        let period = self.config.rotate.map(|r| {
            let t = match meta.modified() {
                Ok(m) if meta.len() > 0 => m,
                _ => (self.clock)(),
            };
            r.period(t)
        });
        Ok(Out {
            id: rotate::id_of_file(&file)?,
            file,
            period,
        })
    }

    /// Reopens when asked to (SIGHUP), when the path is no longer the file
    /// we have open (moved, deleted, rotated by another process), or after
    /// an open failed. A pending line tail goes to the old file first.
    fn check_open(&mut self) -> io::Result<()> {
        let generation = reopen::generation();
        let current = match &self.out {
            Some(o) if generation == self.reopen_seen => {
                rotate::id_of_path(&self.config.path).is_ok_and(|id| id == o.id)
            }
            _ => false,
        };
        if current {
            return Ok(());
        }
        if !self.tail.is_empty() {
            if let Some(o) = &mut self.out {
                if let Err(e) = o.file.write_all(&self.tail) {
                    self.losses.fail(1, e);
                }
            }
            self.tail.clear();
        }
        self.out = None;
        self.reopen_seen = generation;
        self.out = Some(self.open_out()?);
        Ok(())
    }

    fn write_batch(&mut self, data: &[u8]) -> io::Result<()> {
        if let Err(e) = self.check_open() {
            self.losses.fail(lines_in(data), &e);
            return Err(e);
        }
        if let Err(e) = self.write_tail() {
            // The pending line stays pending; later lines cannot go after
            // it without tearing it.
            self.losses.fail(lines_in(data), &e);
            return Err(e);
        }
        if let Some(max) = self.config.max_bytes {
            self.write_sized(data, max)
        } else {
            if self.config.rotate.is_some() {
                self.maybe_rotate_time();
            }
            self.write_counted(data, 0)
        }
    }

    /// Writes whole lines, rotating before a line that would take the
    /// file past `max` bytes.
    fn write_sized(&mut self, data: &[u8], max: u64) -> io::Result<()> {
        let Some(out) = &self.out else {
            return self.write_counted(data, 0);
        };
        let mut size = match out.file.metadata() {
            Ok(m) => m.len(),
            Err(e) => {
                self.losses.fail(lines_in(data), &e);
                return Err(e);
            }
        };
        let mut can_rotate = true;
        let mut pos = 0;
        while pos < data.len() {
            let rest = &data[pos..];
            let mut end = if !can_rotate || size + rest.len() as u64 <= max {
                rest.len()
            } else {
                memchr::memchr_iter(b'\n', rest)
                    .map(|nl| nl + 1)
                    .take_while(|e| size + *e as u64 <= max)
                    .last()
                    .unwrap_or(0)
            };
            if end == 0 {
                if size > 0 {
                    match self.rotate_size() {
                        Ok(()) => size = 0,
                        Err(e) => {
                            // Keep the lines: write on past the limit.
                            self.losses.fail(0, format!("rotation failed: {e}"));
                            can_rotate = false;
                        }
                    }
                    continue;
                }
                end = memchr::memchr(b'\n', rest).map_or(rest.len(), |nl| nl + 1);
            }
            self.write_counted(&rest[..end], lines_in(&rest[end..]))?;
            size += end as u64;
            pos += end;
        }
        Ok(())
    }

    /// Size rotation, under the lock.
    fn rotate_size(&mut self) -> io::Result<()> {
        let path = self.config.path.clone();
        let backups = self.config.backups.unwrap_or(DEFAULT_BACKUPS);
        rotate::shift_numbered(&path, backups)?;
        let old = self.out.take();
        self.out = Some(self.open_out()?);
        if let (Some(old), Some(gz), true) = (old, self.gzip(), backups > 0) {
            gz.submit(Job {
                file: old.file,
                id: old.id,
                names: Names::Numbered {
                    log_path: path.clone(),
                },
            });
        }
        let now = (self.clock)();
        if let Err(e) = rotate::retain_numbered(&path, backups, now, self.config.max_age()) {
            self.losses.fail(0, format!("retention: {e}"));
        }
        Ok(())
    }

    /// Time rotation, under the lock: a non-empty file from an earlier
    /// period is renamed to that period's name.
    fn maybe_rotate_time(&mut self) {
        let (Some(rot), Some(out)) = (self.config.rotate, &mut self.out) else {
            return;
        };
        let now = (self.clock)();
        let label = rot.period(now);
        if out.period.as_deref() == Some(label.as_str()) {
            return;
        }
        if out.file.metadata().is_ok_and(|m| m.len() == 0) {
            out.period = Some(label);
            return;
        }
        let old_label = out.period.clone().unwrap_or_else(|| label.clone());
        let path = self.config.path.clone();
        let result = rotate::rename_dated(&path, &old_label).and_then(|name| {
            let old = self.out.take();
            let opened = self.open_out();
            let opened = opened.map(|mut o| {
                o.period = Some(label);
                o
            });
            self.out = Some(opened?);
            if let (Some(old), Some(gz)) = (old, self.gzip()) {
                gz.submit(Job {
                    file: old.file,
                    id: old.id,
                    names: Names::Exact(name),
                });
            }
            Ok(())
        });
        if let Err(e) = result {
            self.losses.fail(0, format!("rotation failed: {e}"));
        }
        let retained = rotate::retain_dated(&path, self.config.backups, now, self.config.max_age());
        if let Err(e) = retained {
            self.losses.fail(0, format!("retention: {e}"));
        }
    }

    fn gzip(&self) -> Option<&Compressor> {
        self.rotation.as_ref().and_then(|r| r.gzip.as_ref())
    }

    /// Writes `data` (whole lines); on failure keeps the rest of a cut
    /// line as the pending tail and counts the unwritten lines, plus
    /// `after` lines that will not be attempted, as dropped.
    fn write_counted(&mut self, data: &[u8], after: u64) -> io::Result<()> {
        let Some(out) = &mut self.out else {
            let e = io::Error::new(io::ErrorKind::NotFound, "file not open");
            self.losses.fail(lines_in(data) + after, &e);
            return Err(e);
        };
        let mut done = 0;
        while done < data.len() {
            match out.file.write(&data[done..]) {
                Ok(0) => {
                    return Err(self.cut(data, done, after, io::ErrorKind::WriteZero.into()));
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.cut(data, done, after, e)),
            }
        }
        Ok(())
    }

    /// Completes the line a failed write cut short; what still cannot
    /// be written stays pending.
    fn write_tail(&mut self) -> io::Result<()> {
        let Some(out) = &mut self.out else {
            return Ok(());
        };
        while !self.tail.is_empty() {
            match out.file.write(&self.tail) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.tail.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn cut(&mut self, data: &[u8], done: usize, after: u64, e: io::Error) -> io::Error {
        let rest = &data[done..];
        let tail_len = if done > 0 && data[done - 1] != b'\n' {
            memchr::memchr(b'\n', rest).map_or(rest.len(), |nl| nl + 1)
        } else {
            0
        };
        self.tail.extend_from_slice(&rest[..tail_len]);
        self.losses.fail(lines_in(&rest[tail_len..]) + after, &e);
        e
    }
}

fn lines_in(data: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', data).count() as u64
}

impl Sink for FileSink {
    fn write(&mut self, line: &[u8], level: Level) -> io::Result<()> {
        self.buf.extend_from_slice(line);
        self.gathered(level)
    }

    fn gather(&mut self) -> Option<&mut Vec<u8>> {
        Some(&mut self.buf)
    }

    fn gathered(&mut self, _level: Level) -> io::Result<()> {
        if self.buf.len() >= BUFFER_LIMIT {
            // Losses are accounted by the sink itself.
            let _ = self.flush();
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() && self.tail.is_empty() {
            return Ok(());
        }
        let data = std::mem::take(&mut self.buf);
        let result = match self.rotation.as_mut().map(|r| r.lock.lock()) {
            Some(Err(e)) => {
                self.losses.fail(lines_in(&data), &e);
                Err(e)
            }
            Some(Ok(())) => {
                let r = self.write_batch(&data);
                if let Some(rot) = &self.rotation {
                    rot.lock.unlock();
                }
                r
            }
            None => self.write_batch(&data),
        };
        self.buf = data;
        self.buf.clear();
        result
    }

    fn describe(&self) -> String {
        format!("file {}", self.config.path.display())
    }

    fn take_losses(&mut self) -> Option<Losses> {
        let mut l = std::mem::take(&mut self.losses);
        if let Some(g) = self.gzip() {
            let c = g.take_losses();
            l.errors += c.errors;
            l.dropped += c.dropped;
            if c.last_error.is_some() {
                l.last_error = c.last_error;
            }
        }
        Some(l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sighup_makes_the_sink_reopen_and_does_not_terminate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        let mut c = FileConfig::new(&path);
        c.reopen_on_sighup = true;
        let mut sink = FileSink::open(&c).unwrap();
        sink.write(b"one\n", Level::Info).unwrap();
        sink.flush().unwrap();
        let before = reopen::generation();
        // SAFETY: raising a signal whose handler we installed.
        assert_eq!(unsafe { libc::raise(libc::SIGHUP) }, 0);
        assert!(reopen::generation() > before);
        // The path still is the file the sink has open: the next batch
        // reopens because of the signal alone.
        sink.write(b"two\n", Level::Info).unwrap();
        sink.flush().unwrap();
        assert_eq!(sink.reopen_seen, reopen::generation());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\ntwo\n");
    }
}
