//! Sensitive keys: a field (or an embedded `key=value`) whose key matches
//! is masked whole, whatever its value. Keys are compared after
//! normalisation, so `apiKey`, `API-KEY`, `api_key` and `Api Key` are one
//! key; patterns are globs with `*` at either end.

use crate::error::{Error, Result};
use aho_corasick::automaton::Automaton;
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind, StartKind};
use std::borrow::Cow;

/// Rule name under which structured keys are counted; naming it in
/// `mask.disable` switches the built-in list off (configured keys stay).
pub const RULE: &str = "sensitive_key";

/// The built-in sensitive keys, normalised. `*x*` = contains, `*x` =
/// ends with, `x*` = starts with, `*_x` = ends with the word `x`. Each entry
/// can be switched off by naming it in `mask.disable`.
#[rustfmt::skip]
pub const DEFAULT_KEYS: &[&str] = &[
    // passwords and passphrases
    "*password*", "*passwd*", "pwd", "*_pwd", "pass", "*_pass", "passphrase", "*_passphrase",
    // secrets and tokens
    "*secret*", "*token", "jwt", "otp", "totp", "*_otp", "mfa_code", "signature", "*_signature",
    "sig",
    // API keys and key material
    "api_key", "apikey", "*_api_key", "*_apikey", "*api_key_*", "access_key", "*_access_key",
    "secret_key", "private_key", "*_private_key", "privatekey", "encryption_key", "signing_key",
    "master_key", "client_key", "credentials", "*_credentials", "credential",
    "connection_string", "*_connection_string", "dsn",
    // HTTP authentication and sessions
    "authorization", "*_authorization", "auth", "*_auth", "cookie", "*_cookie", "cookies",
    "session_id", "sessionid", "*_session_id", "session", "session_key", "sid",
    // payment data
    "credit_card", "*credit_card*", "creditcard", "card_number", "*card_number*", "cardnumber",
    "cc_number", "ccnum", "card_no", "pan", "cvv", "cvv2", "cvc", "cvc2", "csc", "card_cvv",
    "card_pin", "pin", "card_expiry", "account_number", "bank_account", "iban",
    "routing_number",
    // national identifiers
    "ssn", "social_security_number", "passport_number", "national_id", "my_number", "tax_id",
    "driver_license",
    // Japanese spellings: password, PIN, card number
    "*パスワード*", "暗証番号", "カード番号",
];

/// Key spellings that are headers: an unquoted value after them runs to
/// the end of the line (`Authorization: Digest a="b", c="d"`).
pub fn is_header(normalized: &str) -> bool {
    matches!(
        normalized,
        "authorization" | "proxy_authorization" | "cookie" | "set_cookie"
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Sep,
    Lower,
    Upper,
    Digit,
}

fn class(c: char) -> Class {
    if c.is_ascii_uppercase() {
        Class::Upper
    } else if c.is_ascii_digit() {
        Class::Digit
    } else if c.is_ascii_alphabetic() || !c.is_ascii() && c.is_alphanumeric() {
        Class::Lower
    } else {
        Class::Sep
    }
}

/// `apiKey`, `API-KEY`, `Api Key`, `APIKey` → `api_key`: words split at
/// separators, at lower→upper and at the end of an acronym, lower-cased
/// and joined by `_`. Borrows when the key is already in that form.
pub fn normalize(key: &str) -> Cow<'_, str> {
    let plain = !key.is_empty()
        && !key.starts_with('_')
        && !key.ends_with('_')
        && !key.contains("__")
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if plain {
        return Cow::Borrowed(key);
    }
    let mut out = String::with_capacity(key.len() + 4);
    let mut prev = Class::Sep;
    let mut chars = key.chars().peekable();
    while let Some(c) = chars.next() {
        let cls = class(c);
        if cls == Class::Sep {
            prev = Class::Sep;
            continue;
        }
        let next_lower = chars.peek().is_some_and(|&n| class(n) == Class::Lower);
        let boundary = match (prev, cls) {
            (Class::Sep, _) => true,
            (Class::Lower | Class::Digit, Class::Upper) => true,
            (Class::Upper, Class::Upper) => next_lower,
            _ => false,
        };
        if boundary && !out.is_empty() {
            out.push('_');
        }
        out.extend(c.to_lowercase());
        prev = cls;
    }
    Cow::Owned(out)
}

/// Where a pattern must sit in a normalised key.
const EXACT: u8 = 1;
const PREFIX: u8 = 2;
const SUFFIX: u8 = 4;
const CONTAINS: u8 = 8;

/// The compiled key patterns: one DFA finds every pattern occurring in a
/// key, and the match positions say whether it is the whole key, its start,
/// its end or anywhere — one pass, however many patterns.
#[derive(Clone, Debug, Default)]
pub struct KeyRules {
    /// Each distinct pattern text, and the placements it is wanted in.
    patterns: Vec<(String, u8)>,
    matcher: Option<DFA>,
    /// Trigger strings: every spelling of a matching key as text writes it
    /// (`[A-Za-z0-9_.-]+` before a `:` or `=`) contains one of them in some
    /// letter case, which lets text scanning skip values without one.
    words: Vec<String>,
}

/// What may follow a key in text: more separators, a closing quote,
/// blanks, the separator itself.
const FOLLOWERS: &[&str] = &[
    "_", ".", "-", "\\", "\"", "'", " ", "\t", "\r", "\n", ":", "=",
];

/// Word separators inside a key as text writes it.
const JOINS: &[&str] = &["", "_", "-", "."];

/// Two separators in a row: a key spelled `api__key` or `api-.key`
/// normalises like `api_key` but holds none of its joined triggers.
const DOUBLED: &[&str] = &["__", "_-", "_.", "-_", "--", "-.", "._", ".-", ".."];

/// Triggers of one pattern's normalised core. A short single word (`pin`,
/// `sid`) that must end the key is only a trigger followed by what may end
/// a key, so `ping` and `inside` do not wake the key scan; the words of a
/// longer key are joined by each separator (`api_key`, `api-key`, `apikey`
/// for `apiKey`).
fn triggers(core: &str, ends_key: bool) -> Vec<String> {
    let words: Vec<&str> = core.split('_').filter(|w| !w.is_empty()).collect();
    match words.as_slice() {
        [w] if ends_key && w.len() <= 6 && w.is_ascii() => {
            FOLLOWERS.iter().map(|f| format!("{w}{f}")).collect()
        }
        [w] => vec![(*w).to_owned()],
        [_, _] | [_, _, _] => {
            let mut out = vec![words[0].to_owned()];
            for w in &words[1..] {
                out = out
                    .iter()
                    .flat_map(|o| JOINS.iter().map(move |j| format!("{o}{j}{w}")))
                    .collect();
            }
            out
        }
        _ => vec![words
            .iter()
            .max_by_key(|w| w.len())
            .map_or(core, |w| w)
            .to_owned()],
    }
}

/// `words` (sorted, distinct) less each word that contains another: it is
/// redundant as a trigger. One automaton over all of them finds, in each
/// word, any other that occurs inside it, where comparing every pair cost
/// a few milliseconds per logger.
fn without_containers(mut words: Vec<String>) -> Vec<String> {
    let Ok(all) = aho_corasick::AhoCorasick::new(&words) else {
        return words;
    };
    let mut i = 0;
    words.retain(|w| {
        let inner = all
            .find_overlapping_iter(w)
            .any(|m| m.pattern().as_usize() != i);
        i += 1;
        !inner
    });
    words
}

impl KeyRules {
    /// The built-in list (minus `disabled` entries, or none when `RULE` is
    /// disabled) plus `extra`.
    pub fn new(disabled: &[String], extra: &[String]) -> Result<KeyRules> {
        let mut rules = KeyRules::default();
        if !disabled.iter().any(|d| d == RULE) {
            for p in DEFAULT_KEYS {
                if !disabled.iter().any(|d| d == p) {
                    rules.add(p)?;
                }
            }
        }
        for p in extra {
            rules.add(p)?;
        }
        if !rules.patterns.is_empty() {
            rules.matcher = Some(
                DFA::builder()
                    .match_kind(MatchKind::Standard)
                    .start_kind(StartKind::Unanchored)
                    .prefilter(false)
                    .build(rules.patterns.iter().map(|(p, _)| p))
                    .map_err(|e| Error::Config(format!("mask keys: {e}")))?,
            );
        }
        rules.words.sort();
        rules.words.dedup();
        rules.words = without_containers(std::mem::take(&mut rules.words));
        Ok(rules)
    }

    fn add(&mut self, glob: &str) -> Result<()> {
        let lead = glob.starts_with('*');
        let trail = glob.len() > 1 && glob.ends_with('*');
        let inner = glob.trim_start_matches('*').trim_end_matches('*');
        let core = normalize(inner).into_owned();
        if core.is_empty() || inner.contains('*') {
            return Err(Error::Config(format!(
                "mask key {glob:?}: expected a key, optionally with `*` at either end"
            )));
        }
        let word_start = lead && inner.starts_with(|c| class(c) == Class::Sep);
        let word_end = trail && inner.ends_with(|c| class(c) == Class::Sep);
        let pat = format!(
            "{}{core}{}",
            if word_start { "_" } else { "" },
            if word_end { "_" } else { "" }
        );
        let kind = match (lead, trail) {
            (false, false) => EXACT,
            (false, true) => PREFIX,
            (true, false) => SUFFIX,
            (true, true) => CONTAINS,
        };
        match self.patterns.iter_mut().find(|(p, _)| *p == pat) {
            Some((_, k)) => *k |= kind,
            None => self.patterns.push((pat, kind)),
        }
        self.words.extend(triggers(&core, !trail));
        if core.contains('_') {
            self.words.extend(DOUBLED.iter().map(|d| d.to_string()));
        }
        Ok(())
    }

    /// True when the key (in any spelling) names a secret.
    pub fn is_sensitive(&self, key: &str) -> bool {
        self.matches_normalized(&normalize(key))
    }

    pub fn matches_normalized(&self, k: &str) -> bool {
        let Some(dfa) = &self.matcher else {
            return false;
        };
        let Ok(mut sid) = dfa.start_state(Anchored::No) else {
            return false;
        };
        let n = k.len();
        for (i, &c) in k.as_bytes().iter().enumerate() {
            sid = dfa.next_state(Anchored::No, sid, c);
            if !(dfa.is_special(sid) && dfa.is_match(sid)) {
                continue;
            }
            for j in 0..dfa.match_len(sid) {
                let (p, kind) = &self.patterns[dfa.match_pattern(sid, j).as_usize()];
                let end = i + 1;
                let start = end - p.len();
                let at_start = if start == 0 { EXACT | PREFIX } else { 0 };
                let at_end = if end == n { EXACT | SUFFIX } else { 0 };
                let placed =
                    CONTAINS | (at_start & at_end) | (at_start & PREFIX) | (at_end & SUFFIX);
                if kind & placed != 0 {
                    return true;
                }
            }
        }
        false
    }

    /// Trigger words for text scanning (lower case; match them ignoring
    /// ASCII case).
    pub fn words(&self) -> &[String] {
        &self.words
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigger_words_that_contain_another_are_dropped_as_by_comparing_every_pair() {
        let extra = ["salary", "employee_ssn", "*_pin", "x_api_key_v2*"].map(String::from);
        let mut rules = KeyRules::default();
        for p in DEFAULT_KEYS
            .iter()
            .copied()
            .chain(extra.iter().map(|s| s.as_str()))
        {
            rules.add(p).unwrap();
        }
        rules.words.sort();
        rules.words.dedup();
        let all = rules.words.clone();
        let mut expected = all.clone();
        expected.retain(|w| !all.iter().any(|o| o != w && w.contains(o.as_str())));
        assert!(
            expected.len() > 20 && expected.len() < all.len(),
            "{}",
            expected.len()
        );
        assert_eq!(without_containers(all), expected);
        assert_eq!(
            KeyRules::new(&[], &extra).unwrap().words,
            expected,
            "KeyRules::new keeps exactly these"
        );
    }

    #[test]
    fn spellings_normalise_to_one_key() {
        for k in [
            "apiKey",
            "API-KEY",
            "api_key",
            "Api Key",
            "APIKey",
            "api.key",
            "__api__key_",
        ] {
            assert_eq!(normalize(k), "api_key", "{k}");
        }
        assert_eq!(normalize("XMLHttpToken"), "xml_http_token");
        assert_eq!(normalize("oauth2Token"), "oauth2_token");
        assert_eq!(normalize("Set-Cookie"), "set_cookie");
        assert_eq!(normalize("cvv2"), "cvv2");
        assert!(matches!(normalize("user_id"), Cow::Borrowed(_)));
    }

    #[test]
    fn default_rules_match_exact_suffix_and_contains() {
        let r = KeyRules::new(&[], &[]).unwrap();
        for k in [
            "password",
            "PASSWORD",
            "userPassword",
            "db-password-hash",
            "passwd",
            "pwd",
            "secret",
            "client_secret",
            "clientSecret",
            "token",
            "access_token",
            "refreshToken",
            "id_token",
            "csrftoken",
            "api_key",
            "apikey",
            "X-API-KEY",
            "authorization",
            "Proxy-Authorization",
            "cookie",
            "set-cookie",
            "Set-Cookie",
            "session_id",
            "sessionId",
            "private_key",
            "privateKey",
            "credit_card",
            "creditCardNumber",
            "card_number",
            "cardNumber",
            "cvv",
            "ssn",
            "aws_secret_access_key",
            "pin",
        ] {
            assert!(r.is_sensitive(k), "{k} should be sensitive");
        }
        for k in [
            "user_id",
            "username",
            "email",
            "path",
            "duration_ms",
            "max_tokens",
            "tokens_used",
            "keyboard",
            "status",
            "message",
            "order_id",
            "client_ip",
            "passenger",
        ] {
            assert!(!r.is_sensitive(k), "{k} should not be sensitive");
        }
    }

    #[test]
    fn extra_keys_disabled_entries_and_bad_globs() {
        let r = KeyRules::new(&["pin".into()], &["salary".into(), "*_ref".into()]).unwrap();
        assert!(r.is_sensitive("Salary"));
        assert!(r.is_sensitive("order-ref"));
        assert!(!r.is_sensitive("pin"));
        assert!(!r.is_sensitive("preference"));
        let only = KeyRules::new(&[RULE.into()], &["salary".into()]).unwrap();
        assert!(!only.is_sensitive("password"));
        assert!(only.is_sensitive("salary"));
        let e = KeyRules::new(&[], &["a*b".into()]).unwrap_err().to_string();
        assert!(e.contains("\"a*b\""), "{e}");
        assert!(KeyRules::new(&[], &["*".into()]).is_err());
    }

    #[test]
    fn triggers_cover_spellings_and_skip_common_words() {
        assert_eq!(triggers("pin", true).len(), FOLLOWERS.len());
        assert!(triggers("pin", true).contains(&"pin=".to_owned()));
        assert_eq!(triggers("password", true), ["password"]);
        assert_eq!(
            triggers("api_key", true),
            ["apikey", "api_key", "api-key", "api.key"]
        );
        assert_eq!(triggers("a_b_c", true).len(), 16);
        let r = KeyRules::new(&[], &["salary".into()]).unwrap();
        let w = r.words();
        assert!(w.contains(&"pass".to_owned()) || w.contains(&"pass=".to_owned()));
        assert!(w.contains(&"salary=".to_owned()));
        for common in ["api", "pin", "pan", "sid", "sig", "number", "connection"] {
            assert!(!w.contains(&common.to_owned()), "{common} is a trigger");
        }
    }
}
