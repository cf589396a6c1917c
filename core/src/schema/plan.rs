//! Validation plans. Which names a record has, and where each is found,
//! depends only on its shape: the names of its fields, the context ids
//! and bound names it carries, its type, and the custom schemas its
//! logger selects. A writer meets the same few shapes over and over, so
//! each is worked out once, as the steps of a `Plan`, and validating a
//! record of a known shape is only checking the values the steps point
//! at. A plan is used only for a record whose shape compares equal, name
//! by name, so it never stands in for another shape.

use super::naming;
use super::subset::{Quick, Seen};
use crate::context::{Context, IDS};
use crate::names::Names;
use crate::record::{LogType, Record};

/// Where a record holds the value of a name validation asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Source {
    Level,
    Logger,
    Message,
    LogType,
    /// A context id, by its index in `context::IDS`.
    Id(u8),
    /// `fields[i]`.
    Field(u32),
    /// The context's bound field `i`.
    Bound(u32),
}

/// One step of a plan: a required name the shape lacks, or a property's
/// value to check. Schemas are numbered by `Validator::schema`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Step {
    Missing {
        schema: u32,
        required: u32,
    },
    Check {
        schema: u32,
        property: u32,
        source: Source,
        /// The property's checks, when the step can make them itself.
        quick: Option<Quick>,
    },
}

fn id(c: &Context, i: u8) -> Option<&str> {
    c.ids().get(i as usize)?.as_deref()
}

/// Bit `i`: the record's context holds id `i`.
fn ids_of(rec: &Record) -> u8 {
    let Some(c) = rec.context.as_deref() else {
        return 0;
    };
    let held = c.ids().map(Option::is_some);
    (0..IDS.len()).fold(0, |bits, i| bits | (held[i] as u8) << i)
}

fn bound(rec: &Record) -> &[(String, crate::value::Value)] {
    rec.context.as_deref().map_or(&[], |c| &c.fields)
}

/// The value at `source`; `None` only when the record does not have the
/// shape the source was found in.
#[inline]
pub(super) fn seen(rec: &Record, source: Source) -> Option<Seen<'_>> {
    Some(match source {
        Source::Level => Seen::Str(rec.level.as_str()),
        Source::Logger => Seen::Str(&rec.logger),
        Source::Message => Seen::Str(&rec.message),
        Source::LogType => Seen::Str(rec.log_type?.as_str()),
        Source::Id(i) => Seen::Str(id(rec.context.as_deref()?, i)?),
        Source::Field(i) => Seen::Value(&rec.fields.get(i as usize)?.1),
        Source::Bound(i) => Seen::Value(&bound(rec).get(i as usize)?.1),
    })
}

/// Finds where a record holds a name, as the output will show it: the
/// record's level, logger, message and type; the id slots (context
/// first, as encoders do); then the record's own fields (the last of a
/// repeated name wins), then the context's user, session and bound
/// fields. Runs only when a plan is made, so it simply compares names.
pub(super) struct Finder<'a> {
    rec: &'a Record,
}

impl<'a> Finder<'a> {
    pub(super) fn new(rec: &'a Record) -> Finder<'a> {
        Finder { rec }
    }

    fn field(&self, name: &str) -> Option<Source> {
        let at = self.rec.fields.iter().rposition(|(k, _)| k == name)?;
        Some(Source::Field(at as u32))
    }

    /// Where the record holds `name`, if it does.
    pub(super) fn locate(&self, name: &str) -> Option<Source> {
        let rec = self.rec;
        let ctx_id = |i: usize| {
            let c = rec.context.as_deref()?;
            id(c, i as u8).map(|_| Source::Id(i as u8))
        };
        match name {
            "level" => Some(Source::Level),
            "logger" => Some(Source::Logger),
            "message" => Some(Source::Message),
            "log_type" => rec.log_type.map(|_| Source::LogType),
            _ => match IDS.iter().position(|id| *id == name) {
                // The trace ids: the context's first, as encoders write them.
                Some(i @ 0..4) => ctx_id(i).or_else(|| self.field(name)),
                // User and session: the record's own field first.
                Some(i) => self.field(name).or_else(|| ctx_id(i)),
                None => self.field(name).or_else(|| {
                    let at = bound(rec).iter().position(|(k, _)| k == name)?;
                    Some(Source::Bound(at as u32))
                }),
            },
        }
    }
}

/// What a plan was worked out for.
#[derive(Debug, Default)]
struct Shape {
    keys: Names,
    ids: u8,
    bound: Names,
    log_type: Option<LogType>,
    /// Bit `i`: custom schema `i` applies.
    customs: u64,
}

impl Shape {
    fn matches(&self, rec: &Record, ids: u8, customs: u64) -> bool {
        self.ids == ids
            && self.customs == customs
            && self.log_type == rec.log_type
            && self.keys.same(&rec.fields)
            && self.bound.same(bound(rec))
    }

    /// Becomes the shape of `rec`.
    fn set(&mut self, rec: &Record, ids: u8, customs: u64) {
        self.keys.set(&rec.fields);
        self.bound.set(bound(rec));
        self.ids = ids;
        self.log_type = rec.log_type;
        self.customs = customs;
    }
}

/// A shape's validation, worked out once.
#[derive(Debug, Default)]
pub(super) struct Plan {
    shape: Shape,
    /// False until the plan is first filled.
    filled: bool,
    /// In report order: each schema's required names, then its
    /// properties in name order; schemas in `Validator::schema` order.
    pub steps: Vec<Step>,
    /// Naming advice for the record's own keys, in field order: the rule
    /// and the `schema_advice` text.
    pub advice: Vec<(naming::Rule, String)>,
}

/// Plans kept per writer: direct-mapped by a cheap digest of the shape.
const SLOTS: usize = 64;
/// Records with more fields are planned afresh each time rather than
/// kept (a plan copies every name).
const MAX_KEPT_FIELDS: usize = 64;

/// A writer's plans.
pub(super) struct Plans {
    slots: Vec<Plan>,
    /// The slot used last, tried first: a busy writer mostly meets one
    /// shape after another of the same kind.
    last: usize,
    /// For a record that is not kept: too many fields, or more custom
    /// schemas than a shape's mask holds.
    scratch: Plan,
}

impl Default for Plans {
    fn default() -> Plans {
        Plans {
            slots: (0..SLOTS).map(|_| Plan::default()).collect(),
            last: 0,
            scratch: Plan::default(),
        }
    }
}

impl Plans {
    /// The plan for `rec`'s shape: the one kept for it, or one worked out
    /// now by `fill` (which is given the plan to fill, emptied).
    /// `customs` is the mask of the custom schemas that apply, `None`
    /// when there are too many for a mask.
    pub(super) fn get(
        &mut self,
        rec: &Record,
        customs: Option<u64>,
        fill: impl FnOnce(&mut Plan),
    ) -> &Plan {
        let ids = ids_of(rec);
        let plan = match customs {
            Some(customs) if rec.fields.len() <= MAX_KEPT_FIELDS => {
                let fits = |p: &Plan| p.filled && p.shape.matches(rec, ids, customs);
                if fits(&self.slots[self.last]) {
                    return &self.slots[self.last];
                }
                let i = digest(rec, ids, customs) % SLOTS;
                self.last = i;
                if fits(&self.slots[i]) {
                    return &self.slots[i];
                }
                let plan = &mut self.slots[i];
                plan.shape.set(rec, ids, customs);
                plan
            }
            _ => &mut self.scratch,
        };
        plan.steps.clear();
        plan.advice.clear();
        fill(plan);
        plan.filled = true;
        plan
    }
}

/// A cheap digest of a shape for picking its slot: each name's length
/// and first and last bytes, the ids, the type and the custom mask.
fn digest(rec: &Record, ids: u8, customs: u64) -> usize {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = (ids as u64) << 8 ^ customs.rotate_left(16) ^ rec.fields.len() as u64;
    if let Some(t) = rec.log_type {
        h ^= (t as u64 + 1) << 32;
    }
    for (k, _) in &rec.fields {
        let b = k.as_bytes();
        let edges = b.first().map_or(0, |&f| f as u64) | b.last().map_or(0, |&l| (l as u64) << 8);
        h = (h ^ edges ^ (b.len() as u64) << 16).wrapping_mul(K);
    }
    h = h.wrapping_add(bound(rec).len() as u64).wrapping_mul(K);
    (h >> 32) as usize
}
