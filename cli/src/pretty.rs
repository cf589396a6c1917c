//! Human rendering of one record, in the manner of pino-pretty: a head
//! line (time, level, logger, message) and the other members indented
//! below it, one per line, their values as compact JSON.

use crate::rec;
use logfort_core::{Level, Value};

const RESET: &str = "\x1b[0m";
const DIM: &str = "\x1b[2m";
const BOLD: &str = "\x1b[1m";

/// Keys shown in the head line rather than below it.
const HEAD: [&str; 4] = ["timestamp", "level", "logger", "message"];

fn level_color(l: Option<Level>) -> &'static str {
    match l {
        Some(Level::Trace) => "\x1b[90m",
        Some(Level::Debug) => "\x1b[34m",
        Some(Level::Info) => "\x1b[32m",
        Some(Level::Notice) => "\x1b[36m",
        Some(Level::Warning) => "\x1b[33m",
        Some(Level::Error) => "\x1b[31m",
        Some(Level::Critical) => "\x1b[1;35m",
        None => "",
    }
}

/// `2026-11-23T08:00:00.123456Z INFO    app.auth: message` and then
/// `    key: value` lines; ends with a newline.
pub fn render(obj: &Value, color: bool) -> String {
    let paint = |code: &str, text: &str| {
        if color && !code.is_empty() {
            format!("{code}{text}{RESET}")
        } else {
            text.to_owned()
        }
    };
    let level = rec::level(obj);
    let time = rec::timestamp(obj).map_or_else(|| "-".to_owned(), crate::time::format);
    let level_text = format!("{:<8}", level.map_or("-", Level::as_str));
    let mut s = format!(
        "{} {} {}: {}\n",
        paint(DIM, &time),
        paint(level_color(level), &level_text),
        paint(BOLD, rec::logger(obj).unwrap_or("-")),
        rec::message(obj).unwrap_or("")
    );
    if let Value::Object(members) = obj {
        for (k, v) in members {
            if HEAD.contains(&k.as_str()) {
                continue;
            }
            let value = match v {
                Value::Str(text) if !text.contains(['\n', '"', '\\']) => text.clone(),
                other => rec::to_json(other),
            };
            s.push_str("    ");
            s.push_str(&paint(DIM, &format!("{k}:")));
            s.push(' ');
            s.push_str(&value);
            s.push('\n');
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_line_then_members() {
        let obj = rec::parse(
            br#"{"timestamp":"2026-11-23T08:00:00.5Z","level":"ERROR","logger":"db","message":"down","retry":{"n":2},"who":"a b"}"#,
        )
        .unwrap();
        assert_eq!(
            render(&obj, false),
            "2026-11-23T08:00:00.500000Z ERROR    db: down\n    retry: {\"n\":2}\n    who: a b\n"
        );
        assert_eq!(
            render(&obj, true).lines().next().unwrap(),
            "\x1b[2m2026-11-23T08:00:00.500000Z\x1b[0m \x1b[31mERROR   \x1b[0m \x1b[1mdb\x1b[0m: down"
        );
    }
}
