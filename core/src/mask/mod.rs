//! Masking: no secret reaches an output. Runs on the writer thread, on
//! the message, on every key and string value at any depth (fields,
//! context, exception, stack trace, schema errors), for every profile and
//! sink. Three kinds of rule:
//!
//! - sensitive keys ([`keys`]): the whole value becomes `***MASKED***`;
//! - value detectors ([`detectors`], [`embedded`], [`numeric`]): cards
//!   (Luhn), IBANs (mod 97), phones, e-mails, tokens, keys, credentials;
//! - custom rules from the configuration ([`rules`]).
//!
//! Clean text costs one Aho-Corasick pass for trigger words plus a scan
//! of its digit runs; a detector runs only on a value holding one of its
//! triggers. Every detector is linear in its input (the `regex` crate has
//! no backtracking), and a value longer than `max_value_bytes` has its
//! tail replaced, never emitted unscanned.

pub mod detectors;
mod edit;
pub mod embedded;
pub mod keys;
pub mod numeric;
pub mod prefilter;
pub mod rules;
pub mod style;
pub mod validate;
mod walk;

use crate::config::doc::Section;
use crate::error::{Error, Result};
use crate::metrics::{Report, Sample};
use crate::record::Record;
use crate::writer::Stage;
use detectors::{BUILTIN, COMPILED, EARLY, LATE};
use keys::KeyRules;
use numeric::{Found, Numeric};
use prefilter::Prefilter;
use rules::Custom;
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

pub use rules::RuleConfig;
pub use style::{Style, MASK};

/// Default for [`MaskConfig::max_value_bytes`]: 1 MiB.
pub const DEFAULT_MAX_VALUE_BYTES: usize = 1 << 20;

/// The `mask` section of the configuration.
///
/// ```json
/// "mask": {
///   "enabled": true,
///   "keys": ["salary", "*_ref"],
///   "disable": ["phone", "pin"],
///   "hmac_key": "correlation-key",
///   "max_value_bytes": 1048576,
///   "rules": [
///     {"name": "employee_id", "pattern": "EMP-\\d{6}", "replace": "EMP-******"},
///     {"name": "order_ref", "pattern": "ORD-\\d{8}", "keep_last": 4},
///     {"name": "user_ref", "pattern": "U\\d{9}", "hash": true}
///   ]
/// }
/// ```
///
/// - `enabled` (default true in every environment; `LOG_MASK_SENSITIVE_DATA`
///   overrides it): false turns masking off entirely.
/// - `keys`: extra sensitive keys, in any spelling, with `*` at either end
///   for suffix / prefix / contains (`*_ref`, `salary*`, `*salary*`).
/// - `disable`: built-in rules to switch off, by name (the counter
///   labels: `email`, `phone`, `credit_card`, `jwt`, ... and
///   `sensitive_key` for the whole built-in key list) or single built-in
///   keys by their pattern (`pin`, `*token`, see [`keys::DEFAULT_KEYS`]).
/// - `rules`: custom rules, applied first, in order; see [`rules`] for
///   the styles (`replace`, `keep_first`, `keep_last`, `hash`).
/// - `hmac_key`: key of the `hash` style (or `LOG_MASK_HMAC_KEY`);
///   required when a rule uses it.
/// - `max_value_bytes`: longest string scanned; beyond it the rest of the
///   string is replaced by a note of its length.
#[derive(Clone, PartialEq)]
pub struct MaskConfig {
    pub enabled: bool,
    pub keys: Vec<String>,
    pub disable: Vec<String>,
    pub rules: Vec<RuleConfig>,
    pub hmac_key: Option<String>,
    pub max_value_bytes: usize,
}

impl Default for MaskConfig {
    fn default() -> MaskConfig {
        MaskConfig {
            enabled: true,
            keys: Vec::new(),
            disable: Vec::new(),
            rules: Vec::new(),
            hmac_key: None,
            max_value_bytes: DEFAULT_MAX_VALUE_BYTES,
        }
    }
}

impl std::fmt::Debug for MaskConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaskConfig")
            .field("enabled", &self.enabled)
            .field("keys", &self.keys)
            .field("disable", &self.disable)
            .field("rules", &self.rules)
            .field("hmac_key", &self.hmac_key.as_ref().map(|_| "<redacted>"))
            .field("max_value_bytes", &self.max_value_bytes)
            .finish()
    }
}

impl MaskConfig {
    /// Reads the `mask` section; every rule, key and name is checked here
    /// so that a bad one fails configuration, not the first log call.
    pub fn parse(mut s: Section<'_>) -> Result<MaskConfig> {
        let mut c = MaskConfig::default();
        if let Some(b) = s.bool("enabled")? {
            c.enabled = b;
        }
        c.keys = s.strings("keys")?.unwrap_or_default();
        c.disable = s.strings("disable")?.unwrap_or_default();
        c.hmac_key = s.string("hmac_key")?;
        if let Some(n) = s.uint("max_value_bytes", 1024, 1 << 30)? {
            c.max_value_bytes = n as usize;
        }
        if let Some(items) = s.array("rules")? {
            let path = s.path_of("rules");
            c.rules = items
                .iter()
                .enumerate()
                .map(|(i, v)| RuleConfig::parse(&format!("{path}[{i}]"), v))
                .collect::<Result<_>>()?;
        }
        s.finish()?;
        c.check()?;
        Ok(c)
    }

    /// Everything `Masker::new` checks except the presence of the HMAC
    /// key, which may still come from the environment.
    pub fn check(&self) -> Result<()> {
        KeyRules::new(&self.disable, &self.keys)?;
        for d in &self.disable {
            if !BUILTIN.contains(&d.as_str()) && !keys::DEFAULT_KEYS.contains(&d.as_str()) {
                return Err(Error::Config(format!(
                    "`mask.disable`: got {d:?}, expected a built-in rule ({}) or a built-in key pattern",
                    BUILTIN.join(", ")
                )));
            }
        }
        let mut names: Vec<&str> = Vec::new();
        for r in &self.rules {
            r.compile()?;
            if BUILTIN.contains(&r.name.as_str()) || names.contains(&r.name.as_str()) {
                return Err(Error::Config(format!(
                    "mask rule {:?}: the name is already taken (rule names are unique and differ from the built-in ones)",
                    r.name
                )));
            }
            names.push(&r.name);
        }
        Ok(())
    }
}

/// Bit of the embedded key scan in the trigger set.
const KV_BIT: u64 = 1 << 63;

/// The masking engine of one logger: rules compiled once, counters by
/// rule. Shared by the writer's stage and `Logger::mask`.
pub struct Masker {
    keys: KeyRules,
    names: Vec<String>,
    on: Vec<bool>,
    counts: Vec<AtomicU64>,
    truncated: AtomicU64,
    custom: Vec<Custom>,
    /// Indexes into `EARLY ++ LATE` of the enabled patterns.
    early: Vec<usize>,
    late: Vec<usize>,
    embedded: bool,
    numeric: Numeric,
    email: bool,
    prefilter: Prefilter,
    hmac_key: Vec<u8>,
    max_value_bytes: usize,
}

impl std::fmt::Debug for Masker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Masker")
            .field(
                "rules",
                &self
                    .names
                    .iter()
                    .zip(&self.on)
                    .filter(|(_, on)| **on)
                    .map(|(n, _)| n)
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Masker {
    /// Compiles the rules of `config` (its `enabled` flag is the caller's
    /// business: a masker built from a disabled config still masks).
    pub fn new(config: &MaskConfig) -> Result<Masker> {
        config.check()?;
        let keys = KeyRules::new(&config.disable, &config.keys)?;
        let mut names: Vec<String> = BUILTIN.iter().map(|s| s.to_string()).collect();
        let mut on: Vec<bool> = BUILTIN
            .iter()
            .map(|b| !config.disable.iter().any(|d| d == b))
            .collect();
        let hmac_key = config.hmac_key.clone().unwrap_or_default().into_bytes();
        let mut custom = Vec::new();
        for r in &config.rules {
            if matches!(r.style, Style::Hash { .. }) && hmac_key.is_empty() {
                return Err(Error::Config(format!(
                    "mask rule {:?}: the hash style needs `mask.hmac_key` or LOG_MASK_HMAC_KEY",
                    r.name
                )));
            }
            custom.push(Custom {
                rule: names.len(),
                regex: r.compile()?,
                style: r.style.clone(),
            });
            names.push(r.name.clone());
            on.push(true);
        }
        // Structured keys are counted whenever any key rule is left.
        on[detectors::SENSITIVE_KEY] = !keys.is_empty();
        let patterns: Vec<_> = EARLY.iter().chain(LATE).collect();
        let enabled = |i: usize| on[patterns[i].rule];
        let early: Vec<usize> = (0..EARLY.len()).filter(|&i| enabled(i)).collect();
        let late: Vec<usize> = (EARLY.len()..patterns.len())
            .filter(|&i| enabled(i))
            .collect();
        let mut words: Vec<(String, u64)> = Vec::new();
        for &i in early.iter().chain(&late) {
            for t in patterns[i].triggers {
                words.push((t.to_string(), 1 << i));
            }
        }
        let embedded = [
            detectors::JSON_SECRET,
            detectors::HEADER_SECRET,
            detectors::KV_SECRET,
        ]
        .iter()
        .any(|&r| on[r])
            && !keys.is_empty();
        if embedded {
            words.extend(keys.words().iter().map(|w| (w.clone(), KV_BIT)));
        }
        Ok(Masker {
            numeric: Numeric {
                card: on[detectors::CREDIT_CARD],
                iban: on[detectors::IBAN],
                phone: on[detectors::PHONE],
            },
            email: on[detectors::EMAIL],
            counts: names.iter().map(|_| AtomicU64::new(0)).collect(),
            truncated: AtomicU64::new(0),
            prefilter: Prefilter::new(words),
            keys,
            names,
            on,
            custom,
            early,
            late,
            embedded,
            hmac_key,
            max_value_bytes: config.max_value_bytes.max(1024),
        })
    }

    fn add(&self, rule: usize, n: u64) {
        if n > 0 {
            self.counts[rule].fetch_add(n, Relaxed);
        }
    }

    /// True when a key names a secret (in any spelling).
    pub fn is_sensitive_key(&self, key: &str) -> bool {
        self.keys.is_sensitive(key)
    }

    /// Masks one string with every value rule. Borrows when nothing
    /// matched, which is the common case and allocates nothing.
    pub fn mask_str<'a>(&self, s: &'a str) -> Cow<'a, str> {
        self.mask_counted(s, &mut |rule, n| self.add(rule, n))
    }

    /// `mask_str`, with each rule's count of maskings handed to `count`
    /// (which must add them: `mask_str` passes `add`) rather than added
    /// here, so that a caller can also remember them.
    pub(crate) fn mask_counted<'a>(
        &self,
        s: &'a str,
        count: &mut dyn FnMut(usize, u64),
    ) -> Cow<'a, str> {
        let (head, cut) = self.split_oversize(s);
        let mut cur = Cow::Borrowed(head);
        let put = |cur: &mut Cow<'a, str>, out: Option<String>| {
            if let Some(o) = out {
                *cur = Cow::Owned(o);
            }
        };
        for c in &self.custom {
            let (n, out) = c.apply(&cur, &self.hmac_key);
            count(c.rule, n);
            put(&mut cur, out);
        }
        let scan = self.prefilter.scan(&cur);
        let bits = scan.bits;
        if bits != 0 {
            for &i in &self.early {
                if bits & (1 << i) != 0 {
                    let p = &EARLY[i];
                    let (n, out) = p.apply(&COMPILED[i], &cur);
                    count(p.rule, n);
                    put(&mut cur, out);
                }
            }
            if self.embedded && bits & KV_BIT != 0 {
                let out = embedded::mask(&cur, &self.keys, &|r| self.on[r], &mut |r| count(r, 1));
                put(&mut cur, out);
            }
            for &i in &self.late {
                if bits & (1 << i) != 0 {
                    let p = &LATE[i - EARLY.len()];
                    let (n, out) = p.apply(&COMPILED[i], &cur);
                    count(p.rule, n);
                    put(&mut cur, out);
                }
            }
        }
        if self.numeric.any() && scan.numeric {
            let mut found = Found::default();
            let out = self.numeric.mask(&cur, &mut found);
            count(detectors::CREDIT_CARD, found.card);
            count(detectors::IBAN, found.iban);
            count(detectors::PHONE, found.phone);
            put(&mut cur, out);
        }
        if self.email && scan.at {
            let (n, out) = detectors::mask_emails(&cur);
            count(detectors::EMAIL, n);
            put(&mut cur, out);
        }
        if let Some(rest) = cut {
            self.truncated.fetch_add(1, Relaxed);
            let mut o = cur.into_owned();
            o.push_str(&format!("…[{MASK} {rest} bytes not scanned]"));
            cur = Cow::Owned(o);
        }
        cur
    }

    /// Splits a value longer than `max_value_bytes`, at a whitespace near
    /// the limit when there is one so that no token is cut in two.
    fn split_oversize<'a>(&self, s: &'a str) -> (&'a str, Option<usize>) {
        if s.len() <= self.max_value_bytes {
            return (s, None);
        }
        let mut cut = self.max_value_bytes;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        let window = cut.saturating_sub(4096);
        if let Some(p) = s.as_bytes()[window..cut]
            .iter()
            .rposition(u8::is_ascii_whitespace)
        {
            cut = window + p;
        }
        (&s[..cut], Some(s.len() - cut))
    }

    /// Masks a record in place: message, fields (keys and values, any
    /// depth), context, exception, stack trace, schema errors. The logger
    /// name is left as is.
    pub fn mask_record(&self, rec: &mut Record) {
        walk::record(self, rec, &mut walk::Memo::default());
    }

    /// How many times a rule (built-in or custom, by name) masked
    /// something.
    pub fn count(&self, rule: &str) -> u64 {
        self.names
            .iter()
            .position(|n| n == rule)
            .map_or(0, |i| self.counts[i].load(Relaxed))
    }
}

impl Masker {
    /// Distinct trigger words, and whether there are any.
    pub fn prefilter_stats(&self) -> (usize, bool) {
        (self.prefilter.len(), !self.prefilter.is_empty())
    }
}

impl Report for Masker {
    fn report(&self, out: &mut Vec<Sample>) {
        for (i, name) in self.names.iter().enumerate().filter(|(i, _)| self.on[*i]) {
            out.push(Sample {
                name: "logfort_masked_total",
                help: "Values masked, by rule",
                labels: vec![("rule", name.clone())],
                value: self.counts[i].load(Relaxed),
            });
        }
        out.push(Sample {
            name: "logfort_mask_truncated_total",
            help: "Strings longer than mask.max_value_bytes whose tail was replaced",
            labels: vec![],
            value: self.truncated.load(Relaxed),
        });
    }
}

/// The masker a configuration asks for: `None` when masking is off.
pub fn for_config(config: &MaskConfig) -> Result<Option<Arc<Masker>>> {
    if config.enabled {
        Ok(Some(Arc::new(Masker::new(config)?)))
    } else {
        Ok(None)
    }
}

/// The writer stage that masks every record, remembering the keys it has
/// judged and the short texts it has masked (`walk::Memo`).
pub struct MaskStage {
    masker: Arc<Masker>,
    memo: walk::Memo,
}

impl MaskStage {
    pub fn new(masker: Arc<Masker>) -> MaskStage {
        MaskStage {
            masker,
            memo: walk::Memo::new(),
        }
    }
}

impl Stage for MaskStage {
    fn apply(&mut self, rec: &mut Record) -> bool {
        walk::record(&self.masker, rec, &mut self.memo);
        true
    }

    fn after(&mut self, rec: &mut Record) {
        walk::restore(rec, &mut self.memo);
    }

    fn publish(&mut self) {
        walk::publish(&self.masker, &mut self.memo);
    }
}

#[cfg(test)]
mod tests;
