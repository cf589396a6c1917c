//! The writer thread: takes records from the callers' rings and batches
//! from the channel, runs the stages (validation, masking) on each record,
//! encodes once per profile, fans out to sinks, and hands each batch to
//! the OS in one write per sink.

use crate::encode::Encoder;
use crate::level::Level;
use crate::logger::{Chunk, CHUNK};
use crate::metrics::{Counters, SinkStats};
use crate::record::{Record, Slots};
use crate::ring::{Ring, RingReader};
use crate::sink::{Losses, Sink};
use crossbeam_channel::{Receiver, Sender, TryRecvError};
use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Most records taken from the channel, and from each ring, before sinks
/// are flushed.
const BATCH: usize = 1024;
/// Most time a record waits when the writer is idle.
const IDLE_NAP: Duration = Duration::from_micros(500);
/// How long a writer that found nothing to do keeps napping (polling
/// every `IDLE_NAP`) before it sleeps until woken. While it naps, records
/// pile up into whole batches and a caller wakes nobody: waking a parked
/// writer (a futex call, and on a virtual machine an interrupt to the
/// other CPU) costs the caller several microseconds, which would land on
/// the first record after every pause. A flush, a shutdown or a full
/// queue does wake it (`Logger` unparks the thread).
const LINGER: Duration = Duration::from_millis(50);
/// Longest sleep: what a record waits at worst should its caller's
/// wake-up slip past the writer's last look (see `RingReader::sleep`).
const SLEEP: Duration = Duration::from_millis(100);
/// Sink errors are reported on stderr at most once per this interval.
const REPORT_EVERY: Duration = Duration::from_secs(10);

pub(crate) enum Msg {
    /// A record that did not travel in a ring: a detour, with its
    /// thread's ring, whose earlier entries go first (`ring::detour`).
    Record(Box<Record>, Option<Arc<Ring>>),
    /// Acknowledged once everything queued before it is written.
    Flush(Sender<()>),
    /// Drain, flush, acknowledge and stop.
    Shutdown(Sender<()>),
}

/// A step every record passes on the writer thread before encoding.
pub trait Stage: Send {
    /// Returns false to drop the record (the stage counts why).
    fn apply(&mut self, rec: &mut Record) -> bool;
    /// Records the stage made (the security monitor's alerts), taken
    /// after each record and sent through every stage and sink like a
    /// logged one. Most stages make none.
    fn drain_extra(&mut self, _out: &mut Vec<Record>) {}
    /// Called for every record once it is written (or dropped), before
    /// the next is applied: a stage takes back what it lent the record.
    fn after(&mut self, _rec: &mut Record) {}
    /// Makes what the stage counted on its own visible in its metrics.
    /// Called at the end of every batch, so before a flush returns.
    fn publish(&mut self) {}
}

pub(crate) struct Output {
    pub sink: Box<dyn Sink>,
    pub min_level: Level,
    /// Index into the writer's encoders.
    pub encoder: usize,
    /// Only records of these types, when set (`SinkConfig::log_types`).
    pub log_types: Option<Vec<crate::record::LogType>>,
}

pub(crate) struct Writer {
    pub rx: Receiver<Msg>,
    pub stages: Vec<Box<dyn Stage>>,
    pub encoders: Vec<Box<dyn Encoder>>,
    pub outputs: Vec<Output>,
    pub counters: Arc<Counters>,
    pub sink_stats: Arc<Vec<SinkStats>>,
    pub inflight: Arc<std::sync::atomic::AtomicUsize>,
    /// Written records go back to the callers (`Logger::record`), who
    /// refill them: no allocation per record, and no memory freed on a
    /// thread other than the one that allocated it (under glibc that costs
    /// the arena lock, often a futex wake, per record).
    pub spent: Sender<Chunk>,
    /// Written records gathered for the next chunk to `spent`.
    pub returning: Chunk,
    /// Field slots for records whose fields are caller JSON.
    pub slots: Slots,
    pub rings: RingReader,
    /// The record ring entries are decoded into, reused for every one.
    pub unpacked: Option<Box<Record>>,
}

struct State {
    bufs: Vec<Vec<u8>>,
    /// Lines handed to each output since its last flush.
    pending: Vec<u64>,
    last_report: Vec<Option<Instant>>,
    unreported_errors: Vec<u64>,
    /// Records written since the counter was last updated (`end_batch`).
    written: u64,
    /// Per encoder: exactly one output uses it, so a sink that gathers
    /// lines can have them encoded straight into its buffer.
    sole: Vec<bool>,
}

impl Writer {
    pub fn run(mut self) {
        let mut st = State {
            bufs: vec![Vec::with_capacity(4096); self.encoders.len()],
            pending: vec![0; self.outputs.len()],
            last_report: vec![None; self.outputs.len()],
            unreported_errors: vec![0; self.outputs.len()],
            written: 0,
            sole: (0..self.encoders.len())
                .map(|e| self.outputs.iter().filter(|o| o.encoder == e).count() == 1)
                .collect(),
        };
        let mut batch: Vec<Msg> = Vec::with_capacity(BATCH);
        let mut worked = Instant::now();
        loop {
            let mut disconnected = false;
            while batch.len() < BATCH {
                match self.rx.try_recv() {
                    Ok(msg) => batch.push(msg),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        disconnected = true;
                        break;
                    }
                }
            }
            let mut busy = !batch.is_empty();
            let mut msgs = batch.drain(..);
            while let Some(msg) = msgs.next() {
                // Records were filled on the callers' cores: start loading
                // the record three ahead, what the one two ahead points to,
                // and the strings of the next one's fields.
                let ahead = msgs.as_slice();
                if let Some(Msg::Record(r, _)) = ahead.get(2) {
                    prefetch::record(r);
                }
                if let Some(Msg::Record(r, _)) = ahead.get(1) {
                    prefetch::contents(r);
                }
                if let Some(Msg::Record(r, _)) = ahead.first() {
                    prefetch::fields(r);
                }
                match msg {
                    Msg::Shutdown(ack) => {
                        for msg in msgs.by_ref() {
                            self.take(msg, &mut st);
                        }
                        self.drain_after_shutdown(&mut st);
                        self.sync_sinks(&mut st, true);
                        let _ = ack.send(());
                        return;
                    }
                    msg => self.take(msg, &mut st),
                }
            }
            drop(msgs);
            busy |= self.poll(BATCH, &mut st) > 0;
            if busy {
                self.end_batch(&mut st);
                worked = Instant::now();
            } else if disconnected {
                return self.end_batch(&mut st);
            } else if worked.elapsed() < LINGER {
                std::thread::park_timeout(IDLE_NAP);
            } else {
                let rx = &self.rx;
                self.rings.sleep(|| !rx.is_empty(), SLEEP);
            }
        }
    }

    /// Handles a message; a shutdown met here (a second one) is only
    /// acknowledged, as a flush is.
    fn take(&mut self, msg: Msg, st: &mut State) {
        match msg {
            Msg::Record(rec, ring) => {
                // The entries its thread published before queuing it go
                // first; those after it wait for it.
                match ring.as_ref().and_then(|r| self.rings.position(r)) {
                    Some(i) => self.drain_thread(i, st),
                    None => {
                        self.poll(usize::MAX, st);
                    }
                }
                self.process(rec, st);
                if let Some(ring) = ring {
                    self.rings.detour_written(&ring);
                }
            }
            Msg::Flush(ack) | Msg::Shutdown(ack) => {
                self.poll(usize::MAX, st);
                self.end_batch(st);
                self.sync_sinks(st, false);
                let _ = ack.send(());
            }
        }
    }

    /// Writes what every ring holds, at most `budget` entries of each.
    fn poll(&mut self, budget: usize, st: &mut State) -> usize {
        self.rings.refresh();
        (0..self.rings.len())
            .map(|i| self.drain(i, budget, st))
            .sum()
    }

    /// Writes ring `i`'s entries after those of the rings its thread used
    /// before it.
    fn drain_thread(&mut self, i: usize, st: &mut State) {
        if let Some(prev) = self.rings.prev(i) {
            self.drain_thread(prev, st);
        }
        self.drain(i, usize::MAX, st);
    }

    /// Writes up to `budget` of the entries ring `i` holds now.
    fn drain(&mut self, i: usize, budget: usize, st: &mut State) -> usize {
        if !self.rings.start(i) {
            return 0;
        }
        let mut rec = self
            .unpacked
            .take()
            .unwrap_or_else(|| Box::new(Record::new(Level::Info, "", "")));
        let mut n = 0;
        while n < budget && self.rings.take(i, &mut rec) {
            prefetch::entry(self.rings.upcoming(i));
            rec.resolve_raw();
            self.write(&mut rec, st);
            rec.trim();
            n += 1;
        }
        self.rings.release(i);
        self.unpacked = Some(rec);
        n
    }

    /// Writes whatever callers still manage to publish or push while
    /// shutting down, until no caller is inside a capture or a push any
    /// more; those that come later see the logger closed.
    fn drain_after_shutdown(&mut self, st: &mut State) {
        loop {
            let quiet = self.inflight.load(SeqCst) == 0 && !self.rings.any_publishing();
            let mut n = self.poll(usize::MAX, st);
            while let Ok(msg) = self.rx.try_recv() {
                self.take(msg, st);
                n += 1;
            }
            if quiet && n == 0 {
                break;
            }
            if n == 0 {
                std::thread::yield_now();
            }
        }
        self.end_batch(st);
    }

    fn process(&mut self, mut rec: Box<Record>, st: &mut State) {
        let borrowed = rec.borrow_slots(&mut self.slots);
        rec.resolve_raw();
        self.write(&mut rec, st);
        if borrowed {
            rec.return_slots(&mut self.slots);
        }
        rec.trim();
        self.returning.push(rec);
        if self.returning.len() == CHUNK {
            let chunk = std::mem::replace(&mut self.returning, Vec::with_capacity(CHUNK));
            let _ = self.spent.try_send(chunk);
        }
    }

    /// Runs the stages and writes the record, then any records the stages
    /// made.
    fn write(&mut self, rec: &mut Record, st: &mut State) {
        if self.stages.iter_mut().all(|stage| stage.apply(rec)) {
            self.emit(rec, st);
        }
        for stage in &mut self.stages {
            stage.after(rec);
        }
        let mut extra = Vec::new();
        for stage in &mut self.stages {
            stage.drain_extra(&mut extra);
        }
        for rec in extra {
            self.process(Box::new(rec), st);
        }
    }

    /// Encodes once per profile in use and hands the line to each sink
    /// whose minimum level the record meets.
    fn emit(&mut self, rec: &Record, st: &mut State) {
        for b in &mut st.bufs {
            b.clear();
        }
        for (i, out) in self.outputs.iter_mut().enumerate() {
            if rec.level < out.min_level {
                continue;
            }
            if let Some(types) = &out.log_types {
                if !rec.log_type.is_some_and(|t| types.contains(&t)) {
                    continue;
                }
            }
            let encoder = &mut self.encoders[out.encoder];
            let done = match out.sink.gather() {
                Some(gathered) if st.sole[out.encoder] => {
                    encoder.encode(rec, gathered);
                    out.sink.gathered(rec.level)
                }
                _ => {
                    let buf = &mut st.bufs[out.encoder];
                    if buf.is_empty() {
                        encoder.encode(rec, buf);
                    }
                    out.sink.write(buf, rec.level)
                }
            };
            match done {
                Ok(()) => st.pending[i] += 1,
                Err(e) => account(&mut *out.sink, &self.sink_stats[i], i, 1, Err(e), st),
            }
        }
        st.written += 1;
    }

    fn end_batch(&mut self, st: &mut State) {
        for stage in &mut self.stages {
            stage.publish();
        }
        let dropped = self.counters.dropped_unreported.swap(0, Relaxed);
        if dropped > 0 {
            let rec = Record::new(Level::Warning, "logfort", "logfort.dropped")
                .field("dropped", dropped)
                .field("reason", "queue_full");
            self.emit(&rec, st);
        }
        for i in 0..self.outputs.len() {
            let lines = std::mem::take(&mut st.pending[i]);
            let result = self.outputs[i].sink.flush();
            account(
                &mut *self.outputs[i].sink,
                &self.sink_stats[i],
                i,
                lines,
                result,
                st,
            );
        }
        self.counters
            .written
            .fetch_add(std::mem::take(&mut st.written), Relaxed);
        let depth = self.rx.len() as u64 + self.rings.pending();
        self.counters.queue_depth.store(depth, Relaxed);
        self.rings.prune();
    }
}

impl Writer {
    /// `Logger::flush` (`close` false) or shutdown (`close` true): waits,
    /// within each sink's bound, for delivery.
    fn sync_sinks(&mut self, st: &mut State, close: bool) {
        for (i, out) in self.outputs.iter_mut().enumerate() {
            let result = if close {
                out.sink.close()
            } else {
                out.sink.sync()
            };
            account(&mut *out.sink, &self.sink_stats[i], i, 0, result, st);
        }
    }
}

/// Cache hints for records about to be processed: a hint never changes
/// what a program does, only when memory arrives.
mod prefetch {
    use crate::record::Record;

    #[inline]
    fn line<T>(p: *const T) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a prefetch is a hint; it never faults, whatever the address.
        unsafe {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            _mm_prefetch::<_MM_HINT_T0>(p.cast());
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = p;
    }

    /// The record itself (its first lines).
    pub fn record(r: &Record) {
        let p = r as *const Record as *const u8;
        line(p);
        line(p.wrapping_add(64));
        line(p.wrapping_add(128));
        line(p.wrapping_add(192));
    }

    /// The first lines of a ring entry.
    pub fn entry(at: *const u8) {
        for off in (0..256).step_by(64) {
            line(at.wrapping_add(off));
        }
    }

    /// What the record points to: message, logger, the field list.
    pub fn contents(r: &Record) {
        line(r.message.as_ptr());
        line(r.logger.as_ptr());
        let f = r.fields.as_ptr() as *const u8;
        let bytes = r.fields.len() * std::mem::size_of::<(String, crate::value::Value)>();
        for off in (0..bytes.min(512)).step_by(64) {
            line(f.wrapping_add(off));
        }
    }

    /// The keys and string values of the first fields.
    pub fn fields(r: &Record) {
        for (k, v) in r.fields.iter().take(8) {
            line(k.as_ptr());
            if let Some(s) = v.as_str() {
                line(s.as_ptr());
            }
        }
    }
}

/// Counts what a sink operation lost: from the sink's own account when it
/// keeps one, else `lines` on failure. Reports on stderr once per burst.
fn account(
    sink: &mut dyn Sink,
    stats: &SinkStats,
    i: usize,
    lines: u64,
    result: std::io::Result<()>,
    st: &mut State,
) {
    let losses = match sink.take_losses() {
        Some(l) => l,
        None => match result {
            Ok(()) => return,
            Err(e) => Losses {
                errors: 1,
                dropped: lines,
                last_error: Some(e.to_string()),
            },
        },
    };
    if losses.is_empty() {
        return;
    }
    stats.errors.fetch_add(losses.errors, Relaxed);
    stats.dropped.fetch_add(losses.dropped, Relaxed);
    st.unreported_errors[i] += losses.dropped;
    let due = st.last_report[i].is_none_or(|t| t.elapsed() >= REPORT_EVERY);
    if due {
        let err = losses.last_error.as_deref().unwrap_or("records dropped");
        eprintln!(
            "logfort: sink {} failed ({err}); {} record(s) not written since the last report",
            stats.name, st.unreported_errors[i]
        );
        st.last_report[i] = Some(Instant::now());
        st.unreported_errors[i] = 0;
    }
}
