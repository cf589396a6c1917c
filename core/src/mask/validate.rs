//! Checksums that turn "looks like a card / an IBAN / a Basic credential"
//! into "is one": they keep order numbers, IDs and words out of the mask.

/// Luhn (ISO/IEC 7812) over ASCII digits; other bytes are skipped so a
/// formatted number can be passed as is.
pub fn luhn(digits: impl DoubleEndedIterator<Item = u8>) -> bool {
    let mut sum = 0u32;
    let mut n = 0usize;
    for d in digits.rev().filter(u8::is_ascii_digit) {
        let mut v = u32::from(d - b'0');
        if n % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
        n += 1;
    }
    n > 0 && sum.is_multiple_of(10)
}

/// Length of an IBAN for the country (ISO 13616 registry); `None` for a
/// country that has no IBAN.
pub fn iban_length(country: &[u8]) -> Option<usize> {
    #[rustfmt::skip]
    const TABLE: &[(&[u8; 2], u8)] = &[
        (b"AD", 24), (b"AE", 23), (b"AL", 28), (b"AT", 20), (b"AZ", 28), (b"BA", 20),
        (b"BE", 16), (b"BG", 22), (b"BH", 22), (b"BI", 27), (b"BR", 29), (b"BY", 28),
        (b"CH", 21), (b"CR", 22), (b"CY", 28), (b"CZ", 24), (b"DE", 22), (b"DJ", 27),
        (b"DK", 18), (b"DO", 28), (b"EE", 20), (b"EG", 29), (b"ES", 24), (b"FI", 18),
        (b"FK", 18), (b"FO", 18), (b"FR", 27), (b"GB", 22), (b"GE", 22), (b"GI", 23),
        (b"GL", 18), (b"GR", 27), (b"GT", 28), (b"HR", 21), (b"HU", 28), (b"IE", 22),
        (b"IL", 23), (b"IQ", 23), (b"IS", 26), (b"IT", 27), (b"JO", 30), (b"KW", 30),
        (b"KZ", 20), (b"LB", 28), (b"LC", 32), (b"LI", 21), (b"LT", 20), (b"LU", 20),
        (b"LV", 21), (b"LY", 25), (b"MC", 27), (b"MD", 24), (b"ME", 22), (b"MK", 19),
        (b"MN", 20), (b"MR", 27), (b"MT", 31), (b"MU", 30), (b"NI", 28), (b"NL", 18),
        (b"NO", 15), (b"OM", 23), (b"PK", 24), (b"PL", 28), (b"PS", 29), (b"PT", 25),
        (b"QA", 29), (b"RO", 24), (b"RS", 22), (b"RU", 33), (b"SA", 24), (b"SC", 31),
        (b"SD", 18), (b"SE", 24), (b"SI", 19), (b"SK", 24), (b"SM", 27), (b"SO", 23),
        (b"ST", 25), (b"SV", 28), (b"TL", 23), (b"TN", 24), (b"TR", 26), (b"UA", 29),
        (b"VA", 22), (b"VG", 24), (b"XK", 20), (b"YE", 30),
    ];
    TABLE
        .iter()
        .find(|(c, _)| c.as_slice() == country)
        .map(|&(_, n)| n as usize)
}

/// ISO 7064 mod 97-10 over an IBAN's characters (spaces already removed):
/// the first four move to the end, letters count as 10..35, and the
/// remainder must be 1.
pub fn iban_mod97(iban: &[u8]) -> bool {
    if iban.len() < 5 {
        return false;
    }
    let mut rem = 0u32;
    for &c in iban[4..].iter().chain(&iban[..4]) {
        rem = match c {
            b'0'..=b'9' => (rem * 10 + u32::from(c - b'0')) % 97,
            b'A'..=b'Z' => (rem * 100 + u32::from(c - b'A') + 10) % 97,
            _ => return false,
        };
    }
    rem == 1
}

/// True when `token` is standard base64 whose decoded bytes contain a
/// colon: the `user:password` of an HTTP Basic credential. Plain words
/// after "basic" ("basic information") fail it.
pub fn is_basic_credential(token: &[u8]) -> bool {
    if token.len() < 4 || !token.len().is_multiple_of(4) {
        return false;
    }
    let sextet = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let body = token
        .strip_suffix(b"==")
        .or_else(|| token.strip_suffix(b"="));
    let body = body.unwrap_or(token);
    let mut acc = 0u32;
    let mut bits = 0;
    let mut colon = false;
    for &c in body {
        let Some(v) = sextet(c) else { return false };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            let byte = (acc >> bits) as u8;
            acc &= (1 << bits) - 1;
            colon |= byte == b':';
        }
    }
    colon
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_test_cards_and_rejects_off_by_one() {
        for card in [
            "4111111111111111",
            "4111-1111-1111-1111",
            "5500 0000 0000 0004",
            "378282246310005",
            "6011111111111117",
            "4222222222222",
        ] {
            assert!(luhn(card.bytes()), "{card}");
        }
        for n in [
            "4111111111111112",
            "1234567812345678",
            "0000000000000001",
            "",
        ] {
            assert!(!luhn(n.bytes()), "{n}");
        }
    }

    #[test]
    fn iban_checksum_and_lengths() {
        assert!(iban_mod97(b"GB82WEST12345698765432"));
        assert!(iban_mod97(b"DE89370400440532013000"));
        assert!(iban_mod97(b"FR1420041010050500013M02606"));
        assert!(!iban_mod97(b"GB82WEST12345698765433"));
        assert!(!iban_mod97(b"GB82west12345698765432"));
        assert_eq!(iban_length(b"GB"), Some(22));
        assert_eq!(iban_length(b"NO"), Some(15));
        assert_eq!(iban_length(b"US"), None);
    }

    #[test]
    fn basic_credentials_decode_to_user_colon_password() {
        assert!(is_basic_credential(b"dXNlcjpwYXNz")); // user:pass
        assert!(is_basic_credential(b"YWxhZGRpbjpvcGVuc2VzYW1l")); // aladdin:opensesame
        assert!(is_basic_credential(b"YTpi")); // a:b
        assert!(!is_basic_credential(b"information"));
        assert!(!is_basic_credential(b"aGVsbG8=")); // hello
        assert!(!is_basic_credential(b"ab$d"));
    }
}
