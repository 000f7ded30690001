//! [`FidelityReport`]: each queue model's fills against the L3 truth, order by order.

use std::fmt;

use mycelium_market_data::l3::Lots;

use super::fills::FillLog;
use crate::queue_model::QueueModel;

/// One model's fills compared with the truth's.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFidelity {
    /// The model.
    pub model: QueueModel,
    /// Number of fills (one taker's executions count once).
    pub fills: u64,
    /// Filled quantity, lots.
    pub qty: Lots,
    /// Orders with at least one fill.
    pub orders_filled: u64,
    /// Orders filled both here and in the truth (the fill-time errors are over these).
    pub both_filled: u64,
    /// Mean of (first fill here - first fill in the truth), ms; negative = early.
    pub mean_error_ms: f64,
    /// 99th percentile of |first fill here - first fill in the truth|, ms.
    pub p99_abs_error_ms: f64,
    /// Orders filled earlier than in the truth (or filled here and never in the truth).
    pub early: u64,
    /// Orders filled more than in the truth.
    pub over: u64,
}

/// Every model's fidelity on one seeded run.
#[derive(Debug, Clone, PartialEq)]
pub struct FidelityReport {
    /// L3 events replayed.
    pub events: u64,
    /// Orders our rule placed.
    pub orders: u64,
    /// The truth's fills.
    pub truth_fills: u64,
    /// The truth's filled quantity, lots.
    pub truth_qty: Lots,
    /// Orders the truth filled.
    pub truth_orders_filled: u64,
    /// One row per model, in the configured order.
    pub models: Vec<ModelFidelity>,
    /// One row per model the simulated exchange ran under, in the configured order.
    pub exchange: Vec<ModelFidelity>,
}

impl ModelFidelity {
    /// Compares `log` (under `model`) with the `truth`, order by order.
    pub(crate) fn compare(model: QueueModel, log: &FillLog, truth: &FillLog) -> Self {
        let mut errors_ns = Vec::new();
        let (mut early, mut over) = (0, 0);
        for (id, mine) in log.filled_orders() {
            let real = truth.of(id);
            over += u64::from(mine.qty > real.qty);
            match (mine.first_ts_ns, real.first_ts_ns) {
                (Some(m), Some(t)) => {
                    early += u64::from(m < t);
                    errors_ns.push(m - t);
                }
                (Some(_), None) => early += 1,
                _ => {}
            }
        }
        let n = errors_ns.len();
        let mean_error_ms =
            if n == 0 { 0.0 } else { errors_ns.iter().sum::<i64>() as f64 / n as f64 / 1e6 };
        let mut abs: Vec<i64> = errors_ns.iter().map(|e| e.abs()).collect();
        abs.sort_unstable();
        let p99_abs_error_ms =
            if n == 0 { 0.0 } else { abs[(n * 99).div_ceil(100) - 1] as f64 / 1e6 };
        Self {
            model,
            fills: log.fills(),
            qty: log.qty(),
            orders_filled: log.filled_orders().count() as u64,
            both_filled: n as u64,
            mean_error_ms,
            p99_abs_error_ms,
            early,
            over,
        }
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        f64::NAN
    } else {
        a / b
    }
}

impl fmt::Display for FidelityReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} L3 events, {} orders; truth (L3 FIFO): {} fills, {} lots, {} orders filled",
            self.events, self.orders, self.truth_fills, self.truth_qty, self.truth_orders_filled
        )?;
        writeln!(
            f,
            "| model | fills vs truth | qty vs truth | orders filled | mean fill-time error ms | p99 abs error ms | early | over |"
        )?;
        writeln!(f, "|---|---|---|---|---|---|---|---|")?;
        let rows = self
            .models
            .iter()
            .map(|m| (m, ""))
            .chain(self.exchange.iter().map(|m| (m, "exchange, ")));
        for (m, by) in rows {
            writeln!(
                f,
                "| {by}{} | {:.3} ({}) | {:.3} ({}) | {} | {:+.1} | {:.1} | {} | {} |",
                m.model,
                ratio(m.fills as f64, self.truth_fills as f64),
                m.fills,
                ratio(m.qty as f64, self.truth_qty as f64),
                m.qty,
                m.orders_filled,
                m.mean_error_ms,
                m.p99_abs_error_ms,
                m.early,
                m.over,
            )?;
        }
        Ok(())
    }
}
