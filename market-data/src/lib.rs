//! Market data for Mycelium: the tick model, synthetic and recorded sources, the L2 book,
//! the binary recorder, replay pacing, and the feed actor that broadcasts ticks.
//!
//! # Layout
//!
//! - [`tick`]: [`Symbol`], [`Side`], [`MarketTick`] and its [`TickEvent`] payloads
//!   (quote, trade, depth update), all rkyv-archivable.
//! - [`book`]: the L2 [`OrderBook`] and [`SequencedBook`], which applies Binance's
//!   futures (`U`/`u`/`pu`) and spot (`U == prev u + 1`) sequencing rules.
//! - [`readers`]: streaming readers of recorded data (Binance combined-stream captures,
//!   Tardis.dev CSV, `timestamp,bid,ask` quote CSV; plain or gzip), format detection,
//!   bad-line policy.
//! - [`adapter`]: [`TickAdapter`] / [`Ticks`], turning recorded events into ticks (with
//!   book-derived quotes and sequence-gap reports).
//! - [`synthetic`]: a deterministic synthetic tick source.
//! - [`l3`]: market-by-order data: a seeded synthetic L3 generator, its book, and the L2
//!   stream a venue would publish from it (the ground truth for fill fidelity).
//! - [`prefetch`](mod@prefetch): a source read ahead on a helper thread, in batches.
//! - [`recording`]: the compact, versioned binary recording format (rkyv records).
//! - [`pacing`]: [`Speed`] and the [`Pacer`] that paces a replay by exchange time.
//! - [`source`]: [`TickSource`], the feed's input; [`open_source`] (any recorded
//!   format or a recording, by path) and [`merge`] (several sources in exchange-time
//!   order).
//! - [`instrument`]: the [`Instrument`] (tick, lot, minimums, multiplier, currencies, fees)
//!   and the [`InstrumentTable`] (config over a shipped table, with a default).
//! - [`units`]: fixed-point [`Price`], [`Qty`] (9 fractional digits) and [`Money`] (18),
//!   exact in text and arithmetic.
//! - [`stats`]: per-symbol counts ([`FeedStats`]).
//! - [`feed_latency`]: per-symbol feed latency (receive minus exchange time) of
//!   recorded events that carry both clocks ([`FeedLatency`]).
//! - [`feed`]: the [`Feed`] actor: one `Arc<FeedTick>` per tick to every subscriber,
//!   blocking or conflating per subscriber.
//!
//! # Example
//!
//! ```no_run
//! use mycelium_market_data::{MarketDataReader, ReaderOptions, TickAdapter, Ticks};
//!
//! let reader = MarketDataReader::open("capture.jsonl.gz", ReaderOptions::default())?;
//! for tick in Ticks::new(reader, TickAdapter::new()) {
//!     println!("{:?}", tick?);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod adapter;
pub mod book;
pub mod feed;
pub mod feed_latency;
pub mod instrument;
pub mod l3;
pub mod pacing;
pub mod prefetch;
pub mod readers;
pub mod recording;
pub mod source;
pub mod stats;
pub mod synthetic;
pub mod tick;
pub mod units;

pub use adapter::{SequenceGap, TickAdapter, TickError, Ticks};
pub use book::{OrderBook, SequenceError, SequencedBook};
pub use feed::{Feed, FeedMsg, FeedReport, FeedTick, Policy, SymbolCounts};
pub use feed_latency::{FeedLatency, SymbolFeedLatency};
pub use instrument::{Instrument, InstrumentKind, InstrumentTable, UnknownInstrument};
pub use pacing::{Pacer, Speed};
pub use prefetch::prefetch;
pub use readers::{
    BadLinePolicy, Format, MarketDataReader, ReadError, ReaderOptions, RecordedEvent,
};
pub use recording::{RecordingError, RecordingReader, RecordingWriter};
pub use source::{merge, open_source, TickSource};
pub use stats::FeedStats;
pub use synthetic::{SyntheticConfig, SyntheticSource};
pub use tick::{
    DepthKind, DepthUpdate, Level, MarketTick, Quote, Side, Symbol, TickEvent, Trade, UpdateIds,
};
pub use units::{div_half_even, Money, Price, Qty, UnitError};
