//! Running one node of a cluster: its remote side, its links to every other node,
//! the roles the cluster file gives it, and the end of the run.
//!
//! # The run
//! Nodes start in any order: each dials every other node and waits (logging what
//! it waits for) until the actors it needs are reachable, so strategies trade only
//! once feed and execution are up. The feed node starts the feed last, when every
//! strategy node's ingress answers. The end travels with the data: after the last
//! tick the feed node sends `End` to each strategy node; a strategy node, once its
//! hosts have stepped through everything, tells execution `Done`; the execution
//! node ends when every strategy is done. A signal (SIGINT, SIGTERM) or the deadline
//! ends a node early, in order: it stops its actors and writes its figures.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use mycelium::{
    ChildSpec, Node, PeerAddr, RemoteConfig, RestartStrategy, SpawnOptions, Supervisor, Transport,
};
use mycelium_execution::{
    ExecMsg, ExecReport, ExecutionActor, ExecutionEngine, HopHistograms, StrategyId,
};
use mycelium_market_data::{Feed, FeedMsg, Policy};
use mycelium_strategies::{StrategyHost, StrategyMsg, StrategyRegistry};
use tokio::sync::watch;

use super::bridge::{wait_for, ExecGateway, ExecProxy, TickForwarder, TickIngress};
use super::config::ClusterConfig;
use super::wire::{Clock, ExecWire, TickWire};
use crate::pipeline::RunOutcome;

/// How long a node waits for the peers it needs.
const PEER_WAIT: Duration = Duration::from_secs(120);
/// Restarts allowed per strategy crash burst (as in the one-process pipeline).
const MAX_RESTARTS: u32 = 10;
/// How long a request to a local pipeline actor may take.
const ASK: Duration = Duration::from_secs(60);

/// What one node did.
#[derive(Debug)]
pub struct NodeOutcome {
    /// The node's name.
    pub name: String,
    /// Its figures, in the one-process pipeline's shape: execution's report on the
    /// execution node (default elsewhere), the local strategies' reports, and every
    /// hop recorded on this node.
    pub run: RunOutcome,
    /// Ticks the feed published (feed node).
    pub published: Option<u64>,
    /// Each peer and the transport its link used at the end.
    pub links: Vec<(String, Option<Transport>)>,
    /// Whether the run ended early (signal or deadline) rather than with the data.
    pub interrupted: bool,
    /// The strategies this node ran.
    pub hosted: Vec<String>,
}

/// Runs node `name` of `cluster` until the run ends, `stop` fires, or `deadline`.
pub async fn run_node(
    cluster: &ClusterConfig,
    name: &str,
    registry: &StrategyRegistry,
    deadline: Option<Duration>,
    stop: impl std::future::Future<Output = ()>,
) -> anyhow::Result<NodeOutcome> {
    let me = cluster.node(name).with_context(|| {
        let names: Vec<&str> = cluster.nodes.iter().map(|n| n.name.as_str()).collect();
        format!("no node {name:?} in the cluster file (nodes: {})", names.join(", "))
    })?;
    let started = Instant::now();
    let node = Node::new(name);
    let secret = cluster.secret.clone().unwrap_or_default();
    let mut remote = RemoteConfig::new(secret).busy_poll(me.busy_poll);
    if let Some(path) = &me.unix {
        if let Some(dir) = path.parent() {
            // Private (0700) when made here; one that exists must already be (the
            // runtime refuses a directory another user owns or can write to).
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .with_context(|| format!("creating {}", dir.display()))?;
        }
        remote = remote.listen_unix(path);
    }
    if let Some(addr) = me.tcp {
        remote = remote.listen_tcp(addr);
    }
    let clock = Clock::now();
    let pipeline = &cluster.pipeline;
    let exec_here = cluster.roles.execution == name;
    let feed_here = cluster.roles.feed == name;

    // Execution first (and exposed before listening), so that nothing that arrives
    // finds it missing.
    let supervisor = node
        .spawn_started(
            Supervisor::new(RestartStrategy::OneForOne)
                .intensity(MAX_RESTARTS, Duration::from_secs(10)),
            SpawnOptions::new().name("pipeline"),
        )
        .await?;
    let (done_tx, mut done_rx) = watch::channel(BTreeSet::new());
    let mut execution = None;
    if exec_here {
        let exec_config = pipeline.execution.clone();
        let spec = ChildSpec::new("execution", move || {
            ExecutionActor::<StrategyMsg>::new(ExecutionEngine::new(exec_config.clone()))
        });
        let exec = supervisor.add_child(spec, ASK).await?;
        let gateway = node.spawn(ExecGateway {
            execution: exec.clone(),
            clock,
            done: done_tx,
            stand_ins: Default::default(),
        })?;
        node.expose("execution", &gateway)?;
        execution = Some(exec);
    }
    node.start_remote(remote).await?;
    for peer in cluster.nodes.iter().filter(|n| n.name != name) {
        let mut addr = PeerAddr::new(&peer.name);
        addr.unix = peer.unix.clone();
        addr.tcp = peer.tcp;
        node.connect(addr)?;
    }
    tracing::info!(node = name, "up; connecting to peers");

    // Strategies: hosts under the supervisor, trading with local execution or through
    // a proxy to the execution node; one ingress for the ticks of them all.
    let mut hosts = Vec::new();
    let local: Vec<_> = pipeline
        .strategies
        .iter()
        .enumerate()
        .filter(|(_, s)| cluster.roles.strategies.get(&s.name).is_some_and(|n| n == name))
        .collect();
    let mut gateway = None;
    if !local.is_empty() && !exec_here {
        let path = format!("execution@{}", cluster.roles.execution);
        tracing::info!(node = name, "waiting for {path}");
        gateway = Some(wait_for::<ExecWire>(&node, &path, PEER_WAIT).await?);
    }
    for (i, spec) in &local {
        let id = StrategyId(*i as u32 + 1);
        let maker = registry.prepare(&spec.kind, &spec.params)?;
        let exec = match (&execution, &gateway) {
            (Some(exec), _) => exec.clone(),
            (None, Some(gateway)) => node.spawn(ExecProxy {
                gateway: gateway.clone(),
                node: name.to_owned(),
                live: cluster.roles.live.iter().any(|n| n == name),
                clock,
            })?,
            (None, None) => anyhow::bail!("no execution for strategy {:?}", spec.name),
        };
        let child =
            ChildSpec::new(spec.name.clone(), move || StrategyHost::new(id, maker(), exec.clone()));
        let host = supervisor.add_child(child, ASK).await?;
        hosts.push((spec.name.clone(), id, host));
    }
    let (ended_tx, mut ended_rx) = watch::channel(false);
    // Exposed even next to a local feed: execution watches it to know the strategies'
    // node is alive.
    if !local.is_empty() {
        let ingress = node.spawn(TickIngress {
            hosts: hosts.iter().map(|(_, _, h)| h.clone()).collect(),
            clock,
            ended: ended_tx,
        })?;
        node.expose("ticks", &ingress)?;
    }

    // The feed, last: local hosts subscribe directly, each strategy node through a
    // forwarder, once its ingress answers.
    let mut feed = None;
    let mut forwarders = Vec::new();
    if feed_here {
        let (source, speed) = crate::sources::synthetic(&pipeline.feed, pipeline.feed.ticks)?;
        let mut f = Feed::<StrategyMsg>::new(source, speed).start_paused();
        for (_, _, host) in &hosts {
            f = f.subscriber(host.clone(), None, Policy::Block);
        }
        for peer in cluster.strategy_nodes().into_iter().filter(|n| *n != name) {
            let path = format!("ticks@{peer}");
            tracing::info!(node = name, "waiting for {path}");
            let ingress = wait_for::<TickWire>(&node, &path, PEER_WAIT).await?;
            let forwarder =
                node.spawn(TickForwarder { ingress, clock, forwarded: 0, dropped: 0 })?;
            // A live node takes the latest tick per symbol when it falls behind; every
            // other one gets every tick (the deterministic default).
            let live = cluster.roles.live.iter().any(|n| n == peer);
            let policy = if live { Policy::Conflate } else { Policy::Block };
            f = f.subscriber(forwarder.clone(), None, policy);
            forwarders.push(forwarder);
        }
        let spec = ChildSpec::new("feed", {
            let mut f = Some(f);
            move || f.take().unwrap_or_else(|| Feed::new(Box::new(std::iter::empty()), speed))
        })
        .restart(mycelium::Restart::Temporary);
        let feed_ref = supervisor.add_child(spec, ASK).await?;
        feed_ref.send(FeedMsg::Start).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        tracing::info!(node = name, "feed started");
        feed = Some(feed_ref);
    }

    // The end.
    let remote_strategies: BTreeSet<StrategyId> = pipeline
        .strategies
        .iter()
        .enumerate()
        .filter(|(_, s)| cluster.roles.strategies.get(&s.name).is_some_and(|n| n != name))
        .map(|(i, _)| StrategyId(i as u32 + 1))
        .collect();
    let mut forwarded = None;
    let end_of_data = async {
        if let Some(feed) = &feed {
            feed.join().await;
            // Queued behind every tick: each forwarder then sends End.
            for forwarder in &forwarders {
                if let Ok(report) = forwarder.ask(StrategyMsg::Report, ASK).await {
                    forwarded = Some(forwarded.unwrap_or(0).max(report.ticks));
                }
            }
        } else if !local.is_empty() {
            let _ = ended_rx.wait_for(|ended| *ended).await;
        }
        if exec_here {
            let _ = done_rx.wait_for(|done| remote_strategies.is_subset(done)).await;
        }
    };
    let interrupted = tokio::select! {
        _ = end_of_data => false,
        _ = stop => true,
        _ = sleep_or_never(deadline) => true,
    };
    if interrupted {
        if let Some(feed) = &feed {
            // It may be waiting on a full mailbox: stop it now, aborting past a second.
            feed.stop_within(Duration::from_secs(1)).await;
        }
    }

    // Figures: a host's report queues behind its ticks, so it comes once it has
    // stepped through all of them; then execution hears it is done. Stopped early, a
    // host may be waiting on a peer that is going too: give it a moment only.
    let report_wait = if interrupted { Duration::from_millis(500) } else { ASK };
    let mut strategies = Vec::new();
    let hosted = hosts.iter().map(|(n, _, _)| n.clone()).collect();
    let mut hops = HopHistograms::new();
    for (strategy_name, id, host) in &hosts {
        let report = host.ask(StrategyMsg::Report, report_wait).await.unwrap_or_default();
        hops.merge(&report.hops);
        if let Some(gateway) = &gateway {
            let strategy = *id;
            let done = gateway.ask(|reply| ExecWire::Done { strategy, reply }, report_wait).await;
            if let Err(e) = done {
                tracing::warn!(?strategy, error = %e, "execution did not note the end");
            }
        }
        strategies.push((strategy_name.clone(), *id, report));
    }
    let execution_report = match &execution {
        Some(exec) => exec.ask(ExecMsg::Report, ASK).await?,
        None => ExecReport::default(),
    };
    if exec_here {
        // The execution node reports every strategy's trading, wherever it ran.
        for (i, spec) in pipeline.strategies.iter().enumerate() {
            let id = StrategyId(i as u32 + 1);
            if !strategies.iter().any(|(_, s, _)| *s == id) {
                strategies.push((spec.name.clone(), id, Default::default()));
            }
        }
        strategies.sort_by_key(|(_, id, _)| *id);
    }
    hops.merge(&execution_report.hops);
    let published = feed.as_ref().map(|_| {
        forwarded.unwrap_or_else(|| strategies.iter().map(|(_, _, r)| r.ticks).max().unwrap_or(0))
    });
    let links = node.links().into_iter().map(|l| (l.peer, transport_of(l.state))).collect();
    let restarts = node.supervision_counters().restarts();
    supervisor.stop();
    node.shutdown(Duration::from_secs(5)).await;
    Ok(NodeOutcome {
        name: name.to_owned(),
        run: RunOutcome {
            ticks: execution_report.ticks,
            execution: execution_report,
            strategies,
            hops,
            elapsed: started.elapsed(),
            restarts,
            simulated_latency_ns: pipeline.execution.exchange.order_latency_ns,
        },
        published,
        links,
        interrupted,
        hosted,
    })
}

async fn sleep_or_never(deadline: Option<Duration>) {
    match deadline {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

fn transport_of(state: mycelium::remote::LinkState) -> Option<Transport> {
    match state {
        mycelium::remote::LinkState::Up(t) => Some(t),
        _ => None,
    }
}
