//! Sinks: where encoded lines go. Each sink receives whole lines on the
//! writer thread and hands them to the OS at the end of every batch.

mod file;
mod stdio;

use crate::config::doc::Section;
use crate::encode::Format;
use crate::error::Result;
use crate::level::Level;
use serde_json::Value as Json;
use std::io;

pub use file::{FileConfig, FileSink};
pub use stdio::{Stdio, Stream};

pub trait Sink: Send {
    /// One encoded line, newline included. May buffer.
    fn write(&mut self, line: &[u8], level: Level) -> io::Result<()>;
    /// End of a batch, and on `flush()`: everything written so far must
    /// reach the OS (or the receiver) before this returns `Ok`.
    fn flush(&mut self) -> io::Result<()>;
    /// For error reports: `file logs/app.log`, `stdout`.
    fn describe(&self) -> String;
}

#[derive(Clone, Debug, PartialEq)]
pub enum SinkKind {
    Stdout,
    Stderr,
    File(FileConfig),
}

#[derive(Clone, Debug, PartialEq)]
pub struct SinkConfig {
    pub kind: SinkKind,
    /// Records below this level skip this sink.
    pub min_level: Option<Level>,
    /// Profile for this sink; the logger's `format` when absent.
    pub format: Option<Format>,
}

impl SinkConfig {
    pub fn new(kind: SinkKind) -> SinkConfig {
        SinkConfig {
            kind,
            min_level: None,
            format: None,
        }
    }

    pub fn parse(path: &str, v: &Json) -> Result<SinkConfig> {
        let mut s = Section::new(path, v)?;
        let kind = match s.get("type") {
            Some(Json::String(t)) if t == "stdout" => SinkKind::Stdout,
            Some(Json::String(t)) if t == "stderr" => SinkKind::Stderr,
            Some(Json::String(t)) if t == "file" => SinkKind::File(FileConfig::parse(&mut s)?),
            Some(other) => {
                return Err(s.error("type", other, "\"stdout\", \"stderr\" or \"file\""))
            }
            None => return Err(s.error("type", &Json::Null, "\"stdout\", \"stderr\" or \"file\"")),
        };
        let min_level = s.level("min_level")?;
        let format = s.parse("format", Format::NAMES)?;
        s.finish()?;
        Ok(SinkConfig {
            kind,
            min_level,
            format,
        })
    }

    /// Opens the sink. `color` applies to terminal streams in `text`.
    pub fn open(&self) -> io::Result<Box<dyn Sink>> {
        Ok(match &self.kind {
            SinkKind::Stdout => Box::new(Stdio::new(Stream::Stdout)),
            SinkKind::Stderr => Box::new(Stdio::new(Stream::Stderr)),
            SinkKind::File(f) => Box::new(FileSink::open(f)?),
        })
    }

    /// How errors name this sink: `stdout`, `file logs/app.log`.
    pub fn describe(&self) -> String {
        match &self.kind {
            SinkKind::Stdout => "stdout".into(),
            SinkKind::Stderr => "stderr".into(),
            SinkKind::File(f) => format!("file {}", f.path.display()),
        }
    }

    /// True when this sink writes to a terminal and colour is allowed.
    pub fn wants_color(&self) -> bool {
        use std::io::IsTerminal;
        if std::env::var_os("NO_COLOR").is_some() {
            return false;
        }
        match self.kind {
            SinkKind::Stdout => io::stdout().is_terminal(),
            SinkKind::Stderr => io::stderr().is_terminal(),
            SinkKind::File(_) => false,
        }
    }
}

/// Lines are buffered up to this size before a batch ends.
pub(crate) const BUFFER_LIMIT: usize = 256 * 1024;
