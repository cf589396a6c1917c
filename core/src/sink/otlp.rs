//! OTLP sink: OTLP/HTTP with JSON encoding, POSTed to `endpoint/v1/logs`.
//!
//! Lines go into a bounded queue (`max_queue` records; a record that does
//! not fit is counted as dropped) and a sender thread posts them in
//! batches of `batch_size`, or sooner when the oldest has waited
//! `batch_timeout_ms`. A batch the receiver refuses with 429 or 5xx, or
//! that fails to connect, stays in hand and is retried with backoff
//! (100 ms doubling to 5 s, or the receiver's `Retry-After`), so nothing
//! is lost while the receiver recovers; other 4xx answers drop the batch
//! (counted). Records are delivered in order, once each unless a request
//! timed out after the receiver had accepted it.
//!
//! Bounds: the writer only queues (`flush` never waits). `Logger::flush`
//! (`sync`) waits until everything queued is delivered, or an attempt
//! failed (the records stay queued, the error is reported), or
//! `timeout_ms` passed. Shutdown (`close`) keeps retrying for
//! `shutdown_timeout_ms` and counts what is still undelivered as dropped.
//!
//! Each line becomes one OTLP LogRecord. The sink's format defaults to
//! the `otel` profile, whose lines already are LogRecords (recognised by
//! their `timeUnixNano` member) and are sent as they are. With `format`
//! set otherwise, a `json` line is mapped (timestamp, level, message,
//! trace/span ids, the other members as attributes) and any other line is
//! the body of a record stamped with the time it was taken.

mod convert;

use super::{Losses, Sink};
use crate::config::doc::Section;
use crate::encode::Meta;
use crate::error::{Error, Result};
use crate::level::Level;
use parking_lot::{Condvar, Mutex};
use serde_json::Value as Json;
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

#[derive(Clone, Debug, PartialEq)]
pub struct OtlpConfig {
    /// Base URL (`http://127.0.0.1:4318`); `/v1/logs` is appended unless
    /// the URL already ends with it.
    pub endpoint: String,
    pub headers: Vec<(String, String)>,
    /// Gzip request bodies (`Content-Encoding: gzip`).
    pub compress: bool,
    pub batch_size: usize,
    pub batch_timeout: Duration,
    /// Per request, and the bound of `Logger::flush`.
    pub timeout: Duration,
    pub max_queue: usize,
    pub shutdown_timeout: Duration,
}

impl OtlpConfig {
    pub fn new(endpoint: impl Into<String>) -> OtlpConfig {
        OtlpConfig {
            endpoint: endpoint.into(),
            headers: Vec::new(),
            compress: true,
            batch_size: 512,
            batch_timeout: Duration::from_secs(1),
            timeout: Duration::from_secs(5),
            max_queue: 20_000,
            shutdown_timeout: Duration::from_secs(5),
        }
    }

    pub(super) fn parse(s: &mut Section<'_>) -> Result<OtlpConfig> {
        let endpoint = s
            .string("endpoint")?
            .unwrap_or_else(|| "http://127.0.0.1:4318".into());
        if !endpoint.starts_with("http://") {
            return Err(s.error(
                "endpoint",
                &Json::String(endpoint),
                "an http:// URL (for TLS, send to a local collector)",
            ));
        }
        let mut c = OtlpConfig::new(endpoint);
        if let Some(h) = s.get("headers") {
            let path = s.path_of("headers");
            let Some(map) = h.as_object() else {
                return Err(s.error("headers", h, "an object of header names to strings"));
            };
            for (k, v) in map {
                let name_ok = !k.is_empty() && k.bytes().all(|b| b.is_ascii_graphic() && b != b':');
                match v {
                    Json::String(v) if name_ok => c.headers.push((k.clone(), v.clone())),
                    other => {
                        return Err(Error::Config(format!(
                            "`{path}.{k}`: got {}, expected a header name mapping to a string",
                            crate::config::doc::show(other)
                        )))
                    }
                }
            }
        }
        c.compress = s.bool("compress")?.unwrap_or(true);
        if let Some(n) = s.uint("batch_size", 1, 100_000)? {
            c.batch_size = n as usize;
        }
        if let Some(ms) = s.uint("batch_timeout_ms", 1, 600_000)? {
            c.batch_timeout = Duration::from_millis(ms);
        }
        if let Some(ms) = s.uint("timeout_ms", 1, 600_000)? {
            c.timeout = Duration::from_millis(ms);
        }
        if let Some(n) = s.uint("max_queue", 1, 10_000_000)? {
            c.max_queue = n as usize;
        }
        if let Some(ms) = s.uint("shutdown_timeout_ms", 0, 600_000)? {
            c.shutdown_timeout = Duration::from_millis(ms);
        }
        Ok(c)
    }

    /// How errors and metrics name the sink: `otlp http://…/v1/logs`.
    pub fn describe(&self) -> String {
        format!("otlp {}", self.url())
    }

    fn url(&self) -> String {
        let base = self.endpoint.trim_end_matches('/');
        if base.ends_with("/v1/logs") {
            base.to_owned()
        } else {
            format!("{base}/v1/logs")
        }
    }
}

const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

struct Queued {
    line: Vec<u8>,
    level: Level,
    taken: SystemTime,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Queued>,
    /// When the oldest queued record arrived.
    oldest: Option<Instant>,
    /// Sequence number of the last record queued.
    pushed: u64,
    /// Every record up to this number is delivered or counted as dropped.
    settled: u64,
    /// Records the sender holds (taken from the queue, not yet settled).
    in_hand: usize,
    /// A `sync` wants everything up to this number sent now.
    urgent_upto: u64,
    /// `sync` calls so far.
    syncs: u64,
    failures: u64,
    last_error: Option<String>,
    stop: bool,
    abandon: bool,
    losses: Losses,
}

struct Shared {
    state: Mutex<State>,
    /// Wakes the sender.
    work: Condvar,
    /// Wakes `sync` and `close`.
    progress: Condvar,
}

pub struct OtlpSink {
    config: OtlpConfig,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl OtlpSink {
    pub fn open(config: &OtlpConfig, meta: &Meta) -> io::Result<OtlpSink> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            work: Condvar::new(),
            progress: Condvar::new(),
        });
        let sender = Sender {
            config: config.clone(),
            shared: shared.clone(),
            agent: ureq::AgentBuilder::new()
                .timeout_connect(config.timeout)
                .timeout(config.timeout)
                .build(),
            url: config.url(),
            prefix: convert::request_prefix(meta),
            backoff: BACKOFF_MIN,
        };
        let thread = std::thread::Builder::new()
            .name("logfort-otlp".into())
            .spawn(move || sender.run())?;
        Ok(OtlpSink {
            config: config.clone(),
            shared,
            thread: Some(thread),
        })
    }

    /// Waits until every record up to `target` is settled, an attempt
    /// fails after `failures`, or `deadline`.
    fn wait(&self, target: u64, failures: u64, deadline: Instant) -> io::Result<()> {
        let mut st = self.shared.state.lock();
        loop {
            if st.settled >= target {
                return Ok(());
            }
            if st.failures > failures {
                let e = st.last_error.clone().unwrap_or_default();
                return Err(io::Error::other(e));
            }
            if self
                .shared
                .progress
                .wait_until(&mut st, deadline)
                .timed_out()
            {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "{} record(s) not yet delivered",
                        target - st.settled.min(target)
                    ),
                ));
            }
        }
    }

    fn stop_thread(&mut self) {
        {
            let mut st = self.shared.state.lock();
            st.stop = true;
            st.abandon = true;
        }
        self.shared.work.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Sink for OtlpSink {
    fn write(&mut self, line: &[u8], level: Level) -> io::Result<()> {
        let mut st = self.shared.state.lock();
        if st.stop {
            st.losses.fail(1, "sink closed");
            return Ok(());
        }
        if st.queue.len() + st.in_hand >= self.config.max_queue {
            let n = self.config.max_queue;
            st.losses.fail(1, format!("queue full ({n} records)"));
            return Ok(());
        }
        // The sender sleeps without a deadline while the queue is empty:
        // wake it for the first record (to start the batch timer) and for
        // a full batch.
        let first = st.queue.is_empty();
        if first {
            st.oldest = Some(Instant::now());
        }
        st.queue.push_back(Queued {
            line: line.to_vec(),
            level,
            taken: SystemTime::now(),
        });
        st.pushed += 1;
        let full = st.queue.len() >= self.config.batch_size;
        drop(st);
        if first || full {
            self.shared.work.notify_one();
        }
        Ok(())
    }

    /// Queued already; the sender thread takes it from here.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn sync(&mut self) -> io::Result<()> {
        let deadline = Instant::now() + self.config.timeout;
        let (target, failures) = {
            let mut st = self.shared.state.lock();
            st.urgent_upto = st.urgent_upto.max(st.pushed);
            st.syncs += 1;
            (st.pushed, st.failures)
        };
        self.shared.work.notify_one();
        self.wait(target, failures, deadline)
    }

    /// Keeps retrying for `shutdown_timeout`, then counts what is left.
    fn close(&mut self) -> io::Result<()> {
        let deadline = Instant::now() + self.config.shutdown_timeout;
        let target = {
            let mut st = self.shared.state.lock();
            st.stop = true;
            st.urgent_upto = st.pushed;
            st.pushed
        };
        self.shared.work.notify_one();
        let mut result = Ok(());
        {
            let mut st = self.shared.state.lock();
            while st.settled < target {
                if self
                    .shared
                    .progress
                    .wait_until(&mut st, deadline)
                    .timed_out()
                {
                    let left = target - st.settled;
                    let why = st.last_error.clone().unwrap_or_else(|| "timeout".into());
                    st.losses.fail(
                        left,
                        format!("{left} record(s) undelivered at shutdown: {why}"),
                    );
                    st.settled = target;
                    result = Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "undelivered at shutdown",
                    ));
                    break;
                }
            }
        }
        self.stop_thread();
        result
    }

    fn describe(&self) -> String {
        self.config.describe()
    }

    fn take_losses(&mut self) -> Option<Losses> {
        Some(std::mem::take(&mut self.shared.state.lock().losses))
    }
}

impl Drop for OtlpSink {
    fn drop(&mut self) {
        if self.thread.is_some() {
            let _ = self.close();
        }
    }
}

/// The background half: batches, posts, retries.
struct Sender {
    config: OtlpConfig,
    shared: Arc<Shared>,
    agent: ureq::Agent,
    url: String,
    /// `{"resourceLogs":[{"resource":…,"scopeLogs":[{"scope":…,"logRecords":[`
    prefix: String,
    backoff: Duration,
}

enum Outcome {
    Delivered,
    Retry(String, Option<Duration>),
    Rejected(String),
}

impl Sender {
    fn run(mut self) {
        // The batch in hand: converted records and their last sequence number.
        let mut batch: Vec<String> = Vec::new();
        let mut batch_last = 0u64;
        let mut retry_at: Option<Instant> = None;
        let mut syncs_at_failure = 0u64;
        loop {
            {
                let mut st = self.shared.state.lock();
                loop {
                    if st.abandon || (st.stop && st.queue.is_empty() && batch.is_empty()) {
                        return;
                    }
                    let urgent = st.urgent_upto > st.settled;
                    let now = Instant::now();
                    let ready = if !batch.is_empty() {
                        // A retry waits for its time, unless a `sync`
                        // came after the failure.
                        retry_at.is_none_or(|t| now >= t) || st.syncs > syncs_at_failure
                    } else {
                        !st.queue.is_empty()
                            && (urgent
                                || st.queue.len() >= self.config.batch_size
                                || st
                                    .oldest
                                    .is_some_and(|t| now >= t + self.config.batch_timeout))
                    };
                    if ready {
                        break;
                    }
                    let wake = if !batch.is_empty() {
                        retry_at
                    } else {
                        st.oldest.map(|t| t + self.config.batch_timeout)
                    };
                    match wake {
                        Some(t) => {
                            self.shared.work.wait_until(&mut st, t);
                        }
                        None => self.shared.work.wait(&mut st),
                    }
                }
                if batch.is_empty() {
                    let n = st.queue.len().min(self.config.batch_size);
                    let first = st.pushed - st.queue.len() as u64 + 1;
                    batch_last = first + n as u64 - 1;
                    let taken: Vec<Queued> = st.queue.drain(..n).collect();
                    st.in_hand = n;
                    st.oldest = if st.queue.is_empty() {
                        None
                    } else {
                        Some(Instant::now())
                    };
                    drop(st);
                    batch = taken
                        .into_iter()
                        .map(|q| convert::log_record(&q.line, q.level, q.taken))
                        .collect();
                }
            }
            let outcome = self.post(&batch);
            let mut st = self.shared.state.lock();
            match outcome {
                Outcome::Delivered => {
                    self.backoff = BACKOFF_MIN;
                    retry_at = None;
                }
                Outcome::Retry(e, after) => {
                    let wait = after.unwrap_or(self.backoff).min(BACKOFF_MAX);
                    self.backoff = (self.backoff * 2).min(BACKOFF_MAX);
                    retry_at = Some(Instant::now() + wait);
                    syncs_at_failure = st.syncs;
                    st.failures += 1;
                    st.losses.fail(0, &e);
                    st.last_error = Some(e);
                }
                Outcome::Rejected(e) => {
                    st.failures += 1;
                    st.losses.fail(batch.len() as u64, &e);
                    st.last_error = Some(e);
                    retry_at = None;
                }
            }
            if retry_at.is_none() {
                batch.clear();
                st.in_hand = 0;
                st.settled = st.settled.max(batch_last);
            }
            drop(st);
            self.shared.progress.notify_all();
        }
    }

    fn post(&self, batch: &[String]) -> Outcome {
        let mut body = String::with_capacity(
            self.prefix.len() + batch.iter().map(|r| r.len() + 1).sum::<usize>() + 8,
        );
        body.push_str(&self.prefix);
        for (i, r) in batch.iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            body.push_str(r);
        }
        body.push_str("]}]}]}");
        let mut req = self
            .agent
            .post(&self.url)
            .set("Content-Type", "application/json");
        for (k, v) in &self.config.headers {
            req = req.set(k, v);
        }
        let sent = if self.config.compress {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            match gz.write_all(body.as_bytes()).and_then(|_| gz.finish()) {
                Ok(bytes) => req.set("Content-Encoding", "gzip").send_bytes(&bytes),
                Err(e) => return Outcome::Rejected(format!("gzip: {e}")),
            }
        } else {
            req.send_bytes(body.as_bytes())
        };
        match sent {
            Ok(resp) => {
                let _ = resp
                    .into_reader()
                    .take(1 << 20)
                    .read_to_end(&mut Vec::new());
                Outcome::Delivered
            }
            Err(ureq::Error::Status(code, resp)) => {
                let after = resp
                    .header("Retry-After")
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                let _ = resp
                    .into_reader()
                    .take(1 << 20)
                    .read_to_end(&mut Vec::new());
                let e = format!("HTTP {code} from {}", self.url);
                if code == 429 || code >= 500 {
                    Outcome::Retry(e, after)
                } else {
                    Outcome::Rejected(e)
                }
            }
            Err(e) => Outcome::Retry(format!("{}: {e}", self.url), None),
        }
    }
}
