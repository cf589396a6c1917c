//! How a custom rule rewrites what its pattern matched.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The text every masked value becomes.
pub const MASK: &str = "***MASKED***";

/// Replacement style of a custom rule.
#[derive(Clone, PartialEq, Eq)]
pub enum Style {
    /// The match becomes this text, taken literally (no `$1` expansion).
    Replace(String),
    /// The first N characters stay; every other character becomes `*`.
    KeepFirst(usize),
    /// The last N characters stay; every other character becomes `*`.
    KeepLast(usize),
    /// `hmac:` and the first `len` hex digits of HMAC-SHA-256 of the match
    /// under the configured key: equal secrets give equal text, so they
    /// can be correlated without being revealed.
    Hash { len: usize },
}

impl std::fmt::Debug for Style {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Style::Replace(r) => write!(f, "replace {r:?}"),
            Style::KeepFirst(n) => write!(f, "keep_first {n}"),
            Style::KeepLast(n) => write!(f, "keep_last {n}"),
            Style::Hash { len } => write!(f, "hash {len}"),
        }
    }
}

/// Shortest and longest hex length of the hash style.
pub const HASH_LEN: std::ops::RangeInclusive<usize> = 8..=64;

impl Style {
    /// Appends the replacement of `matched` to `out`. `key` is the HMAC key
    /// (checked present when the rule was built).
    pub fn apply(&self, matched: &str, key: &[u8], out: &mut String) {
        match self {
            Style::Replace(r) => out.push_str(r),
            Style::KeepFirst(n) => keep(matched, *n, true, out),
            Style::KeepLast(n) => keep(matched, *n, false, out),
            Style::Hash { len } => {
                out.push_str("hmac:");
                out.push_str(&hmac_hex(key, matched.as_bytes(), *len));
            }
        }
    }
}

/// Keeps `n` characters at one end; a match no longer than `n` is masked
/// whole, so a short secret is never shown entirely.
fn keep(matched: &str, n: usize, first: bool, out: &mut String) {
    let total = matched.chars().count();
    if total <= n {
        out.push_str(&"*".repeat(total));
        return;
    }
    for (i, c) in matched.chars().enumerate() {
        let kept = if first { i < n } else { i >= total - n };
        out.push(if kept { c } else { '*' });
    }
}

/// Lower-case hex of HMAC-SHA-256(key, data), cut to `len` digits.
pub fn hmac_hex(key: &[u8], data: &[u8], len: usize) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(data);
    let digest = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(64);
    for b in digest {
        hex.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    hex.truncate(len.min(64));
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(style: Style, m: &str) -> String {
        let mut out = String::new();
        style.apply(m, b"k", &mut out);
        out
    }

    #[test]
    fn keep_first_and_last_count_characters() {
        assert_eq!(run(Style::KeepFirst(4), "EMP-123456"), "EMP-******");
        assert_eq!(run(Style::KeepLast(4), "EMP-123456"), "******3456");
        assert_eq!(run(Style::KeepLast(2), "日本語テキ"), "***テキ");
        assert_eq!(run(Style::KeepLast(4), "abc"), "***");
        assert_eq!(run(Style::Replace("X".into()), "abc"), "X");
    }

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?"
        assert_eq!(
            hmac_hex(b"Jefe", b"what do ya want for nothing?", 64),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            run(Style::Hash { len: 8 }, "x"),
            run(Style::Hash { len: 8 }, "x")
        );
        assert_ne!(
            run(Style::Hash { len: 16 }, "x"),
            run(Style::Hash { len: 16 }, "y")
        );
        assert!(run(Style::Hash { len: 16 }, "x").starts_with("hmac:"));
        assert_eq!(run(Style::Hash { len: 16 }, "x").len(), 5 + 16);
    }
}
