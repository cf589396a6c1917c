//! Schema validation, run on the writer thread (policy `strict` runs it
//! on the caller instead, so the caller gets the error).
//!
//! Every record is checked against the built-in `base` schema, the
//! built-in schema of its `log_type`, and each custom schema whose
//! `match` selects it. Violations become `schema_errors` entries such as
//! `"duration_ms: must be >= 0 (performance)"`: the field, the rule and
//! the schema, never the offending value (it may be a secret).
//!
//! Configuration (section `schema`):
//! ```json
//! {"policy": "annotate", "version": "1.0", "naming": true, "advice": false,
//!  "schemas": {"payment": {"match": {"logger": "app.payments", "log_type": "business"},
//!                          "required": ["amount"],
//!                          "properties": {"amount": {"type": "number", "minimum": 0}}}}}
//! ```
//! - `policy`: `annotate` (default; the record is written with
//!   `schema_errors`), `drop` (not written, counted as
//!   `logfort_records_dropped_total{reason="schema"}`), `strict`
//!   (`Logger::log` returns `Error::Schema` and writes nothing; for
//!   development), `off` (no validation, no `schema_version`).
//! - `version`: written as `schema_version` on every record unless `off`.
//! - `match.logger` selects a logger and its children (`app.payments`
//!   matches `app.payments.refunds`); `match.log_type` a record type;
//!   both must hold; without `match` a schema applies to every record.
//! - `required` is checked first, then `properties` in name order.
//! - Naming conventions (`naming`, default on) are advice, never
//!   violations: counted in `logfort_schema_advice_total{rule}`, and
//!   listed in a `schema_advice` field only when `advice` is true.

pub mod builtin;
pub mod naming;
pub mod subset;

use crate::bytes::{eq, hash_bit, key_hash};
use crate::config::doc::Section;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::metrics::{Report, Sample};
use crate::record::{LogType, Record, Value};
use crate::writer::Stage;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use subset::{Node, Seen};

/// What happens to a record that violates a schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    Off,
    Annotate,
    Drop,
    Strict,
}

impl Policy {
    pub const NAMES: &'static str = "\"annotate\", \"drop\", \"strict\" or \"off\"";
}

impl FromStr for Policy {
    type Err = ();
    fn from_str(s: &str) -> std::result::Result<Policy, ()> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "off" => Policy::Off,
            "annotate" => Policy::Annotate,
            "drop" => Policy::Drop,
            "strict" => Policy::Strict,
            _ => return Err(()),
        })
    }
}

/// A schema from configuration and the records it applies to.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomSchema {
    pub name: String,
    pub logger: Option<String>,
    pub log_type: Option<LogType>,
    pub node: Node,
}

impl CustomSchema {
    fn applies(&self, rec: &Record) -> bool {
        self.log_type.is_none_or(|t| rec.log_type == Some(t))
            && self.logger.as_deref().is_none_or(|l| {
                rec.logger
                    .strip_prefix(l)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
            })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct SchemaConfig {
    pub policy: Policy,
    pub version: String,
    pub naming: bool,
    pub advice: bool,
    pub schemas: Vec<CustomSchema>,
}

impl Default for SchemaConfig {
    fn default() -> SchemaConfig {
        SchemaConfig {
            policy: Policy::Annotate,
            version: "1.0".to_owned(),
            naming: true,
            advice: false,
            schemas: Vec::new(),
        }
    }
}

impl SchemaConfig {
    /// Reads section `schema`.
    pub fn parse(mut s: Section<'_>) -> Result<SchemaConfig> {
        let mut c = SchemaConfig::default();
        if let Some(p) = s.parse("policy", Policy::NAMES)? {
            c.policy = p;
        }
        if let Some(v) = s.string("version")? {
            c.version = v;
        }
        if let Some(b) = s.bool("naming")? {
            c.naming = b;
        }
        if let Some(b) = s.bool("advice")? {
            c.advice = b;
        }
        if let Some(map) = s.get("schemas") {
            let serde_json::Value::Object(map) = map else {
                return Err(s.error("schemas", map, "an object of schema name → schema"));
            };
            let base = s.path_of("schemas");
            for (name, doc) in map {
                let path = format!("{base}.{name}");
                if builtin::NAMES.contains(&name.as_str()) {
                    return Err(Error::Config(format!(
                        "`{path}`: the name is taken by a built-in schema ({}); choose another",
                        builtin::NAMES.join(", ")
                    )));
                }
                c.schemas.push(parse_custom(&path, name, doc)?);
            }
        }
        s.finish()?;
        Ok(c)
    }
}

fn parse_custom(path: &str, name: &str, doc: &serde_json::Value) -> Result<CustomSchema> {
    let mut s = Section::new(path, doc)?;
    let (mut logger, mut log_type) = (None, None);
    if let Some(mut m) = s.section("match")? {
        logger = m.string("logger")?;
        if let Some(t) = m.get("log_type") {
            log_type = Some(t.as_str().and_then(LogType::parse).ok_or_else(|| {
                m.error(
                    "log_type",
                    t,
                    "\"audit\", \"security\", \"performance\" or \"business\"",
                )
            })?);
        }
        m.finish()?;
    }
    if let Some(t) = s.get("type") {
        if t.as_str() != Some("object") {
            return Err(s.error(
                "type",
                t,
                "\"object\" (a schema describes the whole record)",
            ));
        }
    }
    let mut node = Node::parse(&mut s)?;
    node.types.clear();
    s.finish()?;
    Ok(CustomSchema {
        name: name.to_owned(),
        logger,
        log_type,
        node,
    })
}

/// One (schema, field) pair and how often it was violated.
struct Rule {
    schema: String,
    field: String,
    count: AtomicU64,
}

/// The compiled schemas of one logger and their counters; shared by the
/// writer's stage and (under `strict`) the logger.
pub struct Validator {
    policy: Policy,
    naming: bool,
    advice: bool,
    builtin: builtin::Builtin,
    custom: Vec<CustomSchema>,
    rules: Vec<Rule>,
    advice_counts: [AtomicU64; 2],
    dropped: AtomicU64,
}

impl Validator {
    /// The validator a configuration asks for; `None` under policy `off`.
    pub fn for_config(config: &SchemaConfig) -> Option<Arc<Validator>> {
        (config.policy != Policy::Off).then(|| Arc::new(Validator::new(config)))
    }

    pub fn new(config: &SchemaConfig) -> Validator {
        let builtin = builtin::Builtin::default();
        let mut rules = Vec::new();
        let mut add = |schema: &str, node: &Node| {
            let mut paths = Vec::new();
            node.paths("", &mut paths);
            rules.extend(paths.into_iter().map(|field| Rule {
                schema: schema.to_owned(),
                field,
                count: AtomicU64::new(0),
            }));
        };
        add("base", &builtin.base);
        for t in [
            LogType::Audit,
            LogType::Security,
            LogType::Performance,
            LogType::Business,
        ] {
            add(t.as_str(), &builtin.types[builtin::type_index(t)]);
        }
        for c in &config.schemas {
            add(&c.name, &c.node);
        }
        Validator {
            policy: config.policy,
            naming: config.naming,
            advice: config.advice,
            builtin,
            custom: config.schemas.clone(),
            rules,
            advice_counts: Default::default(),
            dropped: AtomicU64::new(0),
        }
    }

    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// Appends one message per violation of every schema that applies,
    /// and counts each by schema and field.
    pub fn check(&self, rec: &Record, errors: &mut Vec<String>) {
        self.check_view(&View::new(rec), errors);
    }

    fn check_view(&self, view: &View<'_>, errors: &mut Vec<String>) {
        let rec = view.rec;
        let get = |name: &str, h: u64| view.get(name, h);
        let has = view.anywhere;
        self.run("base", &self.builtin.base, has, &get, errors);
        if let Some(t) = rec.log_type {
            self.run(
                t.as_str(),
                &self.builtin.types[builtin::type_index(t)],
                has,
                &get,
                errors,
            );
        }
        for c in &self.custom {
            if c.applies(rec) {
                self.run(&c.name, &c.node, has, &get, errors);
            }
        }
    }

    fn run<'a>(
        &self,
        schema: &str,
        node: &Node,
        has: u64,
        get: &impl Fn(&str, u64) -> Option<Seen<'a>>,
        errors: &mut Vec<String>,
    ) {
        node.check_members("", has, get, &mut |field, rule| {
            if let Some(r) = self
                .rules
                .iter()
                .find(|r| r.schema == schema && r.field == field)
            {
                r.count.fetch_add(1, Relaxed);
            }
            errors.push(format!("{field}: {rule} ({schema})"));
        });
    }

    /// Under `strict`, on the caller: the record's violations as one error.
    pub fn enforce(&self, rec: &Record) -> Result<()> {
        let mut errors = Vec::new();
        self.check(rec, &mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            self.dropped.fetch_add(1, Relaxed);
            Err(Error::Schema(errors.join("; ")))
        }
    }
}

/// Most record fields whose name hashes are kept on the stack; a record
/// with more is looked up by name alone.
const INDEXED: usize = 16;

/// The record as validation sees it: each field as the output will show
/// it — the record's level, logger, message and type; the id slots
/// (context first, as encoders do); then the record's own fields (the
/// last of a repeated name wins), then the context's user, session and
/// bound fields.
struct View<'a> {
    rec: &'a Record,
    hashes: [u64; INDEXED],
    /// The `hash_bit` of every field's name: most names a schema
    /// asks for are absent, and this settles it without a scan.
    present: u64,
    /// `present` with the bits of every other name the record has (its
    /// own members, the context's ids and fields): a name whose bit is
    /// clear is absent everywhere.
    anywhere: u64,
}

const H_LEVEL: u64 = key_hash("level");
const H_LOGGER: u64 = key_hash("logger");
const H_MESSAGE: u64 = key_hash("message");
const H_LOG_TYPE: u64 = key_hash("log_type");
const H_CORRELATION_ID: u64 = key_hash("correlation_id");
const H_REQUEST_ID: u64 = key_hash("request_id");
const H_TRACE_ID: u64 = key_hash("trace_id");
const H_SPAN_ID: u64 = key_hash("span_id");
const H_USER_ID: u64 = key_hash("user_id");
const H_SESSION_ID: u64 = key_hash("session_id");

impl<'a> View<'a> {
    fn new(rec: &'a Record) -> View<'a> {
        let mut hashes = [0; INDEXED];
        let mut present = 0;
        for (h, (k, _)) in hashes.iter_mut().zip(&rec.fields) {
            *h = key_hash(k);
            present |= hash_bit(*h);
        }
        if rec.fields.len() > INDEXED {
            present = u64::MAX;
        }
        let mut anywhere = present | hash_bit(H_LEVEL) | hash_bit(H_LOGGER) | hash_bit(H_MESSAGE);
        if rec.log_type.is_some() {
            anywhere |= hash_bit(H_LOG_TYPE);
        }
        if let Some(c) = rec.context.as_deref() {
            for (h, id) in [
                (H_CORRELATION_ID, &c.correlation_id),
                (H_REQUEST_ID, &c.request_id),
                (H_TRACE_ID, &c.trace_id),
                (H_SPAN_ID, &c.span_id),
                (H_USER_ID, &c.user_id),
                (H_SESSION_ID, &c.session_id),
            ] {
                if id.is_some() {
                    anywhere |= hash_bit(h);
                }
            }
            for (k, _) in &c.fields {
                anywhere |= hash_bit(key_hash(k));
            }
        }
        View {
            rec,
            hashes,
            present,
            anywhere,
        }
    }

    /// The name hash of field `i`.
    fn hash(&self, i: usize) -> u64 {
        match self.hashes.get(i) {
            Some(h) if i < self.rec.fields.len() => *h,
            _ => key_hash(&self.rec.fields[i].0),
        }
    }

    #[inline(always)]
    fn field(&self, name: &str, h: u64) -> Option<Seen<'a>> {
        let fields = &self.rec.fields;
        if self.present & hash_bit(h) == 0 {
            return None;
        }
        if fields.len() > INDEXED {
            return self.rec.get(name).map(Seen::Value);
        }
        (0..fields.len())
            .rev()
            .find(|&i| self.hashes[i] == h && eq(fields[i].0.as_bytes(), name.as_bytes()))
            .map(|i| Seen::Value(&fields[i].1))
    }

    #[inline(always)]
    fn get(&self, name: &str, h: u64) -> Option<Seen<'a>> {
        let rec = self.rec;
        let ctx = rec.context.as_deref();
        let ctx_id = |id: fn(&'a Context) -> &'a Option<String>| {
            ctx.and_then(|c| id(c).as_deref())
                .map(Seen::Str)
                .or_else(|| self.field(name, h))
        };
        match h {
            H_LEVEL if name == "level" => Some(Seen::Str(rec.level.as_str())),
            H_LOGGER if name == "logger" => Some(Seen::Str(&rec.logger)),
            H_MESSAGE if name == "message" => Some(Seen::Str(&rec.message)),
            H_LOG_TYPE if name == "log_type" => rec.log_type.map(|t| Seen::Str(t.as_str())),
            H_CORRELATION_ID if name == "correlation_id" => ctx_id(|c| &c.correlation_id),
            H_REQUEST_ID if name == "request_id" => ctx_id(|c| &c.request_id),
            H_TRACE_ID if name == "trace_id" => ctx_id(|c| &c.trace_id),
            H_SPAN_ID if name == "span_id" => ctx_id(|c| &c.span_id),
            _ => self.field(name, h).or_else(|| {
                let c = ctx?;
                match h {
                    H_USER_ID if name == "user_id" => c.user_id.as_deref().map(Seen::Str),
                    H_SESSION_ID if name == "session_id" => c.session_id.as_deref().map(Seen::Str),
                    _ => c
                        .fields
                        .iter()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| Seen::Value(v)),
                }
            }),
        }
    }
}

impl Report for Validator {
    fn report(&self, out: &mut Vec<Sample>) {
        for r in &self.rules {
            out.push(Sample {
                name: "logfort_schema_violations_total",
                help: "Schema violations, by schema and field",
                labels: vec![("schema", r.schema.clone()), ("field", r.field.clone())],
                value: r.count.load(Relaxed),
            });
        }
        for rule in naming::Rule::ALL {
            out.push(Sample {
                name: "logfort_schema_advice_total",
                help: "Keys that break a naming convention, by rule",
                labels: vec![("rule", rule.as_str().into())],
                value: self.advice_counts[rule as usize].load(Relaxed),
            });
        }
        out.push(Sample {
            name: "logfort_records_dropped_total",
            help: "Records not written, by reason",
            labels: vec![("reason", "schema".into())],
            value: self.dropped.load(Relaxed),
        });
    }
}

/// Slots of the stage's cache of keys known to need no naming advice.
const CLEAN_KEYS: usize = 256;

/// The writer-thread stage: validation by policy, then naming advice.
/// Under `strict` the logger already rejected violating records on the
/// caller, so what arrives here is clean; where no caller can be told
/// (the synchronous `Formatter`), `strict` annotates.
pub struct SchemaStage {
    validator: Arc<Validator>,
    /// Name hashes of keys already found to follow the conventions: the
    /// same few keys recur in every record, so advice is mostly one
    /// probe. (Two names sharing a 64-bit hash would share the verdict;
    /// for advice that is an acceptable miss.)
    clean: Box<[u64; CLEAN_KEYS]>,
}

impl SchemaStage {
    pub fn new(validator: Arc<Validator>) -> SchemaStage {
        SchemaStage {
            validator,
            clean: Box::new([0; CLEAN_KEYS]),
        }
    }
}

/// Counts naming advice for the record's own keys and, when the
/// configuration asks, lists it (as a `schema_advice` field, masked like
/// any other).
fn advise(clean: &mut [u64; CLEAN_KEYS], v: &Validator, view: &View<'_>, listed: &mut Vec<Value>) {
    for (i, (k, _)) in view.rec.fields.iter().enumerate() {
        let h = view.hash(i);
        let slot = &mut clean[h as usize % CLEAN_KEYS];
        if *slot == h && h != 0 {
            continue;
        }
        match naming::advise(k) {
            None => *slot = h,
            Some((rule, suggestion)) => {
                v.advice_counts[rule as usize].fetch_add(1, Relaxed);
                if v.advice {
                    let text = format!("{k}: use {suggestion} ({})", rule.as_str());
                    listed.push(Value::Str(text));
                }
            }
        }
    }
}

impl Stage for SchemaStage {
    fn apply(&mut self, rec: &mut Record) -> bool {
        let v = &*self.validator;
        let mut errors = Vec::new();
        let mut listed = Vec::new();
        {
            let view = View::new(rec);
            if v.policy != Policy::Off {
                v.check_view(&view, &mut errors);
            }
            if v.naming {
                advise(&mut self.clean, v, &view, &mut listed);
            }
        }
        if v.policy == Policy::Drop && !errors.is_empty() {
            v.dropped.fetch_add(1, Relaxed);
            return false;
        }
        rec.schema_errors.append(&mut errors);
        if !listed.is_empty() {
            rec.fields
                .push(("schema_advice".to_owned(), Value::Array(listed)));
        }
        true
    }
}

#[cfg(test)]
mod tests;
