//! [`StrategyHost`]: the actor that runs one [`Strategy`], fed by the feed and trading
//! through the execution actor with the step protocol of
//! [`mycelium_execution::actor`].

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mycelium::{Actor, ActorError, ActorRef, Context, ReplyTo};
use mycelium_execution::{
    ExecMsg, HistoryStep, Hop, HopHistograms, OrderStatus, OrderUpdate, Step, StepStamps,
    StrategyId, TickStamp,
};
use mycelium_market_data::{FeedTick, InstrumentTable, MarketTick};

use crate::strategy::{OpenOrder, Strategy, StrategyContext};

/// How long a strategy waits for execution's answer to a step before it fails (and
/// its supervisor restarts it): far beyond any real step, short enough to notice a
/// lost execution actor.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// The strategy host's messages.
pub enum StrategyMsg {
    /// A tick from the feed.
    Tick(Arc<FeedTick>),
    /// Reply with this host's figures, after every tick queued before it.
    Report(ReplyTo<HostReport>),
}

impl From<Arc<FeedTick>> for StrategyMsg {
    fn from(t: Arc<FeedTick>) -> Self {
        StrategyMsg::Tick(t)
    }
}

/// A strategy host's figures.
#[derive(Debug, Clone, Default)]
pub struct HostReport {
    /// Ticks handled.
    pub ticks: u64,
    /// Orders sent.
    pub orders: u64,
    /// Latency recorded here.
    pub hops: HopHistograms,
    /// The last tick whose step the strategy replayed from execution's journal when
    /// it started (its process had died): ticks up to it are already handled.
    pub replayed_through: Option<u64>,
}

/// Runs one strategy. Made anew by its supervisor after a crash: it then recovers its
/// positions and open orders from execution, the source of truth.
pub struct StrategyHost {
    id: StrategyId,
    strategy: Box<dyn Strategy>,
    ctx: StrategyContext,
    execution: ActorRef<ExecMsg<StrategyMsg>>,
    report: HostReport,
}

impl StrategyHost {
    /// A host for `strategy` as `id`, trading through `execution`.
    pub fn new(
        id: StrategyId,
        strategy: Box<dyn Strategy>,
        execution: ActorRef<ExecMsg<StrategyMsg>>,
    ) -> Self {
        Self {
            id,
            strategy,
            ctx: StrategyContext::new(id, 0),
            execution,
            report: HostReport::default(),
        }
    }

    /// The same host, its strategy seeing `instruments` (by default the shipped table):
    /// the table execution trades by.
    pub fn instruments(mut self, instruments: InstrumentTable) -> Self {
        self.ctx.set_instruments(instruments);
        self
    }

    /// Sends the orders the strategy has placed as its step for `tick` (`None`: orders
    /// placed at start), and applies the updates execution answers with.
    async fn step(&mut self, tick: Option<Arc<FeedTick>>) -> Result<(), ActorError> {
        let (orders, cancels) = self.ctx.take_outbox();
        self.report.orders += orders.len() as u64;
        for o in &orders {
            tracing::debug!(
                strategy = %self.id,
                order = o.client_order_id.0,
                symbol = %o.symbol,
                side = ?o.side,
                qty = o.qty,
                px = ?o.limit_px,
                kind = ?o.kind,
                "order"
            );
        }
        let seq = tick.as_ref().map_or(0, |t| t.seq);
        let published = tick.as_ref().map_or_else(Instant::now, |t| t.scheduled);
        let step = Step {
            strategy: self.id,
            seq,
            tick,
            orders,
            cancels,
            stamps: StepStamps { published, decided: Instant::now() },
        };
        let updates =
            match self.execution.ask(|reply| ExecMsg::Step(step, reply), STEP_TIMEOUT).await {
                Ok(updates) => updates,
                Err(e) => {
                    let why = format!("execution did not answer step {seq}: {e}");
                    self.orders_unknown(&why);
                    return Err(why.into());
                }
            };
        for update in &updates {
            self.apply(update);
        }
        Ok(())
    }

    /// Execution stopped answering: tells the strategy, order by order, that each
    /// open order (those of the unanswered step included) is now
    /// [`OrderStatus::Unknown`]. The host then fails; its restart registers again
    /// (waiting for execution to be back) and recovers what execution still has.
    fn orders_unknown(&mut self, why: &str) {
        let ts_ns = self.ctx.now_ns();
        let lost: Vec<OrderUpdate> = self
            .ctx
            .open_orders()
            .map(|open| OrderUpdate {
                client_order_id: open.order.client_order_id,
                strategy: self.id,
                symbol: open.order.symbol,
                status: OrderStatus::Unknown,
                filled_qty: open.filled_qty,
                last_fill: None,
                leaves_qty: 0.0,
                ts_ns,
                refused: None,
            })
            .collect();
        let ids: Vec<u64> = lost.iter().map(|u| u.client_order_id.0).collect();
        tracing::warn!(
            strategy = ?self.id,
            orders = ?ids,
            %why,
            "execution lost: {} open orders are now Unknown",
            ids.len()
        );
        for update in &lost {
            self.apply(update);
        }
    }

    /// The strategy's turn at feed tick `seq`: the timers due by its exchange time,
    /// then the tick.
    fn turn(&mut self, seq: u64, tick: &MarketTick) {
        self.ctx.set_now(TickStamp { exchange_ts_ns: tick.exchange_ts_ns, seq });
        while let Some(timer) = self.ctx.due_timer() {
            self.strategy.on_timer(timer, &mut self.ctx);
        }
        self.strategy.on_tick(tick, &mut self.ctx);
    }

    /// Rebuilds the strategy from its journaled steps: its start, then each tick it
    /// answered and each reply it got, in order, exactly as it first ran them. Nothing
    /// is sent: a deterministic strategy makes the same orders again, and a step whose
    /// orders differ from the journal's ends the replay. Returns the last tick replayed.
    fn replay(&mut self, history: &[HistoryStep]) -> Result<u64, String> {
        self.strategy.on_start(&mut self.ctx);
        let mut through = 0;
        for (i, step) in history.iter().enumerate() {
            match &step.tick {
                Some(tick) => self.turn(step.seq, tick),
                // Orders placed at start: made by `on_start` above.
                None if i == 0 && step.seq == 0 => {}
                None => return Err(format!("step {} has no tick to replay", step.seq)),
            }
            let (orders, cancels) = self.ctx.take_outbox();
            if orders != step.orders || cancels != step.cancels {
                return Err(format!(
                    "the strategy placed other orders for tick {} than the journal holds (is it deterministic?)",
                    step.seq
                ));
            }
            for update in &step.updates {
                self.ctx.apply_update(update);
                self.strategy.on_order_update(update, &mut self.ctx);
            }
            through = step.seq;
        }
        Ok(through)
    }

    fn apply(&mut self, update: &OrderUpdate) {
        if let Some(fill) = &update.last_fill {
            tracing::debug!(
                strategy = %self.id,
                order = update.client_order_id.0,
                symbol = %update.symbol,
                side = ?fill.side,
                qty = fill.qty,
                px = fill.px,
                status = ?update.status,
                "fill"
            );
        }
        self.ctx.apply_update(update);
        self.strategy.on_order_update(update, &mut self.ctx);
    }
}

impl Actor for StrategyHost {
    type Msg = StrategyMsg;

    async fn started(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        let (id, me) = (self.id, ctx.myself().clone());
        let recovery = self
            .execution
            .ask(|reply| ExecMsg::Register { strategy: id, actor: me, reply }, STEP_TIMEOUT)
            .await
            .map_err(|e| format!("execution did not answer registration: {e}"))?;
        let positions: HashMap<_, _> =
            recovery.positions.iter().map(|p| (p.symbol, p.holding())).collect();
        let open: Vec<OpenOrder> = recovery
            .open_orders
            .into_iter()
            .map(|(order, status, filled_qty)| OpenOrder { order, status, filled_qty })
            .collect();
        if !recovery.history.is_empty() {
            match self.replay(&recovery.history) {
                Ok(through) => {
                    self.report.replayed_through = Some(through);
                    if self.ctx.agrees_with(&positions, &open) {
                        tracing::info!(strategy = %self.id, steps = recovery.history.len(), through, "strategy rebuilt by replaying its steps from execution's journal");
                        return Ok(());
                    }
                    tracing::warn!(strategy = %self.id, through, "the replayed view differs from execution's books: execution's is kept");
                }
                Err(why) => {
                    tracing::warn!(strategy = %self.id, %why, "replay abandoned: execution's books are kept")
                }
            }
            // Execution is the source of truth for orders and positions; the
            // strategy's own state is as far as the replay took it.
            self.ctx.restore(positions, open, recovery.last_order_id);
            return Ok(());
        }
        self.ctx.restore(positions, open, recovery.last_order_id);
        self.strategy.on_start(&mut self.ctx);
        if self.ctx.has_outbox() {
            self.step(None).await?;
        }
        Ok(())
    }

    async fn handle(
        &mut self,
        msg: StrategyMsg,
        _ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        match msg {
            // Already handled before this process, and replayed.
            StrategyMsg::Tick(tick)
                if self.report.replayed_through.is_some_and(|through| tick.seq <= through) => {}
            StrategyMsg::Tick(tick) => {
                let dequeued = Instant::now();
                self.report.hops.record(
                    Hop::TickToStrategy,
                    dequeued.saturating_duration_since(tick.scheduled),
                );
                self.turn(tick.seq, &tick.tick);
                self.report.hops.record(Hop::StrategyHandler, dequeued.elapsed());
                self.report.ticks += 1;
                self.step(Some(tick)).await?;
            }
            StrategyMsg::Report(reply) => {
                let _ = reply.send(self.report.clone());
            }
        }
        Ok(())
    }

    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        self.strategy.on_stop(&mut self.ctx);
    }
}
