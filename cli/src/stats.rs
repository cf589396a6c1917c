//! `logfort stats`: counts by level and by hour, the most frequent error
//! messages and the slowest operations (p50/p95/p99 of `duration_ms` by
//! `operation`). Lines are decoded into only the members these need;
//! a line the fast decoder refuses (a duplicate key, say) is read again
//! the general way before it is called malformed.

use crate::{input, malformed, on_file, or_stdin, rec, time, Fail};
use clap::Args;
use logfort_core::{Level, Value};
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Write;
use std::process::ExitCode;

#[derive(Args)]
pub struct StatsArgs {
    /// Files to read (`-` or none: standard input)
    pub files: Vec<String>,
    /// How many error messages and operations to list
    #[arg(long, default_value_t = 10)]
    pub top: usize,
}

/// A member the fast decoder keeps: a string, a number, or neither.
enum Scalar<'a> {
    Str(Cow<'a, str>),
    Num(f64),
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor(std::marker::PhantomData))
    }
}

struct ScalarVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for ScalarVisitor<'a> {
    type Value = Scalar<'a>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Scalar<'a>, E> {
        Ok(Scalar::Str(Cow::Borrowed(s)))
    }
    fn visit_str<E>(self, s: &str) -> Result<Scalar<'a>, E> {
        Ok(Scalar::Str(Cow::Owned(s.to_owned())))
    }
    fn visit_string<E>(self, s: String) -> Result<Scalar<'a>, E> {
        Ok(Scalar::Str(Cow::Owned(s)))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Scalar<'a>, E> {
        Ok(Scalar::Num(n as f64))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Scalar<'a>, E> {
        Ok(Scalar::Num(n as f64))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Scalar<'a>, E> {
        Ok(Scalar::Num(n))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Scalar<'a>, E> {
        Ok(Scalar::Other)
    }
    fn visit_unit<E>(self) -> Result<Scalar<'a>, E> {
        Ok(Scalar::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Scalar<'a>, A::Error> {
        while s.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Scalar<'a>, A::Error> {
        while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
}

impl Scalar<'_> {
    fn str(&self) -> Option<&str> {
        match self {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// The members of a json or gcp line the counters use (other profiles
/// keep them elsewhere and take the general path).
#[derive(Deserialize)]
struct Fast<'a> {
    #[serde(borrow)]
    timestamp: Option<Scalar<'a>>,
    #[serde(borrow)]
    time: Option<Scalar<'a>>,
    #[serde(borrow)]
    level: Option<Scalar<'a>>,
    #[serde(borrow)]
    severity: Option<Scalar<'a>>,
    #[serde(borrow)]
    logger: Option<Scalar<'a>>,
    #[serde(borrow)]
    message: Option<Scalar<'a>>,
    #[serde(borrow)]
    operation: Option<Scalar<'a>>,
    #[serde(borrow)]
    duration_ms: Option<Scalar<'a>>,
    #[serde(borrow)]
    log_type: Option<Scalar<'a>>,
    #[serde(borrow)]
    security_event: Option<Scalar<'a>>,
}

/// What one record contributes to the counts.
#[derive(Default)]
pub struct Facts<'a> {
    pub level: Option<Level>,
    pub time: Option<i64>,
    pub logger: Option<&'a str>,
    pub message: Option<&'a str>,
    pub operation: Option<&'a str>,
    pub duration_ms: Option<f64>,
    pub log_type: Option<&'a str>,
    pub security_event: Option<&'a str>,
}

fn opt_str<'x>(x: &'x Option<Scalar<'_>>) -> Option<&'x str> {
    x.as_ref().and_then(Scalar::str)
}

fn scalar_level(s: &Scalar<'_>) -> Option<Level> {
    match s {
        Scalar::Str(t) => t.parse().ok().or_else(|| Level::from_gcp(t)),
        Scalar::Num(n) => Some(Level::from_number(*n as i64)),
        Scalar::Other => None,
    }
}

/// Counters over every record read.
#[derive(Default)]
pub struct Tally {
    pub records: u64,
    pub malformed: u64,
    /// Index: position in `Level::ALL`, then 7 for records without one.
    pub levels: [u64; 8],
    /// Hour index (hours since the epoch) → records.
    pub hours: BTreeMap<i64, u64>,
    pub errors: HashMap<String, u64>,
    pub durations: HashMap<String, Vec<f64>>,
    pub log_types: BTreeMap<String, u64>,
    pub security_events: BTreeMap<String, u64>,
}

const HOUR: i64 = 3_600_000_000;

impl Tally {
    /// Reads every file given, reporting malformed lines.
    pub fn read(files: &[String]) -> Result<Tally, Fail> {
        let mut t = Tally::default();
        for name in or_stdin(files) {
            input::lines(&name, |no, line| {
                t.line(&name, no, line);
                Ok(())
            })
            .map_err(on_file(&name))?;
        }
        Ok(t)
    }

    fn line(&mut self, name: &str, no: u64, line: &[u8]) {
        let fast = std::str::from_utf8(line)
            .ok()
            .filter(|s| s.starts_with('{'))
            .and_then(|s| serde_json::from_str::<Fast<'_>>(s).ok())
            .filter(|f| f.timestamp.is_some() || f.time.is_some());
        if let Some(f) = fast {
            let time = f
                .timestamp
                .as_ref()
                .or(f.time.as_ref())
                .and_then(Scalar::str)
                .and_then(time::parse);
            let level = f
                .level
                .as_ref()
                .or(f.severity.as_ref())
                .and_then(scalar_level);
            let duration_ms = match &f.duration_ms {
                Some(Scalar::Num(n)) => Some(*n),
                Some(Scalar::Str(s)) => s.parse().ok(),
                _ => None,
            };
            let s = opt_str;
            self.add(&Facts {
                level,
                time,
                logger: s(&f.logger),
                message: s(&f.message),
                operation: s(&f.operation),
                duration_ms,
                log_type: s(&f.log_type),
                security_event: s(&f.security_event),
            });
            return;
        }
        match rec::parse(line) {
            Ok(obj) => self.add(&Facts {
                level: rec::level(&obj),
                time: rec::timestamp(&obj),
                logger: rec::logger(&obj),
                message: rec::message(&obj),
                operation: rec::field(&obj, "operation").and_then(Value::as_str),
                duration_ms: rec::duration_ms(&obj),
                log_type: rec::field(&obj, "log_type").and_then(Value::as_str),
                security_event: rec::field(&obj, "security_event").and_then(Value::as_str),
            }),
            Err(why) => {
                self.malformed += 1;
                malformed(name, no, &why);
            }
        }
    }

    pub fn add(&mut self, f: &Facts<'_>) {
        self.records += 1;
        let li = f
            .level
            .and_then(|l| Level::ALL.iter().position(|x| *x == l))
            .unwrap_or(7);
        self.levels[li] += 1;
        if let Some(t) = f.time {
            *self.hours.entry(t.div_euclid(HOUR)).or_default() += 1;
        }
        if f.level.is_some_and(|l| l >= Level::Error) {
            let m = f.message.unwrap_or("");
            match self.errors.get_mut(m) {
                Some(n) => *n += 1,
                None => {
                    self.errors.insert(m.to_owned(), 1);
                }
            }
        }
        if let Some(d) = f.duration_ms.filter(|d| d.is_finite()) {
            let op = f.operation.or(f.logger).unwrap_or("-");
            match self.durations.get_mut(op) {
                Some(v) => v.push(d),
                None => {
                    self.durations.insert(op.to_owned(), vec![d]);
                }
            }
        }
        for (map, key) in [
            (&mut self.log_types, f.log_type),
            (&mut self.security_events, f.security_event),
        ] {
            if let Some(k) = key {
                *map.entry(k.to_owned()).or_default() += 1;
            }
        }
    }

    /// (level name, count) for the levels present, most severe first.
    pub fn level_counts(&self) -> Vec<(&'static str, u64)> {
        let mut v: Vec<_> = (0..7)
            .rev()
            .map(|i| (Level::ALL[i].as_str(), self.levels[i]))
            .collect();
        v.push(("-", self.levels[7]));
        v.retain(|(_, n)| *n > 0);
        v
    }

    /// Most frequent error messages first (ties by message).
    pub fn top_errors(&self, n: usize) -> Vec<(&str, u64)> {
        let mut v: Vec<_> = self.errors.iter().map(|(m, c)| (m.as_str(), *c)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v.truncate(n);
        v
    }

    /// Per operation: summary of its durations, slowest p99 first.
    pub fn operations(&mut self) -> Vec<(String, Summary)> {
        let mut v: Vec<_> = self
            .durations
            .iter_mut()
            .map(|(op, d)| (op.clone(), Summary::of(d)))
            .collect();
        v.sort_by(|a, b| b.1.p99.total_cmp(&a.1.p99).then(a.0.cmp(&b.0)));
        v
    }
}

/// Nearest-rank percentiles of one operation's durations.
#[derive(Debug, PartialEq)]
pub struct Summary {
    pub count: usize,
    pub sum: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

impl Summary {
    pub fn of(d: &mut [f64]) -> Summary {
        d.sort_by(f64::total_cmp);
        let rank = |p: f64| d[((p * d.len() as f64).ceil() as usize).clamp(1, d.len()) - 1];
        Summary {
            count: d.len(),
            sum: d.iter().sum(),
            p50: rank(0.50),
            p95: rank(0.95),
            p99: rank(0.99),
            max: d[d.len() - 1],
        }
    }
}

/// Rows as columns: the first left-aligned, the others right-aligned.
fn table(out: &mut impl Write, rows: &[Vec<String>]) -> std::io::Result<()> {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            let pad = width[c] - cell.chars().count();
            line.push_str("  ");
            if c == 0 {
                line.push_str(cell);
                if c + 1 < r.len() {
                    line.push_str(&" ".repeat(pad));
                }
            } else {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            }
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

pub fn run(args: &StatsArgs, out: &mut impl Write) -> Result<ExitCode, Fail> {
    let mut t = Tally::read(&args.files)?;
    let skipped = match t.malformed {
        0 => String::new(),
        1 => " (1 malformed line skipped)".to_owned(),
        n => format!(" ({n} malformed lines skipped)"),
    };
    writeln!(out, "records: {}{skipped}", t.records)?;
    writeln!(out, "\nby level")?;
    let rows: Vec<_> = t
        .level_counts()
        .iter()
        .map(|(l, n)| vec![l.to_string(), n.to_string()])
        .collect();
    table(out, &rows)?;
    writeln!(out, "\nby hour (UTC)")?;
    let rows: Vec<_> = t
        .hours
        .iter()
        .map(|(h, n)| vec![format!("{}:00Z", time::hour(h * HOUR)), n.to_string()])
        .collect();
    table(out, &rows)?;
    writeln!(out, "\ntop error messages")?;
    let rows: Vec<_> = t
        .top_errors(args.top)
        .iter()
        .map(|(m, n)| vec![n.to_string(), m.to_string()])
        .collect();
    // Count first, then the message as it is.
    for r in &rows {
        let w = rows.iter().map(|r| r[0].len()).max().unwrap_or(0);
        writeln!(out, "  {:>w$}  {}", r[0], r[1])?;
    }
    writeln!(out, "\nslowest operations (duration_ms)")?;
    let mut rows = vec![["operation", "count", "p50", "p95", "p99", "max"]
        .map(String::from)
        .to_vec()];
    for (op, s) in t.operations().into_iter().take(args.top) {
        rows.push(vec![
            op,
            s.count.to_string(),
            s.p50.to_string(),
            s.p95.to_string(),
            s.p99.to_string(),
            s.max.to_string(),
        ]);
    }
    if rows.len() > 1 {
        table(out, &rows)?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut d: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        let s = Summary::of(&mut d);
        assert_eq!(
            (s.count, s.p50, s.p95, s.p99, s.max, s.sum),
            (100, 50.0, 95.0, 99.0, 100.0, 5050.0)
        );
        let s = Summary::of(&mut [7.5]);
        assert_eq!((s.p50, s.p99), (7.5, 7.5));
    }

    #[test]
    fn fast_and_general_decoding_agree() {
        let mut a = Tally::default();
        let line = br#"{"timestamp":"2026-11-23T08:59:59Z","level":"ERROR","logger":"db","message":"m","operation":"q","duration_ms":5}"#;
        a.line("f", 1, line);
        // A duplicate key makes the fast decoder refuse; the general one reads it.
        let dup = br#"{"timestamp":"2026-11-23T08:59:59Z","level":"ERROR","level":"ERROR","logger":"db","message":"m","operation":"q","duration_ms":"5"}"#;
        a.line("f", 2, dup);
        assert_eq!(a.records, 2);
        assert_eq!(a.malformed, 0);
        assert_eq!(a.level_counts(), [("ERROR", 2)]);
        assert_eq!(a.top_errors(5), [("m", 2)]);
        assert_eq!(a.durations["q"], [5.0, 5.0]);
        assert_eq!(a.hours.len(), 1);
    }
}
