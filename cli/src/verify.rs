//! `logfort verify`: checks an audit hash chain and names the first
//! record that was modified, deleted, inserted or moved, or an end cut
//! off. Exit status 0 only when the chain is intact.

use crate::{input, on_file, Fail};
use clap::Args;
use logfort_core::chain::{self, Start};
use logfort_core::sink::head_path;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct VerifyArgs {
    /// The chain's files, oldest first; one path also takes its rotated
    /// files (PATH.N … PATH.1, then PATH)
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// File holding the HMAC key the chain was written with (else the
    /// environment variable LOGFORT_HMAC_KEY, else plain SHA-256)
    #[arg(long, value_name = "FILE")]
    pub hmac_key_file: Option<PathBuf>,
    /// The head file naming the last record (default: LAST_FILE.head)
    #[arg(long, value_name = "FILE")]
    pub head: Option<PathBuf>,
    /// The chain's oldest files were removed: accept a first record that
    /// is not the chain's first
    #[arg(long)]
    pub partial: bool,
}

fn key(args: &VerifyArgs) -> Result<Option<Vec<u8>>, Fail> {
    if let Some(f) = &args.hmac_key_file {
        let k = std::fs::read(f).map_err(|e| Fail::Msg(format!("{}: {e}", f.display())))?;
        let k = k.trim_ascii_end().to_vec();
        if k.is_empty() {
            return Err(Fail::Msg(format!("{}: the key file is empty", f.display())));
        }
        return Ok(Some(k));
    }
    Ok(std::env::var("LOGFORT_HMAC_KEY")
        .ok()
        .filter(|k| !k.is_empty())
        .map(String::into_bytes))
}

fn files(args: &VerifyArgs) -> Vec<PathBuf> {
    match args.files.as_slice() {
        [one] => chain::chain_files(one),
        many => many.to_vec(),
    }
}

pub fn run(args: &VerifyArgs, out: &mut impl Write) -> Result<ExitCode, Fail> {
    let key = key(args)?;
    let key = key.as_deref();
    let files = files(args);
    let mut entries = Vec::new();
    let mut cut = false;
    for (i, f) in files.iter().enumerate() {
        let name = f.display().to_string();
        let src = input::open(&name).map_err(on_file(&name))?;
        cut = chain::read_entries(i, BufReader::new(src), key, &mut entries)
            .map_err(on_file(&name))?;
    }
    let last_file = files.last().expect("at least one file");
    let head_file = args.head.clone().unwrap_or_else(|| head_path(last_file));
    let head = match std::fs::read_to_string(&head_file) {
        Ok(text) => match chain::parse_head(key, &text) {
            Ok(h) => Some(h),
            Err(why) => {
                writeln!(out, "{}: head file not trusted: {why}", head_file.display())?;
                return Ok(ExitCode::from(1));
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && args.head.is_none() => {
            eprintln!(
                "logfort: no head file {}: records cut from the end cannot be detected",
                head_file.display()
            );
            None
        }
        Err(e) => return Err(Fail::Msg(format!("{}: {e}", head_file.display()))),
    };
    let start = if args.partial {
        Start::Anywhere
    } else {
        Start::Genesis
    };
    match chain::verify(&entries, start, head.as_ref(), cut) {
        Ok(v) => {
            writeln!(
                out,
                "intact: {} record(s), seq {} to {}, in {} file(s){}",
                v.records,
                if v.records == 0 {
                    0
                } else {
                    v.last.seq + 1 - v.records
                },
                v.last.seq,
                files.len(),
                if key.is_some() { ", HMAC" } else { "" }
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Err(p) => {
            let seq = p.seq.map_or(String::new(), |s| format!(" (seq {s})"));
            writeln!(
                out,
                "{}:{}: {}{seq}: {}",
                display(&files[p.file]),
                p.line,
                p.kind,
                p.detail
            )?;
            Ok(ExitCode::from(1))
        }
    }
}

fn display(p: &Path) -> String {
    p.display().to_string()
}
