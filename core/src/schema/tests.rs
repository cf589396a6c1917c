use super::*;
use crate::config::Config;
use crate::context::Context;
use crate::level::Level;
use crate::metrics::Metrics;

fn config(schema: &str) -> SchemaConfig {
    Config::from_json(&format!(r#"{{"schema": {schema}}}"#))
        .unwrap()
        .schema
}

fn config_err(schema: &str) -> String {
    Config::from_json(&format!(r#"{{"schema": {schema}}}"#))
        .unwrap_err()
        .to_string()
}

fn errors(v: &Validator, rec: &Record) -> Vec<String> {
    let mut out = Vec::new();
    v.check(rec, &mut out);
    out
}

fn metrics(v: &Validator) -> Metrics {
    let mut m = Metrics::default();
    v.report(&mut m.samples);
    m
}

fn rec() -> Record {
    Record::new(Level::Info, "app.auth", "hello")
}

#[test]
fn defaults() {
    let c = SchemaConfig::default();
    assert_eq!(c.policy, Policy::Annotate);
    assert_eq!(c.version, "1.0");
    assert!(c.naming && !c.advice && c.schemas.is_empty());
    assert_eq!(
        Config::default().meta().schema_version.as_deref(),
        Some("1.0")
    );
    let off = Config::from_json(r#"{"schema": {"policy": "off", "version": "2"}}"#).unwrap();
    assert_eq!(off.meta().schema_version, None);
    let v2 = Config::from_json(r#"{"schema": {"version": "2.1"}}"#).unwrap();
    assert_eq!(v2.meta().schema_version.as_deref(), Some("2.1"));
}

#[test]
fn the_benchmark_record_is_clean() {
    let v = Validator::new(&SchemaConfig::default());
    let mut r = rec()
        .field("user_id", "u-123")
        .field("client_ip", "192.168.1.1")
        .field("duration_ms", 12.5)
        .field("request_path", "/api/v1/login")
        .field("api_key", "sk-live-abcdef");
    r.context = Some(Arc::new(Context::from_headers(Some("c-1"), None)));
    assert_eq!(errors(&v, &r), Vec::<String>::new());
}

#[test]
fn base_schema_types_without_values() {
    let v = Validator::new(&SchemaConfig::default());
    let r = rec()
        .field("user_id", 42)
        .field("duration_ms", -1.0)
        .field("client_ip", "10.0.0.999")
        .field("success", "yes")
        .field("request_id", Value::Null);
    assert_eq!(
        errors(&v, &r),
        [
            "client_ip: must be an IP address (base)",
            "duration_ms: must be >= 0 (base)",
            "request_id: must be a string (base)",
            "success: must be a boolean (base)",
            "user_id: must be a string (base)",
        ]
    );
    let m = metrics(&v);
    let n = |s: &str, f: &str| {
        m.get(
            "logfort_schema_violations_total",
            &[("schema", s), ("field", f)],
        )
    };
    assert_eq!(
        (
            n("base", "duration_ms"),
            n("base", "client_ip"),
            n("base", "span_id")
        ),
        (1, 1, 0)
    );
    assert_eq!(m.get("logfort_schema_violations_total", &[]), 5);
    let nan = rec().field("duration_ms", f64::NAN);
    assert_eq!(errors(&v, &nan), ["duration_ms: must be >= 0 (base)"]);
}

#[test]
fn typed_schemas_apply_by_log_type() {
    let v = Validator::new(&SchemaConfig::default());
    let mut a = rec().field("action", "login").field("client_ip", "::1");
    a.log_type = Some(LogType::Audit);
    assert_eq!(
        errors(&v, &a),
        [
            "resource_type: is required (audit)",
            "resource_id: is required (audit)",
            "user_id: is required (audit)",
            "result: is required (audit)",
        ]
    );
    // The context's user satisfies `user_id`, as it appears in the output.
    let ctx = Context {
        user_id: Some("u-1".into()),
        ..Context::default()
    };
    a.context = Some(Arc::new(ctx));
    assert_eq!(errors(&v, &a).len(), 3);

    let mut s = rec()
        .field("security_event", "brute_force")
        .field("severity", "high")
        .field("client_ip", "not-an-ip")
        .field("user_id", "u-1");
    s.log_type = Some(LogType::Security);
    assert_eq!(
        errors(&v, &s),
        [
            "client_ip: must be an IP address (base)",
            "client_ip: must be an IP address (security)",
            "severity: must be one of info, warning, critical (security)",
        ]
    );

    let mut p = rec()
        .field("operation", "db_query")
        .field("duration_ms", -5);
    p.log_type = Some(LogType::Performance);
    assert_eq!(
        errors(&v, &p),
        [
            "duration_ms: must be >= 0 (base)",
            "success: is required (performance)",
            "duration_ms: must be >= 0 (performance)",
        ]
    );
    let mut b = rec();
    b.log_type = Some(LogType::Business);
    assert_eq!(errors(&v, &b), ["event: is required (business)"]);
}

const PAYMENT: &str = r#"{"schemas": {"payment": {
    "match": {"logger": "app.payments"},
    "type": "object",
    "title": "payments",
    "required": ["amount", "currency"],
    "properties": {
        "amount": {"type": "number", "minimum": 0, "maximum": 1000000},
        "currency": {"enum": ["EUR", "USD"]},
        "order_id": {"type": "string", "pattern": "^ORD-[0-9]+$", "maxLength": 12},
        "note": {"type": ["string", "null"], "maxLength": 3},
        "count": {"type": "integer"},
        "card": {"type": "object", "required": ["last4"],
                 "properties": {"last4": {"type": "string", "pattern": "^[0-9]{4}$"}}}}}}}"#;

#[test]
fn custom_schema_rules_and_messages() {
    let v = Validator::new(&config(PAYMENT));
    let secret = "ORD-4111111111111111";
    let r = Record::new(Level::Info, "app.payments.refunds", "m")
        .field("amount", 2e6)
        .field("currency", "GBP")
        .field("order_id", secret)
        .field("note", "ééé")
        .field("count", 2.5)
        .field(
            "card",
            Value::Object(vec![("last4".into(), Value::Str("41x1".into()))]),
        );
    let got = errors(&v, &r);
    assert_eq!(
        got,
        [
            "amount: must be <= 1000000 (payment)",
            "card.last4: must match pattern ^[0-9]{4}$ (payment)",
            "count: must be an integer (payment)",
            "currency: must be one of EUR, USD (payment)",
            "order_id: must be at most 12 characters (payment)",
        ]
    );
    assert!(got
        .iter()
        .all(|e| !e.contains("4111") && !e.contains("GBP") && !e.contains("41x1")));
    // Null is allowed by the type list; 3 characters fit maxLength 3; 2.0 is an integer.
    let ok = Record::new(Level::Info, "app.payments", "m")
        .field("amount", 10)
        .field("currency", "EUR")
        .field("note", Value::Null)
        .field("count", 2.0)
        .field("card", Value::Object(vec![]));
    assert_eq!(errors(&v, &ok), ["card.last4: is required (payment)"]);
    // Other loggers are not selected (`app.paymentsx` is not a child).
    let other = Record::new(Level::Info, "app.paymentsx", "m");
    assert_eq!(errors(&v, &other), Vec::<String>::new());
    let m = metrics(&v);
    let n = |f: &str| {
        m.get(
            "logfort_schema_violations_total",
            &[("schema", "payment"), ("field", f)],
        )
    };
    assert_eq!(
        (n("amount"), n("card.last4"), n("order_id"), n("note")),
        (1, 2, 1, 0)
    );
}

#[test]
fn each_format_remembers_only_what_it_accepted() {
    // The stage keeps the last address each format accepted; an address
    // `ip` accepted must still fail `ipv4`, and a near miss of a
    // remembered one must still fail. A one-off check remembers nothing
    // and says the same.
    let v = Arc::new(Validator::new(&config(
        r#"{"schemas": {"net": {"properties": {
            "any": {"format": "ip"}, "v4": {"format": "ipv4"}, "v6": {"format": "ipv6"}}}}}"#,
    )));
    let mut stage = SchemaStage::new(v.clone());
    let mut check = |field: &str, addr: &str| {
        let mut r = rec().field(field, addr);
        assert!(stage.apply(&mut r));
        let net = |errors: Vec<String>| -> Vec<String> {
            errors
                .into_iter()
                .filter(|e| e.ends_with("(net)"))
                .collect()
        };
        let once = net(errors(&v, &r));
        let staged = net(r.schema_errors);
        assert_eq!(staged, once, "{field}={addr:?}");
        staged
    };
    for _ in 0..2 {
        assert_eq!(check("any", "::1"), Vec::<String>::new());
        assert_eq!(check("v4", "::1"), ["v4: must be an IPv4 address (net)"]);
        assert_eq!(check("v4", "10.0.0.1"), Vec::<String>::new());
        assert_eq!(
            check("v4", "10.0.0.1 "),
            ["v4: must be an IPv4 address (net)"]
        );
        assert_eq!(check("v4", "10.0.0.10"), Vec::<String>::new());
        assert_eq!(
            check("v6", "10.0.0.10"),
            ["v6: must be an IPv6 address (net)"]
        );
        assert_eq!(check("any", ""), ["any: must be an IP address (net)"]);
        assert_eq!(check("v6", "fe80::1"), Vec::<String>::new());
        assert_eq!(
            check("v6", "fe80::1::"),
            ["v6: must be an IPv6 address (net)"]
        );
    }
}

#[test]
fn custom_schema_matches_log_type_and_sees_record_slots() {
    let v = Validator::new(&config(
        r#"{"schemas": {"audit_extra": {"match": {"log_type": "audit"},
            "properties": {"level": {"enum": ["INFO"]}, "message": {"maxLength": 5},
                           "correlation_id": {"pattern": "^req-"}}}}}"#,
    ));
    let mut r = Record::new(Level::Warning, "x", "too long");
    assert_eq!(errors(&v, &r).len(), 0);
    r.log_type = Some(LogType::Audit);
    r.context = Some(Arc::new(Context::from_headers(Some("abc"), None)));
    let got: Vec<String> = errors(&v, &r)
        .into_iter()
        .filter(|e| e.ends_with("(audit_extra)"))
        .collect();
    assert_eq!(
        got,
        [
            "correlation_id: must match pattern ^req- (audit_extra)",
            "level: must be one of INFO (audit_extra)",
            "message: must be at most 5 characters (audit_extra)",
        ]
    );
}

#[test]
fn names_only_the_context_holds_are_checked() {
    // A plan finds each name where the output has it: every name the
    // context supplies must reach its rule.
    let v = Validator::new(&config(
        r#"{"schemas": {"ctx": {"required": ["request_id", "session_id", "tenant", "logger"],
            "properties": {"trace_id": {"pattern": "^t-"}, "tenant": {"enum": ["acme"]}}}}}"#,
    ));
    let mut r = rec();
    let in_ctx = |e: &String| e.ends_with("(ctx)") || e.ends_with("(base)");
    let got: Vec<String> = errors(&v, &r).into_iter().filter(in_ctx).collect();
    assert_eq!(
        got,
        [
            "request_id: is required (ctx)",
            "session_id: is required (ctx)",
            "tenant: is required (ctx)",
        ]
    );
    r.context = Some(Arc::new(Context {
        request_id: Some("r-1".into()),
        trace_id: Some("x-1".into()),
        session_id: Some("s-1".into()),
        fields: vec![
            ("tenant".into(), Value::Str("other".into())),
            ("duration_ms".into(), Value::Float(-2.0)),
        ],
        ..Context::default()
    }));
    let got: Vec<String> = errors(&v, &r).into_iter().filter(in_ctx).collect();
    assert_eq!(
        got,
        [
            "duration_ms: must be >= 0 (base)",
            "tenant: must be one of acme (ctx)",
            "trace_id: must match pattern ^t- (ctx)",
        ]
    );
}

#[test]
fn bad_schema_configuration_is_named() {
    assert_eq!(
        config_err(r#"{"policy": "loud"}"#),
        "invalid configuration: `schema.policy`: got \"loud\", expected \"annotate\", \"drop\", \"strict\" or \"off\""
    );
    assert_eq!(
        config_err(r#"{"schemas": {"audit": {}}}"#),
        "invalid configuration: `schema.schemas.audit`: the name is taken by a built-in schema (base, audit, security, performance, business); choose another"
    );
    assert_eq!(
        config_err(r#"{"schemas": {"p": {"properties": {"a": {"additionalProperties": false}}}}}"#),
        "invalid configuration: `schema.schemas.p.properties.a.additionalProperties`: unknown key, expected one of: \
         $comment, $id, $schema, description, enum, examples, format, max_length, maximum, minimum, pattern, properties, required, title, type"
    );
    assert_eq!(
        config_err(r#"{"schemas": {"p": {"properties": {"a": {"type": "text"}}}}}"#),
        "invalid configuration: `schema.schemas.p.properties.a.type`: got \"text\", expected a type name \
         (string, number, integer, boolean, object, array, null) or an array of them"
    );
    assert!(config_err(r#"{"schemas": {"p": {"properties": {"a": {"pattern": "("}}}}}"#)
        .starts_with("invalid configuration: `schema.schemas.p.properties.a.pattern`: invalid regular expression"));
    assert_eq!(
        config_err(r#"{"schemas": {"p": {"type": "string"}}}"#),
        "invalid configuration: `schema.schemas.p.type`: got \"string\", expected \"object\" (a schema describes the whole record)"
    );
    assert_eq!(
        config_err(r#"{"schemas": {"p": {"match": {"log_type": "debug"}}}}"#),
        "invalid configuration: `schema.schemas.p.match.log_type`: got \"debug\", expected \"audit\", \"security\", \"performance\" or \"business\""
    );
    assert_eq!(
        config_err(r#"{"schemas": {"p": {"properties": {"a": {"enum": []}}}}}"#),
        "invalid configuration: `schema.schemas.p.properties.a.enum`: got [], expected a non-empty array of values"
    );
    assert_eq!(
        config_err(r#"{"naming": "yes"}"#),
        "invalid configuration: `schema.naming`: got \"yes\", expected true or false"
    );
}

#[test]
fn annotate_drop_and_advice_in_the_stage() {
    let bad = || {
        rec()
            .field("duration_ms", -1)
            .field("userId", "u")
            .field("uid", "u")
    };
    let annotate = Arc::new(Validator::new(&config(r#"{"advice": true}"#)));
    let mut stage = SchemaStage::new(annotate.clone());
    let mut r = bad();
    assert!(stage.apply(&mut r));
    assert_eq!(r.schema_errors, ["duration_ms: must be >= 0 (base)"]);
    assert_eq!(
        r.get("schema_advice"),
        Some(&Value::Array(vec![
            Value::Str("userId: use user_id (snake_case)".into()),
            Value::Str("uid: use user_id (prefix)".into()),
        ]))
    );
    let m = metrics(&annotate);
    assert_eq!(
        m.get("logfort_schema_advice_total", &[("rule", "snake_case")]),
        1
    );
    assert_eq!(
        m.get("logfort_schema_advice_total", &[("rule", "prefix")]),
        1
    );

    // Advice is counted but not listed by default.
    let quiet = Arc::new(Validator::new(&SchemaConfig::default()));
    let mut stage = SchemaStage::new(quiet.clone());
    let mut r = bad();
    assert!(stage.apply(&mut r));
    assert_eq!(r.get("schema_advice"), None);
    assert_eq!(metrics(&quiet).get("logfort_schema_advice_total", &[]), 2);
    // Clean keys are remembered; keys that need advice count every time.
    for _ in 0..3 {
        assert!(stage.apply(&mut bad()));
    }
    assert_eq!(metrics(&quiet).get("logfort_schema_advice_total", &[]), 8);

    let drop = Arc::new(Validator::new(&config(
        r#"{"policy": "drop", "naming": false}"#,
    )));
    let mut stage = SchemaStage::new(drop.clone());
    assert!(!stage.apply(&mut bad()));
    assert!(stage.apply(&mut rec()));
    let m = metrics(&drop);
    assert_eq!(
        m.get("logfort_records_dropped_total", &[("reason", "schema")]),
        1
    );
    assert_eq!(m.get("logfort_schema_advice_total", &[]), 0);
}

#[test]
fn strict_reports_every_violation_in_one_error() {
    let v = Validator::new(&config(r#"{"policy": "strict"}"#));
    let mut r = rec().field("duration_ms", -1).field("success", 1);
    r.log_type = Some(LogType::Performance);
    let err = v.enforce(&r).unwrap_err().to_string();
    assert_eq!(
        err,
        "schema violation: duration_ms: must be >= 0 (base); success: must be a boolean (base); \
         operation: is required (performance); duration_ms: must be >= 0 (performance); \
         success: must be a boolean (performance)"
    );
    assert!(v.enforce(&rec()).is_ok());
    // A strict stage (reached only by clean records from a logger, or
    // from the synchronous Formatter, which has no caller to tell) annotates.
    let mut stage = SchemaStage::new(Arc::new(v));
    let mut r2 = rec().field("duration_ms", -1);
    assert!(stage.apply(&mut r2));
    assert_eq!(r2.schema_errors, ["duration_ms: must be >= 0 (base)"]);
}

#[test]
fn enum_compares_json_values() {
    let v = Validator::new(&config(
        r#"{"schemas": {"e": {"properties": {"x": {"enum": [1, "a", true, null, [1]]}}}}}"#,
    ));
    let with = |x: Value| rec().field("x", x);
    for ok in [
        Value::Int(1),
        Value::UInt(1),
        Value::Float(1.0),
        Value::from("a"),
        Value::Bool(true),
        Value::Null,
        Value::Array(vec![Value::Int(1)]),
    ] {
        assert_eq!(
            errors(&v, &with(ok.clone())),
            Vec::<String>::new(),
            "{ok:?}"
        );
    }
    for bad in [
        Value::Int(2),
        Value::from("1"),
        Value::Bool(false),
        Value::from("true"),
        Value::Float(1.5),
    ] {
        assert_eq!(
            errors(&v, &with(bad.clone())),
            ["x: must be one of 1, a, true, null, [1] (e)"],
            "{bad:?}"
        );
    }
}

#[test]
fn a_planned_shape_still_checks_every_value() {
    // The stage works out each shape once. Record after record, with new
    // values, near-miss names, other contexts, types and loggers, and
    // shapes alternating, it must report what a one-off check reports.
    let v = Arc::new(Validator::new(&config(
        r#"{"advice": true, "schemas": {"pay": {"match": {"logger": "app.pay"},
            "required": ["amount"], "properties": {"amount": {"minimum": 0}}}}}"#,
    )));
    let ctx = |c: Context| Some(Arc::new(c));
    let with_ctx = |mut r: Record, c: Context| {
        r.context = ctx(c);
        r
    };
    let corr = || Context {
        correlation_id: Some("c-1".into()),
        ..Context::default()
    };
    let pay = || Record::new(Level::Info, "app.pay", "paid");
    let mut perf = rec().field("user_id", "u").field("duration_ms", 1.0);
    perf.log_type = Some(LogType::Performance);
    let cases: Vec<(Record, Vec<&str>)> = vec![
        (
            rec().field("user_id", "u").field("duration_ms", 1.0),
            vec![],
        ),
        (
            rec().field("user_id", 7).field("duration_ms", -1.0),
            vec![
                "duration_ms: must be >= 0 (base)",
                "user_id: must be a string (base)",
            ],
        ),
        // The same length and the same first and last bytes.
        (
            rec().field("user_id", "u").field("duration_xs", -1.0),
            vec![],
        ),
        (
            rec().field("usxr_id", 7).field("duration_ms", f64::NAN),
            vec!["duration_ms: must be >= 0 (base)"],
        ),
        (
            pay().field("user_id", "u").field("duration_ms", 1.0),
            vec!["amount: is required (pay)"],
        ),
        (
            pay().field("amount", -5).field("duration_ms", 1.0),
            vec!["amount: must be >= 0 (pay)"],
        ),
        (
            rec().field("correlation_id", 5),
            vec!["correlation_id: must be a string (base)"],
        ),
        // The context's id is the one written, and it is a string.
        (with_ctx(rec().field("correlation_id", 5), corr()), vec![]),
        (
            perf,
            vec![
                "operation: is required (performance)",
                "success: is required (performance)",
            ],
        ),
        (
            with_ctx(
                rec().field("user_id", "u").field("duration_ms", 1.0),
                Context {
                    fields: vec![("success".into(), Value::Str("yes".into()))],
                    ..corr()
                },
            ),
            vec!["success: must be a boolean (base)"],
        ),
    ];
    let mut stage = SchemaStage::new(v.clone());
    for round in 0..3 {
        for (i, (r, want)) in cases.iter().enumerate() {
            let mut staged = r.clone();
            assert!(stage.apply(&mut staged));
            assert_eq!(staged.schema_errors, *want, "round {round}, case {i}");
            assert_eq!(errors(&v, r), *want, "round {round}, case {i}");
        }
    }
    let mut advised = |r: Record| {
        let mut r = r;
        assert!(stage.apply(&mut r));
        r.get("schema_advice").cloned()
    };
    for _ in 0..2 {
        assert_eq!(advised(rec().field("user_id", "u")), None);
        assert_eq!(
            advised(rec().field("userId", "u")),
            Some(Value::Array(vec![Value::Str(
                "userId: use user_id (snake_case)".into()
            )]))
        );
    }
    assert_eq!(
        metrics(&v).get("logfort_schema_advice_total", &[("rule", "snake_case")]),
        2
    );
}

#[test]
fn a_quick_pass_is_never_a_violation() {
    // What a plan's step lets through without the schema, the full check
    // must find nothing wrong with, for every kind of value.
    let values = [
        Value::Str("10.0.0.1".into()),
        Value::Str("".into()),
        Value::Int(-3),
        Value::UInt(7),
        Value::Float(3.0),
        Value::Float(2.5),
        Value::Float(-0.5),
        Value::Float(f64::NAN),
        Value::Float(f64::INFINITY),
        Value::Bool(true),
        Value::Null,
        Value::Array(vec![]),
        Value::Object(vec![]),
    ];
    let schemas = [
        r#"{"type": "integer"}"#,
        r#"{"type": ["integer", "null"]}"#,
        r#"{"type": "number", "minimum": 0}"#,
        r#"{"maximum": 3}"#,
        r#"{"type": "string", "format": "ipv4"}"#,
        r#"{"format": "ip"}"#,
        r#"{}"#,
    ];
    let mut accepted = subset::Accepted::default();
    let (mut passed, mut checked) = (0, 0);
    for text in schemas {
        let node = Node::from_json("t", text).unwrap();
        let quick = node.quick().expect("only type, bounds and format");
        for _ in 0..2 {
            for v in &values {
                let mut found = Vec::new();
                node.check_value(
                    "",
                    "f",
                    subset::Seen::Value(v),
                    &mut accepted,
                    &mut |p, r| found.push(format!("{p}: {r}")),
                );
                if quick.passes(subset::Seen::Value(v), &accepted) {
                    assert_eq!(found, Vec::<String>::new(), "{text} {v:?}");
                    passed += 1;
                } else {
                    checked += 1;
                }
            }
        }
    }
    assert_eq!((passed, checked), (94, 88));
    let integer = Node::from_json("t", r#"{"type": "integer"}"#)
        .unwrap()
        .quick()
        .unwrap();
    assert!(integer.passes(subset::Seen::Value(&Value::Float(3.0)), &accepted));
    assert!(!integer.passes(subset::Seen::Value(&Value::Float(3.5)), &accepted));
    let pattern = Node::from_json("t", r#"{"type": "string", "pattern": "^a"}"#).unwrap();
    assert_eq!(pattern.quick(), None);
}

#[test]
fn whole_floats_are_told_apart_from_fractions_without_rounding() {
    let floats = [
        0.0,
        -0.0,
        1.0,
        -3.0,
        0.5,
        -0.5,
        12.5,
        4_503_599_627_370_495.5,
        9_007_199_254_740_992.0,
        9_007_199_254_740_994.0,
        9.3e18,
        -9.3e18,
        1e300,
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    let whole: Vec<bool> = floats.iter().map(|&f| subset::is_whole(f)).collect();
    let reference: Vec<bool> = floats
        .iter()
        .map(|f| f.is_finite() && f.fract() == 0.0)
        .collect();
    assert_eq!(whole, reference);
    assert_eq!(whole.iter().filter(|w| **w).count(), 10);
}
