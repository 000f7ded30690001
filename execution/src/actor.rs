//! The execution actor: the [`ExecutionEngine`] behind a mailbox, and the
//! deterministic step protocol between it and the strategies.
//!
//! # Determinism
//! Every strategy receives each feed tick `k` and answers it with a
//! [`ExecMsg::Step`] carrying the tick and the orders it placed for it (possibly
//! none), then waits for the reply. The execution actor applies tick `k` only when it
//! holds a step `>= k` from every registered strategy: first the tick (matching
//! resting orders against the new market), then the orders of the steps for `k` in
//! strategy-id order. Each step's reply carries the order
//! updates for that strategy. So what every strategy sees, and when, depends only on
//! the data and the seed, never on thread timing. A strategy that crashed while
//! handling `k` sends no step for `k`; its next step (for a later tick) counts for `k`
//! too. A strategy that ends for good is unregistered (the actor watches it).
//!
//! Memory stays bounded: a strategy waiting for its reply does not take more ticks,
//! its mailbox fills, and the feed (blocking) waits.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use mycelium::{Actor, ActorError, ActorId, ActorRef, Context, ReplyTo, Terminated};
use mycelium_market_data::FeedTick;

use crate::backtest::{BacktestRecorder, BacktestStats};
use crate::engine::ExecutionEngine;
use crate::latency::{Hop, HopHistograms};
use crate::order::{Cancel, ClientOrderId, Order, OrderStatus, OrderUpdate, StrategyId};
use crate::positions::Position;
use crate::stats::ExecutionStats;

/// Wall-clock stamps a step carries, for the latency histograms.
#[derive(Debug, Clone, Copy)]
pub struct StepStamps {
    /// When the feed published (or was scheduled to publish) the tick.
    pub published: Instant,
    /// When the strategy decided (its handler returned).
    pub decided: Instant,
}

/// A strategy's answer to tick `seq`.
#[derive(Debug, Clone)]
pub struct Step {
    /// The strategy.
    pub strategy: StrategyId,
    /// The feed sequence number of the tick; 0 for orders placed at start.
    pub seq: u64,
    /// The tick (the feed's shared `Arc`); `None` for orders placed at start.
    pub tick: Option<Arc<FeedTick>>,
    /// New orders.
    pub orders: Vec<Order>,
    /// Cancels.
    pub cancels: Vec<Cancel>,
    /// Latency stamps.
    pub stamps: StepStamps,
}

/// What a (re)starting strategy gets back: execution is the source of truth. It
/// crosses the wire when the strategy runs on another node.
#[derive(Debug, Clone, Default, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Recovery {
    /// The strategy's positions.
    pub positions: Vec<Position>,
    /// Its unfinished orders, with status and filled quantity.
    pub open_orders: Vec<(Order, OrderStatus, f64)>,
    /// The highest client order id it has used.
    pub last_order_id: u64,
}

/// The execution actor's figures.
#[derive(Debug, Clone, Default)]
pub struct ExecReport {
    /// Orders, fills and rejects by reason.
    pub stats: ExecutionStats,
    /// Every position, with its mark.
    pub positions: Vec<(Position, Option<f64>)>,
    /// Ticks applied.
    pub ticks: u64,
    /// Latency recorded here.
    pub hops: HopHistograms,
    /// Equity curve, drawdown, Sharpe, turnover, fees, fill ratio, maker share; `None`
    /// in the default report of a node that runs no execution.
    pub backtest: Option<BacktestStats>,
}

/// The execution actor's messages. `M` is the strategies' message type (only used
/// to watch them).
pub enum ExecMsg<M> {
    /// A strategy (re)starts; the reply restores its view.
    Register {
        /// Its id.
        strategy: StrategyId,
        /// Its actor, watched so that its end unregisters it.
        actor: ActorRef<M>,
        /// The recovery reply.
        reply: ReplyTo<Recovery>,
    },
    /// Like `Register`, for a strategy that trades live: the barrier does not wait for
    /// it (a slow one then slows no one), and each of its steps is executed when it
    /// arrives, against the market as it is then. Its trading depends on timing, so
    /// it is not reproducible run to run.
    RegisterLive {
        /// Its id.
        strategy: StrategyId,
        /// Its actor, watched so that its end unregisters it.
        actor: ActorRef<M>,
        /// The recovery reply.
        reply: ReplyTo<Recovery>,
    },
    /// A strategy's answer to a tick; the reply carries its order updates.
    Step(Step, ReplyTo<Vec<OrderUpdate>>),
    /// Reply with the figures so far.
    Report(ReplyTo<ExecReport>),
}

struct Registered {
    actor: ActorId,
    /// Highest step seen: the strategy is done with every tick up to it.
    done_through: u64,
    /// Trades live, outside the barrier (see [`ExecMsg::RegisterLive`]).
    live: bool,
}

/// A step, the port its reply goes to, and when it arrived (latency is measured to
/// the arrival, not to the barrier's release).
type PendingStep = (Step, ReplyTo<Vec<OrderUpdate>>, Instant);

/// See the module docs.
pub struct ExecutionActor<M> {
    engine: ExecutionEngine,
    strategies: BTreeMap<StrategyId, Registered>,
    /// Steps waiting for the barrier, by seq, then strategy.
    steps: BTreeMap<u64, BTreeMap<StrategyId, PendingStep>>,
    applied: u64,
    last_seq: u64,
    /// Highest client order id seen per strategy, handed back on recovery.
    last_ids: HashMap<StrategyId, u64>,
    hops: HopHistograms,
    /// When each open order reached execution, for order-to-fill.
    arrived: HashMap<(StrategyId, ClientOrderId), Instant>,
    /// Updates for a strategy that had no step to reply to (it skipped a tick while
    /// restarting): delivered with its next reply.
    undelivered: BTreeMap<StrategyId, Vec<OrderUpdate>>,
    backtest: BacktestRecorder,
    _strategies_msg: std::marker::PhantomData<fn() -> M>,
}

impl<M: Send + 'static> ExecutionActor<M> {
    /// An execution actor over `engine`.
    pub fn new(engine: ExecutionEngine) -> Self {
        Self {
            engine,
            strategies: BTreeMap::new(),
            steps: BTreeMap::new(),
            applied: 0,
            last_seq: 0,
            last_ids: HashMap::new(),
            hops: HopHistograms::new(),
            arrived: HashMap::new(),
            undelivered: BTreeMap::new(),
            backtest: BacktestRecorder::new(),
            _strategies_msg: std::marker::PhantomData,
        }
    }

    fn recovery(&self, strategy: StrategyId) -> Recovery {
        let open_orders = self
            .engine
            .open_orders(strategy)
            .into_iter()
            .map(|o| (o.order.clone(), o.status, o.filled_qty))
            .collect();
        Recovery {
            positions: self
                .engine
                .positions()
                .filter(|p| p.strategy == strategy)
                .cloned()
                .collect(),
            open_orders,
            last_order_id: self.last_ids.get(&strategy).copied().unwrap_or(0),
        }
    }

    fn register(
        &mut self,
        strategy: StrategyId,
        actor: &ActorRef<M>,
        reply: ReplyTo<Recovery>,
        live: bool,
        ctx: &mut Context<Self>,
    ) {
        ctx.watch(actor);
        // The recovery below already reflects these updates.
        self.undelivered.remove(&strategy);
        let done_through = self.strategies.get(&strategy).map_or(self.last_seq, |s| s.done_through);
        self.strategies.insert(strategy, Registered { actor: actor.id(), done_through, live });
        let _ = reply.send(self.recovery(strategy));
        tracing::info!(%strategy, live, "strategy registered with execution");
    }

    /// Applies every tick whose steps are all in, in feed order.
    fn advance(&mut self) {
        while let Some((&seq, _)) = self.steps.first_key_value() {
            if self.strategies.values().any(|s| !s.live && s.done_through < seq) {
                return;
            }
            let Some((_, steps)) = self.steps.pop_first() else {
                return;
            };
            let started = Instant::now();
            let tick = steps.values().find_map(|(step, _, _)| step.tick.clone());
            let mut updates = match &tick {
                Some(t) => {
                    let engine = &self.engine;
                    self.backtest.on_tick(t.tick.exchange_ts_ns, || equity(engine));
                    self.engine.on_tick(&t.tick)
                }
                None => Vec::new(),
            };
            let mut replies = Vec::with_capacity(steps.len());
            for (strategy, (step, reply, arrived)) in steps {
                updates.extend(self.apply_step(step, arrived));
                replies.push((strategy, reply));
            }
            self.route(updates, replies);
            self.applied += 1;
            self.last_seq = seq;
            self.hops.record(Hop::ExecutionHandler, started.elapsed());
        }
    }

    fn apply_step(&mut self, step: Step, received: Instant) -> Vec<OrderUpdate> {
        if !step.orders.is_empty() {
            self.hops.record(
                Hop::StrategyToExecution,
                received.saturating_duration_since(step.stamps.decided),
            );
            self.hops.record(
                Hop::TickToOrder,
                received.saturating_duration_since(step.stamps.published),
            );
        }
        let mut updates = Vec::new();
        for order in step.orders {
            let last = self.last_ids.entry(order.strategy).or_default();
            *last = (*last).max(order.client_order_id.0);
            self.arrived.insert((order.strategy, order.client_order_id), received);
            let (accepted, qty) = (self.engine.stats().accepted, order.qty);
            updates.extend(self.engine.submit(order));
            if self.engine.stats().accepted > accepted {
                self.backtest.on_accepted(qty);
            }
        }
        for cancel in step.cancels {
            updates.extend(self.engine.cancel(cancel));
        }
        updates
    }

    /// Replies to each step with its strategy's updates; updates of a strategy with no
    /// step here wait in `undelivered` for its next reply.
    fn route(
        &mut self,
        updates: Vec<OrderUpdate>,
        replies: Vec<(StrategyId, ReplyTo<Vec<OrderUpdate>>)>,
    ) {
        let now = Instant::now();
        for u in updates {
            let key = (u.strategy, u.client_order_id);
            if let Some(fill) = &u.last_fill {
                self.backtest.on_fill(fill);
                if let Some(at) = self.arrived.get(&key) {
                    self.hops.record(Hop::OrderToFill, now.saturating_duration_since(*at));
                }
            }
            if u.status.is_terminal() {
                self.arrived.remove(&key);
            }
            self.undelivered.entry(u.strategy).or_default().push(u);
        }
        for (strategy, reply) in replies {
            let _ = reply.send(self.undelivered.remove(&strategy).unwrap_or_default());
        }
    }
}

/// The equity of every position: `cash + qty * mark`, at the average entry price where
/// the symbol has no mark (as the run summary values it).
fn equity(engine: &ExecutionEngine) -> f64 {
    engine.positions().map(|p| p.equity(engine.mark(p.symbol).unwrap_or(p.avg_px))).sum()
}

impl<M: Send + 'static> Actor for ExecutionActor<M> {
    type Msg = ExecMsg<M>;

    async fn handle(&mut self, msg: ExecMsg<M>, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        match msg {
            ExecMsg::Register { strategy, actor, reply } => {
                self.register(strategy, &actor, reply, false, ctx);
            }
            ExecMsg::RegisterLive { strategy, actor, reply } => {
                self.register(strategy, &actor, reply, true, ctx);
            }
            ExecMsg::Step(step, reply) => {
                let received = Instant::now();
                // Orders placed at start (seq 0), or a step for a tick already applied
                // (a strategy that rejoined from another node and got old ticks):
                // executed at once, without applying the tick again.
                let live = self.strategies.get(&step.strategy).is_some_and(|s| s.live);
                if step.seq == 0 || live || (step.seq <= self.last_seq && self.applied > 0) {
                    let strategy = step.strategy;
                    let updates = self.apply_step(step, received);
                    self.route(updates, vec![(strategy, reply)]);
                } else {
                    if let Some(s) = self.strategies.get_mut(&step.strategy) {
                        s.done_through = s.done_through.max(step.seq);
                    }
                    self.steps
                        .entry(step.seq)
                        .or_default()
                        .insert(step.strategy, (step, reply, received));
                    self.advance();
                }
            }
            ExecMsg::Report(reply) => {
                let positions =
                    self.engine.positions().map(|p| (*p, self.engine.mark(p.symbol))).collect();
                let _ = reply.send(ExecReport {
                    stats: self.engine.stats().clone(),
                    positions,
                    ticks: self.applied,
                    hops: self.hops.clone(),
                    backtest: Some(self.backtest.finish(
                        equity(&self.engine),
                        self.engine.positions().map(|p| p.fees).sum(),
                    )),
                });
            }
        }
        Ok(())
    }

    async fn on_terminated(
        &mut self,
        t: Terminated,
        _ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        self.strategies.retain(|_, s| s.actor != t.id);
        self.advance();
        Ok(())
    }
}
