//! An L2 order book with Binance's depth-stream sequencing rules.
//!
//! [`OrderBook`] holds absolute sizes per price level (a size of zero deletes the level).
//! [`SequencedBook`] wraps it with the procedure Binance documents for keeping a local
//! book in sync with a REST snapshot plus the diff stream:
//!
//! - **USD-M futures** (diffs carry `pu`): after a snapshot with `lastUpdateId` `L`, drop
//!   diffs with `u < L`; the first applied diff must have `U <= L <= u`; every later
//!   diff's `pu` must equal the previous diff's `u`.
//! - **Spot** (`depth@100ms`, no `pu`): drop diffs with `u <= L`; the first applied diff
//!   must have `U <= L + 1 <= u`; every later diff's `U` must be the previous `u + 1`.
//!
//! Diffs that arrive before the snapshot are buffered (bounded) and replayed when it
//! arrives, as the venue's procedure prescribes. A break in the chain is returned as a
//! [`SequenceError`], never applied; the book then waits for a new snapshot.
//! Diffs without update ids (e.g. Tardis `incremental_book_L2`) are applied unchecked.

use std::collections::BTreeMap;

use crate::tick::{Level, Quote};

mod sequencing;

pub use sequencing::{ApplyOutcome, SequenceError, SequencedBook, SyncState};

/// A price usable as a `BTreeMap` key, ordered as [`f64::total_cmp`] orders prices.
///
/// It holds the price's bits already turned into an integer with that order (the
/// transform `total_cmp` applies to both sides of every comparison), so each of the
/// dozens of comparisons in a map lookup is one integer compare: a depth diff
/// updates hundreds of levels, and the comparisons were most of the book's cost.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
pub struct PriceKey(i64);

impl PriceKey {
    /// The key of `price`.
    #[inline]
    pub fn new(price: f64) -> Self {
        Self(order_bits(price.to_bits() as i64))
    }

    /// The price back.
    #[inline]
    pub fn price(self) -> f64 {
        f64::from_bits(order_bits(self.0) as u64)
    }
}

/// `f64::total_cmp`'s transform: flips every bit but the sign of a negative number,
/// so that signed integer order is the total order of the floats. Its own inverse.
#[inline]
fn order_bits(bits: i64) -> i64 {
    bits ^ ((((bits >> 63) as u64) >> 1) as i64)
}

/// Plain L2 book: price -> absolute size, per side.
#[derive(Debug, Clone, Default)]
pub struct OrderBook {
    bids: BTreeMap<PriceKey, f64>,
    asks: BTreeMap<PriceKey, f64>,
}

fn set_level(side: &mut BTreeMap<PriceKey, f64>, level: &Level) {
    if level.qty == 0.0 {
        side.remove(&PriceKey::new(level.price));
    } else {
        side.insert(PriceKey::new(level.price), level.qty);
    }
}

impl OrderBook {
    /// An empty book.
    pub fn new() -> Self {
        Self::default()
    }

    /// Removes every level.
    pub fn clear(&mut self) {
        self.bids.clear();
        self.asks.clear();
    }

    /// Applies absolute-size level updates (size 0 deletes).
    pub fn apply_levels(&mut self, bids: &[Level], asks: &[Level]) {
        for l in bids {
            set_level(&mut self.bids, l);
        }
        for l in asks {
            set_level(&mut self.asks, l);
        }
    }

    /// Replaces the book with the given levels.
    pub fn apply_snapshot(&mut self, bids: &[Level], asks: &[Level]) {
        self.clear();
        self.apply_levels(bids, asks);
    }

    /// Best (highest) bid as (price, size).
    pub fn best_bid(&self) -> Option<(f64, f64)> {
        self.bids.iter().next_back().map(|(k, q)| (k.price(), *q))
    }

    /// Best (lowest) ask as (price, size).
    pub fn best_ask(&self) -> Option<(f64, f64)> {
        self.asks.iter().next().map(|(k, q)| (k.price(), *q))
    }

    /// Top of book as a [`Quote`] (`from_book = true`), when both sides are non-empty.
    pub fn top(&self) -> Option<Quote> {
        let (bid_px, bid_qty) = self.best_bid()?;
        let (ask_px, ask_qty) = self.best_ask()?;
        Some(Quote { bid_px, bid_qty, ask_px, ask_qty, from_book: true })
    }

    /// Number of (bid, ask) levels.
    pub fn depth(&self) -> (usize, usize) {
        (self.bids.len(), self.asks.len())
    }

    /// Bid levels, best first.
    pub fn bids(&self) -> impl Iterator<Item = Level> + '_ {
        self.bids.iter().rev().map(|(k, q)| Level { price: k.price(), qty: *q })
    }

    /// Ask levels, best first.
    pub fn asks(&self) -> impl Iterator<Item = Level> + '_ {
        self.asks.iter().map(|(k, q)| Level { price: k.price(), qty: *q })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_keys_order_as_total_cmp_and_give_the_price_back() {
        let prices =
            [-1e9, -100.5, -1.0, -0.0, 0.0, 1e-9, 0.1, 1.0, 100.25, 62_000.1, 1e12, f64::INFINITY];
        for a in prices {
            assert_eq!(PriceKey::new(a).price().to_bits(), a.to_bits());
            for b in prices {
                assert_eq!(PriceKey::new(a).cmp(&PriceKey::new(b)), a.total_cmp(&b), "{a} vs {b}");
            }
        }
    }

    fn lv(price: f64, qty: f64) -> Level {
        Level { price, qty }
    }

    #[test]
    fn levels_update_and_delete() {
        let mut b = OrderBook::new();
        b.apply_snapshot(&[lv(100.0, 1.0), lv(99.0, 2.0)], &[lv(101.0, 3.0)]);
        assert_eq!(b.best_bid(), Some((100.0, 1.0)));
        b.apply_levels(&[lv(100.0, 0.0)], &[lv(100.5, 1.0)]);
        assert_eq!(b.best_bid(), Some((99.0, 2.0)));
        assert_eq!(b.best_ask(), Some((100.5, 1.0)));
    }
}
