//! Sample strategies, each with its parameters.

mod market_maker;
mod moving_average;

pub use market_maker::{MarketMaker, MarketMakerParams};
pub use moving_average::{MovingAverageCross, MovingAverageParams};

use mycelium_market_data::{MarketTick, TickEvent};

/// The mid price of a quote, or the price of a trade.
pub(crate) fn reference_price(tick: &MarketTick) -> Option<f64> {
    match &tick.event {
        TickEvent::Quote(q) if q.bid_px > 0.0 && q.ask_px > 0.0 => {
            Some((q.bid_px + q.ask_px) / 2.0)
        }
        TickEvent::Trade(t) => Some(t.px),
        _ => None,
    }
}
