//! RFC 3339 timestamps as microseconds since the epoch, so records from
//! services with different offsets and precisions sort and bucket alike.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn digits(s: &[u8]) -> Option<i64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
}

/// `YYYY-MM-DD`, optionally followed by `THH:MM[:SS[.frac]]` and `Z` or
/// an offset (`+01:00`, `+0100`); no zone means UTC. Microseconds.
pub fn parse(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut micros = days_from_civil(y, mo, d) * 86_400_000_000;
    let mut rest = &b[10..];
    if rest.is_empty() {
        return Some(micros);
    }
    if !matches!(rest[0], b'T' | b't' | b' ') || rest.len() < 6 || rest[3] != b':' {
        return None;
    }
    let (h, mi) = (digits(&rest[1..3])?, digits(&rest[4..6])?);
    let mut sec = 0;
    rest = &rest[6..];
    if rest.first() == Some(&b':') {
        sec = digits(rest.get(1..3)?)?;
        rest = &rest[3..];
    }
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    micros += (h * 3600 + mi * 60 + sec) * 1_000_000;
    if matches!(rest.first(), Some(b'.' | b',')) {
        let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        let frac = &rest[1..1 + n];
        let mut us = 0;
        for i in 0..6 {
            us = us * 10 + frac.get(i).map_or(0, |d| i64::from(d - b'0'));
        }
        micros += us;
        rest = &rest[1 + n..];
    }
    match rest {
        [] | [b'Z' | b'z'] => Some(micros),
        [sign @ (b'+' | b'-'), tz @ ..] => {
            let (oh, om) = match tz {
                [a, b, b':', c, d] | [a, b, c, d] => (digits(&[*a, *b])?, digits(&[*c, *d])?),
                _ => return None,
            };
            let off = (oh * 3600 + om * 60) * 1_000_000;
            Some(if *sign == b'+' {
                micros - off
            } else {
                micros + off
            })
        }
        _ => None,
    }
}

/// `2026-11-23T08:00:00.123456Z`.
pub fn format(micros: i64) -> String {
    let (days, rem) = (
        micros.div_euclid(86_400_000_000),
        micros.rem_euclid(86_400_000_000),
    );
    let (y, m, d) = civil_from_days(days);
    let secs = rem / 1_000_000;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:06}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        rem % 1_000_000
    )
}

/// The hour a time falls in: `2026-11-23T08`.
pub fn hour(micros: i64) -> String {
    format(micros)[..13].to_owned()
}

/// A time given on the command line: RFC 3339 (or a date), or a duration
/// before now (`15m`, `2h`, `1day`).
pub fn parse_arg(s: &str) -> Result<i64, String> {
    if let Some(t) = parse(s) {
        return Ok(t);
    }
    let ago = humantime::parse_duration(s.trim()).map_err(|_| {
        format!("{s:?} is neither an RFC 3339 time (2026-11-23T08:00:00Z) nor a duration (15m)")
    })?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    Ok(now.saturating_sub(ago).as_micros() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_zones_and_precisions_to_one_scale() {
        let z = parse("2026-11-23T08:00:00.123456Z").unwrap();
        assert_eq!(format(z), "2026-11-23T08:00:00.123456Z");
        assert_eq!(parse("2026-11-23T09:00:00.123456+01:00"), Some(z));
        assert_eq!(parse("2026-11-23T03:00:00.123456-0500"), Some(z));
        assert_eq!(parse("2026-11-23 08:00:00.1234567Z"), Some(z));
        assert_eq!(parse("2026-11-23T08:00:00.1Z"), Some(z - 23_456));
        assert_eq!(parse("1970-01-01"), Some(0));
        assert_eq!(
            format(parse("2024-02-29T23:59:59Z").unwrap()),
            "2024-02-29T23:59:59.000000Z"
        );
        assert_eq!(hour(z), "2026-11-23T08");
        for bad in [
            "",
            "2026-13-01",
            "2026-11-23T8:00",
            "2026-11-23T08:00:00.Z",
            "x",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn arguments_take_times_or_durations_ago() {
        assert_eq!(parse_arg("1970-01-02"), Ok(86_400_000_000));
        assert!(parse_arg("15m").unwrap() > parse("2020-01-01").unwrap());
        assert!(parse_arg("soon").unwrap_err().contains("neither"));
    }
}
