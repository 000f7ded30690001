//! The feed actor: owns a tick source and broadcasts each tick, as one shared
//! `Arc<FeedTick>`, to its subscribers.
//!
//! # Pumping
//! The feed handles its own `Pump` message: a batch of ticks (paced by a [`Pacer`]),
//! then another `Pump` to itself. Control messages (subscribe, unsubscribe, report)
//! queue between batches, so they are served while the feed runs.
//!
//! # Slow subscribers
//! Each subscriber has a [`Policy`]. `Block` (the default, for deterministic replay)
//! awaits room in its mailbox: a slow blocking subscriber slows the feed and so every
//! subscriber. `Conflate` never waits: when its mailbox is full the feed keeps only
//! the latest tick per symbol for it, counts the ticks it replaced, and delivers the
//! kept ones as room appears. A slow conflating subscriber never slows the others.
//!
//! When the source ends the feed hands what conflating subscribers still have pending
//! to background deliveries, then stops itself (`ExitReason::Normal`): watch it to
//! learn the end.

use std::ops::Deref;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use mycelium::{Actor, ActorError, ActorId, ActorRef, Context, ReplyTo, SendError};
use tokio::sync::watch;

use crate::adapter::TickError;
use crate::pacing::{Pacer, Speed};
use crate::source::TickSource;
use crate::tick::{MarketTick, Symbol};

/// Ticks handled per `Pump`: large enough to amortize the self-send, small enough that
/// control messages wait at most a few microseconds at full speed.
const BATCH: usize = 256;

/// A tick as the feed publishes it: the market data plus when it entered this process.
#[derive(Debug, Clone)]
pub struct FeedTick {
    /// Position in this feed's output, from 1: a total order over all its sources.
    pub seq: u64,
    /// The tick.
    pub tick: MarketTick,
    /// When the feed published it (monotonic clock of this host).
    pub ingress: Instant,
    /// When the pacer scheduled it. For a paced feed, latency measured from here
    /// includes any lateness of the feed itself (no coordinated omission); at full
    /// speed it equals `ingress`.
    pub scheduled: Instant,
}

impl Deref for FeedTick {
    type Target = MarketTick;
    fn deref(&self) -> &MarketTick {
        &self.tick
    }
}

/// What the feed does when a subscriber's mailbox is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    /// Wait for room (backpressure).
    #[default]
    Block,
    /// Keep only the latest tick per symbol until there is room; count the rest.
    Conflate,
}

/// The feed's messages.
pub enum FeedMsg<M> {
    /// Add a subscriber for `symbols` (all symbols if `None`).
    Subscribe {
        /// The subscriber.
        actor: ActorRef<M>,
        /// The symbols it wants, or all.
        symbols: Option<Vec<Symbol>>,
        /// What to do when its mailbox is full.
        policy: Policy,
    },
    /// Remove a subscriber.
    Unsubscribe(ActorId),
    /// Reply with the feed's figures so far.
    Report(ReplyTo<FeedReport>),
    /// Start publishing (for a feed built with [`Feed::start_paused`]).
    Start,
    /// Publish the next batch (sent by the feed to itself).
    #[doc(hidden)]
    Pump,
}

/// The feed's figures.
#[derive(Debug, Clone, Default)]
pub struct FeedReport {
    /// Ticks published.
    pub ticks: u64,
    /// Sequence gaps reported by the source (never applied).
    pub gaps: u64,
    /// Ticks replaced by a newer one for a conflating subscriber, per subscriber.
    pub conflated: Vec<(ActorId, u64)>,
    /// Wall-clock time from the first tick to the last.
    pub elapsed: Duration,
    /// Whether the source is exhausted.
    pub finished: bool,
    /// The counts of each symbol, in the order the symbols first came.
    pub per_symbol: Vec<(Symbol, SymbolCounts)>,
    /// How late each paced tick left against its schedule (its publish stamp minus
    /// the time the pacer had it due), in ns; `None` at full speed and before the
    /// first tick.
    pub lateness: Option<Histogram<u64>>,
}

/// What the feed did for one symbol.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SymbolCounts {
    /// Ticks published.
    pub ticks: u64,
    /// Ticks replaced by a newer one, summed over the conflating subscribers.
    pub conflated: u64,
    /// Sequence gaps reported by the source.
    pub gaps: u64,
}

impl FeedReport {
    /// The counts of `symbol`, made on its first use. A linear search on the
    /// symbols' keys: a feed has few symbols, and this runs once per tick.
    fn counts(&mut self, symbol: Symbol) -> &mut SymbolCounts {
        let key = symbol.key();
        let at = match self.per_symbol.iter().position(|(s, _)| s.key() == key) {
            Some(at) => at,
            None => {
                self.per_symbol.push((symbol, SymbolCounts::default()));
                self.per_symbol.len() - 1
            }
        };
        &mut self.per_symbol[at].1
    }

    /// Ticks published per second of wall-clock time.
    pub fn ticks_per_sec(&self) -> f64 {
        self.ticks as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

struct Subscriber<M> {
    actor: ActorRef<M>,
    symbols: Option<Vec<Symbol>>,
    policy: Policy,
    /// Conflating only: the latest undelivered tick per symbol, in arrival order.
    pending: Vec<Arc<FeedTick>>,
    conflated: u64,
}

impl<M: From<Arc<FeedTick>> + Send + 'static> Subscriber<M> {
    fn wants(&self, symbol: &Symbol) -> bool {
        self.symbols.as_ref().is_none_or(|s| s.contains(symbol))
    }

    /// Delivers `tick`, counting in `report` a tick it replaces; false if the
    /// subscriber has ended.
    async fn deliver(&mut self, tick: &Arc<FeedTick>, report: &mut FeedReport) -> bool {
        match self.policy {
            Policy::Block => self.actor.send(M::from(tick.clone())).await.is_ok(),
            Policy::Conflate => {
                if !self.flush() {
                    return false;
                }
                if let Some(slot) = self.pending.iter_mut().find(|p| p.symbol == tick.symbol) {
                    *slot = tick.clone();
                    self.conflated += 1;
                    report.counts(tick.symbol).conflated += 1;
                    return true;
                }
                if !self.pending.is_empty() {
                    self.pending.push(tick.clone());
                    return true;
                }
                match self.actor.try_send(M::from(tick.clone())) {
                    Ok(()) => true,
                    Err(SendError::Full(_)) => {
                        self.pending.push(tick.clone());
                        true
                    }
                    Err(_) => false,
                }
            }
        }
    }

    /// Offers pending ticks while there is room; false if the subscriber has ended.
    fn flush(&mut self) -> bool {
        while let Some(first) = self.pending.first() {
            match self.actor.try_send(M::from(first.clone())) {
                Ok(()) => {
                    self.pending.remove(0);
                }
                Err(SendError::Full(_)) => return true,
                Err(_) => return false,
            }
        }
        true
    }

    /// Hands what is still pending to a task that delivers it as room appears, so a
    /// stuck subscriber cannot keep the feed from ending.
    fn drain_in_background(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        if pending.is_empty() {
            return;
        }
        let actor = self.actor.clone();
        tokio::spawn(async move {
            for tick in pending {
                if actor.send(M::from(tick)).await.is_err() {
                    return;
                }
            }
        });
    }
}

/// The feed actor. `M` is the subscribers' message type, which a tick converts into.
pub struct Feed<M> {
    source: TickSource,
    pacer: Pacer,
    subscribers: Vec<Subscriber<M>>,
    report: FeedReport,
    first_tick: Option<Instant>,
    running: bool,
    /// Where the feed leaves its last figures as it ends.
    final_report: Option<watch::Sender<Option<FeedReport>>>,
}

impl<M: From<Arc<FeedTick>> + Send + 'static> Feed<M> {
    /// A feed over `source`, paced at `speed`, publishing as soon as it starts.
    pub fn new(source: TickSource, speed: Speed) -> Self {
        Self {
            source,
            pacer: Pacer::new(speed),
            subscribers: Vec::new(),
            report: FeedReport::default(),
            first_tick: None,
            running: true,
            final_report: None,
        }
    }

    /// Waits for [`FeedMsg::Start`] before publishing, so every subscriber can join
    /// first.
    pub fn start_paused(mut self) -> Self {
        self.running = false;
        self
    }

    /// Leaves the feed's last figures in `slot` as it ends (with its source, or
    /// stopped; not when aborted), for whoever reports on it once it is gone.
    pub fn final_report_to(mut self, slot: watch::Sender<Option<FeedReport>>) -> Self {
        self.final_report = Some(slot);
        self
    }

    /// Adds a subscriber before the feed is spawned.
    pub fn subscriber(
        mut self,
        actor: ActorRef<M>,
        symbols: Option<Vec<Symbol>>,
        policy: Policy,
    ) -> Self {
        self.subscribe(actor, symbols, policy);
        self
    }

    fn subscribe(&mut self, actor: ActorRef<M>, symbols: Option<Vec<Symbol>>, policy: Policy) {
        self.subscribers.retain(|s| s.actor != actor);
        self.subscribers.push(Subscriber {
            actor,
            symbols,
            policy,
            pending: Vec::new(),
            conflated: 0,
        });
    }

    /// Wraps `tick` for publishing, stamped now; `deadline` is when the pacer had it
    /// due (none at full speed).
    fn stamp(&mut self, tick: MarketTick, deadline: Option<tokio::time::Instant>) -> Arc<FeedTick> {
        let ingress = Instant::now();
        let scheduled = deadline.map_or(ingress, |d| d.into_std());
        if deadline.is_some() {
            let late = ingress.saturating_duration_since(scheduled).as_nanos();
            self.report
                .lateness
                .get_or_insert_with(lateness_histogram)
                .saturating_record(u64::try_from(late).unwrap_or(u64::MAX));
        }
        let tick = Arc::new(FeedTick { seq: self.report.ticks + 1, tick, ingress, scheduled });
        self.first_tick.get_or_insert(tick.ingress);
        tick
    }

    async fn publish(&mut self, tick: Arc<FeedTick>) {
        let mut ended = false;
        for sub in &mut self.subscribers {
            if sub.wants(&tick.symbol) && !sub.deliver(&tick, &mut self.report).await {
                ended = true;
            }
        }
        if ended {
            self.subscribers.retain(|s| s.actor.is_alive());
        }
        self.report.ticks += 1;
        self.report.counts(tick.symbol).ticks += 1;
    }

    fn snapshot(&self) -> FeedReport {
        let mut report = self.report.clone();
        report.conflated = self.subscribers.iter().map(|s| (s.actor.id(), s.conflated)).collect();
        report.elapsed = self.first_tick.map_or(Duration::ZERO, |t| t.elapsed());
        report
    }

    async fn pump(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        for _ in 0..BATCH {
            match self.source.next() {
                // Paced and stamped here, not in `publish`: moving the tick into that
                // future's state cost a store-forwarding stall per field, the most
                // expensive instructions of a full-speed replay.
                Some(Ok(tick)) => {
                    let deadline = self.pacer.deadline(tick.exchange_ts_ns);
                    if let Some(deadline) = deadline {
                        wait_until(deadline).await;
                    }
                    let tick = self.stamp(tick, deadline);
                    self.publish(tick).await;
                }
                Some(Err(TickError::Gap(gap))) => {
                    tracing::warn!(%gap, "sequence gap in the source: diff not applied");
                    self.report.gaps += 1;
                    self.report.counts(gap.symbol).gaps += 1;
                }
                Some(Err(e)) => return Err(e.into()),
                None => {
                    self.report.elapsed = self.first_tick.map_or(Duration::ZERO, |t| t.elapsed());
                    self.report.finished = true;
                    for sub in &mut self.subscribers {
                        sub.drain_in_background();
                    }
                    tracing::info!(ticks = self.report.ticks, "feed finished");
                    ctx.stop();
                    return Ok(());
                }
            }
        }
        schedule_pump(ctx);
        Ok(())
    }
}

/// Tokio's timer fires on millisecond boundaries: sleeping up to each deadline would
/// publish a 50k ticks/s feed as bursts of 50 ticks every millisecond. Sleep until a
/// millisecond before, then yield until the deadline: other tasks keep running, and
/// ticks leave within microseconds of their schedule.
const SPIN_WINDOW: Duration = Duration::from_millis(1);

async fn wait_until(deadline: tokio::time::Instant) {
    if let Some(early) = deadline.checked_sub(SPIN_WINDOW) {
        if early > tokio::time::Instant::now() {
            tokio::time::sleep_until(early).await;
        }
    }
    // Bounded: on a paused clock (tests) time only moves when the runtime is idle, so
    // an unbounded spin would never end; the final sleep lets it advance.
    for _ in 0..MAX_SPINS {
        if tokio::time::Instant::now() >= deadline {
            return;
        }
        tokio::task::yield_now().await;
    }
    tokio::time::sleep_until(deadline).await;
}

/// 1 ns to 60 s at 2 significant digits (1%, finer than a lateness needs): about
/// 30 KB, which a live metrics scrape copies from the feed's thread each time (at 3
/// digits it would be 220 KB).
fn lateness_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000_000, 2)
        .unwrap_or_else(|_| unreachable!("static bounds are valid"))
}

/// A yield costs about a microsecond here, so a millisecond's spin takes ~1000; the
/// bound is a hundred times that.
const MAX_SPINS: u32 = 100_000;

fn schedule_pump<M: From<Arc<FeedTick>> + Send + 'static>(ctx: &Context<Feed<M>>) {
    if let Err(SendError::Full(pump)) = ctx.myself().try_send(FeedMsg::Pump) {
        // The feed's own mailbox is full of control messages: queue the pump behind
        // them rather than lose it.
        let me = ctx.myself().clone();
        tokio::spawn(async move { me.send(pump).await });
    }
}

impl<M: From<Arc<FeedTick>> + Send + 'static> Actor for Feed<M> {
    type Msg = FeedMsg<M>;

    async fn started(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        if self.running {
            schedule_pump(ctx);
        }
        Ok(())
    }

    async fn handle(&mut self, msg: FeedMsg<M>, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        match msg {
            FeedMsg::Pump => self.pump(ctx).await?,
            FeedMsg::Start => {
                if !self.running {
                    self.running = true;
                    schedule_pump(ctx);
                }
            }
            FeedMsg::Subscribe { actor, symbols, policy } => self.subscribe(actor, symbols, policy),
            FeedMsg::Unsubscribe(id) => self.subscribers.retain(|s| s.actor.id() != id),
            FeedMsg::Report(reply) => {
                let _ = reply.send(self.snapshot());
            }
        }
        Ok(())
    }

    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        if let Some(slot) = &self.final_report {
            slot.send_replace(Some(self.snapshot()));
        }
    }
}
