//! [`StrategyHost`]: the actor that runs one [`Strategy`], fed by the feed and trading
//! through the execution actor with the step protocol of
//! [`mycelium_execution::actor`].

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mycelium::{Actor, ActorError, ActorRef, Answer, Context, ReplyTo};
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
    /// The run's end: after every tick queued before it, apply every answer still on
    /// its way (with an answer lag), then reply with this host's figures.
    Finish(ReplyTo<HostReport>),
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
///
/// Each tick is a step: the strategy's turn, then its orders sent to execution, whose
/// answer (the step's order updates) the strategy applies before its turn `answer_lag`
/// ticks later. With no lag (the default) it waits for each answer before its next
/// tick; with a lag of `n` it takes `n` more ticks while the answers are on their way
/// (a link's round trip longer than the time between ticks no longer holds the ticks
/// back), and sees each answer exactly `n` ticks later, in every run alike.
pub struct StrategyHost {
    id: StrategyId,
    strategy: Box<dyn Strategy>,
    ctx: StrategyContext,
    execution: ActorRef<ExecMsg<StrategyMsg>>,
    report: HostReport,
    answer_lag: usize,
    /// Steps whose answers are not applied yet, oldest first: at most `answer_lag`
    /// between two ticks.
    unanswered: VecDeque<Unanswered>,
}

/// A step whose answer the strategy has not applied yet.
enum Unanswered {
    /// Sent; the answer is on its way.
    Sent { seq: u64, answer: Answer<Vec<OrderUpdate>> },
    /// Replayed from execution's journal: the answer is in hand.
    Replayed(Vec<OrderUpdate>),
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
            answer_lag: 0,
            unanswered: VecDeque::new(),
        }
    }

    /// The same host, applying each step's answer `lag` ticks after the step (see the
    /// type's docs); 0, the default, waits for each answer before the next tick.
    pub fn answer_lag(mut self, lag: usize) -> Self {
        self.answer_lag = lag;
        self
    }

    /// The same host, its strategy seeing `instruments` (by default the shipped table):
    /// the table execution trades by.
    pub fn instruments(mut self, instruments: InstrumentTable) -> Self {
        self.ctx.set_instruments(instruments);
        self
    }

    /// Sends the orders the strategy has placed as its step for `tick` (`None`: orders
    /// placed at start), and applies the updates execution answers with: at once, or
    /// with an answer lag, from [`catch_up`](Self::catch_up) that many ticks later.
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
        if self.answer_lag == 0 {
            let updates =
                match self.execution.ask(|reply| ExecMsg::Step(step, reply), STEP_TIMEOUT).await {
                    Ok(updates) => updates,
                    Err(e) => return Err(self.lost(seq, &e)),
                };
            for update in &updates {
                self.apply(update);
            }
            return Ok(());
        }
        // Boxed: inline, the request's state would grow every step's future, the
        // lockstep ones too.
        let sent =
            Box::pin(self.execution.request(|reply| ExecMsg::Step(step, reply), STEP_TIMEOUT));
        match sent.await {
            Ok(answer) => self.unanswered.push_back(Unanswered::Sent { seq, answer }),
            Err(e) => return Err(self.lost(seq, &e)),
        }
        Ok(())
    }

    /// Applies the answers of every step but the last `keep`, oldest first, waiting
    /// for those still on their way.
    async fn catch_up(&mut self, keep: usize) -> Result<(), ActorError> {
        while self.unanswered.len() > keep {
            let updates = match self.unanswered.pop_front() {
                Some(Unanswered::Sent { seq, answer }) => match answer.await {
                    Ok(updates) => updates,
                    Err(e) => return Err(self.lost(seq, &e)),
                },
                Some(Unanswered::Replayed(updates)) => updates,
                None => break,
            };
            for update in &updates {
                self.apply(update);
            }
        }
        Ok(())
    }

    /// Execution did not answer step `seq`: every open order is now unknown, and the
    /// host fails with the returned error.
    fn lost(&mut self, seq: u64, e: &dyn std::fmt::Display) -> ActorError {
        let why = format!("execution did not answer step {seq}: {e}");
        self.orders_unknown(&why);
        why.into()
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
    async fn replay(&mut self, history: Vec<HistoryStep>) -> Result<u64, String> {
        self.strategy.on_start(&mut self.ctx);
        let mut through = 0;
        for (i, step) in history.into_iter().enumerate() {
            if step.tick.is_some() {
                // Only replayed answers are held here: nothing is awaited.
                self.catch_up(self.answer_lag).await.map_err(|e| e.to_string())?;
            }
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
            self.unanswered.push_back(Unanswered::Replayed(step.updates));
            through = step.seq;
        }
        Ok(through)
    }

    /// The replayed answers not applied yet.
    fn replayed_pending(&self) -> impl Iterator<Item = &OrderUpdate> {
        self.unanswered.iter().flat_map(|u| match u {
            Unanswered::Replayed(updates) => updates.as_slice(),
            Unanswered::Sent { .. } => &[],
        })
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
            let steps = recovery.history.len();
            match self.replay(recovery.history).await {
                Ok(through) => {
                    self.report.replayed_through = Some(through);
                    if self.ctx.agrees_with(self.replayed_pending(), &positions, &open) {
                        tracing::info!(strategy = %self.id, steps, through, "strategy rebuilt by replaying its steps from execution's journal");
                        return Ok(());
                    }
                    tracing::warn!(strategy = %self.id, through, "the replayed view differs from execution's books: execution's is kept");
                }
                Err(why) => {
                    tracing::warn!(strategy = %self.id, %why, "replay abandoned: execution's books are kept")
                }
            }
            // Execution is the source of truth for orders and positions (the answers
            // not yet replayed included); the strategy's own state is as far as the
            // replay took it.
            self.unanswered.clear();
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
                // With an answer lag, the answers this tick must see come first: a
                // tick that waits for them waits before its turn, as in a mailbox.
                if self.unanswered.len() > self.answer_lag {
                    // Boxed, as only a lagged or replayed host gets here.
                    Box::pin(self.catch_up(self.answer_lag)).await?;
                }
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
            StrategyMsg::Finish(reply) => {
                self.catch_up(0).await?;
                let _ = reply.send(self.report.clone());
            }
        }
        Ok(())
    }

    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        // The answers still on their way are applied before the strategy stops: none
        // is dropped unread.
        if let Err(e) = self.catch_up(0).await {
            tracing::warn!(strategy = %self.id, error = %e, "stopped without the last answers");
        }
        self.strategy.on_stop(&mut self.ctx);
    }
}
