//! Lines to OTLP/JSON LogRecords, and the request envelope. OTLP/JSON
//! writes 64-bit integers as strings and trace/span ids as hex.

use crate::encode::Meta;
use crate::level::Level;
use serde_json::{json, Map, Value as Json};
use std::time::SystemTime;

/// The request up to the first LogRecord; the caller closes it with
/// `]}]}]}`.
pub(super) fn request_prefix(meta: &Meta) -> String {
    let mut attrs = vec![kv(
        "service.name",
        &Json::String(
            meta.service
                .clone()
                .unwrap_or_else(|| "unknown_service".into()),
        ),
    )];
    if let Some(e) = &meta.environment {
        attrs.push(kv("deployment.environment.name", &Json::String(e.clone())));
    }
    if let Some(v) = &meta.version {
        attrs.push(kv("service.version", &Json::String(v.clone())));
    }
    let resource = json!({"attributes": attrs});
    let scope = json!({"name": "logfort", "version": crate::VERSION});
    format!("{{\"resourceLogs\":[{{\"resource\":{resource},\"scopeLogs\":[{{\"scope\":{scope},\"logRecords\":[")
}

/// Members the resource or the record's own fields already carry.
const MAPPED: [&str; 9] = [
    "timestamp",
    "level",
    "message",
    "trace_id",
    "span_id",
    "service",
    "environment",
    "version",
    "timeUnixNano",
];

/// One line as a LogRecord.
pub(super) fn log_record(line: &[u8], level: Level, taken: SystemTime) -> String {
    let text = String::from_utf8_lossy(line);
    let text = text.trim_end_matches('\n');
    let parsed = serde_json::from_str::<Map<String, Json>>(text).ok();
    let Some(obj) = parsed else {
        return plain(text, level, taken);
    };
    if obj.contains_key("timeUnixNano") {
        return text.to_owned();
    }
    let time = obj
        .get("timestamp")
        .and_then(Json::as_str)
        .and_then(parse_rfc3339_nanos)
        .unwrap_or_else(|| nanos(taken));
    let level = obj
        .get("level")
        .and_then(Json::as_str)
        .and_then(|l| l.parse::<Level>().ok())
        .unwrap_or(level);
    let mut rec = Map::new();
    rec.insert("timeUnixNano".into(), Json::String(time.to_string()));
    rec.insert(
        "observedTimeUnixNano".into(),
        Json::String(nanos(taken).to_string()),
    );
    rec.insert("severityNumber".into(), Json::from(level.to_otel()));
    rec.insert("severityText".into(), Json::String(level.as_str().into()));
    let body = obj
        .get("message")
        .cloned()
        .unwrap_or(Json::String(String::new()));
    rec.insert("body".into(), any_value(&body));
    let attrs: Vec<Json> = obj
        .iter()
        .filter(|(k, _)| !MAPPED.contains(&k.as_str()))
        .map(|(k, v)| kv(k, v))
        .collect();
    if !attrs.is_empty() {
        rec.insert("attributes".into(), Json::Array(attrs));
    }
    for (from, to, len) in [("trace_id", "traceId", 32), ("span_id", "spanId", 16)] {
        match obj.get(from).and_then(Json::as_str) {
            Some(id) if id.len() == len && id.bytes().all(|b| b.is_ascii_hexdigit()) => {
                rec.insert(to.into(), Json::String(id.to_ascii_lowercase()));
            }
            Some(id) => {
                let attrs = rec
                    .entry("attributes")
                    .or_insert_with(|| Json::Array(vec![]));
                if let Json::Array(a) = attrs {
                    a.push(kv(from, &Json::String(id.into())));
                }
            }
            None => {}
        }
    }
    Json::Object(rec).to_string()
}

fn plain(text: &str, level: Level, taken: SystemTime) -> String {
    let t = nanos(taken).to_string();
    json!({
        "timeUnixNano": t,
        "observedTimeUnixNano": t,
        "severityNumber": level.to_otel(),
        "severityText": level.as_str(),
        "body": {"stringValue": text},
    })
    .to_string()
}

fn kv(key: &str, v: &Json) -> Json {
    json!({"key": key, "value": any_value(v)})
}

/// A JSON value as an OTLP AnyValue.
fn any_value(v: &Json) -> Json {
    match v {
        Json::Null => json!({}),
        Json::Bool(b) => json!({"boolValue": b}),
        Json::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => json!({"intValue": i.to_string()}),
            (None, Some(f)) if n.is_u64() => json!({"doubleValue": f}),
            (None, Some(f)) => json!({"doubleValue": f}),
            (None, None) => json!({"stringValue": n.to_string()}),
        },
        Json::String(s) => json!({"stringValue": s}),
        Json::Array(a) => {
            json!({"arrayValue": {"values": a.iter().map(any_value).collect::<Vec<_>>()}})
        }
        Json::Object(o) => {
            json!({"kvlistValue": {"values": o.iter().map(|(k, v)| kv(k, v)).collect::<Vec<_>>()}})
        }
    }
}

fn nanos(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos().min(u64::MAX as u128) as u64)
}

/// `2026-11-23T07:03:20.123456Z` (any fraction, `Z` or `±HH:MM`).
fn parse_rfc3339_nanos(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut frac_ns: i64 = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let digits = &s[start..i];
        if digits.is_empty() {
            return None;
        }
        let mut ns = String::from(&digits[..digits.len().min(9)]);
        while ns.len() < 9 {
            ns.push('0');
        }
        frac_ns = ns.parse().ok()?;
    }
    let offset = match &s[i..] {
        "Z" | "z" => 0,
        tz if tz.len() == 6
            && matches!(tz.as_bytes()[0], b'+' | b'-')
            && tz.as_bytes()[3] == b':' =>
        {
            let sign = if tz.starts_with('-') { -1 } else { 1 };
            sign * (num(i + 1..i + 3)? * 3600 + num(i + 4..i + 6)? * 60)
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo, d);
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset;
    u64::try_from(secs)
        .ok()?
        .checked_mul(1_000_000_000)?
        .checked_add(frac_ns as u64)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_to_unix_nanos() {
        assert_eq!(parse_rfc3339_nanos("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339_nanos("2026-11-23T07:03:20.123456Z"),
            Some(1_795_417_400_123_456_000)
        );
        assert_eq!(
            parse_rfc3339_nanos("2026-11-23T08:03:20.5+01:00"),
            Some(1_795_417_400_500_000_000)
        );
        assert_eq!(parse_rfc3339_nanos("2026-13-23T07:03:20Z"), None);
        assert_eq!(parse_rfc3339_nanos("yesterday"), None);
    }

    #[test]
    fn json_line_maps_to_a_log_record() {
        let line = br#"{"timestamp":"2026-11-23T07:03:20.000001Z","level":"ERROR","logger":"app","message":"boom","trace_id":"4BF92F3577B34DA6A3CE929D0E0E4736","span_id":"00f067aa0ba902b7","service":"api","n":3,"ok":true,"x":1.5,"tags":["a"],"o":{"k":null}}"#;
        let mut rec: Json =
            serde_json::from_str(&log_record(line, Level::Info, SystemTime::UNIX_EPOCH)).unwrap();
        // Member order depends on serde_json's features; compare sorted.
        if let Some(a) = rec["attributes"].as_array_mut() {
            a.sort_by_key(|kv| kv["key"].as_str().unwrap_or_default().to_owned());
        }
        assert_eq!(
            rec,
            json!({
                "timeUnixNano": "1795417400000001000",
                "observedTimeUnixNano": "0",
                "severityNumber": 17,
                "severityText": "ERROR",
                "body": {"stringValue": "boom"},
                "attributes": [
                    {"key": "logger", "value": {"stringValue": "app"}},
                    {"key": "n", "value": {"intValue": "3"}},
                    {"key": "o", "value": {"kvlistValue": {"values": [{"key": "k", "value": {}}]}}},
                    {"key": "ok", "value": {"boolValue": true}},
                    {"key": "tags", "value": {"arrayValue": {"values": [{"stringValue": "a"}]}}},
                    {"key": "x", "value": {"doubleValue": 1.5}}
                ],
                "traceId": "4bf92f3577b34da6a3ce929d0e0e4736",
                "spanId": "00f067aa0ba902b7"
            })
        );
    }

    #[test]
    fn otel_lines_pass_through_and_text_becomes_the_body() {
        let otel = r#"{"timeUnixNano":"5","severityNumber":9,"body":{"stringValue":"hi"}}"#;
        assert_eq!(
            log_record(
                format!("{otel}\n").as_bytes(),
                Level::Info,
                SystemTime::UNIX_EPOCH
            ),
            otel
        );
        let rec: Json = serde_json::from_str(&log_record(
            b"plain words\n",
            Level::Warning,
            SystemTime::UNIX_EPOCH,
        ))
        .unwrap();
        assert_eq!(rec["body"]["stringValue"], "plain words");
        assert_eq!(rec["severityNumber"], 13);
    }
}
