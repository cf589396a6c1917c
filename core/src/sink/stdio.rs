//! stdout and stderr.

use super::{Sink, BUFFER_LIMIT};
use crate::level::Level;
use std::io::{self, Write};

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
}

impl Sink for Stdio {
    fn write(&mut self, line: &[u8], _level: Level) -> io::Result<()> {
        self.buf.extend_from_slice(line);
        if self.buf.len() >= BUFFER_LIMIT {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let result = match self.stream {
            Stream::Stdout => {
                let mut out = io::stdout().lock();
                out.write_all(&self.buf).and_then(|_| out.flush())
            }
            Stream::Stderr => io::stderr().lock().write_all(&self.buf),
        };
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
