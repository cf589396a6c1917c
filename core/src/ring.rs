//! Per-thread byte rings, the cheapest way to capture a record.
//!
//! A pooled `Record` costs its caller a cache miss on every buffer it
//! refills, because the writer touched those buffers last. A `Capture`
//! instead copies the record's strings and scalars into a ring that only
//! its thread writes, and publishes the entry with one store of the ring's
//! `written` position: no queue slot, no shared counter. The writer polls
//! the rings (`RingReader`), decodes each entry into one record of its
//! own, which stays in its cache, and then hands the space back.
//!
//! Records that do not travel in a ring (one that does not fit, a full
//! ring, schema policy `strict`, a value that is not a scalar, a nested
//! call) go through the channel as boxed records: *detours*. Each entry
//! carries how many detours its thread had queued before it, and the
//! writer takes an entry only once it has written as many, so a thread's
//! records keep their order whichever way each one went. When a full ring
//! is replaced by a larger one, the new ring is read only once the old one
//! is done.
//!
//! An entry starts on a 64-byte line, so that the writer never reads the
//! line a caller is writing. It is a 28-byte header followed by items:
//! - header: `u32` length, `u8` level, `u8` flags, `u8` clock, a spare
//!   byte, `i64` stamp (nanoseconds since the epoch, or a count of the
//!   time-stamp counter: see `stamp`), `u64` context pointer (read only
//!   when `CONTEXT` is set), `u32` detours queued before it;
//! - the logger's name and the message;
//! - one item per field: a `u8` kind, the key, then the value; the
//!   record's location and type are items without a key.
//!
//! Strings are a `u32` length and then the bytes. Numbers are native
//! endian, unaligned.

use crate::context::Context;
use crate::level::Level;
use crate::local::{self, Local};
use crate::record::{LogType, Record};
use crate::stamp::{time_of, Anchor, Stamp};
use crate::value::Value;
use parking_lot::Mutex;
use std::alloc::Layout;
use std::cell::UnsafeCell;
use std::ptr::NonNull;
use std::sync::atomic::{
    compiler_fence, AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering::*,
};
use std::sync::{Arc, OnceLock, Weak};
use std::thread::Thread;
use std::time::Duration;

const HEADER: usize = 28;
/// Entries start on cache lines of this many bytes.
const LINE: u64 = 64;
/// Flag: the header carries the thread's new context.
const CONTEXT: u8 = 1;
/// The header's clock byte: its stamp is nanoseconds since the epoch, or
/// a count of the time-stamp counter (`stamp`).
const NANOS: u8 = 0;
const TICKS: u8 = 1;

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

fn line_up(pos: u64) -> u64 {
    (pos + LINE - 1) & !(LINE - 1)
}

/// One thread's ring for one logger. The bytes before `released` belong to
/// the caller, the ones from there to `written` to published entries the
/// writer has not decoded yet.
pub(crate) struct Ring {
    buf: NonNull<u8>,
    cap: usize,
    /// The caller's line: stored for every entry, read by the writer when
    /// it polls.
    caller: Padded<Published>,
    /// A capture is publishing its entry (`Writing::finish`). A shutdown
    /// waits until none is; one that starts after the shutdown began sees
    /// `Rings::closed`. On its own line, which only the caller writes.
    publishing: Padded<AtomicBool>,
    /// Monotonic end (line-aligned) of the entries the writer decoded. On
    /// its own line: the writer stores it once per drain, the caller reads
    /// it only when its copy says the ring is full.
    released: Padded<AtomicU64>,
    /// Monotonic end of the last entry published, stored when the thread
    /// exits or moves to a larger ring (`u64::MAX` until then).
    closed_at: AtomicU64,
    /// The detours the thread queued while this was its ring, stored just
    /// before `closed_at`.
    closed_detours: AtomicU32,
    /// The writer's side; only `RingReader` touches it. On its own line:
    /// the writer stores to it every drain, and on the line of `cap` and
    /// `buf`, which every capture reads, it would cost the caller a miss
    /// after each drain.
    reading: Padded<UnsafeCell<Reading>>,
}

struct Published {
    /// Monotonic end of the last entry published.
    written: AtomicU64,
    /// Entries published, for the queue depth.
    count: AtomicU64,
}

struct Reading {
    /// Where the next entry may start (before the wrap rule).
    next: u64,
    /// `written` as of the start of the current drain.
    limit: u64,
    /// The thread's detours written so far.
    detours: u32,
    /// Entries decoded.
    taken: u64,
    /// The writer's copy of the thread's context. Entries carry the
    /// context only when it changed, which spares an atomic reference
    /// count per record on a line both threads would touch.
    context: Option<Arc<Context>>,
    /// The ring the thread used before this one, until it is done.
    prev: Option<Arc<Ring>>,
}

// SAFETY: the bytes are written by the owning thread and read by the
// writer at disjoint times, ordered by `written` (an entry is published
// after it is written) and by `released` (space is reused after the writer
// has released it). `reading` is touched only by the one `RingReader`.
unsafe impl Send for Ring {}
// SAFETY: as above.
unsafe impl Sync for Ring {}

#[repr(align(128))]
struct Padded<T>(T);

impl Ring {
    fn new(cap: usize, prev: Option<Arc<Ring>>) -> Ring {
        let layout = Ring::layout(cap);
        // SAFETY: the layout has a non-zero size.
        let buf = unsafe { std::alloc::alloc_zeroed(layout) };
        let Some(buf) = NonNull::new(buf) else {
            std::alloc::handle_alloc_error(layout)
        };
        // The allocator hands out untouched pages, and the first write to
        // each would fault on whichever capture reaches it: hundreds of
        // slow calls after every growth, the caller's worst latencies.
        // Touch them all now, in the one capture that grows the ring.
        for page in (0..cap).step_by(4096) {
            // SAFETY: `page < cap`, inside the allocation; volatile, so
            // that the store of a zero to zeroed memory is not elided.
            unsafe { buf.as_ptr().add(page).write_volatile(0) };
        }
        Ring {
            buf,
            cap,
            caller: Padded(Published {
                written: AtomicU64::new(0),
                count: AtomicU64::new(0),
            }),
            publishing: Padded(AtomicBool::new(false)),
            released: Padded(AtomicU64::new(0)),
            closed_at: AtomicU64::new(u64::MAX),
            closed_detours: AtomicU32::new(0),
            reading: Padded(UnsafeCell::new(Reading {
                next: 0,
                limit: 0,
                detours: 0,
                taken: 0,
                context: None,
                prev,
            })),
        }
    }

    fn layout(cap: usize) -> Layout {
        assert!(
            cap.is_power_of_two() && cap >= 8 * LINE as usize,
            "ring size {cap} is not a power of two of at least 512"
        );
        Layout::from_size_align(cap, LINE as usize).expect("a power of two below isize::MAX")
    }

    /// Where monotonic position `pos` falls in the buffer. Sizes are
    /// powers of two: a mask, not a division, on every capture.
    #[inline]
    fn index(&self, pos: u64) -> usize {
        (pos & (self.cap as u64 - 1)) as usize
    }

    /// The largest entry: `Writing::open` reserves this much.
    fn entry_max(&self) -> usize {
        (self.cap / 8).min(4096)
    }

    /// Where an entry that may start at `pos` does start: at the ring's
    /// start when the largest entry would not fit before its end. Caller
    /// and writer apply the same rule.
    #[inline]
    fn start_at(&self, pos: u64) -> u64 {
        let idx = self.index(pos);
        if idx + self.entry_max() > self.cap {
            pos + (self.cap - idx) as u64
        } else {
            pos
        }
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        // SAFETY: `buf` was allocated in `new` with this layout.
        unsafe { std::alloc::dealloc(self.buf.as_ptr(), Ring::layout(self.cap)) };
    }
}

/// Bytes of a thread's first ring.
const FIRST: usize = 64 << 10;

/// The rings of one logger's callers, and what callers and writer share
/// about them. The registry keeps a ring alive after its thread exits (or
/// outgrows it), until the writer has decoded its last entry.
pub(crate) struct Rings {
    all: Mutex<Vec<Arc<Ring>>>,
    /// Rings ever added: the writer copies `all` again when it changes.
    added: AtomicUsize,
    /// The most bytes a ring grows to.
    max: usize,
    /// Set by `Logger::shutdown`: no capture opens after it, and nothing
    /// more is queued.
    pub closed: AtomicBool,
    /// The writer is parked until someone publishes (`RingReader::sleep`).
    sleeping: AtomicBool,
    writer: OnceLock<Thread>,
    /// A `RingReader` was made.
    read: AtomicBool,
    /// Callers order their flags with compiler fences only, and the
    /// writer runs `barrier::heavy` for both sides; otherwise callers use
    /// a locked instruction (see `Writing::finish`, `RingReader::sleep`).
    light: bool,
}

impl Rings {
    /// A thread's ring starts at 64 KiB and doubles whenever it is full,
    /// up to about 256 bytes per queue slot (1 MiB for a queue of 4,096),
    /// so a thread that logs a little holds little.
    pub fn for_queue(capacity: usize) -> Rings {
        Rings::new(capacity, crate::barrier::available())
    }

    fn new(capacity: usize, light: bool) -> Rings {
        Rings {
            all: Mutex::new(Vec::new()),
            added: AtomicUsize::new(0),
            max: (capacity.saturating_mul(256))
                .next_power_of_two()
                .clamp(FIRST, 4 << 20),
            closed: AtomicBool::new(false),
            sleeping: AtomicBool::new(false),
            writer: OnceLock::new(),
            read: AtomicBool::new(false),
            light,
        }
    }

    fn add(&self, cap: usize, prev: Option<Arc<Ring>>) -> Arc<Ring> {
        let ring = Arc::new(Ring::new(cap, prev));
        self.all.lock().push(ring.clone());
        self.added.fetch_add(1, SeqCst);
        ring
    }

    /// The thread `wake` unparks; set once, when it is spawned.
    pub fn set_writer(&self, writer: Thread) {
        let _ = self.writer.set(writer);
    }

    /// Unparks the writer if it sleeps; called after publishing.
    #[inline]
    pub fn wake(&self) {
        if self.sleeping.load(SeqCst) && self.sleeping.swap(false, SeqCst) {
            if let Some(w) = self.writer.get() {
                w.unpark();
            }
        }
    }
}

/// The calling thread's side of one ring.
pub(crate) struct Lane {
    owner: Weak<Rings>,
    ring: Arc<Ring>,
    /// Monotonic end of the last entry published.
    head: u64,
    /// Entries published.
    published: u64,
    /// The caller's copy of `Ring::released`.
    released: u64,
    /// The context the writer holds for this ring (`Reading::context`),
    /// kept so that a pointer comparison with the thread's current one is
    /// sound.
    sent: Option<Arc<Context>>,
    /// Detours queued while `ring` is the thread's ring.
    detours: u32,
    /// A capture is open on this lane.
    busy: bool,
}

impl Lane {
    fn new(owner: Weak<Rings>, ring: Arc<Ring>) -> Lane {
        Lane {
            owner,
            ring,
            head: 0,
            published: 0,
            released: 0,
            // A new ring's writer side holds no context yet.
            sent: None,
            detours: 0,
            busy: false,
        }
    }

    /// Where an entry of the largest size can start, if there is room.
    fn reserve(&mut self) -> Option<u64> {
        let (cap, max) = (self.ring.cap as u64, self.ring.entry_max() as u64);
        let pos = self.ring.start_at(line_up(self.head));
        if pos + max > self.released + cap {
            self.released = self.ring.released.0.load(Acquire);
            if pos + max > self.released + cap {
                return None;
            }
        }
        Some(pos)
    }

    /// Moves to a larger ring; the old one goes once its entries are
    /// decoded, and the new one is read only then. The old lane, dropped,
    /// closes the old ring.
    fn grow(&mut self, rings: &Rings) {
        let bigger = rings.add(self.ring.cap * 2, Some(self.ring.clone()));
        *self = Lane::new(self.owner.clone(), bigger);
    }

    /// Tells the writer where the ring's entries and detours end.
    fn close(&self) {
        self.ring.closed_detours.store(self.detours, Relaxed);
        self.ring.closed_at.store(self.head, Release);
    }
}

impl Drop for Lane {
    fn drop(&mut self) {
        self.close();
    }
}

/// The calling thread's state and its lane for `rings`, the lane made on
/// first use; `None` while the thread exits.
#[inline]
fn lane(rings: &Arc<Rings>) -> Option<(NonNull<Lane>, NonNull<Local>)> {
    local::with(|local| {
        let mut lanes = local.lanes.try_borrow_mut().ok()?;
        let at = match lanes
            .iter()
            .position(|l| std::ptr::eq(l.owner.as_ptr(), Arc::as_ptr(rings)))
        {
            Some(at) => at,
            None => {
                lanes.retain(|l| l.busy || l.owner.strong_count() > 0);
                let ring = rings.add(FIRST, None);
                lanes.push(Box::new(Lane::new(Arc::downgrade(rings), ring)));
                lanes.len() - 1
            }
        };
        let lane: &mut Lane = &mut lanes[at];
        Some((NonNull::from(lane), NonNull::from(local)))
    })
    .flatten()
}

/// Queues a record on the channel with `send` in order with the calling
/// thread's ring entries: `send` gets the ring the writer must drain
/// first (`None` while the thread exits), and a record it queued
/// (`Ok(true)`) holds back the thread's later entries until it is written.
pub(crate) fn detour<E>(
    rings: &Arc<Rings>,
    send: impl FnOnce(Option<Arc<Ring>>) -> Result<bool, E>,
) -> Result<bool, E> {
    let lane = lane(rings).map(|(lane, _)| lane);
    // SAFETY: lanes are boxed and leave the list only when not busy and
    // their logger is gone, or when the thread exits; neither happens
    // during `send`, which runs no caller code.
    let result = send(lane.map(|l| unsafe { l.as_ref() }.ring.clone()));
    if let (Ok(true), Some(l)) = (&result, lane) {
        // SAFETY: as above.
        unsafe { (*l.as_ptr()).detours += 1 };
    }
    result
}

/// What `Writing::open` found.
pub(crate) enum Open {
    Ready(Writing),
    /// The thread's ring is full and as large as it grows: the overflow
    /// policy applies, as to a full channel.
    Full,
    /// The record goes the boxed way: a capture is open on the lane (a
    /// nested call), the logger is shut down, or the thread is exiting.
    Refused,
}

/// Whether a capture on the calling thread would find its ring full and
/// as large as it grows (`Open::Full`).
pub(crate) fn full(rings: &Arc<Rings>) -> bool {
    lane(rings).is_some_and(|(lane, _)| {
        // SAFETY: see `detour`; no capture is open across this call.
        let l = unsafe { &mut *lane.as_ptr() };
        !l.busy && l.ring.cap >= rings.max && l.reserve().is_none()
    })
}

/// An open entry: `len` bytes written so far at `buf`, at most `max`.
pub(crate) struct Writing {
    lane: NonNull<Lane>,
    /// The thread's state, whose context `finish` reads.
    local: NonNull<Local>,
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
    /// Opens an entry in the calling thread's ring for `rings`.
    #[inline]
    pub fn open(rings: &Arc<Rings>, stamp: Stamp, level: Level) -> Open {
        let Some((lane, local)) = lane(rings) else {
            return Open::Refused;
        };
        // SAFETY: lanes are boxed and leave the list only when not busy
        // (see `lane`) or when the thread exits, which no capture outlives.
        let l = unsafe { &mut *lane.as_ptr() };
        if l.busy {
            return Open::Refused;
        }
        let pos = match l.reserve() {
            Some(pos) => pos,
            None if l.ring.cap < rings.max => {
                l.grow(rings);
                match l.reserve() {
                    Some(pos) => pos,
                    None => return Open::Full,
                }
            }
            None => return Open::Full,
        };
        // An early look; `finish` settles the race with a shutdown.
        if rings.closed.load(Relaxed) {
            return Open::Refused;
        }
        l.busy = true;
        let ring = &l.ring;
        let max = ring.entry_max();
        let idx = ring.index(pos);
        // SAFETY: `idx + max <= cap` (`start_at`).
        let buf = unsafe { ring.buf.as_ptr().add(idx) };
        let mut w = Writing {
            lane,
            local,
            context: None,
            buf,
            len: HEADER,
            max,
            pos,
        };
        let (clock, value) = match stamp {
            Stamp::Nanos(n) => (NANOS, n),
            Stamp::Ticks(t) => (TICKS, t),
        };
        w.at(4, &[level.number(), 0, clock, 0]);
        w.at(8, &value.to_ne_bytes());
        Open::Ready(w)
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
        unsafe { crate::bytes::copy(s.as_bytes(), head(self.buf.add(self.len), lead, s.len())) };
        self.len += n;
        true
    }

    /// The logger name and the message, first of every entry.
    #[inline]
    pub fn names(&mut self, logger: &str, message: &str) -> bool {
        self.text(None, logger) && self.text(None, message)
    }

    /// Two strings from bytes that should be UTF-8, after `lead` (a kind
    /// byte): one bounds check, and each string checked as it is copied
    /// (`bytes::copy_ascii`). False, and nothing written, when either is
    /// not UTF-8 or they do not fit.
    #[inline(always)]
    fn checked_pair(&mut self, lead: Option<u8>, a: &[u8], b: &[u8]) -> bool {
        let n = lead.is_some() as usize + 4 + a.len() + 4 + b.len();
        if self.len + n > self.max {
            return false;
        }
        // SAFETY: the `n` bytes written at `buf + len` lie within the
        // reserved `max` bytes, checked above.
        let ascii = unsafe {
            let at = head(self.buf.add(self.len), lead, a.len());
            let first = crate::bytes::copy_ascii(a, at);
            let at = head(at.add(a.len()), None, b.len());
            first & crate::bytes::copy_ascii(b, at)
        };
        let written = ascii || (std::str::from_utf8(a).is_ok() && std::str::from_utf8(b).is_ok());
        if written {
            self.len += n;
        }
        written
    }

    /// `names` from bytes that should be UTF-8; false (nothing written)
    /// when they are not, or do not fit.
    #[inline]
    pub fn names_bytes(&mut self, logger: &[u8], message: &[u8]) -> bool {
        self.checked_pair(None, logger, message)
    }

    /// A string field (or one of JSON text) from bytes that should be
    /// UTF-8; false (nothing written) when they are not, or do not fit.
    #[inline]
    pub fn text_field_bytes(&mut self, key: &[u8], value: &[u8], json: bool) -> bool {
        self.checked_pair(Some(if json { JSON } else { STR }), key, value)
    }

    /// A field of a scalar value whose key is bytes that should be UTF-8,
    /// after one bounds check; false (nothing written) when the key is not
    /// UTF-8, or the field does not fit.
    #[inline(always)]
    pub fn scalar_field_bytes(&mut self, key: &[u8], value: Scalar<'_>) -> bool {
        let (bytes, size) = match value {
            Scalar::Int(i) => (i.to_ne_bytes(), 8),
            Scalar::UInt(u) => (u.to_ne_bytes(), 8),
            Scalar::Float(f) => (f.to_ne_bytes(), 8),
            Scalar::Bool(b) => ([b as u8, 0, 0, 0, 0, 0, 0, 0], 1),
            Scalar::Null => ([0; 8], 0),
            Scalar::Str(s) | Scalar::Json(s) => {
                return self.checked_pair(Some(kind_of(&value)), key, s.as_bytes())
            }
        };
        let n = 1 + 4 + key.len() + size;
        if self.len + n > self.max {
            return false;
        }
        // SAFETY: the `n` bytes written at `buf + len` lie within the
        // reserved `max` bytes, checked above.
        unsafe {
            let at = head(self.buf.add(self.len), Some(kind_of(&value)), key.len());
            if !crate::bytes::copy_ascii(key, at) && std::str::from_utf8(key).is_err() {
                return false;
            }
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), at.add(key.len()), size);
        }
        self.len += n;
        true
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
        unsafe {
            let entry = std::slice::from_raw_parts(self.buf, self.len);
            decode(entry, rec, &mut Anchor::now());
        }
    }

    /// Completes the entry with the thread's context (when it changed) and
    /// publishes it: one release store of the ring's `written` position.
    /// False, and nothing published, when the logger is shut down. The
    /// entry stays open until the `Writing` is dropped.
    #[inline]
    pub fn finish(&mut self, strip_correlation_id: bool, rings: &Rings) -> bool {
        // SAFETY: see `open`; `busy` keeps the lane in place.
        let lane = unsafe { &mut *self.lane.as_ptr() };
        // With `closed`, a Dekker pair: either this capture sees the
        // shutdown, or the shutdown sees it publishing and waits for it.
        let publishing = &lane.ring.publishing.0;
        if rings.light {
            publishing.store(true, Relaxed);
            // The writer's `barrier::heavy` orders the pair at runtime.
            compiler_fence(SeqCst);
        } else {
            publishing.swap(true, SeqCst);
        }
        if rings.closed.load(SeqCst) {
            publishing.store(false, Release);
            return false;
        }
        // Whether the record's context is still the one the writer holds.
        let (changed, fresh) = match self.context.take() {
            Some(given) => (given.is_some(), given),
            None => {
                // SAFETY: the thread's state outlives its captures.
                let current = unsafe { self.local.as_ref() }.context.try_borrow();
                match current.as_deref() {
                    Ok(Some(c)) if !lane.sent.as_ref().is_some_and(|s| Arc::ptr_eq(s, c)) => {
                        (true, Some(c.clone()))
                    }
                    Ok(None) => (lane.sent.is_some(), None),
                    // Unchanged, or being changed (never while a capture
                    // is open): the writer's copy stands.
                    _ => (false, None),
                }
            }
        };
        if changed {
            let handed = fresh.as_ref().map_or(std::ptr::null(), |c| {
                let c = if strip_correlation_id && c.correlation_id.is_some() {
                    let mut c = Context::clone(c);
                    c.correlation_id = None;
                    c.correlation_id_rejected = false;
                    Arc::new(c)
                } else {
                    c.clone()
                };
                Arc::into_raw(c)
            });
            self.at(5, &[CONTEXT]);
            self.at(16, &(handed as u64).to_ne_bytes());
            lane.sent = fresh;
        }
        self.at(0, &(self.len as u32).to_ne_bytes());
        self.at(24, &lane.detours.to_ne_bytes());
        let end = self.pos + self.len as u64;
        lane.head = end;
        lane.published += 1;
        let caller = &lane.ring.caller.0;
        caller.count.store(lane.published, Relaxed);
        caller.written.store(end, Release);
        publishing.store(false, Release);
        // Only a compiler fence before this load: see `RingReader::sleep`.
        compiler_fence(SeqCst);
        rings.wake();
        true
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        // SAFETY: see `open`.
        unsafe { (*self.lane.as_ptr()).busy = false };
    }
}

/// Writes `lead` (a kind byte), if any, then `len` as a string's length,
/// at `at`; where the string's bytes go.
///
/// # Safety
/// `at` has room for the kind byte and the four of the length.
#[inline(always)]
unsafe fn head(at: *mut u8, lead: Option<u8>, len: usize) -> *mut u8 {
    // SAFETY: forwarded.
    unsafe {
        let mut at = at;
        if let Some(kind) = lead {
            at.write(kind);
            at = at.add(1);
        }
        at.cast::<[u8; 4]>()
            .write_unaligned((len as u32).to_ne_bytes());
        at.add(4)
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

/// The writer's handle on one logger's rings, and the only reader of
/// their entries: each ring is read in order, and a ring only once the
/// ring its thread used before it is done.
pub(crate) struct RingReader {
    rings: Arc<Rings>,
    /// A copy of `Rings::all`, taken again when a ring was added.
    local: Vec<Arc<Ring>>,
    seen: usize,
    /// Converts the entries' counts (`stamp`).
    anchor: Anchor,
}

impl RingReader {
    /// The reader of `rings`; there is only ever one.
    pub fn new(rings: Arc<Rings>) -> RingReader {
        assert!(
            !rings.read.swap(true, SeqCst),
            "a second reader of one logger's rings"
        );
        RingReader {
            rings,
            local: Vec::new(),
            seen: 0,
            anchor: Anchor::default(),
        }
    }

    /// Picks up the rings added since the last call; the indexes of the
    /// others do not change.
    pub fn refresh(&mut self) {
        if self.rings.added.load(SeqCst) != self.seen {
            let all = self.rings.all.lock();
            // `add` counts a ring after pushing it: never more than listed.
            self.seen = self.rings.added.load(SeqCst);
            self.local.clone_from(&all);
        }
    }

    pub fn len(&self) -> usize {
        self.local.len()
    }

    /// Ring `i`, its writer's side, and the anchor that converts counts.
    fn ring(&mut self, i: usize) -> (&Ring, &mut Reading, &mut Anchor) {
        let ring = &*self.local[i];
        // SAFETY: only this reader touches `reading`, and `&mut self`
        // lets one such reference exist at a time.
        (
            ring,
            unsafe { &mut *ring.reading.0.get() },
            &mut self.anchor,
        )
    }

    /// What ring `i` has read so far.
    fn next(&self, i: usize) -> u64 {
        // SAFETY: only this reader touches `reading`; `&self` means no
        // `&mut` to it is live.
        unsafe { (*self.local[i].reading.0.get()).next }
    }

    /// Readies ring `i` for `take`, up to what is published now; false
    /// while the ring its thread used before is not done.
    pub fn start(&mut self, i: usize) -> bool {
        let (ring, r, _) = self.ring(i);
        if let Some(prev) = &r.prev {
            // SAFETY: only this reader reads `prev`, a ring of its own.
            if !unsafe { done(prev) } {
                return false;
            }
            r.prev = None;
        }
        r.limit = ring.caller.0.written.load(Acquire);
        true
    }

    /// Decodes ring `i`'s next entry into `rec`. False when no entry is
    /// left of those published before `start`, or when the next one
    /// waits for a detour of its thread (`detour_written`).
    #[inline]
    pub fn take(&mut self, i: usize, rec: &mut Record) -> bool {
        let (ring, r, anchor) = self.ring(i);
        if r.next >= r.limit {
            return false;
        }
        let at = ring.start_at(r.next);
        // SAFETY: the caller published whole entries up to `limit`, each
        // at `start_at` of the line after the one before, its length first.
        let entry = unsafe {
            let base = ring.buf.as_ptr().add(ring.index(at));
            let len = u32::from_ne_bytes(*base.cast::<[u8; 4]>()) as usize;
            std::slice::from_raw_parts(base, len)
        };
        let detours = u32::from_ne_bytes(entry[24..28].try_into().expect("4 bytes"));
        if detours != r.detours {
            return false;
        }
        if entry[5] & CONTEXT != 0 {
            let raw =
                u64::from_ne_bytes(entry[16..24].try_into().expect("8 bytes")) as *const Context;
            // SAFETY: a non-null pointer is a reference `finish` made with
            // `Arc::into_raw` for this entry, taken here once.
            r.context = (!raw.is_null()).then(|| unsafe { Arc::from_raw(raw) });
        }
        // SAFETY: as above; the entry is well formed (written by `Writing`).
        unsafe { decode(entry, rec, anchor) };
        match &r.context {
            Some(ctx) => rec.set_context(ctx),
            None => rec.context = None,
        }
        r.next = line_up(at + entry.len() as u64);
        r.taken += 1;
        true
    }

    /// Where ring `i`'s next entry probably starts, for a prefetch.
    pub fn upcoming(&self, i: usize) -> *const u8 {
        let ring = &self.local[i];
        let next = self.next(i);
        ring.buf.as_ptr().wrapping_add(ring.index(next))
    }

    /// Hands the space of ring `i`'s decoded entries back to its thread.
    pub fn release(&mut self, i: usize) {
        let next = self.next(i);
        self.local[i].released.0.store(next, Release);
    }

    /// The index of `ring`, one of these rings.
    pub fn position(&mut self, ring: &Arc<Ring>) -> Option<usize> {
        self.refresh();
        self.local.iter().position(|r| Arc::ptr_eq(r, ring))
    }

    /// The index of the ring ring `i`'s thread used before it, while that
    /// one is not done.
    pub fn prev(&self, i: usize) -> Option<usize> {
        // SAFETY: as in `next`.
        let prev = unsafe { (*self.local[i].reading.0.get()).prev.as_ref()? };
        self.local.iter().position(|r| Arc::ptr_eq(r, prev))
    }

    /// A detour its thread queued while `ring` was its ring is written:
    /// the entries that waited for it may go.
    pub fn detour_written(&mut self, ring: &Ring) {
        // SAFETY: only this reader touches `reading`; `ring` is one of
        // these rings (a detour names its thread's ring).
        let r = unsafe { &mut *ring.reading.0.get() };
        r.detours = r.detours.wrapping_add(1);
    }

    /// Entries published and not decoded yet, in every ring.
    pub fn pending(&self) -> u64 {
        self.local
            .iter()
            // SAFETY: as in `next`.
            .map(|r| r.caller.0.count.load(Relaxed) - unsafe { (*r.reading.0.get()).taken })
            .sum()
    }

    /// Parks the writer until a caller `wake`s it, or until `timeout`.
    /// `queued` says whether the channel holds anything; like the rings,
    /// it is looked at after the flag is set.
    ///
    /// A caller reads `sleeping` after publishing with no hardware barrier
    /// between (a locked instruction on every capture costs more than the
    /// rest of it). `barrier::heavy` supplies one: then either the caller
    /// sees the flag, or the writer sees the entry. Without it, the writer
    /// looks again once any such store has left the caller's store buffer,
    /// which takes far less than `SETTLE`; should one still slip through,
    /// `timeout` bounds how long it waits.
    pub fn sleep(&mut self, queued: impl Fn() -> bool, timeout: Duration) {
        const SETTLE: Duration = Duration::from_micros(20);
        self.rings.sleeping.store(true, SeqCst);
        let settled = self.rings.light && crate::barrier::heavy();
        std::sync::atomic::fence(SeqCst);
        let idle = |r: &mut RingReader| !queued() && !r.news();
        if idle(self)
            && (settled || {
                std::thread::sleep(SETTLE);
                idle(self)
            })
        {
            std::thread::park_timeout(timeout);
        }
        self.rings.sleeping.store(false, SeqCst);
    }

    /// Whether any ring holds a published entry not decoded yet.
    fn news(&mut self) -> bool {
        self.refresh();
        (0..self.local.len()).any(|i| self.local[i].caller.0.written.load(SeqCst) > self.next(i))
    }

    /// Whether a capture is publishing into any ring: a shutdown waits
    /// until none is (see `Writing::finish`).
    pub fn any_publishing(&mut self) -> bool {
        self.refresh();
        if self.rings.light && !crate::barrier::heavy() {
            // Not once it registered; should it happen, give callers'
            // stores far longer than they take to become visible.
            std::thread::sleep(Duration::from_millis(1));
        }
        self.local.iter().any(|r| r.publishing.0.load(SeqCst))
    }

    /// Frees the rings that are done. Skipped when a caller holds the
    /// lock.
    pub fn prune(&mut self) {
        if let Some(mut all) = self.rings.all.try_lock() {
            // SAFETY: this is the rings' reader.
            all.retain(|r| !unsafe { done(r) });
            self.local.retain(|r| !unsafe { done(r) });
        }
    }
}

/// The ring's thread has left it, and every entry and detour of it is
/// written.
///
/// # Safety
/// Called by the ring's reader.
unsafe fn done(ring: &Ring) -> bool {
    let closed = ring.closed_at.load(Acquire);
    // SAFETY: forwarded from the caller's contract.
    let r = unsafe { &*ring.reading.0.get() };
    closed != u64::MAX && r.next >= closed && r.detours == ring.closed_detours.load(Relaxed)
}

/// Fills `rec` from an entry, leaving its context alone.
///
/// # Safety
/// `entry` is a whole entry as `Writing` writes it: its strings are the
/// bytes of `&str`s.
unsafe fn decode(entry: &[u8], rec: &mut Record, anchor: &mut Anchor) {
    let level = Level::from_number(entry[4] as i64);
    let stamp = i64::from_ne_bytes(entry[8..16].try_into().expect("8 bytes"));
    let time = time_of(match entry[6] {
        TICKS => anchor.nanos(stamp),
        _ => stamp,
    });
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
    use crate::context;
    use crate::stamp::{self, nanos_of};
    use std::time::{SystemTime, UNIX_EPOCH};

    fn ready(open: Open) -> Writing {
        match open {
            Open::Ready(w) => w,
            Open::Full => panic!("full"),
            Open::Refused => panic!("refused"),
        }
    }

    /// Publishes one entry with `message` and a field `i`; false when the
    /// ring is full.
    fn publish(rings: &Arc<Rings>, message: &str, i: i64) -> bool {
        let mut w = match Writing::open(rings, Stamp::Nanos(0), Level::Info) {
            Open::Ready(w) => w,
            Open::Full => return false,
            Open::Refused => panic!("refused"),
        };
        assert!(w.names("t", message));
        assert!(w.field("i", Scalar::Int(i)));
        assert!(w.finish(false, rings));
        true
    }

    /// Publishes entries that are never decoded, as a writer that stalls.
    fn fill(rings: &Arc<Rings>, message: &str) -> usize {
        let mut published = 0;
        while publish(rings, message, published as i64) {
            published += 1;
        }
        published
    }

    fn ring_caps(rings: &Rings) -> Vec<usize> {
        rings.all.lock().iter().map(|r| r.cap).collect()
    }

    /// The `i` of every entry ring `at` hands out now.
    fn read(reader: &mut RingReader, at: usize) -> Vec<i64> {
        let mut rec = Record::new(Level::Info, "", "");
        let mut got = Vec::new();
        if reader.start(at) {
            while reader.take(at, &mut rec) {
                match rec.fields.as_slice() {
                    [(k, Value::Int(i))] if k == "i" => got.push(*i),
                    other => panic!("unexpected fields {other:?}"),
                }
            }
            reader.release(at);
        }
        got
    }

    #[test]
    fn a_full_ring_doubles_up_to_the_limit_then_refuses() {
        let rings = Arc::new(Rings::for_queue(1024)); // at most 256 KiB
        let message = "m".repeat(1000);
        let published = std::thread::scope(|s| s.spawn(|| fill(&rings, &message)).join().unwrap());
        assert_eq!(ring_caps(&rings), [64 << 10, 128 << 10, 256 << 10]);
        // Each ring took entries, one per line-aligned slot, until a whole
        // entry_max no longer fit.
        let per = line_up((HEADER + (4 + 1) + (4 + message.len()) + (1 + 4 + 1 + 8)) as u64);
        assert_eq!(per, 1088);
        let fits = |cap: u64| (cap - 4096) / per + 1;
        assert_eq!(
            published as u64,
            fits(64 << 10) + fits(128 << 10) + fits(256 << 10)
        );
    }

    #[test]
    fn a_ring_is_full_until_the_reader_releases_space() {
        let rings = Arc::new(Rings::for_queue(64)); // one ring of 64 KiB
        let mut reader = RingReader::new(rings.clone());
        assert!(!full(&rings));
        let published = fill(&rings, &"m".repeat(1000));
        assert!(full(&rings));
        reader.refresh();
        assert!(reader.start(0));
        let mut rec = Record::new(Level::Info, "", "");
        // The next entry wraps to the ring's start and needs entry_max
        // (4 KiB) there: four 1,088-byte entries.
        for _ in 0..3 {
            assert!(reader.take(0, &mut rec));
        }
        reader.release(0);
        assert!(full(&rings));
        assert!(reader.take(0, &mut rec));
        assert!(full(&rings), "space comes back only on release");
        reader.release(0);
        assert!(!full(&rings));
        assert_eq!(ring_caps(&rings), [64 << 10]);
        assert_eq!(published, 57);
    }

    #[test]
    fn entries_decode_to_what_was_captured_and_carry_context_changes() {
        let rings = Arc::new(Rings::for_queue(4096));
        let ctx = Arc::new(Context {
            correlation_id: Some("c-1".into()),
            ..Context::default()
        });
        let time = UNIX_EPOCH + Duration::from_nanos(1_796_126_400_123_456_789);
        for (i, bound) in [true, true, false].into_iter().enumerate() {
            context::set_current(bound.then(|| ctx.clone()));
            let mut w = ready(Writing::open(
                &rings,
                Stamp::Nanos(nanos_of(time)),
                Level::Error,
            ));
            assert!(w.names("app", &format!("m{i}")));
            assert!(w.field("s", Scalar::Str("v")));
            assert!(w.field("n", Scalar::Int(-1)));
            assert!(w.object(r#"{"o":1}"#));
            assert!(w.finish(true, &rings));
        }
        context::clear_current();
        // The lane let go of it when the context was cleared, and the
        // first entry carries a copy without the correlation id (`strip`).
        assert_eq!(Arc::strong_count(&ctx), 1);
        let mut reader = RingReader::new(rings.clone());
        reader.refresh();
        assert_eq!(reader.pending(), 3);
        assert!(reader.start(0));
        let mut rec = Record::new(Level::Info, "", "");
        let mut seen = Vec::new();
        for i in 0..3 {
            assert!(reader.take(0, &mut rec));
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
            assert_eq!(reader.pending(), 2 - i as u64);
        }
        assert!(!reader.take(0, &mut rec));
        assert_eq!(seen, [Some(None), Some(None), None]);
    }

    #[test]
    fn counted_stamps_decode_to_the_wall_clock_time_of_the_capture() {
        let rings = Arc::new(Rings::for_queue(4096));
        // The lane's first entry makes its ring: not inside the bracket.
        drop(ready(Writing::open(&rings, Stamp::Nanos(0), Level::Info)));
        // Measures the counter before the first count, as `Logger::new` does.
        let counted = stamp::counted();
        let before = SystemTime::now();
        let mut w = ready(Writing::open(&rings, Stamp::now(true), Level::Info));
        let after = SystemTime::now();
        // SAFETY: the header is written.
        assert_eq!(unsafe { *w.buf.add(6) }, [NANOS, TICKS][counted as usize]);
        assert!(w.names("app", "m"));
        // Far enough apart that the anchors are taken after the stamp.
        std::thread::sleep(Duration::from_millis(5));
        let mut spilled = Record::new(Level::Info, "", "");
        w.to_record(&mut spilled);
        assert!(w.finish(false, &rings));
        drop(w);
        std::thread::sleep(Duration::from_millis(5));
        let mut reader = RingReader::new(rings.clone());
        reader.refresh();
        assert!(reader.start(0));
        let mut rec = Record::new(Level::Info, "", "");
        assert!(reader.take(0, &mut rec));
        // Within a few microseconds: the clocks' own jitter, not the 5 ms
        // waits, and nothing like a count taken for nanoseconds.
        let slack = Duration::from_micros(20);
        for time in [spilled.time, rec.time] {
            assert!(
                time + slack >= before && time <= after + slack,
                "{time:?} is not within {before:?}..{after:?}"
            );
        }
    }

    #[test]
    fn rings_of_exited_threads_go_once_their_entries_are_decoded() {
        let rings = Arc::new(Rings::for_queue(4096));
        for t in 0..3 {
            let r = rings.clone();
            std::thread::spawn(move || assert!(publish(&r, "m", t)))
                .join()
                .unwrap();
        }
        let mut reader = RingReader::new(rings.clone());
        reader.refresh();
        reader.prune();
        assert_eq!(ring_caps(&rings).len(), 3, "entries still published");
        assert_eq!(
            (read(&mut reader, 0), read(&mut reader, 1)),
            (vec![0], vec![1])
        );
        reader.prune();
        assert_eq!((ring_caps(&rings).len(), reader.len()), (1, 1));
        assert_eq!(read(&mut reader, 0), [2]);
        reader.prune();
        assert!(ring_caps(&rings).is_empty());
    }

    #[test]
    fn an_entry_waits_for_the_detours_its_thread_queued_before_it() {
        let rings = Arc::new(Rings::for_queue(4096));
        let mut reader = RingReader::new(rings.clone());
        assert!(publish(&rings, "m", 1));
        let mut detoured = None;
        let queued = detour(&rings, |ring| {
            detoured = ring;
            Ok::<_, ()>(true)
        });
        assert_eq!(queued, Ok(true));
        // A detour the queue refused holds nothing back.
        assert_eq!(detour(&rings, |_| Ok::<_, ()>(false)), Ok(false));
        assert!(publish(&rings, "m", 2));
        reader.refresh();
        assert_eq!(read(&mut reader, 0), [1]);
        assert_eq!(
            read(&mut reader, 0),
            [] as [i64; 0],
            "2 waits for the detour"
        );
        reader.detour_written(&detoured.unwrap());
        assert_eq!(read(&mut reader, 0), [2]);
    }

    #[test]
    fn a_grown_ring_is_read_once_the_one_before_is_done() {
        let rings = Arc::new(Rings::for_queue(1024));
        let mut reader = RingReader::new(rings.clone());
        let message = "m".repeat(1000);
        let mut i = 0;
        let mut detoured = None;
        while ring_caps(&rings).len() < 2 {
            if i == 5 {
                detour(&rings, |ring| {
                    detoured = ring;
                    Ok::<_, ()>(true)
                })
                .unwrap();
            }
            assert!(publish(&rings, &message, i));
            i += 1;
        }
        // Entry `i - 1` went to the new ring, after all of the old one's.
        reader.refresh();
        assert_eq!(read(&mut reader, 1), [] as [i64; 0]);
        assert_eq!(read(&mut reader, 0), (0..5).collect::<Vec<_>>());
        assert_eq!(read(&mut reader, 1), [] as [i64; 0], "the detour first");
        reader.detour_written(&detoured.unwrap());
        assert_eq!(
            read(&mut reader, 1),
            [] as [i64; 0],
            "the old ring's rest first"
        );
        assert_eq!(read(&mut reader, 0), (5..i - 1).collect::<Vec<_>>());
        assert_eq!(read(&mut reader, 1), [i - 1]);
    }

    #[test]
    fn nothing_is_published_once_the_logger_is_closed() {
        // With and without `barrier::heavy`.
        for light in [crate::barrier::available(), false] {
            let rings = Arc::new(Rings::new(4096, light));
            let mut reader = RingReader::new(rings.clone());
            let mut w = ready(Writing::open(&rings, Stamp::Nanos(0), Level::Info));
            assert!(w.names("t", "opened before the shutdown"));
            rings.closed.store(true, SeqCst);
            assert!(!w.finish(false, &rings));
            assert!(!reader.any_publishing());
            reader.refresh();
            assert_eq!(reader.pending(), 0);
            assert_eq!(read(&mut reader, 0), [] as [i64; 0]);
            assert!(matches!(
                Writing::open(&rings, Stamp::Nanos(0), Level::Info),
                Open::Refused
            ));
        }
    }

    #[test]
    fn a_publish_wakes_a_sleeping_reader() {
        for light in [crate::barrier::available(), false] {
            let rings = Arc::new(Rings::new(4096, light));
            let r = rings.clone();
            let sleeper = std::thread::spawn(move || {
                let mut reader = RingReader::new(r.clone());
                r.set_writer(std::thread::current());
                let start = std::time::Instant::now();
                reader.sleep(|| false, Duration::from_secs(60));
                start.elapsed()
            });
            while !rings.sleeping.load(SeqCst) {
                std::thread::yield_now();
            }
            std::thread::sleep(Duration::from_millis(20));
            assert!(publish(&rings, "m", 1));
            let slept = sleeper.join().unwrap();
            assert!(slept < Duration::from_secs(30), "light {light}: {slept:?}");
        }
    }

    #[test]
    fn a_field_that_does_not_fit_leaves_the_entry_as_it_was() {
        let rings = Arc::new(Rings::for_queue(4096));
        let mut w = ready(Writing::open(&rings, Stamp::Nanos(0), Level::Info));
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
        assert!(matches!(
            Writing::open(&rings, Stamp::Nanos(0), Level::Info),
            Open::Refused
        ));
        drop(w);
        ready(Writing::open(&rings, Stamp::Nanos(0), Level::Info));
    }
}
