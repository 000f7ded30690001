//! The trading pipeline: feed -> strategies -> execution, under a one-for-one
//! supervisor, assembled in one place for every placement.
//!
//! [`PipelineBuilder`] builds the pipeline on one node from a [`Placement`]: the
//! roles that run here become the pipeline's actors, and only a role on another node
//! adds a bridge (see [`crate::cluster::bridge`]). A run in one process is the
//! placement with every role here: no links, no bridges. A split pipeline is the
//! same assembly on each node, with its links.
//!
//! The supervisor's children start in this order, and stop in the reverse: the
//! execution actor, then one host per strategy, then the feed (temporary: it ends
//! when its source does). A strategy that panics is restarted alone; it recovers its
//! position and open orders from execution.
//!
//! What later parts plug into (a journal, instruments, fill models, metrics) plugs
//! into [`PipelineBuilder`], so every placement gets it.
//!
//! # Layout
//! - [`placement`]: [`Placement`] and [`Roles`]: which node runs what.
//! - [`feed_source`]: [`FeedSource`]: synthetic, or recorded files at any speed.
//! - `assemble`: [`PipelineBuilder`], the one assembler.
//! - `finish`: the end of a run: waiting for it, collecting the figures.
//! - `metrics`: the pipeline's live figures for the `--metrics` endpoint.
//! - `host_noise`: [`HostNoise`], the run's context switches and CPU steal.
//! - [`outcome`]: [`RunOutcome`] and [`NodeOutcome`], what a run reports.

mod assemble;
pub mod feed_source;
mod finish;
mod host_noise;
mod metrics;
pub mod outcome;
pub mod placement;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mycelium::remote::LinkState;
use mycelium::{ActorRef, Node, PeerAddr, RemoteConfig, SupervisorMsg, Transport};
use mycelium_execution::{ExecMsg, Hop, QueueModel, StrategyId};
use mycelium_market_data::{FeedMsg, FeedReport};
use mycelium_strategies::StrategyMsg;
use tokio::sync::watch;

pub use assemble::PipelineBuilder;
pub use feed_source::{FeedSource, Recorded};
pub use host_noise::HostNoise;
pub use outcome::{trading_fingerprint, Ending, NodeOutcome, RunOutcome};
pub use placement::{Placement, Roles};

use crate::cluster::wire::ExecWire;
use crate::config::PipelineConfig;

/// How long a request to a local pipeline actor may take before the run reports it
/// stuck.
const ASK: Duration = Duration::from_secs(60);

/// Restarts allowed per strategy crash burst: a strategy that keeps crashing is
/// given up after this many restarts in [`RESTART_WINDOW`], and the pipeline fails.
const MAX_RESTARTS: u32 = 10;
/// See [`MAX_RESTARTS`].
const RESTART_WINDOW: Duration = Duration::from_secs(10);

/// How long a node waits for the peers it needs.
const PEER_WAIT: Duration = Duration::from_secs(120);

/// A split node's remote side: how it listens and whom it dials. Started by the
/// builder once every name this node serves is exposed, so a peer (or a restarted
/// one) never finds a name missing.
pub struct Links {
    /// Listeners, secret, link tuning.
    pub remote: RemoteConfig,
    /// Every other node.
    pub peers: Vec<PeerAddr>,
}

/// A running pipeline (this node's part of it).
pub struct Pipeline {
    node: Node,
    placement: Placement,
    supervisor: ActorRef<SupervisorMsg>,
    /// The feed, on the feed node.
    feed: Option<ActorRef<FeedMsg<StrategyMsg>>>,
    /// One per strategy node elsewhere, on the feed node.
    forwarders: Vec<ActorRef<StrategyMsg>>,
    /// Execution, on the execution node.
    execution: Option<ActorRef<ExecMsg<StrategyMsg>>>,
    /// Execution's gateway on the execution node, for strategies here when execution
    /// is elsewhere.
    remote_execution: Option<ActorRef<ExecWire>>,
    /// The strategies of this node.
    hosts: Vec<(String, StrategyId, ActorRef<StrategyMsg>)>,
    /// Every strategy of the pipeline, wherever it runs.
    all_strategies: Vec<(String, StrategyId)>,
    /// Set when the feed node has sent its last tick here.
    feed_ended: watch::Receiver<bool>,
    /// The strategies elsewhere that have stepped through the last tick.
    remote_done: watch::Receiver<BTreeSet<StrategyId>>,
    /// Strategies elsewhere that registered again (restarted or rejoined).
    rejoins: Arc<AtomicU64>,
    /// The transport each link was seen up on while in use.
    links_used: LinksUsed,
    started: Instant,
    /// The host's counters when the run started.
    host_at_start: host_noise::HostSample,
    simulated_latency_ns: i64,
    queue_model: QueueModel,
    /// The feed's last report, left as it ended (feed node).
    feed_final: watch::Receiver<Option<FeedReport>>,
    /// The run's final figures, once [`Pipeline::finish`] has them: what the metrics
    /// collector serves after the actors are gone (only with a collector).
    final_figures: Option<metrics::FinalFigures>,
}

impl Pipeline {
    /// A builder of `config`'s pipeline, its strategies made by `registry`.
    pub fn builder<'a>(
        config: &'a PipelineConfig,
        registry: &'a mycelium_strategies::StrategyRegistry,
    ) -> PipelineBuilder<'a> {
        PipelineBuilder::new(config, registry)
    }

    /// Starts the whole pipeline of `config` on `node` (the one-process run) over
    /// `source`.
    pub async fn start(
        node: &Node,
        config: &PipelineConfig,
        registry: &mycelium_strategies::StrategyRegistry,
        source: FeedSource,
    ) -> anyhow::Result<Self> {
        Self::builder(config, registry).source(source).start(node).await
    }

    /// This node's strategies: name, id, host.
    pub fn strategies(&self) -> &[(String, StrategyId, ActorRef<StrategyMsg>)] {
        &self.hosts
    }
}

/// The transport each peer's link was seen up on, noted where the pipeline uses it
/// (the link may be down by the end, its peer gone first).
pub(crate) type LinksUsed = Arc<Mutex<BTreeMap<String, Transport>>>;

/// Notes the transport of the link to `peer`, if it is up.
pub(crate) fn note_link(node: &Node, peer: &str, used: &LinksUsed) {
    if let Some(LinkState::Up(transport)) = node.link_metrics(peer).map(|m| m.state) {
        if let Ok(mut used) = used.lock() {
            used.insert(peer.to_owned(), transport);
        }
    }
}

/// How `hop`'s messages travelled to this node: from the feed's node for a tick, from
/// the strategies' node for an order; `Local` for what happens within an actor. With
/// strategies on several other nodes, execution's order hops carry the first one's
/// transport (they are recorded in one histogram).
pub(crate) fn hop_transport(
    placement: &Placement,
    node: &Node,
    links_used: &LinksUsed,
    hop: Hop,
) -> Transport {
    let from = match hop {
        Hop::TickToStrategy => Some(placement.roles.feed.as_str()),
        Hop::StrategyToExecution | Hop::TickToOrder => {
            placement.remote_strategy_nodes().first().copied()
        }
        Hop::FeedLateness | Hop::StrategyHandler | Hop::ExecutionHandler | Hop::OrderToFill => None,
    };
    let Some(peer) = from.filter(|peer| *peer != placement.me) else {
        return Transport::Local;
    };
    // The link's transport: up now, or seen up while in use.
    if let Some(LinkState::Up(t)) = node.link_metrics(peer).map(|m| m.state) {
        return t;
    }
    let used = links_used.lock().map(|u| u.get(peer).copied()).ok().flatten();
    used.unwrap_or(Transport::Local)
}

/// Pins the calling thread (the one running the runtime) to `core` when given, else to
/// a core that no pinned strategy of this node uses, so the OS never time-slices it
/// with a spinning actor; returns the core. Does nothing when neither applies, or when
/// the core cannot be had (it is not this machine's: a warning says so).
pub fn pin_runtime_thread(
    config: &PipelineConfig,
    placement: &Placement,
    core: Option<usize>,
) -> Option<usize> {
    let cores = core_affinity::get_core_ids()?;
    if let Some(wanted) = core {
        let found = cores.into_iter().find(|c| c.id == wanted);
        if found.is_none_or(|c| !core_affinity::set_for_current(c)) {
            tracing::warn!(
                core = wanted,
                "cannot pin the runtime thread to this core; left unpinned"
            );
            return None;
        }
        return Some(wanted);
    }
    let taken: Vec<usize> = config
        .strategies
        .iter()
        .filter(|s| placement.strategy_here(&s.name))
        .filter_map(|s| s.pinned_core)
        .collect();
    if taken.is_empty() {
        return None;
    }
    let free = cores.into_iter().find(|c| !taken.contains(&c.id))?;
    core_affinity::set_for_current(free).then_some(free.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The CPUs the calling thread may run on, as the kernel lists them.
    fn allowed_cpus() -> String {
        let status = std::fs::read_to_string("/proc/thread-self/status").expect("status");
        let line = status.lines().find(|l| l.starts_with("Cpus_allowed_list:")).expect("line");
        line.split_whitespace().nth(1).expect("a list").to_owned()
    }

    #[test]
    fn a_node_core_pins_the_runtime_thread_there() {
        let config = PipelineConfig::default_config().expect("the default config");
        let placement = Placement::single("solo", &config);
        let cores = core_affinity::get_core_ids().expect("this machine's cores");
        let last = cores.last().expect("a core").id;
        std::thread::spawn(move || {
            let before = allowed_cpus();
            // A core this machine does not have leaves the thread as it was.
            assert_eq!(pin_runtime_thread(&config, &placement, Some(100_000)), None);
            assert_eq!(allowed_cpus(), before);
            assert_eq!(pin_runtime_thread(&config, &placement, Some(last)), Some(last));
            assert_eq!(allowed_cpus(), last.to_string());
        })
        .join()
        .expect("the pinned thread");
    }
}
