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

use super::market::{best_first, crosses, price_of};

/// One symbol's levels, each side keyed best first ([`best_first`]).
#[derive(Debug, Clone, Default, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub(crate) struct Depth {
    #[rkyv(with = rkyv::with::AsVec)]
    bids: BTreeMap<PriceKey, f64>,
    #[rkyv(with = rkyv::with::AsVec)]
    asks: BTreeMap<PriceKey, f64>,
    /// A snapshot image is arriving (its last tick not yet seen).
    in_snapshot: bool,
}

impl Depth {
    fn side(&self, side: Side) -> &BTreeMap<PriceKey, f64> {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

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
        for (side, levels) in [(Side::Buy, &update.bids), (Side::Sell, &update.asks)] {
            let book = self.side_mut(side);
            for &Level { price, qty } in levels {
                if qty > 0.0 {
                    book.insert(best_first(side, price), qty);
                } else {
                    book.remove(&best_first(side, price));
                }
            }
        }
    }

    /// The levels an order of `side` (`limit`: `None` for a market order) can take
    /// beyond the touch price `touch`, best first, as (price, size left); levels taken
    /// to nothing are left out.
    pub(crate) fn beyond(
        &self,
        side: Side,
        touch: f64,
        limit: Option<f64>,
    ) -> impl Iterator<Item = (f64, f64)> + '_ {
        let book_side = side.opposite();
        self.side(book_side)
            .range(best_first(book_side, touch)..)
            .map(move |(k, size)| (price_of(book_side, *k), *size))
            .skip_while(move |(px, _)| *px == touch)
            .take_while(move |(px, _)| limit.is_none_or(|l| crosses(side, l, *px)))
            .filter(|(_, size)| *size > 0.0)
    }

    /// Simulated orders of `side` took `qty` at `px` from the opposite side.
    pub(crate) fn take(&mut self, side: Side, px: f64, qty: f64) {
        let book_side = side.opposite();
        if let Some(size) = self.side_mut(book_side).get_mut(&best_first(book_side, px)) {
            *size = (*size - qty).max(0.0);
        }
    }
}
