//! Where the feed's ticks come from: the config's synthetic feed, or recorded files
//! (any supported format, or recordings) merged by exchange time, at any speed. Every
//! command that runs the pipeline opens its source here, so `run`, `replay`, `record`
//! and the feed node of a split pipeline read the same ticks from the same input.

use std::path::PathBuf;

use mycelium_market_data::{
    merge, open_source, BadLinePolicy, Format, ReaderOptions, Speed, Symbol, SyntheticConfig,
    SyntheticSource, TickSource,
};

use crate::config::FeedConfig;

/// The feed's input.
#[derive(Debug, Clone)]
pub enum FeedSource {
    /// The synthetic feed of a config's `[feed]` section (its `ticks` ticks).
    Synthetic(FeedConfig),
    /// Recorded files.
    Recorded(Recorded),
}

/// Recorded files to replay, merged in exchange-time order.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The files: recorded market data in any supported format, or recordings.
    pub files: Vec<PathBuf>,
    /// Their format (recordings are recognized whatever this says).
    pub format: Format,
    /// Stop at the first bad line instead of skipping it (and reporting it).
    pub strict: bool,
    /// Only these symbols (all when empty).
    pub symbols: Vec<Symbol>,
    /// Replay speed.
    pub speed: Speed,
}

impl FeedSource {
    /// The synthetic feed of `feed`, publishing `ticks` ticks.
    pub fn synthetic(feed: &FeedConfig, ticks: u64) -> Self {
        Self::Synthetic(FeedConfig { ticks, ..feed.clone() })
    }

    /// Opens the input: the ticks, and the speed to pace them at.
    pub fn open(&self) -> anyhow::Result<(TickSource, Speed)> {
        match self {
            Self::Synthetic(feed) => synthetic(feed),
            Self::Recorded(recorded) => recorded.open(),
        }
    }
}

impl Recorded {
    fn open(&self) -> anyhow::Result<(TickSource, Speed)> {
        let options = ReaderOptions {
            format: self.format,
            policy: if self.strict { BadLinePolicy::Fail } else { BadLinePolicy::Skip },
            ..ReaderOptions::default()
        };
        let sources =
            self.files.iter().map(|f| open_source(f, &options)).collect::<Result<Vec<_>, _>>()?;
        let mut ticks = merge(sources);
        if !self.symbols.is_empty() {
            let wanted = self.symbols.clone();
            ticks = Box::new(
                ticks.filter(move |t| t.as_ref().map_or(true, |t| wanted.contains(&t.symbol))),
            );
        }
        Ok((ticks, self.speed))
    }
}

/// The synthetic source and the speed to pace it at: `rate` ticks/s in real time, or
/// as fast as possible for rate 0. Exchange timestamps are spaced by the rate either
/// way (100k ticks/s at rate 0), so a recording of the feed replays the same trades.
fn synthetic(feed: &FeedConfig) -> anyhow::Result<(TickSource, Speed)> {
    let paced = feed.rate > 0.0;
    let cfg = SyntheticConfig {
        symbols: feed.symbols,
        seed: feed.seed,
        rate_per_sec: if paced { feed.rate } else { SyntheticConfig::default().rate_per_sec },
        ..SyntheticConfig::default()
    };
    let ticks = usize::try_from(feed.ticks).unwrap_or(usize::MAX);
    let source = SyntheticSource::new(cfg)?.take(ticks).map(Ok);
    let speed = if paced { Speed::Realtime } else { Speed::Max };
    Ok((Box::new(source), speed))
}
