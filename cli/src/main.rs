//! `logfort`: what operators run on log files instead of hand-written
//! `jq` pipelines. Every command reads plain or gzip JSON lines (or `-`
//! for standard input); a malformed line is reported on standard error
//! with its file and line number and skipped, never fatal.
//!
//! Exit status: 0 done (for `verify`/`validate`: nothing wrong), 1 a
//! problem found by `verify` or `validate`, 2 bad usage or an I/O error.

mod input;
mod mask;
mod metrics;
mod pretty;
mod rec;
mod stats;
mod tail;
mod time;
mod trace;
mod validate;
mod verify;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "logfort", version = logfort_core::VERSION, about = "Read, trace, summarise and verify logfort JSON-lines logs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Records matching every filter given (all records without filters)
    Tail(tail::TailArgs),
    /// Every record of one request across files and services, in time order
    Trace(trace::TraceArgs),
    /// Counts by level and hour, top error messages, slowest operations
    Stats(stats::StatsArgs),
    /// Coloured human rendering of JSON lines
    Pretty(PrettyArgs),
    /// Prometheus text exposition of the files' counters
    Metrics(metrics::MetricsArgs),
    /// Check an audit hash chain; exit status 0 only when intact
    Verify(verify::VerifyArgs),
    /// Check records against the schemas; violations by line and by field
    Validate(validate::ValidateArgs),
    /// Mask old logs with the core's rules (standard input to standard output)
    Mask(mask::MaskArgs),
}

/// How records are printed.
#[derive(Args, Clone, Debug)]
pub struct Render {
    /// Print records as `pretty` does instead of the original JSON lines
    #[arg(long, short = 'p')]
    pub pretty: bool,
    /// Colour for --pretty
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    Auto,
    Always,
    Never,
}

impl Render {
    pub fn colored(&self) -> bool {
        match self.color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => std::env::var_os("NO_COLOR").is_none() && io::stdout().is_terminal(),
        }
    }

    /// Writes one record: the original line, or its pretty rendering.
    pub fn write(
        &self,
        out: &mut impl Write,
        line: &[u8],
        obj: &logfort_core::Value,
    ) -> io::Result<()> {
        if self.pretty {
            out.write_all(pretty::render(obj, self.colored()).as_bytes())
        } else {
            out.write_all(line)?;
            out.write_all(b"\n")
        }
    }
}

#[derive(Args)]
struct PrettyArgs {
    /// Files to read (`-` or none: standard input)
    files: Vec<String>,
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

/// Why a command stopped.
#[derive(Debug)]
pub enum Fail {
    /// The reader of our output went away (`| head`): not an error.
    Pipe,
    /// A message for standard error; exit status 2.
    Msg(String),
}

impl From<io::Error> for Fail {
    fn from(e: io::Error) -> Fail {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Fail::Pipe
        } else {
            Fail::Msg(e.to_string())
        }
    }
}

/// An I/O error on a named file.
pub fn on_file(name: &str) -> impl Fn(io::Error) -> Fail + '_ {
    move |e| {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Fail::Pipe
        } else {
            Fail::Msg(format!("{name}: {e}"))
        }
    }
}

/// Reports a line that is not a JSON object; the command goes on.
pub fn malformed(file: &str, line: u64, why: &str) {
    eprintln!("logfort: {file}:{line}: malformed JSON ({why}), skipped");
}

/// Files to read: `-` (standard input) when none are named.
pub fn or_stdin(files: &[String]) -> Vec<String> {
    if files.is_empty() {
        vec!["-".to_owned()]
    } else {
        files.to_vec()
    }
}

fn run(cli: Cli) -> Result<ExitCode, Fail> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let code = match cli.command {
        Command::Tail(a) => tail::run(&a, &mut out)?,
        Command::Trace(a) => trace::run(&a, &mut out)?,
        Command::Stats(a) => stats::run(&a, &mut out)?,
        Command::Metrics(a) => metrics::run(&a, &mut out)?,
        Command::Verify(a) => verify::run(&a, &mut out)?,
        Command::Validate(a) => validate::run(&a, &mut out)?,
        Command::Mask(a) => mask::run(&a, &mut out)?,
        Command::Pretty(a) => {
            let render = Render {
                pretty: true,
                color: a.color,
            };
            for name in or_stdin(&a.files) {
                input::lines(&name, |no, line| match rec::parse(line) {
                    Ok(obj) => render.write(&mut out, line, &obj),
                    Err(why) => {
                        malformed(&name, no, &why);
                        Ok(())
                    }
                })
                .map_err(on_file(&name))?;
            }
            ExitCode::SUCCESS
        }
    };
    out.flush()?;
    Ok(code)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(Fail::Pipe) => ExitCode::SUCCESS,
        Err(Fail::Msg(m)) => {
            eprintln!("logfort: {m}");
            ExitCode::from(2)
        }
    }
}
