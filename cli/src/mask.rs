//! `logfort mask`: masks old logs with the core's rules, standard input
//! (or files) to standard output. A JSON line is masked as the writer
//! masks a record (sensitive keys, then every string at any depth) and
//! written back in its member order; any other line is masked as text.

use crate::{input, on_file, or_stdin, rec, Fail};
use clap::Args;
use logfort_core::mask::Masker;
use logfort_core::{Config, Level, Record, Value};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct MaskArgs {
    /// Files to mask (`-` or none: standard input)
    pub files: Vec<String>,
    /// A configuration document whose `mask` section applies (extra keys,
    /// custom rules); the built-in rules otherwise
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

fn masker(args: &MaskArgs) -> Result<Masker, Fail> {
    let mut config = match &args.config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| Fail::Msg(format!("{}: {e}", p.display())))?;
            Config::from_json(&text).map_err(|e| Fail::Msg(format!("{}: {e}", p.display())))?
        }
        None => Config::default(),
    };
    // Masking is what this command is for.
    config.mask.enabled = true;
    Masker::new(&config.mask).map_err(|e| Fail::Msg(e.to_string()))
}

/// The members of an object, masked, as one JSON line.
fn mask_object(m: &Masker, members: Vec<(String, Value)>, out: &mut Vec<u8>) {
    let mut r = Record::new(Level::Info, "", "");
    r.fields = members;
    m.mask_record(&mut r);
    let first = &mut true;
    out.push(b'{');
    for (k, v) in &r.fields {
        logfort_core::encode::write::key(out, first, k);
        logfort_core::encode::write::value(out, v);
    }
    out.extend_from_slice(b"}\n");
}

pub fn run(args: &MaskArgs, out: &mut impl Write) -> Result<ExitCode, Fail> {
    let m = masker(args)?;
    let mut buf = Vec::with_capacity(4096);
    for name in or_stdin(&args.files) {
        input::lines(&name, |no, line| {
            buf.clear();
            match rec::parse(line) {
                Ok(Value::Object(members)) => mask_object(&m, members, &mut buf),
                other => {
                    if let (Err(why), true) = (&other, line.starts_with(b"{")) {
                        eprintln!("logfort: {name}:{no}: malformed JSON ({why}), masked as text");
                    }
                    buf.extend_from_slice(m.mask_str(&String::from_utf8_lossy(line)).as_bytes());
                    buf.push(b'\n');
                }
            }
            out.write_all(&buf)
        })
        .map_err(on_file(&name))?;
    }
    Ok(ExitCode::SUCCESS)
}
