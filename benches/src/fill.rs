//! The fill comparison's shared parts: the recorded capture it replays, the market data
//! it takes from it, and one line of report per engine.
//!
//! Both sides replay the same messages of the capture: the REST depth snapshot, the
//! `depth@0ms` diffs and the trades (the `bookTicker` top-of-book stream is left out: an
//! L2 book is built from the diffs). Both drive the same quoting rule,
//! [`QuoteRule`](mycelium_execution::fidelity::QuoteRule): every N market-data
//! messages, a side whose quote is not at the touch is cancelled and requoted there
//! (post-only), so the orders depend on the data only.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use mycelium_market_data::{MarketDataReader, ReadError, ReaderOptions, RecordedEvent, TickEvent};

/// The capture's file name in the shared data directory.
pub const CAPTURE: &str = "hftbacktest_binance-usdm_BTCUSDT_20240808.jsonl.gz";

/// BTCUSDT USD-M's price tick and lot.
pub const TICK_SIZE: f64 = 0.1;
/// See [`TICK_SIZE`].
pub const LOT_SIZE: f64 = 0.001;

/// The capture's path: in `$MYCELIUM_DATA_DIR`, else `../shared/data` beside the
/// checkout.
pub fn capture_path() -> PathBuf {
    let dir = std::env::var_os("MYCELIUM_DATA_DIR").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data")),
        PathBuf::from,
    );
    dir.join(CAPTURE)
}

/// The capture's messages that both sides replay (depth snapshot and diffs, trades), in
/// file order.
pub fn load_messages(path: &std::path::Path) -> Result<Vec<RecordedEvent>, ReadError> {
    let reader = MarketDataReader::open(path, ReaderOptions::default())?;
    let mut out = Vec::new();
    for ev in reader {
        let ev = ev?;
        if matches!(ev.event, TickEvent::Depth(_) | TickEvent::Trade(_)) {
            out.push(ev);
        }
    }
    Ok(out)
}

/// One engine's replay of the capture.
#[derive(Debug, Clone, PartialEq)]
pub struct FillRun {
    /// Engine and version.
    pub engine: String,
    /// Queue model, as the engine names it.
    pub model: String,
    /// Market-data messages replayed.
    pub messages: u64,
    /// Wall time of the replay (data already in memory).
    pub elapsed: Duration,
    /// Orders placed.
    pub orders: u64,
    /// Fills.
    pub fills: u64,
    /// Filled quantity (base units).
    pub filled_qty: f64,
}

impl FillRun {
    /// The header of the table [`FillRun`]'s `Display` rows belong to.
    pub const HEADER: &'static str = "| engine | queue model | messages | messages/s | orders | fills | filled qty |\n|---|---|---|---|---|---|---|";

    /// Messages per second.
    pub fn rate(&self) -> f64 {
        self.messages as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

impl fmt::Display for FillRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "| {} | {} | {} | {:.0} | {} | {} | {:.3} |",
            self.engine,
            self.model,
            self.messages,
            self.rate(),
            self.orders,
            self.fills,
            self.filled_qty
        )
    }
}
