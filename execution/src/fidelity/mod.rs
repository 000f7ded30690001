//! Fill fidelity: the same quoting rule simulated on an exact L3 FIFO queue (the truth)
//! and on the derived L2 stream under each [`QueueModel`], compared order by order.
//!
//! A seeded [`L3Generator`] stream is replayed once. Each event updates the L3 book and
//! is turned into the venue's L2 ticks ([`L2Deriver`]); the [`QuoteRule`] watches the
//! L2 ticks and decides; its orders and cancels reach the exchange after the entry
//! latency ([`OrderLatency`]), in exchange time, before the first event at or after
//! that time. The [`TruthSim`] places them in the L3 FIFO queues; each [`L2Sim`] places
//! them behind the displayed size and moves them with its model. The rule never looks at
//! fills, so every simulation has the same orders, and [`FidelityReport`] compares their
//! fills per order.
//!
//! The same orders also go to the [`SimulatedExchange`](crate::SimulatedExchange) a
//! backtest runs ([`ExchangeSim`]), under the models in
//! [`FidelityConfig::exchange_models`]: it sees the stream as a replay does (depth,
//! book-derived quotes, trades) and keeps queue positions by its own rules (FILL_RULES
//! rule 7), so its rows measure what a backtest's fills are worth.
//!
//! The table: `cargo run --release -p mycelium-execution --example fidelity` (keys such
//! as `seed=2 vol=3` vary the stream). Per model, fills and filled quantity relative to
//! the truth; over the orders both filled, the mean signed error of the first fill's
//! time (negative: early) and the 99th percentile of its absolute value; `early` counts
//! orders filled before the truth did (or that the truth never filled), `over` orders
//! filled more than in the truth. The risk-averse model must show 0 and 0.
//!
//! # Layout
//!
//! - [`quoting`]: [`QuoteRule`], quote both sides at the touch every N events.
//! - [`truth`]: [`TruthSim`], the exact L3 FIFO simulation.
//! - [`l2sim`]: [`L2Sim`], an L2 level tracker with a queue model per order.
//! - [`exchange`]: [`ExchangeSim`], the simulated exchange fed the same stream.
//! - [`fills`]: [`FillLog`], fills per order.
//! - [`report`]: [`FidelityReport`], each model against the truth.

pub mod exchange;
pub mod fills;
pub mod l2sim;
pub mod quoting;
pub mod report;
pub mod truth;

use std::collections::BTreeMap;

use mycelium_market_data::l3::{Grid, L2Deriver, L3Config, L3Error, L3Generator, Lots};
use mycelium_market_data::Symbol;

pub use exchange::ExchangeSim;
pub use fills::{FillLog, OrderFills};
pub use l2sim::L2Sim;
pub use quoting::{QuoteAction, QuoteRule};
pub use report::{FidelityReport, ModelFidelity};
pub use truth::TruthSim;

use crate::latency_model::OrderLatency;
use crate::queue_model::QueueModel;

/// One fidelity run.
#[derive(Debug, Clone)]
pub struct FidelityConfig {
    /// The L3 stream (default: 2M events, about 45 minutes of exchange time).
    pub l3: L3Config,
    /// Its price and size grid.
    pub grid: Grid,
    /// The queue models compared with the truth.
    pub models: Vec<QueueModel>,
    /// The queue models the simulated exchange runs under, compared with the truth.
    pub exchange_models: Vec<QueueModel>,
    /// The rule checks its quotes every this many L2 ticks.
    pub quote_every: u64,
    /// Quote size, lots.
    pub quote_qty: Lots,
    /// L3 events replayed before the rule starts (the book fills up).
    pub warmup_events: u64,
    /// Order entry latency (response latency does not change fills).
    pub latency: OrderLatency,
}

impl Default for FidelityConfig {
    fn default() -> Self {
        Self {
            l3: L3Config { events: 2_000_000, ..L3Config::default() },
            grid: Grid::default(),
            models: vec![
                QueueModel::RiskAverse,
                QueueModel::Power { n: 1.0 },
                QueueModel::Power { n: 2.0 },
                QueueModel::Power { n: 3.0 },
                QueueModel::Log,
                QueueModel::Power2 { n: 2.0 },
                QueueModel::Log2,
                QueueModel::Power3 { n: 3.0 },
            ],
            exchange_models: vec![QueueModel::RiskAverse, QueueModel::Power { n: 2.0 }],
            quote_every: 20,
            quote_qty: 10,
            warmup_events: 20_000,
            latency: OrderLatency::default(),
        }
    }
}

/// Runs the comparison (see the [module docs](self)).
pub fn run(cfg: &FidelityConfig) -> Result<FidelityReport, L3Error> {
    let symbol = Symbol::new("SYNL3").unwrap_or_else(|_| unreachable!("a valid symbol"));
    let mut deriver = L2Deriver::new(symbol, cfg.grid);
    let mut truth = TruthSim::new();
    let mut sims: Vec<L2Sim> = cfg.models.iter().map(|m| L2Sim::new(*m, cfg.grid)).collect();
    let mut exchanges: Vec<ExchangeSim> =
        cfg.exchange_models.iter().map(|m| ExchangeSim::new(*m, cfg.grid, symbol)).collect();
    let mut rule = QuoteRule::new(cfg.quote_every, cfg.quote_qty);
    // Orders and cancels in flight, by (arrival time, decision number).
    let mut in_flight: BTreeMap<(i64, u64), QuoteAction> = BTreeMap::new();
    let (mut decided, mut orders, mut events) = (0u64, 0u64, 0u64);
    let mut ticks = Vec::new();
    let mut actions = Vec::new();
    for ev in L3Generator::new(cfg.l3.clone()) {
        while let Some(entry) = in_flight.first_entry() {
            if entry.key().0 > ev.ts_ns {
                break;
            }
            let at = entry.key().0;
            match entry.remove() {
                QuoteAction::Place { id, side, px, qty } => {
                    truth.place(deriver.book(), id, side, px, qty);
                    sims.iter_mut().for_each(|s| s.place(id, side, px, qty));
                    exchanges.iter_mut().for_each(|x| x.place(id, (side, px, qty), at));
                }
                QuoteAction::Cancel { id } => {
                    truth.cancel(id);
                    sims.iter_mut().for_each(|s| s.cancel(id));
                    exchanges.iter_mut().for_each(|x| x.cancel(id, at));
                }
            }
        }
        ticks.clear();
        let change = deriver.apply(&ev, &mut ticks)?;
        truth.on_change(deriver.book(), &change, ev.ts_ns);
        events += 1;
        for tick in &ticks {
            sims.iter_mut().for_each(|s| s.on_tick(tick));
            exchanges.iter_mut().for_each(|x| x.on_tick(tick));
            if events <= cfg.warmup_events {
                continue;
            }
            let book = deriver.book();
            rule.on_event(book.best_bid(), book.best_ask(), &mut actions);
            let sent = tick.local_ts_ns;
            let entry = cfg.latency.entry(sent);
            for action in actions.drain(..) {
                decided += 1;
                if entry < 0 {
                    continue; // the exchange rejected the request
                }
                orders += u64::from(matches!(action, QuoteAction::Place { .. }));
                in_flight.insert((sent + entry, decided), action);
            }
        }
    }
    let t = truth.fills();
    Ok(FidelityReport {
        events,
        orders,
        truth_fills: t.fills(),
        truth_qty: t.qty(),
        truth_orders_filled: t.filled_orders().count() as u64,
        models: sims.iter().map(|s| ModelFidelity::compare(s.model(), s.fills(), t)).collect(),
        exchange: exchanges
            .iter()
            .map(|x| ModelFidelity::compare(x.model(), x.fills(), t))
            .collect(),
    })
}
