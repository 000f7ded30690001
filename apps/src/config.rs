//! The pipeline's configuration: a TOML file, or the embedded default
//! (`mycelium config` prints it).

use std::path::Path;

use mycelium_execution::ExecutionConfig;
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

    /// Checks that the values make sense together (`parse` does).
    pub fn check(&self, origin: &str) -> Result<(), ConfigError> {
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
        let mut names: Vec<_> = self.strategies.iter().map(|s| s.name.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(invalid(format!("two strategies are named {:?}", w[0])));
        }
        Ok(())
    }
}
