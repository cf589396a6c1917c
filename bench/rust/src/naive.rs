//! The baseline the masking engine replaces: the same detectors as
//! separate `Regex::replace_all` passes over the whole text, checksums
//! in the replacement closures.

use logfort_core::mask::validate;
use regex::{Captures, Regex};
use std::borrow::Cow;

type Fix = fn(&Captures) -> String;

pub struct Naive {
    passes: Vec<(Regex, Fix)>,
}

fn masked(_: &Captures) -> String {
    "***MASKED***".to_owned()
}

fn keep1(c: &Captures) -> String {
    format!("{}***MASKED***", &c[1])
}

fn card(c: &Captures) -> String {
    let m = &c[0];
    if validate::luhn(m.bytes()) {
        let d: String = m.chars().filter(char::is_ascii_digit).collect();
        format!("****-****-****-{}", &d[d.len() - 4..])
    } else {
        m.to_owned()
    }
}

fn iban(c: &Captures) -> String {
    let m = &c[0];
    let compact: Vec<u8> = m.bytes().filter(|b| *b != b' ').collect();
    if validate::iban_mod97(&compact) {
        format!("{}******", &m[..2])
    } else {
        m.to_owned()
    }
}

fn basic(c: &Captures) -> String {
    if validate::is_basic_credential(c[2].as_bytes()) {
        format!("{}***MASKED***", &c[1])
    } else {
        c[0].to_owned()
    }
}

fn phone(c: &Captures) -> String {
    let m = &c[0];
    let d = m.chars().filter(char::is_ascii_digit).count();
    let mut seen = 0;
    m.chars()
        .map(|ch| {
            if ch.is_ascii_digit() {
                seen += 1;
                if seen + 4 <= d {
                    return '*';
                }
            }
            ch
        })
        .collect()
}

fn email(c: &Captures) -> String {
    format!("{}***@{}", &c[1][..1], &c[2])
}

impl Default for Naive {
    fn default() -> Naive {
        Naive::new()
    }
}

impl Naive {
    pub fn new() -> Naive {
        let p: &[(&str, Fix)] = &[
            (
                r"(?s)(-----BEGIN [A-Z ]*PRIVATE KEY-----).*?(?:-----END [A-Z ]*PRIVATE KEY-----|\z)",
                keep1,
            ),
            (
                r"([A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@:]*:)[^\s/?#]*@",
                |c| format!("{}***MASKED***@", &c[1]),
            ),
            (
                r"(?i)(aws_?secret_?access_?key\s*[:=]\s*)[A-Za-z0-9/+=]{16,}",
                keep1,
            ),
            (
                r#"(?i)((?:"|')?[A-Za-z0-9_.\-]*(?:password|passwd|pwd|secret|token|api[_\-]?key|authorization|cookie|session[_\-]?id|private[_\-]?key|credit[_\-]?card|card[_\-]?number|cvv|ssn)[A-Za-z0-9_.\-]*(?:"|')?\s*[:=]\s*)(?:"[^"]*"|'[^']*'|[^\s,&}"']+)"#,
                keep1,
            ),
            (r"(?i)(bearer\s+)[A-Za-z0-9\-._~+/]{8,}=*", keep1),
            (r"(?i)(basic\s+)([A-Za-z0-9+/]{4,}={0,2})", basic),
            (
                r"eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]*){0,3}",
                masked,
            ),
            (r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}\b", masked),
            (
                r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})",
                masked,
            ),
            (r"\bglpat-[A-Za-z0-9_\-]{20,}", masked),
            (r"\bxox[abposr]-[A-Za-z0-9\-]{10,}", masked),
            (r"(hooks\.slack\.com/services/)[A-Za-z0-9/_\-]+", keep1),
            (r"\b(?:sk|rk)[_\-](?:live|test)[_\-][A-Za-z0-9]{6,}", masked),
            (r"\bsk-(?:proj-)?[A-Za-z0-9_\-]{20,}", masked),
            (r"AIza[0-9A-Za-z_\-]{35}", masked),
            (r"\bnpm_[A-Za-z0-9]{36}", masked),
            (
                r"\bSG\.[A-Za-z0-9_\-]{16,32}\.[A-Za-z0-9_\-]{16,64}",
                masked,
            ),
            (
                r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b",
                iban,
            ),
            (r"\b\d(?:[ \-]?\d){12,18}\b", card),
            (r"\+[1-9](?:[ \-]?\d){7,14}\b", phone),
            (r"\b0\d{1,4}-\d{1,4}-\d{3,4}\b", phone),
            (
                r"([A-Za-z0-9._%+\-]+)@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})",
                email,
            ),
        ];
        Naive {
            passes: p
                .iter()
                .map(|(re, f)| (Regex::new(re).expect("baseline pattern"), *f))
                .collect(),
        }
    }

    pub fn mask<'a>(&self, s: &'a str) -> Cow<'a, str> {
        let mut cur = Cow::Borrowed(s);
        for (re, f) in &self.passes {
            if let Cow::Owned(o) = re.replace_all(&cur, |c: &Captures| f(c)) {
                cur = Cow::Owned(o);
            }
        }
        cur
    }
}
