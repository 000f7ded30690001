//! The pipeline's configuration: a TOML file, or the embedded default
//! (`mycelium config` prints it).
//!
//! A config that cannot be right is an error naming the key: an unknown key, a wrong
//! type, a negative `execution.exchange.order_latency_ns`, two strategies spinning on
//! one `pinned_core`, a strategy symbol the feed never carries (checked where the
//! feed is known, [`crate::pipeline::FeedSource`]), and each strategy's own
//! parameters (checked by its registry: a sample's negative `qty`, `fast >= slow`).
//!
//! A strategy's `symbols` parameter, when it has one, lists the symbols it trades;
//! the pipeline reads it to check them against the feed.

use std::path::Path;

use mycelium_execution::{ExecutionConfig, JournalConfig};
use mycelium_market_data::Symbol;
use serde::Deserialize;

/// The default config, embedded in the binary.
pub const DEFAULT_CONFIG: &str = include_str!("../config/default.toml");

/// The whole pipeline.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineConfig {
    /// The synthetic feed.
    #[serde(default)]
    pub feed: FeedConfig,
    /// Risk limits, simulated exchange, fees.
    #[serde(default)]
    pub execution: ExecutionConfig,
    /// Execution's journal (where, which durability, how often a snapshot); without
    /// a `dir` (or `--journal DIR`), none.
    #[serde(default)]
    pub journal: JournalConfig,
    /// The strategies, each with its parameters.
    #[serde(default, rename = "strategy")]
    pub strategies: Vec<StrategySpec>,
}

/// The synthetic feed of `mycelium run`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedConfig {
    /// Number of symbols.
    pub symbols: usize,
    /// Seed of the random walk.
    pub seed: u64,
    /// Ticks per second (paced), or 0 for as fast as possible.
    pub rate: f64,
    /// Ticks to publish.
    pub ticks: u64,
}

impl Default for FeedConfig {
    fn default() -> Self {
        Self { symbols: 4, seed: 1, rate: 0.0, ticks: 200_000 }
    }
}

/// One strategy instance.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrategySpec {
    /// Its name in the pipeline (unique).
    pub name: String,
    /// Which registered strategy it runs.
    pub kind: String,
    /// Its parameters.
    #[serde(default)]
    pub params: toml::Table,
    /// Run it as a hot-path actor on a thread pinned to this core, busy-polling its
    /// mailbox: the feed -> strategy hop then costs no thread wake-up. It takes the
    /// whole core.
    #[serde(default)]
    pub pinned_core: Option<usize>,
    /// How many ticks after a step the strategy applies execution's answer to it
    /// (its order updates). 0 (the default) waits for each answer before the next
    /// tick: over a link whose round trip is longer than the time between ticks,
    /// ticks then queue behind the answers. `n` lets the strategy take `n` ticks while
    /// answers are on their way; it sees each answer exactly `n` ticks late, so runs
    /// stay identical, in one process or split. Not yet with a journal.
    #[serde(default)]
    pub answer_lag: usize,
}

/// A config that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML is malformed or a key is wrong; the message names key, line and column.
    #[error("{origin}: {source}")]
    Parse {
        /// The file, or "default config".
        origin: String,
        /// The parser's error, with its location.
        source: toml::de::Error,
    },
    /// The values do not make sense together.
    #[error("{origin}: {reason}")]
    Invalid {
        /// The file, or "default config".
        origin: String,
        /// What is wrong.
        reason: String,
    },
}

impl PipelineConfig {
    /// Parses `text`; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let cfg: Self = toml::from_str(text)
            .map_err(|source| ConfigError::Parse { origin: origin.to_owned(), source })?;
        cfg.check(origin)?;
        Ok(cfg)
    }

    /// Reads and parses a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Io { path: path.display().to_string(), source })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// The embedded default.
    pub fn default_config() -> Result<Self, ConfigError> {
        Self::parse(DEFAULT_CONFIG, "default config")
    }

    /// Checks that the values make sense together, in one process (`parse` does).
    pub fn check(&self, origin: &str) -> Result<(), ConfigError> {
        self.check_values(origin)?;
        self.check_pinned(origin, |_| "")
    }

    /// Checks the values (not the placement-dependent ones).
    pub(crate) fn check_values(&self, origin: &str) -> Result<(), ConfigError> {
        let invalid = |reason: String| ConfigError::Invalid { origin: origin.to_owned(), reason };
        if self.feed.symbols == 0 {
            return Err(invalid("feed.symbols must be at least 1".into()));
        }
        if !(self.feed.rate >= 0.0 && self.feed.rate.is_finite()) {
            return Err(invalid(format!(
                "feed.rate must be 0 or a positive number, not {}",
                self.feed.rate
            )));
        }
        let latency = self.execution.exchange.order_latency_ns;
        if latency < 0 {
            return Err(invalid(format!(
                "execution.exchange.order_latency_ns must be 0 or more, not {latency}"
            )));
        }
        if let Some(latency) = &self.execution.exchange.latency {
            use mycelium_execution::LatencySetting::ConstantNs;
            for (key, setting) in [("entry", &latency.entry), ("response", &latency.response)] {
                if matches!(setting, ConstantNs(ns) if *ns < 0) {
                    return Err(invalid(format!(
                        "execution.exchange.latency.{key} must be 0 or more"
                    )));
                }
            }
            if let Err(e) = mycelium_execution::OrderLatency::from_config(latency) {
                return Err(invalid(format!("execution.exchange.latency: {e}")));
            }
        }
        if self.journal.dir.as_ref().is_some_and(|d| d.as_os_str().is_empty()) {
            return Err(invalid("journal.dir must name a directory, not be empty".into()));
        }
        let mut names: Vec<_> = self.strategies.iter().map(|s| s.name.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(invalid(format!("two strategies are named {:?}", w[0])));
        }
        self.strategy_symbols().map_err(invalid)?;
        Ok(())
    }

    /// Checks that no two strategies on one node spin on one core: a pinned strategy
    /// busy-polls, and takes its core whole. `node_of` gives a strategy's node.
    pub(crate) fn check_pinned<'a>(
        &'a self,
        origin: &str,
        node_of: impl Fn(&str) -> &'a str,
    ) -> Result<(), ConfigError> {
        let mut pinned: Vec<(&str, usize, &str)> = self
            .strategies
            .iter()
            .filter_map(|s| s.pinned_core.map(|core| (node_of(&s.name), core, s.name.as_str())))
            .collect();
        pinned.sort_unstable();
        if let Some(w) = pinned.windows(2).find(|w| (w[0].0, w[0].1) == (w[1].0, w[1].1)) {
            return Err(ConfigError::Invalid {
                origin: origin.to_owned(),
                reason: format!(
                    "[[strategy]] {:?} and {:?} both spin on pinned_core {}: a pinned strategy \
                     busy-polls and takes its core whole",
                    w[0].2, w[1].2, w[0].1
                ),
            });
        }
        Ok(())
    }

    /// Each strategy's `symbols` parameter (strategies without one trade every symbol
    /// of the feed): (strategy name, symbol). A name that is no symbol is an error
    /// naming the key.
    pub fn strategy_symbols(&self) -> Result<Vec<(String, Symbol)>, String> {
        let mut out = Vec::new();
        for spec in &self.strategies {
            let Some(listed) = spec.params.get("symbols") else { continue };
            let key = || format!("[[strategy]] {:?}: params.symbols", spec.name);
            let list = listed.as_array().ok_or_else(|| format!("{}: not a list", key()))?;
            for name in list {
                let symbol = name
                    .as_str()
                    .ok_or_else(|| format!("{}: {name} is not a string", key()))?
                    .parse()
                    .map_err(|e| format!("{}: {name}: {e}", key()))?;
                out.push((spec.name.clone(), symbol));
            }
        }
        Ok(out)
    }
}
