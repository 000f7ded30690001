//! Execution for Mycelium: orders and their lifecycle, pre-trade risk, simulated matching
//! against the market data, fills, positions and PnL.
//!
//! Everything here is synchronous and deterministic, driven by explicit calls
//! ([`ExecutionEngine::submit`], [`ExecutionEngine::cancel`], [`ExecutionEngine::on_tick`]);
//! time is exchange time taken from the ticks and from each order's
//! [`reacted_to`](Order::reacted_to) stamp, never the wall clock. The execution actor
//! wraps an [`ExecutionEngine`] and routes each [`OrderUpdate`] to its
//! [`strategy`](OrderUpdate::strategy).
//!
//! # Layout
//!
//! - [`order`]: [`Order`] (limit, IOC, FOK, market; [`OrderOptions`]: post-only,
//!   reduce-only, good-till-date), [`Cancel`] ([`CancelAction`]: cancel, amend,
//!   cancel-all), [`OrderUpdate`], [`Fill`], [`OrderStatus`], [`RejectReason`] and the
//!   ids; rkyv-archivable and serde-serializable.
//! - [`risk`]: [`RiskLimits`] and the [`RiskChecker`] (one reject reason per check).
//! - [`matching`]: the [`SimulatedExchange`]: latency in exchange time, fill rules and
//!   the rules of each order type and option (also in `FILL_RULES.md`), lifecycle,
//!   resend deduplication.
//! - [`positions`]: [`Holding`] (quantity and average entry price, the one rule for
//!   applying a fill, shared with the strategies), [`Position`]s per (strategy,
//!   symbol), realized and unrealized PnL, cash, optional [`FeeSchedule`].
//! - [`engine`]: the [`ExecutionEngine`] combining the three, and [`ExecutionConfig`].
//! - [`stats`]: [`ExecutionStats`] (orders, fills, rejects by reason).
//! - [`actor`]: the [`ExecutionActor`] and the deterministic step protocol with the
//!   strategies.
//! - [`durable`]: the journaled [`Input`]s, the [`Books`] they rebuild, and
//!   [`Journaled`], the books behind their journal.
//! - [`backtest`]: a run's [`BacktestStats`] (equity curve, drawdown, Sharpe, turnover,
//!   fees, fill ratio, maker share), recorded by the actor.
//! - [`latency`]: the pipeline's [`Hop`]s and their HDR histograms.
//! - [`fidelity`]: the L3 ground truth against which the queue models' fills are
//!   measured ([`fidelity::run`]).
//! - [`queue_model`]: a resting order's queue position at its L2 level
//!   ([`QueueModel`]: risk-averse and hftbacktest's probabilistic forms).
//! - [`latency_model`]: feed latency per tick, and order entry and response latency,
//!   constant or interpolated from a recorded file ([`OrderLatency`]).
//!
//! # Example
//!
//! ```
//! use mycelium_execution::*;
//! use mycelium_market_data::{MarketTick, Quote, Side, Symbol, TickEvent};
//!
//! let sym = Symbol::new("BTCUSDT")?;
//! let mut engine = ExecutionEngine::new(ExecutionConfig::default());
//! let quote = |seq, ts| MarketTick {
//!     symbol: sym, seq, exchange_ts_ns: ts, local_ts_ns: ts,
//!     event: TickEvent::Quote(Quote {
//!         bid_px: 99.0, bid_qty: 5.0, ask_px: 101.0, ask_qty: 5.0, from_book: false,
//!     }),
//! };
//! engine.on_tick(&quote(1, 1_000));
//! let stamp = TickStamp { exchange_ts_ns: 1_000, seq: 1 };
//! let order = Order::market(StrategyId(1), ClientOrderId(1), sym, Side::Buy, 2.0, stamp);
//! assert_eq!(engine.submit(order)[0].status, OrderStatus::Accepted);
//! // The order reaches the exchange 100 µs later, at the next tick.
//! let updates = engine.on_tick(&quote(2, 1_000 + 100_000));
//! assert_eq!(updates[0].status, OrderStatus::Filled);
//! assert_eq!(engine.position(StrategyId(1), sym).qty, "2".parse()?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(clippy::unwrap_used)]

pub mod actor;
pub mod backtest;
pub mod durable;
pub mod engine;
pub mod fidelity;
pub mod latency;
pub mod latency_model;
pub mod matching;
pub mod order;
pub mod positions;
pub mod queue_model;
pub mod risk;
mod serde_util;
pub mod stats;

pub use actor::{ExecMsg, ExecReport, ExecutionActor, Recovery, Step, StepStamps};
pub use backtest::{BacktestRecorder, BacktestStats, EquityPoint};
pub use durable::{Books, HistoryError, HistoryStep, Input, JournalConfig, Journaled};
pub use engine::{ExecutionConfig, ExecutionEngine, InstrumentsConfig};
pub use latency::{Hop, HopHistograms};
pub use latency_model::{feed_latency_ns, LatencySetting, OrderLatency, OrderLatencyConfig};
pub use matching::{ExchangeConfig, OrderState, PostOnly, SimulatedExchange};
pub use order::{
    side_sign, Cancel, CancelAction, ClientOrderId, Fill, Liquidity, Order, OrderOptions,
    OrderStatus, OrderType, OrderUpdate, RejectReason, StrategyId, TickStamp,
};
pub use positions::{FeeSchedule, Holding, Position, Positions, Terms};
pub use queue_model::{QueueModel, QueuePos};
pub use risk::{RiskChecker, RiskLimits};
pub use stats::{BookCounts, ExecutionStats};
