//! Short byte strings, a word at a time. Keys and most values are a few
//! bytes long: a call to `memcpy` (through the PLT, then its size
//! dispatch) costs more than the copy, and `is_ascii` walks bytes one by
//! one until it reaches an aligned word. Overlapping word moves do both
//! inline. The hashes are here too: `key_hash` for the tables that look
//! names up (masking's keys, naming advice), `text_hash` for remembered
//! texts.

/// The eight bytes of `b` at `i`, as a little-endian word.
#[inline(always)]
fn word_at(b: &[u8], i: usize) -> u64 {
    let mut w = [0; 8];
    w.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(w)
}

/// The four bytes of `b` at `i`, as the low half of a word.
#[inline(always)]
fn half_at(b: &[u8], i: usize) -> u64 {
    let mut w = [0; 4];
    w.copy_from_slice(&b[i..i + 4]);
    u32::from_le_bytes(w) as u64
}

/// `f` applied to every byte of `b` eight at a time, the results OR-ed:
/// whole words, the last overlapping the one before; under eight bytes
/// the first word of `two_words`. For tests whose verdict a byte seen
/// twice does not change.
#[inline]
pub(crate) fn or_words(b: &[u8], pad: u8, f: impl Fn(u64) -> u64) -> u64 {
    let n = b.len();
    let word = |i| word_at(b, i);
    if n >= 8 {
        let mut m = f(word(n - 8));
        let mut i = 0;
        while i + 8 < n {
            m |= f(word(i));
            i += 8;
        }
        m
    } else if n > 0 {
        f(two_words(b, pad)[0])
    } else {
        0
    }
}

/// At most sixteen bytes as two words that hold every byte of `b`, its
/// start first: two overlapping words; under eight bytes two overlapping
/// halves in the first word; under four the first, middle and last byte
/// with `pad` in the rest. The unused word is all `pad`.
#[inline(always)]
pub(crate) fn two_words(b: &[u8], pad: u8) -> [u64; 2] {
    debug_assert!(b.len() <= 16);
    let n = b.len();
    let pads = u64::from_le_bytes([pad; 8]);
    match n {
        8.. => [word_at(b, 0), word_at(b, n - 8)],
        4..=7 => [half_at(b, 0) | half_at(b, n - 4) << 32, pads],
        1..=3 => {
            let three = b[0] as u64 | (b[n / 2] as u64) << 8 | (b[n - 1] as u64) << 16;
            [three | pads << 24, pads]
        }
        0 => [pads, pads],
    }
}

/// `b.is_ascii()`, in whole words (see `or_words`).
#[inline]
pub fn is_ascii(b: &[u8]) -> bool {
    or_words(b, 0, |w| w & 0x8080_8080_8080_8080) == 0
}

/// Bytes as text, invalid sequences replaced by U+FFFD; true when any
/// were. Cold: callers check for ASCII first.
#[cold]
pub fn lossy(b: &[u8]) -> (std::borrow::Cow<'_, str>, bool) {
    match std::str::from_utf8(b) {
        Ok(s) => (std::borrow::Cow::Borrowed(s), false),
        Err(_) => (String::from_utf8_lossy(b), true),
    }
}

/// `a == b`. Up to 16 bytes the first and last words of each are
/// compared (they overlap, covering every byte), with no call to `bcmp`.
#[inline]
pub(crate) fn eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        17.. => a == b,
        8..=16 => word_at(a, 0) == word_at(b, 0) && word_at(a, n - 8) == word_at(b, n - 8),
        4..=7 => half_at(a, 0) == half_at(b, 0) && half_at(a, n - 4) == half_at(b, n - 4),
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        0 => true,
    }
}

/// A hash of a field name, eight bytes per step: a cheap, stable
/// pre-filter for name lookups (equal names always have equal hashes; a
/// match is confirmed by comparing the names). Words are read whole and
/// the tail in at most three loads, not byte by byte: the writer hashes
/// every key and every short string of every record.
pub const fn key_hash(name: &str) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut rest = name.as_bytes();
    let mut h = K ^ rest.len() as u64;
    while let Some((word, tail)) = rest.split_first_chunk::<8>() {
        h = (h ^ u64::from_le_bytes(*word))
            .wrapping_mul(K)
            .rotate_left(29);
        rest = tail;
    }
    if !rest.is_empty() {
        // The tail's bytes in little-endian order, as one word.
        let (mut word, mut shift) = (0u64, 0);
        if let Some((four, tail)) = rest.split_first_chunk::<4>() {
            word = u32::from_le_bytes(*four) as u64;
            shift = 32;
            rest = tail;
        }
        if let Some((two, tail)) = rest.split_first_chunk::<2>() {
            word |= (u16::from_le_bytes(*two) as u64) << shift;
            shift += 16;
            rest = tail;
        }
        if let [last] = rest {
            word |= (*last as u64) << shift;
        }
        h = (h ^ word).wrapping_mul(K).rotate_left(29);
    }
    h
}

/// A hash of a string's length and of at most 24 of its bytes (the
/// first, middle and last eight), for the slot of a remembered text: the
/// same few instructions whatever the length. A match is confirmed by
/// comparing the texts, so two texts that differ only elsewhere just take
/// turns in one slot.
#[inline]
pub(crate) fn text_hash(b: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    const L: u64 = 0xc2b2_ae3d_27d4_eb4f;
    let n = b.len();
    let (first, middle, last) = match n {
        8.. => (word_at(b, 0), word_at(b, (n - 8) / 2), word_at(b, n - 8)),
        4..=7 => (half_at(b, 0), 0, half_at(b, n - 4)),
        1..=3 => (
            b[0] as u64 | (b[n / 2] as u64) << 8 | (b[n - 1] as u64) << 16,
            0,
            0,
        ),
        0 => (0, 0, 0),
    };
    let h = (first ^ n as u64).wrapping_mul(K) ^ middle.wrapping_mul(L).rotate_left(31) ^ last;
    let h = h.wrapping_mul(K);
    h ^ h >> 29
}

/// Copies `src` to `dst`.
///
/// # Safety
/// `dst` is valid for `src.len()` bytes of writes and does not overlap
/// `src`.
#[inline(always)]
pub(crate) unsafe fn copy(src: &[u8], dst: *mut u8) {
    let (n, p) = (src.len(), src.as_ptr());
    // SAFETY: forwarded; each branch stays within the `n` bytes.
    unsafe {
        match n {
            17.. => std::ptr::copy_nonoverlapping(p, dst, n),
            8..=16 => {
                overlapping_pair::<u64>(p, dst, n);
            }
            4..=7 => {
                overlapping_pair::<u32>(p, dst, n);
            }
            1..=3 => {
                // First, middle and last cover them.
                dst.write(*p);
                dst.add(n / 2).write(*p.add(n / 2));
                dst.add(n - 1).write(*p.add(n - 1));
            }
            0 => {}
        }
    }
}

/// `copy`, and whether every byte copied is ASCII: the check rides on
/// the words the copy loads anyway, where a separate pass would load them
/// again (C strings must be checked before they become `&str`).
///
/// # Safety
/// As for `copy`.
#[inline(always)]
pub(crate) unsafe fn copy_ascii(src: &[u8], dst: *mut u8) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let (n, p) = (src.len(), src.as_ptr());
    // SAFETY: forwarded; each branch stays within the `n` bytes.
    unsafe {
        match n {
            257.. => {
                std::ptr::copy_nonoverlapping(p, dst, n);
                is_ascii(src)
            }
            17..=256 => {
                // Whole words, the last one overlapping the one before.
                let mut high = 0;
                let mut i = 0;
                while i + 8 < n {
                    let w = p.add(i).cast::<u64>().read_unaligned();
                    dst.add(i).cast::<u64>().write_unaligned(w);
                    high |= w;
                    i += 8;
                }
                let w = p.add(n - 8).cast::<u64>().read_unaligned();
                dst.add(n - 8).cast::<u64>().write_unaligned(w);
                (high | w) & HIGH == 0
            }
            8..=16 => overlapping_pair::<u64>(p, dst, n) & HIGH == 0,
            4..=7 => overlapping_pair::<u32>(p, dst, n) & HIGH == 0,
            1..=3 => {
                // First, middle and last cover them.
                let (a, b, c) = (*p, *p.add(n / 2), *p.add(n - 1));
                dst.write(a);
                dst.add(n / 2).write(b);
                dst.add(n - 1).write(c);
                (a | b | c) < 0x80
            }
            0 => true,
        }
    }
}

/// Moves the first and the last `T`-sized word of the `n` bytes at `p`
/// to `dst`; they overlap unless `n` is two words, writing the same
/// bytes again. Returns the two words OR-ed, as a `u64`.
///
/// # Safety
/// `size_of::<T>() <= n`; `p` is readable and `dst` writable for `n`
/// bytes.
#[inline(always)]
unsafe fn overlapping_pair<T: Copy + Into<u64>>(p: *const u8, dst: *mut u8, n: usize) -> u64 {
    let last = n - std::mem::size_of::<T>();
    // SAFETY: both words lie within the `n` bytes (see above).
    unsafe {
        let (a, b) = (
            p.cast::<T>().read_unaligned(),
            p.add(last).cast::<T>().read_unaligned(),
        );
        dst.cast::<T>().write_unaligned(a);
        dst.add(last).cast::<T>().write_unaligned(b);
        a.into() | b.into()
    }
}

/// `s` becomes `text`, in the buffer `s` already has when it is big
/// enough (a record refilled with what the last one held).
#[inline]
pub(crate) fn assign(s: &mut String, text: &str) {
    if s.capacity() < text.len() {
        s.clear();
        s.push_str(text);
        return;
    }
    // SAFETY: the buffer holds `text.len()` bytes (checked above), which
    // are then the bytes of a `&str`, so the string stays UTF-8.
    unsafe {
        let v = s.as_mut_vec();
        copy(text.as_bytes(), v.as_mut_ptr());
        v.set_len(text.len());
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_length_is_copied_exactly_and_nothing_beyond() {
        let src: Vec<u8> = (1..=40).collect();
        for n in 0..=src.len() {
            let mut dst = [0u8; 48];
            // SAFETY: `dst` has room for `n` bytes; the buffers are distinct.
            unsafe { super::copy(&src[..n], dst.as_mut_ptr().add(4)) };
            assert_eq!(&dst[4..4 + n], &src[..n], "{n}");
            assert!(dst[..4].iter().chain(&dst[4 + n..]).all(|&b| b == 0), "{n}");
        }
    }

    #[test]
    fn copy_ascii_copies_exactly_and_finds_a_high_byte_anywhere() {
        // Every branch: up to three bytes, halves, words, the word loop
        // and, past 256 bytes, memcpy and a separate check.
        let src: Vec<u8> = (0..300u32).map(|i| b'a' + (i % 26) as u8).collect();
        for n in 0..=src.len() {
            for high in (0..n).map(Some).chain([None]) {
                let mut s = src[..n].to_vec();
                if let Some(j) = high {
                    s[j] = 0xC3;
                }
                let mut dst = [0u8; 308];
                // SAFETY: `dst` has room for `n` bytes; the buffers are distinct.
                let ascii = unsafe { super::copy_ascii(&s, dst.as_mut_ptr().add(4)) };
                assert_eq!(ascii, high.is_none(), "{n} {high:?}");
                assert_eq!(&dst[4..4 + n], &s[..], "{n}");
                assert!(dst[..4].iter().chain(&dst[4 + n..]).all(|&b| b == 0), "{n}");
            }
        }
    }

    #[test]
    fn key_hash_packs_each_word_and_the_tail_in_little_endian_order() {
        // The definition, byte by byte; the hash must not change, since
        // caches and compile-time tables hold its values.
        fn reference(name: &str) -> u64 {
            const K: u64 = 0x9e37_79b9_7f4a_7c15;
            let mut h = K ^ name.len() as u64;
            for chunk in name.as_bytes().chunks(8) {
                let word = chunk
                    .iter()
                    .enumerate()
                    .fold(0u64, |w, (i, b)| w | (*b as u64) << (8 * i));
                h = (h ^ word).wrapping_mul(K).rotate_left(29);
            }
            h
        }
        let text = "correlation_id/é-ü ∑ 0123456789abcdefghijklmnopqrstuvwxyz";
        for end in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
            assert_eq!(
                super::key_hash(&text[..end]),
                reference(&text[..end]),
                "{end}"
            );
        }
        assert_ne!(super::key_hash("user_id"), super::key_hash("user_ie"));
        assert_ne!(super::key_hash(""), super::key_hash("\0"));
    }

    #[test]
    fn text_hash_sees_the_length_and_the_first_middle_and_last_bytes() {
        let mut seen = std::collections::HashSet::new();
        for n in 0..70usize {
            let a: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
            assert_eq!(super::text_hash(&a), super::text_hash(&a.clone()));
            assert!(seen.insert(super::text_hash(&a)), "length {n} collides");
            let sampled = |at: usize| match n {
                8.. => at < 8 || (n - 8) / 2 <= at && at < (n - 8) / 2 + 8 || at >= n - 8,
                4..=7 => true,
                _ => at == 0 || at == n / 2 || at == n - 1,
            };
            for at in 0..n {
                let mut b = a.clone();
                b[at] ^= 0x20;
                let changed = super::text_hash(&a) != super::text_hash(&b);
                assert_eq!(changed, sampled(at), "{n} {at}");
            }
        }
    }

    #[test]
    fn two_words_hold_every_byte_and_otherwise_the_pad() {
        for n in 0..=16usize {
            let a: Vec<u8> = (1..=n as u8).collect();
            let bytes = |b: &[u8]| -> Vec<u8> {
                let [lo, hi] = super::two_words(b, 0xee);
                [lo.to_le_bytes(), hi.to_le_bytes()].concat()
            };
            let held = bytes(&a);
            assert!(
                held.iter().all(|b| a.contains(b) || *b == 0xee),
                "{n}: {held:?}"
            );
            for at in 0..n {
                let mut b = a.clone();
                b[at] = 0x80;
                assert!(bytes(&b).contains(&0x80), "{n} {at}");
            }
        }
    }

    #[test]
    fn eq_sees_a_difference_at_every_offset_of_every_length() {
        for n in 0..40usize {
            let a: Vec<u8> = (0..n as u8).collect();
            assert!(super::eq(&a, &a.clone()), "{n}");
            if n > 0 {
                assert!(!super::eq(&a, &a[..n - 1]), "{n}");
            }
            for at in 0..n {
                let mut b = a.clone();
                b[at] ^= 0x40;
                assert!(!super::eq(&a, &b), "{n} {at}");
            }
        }
    }

    #[test]
    fn is_ascii_sees_a_high_byte_at_every_offset_of_every_short_length() {
        for n in 0..40 {
            let plain = vec![b'a'; n];
            assert!(super::is_ascii(&plain), "{n}");
            for at in 0..n {
                let mut b = plain.clone();
                b[at] = 0x80;
                assert!(!super::is_ascii(&b), "{n} {at}");
            }
        }
    }

    #[test]
    fn assign_keeps_a_big_enough_buffer_and_grows_a_small_one() {
        let mut s = String::with_capacity(32);
        let buf = s.as_ptr();
        for text in ["a much longer text", "", "é", "0123456789abcdef0"] {
            super::assign(&mut s, text);
            assert_eq!(s, text);
            assert_eq!(s.as_ptr(), buf);
        }
        super::assign(&mut s, &"x".repeat(100));
        assert_eq!(s, "x".repeat(100));
    }
}
