//! `mycelium replay --feed-latency`: each symbol's feed latency (receive minus exchange
//! time) over the recorded events that carry both clocks, read straight from the files
//! (`mycelium_market_data::feed_latency` says how to read the figures).

use std::path::PathBuf;

use anyhow::Context as _;
use mycelium_market_data::{BadLinePolicy, FeedLatency, MarketDataReader, ReaderOptions};

use super::source_args::ReadOptions;

/// Reads every file with `read`'s options and prints the per-symbol table.
pub(crate) fn print(files: &[PathBuf], read: &ReadOptions) -> anyhow::Result<()> {
    let mut latency = FeedLatency::new();
    for path in files {
        let options = ReaderOptions {
            format: read.format,
            policy: if read.strict { BadLinePolicy::Fail } else { BadLinePolicy::Skip },
            ..ReaderOptions::default()
        };
        // A binary recording keeps each tick's two timestamps but not whether the
        // venue sent an exchange time, so only the source files answer.
        let reader = MarketDataReader::open(path, options).with_context(|| {
            format!("{}: feed latency is read from recorded source files", path.display())
        })?;
        for event in reader {
            let event = event?;
            if read.symbols.is_empty() || read.symbols.contains(&event.symbol) {
                latency.observe(&event);
            }
        }
    }
    println!("feed latency: receive time minus exchange time, per event with both clocks");
    print!("{latency}");
    Ok(())
}
