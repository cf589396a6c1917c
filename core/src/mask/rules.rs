//! Custom rules from the configuration: a name, a regex, and a style.
//!
//! ```json
//! {"name": "employee_id", "pattern": "EMP-\\d{6}", "replace": "EMP-******"}
//! {"name": "order_ref",   "pattern": "ORD-\\d{8}", "keep_last": 4}
//! {"name": "customer",    "pattern": "CUS-\\w+",   "keep_first": 4}
//! {"name": "user_ref",    "pattern": "U\\d{9}",    "hash": true}
//! {"name": "device",      "pattern": "DEV-\\d+",   "hash": 24}
//! ```
//! At most one of `replace`, `keep_first`, `keep_last`, `hash`; none means
//! `"replace": "***MASKED***"`. `hash` is `true` (16 hex digits) or the
//! number of hex digits (8–64).

use super::edit::Edits;
use super::style::{Style, HASH_LEN, MASK};
use crate::config::doc::{show, Section};
use crate::error::{Error, Result};
use regex::Regex;
use serde_json::Value as Json;

/// One configured rule, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleConfig {
    pub name: String,
    pub pattern: String,
    pub style: Style,
}

impl RuleConfig {
    pub fn new(name: impl Into<String>, pattern: impl Into<String>, style: Style) -> RuleConfig {
        RuleConfig {
            name: name.into(),
            pattern: pattern.into(),
            style,
        }
    }

    /// Reads `mask.rules[i]`; the regex is compiled so that a bad one is
    /// an error naming the rule.
    pub fn parse(path: &str, v: &Json) -> Result<RuleConfig> {
        let mut s = Section::new(path, v)?;
        let missing =
            |key: &str| Error::Config(format!("`{path}.{key}`: missing, expected a string"));
        let name = s.string("name")?.ok_or_else(|| missing("name"))?;
        let pattern = s.string("pattern")?.ok_or_else(|| missing("pattern"))?;
        let mut styles = Vec::new();
        if let Some(r) = s.string("replace")? {
            styles.push(Style::Replace(r));
        }
        if let Some(n) = s.uint("keep_first", 0, 1 << 20)? {
            styles.push(Style::KeepFirst(n as usize));
        }
        if let Some(n) = s.uint("keep_last", 0, 1 << 20)? {
            styles.push(Style::KeepLast(n as usize));
        }
        if let Some(h) = s.get("hash") {
            let expected = "true or a number of hex digits from 8 to 64";
            let len = match h {
                Json::Bool(true) => 16,
                Json::Number(n) => match n.as_u64() {
                    Some(n) if HASH_LEN.contains(&(n as usize)) => n as usize,
                    _ => return Err(s.error("hash", h, expected)),
                },
                _ => return Err(s.error("hash", h, expected)),
            };
            styles.push(Style::Hash { len });
        }
        s.finish()?;
        if styles.len() > 1 {
            return Err(Error::Config(format!(
                "`{path}`: rule {name:?} has more than one of replace, keep_first, keep_last, hash"
            )));
        }
        let style = styles
            .pop()
            .unwrap_or_else(|| Style::Replace(MASK.to_owned()));
        let rule = RuleConfig {
            name,
            pattern,
            style,
        };
        rule.compile()?;
        Ok(rule)
    }

    /// The compiled regex; an invalid one is a configuration error that
    /// names the rule.
    pub fn compile(&self) -> Result<Regex> {
        if self.name.is_empty() {
            return Err(Error::Config(format!(
                "mask rule with pattern {}: the name is empty",
                show(&Json::String(self.pattern.clone()))
            )));
        }
        Regex::new(&self.pattern).map_err(|e| {
            Error::Config(format!(
                "mask rule {:?}: invalid pattern {}: {e}",
                self.name,
                show(&Json::String(self.pattern.clone()))
            ))
        })
    }
}

/// A compiled custom rule.
pub struct Custom {
    pub rule: usize,
    pub regex: Regex,
    pub style: Style,
}

impl Custom {
    /// Rewrites every non-empty match; returns how many and the new text.
    pub fn apply(&self, s: &str, key: &[u8]) -> (u64, Option<String>) {
        let mut ed = Edits::new(s);
        let mut n = 0;
        for m in self.regex.find_iter(s).filter(|m| !m.is_empty()) {
            ed.replace_with(m.range(), |o| self.style.apply(m.as_str(), key, o));
            n += 1;
        }
        (n, ed.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(j: &str) -> Result<RuleConfig> {
        RuleConfig::parse("mask.rules[0]", &serde_json::from_str(j).unwrap())
    }

    #[test]
    fn styles_parse_in_one_spelling() {
        let r = parse(r#"{"name":"e","pattern":"EMP-\\d{6}","replace":"EMP-******"}"#).unwrap();
        assert_eq!(r.style, Style::Replace("EMP-******".into()));
        assert_eq!(
            parse(r#"{"name":"e","pattern":"x","keepLast":4}"#)
                .unwrap()
                .style,
            Style::KeepLast(4)
        );
        assert_eq!(
            parse(r#"{"name":"e","pattern":"x","keep_first":2}"#)
                .unwrap()
                .style,
            Style::KeepFirst(2)
        );
        assert_eq!(
            parse(r#"{"name":"e","pattern":"x","hash":true}"#)
                .unwrap()
                .style,
            Style::Hash { len: 16 }
        );
        assert_eq!(
            parse(r#"{"name":"e","pattern":"x","hash":32}"#)
                .unwrap()
                .style,
            Style::Hash { len: 32 }
        );
        assert_eq!(
            parse(r#"{"name":"e","pattern":"x"}"#).unwrap().style,
            Style::Replace(MASK.into())
        );
    }

    #[test]
    fn errors_name_the_rule_and_the_key() {
        let e = parse(r#"{"name":"emp","pattern":"EMP-(\\d"}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(
                "invalid configuration: mask rule \"emp\": invalid pattern \"EMP-(\\\\d\""
            ),
            "{e}"
        );
        let e = parse(r#"{"pattern":"x"}"#).unwrap_err().to_string();
        assert_eq!(
            e,
            "invalid configuration: `mask.rules[0].name`: missing, expected a string"
        );
        let e = parse(r#"{"name":"a","pattern":"x","hash":4}"#)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "invalid configuration: `mask.rules[0].hash`: got 4, expected true or a number of hex digits from 8 to 64");
        let e = parse(r#"{"name":"a","pattern":"x","keep_last":1,"replace":"y"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("more than one of"), "{e}");
        let e = parse(r#"{"name":"a","pattern":"x","style":"y"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`mask.rules[0].style`: unknown key"), "{e}");
    }

    #[test]
    fn empty_matches_are_skipped() {
        let c = Custom {
            rule: 0,
            regex: Regex::new("x*").unwrap(),
            style: Style::Replace("#".into()),
        };
        assert_eq!(c.apply("abxxc", b""), (1, Some("ab#c".into())));
    }
}
