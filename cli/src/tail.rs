//! `logfort tail`: the records that pass every filter, in file order;
//! `-n` keeps only the last ones, `-f` keeps reading what is appended
//! (following a file through truncation and rotation).

use crate::{input, malformed, on_file, or_stdin, rec, time, Fail, Render};
use clap::Args;
use logfort_core::{Level, Value};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Args)]
pub struct TailArgs {
    /// Files to read in order (`-` or none: standard input)
    pub files: Vec<String>,
    /// Only records at this level or above (debug, info, warning, error, ...)
    #[arg(long, short = 'l', value_parser = parse_level)]
    pub level: Option<Level>,
    /// Only this logger and its children (`app` matches `app.auth`)
    #[arg(long)]
    pub logger: Option<String>,
    /// Only records of this correlation id
    #[arg(long, short = 'c')]
    pub correlation_id: Option<String>,
    /// Only records at or after this time (RFC 3339, or a duration ago: 15m)
    #[arg(long, value_parser = time::parse_arg)]
    pub since: Option<i64>,
    /// Only records before this time (RFC 3339, or a duration ago)
    #[arg(long, value_parser = time::parse_arg)]
    pub until: Option<i64>,
    /// Only records whose FIELD (dotted path) equals VALUE; repeatable
    #[arg(long = "where", short = 'w', value_name = "FIELD=VALUE", value_parser = parse_where)]
    pub wheres: Vec<(String, String)>,
    /// Only the last N matching records
    #[arg(long, short = 'n')]
    pub lines: Option<usize>,
    /// Keep reading what is appended to the files
    #[arg(long, short = 'f')]
    pub follow: bool,
    #[command(flatten)]
    pub render: Render,
}

fn parse_level(s: &str) -> Result<Level, String> {
    s.parse().map_err(|_| {
        format!("{s:?} is not a level (trace, debug, info, notice, warning, error, critical)")
    })
}

fn parse_where(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("{s:?} is not FIELD=VALUE")),
    }
}

impl TailArgs {
    fn matches(&self, obj: &Value) -> bool {
        if let Some(min) = self.level {
            if rec::level(obj).is_none_or(|l| l < min) {
                return false;
            }
        }
        if let Some(want) = &self.logger {
            let Some(got) = rec::logger(obj) else {
                return false;
            };
            let child = got.len() > want.len()
                && got.starts_with(want.as_str())
                && got.as_bytes()[want.len()] == b'.';
            if got != want && !child {
                return false;
            }
        }
        if let Some(id) = &self.correlation_id {
            if rec::correlation_id(obj) != Some(id.as_str()) {
                return false;
            }
        }
        if self.since.is_some() || self.until.is_some() {
            let Some(t) = rec::timestamp(obj) else {
                return false;
            };
            if self.since.is_some_and(|s| t < s) || self.until.is_some_and(|u| t >= u) {
                return false;
            }
        }
        self.wheres.iter().all(|(k, v)| {
            rec::field(obj, k)
                .and_then(rec::scalar_text)
                .is_some_and(|got| got == v.as_str())
        })
    }
}

/// Where matching records go: straight out, or into the last-N window.
struct Sink<'a, W: Write> {
    args: &'a TailArgs,
    out: &'a mut W,
    window: Option<VecDeque<(Vec<u8>, Value)>>,
}

impl<W: Write> Sink<'_, W> {
    fn line(&mut self, name: &str, no: u64, line: &[u8]) -> io::Result<()> {
        let obj = match rec::parse(line) {
            Ok(o) => o,
            Err(why) => {
                malformed(name, no, &why);
                return Ok(());
            }
        };
        if !self.args.matches(&obj) {
            return Ok(());
        }
        match (&mut self.window, self.args.lines) {
            (Some(w), Some(n)) => {
                if w.len() == n {
                    w.pop_front();
                }
                if n > 0 {
                    w.push_back((line.to_vec(), obj));
                }
                Ok(())
            }
            _ => self.args.render.write(self.out, line, &obj),
        }
    }

    /// Prints the window and writes straight out from now on.
    fn release(&mut self) -> io::Result<()> {
        for (line, obj) in self.window.take().unwrap_or_default() {
            self.args.render.write(self.out, &line, &obj)?;
        }
        self.out.flush()
    }
}

pub fn run(args: &TailArgs, out: &mut impl Write) -> Result<ExitCode, Fail> {
    let files = or_stdin(&args.files);
    let mut sink = Sink {
        args,
        out,
        window: args.lines.map(|n| VecDeque::with_capacity(n.min(1 << 16))),
    };
    if !args.follow {
        for name in &files {
            input::lines(name, |no, line| sink.line(name, no, line)).map_err(on_file(name))?;
        }
        sink.release()?;
        return Ok(ExitCode::SUCCESS);
    }
    if files.iter().any(|f| f == "-") {
        return Err(Fail::Msg("--follow needs files, not standard input".into()));
    }
    let mut followers = files.iter().map(|f| Follower::new(f)).collect::<Vec<_>>();
    for f in &mut followers {
        f.poll(&mut sink).map_err(on_file(&f.name.clone()))?;
    }
    sink.release()?;
    loop {
        std::thread::sleep(Duration::from_millis(200));
        for f in &mut followers {
            let name = f.name.clone();
            f.poll(&mut sink).map_err(on_file(&name))?;
        }
        sink.out.flush()?;
    }
}

/// One followed file: where we are in it, and which file that is.
struct Follower {
    name: String,
    file: Option<File>,
    id: Option<(u64, u64)>,
    offset: u64,
    partial: Vec<u8>,
    line_no: u64,
}

fn identity(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

impl Follower {
    fn new(name: &str) -> Follower {
        Follower {
            name: name.to_owned(),
            file: None,
            id: None,
            offset: 0,
            partial: Vec::new(),
            line_no: 1,
        }
    }

    /// Reads what was appended since the last call. A file that shrank or
    /// was replaced (rotation) is read again from its start; a file that
    /// does not exist yet is waited for.
    fn poll<W: Write>(&mut self, sink: &mut Sink<'_, W>) -> io::Result<()> {
        let meta = match std::fs::metadata(&self.name) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound && self.id.is_some() => return Ok(()),
            Err(e) => return Err(e),
        };
        if self.id != Some(identity(&meta)) || meta.len() < self.offset {
            if self.id.is_some() {
                eprintln!(
                    "logfort: {}: file replaced or truncated, reading it from the start",
                    self.name
                );
            }
            let mut file = File::open(&self.name)?;
            let mut magic = [0u8; 2];
            if file.read(&mut magic)? == 2 && magic == [0x1f, 0x8b] {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "a gzip file cannot be followed",
                ));
            }
            self.file = Some(file);
            self.id = Some(identity(&meta));
            self.offset = 0;
            self.partial.clear();
            self.line_no = 1;
        }
        let file = self.file.as_mut().expect("opened above");
        file.seek(SeekFrom::Start(self.offset))?;
        let mut chunk = vec![0u8; 1 << 20];
        loop {
            let n = file.read(&mut chunk)?;
            if n == 0 {
                return Ok(());
            }
            self.offset += n as u64;
            self.partial.extend_from_slice(&chunk[..n]);
            if let Some(end) = memchr::memrchr(b'\n', &self.partial) {
                let complete: Vec<u8> = self.partial.drain(..=end).collect();
                let name = self.name.clone();
                input::for_each_line(self.line_no, &complete, |no, line| {
                    sink.line(&name, no, line)
                })?;
                self.line_no += input::count_lines(&complete);
            }
        }
    }
}
