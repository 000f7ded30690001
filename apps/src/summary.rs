//! The console summary at the end of a run.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use mycelium_execution::{BacktestStats, Hop, Terms};
use mycelium_market_data::{Money, Price};

use crate::pipeline::RunOutcome;

/// The hops the summary always shows, in pipeline order.
const SUMMARY_HOPS: [Hop; 3] = [Hop::TickToStrategy, Hop::StrategyToExecution, Hop::TickToOrder];

/// The summary as text: ticks, orders, fills, rejects by reason, PnL per strategy, and
/// latency percentiles.
pub fn render(outcome: &RunOutcome) -> String {
    let mut out = String::new();
    let stats = &outcome.execution.stats;
    let secs = outcome.elapsed.as_secs_f64().max(1e-9);
    let _ = writeln!(
        out,
        "ticks {}  in {:.2} s ({:.0} ticks/s)  strategy restarts {}",
        outcome.ticks,
        secs,
        outcome.ticks as f64 / secs,
        outcome.restarts
    );
    let _ = writeln!(
        out,
        "orders {}  accepted {}  fills {}  filled orders {}  cancelled {}  rejected {}",
        stats.orders,
        stats.accepted,
        stats.fills,
        stats.filled_orders,
        stats.cancelled_orders,
        stats.rejects()
    );
    for (reason, n) in &stats.rejected {
        let _ = writeln!(out, "  rejected: {reason}: {n}");
    }
    let _ = writeln!(
        out,
        "\n{:<10} {:<12} {:<5} {:>10} {:>14} {:>14} {:>12} {:>12} {:>14}",
        "strategy",
        "symbol",
        "ccy",
        "position",
        "realized",
        "unrealized",
        "fees paid",
        "rebates",
        "total pnl"
    );
    let instruments = &outcome.execution.instruments;
    for (name, id, _) in &outcome.strategies {
        // Amounts are in each instrument's settlement currency: totals are per currency.
        let mut totals: BTreeMap<&str, Money> = BTreeMap::new();
        for (p, mark) in outcome.execution.positions.iter().filter(|(p, _)| p.strategy == *id) {
            let instrument = instruments.get(p.symbol).ok();
            let terms = instrument.map(Terms::of).unwrap_or_default();
            let ccy = instrument.map_or("", |i| i.settle.as_str());
            // A flat position, or one without a market, has no unrealized PnL to show.
            let unrealized = match mark.and_then(Price::from_f64) {
                Some(mark) if !p.qty.is_zero() => p.unrealized_pnl(mark, terms),
                _ => Money::ZERO,
            };
            let pnl = p.realized_pnl + unrealized;
            *totals.entry(ccy).or_default() += pnl;
            let _ = writeln!(
                out,
                "{:<10} {:<12} {:<5} {:>10} {:>14.4} {:>14.4} {:>12.4} {:>12.4} {:>14.4}",
                name,
                p.symbol.as_str(),
                ccy,
                p.qty, // exact: a closed position prints 0
                p.realized_pnl.to_f64(),
                unrealized.to_f64(),
                (p.fees + p.rebates).to_f64(),
                p.rebates.to_f64(),
                pnl.to_f64()
            );
        }
        for (ccy, total) in totals {
            let _ = writeln!(
                out,
                "{:<10} {:<12} {:<5} {:>10} {:>14} {:>14} {:>12} {:>12} {:>14.4}",
                name,
                "(all)",
                ccy,
                "",
                "",
                "",
                "",
                "",
                total.to_f64()
            );
        }
    }
    if let Some(backtest) = &outcome.execution.backtest {
        render_backtest(&mut out, backtest);
    }
    let _ = writeln!(
        out,
        "\nsimulated order latency (exchange time, a setting): {}; queue model: {}",
        fmt_ns(u64::try_from(outcome.simulated_latency_ns).unwrap_or(0)),
        outcome.queue_model
    );
    let _ = writeln!(
        out,
        "{:<22} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "latency (measured)", "p50", "p90", "p99", "p99.9", "max", "count"
    );
    for hop in SUMMARY_HOPS {
        let Some(h) = outcome.hops.get(hop) else {
            let _ = writeln!(out, "{:<20} (no samples)", hop.name());
            continue;
        };
        let _ = writeln!(
            out,
            "{:<22} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
            hop.name(),
            fmt_ns(h.value_at_quantile(0.5)),
            fmt_ns(h.value_at_quantile(0.9)),
            fmt_ns(h.value_at_quantile(0.99)),
            fmt_ns(h.value_at_quantile(0.999)),
            fmt_ns(h.max()),
            h.len()
        );
    }
    out
}

/// The backtest statistics: equity, drawdown, Sharpe, turnover, fees, fill ratio, maker
/// share.
fn render_backtest(out: &mut String, b: &BacktestStats) {
    let opt = |v: Option<f64>, digits: usize| v.map_or("-".into(), |v| format!("{v:.digits$}"));
    let _ = writeln!(
        out,
        "\nequity {:.4}  max drawdown {:.4}  Sharpe {} per {} ({} annualised, 365 d)",
        b.final_equity,
        b.max_drawdown,
        opt(b.sharpe, 3),
        fmt_ns(u64::try_from(b.interval_ns).unwrap_or(0)),
        opt(b.sharpe_annualised, 2),
    );
    let _ = writeln!(
        out,
        "turnover {:.2}  fees {:.4}  fill ratio {} (filled {:.3} of {:.3} ordered)  maker share {}",
        b.turnover,
        b.fees,
        opt(b.fill_ratio, 3),
        b.filled_qty,
        b.ordered_qty,
        opt(b.maker_share, 3),
    );
}

/// Nanoseconds in a readable unit.
pub fn fmt_ns(ns: u64) -> String {
    match ns {
        0..=9_999 => format!("{ns} ns"),
        10_000..=9_999_999 => format!("{:.1} us", ns as f64 / 1e3),
        _ => format!("{:.1} ms", ns as f64 / 1e6),
    }
}
