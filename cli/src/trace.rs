//! `logfort trace ID FILES…`: every record of one request, from every
//! file and service, in time order. Only lines that contain the id's
//! bytes are parsed (found with memmem over whole blocks), so a trace
//! through a large file costs little more than reading it.

use crate::{input, malformed, on_file, rec, Fail, Render};
use clap::Args;
use logfort_core::Value;
use std::io::Write;
use std::process::ExitCode;

#[derive(Args)]
pub struct TraceArgs {
    /// The correlation id to follow
    pub correlation_id: String,
    /// Files to read (plain or .gz; `-` for standard input)
    #[arg(required = true)]
    pub files: Vec<String>,
    #[command(flatten)]
    pub render: Render,
}

struct Hit {
    time: Option<i64>,
    file: usize,
    line_no: u64,
    line: Vec<u8>,
    obj: Value,
}

/// The records of `id` in the files, in time order (records at the same
/// time, or without one, keep file and line order).
fn collect(id: &str, files: &[String]) -> Result<Vec<Hit>, Fail> {
    let finder = memchr::memmem::Finder::new(id.as_bytes());
    let mut hits = Vec::new();
    for (file, name) in files.iter().enumerate() {
        let src = input::open(name).map_err(on_file(name))?;
        input::for_each_block(src, |first, block| {
            // Line numbers are counted only up to each candidate.
            let (mut counted_to, mut line_no) = (0usize, first);
            let mut next_from = 0usize;
            for at in finder.find_iter(block) {
                if at < next_from {
                    continue;
                }
                let (start, end) = input::line_around(block, at);
                next_from = end + 1;
                line_no += input::count_lines(&block[counted_to..start]);
                counted_to = start;
                let line = input::trim_line(&block[start..end]);
                match rec::parse(line) {
                    Ok(obj) if rec::correlation_id(&obj) == Some(id) => hits.push(Hit {
                        time: rec::timestamp(&obj),
                        file,
                        line_no,
                        line: line.to_vec(),
                        obj,
                    }),
                    Ok(_) => {}
                    Err(why) => malformed(name, line_no, &why),
                }
            }
            Ok(())
        })
        .map_err(on_file(name))?;
    }
    hits.sort_by_key(|h| (h.time.unwrap_or(i64::MIN), h.file, h.line_no));
    Ok(hits)
}

pub fn run(args: &TraceArgs, out: &mut impl Write) -> Result<ExitCode, Fail> {
    if args.correlation_id.is_empty() {
        return Err(Fail::Msg("the correlation id is empty".into()));
    }
    let hits = collect(&args.correlation_id, &args.files)?;
    for h in &hits {
        args.render.write(out, &h.line, &h.obj)?;
    }
    if hits.is_empty() {
        eprintln!(
            "logfort: no record of correlation id {:?}",
            args.correlation_id
        );
    }
    Ok(ExitCode::SUCCESS)
}
