//! The end of a run, on every node alike.
//!
//! The end travels with the data: the feed ends with its source; the feed node then
//! tells each strategy node elsewhere (`End`, queued behind every tick); a strategy
//! node, once its hosts have stepped through everything, tells execution elsewhere
//! it is done; the execution node ends when every strategy elsewhere is done. A stop
//! (a signal, or the deadline) ends a node early, in order: the feed stops, and the
//! figures are those so far.

use std::future::Future;
use std::sync::atomic::Ordering;
use std::time::Duration;

use mycelium::remote::LinkState;
use mycelium::Transport;
use mycelium_execution::{ExecMsg, ExecReport, Hop, HopHistograms, StrategyId};
use mycelium_strategies::StrategyMsg;

use super::{hop_transport, Ending, NodeOutcome, Pipeline, RunOutcome, ASK};
use crate::cluster::wire::ExecWire;

/// How long a stopped feed may take to end before it is aborted.
const FEED_STOP: Duration = Duration::from_secs(1);
/// How long a host of a split node stopped early may take to report: it may be
/// waiting on a peer that is going too.
const EARLY_REPORT: Duration = Duration::from_millis(500);

impl Pipeline {
    /// Runs to the end of the data, or until `stop` completes or `deadline` passes;
    /// then collects this node's figures and shuts it down in order.
    pub async fn finish(
        self,
        stop: impl Future<Output = ()>,
        deadline: Option<Duration>,
    ) -> anyhow::Result<NodeOutcome> {
        let mut forwarded = None;
        let ending = tokio::select! {
            result = self.end_of_data(&mut forwarded) => {
                result?;
                Ending::Complete
            }
            _ = stop => Ending::Signal,
            _ = sleep_or_never(deadline) => Ending::Deadline,
        };
        if ending.is_early() {
            if let Some(feed) = &self.feed {
                // It may be waiting on a full mailbox: stop it now, aborting past FEED_STOP.
                feed.stop_within(FEED_STOP).await;
            }
        }
        self.collect(ending, forwarded).await
    }

    /// Completes when this node's part of the run has ended with the data.
    async fn end_of_data(&self, forwarded: &mut Option<u64>) -> anyhow::Result<()> {
        if let Some(feed) = &self.feed {
            let reason = feed.join().await;
            if reason.is_abnormal() {
                anyhow::bail!("the feed failed: {reason}");
            }
            // Queued behind every tick: each forwarder then sends End.
            for forwarder in &self.forwarders {
                if let Ok(report) = forwarder.ask(StrategyMsg::Finish, ASK).await {
                    *forwarded = Some(forwarded.unwrap_or(0).max(report.ticks));
                }
            }
        } else if !self.hosts.is_empty() {
            let _ = self.feed_ended.clone().wait_for(|ended| *ended).await;
        }
        if self.execution.is_some() {
            let elsewhere: Vec<StrategyId> = self
                .all_strategies
                .iter()
                .filter(|(name, _)| !self.placement.strategy_here(name))
                .map(|(_, id)| *id)
                .collect();
            let _ = self
                .remote_done
                .clone()
                .wait_for(|done| elsewhere.iter().all(|id| done.contains(id)))
                .await;
        }
        Ok(())
    }

    /// The figures, then the shutdown. A host's report queues behind its ticks, so it
    /// comes once the host has stepped through all of them and applied their answers;
    /// execution elsewhere then hears the host is done.
    async fn collect(self, ending: Ending, forwarded: Option<u64>) -> anyhow::Result<NodeOutcome> {
        let report_wait =
            if ending.is_early() && self.placement.is_split() { EARLY_REPORT } else { ASK };
        let mut strategies = Vec::new();
        let mut hops = HopHistograms::new();
        for (name, id, host) in &self.hosts {
            let report = host.ask(StrategyMsg::Finish, report_wait).await.unwrap_or_default();
            hops.merge(&report.hops);
            if let Some(gateway) = &self.remote_execution {
                let strategy = *id;
                let done =
                    gateway.ask(|reply| ExecWire::Done { strategy, reply }, report_wait).await;
                if let Err(e) = done {
                    tracing::warn!(?strategy, error = %e, "execution did not note the end");
                }
            }
            strategies.push((name.clone(), *id, report));
        }
        let execution = match &self.execution {
            Some(exec) => exec.ask(ExecMsg::Report, ASK).await?,
            None => ExecReport::default(),
        };
        if self.execution.is_some() {
            // The execution node reports every strategy's trading, wherever it ran.
            for (name, id) in &self.all_strategies {
                if !strategies.iter().any(|(_, s, _)| s == id) {
                    strategies.push((name.clone(), *id, Default::default()));
                }
            }
            strategies.sort_by_key(|(_, id, _)| *id);
        }
        hops.merge(&execution.hops);
        if let Some(lateness) = self.feed_final.borrow().as_ref().and_then(|f| f.lateness.as_ref())
        {
            hops.merge_hop(Hop::FeedLateness, lateness);
        }
        if let Some(figures) = &self.final_figures {
            figures.set(&hops, self.execution.as_ref().map(|_| &execution));
        }
        let published = self.feed.as_ref().map(|_| {
            forwarded
                .unwrap_or_else(|| strategies.iter().map(|(_, _, r)| r.ticks).max().unwrap_or(0))
        });
        // The transport each link is up on, or was seen up on while in use.
        let used = self.links_used.lock().map(|u| u.clone()).unwrap_or_default();
        let links = self
            .node
            .links()
            .into_iter()
            .map(|l| {
                let transport = transport_of(l.state).or_else(|| used.get(&l.peer).copied());
                (l.peer, transport)
            })
            .collect();
        let restarts =
            self.node.supervision_counters().restarts() + self.rejoins.load(Ordering::Relaxed);
        let elapsed = self.started.elapsed();
        let host_noise = self.host_at_start.noise_since();
        let transports = Hop::ALL
            .into_iter()
            .map(|hop| (hop, hop_transport(&self.placement, &self.node, &self.links_used, hop)))
            .collect();
        self.supervisor.stop();
        self.node.shutdown(Duration::from_secs(5)).await;
        Ok(NodeOutcome {
            name: self.placement.me.clone(),
            run: RunOutcome {
                ticks: execution.ticks,
                execution,
                strategies,
                hops,
                transports,
                elapsed,
                host_noise,
                restarts,
                simulated_latency_ns: self.simulated_latency_ns,
                queue_model: self.queue_model,
            },
            published,
            links,
            ending,
            hosted: self.hosts.iter().map(|(n, _, _)| n.clone()).collect(),
        })
    }
}

async fn sleep_or_never(deadline: Option<Duration>) {
    match deadline {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

fn transport_of(state: LinkState) -> Option<Transport> {
    match state {
        LinkState::Up(t) => Some(t),
        _ => None,
    }
}
