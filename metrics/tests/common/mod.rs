//! Helpers shared by the integration tests: Prometheus's `histogram_quantile` for
//! classic buckets, the HDR histograms the runtime uses, and (in `prometheus`) a real
//! Prometheus, the tools and a minimal HTTP/1.0 client.
#![allow(dead_code, unreachable_pub, missing_docs)]

pub mod fake_node;
pub mod prometheus;
pub mod promql;

// Not every test binary uses both.
#[allow(unused_imports)]
pub use prometheus::{http, tool_or_skip};

use std::net::SocketAddr;
use std::time::Duration;

use hdrhistogram::Histogram;

/// `GET path`, expecting 200 (each read waits at most a minute: a bound for loaded
/// machines, not an expectation).
pub fn get(addr: SocketAddr, path: &str) -> String {
    let answer = http(addr, "GET", path, Duration::from_secs(60)).expect("GET");
    assert_eq!(answer.status, 200, "GET {path}: {}\n{}", answer.head, answer.body);
    answer.body
}

/// Prometheus's `histogram_quantile` over classic buckets (`bucketQuantile` in
/// promql/quantile.go of Prometheus 2.42), step for step: sort by upper bound,
/// require `+Inf` last, merge equal bounds, force monotonic counts, find the first
/// bucket whose count reaches `q * total`, and interpolate linearly inside it (from 0
/// in the lowest bucket); a rank in the `+Inf` bucket answers the highest finite bound.
pub fn bucket_quantile(q: f64, buckets: &[(f64, f64)]) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    let mut b: Vec<(f64, f64)> = buckets.to_vec();
    b.sort_by(|x, y| x.0.total_cmp(&y.0));
    if b.last().is_none_or(|l| l.0 != f64::INFINITY) {
        return f64::NAN;
    }
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(b.len());
    for (le, count) in b {
        match merged.last_mut() {
            Some(last) if last.0 == le => last.1 += count,
            _ => merged.push((le, count)),
        }
    }
    let mut max = merged[0].1;
    for m in merged.iter_mut().skip(1) {
        if m.1 > max {
            max = m.1;
        } else {
            m.1 = max;
        }
    }
    if merged.len() < 2 {
        return f64::NAN;
    }
    let observations = merged[merged.len() - 1].1;
    if observations == 0.0 {
        return f64::NAN;
    }
    let mut rank = q * observations;
    let searched = &merged[..merged.len() - 1];
    let i = searched.partition_point(|m| m.1 < rank);
    if i == merged.len() - 1 {
        return merged[merged.len() - 2].0;
    }
    if i == 0 && merged[0].0 <= 0.0 {
        return merged[0].0;
    }
    let (mut start, end, mut count) = (0.0, merged[i].0, merged[i].1);
    if i > 0 {
        start = merged[i - 1].0;
        count -= merged[i - 1].1;
        rank -= merged[i - 1].1;
    }
    start + (end - start) * (rank / count)
}

/// An HDR histogram as the runtime makes them: 1 ns to a minute, two significant digits.
pub fn runtime_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000_000, 2).expect("valid bounds")
}
