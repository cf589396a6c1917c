//! Per-thread byte rings, the cheapest way to capture a record.
//!
//! A pooled `Record` costs its caller a cache miss on every buffer it
//! refills, because the writer touched those buffers last. A `Capture`
//! instead copies the record's strings and scalars into a ring that only
//! its thread writes, and queues just the entry's position. The writer
//! decodes each entry into one record of its own, which stays in its
//! cache, and then hands the space back.
//!
//! Entries travel the same queue as boxed records, so per-thread order,
//! flush and overflow work as they do for those. A record that does not
//! fit goes the boxed way instead, like a full ring, schema policy
//! `strict`, or a value that is not a scalar.
//!
//! An entry is a 24-byte header followed by items:
//! - header: `u32` length, `u8` level, `u8` flags, 2 spare bytes,
//!   `i64` nanoseconds since the epoch, `u64` context pointer (read only
//!   when `CONTEXT` is set);
//! - the logger's name and the message;
//! - one item per field: a `u8` kind, the key, then the value; the
//!   record's location and type are items without a key.
//!
//! Strings are a `u32` length and then the bytes. Numbers are native
//! endian, unaligned.

use crate::context::{self, Context};
use crate::level::Level;
use crate::record::{LogType, Record};
use crate::value::Value;
use parking_lot::Mutex;
use std::cell::{RefCell, UnsafeCell};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering::*};
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const HEADER: usize = 24;
/// Flag: the header carries the thread's new context.
const CONTEXT: u8 = 1;

const STR: u8 = 0;
const INT: u8 = 1;
const UINT: u8 = 2;
const FLOAT: u8 = 3;
const BOOL: u8 = 4;
const NULL: u8 = 5;
/// A value that is JSON text (`Value::Raw`).
const JSON: u8 = 6;
/// A JSON object whose members become fields (`Record::raw_fields`); it has
/// no key.
const OBJECT: u8 = 7;
/// `Record::location`: file, then line (`u32`), then function; no key.
const LOCATION: u8 = 8;
/// `Record::log_type`, by name; no key.
const LOG_TYPE: u8 = 9;

/// One thread's ring for one logger. The bytes before `released` belong to
/// the caller, the ones after it to queued entries the writer has not
/// decoded yet.
pub(crate) struct Ring {
    buf: NonNull<u8>,
    cap: usize,
    /// Monotonic end of the last entry the writer decoded. On its own line:
    /// the writer stores it for every entry, the caller reads it only when
    /// its copy says the ring is full.
    released: Padded<AtomicU64>,
    /// Monotonic end of the last entry queued, stored when the thread
    /// exits (`u64::MAX` while it lives): the ring can go once `released`
    /// reaches it.
    closed_at: AtomicU64,
    /// The writer's copy of the thread's context. Entries carry the
    /// context only when it changed, which spares an atomic reference
    /// count per record on a line both threads would touch.
    context: UnsafeCell<Option<Arc<Context>>>,
}

// SAFETY: the bytes are written by the owning thread and read by the
// writer at disjoint times, ordered by the queue (an entry is queued after
// it is written) and by `released` (space is reused after the writer has
// released it). `context` is touched only by the writer.
unsafe impl Send for Ring {}
// SAFETY: as above.
unsafe impl Sync for Ring {}

#[repr(align(128))]
struct Padded<T>(T);

impl Ring {
    fn new(cap: usize) -> Ring {
        assert!(
            cap.is_power_of_two(),
            "ring size {cap} is not a power of two"
        );
        let buf = Box::into_raw(vec![0u8; cap].into_boxed_slice());
        // The allocator hands out untouched pages, and the first write to
        // each would fault on whichever capture reaches it: hundreds of
        // slow calls after every growth, the caller's worst latencies.
        // Touch them all now, in the one capture that grows the ring.
        for page in (0..cap).step_by(4096) {
            // SAFETY: `page < cap`, inside the allocation; volatile, so
            // that the store of a zero to zeroed memory is not elided.
            unsafe { buf.cast::<u8>().add(page).write_volatile(0) };
        }
        Ring {
            // SAFETY: `Box::into_raw` never returns null.
            buf: unsafe { NonNull::new_unchecked(buf.cast()) },
            cap,
            released: Padded(AtomicU64::new(0)),
            closed_at: AtomicU64::new(u64::MAX),
            context: UnsafeCell::new(None),
        }
    }

    /// Where monotonic position `pos` falls in the buffer. Sizes are
    /// powers of two: a mask, not a division, on every capture.
    #[inline]
    fn index(&self, pos: u64) -> usize {
        (pos & (self.cap as u64 - 1)) as usize
    }

    /// The largest entry: `Logger::capture` reserves this much.
    fn entry_max(&self) -> usize {
        (self.cap / 8).min(4096)
    }

    fn finished(&self) -> bool {
        self.closed_at.load(Acquire) == self.released.0.load(Relaxed)
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        let slice = std::ptr::slice_from_raw_parts_mut(self.buf.as_ptr(), self.cap);
        // SAFETY: `buf` came from `Box::into_raw` of a slice of `cap` bytes.
        drop(unsafe { Box::from_raw(slice) });
    }
}

/// Bytes of a thread's first ring.
const FIRST: usize = 64 << 10;

/// The rings of one logger's callers. The registry keeps a ring alive
/// after its thread exits (or outgrows it), until the writer has decoded
/// its last entry.
pub(crate) struct Rings {
    all: Mutex<Vec<Arc<Ring>>>,
    /// The most bytes a ring grows to.
    max: usize,
}

impl Rings {
    /// A thread's ring starts at 64 KiB and doubles whenever it is full,
    /// up to about 256 bytes per queue slot (1 MiB for the default
    /// queue), so a thread that logs a little holds little.
    pub fn for_queue(capacity: usize) -> Rings {
        Rings {
            all: Mutex::new(Vec::new()),
            max: (capacity.saturating_mul(256))
                .next_power_of_two()
                .clamp(FIRST, 4 << 20),
        }
    }

    fn add(&self, cap: usize) -> Arc<Ring> {
        let ring = Arc::new(Ring::new(cap));
        self.all.lock().push(ring.clone());
        ring
    }

    /// Frees the rings of exited threads whose entries are all decoded.
    /// Writer only; skipped when a caller holds the lock.
    pub fn prune(&self) {
        if let Some(mut all) = self.all.try_lock() {
            all.retain(|r| !r.finished());
        }
    }
}

/// A queued entry: which ring, and where (monotonic) it starts.
pub(crate) struct Packed {
    ring: NonNull<Ring>,
    pos: u64,
}

impl Packed {
    /// Where the entry starts, for a prefetch.
    pub fn at(&self) -> *const u8 {
        // SAFETY: the ring outlives its queued entries (see `Packed`).
        let ring = unsafe { self.ring.as_ref() };
        ring.buf.as_ptr().wrapping_add(ring.index(self.pos))
    }
}

// SAFETY: the ring outlives every queued entry (`Rings` holds it until
// `released` passes its last one), and only the writer dereferences it.
unsafe impl Send for Packed {}

/// The calling thread's side of one ring.
struct Lane {
    owner: Weak<Rings>,
    ring: Arc<Ring>,
    /// Monotonic end of the last entry queued.
    head: u64,
    /// The caller's copy of `Ring::released`.
    released: u64,
    /// The context the writer holds for this ring (`Ring::context`), kept
    /// so that a pointer comparison with the thread's current one is sound.
    sent: Option<Arc<Context>>,
    /// A capture is open on this lane.
    busy: bool,
}

impl Lane {
    /// Where an entry of the largest size can start, if there is room.
    fn reserve(&mut self) -> Option<u64> {
        let (cap, max) = (self.ring.cap, self.ring.entry_max());
        let mut pos = self.head;
        let idx = self.ring.index(pos);
        if idx + max > cap {
            pos += (cap - idx) as u64;
        }
        if pos + max as u64 > self.released + cap as u64 {
            self.released = self.ring.released.0.load(Acquire);
            if pos + max as u64 > self.released + cap as u64 {
                return None;
            }
        }
        Some(pos)
    }

    /// Moves to a larger ring; the old one goes once its entries are
    /// decoded.
    fn grow(&mut self, bigger: Arc<Ring>) {
        let old = std::mem::replace(&mut self.ring, bigger);
        old.closed_at.store(self.head, Release);
        self.head = 0;
        self.released = 0;
        // The new ring's writer side holds no context yet.
        self.sent = None;
    }
}

impl Drop for Lane {
    fn drop(&mut self) {
        self.ring.closed_at.store(self.head, Release);
    }
}

thread_local! {
    /// This thread's lanes, one per logger it has captured into. Boxed so
    /// that an open capture's pointer survives the list growing.
    #[allow(clippy::vec_box)]
    static LANES: RefCell<Vec<Box<Lane>>> = const { RefCell::new(Vec::new()) };
}

/// An open entry: `len` bytes written so far at `buf`, at most `max`.
pub(crate) struct Writing {
    lane: NonNull<Lane>,
    /// A context the caller gave (`Writing::context`), used instead of the
    /// thread's: `None` when none was given, `Some(None)` when it is the
    /// one the writer holds already.
    context: Option<Option<Arc<Context>>>,
    buf: *mut u8,
    len: usize,
    max: usize,
    pos: u64,
}

impl Writing {
    /// Opens an entry in the calling thread's ring for `rings`, or `None`
    /// when the ring is full or busy, or the thread is exiting.
    #[inline]
    pub fn open(rings: &Arc<Rings>, time: SystemTime, level: Level) -> Option<Writing> {
        let lane = LANES
            .try_with(|lanes| {
                let mut lanes = lanes.try_borrow_mut().ok()?;
                let at = match lanes
                    .iter()
                    .position(|l| std::ptr::eq(l.owner.as_ptr(), Arc::as_ptr(rings)))
                {
                    Some(at) => at,
                    None => {
                        lanes.retain(|l| l.busy || l.owner.strong_count() > 0);
                        lanes.push(Box::new(Lane {
                            owner: Arc::downgrade(rings),
                            ring: rings.add(FIRST),
                            head: 0,
                            released: 0,
                            sent: None,
                            busy: false,
                        }));
                        lanes.len() - 1
                    }
                };
                let lane: &mut Lane = &mut lanes[at];
                Some(NonNull::from(lane))
            })
            .ok()??;
        // SAFETY: lanes are boxed and leave the list only when not busy
        // (above) or when the thread exits, which no capture outlives.
        let l = unsafe { &mut *lane.as_ptr() };
        if l.busy {
            return None;
        }
        let pos = match l.reserve() {
            Some(pos) => pos,
            None if l.ring.cap < rings.max => {
                l.grow(rings.add(l.ring.cap * 2));
                l.reserve()?
            }
            None => return None,
        };
        l.busy = true;
        let ring = &l.ring;
        let max = ring.entry_max();
        let idx = ring.index(pos);
        // SAFETY: `idx + max <= cap`, checked above.
        let buf = unsafe { ring.buf.as_ptr().add(idx) };
        let mut w = Writing {
            lane,
            context: None,
            buf,
            len: HEADER,
            max,
            pos,
        };
        let nanos = match time.duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_nanos().min(i64::MAX as u128) as i64,
            Err(e) => -(e.duration().as_nanos().min(i64::MAX as u128) as i64),
        };
        w.at(4, &[level.number(), 0, 0, 0]);
        w.at(8, &nanos.to_ne_bytes());
        Some(w)
    }

    fn at(&mut self, off: usize, bytes: &[u8]) {
        debug_assert!(off + bytes.len() <= self.max);
        // SAFETY: within the reserved `max` bytes at `buf`.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.buf.add(off), bytes.len()) }
    }

    /// Appends `bytes`; false (and nothing written) when the entry would
    /// exceed its maximum.
    #[inline]
    fn put(&mut self, parts: &[&[u8]]) -> bool {
        let n: usize = parts.iter().map(|p| p.len()).sum();
        if self.len + n > self.max {
            return false;
        }
        for p in parts {
            self.at(self.len, p);
            self.len += p.len();
        }
        true
    }

    /// `lead` (a kind byte), then `s` as a length and its
    /// bytes: one bounds check and one copy, the hot path of every field.
    #[inline]
    fn text(&mut self, lead: Option<u8>, s: &str) -> bool {
        let n = lead.is_some() as usize + 4 + s.len();
        if self.len + n > self.max {
            return false;
        }
        // SAFETY: the `n` bytes written at `buf + len` lie within the
        // reserved `max` bytes, checked above.
        unsafe {
            let mut at = self.buf.add(self.len);
            if let Some(kind) = lead {
                at.write(kind);
                at = at.add(1);
            }
            at.cast::<[u8; 4]>()
                .write_unaligned((s.len() as u32).to_ne_bytes());
            crate::bytes::copy(s.as_bytes(), at.add(4));
        }
        self.len += n;
        true
    }

    /// The logger name and the message, first of every entry.
    #[inline]
    pub fn names(&mut self, logger: &str, message: &str) -> bool {
        self.text(None, logger) && self.text(None, message)
    }

    /// A field of a scalar (or JSON) value; false (and nothing written)
    /// when the entry is full.
    #[inline]
    pub fn field(&mut self, key: &str, value: Scalar<'_>) -> bool {
        self.item(|w| {
            w.text(Some(kind_of(&value)), key)
                && match value {
                    Scalar::Str(s) | Scalar::Json(s) => w.text(None, s),
                    Scalar::Int(i) => w.put(&[&i.to_ne_bytes()]),
                    Scalar::UInt(u) => w.put(&[&u.to_ne_bytes()]),
                    Scalar::Float(f) => w.put(&[&f.to_ne_bytes()]),
                    Scalar::Bool(b) => w.put(&[&[b as u8]]),
                    Scalar::Null => true,
                }
        })
    }

    /// Writes one item with `write`; when it does not fit whole, nothing
    /// of it stays.
    fn item(&mut self, write: impl FnOnce(&mut Writing) -> bool) -> bool {
        let mark = self.len;
        let ok = write(self);
        if !ok {
            self.len = mark;
        }
        ok
    }

    /// A JSON object whose members become fields.
    pub fn object(&mut self, json: &str) -> bool {
        self.item(|w| w.text(Some(OBJECT), "") && w.text(None, json))
    }

    /// The record's location.
    pub fn location(&mut self, file: &str, line: u32, function: &str) -> bool {
        self.item(|w| {
            w.text(Some(LOCATION), file) && w.put(&[&line.to_ne_bytes()]) && w.text(None, function)
        })
    }

    /// The record's type.
    pub fn log_type(&mut self, t: LogType) -> bool {
        self.text(Some(LOG_TYPE), t.as_str())
    }

    /// The context the record carries, instead of the thread's. Compared
    /// with the writer's copy at once, so an unchanged one costs no
    /// reference.
    pub fn context(&mut self, ctx: &Arc<Context>) {
        // SAFETY: see `open`; `busy` keeps the lane in place.
        let lane = unsafe { self.lane.as_ref() };
        let same = lane.sent.as_ref().is_some_and(|s| Arc::ptr_eq(s, ctx));
        self.context = Some((!same).then(|| ctx.clone()));
    }

    /// The context the record carries when it is not the thread's.
    pub fn given_context(&self) -> Option<Arc<Context>> {
        match &self.context {
            Some(Some(c)) => Some(c.clone()),
            // SAFETY: see `open`.
            Some(None) => unsafe { self.lane.as_ref() }.sent.clone(),
            None => None,
        }
    }

    /// The entry so far, as a record (a capture that outgrew the ring).
    pub fn to_record(&self, rec: &mut Record) {
        // SAFETY: the first `len` bytes at `buf` are a well-formed entry
        // without a context, written by this capture.
        unsafe { decode(std::slice::from_raw_parts(self.buf, self.len), rec) };
    }

    /// Completes the entry with the thread's context (when it changed) and
    /// queues it with `push`; returns what `push` returned. The ring
    /// advances only when `push` says the entry was queued.
    #[inline]
    pub fn finish<E>(
        mut self,
        strip_correlation_id: bool,
        push: impl FnOnce(Packed) -> Result<bool, E>,
    ) -> Result<bool, E> {
        // SAFETY: see `open`; `busy` keeps the lane in place.
        let lane = unsafe { &mut *self.lane.as_ptr() };
        // Whether the record's context is still the one the writer holds.
        let (changed, fresh) = match self.context.take() {
            Some(given) => (given.is_some(), given),
            None => {
                let mut same = lane.sent.is_none();
                let mut fresh = None;
                context::with_current(|c| {
                    same = lane.sent.as_ref().is_some_and(|s| Arc::ptr_eq(s, c));
                    if !same {
                        fresh = Some(c.clone());
                    }
                });
                (!same, fresh)
            }
        };
        let mut handed: *const Context = std::ptr::null();
        let mut kept = None;
        if changed {
            kept = fresh;
            let handed_ctx = kept.as_ref().map(|c| {
                if strip_correlation_id && c.correlation_id.is_some() {
                    let mut c = Context::clone(c);
                    c.correlation_id = None;
                    c.correlation_id_rejected = false;
                    Arc::new(c)
                } else {
                    c.clone()
                }
            });
            handed = handed_ctx.map_or(std::ptr::null(), Arc::into_raw);
            self.at(5, &[CONTEXT]);
            self.at(16, &(handed as u64).to_ne_bytes());
        }
        self.at(0, &(self.len as u32).to_ne_bytes());
        let end = self.pos + self.len as u64;
        let packed = Packed {
            ring: NonNull::from(&*lane.ring),
            pos: self.pos,
        };
        let result = push(packed);
        if matches!(result, Ok(true)) {
            lane.head = end;
            if changed {
                lane.sent = kept;
            }
        } else if !handed.is_null() {
            // SAFETY: the entry was not queued, so the writer never took
            // the reference `into_raw` made above.
            drop(unsafe { Arc::from_raw(handed) });
        }
        result
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        // SAFETY: see `open`.
        unsafe { (*self.lane.as_ptr()).busy = false };
    }
}

fn kind_of(value: &Scalar<'_>) -> u8 {
    match value {
        Scalar::Str(_) => STR,
        Scalar::Json(_) => JSON,
        Scalar::Int(_) => INT,
        Scalar::UInt(_) => UINT,
        Scalar::Float(_) => FLOAT,
        Scalar::Bool(_) => BOOL,
        Scalar::Null => NULL,
    }
}

/// A field value a ring entry can hold.
#[derive(Clone, Copy, Debug)]
pub enum Scalar<'a> {
    Str(&'a str),
    /// JSON text, parsed on the writer (`Value::Raw`).
    Json(&'a str),
    Int(i64),
    UInt(u64),
    Float(f64),
    Bool(bool),
    Null,
}

impl From<Scalar<'_>> for Value {
    fn from(s: Scalar<'_>) -> Value {
        match s {
            Scalar::Str(s) => Value::Str(s.to_owned()),
            Scalar::Json(s) => Value::Raw(s.to_owned()),
            Scalar::Int(i) => Value::Int(i),
            Scalar::UInt(u) => Value::UInt(u),
            Scalar::Float(f) => Value::Float(f),
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Null => Value::Null,
        }
    }
}

/// Decodes a queued entry into `rec` (writer only) and releases its space.
///
/// # Safety
/// `p` was queued by `Writing::finish` and is decoded once, in queue order
/// among the entries of its ring.
pub(crate) unsafe fn unpack(p: Packed, rec: &mut Record) {
    // SAFETY: the ring outlives its queued entries (see `Packed`).
    let ring = unsafe { p.ring.as_ref() };
    let idx = ring.index(p.pos);
    // SAFETY: the entry lies within the ring at `idx` and was written
    // before it was queued; its first bytes hold its length.
    let entry = unsafe {
        let base = ring.buf.as_ptr().add(idx);
        let len = u32::from_ne_bytes(*base.cast::<[u8; 4]>()) as usize;
        std::slice::from_raw_parts(base, len)
    };
    if entry[5] & CONTEXT != 0 {
        let raw = u64::from_ne_bytes(entry[16..24].try_into().expect("8 bytes")) as *const Context;
        // SAFETY: only the writer touches `context`; a non-null pointer
        // is a reference `finish` made with `Arc::into_raw` for this entry.
        unsafe { *ring.context.get() = (!raw.is_null()).then(|| Arc::from_raw(raw)) };
    }
    // SAFETY: as above; the entry is well formed (written by `Writing`).
    unsafe { decode(entry, rec) };
    // SAFETY: only the writer touches `context`.
    match unsafe { &*ring.context.get() } {
        Some(ctx) => rec.set_context(ctx),
        None => rec.context = None,
    }
    ring.released.0.store(p.pos + entry.len() as u64, Release);
}

/// Fills `rec` from an entry, leaving its context alone.
///
/// # Safety
/// `entry` is a whole entry as `Writing` writes it: its strings are the
/// bytes of `&str`s.
unsafe fn decode(entry: &[u8], rec: &mut Record) {
    let level = Level::from_number(entry[4] as i64);
    let nanos = i64::from_ne_bytes(entry[8..16].try_into().expect("8 bytes"));
    let since = Duration::from_nanos(nanos.unsigned_abs());
    let time = if nanos >= 0 {
        UNIX_EPOCH + since
    } else {
        UNIX_EPOCH - since
    };
    let mut r = Reader {
        rest: &entry[HEADER..],
    };
    // SAFETY: forwarded from the caller's contract.
    unsafe {
        let logger = r.text();
        let message = r.text();
        let mut out = rec.refill(time, level, logger, message);
        while let Some(&kind) = r.rest.first() {
            r.rest = &r.rest[1..];
            let key = r.text();
            match kind {
                STR => out.str(key, r.text()),
                JSON => out.value(key, Value::Raw(r.text().to_owned())),
                INT => out.value(key, Value::Int(i64::from_ne_bytes(r.word()))),
                UINT => out.value(key, Value::UInt(u64::from_ne_bytes(r.word()))),
                FLOAT => out.value(key, Value::Float(f64::from_ne_bytes(r.word()))),
                BOOL => {
                    let b = r.rest[0] != 0;
                    r.rest = &r.rest[1..];
                    out.value(key, Value::Bool(b));
                }
                NULL => out.value(key, Value::Null),
                LOCATION => {
                    let file = key;
                    let line = u32::from_ne_bytes(r.rest[..4].try_into().expect("4 bytes"));
                    r.rest = &r.rest[4..];
                    let function = r.text();
                    let loc = out.location();
                    loc.file.push_str(file);
                    loc.line = line;
                    loc.function.push_str(function);
                }
                LOG_TYPE => out.log_type(LogType::parse(key)),
                _ => {
                    debug_assert_eq!(kind, OBJECT);
                    out.raw().push_str(r.text());
                }
            }
        }
    }
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// # Safety
    /// The next bytes are a length and that many bytes of a `&str`.
    unsafe fn text(&mut self) -> &'a str {
        let len = u32::from_ne_bytes(self.rest[..4].try_into().expect("4 bytes")) as usize;
        let (s, rest) = self.rest[4..].split_at(len);
        self.rest = rest;
        debug_assert!(std::str::from_utf8(s).is_ok());
        // SAFETY: forwarded from the caller's contract.
        unsafe { std::str::from_utf8_unchecked(s) }
    }

    fn word(&mut self) -> [u8; 8] {
        let (w, rest) = self.rest.split_at(8);
        self.rest = rest;
        w.try_into().expect("8 bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Queues entries that are never decoded, as a writer that stalls.
    fn fill(rings: &Arc<Rings>, message: &str) -> usize {
        let mut queued = 0;
        while let Some(mut w) = Writing::open(rings, UNIX_EPOCH, Level::Info) {
            assert!(w.names("fill", message));
            assert_eq!(w.finish(false, |_| Ok::<_, ()>(true)), Ok(true));
            queued += 1;
        }
        queued
    }

    fn ring_caps(rings: &Rings) -> Vec<usize> {
        rings.all.lock().iter().map(|r| r.cap).collect()
    }

    #[test]
    fn a_full_ring_doubles_up_to_the_limit_then_refuses() {
        let rings = Arc::new(Rings::for_queue(1024)); // at most 256 KiB
        let message = "m".repeat(1000);
        let queued = std::thread::scope(|s| s.spawn(|| fill(&rings, &message)).join().unwrap());
        assert_eq!(ring_caps(&rings), [64 << 10, 128 << 10, 256 << 10]);
        // Each ring took entries until a whole entry_max no longer fit.
        let per = HEADER + (4 + "fill".len()) + (4 + message.len());
        let fits = |cap: usize| (cap - 4096) / per + 1;
        assert_eq!(queued, fits(64 << 10) + fits(128 << 10) + fits(256 << 10));
    }

    #[test]
    fn entries_decode_to_what_was_captured_and_carry_context_changes() {
        let rings = Arc::new(Rings::for_queue(4096));
        let ctx = Arc::new(Context {
            correlation_id: Some("c-1".into()),
            ..Context::default()
        });
        let time = UNIX_EPOCH + Duration::from_nanos(1_796_126_400_123_456_789);
        let mut queued = Vec::new();
        for (i, bound) in [true, true, false].into_iter().enumerate() {
            context::set_current(bound.then(|| ctx.clone()));
            let mut w = Writing::open(&rings, time, Level::Error).unwrap();
            assert!(w.names("app", &format!("m{i}")));
            assert!(w.field("s", Scalar::Str("v")));
            assert!(w.field("n", Scalar::Int(-1)));
            assert!(w.object(r#"{"o":1}"#));
            w.finish(true, |p| {
                queued.push(p);
                Ok::<_, ()>(true)
            })
            .unwrap();
        }
        context::clear_current();
        // The lane let go of it when the context was cleared, and the
        // first entry carries a copy without the correlation id (`strip`).
        assert_eq!(Arc::strong_count(&ctx), 1);
        let mut rec = Record::new(Level::Info, "", "");
        let mut seen = Vec::new();
        for (i, p) in queued.into_iter().enumerate() {
            // SAFETY: each entry was queued above and is decoded once, in order.
            unsafe { unpack(p, &mut rec) };
            assert_eq!((rec.time, rec.level), (time, Level::Error));
            assert_eq!(
                (rec.logger.as_str(), rec.message.clone()),
                ("app", format!("m{i}"))
            );
            assert_eq!(
                rec.fields,
                [
                    ("s".to_owned(), Value::Str("v".into())),
                    ("n".to_owned(), Value::Int(-1))
                ]
            );
            assert_eq!(rec.raw_fields.as_deref(), Some(r#"{"o":1}"#));
            seen.push(rec.context.as_ref().map(|c| c.correlation_id.clone()));
        }
        assert_eq!(seen, [Some(None), Some(None), None]);
    }

    #[test]
    fn rings_of_exited_threads_go_once_their_entries_are_decoded() {
        let rings = Arc::new(Rings::for_queue(4096));
        let mut queued = Vec::new();
        for _ in 0..3 {
            let r = rings.clone();
            let p = std::thread::spawn(move || {
                let mut w = Writing::open(&r, UNIX_EPOCH, Level::Info).unwrap();
                assert!(w.names("t", "m"));
                let mut out = None;
                w.finish(false, |p| {
                    out = Some(p);
                    Ok::<_, ()>(true)
                })
                .unwrap();
                out.unwrap()
            })
            .join()
            .unwrap();
            queued.push(p);
        }
        rings.prune();
        assert_eq!(ring_caps(&rings).len(), 3, "entries still queued");
        let mut rec = Record::new(Level::Info, "", "");
        let last = queued.pop().unwrap();
        for p in queued {
            // SAFETY: queued above, decoded once.
            unsafe { unpack(p, &mut rec) };
        }
        rings.prune();
        assert_eq!(ring_caps(&rings).len(), 1);
        // SAFETY: as above.
        unsafe { unpack(last, &mut rec) };
        rings.prune();
        assert!(ring_caps(&rings).is_empty());
    }

    #[test]
    fn a_field_that_does_not_fit_leaves_the_entry_as_it_was() {
        let rings = Arc::new(Rings::for_queue(4096));
        let mut w = Writing::open(&rings, UNIX_EPOCH, Level::Info).unwrap();
        assert!(w.names("n", "m"));
        assert!(w.field("a", Scalar::Bool(true)));
        let before = w.len;
        assert!(!w.field("big", Scalar::Str(&"x".repeat(5000))));
        assert!(!w.object(&"y".repeat(5000)));
        assert_eq!(w.len, before);
        let mut rec = Record::new(Level::Info, "", "");
        w.to_record(&mut rec);
        assert_eq!(rec.fields, [("a".to_owned(), Value::Bool(true))]);
        // A second capture on the same lane while one is open takes the
        // boxed way.
        assert!(Writing::open(&rings, UNIX_EPOCH, Level::Info).is_none());
        drop(w);
        assert!(Writing::open(&rings, UNIX_EPOCH, Level::Info).is_some());
    }
}
