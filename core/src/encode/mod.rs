//! Encoders: one file per output profile. Each turns a (masked, validated)
//! record into exactly one line. The field layout rules every profile
//! shares (which ids come from where, how collisions are named) live here.

mod ecs;
mod gcp;
mod json;
pub mod known;
mod otel;
mod text;
pub mod write;

use crate::bytes::eq;
use crate::names::Names;
use crate::record::{Record, Value};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

pub use ecs::Ecs;
pub use gcp::Gcp;
pub use json::Json;
pub use otel::Otel;
pub use text::Text;

/// Output profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Json,
    /// Elastic Common Schema, as the ecs-logging libraries write it.
    Ecs,
    /// Google Cloud Logging structured logging.
    Gcp,
    /// One OTLP/JSON `LogRecord` per line.
    Otel,
    Text,
}

impl Format {
    pub const NAMES: &'static str = "\"json\", \"ecs\", \"gcp\", \"otel\" or \"text\"";

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Ecs => "ecs",
            Format::Gcp => "gcp",
            Format::Otel => "otel",
            Format::Text => "text",
        }
    }
}

impl FromStr for Format {
    type Err = ();
    fn from_str(s: &str) -> Result<Format, ()> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Ok(Format::Json),
            "ecs" | "elastic" => Ok(Format::Ecs),
            "gcp" | "stackdriver" | "cloud-logging" => Ok(Format::Gcp),
            "otel" | "otlp" | "opentelemetry" => Ok(Format::Otel),
            "text" | "console" | "pretty" => Ok(Format::Text),
            _ => Err(()),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a logger stamps on every record: from configuration, fixed for
/// the logger's life.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Meta {
    pub service: Option<String>,
    pub environment: Option<String>,
    pub version: Option<String>,
    /// Written as `schema_version` when schema validation is on.
    pub schema_version: Option<String>,
    /// Google Cloud project id: the `gcp` profile writes trace ids as
    /// `projects/<id>/traces/<trace>` when it is set.
    pub gcp_project: Option<String>,
}

pub trait Encoder: Send + Sync {
    /// Appends the record as one line, newline included. (`&mut`: an
    /// encoder keeps what it worked out from the last record's keys.)
    fn encode(&mut self, rec: &Record, out: &mut Vec<u8>);
}

/// The encoder for a profile. `color` only matters to `text`.
pub fn encoder(format: Format, meta: Meta, color: bool) -> Box<dyn Encoder> {
    match format {
        Format::Json => Box::new(Json::new(meta)),
        Format::Ecs => Box::new(Ecs::new(meta)),
        Format::Gcp => Box::new(Gcp::new(meta)),
        Format::Otel => Box::new(Otel::new(meta)),
        Format::Text => Box::new(Text::new(meta, color)),
    }
}

/// Keys a field may not keep as given: the id slots, in `PROMOTED`
/// order; the other keys the record itself writes (with the ids, the
/// `RESERVED` ones); then the context's own body members.
const SPECIAL: [&str; 22] = [
    "correlation_id",
    "request_id",
    "trace_id",
    "span_id",
    "timestamp",
    "level",
    "logger",
    "message",
    "correlation_id_rejected",
    "service",
    "environment",
    "version",
    "log_type",
    "file",
    "line",
    "function",
    "exception",
    "stack_trace",
    "schema_version",
    "schema_errors",
    "user_id",
    "session_id",
];

/// Ids a caller may also pass as plain fields (as hand-written filters
/// did); a field fills the slot when the context leaves it empty.
const PROMOTED: &[&str] = SPECIAL.split_at(4).0;

/// Keys the record itself writes; a caller field with one of these names
/// is written as `field_<name>` instead of clashing.
const RESERVED: &[&str] = SPECIAL.split_at(20).0;

fn is_reserved(k: &str) -> bool {
    special_index(k, slot_of(k.as_bytes())).is_some_and(|i| i < RESERVED.len())
}

/// The record as profiles see it: the id slots resolved, and the body
/// (bound context fields, then the caller's fields) without clashes.
pub struct View<'a> {
    pub rec: &'a Record,
    scan: Option<Scan>,
}

/// What one pass over the keys of a common record (at most `SCANNED`
/// fields, no bound context fields) tells every later lookup, so that a
/// plain key is placed once rather than compared with every special name
/// at every use.
#[derive(Clone, Copy, Debug)]
struct Scan {
    /// Bit `i`: the key of field `i` is one the body treats specially (a
    /// reserved name, an id slot, `user_id` or `session_id`).
    special: u16,
    /// The last field named after each id slot (`PROMOTED` order).
    ids: [Option<u8>; 4],
    /// The keys are distinct and none starts with `field_`: the body
    /// needs no renaming bookkeeping.
    simple: bool,
}

const SCANNED: usize = 16;

/// A name's slot in `SPECIAL_SLOTS`, from its length and its first and
/// last bytes: these tell every special name apart, so a key is placed
/// without reading it whole.
const fn slot_of(k: &[u8]) -> usize {
    let [first, .., last] = k else {
        return match k {
            [only] => *only as usize,
            _ => 0,
        };
    };
    let x = k.len() as u64 | (*first as u64) << 8 | (*last as u64) << 16;
    (x.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56) as usize
}

/// `SPECIAL`'s names by `slot_of`, plus one: a key whose slot is empty
/// is plain without a comparison, and one whose slot is full is compared
/// with that one name. (No two of the names share a slot; the build
/// fails if an edit makes two do so.)
const SPECIAL_SLOTS: [u8; 256] = {
    let mut slots = [0u8; 256];
    let mut i = 0;
    while i < SPECIAL.len() {
        let slot = slot_of(SPECIAL[i].as_bytes());
        assert!(slots[slot] == 0, "two special names share a slot");
        slots[slot] = i as u8 + 1;
        i += 1;
    }
    slots
};

/// The index in `SPECIAL` of `k`, whose `slot_of` is `slot`.
#[inline]
fn special_index(k: &str, slot: usize) -> Option<usize> {
    let i = (SPECIAL_SLOTS[slot] as usize).checked_sub(1)?;
    eq(SPECIAL[i].as_bytes(), k.as_bytes()).then_some(i)
}

impl Scan {
    /// Whether a record is scanned: at most `SCANNED` fields and no bound
    /// context fields (those are compared with every field instead).
    #[inline]
    fn applies(rec: &Record) -> bool {
        let bound = rec.context.as_deref().is_some_and(|c| !c.fields.is_empty());
        rec.fields.len() <= SCANNED && !bound
    }

    fn new(rec: &Record) -> Option<Scan> {
        if !Scan::applies(rec) {
            return None;
        }
        let mut scan = Scan {
            special: 0,
            ids: [None; 4],
            simple: true,
        };
        // A bit per `slot_of` of each key seen: a repeat is compared
        // only when its bit was already set.
        let mut seen = 0u64;
        for (i, (k, _)) in rec.fields.iter().enumerate() {
            let slot = slot_of(k.as_bytes());
            if let Some(at) = special_index(k, slot) {
                scan.special |= 1 << i;
                if let Some(id) = scan.ids.get_mut(at) {
                    *id = Some(i as u8);
                }
            }
            let bit = 1 << (slot % 64);
            let repeated = seen & bit != 0 && rec.fields[..i].iter().any(|(j, _)| j == k);
            if repeated || k.as_bytes().get(..6) == Some(b"field_") {
                scan.simple = false;
            }
            seen |= bit;
        }
        Some(scan)
    }

    fn special(&self, i: usize) -> bool {
        self.special & (1 << i) != 0
    }
}

/// The scan of the last record's keys, kept by an encoder: a record with
/// the same names, name by name, is not scanned again.
#[derive(Debug, Default)]
pub(crate) struct Scans {
    names: Names,
    last: Option<Scan>,
}

impl Scans {
    fn scan(&mut self, rec: &Record) -> Option<Scan> {
        if !Scan::applies(rec) {
            return None;
        }
        match self.last {
            Some(scan) if self.names.same(&rec.fields) => Some(scan),
            _ => {
                let scan = Scan::new(rec)?;
                self.names.set(&rec.fields);
                self.last = Some(scan);
                Some(scan)
            }
        }
    }
}

impl<'a> View<'a> {
    pub fn new(rec: &'a Record) -> View<'a> {
        View {
            rec,
            scan: Scan::new(rec),
        }
    }

    /// `new`, with the scan of the keys kept in `scans` when the record
    /// has the names the last one had.
    pub(crate) fn cached(rec: &'a Record, scans: &mut Scans) -> View<'a> {
        View {
            rec,
            scan: scans.scan(rec),
        }
    }

    #[inline]
    fn ctx_id(&self, name: &str) -> Option<&'a str> {
        let c = self.rec.context.as_deref()?;
        match name {
            "correlation_id" => c.correlation_id.as_deref(),
            "request_id" => c.request_id.as_deref(),
            "trace_id" => c.trace_id.as_deref(),
            "span_id" => c.span_id.as_deref(),
            _ => None,
        }
    }

    /// One of the id slots (`correlation_id`, `request_id`, `trace_id`,
    /// `span_id`): from the context, else from a string field of that name.
    #[inline]
    pub fn id(&self, name: &str) -> Option<&'a str> {
        self.ctx_id(name).or_else(|| {
            let field = match &self.scan {
                Some(scan) => {
                    let slot = PROMOTED.iter().position(|p| *p == name)?;
                    Some(&self.rec.fields[scan.ids[slot]? as usize].1)
                }
                None => self.rec.get(name),
            };
            field.and_then(Value::as_str)
        })
    }

    pub fn correlation_id_rejected(&self) -> bool {
        self.rec
            .context
            .as_deref()
            .is_some_and(|c| c.correlation_id_rejected)
    }

    pub fn trace_flags(&self) -> Option<u8> {
        self.rec.context.as_deref().and_then(|c| c.trace_flags)
    }

    /// Calls `f` for each body member in order: context `user_id`,
    /// `session_id` and bound fields (unless the record overrides them),
    /// then the record's fields. Keys are unique: a key already written
    /// (a caller's own `field_level` after a renamed `level`, or a key
    /// given twice) becomes `field_<key>`, so no value is shadowed.
    pub fn each_field(&self, mut f: impl FnMut(&str, &Value)) {
        if let Some(fields) = self.own_fields() {
            for (k, v) in fields {
                f(&k, v);
            }
            return;
        }
        let mut emit = |k: &str, b: Body<'_>| match b {
            Body::Id(s) => f(k, &Value::Str(s.to_owned())),
            Body::Val(v) => f(k, v),
        };
        // Collisions need a repeated key or one already named `field_*`;
        // the common record has neither and needs no bookkeeping.
        let simple = match self.scan {
            Some(scan) => scan.simple,
            None => {
                let mut keys = [""; 16];
                let (mut n, mut simple) = (0, true);
                self.walk(|k, _, _| {
                    if simple {
                        simple =
                            n < keys.len() && !k.starts_with("field_") && !keys[..n].contains(&k);
                        keys[n.min(keys.len() - 1)] = k;
                        n += 1;
                    }
                });
                simple
            }
        };
        if simple {
            self.walk(|k, b, special| {
                if special {
                    emit(&body_key(k), b)
                } else {
                    emit(k, b)
                }
            });
        } else {
            let mut seen: Vec<Cow<'a, str>> = Vec::new();
            self.walk(|k, b, _| emit(unique(&mut seen, body_key(k)), b));
        }
    }

    /// The body of the common record (no context user or session id, no
    /// bound fields, no repeated key or `field_` one): its own fields, in
    /// order, each under the key the body writes. `None` for any other
    /// record, whose body `each_field` works out.
    #[inline]
    pub fn own_fields(&self) -> Option<impl Iterator<Item = (Cow<'a, str>, &'a Value)> + '_> {
        let scan = self.scan?;
        let ctx_ids = self
            .rec
            .context
            .as_deref()
            .is_some_and(|c| c.user_id.is_some() || c.session_id.is_some());
        let fields = self.rec.fields.iter().enumerate();
        (scan.simple && !ctx_ids).then(move || {
            fields.filter_map(move |(i, (_, v))| {
                let (k, special) = self.field_entry(i)?;
                Some((
                    if special {
                        body_key(k)
                    } else {
                        Cow::Borrowed(k)
                    },
                    v,
                ))
            })
        })
    }

    /// The body members with their keys as given, in order, each with
    /// whether its key may be special (reserved, or an id slot).
    fn walk(&self, mut g: impl FnMut(&'a str, Body<'a>, bool)) {
        let rec = self.rec;
        let special = |i: usize| self.scan.is_none_or(|s| s.special(i));
        let overridden = |k: &str| {
            rec.fields
                .iter()
                .enumerate()
                .any(|(i, (rk, _))| special(i) && rk == k)
        };
        if let Some(c) = rec.context.as_deref() {
            for (k, v) in [("user_id", &c.user_id), ("session_id", &c.session_id)] {
                if let Some(v) = v {
                    if !overridden(k) {
                        g(k, Body::Id(v), false);
                    }
                }
            }
            for (k, v) in &c.fields {
                // A record with bound fields is not scanned: `overridden`
                // compares every field.
                if !overridden(k) {
                    g(k, Body::Val(v), true);
                }
            }
        }
        for (i, (_, v)) in rec.fields.iter().enumerate() {
            if let Some((k, special)) = self.field_entry(i) {
                g(k, Body::Val(v), special);
            }
        }
    }

    /// Field `i`'s key as the body has it before renaming, and whether
    /// it may be special; `None` when the field is an id written in its
    /// slot instead.
    #[inline(always)]
    fn field_entry(&self, i: usize) -> Option<(&'a str, bool)> {
        let (k, v) = &self.rec.fields[i];
        if self.scan.is_some_and(|s| !s.special(i)) {
            return Some((k, false));
        }
        let in_slot =
            PROMOTED.contains(&k.as_str()) && self.ctx_id(k).is_none() && v.as_str().is_some();
        (!in_slot).then_some((k, true))
    }
}

/// A body member's value: a context id (a string) or a field's value.
#[derive(Clone, Copy)]
enum Body<'a> {
    Id(&'a str),
    Val(&'a Value),
}

/// `k`, or `field_<k>` (repeated) while an earlier body key has that name.
fn unique<'s, 'k>(seen: &'s mut Vec<Cow<'k, str>>, mut k: Cow<'k, str>) -> &'s str {
    while seen.contains(&k) {
        k = Cow::Owned(format!("field_{k}"));
    }
    seen.push(k);
    &seen[seen.len() - 1]
}

/// A caller's key as the body writes it: reserved names get `field_`.
fn body_key(k: &str) -> Cow<'_, str> {
    if is_reserved(k) {
        Cow::Owned(format!("field_{k}"))
    } else {
        Cow::Borrowed(k)
    }
}

#[cfg(test)]
mod tests;
