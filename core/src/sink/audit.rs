//! The audit sink: a file whose records form a hash chain (see
//! `crate::chain`). It owns its file: it rotates by size itself (the
//! first record of a new file links to the last of the previous one),
//! resumes the chain after a restart from the last record on disk, and
//! keeps the head file (`<path>.head`) naming the last record written.
//! Rotated files are `<path>.1` (newest) … `<path>.N`; by default none is
//! ever deleted, since a chain with its start removed verifies only as a
//! partial chain.

use super::{Sink, BUFFER_LIMIT};
use crate::chain::{self, Chainer, Link};
use crate::config::doc::Section;
use crate::error::Result;
use crate::level::Level;
use serde_json::Value as Json;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

#[derive(Clone, PartialEq)]
pub struct AuditSinkConfig {
    pub path: PathBuf,
    /// Makes the chain an HMAC chain: without the key nobody can forge a
    /// record that verifies.
    pub hmac_key: Option<String>,
    /// Rotate before a file would grow past this many bytes.
    pub max_bytes: Option<u64>,
    /// Rotated files to keep; all of them when absent.
    pub backups: Option<u32>,
}

impl std::fmt::Debug for AuditSinkConfig {
    // The key never reaches a log or an error message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditSinkConfig")
            .field("path", &self.path)
            .field("hmac_key", &self.hmac_key.as_ref().map(|_| "[set]"))
            .field("max_bytes", &self.max_bytes)
            .field("backups", &self.backups)
            .finish()
    }
}

impl AuditSinkConfig {
    pub fn new(path: impl Into<PathBuf>) -> AuditSinkConfig {
        AuditSinkConfig {
            path: path.into(),
            hmac_key: None,
            max_bytes: None,
            backups: None,
        }
    }

    pub(super) fn parse(s: &mut Section<'_>) -> Result<AuditSinkConfig> {
        let path = match s.str("path")? {
            Some(p) if !p.is_empty() => p,
            Some(p) => return Err(s.error("path", &Json::String(p.into()), "a file path")),
            None => return Err(s.error("path", &Json::Null, "a file path")),
        };
        let hmac_key = match s.str("hmac_key")? {
            Some("") => {
                return Err(s.error("hmac_key", &Json::String(String::new()), "a non-empty key"))
            }
            k => k.map(str::to_owned),
        };
        Ok(AuditSinkConfig {
            path: PathBuf::from(path),
            hmac_key,
            max_bytes: s.uint("max_bytes", 1024, u64::MAX)?,
            backups: s.uint("backups", 1, u32::MAX as u64)?.map(|n| n as u32),
        })
    }

    fn key(&self) -> Option<&[u8]> {
        self.hmac_key.as_deref().map(str::as_bytes)
    }
}

/// `<path>.head`: the last record of the chain written at `path`.
pub fn head_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".head");
    PathBuf::from(p)
}

/// `<path>.<n>`: a rotated file (1 is the newest).
pub fn rotated_path(path: &Path, n: u32) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(format!(".{n}"));
    PathBuf::from(p)
}

pub struct AuditSink {
    config: AuditSinkConfig,
    file: File,
    /// Bytes in the file plus bytes buffered.
    size: u64,
    chainer: Chainer,
    buf: Vec<u8>,
    /// What the head file names now.
    head: Link,
}

impl AuditSink {
    pub fn open(config: &AuditSinkConfig) -> io::Result<AuditSink> {
        if let Some(dir) = config.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&config.path)?;
        let (mut last, ends_cut) = last_link(&mut file)?;
        if last.is_none() {
            if let Ok(mut prev) = File::open(rotated_path(&config.path, 1)) {
                last = last_link(&mut prev)?.0;
            }
        }
        if ends_cut {
            // Records written after a cut line start on a line of their own.
            file.write_all(b"\n")?;
        }
        let last = last.unwrap_or_else(Link::genesis);
        let size = file.metadata()?.len();
        Ok(AuditSink {
            chainer: Chainer::new(config.key(), last.clone()),
            config: config.clone(),
            file,
            size,
            buf: Vec::with_capacity(64 * 1024),
            head: Link {
                seq: u64::MAX,
                hash: String::new(),
            },
        })
    }

    /// The last record linked so far.
    pub fn last(&self) -> &Link {
        self.chainer.last()
    }

    fn write_out(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let result = self.file.write_all(&self.buf);
        self.buf.clear();
        result
    }

    /// Replaces the head file in one rename, so a reader never sees half.
    fn write_head(&mut self) -> io::Result<()> {
        if self.head == *self.chainer.last() {
            return Ok(());
        }
        let head = head_path(&self.config.path);
        let mut tmp = head.clone().into_os_string();
        tmp.push(".tmp");
        std::fs::write(&tmp, self.chainer.head())?;
        std::fs::rename(&tmp, &head)?;
        self.head = self.chainer.last().clone();
        Ok(())
    }

    fn rotate(&mut self) -> io::Result<()> {
        self.write_out()?;
        let path = &self.config.path;
        let mut n = 1;
        while rotated_path(path, n).exists() {
            n += 1;
        }
        // n is the first free slot: shift 1..n-1 up by one.
        for k in (1..n).rev() {
            std::fs::rename(rotated_path(path, k), rotated_path(path, k + 1))?;
        }
        std::fs::rename(path, rotated_path(path, 1))?;
        if let Some(keep) = self.config.backups {
            let mut k = keep + 1;
            while rotated_path(path, k).exists() {
                std::fs::remove_file(rotated_path(path, k))?;
                k += 1;
            }
        }
        self.file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(path)?;
        self.size = 0;
        Ok(())
    }
}

/// The link of the last chained record in a file, and whether the file
/// ends in the middle of a line. Lines at the end that are not chained
/// records are passed over (verification will name them).
fn last_link(file: &mut File) -> io::Result<(Option<Link>, bool)> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok((None, false));
    }
    let mut window = 64 * 1024u64;
    loop {
        let from = len.saturating_sub(window);
        file.seek(SeekFrom::Start(from))?;
        let mut tail = Vec::with_capacity((len - from) as usize);
        Read::by_ref(file).take(len - from).read_to_end(&mut tail)?;
        let cut = tail.last() != Some(&b'\n');
        // Skip a first partial line unless the window holds the whole file.
        let whole = if from == 0 {
            &tail[..]
        } else {
            match memchr::memchr(b'\n', &tail) {
                Some(i) => &tail[i + 1..],
                None => &[][..],
            }
        };
        for line in whole.rsplit(|b| *b == b'\n') {
            if let Some(p) = chain::parse_line(line) {
                return Ok((
                    Some(Link {
                        seq: p.seq,
                        hash: p.hash.to_owned(),
                    }),
                    cut,
                ));
            }
        }
        if from == 0 {
            return Ok((None, cut));
        }
        window *= 4;
    }
}

impl Sink for AuditSink {
    fn write(&mut self, line: &[u8], _level: Level) -> io::Result<()> {
        if let Some(max) = self.config.max_bytes {
            // The chain members add under 200 bytes.
            if self.size > 0 && self.size + line.len() as u64 + 200 > max {
                self.rotate()?;
            }
        }
        let before = self.buf.len();
        self.chainer.link(line, &mut self.buf);
        self.size += (self.buf.len() - before) as u64;
        if self.buf.len() >= BUFFER_LIMIT {
            self.write_out()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.write_out()?;
        self.write_head()
    }

    /// `Logger::flush`: the records and the head reach the disk, not just
    /// the OS, before the caller hears back.
    fn sync(&mut self) -> io::Result<()> {
        self.flush()?;
        self.file.sync_data()
    }

    fn describe(&self) -> String {
        format!("audit {}", self.config.path.display())
    }
}
