//! The held-out check: a replay's fills, exported with `mycelium journal export
//! --fills`, recomputed here without the engine's accounting code, give each position's
//! quantity, fees, cash and total PnL (realized + unrealized at the mark) to the last
//! unit (`1e-18` of the settlement currency). Inverse contracts are valued
//! `qty x multiplier / price` in the base currency per fill, rounded half to even (so a
//! round trip realizes `qty x mult x (1/entry - 1/exit)`), linear ones
//! `qty x multiplier x price`; each fill pays `|value| x rate`, rounded half to even.
//!
//! Run on the inverse captures in the shared data (Deribit BTC-PERPETUAL, $10 lots;
//! Huobi BTC-USD, $100 contracts), on the linear BTCUSDT capture, and, because the
//! inverse captures are a dozen rows each (a handful of fills), on the synthetic feed
//! with its symbols made inverse perpetuals ($10 contracts). The capture runs skip with
//! a message when the data folder is absent.
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mycelium_apps::blotter::FillRow;
use mycelium_apps::config::StrategySpec;
use mycelium_apps::{PipelineConfig, RunOutcome};
use mycelium_execution::{FeeSchedule, Terms};
use mycelium_market_data::{
    open_source, Instrument, InstrumentKind, MarketTick, Price, ReaderOptions, Speed, Symbol,
    TickEvent,
};
use mycelium_strategies::{Strategy, StrategyContext, StrategyRegistry};

/// Opens a position of `qty` on a quote when flat (buying and selling in turn) and
/// closes what it holds on the next: a round trip every two quotes.
#[derive(Clone, serde::Deserialize)]
struct RoundTripParams {
    qty: f64,
}

struct RoundTrip {
    qty: f64,
    buy_next: bool,
}

impl Strategy for RoundTrip {
    fn on_tick(&mut self, tick: &MarketTick, ctx: &mut StrategyContext) {
        if !matches!(tick.event, TickEvent::Quote(_)) || ctx.open_orders().next().is_some() {
            return;
        }
        let held = ctx.position(&tick.symbol).qty;
        let (side, qty) = match held.signum() {
            0 => {
                self.buy_next = !self.buy_next;
                let side = if self.buy_next {
                    mycelium_market_data::Side::Buy
                } else {
                    mycelium_market_data::Side::Sell
                };
                (side, self.qty)
            }
            1 => (mycelium_market_data::Side::Sell, held.to_f64()),
            _ => (mycelium_market_data::Side::Buy, held.abs().to_f64()),
        };
        ctx.market(tick.symbol, side, qty);
    }
}

fn registry() -> StrategyRegistry {
    let mut r = StrategyRegistry::with_samples();
    r.register_params("round_trip", |p: RoundTripParams| RoundTrip { qty: p.qty, buy_next: false });
    r
}

fn round_trip(qty: f64) -> StrategySpec {
    let mut params = toml::Table::new();
    params.insert("qty".into(), toml::Value::Float(qty));
    StrategySpec {
        name: "rt".into(),
        kind: "round_trip".into(),
        params,
        pinned_core: None,
        answer_lag: 0,
    }
}

/// The default config journaling into `dir`, the instruments' own fees (no overrides).
fn config(dir: &Path, strategies: Vec<StrategySpec>) -> PipelineConfig {
    let mut c = support::config(0);
    c.strategies = strategies;
    c.execution.fees = FeeSchedule::default();
    c.journal.dir = Some(dir.join("journal"));
    c
}

fn data_file(name: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("MYCELIUM_DATA_DIR").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data"))
    });
    let file = dir.join(name);
    if file.is_file() {
        Some(file)
    } else {
        println!("skipped: {} not found (set MYCELIUM_DATA_DIR)", file.display());
        None
    }
}

/// `mycelium journal export DIR --fills`, read back.
fn exported_fills(dir: &Path) -> Vec<FillRow> {
    let out = dir.join("fills.csv");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_mycelium"))
        .args(["journal", "export", "--fills", "--out"])
        .arg(&out)
        .arg(dir.join("journal"))
        .output()
        .expect("mycelium journal export");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let mut reader = csv::Reader::from_path(&out).expect("the exported CSV");
    reader.deserialize().collect::<Result<_, _>>().expect("fill rows")
}

/// `n / d` rounded half to even (`d > 0`).
fn half_even(n: i128, d: i128) -> i128 {
    let (q, r) = (n / d, n % d);
    let twice = 2 * r.abs();
    if twice > d || (twice == d && q % 2 != 0) {
        q + n.signum()
    } else {
        q
    }
}

/// A decimal's raw units of `1e-9`.
fn nano(v: f64) -> i128 {
    (v * 1e9).round() as i128
}

/// The value of `qty` at `px`, in units of `1e-18`: `q x m / px` (inverse, rounded
/// half to even) or `q x px x m` (linear).
fn value(instrument: &Instrument, qty: i128, px: i128) -> i128 {
    let m = i128::from(instrument.multiplier.raw());
    if instrument.kind.is_inverse() {
        half_even(qty * m * 1_000_000_000, px)
    } else {
        qty * px * m / 1_000_000_000
    }
}

/// What the fills of one position add up to, in raw units.
#[derive(Default, Debug)]
struct Recomputed {
    qty: i128,
    cash_flows: i128,
    fees: i128,
    fills: usize,
}

fn recompute(fills: &[FillRow], instrument: &Instrument) -> Recomputed {
    let mut r = Recomputed::default();
    for f in fills {
        let (qty, px) = (nano(f.qty), nano(f.px));
        let buy = f.side == "Buy";
        let v = value(instrument, qty, px);
        // Inverse: a buy receives the contracts' value in base; linear: a buy pays.
        let flow = match (instrument.kind.is_inverse(), buy) {
            (true, true) | (false, false) => v,
            (true, false) | (false, true) => -v,
        };
        let rate = match f.liquidity.as_str() {
            "Maker" => instrument.maker_fee.raw(),
            _ => instrument.taker_fee.raw(),
        };
        let fee = half_even(flow.abs() * i128::from(rate), 1_000_000_000);
        assert_eq!(fee, f.fee.raw(), "the exported fee of {f:?}");
        r.qty += if buy { qty } else { -qty };
        r.cash_flows += flow;
        r.fees += fee;
        r.fills += 1;
    }
    r
}

/// Checks every position of `outcome` against the fills exported from its journal;
/// returns the number of fills checked.
fn check(outcome: &RunOutcome, dir: &Path) -> usize {
    let fills = exported_fills(dir);
    let mut by_book: BTreeMap<(u32, String), Vec<FillRow>> = BTreeMap::new();
    for f in fills {
        by_book.entry((f.strategy, f.symbol.clone())).or_default().push(f);
    }
    let instruments = &outcome.execution.instruments;
    assert_eq!(by_book.len(), outcome.execution.positions.len(), "a position per book");
    let mut checked = 0;
    for (p, mark) in &outcome.execution.positions {
        let key = (p.strategy.0, p.symbol.to_string());
        let instrument = instruments.get(p.symbol).expect("an instrument");
        let r = recompute(&by_book[&key], instrument);
        let what = format!("{key:?} after {} fills", r.fills);
        assert_eq!(i128::from(p.qty.raw()), r.qty, "quantity of {what}");
        assert_eq!(p.fees.raw(), r.fees, "fees of {what}");
        assert_eq!(p.cash.raw(), r.cash_flows - r.fees, "cash of {what}");
        // Total PnL: the cash plus what the open quantity is worth at the mark.
        let mark = mark.and_then(Price::from_f64).expect("a traded symbol has a mark");
        let open = value(instrument, r.qty.abs(), i128::from(mark.raw()));
        let held = match (instrument.kind.is_inverse(), r.qty.signum()) {
            (_, 0) => 0,
            (true, s) => -s * open,
            (false, s) => s * open,
        };
        let total = p.realized_pnl + p.unrealized_pnl(mark, Terms::of(instrument));
        assert_eq!(total.raw(), r.cash_flows - r.fees + held, "total PnL of {what}");
        if r.qty == 0 {
            assert_eq!(p.realized_pnl.raw(), r.cash_flows - r.fees, "realized PnL of {what}");
        }
        checked += r.fills;
    }
    checked
}

async fn replay(file: &Path, config: &PipelineConfig) -> RunOutcome {
    let source = open_source(file, &ReaderOptions::default()).expect("the capture opens");
    support::run_ticks(config, &registry(), source, Speed::Max).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inverse_captures_fills_recompute_their_pnl_exactly() {
    let mut traded = 0;
    // The Deribit file is one ask-side snapshot (no two-sided quote: nothing to take);
    // the Huobi one ten quotes.
    for (name, qty) in [
        ("tardis/deribit_incremental_book_L2_BTC-PERPETUAL.csv", 10.0),
        ("tardis/huobi-dm-swap_quotes_BTC-USD.csv", 3.0),
    ] {
        let Some(file) = data_file(name) else { return };
        let dir = tempfile::tempdir().expect("temp dir");
        let config = config(dir.path(), vec![round_trip(qty)]);
        let outcome = replay(&file, &config).await;
        for (p, _) in &outcome.execution.positions {
            let instrument = outcome.execution.instruments.get(p.symbol).expect("instrument");
            assert!(instrument.kind.is_inverse(), "{name}: {} is inverse", p.symbol);
        }
        let fills = check(&outcome, dir.path());
        println!("{name}: {fills} fills recomputed exactly");
        traded += fills;
    }
    assert!(traded >= 4, "the inverse captures traded: {traded} fills");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_linear_captures_fills_recompute_their_pnl_exactly() {
    let Some(file) = support::capture() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let mut strategies = support::config(0).strategies;
    strategies.push(round_trip(0.01));
    let config = config(dir.path(), strategies);
    let outcome = replay(&file, &config).await;
    let fills = check(&outcome, dir.path());
    println!("BTCUSDT capture: {fills} fills recomputed exactly");
    assert!(fills > 100, "the samples and the round trips trade: {fills}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_synthetic_inverse_runs_fills_recompute_their_pnl_exactly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut strategies = support::config(0).strategies;
    strategies.push(round_trip(10.0));
    let mut config = config(dir.path(), strategies);
    config.feed.ticks = 20_000;
    let shipped = config.execution.instruments.table();
    for n in 0..config.feed.symbols {
        let symbol = Symbol::new(&format!("SYN{n}")).expect("symbol");
        let mut i = shipped.get(symbol).expect("shipped").clone();
        i.kind = InstrumentKind::InversePerpetual;
        i.multiplier = "10".parse().expect("10");
        i.lot_size = "1".parse().expect("1");
        i.min_qty = i.lot_size;
        (i.base, i.settle) = (i.symbol.clone(), i.symbol.clone());
        config.execution.instruments.instrument.push(i);
    }
    // Whole contracts for the samples too.
    for s in &mut config.strategies {
        s.params.insert("qty".into(), toml::Value::Float(2.0));
    }
    let outcome = support::run_synthetic(&config, &registry()).await;
    let fills = check(&outcome, dir.path());
    println!("synthetic inverse: {fills} fills recomputed exactly");
    assert!(fills > 100, "it traded: {fills}");
    assert!(outcome.execution.positions.iter().all(|(p, _)| {
        outcome.execution.instruments.get(p.symbol).is_ok_and(|i| i.kind.is_inverse())
    }));
}
