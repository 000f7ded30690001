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
//!
//! # Durability
//! With a journal ([`ExecutionActor::journaled`]), every input the engine reads (a
//! registration, a tick released by the barrier, each step with its orders and
//! cancels) is appended before it is applied, the turn is committed once per
//! message, and the replies of
//! the turn are released when their inputs are durable: at once in `off` and
//! `process` mode, when the group commit's sync returns in `fsync` mode
//! ([`ExecMsg::Durable`]). Each instance (a restart too) starts by recovering the
//! books from the journal. A journal error fails the instance: its supervisor
//! restarts it, and the new instance recovers from what is on disk; replies not yet
//! released are never sent.
//!
//! A step sent again (its reply lost with a link or with a previous process) is
//! answered with the reply the books kept for it, never executed twice; after a
//! restart under a running feed, the barrier waits for the strategies the journal
//! registered, at the tick it had reached.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use mycelium::{Actor, ActorError, ActorId, ActorRef, Context, ReplyTo, Terminated};
use mycelium_journal::Durable;
use mycelium_market_data::{FeedTick, InstrumentTable, Money, Price};

use crate::backtest::{BacktestRecorder, BacktestStats};
use crate::durable::{Books, HistoryStep, JournalConfig, Journaled};
use crate::engine::{ExecutionConfig, ExecutionEngine};
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
    /// Execution journals its inputs: its books survive its restart, and a step sent
    /// again after losing it is answered from them (never executed twice).
    pub durable: bool,
    /// The strategy's own steps and replies, read back from the journal, when it
    /// registers again under a feed that went on (its process died): replayed in
    /// order, they rebuild the state of a deterministic strategy as it was. Empty at
    /// a first registration, for a live strategy, and without a journal.
    pub history: Vec<HistoryStep>,
}

/// The execution actor's figures.
#[derive(Debug, Clone, Default)]
pub struct ExecReport {
    /// Orders, fills and rejects by reason.
    pub stats: ExecutionStats,
    /// Every position, with its mark.
    pub positions: Vec<(Position, Option<f64>)>,
    /// The instruments the positions settle by.
    pub instruments: InstrumentTable,
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
    /// The journal's durable watermark moved (`fsync` mode): replies held for inputs
    /// through it are released. Sent by execution's own watermark task.
    Durable(Durable),
}

/// A reply held until the inputs of its turn are durable.
enum Ack {
    Updates(ReplyTo<Vec<OrderUpdate>>, Vec<OrderUpdate>),
    Registered(ReplyTo<Recovery>, Recovery),
}

impl Ack {
    fn send(self) {
        // A requester that gave up has nothing to be told.
        match self {
            Ack::Updates(reply, updates) => {
                let _ = reply.send(updates);
            }
            Ack::Registered(reply, recovery) => {
                let _ = reply.send(recovery);
            }
        }
    }
}

/// Where an instance gets its books.
enum Start {
    /// Already made (no journal).
    Ready,
    /// Recovered from the journal when the instance starts.
    Recover {
        config: Box<ExecutionConfig>,
        journal: JournalConfig,
        /// The feed starts from its first tick with this instance: see
        /// [`ExecutionActor::feed_restarts`].
        feed_restarts: bool,
    },
}

struct Registered {
    /// Its actor, watched; `None` for a strategy registered before a restart (from
    /// the journal) that has not registered again yet.
    actor: Option<ActorId>,
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
    core: Journaled<Ack>,
    start: Start,
    strategies: BTreeMap<StrategyId, Registered>,
    /// Steps waiting for the barrier, by seq, then strategy.
    steps: BTreeMap<u64, BTreeMap<StrategyId, PendingStep>>,
    hops: HopHistograms,
    /// When each open order reached execution, for order-to-fill.
    arrived: HashMap<(StrategyId, ClientOrderId), Instant>,
    /// The run's backtest statistics, from what this instance applied.
    backtest: BacktestRecorder,
    _strategies_msg: std::marker::PhantomData<fn() -> M>,
}

impl<M: Send + 'static> ExecutionActor<M> {
    /// An execution actor over `engine`, with no journal.
    pub fn new(engine: ExecutionEngine) -> Self {
        Self::with(Journaled::unjournaled(Books::from_engine(engine)), Start::Ready)
    }

    /// An execution actor that journals its inputs per `journal` (without a
    /// directory, or in mode `off`: none) and, as each instance starts, recovers its
    /// books from the journal.
    pub fn journaled(config: ExecutionConfig, journal: JournalConfig) -> Self {
        let books = Journaled::unjournaled(Books::new(config.clone()));
        Self::with(
            books,
            Start::Recover { config: Box::new(config), journal, feed_restarts: false },
        )
    }

    /// Tells a journaled instance that the feed starts from its first tick with it
    /// (the whole pipeline, feed included, was started again on the journal): after
    /// recovery, it journals [`Input::FeedRestart`](crate::Input::FeedRestart) so the
    /// barrier takes the feed's sequence numbers from 1 again. Not for an instance
    /// restarted under a running feed.
    pub fn feed_restarts(mut self) -> Self {
        if let Start::Recover { feed_restarts, .. } = &mut self.start {
            *feed_restarts = true;
        }
        self
    }

    fn with(core: Journaled<Ack>, start: Start) -> Self {
        Self {
            core,
            start,
            strategies: BTreeMap::new(),
            steps: BTreeMap::new(),
            hops: HopHistograms::new(),
            arrived: HashMap::new(),
            backtest: BacktestRecorder::new(),
            _strategies_msg: std::marker::PhantomData,
        }
    }

    fn recovery(&self, strategy: StrategyId) -> Recovery {
        let books = self.core.books();
        let open_orders = books
            .engine()
            .open_orders(strategy)
            .into_iter()
            .map(|o| (o.order.clone(), o.status, o.filled_qty))
            .collect();
        Recovery {
            positions: books
                .engine()
                .positions()
                .filter(|p| p.strategy == strategy)
                .cloned()
                .collect(),
            open_orders,
            last_order_id: books.last_order_id(strategy),
            durable: self.core.is_journaled(),
            history: Vec::new(),
        }
    }

    /// Sends `ack` now, or holds it until its turn is durable.
    fn ack(&mut self, ack: Ack) {
        if let Some(ack) = self.core.hold(ack) {
            ack.send();
        }
    }

    fn register(
        &mut self,
        strategy: StrategyId,
        actor: &ActorRef<M>,
        reply: ReplyTo<Recovery>,
        live: bool,
        ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        // A strategy that stepped before, under a feed that went on, gets its steps
        // back to replay (read before this registration is journaled: it adds none).
        let feed_goes_on = matches!(self.start, Start::Recover { feed_restarts: false, .. });
        let stepped = self.core.books().last_reply(strategy).is_some();
        let history = match feed_goes_on && stepped && !live {
            true => self.core.history(strategy).unwrap_or_else(|e| {
                tracing::warn!(%strategy, error = %e, "no history to replay: the strategy restarts from execution's books alone");
                Vec::new()
            }),
            false => Vec::new(),
        };
        self.core.register(strategy, live)?;
        ctx.watch(actor);
        let last_seq = self.core.books().last_seq();
        let done_through = self.strategies.get(&strategy).map_or(last_seq, |s| s.done_through);
        let actor = Some(actor.id());
        self.strategies.insert(strategy, Registered { actor, done_through, live });
        let recovery = Recovery { history, ..self.recovery(strategy) };
        self.ack(Ack::Registered(reply, recovery));
        tracing::info!(%strategy, live, "strategy registered with execution");
        Ok(())
    }

    /// Applies every tick whose steps are all in, in feed order.
    fn advance(&mut self) -> Result<(), ActorError> {
        while let Some((&seq, _)) = self.steps.first_key_value() {
            if self.strategies.values().any(|s| !s.live && s.done_through < seq) {
                return Ok(());
            }
            let Some((_, steps)) = self.steps.pop_first() else {
                return Ok(());
            };
            let started = Instant::now();
            let tick = steps.values().find_map(|(step, _, _)| step.tick.as_ref());
            if let Some(t) = tick {
                let engine = self.core.books().engine();
                self.backtest.on_tick(t.tick.exchange_ts_ns, || equity(engine));
            }
            self.core.tick(seq, tick)?;
            for (step, reply, arrived) in steps.into_values() {
                self.apply_step(step, reply, arrived)?;
            }
            self.hops.record(Hop::ExecutionHandler, started.elapsed());
        }
        Ok(())
    }

    /// Executes a step (journaled first) and answers it with its strategy's updates.
    fn apply_step(
        &mut self,
        step: Step,
        reply: ReplyTo<Vec<OrderUpdate>>,
        received: Instant,
    ) -> Result<(), ActorError> {
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
        for order in &step.orders {
            self.arrived.insert((order.strategy, order.client_order_id), received);
        }
        let accepted_before = self.core.books().engine().stats().accepted_qty;
        let updates = self.core.step(step.strategy, step.seq, step.orders, step.cancels)?;
        let accepted = self.core.books().engine().stats().accepted_qty - accepted_before;
        if accepted > 0.0 {
            self.backtest.on_accepted(accepted);
        }
        // Each update is in exactly one reply: order-to-fill is recorded here.
        let now = Instant::now();
        for u in &updates {
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
        }
        self.ack(Ack::Updates(reply, updates));
        Ok(())
    }

    /// Ends a turn: commits its inputs and sends the replies that are durable.
    fn commit(&mut self) -> Result<(), ActorError> {
        for ack in self.core.commit()? {
            ack.send();
        }
        Ok(())
    }

    /// Recovers the books from the journal (see [`ExecutionActor::journaled`]) and, in
    /// `fsync` mode, starts the task that tells this actor when the watermark moves.
    fn recover(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        let Start::Recover { config, journal, feed_restarts } = &self.start else {
            return Ok(());
        };
        self.core = Journaled::open(journal, config)?;
        let books = self.core.books();
        if *feed_restarts {
            // Every strategy registers again before the new feed's first tick.
            if books.last_seq() > 0 || !books.registered().is_empty() {
                self.core.feed_restart()?;
                self.commit()?;
            }
        } else {
            // The feed goes on: the barrier waits for the strategies that were
            // registered, as before the restart, until they register again.
            let done_through = books.last_seq();
            for (&strategy, &live) in books.registered() {
                self.strategies.insert(strategy, Registered { actor: None, done_through, live });
            }
        }
        if let Some(mut watermark) = self.core.subscribe() {
            let me = ctx.myself().clone();
            tokio::spawn(async move {
                while watermark.changed().await.is_ok() {
                    let durable = *watermark.borrow_and_update();
                    if me.send(ExecMsg::Durable(durable)).await.is_err() {
                        break;
                    }
                }
            });
        }
        Ok(())
    }
}

/// The equity of every position, `cash + value(qty, mark)`, summed exactly and made an
/// `f64` for the statistics; a position whose symbol has no mark is valued at its cost
/// (its equity is its realized PnL, as the run summary values it).
fn equity(engine: &ExecutionEngine) -> f64 {
    let books = engine.books();
    let total: Money = engine
        .positions()
        .map(|p| match engine.mark(p.symbol).and_then(Price::from_f64) {
            Some(mark) => p.equity(mark, books.terms(p.symbol)),
            None => p.realized_pnl,
        })
        .sum();
    total.to_f64()
}

/// The fees every position paid (negative: net rebates), summed exactly.
fn fees(engine: &ExecutionEngine) -> f64 {
    engine.positions().map(|p| p.fees).sum::<Money>().to_f64()
}

impl<M: Send + 'static> Actor for ExecutionActor<M> {
    type Msg = ExecMsg<M>;

    async fn started(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        self.recover(ctx)
    }

    async fn handle(&mut self, msg: ExecMsg<M>, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        match msg {
            ExecMsg::Register { strategy, actor, reply } => {
                self.register(strategy, &actor, reply, false, ctx)?;
            }
            ExecMsg::RegisterLive { strategy, actor, reply } => {
                self.register(strategy, &actor, reply, true, ctx)?;
            }
            ExecMsg::Step(step, reply) => {
                let received = Instant::now();
                // Orders placed at start (seq 0), or a step for a tick already applied
                // (a strategy that rejoined from another node and got old ticks):
                // executed at once, without applying the tick again.
                let live = self.strategies.get(&step.strategy).is_some_and(|s| s.live);
                let books = self.core.books();
                let last = books.last_reply(step.strategy);
                if let Some(last) =
                    last.filter(|l| l.is_resend_of(step.seq, &step.orders, &step.cancels))
                {
                    // Sent again after its reply was lost (a dropped link, or this
                    // process restarted): answered from the books, not executed twice.
                    let updates = last.updates.clone();
                    self.ack(Ack::Updates(reply, updates));
                } else if step.seq == 0
                    || live
                    || (step.seq <= books.last_seq() && books.applied() > 0)
                {
                    self.apply_step(step, reply, received)?;
                } else {
                    if let Some(s) = self.strategies.get_mut(&step.strategy) {
                        s.done_through = s.done_through.max(step.seq);
                    }
                    self.steps
                        .entry(step.seq)
                        .or_default()
                        .insert(step.strategy, (step, reply, received));
                    self.advance()?;
                }
            }
            ExecMsg::Report(reply) => {
                let engine = self.core.books().engine();
                let positions = engine.positions().map(|p| (*p, engine.mark(p.symbol))).collect();
                let _ = reply.send(ExecReport {
                    stats: engine.stats().clone(),
                    positions,
                    instruments: engine.books().instruments().clone(),
                    ticks: self.core.books().applied(),
                    hops: self.hops.clone(),
                    backtest: Some(self.backtest.finish(equity(engine), fees(engine))),
                });
            }
            ExecMsg::Durable(durable) => {
                if durable.failed {
                    return Err("the journal failed to make inputs durable: restarting to \
                                recover from what is on disk"
                        .into());
                }
                for ack in self.core.release(durable.through) {
                    ack.send();
                }
            }
        }
        self.commit()
    }

    async fn on_terminated(
        &mut self,
        t: Terminated,
        _ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        let ended: Vec<StrategyId> = self
            .strategies
            .iter()
            .filter(|(_, s)| s.actor == Some(t.id))
            .map(|(&id, _)| id)
            .collect();
        for strategy in ended {
            self.strategies.remove(&strategy);
            self.core.unregister(strategy)?;
        }
        self.advance()?;
        self.commit()
    }

    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        // Waits for the last batch and any queued snapshot; then every held reply is
        // durable.
        match self.core.close() {
            Ok(()) => {
                for ack in self.core.release(u64::MAX) {
                    ack.send();
                }
            }
            Err(e) => tracing::error!(%e, "execution's journal did not close cleanly"),
        }
    }
}
