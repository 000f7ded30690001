//! The trading pipeline: feed -> strategies -> execution, under a one-for-one
//! supervisor, in this process.
//!
//! The supervisor's children start in this order, and stop in the reverse: the
//! execution actor, then one host per strategy, then the feed (temporary: it ends
//! when its source does). A strategy that panics is restarted alone; it recovers its
//! position and open orders from execution.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use mycelium::{
    ActorRef, ChildSpec, Idle, Node, Pinned, Restart, RestartStrategy, SpawnOptions, Supervisor,
    SupervisorMsg,
};
use mycelium_execution::{
    ExecMsg, ExecReport, ExecutionActor, ExecutionEngine, HopHistograms, StrategyId,
};
use mycelium_market_data::{Feed, FeedMsg, Policy, Speed, TickSource};
use mycelium_strategies::{HostReport, Maker, StrategyHost, StrategyMsg, StrategyRegistry};

use crate::config::PipelineConfig;

/// How long a request to a pipeline actor may take before the run reports it stuck.
const ASK: Duration = Duration::from_secs(60);

/// Restarts allowed per strategy crash burst: a strategy that keeps crashing is
/// given up after this many restarts in 10 s, and the pipeline fails.
const MAX_RESTARTS: u32 = 10;

/// A running pipeline.
pub struct Pipeline {
    node: Node,
    supervisor: ActorRef<SupervisorMsg>,
    feed: ActorRef<FeedMsg<StrategyMsg>>,
    execution: ActorRef<ExecMsg<StrategyMsg>>,
    strategies: Vec<(String, StrategyId, ActorRef<StrategyMsg>)>,
    started: Instant,
    simulated_latency_ns: i64,
}

/// What a finished run reports.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// Ticks that went through the pipeline (applied by execution).
    pub ticks: u64,
    /// Execution's figures: orders, fills, rejects, positions.
    pub execution: ExecReport,
    /// Each strategy's figures, by name.
    pub strategies: Vec<(String, StrategyId, HostReport)>,
    /// All hop latencies merged.
    pub hops: HopHistograms,
    /// Wall-clock run time.
    pub elapsed: Duration,
    /// Strategy restarts during the run.
    pub restarts: u64,
    /// The simulated exchange's order latency, in exchange-time ns (a setting, not a
    /// measurement: matching applies it in exchange time).
    pub simulated_latency_ns: i64,
}

impl Pipeline {
    /// Starts the pipeline on `node` over `source` paced at `speed`, with the
    /// strategies of `config` built from `registry`.
    pub async fn start(
        node: &Node,
        config: &PipelineConfig,
        registry: &StrategyRegistry,
        source: TickSource,
        speed: Speed,
    ) -> anyhow::Result<Self> {
        // Check every strategy before starting anything: an unknown name or bad
        // parameters is an error here, not a crash loop later.
        let mut makers: Vec<(String, StrategyId, Maker, SpawnOptions)> = Vec::new();
        for (i, spec) in config.strategies.iter().enumerate() {
            let maker = registry.prepare(&spec.kind, &spec.params)?;
            let options = match spec.pinned_core {
                Some(core) => {
                    SpawnOptions::new().pinned(Pinned { core: Some(core), idle: Idle::Spin })
                }
                None => SpawnOptions::new(),
            };
            makers.push((spec.name.clone(), StrategyId(i as u32 + 1), maker, options));
        }
        let exec_config = config.execution.clone();
        let supervisor = node
            .spawn_started(
                Supervisor::new(RestartStrategy::OneForOne)
                    .intensity(MAX_RESTARTS, Duration::from_secs(10))
                    .child(ChildSpec::new("execution", move || {
                        ExecutionActor::<StrategyMsg>::new(ExecutionEngine::new(
                            exec_config.clone(),
                        ))
                    })),
                SpawnOptions::new().name("pipeline"),
            )
            .await?;
        let execution = node.lookup::<ExecMsg<StrategyMsg>>("execution")?;
        let mut strategies = Vec::new();
        for (name, id, maker, options) in makers {
            let exec = execution.clone();
            let spec =
                ChildSpec::new(name.clone(), move || StrategyHost::new(id, maker(), exec.clone()))
                    .options(options);
            let host = supervisor.add_child(spec, ASK).await?;
            strategies.push((name, id, host));
        }
        let mut feed =
            Some(strategies.iter().fold(Feed::new(source, speed), |feed, (_, _, host)| {
                feed.subscriber(host.clone(), None, Policy::Block)
            }));
        let feed_spec = ChildSpec::new("feed", move || {
            // Temporary: made once. A second call (never made for a temporary child)
            // would get a feed with nothing to publish.
            feed.take().unwrap_or_else(|| Feed::new(Box::new(std::iter::empty()), Speed::Max))
        })
        .restart(Restart::Temporary);
        let feed = supervisor.add_child(feed_spec, ASK).await?;
        Ok(Self {
            node: node.clone(),
            supervisor,
            feed,
            execution,
            strategies,
            started: Instant::now(),
            simulated_latency_ns: config.execution.exchange.order_latency_ns,
        })
    }

    /// The strategies' refs, by name.
    pub fn strategies(&self) -> &[(String, StrategyId, ActorRef<StrategyMsg>)] {
        &self.strategies
    }

    /// Waits for the feed to finish (or stops it after `limit`), lets every strategy
    /// and execution catch up, collects the figures and shuts the pipeline down.
    pub async fn finish(self, limit: Option<Duration>) -> anyhow::Result<RunOutcome> {
        if let Some(limit) = limit {
            if tokio::time::timeout(limit, self.feed.join()).await.is_err() {
                self.feed.stop();
            }
        }
        let feed_reason = self.feed.join().await;
        if feed_reason.is_abnormal() {
            anyhow::bail!("the feed failed: {feed_reason}");
        }
        // A report request queues behind every tick a strategy still has, and each
        // tick's step completes before the next: once all have answered, execution
        // has applied everything.
        let mut hosts = Vec::new();
        let mut hops = HopHistograms::new();
        for (name, id, host) in &self.strategies {
            let report = host.ask(StrategyMsg::Report, ASK).await?;
            hops.merge(&report.hops);
            hosts.push((name.clone(), *id, report));
        }
        let execution = self.execution.ask(ExecMsg::Report, ASK).await?;
        hops.merge(&execution.hops);
        let elapsed = self.started.elapsed();
        let restarts = self.node.supervision_counters().restarts();
        self.supervisor.stop();
        self.node.shutdown(Duration::from_secs(5)).await;
        Ok(RunOutcome {
            ticks: execution.ticks,
            execution,
            strategies: hosts,
            hops,
            elapsed,
            restarts,
            simulated_latency_ns: self.simulated_latency_ns,
        })
    }
}

/// Pins the calling thread (the one running the runtime) to a core that no pinned
/// strategy uses, so the OS never time-slices it with a spinning actor; returns the
/// core. Does nothing when no strategy is pinned.
pub fn pin_runtime_thread(config: &PipelineConfig) -> Option<usize> {
    let taken: Vec<usize> = config.strategies.iter().filter_map(|s| s.pinned_core).collect();
    if taken.is_empty() {
        return None;
    }
    let free = core_affinity::get_core_ids()?.into_iter().find(|c| !taken.contains(&c.id))?;
    core_affinity::set_for_current(free).then_some(free.id)
}

/// Orders, fills and final positions of a run, without timing: equal for two runs of
/// the same seed and config (the determinism check).
pub fn trading_fingerprint(outcome: &RunOutcome) -> String {
    let mut by_strategy: BTreeMap<StrategyId, Vec<String>> = BTreeMap::new();
    for (p, mark) in &outcome.execution.positions {
        by_strategy.entry(p.strategy).or_default().push(format!(
            "{} qty={} avg={:.8} realized={:.8} cash={:.8} fills={} mark={:?}",
            p.symbol, p.qty, p.avg_px, p.realized_pnl, p.cash, p.fills, mark
        ));
    }
    format!("{:?}\n{:?}", outcome.execution.stats, by_strategy)
}
