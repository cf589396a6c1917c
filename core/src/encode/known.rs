//! What the schema-bound profiles (`ecs`, `gcp`, `otel`) share: the field
//! names callers commonly use for HTTP and identity facts, the value
//! shapes those facts must have before a schema field may carry them, and
//! the per-record bookkeeping that keeps output keys unique.
//!
//! A field whose value has the wrong shape (a `client_ip` that is not an
//! address, a `status` that is not an HTTP status) is never coerced: it is
//! written as an ordinary field, so nothing is lost and no backend rejects
//! the line for a type clash.

use crate::value::Value;
use std::borrow::Cow;
use std::net::{IpAddr, SocketAddr};

/// A fact a caller field may carry, by its (snake_case) name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Known {
    ClientIp,
    UserId,
    SessionId,
    HttpMethod,
    UrlPath,
    Url,
    Status,
    UserAgent,
    Referer,
    DurationMs,
}

impl Known {
    /// The fact a field name stands for, if any.
    pub fn of(key: &str) -> Option<Known> {
        Some(match key {
            "client_ip" | "remote_ip" => Known::ClientIp,
            "user_id" => Known::UserId,
            "session_id" => Known::SessionId,
            "http_method" | "request_method" => Known::HttpMethod,
            "request_path" => Known::UrlPath,
            "url" | "request_url" => Known::Url,
            "status_code" | "http_status" | "status" => Known::Status,
            "user_agent" => Known::UserAgent,
            "referer" | "referrer" => Known::Referer,
            "duration_ms" => Known::DurationMs,
            _ => return None,
        })
    }

    /// A bit per fact, so a record's first field for a fact wins and a
    /// second one (`http_method` and `request_method`) stays a plain field.
    pub fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// A non-empty string.
pub fn text(v: &Value) -> Option<&str> {
    v.as_str().filter(|s| !s.is_empty())
}

/// An IP address (optionally with a port), as schemas with an `ip` type
/// require.
pub fn ip(v: &Value) -> Option<&str> {
    text(v).filter(|s| s.parse::<IpAddr>().is_ok() || s.parse::<SocketAddr>().is_ok())
}

/// An integer HTTP status code.
pub fn status(v: &Value) -> Option<u16> {
    let n = match *v {
        Value::Int(i) => i,
        Value::UInt(u) => i64::try_from(u).ok()?,
        _ => return None,
    };
    (100..=599).contains(&n).then_some(n as u16)
}

/// A duration in milliseconds as whole nanoseconds: finite, not negative,
/// and small enough for a 64-bit count.
pub fn duration_nanos(v: &Value) -> Option<u64> {
    let ms = v.as_f64()?;
    let ns = (ms * 1e6).round();
    (ns.is_finite() && ns >= 0.0 && ns < u64::MAX as f64).then_some(ns as u64)
}

/// A W3C trace id (32 hex digits, not all zero) or span id (16), in
/// lower case as OTLP and Cloud Trace spell them.
pub fn hex_id(id: &str, len: usize) -> Option<Cow<'_, str>> {
    let ok = id.len() == len
        && id.bytes().all(|b| b.is_ascii_hexdigit())
        && id.bytes().any(|b| b != b'0');
    if !ok {
        None
    } else if id.bytes().any(|b| b.is_ascii_uppercase()) {
        Some(Cow::Owned(id.to_ascii_lowercase()))
    } else {
        Some(Cow::Borrowed(id))
    }
}

/// The keys one output object already holds. A caller's key that is
/// reserved by the profile or already taken is written as `field_<key>`
/// (repeated until free), the rule `View` applies to the record's own
/// names. Taken keys share one buffer: a few allocations per record
/// however many fields it has.
pub struct Keys {
    reserved: fn(&str) -> bool,
    buf: String,
    ends: Vec<usize>,
}

impl Keys {
    pub fn new(reserved: fn(&str) -> bool) -> Keys {
        Keys {
            reserved,
            buf: String::new(),
            ends: Vec::new(),
        }
    }

    fn taken(&self, k: &str) -> bool {
        let mut start = 0;
        self.ends.iter().any(|&end| {
            let hit = &self.buf[start..end] == k;
            start = end;
            hit
        })
    }

    /// Marks a key the profile writes itself as taken.
    pub fn take(&mut self, k: &str) {
        self.buf.push_str(k);
        self.ends.push(self.buf.len());
    }

    /// Whether `k` can still be written as is.
    pub fn is_free(&self, k: &str) -> bool {
        !(self.reserved)(k) && !self.taken(k)
    }

    /// The key to write for a caller's `k`, now taken.
    pub fn claim<'k>(&mut self, k: &'k str) -> Cow<'k, str> {
        let mut key = Cow::Borrowed(k);
        while !self.is_free(&key) {
            key = Cow::Owned(format!("field_{key}"));
        }
        self.take(&key);
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_gate_the_mapping() {
        assert_eq!(ip(&Value::from("10.0.0.1")), Some("10.0.0.1"));
        assert_eq!(ip(&Value::from("[::1]:8080")), Some("[::1]:8080"));
        assert_eq!(ip(&Value::from("2001:db8::1")), Some("2001:db8::1"));
        assert_eq!(ip(&Value::from("10.0.*.*")), None);
        assert_eq!(ip(&Value::Int(1)), None);
        assert_eq!(status(&Value::Int(404)), Some(404));
        assert_eq!(status(&Value::Int(42)), None);
        assert_eq!(status(&Value::from("200")), None);
        assert_eq!(duration_nanos(&Value::Float(12.5)), Some(12_500_000));
        assert_eq!(duration_nanos(&Value::Int(3)), Some(3_000_000));
        assert_eq!(duration_nanos(&Value::Float(-1.0)), None);
        assert_eq!(duration_nanos(&Value::Float(f64::NAN)), None);
        assert_eq!(duration_nanos(&Value::Float(1e300)), None);
        assert_eq!(text(&Value::from("")), None);
    }

    #[test]
    fn hex_ids_are_checked_and_lowered() {
        let t = "4BF92F3577B34DA6A3CE929D0E0E4736";
        assert_eq!(
            hex_id(t, 32).as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        assert_eq!(
            hex_id("00f067aa0ba902b7", 16).as_deref(),
            Some("00f067aa0ba902b7")
        );
        assert_eq!(hex_id(&"0".repeat(32), 32), None);
        assert_eq!(hex_id("00f067aa0ba902b", 16), None);
        assert_eq!(hex_id("00f067aa0ba902bz", 16), None);
    }

    #[test]
    fn clashing_keys_get_field_prefixes() {
        let mut keys = Keys::new(|k| k == "severity");
        keys.take("message");
        assert_eq!(keys.claim("a"), "a");
        assert_eq!(keys.claim("a"), "field_a");
        assert_eq!(keys.claim("a"), "field_field_a");
        assert_eq!(keys.claim("severity"), "field_severity");
        assert_eq!(keys.claim("message"), "field_message");
        assert!(!keys.is_free("field_message"));
        assert!(keys.is_free("b"));
    }
}
