//! `logfort metrics`: the counters of log files in the Prometheus text
//! exposition format, for a textfile collector or a one-off scrape.

use crate::stats::Tally;
use crate::Fail;
use clap::Args;
use std::io::Write;
use std::process::ExitCode;

#[derive(Args)]
pub struct MetricsArgs {
    /// Files to read (`-` or none: standard input)
    pub files: Vec<String>,
}

/// A label value with `\`, `"` and newlines escaped.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn header(out: &mut impl Write, name: &str, kind: &str, help: &str) -> std::io::Result<()> {
    writeln!(out, "# HELP {name} {help}")?;
    writeln!(out, "# TYPE {name} {kind}")
}

pub fn render(t: &mut Tally, out: &mut impl Write) -> std::io::Result<()> {
    let name = "logfort_log_records_total";
    header(out, name, "counter", "Records in the log files, by level.")?;
    for (l, n) in t.level_counts() {
        writeln!(out, "{name}{{level=\"{l}\"}} {n}")?;
    }
    let name = "logfort_log_malformed_lines_total";
    header(out, name, "counter", "Lines that are not JSON objects.")?;
    writeln!(out, "{name} {}", t.malformed)?;
    let name = "logfort_log_records_by_type_total";
    header(out, name, "counter", "Records by log_type.")?;
    for (k, n) in &t.log_types {
        writeln!(out, "{name}{{log_type=\"{}\"}} {n}", label(k))?;
    }
    let name = "logfort_log_security_events_total";
    header(out, name, "counter", "Security records by security_event.")?;
    for (k, n) in &t.security_events {
        writeln!(out, "{name}{{security_event=\"{}\"}} {n}", label(k))?;
    }
    let name = "logfort_log_operation_duration_ms";
    header(out, name, "summary", "duration_ms of records by operation.")?;
    let mut ops = t.operations();
    ops.sort_by(|a, b| a.0.cmp(&b.0));
    for (op, s) in ops {
        let op = label(&op);
        for (q, v) in [("0.5", s.p50), ("0.95", s.p95), ("0.99", s.p99)] {
            writeln!(out, "{name}{{operation=\"{op}\",quantile=\"{q}\"}} {v}")?;
        }
        writeln!(out, "{name}_sum{{operation=\"{op}\"}} {}", s.sum)?;
        writeln!(out, "{name}_count{{operation=\"{op}\"}} {}", s.count)?;
    }
    Ok(())
}

pub fn run(args: &MetricsArgs, out: &mut impl Write) -> Result<ExitCode, Fail> {
    let mut t = Tally::read(&args.files)?;
    render(&mut t, out)?;
    Ok(ExitCode::SUCCESS)
}
