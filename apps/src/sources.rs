//! The synthetic feed of `mycelium run`, from the config.

use mycelium_market_data::{Speed, SyntheticConfig, SyntheticSource, TickSource};

use crate::config::FeedConfig;

/// The synthetic source and the speed to pace it at: `rate` ticks/s in real time, or
/// as fast as possible for rate 0.
pub fn synthetic(feed: &FeedConfig, ticks: u64) -> anyhow::Result<(TickSource, Speed)> {
    let paced = feed.rate > 0.0;
    let cfg = SyntheticConfig {
        symbols: feed.symbols,
        seed: feed.seed,
        rate_per_sec: if paced { feed.rate } else { SyntheticConfig::default().rate_per_sec },
        ..SyntheticConfig::default()
    };
    let source = SyntheticSource::new(cfg)?.take(usize::try_from(ticks)?).map(Ok);
    let speed = if paced { Speed::Realtime } else { Speed::Max };
    Ok((Box::new(source), speed))
}
