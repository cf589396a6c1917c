use super::*;
use crate::record::{Context, Exception, Level, Location, LogType, Record, Value};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

fn at(level: Level, msg: &str) -> Record {
    let mut r = Record::new(level, "app.auth", msg);
    r.time = UNIX_EPOCH + Duration::new(1_795_417_821, 123_456_789);
    r
}

fn json(meta: Meta, rec: &Record) -> String {
    let mut out = Vec::new();
    encoder(Format::Json, meta, false).encode(rec, &mut out);
    String::from_utf8(out).expect("valid UTF-8")
}

#[test]
fn json_minimal_record() {
    assert_eq!(
        json(Meta::default(), &at(Level::Info, "hello")),
        "{\"timestamp\":\"2026-11-23T07:10:21.123456Z\",\"level\":\"INFO\",\"logger\":\"app.auth\",\"message\":\"hello\"}\n"
    );
}

#[test]
fn json_key_order_follows_design() {
    let ctx = Context {
        correlation_id: Some("c-1".into()),
        request_id: Some("r-1".into()),
        trace_id: Some("4bf92f3577b34da6a3ce929d0e0e4736".into()),
        span_id: Some("00f067aa0ba902b7".into()),
        user_id: Some("u-9".into()),
        fields: vec![("tenant".into(), Value::from("acme"))],
        ..Context::default()
    };
    let mut r = at(Level::Error, "boom")
        .field("order", 42)
        .field("ok", false);
    r.context = Some(Arc::new(ctx));
    r.log_type = Some(LogType::Audit);
    r.location = Some(Box::new(Location {
        file: "a.py".into(),
        line: 7,
        function: "f".into(),
    }));
    r.exception = Some(Box::new(Exception {
        type_name: "ValueError".into(),
        message: "bad".into(),
        traceback: Some("Traceback\n  line".into()),
        code: None,
    }));
    let meta = Meta {
        service: Some("svc".into()),
        environment: Some("prod".into()),
        version: Some("1.2.3".into()),
        schema_version: Some("1.0".into()),
        gcp_project: None,
    };
    assert_eq!(
        json(meta, &r),
        concat!(
            "{\"timestamp\":\"2026-11-23T07:10:21.123456Z\",\"level\":\"ERROR\",\"logger\":\"app.auth\",",
            "\"message\":\"boom\",\"correlation_id\":\"c-1\",\"request_id\":\"r-1\",",
            "\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"span_id\":\"00f067aa0ba902b7\",",
            "\"service\":\"svc\",\"environment\":\"prod\",\"version\":\"1.2.3\",\"log_type\":\"audit\",",
            "\"user_id\":\"u-9\",\"tenant\":\"acme\",\"order\":42,\"ok\":false,",
            "\"file\":\"a.py\",\"line\":7,\"function\":\"f\",",
            "\"exception\":{\"type\":\"ValueError\",\"message\":\"bad\",\"traceback\":\"Traceback\\n  line\"},",
            "\"schema_version\":\"1.0\"}\n"
        )
    );
}

#[test]
fn ids_passed_as_fields_fill_empty_slots_and_reserved_names_do_not_clash() {
    let r = at(Level::Info, "m")
        .field("correlation_id", "from-field")
        .field("level", "custom")
        .field("message", 1);
    assert_eq!(
        json(Meta::default(), &r),
        "{\"timestamp\":\"2026-11-23T07:10:21.123456Z\",\"level\":\"INFO\",\"logger\":\"app.auth\",\"message\":\"m\",\
         \"correlation_id\":\"from-field\",\"field_level\":\"custom\",\"field_message\":1}\n"
    );
}

#[test]
fn record_fields_override_bound_context_fields() {
    let ctx = Context {
        fields: vec![
            ("tenant".into(), Value::from("a")),
            ("x".into(), Value::from(1)),
        ],
        ..Default::default()
    };
    let mut r = at(Level::Info, "m").field("tenant", "b");
    r.context = Some(Arc::new(ctx));
    let line = json(Meta::default(), &r);
    assert!(
        line.ends_with("\"message\":\"m\",\"x\":1,\"tenant\":\"b\"}\n"),
        "{line}"
    );
}

#[test]
fn every_line_is_valid_json_whatever_the_input() {
    let nasty = "quote\" backslash\\ nl\n cr\r tab\t nul\u{0} esc\u{1b} bell\u{7} del\u{7f} \u{2028}\u{2029} 😀 é";
    let r = at(Level::Warning, nasty)
        .field(nasty, nasty)
        .field("nan", f64::NAN)
        .field("inf", f64::INFINITY)
        .field("ninf", f64::NEG_INFINITY)
        .field("big", u64::MAX);
    let line = json(Meta::default(), &r);
    assert_eq!(line.matches('\n').count(), 1, "one record, one line");
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["message"], nasty);
    assert_eq!(v[nasty], nasty);
    assert_eq!(v["nan"], "NaN");
    assert_eq!(v["inf"], "Infinity");
    assert_eq!(v["ninf"], "-Infinity");
    assert_eq!(v["big"], u64::MAX);
}

#[test]
fn invalid_utf8_and_surrogates_in_input_become_replacement_characters() {
    // Callers hand bytes over; the bindings convert them lossily.
    let bytes = b"ok \xff\xfe bad \xed\xa0\x80 surrogate";
    let msg = String::from_utf8_lossy(bytes);
    let line = json(Meta::default(), &at(Level::Info, &msg));
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(
        v["message"],
        "ok \u{fffd}\u{fffd} bad \u{fffd}\u{fffd}\u{fffd} surrogate"
    );
}

#[test]
fn ten_megabyte_message_is_one_valid_line() {
    let msg = "x\"\n".repeat(10 * 1024 * 1024 / 3);
    let line = json(Meta::default(), &at(Level::Info, &msg));
    assert_eq!(line.matches('\n').count(), 1);
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["message"].as_str().unwrap().len(), msg.len());
}

#[test]
fn thousand_deep_nesting_is_cut_not_overflowed() {
    let mut v = Value::Int(0);
    for _ in 0..1000 {
        v = Value::Object(vec![("k".into(), v)]);
    }
    let line = json(Meta::default(), &at(Level::Info, "deep").field("deep", v));
    let parsed: serde_json::Value = serde_json::from_str(&line).unwrap();
    let mut cur = &parsed["deep"];
    let mut depth = 0;
    while let Some(inner) = cur.get("k") {
        cur = inner;
        depth += 1;
    }
    assert_eq!(depth, crate::value::MAX_DEPTH);
    assert_eq!(cur, "[depth limit]");
}

#[test]
fn text_profile_is_one_readable_line() {
    let mut ctx = Context::default();
    ctx.set("correlation_id", "c-1");
    let mut r = at(Level::Warning, "disk\nfull")
        .field("free_mb", 12.5)
        .field("path", "/var/log x");
    r.context = Some(Arc::new(ctx));
    let mut out = Vec::new();
    encoder(Format::Text, Meta::default(), false).encode(&r, &mut out);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "2026-11-23T07:10:21.123456Z WARNING  app.auth: disk\\nfull correlation_id=c-1 free_mb=12.5 path=\"/var/log x\"\n"
    );
}

#[test]
fn text_profile_colours_only_when_asked() {
    let r = at(Level::Error, "x");
    let mut plain = Vec::new();
    let mut coloured = Vec::new();
    encoder(Format::Text, Meta::default(), false).encode(&r, &mut plain);
    encoder(Format::Text, Meta::default(), true).encode(&r, &mut coloured);
    assert!(!plain.contains(&0x1b));
    assert!(String::from_utf8(coloured)
        .unwrap()
        .contains("\x1b[31mERROR\x1b[0m"));
}

#[test]
fn body_keys_never_repeat() {
    let keys = |r: &Record| {
        let mut got = Vec::new();
        View::new(r).each_field(|k, _| got.push(k.to_owned()));
        got
    };
    // Fast path: distinct keys, none named field_*.
    let r = at(Level::Info, "m").field("a", 1).field("level", 2);
    assert_eq!(keys(&r), ["a", "field_level"]);
    // A repeated key, and a caller's own field_* after a renamed one.
    let r = at(Level::Info, "m")
        .field("a", 1)
        .field("a", 2)
        .field("level", 3)
        .field("field_level", 4)
        .field("field_a", 5);
    assert_eq!(
        keys(&r),
        [
            "a",
            "field_a",
            "field_level",
            "field_field_level",
            "field_field_a"
        ]
    );
    // More members than the fast path tracks: a late duplicate is caught.
    let mut r = at(Level::Info, "m");
    for i in 0..20 {
        r = r.field(format!("k{i}"), i);
    }
    r = r.field("k3", "again");
    let got = keys(&r);
    assert_eq!(got.len(), 21);
    assert_eq!(got[20], "field_k3");
    // A bound context field the record repeats is written once, the record's.
    let mut r = at(Level::Info, "m").field("tenant", "rec");
    r.context = Some(Arc::new(Context {
        user_id: Some("u".into()),
        fields: vec![
            ("tenant".into(), Value::from("ctx")),
            ("user_id".into(), Value::from("b")),
        ],
        ..Context::default()
    }));
    assert_eq!(keys(&r), ["user_id", "field_user_id", "tenant"]);
}

#[test]
fn the_scanned_view_agrees_with_the_general_walk() {
    let ctx = |c: Context| Some(Arc::new(c));
    let mut cases = vec![
        at(Level::Info, "m")
            .field("request_id", "r-field")
            .field("trace_id", 5)
            .field("user_id", "u-field")
            .field("plain", true),
        at(Level::Info, "m")
            .field("a", 1)
            .field("a", 2)
            .field("field_x", 3),
        at(Level::Info, "m")
            .field("level", "l")
            .field("span_id", "s-1")
            .field("message", 1)
            .field("span_id", "s-2"),
        at(Level::Info, "m")
            .field("request_id", "r-field")
            .field("session_id", "s")
            .field("k", "v"),
    ];
    cases[0].context = ctx(Context {
        user_id: Some("u-ctx".into()),
        correlation_id: Some("c".into()),
        ..Context::default()
    });
    cases[3].context = ctx(Context {
        request_id: Some("r-ctx".into()),
        session_id: Some("s-ctx".into()),
        user_id: Some("u-ctx".into()),
        ..Context::default()
    });
    let seen = |v: &View<'_>| {
        let ids: Vec<Option<String>> = PROMOTED
            .iter()
            .map(|n| v.id(n).map(str::to_owned))
            .collect();
        let mut body = Vec::new();
        v.each_field(|k, val| {
            let mut out = Vec::new();
            super::write::value(&mut out, val);
            body.push(format!("{k}={}", String::from_utf8(out).unwrap()));
        });
        (ids, body)
    };
    for r in &cases {
        let scanned = View::new(r);
        assert!(scanned.scan.is_some());
        let general = View { rec: r, scan: None };
        assert_eq!(seen(&scanned), seen(&general), "{:?}", r.fields);
    }
    let (ids, body) = seen(&View::new(&cases[0]));
    assert_eq!(ids, [Some("c".into()), Some("r-field".into()), None, None]);
    assert_eq!(
        body,
        ["field_trace_id=5", "user_id=\"u-field\"", "plain=true"].map(String::from)
    );
}

#[test]
fn every_special_name_is_found_and_near_misses_are_not() {
    for (i, name) in SPECIAL.iter().enumerate() {
        assert_eq!(
            special_index(name, slot_of(name.as_bytes())),
            Some(i),
            "{name}"
        );
        // Same length, first and last bytes: the same slot, another name.
        let mut near = name.as_bytes().to_vec();
        let mid = near.len() / 2;
        near[mid] = b'#';
        let near = String::from_utf8(near).unwrap();
        assert_eq!(
            special_index(&near, slot_of(near.as_bytes())),
            None,
            "{near}"
        );
    }
    for plain in ["", "x", "user", "levels", "msg", "api_key", "field_level"] {
        assert_eq!(
            special_index(plain, slot_of(plain.as_bytes())),
            None,
            "{plain}"
        );
    }
    assert!(is_reserved("level") && is_reserved("schema_errors"));
    assert!(!is_reserved("user_id") && !is_reserved("session_id"));
}

#[test]
fn an_encoder_keeps_only_what_holds_for_the_same_names() {
    // One encoder per profile, records whose names change in one place at
    // a time: every line must be the one a fresh encoder writes.
    let with = |fields: &[(&str, Value)]| {
        let mut r = Record::new(Level::Info, "app", "m");
        for (k, v) in fields {
            r = r.field(*k, v.clone());
        }
        r
    };
    let (one, two) = (Value::Int(1), Value::Int(2));
    let mut traced = with(&[("trace_id", Value::Str("t-2".into())), ("x", one.clone())]);
    traced.context = Some(Arc::new(Context {
        trace_id: Some("t-ctx".into()),
        user_id: Some("u-ctx".into()),
        ..Context::default()
    }));
    let records = [
        with(&[("user", one.clone()), ("level", two.clone())]),
        with(&[("user", one.clone()), ("levex", two.clone())]),
        with(&[("user", one.clone()), ("level", two.clone())]),
        with(&[("a", one.clone()), ("a", two.clone())]),
        with(&[("a", one.clone()), ("b", two.clone())]),
        with(&[("field_a", one.clone()), ("a", two.clone())]),
        with(&[("trace_id", Value::Str("t-1".into())), ("x", one.clone())]),
        with(&[("trace_id", Value::Int(5)), ("x", one.clone())]),
        traced,
        with(&[("user_id", Value::Str("u".into())), ("x", one)]),
    ];
    for format in [
        Format::Json,
        Format::Ecs,
        Format::Gcp,
        Format::Otel,
        Format::Text,
    ] {
        let mut kept = encoder(format, Meta::default(), false);
        for round in 0..2 {
            for (i, r) in records.iter().enumerate() {
                let (mut got, mut want) = (Vec::new(), Vec::new());
                kept.encode(r, &mut got);
                encoder(format, Meta::default(), false).encode(r, &mut want);
                assert_eq!(
                    String::from_utf8(got).unwrap(),
                    String::from_utf8(want).unwrap(),
                    "{format} round {round} record {i}"
                );
            }
        }
    }
    let mut json = Vec::new();
    let mut kept = encoder(Format::Json, Meta::default(), false);
    for r in &records[..2] {
        kept.encode(r, &mut json);
    }
    let lines: Vec<&str> = std::str::from_utf8(&json).unwrap().lines().collect();
    assert!(
        lines[0].ends_with(r#","user":1,"field_level":2}"#),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].ends_with(r#","user":1,"levex":2}"#),
        "{}",
        lines[1]
    );
}
