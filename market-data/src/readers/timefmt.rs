//! Timestamp text to nanoseconds since the Unix epoch (UTC), without a date library.

use super::num::parse_i64;

/// Parses an ISO-8601-like timestamp or an integer epoch.
///
/// Accepted: `YYYY-MM-DD[T ]HH:MM:SS[.fffffffff][Z|±HH:MM|±HHMM]` (also `YYYYMMDD` dates,
/// as TrueFX's raw files use); no zone means UTC. A bare integer is an epoch in seconds,
/// milliseconds, microseconds or nanoseconds, told apart by its magnitude.
pub(crate) fn parse_timestamp_ns(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if let Some(v) = parse_i64(s) {
        return Ok(epoch_to_ns(v));
    }
    parse_iso(s).ok_or_else(|| format!("invalid timestamp {s:?}"))
}

fn epoch_to_ns(v: i64) -> i64 {
    let a = v.unsigned_abs();
    if a >= 100_000_000_000_000_000 {
        v
    } else if a >= 100_000_000_000_000 {
        v.saturating_mul(1_000)
    } else if a >= 100_000_000_000 {
        v.saturating_mul(1_000_000)
    } else {
        v.saturating_mul(1_000_000_000)
    }
}

fn digits(b: &[u8], n: usize) -> Option<(i64, &[u8])> {
    if b.len() < n {
        return None;
    }
    let mut v = 0i64;
    for &c in &b[..n] {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some((v, &b[n..]))
}

fn expect(b: &[u8], c: u8) -> Option<&[u8]> {
    b.strip_prefix(&[c])
}

fn parse_iso(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let (year, b) = digits(b, 4)?;
    let (month, day, b) = if let Some(r) = expect(b, b'-') {
        let (m, r) = digits(r, 2)?;
        let (d, r) = digits(expect(r, b'-')?, 2)?;
        (m, d, r)
    } else {
        let (m, r) = digits(b, 2)?;
        let (d, r) = digits(r, 2)?;
        (m, d, r)
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let b = match b.first() {
        Some(b'T' | b't' | b' ') => &b[1..],
        _ => return None,
    };
    let (hh, b) = digits(b, 2)?;
    let (mm, b) = digits(expect(b, b':')?, 2)?;
    let (ss, mut b) = digits(expect(b, b':')?, 2)?;
    if hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let mut frac_ns = 0i64;
    if let Some(r) = expect(b, b'.') {
        let n = r.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        for (i, &c) in r[..n].iter().enumerate() {
            if i < 9 {
                frac_ns += i64::from(c - b'0') * 10i64.pow(8 - i as u32);
            }
        }
        b = &r[n..];
    }
    let offset_s = match b {
        [] | [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (oh, r) = digits(rest, 2)?;
            let r = r.strip_prefix(b":").unwrap_or(r);
            let (om, r) = digits(r, 2)?;
            if !r.is_empty() {
                return None;
            }
            let off = oh * 3600 + om * 60;
            if *sign == b'+' {
                off
            } else {
                -off
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss - offset_s;
    secs.checked_mul(1_000_000_000)?.checked_add(frac_ns)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
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
    fn iso_variants() {
        // 2013-01-01T22:00:00.295Z = 1357077600.295 s
        let want = 1_357_077_600_295_000_000;
        assert_eq!(parse_timestamp_ns("2013-01-01 22:00:00.295000+00:00"), Ok(want));
        assert_eq!(parse_timestamp_ns("2013-01-01T22:00:00.295Z"), Ok(want));
        assert_eq!(parse_timestamp_ns("20130101 22:00:00.295"), Ok(want));
        assert_eq!(parse_timestamp_ns("2013-01-02T00:00:00.295+02:00"), Ok(want));
        assert_eq!(parse_timestamp_ns("1357077600295"), Ok(want));
        assert_eq!(parse_timestamp_ns("1970-01-01T00:00:00Z"), Ok(0));
        assert!(parse_timestamp_ns("2013-13-01T00:00:00Z").is_err());
        assert!(parse_timestamp_ns("yesterday").is_err());
    }
}
