//! A moving-average crossover: long when the fast average of the mid is above the slow
//! one, short when below, flat until both are full.

use std::collections::VecDeque;

use mycelium_market_data::{MarketTick, Side, Symbol};
use serde::Deserialize;

use super::reference_price;
use crate::strategy::{Strategy, StrategyContext};

/// Parameters of [`MovingAverageCross`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MovingAverageParams {
    /// Trade only this symbol (default: the first one seen).
    pub symbol: Option<String>,
    /// Ticks in the fast average.
    pub fast: usize,
    /// Ticks in the slow average.
    pub slow: usize,
    /// Size of the position held, long or short.
    pub qty: f64,
}

impl Default for MovingAverageParams {
    fn default() -> Self {
        Self { symbol: None, fast: 20, slow: 100, qty: 1.0 }
    }
}

/// See the module docs.
pub struct MovingAverageCross {
    params: MovingAverageParams,
    symbol: Option<Symbol>,
    fast: Window,
    slow: Window,
}

impl MovingAverageCross {
    /// A strategy with `params`.
    pub fn new(params: MovingAverageParams) -> Self {
        let symbol = params.symbol.as_deref().and_then(|s| s.parse().ok());
        Self {
            fast: Window::new(params.fast.max(1)),
            slow: Window::new(params.slow.max(2)),
            symbol,
            params,
        }
    }
}

impl Strategy for MovingAverageCross {
    fn on_tick(&mut self, tick: &MarketTick, ctx: &mut StrategyContext) {
        let symbol = *self.symbol.get_or_insert(tick.symbol);
        if tick.symbol != symbol {
            return;
        }
        let Some(px) = reference_price(tick) else {
            return;
        };
        self.fast.push(px);
        self.slow.push(px);
        if !self.slow.is_full() || ctx.open_orders().next().is_some() {
            return;
        }
        let target =
            if self.fast.mean() > self.slow.mean() { self.params.qty } else { -self.params.qty };
        let delta = target - ctx.position(&symbol).qty;
        if delta.abs() > 1e-12 {
            let side = if delta > 0.0 { Side::Buy } else { Side::Sell };
            ctx.market(symbol, side, delta.abs());
        }
    }
}

/// A fixed-size window with a running sum.
struct Window {
    values: VecDeque<f64>,
    size: usize,
    sum: f64,
}

impl Window {
    fn new(size: usize) -> Self {
        Self { values: VecDeque::with_capacity(size), size, sum: 0.0 }
    }
    fn push(&mut self, v: f64) {
        if self.values.len() == self.size {
            self.sum -= self.values.pop_front().unwrap_or(0.0);
        }
        self.values.push_back(v);
        self.sum += v;
    }
    fn is_full(&self) -> bool {
        self.values.len() == self.size
    }
    fn mean(&self) -> f64 {
        self.sum / self.values.len().max(1) as f64
    }
}
