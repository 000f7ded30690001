//! [`L2Deriver`]: the L2 stream a venue publishes from its L3 book.
//!
//! For each L3 event the venue publishes the new absolute size of the level it changed,
//! as a depth diff ([`DepthKind::Diff`], no update ids: an unsequenced stream, applied as
//! it comes); an execution is published first as a trade (one per maker order, at the
//! maker's price, aggressor = the taker's side, as Binance's per-match trade stream),
//! then as the depth diff. A level whose last order leaves is published with size 0.
//! The stream starts from an empty book.
//!
//! [`Grid`] is the one place where integer ticks and lots become the tick model's prices
//! and sizes (and back).

use super::{L3Book, L3Change, L3Error, L3Event, L3Kind, Lots, Ticks};
use crate::tick::{DepthKind, DepthUpdate, Level, MarketTick, Side, Symbol, TickEvent, Trade};

/// An instrument's price and size grid: `ticks_per_unit` ticks make one unit of price
/// (10 for a 0.1 tick), `lots_per_unit` lots one unit of size (1000 for a 0.001 lot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    /// Ticks per price unit.
    pub ticks_per_unit: i64,
    /// Lots per size unit.
    pub lots_per_unit: i64,
}

impl Default for Grid {
    /// Binance USD-M BTCUSDT's grid: tick 0.1, lot 0.001.
    fn default() -> Self {
        Self { ticks_per_unit: 10, lots_per_unit: 1000 }
    }
}

impl Grid {
    /// A level in the tick model's values. The division is correctly rounded, so the
    /// price is the `f64` a reader parsing the venue's decimal text would produce.
    pub fn level(&self, px: Ticks, qty: Lots) -> Level {
        Level {
            price: px as f64 / self.ticks_per_unit as f64,
            qty: qty as f64 / self.lots_per_unit as f64,
        }
    }

    /// A tick-model price back in ticks (nearest).
    pub fn ticks(&self, price: f64) -> Ticks {
        (price * self.ticks_per_unit as f64).round() as Ticks
    }

    /// A tick-model size back in lots (nearest).
    pub fn lots(&self, qty: f64) -> Lots {
        (qty * self.lots_per_unit as f64).round() as Lots
    }
}

/// Turns an L3 stream into the venue's L2 stream (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct L2Deriver {
    symbol: Symbol,
    grid: Grid,
    book: L3Book,
    seq: u64,
}

impl L2Deriver {
    /// A deriver for `symbol` on `grid`, from an empty book.
    pub fn new(symbol: Symbol, grid: Grid) -> Self {
        Self { symbol, grid, book: L3Book::new(), seq: 0 }
    }

    /// The L3 book after the events applied so far.
    pub fn book(&self) -> &L3Book {
        &self.book
    }

    /// The grid.
    pub fn grid(&self) -> Grid {
        self.grid
    }

    fn tick(&mut self, ts: i64, event: TickEvent) -> MarketTick {
        self.seq += 1;
        MarketTick {
            symbol: self.symbol,
            seq: self.seq,
            exchange_ts_ns: ts,
            local_ts_ns: ts,
            event,
        }
    }

    /// Applies one L3 event to the book and appends the venue's ticks for it to `out`.
    /// An event that does not apply (see [`L3Error`]) changes nothing and publishes
    /// nothing.
    pub fn apply(&mut self, ev: &L3Event, out: &mut Vec<MarketTick>) -> Result<L3Change, L3Error> {
        let change = self.book.apply(ev)?;
        if let L3Kind::Execute { qty, .. } = ev.kind {
            let l = self.grid.level(change.px, qty);
            let aggressor = Some(change.side.opposite());
            let trade = Trade { px: l.price, qty: l.qty, aggressor };
            let t = self.tick(ev.ts_ns, TickEvent::Trade(trade));
            out.push(t);
        }
        let level = vec![self.grid.level(change.px, change.level_qty)];
        let (bids, asks) = match change.side {
            Side::Buy => (level, Vec::new()),
            Side::Sell => (Vec::new(), level),
        };
        let depth =
            DepthUpdate { kind: DepthKind::Diff, ids: None, end_of_event: true, bids, asks };
        let t = self.tick(ev.ts_ns, TickEvent::Depth(Box::new(depth)));
        out.push(t);
        Ok(change)
    }
}
