//! What Prometheus computes from the exported buckets is close to the truth: for many
//! distributions between 100 ns and 10 s (uniform, lognormal, exponential, heavy
//! tails, bimodal, and single spikes swept across every bucket), `histogram_quantile`
//! over the shared layout, computed as Prometheus does, is within 5% of the HDR
//! figure of the same samples at p50, p90, p99 and p99.9. A layout of schema 3
//! (`2^(1/8)`) fails the same check on spikes, so the check can fail. Histograms of
//! several nodes add up bucket by bucket.

mod common;

use common::{bucket_quantile, runtime_histogram};
use hdrhistogram::Histogram;
use mycelium_metrics::{latency_bounds, Buckets};
use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;

const QUANTILES: [f64; 4] = [0.5, 0.9, 0.99, 0.999];
/// The range the promise covers, in ns.
const RANGE_NS: (u64, u64) = (100, 10_000_000_000);

/// The buckets as Prometheus reads them: `(le, cumulative count)`.
fn exported(buckets: &Buckets) -> Vec<(f64, f64)> {
    buckets.cumulative().map(|(le, n)| (le, n as f64)).collect()
}

/// The worst relative error over `QUANTILES` whose HDR figure is in range.
fn worst_error(hdr: &Histogram<u64>, buckets: &[(f64, f64)]) -> (f64, String) {
    let mut worst = (0.0, String::new());
    for q in QUANTILES {
        let truth_ns = hdr.value_at_quantile(q);
        if truth_ns < RANGE_NS.0 || truth_ns > RANGE_NS.1 {
            continue;
        }
        let truth = truth_ns as f64 / 1e9;
        let estimate = bucket_quantile(q, buckets);
        let error = (estimate - truth).abs() / truth;
        if error > worst.0 {
            worst = (error, format!("q={q}: hdr {truth:e} s, prometheus {estimate:e} s"));
        }
    }
    worst
}

fn histogram(samples: impl IntoIterator<Item = u64>) -> Histogram<u64> {
    let mut h = runtime_histogram();
    for v in samples {
        h.saturating_record(v.max(1));
    }
    h
}

/// Named distributions of 20,000 samples each.
fn distributions() -> Vec<(String, Histogram<u64>)> {
    let mut rng = ChaCha8Rng::seed_from_u64(24);
    let n = 20_000;
    let mut out = Vec::new();
    for (lo, hi) in [
        (100.0, 200.0),
        (150.0, 3_000.0),
        (10_000.0, 12_000.0),
        (1e6, 5e7),
        (2e9, 9e9),
        (100.0, 1e10),
    ] {
        let h = histogram((0..n).map(|_| rng.random_range(lo..hi) as u64));
        out.push((format!("uniform {lo:e}..{hi:e} ns"), h));
    }
    for median in [150.0, 800.0, 5e3, 7e4, 1e6, 3e7, 5e8, 3e9] {
        for sigma in [0.05, 0.5, 1.5] {
            let h =
                histogram((0..n).map(|_| common::fake_node::lognormal_ns(&mut rng, median, sigma)));
            out.push((format!("lognormal median {median:e} ns sigma {sigma}"), h));
        }
    }
    for mean in [1e3, 1e6, 2e8] {
        let h =
            histogram((0..n).map(|_| (-rng.random_range(f64::EPSILON..1.0f64).ln() * mean) as u64));
        out.push((format!("exponential mean {mean:e} ns"), h));
    }
    for alpha in [1.2, 2.5] {
        let h =
            histogram((0..n).map(|_| {
                (300.0 * rng.random_range(f64::EPSILON..1.0f64).powf(-1.0 / alpha)) as u64
            }));
        out.push((format!("pareto 300 ns alpha {alpha}"), h));
    }
    for (fast, slow, share) in
        [(500.0, 5e4, 0.1), (200.0, 2e6, 0.02), (1e4, 1e9, 0.5), (900.0, 1_100.0, 0.5)]
    {
        let h = histogram((0..n).map(|_| {
            let median = if rng.random_bool(share) { slow } else { fast };
            common::fake_node::lognormal_ns(&mut rng, median, 0.2)
        }));
        out.push((format!("bimodal {fast:e} / {slow:e} ns ({share} slow)"), h));
    }
    // Two spikes: the quantiles sit on one or the other.
    for (a, b) in [(120u64, 7_777u64), (3_333, 3_500), (64_000_000, 9_000_000_000)] {
        let h = histogram((0..n).map(|i| if i % 50 == 0 { b } else { a }));
        out.push((format!("two spikes {a} / {b} ns"), h));
    }
    out
}

/// A spike (every sample equal) at each value of a sweep dense enough to land at
/// every position within every bucket of the range.
fn spikes() -> impl Iterator<Item = (u64, Histogram<u64>)> {
    let mut v = RANGE_NS.0 as f64;
    std::iter::from_fn(move || {
        if v > RANGE_NS.1 as f64 {
            return None;
        }
        let value = v as u64;
        v *= 1.003;
        Some((value, histogram(std::iter::repeat_n(value, 100))))
    })
}

#[test]
fn prometheus_quantiles_are_within_5_percent_of_hdr_for_every_distribution() {
    let mut worst = (0.0, String::new());
    for (name, hdr) in distributions() {
        let (error, at) = worst_error(&hdr, &exported(&Buckets::from_hdr(&hdr)));
        assert!(error < 0.05, "{name}: {:.2}% at {at}", error * 100.0);
        if error > worst.0 {
            worst = (error, format!("{name}, {at}"));
        }
    }
    println!("distributions: worst error {:.3}% ({})", worst.0 * 100.0, worst.1);
}

#[test]
fn prometheus_quantiles_are_within_5_percent_of_hdr_for_a_spike_anywhere() {
    let mut worst = (0.0, String::new());
    let mut count = 0;
    for (value, hdr) in spikes() {
        let (error, at) = worst_error(&hdr, &exported(&Buckets::from_hdr(&hdr)));
        assert!(error < 0.05, "spike at {value} ns: {:.2}% at {at}", error * 100.0);
        if error > worst.0 {
            worst = (error, format!("spike at {value} ns, {at}"));
        }
        count += 1;
    }
    assert!(count > 6_000, "the sweep covers the range densely ({count} spikes)");
    // The bound is the widest bucket ratio: spikes come close to it.
    assert!(worst.0 > 0.04, "spikes reach near the 4.5% bound: {:.3}%", worst.0 * 100.0);
    println!("spikes: worst error {:.3}% ({})", worst.0 * 100.0, worst.1);
}

#[test]
fn a_coarser_layout_of_ratio_2_to_the_one_eighth_misses_5_percent_on_spikes() {
    // Schema 3 boundaries from 64 ns, bucketed the same way as the shared layout.
    let bounds_ns: Vec<f64> = (48..=272).map(|k| 2f64.powf(f64::from(k) / 8.0)).collect();
    let mut failures = 0;
    for (_, hdr) in spikes() {
        let mut counts = vec![0u64; bounds_ns.len() + 1];
        for bin in hdr.iter_recorded() {
            let i = bounds_ns.partition_point(|&b| b < bin.value_iterated_to() as f64);
            counts[i] += bin.count_at_value();
        }
        let mut total = 0;
        let buckets: Vec<(f64, f64)> = bounds_ns
            .iter()
            .map(|b| b / 1e9)
            .chain([f64::INFINITY])
            .zip(&counts)
            .map(|(le, n)| {
                total += n;
                (le, total as f64)
            })
            .collect();
        if worst_error(&hdr, &buckets).0 >= 0.05 {
            failures += 1;
        }
    }
    assert!(failures > 100, "schema 3 should miss 5% on many spikes, missed on {failures}");
}

#[test]
fn histograms_of_several_nodes_add_up_bucket_by_bucket() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let a = histogram((0..5_000).map(|_| common::fake_node::lognormal_ns(&mut rng, 900.0, 0.7)));
    let b = histogram((0..5_000).map(|_| common::fake_node::lognormal_ns(&mut rng, 40_000.0, 0.3)));
    let mut both = a.clone();
    both.add(&b).expect("same bounds");

    let mut summed = Buckets::from_hdr(&a);
    summed.merge(&Buckets::from_hdr(&b));
    let whole = Buckets::from_hdr(&both);
    assert_eq!(summed.cumulative().collect::<Vec<_>>(), whole.cumulative().collect::<Vec<_>>());
    assert_eq!(summed.count(), 10_000);
    assert!((summed.sum_seconds() - whole.sum_seconds()).abs() < 1e-12);
    // And the sum is as precise as HDR's own mean.
    let mean = both.mean() * both.len() as f64 / 1e9;
    assert!((whole.sum_seconds() - mean).abs() / mean < 1e-9);
    let (error, at) = worst_error(&both, &exported(&summed));
    assert!(error < 0.05, "{at}");
    assert_eq!(latency_bounds().len() + 1, summed.cumulative().count());
}
