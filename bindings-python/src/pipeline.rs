//! The core loggers this process runs: the process-wide one that
//! `configure()`, `install()` and `get_logger()` share, plus one per
//! `Handler` given its own configuration. Each is a slot whose core logger
//! can be swapped (reconfiguration, a forked child) while callers keep
//! their reference. The lifecycle hooks (exit, fork) walk the registry.

use crate::errors;
use logfort_core::metrics::Sample;
use logfort_core::{Capture, Config, Level, Logger, Metrics, Record};
use parking_lot::{Mutex, RwLock};
use pyo3::prelude::*;
use std::sync::atomic::{AtomicU8, Ordering::Relaxed};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// How long exit and fork hooks wait for the writer.
pub const HOOK_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Pipeline {
    /// `default` for the process-wide logger, `handler-N` otherwise
    /// (the `pipeline` label of its metrics).
    pub name: String,
    slot: RwLock<Slot>,
    /// The logger's level number, for the check made before any capture.
    level: AtomicU8,
}

struct Slot {
    config: Config,
    /// `None` only in a forked child whose new logger could not start.
    logger: Option<Arc<Logger>>,
}

static REGISTRY: Mutex<Vec<Weak<Pipeline>>> = Mutex::new(Vec::new());
static DEFAULT: Mutex<Option<Arc<Pipeline>>> = Mutex::new(None);
static NEXT_ID: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

impl Pipeline {
    fn start(name: String, config: Config) -> PyResult<Arc<Pipeline>> {
        let logger = Logger::new(config.clone()).map_err(errors::to_py)?;
        let p = Arc::new(Pipeline {
            name,
            level: AtomicU8::new(logger.level().number()),
            slot: RwLock::new(Slot {
                config,
                logger: Some(Arc::new(logger)),
            }),
        });
        let mut reg = REGISTRY.lock();
        reg.retain(|w| w.strong_count() > 0);
        reg.push(Arc::downgrade(&p));
        Ok(p)
    }

    /// A pipeline of its own (a `Handler` with configuration).
    pub fn own(config: Config) -> PyResult<Arc<Pipeline>> {
        let id = NEXT_ID.fetch_add(1, Relaxed);
        Pipeline::start(format!("handler-{id}"), config)
    }

    /// The process-wide pipeline, created from `LOG_CONFIG`/`LOG_*` on first use.
    pub fn default(_py: Python<'_>) -> PyResult<Arc<Pipeline>> {
        let mut d = DEFAULT.lock();
        if let Some(p) = &*d {
            return Ok(p.clone());
        }
        let config = Config::load(None).map_err(errors::to_py)?;
        let p = Pipeline::start("default".to_owned(), config)?;
        *d = Some(p.clone());
        Ok(p)
    }

    /// Replaces the process-wide configuration: the new logger starts
    /// before the old one is drained, so a bad configuration changes nothing.
    pub fn configure_default(py: Python<'_>, config: Config) -> PyResult<Arc<Pipeline>> {
        let existing = DEFAULT.lock().clone();
        match existing {
            Some(p) => {
                p.reconfigure(py, config)?;
                Ok(p)
            }
            None => {
                let p = Pipeline::start("default".to_owned(), config)?;
                *DEFAULT.lock() = Some(p.clone());
                Ok(p)
            }
        }
    }

    pub fn reconfigure(&self, py: Python<'_>, config: Config) -> PyResult<()> {
        let logger = Arc::new(Logger::new(config.clone()).map_err(errors::to_py)?);
        let old = {
            let mut slot = self.slot.write();
            self.level.store(logger.level().number(), Relaxed);
            slot.config = config;
            slot.logger.replace(logger)
        };
        if let Some(old) = old {
            py.detach(|| {
                let _ = old.shutdown(HOOK_TIMEOUT);
            });
        }
        Ok(())
    }

    /// The cheap check made before converting anything.
    #[inline]
    pub fn enabled(&self, level: Level) -> bool {
        level.number() >= self.level.load(Relaxed)
    }

    /// Waits, without the GIL, until a capture on this thread would not
    /// wait for room in its ring (`Logger::ring_full`).
    pub fn make_room(&self, py: Python<'_>, logger: &Logger) {
        if logger.ring_full() {
            py.detach(|| logger.wait_for_ring());
        }
    }

    /// Queues a record. The GIL stays held for the push (a few dozen ns)
    /// unless the queue is full, when it is released for the wait.
    /// Only a schema violation under policy `strict` comes back as an
    /// error (a shut-down logger counts the record as dropped).
    pub fn push(&self, py: Python<'_>, rec: Box<Record>) -> Result<(), logfort_core::Error> {
        let slot = self.slot.read();
        let Some(logger) = &slot.logger else {
            return Ok(());
        };
        let result = if logger.queue_full() {
            let logger = logger.clone();
            drop(slot);
            py.detach(|| logger.log(rec))
        } else {
            logger.log(rec)
        };
        match result {
            Err(e @ logfort_core::Error::Schema(_)) => Err(e),
            _ => Ok(()),
        }
    }

    /// Queues a capture made on `logger` (from `logger()`), with the
    /// outcome `push` gives. Python code run while it was filled may have
    /// replaced the logger (`configure()`), and a full queue is waited on
    /// without the GIL: both take the record way through `push`.
    pub fn send(
        &self,
        py: Python<'_>,
        logger: &Logger,
        cap: Capture<'_>,
    ) -> Result<(), logfort_core::Error> {
        if logger.is_shut_down() || logger.queue_full() {
            return cap.into_record().map_or(Ok(()), |rec| self.push(py, rec));
        }
        match cap.send() {
            Err(e @ logfort_core::Error::Schema(_)) => Err(e),
            _ => Ok(()),
        }
    }

    /// The current core logger (the slot's lock is not held afterwards, so
    /// the GIL may be released while using it).
    pub fn logger(&self) -> Option<Arc<Logger>> {
        self.slot.read().logger.clone()
    }

    pub fn config(&self) -> Config {
        self.slot.read().config.clone()
    }

    pub fn flush(&self, py: Python<'_>, timeout: Duration) -> PyResult<()> {
        match self.logger() {
            Some(l) => py.detach(|| l.flush(timeout)).map_err(errors::to_py),
            None => Ok(()),
        }
    }

    pub fn shutdown(&self, py: Python<'_>, timeout: Duration) -> PyResult<()> {
        match self.logger() {
            Some(l) => py.detach(|| l.shutdown(timeout)).map_err(errors::to_py),
            None => Ok(()),
        }
    }

    pub fn is_shut_down(&self) -> bool {
        self.logger().is_none_or(|l| l.is_shut_down())
    }

    /// This pipeline's counters, each labelled with its name.
    pub fn samples(&self) -> Vec<Sample> {
        let Some(l) = self.logger() else {
            return Vec::new();
        };
        let mut samples = l.metrics().samples;
        for s in &mut samples {
            s.labels.insert(0, ("pipeline", self.name.clone()));
        }
        samples
    }

    /// In a forked child the writer thread does not exist: the old logger
    /// is leaked (dropping it would wait for that thread) and a new one
    /// starts from the same configuration.
    fn restart_in_child(&self) {
        let mut slot = self.slot.write();
        let fresh = match Logger::new(slot.config.clone()) {
            Ok(l) => Some(Arc::new(l)),
            Err(e) => {
                eprintln!("logfort: cannot restart the writer after fork: {e}");
                None
            }
        };
        if let Some(l) = &fresh {
            self.level.store(l.level().number(), Relaxed);
        }
        if let Some(old) = std::mem::replace(&mut slot.logger, fresh) {
            std::mem::forget(old);
        }
    }
}

/// Every live pipeline, the process-wide one first.
pub fn all() -> Vec<Arc<Pipeline>> {
    let mut v: Vec<Arc<Pipeline>> = REGISTRY.lock().iter().filter_map(Weak::upgrade).collect();
    v.sort_by_key(|p| p.name != "default");
    v
}

pub fn flush_all(py: Python<'_>, timeout: Duration) -> PyResult<()> {
    let mut first_err = None;
    for p in all() {
        if p.is_shut_down() {
            continue;
        }
        if let Err(e) = p.flush(py, timeout) {
            first_err.get_or_insert(e);
        }
    }
    first_err.map_or(Ok(()), Err)
}

pub fn shutdown_all(py: Python<'_>, timeout: Duration) -> PyResult<()> {
    let mut first_err = None;
    for p in all() {
        if let Err(e) = p.shutdown(py, timeout) {
            first_err.get_or_insert(e);
        }
    }
    first_err.map_or(Ok(()), Err)
}

/// Every pipeline's counters in one Prometheus text document.
pub fn metrics_text() -> String {
    let samples = all().iter().flat_map(|p| p.samples()).collect();
    Metrics { samples }.to_prometheus()
}

pub fn after_fork_child() {
    for p in all() {
        p.restart_in_child();
    }
}

/// Runs after the interpreter has finalised (`Py_AtExit`): whatever was
/// logged by later atexit handlers or during finalisation is written.
pub extern "C" fn at_process_exit() {
    let pipelines: Vec<Arc<Pipeline>> = REGISTRY.lock().iter().filter_map(Weak::upgrade).collect();
    for p in pipelines {
        if let Some(l) = p.logger() {
            let _ = l.shutdown(HOOK_TIMEOUT);
        }
    }
}
