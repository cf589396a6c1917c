//! Correlation context: the ids that tie the records of one request
//! together, carried with each record. Rust and C callers use the
//! thread-scoped context; bindings pass their own per record.

use crate::value::Value;
use std::cell::RefCell;
use std::sync::Arc;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Context {
    pub correlation_id: Option<String>,
    /// The incoming id was hostile or malformed and was replaced.
    pub correlation_id_rejected: bool,
    pub request_id: Option<String>,
    pub trace_id: Option<String>,
    pub span_id: Option<String>,
    pub trace_flags: Option<u8>,
    pub user_id: Option<String>,
    pub session_id: Option<String>,
    /// Arbitrary bound fields, written before the record's own fields.
    pub fields: Vec<(String, Value)>,
}

/// Longest correlation id accepted from outside.
pub const MAX_CORRELATION_ID: usize = 128;

/// True when an incoming correlation id may be used as is:
/// 1–128 characters of `[A-Za-z0-9._:-]`.
pub fn is_valid_correlation_id(id: &str) -> bool {
    (1..=MAX_CORRELATION_ID).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// A fresh id: UUID v7, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().hyphenated().to_string()
}

/// Accepts an incoming id or replaces it; the flag says it was replaced.
/// The hostile value itself is never kept.
pub fn accept_correlation_id(incoming: Option<&str>) -> (String, bool) {
    match incoming {
        Some(id) if is_valid_correlation_id(id) => (id.to_owned(), false),
        Some(_) => (new_id(), true),
        None => (new_id(), false),
    }
}

impl Context {
    /// Sets one entry by name, as `lf_context_set` and the bindings spell
    /// them. Unknown names become bound fields. A correlation id is
    /// validated: a bad one is replaced and flagged.
    pub fn set(&mut self, key: &str, value: &str) {
        let v = Some(value.to_owned());
        match key {
            "correlation_id" => {
                let (id, rejected) = accept_correlation_id(Some(value));
                self.correlation_id = Some(id);
                self.correlation_id_rejected = rejected;
            }
            "request_id" => self.request_id = v,
            "trace_id" => self.trace_id = v,
            "span_id" => self.span_id = v,
            "user_id" => self.user_id = v,
            "session_id" => self.session_id = v,
            _ => {
                self.fields.retain(|(k, _)| k != key);
                self.fields
                    .push((key.to_owned(), Value::Str(value.to_owned())));
            }
        }
    }

    /// Removes one entry by the names `set` takes.
    pub fn remove(&mut self, key: &str) {
        match key {
            "correlation_id" => {
                self.correlation_id = None;
                self.correlation_id_rejected = false;
            }
            "request_id" => self.request_id = None,
            "trace_id" => self.trace_id = None,
            "span_id" => self.span_id = None,
            "user_id" => self.user_id = None,
            "session_id" => self.session_id = None,
            _ => self.fields.retain(|(k, _)| k != key),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Context::default()
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Context>>> = const { RefCell::new(None) };
}

/// The calling thread's context, if any (one refcount increment).
pub fn current() -> Option<Arc<Context>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Changes the calling thread's context; records already captured keep
/// the snapshot they took.
pub fn update_current(f: impl FnOnce(&mut Context)) {
    CURRENT.with(|c| {
        let mut slot = c.borrow_mut();
        let mut ctx = slot.as_deref().cloned().unwrap_or_default();
        f(&mut ctx);
        *slot = if ctx.is_empty() {
            None
        } else {
            Some(Arc::new(ctx))
        };
    })
}

pub fn set_current(ctx: Option<Arc<Context>>) {
    CURRENT.with(|c| *c.borrow_mut() = ctx);
}

pub fn clear_current() {
    set_current(None);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correlation_id_charset_and_length() {
        assert!(is_valid_correlation_id("abc-123_x.y:z"));
        assert!(is_valid_correlation_id(&"a".repeat(128)));
        assert!(!is_valid_correlation_id(&"a".repeat(129)));
        assert!(!is_valid_correlation_id(""));
        assert!(!is_valid_correlation_id("a\nb"));
        assert!(!is_valid_correlation_id("a\"b"));
        assert!(!is_valid_correlation_id("ü"));
    }

    #[test]
    fn hostile_ids_are_replaced_and_flagged() {
        let mut c = Context::default();
        c.set("correlation_id", "evil\"\n{}");
        let id = c.correlation_id.clone().unwrap();
        assert!(c.correlation_id_rejected);
        assert!(is_valid_correlation_id(&id) && !id.contains("evil"));
        assert_eq!(id.len(), 36);
        c.set("correlation_id", "good-1");
        assert_eq!(c.correlation_id.as_deref(), Some("good-1"));
        assert!(!c.correlation_id_rejected);
    }

    #[test]
    fn thread_context_is_per_thread() {
        update_current(|c| c.set("request_id", "r1"));
        assert_eq!(current().unwrap().request_id.as_deref(), Some("r1"));
        std::thread::spawn(|| assert!(current().is_none()))
            .join()
            .unwrap();
        update_current(|c| c.request_id = None);
        assert!(current().is_none());
    }
}
