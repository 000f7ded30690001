//! The `.hgrm` percentile distribution: the text that Java HdrHistogram's
//! `outputPercentileDistribution(out, ticks, scale)` prints, and that its plotter
//! (HistogramLogAnalyzer, `plotFiles.html`) reads. The Rust crate has no such writer.
//!
//! This follows Java's `PercentileIterator` step for step: one row at the lowest recorded
//! value (percentile 0), then rows at percentile levels that advance by fixed ticks,
//! `ticks_per_half_distance` of them in each half of the distance left to 100%, each
//! row at the first recorded value whose cumulative count reaches the level, and a last
//! row at 100% without the `1/(1-Percentile)` column. Numbers are formatted as Java's
//! `Formatter` does (`%12.3f` etc.: half-up rounding of the shortest decimal form).

use std::fmt::Write as _;

use hdrhistogram::Histogram;

/// Percentile ticks per half distance to 100%, as Java's tools use.
pub const TICKS_PER_HALF_DISTANCE: u32 = 5;

/// Nanoseconds to microseconds: the value unit ratio of the `.hgrm` files.
pub const NS_PER_US: f64 = 1000.0;

/// One step of the percentile iteration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PercentileStep {
    /// The highest value equivalent to the recorded value reached (raw units).
    pub value: u64,
    /// The percentile level iterated to, 0 to 100.
    pub percentile: f64,
    /// Samples at or below `value`.
    pub total_count: u64,
}

/// The steps of Java's `PercentileIterator` over `h`; empty for an empty histogram.
pub fn percentile_steps(h: &Histogram<u64>, ticks_per_half_distance: u32) -> Vec<PercentileStep> {
    let total = h.len();
    let mut steps = Vec::new();
    if total == 0 {
        return steps;
    }
    let mut level = 0.0_f64;
    let mut running = 0_u64;
    let mut last_value = 0;
    'buckets: for v in h.iter_recorded() {
        running += v.count_at_value();
        last_value = v.value_iterated_to();
        while 100.0 * running as f64 / total as f64 >= level {
            steps.push(PercentileStep {
                value: last_value,
                percentile: level,
                total_count: running,
            });
            level = next_level(level, ticks_per_half_distance);
            // Java's `hasNext()`: once every sample is counted, only the step to 100% is left.
            if running >= total {
                break 'buckets;
            }
        }
    }
    steps.push(PercentileStep { value: last_value, percentile: 100.0, total_count: total });
    steps
}

/// Java's `PercentileIterator.incrementIterationLevel`.
fn next_level(level: f64, ticks_per_half_distance: u32) -> f64 {
    let halvings = ((100.0 / (100.0 - level)).ln() / 2f64.ln()) as u32 + 1;
    let ticks = u64::from(ticks_per_half_distance).saturating_mul(1u64 << halvings.min(62));
    level + 100.0 / ticks as f64
}

/// The distribution of `h` as Java's `outputPercentileDistribution(out,
/// ticks_per_half_distance, value_unit_ratio)` prints it, footer included.
pub fn percentile_distribution(
    h: &Histogram<u64>,
    ticks_per_half_distance: u32,
    value_unit_ratio: f64,
) -> String {
    let digits = usize::from(h.sigfig());
    let mut out = String::new();
    let _ = write!(
        out,
        "{:>12} {:>14} {:>10} {:>14}\n\n",
        "Value", "Percentile", "TotalCount", "1/(1-Percentile)"
    );
    for step in percentile_steps(h, ticks_per_half_distance) {
        let value = java_fixed(step.value as f64 / value_unit_ratio, digits);
        let quantile = step.percentile / 100.0;
        let _ = write!(out, "{value:>12} {} {:>10}", java_fixed(quantile, 12), step.total_count);
        if step.percentile != 100.0 {
            let _ = write!(out, " {:>14}", java_fixed(1.0 / (1.0 - quantile), 2));
        }
        out.push('\n');
    }
    let (mean, stddev) = mean_and_stddev(h);
    let _ = writeln!(
        out,
        "#[Mean    = {:>12}, StdDeviation   = {:>12}]",
        java_fixed(mean / value_unit_ratio, digits),
        java_fixed(stddev / value_unit_ratio, digits)
    );
    let max = if h.is_empty() { 0 } else { h.max() };
    let _ = writeln!(
        out,
        "#[Max     = {:>12}, Total count    = {:>12}]",
        java_fixed(max as f64 / value_unit_ratio, digits),
        h.len()
    );
    let _ =
        writeln!(out, "#[Buckets = {:>12}, SubBuckets     = {:>12}]", h.buckets(), sub_buckets(h));
    out
}

/// Java's `getMean()` and `getStdDeviation()`: sums first, one division (the Rust
/// crate divides each term, which can differ in the last digit).
pub fn mean_and_stddev(h: &Histogram<u64>) -> (f64, f64) {
    if h.is_empty() {
        return (0.0, 0.0);
    }
    let total = h.len() as f64;
    let median = |v: u64| h.median_equivalent(v) as f64;
    let sum: f64 =
        h.iter_recorded().map(|v| median(v.value_iterated_to()) * v.count_at_value() as f64).sum();
    let mean = sum / total;
    let dev: f64 = h
        .iter_recorded()
        .map(|v| {
            let d = median(v.value_iterated_to()) - mean;
            d * d * v.count_since_last_iteration() as f64
        })
        .sum();
    (mean, (dev / total).sqrt())
}

/// Java's `subBucketCount`: the power of two covering `2 * 10^sigfig`.
fn sub_buckets(h: &Histogram<u64>) -> u64 {
    (2 * 10u64.pow(u32::from(h.sigfig()))).next_power_of_two()
}

/// `x` with `decimals` digits after the point as Java's `%.{decimals}f` writes it:
/// the shortest decimal that reads back as `x`, rounded half up; `Infinity`, `NaN`.
pub fn java_fixed(x: f64, decimals: usize) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    // Shortest digits d0.d1d2... and exponent: x = d0.d1d2... * 10^exp.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
    // Digits of x * 10^decimals left of the point: `keep` of them come from `digits`.
    let keep = exp + decimals as i64 + 1;
    let mut kept: Vec<u8> = Vec::new();
    let mut round_up = false;
    if keep >= 0 {
        let keep = keep as usize;
        kept.extend(digits.iter().take(keep));
        kept.resize(keep, 0);
        round_up = digits.get(keep).is_some_and(|&d| d >= 5);
    }
    if round_up {
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, 1);
                break;
            }
            i -= 1;
            if kept[i] == 9 {
                kept[i] = 0;
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    while kept.len() < decimals + 1 {
        kept.insert(0, 0);
    }
    let point = kept.len() - decimals;
    let mut out = String::with_capacity(kept.len() + 2);
    if x.is_sign_negative() {
        out.push('-');
    }
    for (i, d) in kept.iter().enumerate() {
        if i == point {
            out.push('.');
        }
        out.push(char::from(b'0' + d));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_fixed_rounds_half_up_on_the_shortest_digits() {
        assert_eq!(java_fixed(0.0, 3), "0.000");
        assert_eq!(java_fixed(1.0, 12), "1.000000000000");
        assert_eq!(java_fixed(2.5, 0), "3");
        assert_eq!(java_fixed(0.125, 2), "0.13"); // Rust's {:.2} gives 0.12
        assert_eq!(java_fixed(1.005, 2), "1.01"); // binary 1.00499..., shortest 1.005
        assert_eq!(java_fixed(9.9996, 3), "10.000");
        assert_eq!(java_fixed(0.0004, 3), "0.000");
        assert_eq!(java_fixed(0.0005, 3), "0.001");
        assert_eq!(java_fixed(123456.789, 3), "123456.789");
        assert_eq!(java_fixed(1e-7, 2), "0.00");
        assert_eq!(java_fixed(-1.5, 1), "-1.5");
        assert_eq!(java_fixed(f64::INFINITY, 2), "Infinity");
        assert_eq!(java_fixed(1e20, 1), "100000000000000000000.0");
    }

    #[test]
    fn levels_halve_their_ticks_at_each_half_distance() {
        let mut l = 0.0;
        let mut seen = Vec::new();
        for _ in 0..12 {
            seen.push(l);
            l = next_level(l, 5);
        }
        assert_eq!(seen, [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 55.0, 60.0, 65.0, 70.0, 75.0, 77.5]);
    }
}
