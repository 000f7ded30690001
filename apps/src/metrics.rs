//! The live figures of a node for the `--metrics` endpoint: [`NodeCollector`] (the
//! runtime's: actors, dead letters, links, refused connections) here, and the
//! pipeline's (hops, trading, the feed) in [`crate::pipeline`]'s `PipelineCollector`.
//! Both ask at scrape time, off the hot path: nothing here is touched per message.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::FutureExt as _;
use mycelium::Node;
use mycelium_metrics::catalogue::{DEAD_LETTERS, HANDSHAKE_REFUSALS};
use mycelium_metrics::{
    build_info, ActorFigures, Batch, CollectError, Collector, LinkFigures, MetricsServer,
    ProcessCollector, Registry, ServerConfig, DEFAULT_COLLECT_TIMEOUT,
};

/// How long an actor may take to answer a scrape's request: within the registry's
/// collection timeout, so a slow actor costs its own figures, not the scrape.
pub(crate) const ANSWER_TIMEOUT: Duration = Duration::from_millis(400);
const _: () = assert!(ANSWER_TIMEOUT.as_millis() < DEFAULT_COLLECT_TIMEOUT.as_millis());

/// A registry with the process collector and build info, ready for a node's and a
/// pipeline's collectors.
pub fn registry() -> Arc<Registry> {
    let registry = Arc::new(Registry::new());
    registry.register(ProcessCollector);
    registry.register(build_info());
    registry
}

/// Serves `registry` on `addr` (a thread of its own, see [`MetricsServer`]).
pub async fn serve(registry: Arc<Registry>, addr: SocketAddr) -> anyhow::Result<MetricsServer> {
    let server = MetricsServer::start(registry, ServerConfig::on(addr)).await?;
    tracing::info!("metrics on http://{}/metrics", server.local_addr());
    Ok(server)
}

/// A node's runtime figures, from [`Node::snapshot`] at each scrape: each actor
/// (labelled by its name; unnamed actors by their message type, summed), dead
/// letters by cause, each link, and refused connections by why.
pub struct NodeCollector {
    node: Node,
}

impl NodeCollector {
    /// The collector of `node`.
    pub fn new(node: Node) -> Self {
        Self { node }
    }
}

impl Collector for NodeCollector {
    fn name(&self) -> &str {
        "node"
    }

    fn collect(&self) -> BoxFuture<'_, Result<Batch, CollectError>> {
        async move {
            let s = self.node.snapshot(ANSWER_TIMEOUT).await;
            let mut batch = Batch::new();
            for a in &s.actors {
                let m = &a.metrics;
                let timed = m.handler_ns.is_some();
                batch.actor(&ActorFigures {
                    actor: a.name.as_deref().unwrap_or(a.message_type),
                    handled: m.handled,
                    restarts: m.restarts,
                    mailbox_depth: m.mailbox_depth,
                    mailbox_high_water: timed.then_some(m.mailbox_high_water),
                    handler_ns: m.handler_ns.as_ref(),
                    mailbox_wait_ns: m.mailbox_wait_ns.as_ref(),
                });
            }
            for (cause, n) in &s.dead_letters {
                batch.counter(&DEAD_LETTERS, [cause.name()], *n);
            }
            for (why, n) in s.remote.iter().flat_map(|r| &r.refusals) {
                batch.counter(&HANDSHAKE_REFUSALS, [why], *n);
            }
            for l in &s.links {
                batch.link(&LinkFigures {
                    peer: &l.peer,
                    up: matches!(l.state, mycelium::remote::LinkState::Up(_)),
                    sent_frames: l.frames_out,
                    received_frames: l.frames_in,
                    sent_bytes: l.bytes_out,
                    received_bytes: l.bytes_in,
                    reconnects: l.reconnects,
                    losses: l.losses,
                    resent_frames: l.resent,
                    duplicate_frames: l.duplicates,
                    sequence_gaps: l.gaps,
                    outbound_queue_depth: l.queued,
                    heartbeat_rtt_ns: &l.rtt_ns,
                });
            }
            Ok(batch)
        }
        .boxed()
    }
}
