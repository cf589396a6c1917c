//! JSON primitives shared by every profile: string escaping, numbers,
//! values with a depth limit, timestamps. Output is always valid UTF-8 JSON.

use crate::value::{Value, MAX_DEPTH};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Escape class per byte: 0 = copy, 1 = short escape, 2 = \u00XX.
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = 2;
        i += 1;
    }
    t[b'\n' as usize] = 1;
    t[b'\r' as usize] = 1;
    t[b'\t' as usize] = 1;
    t[0x08] = 1;
    t[0x0c] = 1;
    t[b'"' as usize] = 1;
    t[b'\\' as usize] = 1;
    t
};

/// Writes `s` as a quoted JSON string: runs that need no escaping are
/// copied whole.
#[inline]
pub fn string(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    // A long string is copied by `escaped` whatever it holds: a clean one
    // costs it no more than a copy, and an escape found first by a
    // separate check would have every byte read twice.
    if bytes.len() > 16 || needs_escape(bytes) {
        escaped(out, bytes);
    } else {
        quoted(out, b"", bytes, b"");
    }
}

/// The common case (every key, most values): `pre`, the quoted bytes and
/// `post` (separators of at most two bytes), with one capacity check.
#[inline]
fn quoted(out: &mut Vec<u8>, pre: &[u8], bytes: &[u8], post: &[u8]) {
    debug_assert!(pre.len() <= 2 && post.len() <= 2);
    out.reserve(bytes.len() + 6);
    let len = out.len();
    // SAFETY: `reserve` made room for the at most `bytes.len() + 6` bytes
    // written past `len`, which are then initialised.
    unsafe {
        let mut at = out.as_mut_ptr().add(len);
        crate::bytes::copy(pre, at);
        at = at.add(pre.len());
        at.write(b'"');
        crate::bytes::copy(bytes, at.add(1));
        at = at.add(bytes.len() + 1);
        at.write(b'"');
        crate::bytes::copy(post, at.add(1));
        out.set_len(len + pre.len() + bytes.len() + 2 + post.len());
    }
}

/// A string that may hold bytes to escape; out of line, so that the
/// common case stays small where it is inlined. Sixteen bytes are read
/// and stored per step (the last step reads the last sixteen again; a
/// string under sixteen goes eight bytes, then one, at a time), and only
/// the bytes before an escape count: stores run ahead of the length by at
/// most sixteen bytes, so each slice reserves its worst case (every byte
/// `\u00XX`) plus sixteen. Slices keep a huge string from reserving six
/// times its size.
#[inline(never)]
fn escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    const SLICE: usize = 4096;
    out.push(b'"');
    for part in bytes.chunks(SLICE) {
        let n = part.len();
        out.reserve(n * 6 + 16);
        let mut len = out.len();
        let (src, at) = (part.as_ptr(), out.as_mut_ptr());
        // SAFETY: with `i` bytes of `part` read, at most `6 * i` bytes
        // were counted past the start, and every store writes at most
        // sixteen bytes from `len`: all within the room `reserve` made.
        // Reads stay within `part`. Bytes up to `len` are initialised
        // before `set_len`.
        unsafe {
            let mut i = 0;
            while i < n {
                if i + 16 <= n {
                    std::ptr::copy_nonoverlapping(src.add(i), at.add(len), 16);
                    let m = escape_bits16(src.add(i));
                    if m == 0 {
                        (i, len) = (i + 16, len + 16);
                        continue;
                    }
                    let clean = m.trailing_zeros() as usize;
                    (i, len) = (i + clean, len + clean);
                } else if n >= 16 {
                    // Under sixteen left: the last sixteen bytes are
                    // checked, the bits of those already done shifted out.
                    let rest = n - i;
                    crate::bytes::copy(&part[i..], at.add(len));
                    let m = escape_bits16(src.add(n - 16)) >> (16 - rest);
                    if m == 0 {
                        (i, len) = (n, len + rest);
                        continue;
                    }
                    let clean = m.trailing_zeros() as usize;
                    (i, len) = (i + clean, len + clean);
                } else if i + 8 <= n {
                    std::ptr::copy_nonoverlapping(src.add(i), at.add(len), 8);
                    let m = escape_mask(u64::from_le_bytes(*src.add(i).cast::<[u8; 8]>()));
                    if m == 0 {
                        (i, len) = (i + 8, len + 8);
                        continue;
                    }
                    let clean = (m.trailing_zeros() / 8) as usize;
                    (i, len) = (i + clean, len + clean);
                } else if ESCAPE[part[i] as usize] == 0 {
                    at.add(len).write(part[i]);
                    (i, len) = (i + 1, len + 1);
                    continue;
                }
                let (seq, k) = escape_seq(part[i]);
                std::ptr::copy_nonoverlapping(seq.as_ptr(), at.add(len), 6);
                (i, len) = (i + 1, len + k);
            }
            out.set_len(len);
        }
    }
    out.push(b'"');
}

/// Whether any byte of `b` must be escaped (`a` pads the shortest
/// strings: it needs none). Up to sixteen bytes are checked in one step.
#[inline]
fn needs_escape(b: &[u8]) -> bool {
    match b.len() {
        0..=16 => {
            let [lo, hi] = crate::bytes::two_words(b, b'a');
            escape_bits_words(lo, hi) != 0
        }
        _ => crate::bytes::or_words(b, b'a', escape_mask) != 0,
    }
}

/// The escape sequence for a byte that needs one, and its length.
fn escape_seq(b: u8) -> ([u8; 6], usize) {
    let two = |c: u8| ([b'\\', c, 0, 0, 0, 0], 2);
    match b {
        b'"' => two(b'"'),
        b'\\' => two(b'\\'),
        b'\n' => two(b'n'),
        b'\r' => two(b'r'),
        b'\t' => two(b't'),
        0x08 => two(b'b'),
        0x0c => two(b'f'),
        _ => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let hex = |n: u8| HEX[n as usize];
            ([b'\\', b'u', b'0', b'0', hex(b >> 4), hex(b & 0xf)], 6)
        }
    }
}

/// Bit `i` set when byte `i` of the sixteen at `p` is a control
/// character, `"` or `\\`: one compare per kind for all sixteen (SSE2,
/// which every x86-64 processor has).
///
/// # Safety
/// `p` is valid for sixteen bytes of reads.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn escape_bits16(p: *const u8) -> u32 {
    // SAFETY: the caller guarantees the sixteen bytes; SSE2 is part of
    // the x86-64 baseline, so the instruction is always there.
    escape_bits(unsafe { std::arch::x86_64::_mm_loadu_si128(p.cast()) })
}

/// `escape_bits16` of two words held in registers (`lo` first).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn escape_bits_words(lo: u64, hi: u64) -> u32 {
    // SAFETY: SSE2, as above.
    escape_bits(unsafe { std::arch::x86_64::_mm_set_epi64x(hi as i64, lo as i64) })
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn escape_bits(x: std::arch::x86_64::__m128i) -> u32 {
    use std::arch::x86_64::*;
    // SAFETY: SSE2, as above.
    unsafe {
        let is = |b: u8| _mm_cmpeq_epi8(x, _mm_set1_epi8(b as i8));
        // Bytes up to 0x1f: those the unsigned maximum with 0x1f leaves at 0x1f.
        let low = _mm_set1_epi8(0x1f);
        let control = _mm_cmpeq_epi8(_mm_max_epu8(x, low), low);
        _mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(is(b'"'), is(b'\\')))) as u32
    }
}

/// `escape_bits_words` where SSE2 is not there: nonzero exactly when a
/// byte needs escaping, without the position.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn escape_bits_words(lo: u64, hi: u64) -> u32 {
    ((escape_mask(lo) | escape_mask(hi)) != 0) as u32
}

/// `escape_bits16` by table, where SSE2 is not there.
///
/// # Safety
/// `p` is valid for sixteen bytes of reads.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
unsafe fn escape_bits16(p: *const u8) -> u32 {
    // SAFETY: the caller guarantees the sixteen bytes.
    (0..16).fold(0, |m, i| {
        m | ((ESCAPE[unsafe { *p.add(i) } as usize] != 0) as u32) << i
    })
}

/// High bit set in each byte of `w` that is a control character, `"` or
/// `\`, and possibly in bytes above such a byte (a borrow runs upwards):
/// the lowest set bit is always exact.
#[inline]
fn escape_mask(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte below n sets its high bit in (w - n) & !w (n <= 0x80).
    let below = |w: u64, n: u8| w.wrapping_sub(ONES * n as u64) & !w & HIGH;
    let control = below(w, 0x20);
    let quote = below(w ^ (ONES * b'"' as u64), 1);
    let backslash = below(w ^ (ONES * b'\\' as u64), 1);
    control | quote | backslash
}

/// Writes `"key":` preceded by a comma unless it is the first member.
#[inline(always)]
pub fn key(out: &mut Vec<u8>, first: &mut bool, k: &str) {
    let comma: &[u8] = if std::mem::take(first) { b"" } else { b"," };
    if needs_escape(k.as_bytes()) {
        out.extend_from_slice(comma);
        escaped(out, k.as_bytes());
        out.push(b':');
    } else {
        quoted(out, comma, k.as_bytes(), b":");
    }
}

/// Writes `"key":"value"` when there is a value.
#[inline(always)]
pub fn opt(out: &mut Vec<u8>, first: &mut bool, k: &str, v: Option<&str>) {
    if let Some(v) = v {
        key(out, first, k);
        string(out, v);
    }
}

/// The members every flat profile ends with (`schema_version`, then the
/// schema errors when there are any), and the end of the line.
pub fn close(out: &mut Vec<u8>, first: &mut bool, schema_version: Option<&str>, errors: &[String]) {
    opt(out, first, "schema_version", schema_version);
    if !errors.is_empty() {
        key(out, first, "schema_errors");
        strings(out, errors);
    }
    out.extend_from_slice(b"}\n");
}

/// Writes a JSON array of strings (e.g. `schema_errors`) without building
/// `Value`s for them.
pub fn strings(out: &mut Vec<u8>, items: &[String]) {
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, item);
    }
    out.push(b']');
}

pub fn int(out: &mut Vec<u8>, i: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
}

pub fn uint(out: &mut Vec<u8>, u: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(u).as_bytes());
}

/// Finite floats as JSON numbers; NaN and the infinities as strings,
/// since JSON has no spelling for them.
pub fn float(out: &mut Vec<u8>, f: f64) {
    if short_decimal(out, f) {
        return;
    }
    if f.is_finite() {
        out.extend_from_slice(ryu::Buffer::new().format_finite(f).as_bytes());
    } else if f.is_nan() {
        out.extend_from_slice(b"\"NaN\"");
    } else if f > 0.0 {
        out.extend_from_slice(b"\"Infinity\"");
    } else {
        out.extend_from_slice(b"\"-Infinity\"");
    }
}

/// Writes `f` as `ryu` would when it has at most four decimals (`12.5`,
/// `0.25`, `3.0`, the usual measured values), with integer arithmetic;
/// false, writing nothing, for any other float.
///
/// Why it is exact: `m / 10^k` is the correctly rounded value of the
/// decimal, so the check below proves the text reads back as `f`. With
/// `m < 2^52`, a unit in the last place of `f` is under `10^-k`, so no
/// other decimal of at most `k` places reads back as `f`: once trailing
/// zeros are gone this is the shortest text, the one `ryu` writes.
fn short_decimal(out: &mut Vec<u8>, f: f64) -> bool {
    const POW10: [f64; 5] = [1.0, 10.0, 100.0, 1_000.0, 10_000.0];
    const LIMIT: f64 = (1u64 << 52) as f64;
    let a = f.abs();
    // The first scale at which `a` is a whole number below 2^52 (a round
    // trip through u64, cheaper than `fract`). A scale past the limit ends
    // the search: the larger ones are larger still. So do NaN and the
    // infinities.
    let mut whole = None;
    for (k, p) in POW10.iter().enumerate() {
        let x = a * p;
        if x.is_nan() || x >= LIMIT {
            break;
        }
        // SAFETY: 0 <= x < 2^52 (`a` is an absolute value), so `x`
        // truncated is a u64.
        let n = unsafe { x.to_int_unchecked::<u64>() };
        if n as f64 == x {
            whole = Some((k, n));
            break;
        }
    }
    let Some((mut k, mut m)) = whole else {
        return false;
    };
    while k > 0 && matches!(m % 10, 0) {
        m /= 10;
        k -= 1;
    }
    if m as f64 / POW10[k] != a {
        return false;
    }
    // The digits of `m` with the point put `k` places from the right
    // (after a `0.` and zeros when there are no more digits than places),
    // written in place: one capacity check, no call per piece.
    let mut digits = itoa::Buffer::new();
    let d = digits.format(m).as_bytes();
    let (int, frac): (&[u8], &[u8]) = match k {
        0 => (d, b"0"),
        _ if d.len() > k => d.split_at(d.len() - k),
        _ => (b"0", d),
    };
    let zeros = k.saturating_sub(frac.len());
    out.reserve(int.len() + frac.len() + zeros + 2);
    // SAFETY: `reserve` made room for the sign, `int`, the point, the
    // zeros and `frac`, the bytes written past `len`, which are then
    // initialised.
    unsafe {
        let len = out.len();
        let start = out.as_mut_ptr().add(len);
        let mut at = start;
        if f.is_sign_negative() {
            at.write(b'-');
            at = at.add(1);
        }
        crate::bytes::copy(int, at);
        at = at.add(int.len());
        at.write(b'.');
        at = at.add(1);
        crate::bytes::copy(&b"0000"[..zeros], at);
        at = at.add(zeros);
        crate::bytes::copy(frac, at);
        at = at.add(frac.len());
        out.set_len(len + at.offset_from(start) as usize);
    }
    true
}

/// Writes a value; structures nested deeper than `MAX_DEPTH` are cut.
/// Strings, most values, are written where the call is.
#[inline]
pub fn value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Str(s) => string(out, s),
        _ => value_at(out, v, 0),
    }
}

fn value_at(out: &mut Vec<u8>, v: &Value, depth: usize) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Int(i) => int(out, *i),
        Value::UInt(u) => uint(out, *u),
        Value::Float(f) => float(out, *f),
        Value::Str(s) => string(out, s),
        // Unresolved raw text is written as a string: never spliced unchecked.
        Value::Raw(s) => string(out, s),
        Value::Array(_) | Value::Object(_) if depth >= MAX_DEPTH => {
            out.extend_from_slice(b"\"[depth limit]\"")
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                value_at(out, item, depth + 1);
            }
            out.push(b']');
        }
        Value::Object(members) => {
            out.push(b'{');
            let mut first = true;
            for (k, v) in members {
                key(out, &mut first, k);
                value_at(out, v, depth + 1);
            }
            out.push(b'}');
        }
    }
}

/// Latest instant RFC 3339 can spell (9999-12-31T23:59:59.999999Z).
const MAX_RFC3339_SECS: u64 = 253_402_300_799;

/// Clamps a time into what RFC 3339 can spell, so that a clock before 1970
/// or a bogus timestamp from a binding never fails a record.
pub fn clamp_time(t: SystemTime) -> SystemTime {
    UNIX_EPOCH + since_epoch(t)
}

/// `clamp_time` as the time since the epoch.
fn since_epoch(t: SystemTime) -> Duration {
    match t.duration_since(UNIX_EPOCH) {
        Err(_) => Duration::ZERO,
        Ok(d) if d.as_secs() > MAX_RFC3339_SECS => Duration::new(MAX_RFC3339_SECS, 999_999_000),
        Ok(d) => d,
    }
}

/// "00" to "99", two bytes each.
static DIGIT_PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// Writes RFC 3339 UTC timestamps with microseconds and `Z`, unquoted.
/// Records come in time order, so the date and time of day
/// (`2026-11-23T14:25:53`) are formatted once per second; only the
/// microseconds are written each time. An encoder keeps its own clock;
/// `rfc3339_micros` uses one per thread.
#[derive(Clone, Copy, Debug, Default)]
pub struct Clock {
    /// Seconds since the epoch plus one (0: nothing yet), and their text.
    second: u64,
    text: [u8; 19],
}

impl Clock {
    pub fn write(&mut self, out: &mut Vec<u8>, t: SystemTime) {
        let d = since_epoch(t);
        let second = d.as_secs() + 1;
        if second != self.second {
            use std::io::Write;
            let mut full = Vec::with_capacity(32);
            let _ = write!(
                full,
                "{}",
                humantime::format_rfc3339_seconds(UNIX_EPOCH + d)
            );
            self.text.copy_from_slice(&full[..19]);
            self.second = second;
        }
        // The microseconds two digits at a time.
        let micros = d.subsec_micros() as usize;
        let pair = |n: usize| &DIGIT_PAIRS[2 * n..2 * n + 2];
        let mut frac = *b".000000Z";
        frac[1..3].copy_from_slice(pair(micros / 10_000));
        frac[3..5].copy_from_slice(pair(micros / 100 % 100));
        frac[5..7].copy_from_slice(pair(micros % 100));
        out.reserve(27);
        out.extend_from_slice(&self.text);
        out.extend_from_slice(&frac);
    }
}

/// RFC 3339 UTC with microseconds and `Z`, unquoted (see `Clock`).
pub fn rfc3339_micros(out: &mut Vec<u8>, t: SystemTime) {
    use std::cell::Cell;
    thread_local! {
        static CLOCK: Cell<Clock> = const { Cell::new(Clock { second: 0, text: [0; 19] }) };
    }
    let mut clock = CLOCK.try_with(Cell::get).unwrap_or_default();
    clock.write(out, t);
    let _ = CLOCK.try_with(|c| c.set(clock));
}

/// Nanoseconds since the Unix epoch (for OTLP).
pub fn unix_nanos(t: SystemTime) -> u128 {
    clamp_time(t)
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(input: &str) -> String {
        let mut out = Vec::new();
        string(&mut out, input);
        String::from_utf8(out).unwrap()
    }

    fn floats_alike(f: f64) {
        let mut ours = Vec::new();
        float(&mut ours, f);
        let want = if f.is_finite() {
            ryu::Buffer::new().format_finite(f).to_owned()
        } else {
            String::from_utf8(ours.clone()).unwrap() // strings, checked elsewhere
        };
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            want,
            "{f:e} ({:#x})",
            f.to_bits()
        );
    }

    #[test]
    fn short_decimals_are_written_as_ryu_writes_them() {
        for f in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            12.5,
            0.1,
            0.2,
            0.3,
            0.25,
            0.0001,
            0.00015,
            1e-5,
            99.99,
            1e15,
            4503599627370495.0,
            4503599627370496.0,
            9007199254740993.0,
            123456789.1234,
            1234567890123.4567,
            0.1 + 0.2,
            2.5e-4,
            1e21,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
        ] {
            floats_alike(f);
            floats_alike(-f);
        }
        let taken = |f: f64| short_decimal(&mut Vec::new(), f);
        assert!(taken(12.5) && taken(-0.0) && taken(0.0001) && taken(1e15));
        assert!(!taken(0.1 + 0.2) && !taken(1e-5) && !taken(1e16) && !taken(f64::NAN));
        let mut m: u64 = 1;
        for _ in 0..200_000 {
            // Decimals with up to six places across the whole range.
            m = m.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let k = (m >> 60) % 7;
            let v = (m >> 8) % 10u64.pow(1 + (m % 15) as u32);
            floats_alike(v as f64 / 10f64.powi(k as i32));
        }
    }

    proptest::proptest! {
        #[test]
        fn any_float_is_written_as_ryu_writes_it(bits in proptest::num::u64::ANY) {
            floats_alike(f64::from_bits(bits));
        }
    }

    #[test]
    fn every_control_character_is_escaped_and_round_trips() {
        for b in 0u8..0x20 {
            let input = format!("a{}b", b as char);
            let out = s(&input);
            assert!(
                out.bytes().all(|c| c >= 0x20),
                "raw control byte {b:#x} in {out}"
            );
            let back: String = serde_json::from_str(&out).unwrap();
            assert_eq!(back, input);
        }
        assert_eq!(s("\u{7f}"), "\"\u{7f}\"");
        assert_eq!(s("q\"b\\"), r#""q\"b\\""#);
        assert_eq!(s("\u{1}"), r#""\u0001""#);
        assert_eq!(s("\n\r\t\u{8}\u{c}"), r#""\n\r\t\b\f""#);
    }

    #[test]
    fn escapes_are_found_at_every_offset_of_the_word_scan() {
        for special in ['"', '\\', '\n', '\u{0}', '\u{1f}', '\u{7f}', 'é', '/'] {
            for len in 0..40 {
                for at in 0..=len {
                    let mut input = "a".repeat(len);
                    input.insert(at, special);
                    assert_eq!(
                        s(&input),
                        serde_json::to_string(&input).unwrap(),
                        "{input:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn escapes_at_every_pair_of_offsets_are_each_written() {
        // Several escapes in one sixteen-byte step, and steps that end
        // near the string's end.
        for len in 2..48 {
            for a in 0..len {
                for b in a + 1..len {
                    let mut input = vec![b'x'; len];
                    input[a] = b'"';
                    input[b] = if b % 2 == 0 { b'\n' } else { 0x01 };
                    let input = String::from_utf8(input).unwrap();
                    assert_eq!(
                        s(&input),
                        serde_json::to_string(&input).unwrap(),
                        "{input:?}"
                    );
                }
            }
        }
        let dense = "\"\\".repeat(40);
        assert_eq!(s(&dense), serde_json::to_string(&dense).unwrap());
    }

    #[test]
    fn every_ascii_byte_is_judged_alike_at_every_offset_of_short_strings() {
        // The quick check reads overlapping words and, below four bytes,
        // three sampled bytes: each must still see every position.
        for b in 0u8..0x80 {
            for len in 1..40 {
                for at in 0..len {
                    let mut input = vec![b'x'; len];
                    input[at] = b;
                    let input = String::from_utf8(input).unwrap();
                    assert_eq!(
                        s(&input),
                        serde_json::to_string(&input).unwrap(),
                        "{input:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_sixteen_byte_check_flags_exactly_the_bytes_to_escape() {
        for b in 0..=255u8 {
            for at in 0..16 {
                let mut block = [b'a'; 16];
                block[at] = b;
                // SAFETY: sixteen bytes.
                let got = unsafe { escape_bits16(block.as_ptr()) };
                let want = ((ESCAPE[b as usize] != 0) as u32) << at;
                assert_eq!(got, want, "{b:#x} at {at}");
            }
        }
    }

    #[test]
    fn escapes_at_the_edges_of_the_reserved_slices_are_written_once() {
        let mut input = "x".repeat(10_000);
        for at in [0, 4094, 4095, 4096, 4097, 8191, 8192, 9_999] {
            input.replace_range(at..at + 1, if at % 2 == 0 { "\"" } else { "\n" });
        }
        assert_eq!(s(&input), serde_json::to_string(&input).unwrap());
    }

    #[test]
    fn every_code_point_round_trips() {
        let all: String = (0u32..=0x10FFFF).filter_map(char::from_u32).collect();
        let back: String = serde_json::from_str(&s(&all)).unwrap();
        assert_eq!(back, all);
    }

    #[test]
    fn non_finite_floats_are_strings() {
        let mut out = Vec::new();
        for f in [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            12.5,
            -0.0,
            1e300,
        ] {
            float(&mut out, f);
            out.push(b' ');
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"NaN\" \"Infinity\" \"-Infinity\" 12.5 -0.0 1e300 "
        );
    }

    #[test]
    fn deep_nesting_is_cut_without_recursion_trouble() {
        let mut v = Value::Int(1);
        for _ in 0..1000 {
            v = Value::Array(vec![v]);
        }
        let mut out = Vec::new();
        value(&mut out, &v);
        let text = String::from_utf8(out).unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            text.matches('[').count() - 1,
            MAX_DEPTH,
            "64 arrays plus the marker's bracket"
        );
        assert!(text.contains("\"[depth limit]\""));
        assert!(parsed.is_array());
        // Dropping a 1000-deep value must not overflow either.
        drop(v);
    }

    #[test]
    fn the_cached_second_follows_the_clock_both_ways() {
        let at = |secs: u64, micros: u32| {
            let mut out = Vec::new();
            rfc3339_micros(&mut out, UNIX_EPOCH + Duration::new(secs, micros * 1000));
            String::from_utf8(out).unwrap()
        };
        assert_eq!(at(1_700_000_000, 999_999), "2023-11-14T22:13:20.999999Z");
        assert_eq!(at(1_700_000_001, 1), "2023-11-14T22:13:21.000001Z");
        assert_eq!(at(1_700_000_000, 0), "2023-11-14T22:13:20.000000Z");
        assert_eq!(at(1_700_086_400, 42), "2023-11-15T22:13:20.000042Z");
        assert_eq!(at(0, 7), "1970-01-01T00:00:00.000007Z");
        assert_eq!(at(0, 123_456), "1970-01-01T00:00:00.123456Z");
        assert_eq!(at(0, 504_030), "1970-01-01T00:00:00.504030Z");
    }

    #[test]
    fn runs_between_escapes_are_copied_whole() {
        for (input, want) in [
            ("", r#""""#),
            ("plain", r#""plain""#),
            ("exactly8", r#""exactly8""#),
            ("0123456\"", r#""0123456\"""#),
            ("01234567\"", r#""01234567\"""#),
            ("\"a\"b\\c\nd", r#""\"a\"b\\c\nd""#),
            ("é ü 日本 \u{1}", r#""é ü 日本 \u0001""#),
            ("a\u{7f}b", "\"a\u{7f}b\""),
        ] {
            assert_eq!(s(input), want, "{input:?}");
        }
    }

    #[test]
    fn times_outside_rfc3339_are_clamped() {
        let mut out = Vec::new();
        rfc3339_micros(&mut out, UNIX_EPOCH - Duration::from_secs(5));
        out.push(b' ');
        rfc3339_micros(&mut out, UNIX_EPOCH + Duration::from_secs(u64::MAX / 4));
        out.push(b' ');
        rfc3339_micros(
            &mut out,
            UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_789),
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "1970-01-01T00:00:00.000000Z 9999-12-31T23:59:59.999999Z 2023-11-14T22:13:20.123456Z"
        );
    }
}
