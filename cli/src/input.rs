//! Reading log files: plain or gzip (recognised by its magic bytes, so a
//! renamed file still works), or standard input as `-`. Files are read in
//! large blocks of whole lines; commands that only need some lines (trace)
//! search a block before splitting it.

use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};

/// Bytes asked of the OS per read.
const BLOCK: usize = 4 << 20;

/// Opens a file (or `-` for standard input), decompressing gzip.
pub fn open(name: &str) -> io::Result<Box<dyn Read>> {
    let raw: Box<dyn Read> = if name == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(name)?)
    };
    let mut r = BufReader::with_capacity(64 * 1024, raw);
    let gz = r.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    Ok(if gz {
        Box::new(MultiGzDecoder::new(r))
    } else {
        Box::new(r)
    })
}

/// Calls `f(first_line_number, block)` for consecutive blocks of whole
/// lines (each ending in `\n`, except possibly the very last line of the
/// input). Line numbers start at 1.
pub fn for_each_block(
    mut src: impl Read,
    mut f: impl FnMut(u64, &[u8]) -> io::Result<()>,
) -> io::Result<()> {
    let mut buf = vec![0u8; BLOCK];
    let mut filled = 0;
    let mut line_no = 1u64;
    loop {
        if filled == buf.len() {
            // One line longer than the buffer: grow it.
            buf.resize(buf.len() * 2, 0);
        }
        let n = match src.read(&mut buf[filled..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            if filled > 0 {
                f(line_no, &buf[..filled])?;
            }
            return Ok(());
        }
        let new = filled + n;
        match memchr::memrchr(b'\n', &buf[filled..new]) {
            Some(i) => {
                let end = filled + i + 1;
                f(line_no, &buf[..end])?;
                line_no += count_lines(&buf[..end]);
                buf.copy_within(end..new, 0);
                filled = new - end;
            }
            None => filled = new,
        }
    }
}

pub fn count_lines(block: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', block).count() as u64
}

/// Calls `f(line_number, line)` for every line of a block, without the
/// line ending (`\n` or `\r\n`). Empty lines are skipped.
pub fn for_each_line(
    first: u64,
    block: &[u8],
    mut f: impl FnMut(u64, &[u8]) -> io::Result<()>,
) -> io::Result<()> {
    let mut start = 0;
    let mut no = first;
    while start < block.len() {
        let end = memchr::memchr(b'\n', &block[start..]).map_or(block.len(), |i| start + i);
        let line = trim_line(&block[start..end]);
        if !line.is_empty() {
            f(no, line)?;
        }
        no += 1;
        start = end + 1;
    }
    Ok(())
}

/// The line without its `\r` and surrounding blanks.
pub fn trim_line(line: &[u8]) -> &[u8] {
    line.trim_ascii()
}

/// Every line of a named input, with its number.
pub fn lines(name: &str, mut f: impl FnMut(u64, &[u8]) -> io::Result<()>) -> io::Result<()> {
    for_each_block(open(name)?, |first, block| {
        for_each_line(first, block, &mut f)
    })
}

/// The line containing byte `at` of `block`: (start, end) without `\n`.
pub fn line_around(block: &[u8], at: usize) -> (usize, usize) {
    let start = memchr::memrchr(b'\n', &block[..at]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &block[at..]).map_or(block.len(), |i| at + i);
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_hold_whole_lines_and_numbers_follow() {
        let text = b"a\nbb\r\n\nccc";
        let mut got = Vec::new();
        for_each_block(&text[..], |first, block| {
            for_each_line(first, block, |n, l| {
                got.push((n, String::from_utf8_lossy(l).into_owned()));
                Ok(())
            })
        })
        .unwrap();
        assert_eq!(
            got,
            [
                (1, "a".to_owned()),
                (2, "bb".to_owned()),
                (4, "ccc".to_owned())
            ]
        );
    }

    #[test]
    fn line_around_finds_the_enclosing_line() {
        let b = b"one\ntwo\nthree";
        assert_eq!(line_around(b, 5), (4, 7));
        assert_eq!(line_around(b, 0), (0, 3));
        assert_eq!(line_around(b, 10), (8, 13));
    }
}
