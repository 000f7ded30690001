//! The actors that join the pipeline's actors across nodes, so that the feed, the
//! strategy hosts and the execution actor run unchanged on any node (the tick side,
//! `TickForwarder` and `TickIngress`, is in [`super::ticks`]):
//!
//! ```text
//! feed node                 strategy node                        execution node
//! Feed -> TickForwarder ==> TickIngress -> StrategyHost -> ExecProxy ==> ExecGateway -> ExecutionActor
//!         (a subscriber)    ("ticks")                       (per host)   ("execution")
//! ```
//!
//! `==>` is a link (Unix socket or TCP, chosen by the runtime). The forwarder
//! serializes each tick once per strategy node; the ingress hands one `Arc` to every
//! local host; the proxy turns each host's `Step` ask into a remote ask.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mycelium::{Actor, ActorError, ActorRef, Context, Terminated};
use mycelium_execution::{ExecMsg, HistoryStep, OrderUpdate, Step, StepStamps, StrategyId};
use mycelium_market_data::FeedTick;
use mycelium_strategies::StrategyMsg;
use tokio::sync::watch;

use super::wire::{Clock, ExecWire, TickWire};
use crate::pipeline::{note_link, LinksUsed};

/// How long a remote step or registration may take before the strategy fails (and
/// is restarted by its supervisor).
const REMOTE_ASK: Duration = Duration::from_secs(30);
/// How long a strategy waits for the execution node to come back before it fails.
const RESUME_WAIT: Duration = Duration::from_secs(300);

/// Stands in for the execution actor on a strategy node: each `Register` and `Step`
/// ask of one host becomes a remote ask to the execution node's gateway.
pub struct ExecProxy {
    /// What asks the gateway, through drops; cloned into the task of a step in flight.
    asker: Asker,
    /// The anchor for timestamps.
    clock: Clock,
    /// Whether the strategy has an answer lag: its steps are then sent as they come,
    /// several in flight, each answered from a task of its own (unless execution
    /// journals, see `handle`). Without one, the host sends a step only once the last
    /// is answered, and the proxy asks inline.
    pipelined: bool,
}

impl ExecProxy {
    /// A proxy on `local`, the node named `node` in the cluster (its strategies live
    /// or not), for `gateway`; `pipelined` for a strategy with an answer lag.
    pub fn new(
        gateway: ActorRef<ExecWire>,
        local: mycelium::Node,
        node: String,
        live: bool,
        clock: Clock,
        pipelined: bool,
    ) -> Self {
        Self { asker: Asker { gateway, local, node, live, registered: None }, clock, pipelined }
    }
}

impl Actor for ExecProxy {
    type Msg = ExecMsg<StrategyMsg>;

    async fn handle(
        &mut self,
        msg: ExecMsg<StrategyMsg>,
        _ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        match msg {
            ExecMsg::Register { strategy, actor: _, reply }
            | ExecMsg::RegisterLive { strategy, actor: _, reply } => {
                let (node, live) = (self.asker.node.clone(), self.asker.live);
                let recovery = self
                    .asker
                    .ask_through_drops(|| {
                        let node = node.clone();
                        move |r| ExecWire::Register { strategy, node, live, reply: r }
                    })
                    .await;
                // A failure drops the reply: the host fails and is restarted, and this
                // proxy stays to carry its next registration.
                match recovery {
                    Ok(mut recovery) => {
                        self.asker.registered = Some((strategy, recovery.durable));
                        recovery.history = self.history(strategy).await;
                        let _ = reply.send(recovery);
                    }
                    Err(e) => tracing::warn!(?strategy, error = %e, "registration failed"),
                }
            }
            ExecMsg::Step(step, reply) => {
                let Step { strategy, seq, tick, orders, cancels, stamps } = step;
                let tick = tick.map(|t| t.tick.clone());
                let published_ns = self.clock.to_unix(stamps.published);
                let decided_ns = self.clock.to_unix(stamps.decided);
                let request = move || {
                    let (tick, orders, cancels) = (tick.clone(), orders.clone(), cancels.clone());
                    move |r| ExecWire::Step {
                        strategy,
                        seq,
                        tick,
                        orders,
                        cancels,
                        published_ns,
                        decided_ns,
                        reply: r,
                    }
                };
                // A journaling execution, restarted, answers again only each
                // strategy's last step from its books: steps then cross one at a
                // time, so none is ever sent again behind a later one.
                let journaled = self.asker.registered.is_some_and(|(_, durable)| durable);
                if self.pipelined && !journaled {
                    if let Ok(answer) = self.asker.gateway.request(request(), REMOTE_ASK).await {
                        let asker = self.asker.clone();
                        tokio::spawn(async move {
                            // Not answered (the link dropped, execution restarted):
                            // asked again through the drops, as an inline step is.
                            let updates = match answer.await {
                                Ok(updates) => Ok(updates),
                                Err(_) => asker.ask_through_drops(request).await,
                            };
                            answer_step(strategy, seq, updates, reply);
                        });
                        return Ok(());
                    }
                }
                let updates = self.asker.ask_through_drops(request).await;
                answer_step(strategy, seq, updates, reply);
            }
            // Figures are collected on the execution node itself.
            ExecMsg::Report(reply) => drop(reply),
            // Only execution's own watermark task sends these, to execution itself.
            ExecMsg::Durable(_) => {}
        }
        Ok(())
    }
}

impl ExecProxy {
    /// The history of `strategy`'s registration, page by page; none if a page cannot
    /// be read (a part of it would replay the strategy only part of the way).
    async fn history(&self, strategy: StrategyId) -> Vec<HistoryStep> {
        let mut history = Vec::new();
        for page in 0.. {
            let asked = |reply| ExecWire::History { strategy, page, reply };
            match self.asker.gateway.ask(asked, REMOTE_ASK).await {
                Ok(steps) if steps.is_empty() => return history,
                Ok(steps) => history.extend(steps),
                Err(e) => {
                    tracing::warn!(?strategy, page, error = %e, "history not read: no replay");
                    return Vec::new();
                }
            }
        }
        history
    }
}

/// Replies to a host's step with execution's answer; a step not answered drops the
/// reply, and the host fails (its restart registers again).
fn answer_step(
    strategy: StrategyId,
    seq: u64,
    updates: Result<Vec<OrderUpdate>, mycelium::AskError<ExecWire>>,
    reply: mycelium::ReplyTo<Vec<OrderUpdate>>,
) {
    match updates {
        Ok(updates) => {
            let _ = reply.send(updates);
        }
        Err(e) => tracing::warn!(?strategy, seq, error = %e, "step failed"),
    }
}

/// Asks the execution node's gateway for an [`ExecProxy`], waiting through dropped
/// links and execution's restarts.
#[derive(Clone)]
struct Asker {
    gateway: ActorRef<ExecWire>,
    /// This node.
    local: mycelium::Node,
    /// This node's name, sent with registrations.
    node: String,
    live: bool,
    registered: Option<(StrategyId, bool)>,
}

impl Asker {
    /// Asks the gateway; a dropped connection is survived by the link itself (the
    /// request and the answer are resent), and an answer that is late or a queue that
    /// is full while the link is down make it wait for the link and ask again, for up
    /// to [`RESUME_WAIT`]. Asking twice is safe: execution keeps one step per strategy
    /// and tick, and answers an order it already has with its status instead of
    /// executing it again. When execution journals, a lost link (its process
    /// restarted on its journal, with the same books) is survived too: the strategy
    /// registers again with the new process and the request is sent again, answered
    /// from the books if the old process had executed it.
    async fn ask_through_drops<R, F>(
        &self,
        request: impl Fn() -> F,
    ) -> Result<R, mycelium::AskError<ExecWire>>
    where
        F: FnOnce(mycelium::ReplyTo<R>) -> ExecWire,
    {
        let until = Instant::now() + RESUME_WAIT;
        loop {
            match self.gateway.ask(request(), REMOTE_ASK).await {
                // A late answer (the link may be down): ask again once it is up. A
                // `LinkLost` (execution restarted, its books are new) is not retried:
                // the host fails, and its restart registers with the new process.
                Err(mycelium::AskError::Timeout) if Instant::now() < until => {
                    let peer = self.gateway.node_name().unwrap_or_default().to_owned();
                    tracing::warn!(%peer, "execution unreachable: waiting to ask again");
                    let left = until.saturating_duration_since(Instant::now());
                    self.local.wait_for_link(&peer, left).await;
                }
                Err(mycelium::AskError::LinkLost) if Instant::now() < until => {
                    let Some((strategy, true)) = self.registered else {
                        return Err(mycelium::AskError::LinkLost);
                    };
                    let peer = self.gateway.node_name().unwrap_or_default().to_owned();
                    tracing::warn!(%peer, %strategy, "execution restarted: registering again");
                    let left = until.saturating_duration_since(Instant::now());
                    self.local.wait_for_link(&peer, left).await;
                    let (node, live) = (self.node.clone(), self.live);
                    let register = |r| ExecWire::Register { strategy, node, live, reply: r };
                    if let Err(e) = self.gateway.ask(register, REMOTE_ASK).await {
                        tracing::warn!(%peer, %strategy, error = %e, "registering again failed");
                    }
                }
                // Unreachable with a full queue: wait for the link the same way.
                Err(mycelium::AskError::Send(
                    mycelium::SendError::Unreachable(_) | mycelium::SendError::Timeout(_),
                )) if Instant::now() < until => {
                    let peer = self.gateway.node_name().unwrap_or_default().to_owned();
                    let left = until.saturating_duration_since(Instant::now());
                    self.local.wait_for_link(&peer, left).await;
                }
                other => return other,
            }
        }
    }
}

/// The execution node's entry: turns wire registrations and steps into the local
/// execution actor's messages, each in a task of its own (a step's answer waits for
/// the barrier, that is for the other strategies' steps, which must not queue behind
/// it here).
pub struct ExecGateway {
    /// The execution actor.
    execution: ActorRef<ExecMsg<StrategyMsg>>,
    /// The anchor for timestamps.
    clock: Clock,
    /// The strategies that have stepped through the last tick.
    done: watch::Sender<BTreeSet<StrategyId>>,
    /// The stand-in of each registered remote strategy.
    stand_ins: BTreeMap<StrategyId, ActorRef<StrategyMsg>>,
    /// Strategies that registered again (restarted, or their node rejoined).
    rejoins: Arc<AtomicU64>,
    /// The transport of each strategy node's link, noted as it registers.
    links_used: LinksUsed,
    /// The history each strategy's last registration returned, in pages, until its
    /// proxy has read them.
    histories: Arc<Mutex<HashMap<StrategyId, Vec<Vec<HistoryStep>>>>>,
}

/// A history page's size on the wire, at most (estimated): well inside a frame.
const HISTORY_PAGE_BYTES: usize = 256 << 10;

/// Splits a history into pages of at most [`HISTORY_PAGE_BYTES`] (estimated).
fn pages(history: Vec<HistoryStep>) -> Vec<Vec<HistoryStep>> {
    let mut pages = Vec::new();
    let (mut page, mut bytes) = (Vec::new(), 0);
    for step in history {
        // A tick and the step's frame, and each order, cancel or update: generous.
        let size = 512 + 256 * (step.orders.len() + step.cancels.len() + step.updates.len());
        if bytes + size > HISTORY_PAGE_BYTES && !page.is_empty() {
            pages.push(std::mem::take(&mut page));
            bytes = 0;
        }
        page.push(step);
        bytes += size;
    }
    if !page.is_empty() {
        pages.push(page);
    }
    pages
}

impl ExecGateway {
    /// A gateway to `execution`; each strategy that registers again counts in
    /// `rejoins`, and the link it registers over is noted in `links_used`.
    pub(crate) fn new(
        execution: ActorRef<ExecMsg<StrategyMsg>>,
        clock: Clock,
        done: watch::Sender<BTreeSet<StrategyId>>,
        rejoins: Arc<AtomicU64>,
        links_used: LinksUsed,
    ) -> Self {
        Self {
            execution,
            clock,
            done,
            stand_ins: BTreeMap::new(),
            rejoins,
            links_used,
            histories: Arc::default(),
        }
    }
}

impl Actor for ExecGateway {
    type Msg = ExecWire;

    async fn handle(&mut self, msg: ExecWire, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        let execution = self.execution.clone();
        match msg {
            ExecWire::Register { strategy, node, live, reply } => {
                note_link(ctx.node(), &node, &self.links_used);
                // Execution watches what registers: a stand-in that ends when the
                // link to the strategy's node is lost.
                let stub = ctx.node().spawn(RemoteStrategy { node })?;
                if let Some(old) = self.stand_ins.insert(strategy, stub.clone()) {
                    // Registered again (restarted, or its node rejoined): the old
                    // stand-in is done.
                    old.stop();
                    self.rejoins.fetch_add(1, Ordering::Relaxed);
                }
                let histories = self.histories.clone();
                tokio::spawn(async move {
                    let register = |r| match live {
                        true => ExecMsg::RegisterLive { strategy, actor: stub, reply: r },
                        false => ExecMsg::Register { strategy, actor: stub, reply: r },
                    };
                    let registered = execution.ask(register, REMOTE_ASK).await;
                    match registered {
                        Ok(mut recovery) => {
                            let history = pages(std::mem::take(&mut recovery.history));
                            histories
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .insert(strategy, history);
                            let _ = reply.send(recovery);
                        }
                        Err(e) => tracing::warn!(?strategy, error = %e, "registration failed"),
                    }
                });
            }
            ExecWire::History { strategy, page, reply } => {
                let mut histories = self.histories.lock().unwrap_or_else(|p| p.into_inner());
                let steps = histories
                    .get(&strategy)
                    .and_then(|pages| pages.get(page as usize))
                    .cloned()
                    .unwrap_or_default();
                if steps.is_empty() {
                    histories.remove(&strategy);
                }
                let _ = reply.send(steps);
            }
            ExecWire::Step {
                strategy,
                seq,
                tick,
                orders,
                cancels,
                published_ns,
                decided_ns,
                reply,
            } => {
                let clock = self.clock;
                let tick = tick.map(|tick| {
                    let published = clock.to_instant(published_ns);
                    Arc::new(FeedTick { seq, tick, ingress: published, scheduled: published })
                });
                let stamps = StepStamps {
                    published: clock.to_instant(published_ns),
                    decided: clock.to_instant(decided_ns),
                };
                let step = Step { strategy, seq, tick, orders, cancels, stamps };
                tokio::spawn(async move {
                    match execution.ask(|r| ExecMsg::Step(step, r), REMOTE_ASK).await {
                        Ok(updates) => {
                            let _ = reply.send(updates);
                        }
                        Err(e) => tracing::warn!(?strategy, seq, error = %e, "step failed"),
                    }
                });
            }
            ExecWire::Done { strategy, reply } => {
                self.done.send_modify(|done| {
                    done.insert(strategy);
                });
                let _ = reply.send(());
            }
        }
        Ok(())
    }
}

/// A strategy on another node, as the execution actor sees it: alive while its node
/// is. A dropped connection that comes back within [`REJOIN_GRACE`] is no end (the
/// link resumes, nothing is lost, and the barrier waits for the strategy as before);
/// past it, the stand-in ends and execution stops waiting for the strategy's steps.
/// A strategy that registers again (its node restarted) gets a new stand-in.
struct RemoteStrategy {
    node: String,
}

/// How long execution waits for a strategy node whose link dropped.
const REJOIN_GRACE: Duration = Duration::from_secs(2);

impl RemoteStrategy {
    async fn watch_ingress(&self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        // The strategy node exposes its ingress before its links start: look until
        // the link is up.
        let path = format!("ticks@{}", self.node);
        let ingress = wait_for::<TickWire>(ctx.node(), &path, REMOTE_ASK).await?;
        ctx.watch(&ingress);
        Ok(())
    }
}

impl Actor for RemoteStrategy {
    type Msg = StrategyMsg;

    async fn started(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        self.watch_ingress(ctx).await
    }

    async fn handle(
        &mut self,
        _msg: StrategyMsg,
        _ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        Ok(())
    }

    async fn on_terminated(
        &mut self,
        t: Terminated,
        ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        if ctx.node().wait_for_link(&self.node, REJOIN_GRACE).await {
            tracing::info!(node = %self.node, "strategy node back");
            return self.watch_ingress(ctx).await;
        }
        if t.reason.is_abnormal() {
            tracing::warn!(node = %self.node, reason = %t.reason, "strategy node gone");
        } else {
            tracing::info!(node = %self.node, reason = %t.reason, "strategy node shut down");
        }
        ctx.stop();
        Ok(())
    }
}

/// Looks `path` (`name@node`) up until it is exposed, for up to `within`: nodes start
/// in any order, and expose their actors as their roles come up.
pub async fn wait_for<M: mycelium::RemoteMessage>(
    node: &mycelium::Node,
    path: &str,
    within: Duration,
) -> Result<ActorRef<M>, mycelium::LookupError> {
    let until = Instant::now() + within;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        match node.lookup_remote::<M>(path, left).await {
            Ok(found) => return Ok(found),
            Err(mycelium::LookupError::Remote { .. }) if Instant::now() < until => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => return Err(e),
        }
    }
}
