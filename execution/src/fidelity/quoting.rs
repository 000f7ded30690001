//! [`QuoteRule`]: the simple market-making rule the fidelity runs (and the hftbacktest
//! peer bench) drive: quote both sides at the touch, checked every N market-data events.
//!
//! Its decisions depend on the touch and the event count only, never on fills: every
//! simulation of the same data sees the same orders, at the same prices and times, so
//! their fills compare order by order.

use mycelium_market_data::l3::{Lots, OrderId, Ticks};
use mycelium_market_data::Side;

/// One decision of the [`QuoteRule`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteAction {
    /// Send a post-only limit order.
    Place {
        /// Our order id (from 1, in decision order).
        id: OrderId,
        /// Side.
        side: Side,
        /// Limit price.
        px: Ticks,
        /// Size.
        qty: Lots,
    },
    /// Cancel an order placed before (it may have filled meanwhile).
    Cancel {
        /// Our order id.
        id: OrderId,
    },
}

/// Quote `qty` on both sides at the touch; every `every`-th event, a side whose quote is
/// not at the current touch has it cancelled and replaced at the touch.
#[derive(Debug, Clone)]
pub struct QuoteRule {
    every: u64,
    qty: Lots,
    seen: u64,
    next_id: OrderId,
    /// Current quote per side: (id, price); bid first.
    quotes: [Option<(OrderId, Ticks)>; 2],
}

impl QuoteRule {
    /// The rule, checking every `every` events (at least 1), quoting `qty`.
    pub fn new(every: u64, qty: Lots) -> Self {
        Self { every: every.max(1), qty, seen: 0, next_id: 1, quotes: [None, None] }
    }

    /// One market-data event seen, with the touch after it; decisions go to `out`.
    pub fn on_event(
        &mut self,
        best_bid: Option<Ticks>,
        best_ask: Option<Ticks>,
        out: &mut Vec<QuoteAction>,
    ) {
        self.seen += 1;
        if !self.seen.is_multiple_of(self.every) {
            return;
        }
        for (i, (side, touch)) in
            [(Side::Buy, best_bid), (Side::Sell, best_ask)].into_iter().enumerate()
        {
            let Some(px) = touch else {
                continue;
            };
            match self.quotes[i] {
                Some((_, quoted)) if quoted == px => {}
                old => {
                    if let Some((id, _)) = old {
                        out.push(QuoteAction::Cancel { id });
                    }
                    let id = self.next_id;
                    self.next_id += 1;
                    self.quotes[i] = Some((id, px));
                    out.push(QuoteAction::Place { id, side, px, qty: self.qty });
                }
            }
        }
    }
}
