//! Gzip of rotated files on a background thread, so the writer never waits
//! for compression.
//!
//! A job carries the rotated file's open descriptor, so the data is read
//! whatever the file is called by then (later rotations may have shifted
//! `app.log.1` to `app.log.2`). The `.gz` is written to a temporary name
//! beside it; then, under the rotation lock, the job finds the file's
//! current name by inode among the names it can have, renames the `.gz`
//! there and removes the plain file. A file that retention removed in the
//! meantime is not found, and the `.gz` is discarded. No reader ever sees
//! a half-written `.gz` or both forms of one backup.

use super::rotate::{self, Id, LockFile};
use super::Losses;
use crossbeam_channel::{unbounded, Sender};
use flate2::write::GzEncoder;
use flate2::Compression;
use parking_lot::{Condvar, Mutex};
use std::fs::{self, File, FileTimes, OpenOptions};
use std::io::{self, BufWriter, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub(crate) struct Job {
    /// The rotated file, opened for reading.
    pub file: File,
    pub id: Id,
    /// Where the file can be by the time the job runs.
    pub names: Names,
}

/// The names a rotated file can have.
pub(crate) enum Names {
    /// `app.log.1` … `app.log.N` (later rotations shift it).
    Numbered { log_path: PathBuf },
    /// A dated name, which does not change.
    Exact(PathBuf),
}

#[derive(Default)]
struct Shared {
    /// Jobs queued or running.
    pending: Mutex<usize>,
    idle: Condvar,
    losses: Mutex<Losses>,
}

pub(crate) struct Compressor {
    tx: Option<Sender<Job>>,
    thread: Option<JoinHandle<()>>,
    shared: Arc<Shared>,
}

impl Compressor {
    /// Starts the thread for the rotating file `log_path`.
    pub fn start(log_path: &Path) -> io::Result<Compressor> {
        let (tx, rx) = unbounded::<Job>();
        let shared = Arc::new(Shared::default());
        let sh = shared.clone();
        let log_path = log_path.to_owned();
        let thread = std::thread::Builder::new()
            .name("logfort-gzip".into())
            .spawn(move || {
                lower_priority();
                let mut seq = 0u64;
                for job in rx {
                    seq += 1;
                    if let Err(e) = compress(&log_path, job, seq) {
                        sh.losses
                            .lock()
                            .fail(0, format!("gzip of a rotated file: {e}"));
                    }
                    let mut p = sh.pending.lock();
                    *p -= 1;
                    if *p == 0 {
                        sh.idle.notify_all();
                    }
                }
            })?;
        Ok(Compressor {
            tx: Some(tx),
            thread: Some(thread),
            shared,
        })
    }

    pub fn submit(&self, job: Job) {
        *self.shared.pending.lock() += 1;
        if let Some(tx) = &self.tx {
            if tx.send(job).is_err() {
                *self.shared.pending.lock() -= 1;
            }
        }
    }

    /// Waits until every submitted job is done; false on timeout.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut p = self.shared.pending.lock();
        while *p > 0 {
            if self.shared.idle.wait_until(&mut p, deadline).timed_out() {
                return *p == 0;
            }
        }
        true
    }

    /// Compression errors since the last call (the plain files remain).
    pub fn take_losses(&self) -> Losses {
        std::mem::take(&mut *self.shared.losses.lock())
    }
}

impl Drop for Compressor {
    /// Finishes the queued jobs: rotated files are never left half done.
    fn drop(&mut self) {
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Compression is housekeeping: on a busy machine the threads that
/// capture and write records get the CPU first (nice 10, this thread only).
fn lower_priority() {
    // SAFETY: plain syscalls on the calling thread's own id.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, 10);
    }
}

fn compress(log_path: &Path, mut job: Job, seq: u64) -> io::Result<()> {
    let mtime = job.file.metadata()?.modified()?;
    let tmp = rotate::with_suffix(log_path, &format!("{}-{seq}.gz.tmp", std::process::id()));
    let result = (|| {
        let out = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        job.file.seek(SeekFrom::Start(0))?;
        let mut gz = GzEncoder::new(
            BufWriter::with_capacity(256 * 1024, out),
            Compression::fast(),
        );
        io::copy(&mut job.file, &mut gz)?;
        let out = gz.finish()?.into_inner().map_err(|e| e.into_error())?;
        out.set_times(FileTimes::new().set_modified(mtime))?;
        out.sync_data()?;
        install(log_path, &job, &tmp)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Under the lock: puts the `.gz` where the plain file is now.
fn install(log_path: &Path, job: &Job, tmp: &Path) -> io::Result<()> {
    let mut lock = LockFile::open(log_path)?;
    lock.lock()?;
    let result = (|| {
        let found = match &job.names {
            Names::Numbered { log_path } => rotate::numbered(log_path)?
                .into_iter()
                .map(|(_, name)| name)
                .find(|name| rotate::id_of_path(name).is_ok_and(|id| id == job.id)),
            Names::Exact(name) => Some(name.clone())
                .filter(|name| rotate::id_of_path(name).is_ok_and(|id| id == job.id)),
        };
        match found {
            Some(name) => {
                fs::rename(tmp, rotate::with_suffix(&name, "gz"))?;
                rotate::remove(&name)
            }
            None => rotate::remove(tmp),
        }
    })();
    lock.unlock();
    result
}
