//! stdout and stderr, written straight to file descriptors 1 and 2.
//! Going around `std::io::stdout()` means no process-wide lock that a
//! forked child could inherit while held, and no second buffer.

use super::{Sink, BUFFER_LIMIT};
use crate::level::Level;
use std::fs::File;
use std::io::{self, Write};
use std::mem::ManuallyDrop;
use std::os::fd::FromRawFd;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

pub struct Stdio {
    stream: Stream,
    buf: Vec<u8>,
}

impl Stdio {
    pub fn new(stream: Stream) -> Stdio {
        Stdio {
            stream,
            buf: Vec::with_capacity(16 * 1024),
        }
    }

    fn fd(&self) -> i32 {
        match self.stream {
            Stream::Stdout => 1,
            Stream::Stderr => 2,
        }
    }
}

impl Sink for Stdio {
    fn write(&mut self, line: &[u8], level: Level) -> io::Result<()> {
        self.buf.extend_from_slice(line);
        self.gathered(level)
    }

    fn gather(&mut self) -> Option<&mut Vec<u8>> {
        Some(&mut self.buf)
    }

    fn gathered(&mut self, _level: Level) -> io::Result<()> {
        if self.buf.len() >= BUFFER_LIMIT {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        // SAFETY: borrows the process's standard descriptor without owning
        // it (ManuallyDrop: never closed here).
        let mut out = ManuallyDrop::new(unsafe { File::from_raw_fd(self.fd()) });
        let result = out.write_all(&self.buf);
        self.buf.clear();
        result
    }

    fn describe(&self) -> String {
        match self.stream {
            Stream::Stdout => "stdout".into(),
            Stream::Stderr => "stderr".into(),
        }
    }
}
