//! Properties of masking over generated records: a value under a
//! sensitive key, and a Luhn-valid card number placed anywhere in any
//! string at any depth, never reach the encoded line.

use logfort_core::encode::{self, Format, Meta};
use logfort_core::mask::{MaskConfig, Masker};
use logfort_core::{Level, Record, Value};
use proptest::prelude::*;
use std::sync::OnceLock;

fn masker() -> &'static Masker {
    static M: OnceLock<Masker> = OnceLock::new();
    M.get_or_init(|| Masker::new(&MaskConfig::default()).expect("default masker"))
}

/// The record as the json profile writes it, after the masking stage.
fn output(mut rec: Record) -> String {
    masker().mask_record(&mut rec);
    let mut out = Vec::new();
    encode::encoder(Format::Json, Meta::default(), false).encode(&rec, &mut out);
    String::from_utf8(out).expect("utf-8 line")
}

/// Plain values for the surroundings: any text, numbers, booleans.
fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<String>().prop_map(Value::Str),
        "[a-z0-9 :=._-]{0,24}".prop_map(Value::Str),
        any::<i64>().prop_map(Value::Int),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ]
}

/// A non-sensitive key.
fn plain_key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("user".to_owned()),
        Just("items".to_owned()),
        Just("detail".to_owned()),
        Just("request_path".to_owned()),
        "[a-z]{1,8}".prop_filter("not sensitive", |k| !masker().is_sensitive_key(k)),
    ]
}

/// Nests `inner` `depth` levels down, in objects and arrays, with plain
/// siblings at each level.
fn nest(inner: Value, path: &[(bool, String)], siblings: &[Value]) -> Value {
    path.iter()
        .zip(siblings.iter().cycle())
        .fold(inner, |v, ((array, key), sib)| {
            if *array {
                Value::Array(vec![sib.clone(), v])
            } else {
                Value::Object(vec![("sibling".to_owned(), sib.clone()), (key.clone(), v)])
            }
        })
}

fn sensitive_key() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "password",
        "Password",
        "db_password",
        "userPassword",
        "passwd",
        "pwd",
        "secret",
        "client_secret",
        "clientSecret",
        "token",
        "access_token",
        "refreshToken",
        "id_token",
        "api_key",
        "apiKey",
        "API-KEY",
        "X-Api-Key",
        "authorization",
        "Authorization",
        "cookie",
        "Set-Cookie",
        "session_id",
        "sessionId",
        "private_key",
        "credit_card",
        "cardNumber",
        "cvv",
        "ssn",
        "aws_secret_access_key",
        "パスワード",
    ])
    .prop_map(str::to_owned)
}

/// A secret value of any type, and the text it would be written as.
fn secret() -> impl Strategy<Value = (Value, String)> {
    prop_oneof![
        "[A-Za-z0-9]{10,20}".prop_map(|s| {
            let s = format!("Zq{s}");
            (Value::Str(s.clone()), s)
        }),
        (100_000_000_000i64..999_999_999_999).prop_map(|n| (Value::Int(n), n.to_string())),
        "[a-z]{10,16}".prop_map(|s| {
            let s = format!("zq{s}");
            (Value::Array(vec![Value::Str(s.clone())]), s)
        }),
        "[a-z]{10,16}".prop_map(|s| {
            let s = format!("zq{s}");
            (
                Value::Object(vec![("inner".into(), Value::Str(s.clone()))]),
                s,
            )
        }),
    ]
}

/// A Luhn-valid number of 13–19 digits with a card-like prefix.
fn card() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "4", "51", "55", "2221", "34", "37", "6011", "65", "35", "36", "62",
        ]),
        13usize..=19,
        prop::collection::vec(0u8..10, 19),
    )
        .prop_map(|(prefix, len, digits)| {
            let mut d: Vec<u8> = prefix.bytes().map(|b| b - b'0').collect();
            d.extend(digits.into_iter().take(len - 1 - d.len()));
            // Check digit: the one that makes the Luhn sum a multiple of 10.
            let sum: u32 = d
                .iter()
                .rev()
                .enumerate()
                .map(|(i, &x)| {
                    let x = u32::from(x);
                    if i % 2 == 0 {
                        let y = x * 2;
                        if y > 9 {
                            y - 9
                        } else {
                            y
                        }
                    } else {
                        x
                    }
                })
                .sum();
            d.push(((10 - sum % 10) % 10) as u8);
            d.into_iter().map(|x| char::from(b'0' + x)).collect()
        })
}

/// The card as written: compact, in groups of four by spaces or dashes.
fn layout(card: &str, how: u8) -> String {
    let sep = match how % 3 {
        0 => return card.to_owned(),
        1 => " ",
        _ => "-",
    };
    card.as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(sep)
}

fn delimiter() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        " ", ",", ";", ":", "=", "\"", "'", "(", ")", "[", "]", "\n", "\t", "/", "#", "|", "<", ">",
    ])
}

proptest! {
    // 256 cases by default; PROPTEST_CASES=n for a longer hunt.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256)
    ))]

    #[test]
    fn values_under_sensitive_keys_never_appear(
        key in sensitive_key(),
        (value, text) in secret(),
        path in prop::collection::vec((any::<bool>(), plain_key()), 0..6),
        siblings in prop::collection::vec(leaf(), 1..4),
        at_top in any::<bool>(),
    ) {
        let holder = Value::Object(vec![(key.clone(), value)]);
        let field = nest(holder, &path, &siblings);
        let mut rec = Record::new(Level::Info, "props", "message");
        if at_top {
            rec.fields.push(("wrapper".into(), field));
        } else {
            rec.fields.push(("sibling".into(), siblings[0].clone()));
            rec.fields.push(("nested".into(), Value::Array(vec![field])));
        }
        let line = output(rec);
        prop_assert!(!line.contains(&text), "{} leaked in {}", text, line);
        prop_assert!(line.contains("***MASKED***"), "{}", line);
    }

    #[test]
    fn luhn_valid_cards_never_appear(
        card in card(),
        how in any::<u8>(),
        before in any::<String>(),
        after in any::<String>(),
        (d1, d2) in (delimiter(), delimiter()),
        path in prop::collection::vec((any::<bool>(), plain_key()), 0..6),
        siblings in prop::collection::vec(leaf(), 1..4),
        place in 0u8..4,
    ) {
        let written = layout(&card, how);
        let text = format!("{before}{d1}{written}{d2}{after}");
        let mut rec = Record::new(Level::Info, "props", "message");
        match place {
            0 => rec.message = text,
            1 => rec.fields.push(("detail".into(), Value::Str(text))),
            2 => rec.fields.push(("deep".into(), nest(Value::Str(text), &path, &siblings))),
            _ => rec.fields.push(("list".into(), Value::Array(vec![Value::Int(1), nest(Value::Str(text), &path, &siblings)]))),
        }
        let line = output(rec);
        prop_assert!(!line.contains(&written), "{} leaked in {}", written, line);
        prop_assert!(!line.contains(&card), "{} leaked in {}", card, line);
    }

    #[test]
    fn any_text_masks_without_panic(text in any::<String>()) {
        let out = masker().mask_str(&text);
        // Clean text comes back borrowed, untouched.
        if !text.bytes().any(|b| b.is_ascii_digit() || b == b'@' || b == b':' || b == b'=' || b.is_ascii_alphabetic()) {
            prop_assert!(matches!(out, std::borrow::Cow::Borrowed(_)));
        }
    }
}
