//! The one bucket layout every latency histogram shares ([`latency_bounds`]), and
//! [`Buckets`], a histogram in that layout converted from an HDR histogram of
//! nanoseconds.

use std::sync::LazyLock;

use hdrhistogram::Histogram;

/// Boundaries per doubling.
const STEPS_PER_OCTAVE: u32 = 16;
/// The lowest boundary is `2^FIRST_OCTAVE` ns (64 ns).
const FIRST_OCTAVE: u32 = 6;
/// The highest boundary is `2^LAST_OCTAVE` ns (about 17.2 s).
const LAST_OCTAVE: u32 = 34;

/// `2^(j/16)` for `j` in `0..16`, to the last bit of an `f64`.
const ROOTS: [f64; STEPS_PER_OCTAVE as usize] = [
    1.0,
    1.044_273_782_427_413_8,
    1.090_507_732_665_257_7,
    1.138_788_634_756_691_6,
    1.189_207_115_002_721,
    1.241_857_812_073_484,
    1.296_839_554_651_009_6,
    1.354_255_546_936_892_7,
    std::f64::consts::SQRT_2,
    1.476_826_145_939_499_3,
    1.542_210_825_407_940_7,
    1.610_490_331_949_254_3,
    1.681_792_830_507_429,
    1.756_252_160_373_299_5,
    1.834_008_086_409_342_4,
    1.915_206_561_397_147_4,
];

/// The finite boundaries, in seconds (as exposed) and nanoseconds (as recorded).
struct Layout {
    seconds: Vec<f64>,
    nanos: Vec<f64>,
}

static LAYOUT: LazyLock<Layout> = LazyLock::new(|| {
    let first = FIRST_OCTAVE * STEPS_PER_OCTAVE;
    let last = LAST_OCTAVE * STEPS_PER_OCTAVE;
    let (mut seconds, mut nanos) = (Vec::new(), Vec::new());
    for k in first..=last {
        // A power of two scales an f64 exactly.
        let exact =
            ROOTS[(k % STEPS_PER_OCTAVE) as usize] * (1u64 << (k / STEPS_PER_OCTAVE)) as f64;
        let (mantissa, exponent) = four_digits(exact);
        nanos.push(decimal(mantissa, exponent));
        seconds.push(decimal(mantissa, exponent - 9));
    }
    Layout { seconds, nanos }
});

/// `x` rounded to four significant digits, as `mantissa * 10^exponent` with a
/// four-digit integer mantissa.
fn four_digits(x: f64) -> (u64, i32) {
    let text = format!("{x:.3e}");
    let (digits, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let mantissa = digits.replace('.', "").parse().unwrap_or(0);
    (mantissa, exponent.parse::<i32>().unwrap_or(0) - 3)
}

/// `mantissa * 10^exponent`, correctly rounded.
fn decimal(mantissa: u64, exponent: i32) -> f64 {
    format!("{mantissa}e{exponent}").parse().unwrap_or(f64::NAN)
}

/// The shared latency bucket boundaries (`le`), in seconds, ascending; `+Inf` is
/// implied after the last.
///
/// # How they were chosen
///
/// Prometheus's `histogram_quantile` finds the bucket `(a, b]` that holds the wanted
/// rank and interpolates linearly inside it. The HDR figure for the same rank lies in
/// the same bucket (each HDR bin is counted whole in the bucket holding its reported
/// value, see [`Buckets::add_hdr`]), so the two differ by less than `b - a`, and
/// relative to the HDR figure by less than `b / a - 1`. That bound is reached: all
/// samples at one value near the bottom of a bucket (a spike) are reported near its
/// top. So every ratio `b / a` must stay below 1.05 for the 5% promise to hold for
/// every distribution, not only smooth ones.
///
/// The boundaries are `2^(k/16)` nanoseconds (the boundaries of native-histogram
/// schema 4) from 64 ns (`2^6`) to 17.2 s (`2^34`), rounded to four significant
/// digits so the `le` labels read well (`6.683e-08`, not `6.6830541001...e-08`). The
/// ratio is `2^(1/16)` = 1.0443, at most 1.0451 after rounding: a bound of 4.5%.
/// Schema 3 (`2^(1/8)`, 9%) would miss 5% on spikes; the tests show both. The cost is
/// 449 buckets, 28 octaves of 16. Below 64 ns, all values share the first bucket,
/// `(0, 64 ns]`; above 17.2 s, the `+Inf` bucket.
///
/// The rounding goes through decimal text, and the 16 roots of 2 are literals, so
/// every build on every platform produces the same bits, hence the same `le` strings:
/// histograms from different nodes sum with `sum by (le)`.
pub fn latency_bounds() -> &'static [f64] {
    &LAYOUT.seconds
}

/// A latency histogram in the shared layout: per-bucket counts, their total, and the
/// sum of the samples in seconds. Built from HDR histograms of nanoseconds at scrape
/// time; the owner of the HDR histogram never sees this type.
#[derive(Debug, Clone, PartialEq)]
pub struct Buckets {
    /// One count per finite bucket, then the count above the last boundary.
    counts: Vec<u64>,
    count: u64,
    sum_seconds: f64,
}

impl Default for Buckets {
    fn default() -> Self {
        Self::new()
    }
}

impl Buckets {
    /// An empty histogram.
    pub fn new() -> Self {
        Buckets { counts: vec![0; LAYOUT.nanos.len() + 1], count: 0, sum_seconds: 0.0 }
    }

    /// The samples of `hdr`, an HDR histogram of nanoseconds.
    pub fn from_hdr(hdr: &Histogram<u64>) -> Self {
        let mut buckets = Self::new();
        buckets.add_hdr(hdr);
        buckets
    }

    /// Adds the samples of `hdr`, an HDR histogram of nanoseconds.
    ///
    /// Each HDR bin goes whole into the bucket holding the value HDR reports for it
    /// (its highest equivalent value, what `value_at_quantile` returns), so the
    /// bucket of every HDR quantile is the bucket Prometheus interpolates in. The sum
    /// uses each bin's middle value: HDR keeps no exact sum, so `_sum` is as precise
    /// as the HDR histogram (two significant digits for the runtime's histograms).
    pub fn add_hdr(&mut self, hdr: &Histogram<u64>) {
        let mut sum_ns = 0.0;
        for bin in hdr.iter_recorded() {
            let n = bin.count_at_value();
            let value = bin.value_iterated_to();
            self.counts[bucket_of(value)] += n;
            self.count += n;
            sum_ns += hdr.median_equivalent(value) as f64 * n as f64;
        }
        self.sum_seconds += sum_ns / 1e9;
    }

    /// Adds every sample of `other`.
    pub fn merge(&mut self, other: &Buckets) {
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
        self.count += other.count;
        self.sum_seconds += other.sum_seconds;
    }

    /// How many samples.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The sum of the samples, in seconds.
    pub fn sum_seconds(&self) -> f64 {
        self.sum_seconds
    }

    /// `(le, samples at or below le)` for every finite boundary, then
    /// `(f64::INFINITY, count)`: the `_bucket` series as exposed.
    pub fn cumulative(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        self.per_bucket().scan(0, |total, (le, n)| {
            *total += n;
            Some((le, *total))
        })
    }

    /// `(le, samples in this bucket alone)`, the last one `+Inf`.
    pub(crate) fn per_bucket(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        LAYOUT
            .seconds
            .iter()
            .copied()
            .chain(std::iter::once(f64::INFINITY))
            .zip(self.counts.iter().copied())
    }
}

/// The index of the bucket holding `ns`: the first boundary at or above it.
fn bucket_of(ns: u64) -> usize {
    // u64 -> f64 rounds only above 2^53 ns (104 days), far into the +Inf bucket.
    let ns = ns as f64;
    LAYOUT.nanos.partition_point(|&bound| bound < ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_spans_64_ns_to_17_s_in_449_ascending_steps() {
        let le = latency_bounds();
        assert_eq!(le.len(), 449);
        assert_eq!(le[0], 6.4e-8);
        assert_eq!(le[16], 1.28e-7);
        assert_eq!(*le.last().unwrap_or(&0.0), 17.18);
        assert!(le.windows(2).all(|w| w[0] < w[1]));
        let worst = le.windows(2).map(|w| w[1] / w[0]).fold(0.0, f64::max);
        assert!(worst < 1.0452, "widest bucket ratio {worst}");
    }

    #[test]
    fn a_value_on_a_boundary_counts_in_the_bucket_it_closes() {
        assert_eq!(bucket_of(64), 0);
        assert_eq!(bucket_of(65), 1);
        assert_eq!(bucket_of(1), 0);
        assert_eq!(bucket_of(128), 16);
        assert_eq!(bucket_of(u64::MAX), 449);
    }
}
