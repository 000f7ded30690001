//! [`PipelineBuilder`]: the one place the pipeline is assembled, for every placement.
//!
//! # Order
//! 1. Every strategy of this node is checked (an unknown kind or bad parameters is
//!    an error before anything starts), and the feed's input is opened, its symbols
//!    checked against the strategies'.
//! 2. The supervisor, then execution (on its node).
//! 3. Every name this node serves is exposed: execution's gateway (for strategies
//!    elsewhere) and the strategies' tick ingress (for a feed or an execution
//!    elsewhere). Only then do the links start, so a peer, or a restarted node's
//!    peer, never finds a name of this node missing.
//! 4. The strategy hosts, trading with execution here or through a proxy to it.
//! 5. The feed, last: hosts here subscribe to it directly, each strategy node
//!    elsewhere through a forwarder once that node's hosts are all up.

use std::collections::BTreeSet;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use indicatif::ProgressBar;
use mycelium::{
    ActorRef, ChildSpec, Idle, Node, Pinned, Restart, RestartStrategy, SpawnOptions, Supervisor,
    SupervisorMsg,
};
use mycelium_execution::{ExecutionActor, StrategyId};
use mycelium_market_data::{Feed, FeedMsg, Policy, Speed, TickSource};
use mycelium_strategies::{Maker, StrategyHost, StrategyMsg, StrategyRegistry};
use tokio::sync::{oneshot, watch};

use super::{
    note_link, FeedSource, Links, LinksUsed, Pipeline, Placement, ASK, MAX_RESTARTS, PEER_WAIT,
    RESTART_WINDOW,
};
use crate::cluster::bridge::{wait_for, ExecGateway, ExecProxy};
use crate::cluster::resume::{Rings, TickReplay, TickRing};
use crate::cluster::ticks::{IngressStart, TickForwarder, TickIngress};
use crate::cluster::wire::{Clock, ExecWire, FeedWire, TickWire};
use crate::config::{PipelineConfig, StrategySpec};

/// The feed's input as given to the builder.
enum Input {
    Source(FeedSource),
    Ticks(TickSource, Speed),
}

/// Builds a [`Pipeline`]: checks, then the supervisor and execution, the names this
/// node serves, its links, the strategy hosts, and the feed last (see the
/// [`pipeline`](super) docs).
pub struct PipelineBuilder<'a> {
    config: &'a PipelineConfig,
    registry: &'a StrategyRegistry,
    placement: Option<Placement>,
    links: Option<Links>,
    input: Option<Input>,
    progress: ProgressBar,
    metrics: Option<Arc<mycelium_metrics::Registry>>,
}

/// A strategy of this node, checked and ready to start.
struct LocalStrategy {
    name: String,
    id: StrategyId,
    maker: Maker,
    options: SpawnOptions,
    answer_lag: usize,
}

impl<'a> PipelineBuilder<'a> {
    pub(super) fn new(config: &'a PipelineConfig, registry: &'a StrategyRegistry) -> Self {
        Self {
            config,
            registry,
            placement: None,
            links: None,
            input: None,
            progress: ProgressBar::hidden(),
            metrics: None,
        }
    }

    /// Which node runs what (default: everything on the node it starts on).
    pub fn placement(mut self, placement: Placement) -> Self {
        self.placement = Some(placement);
        self
    }

    /// The links of a split node (required when a role runs elsewhere).
    pub fn links(mut self, links: Links) -> Self {
        self.links = Some(links);
        self
    }

    /// The feed's input (required on the feed node).
    pub fn source(mut self, source: FeedSource) -> Self {
        self.input = Some(Input::Source(source));
        self
    }

    /// A progress bar for the feed's input (default: none).
    pub fn progress(mut self, bar: ProgressBar) -> Self {
        self.progress = bar;
        self
    }

    /// Registers the node's and the pipeline's collectors in `registry` once the
    /// pipeline is up (see [`crate::metrics`]), for a `--metrics` endpoint.
    pub fn metrics(mut self, registry: Arc<mycelium_metrics::Registry>) -> Self {
        self.metrics = Some(registry);
        self
    }

    /// Ticks from any iterator, paced at `speed`, as the feed's input.
    pub fn ticks(mut self, ticks: TickSource, speed: Speed) -> Self {
        self.input = Some(Input::Ticks(ticks, speed));
        self
    }

    /// Starts this node's part of the pipeline on `node`.
    pub async fn start(self, node: &Node) -> anyhow::Result<Pipeline> {
        let config = self.config;
        let placement = self.placement.unwrap_or_else(|| Placement::single(node.name(), config));
        if placement.is_split() && self.links.is_none() {
            anyhow::bail!("node {:?} runs part of a split pipeline but has no links", placement.me);
        }
        let all_strategies: Vec<(String, StrategyId)> =
            config.strategies.iter().enumerate().map(|(i, s)| (s.name.clone(), id_of(i))).collect();

        // 1. Check before starting anything.
        if placement.execution_here() && config.journal.dir.is_some() {
            if let Some(lagged) = config.strategies.iter().find(|s| s.answer_lag > 0) {
                // A restarted execution answers again only each strategy's last
                // step; with several in flight a crash could not be recovered exactly.
                anyhow::bail!(
                    "[[strategy]] {:?}: answer_lag with a journal is not supported yet \
                     (a restarted execution answers again only a strategy's last step): \
                     run it in lockstep (answer_lag = 0) or without --journal",
                    lagged.name
                );
            }
        }
        let mut local = Vec::new();
        for (i, spec) in config.strategies.iter().enumerate() {
            if placement.strategy_here(&spec.name) {
                let maker = self
                    .registry
                    .prepare(&spec.kind, &spec.params)
                    .with_context(|| format!("[[strategy]] {:?}", spec.name))?;
                let options = spawn_options(spec);
                local.push(LocalStrategy {
                    name: spec.name.clone(),
                    id: id_of(i),
                    maker,
                    options,
                    answer_lag: spec.answer_lag,
                });
            }
        }
        let input = match (placement.feed_here(), self.input) {
            (true, Some(Input::Source(source))) => {
                let wanted = config.strategy_symbols().map_err(anyhow::Error::msg)?;
                source.check_symbols(&wanted)?;
                let instruments = config.execution.instruments.table();
                Some(source.open(&wanted, Some(&instruments), &self.progress)?)
            }
            (true, Some(Input::Ticks(ticks, speed))) => Some((ticks, speed)),
            (true, None) => {
                anyhow::bail!("node {:?} runs the feed but has no source", placement.me)
            }
            (false, _) => None,
        };

        // 2. Supervisor and execution.
        let clock = Clock::now();
        let split = placement.is_split();
        let supervisor = node
            .spawn_started(
                Supervisor::new(RestartStrategy::OneForOne).intensity(MAX_RESTARTS, RESTART_WINDOW),
                SpawnOptions::new().name("pipeline"),
            )
            .await?;
        let (done_tx, remote_done) = watch::channel(BTreeSet::new());
        let rejoins = Arc::new(AtomicU64::new(0));
        let links_used = LinksUsed::default();
        let mut execution = None;
        if placement.execution_here() {
            let exec_config = config.execution.clone();
            let journal = config.journal.clone();
            // With the feed in this process, the feed starts from its first tick with
            // execution's first instance (never with a restarted one).
            let mut feed_restarts = placement.feed_here();
            let spec = ChildSpec::new("execution", move || {
                let exec =
                    ExecutionActor::<StrategyMsg>::journaled(exec_config.clone(), journal.clone());
                match std::mem::take(&mut feed_restarts) {
                    true => exec.feed_restarts(),
                    false => exec,
                }
            });
            let exec = supervisor.add_child(spec, ASK).await?;
            // 3. The names this node serves, before its links start.
            if split {
                let gateway = ExecGateway::new(
                    exec.clone(),
                    clock,
                    done_tx,
                    rejoins.clone(),
                    links_used.clone(),
                );
                let gateway = node.spawn(gateway)?;
                node.expose("execution", &gateway)?;
            }
            execution = Some(exec);
        }
        // A strategy node elsewhere that restarts asks the feed for its ticks again.
        let rings = Rings::default();
        if split && placement.feed_here() && !placement.remote_strategy_nodes().is_empty() {
            let replay = node.spawn(TickReplay { rings: rings.clone(), clock })?;
            node.expose("resume", &replay)?;
        }
        let (ended_tx, feed_ended) = watch::channel(false);
        let mut hosts_ready = None;
        if split && !local.is_empty() {
            // Exposed even next to a local feed: execution watches it to know the
            // strategies' node is alive.
            let (ready, hosts) = oneshot::channel();
            let ingress = node.spawn(TickIngress::new(
                hosts,
                clock,
                ended_tx,
                placement.roles.feed.clone(),
                links_used.clone(),
            ))?;
            node.expose("ticks", &ingress)?;
            hosts_ready = Some(ready);
        }
        if let Some(links) = self.links {
            node.start_remote(links.remote).await?;
            for peer in links.peers {
                node.connect(peer)?;
            }
            tracing::info!(node = %placement.me, "up; connecting to peers");
        }

        // 4. Strategies, trading with execution here or through a proxy to it.
        let mut remote_execution = None;
        if !local.is_empty() && execution.is_none() {
            let path = format!("execution@{}", placement.roles.execution);
            tracing::info!(node = %placement.me, "waiting for {path}");
            remote_execution = Some(wait_for::<ExecWire>(node, &path, PEER_WAIT).await?);
            note_link(node, &placement.roles.execution, &links_used);
        }
        let mut hosts = Vec::new();
        for LocalStrategy { name, id, maker, options, answer_lag } in local {
            let exec = match (&execution, &remote_execution) {
                (Some(exec), _) => exec.clone(),
                (None, Some(gateway)) => node.spawn(ExecProxy::new(
                    gateway.clone(),
                    node.clone(),
                    placement.me.clone(),
                    placement.live_here(),
                    clock,
                    answer_lag > 0,
                ))?,
                (None, None) => anyhow::bail!("no execution for strategy {name:?}"),
            };
            let instruments = config.execution.instruments.table();
            let spec = ChildSpec::new(name.clone(), move || {
                StrategyHost::new(id, maker(), exec.clone())
                    .instruments(instruments.clone())
                    .answer_lag(answer_lag)
            })
            .options(options);
            let host = supervisor.add_child(spec, ASK).await?;
            hosts.push((name, id, host));
        }
        if let Some(ready) = hosts_ready {
            let resume_after = match placement.feed_here() {
                true => None,
                false => resume_point(&hosts).await,
            };
            let resent_from = Arc::new(AtomicU64::new(0));
            let start = IngressStart {
                hosts: hosts.iter().map(|(_, _, h)| h.clone()).collect(),
                resume_after,
                resent_from: resent_from.clone(),
            };
            let _ = ready.send(start);
            // Asked once the ingress takes ticks: the answer shares their link.
            if let Some(after) = resume_after {
                resume_feed(node, &placement, after, &resent_from).await;
            }
        }

        // 5. The feed, last.
        let mut feed = None;
        let mut forwarders = Vec::new();
        let (feed_final_tx, feed_final) = watch::channel(None);
        if let Some((ticks, speed)) = input {
            let mut f = Feed::<StrategyMsg>::new(ticks, speed)
                .start_paused()
                .final_report_to(feed_final_tx);
            for (_, _, host) in &hosts {
                f = f.subscriber(host.clone(), None, Policy::Block);
            }
            for peer in placement.remote_strategy_nodes() {
                let live = placement.is_live(peer);
                let forwarder = forwarder_to(node, peer, clock, &rings, !live).await?;
                note_link(node, peer, &links_used);
                // A live node takes the latest tick per symbol when it falls behind;
                // every other one gets every tick (the deterministic default).
                let policy = if live { Policy::Conflate } else { Policy::Block };
                f = f.subscriber(forwarder.clone(), None, policy);
                forwarders.push(forwarder);
            }
            feed = Some(start_feed(&supervisor, f, speed).await?);
            tracing::info!(node = %placement.me, "feed started");
        }

        let mut pipeline = Pipeline {
            node: node.clone(),
            placement,
            supervisor,
            feed,
            forwarders,
            execution,
            remote_execution,
            hosts,
            all_strategies,
            feed_ended,
            remote_done,
            rejoins,
            links_used,
            started: Instant::now(),
            host_at_start: super::host_noise::HostSample::now(),
            simulated_latency_ns: config.execution.exchange.order_latency_ns,
            queue_model: config.execution.exchange.queue,
            feed_final,
            final_figures: None,
        };
        if let Some(registry) = self.metrics {
            registry.register(crate::metrics::NodeCollector::new(node.clone()));
            registry.register(pipeline.collector());
        }
        Ok(pipeline)
    }
}

/// The id of the `i`th strategy of the config (from 1, the same on every node).
fn id_of(i: usize) -> StrategyId {
    StrategyId(u32::try_from(i + 1).unwrap_or(u32::MAX))
}

/// A pinned strategy runs on a thread of its own that busy-polls its mailbox.
fn spawn_options(spec: &StrategySpec) -> SpawnOptions {
    match spec.pinned_core {
        Some(core) => SpawnOptions::new().pinned(Pinned { core: Some(core), idle: Idle::Spin }),
        None => SpawnOptions::new(),
    }
}

/// A forwarder of the feed's ticks to strategy node `peer`, once every host there is
/// up (so each of them sees the first tick); it `waits` for the node while it is
/// unreachable if its strategies are in the barrier.
async fn forwarder_to(
    node: &Node,
    peer: &str,
    clock: Clock,
    rings: &Rings,
    waits: bool,
) -> anyhow::Result<ActorRef<StrategyMsg>> {
    let path = format!("ticks@{peer}");
    tracing::info!(node = node.name(), "waiting for {path}");
    let ingress = wait_for::<TickWire>(node, &path, PEER_WAIT).await?;
    ingress
        .ask(TickWire::Ready, PEER_WAIT)
        .await
        .map_err(|e| anyhow::anyhow!("{path} did not get ready: {e}"))?;
    let ring = TickRing::default();
    rings
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(peer.to_owned(), (ingress.clone(), ring.clone()));
    let forwarder = TickForwarder {
        ingress,
        ring,
        through: 0,
        clock,
        forwarded: 0,
        dropped: 0,
        waits,
        gone: false,
    };
    Ok(node.spawn(forwarder)?)
}

/// On a strategy node whose strategies replayed their steps from execution's journal
/// (its process had died), the last tick they have all handled; `None` on a first
/// start.
async fn resume_point(hosts: &[(String, StrategyId, ActorRef<StrategyMsg>)]) -> Option<u64> {
    let mut after = None::<u64>;
    for (name, _, host) in hosts {
        match host.ask(StrategyMsg::Report, ASK).await {
            Ok(report) => {
                if let Some(through) = report.replayed_through {
                    after = Some(after.map_or(through, |a| a.min(through)));
                }
            }
            Err(e) => tracing::warn!(strategy = %name, error = %e, "no resume point"),
        }
    }
    after
}

/// Asks the feed's node for the ticks after `after` again; if the first it can send
/// is later, stores it in `resent_from` (the ingress then stops waiting for those
/// before it, and reports them lost).
async fn resume_feed(node: &Node, placement: &Placement, after: u64, resent_from: &AtomicU64) {
    let path = format!("resume@{}", placement.roles.feed);
    let me = placement.me.clone();
    let asked = match wait_for::<FeedWire>(node, &path, PEER_WAIT).await {
        Ok(feed) => feed
            .ask(|reply| FeedWire::Resume { node: me, after, reply }, PEER_WAIT)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match asked {
        Ok(first) => {
            tracing::info!(
                after,
                ?first,
                "resuming the feed after the last tick the strategies handled"
            );
            if let Some(first) = first.filter(|&first| first > after + 1) {
                resent_from.store(first, std::sync::atomic::Ordering::Relaxed);
            }
        }
        Err(e) => {
            tracing::warn!(%path, after, error = %e, "the feed was not asked for the ticks again")
        }
    }
}

/// Adds the feed as the supervisor's last child and starts it.
async fn start_feed(
    supervisor: &ActorRef<SupervisorMsg>,
    feed: Feed<StrategyMsg>,
    speed: Speed,
) -> anyhow::Result<ActorRef<FeedMsg<StrategyMsg>>> {
    let mut feed = Some(feed);
    let spec = ChildSpec::new("feed", move || {
        // Temporary: made once. A second call (never made for a temporary child) would
        // get a feed with nothing to publish.
        feed.take().unwrap_or_else(|| Feed::new(Box::new(std::iter::empty()), speed))
    })
    .restart(Restart::Temporary);
    let feed = supervisor.add_child(spec, ASK).await?;
    feed.send(FeedMsg::Start).await.map_err(|e| anyhow::anyhow!("the feed did not start: {e}"))?;
    Ok(feed)
}
