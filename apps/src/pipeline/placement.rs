//! Which node runs which part of the pipeline: the feed, execution, and each
//! strategy. A run in one process is the placement with every role on one node.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::config::PipelineConfig;

/// Which node runs which role (the `[roles]` table of a cluster file).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roles {
    /// The node running the feed.
    pub feed: String,
    /// The node running execution.
    pub execution: String,
    /// Each strategy (by its name in `[[pipeline.strategy]]`) and its node.
    pub strategies: BTreeMap<String, String>,
    /// Strategy nodes whose strategies trade live: fed conflated ticks (the latest per
    /// symbol when they fall behind) and outside execution's barrier, so a slow one
    /// slows neither the feed nor the others. Their trading depends on timing.
    #[serde(default)]
    pub live: Vec<String>,
}

impl Roles {
    /// The nodes that run strategies, sorted, each once.
    pub fn strategy_nodes(&self) -> Vec<&str> {
        let mut nodes: Vec<&str> = self.strategies.values().map(String::as_str).collect();
        nodes.sort_unstable();
        nodes.dedup();
        nodes
    }
}

/// The roles, seen from one node: what runs here and what elsewhere.
#[derive(Debug, Clone)]
pub struct Placement {
    /// This node's name.
    pub me: String,
    /// Every role's node.
    pub roles: Roles,
}

impl Placement {
    /// Every role of `config` on the node `me`: the pipeline in one process.
    pub fn single(me: &str, config: &PipelineConfig) -> Self {
        let strategies =
            config.strategies.iter().map(|s| (s.name.clone(), me.to_owned())).collect();
        let roles = Roles { feed: me.into(), execution: me.into(), strategies, live: Vec::new() };
        Self { me: me.to_owned(), roles }
    }

    /// Whether the feed runs here.
    pub fn feed_here(&self) -> bool {
        self.roles.feed == self.me
    }

    /// Whether execution runs here.
    pub fn execution_here(&self) -> bool {
        self.roles.execution == self.me
    }

    /// Whether strategy `name` runs here.
    pub fn strategy_here(&self, name: &str) -> bool {
        self.roles.strategies.get(name).is_some_and(|n| *n == self.me)
    }

    /// Whether some role runs on another node (the node then needs links).
    pub fn is_split(&self) -> bool {
        self.roles.feed != self.me
            || self.roles.execution != self.me
            || self.roles.strategies.values().any(|n| *n != self.me)
    }

    /// Whether this node's strategies trade live.
    pub fn live_here(&self) -> bool {
        self.roles.live.contains(&self.me)
    }

    /// Whether `node`'s strategies trade live.
    pub fn is_live(&self, node: &str) -> bool {
        self.roles.live.iter().any(|n| n == node)
    }

    /// The other nodes that run strategies.
    pub fn remote_strategy_nodes(&self) -> Vec<&str> {
        self.roles.strategy_nodes().into_iter().filter(|n| *n != self.me).collect()
    }
}
