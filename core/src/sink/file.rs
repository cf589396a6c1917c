//! Append-mode file sink. One `write` per batch on an `O_APPEND` file, so
//! lines from several processes never interleave inside a line.

use super::{Sink, BUFFER_LIMIT};
use crate::config::doc::Section;
use crate::error::Result;
use crate::level::Level;
use serde_json::Value as Json;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;

#[derive(Clone, Debug, PartialEq)]
pub struct FileConfig {
    pub path: PathBuf,
}

impl FileConfig {
    pub fn new(path: impl Into<PathBuf>) -> FileConfig {
        FileConfig { path: path.into() }
    }

    pub(super) fn parse(s: &mut Section<'_>) -> Result<FileConfig> {
        match s.str("path")? {
            Some(p) if !p.is_empty() => Ok(FileConfig::new(p)),
            Some(p) => Err(s.error("path", &Json::String(p.into()), "a file path")),
            None => Err(s.error("path", &Json::Null, "a file path")),
        }
    }
}

pub struct FileSink {
    config: FileConfig,
    file: File,
    buf: Vec<u8>,
}

impl FileSink {
    pub fn open(config: &FileConfig) -> io::Result<FileSink> {
        Ok(FileSink {
            config: config.clone(),
            file: open_append(config)?,
            buf: Vec::with_capacity(64 * 1024),
        })
    }
}

/// Opens for appending, creating parent directories as needed.
fn open_append(config: &FileConfig) -> io::Result<File> {
    if let Some(dir) = config.path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(&config.path)
}

impl Sink for FileSink {
    fn write(&mut self, line: &[u8], _level: Level) -> io::Result<()> {
        self.buf.extend_from_slice(line);
        if self.buf.len() >= BUFFER_LIMIT {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let result = self.file.write_all(&self.buf);
        self.buf.clear();
        result
    }

    fn describe(&self) -> String {
        format!("file {}", self.config.path.display())
    }
}
