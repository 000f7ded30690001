//! Running one node of a cluster: its links to every other node, and the pipeline
//! assembled for the roles the cluster file gives it ([`crate::pipeline`]).
//!
//! # The run
//! Nodes start in any order: each dials every other node and waits (logging what
//! it waits for) until the actors it needs are reachable, so strategies trade only
//! once feed and execution are up. The feed node starts the feed last, when every
//! strategy node's hosts are up. The end travels with the data (see
//! [`Pipeline::finish`]). A signal (SIGINT, SIGTERM) or the deadline ends a node
//! early, in order: it stops its actors and writes its figures.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use mycelium::{Node, PeerAddr, RemoteConfig};
use mycelium_metrics::Registry;
use mycelium_strategies::StrategyRegistry;

use super::config::{ClusterConfig, NodeSpec};
use crate::pipeline::{FeedSource, Links, NodeOutcome, Pipeline, Placement};

/// Runs node `name` of `cluster` until the run ends, `stop` completes, or `deadline`
/// passes. The feed node replays `source`, or else the cluster's synthetic feed.
pub async fn run_node(
    cluster: &ClusterConfig,
    name: &str,
    registry: &StrategyRegistry,
    source: Option<FeedSource>,
    deadline: Option<Duration>,
    stop: impl Future<Output = ()>,
) -> anyhow::Result<NodeOutcome> {
    run_node_with(cluster, name, registry, source, deadline, stop, None).await
}

/// [`run_node`], registering the node's and the pipeline's collectors in `metrics`
/// (for a `--metrics` endpoint) once the pipeline is up.
pub async fn run_node_with(
    cluster: &ClusterConfig,
    name: &str,
    registry: &StrategyRegistry,
    source: Option<FeedSource>,
    deadline: Option<Duration>,
    stop: impl Future<Output = ()>,
    metrics: Option<Arc<Registry>>,
) -> anyhow::Result<NodeOutcome> {
    let me = cluster.node(name).with_context(|| {
        let names: Vec<&str> = cluster.nodes.iter().map(|n| n.name.as_str()).collect();
        format!("no node {name:?} in the cluster file (nodes: {})", names.join(", "))
    })?;
    let placement = cluster.placement(name);
    let pipeline = &cluster.pipeline;
    let node = Node::new(name);
    let mut builder = Pipeline::builder(pipeline, registry).placement(placement.clone());
    if placement.is_split() {
        builder = builder.links(links(cluster, me)?);
    }
    if placement.feed_here() {
        let source =
            source.unwrap_or_else(|| FeedSource::synthetic(&pipeline.feed, pipeline.feed.ticks));
        builder = builder.source(source);
    } else if source.is_some() {
        anyhow::bail!(
            "node {name:?} does not run the feed (node {:?} does): give it no input",
            placement.roles.feed
        );
    }
    if let Some(metrics) = metrics {
        builder = builder.metrics(metrics);
    }
    builder.start(&node).await?.finish(stop, deadline).await
}

impl ClusterConfig {
    /// The roles seen from node `name`.
    pub fn placement(&self, name: &str) -> Placement {
        Placement { me: name.to_owned(), roles: self.roles.clone() }
    }
}

/// Node `me`'s listeners and its peers.
fn links(cluster: &ClusterConfig, me: &NodeSpec) -> anyhow::Result<Links> {
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
    let peers = cluster
        .nodes
        .iter()
        .filter(|n| n.name != me.name)
        .map(|peer| {
            let mut addr = PeerAddr::new(&peer.name);
            addr.unix = peer.unix.clone();
            addr.tcp = peer.tcp;
            addr
        })
        .collect();
    Ok(Links { remote, peers })
}
