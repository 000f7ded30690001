//! Fixed-point decimal units: [`Price`] and [`Qty`] (`i64`, 9 fractional digits) and
//! [`Money`] (`i128`, 18 fractional digits).
//!
//! A price times a quantity is exact in [`Money`] (`1e-9 x 1e-9 = 1e-18`), so cash flows,
//! costs and realized PnL are sums of integers: a position closed to flat leaves nothing
//! behind. The one place a value is rounded is a division (a share of a cost, a fee rate,
//! an inverse contract's value), and that always rounds **half to even** to the nearest
//! unit of the result ([`div_half_even`]).
//!
//! Text is exact both ways: [`FromStr`] takes a plain decimal (`-12.345`, `0.1`, `7`) and
//! refuses more fractional digits than the unit holds unless the extra ones are zeros;
//! [`Display`](fmt::Display) prints the shortest exact decimal. Serde uses that text.
//! `f64` is converted only at the edges ([`Price::from_f64`], [`Price::to_f64`]): a
//! decimal string of at most 9 fractional digits that was parsed to the nearest `f64`
//! converts back to exactly its decimal while `|value| < 2^53 / 1e9` (about 9e6).

use std::fmt;
use std::str::FromStr;

/// Why a decimal text is not a fixed-point value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    /// Not a plain decimal number.
    #[error("{0:?} is not a decimal number")]
    NotDecimal(String),
    /// More fractional digits than the unit holds, and the extra ones are not zeros.
    #[error("{text:?} has more than {digits} fractional digits")]
    TooPrecise {
        /// The text.
        text: String,
        /// The unit's fractional digits.
        digits: u32,
    },
    /// Outside the unit's range.
    #[error("{0:?} is out of range")]
    OutOfRange(String),
}

/// `n / d` rounded to the nearest integer, ties to even. `d` must not be 0.
pub fn div_half_even(n: i128, d: i128) -> i128 {
    let (q, r) = (n / d, n % d);
    if r == 0 {
        return q;
    }
    // |2r| against |d|: below = truncate, above = away from zero, equal = to even.
    let twice = r.unsigned_abs().saturating_mul(2);
    let away = match twice.cmp(&d.unsigned_abs()) {
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Equal => q % 2 != 0,
    };
    if !away {
        q
    } else if (n < 0) != (d < 0) {
        q - 1
    } else {
        q + 1
    }
}

/// Parses a plain decimal into raw units of `10^-digits`.
fn parse_decimal(text: &str, digits: u32) -> Result<i128, UnitError> {
    let not_decimal = || UnitError::NotDecimal(text.to_owned());
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() && frac.is_empty() {
        return Err(not_decimal());
    }
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(not_decimal());
    }
    let kept = frac.len().min(digits as usize);
    if frac[kept..].bytes().any(|b| b != b'0') {
        return Err(UnitError::TooPrecise { text: text.to_owned(), digits });
    }
    let out_of_range = || UnitError::OutOfRange(text.to_owned());
    let mut raw: i128 = 0;
    for b in int.bytes().chain(frac[..kept].bytes()) {
        raw = raw
            .checked_mul(10)
            .and_then(|r| r.checked_add(i128::from(b - b'0')))
            .ok_or_else(out_of_range)?;
    }
    raw = raw.checked_mul(10i128.pow(digits - kept as u32)).ok_or_else(out_of_range)?;
    Ok(if negative { -raw } else { raw })
}

/// Writes `raw x 10^-digits` as the shortest exact decimal.
fn write_decimal(f: &mut fmt::Formatter<'_>, raw: i128, digits: u32) -> fmt::Result {
    let scale = 10u128.pow(digits);
    let abs = raw.unsigned_abs();
    let (int, mut frac) = (abs / scale, abs % scale);
    let sign = if raw < 0 { "-" } else { "" };
    if frac == 0 {
        return f.pad(&format!("{sign}{int}"));
    }
    let mut width = digits as usize;
    while frac % 10 == 0 {
        frac /= 10;
        width -= 1;
    }
    f.pad(&format!("{sign}{int}.{frac:0width$}"))
}

macro_rules! fixed_point {
    ($name:ident, $raw:ty, $digits:expr, $what:literal) => {
        #[doc = concat!("A ", $what, ": a signed decimal with ", stringify!($digits),
                            " fractional digits, held as `", stringify!($raw), "` units of `1e-",
                            stringify!($digits), "` (see the [module docs](self)).")]
        #[derive(
            Clone,
            Copy,
            Default,
            PartialEq,
            Eq,
            PartialOrd,
            Ord,
            Hash,
            rkyv::Archive,
            rkyv::Serialize,
            rkyv::Deserialize,
        )]
        #[rkyv(derive(Debug, PartialEq, Eq, PartialOrd, Ord))]
        pub struct $name(pub $raw);

        impl $name {
            /// Fractional digits.
            pub const DIGITS: u32 = $digits;
            /// Raw units in one whole unit (`10^DIGITS`).
            pub const SCALE: $raw = (10 as $raw).pow($digits);
            /// Zero.
            pub const ZERO: Self = Self(0);

            /// The raw integer.
            pub const fn raw(self) -> $raw {
                self.0
            }

            /// Whole units: `n x 1`.
            pub const fn from_int(n: $raw) -> Self {
                Self(n * Self::SCALE)
            }

            /// The nearest value to `v` (half away from zero), or `None` for a value that
            /// is not finite or out of range. An edge conversion: see the
            /// [module docs](self) for when it is exact.
            pub fn from_f64(v: f64) -> Option<Self> {
                let raw = (v * Self::SCALE as f64).round();
                (raw.is_finite() && raw.abs() < <$raw>::MAX as f64).then(|| Self(raw as $raw))
            }

            /// The nearest `f64` (for reports, charts and strategy convenience).
            pub fn to_f64(self) -> f64 {
                let scale = Self::SCALE;
                (self.0 / scale) as f64 + (self.0 % scale) as f64 / scale as f64
            }

            /// `|self|`.
            pub fn abs(self) -> Self {
                Self(self.0.abs())
            }

            /// Whether it is zero.
            pub const fn is_zero(self) -> bool {
                self.0 == 0
            }

            /// `-1`, `0` or `1`.
            pub fn signum(self) -> $raw {
                self.0.signum()
            }
        }

        impl FromStr for $name {
            type Err = UnitError;
            fn from_str(s: &str) -> Result<Self, UnitError> {
                let raw = parse_decimal(s, $digits)?;
                <$raw>::try_from(raw).map(Self).map_err(|_| UnitError::OutOfRange(s.to_owned()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_decimal(f, i128::from(self.0), $digits)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }

        impl std::ops::Add for $name {
            type Output = Self;
            fn add(self, rhs: Self) -> Self {
                Self(self.0 + rhs.0)
            }
        }

        impl std::ops::Sub for $name {
            type Output = Self;
            fn sub(self, rhs: Self) -> Self {
                Self(self.0 - rhs.0)
            }
        }

        impl std::ops::Neg for $name {
            type Output = Self;
            fn neg(self) -> Self {
                Self(-self.0)
            }
        }

        impl std::ops::AddAssign for $name {
            fn add_assign(&mut self, rhs: Self) {
                self.0 += rhs.0;
            }
        }

        impl std::ops::SubAssign for $name {
            fn sub_assign(&mut self, rhs: Self) {
                self.0 -= rhs.0;
            }
        }

        impl std::iter::Sum for $name {
            fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
                iter.fold(Self::ZERO, |a, b| a + b)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

fixed_point!(Price, i64, 9, "price");
fixed_point!(Qty, i64, 9, "quantity");
fixed_point!(Money, i128, 18, "money amount");

impl Qty {
    /// `self x price`, exact.
    pub fn notional(self, price: Price) -> Money {
        Money(i128::from(self.0) * i128::from(price.0))
    }

    /// `self x mult / price` (an inverse contract's value in its base currency), rounded
    /// half to even to `1e-18`; `None` for a price not above zero or an overflow.
    pub fn inverse_value(self, mult: Qty, price: Price) -> Option<Money> {
        // (q/1e9)(m/1e9)/(p/1e9) in units of 1e-18 = q·m·1e9 / p.
        let n = i128::from(self.0).checked_mul(i128::from(mult.0))?.checked_mul(1_000_000_000)?;
        (price.0 > 0).then(|| Money(div_half_even(n, i128::from(price.0))))
    }
}

impl Money {
    /// `self x num / den`, rounded half to even; `None` when `den` is 0 or it overflows.
    pub fn mul_div(self, num: i128, den: i128) -> Option<Self> {
        (den != 0).then_some(())?;
        Some(Self(div_half_even(self.0.checked_mul(num)?, den)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn px(s: &str) -> Price {
        s.parse().expect("decimal")
    }

    #[test]
    fn decimal_text_round_trips_exactly() {
        for s in ["0", "1", "-1", "0.1", "61706.6", "0.000000001", "-12.345", "100000000"] {
            assert_eq!(px(s).to_string(), s);
        }
        assert_eq!(px("1.50").to_string(), "1.5");
        assert_eq!(px("+.5"), Price(500_000_000));
        assert_eq!(px("0.1234567890000"), Price(123_456_789));
        assert_eq!(Money(1).to_string(), "0.000000000000000001");
    }

    #[test]
    fn text_that_is_not_an_exact_decimal_is_refused_by_name() {
        let err = "0.0000000001".parse::<Price>().expect_err("10 digits");
        assert!(err.to_string().contains("0.0000000001"), "{err}");
        for bad in ["", "-", ".", "1e5", "abc", "1.2.3", " 1", "NaN"] {
            assert!(bad.parse::<Qty>().is_err(), "{bad:?}");
        }
        assert!("10000000000".parse::<Price>().is_err(), "1e10 x 1e9 overflows i64");
    }

    #[test]
    fn half_even_division_rounds_ties_to_even() {
        let cases =
            [(5, 2, 2), (7, 2, 4), (-5, 2, -2), (-7, 2, -4), (1, 3, 0), (2, 3, 1), (-2, 3, -1)];
        for (n, d, q) in cases {
            assert_eq!(div_half_even(n, d), q, "{n}/{d}");
            assert_eq!(div_half_even(-n, -d), q, "-{n}/-{d}");
        }
    }

    #[test]
    fn inverse_value_is_qty_times_multiplier_over_price() {
        // 3 contracts of 10 USD at 2000 USD/ETH = 0.015 ETH.
        let v = Qty::from_int(3).inverse_value(Qty::from_int(10), px("2000")).expect("value");
        assert_eq!(v.to_string(), "0.015");
        // 1 x 10 / 3 = 3.333... rounds to 18 digits.
        let v = Qty::from_int(1).inverse_value(Qty::from_int(10), px("3")).expect("value");
        assert_eq!(v.to_string(), "3.333333333333333333");
        assert_eq!(Qty::from_int(1).inverse_value(Qty::from_int(10), Price::ZERO), None);
    }

    proptest! {
        #[test]
        fn a_decimal_parsed_to_f64_converts_back_exactly(raw in -9_000_000_000_000_000i64 / 1000..9_000_000_000_000_000 / 1000) {
            let text = Price(raw).to_string();
            let f: f64 = text.parse().expect("f64");
            prop_assert_eq!(Price::from_f64(f), Some(Price(raw)));
            prop_assert_eq!(text.parse::<Price>(), Ok(Price(raw)));
        }

        #[test]
        fn price_times_qty_is_exact(p in 0i64..1_000_000_000_000_000, q in 0i64..1_000_000_000_000_000) {
            let m = Qty(q).notional(Price(p));
            prop_assert_eq!(m.0, i128::from(p) * i128::from(q));
        }
    }
}
