//! What a run reports: [`RunOutcome`] (the figures) and [`NodeOutcome`] (the figures of
//! one node, with how its run ended and its links).

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use mycelium::Transport;
use mycelium_execution::{ExecReport, Hop, HopHistograms, QueueModel, StrategyId};
use mycelium_strategies::HostReport;

use super::HostNoise;

/// The figures of a run.
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
    /// The transport each hop's messages crossed to reach this node (`Local` unless
    /// they came over a link).
    pub transports: BTreeMap<Hop, Transport>,
    /// Wall-clock run time.
    pub elapsed: Duration,
    /// What the host did to the run: context switches, run-queue waits, CPU steal.
    pub host_noise: HostNoise,
    /// Strategy restarts during the run: by this node's supervisor, and (on the
    /// execution node) strategies of other nodes that registered again.
    pub restarts: u64,
    /// The simulated exchange's order latency, in exchange-time ns (a setting, not a
    /// measurement: matching applies it in exchange time).
    pub simulated_latency_ns: i64,
    /// The simulated exchange's queue-position model (a setting).
    pub queue_model: QueueModel,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// With the data: every tick went through.
    Complete,
    /// Stopped by a signal (SIGINT, SIGTERM): the figures are those so far.
    Signal,
    /// Stopped at its deadline (`--duration`): the figures are those so far.
    Deadline,
}

impl Ending {
    /// Whether the run stopped before the end of its data.
    pub fn is_early(self) -> bool {
        self != Self::Complete
    }
}

impl fmt::Display for Ending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Complete => "run complete",
            Self::Signal => "stopped early (signal)",
            Self::Deadline => "stopped early (deadline)",
        })
    }
}

/// What one node did.
#[derive(Debug)]
pub struct NodeOutcome {
    /// The node's name.
    pub name: String,
    /// Its figures: execution's report on the execution node (default elsewhere), the
    /// local strategies' reports, and every hop recorded on this node.
    pub run: RunOutcome,
    /// Ticks the feed published (feed node).
    pub published: Option<u64>,
    /// Each peer and the transport its link used (up at the end, or seen up while the
    /// pipeline used it; `None`: never seen up).
    pub links: Vec<(String, Option<Transport>)>,
    /// How the run ended.
    pub ending: Ending,
    /// The strategies this node ran.
    pub hosted: Vec<String>,
}

impl NodeOutcome {
    /// Whether the run ended early (signal or deadline) rather than with the data.
    pub fn interrupted(&self) -> bool {
        self.ending.is_early()
    }
}

/// Orders, fills and final positions of a run, without timing: equal for two runs of
/// the same seed and config (the determinism check).
pub fn trading_fingerprint(outcome: &RunOutcome) -> String {
    let mut by_strategy: BTreeMap<StrategyId, Vec<String>> = BTreeMap::new();
    for (p, mark) in &outcome.execution.positions {
        by_strategy.entry(p.strategy).or_default().push(format!(
            "{} qty={} cost={} realized={} cash={} fills={} mark={:?}",
            p.symbol, p.qty, p.cost, p.realized_pnl, p.cash, p.fills, mark
        ));
    }
    format!("{:?}\n{:?}", outcome.execution.stats, by_strategy)
}
