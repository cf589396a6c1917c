//! Correlation context: the ids that tie the records of one request
//! together, carried with each record. Rust and C callers use the
//! thread-scoped context; bindings pass their own per record.

use crate::local;
use crate::value::Value;
use std::fmt;
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

/// A random UUID v4, for callers whose ids must not reveal creation time.
pub fn new_uuid_v4() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
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

/// The ids a context holds in slots of their own, in slot order (see
/// `Context::ids`); every other name it binds is a field.
pub const IDS: [&str; 6] = [
    "correlation_id",
    "request_id",
    "trace_id",
    "span_id",
    "user_id",
    "session_id",
];

impl Context {
    /// The id slots, in `IDS` order.
    #[inline]
    pub fn ids(&self) -> [&Option<String>; 6] {
        [
            &self.correlation_id,
            &self.request_id,
            &self.trace_id,
            &self.span_id,
            &self.user_id,
            &self.session_id,
        ]
    }

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
            "traceparent" => self.set_trace(TraceParent::parse(value).as_ref()),
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
            "traceparent" => self.set_trace(None),
            "request_id" => self.request_id = None,
            "trace_id" => self.trace_id = None,
            "span_id" => self.span_id = None,
            "user_id" => self.user_id = None,
            "session_id" => self.session_id = None,
            _ => self.fields.retain(|(k, _)| k != key),
        }
    }

    /// The context of an incoming request, from its correlation-id and
    /// `traceparent` headers, as every binding's middleware builds it.
    ///
    /// - A valid correlation id is kept; a malformed or hostile one is
    ///   replaced by a fresh id and flagged `correlation_id_rejected`.
    /// - A valid `traceparent` sets `trace_id`, `span_id` (the caller's
    ///   span: logfort creates no spans, so records sit under the span
    ///   that called us) and `trace_flags`; an invalid one is ignored.
    /// - Without a correlation-id header, the trace id of a valid
    ///   `traceparent` serves as the correlation id, so logs and traces
    ///   of one request share one key; with neither, a UUID v7 is made.
    pub fn from_headers(correlation_id: Option<&str>, traceparent: Option<&str>) -> Context {
        let tp = traceparent.and_then(TraceParent::parse);
        let (id, rejected) = match (correlation_id, &tp) {
            (None, Some(tp)) => (tp.trace_id_hex(), false),
            (incoming, _) => accept_correlation_id(incoming),
        };
        let mut ctx = Context {
            correlation_id: Some(id),
            correlation_id_rejected: rejected,
            ..Context::default()
        };
        ctx.set_trace(tp.as_ref());
        ctx
    }

    /// Sets (or, with `None`, clears) the trace ids from a parsed header.
    pub fn set_trace(&mut self, tp: Option<&TraceParent>) {
        self.trace_id = tp.map(TraceParent::trace_id_hex);
        self.span_id = tp.map(TraceParent::parent_id_hex);
        self.trace_flags = tp.map(|t| t.flags);
    }

    /// The `traceparent` to send on an outgoing call: this context's trace
    /// with a new parent id. `None` when the context carries no valid trace.
    pub fn child_traceparent(&self) -> Option<TraceParent> {
        let trace_id =
            u128::from_be_bytes(parse_hex_id::<16>(self.trace_id.as_deref()?.as_bytes())?);
        (trace_id != 0).then(|| TraceParent {
            version: 0,
            trace_id,
            parent_id: new_span_id(),
            flags: self.trace_flags.unwrap_or(0) & TraceParent::SAMPLED,
        })
    }

    pub fn is_empty(&self) -> bool {
        *self == Context::default()
    }
}

/// A W3C Trace Context `traceparent` header
/// (`version-traceid-parentid-flags`, lowercase hex).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceParent {
    /// The version received; what we send is always version 00.
    pub version: u8,
    pub trace_id: u128,
    pub parent_id: u64,
    /// Only the flags version 00 defines (`sampled`); unknown bits are
    /// masked off on parsing, as the specification asks of version-00
    /// implementations that propagate them.
    pub flags: u8,
}

/// Length of a version-00 header.
const TRACEPARENT_LEN: usize = 55;

impl TraceParent {
    pub const SAMPLED: u8 = 0x01;

    /// Parses a header by the W3C rules: lowercase hex only; version `ff`
    /// invalid; version 00 exactly 55 characters; a later version may be
    /// longer if its first 55 characters parse and the next one is `-`;
    /// all-zero trace or parent ids invalid.
    pub fn parse(header: &str) -> Option<TraceParent> {
        let h = header.as_bytes();
        if h.len() < TRACEPARENT_LEN {
            return None;
        }
        let version = hex_byte(&h[0..2])?;
        match version {
            0xff => return None,
            0 if h.len() != TRACEPARENT_LEN => return None,
            _ if h.len() > TRACEPARENT_LEN && h[TRACEPARENT_LEN] != b'-' => return None,
            _ => {}
        }
        if h[2] != b'-' || h[35] != b'-' || h[52] != b'-' {
            return None;
        }
        let trace_id = u128::from_be_bytes(parse_hex_id::<16>(&h[3..35])?);
        let parent_id = u64::from_be_bytes(parse_hex_id::<8>(&h[36..52])?);
        let flags = hex_byte(&h[53..55])?;
        if trace_id == 0 || parent_id == 0 {
            return None;
        }
        Some(TraceParent {
            version,
            trace_id,
            parent_id,
            flags: flags & TraceParent::SAMPLED,
        })
    }

    /// A new trace with a random trace id and parent id.
    pub fn new_root(sampled: bool) -> TraceParent {
        TraceParent {
            version: 0,
            trace_id: uuid::Uuid::new_v4().as_u128(),
            parent_id: new_span_id(),
            flags: if sampled { TraceParent::SAMPLED } else { 0 },
        }
    }

    /// The same trace and flags under a new parent id: the header for a
    /// call this process makes.
    pub fn child(&self) -> TraceParent {
        TraceParent {
            version: 0,
            parent_id: new_span_id(),
            ..*self
        }
    }

    pub fn sampled(&self) -> bool {
        self.flags & TraceParent::SAMPLED != 0
    }

    pub fn trace_id_hex(&self) -> String {
        format!("{:032x}", self.trace_id)
    }

    pub fn parent_id_hex(&self) -> String {
        format!("{:016x}", self.parent_id)
    }
}

/// The header to send on: always version 00 (the version this code
/// knows), sampled bit only.
impl fmt::Display for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "00-{:032x}-{:016x}-{:02x}",
            self.trace_id,
            self.parent_id,
            self.flags & TraceParent::SAMPLED
        )
    }
}

/// A random, non-zero 64-bit span id. UUID v4 has 122 random bits; the
/// two halves' fixed bits sit at different positions, so their XOR is
/// random in every bit.
pub fn new_span_id() -> u64 {
    loop {
        let u = uuid::Uuid::new_v4().as_u128();
        let id = (u >> 64) as u64 ^ u as u64;
        if id != 0 {
            return id;
        }
    }
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

fn hex_byte(pair: &[u8]) -> Option<u8> {
    Some(hex_digit(pair[0])? << 4 | hex_digit(pair[1])?)
}

/// Exactly `2 * N` lowercase hex digits as `N` bytes.
fn parse_hex_id<const N: usize>(b: &[u8]) -> Option<[u8; N]> {
    if b.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = hex_byte(&b[2 * i..2 * i + 2])?;
    }
    Some(out)
}

/// The calling thread's context, if any (one refcount increment).
pub fn current() -> Option<Arc<Context>> {
    local::with(|l| l.context.borrow().clone()).flatten()
}

/// Runs `f` on the calling thread's context, if any, without taking a
/// reference to it.
pub fn with_current(f: impl FnOnce(&Arc<Context>)) {
    local::with(|l| {
        if let Some(ctx) = &*l.context.borrow() {
            f(ctx)
        }
    });
}

/// Changes the calling thread's context; records already captured keep
/// the snapshot they took.
pub fn update_current(f: impl FnOnce(&mut Context)) {
    local::with(|l| {
        let mut slot = l.context.borrow_mut();
        let mut ctx = slot.as_deref().cloned().unwrap_or_default();
        f(&mut ctx);
        *slot = if ctx.is_empty() {
            None
        } else {
            Some(Arc::new(ctx))
        };
    });
}

pub fn set_current(ctx: Option<Arc<Context>>) {
    local::with(|l| *l.context.borrow_mut() = ctx);
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

    const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
    const PARENT: &str = "00f067aa0ba902b7";

    #[test]
    fn traceparent_valid_cases() {
        // (header, version, flags kept)
        let cases = [
            (format!("00-{TRACE}-{PARENT}-01"), 0, 1),
            (format!("00-{TRACE}-{PARENT}-00"), 0, 0),
            // Unknown flag bits are masked, the sampled bit survives.
            (format!("00-{TRACE}-{PARENT}-09"), 0, 1),
            (format!("00-{TRACE}-{PARENT}-fe"), 0, 0),
            // A future version of exactly 55 characters parses as 00.
            (format!("cc-{TRACE}-{PARENT}-01"), 0xcc, 1),
            // A future version may carry more fields after a dash.
            (
                format!("01-{TRACE}-{PARENT}-03-what-the-future-holds"),
                1,
                1,
            ),
        ];
        for (h, version, flags) in cases {
            let tp = TraceParent::parse(&h).unwrap_or_else(|| panic!("{h} rejected"));
            assert_eq!((tp.version, tp.flags), (version, flags), "{h}");
            assert_eq!(tp.trace_id_hex(), TRACE);
            assert_eq!(tp.parent_id_hex(), PARENT);
            // What we send on is always version 00, sampled bit only.
            assert_eq!(tp.to_string(), format!("00-{TRACE}-{PARENT}-0{flags}"));
        }
    }

    #[test]
    fn traceparent_invalid_cases() {
        let upper_trace = TRACE.to_uppercase();
        let upper_parent = PARENT.to_uppercase();
        let cases = [
            String::new(),
            format!("ff-{TRACE}-{PARENT}-01"),
            format!("00-{upper_trace}-{PARENT}-01"),
            format!("00-{TRACE}-{upper_parent}-01"),
            format!("00-{TRACE}-{PARENT}-0A"),
            format!("0A-{TRACE}-{PARENT}-01"),
            format!("00-{}-{PARENT}-01", "0".repeat(32)),
            format!("00-{TRACE}-{}-01", "0".repeat(16)),
            // Version 00 is exactly 55 characters.
            format!("00-{TRACE}-{PARENT}-01-"),
            format!("00-{TRACE}-{PARENT}-01 "),
            format!(" 00-{TRACE}-{PARENT}-01"),
            // A longer future version needs a dash after the flags.
            format!("01-{TRACE}-{PARENT}-01x"),
            format!("00-{}-{PARENT}-01", &TRACE[1..]),
            format!("00-{TRACE}-{}-01", &PARENT[1..]),
            format!("00-{TRACE}-{PARENT}-1"),
            format!("00_{TRACE}_{PARENT}_01"),
            format!("00-{}g-{PARENT}-01", &TRACE[1..]),
            format!("00-{}é-{PARENT}-01", &TRACE[2..]),
            format!("0-0{TRACE}-{PARENT}-01"),
            format!("00-{TRACE}{PARENT}-01--"),
        ];
        for h in cases {
            assert_eq!(TraceParent::parse(&h), None, "{h:?} accepted");
        }
    }

    #[test]
    fn child_keeps_trace_and_flags_with_a_new_parent() {
        let tp = TraceParent::parse(&format!("00-{TRACE}-{PARENT}-01")).unwrap();
        let child = tp.child();
        assert_eq!((child.trace_id, child.flags), (tp.trace_id, 1));
        assert_ne!(child.parent_id, tp.parent_id);
        assert_ne!(child.parent_id, 0);
        let text = child.to_string();
        assert_eq!(TraceParent::parse(&text), Some(child));
        let root = TraceParent::new_root(false);
        assert!(!root.sampled() && root.trace_id != 0 && root.parent_id != 0);
        assert_eq!(TraceParent::parse(&root.to_string()), Some(root));
    }

    #[test]
    fn from_headers_accepts_replaces_and_falls_back() {
        let tp = format!("00-{TRACE}-{PARENT}-01");
        let c = Context::from_headers(Some("req-42"), Some(&tp));
        assert_eq!(c.correlation_id.as_deref(), Some("req-42"));
        assert!(!c.correlation_id_rejected);
        assert_eq!(c.trace_id.as_deref(), Some(TRACE));
        assert_eq!(c.span_id.as_deref(), Some(PARENT));
        assert_eq!(c.trace_flags, Some(1));

        let hostile = "x\r\nSet-Cookie: a=b\"".to_owned() + &"A".repeat(10_000);
        let c = Context::from_headers(Some(&hostile), Some("garbage"));
        let id = c.correlation_id.clone().unwrap();
        assert!(c.correlation_id_rejected);
        assert_eq!(id.len(), 36);
        assert!(is_valid_correlation_id(&id));
        assert_eq!((c.trace_id, c.span_id, c.trace_flags), (None, None, None));

        // No correlation header: the trace id ties logs to the trace.
        let c = Context::from_headers(None, Some(&tp));
        assert_eq!(c.correlation_id.as_deref(), Some(TRACE));
        assert!(!c.correlation_id_rejected);

        let c = Context::from_headers(None, None);
        assert_eq!(c.correlation_id.unwrap().len(), 36);
        assert!(!c.correlation_id_rejected && c.trace_id.is_none());
    }

    #[test]
    fn child_traceparent_for_outgoing_calls() {
        let c = Context::from_headers(None, Some(&format!("00-{TRACE}-{PARENT}-01")));
        let out = c.child_traceparent().unwrap().to_string();
        assert!(out.starts_with(&format!("00-{TRACE}-")) && out.ends_with("-01"));
        assert!(!out.contains(PARENT));
        assert_eq!(Context::default().child_traceparent(), None);
        let bad = Context {
            trace_id: Some("not-hex".into()),
            ..Context::default()
        };
        assert_eq!(bad.child_traceparent(), None);
    }

    #[test]
    fn set_traceparent_by_name() {
        let mut c = Context::default();
        c.set("traceparent", &format!("00-{TRACE}-{PARENT}-01"));
        assert_eq!(c.trace_id.as_deref(), Some(TRACE));
        c.set("traceparent", "00-bogus");
        assert_eq!((c.trace_id, c.span_id, c.trace_flags), (None, None, None));
    }

    proptest::proptest! {
        #[test]
        fn traceparent_round_trips(trace in 1u128.., parent in 1u64.., flags: u8) {
            let tp = TraceParent { version: 0, trace_id: trace, parent_id: parent, flags: flags & 1 };
            let text = tp.to_string();
            proptest::prop_assert_eq!(text.len(), 55);
            proptest::prop_assert_eq!(TraceParent::parse(&text), Some(tp));
        }

        #[test]
        fn any_header_parses_or_is_refused_without_panic(h in "\\PC{0,80}") {
            if let Some(tp) = TraceParent::parse(&h) {
                proptest::prop_assert!(tp.trace_id != 0 && tp.parent_id != 0 && tp.version != 0xff);
                proptest::prop_assert_eq!(&h[3..35], tp.trace_id_hex());
            }
        }

        #[test]
        fn from_headers_never_keeps_an_invalid_id(id in "\\PC{0,200}") {
            let c = Context::from_headers(Some(&id), None);
            let got = c.correlation_id.unwrap();
            proptest::prop_assert!(is_valid_correlation_id(&got));
            proptest::prop_assert_eq!(got == id, !c.correlation_id_rejected);
        }
    }

    #[test]
    fn uuid_v4_ids() {
        let id = new_uuid_v4();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_ne!(id, new_uuid_v4());
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
