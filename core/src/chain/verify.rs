//! Checking a chain: every record's own hash, the `seq` run and the
//! `prev_hash` links, and the end against the head file. The first
//! problem is named by where it is and what happened (a record modified,
//! deleted, inserted or moved, or the end cut off), telling apart cases
//! that look alike at the first broken link by looking at the records
//! around it.

use super::{digest, parse_line, Link};
use std::fmt;

/// One line of a chain file, as verification needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Index of the file in the order given.
    pub file: usize,
    pub line: u64,
    pub kind: EntryKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryKind {
    Chained {
        seq: u64,
        prev_hash: String,
        hash: String,
        /// The hash matches the bytes it covers.
        intact: bool,
    },
    /// A JSON object without chain members.
    Unchained,
    /// Not a JSON object at all.
    Garbled,
}

impl Entry {
    pub fn read(file: usize, line_no: u64, line: &[u8], key: Option<&[u8]>) -> Entry {
        let kind = match parse_line(line) {
            Some(p) => EntryKind::Chained {
                seq: p.seq,
                prev_hash: p.prev_hash.to_owned(),
                hash: p.hash.to_owned(),
                intact: digest(key, p.body) == p.hash,
            },
            None => {
                let object = line.trim_ascii_start().starts_with(b"{")
                    && serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok();
                if object {
                    EntryKind::Unchained
                } else {
                    EntryKind::Garbled
                }
            }
        };
        Entry {
            file,
            line: line_no,
            kind,
        }
    }

    fn seq(&self) -> Option<u64> {
        match &self.kind {
            EntryKind::Chained { seq, .. } => Some(*seq),
            _ => None,
        }
    }

    /// The link this record makes, when its hash is intact.
    fn link(&self) -> Option<Link> {
        match &self.kind {
            EntryKind::Chained {
                seq,
                hash,
                intact: true,
                ..
            } => Some(Link {
                seq: *seq,
                hash: hash.clone(),
            }),
            _ => None,
        }
    }

    /// True when this record is intact and comes right after `state`
    /// (any intact record when the start of the chain is unknown).
    fn follows(&self, state: Option<&Link>) -> bool {
        match (&self.kind, state) {
            (EntryKind::Chained { intact: true, .. }, None) => true,
            (
                EntryKind::Chained {
                    seq,
                    prev_hash,
                    intact: true,
                    ..
                },
                Some(s),
            ) => *seq == s.seq + 1 && *prev_hash == s.hash,
            _ => false,
        }
    }
}

/// Where the chain must begin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// At `seq` 1 after the genesis hash: nothing may be missing.
    Genesis,
    /// Anywhere: older files were removed by retention.
    Anywhere,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    Modified,
    Deleted,
    Inserted,
    Reordered,
    Truncated,
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProblemKind::Modified => "modified",
            ProblemKind::Deleted => "deleted",
            ProblemKind::Inserted => "inserted",
            ProblemKind::Reordered => "reordered",
            ProblemKind::Truncated => "truncated",
        })
    }
}

/// The first thing wrong with a chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    /// The file and line of the record named (for a truncated end: the
    /// line after the last one).
    pub file: usize,
    pub line: u64,
    /// That record's `seq`, when it has one.
    pub seq: Option<u64>,
    pub detail: String,
}

/// What an intact chain holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub records: u64,
    /// The last record (`Link::genesis()` for an empty chain).
    pub last: Link,
}

fn at(e: &Entry, kind: ProblemKind, detail: String) -> Problem {
    Problem {
        kind,
        file: e.file,
        line: e.line,
        seq: e.seq(),
        detail,
    }
}

fn seq_range(from: u64, to: u64) -> String {
    if from == to {
        format!("record seq {from} is missing before this line")
    } else {
        format!("records seq {from} to {to} are missing before this line")
    }
}

/// Checks `entries` (every line of the chain's files, in order). `head`
/// is the head file's link when there is one; `cut` says the last line
/// did not end with a newline (a write cut short).
pub fn verify(
    entries: &[Entry],
    start: Start,
    head: Option<&Link>,
    cut: bool,
) -> Result<Verified, Problem> {
    let n = if cut {
        entries.len().saturating_sub(1)
    } else {
        entries.len()
    };
    let es = &entries[..n];
    let mut state = match start {
        Start::Genesis => Some(Link::genesis()),
        Start::Anywhere => None,
    };
    let mut before: Option<Link> = None;
    for i in 0..n {
        if es[i].follows(state.as_ref()) {
            before = state.take();
            state = es[i].link();
            continue;
        }
        return Err(diagnose(es, i, state.as_ref(), before.as_ref()));
    }
    if cut {
        let e = &entries[n];
        return Err(at(
            e,
            ProblemKind::Truncated,
            "the last line is cut short (no newline at its end)".into(),
        ));
    }
    let last = state.unwrap_or_else(Link::genesis);
    if let Some(h) = head {
        let after_last = |detail: String| {
            let (file, line) = es.last().map_or((0, 1), |e| (e.file, e.line + 1));
            Problem {
                kind: ProblemKind::Truncated,
                file,
                line,
                seq: None,
                detail,
            }
        };
        if h.seq > last.seq {
            return Err(after_last(format!(
                "the chain ends at seq {}, the head file names seq {}: {} record(s) missing at the end",
                last.seq,
                h.seq,
                h.seq - last.seq
            )));
        }
        if h.seq == last.seq && h.hash != last.hash {
            return Err(match es.last() {
                Some(e) => at(
                    e,
                    ProblemKind::Modified,
                    "its hash differs from the one the head file names".into(),
                ),
                None => after_last("the chain is empty but the head file names a record".into()),
            });
        }
        if h.seq < last.seq {
            let first_extra = es
                .iter()
                .find(|e| e.seq().is_some_and(|s| s > h.seq))
                .expect("a record past the head exists");
            return Err(at(
                first_extra,
                ProblemKind::Inserted,
                format!(
                    "the head file names seq {} as the last record; this and what follows were added after it",
                    h.seq
                ),
            ));
        }
    }
    Ok(Verified {
        records: n as u64,
        last,
    })
}

/// Names the first problem, at `es[i]`, which does not follow `state`
/// (`before`: the state before the previous record).
fn diagnose(es: &[Entry], i: usize, state: Option<&Link>, before: Option<&Link>) -> Problem {
    let e = &es[i];
    let next = es.get(i + 1);
    let EntryKind::Chained { seq, intact, .. } = &e.kind else {
        return match e.kind {
            EntryKind::Unchained => at(
                e,
                ProblemKind::Inserted,
                "a record without chain members (seq, prev_hash, hash)".into(),
            ),
            _ => at(
                e,
                ProblemKind::Modified,
                "the line is not a JSON object".into(),
            ),
        };
    };
    let Some(state) = state else {
        return at(
            e,
            ProblemKind::Modified,
            "its hash does not match its content".into(),
        );
    };
    // Two neighbours swapped: the next record is the one expected, and
    // this one links to it.
    if let (Some(nx), Some(nl)) = (next, next.and_then(Entry::link)) {
        let then = es.get(i + 2);
        if nx.follows(Some(state))
            && e.follows(Some(&nl))
            && then.is_none_or(|t| t.follows(e.link().as_ref()))
        {
            return at(
                e,
                ProblemKind::Reordered,
                format!("seq {seq} comes before seq {}", nl.seq),
            );
        }
    }
    // Without this line the chain goes on: it was put in.
    if let Some(nx) = next {
        let after = es.get(i + 2);
        if nx.follows(Some(state)) && after.is_none_or(|a| a.follows(nx.link().as_ref())) {
            let detail = match es[..i].iter().find(|p| *intact && p.kind == e.kind) {
                Some(p) => format!("a copy of the record at line {}", p.line),
                None => "the records around it link to each other, not to it".into(),
            };
            return at(e, ProblemKind::Inserted, detail);
        }
    }
    if !intact {
        return at(
            e,
            ProblemKind::Modified,
            "its hash does not match its content".into(),
        );
    }
    let expected = state.seq + 1;
    if *seq == expected {
        return match i.checked_sub(1) {
            Some(p) => at(
                &es[p],
                ProblemKind::Modified,
                format!(
                    "its hash does not match the prev_hash of the next record (line {})",
                    e.line
                ),
            ),
            None => at(
                e,
                ProblemKind::Modified,
                "its prev_hash is not the chain's start".into(),
            ),
        };
    }
    if *seq > expected {
        if let Some(j) = es[i + 1..].iter().find(|x| x.seq() == Some(expected)) {
            return at(
                e,
                ProblemKind::Reordered,
                format!("seq {expected} comes later, at line {}", j.line),
            );
        }
        return at(e, ProblemKind::Deleted, seq_range(expected, seq - 1));
    }
    if let Some(p) = es[..i].iter().find(|p| p.kind == e.kind) {
        return at(
            e,
            ProblemKind::Inserted,
            format!("a copy of the record at line {}", p.line),
        );
    }
    if i > 0 && e.follows(before) {
        return at(
            &es[i - 1],
            ProblemKind::Inserted,
            format!(
                "the next record (line {}) links to the record before this one",
                e.line
            ),
        );
    }
    at(
        e,
        ProblemKind::Reordered,
        format!("seq {seq} comes after seq {}", state.seq),
    )
}
