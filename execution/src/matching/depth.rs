//! The levels behind the touch, from the feed's depth ticks: what a marketable order
//! walks once it has taken the touch.
//!
//! Each level holds the size the data last gave it, less what simulated orders took
//! since: liquidity taken stays taken until a depth tick sets that level again. A run of
//! snapshot ticks (ended by `end_of_event`) replaces the levels; a diff sets the levels
//! it names (size 0 removes one). Sequencing is the market-data adapter's concern: it
//! checks each venue's update ids; the levels here take the ticks as they come.

use std::collections::BTreeMap;

use mycelium_market_data::book::PriceKey;
use mycelium_market_data::{DepthKind, DepthUpdate, Level, Side};

use super::market::crosses;

/// One symbol's levels, each side keyed best first.
#[derive(Debug, Clone, Default, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub(crate) struct Depth {
    /// Bids keyed by negated price: best (highest) first.
    #[rkyv(with = rkyv::with::AsVec)]
    bids: BTreeMap<PriceKey, f64>,
    /// Asks keyed by price: best (lowest) first.
    #[rkyv(with = rkyv::with::AsVec)]
    asks: BTreeMap<PriceKey, f64>,
    /// A snapshot image is arriving (its last tick not yet seen).
    in_snapshot: bool,
}

fn key(side: Side, px: f64) -> PriceKey {
    match side {
        Side::Buy => PriceKey::new(-px),
        Side::Sell => PriceKey::new(px),
    }
}

fn price(side: Side, key: PriceKey) -> f64 {
    match side {
        Side::Buy => -key.price(),
        Side::Sell => key.price(),
    }
}

impl Depth {
    fn side_mut(&mut self, side: Side) -> &mut BTreeMap<PriceKey, f64> {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }

    /// Applies a depth tick.
    pub(crate) fn apply(&mut self, update: &DepthUpdate) {
        if update.kind == DepthKind::Snapshot && !self.in_snapshot {
            self.bids.clear();
            self.asks.clear();
        }
        self.in_snapshot = update.kind == DepthKind::Snapshot && !update.end_of_event;
        let set = |levels: &mut BTreeMap<PriceKey, f64>, side: Side, l: &Level| {
            if l.qty > 0.0 {
                levels.insert(key(side, l.price), l.qty);
            } else {
                levels.remove(&key(side, l.price));
            }
        };
        for l in &update.bids {
            set(&mut self.bids, Side::Buy, l);
        }
        for l in &update.asks {
            set(&mut self.asks, Side::Sell, l);
        }
    }

    /// The levels an order of `side` (`limit`: `None` for a market order) can take
    /// beyond the touch price `touch`, best first, as (price, size left); levels taken
    /// to nothing are left out.
    pub(crate) fn beyond(&self, side: Side, touch: f64, limit: Option<f64>) -> Vec<(f64, f64)> {
        let (levels, book_side) = match side {
            Side::Buy => (&self.asks, Side::Sell),
            Side::Sell => (&self.bids, Side::Buy),
        };
        levels
            .range(key(book_side, touch)..)
            .map(|(k, size)| (price(book_side, *k), *size))
            .skip_while(|(px, _)| *px == touch)
            .take_while(|(px, _)| limit.is_none_or(|l| crosses(side, l, *px)))
            .filter(|(_, size)| *size > 0.0)
            .collect()
    }

    /// Simulated orders of `side` took `qty` at `px` from the opposite side.
    pub(crate) fn take(&mut self, side: Side, px: f64, qty: f64) {
        let book_side = match side {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        };
        if let Some(size) = self.side_mut(book_side).get_mut(&key(book_side, px)) {
            *size = (*size - qty).max(0.0);
        }
    }
}
