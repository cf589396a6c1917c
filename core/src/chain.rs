//! The audit hash chain, shared by the audit sink (which links records)
//! and `logfort verify` (which checks them).
//!
//! Canonical form: the sink receives a record already encoded as one JSON
//! object line. It drops the closing `}`, appends
//! `,"seq":N,"prev_hash":"<hex>"`, hashes exactly those bytes (SHA-256,
//! or HMAC-SHA-256 with a configured key) and appends `,"hash":"<hex>"}`.
//! Verification strips the `hash` member and recomputes over the bytes as
//! they are on disk, so no re-serialisation can disagree with the writer.
//! The first record has `seq` 1 and a `prev_hash` of 64 zeros; the chain
//! continues across rotated files and process restarts.
//!
//! Alongside the chain the sink keeps a head file (`<path>.head`) naming
//! the last record written (`seq`, `hash`, and with a key an HMAC of
//! both): without it, records cut from the end of a chain would leave no
//! trace.

mod verify;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

pub use verify::{verify, Entry, Problem, ProblemKind, Start, Verified};

/// `prev_hash` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A position in the chain: a record's sequence number and hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub seq: u64,
    pub hash: String,
}

impl Link {
    /// Before the first record.
    pub fn genesis() -> Link {
        Link {
            seq: 0,
            hash: GENESIS.to_owned(),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// SHA-256 of `body`, or HMAC-SHA-256 with `key`, as lowercase hex.
pub fn digest(key: Option<&[u8]>, body: &[u8]) -> String {
    match key {
        Some(k) => {
            let mut mac = Hmac::<Sha256>::new_from_slice(k).expect("HMAC takes any key length");
            mac.update(body);
            hex(&mac.finalize().into_bytes())
        }
        None => hex(&Sha256::digest(body)),
    }
}

/// Links records one after another.
#[derive(Clone, Debug)]
pub struct Chainer {
    key: Option<Vec<u8>>,
    last: Link,
}

impl Chainer {
    /// A chain that continues after `last` (`Link::genesis()` for a new one).
    pub fn new(key: Option<&[u8]>, last: Link) -> Chainer {
        Chainer {
            key: key.map(<[u8]>::to_vec),
            last,
        }
    }

    /// The last record linked.
    pub fn last(&self) -> &Link {
        &self.last
    }

    /// Appends `line` (one JSON object, with or without its newline) to
    /// `out` as the next record of the chain, newline included. A line
    /// that is not an object is kept whole as the string `record`.
    pub fn link(&mut self, line: &[u8], out: &mut Vec<u8>) {
        let line = line.trim_ascii_end();
        let start = out.len();
        match line.strip_suffix(b"}") {
            Some(open) if line.starts_with(b"{") => {
                out.extend_from_slice(open);
                if open.trim_ascii() != b"{" {
                    out.push(b',');
                }
            }
            _ => {
                out.extend_from_slice(b"{\"record\":");
                crate::encode::write::string(out, &String::from_utf8_lossy(line));
                out.push(b',');
            }
        }
        let seq = self.last.seq + 1;
        let _ = write!(
            Writer(out),
            "\"seq\":{seq},\"prev_hash\":\"{}\"",
            self.last.hash
        );
        let hash = digest(self.key.as_deref(), &out[start..]);
        let _ = writeln!(Writer(out), ",\"hash\":\"{hash}\"}}");
        self.last = Link { seq, hash };
    }

    /// The head file's content for the last record.
    pub fn head(&self) -> String {
        head_text(self.key.as_deref(), &self.last)
    }
}

/// `{"seq":N,"hash":"…"}` (plus `"mac"` with a key), newline included.
pub fn head_text(key: Option<&[u8]>, last: &Link) -> String {
    let mut s = format!("{{\"seq\":{},\"hash\":\"{}\"", last.seq, last.hash);
    if let Some(k) = key {
        let mac = digest(Some(k), head_message(last).as_bytes());
        let _ = write!(s, ",\"mac\":\"{mac}\"");
    }
    s.push_str("}\n");
    s
}

fn head_message(last: &Link) -> String {
    format!("logfort-head:{}:{}", last.seq, last.hash)
}

/// Reads a head file's content; with a key its MAC must match.
pub fn parse_head(key: Option<&[u8]>, text: &str) -> Result<Link, String> {
    let v: serde_json::Value =
        serde_json::from_str(text.trim()).map_err(|e| format!("not JSON: {e}"))?;
    let seq = v["seq"].as_u64().ok_or("no \"seq\" number")?;
    let hash = v["hash"]
        .as_str()
        .filter(|h| is_hex64(h.as_bytes()))
        .ok_or("no \"hash\"")?;
    let link = Link {
        seq,
        hash: hash.to_owned(),
    };
    if let Some(k) = key {
        let want = digest(Some(k), head_message(&link).as_bytes());
        if v["mac"].as_str() != Some(want.as_str()) {
            return Err("its MAC does not match the key".into());
        }
    }
    Ok(link)
}

/// Appends an entry for every non-empty line of `src` (file number
/// `file`); returns true when the input ends in the middle of a line.
pub fn read_entries(
    file: usize,
    mut src: impl std::io::BufRead,
    key: Option<&[u8]>,
    out: &mut Vec<Entry>,
) -> std::io::Result<bool> {
    let mut line = Vec::with_capacity(1024);
    let mut no = 0;
    let mut cut = false;
    loop {
        line.clear();
        if src.read_until(b'\n', &mut line)? == 0 {
            return Ok(cut);
        }
        no += 1;
        cut = line.last() != Some(&b'\n');
        let text = line.trim_ascii();
        if !text.is_empty() {
            out.push(Entry::read(file, no, text, key));
        }
    }
}

/// The files of a chain written at `path`, oldest first: the rotated
/// `<path>.N` … `<path>.1`, then `path` itself.
pub fn chain_files(path: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut n = 1;
    loop {
        let p = crate::sink::rotated_path(path, n);
        if !p.exists() {
            break;
        }
        files.push(p);
        n += 1;
    }
    files.reverse();
    files.push(path.to_path_buf());
    files
}

struct Writer<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Writer<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

fn is_hex64(b: &[u8]) -> bool {
    b.len() == 64 && b.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

/// The chain members of one line, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed<'a> {
    /// The bytes the hash covers.
    pub body: &'a [u8],
    pub seq: u64,
    pub prev_hash: &'a str,
    pub hash: &'a str,
}

/// Finds the chain members at the end of a line (without its newline);
/// `None` when the line does not end the way the sink writes it.
pub fn parse_line(line: &[u8]) -> Option<Parsed<'_>> {
    const HASH: &[u8] = b",\"hash\":\"";
    const PREV: &[u8] = b",\"prev_hash\":\"";
    let line = line.trim_ascii_end();
    let rest = line.strip_suffix(b"\"}")?;
    let hash_at = rest.len().checked_sub(64 + HASH.len())?;
    if &rest[hash_at..hash_at + HASH.len()] != HASH || !is_hex64(&rest[hash_at + HASH.len()..]) {
        return None;
    }
    let body = &line[..hash_at];
    let hash = std::str::from_utf8(&rest[hash_at + HASH.len()..]).ok()?;
    let b = body.strip_suffix(b"\"")?;
    let prev_at = b.len().checked_sub(64 + PREV.len())?;
    if &b[prev_at..prev_at + PREV.len()] != PREV || !is_hex64(&b[prev_at + PREV.len()..]) {
        return None;
    }
    let prev_hash = std::str::from_utf8(&b[prev_at + PREV.len()..]).ok()?;
    let before = &b[..prev_at];
    let digits = before
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .count();
    let seq_text = &before[before.len() - digits..];
    let lead = &before[..before.len() - digits];
    if digits == 0 || digits > 19 || !lead.ends_with(b"\"seq\":") {
        return None;
    }
    let before_seq = &lead[..lead.len() - 6];
    if !(before_seq.ends_with(b",") || before_seq == b"{") {
        return None;
    }
    let seq = std::str::from_utf8(seq_text).ok()?.parse().ok()?;
    Some(Parsed {
        body,
        seq,
        prev_hash,
        hash,
    })
}

#[cfg(test)]
mod tests;
