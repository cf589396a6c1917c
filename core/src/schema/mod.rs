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
mod plan;
pub mod subset;

use crate::config::doc::Section;
use crate::error::{Error, Result};
use crate::metrics::{Report, Sample};
use crate::record::{LogType, Record, Value};
use crate::writer::Stage;
use plan::{Finder, Plan, Plans, Step};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use subset::{Accepted, Node};

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
        for t in builtin::TYPES {
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
        let mut plan = Plan::default();
        self.fill(rec, &mut plan);
        self.run(&plan, rec, &mut Accepted::default(), errors);
    }

    /// Schema `i`: 0 is `base`, 1 to 4 the built-in schemas of the
    /// record types (`builtin::TYPES` order), then the custom ones.
    fn schema(&self, i: u32) -> (&str, &Node) {
        match i as usize {
            0 => ("base", &self.builtin.base),
            t @ 1..=4 => (builtin::TYPES[t - 1].as_str(), &self.builtin.types[t - 1]),
            c => {
                let c = &self.custom[c - 5];
                (&c.name, &c.node)
            }
        }
    }

    /// Bit `i`: custom schema `i` applies to `rec`; `None` when there are
    /// more custom schemas than the mask holds.
    fn customs(&self, rec: &Record) -> Option<u64> {
        (self.custom.len() <= 64).then(|| {
            self.custom
                .iter()
                .enumerate()
                .fold(0, |m, (i, c)| m | (c.applies(rec) as u64) << i)
        })
    }

    /// Works out what validating a record of `rec`'s shape takes.
    fn fill(&self, rec: &Record, plan: &mut Plan) {
        let finder = Finder::new(rec);
        let mut add = |schema: u32, node: &Node| {
            for (required, name) in node.required.iter().enumerate() {
                if finder.locate(name).is_none() {
                    let required = required as u32;
                    plan.steps.push(Step::Missing { schema, required });
                }
            }
            for (property, (name, child)) in node.properties.iter().enumerate() {
                if let Some(source) = finder.locate(name) {
                    plan.steps.push(Step::Check {
                        schema,
                        property: property as u32,
                        source,
                        quick: child.quick(),
                    });
                }
            }
        };
        add(0, &self.builtin.base);
        if let Some(t) = rec.log_type {
            let i = builtin::type_index(t);
            add(1 + i as u32, &self.builtin.types[i]);
        }
        for (i, c) in self.custom.iter().enumerate() {
            if c.applies(rec) {
                add(5 + i as u32, &c.node);
            }
        }
        if self.naming {
            for (k, _) in &rec.fields {
                if let Some((rule, suggestion)) = naming::advise(k) {
                    let text = format!("{k}: use {suggestion} ({})", rule.as_str());
                    plan.advice.push((rule, text));
                }
            }
        }
    }

    /// Appends one message per violation the plan's checks find in `rec`.
    fn run(&self, plan: &Plan, rec: &Record, accepted: &mut Accepted, errors: &mut Vec<String>) {
        for step in &plan.steps {
            match *step {
                Step::Missing { schema, required } => {
                    let (name, node) = self.schema(schema);
                    let field = node.required[required as usize].clone();
                    self.violation(name, field, "is required".to_owned(), errors);
                }
                Step::Check {
                    schema,
                    property,
                    source,
                    quick,
                } => {
                    let Some(v) = plan::seen(rec, source) else {
                        continue;
                    };
                    if quick.is_some_and(|q| q.passes(v, accepted)) {
                        continue;
                    }
                    let (name, node) = self.schema(schema);
                    let (field, child) = &node.properties[property as usize];
                    child.check_value("", field, v, accepted, &mut |path, rule| {
                        self.violation(name, path, rule, errors)
                    });
                }
            }
        }
    }

    /// Counts a violation by schema and field, and describes it.
    fn violation(&self, schema: &str, field: String, rule: String, errors: &mut Vec<String>) {
        if let Some(r) = self
            .rules
            .iter()
            .find(|r| r.schema == schema && r.field == field)
        {
            r.count.fetch_add(1, Relaxed);
        }
        errors.push(format!("{field}: {rule} ({schema})"));
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

/// The writer-thread stage: validation by policy, then naming advice.
/// Under `strict` the logger already rejected violating records on the
/// caller, so what arrives here is clean; where no caller can be told
/// (the synchronous `Formatter`), `strict` annotates.
pub struct SchemaStage {
    validator: Arc<Validator>,
    plans: Plans,
    accepted: Accepted,
}

impl SchemaStage {
    pub fn new(validator: Arc<Validator>) -> SchemaStage {
        SchemaStage {
            validator,
            plans: Plans::default(),
            accepted: Accepted::default(),
        }
    }
}

impl Stage for SchemaStage {
    fn apply(&mut self, rec: &mut Record) -> bool {
        let v = &*self.validator;
        let plan = self.plans.get(rec, v.customs(rec), |p| v.fill(rec, p));
        let mut errors = Vec::new();
        if v.policy != Policy::Off {
            v.run(plan, rec, &mut self.accepted, &mut errors);
        }
        // Naming advice is counted for every record with such a key, and
        // listed (as a `schema_advice` field, masked like any other) only
        // when the configuration asks.
        let mut listed = Vec::new();
        for (rule, text) in &plan.advice {
            v.advice_counts[*rule as usize].fetch_add(1, Relaxed);
            if v.advice {
                listed.push(Value::Str(text.clone()));
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
