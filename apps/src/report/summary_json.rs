//! `summary.json`: percentiles per hop, the counts, and what the run was.

use hdrhistogram::Histogram;
use mycelium_execution::{BacktestStats, Hop};
use serde::{Deserialize, Serialize};

use super::{hgrm, Counts, Report, RunInfo, SUMMARY_SCHEMA};

/// The percentiles a summary and the tables show: JSON key, column label, quantile.
pub const PERCENTILES: [(&str, &str, f64); 5] = [
    ("p50", "p50", 0.5),
    ("p90", "p90", 0.9),
    ("p99", "p99", 0.99),
    ("p99_9", "p99.9", 0.999),
    ("p99_99", "p99.99", 0.9999),
];

/// `summary.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    /// [`SUMMARY_SCHEMA`].
    pub schema: String,
    /// Unit of every latency figure: `ns`.
    pub unit: String,
    /// The run, or the `mycelium report` that merged runs.
    pub run: RunInfo,
    /// The runs merged (empty for a single run).
    pub inputs: Vec<RunInfo>,
    /// What was traded.
    pub counts: Counts,
    /// One entry per hop with samples, in pipeline order.
    pub hops: Vec<HopSummary>,
    /// The run's backtest statistics; `None` for a merge.
    #[serde(default)]
    pub backtest: Option<BacktestStats>,
}

/// A hop's figures, in nanoseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HopSummary {
    /// The hop's name.
    pub hop: String,
    /// Samples.
    pub count: u64,
    /// Lowest sample (lowest equivalent value).
    pub min: u64,
    /// Mean (Java HdrHistogram's `getMean`).
    pub mean: f64,
    /// Standard deviation.
    pub stddev: f64,
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p99_9: u64,
    /// 99.99th percentile.
    pub p99_99: u64,
    /// Highest sample (highest equivalent value).
    pub max: u64,
}

impl HopSummary {
    /// The figures of `hop`'s histogram `h`.
    pub fn of(hop: Hop, h: &Histogram<u64>) -> Self {
        let (mean, stddev) = hgrm::mean_and_stddev(h);
        let q = |i: usize| h.value_at_quantile(PERCENTILES[i].2);
        Self {
            hop: hop.name().into(),
            count: h.len(),
            min: if h.is_empty() { 0 } else { h.min() },
            mean,
            stddev,
            p50: q(0),
            p90: q(1),
            p99: q(2),
            p99_9: q(3),
            p99_99: q(4),
            max: if h.is_empty() { 0 } else { h.max() },
        }
    }

    /// A figure by its JSON key (`p50` ... `p99_99`, `max`, `mean`, `min`, `count`).
    pub fn get(&self, key: &str) -> Option<f64> {
        Some(match key {
            "count" => self.count as f64,
            "min" => self.min as f64,
            "mean" => self.mean,
            "stddev" => self.stddev,
            "p50" => self.p50 as f64,
            "p90" => self.p90 as f64,
            "p99" => self.p99 as f64,
            "p99_9" => self.p99_9 as f64,
            "p99_99" => self.p99_99 as f64,
            "max" => self.max as f64,
            _ => return None,
        })
    }
}

/// The summary of `report`.
pub fn summary_json(report: &Report) -> Summary {
    Summary {
        schema: SUMMARY_SCHEMA.into(),
        unit: "ns".into(),
        run: report.run.clone(),
        inputs: report.inputs.clone(),
        counts: report.counts,
        hops: report.hops.iter().map(|(hop, h)| HopSummary::of(*hop, h)).collect(),
        backtest: report.backtest.clone(),
    }
}
