//! Fast, exact parsing of the decimal numbers venues send as strings, and integers.

/// Parses a decimal such as `"61800.20"` or `"-0.5"` to the nearest `f64`.
///
/// Fast path: at most 15 significant digits and no exponent, computed as
/// `mantissa / 10^frac` — both operands are exact in `f64` and IEEE division rounds
/// correctly, so the result equals `str::parse::<f64>`. Anything else falls back to it.
pub(crate) fn parse_decimal(s: &str) -> Option<f64> {
    parse_decimal_bytes(s.as_bytes())
}

/// [`parse_decimal`] of bytes (anything but ASCII digits, one `.` and a leading `-`
/// takes the slow path, which rejects what is not a number).
pub(crate) fn parse_decimal_bytes(bytes: &[u8]) -> Option<f64> {
    const POW10: [f64; 16] =
        [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
    let slow = || std::str::from_utf8(bytes).ok()?.parse().ok();
    let (neg, digits) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        _ => (false, bytes),
    };
    // Wrapping: a mantissa of more than 15 digits is thrown away below, unread.
    let mut mantissa: u64 = 0;
    let mut dot = None;
    for (i, &b) in digits.iter().enumerate() {
        let digit = b.wrapping_sub(b'0');
        if digit < 10 {
            mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(digit));
        } else if b == b'.' && dot.is_none() {
            dot = Some(i);
        } else {
            return slow();
        }
    }
    let frac = dot.map_or(0, |d| digits.len() - d - 1);
    let n_digits = digits.len() - usize::from(dot.is_some());
    if n_digits == 0 || n_digits > 15 {
        return slow();
    }
    let v = mantissa as f64 / POW10[frac];
    Some(if neg { -v } else { v })
}

/// Parses an unsigned decimal integer (ASCII digits only).
pub(crate) fn parse_u64(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || bytes.len() > 20 {
        return None;
    }
    let mut v: u64 = 0;
    for &b in bytes {
        let digit = b.wrapping_sub(b'0');
        if digit >= 10 {
            return None;
        }
        v = v.wrapping_mul(10).wrapping_add(u64::from(digit));
    }
    // Only 20 digits can overflow, and digit strings of one length compare as their
    // numbers do: one comparison instead of checked arithmetic on every digit.
    (bytes.len() < 20 || bytes <= b"18446744073709551615".as_slice()).then_some(v)
}

/// Parses a signed decimal integer.
pub(crate) fn parse_i64(s: &str) -> Option<i64> {
    match s.as_bytes() {
        [b'-', rest @ ..] => i64::try_from(parse_u64(rest)?).ok().map(|v| -v),
        bytes => i64::try_from(parse_u64(bytes)?).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_matches_std_parse() {
        for s in [
            "61800.20",
            "0.000",
            "2.507",
            "0.1",
            "-0.5",
            "1000",
            "86.655",
            "1e5",
            "123456789012345678",
            "0.30000000000000004",
            "5123.107852948",
            "123456789012345",
            "1234567890123456",
            "0.123456789012345",
            "12.",
            ".5",
            "-",
            "1.2.3",
            "--1",
            "1-",
            "+1",
            "inf",
        ] {
            assert_eq!(parse_decimal(s), s.parse::<f64>().ok(), "{s}");
        }
        assert_eq!(parse_decimal("abc"), None);
        assert_eq!(parse_decimal(""), None);
        assert_eq!(parse_decimal("."), None);
    }

    proptest::proptest! {
        #[test]
        fn any_decimal_string_matches_std_parse(s in "-?[0-9]{0,20}(\\.[0-9]{0,20})?") {
            proptest::prop_assert_eq!(parse_decimal(&s), s.parse::<f64>().ok(), "{}", s);
        }

        #[test]
        fn any_digit_string_matches_std_parse(s in "[0-9]{0,20}") {
            proptest::prop_assert_eq!(parse_u64(s.as_bytes()), s.parse::<u64>().ok(), "{}", s);
        }
    }

    #[test]
    fn integers() {
        assert_eq!(parse_u64(b"1723161255030314667"), Some(1_723_161_255_030_314_667));
        assert_eq!(parse_u64(b"99999999999999999999"), None);
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_u64(b"18446744073709551616"), None);
        assert_eq!(parse_u64(b"1844674407370955161x"), None);
        assert_eq!(parse_u64(b"9999999999999999999"), Some(9_999_999_999_999_999_999));
        assert_eq!(parse_u64(b""), None);
        assert_eq!(parse_i64("-42"), Some(-42));
        assert_eq!(parse_i64("4x"), None);
    }
}
