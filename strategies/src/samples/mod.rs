//! Sample strategies, each with its parameters. Each trades the symbols its `symbols`
//! parameter lists, every one the same way and on its own; an empty (or absent) list
//! trades every symbol of the feed.

mod market_maker;
mod moving_average;

pub use market_maker::{MarketMaker, MarketMakerParams};
pub use moving_average::{MovingAverageCross, MovingAverageParams};

use mycelium_market_data::{MarketTick, Symbol, TickEvent};

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

/// The symbols a sample trades: those listed, or all when none are.
#[derive(Debug, Clone, Default)]
pub(crate) struct Symbols(Vec<Symbol>);

impl Symbols {
    /// The `symbols` parameter; an invalid name is an error naming the key.
    pub(crate) fn parse(names: &[String]) -> Result<Self, String> {
        names
            .iter()
            .map(|n| n.parse().map_err(|e| format!("symbols: {n:?}: {e}")))
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Whether `symbol` is traded.
    pub(crate) fn trades(&self, symbol: &Symbol) -> bool {
        self.0.is_empty() || self.0.contains(symbol)
    }
}

fn positive(key: &str, v: f64) -> Result<(), String> {
    if v > 0.0 && v.is_finite() {
        Ok(())
    } else {
        Err(format!("{key} must be positive, not {v}"))
    }
}

fn not_negative(key: &str, v: f64) -> Result<(), String> {
    if v >= 0.0 && v.is_finite() {
        Ok(())
    } else {
        Err(format!("{key} must be 0 or more, not {v}"))
    }
}
