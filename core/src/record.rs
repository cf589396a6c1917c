//! The record: everything the caller captured, owned, ready to cross the
//! queue. Nothing here formats or allocates beyond the caller's own data.

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
}

impl Record {
    /// A record stamped with the current time.
    pub fn new(level: Level, logger: impl Into<String>, message: impl Into<String>) -> Record {
        Record {
            time: SystemTime::now(),
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
        }
    }

    /// Empties a written record for the next call, keeping its buffers
    /// (see `Logger::record`).
    pub(crate) fn reset(&mut self, level: Level, logger: &str, message: &str) {
        self.time = SystemTime::now();
        self.level = level;
        self.logger.clear();
        self.logger.push_str(logger);
        self.message.clear();
        self.message.push_str(message);
        // Last field first onto the stack, so that `pop` hands slots back
        // in the order the last caller filled them: a field finds its own.
        while let Some((k, v)) = self.fields.pop() {
            if self.spare.len() < SPARE && k.capacity() <= SPARE_BYTES && v.reusable() {
                self.spare.push((k, v));
            }
        }
        if let Some(raw) = self.raw_fields.take() {
            self.spare_raw = raw;
        }
        self.context = None;
        self.log_type = None;
        self.location = None;
        self.exception = None;
        self.stack_trace = None;
        self.schema_errors.clear();
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
            v.resolve_raw();
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

        rec.reset(Level::Info, "second", "m");
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
        rec.reset(Level::Info, "l", "m");
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
        rec.reset(Level::Info, "l", "m");
        assert!(rec.spare.is_empty(), "a 100 kB value is not kept for reuse");
    }
}
