//! Console tables: a report's percentiles per hop, and two reports side by side.
//!
//! Values are formatted by [`crate::summary::fmt_ns`], as in the run summary.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use mycelium_execution::Hop;

use super::summary_json::{HopSummary, PERCENTILES};
use super::Report;
use crate::summary::fmt_ns;

/// The percentiles of the console table (a subset of [`PERCENTILES`]), then `max`.
const TABLE_COLUMNS: [&str; 4] = ["p50", "p90", "p99", "p99_9"];

/// hop, count, p50, p90, p99, p99.9, max, and the tail over the median (p99/p50,
/// p99.9/p50): one row per hop with samples.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = write!(out, "{:<22} {:>10}", "hop", "count");
    for key in TABLE_COLUMNS {
        let _ = write!(out, " {:>10}", label(key));
    }
    let _ = writeln!(out, " {:>10} {:>8} {:>9}", "max", "p99/p50", "p99.9/p50");
    for (hop, h) in &report.hops {
        let s = HopSummary::of(*hop, h);
        let _ = write!(out, "{:<22} {:>10}", s.hop, s.count);
        for key in TABLE_COLUMNS {
            let _ = write!(out, " {:>10}", fmt_ns(s.get(key).unwrap_or(0.0) as u64));
        }
        let over_median = |v: u64| match s.p50 {
            0 => "-".to_string(),
            p50 => format!("{:.1}x", v as f64 / p50 as f64),
        };
        let _ = writeln!(
            out,
            " {:>10} {:>8} {:>9}",
            fmt_ns(s.max),
            over_median(s.p99),
            over_median(s.p99_9)
        );
    }
    if report.hops.is_empty() {
        let _ = writeln!(out, "(no samples)");
    }
    out
}

/// One line of a comparison: a hop's figure in A and B, in nanoseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareRow {
    /// The hop.
    pub hop: Hop,
    /// The figure: `p50`, `p90`, `p99`, `p99.9`, `p99.99` or `max`.
    pub stat: &'static str,
    /// Its value in A, if A has samples of the hop.
    pub a: Option<u64>,
    /// Its value in B, if B has samples of the hop.
    pub b: Option<u64>,
    /// B / A, when both are there and A is not zero.
    pub ratio: Option<f64>,
}

/// Every hop of A or B, each percentile and the max, with B/A.
pub fn compare(a: &Report, b: &Report) -> Vec<CompareRow> {
    let hops: BTreeSet<Hop> = a.hops.keys().chain(b.hops.keys()).copied().collect();
    let stats = PERCENTILES.iter().map(|(key, label, _)| (*key, *label)).chain([("max", "max")]);
    let stats: Vec<(&str, &'static str)> = stats.collect();
    let mut rows = Vec::new();
    for hop in hops {
        let sa = a.hops.get(&hop).map(|h| HopSummary::of(hop, h));
        let sb = b.hops.get(&hop).map(|h| HopSummary::of(hop, h));
        for &(key, stat) in &stats {
            let va = sa.as_ref().and_then(|s| s.get(key)).map(|v| v as u64);
            let vb = sb.as_ref().and_then(|s| s.get(key)).map(|v| v as u64);
            let ratio = match (va, vb) {
                (Some(x), Some(y)) if x > 0 => Some(y as f64 / x as f64),
                _ => None,
            };
            rows.push(CompareRow { hop, stat, a: va, b: vb, ratio });
        }
    }
    rows
}

/// The comparison as a table: hop, figure, A, B, B/A.
pub fn render_compare(rows: &[CompareRow], a_name: &str, b_name: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "A: {a_name}\nB: {b_name}\n");
    let _ = writeln!(out, "{:<22} {:<7} {:>10} {:>10} {:>8}", "hop", "stat", "A", "B", "B/A");
    let dash = || "-".to_string();
    for (i, r) in rows.iter().enumerate() {
        let hop = if i == 0 || rows[i - 1].hop != r.hop { r.hop.name() } else { "" };
        let _ = writeln!(
            out,
            "{:<22} {:<7} {:>10} {:>10} {:>8}",
            hop,
            r.stat,
            r.a.map_or_else(dash, fmt_ns),
            r.b.map_or_else(dash, fmt_ns),
            r.ratio.map_or_else(dash, |x| format!("{x:.3}")),
        );
    }
    out
}

fn label(key: &str) -> &str {
    PERCENTILES.iter().find(|(k, _, _)| *k == key).map_or(key, |(_, l, _)| l)
}
