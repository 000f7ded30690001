//! [`NodeSnapshot`]: a node's figures at one moment, for an exporter (a metrics
//! endpoint, a status page), collected off the hot path.
//!
//! Each live actor answers a metrics signal between two messages, all of them at
//! once, under one timeout; the node's own counters (dead letters, links, refused
//! connections) are read beside. Nothing is shared per message: an actor's figures
//! are its own until it is asked.

use std::time::Duration;

use crate::cell::lock;
use crate::dead_letters::DeadLetterCause;
use crate::id::ActorId;
use crate::metrics::ActorMetrics;
use crate::node::Node;
use crate::remote::{LinkMetrics, RemoteMetrics};
use crate::signal::Signal;

/// One actor in a [`NodeSnapshot`].
#[derive(Debug, Clone)]
pub struct ActorSnapshot {
    /// Its id.
    pub id: ActorId,
    /// Its name (the one it was spawned with), if any.
    pub name: Option<String>,
    /// The type of the messages it takes.
    pub message_type: &'static str,
    /// Its figures, as it gave them.
    pub metrics: ActorMetrics,
}

/// A node's figures at one moment: see [`Node::snapshot`].
#[derive(Debug, Clone)]
pub struct NodeSnapshot {
    /// Every live actor that answered in time, by id.
    pub actors: Vec<ActorSnapshot>,
    /// Live actors that did not answer in time (busy in a long handler, or ending).
    pub unanswered: usize,
    /// Dead letters since the start, by cause (every cause, zeros included).
    pub dead_letters: Vec<(DeadLetterCause, u64)>,
    /// The remote side's figures (refused connections by why among them); `None`
    /// before [`Node::start_remote`].
    pub remote: Option<RemoteMetrics>,
    /// Every link, sorted by peer.
    pub links: Vec<LinkMetrics>,
}

impl Node {
    /// The node's figures now: every live actor's (supervised ones included), dead
    /// letters by cause, the remote side and each link.
    ///
    /// Each actor answers between two messages, all of them concurrently; one that
    /// does not answer within `timeout` is counted in
    /// [`unanswered`](NodeSnapshot::unanswered) and left out. The actors' send and
    /// handle paths gain nothing from this: no shared counter, no lock per message.
    pub async fn snapshot(&self, timeout: Duration) -> NodeSnapshot {
        let cells: Vec<_> = lock(&self.inner().live).values().cloned().collect();
        let asks = cells.into_iter().map(|cell| async move {
            let (tx, rx) = tokio::sync::oneshot::channel();
            if !cell.signal(Signal::Metrics(tx)) {
                return None;
            }
            let metrics = tokio::time::timeout(timeout, rx).await.ok()?.ok()?;
            Some(ActorSnapshot {
                id: cell.id(),
                name: cell.name().map(str::to_owned),
                message_type: cell.message_type(),
                metrics,
            })
        });
        let answers = futures_util::future::join_all(asks).await;
        let asked = answers.len();
        let actors: Vec<ActorSnapshot> = answers.into_iter().flatten().collect();
        NodeSnapshot {
            unanswered: asked - actors.len(),
            actors,
            dead_letters: self.dead_letters().totals_by_cause().to_vec(),
            remote: self.remote_metrics(),
            links: self.links(),
        }
    }
}
