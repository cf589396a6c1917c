//! `logfort validate`: checks each record of a file against the core's
//! schemas (the built-in base and record-type schemas, and the custom
//! ones of a configuration), reports every violation with its line and
//! sums them up by field. Exit status 1 when any record violates one.

use crate::{input, malformed, on_file, or_stdin, rec, Fail};
use clap::Args;
use logfort_core::schema::Validator;
use logfort_core::{Config, Level, LogType, Record, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct ValidateArgs {
    /// Files to check (`-` or none: standard input)
    pub files: Vec<String>,
    /// A configuration document whose `schema` section applies (custom
    /// schemas); the built-in schemas otherwise
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Members the record itself carries, not caller fields.
const STRUCTURE: [&str; 8] = [
    "timestamp",
    "@timestamp",
    "time",
    "level",
    "log.level",
    "severity",
    "logger",
    "message",
];

/// The line as the record the validator checks, and what is wrong with
/// its structure (time, level, message) before any schema applies.
fn to_record(obj: &Value, problems: &mut Vec<String>) -> Record {
    let present = |keys: &[&str]| keys.iter().any(|k| rec::get(obj, k).is_some());
    let level = rec::level(obj);
    if !present(&["level", "log.level", "severity", "severityText"]) {
        problems.push("level: is required (record)".into());
    } else if level.is_none() {
        problems.push(
            "level: must be one of TRACE, DEBUG, INFO, NOTICE, WARNING, ERROR, CRITICAL (record)"
                .into(),
        );
    }
    if !present(&["timestamp", "@timestamp", "time", "timeUnixNano"]) {
        problems.push("timestamp: is required (record)".into());
    } else if rec::timestamp(obj).is_none() {
        problems.push("timestamp: must be an RFC 3339 time (record)".into());
    }
    if !present(&["message", "body"]) {
        problems.push("message: is required (record)".into());
    } else if rec::message(obj).is_none() {
        problems.push("message: must be a string (record)".into());
    }
    let mut r = Record::new(
        level.unwrap_or(Level::Info),
        rec::logger(obj).unwrap_or(""),
        rec::message(obj).unwrap_or(""),
    );
    if let Some(t) = rec::timestamp(obj) {
        r.time = std::time::UNIX_EPOCH + std::time::Duration::from_micros(t.max(0) as u64);
    }
    match rec::field(obj, "log_type") {
        None => {}
        Some(Value::Str(t)) if LogType::parse(t).is_some() => r.log_type = LogType::parse(t),
        Some(_) => problems
            .push("log_type: must be audit, security, performance or business (record)".into()),
    }
    let mut push = |k: &str, v: &Value| {
        if !STRUCTURE.contains(&k) && k != "log_type" {
            r.fields.push((k.to_owned(), v.clone()));
        }
    };
    if let Value::Object(members) = obj {
        for (k, v) in members {
            match (k.as_str(), v) {
                ("labels", Value::Object(inner)) => inner.iter().for_each(|(k, v)| push(k, v)),
                ("attributes", Value::Array(attrs)) => {
                    for a in attrs {
                        if let (Some(k), Some(v)) =
                            (a.get("key").and_then(Value::as_str), a.get("value"))
                        {
                            let v = match v {
                                Value::Object(m) if m.len() == 1 => &m[0].1,
                                other => other,
                            };
                            push(k, v);
                        }
                    }
                }
                _ => push(k, v),
            }
        }
    }
    r
}

pub fn run(args: &ValidateArgs, out: &mut impl Write) -> Result<ExitCode, Fail> {
    let config = match &args.config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| Fail::Msg(format!("{}: {e}", p.display())))?;
            Config::from_json(&text).map_err(|e| Fail::Msg(format!("{}: {e}", p.display())))?
        }
        None => Config::default(),
    };
    let validator = Validator::new(&config.schema);
    let (mut records, mut bad, mut malformed_lines) = (0u64, 0u64, 0u64);
    let mut by_field: BTreeMap<String, u64> = BTreeMap::new();
    let mut problems = Vec::new();
    for name in or_stdin(&args.files) {
        input::lines(&name, |no, line| {
            let obj = match rec::parse(line) {
                Ok(o) => o,
                Err(why) => {
                    malformed_lines += 1;
                    malformed(&name, no, &why);
                    return Ok(());
                }
            };
            records += 1;
            problems.clear();
            let r = to_record(&obj, &mut problems);
            validator.check(&r, &mut problems);
            if !problems.is_empty() {
                bad += 1;
            }
            for p in &problems {
                writeln!(out, "{name}:{no}: {p}")?;
                let field = p.split_once(": ").map_or(p.as_str(), |(f, _)| f);
                *by_field.entry(field.to_owned()).or_default() += 1;
            }
            Ok(())
        })
        .map_err(on_file(&name))?;
    }
    let skipped = if malformed_lines > 0 {
        format!(", {malformed_lines} malformed line(s) skipped")
    } else {
        String::new()
    };
    writeln!(out, "{records} record(s), {bad} with violations{skipped}")?;
    if !by_field.is_empty() {
        writeln!(out, "violations by field")?;
        let w = by_field
            .keys()
            .map(|k| k.chars().count())
            .max()
            .unwrap_or(0);
        for (f, n) in &by_field {
            writeln!(out, "  {f:<w$}  {n}")?;
        }
    }
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
