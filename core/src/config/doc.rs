//! Reads one object of the configuration document, remembering the path
//! so that every error names the key, the value and what was expected.
//! Keys are matched in any native spelling: `max_bytes`, `maxBytes` and
//! `max-bytes` are one key.

use crate::error::{Error, Result};
use crate::level::Level;
use serde_json::Value as Json;
use std::str::FromStr;

pub struct Section<'a> {
    path: String,
    members: Vec<(String, &'a str, &'a Json)>,
    known: Vec<&'static str>,
}

/// `maxBytes` / `max-bytes` / `MAX_BYTES` → `max_bytes`.
pub fn normalize_key(k: &str) -> String {
    let mut out = String::with_capacity(k.len() + 4);
    let mut prev_lower = false;
    for c in k.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(if c == '-' {
            '_'
        } else {
            c.to_ascii_lowercase()
        });
    }
    out
}

/// Short rendering of a bad value for an error message.
pub fn show(v: &Json) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

impl<'a> Section<'a> {
    pub fn new(path: &str, v: &'a Json) -> Result<Section<'a>> {
        let Json::Object(map) = v else {
            let what = if path.is_empty() {
                "the configuration"
            } else {
                path
            };
            return Err(Error::Config(format!(
                "`{what}`: got {}, expected an object",
                show(v)
            )));
        };
        Ok(Section {
            path: path.to_owned(),
            members: map
                .iter()
                .map(|(k, v)| (normalize_key(k), k.as_str(), v))
                .collect(),
            known: Vec::new(),
        })
    }

    pub fn path_of(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub fn error(&self, key: &str, got: &Json, expected: &str) -> Error {
        Error::Config(format!(
            "`{}`: got {}, expected {expected}",
            self.path_of(key),
            show(got)
        ))
    }

    /// The raw value of `key`, if present (and not null).
    pub fn get(&mut self, key: &'static str) -> Option<&'a Json> {
        self.known.push(key);
        self.members
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, _, v)| *v)
            .filter(|v| !v.is_null())
    }

    pub fn str(&mut self, key: &'static str) -> Result<Option<&'a str>> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s)),
            Some(v) => Err(self.error(key, v, "a string")),
        }
    }

    pub fn string(&mut self, key: &'static str) -> Result<Option<String>> {
        Ok(self.str(key)?.map(str::to_owned))
    }

    pub fn bool(&mut self, key: &'static str) -> Result<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(self.error(key, v, "true or false")),
        }
    }

    /// A whole number within `min..=max`.
    pub fn uint(&mut self, key: &'static str, min: u64, max: u64) -> Result<Option<u64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.as_u64() {
                Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
                _ => Err(self.error(key, v, &format!("a whole number from {min} to {max}"))),
            },
        }
    }

    /// A number ≥ 0.
    pub fn non_negative(&mut self, key: &'static str) -> Result<Option<f64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.as_f64() {
                Some(n) if n >= 0.0 && n.is_finite() => Ok(Some(n)),
                _ => Err(self.error(key, v, "a number ≥ 0")),
            },
        }
    }

    /// A string parsed by `FromStr`; `expected` names the valid choices.
    pub fn parse<T: FromStr>(&mut self, key: &'static str, expected: &str) -> Result<Option<T>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.as_str().and_then(|s| s.parse().ok()) {
                Some(t) => Ok(Some(t)),
                None => Err(self.error(key, v, expected)),
            },
        }
    }

    pub fn level(&mut self, key: &'static str) -> Result<Option<Level>> {
        if let Some(v @ Json::Number(_)) = self.get(key) {
            return match v.as_i64() {
                Some(n) => Ok(Some(Level::from_number(n))),
                None => Err(self.error(key, v, LEVEL_NAMES)),
            };
        }
        self.parse(key, LEVEL_NAMES)
    }

    pub fn section(&mut self, key: &'static str) -> Result<Option<Section<'a>>> {
        let path = self.path_of(key);
        self.get(key).map(|v| Section::new(&path, v)).transpose()
    }

    pub fn array(&mut self, key: &'static str) -> Result<Option<&'a Vec<Json>>> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::Array(a)) => Ok(Some(a)),
            Some(v) => Err(self.error(key, v, "an array")),
        }
    }

    pub fn strings(&mut self, key: &'static str) -> Result<Option<Vec<String>>> {
        let Some(items) = self.array(key)? else {
            return Ok(None);
        };
        let path = self.path_of(key);
        items
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Json::String(s) => Ok(s.clone()),
                other => Err(Error::Config(format!(
                    "`{path}[{i}]`: got {}, expected a string",
                    show(other)
                ))),
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }

    /// Every key must have been asked for; the first one that was not is
    /// an error listing the keys this section accepts.
    pub fn finish(self) -> Result<()> {
        for (norm, original, _) in &self.members {
            if !self.known.contains(&norm.as_str()) {
                let mut known = self.known.clone();
                known.sort_unstable();
                known.dedup();
                return Err(Error::Config(format!(
                    "`{}`: unknown key, expected one of: {}",
                    self.path_of(original),
                    known.join(", ")
                )));
            }
        }
        Ok(())
    }
}

pub const LEVEL_NAMES: &str =
    "a level (trace, debug, info, notice, warning, error, critical) or a number";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_spellings_are_one_key() {
        assert_eq!(normalize_key("maxBytes"), "max_bytes");
        assert_eq!(normalize_key("max-bytes"), "max_bytes");
        assert_eq!(normalize_key("MAX_BYTES"), "max_bytes");
        assert_eq!(normalize_key("warnMs"), "warn_ms");
        assert_eq!(normalize_key("level"), "level");
    }
}
