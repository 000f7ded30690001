//! Backtest statistics: the equity curve per interval of exchange time, its maximum
//! drawdown and the Sharpe ratio of its per-interval PnL, turnover, fees, fill ratio and
//! maker share. One [`BacktestRecorder`] watches a run (the execution actor feeds it);
//! [`BacktestRecorder::finish`] computes the [`BacktestStats`]. Exchange time only, so the
//! same data and seed give the same statistics.
//!
//! # The curve
//!
//! Equity is the sum over positions of `cash + qty * mark` (each position's total PnL,
//! net of fees; mark: mid, else last trade, else the average entry price). Time is cut
//! into intervals of `interval_ns` from the first tick; each point is the equity at the
//! end of an interval that saw a tick. The interval starts at [`START_INTERVAL_NS`] and
//! doubles (merging pairs of points) whenever the curve would exceed [`MAX_POINTS`], so
//! memory stays bounded over any run and a short run still has a curve to measure.
//!
//! # The figures
//!
//! - **Max drawdown**: the largest fall of equity from a previous peak (the start, at
//!   zero equity, counts as a peak), in the quote currency.
//! - **Sharpe**: the mean of the per-interval PnL over its sample standard deviation,
//!   over every interval from the first tick's to the last (an interval without ticks
//!   has zero PnL). Annualised by `sqrt(intervals per year)`, a year being 365 days of
//!   exchange time (crypto trades every day). No risk-free rate. `None` with fewer than
//!   two intervals or no variation.
//! - **Turnover**: the traded notional, `sum(qty * px)` over fills.
//! - **Fill ratio**: filled quantity over the quantity of accepted orders.
//! - **Maker share**: the maker fills' quantity over the filled quantity.

use serde::{Deserialize, Serialize};

use crate::order::{Fill, Liquidity};

/// The first equity interval: 1 ms of exchange time.
pub const START_INTERVAL_NS: i64 = 1_000_000;
/// The most points the curve keeps before its interval doubles.
pub const MAX_POINTS: usize = 2_048;
/// A year of exchange time, for annualising (365 days).
pub const YEAR_NS: f64 = 365.0 * 86_400.0 * 1e9;

/// One point of the equity curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EquityPoint {
    /// The end of the interval, exchange time in ns since the Unix epoch.
    pub ts_ns: i64,
    /// Equity (total PnL, net of fees) at that time.
    pub equity: f64,
}

/// A run's backtest statistics (see the [module docs](self)).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BacktestStats {
    /// The curve's interval, exchange-time ns.
    pub interval_ns: i64,
    /// The equity curve, one point per interval that saw a tick.
    pub equity: Vec<EquityPoint>,
    /// Equity at the end of the run.
    pub final_equity: f64,
    /// The largest fall from a previous peak (>= 0).
    pub max_drawdown: f64,
    /// Mean over standard deviation of the per-interval PnL; `None` if undefined.
    pub sharpe: Option<f64>,
    /// [`sharpe`](Self::sharpe) times `sqrt(YEAR_NS / interval_ns)`.
    pub sharpe_annualised: Option<f64>,
    /// Traded notional.
    pub turnover: f64,
    /// Fees paid (negative: rebates earned).
    pub fees: f64,
    /// Fills.
    pub fills: u64,
    /// Quantity of the accepted orders.
    pub ordered_qty: f64,
    /// Quantity filled.
    pub filled_qty: f64,
    /// Quantity filled as maker.
    pub maker_qty: f64,
    /// `filled_qty / ordered_qty`; `None` when nothing was ordered.
    pub fill_ratio: Option<f64>,
    /// `maker_qty / filled_qty`; `None` when nothing filled.
    pub maker_share: Option<f64>,
}

/// Watches a run and computes its [`BacktestStats`].
#[derive(Debug, Clone)]
pub struct BacktestRecorder {
    start_ns: Option<i64>,
    interval_ns: i64,
    /// `(interval index from start_ns, equity at its end)`, ascending indices.
    points: Vec<(i64, f64)>,
    /// The interval of the last tick and the latest equity seen in it.
    current: Option<i64>,
    turnover: f64,
    fills: u64,
    ordered_qty: f64,
    filled_qty: f64,
    maker_qty: f64,
}

impl Default for BacktestRecorder {
    fn default() -> Self {
        Self::new()
    }
}

impl BacktestRecorder {
    /// Nothing recorded yet.
    pub fn new() -> Self {
        Self {
            start_ns: None,
            interval_ns: START_INTERVAL_NS,
            points: Vec::new(),
            current: None,
            turnover: 0.0,
            fills: 0,
            ordered_qty: 0.0,
            filled_qty: 0.0,
            maker_qty: 0.0,
        }
    }

    /// A tick at exchange time `ts_ns` is about to be applied; `equity` is the equity
    /// before it (so, at the end of the previous tick's interval). Cheap unless the tick
    /// opens a new interval: `equity` is only called then.
    pub fn on_tick(&mut self, ts_ns: i64, equity: impl FnOnce() -> f64) {
        let start = *self.start_ns.get_or_insert(ts_ns);
        let index = (ts_ns - start).max(0) / self.interval_ns;
        match self.current {
            Some(current) if current >= index => {}
            Some(current) => {
                self.close(current, equity());
                // The interval may have doubled.
                self.current = Some((ts_ns - start).max(0) / self.interval_ns);
            }
            None => self.current = Some(index),
        }
    }

    /// An order of quantity `qty` was accepted.
    pub fn on_accepted(&mut self, qty: f64) {
        self.ordered_qty += qty;
    }

    /// A fill.
    pub fn on_fill(&mut self, fill: &Fill) {
        self.fills += 1;
        self.turnover += fill.qty * fill.px;
        self.filled_qty += fill.qty;
        if fill.liquidity == Liquidity::Maker {
            self.maker_qty += fill.qty;
        }
    }

    fn close(&mut self, index: i64, equity: f64) {
        // An interval's index can only fall behind the last point's after a doubling
        // merged them; the later equity wins.
        match self.points.last_mut() {
            Some(last) if last.0 >= index => last.1 = equity,
            _ => self.points.push((index, equity)),
        }
        if self.points.len() > MAX_POINTS {
            self.double_interval();
        }
    }

    fn double_interval(&mut self) {
        self.interval_ns *= 2;
        let mut merged: Vec<(i64, f64)> = Vec::with_capacity(self.points.len() / 2 + 1);
        for &(index, equity) in &self.points {
            match merged.last_mut() {
                Some(last) if last.0 == index / 2 => last.1 = equity,
                _ => merged.push((index / 2, equity)),
            }
        }
        self.points = merged;
        self.current = self.current.map(|c| c / 2);
    }

    /// The statistics, with `equity` the equity now and `fees` the fees paid in all.
    pub fn finish(&self, equity: f64, fees: f64) -> BacktestStats {
        let mut points = self.points.clone();
        if let Some(current) = self.current {
            match points.last_mut() {
                Some(last) if last.0 >= current => last.1 = equity,
                _ => points.push((current, equity)),
            }
        }
        let start = self.start_ns.unwrap_or(0);
        let curve: Vec<EquityPoint> = points
            .iter()
            .map(|&(i, e)| EquityPoint { ts_ns: start + (i + 1) * self.interval_ns, equity: e })
            .collect();
        let sharpe = sharpe(&points);
        let ratio = |a: f64, b: f64| (b > 0.0).then(|| a / b);
        BacktestStats {
            interval_ns: self.interval_ns,
            final_equity: equity,
            max_drawdown: max_drawdown(curve.iter().map(|p| p.equity)),
            sharpe,
            sharpe_annualised: sharpe.map(|s| s * (YEAR_NS / self.interval_ns as f64).sqrt()),
            equity: curve,
            turnover: self.turnover,
            fees,
            fills: self.fills,
            ordered_qty: self.ordered_qty,
            filled_qty: self.filled_qty,
            maker_qty: self.maker_qty,
            fill_ratio: ratio(self.filled_qty, self.ordered_qty),
            maker_share: ratio(self.maker_qty, self.filled_qty),
        }
    }
}

/// The largest fall of `equity` from a previous peak, the start (zero) included.
pub fn max_drawdown(equity: impl IntoIterator<Item = f64>) -> f64 {
    let mut peak = 0.0_f64;
    let mut worst = 0.0_f64;
    for e in equity {
        peak = peak.max(e);
        worst = worst.max(peak - e);
    }
    worst
}

/// The per-interval Sharpe ratio of a curve given as `(interval index, equity at its
/// end)`: every interval from the first point's to the last's counts, those without a
/// point with zero PnL; the first interval's PnL is its equity (equity starts at zero).
pub fn sharpe(points: &[(i64, f64)]) -> Option<f64> {
    let (first, last) = (points.first()?.0, points.last()?.0);
    let n = (last - first + 1) as f64;
    if n < 2.0 {
        return None;
    }
    let mut prev = 0.0;
    let mut sum_sq = 0.0;
    for &(_, e) in points {
        sum_sq += (e - prev) * (e - prev);
        prev = e;
    }
    let mean = prev / n;
    let var = (sum_sq - n * mean * mean) / (n - 1.0);
    (var > 0.0).then(|| mean / var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubling_keeps_the_last_equity_of_each_merged_pair() {
        let mut r = BacktestRecorder::new();
        let mut e = 0.0;
        for k in 0..(MAX_POINTS as i64 + 2) {
            r.on_tick(k * START_INTERVAL_NS, || e);
            e = k as f64;
        }
        let s = r.finish(e, 0.0);
        assert_eq!(s.interval_ns, 2 * START_INTERVAL_NS);
        assert!(s.equity.len() <= MAX_POINTS);
        assert_eq!(s.equity.last().map(|p| p.equity), Some(e));
        assert!(s.equity.windows(2).all(|w| w[0].ts_ns < w[1].ts_ns));
    }
}
