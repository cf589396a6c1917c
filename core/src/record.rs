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
        }
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
    pub fn resolve_raw(&mut self) {
        if let Some(raw) = self.raw_fields.take() {
            match Value::parse_json(&raw) {
                Value::Object(members) => self.fields.extend(members),
                Value::Null => {}
                other => self.fields.push(("fields".to_owned(), other)),
            }
        }
        for (_, v) in &mut self.fields {
            v.resolve_raw();
        }
    }
}
