//! The options that say how the feed reads recorded data, shared by every command that
//! reads it (`replay`, `record`, `node`), so they all accept the same input.

use std::path::PathBuf;

use mycelium_apps::pipeline::{FeedSource, Recorded};
use mycelium_market_data::{Format, Speed, Symbol};

/// How to read recorded files.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct ReadOptions {
    /// Input format (auto, binance, tardis, quotes-csv); auto detects from content.
    /// Recordings are recognized whatever this says.
    #[arg(long, default_value = "auto")]
    pub(crate) format: Format,
    /// Only these symbols (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub(crate) symbols: Vec<Symbol>,
    /// Stop at the first bad line instead of skipping it (skipped lines are reported).
    #[arg(long)]
    pub(crate) strict: bool,
}

/// How to read recorded files, and how fast to replay them.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct ReplayOptions {
    #[command(flatten)]
    pub(crate) read: ReadOptions,
    /// Replay speed: max, realtime, or a factor such as 10x.
    #[arg(long, default_value = "max")]
    pub(crate) speed: Speed,
}

impl ReplayOptions {
    /// `files` read and paced with these options.
    pub(crate) fn source(&self, files: &[PathBuf]) -> FeedSource {
        self.read.source(files, self.speed)
    }
}

impl ReadOptions {
    /// `files` read with these options, replayed at `speed`.
    pub(crate) fn source(&self, files: &[PathBuf], speed: Speed) -> FeedSource {
        FeedSource::Recorded(Recorded {
            files: files.to_vec(),
            format: self.format,
            strict: self.strict,
            symbols: self.symbols.clone(),
            speed,
        })
    }
}
