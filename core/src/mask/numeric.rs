//! Numbers that identify a person or an account, found in one pass over
//! the digit runs of a value: card numbers (13–19 digits, Luhn), IBANs
//! (country length + mod 97), phone numbers (E.164 and Japanese domestic).
//! Runs joined by single spaces or dashes form a cluster; a run glued to a
//! letter (a UUID or hash piece) or to a decimal point between digits is
//! not a number of its own and is left alone. A comma does not glue: CSV
//! puts numbers side by side.

use super::edit::Edits;
use super::validate;

/// Which of the three rules are on, and where their counts go.
pub struct Numeric {
    pub card: bool,
    pub iban: bool,
    pub phone: bool,
}

#[derive(Clone, Copy, Default)]
struct Run {
    start: usize,
    end: usize,
}

/// The runs of one cluster: on the stack, spilling to the heap only for a
/// cluster of more than 16 runs.
struct Runs {
    stack: [Run; 16],
    len: usize,
    heap: Vec<Run>,
}

impl Runs {
    fn new() -> Runs {
        Runs {
            stack: [Run::default(); 16],
            len: 0,
            heap: Vec::new(),
        }
    }

    fn clear(&mut self) {
        self.len = 0;
        self.heap.clear();
    }

    fn push(&mut self, r: Run) {
        if self.len < self.stack.len() {
            self.stack[self.len] = r;
        } else {
            if self.heap.is_empty() {
                self.heap.extend_from_slice(&self.stack);
            }
            self.heap.push(r);
        }
        self.len += 1;
    }

    fn as_slice(&self) -> &[Run] {
        if self.heap.is_empty() {
            &self.stack[..self.len]
        } else {
            &self.heap
        }
    }
}

impl Run {
    fn len(self) -> usize {
        self.end - self.start
    }
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}

/// Counts per rule of one scan.
#[derive(Default, Debug, PartialEq)]
pub struct Found {
    pub card: u64,
    pub iban: u64,
    pub phone: u64,
}

impl Numeric {
    pub fn any(&self) -> bool {
        self.card || self.iban || self.phone
    }

    pub fn mask(&self, s: &str, found: &mut Found) -> Option<String> {
        let b = s.as_bytes();
        let n = b.len();
        let mut ed = Edits::new(s);
        let mut runs = Runs::new();
        let mut i = 0;
        while i < n {
            match next_digit(b, i) {
                Some(p) => i = p,
                None => break,
            }
            if self.iban
                && i >= 2
                && b[i - 2].is_ascii_uppercase()
                && b[i - 1].is_ascii_uppercase()
                && (i == 2 || !is_word(b[i - 3]))
            {
                if let Some(end) = iban_at(b, i - 2) {
                    ed.replace_with(i - 2..end, |o| keep_ends(&b[i - 2..end], 2, 4, o));
                    found.iban += 1;
                    i = end;
                    continue;
                }
            }
            let mut e = i;
            while e < n && b[e].is_ascii_digit() {
                e += 1;
            }
            // Fast path: a lone short run (a count, a time, a status) ends here.
            let joined = e + 1 < n && matches!(b[e], b' ' | b'-') && b[e + 1].is_ascii_digit();
            if !joined && e - i < 8 {
                i = e;
                continue;
            }
            runs.clear();
            runs.push(Run { start: i, end: e });
            while e + 1 < n && matches!(b[e], b' ' | b'-') && b[e + 1].is_ascii_digit() {
                let s0 = e + 1;
                e = s0;
                while e < n && b[e].is_ascii_digit() {
                    e += 1;
                }
                runs.push(Run { start: s0, end: e });
            }
            self.cluster(b, runs.as_slice(), &mut ed, found);
            i = e;
        }
        ed.finish()
    }

    fn cluster(&self, b: &[u8], all: &[Run], ed: &mut Edits, found: &mut Found) {
        let first = all[0].start;
        let last = all[all.len() - 1].end;
        let before = |k: usize| (first >= k).then(|| b[first - k]);
        let left_taint = before(1).is_some_and(is_word)
            || before(1) == Some(b'.') && before(2).is_some_and(|c| c.is_ascii_digit());
        let right_taint = b.get(last).copied().is_some_and(is_word)
            || b.get(last) == Some(&b'.') && b.get(last + 1).is_some_and(u8::is_ascii_digit);
        let lo = usize::from(left_taint);
        let hi = all.len() - usize::from(right_taint);
        if lo >= hi {
            return;
        }
        let runs = &all[lo..hi];
        let mut hit = false;
        if self.card {
            let mut a = 0;
            while a < runs.len() {
                let mut digits = 0;
                let mut best = None;
                for (z, r) in runs.iter().enumerate().skip(a) {
                    digits += r.len();
                    if digits > 19 {
                        break;
                    }
                    if digits >= 13 && validate::luhn(b[runs[a].start..r.end].iter().copied()) {
                        best = Some(z);
                    }
                }
                match best {
                    Some(z) => {
                        let range = runs[a].start..runs[z].end;
                        let digits = &b[range.clone()];
                        ed.replace_with(range, |o| {
                            o.push_str("****-****-****-");
                            push_last_digits(digits, 4, o);
                        });
                        found.card += 1;
                        hit = true;
                        a = z + 1;
                    }
                    None => a += 1,
                }
            }
        }
        if hit || !self.phone {
            return;
        }
        let plus = lo == 0 && before(1) == Some(b'+') && !before(2).is_some_and(is_word);
        let total: usize = runs.iter().map(|r| r.len()).sum();
        if plus && (8..=15).contains(&total) {
            let range = runs[0].start..runs[runs.len() - 1].end;
            ed.replace_with(range.clone(), |o| mask_digits_but_last(&b[range], 4, o));
            found.phone += 1;
            return;
        }
        for w in runs.windows(3) {
            if japanese(b, w) {
                let range = w[0].start..w[2].end;
                ed.replace_with(range.clone(), |o| mask_digits_but_last(&b[range], 4, o));
                found.phone += 1;
                return;
            }
        }
        if runs.len() == 1 {
            let r = runs[0];
            let d = &b[r.start..r.end];
            if d.len() == 11
                && d[0] == b'0'
                && matches!(d[1], b'5' | b'7' | b'8' | b'9')
                && d[2] == b'0'
            {
                ed.replace_with(r.start..r.end, |o| mask_digits_but_last(d, 4, o));
                found.phone += 1;
            }
        }
    }
}

/// Index of the first ASCII digit at or after `i`, eight bytes at a time
/// while none is in sight (log text is mostly letters and punctuation).
fn next_digit(b: &[u8], mut i: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while i + 8 <= b.len() {
        let w = u64::from_le_bytes(b[i..i + 8].try_into().expect("eight bytes"));
        // Digits become 0..=9; a byte below 10 (high bit clear) is a digit.
        let t = w ^ (0x30 * ONES);
        if t.wrapping_sub(10 * ONES) & !t & HIGH != 0 {
            break;
        }
        i += 8;
    }
    b[i..].iter().position(u8::is_ascii_digit).map(|p| i + p)
}

/// `03-1234-5678`, `090-1234-5678`, `0120-123-456`: three groups with one
/// separator kind, the first starting with 0, 10–11 digits in all.
fn japanese(b: &[u8], w: &[Run]) -> bool {
    let (x, y, z) = (w[0], w[1], w[2]);
    let sep = b[x.end];
    b[y.end] == sep
        && b[x.start] == b'0'
        && (2..=5).contains(&x.len())
        && (1..=4).contains(&y.len())
        && (3..=4).contains(&z.len())
        && (10..=11).contains(&(x.len() + y.len() + z.len()))
}

/// Appends the last `k` digits of `s`, separators dropped.
fn push_last_digits(s: &[u8], k: usize, out: &mut String) {
    let total = s.iter().filter(|c| c.is_ascii_digit()).count();
    let skip = total.saturating_sub(k);
    s.iter()
        .filter(|c| c.is_ascii_digit())
        .skip(skip)
        .for_each(|&c| out.push(char::from(c)));
}

/// Every digit but the last `keep` becomes `*`; separators stay.
fn mask_digits_but_last(s: &[u8], keep: usize, out: &mut String) {
    let digits = s.iter().filter(|c| c.is_ascii_digit()).count();
    let mut seen = 0;
    for &c in s {
        if c.is_ascii_digit() {
            seen += 1;
            out.push(if seen > digits.saturating_sub(keep) {
                char::from(c)
            } else {
                '*'
            });
        } else {
            out.push(char::from(c));
        }
    }
}

/// First `head` and last `tail` alphanumerics stay, the rest become `*`.
fn keep_ends(s: &[u8], head: usize, tail: usize, out: &mut String) {
    let total = s.iter().filter(|c| c.is_ascii_alphanumeric()).count();
    let mut seen = 0;
    for &c in s {
        if c.is_ascii_alphanumeric() {
            seen += 1;
            let keep = seen <= head || seen > total.saturating_sub(tail);
            out.push(if keep { char::from(c) } else { '*' });
        } else {
            out.push(char::from(c));
        }
    }
}

/// End of a valid IBAN starting at `p` (compact, or printed in groups of
/// four separated by single spaces), if there is one.
fn iban_at(b: &[u8], p: usize) -> Option<usize> {
    let len = validate::iban_length(&b[p..p + 2])?;
    let mut chars = [0u8; 34];
    let mut k = 0;
    let mut j = p;
    while k < len && j < b.len() {
        let c = b[j];
        if c.is_ascii_uppercase() || c.is_ascii_digit() {
            chars[k] = c;
            k += 1;
            j += 1;
        } else if c == b' '
            && k % 4 == 0
            && k > 0
            && b.get(j + 1).is_some_and(|d| d.is_ascii_alphanumeric())
        {
            j += 1;
        } else {
            return None;
        }
    }
    let boundary = b.get(j).is_none_or(|&c| !is_word(c));
    (k == len
        && boundary
        && chars[2].is_ascii_digit()
        && chars[3].is_ascii_digit()
        && validate::iban_mod97(&chars[..len]))
    .then_some(j)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> String {
        let all = Numeric {
            card: true,
            iban: true,
            phone: true,
        };
        all.mask(s, &mut Found::default())
            .unwrap_or_else(|| s.to_owned())
    }

    #[test]
    fn cards_in_any_layout() {
        assert_eq!(
            run("card 4111-1111-1111-1111 ok"),
            "card ****-****-****-1111 ok"
        );
        assert_eq!(run("4111 1111 1111 1111"), "****-****-****-1111");
        assert_eq!(run("x=378282246310005."), "x=****-****-****-0005.");
        assert_eq!(
            run("ref 12 4111 1111 1111 1111"),
            "ref 12 ****-****-****-1111"
        );
        assert_eq!(run("4111 1111 1111 11 11"), "****-****-****-1111");
        assert_eq!(run("1234567812345678"), "1234567812345678");
        assert_eq!(run("a716-446655440000"), "a716-446655440000");
        assert_eq!(run("pi 3.4111111111111111"), "pi 3.4111111111111111");
        assert_eq!(run("4000000000006,0"), "****-****-****-0006,0");
        // A cluster of more runs than fit on the stack.
        let long = format!("{} 4111 1111 1111 1111", "1 ".repeat(20));
        assert!(
            run(&long).ends_with(" ****-****-****-1111"),
            "{}",
            run(&long)
        );
        assert_eq!(run("1,4111111111111111,2"), "1,****-****-****-1111,2");
    }

    #[test]
    fn phones_keep_the_last_four_digits() {
        assert_eq!(run("tel 090-1234-5678"), "tel ***-****-5678");
        assert_eq!(run("03-1234-5678"), "**-****-5678");
        assert_eq!(run("call +81 90 1234 5678"), "call +** ** **** 5678");
        assert_eq!(run("+14155552671"), "+*******2671");
        assert_eq!(run("09012345678"), "*******5678");
        assert_eq!(run("〒100-0001 2024-01-15"), "〒100-0001 2024-01-15");
    }

    #[test]
    fn ibans_validated_by_mod97() {
        assert_eq!(
            run("GB82 WEST 1234 5698 7654 32"),
            "GB** **** **** **** **54 32"
        );
        assert_eq!(
            run("iban DE89370400440532013000."),
            "iban DE****************3000."
        );
        assert_eq!(run("GB82WEST12345698765433"), "GB82WEST12345698765433");
    }
}
