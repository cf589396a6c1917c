//! `Logger`: the caller-side half of the pipeline. A call checks the
//! level, captures the context and pushes the record; the writer thread
//! does everything else.

use crate::audit::TypeGate;
use crate::config::{Config, Overflow};
use crate::context;
use crate::encode::{self, Format};
use crate::error::{Error, Result};
use crate::level::Level;
use crate::mask::Masker;
use crate::metrics::{Counters, Metrics, Report, SinkStats};
use crate::pipeline;
use crate::record::{Record, Slots};
use crate::ring::{self, Open, RingReader, Rings, Writing};
use crate::schema::{Policy, Validator};
use crate::stamp::{self, Stamp};
use crate::writer::{Msg, Output, Writer};
use crossbeam_channel::{bounded, Receiver, Sender, TrySendError};
use parking_lot::Mutex;
use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering::*};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

/// Written records go back to callers (`Logger::record`) in chunks of
/// this many: one channel operation per chunk rather than per record on
/// each side.
pub(crate) const CHUNK: usize = 64;

/// A chunk of written records. Boxed: a record travels the queue as a
/// pointer, and a chunk hands the same boxes on.
#[allow(clippy::vec_box)]
pub(crate) type Chunk = Vec<Box<Record>>;
/// Most chunks kept for callers to reuse; beyond it the writer frees them.
const SPENT_CHUNKS: usize = 16;

thread_local! {
    /// The chunk of written records this thread is reusing. Records are
    /// alike whichever logger's pool they came from.
    static STASH: RefCell<Chunk> = const { RefCell::new(Vec::new()) };
}

/// How long dropping a logger waits for its records to be written.
pub const DROP_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Logger {
    tx: Sender<Msg>,
    level: Level,
    overflow: Overflow,
    config: Config,
    counters: Arc<Counters>,
    reports: Vec<Arc<dyn Report>>,
    /// Set under schema policy `strict`: records are validated here.
    strict: Option<Arc<Validator>>,
    /// Captures stamp counts of the time-stamp counter (`stamp`): it is
    /// usable, and records go through the rings.
    counts: bool,
    gate: Arc<TypeGate>,
    /// The masking engine, when masking is enabled.
    masker: Option<Arc<Masker>>,
    /// Records the writer is done with, handed out again by `record`.
    spent: Receiver<Chunk>,
    /// The callers' rings (`Capture`), and the closed flag.
    rings: Arc<Rings>,
    /// Callers between the closed check and the end of a push to the
    /// channel.
    inflight: Arc<AtomicUsize>,
    thread: Mutex<Option<JoinHandle<()>>>,
    /// The writer, to cut its nap short when a flush or shutdown is queued
    /// or the queue is full (a record wakes it only from a sleep: see
    /// `writer::LINGER`).
    writer: std::thread::Thread,
}

impl std::fmt::Debug for Logger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logger")
            .field("level", &self.level)
            .finish_non_exhaustive()
    }
}

impl Logger {
    /// Builds the pipeline from configuration: opens every sink (an error
    /// names the one that failed) and starts the writer thread.
    pub fn new(config: Config) -> Result<Logger> {
        let mut formats: Vec<Format> = Vec::new();
        let mut outputs = Vec::with_capacity(config.sinks.len());
        let mut stats = Vec::with_capacity(config.sinks.len());
        let mut encoders = Vec::new();
        for (i, sc) in config.sinks.iter().enumerate() {
            let sink = sc.open_with(&config.meta()).map_err(|e| {
                Error::Config(format!(
                    "`sinks[{i}]` ({}): cannot open: {e}",
                    sc.describe()
                ))
            })?;
            let format = sc.format.unwrap_or(config.format);
            let color = format == Format::Text && sc.wants_color();
            let encoder = match formats.iter().position(|f| *f == format).filter(|_| !color) {
                Some(i) => i,
                None => {
                    formats.push(format);
                    encoders.push(encode::encoder(format, config.meta(), color));
                    encoders.len() - 1
                }
            };
            stats.push(SinkStats {
                name: sink.describe(),
                errors: Default::default(),
                dropped: Default::default(),
            });
            outputs.push(Output {
                sink,
                min_level: sc.min_level.unwrap_or(Level::Trace).max(config.level),
                encoder,
                log_types: sc.log_types.clone(),
            });
        }
        let schema = Validator::for_config(&config.schema);
        let masker = crate::mask::for_config(&config.mask)?;
        let (stages, mut stage_reports) =
            pipeline::stages_with_schema(&config, schema.clone(), masker.clone())?;
        let gate = Arc::new(TypeGate::new(&config.audit, &config.performance));
        stage_reports.push(gate.clone());
        let counters = Arc::new(Counters::default());
        let sink_stats = Arc::new(stats);
        let inflight = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = bounded(config.queue.capacity);
        let (spent_tx, spent) = bounded(SPENT_CHUNKS);
        let rings = Arc::new(Rings::for_queue(config.queue.capacity));
        let writer = Writer {
            rx,
            stages,
            encoders,
            outputs,
            counters: counters.clone(),
            sink_stats: sink_stats.clone(),
            inflight: inflight.clone(),
            spent: spent_tx,
            returning: Vec::with_capacity(CHUNK),
            slots: Slots::default(),
            rings: RingReader::new(rings.clone()),
            unpacked: None,
        };
        let thread = std::thread::Builder::new()
            .name("logfort-writer".into())
            .spawn(move || writer.run())?;
        let writer = thread.thread().clone();
        rings.set_writer(writer.clone());
        let strict = schema.filter(|v| v.policy() == Policy::Strict);
        Ok(Logger {
            tx,
            level: config.effective_level(),
            overflow: config.queue.overflow,
            reports: [
                vec![counters.clone() as Arc<dyn Report>, sink_stats],
                stage_reports,
            ]
            .concat(),
            counts: stamp::counted() && strict.is_none(),
            strict,
            gate,
            masker,
            counters,
            config,
            inflight,
            spent,
            rings,
            thread: Mutex::new(Some(thread)),
            writer,
        })
    }

    /// Configuration from a JSON document (or `LOG_CONFIG`) plus `LOG_*`.
    pub fn from_json(doc: Option<&str>) -> Result<Logger> {
        Logger::new(Config::load(doc)?)
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The cheap check callers make before capturing anything.
    #[inline]
    pub fn enabled(&self, level: Level) -> bool {
        level >= self.level
    }

    /// True when the queue has no room: a binding releases its runtime's
    /// lock (Python's GIL) before a push that would wait.
    pub fn queue_full(&self) -> bool {
        self.tx.is_full()
    }

    /// The lowest level any sink writes.
    pub fn level(&self) -> Level {
        self.level
    }

    /// Queues a record. A record without a context takes the calling
    /// thread's. Under `block` this waits for space; under `drop` a full
    /// queue counts the record as dropped and returns `Ok`.
    /// Records of a disabled type (`audit.enabled`, `performance.enabled`)
    /// are counted and skipped. Under schema policy `strict` the record is
    /// validated here (its caller JSON parsed too: a development mode) and
    /// a violation is returned as `Error::Schema`, nothing written.
    pub fn log(&self, rec: impl Into<Box<Record>>) -> Result<()> {
        let mut rec = rec.into();
        if !self.enabled(rec.level) || !self.gate.allows(rec.log_type) {
            return Ok(());
        }
        if rec.context.is_none() {
            context::with_current(|c| rec.set_context(c));
        }
        if !self.config.include_correlation_id {
            if let Some(c) = rec
                .context
                .as_deref()
                .filter(|c| c.correlation_id.is_some())
            {
                let mut c = c.clone();
                c.correlation_id = None;
                c.correlation_id_rejected = false;
                rec.context = Some(Arc::new(c));
            }
        }
        if let Some(v) = &self.strict {
            rec.resolve_raw();
            v.enforce(&rec)?;
        }
        // Callers that build their own records leave the pool to fill up:
        // free a chunk here, on the allocating side, once it is nearly
        // full (the writer frees what overflows). Not sooner: a caller that
        // takes its records from the pool would be handed fresh ones.
        if self.spent.len() > SPENT_CHUNKS - 2 {
            drop(self.spent.try_recv());
        }
        ring::detour(&self.rings, |ring| self.push(Msg::Record(rec, ring))).map(|_| ())
    }

    /// A record to fill and `log`: one the writer has written, reset with
    /// its buffers kept, when there is one. Callers on the hot path use
    /// this rather than `Record::new`, so that a steady stream of records
    /// allocates nothing for them.
    pub fn record(&self, level: Level, logger: &str, message: &str) -> Box<Record> {
        self.record_at(SystemTime::now(), level, logger, message)
    }

    /// `record` stamped with a time the caller already has (Python's
    /// `LogRecord.created`).
    pub fn record_at(
        &self,
        time: SystemTime,
        level: Level,
        logger: &str,
        message: &str,
    ) -> Box<Record> {
        let pooled = STASH.try_with(|stash| {
            let mut stash = stash.try_borrow_mut().ok()?;
            if stash.is_empty() {
                *stash = self.spent.try_recv().ok()?;
            }
            stash.pop()
        });
        match pooled {
            Ok(Some(mut rec)) => {
                rec.reset(time, level, logger, message);
                rec
            }
            _ => Box::new(Record::new_at(time, level, logger, message)),
        }
    }

    pub(crate) fn rings(&self) -> &Arc<Rings> {
        &self.rings
    }

    /// True when a capture on this thread would wait for room under
    /// `block` (its ring is full and as large as it grows): a binding
    /// calls `wait_for_ring` first, with its runtime's lock (Python's
    /// GIL) released.
    pub fn ring_full(&self) -> bool {
        self.overflow == Overflow::Block && ring::full(&self.rings)
    }

    /// Waits until `ring_full` is false, or the logger is shut down.
    pub fn wait_for_ring(&self) {
        let mut attempt = 0;
        while self.ring_full() && !self.is_shut_down() {
            backoff(attempt, &self.writer);
            attempt += 1;
        }
    }

    /// An entry in the calling thread's ring, or `None` when the record
    /// goes the boxed way. A full ring at its largest is a full queue:
    /// under `block` the call waits for room, under `drop` the record is
    /// boxed and meets the channel's policy.
    #[inline(always)]
    pub(crate) fn open_ring(&self, stamp: Stamp, level: Level) -> Option<Writing> {
        loop {
            match Writing::open(&self.rings, stamp, level) {
                Open::Ready(w) => return Some(w),
                Open::Full if self.waited_for_ring() => {}
                Open::Full | Open::Refused => return None,
            }
        }
    }

    /// Under `block`, waits for room in the calling thread's full ring;
    /// false when the record should go the boxed way instead. Out of line,
    /// so that no entry being opened passes through memory.
    #[cold]
    fn waited_for_ring(&self) -> bool {
        // A shut-down writer makes no more room.
        let wait = self.overflow == Overflow::Block && !self.is_shut_down();
        if wait {
            self.wait_for_ring();
        }
        wait
    }

    /// Whether records of this type are written (`audit.enabled`,
    /// `performance.enabled`); a refused one is counted.
    pub(crate) fn allows(&self, t: Option<crate::record::LogType>) -> bool {
        self.gate.allows(t)
    }

    /// Schema policy `strict`: records are validated on the caller.
    pub(crate) fn strict(&self) -> bool {
        self.strict.is_some()
    }

    /// A capture's stamp, taken now.
    #[inline(always)]
    pub(crate) fn stamp(&self) -> Stamp {
        Stamp::now(self.counts)
    }

    /// Queues `msg` under the overflow policy: `Ok(false)` when `drop`
    /// dropped it (counted).
    fn push(&self, msg: Msg) -> Result<bool> {
        // With `closed`, a Dekker pair: a shutdown either waits for this
        // push or is seen by it.
        self.inflight.fetch_add(1, SeqCst);
        let result = if self.rings.closed.load(SeqCst) {
            Err(Error::Shutdown)
        } else {
            match self.overflow {
                Overflow::Block => send_with_backoff(&self.tx, msg, &self.writer).map(|()| true),
                Overflow::Drop => match self.tx.try_send(msg) {
                    Ok(()) => Ok(true),
                    Err(TrySendError::Full(_)) => {
                        // A napping writer drains no sooner for being
                        // pushed to, so the drops would go on until its
                        // nap ends.
                        self.writer.unpark();
                        self.counters.dropped_queue_full.fetch_add(1, Relaxed);
                        self.counters.dropped_unreported.fetch_add(1, Relaxed);
                        Ok(false)
                    }
                    Err(TrySendError::Disconnected(_)) => Err(Error::Shutdown),
                },
            }
        };
        self.inflight.fetch_sub(1, SeqCst);
        // A full barrier between the message and the writer's `sleeping`
        // flag (the fetch_sub above is one).
        self.rings.wake();
        match result {
            Err(Error::Shutdown) => Err(self.refused()),
            other => other,
        }
    }

    /// A record refused because the logger is shut down: counted.
    pub(crate) fn refused(&self) -> Error {
        self.counters.dropped_shutdown.fetch_add(1, Relaxed);
        Error::Shutdown
    }

    /// Returns once every record queued before the call is written to
    /// every sink, or `Error::Timeout`.
    pub fn flush(&self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        let (ack_tx, ack_rx) = bounded(1);
        if self.rings.closed.load(Acquire) {
            return Err(Error::Shutdown);
        }
        self.tx
            .send_deadline(Msg::Flush(ack_tx), deadline)
            .map_err(|e| match e {
                crossbeam_channel::SendTimeoutError::Timeout(_) => Error::Timeout(timeout),
                crossbeam_channel::SendTimeoutError::Disconnected(_) => Error::Shutdown,
            })?;
        self.writer.unpark();
        ack_rx.recv_deadline(deadline).map_err(|e| match e {
            crossbeam_channel::RecvTimeoutError::Timeout => Error::Timeout(timeout),
            crossbeam_channel::RecvTimeoutError::Disconnected => Error::Shutdown,
        })
    }

    /// Writes everything queued, stops the writer, and refuses further
    /// records (counted as dropped). Calling it again does nothing.
    pub fn shutdown(&self, timeout: Duration) -> Result<()> {
        let mut thread = self.thread.lock();
        let Some(handle) = thread.take() else {
            return Ok(());
        };
        self.rings.closed.store(true, SeqCst);
        let (ack_tx, ack_rx) = bounded(1);
        let deadline = Instant::now() + timeout;
        let sent = self
            .tx
            .send_deadline(Msg::Shutdown(ack_tx), deadline)
            .is_ok();
        self.writer.unpark();
        if sent && ack_rx.recv_deadline(deadline).is_ok() {
            let _ = handle.join();
            Ok(())
        } else {
            // The writer is stuck on a sink; leave it to finish on its own.
            Err(Error::Timeout(timeout))
        }
    }

    pub fn is_shut_down(&self) -> bool {
        self.rings.closed.load(Acquire)
    }

    /// `text` masked with this logger's rules, as a record's strings
    /// are; for callers that send something elsewhere (`lf_mask`). With
    /// masking disabled the text comes back unchanged.
    pub fn mask(&self, text: &str) -> String {
        match &self.masker {
            Some(m) => m.mask_str(text).into_owned(),
            None => text.to_owned(),
        }
    }

    /// The masking engine (its counters by rule), when masking is on.
    pub fn masker(&self) -> Option<&Arc<Masker>> {
        self.masker.as_ref()
    }

    /// Every counter of this logger.
    pub fn metrics(&self) -> Metrics {
        let mut m = Metrics::default();
        for r in &self.reports {
            r.report(&mut m.samples);
        }
        m
    }
}

impl Drop for Logger {
    fn drop(&mut self) {
        let _ = self.shutdown(DROP_TIMEOUT);
    }
}

/// Waits for queue space without parking on the channel: a caller parked
/// there is woken by the writer once per record it pops, and under
/// saturation that wake-up (a futex call and a context switch) costs more
/// than the record. Backing off (yield, then sleeps up to 1 ms) lets the
/// writer drain whole batches undisturbed. A full queue first wakes the
/// writer in case it is napping (see `writer::LINGER`).
fn send_with_backoff(tx: &Sender<Msg>, mut msg: Msg, writer: &std::thread::Thread) -> Result<()> {
    let mut attempt: u32 = 0;
    loop {
        match tx.try_send(msg) {
            Ok(()) => return Ok(()),
            Err(TrySendError::Disconnected(_)) => return Err(Error::Shutdown),
            Err(TrySendError::Full(back)) => msg = back,
        }
        backoff(attempt, writer);
        attempt += 1;
    }
}

/// One wait for room, the `attempt`th: the first wakes the writer in case
/// it naps, the first eight yield, later ones sleep up to 1 ms.
fn backoff(attempt: u32, writer: &std::thread::Thread) {
    if attempt == 0 {
        writer.unpark();
    }
    if attempt < 8 {
        std::thread::yield_now();
    } else {
        std::thread::sleep(Duration::from_micros(10u64 << (attempt - 8).min(7)));
    }
}
