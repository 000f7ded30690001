//! The simulated exchange's view of one symbol's market: the last quote, the displayed
//! liquidity left for simulated orders, and the last trade price.

use mycelium_market_data::book::PriceKey;
use mycelium_market_data::{Qty, Quote, Side};

/// One side of the top of book.
#[derive(Debug, Clone, Copy, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub(crate) struct Top {
    /// Quoted price.
    pub(crate) px: f64,
    /// Displayed size not yet taken by simulated orders (`INFINITY` when the venue gives
    /// no size).
    pub(crate) avail: f64,
    /// Displayed size as the quote gave it (`INFINITY` when not given): the queue at this
    /// price, which simulated orders taking here do not shorten (the data's orders stay
    /// ahead of a simulated order that joins).
    pub(crate) shown: f64,
}

/// Top of book and last trade of one symbol.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize,
)]
pub(crate) struct MarketState {
    pub(crate) bid: Option<Top>,
    pub(crate) ask: Option<Top>,
    pub(crate) last_trade: Option<f64>,
}

/// A displayed size: `0` (or anything not > 0) means "unknown", taken as unlimited.
pub(crate) fn displayed(qty: f64) -> f64 {
    if qty > 0.0 {
        qty
    } else {
        f64::INFINITY
    }
}

fn top(px: f64, qty: f64) -> Option<Top> {
    (px.is_finite() && px > 0.0).then(|| Top { px, avail: displayed(qty), shown: displayed(qty) })
}

impl MarketState {
    /// Replaces the top of book (and with it the liquidity left to take).
    pub(crate) fn apply_quote(&mut self, q: &Quote) {
        self.bid = top(q.bid_px, q.bid_qty);
        self.ask = top(q.ask_px, q.ask_qty);
    }

    /// The side an order of `side` takes from (the ask for a buy).
    pub(crate) fn opposite(&mut self, side: Side) -> &mut Option<Top> {
        match side {
            Side::Buy => &mut self.ask,
            Side::Sell => &mut self.bid,
        }
    }

    /// The side an order of `side` rests on (the bid for a buy).
    pub(crate) fn same(&self, side: Side) -> Option<Top> {
        match side {
            Side::Buy => self.bid,
            Side::Sell => self.ask,
        }
    }

    /// Mid when both sides are quoted, else the last trade price.
    pub(crate) fn reference_price(&self) -> Option<f64> {
        match (self.bid, self.ask) {
            (Some(b), Some(a)) => Some((b.px + a.px) / 2.0),
            _ => self.last_trade,
        }
    }
}

/// The map key that orders one side's prices best first: a bid's price negated (the
/// highest first), an ask's as it is. Resting orders and depth levels both key by it.
pub(crate) fn best_first(side: Side, px: f64) -> PriceKey {
    match side {
        Side::Buy => PriceKey::new(-px),
        Side::Sell => PriceKey::new(px),
    }
}

/// The price a [`best_first`] key stands for.
pub(crate) fn price_of(side: Side, key: PriceKey) -> f64 {
    match side {
        Side::Buy => -key.price(),
        Side::Sell => key.price(),
    }
}

/// A size in fixed-point units; `None` when not given (infinite).
pub(crate) fn raw_qty(qty: f64) -> Option<i64> {
    qty.is_finite().then(|| Qty::from_f64(qty).map_or(0, |q| q.raw()))
}

/// `true` when a `side` order at `limit` may trade at `px` (buy: `px <= limit`).
pub(crate) fn crosses(side: Side, limit: f64, px: f64) -> bool {
    match side {
        Side::Buy => px <= limit,
        Side::Sell => px >= limit,
    }
}
