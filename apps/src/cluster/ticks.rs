//! The feed's side of a split pipeline: [`TickForwarder`] (on the feed's node, one per
//! strategy node) sends each tick over the link to that node's [`TickIngress`], which
//! hands one `Arc` to every local strategy host.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mycelium::{Actor, ActorError, ActorRef, Context, ReplyTo};
use mycelium_market_data::FeedTick;
use mycelium_strategies::{HostReport, StrategyMsg};
use tokio::sync::{oneshot, watch};

use super::resume::{InOrder, TickRing};
use super::wire::{Clock, TickWire};
use crate::pipeline::{note_link, LinksUsed};

/// How long the end of the data may take to reach a strategy node: it queues behind
/// every tick the node has not handled yet.
const END_WAIT: Duration = Duration::from_secs(600);

/// A subscriber of the feed that sends every tick to a strategy node's ingress. Each
/// is kept in the node's [`TickRing`] first, so a node that restarts asks for what it
/// missed (see [`super::resume`]). While the node is unreachable (its link down and
/// the link's queue full), a node in the barrier is waited for, up to `NODE_WAIT` (30 s)
/// (execution waits for its strategies anyway); a live node, or one that stays away
/// longer, has its ticks dropped and counted rather than stall the feed for everyone.
pub struct TickForwarder {
    /// The ingress, `ticks@<node>`.
    pub ingress: ActorRef<TickWire>,
    /// The last ticks sent to the node, for it to ask for again.
    pub ring: TickRing,
    /// The last tick given to this forwarder.
    pub through: u64,
    /// The anchor for timestamps.
    pub clock: Clock,
    /// Ticks forwarded.
    pub forwarded: u64,
    /// Ticks dropped while the node was unreachable.
    pub dropped: u64,
    /// The node's strategies are in the barrier: wait for it when it is unreachable.
    pub waits: bool,
    /// It stayed unreachable past `NODE_WAIT`: its ticks are dropped until one
    /// reaches it again.
    pub gone: bool,
}

/// How long the feed waits for an unreachable strategy node of the barrier.
const NODE_WAIT: Duration = Duration::from_secs(30);

impl Actor for TickForwarder {
    type Msg = StrategyMsg;

    async fn handle(
        &mut self,
        msg: StrategyMsg,
        ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        match msg {
            StrategyMsg::Tick(tick) => {
                self.ring.push(&tick);
                self.through = tick.seq;
                let wire = TickWire::Tick {
                    seq: tick.seq,
                    tick: tick.tick.clone(),
                    scheduled_ns: self.clock.to_unix(tick.scheduled),
                };
                // Waits while the link's queue is full: backpressure reaches the feed.
                let mut sent = self.ingress.send(wire).await;
                if let Err(mycelium::SendError::Unreachable(wire)) = sent {
                    let peer = self.ingress.node_name().unwrap_or_default().to_owned();
                    let back = self.waits
                        && !self.gone
                        && ctx.node().wait_for_link(&peer, NODE_WAIT).await;
                    sent = match back {
                        true => self.ingress.send(wire).await,
                        false => Err(mycelium::SendError::Unreachable(wire)),
                    };
                }
                match sent {
                    Ok(()) => {
                        self.forwarded += 1;
                        self.gone = false;
                    }
                    Err(mycelium::SendError::Unreachable(_)) => {
                        if !self.gone {
                            tracing::warn!(to = %self.ingress, "strategy node unreachable: dropping ticks");
                        }
                        self.gone = true;
                        self.dropped += 1;
                    }
                    Err(e) => return Err(format!("tick not forwarded: {e}").into()),
                }
            }
            // Its figures so far: every tick the feed gave it, sent or dropped.
            StrategyMsg::Report(reply) => {
                let ticks = self.forwarded + self.dropped;
                let _ = reply.send(HostReport { ticks, ..HostReport::default() });
            }
            // Queued behind every tick: the feed has ended and all were forwarded.
            StrategyMsg::Finish(reply) => {
                let through = self.through;
                let peer = self.ingress.node_name().unwrap_or_default().to_owned();
                loop {
                    match self.ingress.ask(|reply| TickWire::End { through, reply }, END_WAIT).await
                    {
                        Ok(()) => break,
                        // The node restarted (or its link dropped) before it took the
                        // end: once it is back (it then asks for the ticks it missed),
                        // the end goes again.
                        Err(e)
                            if self.waits && ctx.node().wait_for_link(&peer, NODE_WAIT).await =>
                        {
                            tracing::warn!(%peer, error = %e, "the end of the feed goes again");
                        }
                        Err(e) => {
                            return Err(
                                format!("the strategy node did not take the end: {e}").into()
                            )
                        }
                    }
                }
                // Every tick the feed gave this forwarder, sent or dropped.
                let ticks = self.forwarded + self.dropped;
                let _ = reply.send(HostReport { ticks, ..HostReport::default() });
            }
        }
        Ok(())
    }
}

/// A strategy node's entry for ticks: one `Arc<FeedTick>` per tick to every local
/// strategy host. Exposed before the node's links start, it is given its hosts once
/// they are all up; until then, it holds what arrives (the link then holds the rest).
pub struct TickIngress {
    /// The local hosts, once they are all up.
    hosts: Vec<ActorRef<StrategyMsg>>,
    /// Where the hosts come from, until they have, with the last tick they have
    /// handled when the node restarted (from then on, ticks go to them in order).
    pending: Option<oneshot::Receiver<IngressStart>>,
    /// Ticks in sequence order from a restart's resume point.
    in_order: Option<InOrder>,
    /// The first tick the feed could send again (see [`IngressStart`]).
    resent_from: Arc<AtomicU64>,
    /// Ticks ready to go to the hosts (a buffer kept between ticks).
    ready: Vec<Arc<FeedTick>>,
    /// The feed's end, until every tick before it is with the hosts.
    end: Option<(u64, ReplyTo<()>)>,
    /// The anchor for timestamps.
    clock: Clock,
    /// Set when the feed has ended.
    ended: watch::Sender<bool>,
    /// The feed's node, whose link's transport is noted when it first asks.
    feed_node: String,
    links_used: LinksUsed,
}

/// What a [`TickIngress`] starts with once its node's hosts are up.
pub(crate) struct IngressStart {
    /// The hosts.
    pub hosts: Vec<ActorRef<StrategyMsg>>,
    /// After a restart, the last tick the hosts have handled: the feed sends the
    /// ticks after it again, and they go to the hosts in order from there.
    pub resume_after: Option<u64>,
    /// Set by whoever asks the feed again, if the first tick it can send is later
    /// than the one after `resume_after`: the ticks between are not coming.
    pub resent_from: Arc<AtomicU64>,
}

impl TickIngress {
    /// An ingress whose hosts come through `start`, fed from `feed_node`.
    pub(crate) fn new(
        start: oneshot::Receiver<IngressStart>,
        clock: Clock,
        ended: watch::Sender<bool>,
        feed_node: String,
        links_used: LinksUsed,
    ) -> Self {
        Self {
            hosts: Vec::new(),
            pending: Some(start),
            in_order: None,
            resent_from: Arc::default(),
            ready: Vec::new(),
            end: None,
            clock,
            ended,
            feed_node,
            links_used,
        }
    }

    /// Waits for the hosts, once (none if the node failed to start them).
    async fn start(&mut self) {
        if let Some(pending) = self.pending.take() {
            if let Ok(start) = pending.await {
                self.hosts = start.hosts;
                self.in_order = start.resume_after.map(|after| InOrder::from(after + 1));
                self.resent_from = start.resent_from;
            }
        }
    }

    async fn deliver(&self, tick: Arc<FeedTick>) {
        for host in &self.hosts {
            // A host that has ended for good (its supervisor gave up) takes no more;
            // the others still do.
            if let Err(e) = host.send(StrategyMsg::Tick(tick.clone())).await {
                tracing::debug!(%host, error = %e, "tick not delivered");
            }
        }
    }

    /// Hands the hosts `tick` (if one came) or, after a restart, the ticks it makes
    /// ready in sequence order, past those the feed no longer holds; then answers the
    /// feed's end if it is due.
    async fn hand_on(&mut self, tick: Option<Arc<FeedTick>>) {
        match &mut self.in_order {
            None => {
                if let Some(tick) = tick {
                    self.deliver(tick).await;
                }
            }
            Some(in_order) => {
                let mut ready = std::mem::take(&mut self.ready);
                in_order.skip_to(self.resent_from.load(Ordering::Relaxed), &mut ready);
                if let Some(tick) = tick {
                    in_order.accept(tick, &mut ready);
                }
                for tick in ready.drain(..) {
                    self.deliver(tick).await;
                }
                self.ready = ready;
            }
        }
        self.end_if_through().await;
    }

    /// Answers the feed's end once every tick before it is with the hosts and each
    /// host has handled them and their answers (its report queues behind them): the
    /// feed's node may then exit, as no restart of this node will need a tick from it
    /// again.
    async fn end_if_through(&mut self) {
        let through = self.in_order.as_ref().map_or(u64::MAX, InOrder::through);
        if self.end.as_ref().is_none_or(|(last, _)| *last > through) {
            return;
        }
        for host in &self.hosts {
            if let Err(e) = host.ask(StrategyMsg::Finish, END_WAIT).await {
                tracing::debug!(%host, error = %e, "no report at the end of the feed");
            }
        }
        if let Some((_, reply)) = self.end.take() {
            self.ended.send_replace(true);
            let _ = reply.send(());
        }
    }
}

impl Actor for TickIngress {
    type Msg = TickWire;

    async fn handle(&mut self, msg: TickWire, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        match msg {
            TickWire::Tick { seq, tick, scheduled_ns } => {
                let scheduled = self.clock.to_instant(scheduled_ns);
                let tick = Arc::new(FeedTick { seq, tick, ingress: Instant::now(), scheduled });
                self.start().await;
                self.hand_on(Some(tick)).await;
            }
            TickWire::Ready(reply) => {
                // The feed's node asks over the link its ticks will take.
                note_link(ctx.node(), &self.feed_node, &self.links_used);
                self.start().await;
                let _ = reply.send(());
            }
            TickWire::End { through, reply } => {
                self.start().await;
                self.end = Some((through, reply));
                self.hand_on(None).await;
            }
        }
        Ok(())
    }
}
