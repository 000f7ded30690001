//! The backtest statistics of a hand-built run (two fills, marks at known times, one
//! interval without ticks) are the figures worked out by hand: equity curve, max
//! drawdown, Sharpe, turnover, fees, fill ratio and maker share.

use mycelium_execution::backtest::{BacktestRecorder, START_INTERVAL_NS, YEAR_NS};
use mycelium_execution::{Fill, Liquidity, Position, StrategyId, Terms};
use mycelium_market_data::{Money, Price, Side, Symbol};

const T0: i64 = 1_700_000_000_000_000_000;
const MS: i64 = START_INTERVAL_NS;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9 * (1.0 + a.abs().max(b.abs()))
}

#[test]
fn statistics_of_a_known_series_are_the_hand_computed_ones() {
    let sym = Symbol::new("BTCUSDT").expect("symbol");
    let mut pos = Position::flat(StrategyId(1), sym);
    let mut rec = BacktestRecorder::new();
    let fee = Money::from_f64(0.1).expect("fee");
    let terms = Terms::default();
    // Equity at a mark; before the first mark the position is flat and worth its cash.
    let equity = |pos: &Position, mark: Option<Price>| {
        mark.map_or(pos.cash, |m| pos.equity(m, terms)).to_f64()
    };
    let buy = Fill { px: 100.0, qty: 1.0, side: Side::Buy, liquidity: Liquidity::Maker };
    let sell = Fill { px: 103.0, qty: 1.0, side: Side::Sell, liquidity: Liquidity::Taker };
    rec.on_accepted(1.0); // the buy, filled at once
    rec.on_accepted(2.0); // the sell, half filled
                          // Ticks at 0, 1, 2, 3, 5 and 6 ms (none in the interval 4), with these marks.
    let ticks = [(0, 100.0), (1, 102.0), (2, 99.0), (3, 104.0), (5, 100.0), (6, 103.0)];
    let mut mark = None;
    for (i, &(ms, m)) in ticks.iter().enumerate() {
        rec.on_tick(T0 + ms * MS, || equity(&pos, mark));
        mark = Price::from_f64(m);
        let fill = match i {
            0 => Some(buy),
            5 => Some(sell),
            _ => None,
        };
        if let Some(fill) = fill {
            pos.apply_fill(&fill, terms, fee);
            rec.on_fill(&fill);
        }
    }
    let stats = rec.finish(equity(&pos, mark), pos.fees.to_f64());

    // Equity (mark - 100 - fee while long; cash after the sell) at each interval's end.
    let expected = [(0, -0.1), (1, 1.9), (2, -1.1), (3, 3.9), (5, -0.1), (6, 2.8)];
    assert_eq!(stats.interval_ns, MS);
    assert_eq!(stats.equity.len(), expected.len());
    for (p, (ms, e)) in stats.equity.iter().zip(expected) {
        assert_eq!(p.ts_ns, T0 + (ms + 1) * MS, "a point at its interval's end");
        assert!(close(p.equity, e), "{p:?} vs {e}");
    }
    assert!(close(stats.final_equity, 2.8));
    // Peak 3.9 at 3 ms, trough -0.1 at 5 ms.
    assert!(close(stats.max_drawdown, 4.0), "{}", stats.max_drawdown);
    // Per-interval PnL over intervals 0..=6, the empty interval 4 at zero.
    let pnl = [-0.1, 2.0, -3.0, 5.0, 0.0, -4.0, 2.9];
    let n = pnl.len() as f64;
    let mean = pnl.iter().sum::<f64>() / n;
    let sd = (pnl.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let sharpe = stats.sharpe.expect("defined");
    assert!(close(sharpe, mean / sd), "{sharpe} vs {}", mean / sd);
    let annual = stats.sharpe_annualised.expect("defined");
    assert!(close(annual, mean / sd * (YEAR_NS / MS as f64).sqrt()));
    assert!(close(stats.turnover, 203.0));
    assert!(close(stats.fees, 0.2));
    assert_eq!(stats.fills, 2);
    assert!(close(stats.fill_ratio.expect("ordered"), 2.0 / 3.0));
    assert!(close(stats.maker_share.expect("filled"), 0.5));
}

#[test]
fn a_run_without_trades_has_no_ratios_and_no_sharpe() {
    let mut rec = BacktestRecorder::new();
    rec.on_tick(T0, || 0.0);
    let stats = rec.finish(0.0, 0.0);
    assert_eq!(stats.sharpe, None, "one interval");
    assert_eq!((stats.fill_ratio, stats.maker_share), (None, None));
    assert_eq!(stats.max_drawdown, 0.0);
    assert_eq!(stats.equity.len(), 1);
}
