//! Secrets embedded in text under a sensitive key: JSON or Python-style
//! members (`"password": "x"`, `'token': 'y'`, `\"pwd\":\"z\"`), key=value
//! pairs and query strings (`password=x`, `?token=y&`), and HTTP headers
//! (`Authorization: Digest ...`). A regex finds `key` + separator; the key
//! is judged by the same rules as structured keys; the value's extent is
//! read by hand (quotes, balanced brackets, a bare token, a header line).

use super::detectors::{HEADER_SECRET, JSON_SECRET, KV_SECRET};
use super::edit::Edits;
use super::keys::{self, KeyRules};
use super::style::MASK;
use regex::Regex;
use std::sync::LazyLock;

static KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:\\?"|')?[\p{L}_][\p{L}\p{N}_.\-]*(?:\\?"|')?[ \t\r\n]*(?:=>|:=|[:=])"#)
        .expect("key pattern compiles")
});

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
/// enabled, `count` receives (rule, occurrences).
pub fn mask(
    s: &str,
    keys: &KeyRules,
    on: &dyn Fn(usize) -> bool,
    count: &mut dyn FnMut(usize),
) -> Option<String> {
    let b = s.as_bytes();
    let mut ed = Edits::new(s);
    let mut pos = 0;
    while let Some(m) = KEY.find_at(s, pos) {
        pos = m.end();
        let (key, quote, open) = parse_key(&b[m.start()..m.end()]);
        let norm = keys::normalize(key);
        if !keys.matches_normalized(&norm) {
            continue;
        }
        let colon = b[m.end() - 1] == b':' && b[m.end() - 2] != b':';
        let rule = if quote != Quote::None {
            JSON_SECRET
        } else if colon && keys::is_header(&norm) {
            HEADER_SECRET
        } else {
            KV_SECRET
        };
        if !on(rule) {
            continue;
        }
        let mut v = m.end();
        while v < b.len()
            && (b[v] == b' ' || b[v] == b'\t' || quote != Quote::None && b[v].is_ascii_whitespace())
        {
            v += 1;
        }
        let Some((range, replacement)) = value(b, v, quote, open, rule == HEADER_SECRET) else {
            pos = v;
            continue;
        };
        let end = range.end;
        if &s[range.clone()] != MASK {
            ed.replace(range, replacement);
            count(rule);
        }
        pos = end.max(pos);
    }
    ed.finish()
}

/// The key inside a matched `key` + separator, how it was quoted, and the
/// opening quote byte when it was not closed (`"Authorization: ...`).
fn parse_key(m: &[u8]) -> (&str, Quote, Option<u8>) {
    let mut i = 0;
    let mut open = None;
    let mut escaped = false;
    if m[i] == b'\\' {
        escaped = true;
        i += 1;
    }
    if m[i] == b'"' || m[i] == b'\'' {
        open = Some(m[i]);
        i += 1;
    }
    let start = i;
    while i < m.len()
        && !matches!(
            m[i],
            b'"' | b'\'' | b'\\' | b' ' | b'\t' | b'\r' | b'\n' | b':' | b'='
        )
    {
        i += 1;
    }
    let key = std::str::from_utf8(&m[start..i]).unwrap_or("");
    let closed = open.is_some() && matches!(m.get(i), Some(b'"' | b'\'') | Some(b'\\'));
    let quote = match (open, closed) {
        (Some(b'"'), true) if escaped => Quote::Escaped,
        (Some(b'"'), true) => Quote::Double,
        (Some(_), true) => Quote::Single,
        _ => Quote::None,
    };
    (key, quote, if closed { None } else { open })
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
