//! Sinks: where encoded lines go. Each sink receives whole lines on the
//! writer thread and hands them to the OS at the end of every batch.

mod audit;
mod compress;
mod file;
mod otlp;
mod reopen;
mod rotate;
mod stdio;
mod syslog;

use crate::config::doc::Section;
use crate::encode::{Format, Meta};
use crate::error::Result;
use crate::level::Level;
use crate::record::LogType;
use serde_json::Value as Json;
use std::io;

pub use audit::{head_path, rotated_path, AuditSink, AuditSinkConfig};
pub use file::{FileConfig, FileSink};
pub use otlp::{OtlpConfig, OtlpSink};
pub use reopen::request_reopen;
pub use rotate::{Clock, Rotate};
pub use stdio::{Stdio, Stream};
pub use syslog::{Facility, SyslogConfig, SyslogSink, Transport};

/// Where encoded lines go.
///
/// Contract, as the writer thread relies on it:
/// - `write` takes one line (newline included) and may buffer it. A
///   sink that gathers lines in a buffer may offer it (`gather`): the
///   writer then encodes the line onto its end and calls `gathered`
///   instead, which saves a copy of every line.
/// - `flush` ends a batch: a local sink (file, stdio) hands everything to
///   the OS; a network sink hands it to its delivery machinery (socket or
///   sender thread). It never blocks longer than the sink's own timeout.
/// - `sync` runs on `Logger::flush` and `close` on shutdown, after
///   `flush`: both return once every line written so far was delivered,
///   or kept for retry after a failed attempt, or counted as lost, within
///   the sink's documented bound.
/// - A sink returning `Some` from `take_losses` counts its own losses
///   exactly (lines kept in a retry buffer are not lost); the writer then
///   uses only those numbers. A sink returning `None` loses what a failed
///   `write`/`flush` held, and the writer counts those lines.
pub trait Sink: Send {
    /// One encoded line, newline included. May buffer.
    fn write(&mut self, line: &[u8], level: Level) -> io::Result<()>;
    /// The buffer the sink gathers lines in, if it gathers them (see the
    /// trait's contract).
    fn gather(&mut self) -> Option<&mut Vec<u8>> {
        None
    }
    /// A line was encoded onto the end of `gather`'s buffer: what
    /// `write` does once it has appended a line.
    fn gathered(&mut self, _level: Level) -> io::Result<()> {
        Ok(())
    }
    /// End of a batch (see the trait's contract).
    fn flush(&mut self) -> io::Result<()>;
    /// For error reports: `file logs/app.log`, `stdout`.
    fn describe(&self) -> String;
    /// `Logger::flush`: wait (bounded) until what was written is delivered.
    fn sync(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// Shutdown: deliver what is left within the sink's bound, count the rest.
    fn close(&mut self) -> io::Result<()> {
        self.sync()
    }
    /// Errors and lost lines since the last call, for sinks that keep
    /// their own account (see the trait's contract).
    fn take_losses(&mut self) -> Option<Losses> {
        None
    }
}

/// What a self-accounting sink lost since it was last asked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Losses {
    /// Failed operations (writes, connects, requests).
    pub errors: u64,
    /// Lines given up on for good.
    pub dropped: u64,
    /// The latest error, for the stderr report.
    pub last_error: Option<String>,
}

impl Losses {
    /// Records one failure of an operation that lost `dropped` lines.
    pub fn fail(&mut self, dropped: u64, err: impl std::fmt::Display) {
        self.errors += 1;
        self.dropped += dropped;
        self.last_error = Some(err.to_string());
    }

    pub fn is_empty(&self) -> bool {
        self.errors == 0 && self.dropped == 0
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum SinkKind {
    Stdout,
    Stderr,
    File(FileConfig),
    Syslog(SyslogConfig),
    Otlp(OtlpConfig),
    /// A hash-chained audit trail (`crate::chain`).
    Audit(AuditSinkConfig),
}

#[derive(Clone, Debug, PartialEq)]
pub struct SinkConfig {
    pub kind: SinkKind,
    /// Records below this level skip this sink.
    pub min_level: Option<Level>,
    /// Profile for this sink; the logger's `format` when absent.
    pub format: Option<Format>,
    /// Only records of these types (`log_types`); every record when
    /// absent. The audit sink defaults to audit and security records.
    pub log_types: Option<Vec<LogType>>,
}

impl SinkConfig {
    pub fn new(kind: SinkKind) -> SinkConfig {
        SinkConfig {
            kind,
            min_level: None,
            format: None,
            log_types: None,
        }
    }

    pub fn parse(path: &str, v: &Json) -> Result<SinkConfig> {
        let mut s = Section::new(path, v)?;
        let kind = match s.get("type") {
            Some(Json::String(t)) if t == "stdout" => SinkKind::Stdout,
            Some(Json::String(t)) if t == "stderr" => SinkKind::Stderr,
            Some(Json::String(t)) if t == "file" => SinkKind::File(FileConfig::parse(&mut s)?),
            Some(Json::String(t)) if t == "syslog" => {
                SinkKind::Syslog(SyslogConfig::parse(&mut s)?)
            }
            Some(Json::String(t)) if t == "otlp" => SinkKind::Otlp(OtlpConfig::parse(&mut s)?),
            Some(Json::String(t)) if t == "audit" => {
                SinkKind::Audit(AuditSinkConfig::parse(&mut s)?)
            }
            Some(other) => return Err(s.error("type", other, SINK_TYPES)),
            None => return Err(s.error("type", &Json::Null, SINK_TYPES)),
        };
        let min_level = s.level("min_level")?;
        let mut format = s.parse("format", Format::NAMES)?;
        if matches!(kind, SinkKind::Otlp(_)) && format.is_none() {
            // Each line then already is the LogRecord the sink sends.
            format = Some(Format::Otel);
        }
        let mut log_types = log_types(&mut s)?;
        if matches!(kind, SinkKind::Audit(_)) {
            if format == Some(Format::Text) {
                return Err(s.error(
                    "format",
                    &Json::from("text"),
                    "a JSON profile: the audit chain links JSON objects",
                ));
            }
            log_types.get_or_insert_with(|| vec![LogType::Audit, LogType::Security]);
        }
        s.finish()?;
        Ok(SinkConfig {
            kind,
            min_level,
            format,
            log_types,
        })
    }

    /// Opens the sink without service metadata.
    pub fn open(&self) -> io::Result<Box<dyn Sink>> {
        self.open_with(&Meta::default())
    }

    /// Opens the sink; `meta` names the service to syslog (app-name) and
    /// OTLP (resource attributes).
    pub fn open_with(&self, meta: &Meta) -> io::Result<Box<dyn Sink>> {
        Ok(match &self.kind {
            SinkKind::Stdout => Box::new(Stdio::new(Stream::Stdout)),
            SinkKind::Stderr => Box::new(Stdio::new(Stream::Stderr)),
            SinkKind::File(f) => Box::new(FileSink::open(f)?),
            SinkKind::Syslog(c) => Box::new(SyslogSink::open(c, meta)?),
            SinkKind::Otlp(c) => Box::new(OtlpSink::open(c, meta)?),
            SinkKind::Audit(a) => Box::new(AuditSink::open(a)?),
        })
    }

    /// How errors name this sink: `stdout`, `file logs/app.log`.
    pub fn describe(&self) -> String {
        match &self.kind {
            SinkKind::Stdout => "stdout".into(),
            SinkKind::Stderr => "stderr".into(),
            SinkKind::File(f) => format!("file {}", f.path.display()),
            SinkKind::Syslog(c) => c.describe(),
            SinkKind::Otlp(c) => c.describe(),
            SinkKind::Audit(a) => format!("audit {}", a.path.display()),
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
            SinkKind::File(_) | SinkKind::Syslog(_) | SinkKind::Otlp(_) | SinkKind::Audit(_) => {
                false
            }
        }
    }
}

const SINK_TYPES: &str = "\"stdout\", \"stderr\", \"file\", \"syslog\", \"otlp\" or \"audit\"";

/// `log_types`: a list of record types, each checked by name.
fn log_types(s: &mut Section<'_>) -> Result<Option<Vec<LogType>>> {
    const EXPECTED: &str = "a list of \"audit\", \"security\", \"performance\", \"business\"";
    let Some(items) = s.array("log_types")? else {
        return Ok(None);
    };
    items
        .iter()
        .map(|v| {
            v.as_str()
                .and_then(LogType::parse)
                .ok_or_else(|| s.error("log_types", v, EXPECTED))
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// Lines are buffered up to this size before a batch ends.
pub(crate) const BUFFER_LIMIT: usize = 256 * 1024;
