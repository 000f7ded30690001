//! `mycelium node --config CLUSTER.toml --name NAME`: one node of a split pipeline.

use std::path::PathBuf;
use std::time::Duration;

use mycelium_apps::cluster::{run_node_with, ClusterConfig, NodeOutcome};
use mycelium_strategies::StrategyRegistry;

use super::signals::stop_signal;
use super::source_args::ReplayOptions;

/// `mycelium node --config CLUSTER.toml --name NAME [FILE...] [--duration D] [--report DIR]`
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Recorded-data files or recordings for the feed node to replay, merged in
    /// exchange-time order (default: the cluster file's synthetic feed).
    files: Vec<PathBuf>,
    #[command(flatten)]
    replay: ReplayOptions,
    /// The cluster file: nodes, secret, roles, pipeline (see apps/config/cluster-*.toml).
    #[arg(long)]
    config: PathBuf,
    /// Which node of the file this process is.
    #[arg(long)]
    name: String,
    /// Stop after this long (e.g. 30s, 10m) even if the run has not ended.
    #[arg(long, value_parser = super::run::parse_duration)]
    duration: Option<Duration>,
    /// Write this node's latency histograms, .hgrm files, summary.json and a chart
    /// into DIR (merge the nodes' with `mycelium report`).
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
    #[command(flatten)]
    metrics: super::metrics_arg::MetricsArgs,
    /// On the execution node, journal execution's inputs into DIR (durability from the config's `[journal]`
    /// section, `process` by default); a journal already there is recovered first.
    #[arg(long, value_name = "DIR")]
    journal: Option<PathBuf>,
}

impl Args {
    /// Whether this node's links busy-poll (the runtime is tuned for it).
    pub(crate) fn busy_poll_here(&self) -> anyhow::Result<bool> {
        let cluster = ClusterConfig::load(&self.config)?;
        Ok(cluster.node(&self.name).is_some_and(|n| n.busy_poll))
    }
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    let mut cluster = ClusterConfig::load(&args.config)?;
    if let Some(dir) = &args.journal {
        cluster.pipeline.journal.dir = Some(dir.clone());
    }
    let stop = stop_signal();
    let placement = cluster.placement(&args.name);
    let core = cluster.node(&args.name).and_then(|n| n.core);
    if let Some(core) = mycelium_apps::pin_runtime_thread(&cluster.pipeline, &placement, core) {
        tracing::info!(core, "runtime thread pinned");
    }
    let source = (!args.files.is_empty()).then(|| args.replay.source(&args.files));
    let registry = StrategyRegistry::with_samples();
    let endpoint = args.metrics.start().await?;
    let metrics = endpoint.as_ref().map(|e| e.registry.clone());
    let outcome =
        run_node_with(&cluster, &args.name, &registry, source, args.duration, stop, metrics)
            .await?;
    print!("{}", render(&outcome, &cluster));
    if let Some(dir) = &args.report {
        super::report::write_for_run(dir, "node", Some(&args.config), &outcome.run)?;
    }
    if let Some(endpoint) = endpoint {
        endpoint.finish().await;
    }
    Ok(())
}

fn render(outcome: &NodeOutcome, cluster: &ClusterConfig) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let end = outcome.ending;
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
