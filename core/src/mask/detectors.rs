//! The built-in value detectors that are patterns: token formats, PEM
//! blocks, URL passwords, HTTP credentials, plus e-mail addresses (found
//! around each `@` without a regex). Each has a rule name (its counter
//! label and the name `mask.disable` takes) and trigger words: a detector
//! can only match text that contains one of them, so clean text skips it.

use super::edit::Edits;
use super::style::MASK;
use super::validate;
use regex::Regex;
use std::sync::LazyLock;

/// Every built-in rule, in the order its counter is reported. The index
/// is the rule id.
pub const BUILTIN: &[&str] = &[
    "sensitive_key",
    "private_key",
    "url_password",
    "aws_secret_access_key",
    "json_secret",
    "header_secret",
    "kv_secret",
    "bearer_token",
    "basic_auth",
    "jwt",
    "aws_access_key_id",
    "github_token",
    "gitlab_token",
    "slack_token",
    "slack_webhook",
    "stripe_key",
    "openai_key",
    "google_api_key",
    "npm_token",
    "sendgrid_key",
    "credit_card",
    "iban",
    "phone",
    "email",
];

/// Rule id of a built-in name.
pub const fn id(name: &str) -> usize {
    let mut i = 0;
    while i < BUILTIN.len() {
        if const_eq(BUILTIN[i].as_bytes(), name.as_bytes()) {
            return i;
        }
        i += 1;
    }
    panic!("unknown built-in rule")
}

const fn const_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

pub const SENSITIVE_KEY: usize = id("sensitive_key");
pub const JSON_SECRET: usize = id("json_secret");
pub const HEADER_SECRET: usize = id("header_secret");
pub const KV_SECRET: usize = id("kv_secret");
pub const CREDIT_CARD: usize = id("credit_card");
pub const IBAN: usize = id("iban");
pub const PHONE: usize = id("phone");
pub const EMAIL: usize = id("email");

/// A detector that is one regex. The whole match, or only capture group
/// `group`, becomes `***MASKED***` when `check` accepts it.
pub struct Pattern {
    pub rule: usize,
    /// Literals one of which every match contains (any ASCII case).
    pub triggers: &'static [&'static str],
    pub regex: &'static str,
    pub group: usize,
    pub check: fn(&str) -> bool,
}

fn any(_: &str) -> bool {
    true
}

fn non_empty(s: &str) -> bool {
    !s.is_empty()
}

/// An opaque bearer token has a digit or a symbol, or is long; "Bearer
/// authentication" is prose.
fn bearer_like(s: &str) -> bool {
    s.len() >= 20
        || s.bytes()
            .any(|b| b.is_ascii_digit() || b"-._~+/=".contains(&b))
}

fn basic_like(s: &str) -> bool {
    validate::is_basic_credential(s.as_bytes())
}

const AWS_PREFIXES: &[&str] = &[
    "a3t", "akia", "asia", "abia", "acca", "agpa", "aida", "aipa", "anpa", "anva", "apka", "aroa",
    "asca",
];

/// Detectors that run before embedded `key=value` secrets: they keep the
/// structure around what they mask, which the key scan would swallow.
pub const EARLY: &[Pattern] = &[
    Pattern {
        rule: id("private_key"),
        triggers: &["-----begin"],
        regex: r"(-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)((?s:.*?))(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\z)",
        group: 2,
        check: any,
    },
    Pattern {
        rule: id("url_password"),
        triggers: &["://"],
        regex: r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@:]*:([^\s/?#]*)@",
        group: 1,
        check: non_empty,
    },
    Pattern {
        rule: id("aws_secret_access_key"),
        triggers: &["secret"],
        regex: r#"(?i)aws[_\-.]?secret[_\-.]?(?:access[_\-.]?)?key(?:\\?["'])?\s*(?:=>|[:=])\s*(?:\\?["'])?([A-Za-z0-9/+=]{16,})"#,
        group: 1,
        check: any,
    },
];

/// Detectors of credentials by their own shape, after the key scan.
pub const LATE: &[Pattern] = &[
    Pattern {
        rule: id("bearer_token"),
        triggers: &["bearer"],
        regex: r"(?-u:\b)(?:Bearer|bearer|BEARER)[ \t]+([A-Za-z0-9\-._~+/]{8,}=*)",
        group: 1,
        check: bearer_like,
    },
    Pattern {
        rule: id("basic_auth"),
        triggers: &["basic"],
        regex: r"(?-u:\b)(?:Basic|basic|BASIC)[ \t]+([A-Za-z0-9+/]{4,}={0,2})",
        group: 1,
        check: basic_like,
    },
    Pattern {
        rule: id("jwt"),
        triggers: &["eyj"],
        regex: r"eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]*){0,3}",
        group: 0,
        check: any,
    },
    Pattern {
        rule: id("aws_access_key_id"),
        triggers: AWS_PREFIXES,
        regex: r"(?-u:\b)(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}(?-u:\b)",
        group: 0,
        check: any,
    },
    Pattern {
        rule: id("github_token"),
        triggers: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
        regex: r"(?-u:\b)(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})",
        group: 0,
        check: any,
    },
    Pattern {
        rule: id("gitlab_token"),
        triggers: &["glpat-"],
        regex: r"(?-u:\b)glpat-[A-Za-z0-9_\-]{20,}",
        group: 0,
        check: any,
    },
    Pattern {
        rule: id("slack_token"),
        triggers: &["xox"],
        regex: r"(?-u:\b)xox[abposr]-[A-Za-z0-9\-]{10,}",
        group: 0,
        check: any,
    },
    Pattern {
        rule: id("slack_webhook"),
        triggers: &["hooks.slack.com"],
        regex: r"hooks\.slack\.com/(?:services|workflows)/([A-Za-z0-9/_\-]+)",
        group: 1,
        check: any,
    },
    Pattern {
        rule: id("stripe_key"),
        triggers: &[
            "sk_live", "sk-live", "sk_test", "sk-test", "rk_live", "rk-live", "rk_test", "rk-test",
            "whsec_",
        ],
        regex: r"(?-u:\b)(?:(?:sk|rk)[_\-](?:live|test)[_\-][A-Za-z0-9]{6,}|whsec_[A-Za-z0-9]{16,})",
        group: 0,
        check: any,
    },
    Pattern {
        rule: id("openai_key"),
        triggers: &["sk-"],
        regex: r"(?-u:\b)sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}",
        group: 0,
        check: any,
    },
    Pattern {
        rule: id("google_api_key"),
        triggers: &["aiza"],
        regex: r"AIza[0-9A-Za-z_\-]{35}",
        group: 0,
        check: any,
    },
    Pattern {
        rule: id("npm_token"),
        triggers: &["npm_"],
        regex: r"(?-u:\b)npm_[A-Za-z0-9]{36}",
        group: 0,
        check: any,
    },
    Pattern {
        rule: id("sendgrid_key"),
        triggers: &["sg."],
        regex: r"(?-u:\b)SG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}",
        group: 0,
        check: any,
    },
];

/// The compiled regexes of `EARLY` then `LATE`, built once per process.
pub static COMPILED: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    EARLY
        .iter()
        .chain(LATE)
        .map(|p| Regex::new(p.regex).expect("built-in pattern compiles"))
        .collect()
});

impl Pattern {
    /// Masks every accepted match; returns how many, and the new text.
    pub fn apply(&self, re: &Regex, s: &str) -> (u64, Option<String>) {
        let mut ed = Edits::new(s);
        let mut n = 0;
        if self.group == 0 {
            for m in re.find_iter(s) {
                if (self.check)(m.as_str()) {
                    ed.replace(m.range(), MASK);
                    n += 1;
                }
            }
        } else {
            for c in re.captures_iter(s) {
                let Some(m) = c.get(self.group) else { continue };
                if (self.check)(m.as_str()) {
                    ed.replace(m.range(), MASK);
                    n += 1;
                }
            }
        }
        (n, ed.finish())
    }
}

fn is_local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

/// End of the domain that starts at `i` (labels of `[A-Za-z0-9-]` joined
/// by dots, at least two, the last alphabetic and 2+ long), if any.
fn domain_end(b: &[u8], mut i: usize) -> Option<usize> {
    let mut labels = 0;
    let mut last;
    loop {
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-') {
            i += 1;
        }
        if i == start {
            return None;
        }
        labels += 1;
        last = (start, i);
        if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_alphanumeric() {
            i += 1;
        } else {
            break;
        }
    }
    let tld = &b[last.0..last.1];
    (labels >= 2 && tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic)).then_some(i)
}

/// `alice@example.com` → `a***@example.com`: the first character of the
/// local part stays, so a reader can tell addresses apart.
pub fn mask_emails(s: &str) -> (u64, Option<String>) {
    let b = s.as_bytes();
    let mut ed = Edits::new(s);
    let mut n = 0;
    let mut done = 0;
    for at in memchr::memchr_iter(b'@', b) {
        if at < done {
            continue;
        }
        let mut start = at;
        while start > done && is_local(b[start - 1]) {
            start -= 1;
        }
        if start == at {
            continue;
        }
        let Some(end) = domain_end(b, at + 1) else {
            continue;
        };
        ed.replace_with(start..at, |o| {
            o.push(char::from(b[start]));
            o.push_str("***");
        });
        n += 1;
        done = end;
    }
    (n, ed.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str, s: &str) -> String {
        let (i, p) = EARLY
            .iter()
            .chain(LATE)
            .enumerate()
            .find(|(_, p)| BUILTIN[p.rule] == name)
            .unwrap();
        p.apply(&COMPILED[i], s).1.unwrap_or_else(|| s.to_owned())
    }

    #[test]
    fn ids_follow_the_table() {
        assert_eq!(BUILTIN[SENSITIVE_KEY], "sensitive_key");
        assert_eq!(BUILTIN[EMAIL], "email");
        assert_eq!(COMPILED.len(), EARLY.len() + LATE.len());
    }

    #[test]
    fn every_trigger_is_in_its_pattern_ignoring_case() {
        for p in EARLY.iter().chain(LATE) {
            for t in p.triggers {
                assert_eq!(*t, t.to_ascii_lowercase(), "{}", BUILTIN[p.rule]);
            }
        }
    }

    #[test]
    fn patterns_mask_what_they_name() {
        assert_eq!(
            run("url_password", "db postgres://app:s3cr@t@db:5432/x"),
            "db postgres://app:***MASKED***@db:5432/x"
        );
        assert_eq!(
            run("url_password", "http://host:8080/a?b=c@d.io"),
            "http://host:8080/a?b=c@d.io"
        );
        assert_eq!(
            run("bearer_token", "Bearer abc.def-123"),
            "Bearer ***MASKED***"
        );
        assert_eq!(
            run("bearer_token", "bearer authentication"),
            "bearer authentication"
        );
        assert_eq!(
            run("basic_auth", "Basic dXNlcjpwYXNz"),
            "Basic ***MASKED***"
        );
        assert_eq!(run("basic_auth", "basic information"), "basic information");
        assert_eq!(
            run(
                "private_key",
                "k=-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY----- end"
            ),
            "k=-----BEGIN RSA PRIVATE KEY-----***MASKED***-----END RSA PRIVATE KEY----- end"
        );
        assert_eq!(
            run("private_key", "-----BEGIN PRIVATE KEY-----\nMIIE truncated"),
            "-----BEGIN PRIVATE KEY-----***MASKED***"
        );
        assert_eq!(
            run("aws_access_key_id", "id AKIAIOSFODNN7EXAMPLE."),
            "id ***MASKED***."
        );
    }

    #[test]
    fn emails_keep_first_letter_and_domain() {
        let m = |s: &str| mask_emails(s).1.unwrap_or_else(|| s.to_owned());
        assert_eq!(m("to alice@example.com."), "to a***@example.com.");
        assert_eq!(
            m("a@b.co and bob.smith+x@mail.example.org"),
            "a***@b.co and b***@mail.example.org"
        );
        assert_eq!(
            m("@home user@localhost x@1.2.3.4"),
            "@home user@localhost x@1.2.3.4"
        );
        assert_eq!(mask_emails("no at sign").0, 0);
    }
}
