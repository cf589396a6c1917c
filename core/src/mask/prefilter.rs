//! Which detectors can match a text: every trigger word (ignoring ASCII
//! case) through one Aho-Corasick DFA walk that visits each match state it
//! enters, so overlapping occurrences are all seen; then the cheap facts
//! the other detectors need, eight bytes at a time — is there an `@`, a run
//! of eight or more digits joined by single spaces or dashes, two capital
//! letters before a digit (an IBAN's start). Clean text costs these two
//! passes and nothing else.

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

/// Trigger words are cut to this many bytes: a prefix still says that a
/// detector may match (each one checks what it found), the DFA gets
/// fewer states, and the walks over the halves of a text overlap less.
const MAX_WORD: usize = 8;

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
            let mut w = w.to_ascii_lowercase();
            let mut cut = w.len().min(MAX_WORD);
            while !w.is_char_boundary(cut) {
                cut -= 1;
            }
            w.truncate(cut.max(1));
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
        let b = s.as_bytes();
        let (numeric, at) = facts(b);
        let bits = match &self.dfa {
            Some(dfa) => self.words(dfa, b),
            None => 0,
        };
        Scan { bits, numeric, at }
    }

    /// Two DFA walks over the two halves of the text, interleaved: each
    /// step waits on the previous one's table load, so two independent
    /// chains run about twice as fast as one. The first walk runs on past
    /// the middle by the longest word, so no occurrence is cut in two.
    fn words(&self, dfa: &DFA, s: &[u8]) -> u64 {
        let Ok(start) = dfa.start_state(Anchored::No) else {
            return u64::MAX;
        };
        let mut bits = 0;
        let mut hit = |sid| {
            for i in 0..dfa.match_len(sid) {
                bits |= self.bits[dfa.match_pattern(sid, i).as_usize()];
            }
        };
        // Two walks over the two halves, interleaved: each DFA step waits
        // on the previous one's table load, so two independent chains
        // overlap. The first walk runs on past the middle by the longest
        // word, so no occurrence is cut in two.
        let half = s.len() / 2;
        let (first, second, rest) = (&s[..half], &s[half..2 * half], &s[2 * half..]);
        let (mut a, mut b) = (start, start);
        for (&x, &y) in first.iter().zip(second) {
            a = dfa.next_state(Anchored::No, a, x);
            b = dfa.next_state(Anchored::No, b, y);
            if dfa.is_special(a) | dfa.is_special(b) {
                if dfa.is_match(a) {
                    hit(a);
                }
                if dfa.is_match(b) {
                    hit(b);
                }
            }
        }
        for &y in rest {
            b = dfa.next_state(Anchored::No, b, y);
            if dfa.is_special(b) && dfa.is_match(b) {
                hit(b);
            }
        }
        for &x in s[half..].iter().take(self.longest.saturating_sub(1)) {
            a = dfa.next_state(Anchored::No, a, x);
            if dfa.is_special(a) && dfa.is_match(a) {
                hit(a);
            }
        }
        bits
    }
}

/// Whether a card, phone number or IBAN may be present (a run of eight
/// or more digits joined by single spaces or dashes, or two capitals
/// before a digit), and whether there is an `@`. Eight bytes at a time
/// where there is no digit.
fn facts(s: &[u8]) -> (bool, bool) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let at = memchr::memchr(b'@', s).is_some();
    let mut digits = 0u32;
    let mut i = 0;
    let byte = |digits: &mut u32, i: usize| -> bool {
        let c = s[i];
        if c.is_ascii_digit() {
            *digits += 1;
            *digits >= MIN_DIGITS
                || i >= 2 && s[i - 1].is_ascii_uppercase() && s[i - 2].is_ascii_uppercase()
        } else {
            if c != b' ' && c != b'-' {
                *digits = 0;
            }
            false
        }
    };
    while i + 8 <= s.len() {
        let w = u64::from_le_bytes(s[i..i + 8].try_into().expect("eight bytes"));
        // Exact per byte: high bit set where the byte is an ASCII digit.
        let t = w ^ (0x30 * ONES);
        let digit = !(((t & !HIGH) + 0x76 * ONES) | t) & HIGH;
        if digit == 0 {
            let s1 = w ^ (0x20 * ONES);
            let s2 = w ^ (0x2d * ONES);
            let zero = |x: u64| !(((x & !HIGH) + !HIGH) | x) & HIGH;
            if zero(s1) | zero(s2) != HIGH {
                digits = 0;
            }
        } else {
            for k in i..i + 8 {
                if byte(&mut digits, k) {
                    return (true, at);
                }
            }
        }
        i += 8;
    }
    for k in i..s.len() {
        if byte(&mut digits, k) {
            return (true, at);
        }
    }
    (false, at)
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
    fn long_words_trigger_on_their_first_bytes() {
        let p = Prefilter::new(vec![
            ("hooks.slack.com".into(), 1),
            ("social_security_number".into(), 2),
            ("パスワード".into(), 4),
        ]);
        assert_eq!(p.scan("post to HOOKS.SLACK.COM/x").bits, 1);
        assert_eq!(p.scan("hooks.sl").bits, 1);
        assert_eq!(p.scan("hooks.s").bits, 0);
        assert_eq!(p.scan("Social_Security_Number=1").bits, 2);
        // Cut at a character boundary: two of the five characters.
        assert_eq!(p.scan("新しいパス").bits, 4);
        assert_eq!(p.scan("パ").bits, 0);
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
