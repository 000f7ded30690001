//! A moving-average crossover, per symbol it trades: long when the fast average of
//! the mid is above the slow one, short when below, flat until both are full.

use std::collections::{HashMap, VecDeque};

use mycelium_market_data::{MarketTick, Side, Symbol};
use serde::Deserialize;

use super::{reference_price, Symbols};
use crate::strategy::{Strategy, StrategyContext};

/// Parameters of [`MovingAverageCross`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MovingAverageParams {
    /// The symbols it trades; empty: every symbol of the feed.
    pub symbols: Vec<String>,
    /// Ticks (of its symbol) in the fast average.
    pub fast: usize,
    /// Ticks (of its symbol) in the slow average.
    pub slow: usize,
    /// Size of the position held, long or short.
    pub qty: f64,
}

impl Default for MovingAverageParams {
    fn default() -> Self {
        Self { symbols: Vec::new(), fast: 20, slow: 100, qty: 1.0 }
    }
}

impl MovingAverageParams {
    /// Checks that the parameters can be right; the error names the key.
    pub fn check(&self) -> Result<(), String> {
        Symbols::parse(&self.symbols)?;
        super::positive("qty", self.qty)?;
        if self.fast == 0 {
            return Err("fast must be at least 1".into());
        }
        if self.fast >= self.slow {
            return Err(format!(
                "fast ({}) must be less than slow ({}): the crossover compares a short average with a longer one",
                self.fast, self.slow
            ));
        }
        Ok(())
    }
}

/// See the module docs.
pub struct MovingAverageCross {
    params: MovingAverageParams,
    symbols: Symbols,
    averages: HashMap<Symbol, (Window, Window)>,
}

impl MovingAverageCross {
    /// A strategy with `params` (symbols that do not parse are left out: the registry
    /// checks them first).
    pub fn new(params: MovingAverageParams) -> Self {
        let symbols = Symbols::parse(&params.symbols).unwrap_or_default();
        Self { params, symbols, averages: HashMap::new() }
    }
}

impl Strategy for MovingAverageCross {
    fn on_tick(&mut self, tick: &MarketTick, ctx: &mut StrategyContext) {
        let symbol = tick.symbol;
        if !self.symbols.trades(&symbol) {
            return;
        }
        let Some(px) = reference_price(tick) else {
            return;
        };
        let p = &self.params;
        let (fast, slow) = self
            .averages
            .entry(symbol)
            .or_insert_with(|| (Window::new(p.fast.max(1)), Window::new(p.slow.max(2))));
        fast.push(px);
        slow.push(px);
        if !slow.is_full() || ctx.open_orders().any(|o| o.order.symbol == symbol) {
            return;
        }
        let target = if fast.mean() > slow.mean() { p.qty } else { -p.qty };
        let delta = target - ctx.position(&symbol).qty.to_f64();
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
