//! Secrets embedded in text under a sensitive key: JSON or Python-style
//! members (`"password": "x"`, `'token': 'y'`, `\"pwd\":\"z\"`), key=value
//! pairs and query strings (`password=x`, `?token=y&`), and HTTP headers
//! (`Authorization: Digest ...`). Each `:` or `=` (found with memchr) is
//! read backwards for the key before it (optionally quoted); the key is
//! judged by the same rules as structured keys; the value's extent is read
//! forwards (quotes, balanced brackets, a bare token, a header line).

use super::detectors::{HEADER_SECRET, JSON_SECRET, KV_SECRET};
use super::edit::Edits;
use super::keys::{self, KeyRules};
use super::style::MASK;

/// Auth schemes whose credential follows after a space: the value of
/// `authorization=Bearer abc` is both words.
const SCHEMES: &[&str] = &[
    "bearer",
    "basic",
    "digest",
    "token",
    "negotiate",
    "ntlm",
    "apikey",
    "hoba",
    "mutual",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Double,
    Escaped,
    Single,
}

/// Masks every embedded secret; `on` says which of the three rules are
/// enabled, `count` receives each masking's rule.
pub fn mask(
    s: &str,
    keys: &KeyRules,
    on: &dyn Fn(usize) -> bool,
    count: &mut dyn FnMut(usize),
) -> Option<String> {
    let b = s.as_bytes();
    let mut ed = Edits::new(s);
    let mut pos = 0;
    // Keys never reach back into a value already masked.
    let mut floor = 0;
    while let Some(off) = memchr::memchr2(b':', b'=', &b[pos..]) {
        let p = pos + off;
        let sep_end = match (b[p], b.get(p + 1)) {
            (b'=', Some(b'>')) | (b':', Some(b'=')) => p + 2,
            _ => p + 1,
        };
        pos = sep_end;
        let Some(k) = key_before(b, p, floor) else {
            continue;
        };
        let norm = keys::normalize(&s[k.start..k.end]);
        if !keys.matches_normalized(&norm) {
            continue;
        }
        let colon = sep_end == p + 1 && b[p] == b':';
        let rule = if k.quote != Quote::None {
            JSON_SECRET
        } else if colon && keys::is_header(&norm) {
            HEADER_SECRET
        } else {
            KV_SECRET
        };
        if !on(rule) {
            continue;
        }
        let mut v = sep_end;
        while v < b.len()
            && (b[v] == b' '
                || b[v] == b'\t'
                || k.quote != Quote::None && b[v].is_ascii_whitespace())
        {
            v += 1;
        }
        let Some((range, replacement)) = value(b, v, k.quote, k.open, rule == HEADER_SECRET) else {
            continue;
        };
        let end = range.end;
        if &s[range.clone()] != MASK {
            ed.replace(range, replacement);
            count(rule);
        }
        pos = pos.max(end);
        floor = end;
    }
    ed.finish()
}

/// A key found before a separator.
struct Key {
    start: usize,
    end: usize,
    quote: Quote,
    /// An opening quote with no closing one (`"Authorization: ...`): the
    /// value stops at it.
    open: Option<u8>,
}

/// Bytes of a key as text writes it: ASCII letters, digits, `_ . -`, and
/// any non-ASCII character (keys in other scripts).
fn is_key_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-') || c >= 0x80
}

/// The key that ends just before the separator at `p` (blanks and a
/// closing quote allowed between), not reaching before `floor`.
fn key_before(b: &[u8], p: usize, floor: usize) -> Option<Key> {
    let mut j = p;
    while j > floor && matches!(b[j - 1], b' ' | b'\t' | b'\r' | b'\n') {
        j -= 1;
    }
    let mut close = None;
    let mut close_escaped = false;
    if j > floor && matches!(b[j - 1], b'"' | b'\'') {
        close = Some(b[j - 1]);
        j -= 1;
        if close == Some(b'"') && j > floor && b[j - 1] == b'\\' {
            close_escaped = true;
            j -= 1;
        }
    }
    let end = j;
    while j > floor && is_key_byte(b[j - 1]) {
        j -= 1;
    }
    // A key starts with a letter or `_`.
    let mut start = j;
    while start < end && matches!(b[start], b'0'..=b'9' | b'.' | b'-') {
        start += 1;
    }
    if start == end {
        return None;
    }
    let open = (start == j && j > floor && matches!(b[j - 1], b'"' | b'\'')).then(|| b[j - 1]);
    let open_escaped = open == Some(b'"') && j >= 2 && j - 1 > floor && b[j - 2] == b'\\';
    let quote = match (open, close) {
        (Some(b'"'), Some(b'"')) if open_escaped && close_escaped => Quote::Escaped,
        (Some(b'"'), Some(b'"')) => Quote::Double,
        (Some(b'\''), Some(b'\'')) => Quote::Single,
        _ => Quote::None,
    };
    Some(Key {
        start,
        end,
        quote,
        open: if close.is_none() { open } else { None },
    })
}

/// The range to replace for the value starting at `v`, and its
/// replacement; `None` for an empty value.
fn value(
    b: &[u8],
    v: usize,
    quote: Quote,
    open: Option<u8>,
    header: bool,
) -> Option<(std::ops::Range<usize>, &'static str)> {
    let n = b.len();
    if v >= n {
        return None;
    }
    let quoted_mask = match quote {
        Quote::Double => "\"***MASKED***\"",
        Quote::Escaped => "\\\"***MASKED***\\\"",
        Quote::Single => "'***MASKED***'",
        Quote::None => MASK,
    };
    match b[v] {
        b'"' => {
            let end = string_end(b, v + 1, b'"');
            non_empty(v + 1..end, MASK)
        }
        b'\'' => {
            let end = memchr::memchr(b'\'', &b[v + 1..]).map_or(n, |p| v + 1 + p);
            non_empty(v + 1..end, MASK)
        }
        b'\\' if b.get(v + 1) == Some(&b'"') => {
            let end = memchr::memmem::find(&b[v + 2..], b"\\\"").map_or(n, |p| v + 2 + p);
            non_empty(v + 2..end, MASK)
        }
        b'{' | b'[' => Some((v..balanced_end(b, v), quoted_mask)),
        _ => {
            let stop = |c: u8| Some(c) == open || c == b'\r' || c == b'\n';
            let end = if header {
                let mut e = v;
                while e < n && !stop(b[e]) {
                    e += 1;
                }
                while e > v && b[e - 1].is_ascii_whitespace() {
                    e -= 1;
                }
                e
            } else {
                let mut e = bare_end(b, v, open);
                let word = &b[v..e];
                if SCHEMES
                    .iter()
                    .any(|s| word.eq_ignore_ascii_case(s.as_bytes()))
                {
                    let mut f = e;
                    while f < n && (b[f] == b' ' || b[f] == b'\t') {
                        f += 1;
                    }
                    let g = bare_end(b, f, open);
                    if g > f {
                        e = g;
                    }
                }
                e
            };
            non_empty(v..end, quoted_mask)
        }
    }
}

fn non_empty(
    r: std::ops::Range<usize>,
    with: &'static str,
) -> Option<(std::ops::Range<usize>, &'static str)> {
    (r.end > r.start).then_some((r, with))
}

/// End of a bare token: whitespace, `&`, a quote, `,` or a closing bracket.
fn bare_end(b: &[u8], mut i: usize, open: Option<u8>) -> usize {
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace()
            || matches!(c, b'&' | b'"' | b'\'' | b',' | b'}' | b']' | b')')
            || Some(c) == open
        {
            break;
        }
        i += 1;
    }
    i
}

/// Index of the closing `q` of a string whose content starts at `i`
/// (backslash escapes skipped), or the end of the text.
fn string_end(b: &[u8], mut i: usize, q: u8) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            c if c == q => return i,
            _ => i += 1,
        }
    }
    b.len()
}

/// End (exclusive) of the `{...}` or `[...]` starting at `v`, skipping
/// strings; an unclosed structure runs to the end of the text.
fn balanced_end(b: &[u8], v: usize) -> usize {
    let mut depth = 0usize;
    let mut i = v;
    while i < b.len() {
        match b[i] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            b'"' => i = string_end(b, i + 1, b'"'),
            _ => {}
        }
        i += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> (String, Vec<usize>) {
        let keys = KeyRules::new(&[], &["salary".into()]).unwrap();
        let mut seen = Vec::new();
        let out = mask(s, &keys, &|_| true, &mut |r| seen.push(r)).unwrap_or_else(|| s.to_owned());
        (out, seen)
    }

    #[test]
    fn json_members_keep_the_document_valid() {
        assert_eq!(
            run(r#"{"user": "bob", "password": "hu\"nter2", "n": 1}"#).0,
            r#"{"user": "bob", "password": "***MASKED***", "n": 1}"#
        );
        assert_eq!(
            run(r#"{"pin":1234,"ok":true}"#).0,
            r#"{"pin":"***MASKED***","ok":true}"#
        );
        assert_eq!(
            run(r#"{"credentials": {"u": "a", "p": ["x", "}"]}, "z": 2}"#).0,
            r#"{"credentials": "***MASKED***", "z": 2}"#
        );
        assert_eq!(
            run(r#"{\"apiKey\":\"abc\"}"#).0,
            r#"{\"apiKey\":\"***MASKED***\"}"#
        );
        assert_eq!(run("{'secret': 'x y'}").0, "{'secret': '***MASKED***'}");
        assert_eq!(run(r#"{"token": ""}"#).0, r#"{"token": ""}"#);
    }

    #[test]
    fn key_value_query_and_headers() {
        assert_eq!(
            run("login password=hunter2 user=bob").0,
            "login password=***MASKED*** user=bob"
        );
        assert_eq!(
            run("GET /cb?code=1&access_token=abc&x=1").0,
            "GET /cb?code=1&access_token=***MASKED***&x=1"
        );
        assert_eq!(
            run("Authorization: Digest a=\"b\", c=d\r\nHost: x").0,
            "Authorization: ***MASKED***\r\nHost: x"
        );
        assert_eq!(
            run("authorization=Bearer abc123 next").0,
            "authorization=***MASKED*** next"
        );
        assert_eq!(
            run(r#"curl -H "X-Api-Key: k1" -H "Cookie: a=1; b=2""#).0,
            r#"curl -H "X-Api-Key: ***MASKED***" -H "Cookie: ***MASKED***""#
        );
        assert_eq!(run("Salary => 100").0, "Salary => ***MASKED***");
        assert_eq!(
            run("status: ok, tokens_used=12").0,
            "status: ok, tokens_used=12"
        );
    }

    #[test]
    fn counts_by_form() {
        let (_, seen) = run(r#"{"password":"a"} pwd=b Cookie: c"#);
        assert_eq!(seen, [JSON_SECRET, KV_SECRET, HEADER_SECRET]);
        let (_, seen) = run("password=***MASKED***");
        assert!(seen.is_empty());
    }
}
