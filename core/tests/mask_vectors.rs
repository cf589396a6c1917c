//! Replays the shared masking vectors (tests/vectors/mask.json and
//! mask_fields.json), the same files the Python and Node tests replay.

use logfort_core::{Config, Level, Masker, Record, Value};
use serde_json::Value as Json;

fn vectors(name: &str) -> Vec<Json> {
    let path = format!("{}/../tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    match serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}")) {
        Json::Array(items) => items,
        other => panic!("{path}: expected an array, got {other}"),
    }
}

/// The masker a case's `config` (a `mask` section) gives, or `None` when
/// it turns masking off; built once per distinct section.
fn masker<'a>(cache: &'a mut Vec<(Json, Option<Masker>)>, case: &Json) -> Option<&'a Masker> {
    let section = case
        .get("config")
        .cloned()
        .unwrap_or(Json::Object(Default::default()));
    let i = match cache.iter().position(|(s, _)| *s == section) {
        Some(i) => i,
        None => {
            let doc = serde_json::json!({ "mask": section });
            let config = Config::from_value(&doc).expect("vector config parses");
            let m = config
                .mask
                .enabled
                .then(|| Masker::new(&config.mask).expect("masker builds"));
            cache.push((section, m));
            cache.len() - 1
        }
    };
    cache[i].1.as_ref()
}

fn to_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::UInt(u) => Json::from(*u),
        Value::Float(f) => Json::from(*f),
        Value::Str(s) | Value::Raw(s) => Json::String(s.clone()),
        Value::Array(a) => Json::Array(a.iter().map(to_json).collect()),
        Value::Object(m) => Json::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
    }
}

#[test]
fn string_vectors() {
    let cases = vectors("mask.json");
    assert!(cases.len() >= 150, "only {} cases", cases.len());
    let mut failures = Vec::new();
    let mut cache = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().expect("name");
        let input = case["input"].as_str().expect("input");
        let expected = case["expected"].as_str().expect("expected");
        let before =
            |m: Option<&Masker>, rule: Option<&str>| m.zip(rule).map_or(0, |(m, r)| m.count(r));
        let rule = case.get("rule").and_then(Json::as_str);
        let m = masker(&mut cache, case);
        let counted = before(m, rule);
        let got = m.map_or(input.to_owned(), |m| m.mask_str(input).into_owned());
        if got != expected {
            failures.push(format!(
                "{name}:\n  input    {input:?}\n  expected {expected:?}\n  got      {got:?}"
            ));
            continue;
        }
        if let (Some(rule), Some(m)) = (rule, m) {
            if m.count(rule) <= counted {
                failures.push(format!("{name}: rule {rule} did not count"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn field_vectors() {
    let cases = vectors("mask_fields.json");
    let mut failures = Vec::new();
    let mut cache = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().expect("name");
        let Json::Object(fields) = &case["fields"] else {
            panic!("{name}: fields")
        };
        let mut rec = Record::new(Level::Info, "vectors", "m");
        rec.fields = fields
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.clone())))
            .collect();
        if let Some(m) = masker(&mut cache, case) {
            m.mask_record(&mut rec);
        }
        let got = Json::Object(
            rec.fields
                .iter()
                .map(|(k, v)| (k.clone(), to_json(v)))
                .collect(),
        );
        if got != case["expected"] {
            failures.push(format!(
                "{name}:\n  expected {}\n  got      {got}",
                case["expected"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} field vectors failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
