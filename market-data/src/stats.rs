//! Per-symbol counts of a feed: what `mycelium replay --stats-only` prints.

use std::collections::BTreeMap;
use std::fmt;

use crate::readers::RecordedEvent;
use crate::tick::{DepthKind, MarketTick, Symbol, TickEvent};

/// Counts for one symbol.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SymbolStats {
    /// Trades.
    pub trades: u64,
    /// Venue quotes (top of book sent by the venue).
    pub quotes: u64,
    /// Quotes derived from the local book.
    pub derived_quotes: u64,
    /// Incremental book updates.
    pub book_updates: u64,
    /// Book snapshots.
    pub snapshots: u64,
    /// Earliest exchange timestamp seen (ns).
    pub first_exchange_ts_ns: Option<i64>,
    /// Latest exchange timestamp seen (ns).
    pub last_exchange_ts_ns: Option<i64>,
}

impl SymbolStats {
    /// All events counted.
    pub fn total(&self) -> u64 {
        self.trades + self.quotes + self.derived_quotes + self.book_updates + self.snapshots
    }

    fn observe(&mut self, ts: i64, event: &TickEvent) {
        match event {
            TickEvent::Trade(_) => self.trades += 1,
            TickEvent::Quote(q) if q.from_book => self.derived_quotes += 1,
            TickEvent::Quote(_) => self.quotes += 1,
            TickEvent::Depth(d) => match d.kind {
                DepthKind::Diff => self.book_updates += 1,
                DepthKind::Snapshot => self.snapshots += 1,
            },
        }
        self.first_exchange_ts_ns = Some(self.first_exchange_ts_ns.map_or(ts, |f| f.min(ts)));
        self.last_exchange_ts_ns = Some(self.last_exchange_ts_ns.map_or(ts, |l| l.max(ts)));
    }
}

/// Per-symbol statistics, ordered by symbol.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedStats {
    per_symbol: BTreeMap<Symbol, SymbolStats>,
}

impl FeedStats {
    /// Empty statistics.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts a tick.
    pub fn observe_tick(&mut self, tick: &MarketTick) {
        self.per_symbol.entry(tick.symbol).or_default().observe(tick.exchange_ts_ns, &tick.event);
    }

    /// Counts a recorded event (before conversion to ticks).
    pub fn observe_event(&mut self, ev: &RecordedEvent) {
        self.per_symbol.entry(ev.symbol).or_default().observe(ev.exchange_ts_ns, &ev.event);
    }

    /// Counts for one symbol.
    pub fn get(&self, symbol: &Symbol) -> Option<&SymbolStats> {
        self.per_symbol.get(symbol)
    }

    /// All symbols' counts, ordered by symbol.
    pub fn iter(&self) -> impl Iterator<Item = (&Symbol, &SymbolStats)> {
        self.per_symbol.iter()
    }
}

fn ts(ns: Option<i64>) -> String {
    ns.map_or_else(
        || "-".to_owned(),
        |v| format!("{}.{:09}", v.div_euclid(1_000_000_000), v.rem_euclid(1_000_000_000)),
    )
}

impl fmt::Display for FeedStats {
    /// A plain table: one row per symbol, exchange times as `seconds.nanos` since the
    /// epoch.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<16} {:>10} {:>10} {:>10} {:>10} {:>6} {:>21} {:>21}",
            "symbol",
            "trades",
            "quotes",
            "derived",
            "book_upd",
            "snaps",
            "first_exchange_ts",
            "last_exchange_ts"
        )?;
        for (sym, s) in &self.per_symbol {
            writeln!(
                f,
                "{:<16} {:>10} {:>10} {:>10} {:>10} {:>6} {:>21} {:>21}",
                sym,
                s.trades,
                s.quotes,
                s.derived_quotes,
                s.book_updates,
                s.snapshots,
                ts(s.first_exchange_ts_ns),
                ts(s.last_exchange_ts_ns)
            )?;
        }
        Ok(())
    }
}
