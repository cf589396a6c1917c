//! Naming conventions, checked as advice (never a violation): keys in
//! snake_case, and the usual prefixes — `user_`, `request_`, `response_`,
//! `error_`, `duration_`/`latency_` (with a unit), `ai_` — instead of
//! the bare or abbreviated names hand-written loggers drift into, so the
//! same thing has one name across services.

use crate::bytes::key_hash;

/// Which convention a key breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    SnakeCase,
    Prefix,
}

impl Rule {
    pub const ALL: [Rule; 2] = [Rule::SnakeCase, Rule::Prefix];

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::SnakeCase => "snake_case",
            Rule::Prefix => "prefix",
        }
    }
}

/// `^[a-z][a-z0-9]*(_[a-z0-9]+)*$`
pub fn is_snake_case(key: &str) -> bool {
    let b = key.as_bytes();
    let (Some(first), Some(last)) = (b.first(), b.last()) else {
        return false;
    };
    first.is_ascii_lowercase()
        && *last != b'_'
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
        && !b.windows(2).any(|w| w == b"__")
}

/// Bare or abbreviated names and the conventional name for each.
const ALIASES: [(&str, &str); 40] = [
    ("uid", "user_id"),
    ("userid", "user_id"),
    ("user", "user_id"),
    ("username", "user_name"),
    ("uname", "user_name"),
    ("email", "user_email"),
    ("req_id", "request_id"),
    ("reqid", "request_id"),
    ("requestid", "request_id"),
    ("path", "request_path"),
    ("url_path", "request_path"),
    ("method", "request_method"),
    ("http_method", "request_method"),
    ("url", "request_url"),
    ("status", "response_status"),
    ("status_code", "response_status"),
    ("http_status", "response_status"),
    ("response_code", "response_status"),
    ("err", "error_message"),
    ("errmsg", "error_message"),
    ("error_msg", "error_message"),
    ("err_msg", "error_message"),
    ("errcode", "error_code"),
    ("err_code", "error_code"),
    ("stack", "error_stack"),
    ("stacktrace", "error_stack"),
    ("duration", "duration_ms"),
    ("elapsed", "duration_ms"),
    ("elapsed_ms", "duration_ms"),
    ("took", "duration_ms"),
    ("took_ms", "duration_ms"),
    ("time_ms", "duration_ms"),
    ("latency", "latency_ms"),
    ("model", "ai_model"),
    ("llm_model", "ai_model"),
    ("tokens", "ai_tokens"),
    ("total_tokens", "ai_tokens"),
    ("prompt_tokens", "ai_prompt_tokens"),
    ("completion_tokens", "ai_completion_tokens"),
    ("temperature", "ai_temperature"),
];

/// `key_hash` of each alias, computed at compile time: the writer checks
/// every key of every record, so the common miss is integer compares.
const ALIAS_HASHES: [u64; ALIASES.len()] = {
    let mut out = [0; ALIASES.len()];
    let mut i = 0;
    while i < ALIASES.len() {
        out[i] = key_hash(ALIASES[i].0);
        i += 1;
    }
    out
};

/// The conventional name for a bare or abbreviated one.
pub fn preferred(key: &str) -> Option<&'static str> {
    let h = key_hash(key);
    ALIAS_HASHES
        .iter()
        .zip(&ALIASES)
        .find(|(ah, (alias, _))| **ah == h && *alias == key)
        .map(|(_, (_, name))| *name)
}

/// The advice for one key, if any: the rule and the suggested name.
pub fn advise(key: &str) -> Option<(Rule, String)> {
    if let Some(p) = preferred(key) {
        return Some((Rule::Prefix, p.to_owned()));
    }
    if is_snake_case(key) {
        return None;
    }
    let snake = to_snake_case(key);
    let suggestion = preferred(&snake).map_or(snake, str::to_owned);
    Some((Rule::SnakeCase, suggestion))
}

/// `userId` → `user_id`, `Request-Path` → `request_path`.
pub fn to_snake_case(key: &str) -> String {
    let norm = crate::config::doc::normalize_key(key);
    let mut out = String::with_capacity(norm.len());
    for c in norm.chars() {
        let c = if c.is_ascii_alphanumeric() { c } else { '_' };
        if c == '_' && (out.is_empty() || out.ends_with('_')) {
            continue;
        }
        out.push(c);
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_keys() {
        for ok in ["user_id", "a", "duration_ms", "ai_tokens2"] {
            assert!(is_snake_case(ok), "{ok}");
        }
        for bad in [
            "userId", "User_id", "_x", "x_", "a__b", "", "1a", "a-b", "a.b", "ü",
        ] {
            assert!(!is_snake_case(bad), "{bad}");
        }
    }

    #[test]
    fn every_alias_is_found_and_points_to_a_snake_case_name() {
        for (i, (alias, name)) in ALIASES.iter().enumerate() {
            assert_eq!(preferred(alias), Some(*name), "{alias}");
            assert!(is_snake_case(name) && is_snake_case(alias), "{alias}");
            assert!(
                !ALIASES[..i].iter().any(|(a, _)| a == alias),
                "{alias} twice"
            );
        }
        assert_eq!(preferred("temperature_c"), None);
        assert_eq!(preferred(""), None);
    }

    #[test]
    fn advice_names_the_rule_and_the_suggestion() {
        assert_eq!(advise("user_id"), None);
        assert_eq!(advise("request_path"), None);
        assert_eq!(advise("uid"), Some((Rule::Prefix, "user_id".into())));
        assert_eq!(
            advise("elapsed_ms"),
            Some((Rule::Prefix, "duration_ms".into()))
        );
        assert_eq!(advise("model"), Some((Rule::Prefix, "ai_model".into())));
        assert_eq!(advise("userId"), Some((Rule::SnakeCase, "user_id".into())));
        assert_eq!(
            advise("Request-Path"),
            Some((Rule::SnakeCase, "request_path".into()))
        );
        assert_eq!(
            advise("statusCode"),
            Some((Rule::SnakeCase, "response_status".into()))
        );
        assert_eq!(advise("a..b"), Some((Rule::SnakeCase, "a_b".into())));
    }
}
