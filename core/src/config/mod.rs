//! Configuration: one JSON document for every language (file via
//! `LOG_CONFIG`), then the `LOG_*` environment variables users already
//! have. Bad input is an error naming the key, the value and what was
//! expected; nothing is silently ignored.

pub mod doc;

use crate::audit::{AuditConfig, PerformanceConfig};
use crate::encode::{Format, Meta};
use crate::error::{Error, Result};
use crate::level::Level;
use crate::schema::{Policy, SchemaConfig};
use crate::sink::{SinkConfig, SinkKind};
use doc::Section;
use serde_json::Value as Json;

/// What the caller gets when the queue is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// Wait for space: nothing is lost (default).
    Block,
    /// Drop the record and count it; the count is logged when space returns.
    Drop,
}

#[derive(Clone, Debug, PartialEq)]
pub struct QueueConfig {
    /// Records in flight at most (default 4,096; spdlog's is 8,192): the
    /// channel holds this many, and each calling thread's ring grows to
    /// 256 bytes per slot (`ring::Rings::for_queue`).
    /// Deeper queues absorb longer bursts, but under sustained load the
    /// writer then works on records long evicted from cache: measured
    /// here, 16,384 cost a tenth of the throughput and 65,536 a third.
    pub capacity: usize,
    pub overflow: Overflow,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub level: Level,
    pub format: Format,
    pub service: Option<String>,
    pub environment: Option<String>,
    pub version: Option<String>,
    /// Google Cloud project for the `gcp` profile's trace names; the
    /// document's `gcp_project`, else `GOOGLE_CLOUD_PROJECT`.
    pub gcp_project: Option<String>,
    pub include_correlation_id: bool,
    pub queue: QueueConfig,
    pub sinks: Vec<SinkConfig>,
    pub schema: SchemaConfig,
    pub performance: PerformanceConfig,
    pub audit: AuditConfig,
    pub mask: crate::mask::MaskConfig,
    /// Security monitor rules (section `monitor`).
    pub monitor: crate::monitor::MonitorConfig,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            level: Level::Info,
            format: Format::Json,
            service: None,
            environment: None,
            version: None,
            gcp_project: None,
            include_correlation_id: true,
            queue: QueueConfig {
                capacity: 4_096,
                overflow: Overflow::Block,
            },
            sinks: vec![SinkConfig::new(SinkKind::Stdout)],
            schema: SchemaConfig::default(),
            performance: PerformanceConfig::default(),
            audit: AuditConfig::default(),
            mask: Default::default(),
            monitor: Default::default(),
        }
    }
}

impl Config {
    /// The document (or `LOG_CONFIG`'s file when `doc` is empty), then the
    /// process environment on top.
    pub fn load(doc: Option<&str>) -> Result<Config> {
        Config::load_with(doc, |k| std::env::var(k).ok())
    }

    /// As `load`, reading variables through `env` (tests pass a map).
    pub fn load_with(doc: Option<&str>, env: impl Fn(&str) -> Option<String>) -> Result<Config> {
        let text = match doc.map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => Some(d.to_owned()),
            None => match env("LOG_CONFIG").filter(|p| !p.is_empty()) {
                Some(path) => Some(std::fs::read_to_string(&path).map_err(|e| {
                    Error::Config(format!("LOG_CONFIG: cannot read {path:?}: {e}"))
                })?),
                None => None,
            },
        };
        let mut config = match text {
            Some(t) => Config::from_json(&t)?,
            None => Config::default(),
        };
        config.apply_env(env)?;
        Ok(config)
    }

    /// The document alone, no environment.
    pub fn from_json(text: &str) -> Result<Config> {
        let json: Json = serde_json::from_str(text)
            .map_err(|e| Error::Config(format!("not valid JSON: {e}")))?;
        Config::from_value(&json)
    }

    pub fn from_value(json: &Json) -> Result<Config> {
        let mut c = Config::default();
        let mut s = Section::new("", json)?;
        if let Some(l) = s.level("level")? {
            c.level = l;
        }
        if let Some(f) = s.parse("format", Format::NAMES)? {
            c.format = f;
        }
        c.service = s.string("service")?;
        c.environment = s.string("environment")?;
        c.version = s.string("version")?;
        c.gcp_project = s.string("gcp_project")?;
        if let Some(b) = s.bool("include_correlation_id")? {
            c.include_correlation_id = b;
        }
        if let Some(mut q) = s.section("queue")? {
            if let Some(n) = q.uint("capacity", 1, 1 << 24)? {
                c.queue.capacity = n as usize;
            }
            if let Some(o) = q.get("overflow") {
                c.queue.overflow = match o.as_str() {
                    Some("block") => Overflow::Block,
                    Some("drop") => Overflow::Drop,
                    _ => return Err(q.error("overflow", o, "\"block\" or \"drop\"")),
                };
            }
            q.finish()?;
        }
        if let Some(items) = s.array("sinks")? {
            if items.is_empty() {
                return Err(s.error("sinks", &Json::Array(vec![]), "at least one sink"));
            }
            c.sinks = items
                .iter()
                .enumerate()
                .map(|(i, v)| SinkConfig::parse(&format!("sinks[{i}]"), v))
                .collect::<Result<_>>()?;
        }
        if let Some(sec) = s.section("schema")? {
            c.schema = SchemaConfig::parse(sec)?;
        }
        if let Some(sec) = s.section("performance")? {
            c.performance = PerformanceConfig::parse(sec)?;
        }
        if let Some(sec) = s.section("audit")? {
            c.audit = AuditConfig::parse(sec)?;
        }
        if let Some(m) = s.section("mask")? {
            c.mask = crate::mask::MaskConfig::parse(m)?;
        }
        if let Some(m) = s.section("monitor")? {
            c.monitor = crate::monitor::MonitorConfig::parse(m)?;
        }
        s.finish()?;
        Ok(c)
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<()> {
        let bad = |var: &str, got: &str, expected: &str| {
            Error::Config(format!("{var}: got {got:?}, expected {expected}"))
        };
        let flag = |var: &str| -> Result<Option<bool>> {
            match env(var) {
                None => Ok(None),
                Some(v) => match v.trim().to_ascii_lowercase().as_str() {
                    "1" | "true" | "yes" | "on" => Ok(Some(true)),
                    "0" | "false" | "no" | "off" => Ok(Some(false)),
                    _ => Err(bad(var, &v, "true or false")),
                },
            }
        };
        if let Some(v) = env("LOG_LEVEL") {
            self.level = v
                .parse()
                .map_err(|_| bad("LOG_LEVEL", &v, doc::LEVEL_NAMES))?;
        }
        if let Some(json) = flag("LOG_JSON_FORMAT")? {
            self.format = if json { Format::Json } else { Format::Text };
        }
        if let Some(v) = env("LOG_FORMAT") {
            self.format = v
                .parse()
                .map_err(|_| bad("LOG_FORMAT", &v, Format::NAMES))?;
        }
        if let Some(b) = flag("LOG_INCLUDE_CORRELATION_ID")? {
            self.include_correlation_id = b;
        }
        if let Some(b) = flag("LOG_PERFORMANCE")? {
            self.performance.enabled = b;
        }
        if let Some(b) = flag("LOG_AUDIT_ENABLED")? {
            self.audit.enabled = b;
        }
        if let Some(b) = flag("LOG_MASK_SENSITIVE_DATA")? {
            self.mask.enabled = b;
        }
        if let Some(k) = env("LOG_MASK_HMAC_KEY").filter(|k| !k.is_empty()) {
            self.mask.hmac_key = Some(k);
        }
        for (var, slot) in [
            ("LOG_SERVICE", &mut self.service),
            ("LOG_ENVIRONMENT", &mut self.environment),
            ("LOG_VERSION", &mut self.version),
        ] {
            if let Some(v) = env(var) {
                *slot = Some(v);
            }
        }
        if self.gcp_project.is_none() {
            self.gcp_project = env("GOOGLE_CLOUD_PROJECT").filter(|p| !p.is_empty());
        }
        if let Some(path) = env("LOG_FILE").filter(|p| !p.is_empty()) {
            let exists = self.sinks.iter().any(
                |s| matches!(&s.kind, SinkKind::File(f) if f.path == std::path::Path::new(&path)),
            );
            if !exists {
                self.sinks.push(SinkConfig::new(SinkKind::File(
                    crate::sink::FileConfig::new(path),
                )));
            }
        }
        Ok(())
    }

    /// What the encoders stamp on every record.
    pub fn meta(&self) -> Meta {
        Meta {
            service: self.service.clone(),
            environment: self.environment.clone(),
            version: self.version.clone(),
            schema_version: (self.schema.policy != Policy::Off)
                .then(|| self.schema.version.clone()),
            gcp_project: self.gcp_project.clone(),
        }
    }

    /// The lowest level any sink accepts: the caller's cheap filter.
    pub fn effective_level(&self) -> Level {
        self.sinks
            .iter()
            .map(|s| s.min_level.unwrap_or(Level::Trace).max(self.level))
            .min()
            .unwrap_or(Level::Critical)
    }
}

#[cfg(test)]
mod tests;
