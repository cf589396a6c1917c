//! Walks a record: every string the encoders write goes through the
//! masker, and every member under a sensitive key is replaced whole.

use super::detectors::SENSITIVE_KEY;
use super::style::MASK;
use super::Masker;
use crate::bytes::{assign, eq};
use crate::bytes::{key_hash, text_hash};
use crate::context::Context;
use crate::names::Names;
use crate::record::Record;
use crate::value::{Value, MAX_DEPTH};
use std::borrow::Cow;
use std::sync::Arc;

/// What one writer has worked out before. Masking is a pure function of
/// the text and the rules, and logs repeat themselves: field names from
/// record to record, messages written from a template, values such as a
/// path or a status. Each table is direct-mapped by hash, so a lookup is
/// one hash and one comparison, and an entry whose slot another took is
/// simply worked out again. Every masking is still counted: a remembered
/// text adds the counts its scan added.
///
/// - keys: whether a key is sensitive (only keys the detectors leave
///   untouched are kept);
/// - texts: strings up to `TEXT_MAX` bytes and what they became;
/// - the last context that needed no masking: a context bound once is
///   shared by every record of a request, and the `Arc` held here keeps
///   its address from being reused by another.
///
/// A remembered masked text is lent to the record rather than copied
/// into it when it is the message or a field's own value: the buffers
/// are swapped, and swapped back by `restore` once the record is
/// written. The record's memory then goes back to its caller as the
/// caller left it, not written by the writer. While lent, an entry
/// serves no other string.
#[derive(Debug, Default)]
pub struct Memo {
    enabled: bool,
    keys: Vec<Option<(u64, Box<str>, bool)>>,
    texts: Vec<Option<Text>>,
    clean_context: Option<Arc<Context>>,
    /// The last record's field names when the detectors left every one
    /// as it was, and which were sensitive (bit `i`: `fields[i]`'s): a
    /// record with the same names needs no key lookups.
    names: Names,
    sensitive: u64,
    names_known: bool,
    /// Texts lent to the record being masked: where, and which slot.
    lent: Vec<(Spot, usize)>,
    /// Counts per rule not yet added to the masker's counters (`publish`):
    /// a remembered text replays its counts here, not as atomic adds.
    pending: Vec<u64>,
}

/// Where in a record a lent text sits.
#[derive(Debug, Clone, Copy)]
pub enum Spot {
    Message,
    /// The value of `fields[i]`.
    Field(usize),
}

/// A string scanned before: its hash and text, what it became (`None`:
/// unchanged), and the count per rule its scan added.
#[derive(Debug, Default)]
struct Text {
    hash: u64,
    text: String,
    masked: Option<String>,
    counts: Vec<(usize, u64)>,
    /// `masked` is out in a record (see `Memo`).
    lent: bool,
}

/// Slots in the key table and in the text table (powers of two).
const KEY_SLOTS: usize = 1024;
const TEXT_SLOTS: usize = 512;
/// Longest string remembered: longer ones are rarely repeated.
const TEXT_MAX: usize = 512;

impl Memo {
    pub fn new() -> Memo {
        Memo {
            enabled: true,
            keys: vec![None; KEY_SLOTS],
            texts: (0..TEXT_SLOTS).map(|_| None).collect(),
            clean_context: None,
            names: Names::default(),
            sensitive: 0,
            names_known: false,
            lent: Vec::new(),
            pending: Vec::new(),
        }
    }

    fn get(&self, h: u64, k: &str) -> Option<bool> {
        match self.keys.get(h as usize & (KEY_SLOTS - 1)) {
            Some(Some((sh, sk, sensitive))) if *sh == h && eq(sk.as_bytes(), k.as_bytes()) => {
                Some(*sensitive)
            }
            _ => None,
        }
    }

    fn put(&mut self, h: u64, k: &str, sensitive: bool) {
        if let Some(slot) = self.keys.get_mut(h as usize & (KEY_SLOTS - 1)) {
            *slot = Some((h, k.into(), sensitive));
        }
    }
}

/// `string`, remembering what short strings became; a remembered masked
/// text is lent rather than copied when `spot` says where `s` sits.
/// Inlined where it is called, all but the masking of a new text
/// (`remember`): a call per string cost a sixth of the stage.
#[inline(always)]
fn text(m: &Masker, s: &mut String, cache: &mut Memo, spot: Option<Spot>) -> bool {
    if !cache.enabled || s.len() > TEXT_MAX {
        return string(m, s);
    }
    let h = text_hash(s.as_bytes());
    let i = h as usize & (TEXT_SLOTS - 1);
    let Some(slot) = cache.texts.get_mut(i) else {
        return string(m, s);
    };
    if slot.as_ref().is_some_and(|t| t.lent) {
        return string(m, s);
    }
    if let Some(seen) = slot
        .as_mut()
        .filter(|t| t.hash == h && eq(t.text.as_bytes(), s.as_bytes()))
    {
        for &(rule, n) in &seen.counts {
            add_pending(&mut cache.pending, rule, n);
        }
        return match &mut seen.masked {
            Some(masked) => {
                match spot {
                    Some(spot) => {
                        std::mem::swap(s, masked);
                        seen.lent = true;
                        cache.lent.push((spot, i));
                    }
                    None => assign(s, masked),
                }
                true
            }
            None => false,
        };
    }
    remember(m, s, slot, h)
}

/// `text` for a string not remembered: masked, and remembered in `slot`.
#[inline(never)]
fn remember(m: &Masker, s: &mut String, slot: &mut Option<Text>, h: u64) -> bool {
    let entry = slot.get_or_insert_with(Text::default);
    entry.counts.clear();
    let counts = &mut entry.counts;
    let out = m.mask_counted(s, &mut |rule, n| {
        if n > 0 {
            m.add(rule, n);
            counts.push((rule, n));
        }
    });
    entry.hash = h;
    assign(&mut entry.text, s);
    match out {
        Cow::Borrowed(_) => {
            entry.masked = None;
            false
        }
        Cow::Owned(o) => {
            assign(entry.masked.get_or_insert_with(String::new), &o);
            assign(s, &o);
            true
        }
    }
}

/// Replaces `s` by its masked form when anything matched; true if so.
/// The masked text is copied into the record's own buffer: records are
/// reused by their callers (`Logger::record`), and memory the writer
/// allocated would otherwise travel to them and be freed there.
fn string(m: &Masker, s: &mut String) -> bool {
    match m.mask_str(s) {
        Cow::Borrowed(_) => false,
        Cow::Owned(o) => {
            assign(s, &o);
            true
        }
    }
}

fn add_pending(pending: &mut Vec<u64>, rule: usize, n: u64) {
    if pending.len() <= rule {
        pending.resize(rule + 1, 0);
    }
    pending[rule] += n;
}

/// Adds the counts `cache` holds to the masker's counters.
pub fn publish(m: &Masker, cache: &mut Memo) {
    for (rule, n) in cache.pending.iter_mut().enumerate() {
        m.add(rule, std::mem::take(n));
    }
}

/// Takes back the texts `record` lent to `rec` (see `Memo`). An entry
/// whose text cannot be found where it was lent is forgotten.
pub fn restore(rec: &mut Record, cache: &mut Memo) {
    for (spot, i) in cache.lent.drain(..) {
        let s = match spot {
            Spot::Message => Some(&mut rec.message),
            Spot::Field(f) => match rec.fields.get_mut(f) {
                Some((_, Value::Str(s))) => Some(s),
                _ => None,
            },
        };
        let Some(slot) = cache.texts.get_mut(i) else {
            continue;
        };
        match (s, slot.as_mut().and_then(|t| t.masked.as_mut())) {
            (Some(s), Some(masked)) => {
                std::mem::swap(s, masked);
                if let Some(t) = slot {
                    t.lent = false;
                }
            }
            _ => *slot = None,
        }
    }
}

pub fn record(m: &Masker, rec: &mut Record, cache: &mut Memo) {
    text(m, &mut rec.message, cache, Some(Spot::Message));
    fields(m, &mut rec.fields, cache);
    if let Some(ctx) = &rec.context {
        let seen = cache
            .clean_context
            .as_ref()
            .is_some_and(|c| Arc::ptr_eq(c, ctx));
        if !seen {
            match context(m, ctx) {
                Some(masked) => rec.context = Some(Arc::new(masked)),
                None if cache.enabled => cache.clean_context = Some(ctx.clone()),
                None => {}
            }
        }
    }
    if let Some(e) = &mut rec.exception {
        string(m, &mut e.message);
        if let Some(t) = &mut e.traceback {
            string(m, t);
        }
    }
    if let Some(t) = &mut rec.stack_trace {
        string(m, t);
    }
    for e in &mut rec.schema_errors {
        string(m, e);
    }
}

/// Object members (or a record's fields) at `depth`.
fn members(m: &Masker, ms: &mut [(String, Value)], depth: usize, cache: &mut Memo) -> bool {
    let mut changed = false;
    for (k, v) in ms {
        changed |= member(m, k, v, depth, cache, None);
    }
    changed
}

/// Most fields whose sensitivity `Memo::sensitive` holds.
const KNOWN_FIELDS: usize = 64;

/// A record's own fields. When they have the names the last record had
/// (and the detectors changed none of those), which are sensitive is
/// known without a lookup per name.
fn fields(m: &Masker, fields: &mut [(String, Value)], cache: &mut Memo) {
    if cache.names_known && cache.names.same(fields) {
        let sensitive = cache.sensitive;
        for (i, (_, v)) in fields.iter_mut().enumerate() {
            under(
                m,
                v,
                sensitive >> i & 1 != 0,
                0,
                cache,
                Some(Spot::Field(i)),
            );
        }
        return;
    }
    let (mut sensitive, mut kept) = (0u64, cache.enabled && fields.len() <= KNOWN_FIELDS);
    for (i, (k, v)) in fields.iter_mut().enumerate() {
        let (is, key_masked) = key(m, k, cache);
        under(m, v, is, 0, cache, Some(Spot::Field(i)));
        sensitive |= (is as u64) << (i % KNOWN_FIELDS);
        kept &= !key_masked;
    }
    cache.names_known = kept;
    if kept {
        cache.names.set(fields);
        cache.sensitive = sensitive;
    }
}

/// `spot`: where `v` sits when it is a field's own value.
fn member(
    m: &Masker,
    k: &mut String,
    v: &mut Value,
    depth: usize,
    cache: &mut Memo,
    spot: Option<Spot>,
) -> bool {
    let (sensitive, key_masked) = key(m, k, cache);
    under(m, v, sensitive, depth, cache, spot) | key_masked
}

/// Whether a member's key is sensitive, and whether the key itself held
/// something the detectors masked (it is masked in place then).
fn key(m: &Masker, k: &mut String, cache: &mut Memo) -> (bool, bool) {
    let h = key_hash(k);
    if let Some(sensitive) = cache.get(h, k) {
        return (sensitive, false);
    }
    let sensitive = m.is_sensitive_key(k);
    if string(m, k) {
        return (sensitive, true);
    }
    if cache.enabled {
        cache.put(h, k, sensitive);
    }
    (sensitive, false)
}

/// The value of a member whose key is `sensitive` or not: replaced whole,
/// or masked where it holds something the detectors find.
#[inline(always)]
fn under(
    m: &Masker,
    v: &mut Value,
    sensitive: bool,
    depth: usize,
    cache: &mut Memo,
    spot: Option<Spot>,
) -> bool {
    if sensitive {
        if v.as_str() == Some(MASK) {
            return false;
        }
        match v {
            Value::Str(s) => assign(s, MASK),
            _ => *v = Value::Str(MASK.to_owned()),
        }
        if cache.enabled {
            add_pending(&mut cache.pending, SENSITIVE_KEY, 1);
        } else {
            m.add(SENSITIVE_KEY, 1);
        }
        true
    } else {
        // Most values are strings or scalars: no call through the
        // recursive walk.
        match v {
            Value::Str(s) => text(m, s, cache, spot),
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::UInt(_) | Value::Float(_) => {
                false
            }
            _ => value(m, v, depth, cache, spot),
        }
    }
}

/// A value at `depth` (a field's own value is at 0). Structures deeper
/// than the encoders write are cut here the same way, so nothing that
/// reaches an output escapes the walk.
fn value(m: &Masker, v: &mut Value, depth: usize, cache: &mut Memo, spot: Option<Spot>) -> bool {
    match v {
        Value::Str(s) => text(m, s, cache, spot),
        Value::Raw(s) => text(m, s, cache, None),
        Value::Array(_) | Value::Object(_) if depth >= MAX_DEPTH => {
            *v = Value::Str("[depth limit]".to_owned());
            true
        }
        Value::Array(items) => {
            let mut changed = false;
            for item in items {
                changed |= value(m, item, depth + 1, cache, None);
            }
            changed
        }
        Value::Object(ms) => members(m, ms, depth + 1, cache),
        Value::Null | Value::Bool(_) | Value::Int(_) | Value::UInt(_) | Value::Float(_) => false,
    }
}

/// The masked copy of a context, or `None` when nothing in it changed:
/// the shared snapshot is then kept, and nothing is cloned.
fn context(m: &Masker, ctx: &Context) -> Option<Context> {
    let slot = |name: &str, v: &Option<String>| -> Option<Option<String>> {
        let s = v.as_deref()?;
        if m.is_sensitive_key(name) {
            return (s != MASK).then(|| {
                m.add(SENSITIVE_KEY, 1);
                Some(MASK.to_owned())
            });
        }
        match m.mask_str(s) {
            Cow::Owned(o) => Some(Some(o)),
            Cow::Borrowed(_) => None,
        }
    };
    let correlation_id = slot("correlation_id", &ctx.correlation_id);
    let request_id = slot("request_id", &ctx.request_id);
    let trace_id = slot("trace_id", &ctx.trace_id);
    let span_id = slot("span_id", &ctx.span_id);
    let user_id = slot("user_id", &ctx.user_id);
    let session_id = slot("session_id", &ctx.session_id);
    let fields = members_cow(m, &ctx.fields, 0);
    let unchanged = correlation_id.is_none()
        && request_id.is_none()
        && trace_id.is_none()
        && span_id.is_none()
        && user_id.is_none()
        && session_id.is_none()
        && fields.is_none();
    if unchanged {
        return None;
    }
    let mut c = ctx.clone();
    for (dst, new) in [
        (&mut c.correlation_id, correlation_id),
        (&mut c.request_id, request_id),
        (&mut c.trace_id, trace_id),
        (&mut c.span_id, span_id),
        (&mut c.user_id, user_id),
        (&mut c.session_id, session_id),
    ] {
        if let Some(n) = new {
            *dst = n;
        }
    }
    if let Some(f) = fields {
        c.fields = f;
    }
    Some(c)
}

/// Copy-on-write form of `members`: `None` when nothing changed.
fn members_cow(m: &Masker, ms: &[(String, Value)], depth: usize) -> Option<Vec<(String, Value)>> {
    let mut out: Option<Vec<(String, Value)>> = None;
    for (i, (k, v)) in ms.iter().enumerate() {
        let new_v = if m.is_sensitive_key(k) {
            (v.as_str() != Some(MASK)).then(|| {
                m.add(SENSITIVE_KEY, 1);
                Value::Str(MASK.to_owned())
            })
        } else {
            value_cow(m, v, depth)
        };
        let new_k = match m.mask_str(k) {
            Cow::Owned(o) => Some(o),
            Cow::Borrowed(_) => None,
        };
        if new_v.is_none() && new_k.is_none() {
            if let Some(o) = &mut out {
                o.push((k.clone(), v.clone()));
            }
            continue;
        }
        let o = out.get_or_insert_with(|| ms[..i].to_vec());
        o.push((
            new_k.unwrap_or_else(|| k.clone()),
            new_v.unwrap_or_else(|| v.clone()),
        ));
    }
    out
}

/// Copy-on-write form of `value`.
fn value_cow(m: &Masker, v: &Value, depth: usize) -> Option<Value> {
    match v {
        Value::Str(s) | Value::Raw(s) => match m.mask_str(s) {
            Cow::Owned(o) => Some(Value::Str(o)),
            Cow::Borrowed(_) => None,
        },
        Value::Array(_) | Value::Object(_) if depth >= MAX_DEPTH => {
            Some(Value::Str("[depth limit]".to_owned()))
        }
        Value::Array(items) => {
            let mut out: Option<Vec<Value>> = None;
            for (i, item) in items.iter().enumerate() {
                match value_cow(m, item, depth + 1) {
                    Some(n) => out.get_or_insert_with(|| items[..i].to_vec()).push(n),
                    None => {
                        if let Some(o) = &mut out {
                            o.push(item.clone());
                        }
                    }
                }
            }
            out.map(Value::Array)
        }
        Value::Object(ms) => members_cow(m, ms, depth + 1).map(Value::Object),
        Value::Null | Value::Bool(_) | Value::Int(_) | Value::UInt(_) | Value::Float(_) => None,
    }
}
