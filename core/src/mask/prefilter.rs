//! One pass over a text that says which detectors can match it: every
//! trigger word (ignoring ASCII case) through an Aho-Corasick DFA, and in
//! the same loop the cheap facts the other detectors need — is there an
//! `@`, a run of eight or more digits joined by single spaces or dashes,
//! two capital letters before a digit (an IBAN's start). Clean text costs
//! this one loop and nothing else.
//!
//! The loop visits every match state, so it sees every occurrence of every
//! word, overlapping ones included.

use aho_corasick::automaton::Automaton;
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind, StartKind};

/// What one pass found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scan {
    /// Bits of the detectors whose triggers occur.
    pub bits: u64,
    /// Some place may hold a card, a phone number or an IBAN.
    pub numeric: bool,
    /// There is an `@`.
    pub at: bool,
}

/// Digits counted in a row (separators between them allowed) before the
/// numeric detectors are worth running: the shortest number they take
/// (an E.164 phone number) has eight.
const MIN_DIGITS: u32 = 8;

pub struct Prefilter {
    dfa: Option<DFA>,
    bits: Vec<u64>,
    /// Length of the longest trigger word.
    longest: usize,
}

impl Prefilter {
    /// `words` are (trigger, detector bits).
    pub fn new(words: Vec<(String, u64)>) -> Prefilter {
        let mut merged: Vec<(String, u64)> = Vec::new();
        for (w, b) in words {
            let w = w.to_ascii_lowercase();
            match merged.iter_mut().find(|(m, _)| *m == w) {
                Some((_, mb)) => *mb |= b,
                None => merged.push((w, b)),
            }
        }
        let dfa = (!merged.is_empty()).then(|| {
            DFA::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .start_kind(StartKind::Unanchored)
                .prefilter(false)
                .build(merged.iter().map(|(w, _)| w))
                .expect("trigger words build a DFA")
        });
        Prefilter {
            dfa,
            longest: merged.iter().map(|(w, _)| w.len()).max().unwrap_or(0),
            bits: merged.into_iter().map(|(_, b)| b).collect(),
        }
    }

    /// Distinct trigger words.
    pub fn len(&self) -> usize {
        self.bits.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bits.is_empty()
    }

    pub fn scan(&self, s: &str) -> Scan {
        match &self.dfa {
            Some(dfa) => self.scan_with(dfa, s.as_bytes()),
            None => facts(s.as_bytes()),
        }
    }

    /// Two walks, over the two halves of the text, interleaved: each DFA
    /// step waits on the previous one's table load, so two independent
    /// chains run about twice as fast as one. The first walk runs on past
    /// the middle by the longest word, so no occurrence is cut in two.
    fn scan_with(&self, dfa: &DFA, s: &[u8]) -> Scan {
        let Ok(start) = dfa.start_state(Anchored::No) else {
            return facts(s);
        };
        let mid = if s.len() >= 64 { s.len() / 2 } else { s.len() };
        let mut a = Walk::new(start);
        let mut b = Walk::new(start);
        // The second half's counters start from what precedes it.
        let back = s[..mid]
            .iter()
            .rev()
            .take_while(|c| c.is_ascii_digit() || **c == b' ' || **c == b'-');
        b.digits = back.filter(|c| c.is_ascii_digit()).count() as u32;
        b.upper1 = mid >= 1 && s[mid - 1].is_ascii_uppercase();
        b.upper2 = mid >= 2 && s[mid - 2].is_ascii_uppercase();
        let (first, second) = s.split_at(mid);
        for (&x, &y) in first.iter().zip(second) {
            a.step(self, dfa, x);
            b.step(self, dfa, y);
        }
        for &x in first.iter().skip(second.len()) {
            a.step(self, dfa, x);
        }
        for &y in second.iter().skip(first.len()) {
            b.step(self, dfa, y);
        }
        for &x in second.iter().take(self.longest.saturating_sub(1)) {
            a.sid = dfa.next_state(Anchored::No, a.sid, x);
            a.matches(self, dfa);
        }
        Scan {
            bits: a.bits | b.bits,
            numeric: a.most.max(b.most) >= MIN_DIGITS || a.iban || b.iban,
            at: a.at || b.at,
        }
    }
}

/// One DFA walk and the facts gathered on its way.
struct Walk {
    sid: aho_corasick::automaton::StateID,
    bits: u64,
    digits: u32,
    most: u32,
    upper2: bool,
    upper1: bool,
    iban: bool,
    at: bool,
}

impl Walk {
    fn new(sid: aho_corasick::automaton::StateID) -> Walk {
        Walk {
            sid,
            bits: 0,
            digits: 0,
            most: 0,
            upper2: false,
            upper1: false,
            iban: false,
            at: false,
        }
    }

    #[inline(always)]
    fn matches(&mut self, p: &Prefilter, dfa: &DFA) {
        if dfa.is_special(self.sid) && dfa.is_match(self.sid) {
            for i in 0..dfa.match_len(self.sid) {
                self.bits |= p.bits[dfa.match_pattern(self.sid, i).as_usize()];
            }
        }
    }

    #[inline(always)]
    fn step(&mut self, p: &Prefilter, dfa: &DFA, c: u8) {
        self.sid = dfa.next_state(Anchored::No, self.sid, c);
        self.matches(p, dfa);
        let digit = c.is_ascii_digit();
        let sep = c == b' ' || c == b'-';
        self.digits = if digit {
            self.digits + 1
        } else if sep {
            self.digits
        } else {
            0
        };
        self.most = self.most.max(self.digits);
        self.iban |= self.upper2 & self.upper1 & digit;
        self.upper2 = self.upper1;
        self.upper1 = c.is_ascii_uppercase();
        self.at |= c == b'@';
    }
}

/// The digit and `@` facts alone, for a masker without trigger words.
fn facts(s: &[u8]) -> Scan {
    let mut digits = 0u32;
    let mut most = 0u32;
    let mut iban = false;
    for w in s.windows(3) {
        iban |= w[0].is_ascii_uppercase() && w[1].is_ascii_uppercase() && w[2].is_ascii_digit();
    }
    for &b in s {
        digits = if b.is_ascii_digit() {
            digits + 1
        } else if b == b' ' || b == b'-' {
            digits
        } else {
            0
        };
        most = most.max(digits);
    }
    Scan {
        bits: 0,
        numeric: most >= MIN_DIGITS || iban,
        at: memchr::memchr(b'@', s).is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_overlapping_words_in_any_case() {
        let p = Prefilter::new(vec![
            ("api_key".into(), 1),
            ("pin=".into(), 2),
            ("sk-".into(), 4),
            ("sk-live".into(), 8),
            ("AKIA".into(), 16),
            ("akia".into(), 32),
        ]);
        assert_eq!(p.scan("x API_KEY y").bits, 1);
        assert_eq!(p.scan("ping PIN= 1").bits, 2);
        assert_eq!(p.scan("ping").bits, 0);
        assert_eq!(p.scan("sk-live-x").bits, 12);
        assert_eq!(p.scan("Akia").bits, 48);
    }

    #[test]
    fn halves_miss_nothing_at_the_middle() {
        let p = Prefilter::new(vec![("secret".into(), 1), ("sk-live".into(), 2)]);
        for len in 60..140 {
            for at in 0..len - 6 {
                let mut t = vec![b'x'; len];
                t[at..at + 6].copy_from_slice(b"SeCrEt");
                let t = String::from_utf8(t).unwrap();
                assert_eq!(p.scan(&t).bits, 1, "{t}");
            }
            // A digit run or an IBAN start across the middle.
            let half = len / 2;
            let mut t = vec![b'x'; len];
            t[half - 4..half + 5].copy_from_slice(b"1234-5678");
            assert!(p.scan(std::str::from_utf8(&t).unwrap()).numeric, "{len}");
            let mut t = vec![b'x'; len];
            t[half - 1..half + 2].copy_from_slice(b"GB8");
            assert!(p.scan(std::str::from_utf8(&t).unwrap()).numeric, "{len}");
            let mut t = vec![b'x'; len];
            t[half - 2..half + 1].copy_from_slice(b"GB8");
            assert!(p.scan(std::str::from_utf8(&t).unwrap()).numeric, "{len}");
        }
    }

    #[test]
    fn digit_runs_ibans_and_at_signs() {
        let p = Prefilter::new(vec![("x".into(), 1)]);
        let empty = Prefilter::new(vec![]);
        for q in [&p, &empty] {
            assert!(q.scan("card 4111 1111").numeric);
            assert!(q.scan("+1-415-555-2").numeric);
            assert!(!q.scan("T07:12:45.123 v1.2.3 10.0.0.1 2026-11").numeric);
            assert!(q.scan("GB82WEST").numeric);
            assert!(!q.scan("Gb82").numeric);
            assert!(q.scan("a@b").at);
            assert!(!q.scan("ab").at);
        }
    }
}
