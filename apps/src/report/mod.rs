//! Latency reports: each hop's histogram as files, merged across runs, and charted.
//!
//! A report directory (docs/REPORTS.md has the details and the JSON schemas):
//!
//! ```text
//! DIR/meta.json           what is in DIR: hops, files, counts, run information
//! DIR/hops/<hop>.hdr      each hop's nanosecond histogram, hdrhistogram V2 (uncompressed)
//! DIR/hgrm/<hop>.hgrm     its percentile distribution in microseconds (HdrHistogram plotter)
//! DIR/summary.json        percentiles per hop, counts, run information
//! DIR/latency.svg         latency by percentile, one line per hop
//! DIR/equity.svg          the run's equity curve (a run's report, not a merge)
//! ```
//!
//! `mycelium run --report DIR` and `mycelium replay --report DIR` write one;
//! `mycelium report DIR... --out OUT` reads several, adds up each hop's histograms and
//! writes the merge.

pub mod chart;
pub mod equity_chart;
pub mod hgrm;
mod run_info;
pub mod summary_json;
pub mod table;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use hdrhistogram::serialization::{Deserializer, Serializer as _, V2Serializer};
use hdrhistogram::Histogram;
use mycelium_execution::latency::new_histogram;
use mycelium_execution::{BacktestStats, Hop};
use serde::{Deserialize, Serialize};

pub use run_info::{rfc3339_utc, Counts, RunInfo};

use crate::pipeline::RunOutcome;

/// `meta.json`'s `schema` value.
pub const META_SCHEMA: &str = "mycelium.report.meta/1";
/// `summary.json`'s `schema` value.
pub const SUMMARY_SCHEMA: &str = "mycelium.report.summary/2";
/// The chart's file name.
pub const CHART_FILE: &str = "latency.svg";

/// The hop named `name` (as [`Hop::name`] writes it).
pub fn hop_named(name: &str) -> Option<Hop> {
    Hop::ALL.into_iter().find(|h| h.name() == name)
}

/// The latency histograms of a run or a merge of runs, with what they came from.
#[derive(Debug, Clone)]
pub struct Report {
    /// Nanosecond histograms by hop; hops without samples are left out.
    pub hops: BTreeMap<Hop, Histogram<u64>>,
    /// What was traded (added up over merged runs).
    pub counts: Counts,
    /// The run, or the `mycelium report` that merged runs.
    pub run: RunInfo,
    /// The runs merged into this report; empty for a single run.
    pub inputs: Vec<RunInfo>,
    /// The run's backtest statistics; `None` for a merge (equity curves of different
    /// runs do not add up in time) and for a node that runs no execution.
    pub backtest: Option<BacktestStats>,
}

/// `meta.json`: what a report directory holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Meta {
    /// [`META_SCHEMA`].
    pub schema: String,
    /// The unit of the histograms' values: `ns`.
    pub unit: String,
    /// How each histogram file is encoded.
    pub encoding: String,
    /// One entry per hop with samples, in pipeline order.
    pub hops: Vec<MetaHop>,
    /// What was traded.
    pub counts: Counts,
    /// The run or merge.
    pub run: RunInfo,
    /// The merged runs (empty for a single run).
    #[serde(default)]
    pub inputs: Vec<RunInfo>,
}

/// A hop's histogram file in `meta.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetaHop {
    /// The hop's name.
    pub hop: String,
    /// The histogram file, relative to the report directory.
    pub file: String,
    /// Samples in it.
    pub count: u64,
}

impl Report {
    /// The report of a finished run.
    pub fn from_outcome(outcome: &RunOutcome, run: RunInfo) -> Self {
        let hops = outcome.hops.iter().map(|(hop, h)| (hop, h.clone())).collect();
        Self {
            hops,
            counts: Counts::of(outcome),
            run,
            inputs: Vec::new(),
            backtest: outcome.execution.backtest.clone(),
        }
    }

    /// Adds up `reports` hop by hop; `run` describes the merge.
    pub fn merge(reports: &[Report], run: RunInfo) -> anyhow::Result<Self> {
        let mut merged = Self {
            hops: BTreeMap::new(),
            counts: Counts::default(),
            run,
            inputs: Vec::new(),
            backtest: None,
        };
        for r in reports {
            for (hop, h) in &r.hops {
                merged
                    .hops
                    .entry(*hop)
                    .or_insert_with(new_histogram)
                    .add(h)
                    .with_context(|| format!("merging {}", hop.name()))?;
            }
            merged.counts.add(&r.counts);
            if r.inputs.is_empty() {
                merged.inputs.push(r.run.clone());
            } else {
                merged.inputs.extend(r.inputs.iter().cloned());
            }
        }
        Ok(merged)
    }

    /// Reads the report in `dir` (its `meta.json` and histogram files).
    pub fn read_dir(dir: &Path) -> anyhow::Result<Self> {
        let meta_path = dir.join("meta.json");
        let text = fs::read_to_string(&meta_path)
            .with_context(|| format!("reading {}", meta_path.display()))?;
        let meta: Meta = serde_json::from_str(&text)
            .with_context(|| format!("parsing {}", meta_path.display()))?;
        if meta.schema != META_SCHEMA {
            anyhow::bail!(
                "{}: schema {:?}, expected {META_SCHEMA:?}",
                meta_path.display(),
                meta.schema
            );
        }
        let mut hops = BTreeMap::new();
        for entry in &meta.hops {
            let hop = hop_named(&entry.hop)
                .with_context(|| format!("{}: unknown hop {:?}", meta_path.display(), entry.hop))?;
            let path = dir.join(&entry.file);
            hops.insert(hop, read_histogram(&path)?);
        }
        Ok(Self { hops, counts: meta.counts, run: meta.run, inputs: meta.inputs, backtest: None })
    }

    /// Writes every file of the report into `dir` (created if missing); returns the
    /// files written.
    pub fn write_dir(&self, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
        fs::create_dir_all(dir.join("hops"))
            .with_context(|| format!("creating {}", dir.display()))?;
        fs::create_dir_all(dir.join("hgrm"))?;
        let mut written = Vec::new();
        let mut put = |rel: String, bytes: &[u8]| -> anyhow::Result<()> {
            let path = dir.join(rel);
            fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
            written.push(path);
            Ok(())
        };
        let mut meta_hops = Vec::new();
        for (hop, h) in &self.hops {
            let file = format!("hops/{}.hdr", hop.name());
            let mut bytes = Vec::new();
            V2Serializer::new()
                .serialize(h, &mut bytes)
                .map_err(|e| anyhow::anyhow!("encoding {}: {e:?}", hop.name()))?;
            put(file.clone(), &bytes)?;
            let hgrm =
                hgrm::percentile_distribution(h, hgrm::TICKS_PER_HALF_DISTANCE, hgrm::NS_PER_US);
            put(format!("hgrm/{}.hgrm", hop.name()), hgrm.as_bytes())?;
            meta_hops.push(MetaHop { hop: hop.name().into(), file, count: h.len() });
        }
        let meta = Meta {
            schema: META_SCHEMA.into(),
            unit: "ns".into(),
            encoding: "hdrhistogram V2 (uncompressed, cookie 0x1c849313)".into(),
            hops: meta_hops,
            counts: self.counts,
            run: self.run.clone(),
            inputs: self.inputs.clone(),
        };
        put("meta.json".into(), &to_json_bytes(&meta)?)?;
        put("summary.json".into(), &to_json_bytes(&summary_json::summary_json(self))?)?;
        put(CHART_FILE.into(), chart::svg(self)?.as_bytes())?;
        if let Some(stats) = &self.backtest {
            put(
                equity_chart::EQUITY_CHART_FILE.into(),
                equity_chart::svg(stats, &self.run)?.as_bytes(),
            )?;
        }
        Ok(written)
    }
}

/// Reads one V2 histogram file.
pub fn read_histogram(path: &Path) -> anyhow::Result<Histogram<u64>> {
    let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| anyhow::anyhow!("decoding {}: {e:?}", path.display()))
}

fn to_json_bytes<T: Serialize>(value: &T) -> anyhow::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    Ok(bytes)
}
