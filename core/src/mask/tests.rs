//! The masker end to end: configuration, records, the logger stage,
//! counters, `Logger::mask`.

use super::*;
use crate::config::Config;
use crate::context::Context;
use crate::record::{Exception, Record};
use crate::value::Value;
use crate::{Level, Logger};
use std::time::Duration;

const DESIGN: &str = r#"{"level": "info", "format": "json", "service": "grc-backend",
 "mask": {"enabled": true, "keys": ["salary"], "rules": [{"name": "employee_id", "pattern": "EMP-\\d{6}", "replace": "EMP-******"}]}}"#;

fn config(mask: &str) -> Result<Config> {
    Config::from_json(&format!(r#"{{"mask": {mask}}}"#))
}

fn masker(mask: &str) -> Masker {
    Masker::new(&config(mask).unwrap().mask).unwrap()
}

#[test]
fn design_example_parses_and_works() {
    let c = Config::from_json(DESIGN).unwrap();
    assert!(c.mask.enabled);
    assert_eq!(c.mask.keys, ["salary"]);
    assert_eq!(
        c.mask.rules,
        [RuleConfig::new(
            "employee_id",
            r"EMP-\d{6}",
            Style::Replace("EMP-******".into())
        )]
    );
    let m = Masker::new(&c.mask).unwrap();
    assert_eq!(
        m.mask_str("EMP-123456 salary=10"),
        "EMP-****** salary=***MASKED***"
    );
    assert_eq!(m.count("employee_id"), 1);
    assert!(m.is_sensitive_key("Salary"));
}

#[test]
fn config_errors_name_the_key_or_rule() {
    let err = |m: &str| config(m).unwrap_err().to_string();
    assert_eq!(
        err(r#"{"enabled": "yes"}"#),
        "invalid configuration: `mask.enabled`: got \"yes\", expected true or false"
    );
    assert!(
        err(r#"{"colour": 1}"#).starts_with("invalid configuration: `mask.colour`: unknown key")
    );
    let e = err(r#"{"rules": [{"name": "emp", "pattern": "EMP-(\\d"}]}"#);
    assert!(
        e.starts_with("invalid configuration: mask rule \"emp\": invalid pattern"),
        "{e}"
    );
    let e = err(r#"{"disable": ["emails"]}"#);
    assert!(e.starts_with("invalid configuration: `mask.disable`: got \"emails\", expected a built-in rule (sensitive_key, private_key"), "{e}");
    let e = err(r#"{"rules": [{"name": "email", "pattern": "x"}]}"#);
    assert!(
        e.contains("mask rule \"email\": the name is already taken"),
        "{e}"
    );
    let e = err(r#"{"rules": [{"name": "a", "pattern": "x"}, {"name": "a", "pattern": "y"}]}"#);
    assert!(
        e.contains("mask rule \"a\": the name is already taken"),
        "{e}"
    );
    let e = err(r#"{"keys": ["a*b"]}"#);
    assert!(e.contains("mask key \"a*b\""), "{e}");
    let e = err(r#"{"max_value_bytes": 10}"#);
    assert_eq!(e, "invalid configuration: `mask.max_value_bytes`: got 10, expected a whole number from 1024 to 1073741824");
    // The hash style needs a key, from the document or the environment.
    let hashed = r#"{"rules": [{"name": "u", "pattern": "U\\d+", "hash": true}]}"#;
    let e = Masker::new(&config(hashed).unwrap().mask)
        .unwrap_err()
        .to_string();
    assert_eq!(e, "invalid configuration: mask rule \"u\": the hash style needs `mask.hmac_key` or LOG_MASK_HMAC_KEY");
    let doc = format!(r#"{{"mask": {hashed}}}"#);
    let c = Config::load_with(Some(&doc), |k| {
        (k == "LOG_MASK_HMAC_KEY").then(|| "k".to_owned())
    })
    .unwrap();
    assert!(Masker::new(&c.mask)
        .unwrap()
        .mask_str("U42")
        .starts_with("hmac:"));
}

#[test]
fn environment_switches_masking() {
    let env =
        |v: &'static str| move |k: &str| (k == "LOG_MASK_SENSITIVE_DATA").then(|| v.to_owned());
    assert!(Config::load_with(None, |_| None).unwrap().mask.enabled);
    assert!(!Config::load_with(None, env("false")).unwrap().mask.enabled);
    assert!(
        !Config::load_with(Some(DESIGN), env("0"))
            .unwrap()
            .mask
            .enabled
    );
    assert!(
        Config::load_with(Some(r#"{"mask": {"enabled": false}}"#), env("true"))
            .unwrap()
            .mask
            .enabled
    );
    let e = Config::load_with(None, env("maybe"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "invalid configuration: LOG_MASK_SENSITIVE_DATA: got \"maybe\", expected true or false"
    );
}

#[test]
fn debug_output_hides_the_hmac_key() {
    let c = config(r#"{"hmac_key": "topsecret"}"#).unwrap();
    let shown = format!("{c:?}");
    assert!(
        !shown.contains("topsecret") && shown.contains("<redacted>"),
        "{shown}"
    );
}

#[test]
fn clean_text_is_borrowed() {
    let m = masker("{}");
    for s in [
        "GET /api/v1/users 200 12ms",
        "",
        "2026-11-23T07:12:45Z",
        "ping=12ms",
    ] {
        assert!(matches!(m.mask_str(s), Cow::Borrowed(_)), "{s}");
    }
}

#[test]
fn record_is_masked_everywhere_but_the_logger_name() {
    let m = masker(r#"{"keys": ["salary"]}"#);
    let mut rec = Record::new(Level::Info, "alice@example.com", "for bob@example.com")
        .field("password", Value::Object(vec![("a".into(), Value::Int(1))]))
        .field(
            "list",
            Value::Array(vec![Value::Str("4111111111111111".into()), Value::Int(4)]),
        )
        .field("carol@example.com", "key is masked")
        .field("Salary", 100);
    rec.exception = Some(Box::new(Exception {
        type_name: "ValueError".into(),
        message: "bad token=abc".into(),
        traceback: Some("at login(password=\"x\")".into()),
        code: None,
    }));
    rec.stack_trace = Some("call with 090-1234-5678".into());
    rec.schema_errors = vec!["field `card`: got \"5555555555554444\"".into()];
    m.mask_record(&mut rec);
    assert_eq!(rec.logger, "alice@example.com");
    assert_eq!(rec.message, "for b***@example.com");
    assert_eq!(
        rec.fields,
        vec![
            ("password".into(), Value::Str(MASK.into())),
            (
                "list".into(),
                Value::Array(vec![
                    Value::Str("****-****-****-1111".into()),
                    Value::Int(4)
                ])
            ),
            (
                "c***@example.com".into(),
                Value::Str("key is masked".into())
            ),
            ("Salary".into(), Value::Str(MASK.into())),
        ]
    );
    let e = rec.exception.as_ref().unwrap();
    assert_eq!(e.message, "bad token=***MASKED***");
    assert_eq!(
        e.traceback.as_deref(),
        Some("at login(password=\"***MASKED***\")")
    );
    assert_eq!(e.type_name, "ValueError");
    assert_eq!(rec.stack_trace.as_deref(), Some("call with ***-****-5678"));
    assert_eq!(
        rec.schema_errors,
        ["field `card`: got \"****-****-****-4444\""]
    );
    assert_eq!(m.count("sensitive_key"), 2);
    assert_eq!(m.count("email"), 2);
    assert_eq!(m.count("credit_card"), 2);
}

#[test]
fn context_is_replaced_only_when_something_changed() {
    let m = masker("{}");
    let clean = Arc::new(Context {
        correlation_id: Some("3f2a9c1b-0e5d-4a64-9b1e-7c2d5e8f9a01".into()),
        user_id: Some("u-123".into()),
        fields: vec![("tenant".into(), Value::Str("acme".into()))],
        ..Context::default()
    });
    let mut rec = Record::new(Level::Info, "x", "m");
    rec.context = Some(clean.clone());
    m.mask_record(&mut rec);
    assert!(Arc::ptr_eq(rec.context.as_ref().unwrap(), &clean));

    let dirty = Arc::new(Context {
        session_id: Some("s-1".into()),
        user_id: Some("dave@example.com".into()),
        fields: vec![
            ("tenant".into(), Value::Str("acme".into())),
            ("auth".into(), Value::Array(vec![Value::Int(1)])),
        ],
        ..Context::default()
    });
    rec.context = Some(dirty.clone());
    m.mask_record(&mut rec);
    let c = rec.context.as_deref().unwrap();
    assert!(!Arc::ptr_eq(rec.context.as_ref().unwrap(), &dirty));
    assert_eq!(c.session_id.as_deref(), Some(MASK));
    assert_eq!(c.user_id.as_deref(), Some("d***@example.com"));
    assert_eq!(
        c.fields,
        vec![
            ("tenant".into(), Value::Str("acme".into())),
            ("auth".into(), Value::Str(MASK.into()))
        ]
    );
    // The caller's snapshot is untouched.
    assert_eq!(dirty.session_id.as_deref(), Some("s-1"));
}

#[test]
fn structures_deeper_than_the_encoders_write_are_cut() {
    let m = masker("{}");
    let mut v = Value::Str("4111111111111111".into());
    for _ in 0..crate::value::MAX_DEPTH + 5 {
        v = Value::Array(vec![v]);
    }
    let mut rec = Record::new(Level::Info, "x", "m").field("deep", v);
    m.mask_record(&mut rec);
    let mut out = Vec::new();
    crate::encode::encoder(crate::encode::Format::Json, Default::default(), false)
        .encode(&rec, &mut out);
    let line = String::from_utf8(out).unwrap();
    assert!(
        !line.contains("4111111111111111") && line.contains("[depth limit]"),
        "{line}"
    );
}

#[test]
fn oversize_values_have_their_tail_replaced() {
    let m = masker(r#"{"max_value_bytes": 1024}"#);
    let text = format!(
        "{} card 4111111111111111 {}",
        "a ".repeat(400),
        "b".repeat(5000)
    );
    let out = m.mask_str(&text);
    assert!(out.starts_with(&"a ".repeat(400)));
    assert!(
        out.ends_with(" bytes not scanned]"),
        "{}",
        &out[out.len() - 60..]
    );
    assert!(!out.contains("4111111111111111") && !out.contains("bbbb"));
    assert!(out.len() < 1100);
    let mut samples = Vec::new();
    m.report(&mut samples);
    assert!(samples
        .iter()
        .any(|s| s.name == "logfort_mask_truncated_total" && s.value == 1));
}

#[test]
fn disabled_rules_are_off_and_unreported() {
    let m = masker(r#"{"disable": ["email", "sensitive_key"], "keys": ["salary"]}"#);
    assert_eq!(
        m.mask_str("alice@example.com password=x salary=1"),
        "alice@example.com password=x salary=***MASKED***"
    );
    let mut samples = Vec::new();
    m.report(&mut samples);
    let rules: Vec<&str> = samples
        .iter()
        .flat_map(|s| s.labels.iter().map(|(_, v)| v.as_str()))
        .collect();
    assert!(
        !rules.contains(&"email")
            && rules.contains(&"kv_secret")
            && rules.contains(&"sensitive_key")
    );
}

fn file_logger(dir: &std::path::Path, mask: &str) -> (Logger, std::path::PathBuf) {
    let path = dir.join("out.log");
    let doc = format!(
        r#"{{"sinks": [{{"type": "file", "path": {:?}}}], "mask": {mask}}}"#,
        path.to_str().unwrap()
    );
    (Logger::new(Config::from_json(&doc).unwrap()).unwrap(), path)
}

#[test]
fn logger_masks_every_record_and_counts_by_rule() {
    let dir = tempfile::tempdir().unwrap();
    let (log, path) = file_logger(dir.path(), r#"{"keys": ["salary"]}"#);
    let rec = Record::new(
        Level::Info,
        "app.auth",
        r#"login failed {"password": "hunter2"} for alice@example.com card 4111-1111-1111-1111"#,
    )
    .field("user_id", "u-123")
    .field("api_key", "sk-live-abcdef")
    .field("salary", 100);
    log.log(rec).unwrap();
    log.flush(Duration::from_secs(10)).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let line = text.lines().next().unwrap();
    let json: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(
        json["message"],
        r#"login failed {"password": "***MASKED***"} for a***@example.com card ****-****-****-1111"#
    );
    assert_eq!(json["user_id"], "u-123");
    assert_eq!(json["api_key"], MASK);
    assert_eq!(json["salary"], MASK);
    assert_eq!(json["logger"], "app.auth");
    let metrics = log.metrics();
    assert_eq!(
        metrics.get("logfort_masked_total", &[("rule", "sensitive_key")]),
        2
    );
    assert_eq!(
        metrics.get("logfort_masked_total", &[("rule", "json_secret")]),
        1
    );
    assert_eq!(metrics.get("logfort_masked_total", &[("rule", "email")]), 1);
    assert_eq!(
        metrics.get("logfort_masked_total", &[("rule", "credit_card")]),
        1
    );
    assert!(metrics
        .to_prometheus()
        .contains("logfort_masked_total{rule=\"email\"} 1\n"));
    // The standalone function uses the same rules and the same counters.
    assert_eq!(
        log.mask("salary=5 bob@example.com"),
        "salary=***MASKED*** b***@example.com"
    );
    assert_eq!(
        log.metrics()
            .get("logfort_masked_total", &[("rule", "email")]),
        2
    );
    log.shutdown(Duration::from_secs(10)).unwrap();
}

#[test]
fn logger_with_masking_off_writes_and_returns_text_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let (log, path) = file_logger(dir.path(), r#"{"enabled": false}"#);
    assert!(log.masker().is_none());
    log.log(Record::new(Level::Info, "a", "password=x").field("token", "t"))
        .unwrap();
    log.flush(Duration::from_secs(10)).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains(r#""message":"password=x""#) && text.contains(r#""token":"t""#),
        "{text}"
    );
    assert_eq!(log.mask("password=x"), "password=x");
    assert_eq!(log.metrics().get("logfort_masked_total", &[]), 0);
}

#[test]
fn the_stage_remembers_keys_and_clean_contexts_but_counts_every_masking() {
    let m = Arc::new(masker("{}"));
    let mut stage = MaskStage::new(m.clone());
    let ctx = Arc::new(Context {
        correlation_id: Some("c-1".into()),
        ..Context::default()
    });
    for i in 0..3 {
        let mut rec = Record::new(Level::Info, "x", "m")
            .field("password", "p")
            .field("bob@example.com", i)
            .field("user", "u");
        rec.context = Some(ctx.clone());
        assert!(stage.apply(&mut rec));
        assert_eq!(rec.fields[0].1, Value::Str(MASK.into()));
        assert_eq!(rec.fields[1].0, "b***@example.com");
        assert!(Arc::ptr_eq(rec.context.as_ref().unwrap(), &ctx));
    }
    stage.publish(); // as the writer does at the end of each batch
    assert_eq!(m.count("sensitive_key"), 3);
    assert_eq!(m.count("email"), 3);
    // A context that needs masking is masked every time.
    let dirty = Arc::new(Context {
        session_id: Some("s".into()),
        ..Context::default()
    });
    for _ in 0..2 {
        let mut rec = Record::new(Level::Info, "x", "m");
        rec.context = Some(dirty.clone());
        stage.apply(&mut rec);
        assert_eq!(rec.context.unwrap().session_id.as_deref(), Some(MASK));
    }
    assert_eq!(m.count("sensitive_key"), 5);
}

#[test]
fn keys_sharing_a_cache_slot_are_each_judged_right() {
    // More distinct keys than the table has slots, twice over: evicted
    // and colliding keys are worked out again, never taken for another.
    let m = Arc::new(masker("{}"));
    let mut stage = MaskStage::new(m.clone());
    for round in 0..2 {
        for i in 0..3000 {
            let (key, sensitive) = if i % 3 == 0 {
                (format!("db_password_{i}"), true)
            } else {
                (format!("field_{i}"), false)
            };
            let mut rec = Record::new(Level::Info, "x", "m").field(&key, "plain");
            stage.apply(&mut rec);
            let want = if sensitive { MASK } else { "plain" };
            assert_eq!(
                rec.fields[0].1,
                Value::Str(want.into()),
                "{key} round {round}"
            );
        }
    }
    stage.publish();
    assert_eq!(m.count("sensitive_key"), 2000);
}

#[test]
fn remembered_texts_come_out_the_same_and_are_counted_every_time() {
    let m = Arc::new(masker("{}"));
    let mut stage = MaskStage::new(m.clone());
    let message = "card 4111-1111-1111-1111 from bob@example.com";
    // Many other strings pass between the repeats, filling (and taking
    // over) slots; each still comes out as a fresh scan makes it.
    for round in 0..3u64 {
        for i in 0..2000u64 {
            let other = format!("order {i} for u{i}@example.com");
            let mut rec = Record::new(Level::Info, "x", message).field("note", other.as_str());
            stage.apply(&mut rec);
            assert_eq!(
                rec.message,
                "card ****-****-****-1111 from b***@example.com"
            );
            assert_eq!(
                rec.fields[0].1,
                Value::Str(format!("order {i} for u***@example.com")),
                "round {round}"
            );
        }
        stage.publish();
        assert_eq!(m.count("credit_card"), 2000 * (round + 1));
        assert_eq!(m.count("email"), 4000 * (round + 1));
    }
    // A clean text stays clean, and the same text with a secret added is
    // not taken for it.
    let mut rec = Record::new(Level::Info, "x", "GET /health 200");
    stage.apply(&mut rec);
    stage.apply(&mut rec);
    assert_eq!(rec.message, "GET /health 200");
    let mut rec = Record::new(Level::Info, "x", "GET /health 200 token=abc");
    stage.apply(&mut rec);
    assert_eq!(rec.message, "GET /health 200 token=***MASKED***");
}

#[test]
fn texts_that_share_a_slot_are_each_masked_as_they_are() {
    // Same length, same first, middle and last eight bytes: one slot
    // (`bytes::text_hash`), which the texts take in turns.
    let m = Arc::new(masker("{}"));
    let mut stage = MaskStage::new(m.clone());
    let clean = "user 7 said: label=42 and the web tier answered it all done, ok";
    let secret = "user 7 said: token=42 and the web tier answered it all done, ok";
    let masked = "user 7 said: token=***MASKED*** and the web tier answered it all done, ok";
    assert_eq!(clean.len(), secret.len());
    assert_eq!(
        crate::bytes::text_hash(clean.as_bytes()),
        crate::bytes::text_hash(secret.as_bytes())
    );
    for round in 1..=3u64 {
        for (text, out) in [
            (clean, clean),
            (secret, masked),
            (secret, masked),
            (clean, clean),
        ] {
            let mut rec = Record::new(Level::Info, "x", text).field("note", text);
            stage.apply(&mut rec);
            assert_eq!(rec.message, out, "round {round}");
            assert_eq!(rec.fields[0].1, Value::from(out), "round {round}");
            stage.after(&mut rec);
        }
        stage.publish();
        assert_eq!(m.count("kv_secret"), 4 * round);
    }
}

#[test]
fn remembered_texts_are_lent_to_the_record_and_taken_back() {
    let m = Arc::new(masker("{}"));
    let mut stage = MaskStage::new(m.clone());
    let text = "card 4111-1111-1111-1111 from bob@example.com";
    let masked = "card ****-****-****-1111 from b***@example.com";
    for round in 1..=3u64 {
        let mut rec = Record::new(Level::Info, "x", text).field("note", text);
        let message_buf = rec.message.as_ptr();
        stage.apply(&mut rec);
        // The field holds the same text as the message: only one of them
        // can borrow the remembered masking, the other is scanned.
        assert_eq!(rec.message, masked, "round {round}");
        assert_eq!(rec.fields[0].1, Value::from(masked), "round {round}");
        stage.after(&mut rec);
        if round > 1 {
            // Taken back: the record has its own buffer and text again.
            assert_eq!(
                (rec.message.as_str(), rec.message.as_ptr()),
                (text, message_buf)
            );
        }
        // Round 1: the message was scanned (and remembered), the field
        // borrowed that and gave it back. Later the message borrows, and
        // the field, scanned, keeps its masked copy.
        let note = if round == 1 { text } else { masked };
        assert_eq!(rec.fields[0].1, Value::from(note), "round {round}");
        stage.publish();
        assert_eq!(m.count("credit_card"), 2 * round);
        assert_eq!(m.count("email"), 2 * round);
    }
    // A stage never told the record is written keeps serving the right
    // text: a lent entry serves nothing until it is taken back.
    for _ in 0..3 {
        let mut rec = Record::new(Level::Info, "x", text);
        stage.apply(&mut rec);
        assert_eq!(rec.message, masked);
    }
}

#[test]
fn a_record_with_the_last_records_names_is_masked_by_name() {
    // Records alternate between names that differ in one place; the
    // sensitivity worked out for one set of names never stands in for
    // the other, whatever the values are.
    let m = Arc::new(masker("{}"));
    assert!(m.is_sensitive_key("password") && !m.is_sensitive_key("passage_"));
    let mut stage = MaskStage::new(m.clone());
    for i in 0..4 {
        for (second, masked) in [("password", true), ("password", true), ("passage_", false)] {
            let value = if i % 2 == 0 {
                Value::Str(format!("v{i}"))
            } else {
                Value::Int(i)
            };
            let mut rec = Record::new(Level::Info, "x", "m")
                .field("user", "u")
                .field(second, value.clone())
                .field("note", "mail bob@example.com");
            assert!(stage.apply(&mut rec));
            let want = if masked {
                Value::Str(MASK.into())
            } else {
                value
            };
            assert_eq!(rec.fields[1].1, want, "{second} {i}");
            assert_eq!(rec.fields[0].1, Value::Str("u".into()));
            assert_eq!(rec.fields[2].1, Value::Str("mail b***@example.com".into()));
            stage.after(&mut rec);
        }
    }
    stage.publish();
    assert_eq!(m.count("sensitive_key"), 8);
    assert_eq!(m.count("email"), 12);
}
