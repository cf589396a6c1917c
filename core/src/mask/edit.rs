//! Builds a rewritten string from non-overlapping, in-order replacements,
//! copying the untouched text once; nothing is allocated until the first
//! replacement.

use std::ops::Range;

pub struct Edits<'a> {
    src: &'a str,
    out: String,
    last: usize,
    changed: bool,
}

impl<'a> Edits<'a> {
    pub fn new(src: &'a str) -> Edits<'a> {
        Edits {
            src,
            out: String::new(),
            last: 0,
            changed: false,
        }
    }

    /// Replaces `range` (at or after the previous one) by what `f` appends.
    pub fn replace_with(&mut self, range: Range<usize>, f: impl FnOnce(&mut String)) {
        debug_assert!(range.start >= self.last && range.end >= range.start);
        if !self.changed {
            self.out.reserve(self.src.len() + 16);
            self.changed = true;
        }
        self.out.push_str(&self.src[self.last..range.start]);
        f(&mut self.out);
        self.last = range.end;
    }

    pub fn replace(&mut self, range: Range<usize>, with: &str) {
        self.replace_with(range, |o| o.push_str(with));
    }

    /// The rewritten text, or `None` when nothing was replaced.
    pub fn finish(mut self) -> Option<String> {
        if !self.changed {
            return None;
        }
        self.out.push_str(&self.src[self.last..]);
        Some(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_in_order_and_keeps_the_rest() {
        let mut e = Edits::new("a secret b secret c");
        e.replace(2..8, "X");
        e.replace(11..17, "Y");
        assert_eq!(e.finish().as_deref(), Some("a X b Y c"));
        assert_eq!(Edits::new("abc").finish(), None);
        let mut e = Edits::new("abc");
        e.replace(0..3, "");
        assert_eq!(e.finish().as_deref(), Some(""));
    }
}
