//! `Capture`: a record filled field by field at the call. It is written
//! into the calling thread's ring when it fits (see `ring`), otherwise into
//! a pooled record, and either way `send` queues it in order with the
//! thread's other records. The hot paths of the bindings use it.
//!
//! What a binding calls for every record is `#[inline]` here and in the
//! ring: across crates that is what lets a binding's call compile into
//! one function. (`lf_log_kv` runs 1,112 instructions a call on the
//! DESIGN.md workload, counted with callgrind `--toggle-collect=lf_log_kv`,
//! leaving out the allocation of the thread's rings.)

use crate::bytes::lossy;
use crate::context::Context;
use crate::error::Result;
use crate::level::Level;
use crate::logger::Logger;
use crate::record::{Exception, LogType, Record};
use crate::ring::{Scalar, Writing};
use crate::stamp::{nanos_of, Stamp};
use crate::value::Value;
use std::sync::Arc;
use std::time::SystemTime;

/// A record being captured; see `Logger::capture`. Nothing is queued
/// until `send`.
pub struct Capture<'a> {
    logger: &'a Logger,
    stamp: Stamp,
    log_type: Option<LogType>,
    to: To,
}

enum To {
    /// The level is disabled: every call does nothing.
    Off,
    Ring(Writing),
    Record(Box<Record>),
}

impl Logger {
    /// Starts a record stamped with the current time.
    #[inline]
    pub fn capture(&self, level: Level, logger: &str, message: &str) -> Capture<'_> {
        match self.enabled(level) {
            true => self.capture_stamp(self.stamp(), level, logger, message),
            false => self.unstarted(),
        }
    }

    /// Starts a record stamped with a time the caller already has. Under
    /// schema policy `strict` it is a pooled record, validated by `send`.
    #[inline]
    pub fn capture_at(
        &self,
        time: SystemTime,
        level: Level,
        logger: &str,
        message: &str,
    ) -> Capture<'_> {
        match self.enabled(level) {
            true => self.capture_stamp(Stamp::Nanos(nanos_of(time)), level, logger, message),
            false => self.unstarted(),
        }
    }

    /// `capture` from bytes that should be UTF-8 (C strings), checked as
    /// they are copied into the ring: invalid sequences become U+FFFD, and
    /// the flag says whether any did.
    #[inline(always)]
    pub fn capture_bytes(
        &self,
        level: Level,
        logger: &[u8],
        message: &[u8],
    ) -> (Capture<'_>, bool) {
        let mut c = self.unstarted();
        let bad = c.start_bytes(level, logger, message);
        (c, bad)
    }

    /// A capture that records nothing: what a disabled level gets, and
    /// what `Capture::start_bytes` starts. A hot caller keeps it in place:
    /// moving a capture just filled costs a stalled copy of the ring
    /// entry's bookkeeping.
    #[inline(always)]
    pub fn unstarted(&self) -> Capture<'_> {
        self.capture_to(Stamp::Nanos(0), To::Off)
    }

    /// A capture of an enabled level.
    #[inline]
    fn capture_stamp(
        &self,
        stamp: Stamp,
        level: Level,
        logger: &str,
        message: &str,
    ) -> Capture<'_> {
        let ring = if self.strict() {
            None
        } else {
            self.open_ring(stamp, level)
        };
        let to = match ring.and_then(|mut w| w.names(logger, message).then_some(w)) {
            Some(w) => To::Ring(w),
            None => To::Record(self.record_at(stamp.time(), level, logger, message)),
        };
        self.capture_to(stamp, to)
    }

    #[inline]
    fn capture_to(&self, stamp: Stamp, to: To) -> Capture<'_> {
        Capture {
            logger: self,
            stamp,
            log_type: None,
            to,
        }
    }
}

impl Capture<'_> {
    /// Starts an unstarted capture (`Logger::unstarted`) as
    /// `Logger::capture_bytes` does; true when invalid sequences were
    /// replaced.
    #[inline(always)]
    pub fn start_bytes(&mut self, level: Level, logger: &[u8], message: &[u8]) -> bool {
        let l = self.logger;
        if !l.enabled(level) {
            return false;
        }
        self.stamp = l.stamp();
        if !l.strict() {
            if let Some(w) = l.open_ring(self.stamp, level) {
                // Filled where it stays: no copy of a just-written entry.
                self.to = To::Ring(w);
                if let To::Ring(w) = &mut self.to {
                    if w.names_bytes(logger, message) {
                        return false;
                    }
                }
                self.to = To::Off;
            }
        }
        self.start_lossy(level, logger, message)
    }

    #[cold]
    fn start_lossy(&mut self, level: Level, logger: &[u8], message: &[u8]) -> bool {
        let ((logger, bad_logger), (message, bad_message)) = (lossy(logger), lossy(message));
        *self = self
            .logger
            .capture_stamp(self.stamp, level, &logger, &message);
        bad_logger || bad_message
    }

    /// `str` (or `json`) from bytes that should be UTF-8, as
    /// `Logger::capture_bytes` takes them; true when invalid sequences
    /// were replaced.
    #[inline]
    pub fn text_bytes(&mut self, key: &[u8], value: &[u8], json: bool) -> bool {
        match &mut self.to {
            To::Off => false,
            To::Ring(w) => {
                !w.text_field_bytes(key, value, json) && self.lossy_text(key, value, json)
            }
            To::Record(_) => self.lossy_text(key, value, json),
        }
    }

    /// A number, bool or null field (a `Scalar` other than text) whose
    /// key is bytes that should be UTF-8; true when invalid sequences were
    /// replaced.
    #[inline]
    pub fn scalar_bytes(&mut self, key: &[u8], value: Scalar<'_>) -> bool {
        match &mut self.to {
            To::Off => false,
            To::Ring(w) => !w.scalar_field_bytes(key, value) && self.lossy_scalar(key, value),
            To::Record(_) => self.lossy_scalar(key, value),
        }
    }

    #[cold]
    fn lossy_scalar(&mut self, key: &[u8], value: Scalar<'_>) -> bool {
        let (key, bad) = lossy(key);
        self.field(&key, value);
        bad
    }

    #[cold]
    fn lossy_text(&mut self, key: &[u8], value: &[u8], json: bool) -> bool {
        let ((key, bad_key), (value, bad_value)) = (lossy(key), lossy(value));
        match json {
            true => self.json(&key, &value),
            false => self.str(&key, &value),
        }
        bad_key || bad_value
    }

    #[inline]
    pub fn str(&mut self, key: &str, value: &str) {
        self.field(key, Scalar::Str(value));
    }

    #[inline]
    pub fn int(&mut self, key: &str, value: i64) {
        self.field(key, Scalar::Int(value));
    }

    #[inline]
    pub fn uint(&mut self, key: &str, value: u64) {
        self.field(key, Scalar::UInt(value));
    }

    #[inline]
    pub fn float(&mut self, key: &str, value: f64) {
        self.field(key, Scalar::Float(value));
    }

    #[inline]
    pub fn bool(&mut self, key: &str, value: bool) {
        self.field(key, Scalar::Bool(value));
    }

    #[inline]
    pub fn null(&mut self, key: &str) {
        self.field(key, Scalar::Null);
    }

    /// A field whose value is JSON text, parsed (and masked) on the writer.
    #[inline]
    pub fn json(&mut self, key: &str, json: &str) {
        self.field(key, Scalar::Json(json));
    }

    #[inline]
    pub fn field(&mut self, key: &str, value: Scalar<'_>) {
        match &mut self.to {
            To::Off => {}
            To::Ring(w) => {
                if !w.field(key, value) {
                    self.spill().add(key, value.into());
                }
            }
            To::Record(rec) => match value {
                Scalar::Str(s) => rec.add_str(key, s),
                other => rec.add(key, other.into()),
            },
        }
    }

    /// Any value; one that is not a scalar moves the capture to a record.
    pub fn value(&mut self, key: &str, value: Value) {
        let scalar = match &value {
            Value::Null => Some(Scalar::Null),
            Value::Bool(b) => Some(Scalar::Bool(*b)),
            Value::Int(i) => Some(Scalar::Int(*i)),
            Value::UInt(u) => Some(Scalar::UInt(*u)),
            Value::Float(f) => Some(Scalar::Float(*f)),
            Value::Str(s) => Some(Scalar::Str(s)),
            Value::Raw(s) => Some(Scalar::Json(s)),
            Value::Array(_) | Value::Object(_) => None,
        };
        match (&mut self.to, scalar) {
            (To::Off, _) => {}
            (_, Some(s)) => self.field(key, s),
            (_, None) => self.spill().add(key, value),
        }
    }

    /// Where the call was made.
    pub fn location(&mut self, file: &str, line: u32, function: &str) {
        match &mut self.to {
            To::Off => {}
            To::Ring(w) => {
                if !w.location(file, line, function) {
                    self.spill_location(file, line, function);
                }
            }
            To::Record(_) => self.spill_location(file, line, function),
        }
    }

    fn spill_location(&mut self, file: &str, line: u32, function: &str) {
        let loc = self.spill().location_mut();
        loc.file.push_str(file);
        loc.line = line;
        loc.function.push_str(function);
    }

    pub fn log_type(&mut self, t: LogType) {
        self.log_type = Some(t);
        match &mut self.to {
            To::Off => {}
            To::Ring(w) => {
                if !w.log_type(t) {
                    self.spill().log_type = Some(t);
                }
            }
            To::Record(rec) => rec.log_type = Some(t),
        }
    }

    /// The context the record carries, instead of the calling thread's.
    pub fn context(&mut self, ctx: &Arc<Context>) {
        match &mut self.to {
            To::Off => {}
            To::Ring(w) => w.context(ctx),
            To::Record(rec) => rec.set_context(ctx),
        }
    }

    /// An exception; the capture moves to a record.
    pub fn exception(&mut self, e: Box<Exception>) {
        if !matches!(self.to, To::Off) {
            self.spill().exception = Some(e);
        }
    }

    /// A stack trace; the capture moves to a record.
    pub fn stack_trace(&mut self, trace: String) {
        if !matches!(self.to, To::Off) {
            self.spill().stack_trace = Some(trace);
        }
    }

    /// The capture as a pooled record, for a caller that queues it some
    /// other way; `None` when the level is disabled.
    pub fn into_record(mut self) -> Option<Box<Record>> {
        match &self.to {
            To::Off => None,
            _ => {
                self.spill();
                match std::mem::replace(&mut self.to, To::Off) {
                    To::Record(rec) => Some(rec),
                    _ => None,
                }
            }
        }
    }

    /// A JSON object (text) whose members become fields after the ones
    /// added so far; parsed on the writer. One per record: a second
    /// replaces the first.
    pub fn object(&mut self, json: &str) {
        match &mut self.to {
            To::Off => {}
            To::Ring(w) => {
                if !w.object(json) {
                    self.spill().raw_fields_mut().push_str(json);
                }
            }
            To::Record(rec) => rec.raw_fields_mut().push_str(json),
        }
    }

    /// Queues the record, as `Logger::log` does.
    #[inline(always)]
    pub fn send(mut self) -> Result<()> {
        self.queue()
    }

    /// `send` without moving the capture, which records nothing more
    /// afterwards: a hot caller keeps its capture in place (see
    /// `Logger::unstarted`).
    #[inline(always)]
    pub fn queue(&mut self) -> Result<()> {
        if let To::Ring(w) = &mut self.to {
            let sent = if !self.logger.allows(self.log_type) {
                Ok(())
            } else {
                let strip = !self.logger.config().include_correlation_id;
                match w.finish(strip, self.logger.rings()) {
                    true => Ok(()),
                    false => Err(self.logger.refused()),
                }
            };
            self.to = To::Off;
            return sent;
        }
        match std::mem::replace(&mut self.to, To::Off) {
            To::Record(rec) => self.logger.log(rec),
            To::Off | To::Ring(_) => Ok(()),
        }
    }

    /// Moves what the ring entry holds so far to a pooled record.
    fn spill(&mut self) -> &mut Record {
        if let To::Ring(w) = &self.to {
            // `to_record` sets the time, the level and the names.
            let mut rec = self
                .logger
                .record_at(SystemTime::UNIX_EPOCH, crate::Level::Info, "", "");
            w.to_record(&mut rec);
            if let Some(ctx) = w.given_context() {
                rec.set_context(&ctx);
            }
            self.to = To::Record(rec);
        }
        match &mut self.to {
            To::Record(rec) => rec,
            _ => unreachable!("spill is called on a live capture"),
        }
    }
}
