//! `mycelium node --config CLUSTER.toml --name NAME`: one node of a split pipeline.

use std::path::PathBuf;
use std::time::Duration;

use mycelium_apps::cluster::{run_node, ClusterConfig, NodeOutcome};
use mycelium_strategies::StrategyRegistry;

/// `mycelium node --config CLUSTER.toml --name NAME [--duration D] [--report DIR]`
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The cluster file: nodes, secret, roles, pipeline (see apps/config/cluster-*.toml).
    #[arg(long)]
    config: PathBuf,
    /// Which node of the file this process is.
    #[arg(long)]
    name: String,
    /// Stop after this long (e.g. 30s, 10m) even if the run has not ended.
    #[arg(long, value_parser = crate::run::parse_duration)]
    duration: Option<Duration>,
    /// Write this node's latency histograms, .hgrm files, summary.json and a chart
    /// into DIR (merge the nodes' with `mycelium report`).
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
}

impl Args {
    /// Whether this node's links busy-poll (the runtime is tuned for it).
    pub(crate) fn busy_poll_here(&self) -> anyhow::Result<bool> {
        let cluster = ClusterConfig::load(&self.config)?;
        Ok(cluster.node(&self.name).is_some_and(|n| n.busy_poll))
    }
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    let cluster = ClusterConfig::load(&args.config)?;
    let registry = StrategyRegistry::with_samples();
    let outcome = run_node(&cluster, &args.name, &registry, args.duration, stop_signal()).await?;
    print!("{}", render(&outcome, &cluster));
    if let Some(dir) = &args.report {
        crate::report_cmd::write_for_run(dir, "node", Some(&args.config), &outcome.run)?;
    }
    Ok(())
}

/// SIGINT or SIGTERM.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

fn render(outcome: &NodeOutcome, cluster: &ClusterConfig) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let end = if outcome.interrupted { "stopped early" } else { "run complete" };
    let _ =
        writeln!(out, "node {}: {end} in {:.2} s", outcome.name, outcome.run.elapsed.as_secs_f64());
    for (peer, transport) in &outcome.links {
        let over = transport.map_or("down".to_owned(), |t| t.to_string());
        let _ = writeln!(out, "link {peer}: {over}");
    }
    if let Some(published) = outcome.published {
        let _ = writeln!(out, "feed published {published} ticks");
    }
    for (name, _, report) in &outcome.run.strategies {
        if outcome.hosted.contains(name) {
            let _ =
                writeln!(out, "strategy {name}: {} ticks, {} orders", report.ticks, report.orders);
        }
    }
    if cluster.roles.execution == outcome.name {
        out.push_str(&mycelium_apps::summary::render(&outcome.run));
    }
    out
}
