//! Where the feed's ticks come from: the config's synthetic feed, or recorded files
//! (any supported format, or recordings) merged by exchange time, at any speed. Every
//! command that runs the pipeline opens its source here, so `run`, `replay`, `record`
//! and the feed node of a split pipeline read the same ticks from the same input.
//!
//! # Symbols
//! The strategies' symbols (their `symbols` parameter) are checked against the feed:
//! before it starts when its symbols are known (the synthetic feed's; a `--symbols`
//! filter), an error naming the key; otherwise, at the end of the data, a warning for
//! each one that never came. A `--symbols` name absent from the files is warned about
//! at the end too, with the symbols the files carry.
//!
//! # Instruments
//! A pipeline that trades recorded data needs an instrument for every symbol in it:
//! the first tick of a symbol the execution config's table does not define (and no
//! default) ends the data with an error naming the symbol.
//!
//! # Progress
//! A progress bar given to [`FeedSource::open`] is set to the ticks to publish (the
//! synthetic feed) or the files' bytes (recorded data), and advanced as they go.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use indicatif::ProgressBar;
use mycelium_market_data::{
    merge, open_source, BadLinePolicy, Format, InstrumentTable, MarketTick, ReaderOptions, Speed,
    Symbol, SyntheticConfig, SyntheticSource, TickError, TickSource,
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

/// Ticks between two updates of a progress bar.
const PROGRESS_EVERY: u64 = 4096;

impl FeedSource {
    /// The synthetic feed of `feed`, publishing `ticks` ticks.
    pub fn synthetic(feed: &FeedConfig, ticks: u64) -> Self {
        Self::Synthetic(FeedConfig { ticks, ..feed.clone() })
    }

    /// The symbols the feed will carry at most, when that is known before it runs.
    pub fn known_symbols(&self) -> anyhow::Result<Option<Vec<Symbol>>> {
        Ok(match self {
            Self::Synthetic(feed) => {
                Some(SyntheticSource::new(synthetic_config(feed))?.symbols().collect())
            }
            Self::Recorded(r) if !r.symbols.is_empty() => Some(r.symbols.clone()),
            Self::Recorded(_) => None,
        })
    }

    /// Checks the strategies' symbols (`wanted`: strategy, symbol) against the
    /// symbols the feed is known to carry, if known.
    pub fn check_symbols(&self, wanted: &[(String, Symbol)]) -> anyhow::Result<()> {
        let Some(known) = self.known_symbols()? else { return Ok(()) };
        if let Some((strategy, symbol)) = wanted.iter().find(|(_, s)| !known.contains(s)) {
            anyhow::bail!(
                "[[strategy]] {strategy:?}: params.symbols: the feed never carries {symbol} \
                 (it carries {})",
                names(&known)
            );
        }
        Ok(())
    }

    /// Opens the input: the ticks, and the speed to pace them at. `wanted` are the
    /// strategies' symbols, checked at the end of recorded data; with `instruments`,
    /// recorded data ends with an error at the first tick of a symbol the table does
    /// not define (no default); `progress` is set to the total and advanced (leave it
    /// hidden for none).
    pub fn open(
        &self,
        wanted: &[(String, Symbol)],
        instruments: Option<&InstrumentTable>,
        progress: &ProgressBar,
    ) -> anyhow::Result<(TickSource, Speed)> {
        match self {
            Self::Synthetic(feed) => {
                let ticks = usize::try_from(feed.ticks).unwrap_or(usize::MAX);
                let source = SyntheticSource::new(synthetic_config(feed))?.take(ticks).map(Ok);
                let mut source: TickSource = Box::new(source);
                if !progress.is_hidden() {
                    if feed.ticks != u64::MAX {
                        progress.set_length(feed.ticks);
                    }
                    let bar = progress.clone();
                    source = Box::new(Progress::new(source, move |ticks| bar.set_position(ticks)));
                }
                let speed = if feed.rate > 0.0 { Speed::Realtime } else { Speed::Max };
                Ok((source, speed))
            }
            Self::Recorded(recorded) => {
                Ok((recorded.open(wanted, instruments, progress)?, recorded.speed))
            }
        }
    }
}

impl Recorded {
    fn open(
        &self,
        wanted: &[(String, Symbol)],
        instruments: Option<&InstrumentTable>,
        progress: &ProgressBar,
    ) -> anyhow::Result<TickSource> {
        let bytes_read = (!progress.is_hidden()).then(|| Arc::new(AtomicU64::new(0)));
        let options = ReaderOptions {
            format: self.format,
            policy: if self.strict { BadLinePolicy::Fail } else { BadLinePolicy::Skip },
            bytes_read: bytes_read.clone(),
            ..ReaderOptions::default()
        };
        let sources =
            self.files.iter().map(|f| open_source(f, &options)).collect::<Result<Vec<_>, _>>()?;
        let mut ticks = merge(sources);
        // Watched only when there is something to check: it looks at every tick.
        if !self.symbols.is_empty() || !wanted.is_empty() {
            let watch = SymbolWatch {
                filter: self.symbols.clone(),
                wanted: wanted.to_vec(),
                seen: Vec::new(),
                reported: false,
            };
            ticks = Box::new(Watched { inner: ticks, watch });
        }
        if !self.symbols.is_empty() {
            let only = self.symbols.clone();
            ticks = Box::new(
                ticks.filter(move |t| t.as_ref().map_or(true, |t| only.contains(&t.symbol))),
            );
        }
        if let Some(instruments) = instruments {
            let instruments = instruments.clone();
            ticks = Box::new(Instrumented { inner: ticks, instruments, known: Vec::new() });
        }
        if let Some(read) = bytes_read {
            let total =
                self.files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len());
            progress.set_length(total.sum());
            let bar = progress.clone();
            ticks = Box::new(Progress::new(ticks, move |_| {
                bar.set_position(read.load(Ordering::Relaxed));
            }));
        }
        Ok(ticks)
    }
}

/// The synthetic source's settings for `feed`: `rate` ticks/s spaces the exchange
/// timestamps (100k ticks/s at rate 0, unpaced), so a recording of the feed replays
/// the same trades.
fn synthetic_config(feed: &FeedConfig) -> SyntheticConfig {
    let rate = if feed.rate > 0.0 { feed.rate } else { SyntheticConfig::default().rate_per_sec };
    SyntheticConfig {
        symbols: feed.symbols,
        seed: feed.seed,
        rate_per_sec: rate,
        ..SyntheticConfig::default()
    }
}

fn names(symbols: &[Symbol]) -> String {
    let names: Vec<&str> = symbols.iter().map(Symbol::as_str).collect();
    names.join(", ")
}

/// The symbols of recorded data, noted as they pass (before any `--symbols` filter)
/// and checked at its end.
struct SymbolWatch {
    filter: Vec<Symbol>,
    wanted: Vec<(String, Symbol)>,
    seen: Vec<Symbol>,
    reported: bool,
}

impl SymbolWatch {
    fn note(&mut self, tick: &MarketTick) {
        // A handful of symbols, mostly the same one as the tick before: a short scan.
        if self.seen.last() != Some(&tick.symbol) && !self.seen.contains(&tick.symbol) {
            self.seen.push(tick.symbol);
        }
    }

    fn report(&mut self) {
        if std::mem::replace(&mut self.reported, true) {
            return;
        }
        let present = names(&self.seen);
        for symbol in self.filter.iter().filter(|s| !self.seen.contains(s)) {
            tracing::warn!("--symbols: {symbol} is not in the files (they carry {present})");
        }
        for (strategy, symbol) in self.wanted.iter().filter(|(_, s)| !self.seen.contains(s)) {
            tracing::warn!(
                "[[strategy]] {strategy:?}: params.symbols: {symbol} never came in the feed \
                 (it carried {present})"
            );
        }
    }
}

/// A source whose symbols are watched.
struct Watched {
    inner: TickSource,
    watch: SymbolWatch,
}

impl Iterator for Watched {
    type Item = Result<MarketTick, TickError>;

    fn next(&mut self) -> Option<Self::Item> {
        let next = self.inner.next();
        match &next {
            Some(Ok(tick)) => self.watch.note(tick),
            None => self.watch.report(),
            Some(Err(_)) => {}
        }
        next
    }
}

/// A source whose every symbol must have an instrument: the first tick of one without
/// is replaced by an error naming it, and the data ends there.
struct Instrumented {
    inner: TickSource,
    instruments: InstrumentTable,
    /// The symbols checked so far (a handful, mostly the same as the tick before).
    known: Vec<Symbol>,
}

impl Iterator for Instrumented {
    type Item = Result<MarketTick, TickError>;

    fn next(&mut self) -> Option<Self::Item> {
        let next = self.inner.next()?;
        if let Ok(tick) = &next {
            if self.known.last() != Some(&tick.symbol) && !self.known.contains(&tick.symbol) {
                if let Err(unknown) = self.instruments.get(tick.symbol) {
                    // Nothing after it: the feed stops at its first error.
                    self.inner = Box::new(std::iter::empty());
                    return Some(Err(unknown.into()));
                }
                self.known.push(tick.symbol);
            }
        }
        Some(next)
    }
}

/// A source that reports its progress every [`PROGRESS_EVERY`] ticks.
struct Progress<F> {
    inner: TickSource,
    ticks: u64,
    update: F,
}

impl<F: FnMut(u64)> Progress<F> {
    fn new(inner: TickSource, update: F) -> Self {
        Self { inner, ticks: 0, update }
    }
}

impl<F: FnMut(u64) + Send> Iterator for Progress<F> {
    type Item = Result<MarketTick, TickError>;

    fn next(&mut self) -> Option<Self::Item> {
        let next = self.inner.next();
        if next.is_some() {
            self.ticks += 1;
        }
        if self.ticks.is_multiple_of(PROGRESS_EVERY) || next.is_none() {
            (self.update)(self.ticks);
        }
        next
    }
}
