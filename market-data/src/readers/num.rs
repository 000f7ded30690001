//! Fast, exact parsing of the decimal numbers venues send as strings, and integers.

/// Parses a decimal such as `"61800.20"` or `"-0.5"` to the nearest `f64`.
///
/// Fast path: at most 15 significant digits and no exponent, computed as
/// `mantissa / 10^frac` — both operands are exact in `f64` and IEEE division rounds
/// correctly, so the result equals `str::parse::<f64>`. Anything else falls back to it.
pub(crate) fn parse_decimal(s: &str) -> Option<f64> {
    const POW10: [f64; 16] =
        [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
    let bytes = s.as_bytes();
    let (neg, digits) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        _ => (false, bytes),
    };
    let mut mantissa: u64 = 0;
    let mut n_digits = 0usize;
    let mut frac: Option<usize> = None;
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                n_digits += 1;
                if let Some(f) = frac.as_mut() {
                    *f += 1;
                }
                if n_digits > 15 {
                    return s.parse().ok();
                }
            }
            b'.' if frac.is_none() => frac = Some(0),
            _ => return s.parse().ok(),
        }
    }
    if n_digits == 0 {
        return s.parse().ok();
    }
    let v = mantissa as f64 / POW10[frac.unwrap_or(0)];
    Some(if neg { -v } else { v })
}

/// Parses an unsigned decimal integer (ASCII digits only).
pub(crate) fn parse_u64(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || bytes.len() > 20 {
        return None;
    }
    let mut v: u64 = 0;
    for &b in bytes {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(v)
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
        ] {
            assert_eq!(parse_decimal(s), s.parse::<f64>().ok(), "{s}");
        }
        assert_eq!(parse_decimal("abc"), None);
        assert_eq!(parse_decimal(""), None);
        assert_eq!(parse_decimal("."), None);
    }

    #[test]
    fn integers() {
        assert_eq!(parse_u64(b"1723161255030314667"), Some(1_723_161_255_030_314_667));
        assert_eq!(parse_u64(b"99999999999999999999"), None);
        assert_eq!(parse_i64("-42"), Some(-42));
        assert_eq!(parse_i64("4x"), None);
    }
}
