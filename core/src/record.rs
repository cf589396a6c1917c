//! The record: everything the caller captured, owned, ready to cross the
//! queue. Nothing here encodes a line or allocates beyond the caller's own
//! data.

use std::sync::Arc;
use std::time::SystemTime;

pub use crate::context::Context;
pub use crate::level::Level;
pub use crate::value::Value;

/// What kind of record a helper produced; encoded as `log_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogType {
    Audit,
    Security,
    Performance,
    Business,
}

impl LogType {
    pub fn as_str(self) -> &'static str {
        match self {
            LogType::Audit => "audit",
            LogType::Security => "security",
            LogType::Performance => "performance",
            LogType::Business => "business",
        }
    }

    pub fn parse(s: &str) -> Option<LogType> {
        Some(match s {
            "audit" => LogType::Audit,
            "security" => LogType::Security,
            "performance" => LogType::Performance,
            "business" => LogType::Business,
            _ => return None,
        })
    }
}

/// Source location of the call.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub function: String,
}

/// An exception or error attached to the record.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Exception {
    pub type_name: String,
    pub message: String,
    pub traceback: Option<String>,
    /// Error code where the language has one (Node's `err.code`).
    pub code: Option<String>,
}

/// Most field slots a reused record keeps, and the largest key or
/// string value it keeps a buffer for.
const SPARE: usize = 32;
const SPARE_BYTES: usize = 1024;

#[derive(Clone, Debug)]
pub struct Record {
    pub time: SystemTime,
    pub level: Level,
    pub logger: String,
    pub message: String,
    /// The caller's fields, in insertion order.
    pub fields: Vec<(String, Value)>,
    /// A JSON object the caller already serialised; its members follow
    /// `fields`. Parsed on the writer thread.
    pub raw_fields: Option<String>,
    /// Correlation context captured at the call; `None` means "the calling
    /// thread's context" and is filled in by `Logger::log`.
    pub context: Option<Arc<Context>>,
    pub log_type: Option<LogType>,
    pub location: Option<Box<Location>>,
    pub exception: Option<Box<Exception>>,
    pub stack_trace: Option<String>,
    /// Set on the writer thread by schema validation (policy `annotate`).
    pub schema_errors: Vec<String>,
    /// The fields of the record's last use, emptied for `add_str` and
    /// `add` to refill (see `Logger::record`).
    pub(crate) spare: Vec<(String, Value)>,
    /// The `raw_fields` buffer of the last use, for `raw_fields_mut`.
    pub(crate) spare_raw: String,
    /// The `location` of the last use, for `location_mut`.
    pub(crate) spare_location: Option<Box<Location>>,
    /// The context of the last use, for `set_context`.
    pub(crate) spare_context: Option<Arc<Context>>,
}

/// Field slots a writer lends to the records whose fields it parses from
/// caller JSON: they stay in the writer's cache, where a record's own
/// slots, last touched a queue's length of records ago, would not.
#[derive(Default)]
pub(crate) struct Slots {
    fields: Vec<(String, Value)>,
    spare: Vec<(String, Value)>,
}

impl Record {
    /// A record stamped with the current time.
    pub fn new(level: Level, logger: impl Into<String>, message: impl Into<String>) -> Record {
        Record::new_at(SystemTime::now(), level, logger, message)
    }

    /// A record stamped with a time the caller already has.
    pub fn new_at(
        time: SystemTime,
        level: Level,
        logger: impl Into<String>,
        message: impl Into<String>,
    ) -> Record {
        Record {
            time,
            level,
            logger: logger.into(),
            message: message.into(),
            fields: Vec::new(),
            raw_fields: None,
            context: None,
            log_type: None,
            location: None,
            exception: None,
            stack_trace: None,
            schema_errors: Vec::new(),
            spare: Vec::new(),
            spare_raw: String::new(),
            spare_location: None,
            spare_context: None,
        }
    }

    /// Empties a written record for a new call, keeping its buffers, and
    /// stamps it (see `Logger::record`).
    pub(crate) fn reset(&mut self, time: SystemTime, level: Level, logger: &str, message: &str) {
        keep_slots(&mut self.fields, &mut self.spare);
        self.restamp(time, level, logger, message);
    }

    /// `reset` that leaves the fields where they are, for `Refill`.
    pub(crate) fn refill(
        &mut self,
        time: SystemTime,
        level: Level,
        logger: &str,
        message: &str,
    ) -> Refill<'_> {
        self.restamp(time, level, logger, message);
        Refill { rec: self, n: 0 }
    }

    /// Everything of `reset` but the fields.
    fn restamp(&mut self, time: SystemTime, level: Level, logger: &str, message: &str) {
        if let Some(raw) = self.raw_fields.take() {
            self.spare_raw = raw;
        }
        if let Some(ctx) = self.context.take() {
            self.spare_context = Some(ctx);
        }
        self.log_type = None;
        if let Some(loc) = self.location.take() {
            self.spare_location = Some(loc);
        }
        self.exception = None;
        self.stack_trace = None;
        self.schema_errors.clear();
        self.time = time;
        self.level = level;
        crate::bytes::assign(&mut self.logger, logger);
        crate::bytes::assign(&mut self.message, message);
    }

    /// Drops buffers too large to keep for reuse: one huge record must
    /// not pin its memory in the pool.
    pub(crate) fn trim(&mut self) {
        const KEEP: usize = 16 * 1024;
        for s in [&mut self.logger, &mut self.message, &mut self.spare_raw] {
            if s.capacity() > KEEP {
                *s = String::new();
            }
        }
        if self.fields.capacity() > 64 {
            self.fields = Vec::new();
        }
        if let Some(loc) = &self.location {
            if loc.file.capacity() > KEEP || loc.function.capacity() > KEEP {
                self.location = None;
            }
        }
    }

    /// Appends a string field, reusing a spare slot's buffers.
    pub fn add_str(&mut self, key: &str, value: &str) {
        let (mut k, mut v) = self.slot(key);
        match &mut v {
            Value::Str(s) => {
                s.clear();
                s.push_str(value);
            }
            _ => v = Value::Str(value.to_owned()),
        }
        k.clear();
        k.push_str(key);
        self.fields.push((k, v));
    }

    /// Appends a field, reusing a spare slot's key buffer.
    pub fn add(&mut self, key: &str, value: Value) {
        let (mut k, _) = self.slot(key);
        k.clear();
        k.push_str(key);
        self.fields.push((k, value));
    }

    fn slot(&mut self, key: &str) -> (String, Value) {
        match self.spare.pop() {
            Some(slot) => slot,
            None => {
                if self.fields.capacity() == 0 {
                    self.fields.reserve(8);
                }
                (String::with_capacity(key.len()), Value::Null)
            }
        }
    }

    /// `raw_fields`, emptied, to write caller JSON into: it reuses the
    /// buffer of the record's last use (see `Logger::record`).
    pub fn raw_fields_mut(&mut self) -> &mut String {
        let raw = self
            .raw_fields
            .get_or_insert_with(|| std::mem::take(&mut self.spare_raw));
        raw.clear();
        raw
    }

    /// Sets the context. The writer reads a context's ids from another
    /// core, so taking a reference on every call would move the line that
    /// holds the count between cores twice a record: a pooled record that
    /// carried the same context last time keeps its reference instead.
    pub fn set_context(&mut self, ctx: &Arc<Context>) {
        self.context = match self.spare_context.take() {
            Some(kept) if Arc::ptr_eq(&kept, ctx) => Some(kept),
            _ => Some(ctx.clone()),
        };
    }

    /// `location`, set and emptied, to fill in: it reuses the location of
    /// the record's last use (see `Logger::record`).
    pub fn location_mut(&mut self) -> &mut Location {
        let loc = self
            .location
            .get_or_insert_with(|| self.spare_location.take().unwrap_or_default());
        loc.file.clear();
        loc.line = 0;
        loc.function.clear();
        loc
    }

    pub fn field(mut self, key: impl Into<String>, value: impl Into<Value>) -> Record {
        if self.fields.capacity() == 0 {
            // Room for a typical call's fields at once: no regrowth on the
            // caller's thread.
            self.fields.reserve(8);
        }
        self.fields.push((key.into(), value.into()));
        self
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.fields
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Turns every piece of caller-serialised JSON into values, so that
    /// validation and masking see one uniform tree. Runs on the writer.
    /// The buffer kept goes back with the record to its caller.
    pub fn resolve_raw(&mut self) {
        if let Some(raw) = self.raw_fields.take() {
            if !crate::value::parse_object_into(&raw, &mut self.fields, &mut self.spare) {
                match Value::parse_json(&raw) {
                    Value::Object(members) => self.fields.extend(members),
                    Value::Null => {}
                    other => self.fields.push(("fields".to_owned(), other)),
                }
            }
            self.spare_raw = raw;
        }
        for (_, v) in &mut self.fields {
            // Scalars, most values, need no call.
            if matches!(v, Value::Raw(_) | Value::Array(_) | Value::Object(_)) {
                v.resolve_raw();
            }
        }
    }

    /// On the writer, before `resolve_raw`: a record whose fields are all
    /// caller JSON takes the writer's `slots` to parse them into, until
    /// `return_slots`. True when it took them.
    pub(crate) fn borrow_slots(&mut self, slots: &mut Slots) -> bool {
        if self.raw_fields.is_none() || !self.fields.is_empty() {
            return false;
        }
        std::mem::swap(&mut self.fields, &mut slots.fields);
        std::mem::swap(&mut self.spare, &mut slots.spare);
        true
    }

    /// Gives back, emptied for the next record, the slots `borrow_slots`
    /// took; the record gets its own back.
    pub(crate) fn return_slots(&mut self, slots: &mut Slots) {
        keep_slots(&mut self.fields, &mut self.spare);
        if self.fields.capacity() > 64 {
            self.fields = Vec::new();
        }
        std::mem::swap(&mut self.fields, &mut slots.fields);
        std::mem::swap(&mut self.spare, &mut slots.spare);
    }
}

/// Rewrites a record's fields where they lie, one after the other: a
/// record refilled again and again with fields of one shape (the writer's,
/// see `ring`) reuses every buffer and moves no slot. Fields left over
/// from the last use go to the spare slots when this is dropped.
pub(crate) struct Refill<'a> {
    rec: &'a mut Record,
    n: usize,
}

// Inlined into the ring decoder's loop: a call per field cost about a
// third of the field's decoding.
impl Refill<'_> {
    #[inline]
    pub fn str(&mut self, key: &str, value: &str) {
        self.put(key, |v| match v {
            Value::Str(s) => crate::bytes::assign(s, value),
            other => *other = Value::Str(value.to_owned()),
        });
    }

    #[inline]
    pub fn value(&mut self, key: &str, value: Value) {
        self.put(key, |v| match v {
            // A scalar holds nothing to free: replaced without a call to
            // its drop.
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::UInt(_) | Value::Float(_) => {
                std::mem::forget(std::mem::replace(v, value))
            }
            _ => *v = value,
        });
    }

    /// The JSON object the record's `raw_fields` hold.
    pub fn raw(&mut self) -> &mut String {
        self.rec.raw_fields_mut()
    }

    /// The record's location, emptied.
    pub fn location(&mut self) -> &mut Location {
        self.rec.location_mut()
    }

    pub fn log_type(&mut self, t: Option<LogType>) {
        self.rec.log_type = t;
    }

    #[inline(always)]
    fn put(&mut self, key: &str, set: impl FnOnce(&mut Value)) {
        let rec = &mut *self.rec;
        if self.n == rec.fields.len() {
            let slot = rec.spare.pop();
            rec.fields
                .push(slot.unwrap_or_else(|| (String::new(), Value::Null)));
        }
        let (k, v) = &mut rec.fields[self.n];
        crate::bytes::assign(k, key);
        set(v);
        self.n += 1;
    }
}

impl Drop for Refill<'_> {
    fn drop(&mut self) {
        keep_slots_after(self.n, &mut self.rec.fields, &mut self.rec.spare);
    }
}

/// Moves `fields` onto `spare` for reuse, last field first, so that `pop`
/// hands slots back in the order they were filled: a field finds its own.
fn keep_slots(fields: &mut Vec<(String, Value)>, spare: &mut Vec<(String, Value)>) {
    keep_slots_after(0, fields, spare);
}

/// `keep_slots` for the fields after the first `n`.
fn keep_slots_after(n: usize, fields: &mut Vec<(String, Value)>, spare: &mut Vec<(String, Value)>) {
    while fields.len() > n {
        let Some((k, v)) = fields.pop() else { break };
        if spare.len() < SPARE && k.capacity() <= SPARE_BYTES && v.reusable() {
            spare.push((k, v));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_clears_everything_and_refills_the_same_buffers() {
        let mut rec = Record::new(Level::Error, "first", "first message")
            .field("api_key", "secret-value")
            .field("n", 1);
        rec.raw_fields = Some("{\"a\":1}".into());
        rec.context = Some(Arc::new(Context::default()));
        rec.log_type = Some(LogType::Audit);
        rec.exception = Some(Box::default());
        rec.stack_trace = Some("stack".into());
        rec.schema_errors.push("err".into());
        let key_buf = rec.fields[0].0.as_ptr();

        rec.reset(SystemTime::now(), Level::Info, "second", "m");
        assert_eq!(
            (rec.level, &*rec.logger, &*rec.message),
            (Level::Info, "second", "m")
        );
        assert!(rec.fields.is_empty());
        assert!(rec.raw_fields.is_none() && rec.context.is_none() && rec.log_type.is_none());
        assert!(rec.exception.is_none() && rec.stack_trace.is_none());
        assert!(rec.schema_errors.is_empty());

        rec.add_str("user", "u-1");
        rec.add("n", Value::Int(2));
        rec.add_str("third", "new");
        assert_eq!(
            rec.fields,
            vec![
                ("user".to_owned(), Value::from("u-1")),
                ("n".to_owned(), Value::Int(2)),
                ("third".to_owned(), Value::from("new")),
            ]
        );
        // The first field's slot came back first, buffers and all.
        assert_eq!(rec.fields[0].0.as_ptr(), key_buf);
    }

    #[test]
    fn caller_json_is_parsed_once_and_its_buffer_reused() {
        let mut rec = Record::new(Level::Info, "l", "m");
        rec.raw_fields_mut().push_str(r#"{"a": 1, "b": "x"}"#);
        let buf = rec.raw_fields.as_ref().unwrap().as_ptr();
        rec.resolve_raw();
        rec.resolve_raw(); // a second call finds nothing left to parse
        assert_eq!(
            rec.fields,
            vec![
                ("a".to_owned(), Value::Int(1)),
                ("b".to_owned(), Value::from("x")),
            ]
        );
        rec.reset(SystemTime::now(), Level::Info, "l", "m");
        let raw = rec.raw_fields_mut();
        assert_eq!((raw.as_str(), raw.as_ptr()), ("", buf));
        raw.push_str("[1]");
        rec.resolve_raw();
        assert_eq!(
            rec.fields,
            vec![("fields".to_owned(), Value::Array(vec![Value::Int(1)]))]
        );
    }

    #[test]
    fn trim_and_reset_let_go_of_large_buffers() {
        let big = "x".repeat(100_000);
        let mut rec = Record::new(Level::Info, "l", big.clone()).field("k", big);
        rec.trim();
        assert_eq!(rec.message.capacity(), 0);
        rec.reset(SystemTime::now(), Level::Info, "l", "m");
        assert!(rec.spare.is_empty(), "a 100 kB value is not kept for reuse");
    }

    #[test]
    fn caller_json_is_parsed_into_the_writers_slots_and_they_come_back() {
        let mut slots = Slots::default();
        let mut rec = Record::new(Level::Info, "l", "m");
        rec.raw_fields_mut().push_str(r#"{"k":"v"}"#);
        assert!(rec.borrow_slots(&mut slots));
        rec.resolve_raw();
        assert_eq!(rec.fields, vec![("k".to_owned(), Value::from("v"))]);
        let key_buf = rec.fields[0].0.as_ptr();
        rec.return_slots(&mut slots);
        assert!(
            rec.fields.is_empty() && rec.spare.is_empty(),
            "its own, untouched"
        );
        assert!(slots.fields.is_empty() && !slots.spare.is_empty());

        // The next record's fields land in the same buffers.
        let mut next = Record::new(Level::Info, "l", "m");
        next.raw_fields_mut().push_str(r#"{"k":"w"}"#);
        assert!(next.borrow_slots(&mut slots));
        next.resolve_raw();
        assert_eq!(next.fields, vec![("k".to_owned(), Value::from("w"))]);
        assert_eq!(next.fields[0].0.as_ptr(), key_buf);
        next.return_slots(&mut slots);

        // Fields of the caller's own stay in the record's slots.
        let mut own = Record::new(Level::Info, "l", "m").field("a", 1);
        own.raw_fields_mut().push_str(r#"{"b":"x"}"#);
        assert!(!own.borrow_slots(&mut slots));
        own.resolve_raw();
        assert_eq!(own.fields.len(), 2);
    }

    #[test]
    fn a_pooled_record_keeps_its_context_reference_and_location_box() {
        let ctx = Arc::new(Context::default());
        let mut rec = Record::new(Level::Info, "l", "m");
        rec.set_context(&ctx);
        rec.location_mut().file.push_str("a.py");
        let loc = rec.location.as_deref().map(std::ptr::from_ref);
        assert_eq!(Arc::strong_count(&ctx), 2);

        rec.reset(SystemTime::now(), Level::Info, "l", "m");
        assert!(rec.context.is_none() && rec.location.is_none());
        rec.set_context(&ctx);
        assert_eq!(Arc::strong_count(&ctx), 2, "the kept reference is reused");
        assert_eq!(rec.location_mut().file, "");
        assert_eq!(rec.location.as_deref().map(std::ptr::from_ref), loc);

        let other = Arc::new(Context::default());
        rec.reset(SystemTime::now(), Level::Info, "l", "m");
        rec.set_context(&other);
        assert_eq!((Arc::strong_count(&ctx), Arc::strong_count(&other)), (1, 2));
    }
}
