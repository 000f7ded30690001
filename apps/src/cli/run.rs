//! `mycelium run` and `mycelium config`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use mycelium::Node;
use mycelium_apps::pipeline::Placement;
use mycelium_apps::{summary, FeedSource, NodeOutcome, Pipeline, PipelineConfig, DEFAULT_CONFIG};
use mycelium_metrics::Registry;
use mycelium_strategies::StrategyRegistry;

/// `mycelium run [--config FILE] [--duration D | --ticks N] [--seed S] [--strategy NAME ...]`
#[derive(clap::Args)]
pub(crate) struct Args {
    /// A pipeline config (TOML); default: the embedded one (`mycelium config`).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Stop after this long (e.g. 30s, 2m), whatever is left of the ticks.
    #[arg(long, value_parser = parse_duration, conflicts_with = "ticks")]
    duration: Option<Duration>,
    /// Publish this many ticks.
    #[arg(long)]
    ticks: Option<u64>,
    /// Seed of the synthetic feed.
    #[arg(long)]
    seed: Option<u64>,
    /// Run only these strategies of the config (by name; repeatable).
    #[arg(long = "strategy")]
    strategies: Vec<String>,
    /// Write latency histograms, .hgrm files, summary.json and a chart into DIR.
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
    #[command(flatten)]
    metrics: super::metrics_arg::MetricsArgs,
    /// Journal execution's inputs into DIR (durability from the config's `[journal]`
    /// section, `process` by default); a journal already there is recovered first.
    #[arg(long, value_name = "DIR")]
    journal: Option<PathBuf>,
}

pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s)
        .map_err(|e| format!("bad duration {s:?} ({e}): use e.g. 500ms, 30s, 2m"))
}

pub(crate) fn load_config(path: Option<&PathBuf>) -> anyhow::Result<PipelineConfig> {
    Ok(match path {
        Some(p) => PipelineConfig::load(p)?,
        None => PipelineConfig::default_config()?,
    })
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    let stop = super::signals::stop_signal();
    let mut config = load_config(args.config.as_ref())?;
    if let Some(dir) = &args.journal {
        config.journal.dir = Some(dir.clone());
    }
    if let Some(seed) = args.seed {
        config.feed.seed = seed;
    }
    if !args.strategies.is_empty() {
        let known: Vec<String> = config.strategies.iter().map(|s| s.name.clone()).collect();
        for wanted in &args.strategies {
            if !known.contains(wanted) {
                anyhow::bail!(
                    "no strategy named {wanted:?} in the config; it has: {}",
                    known.join(", ")
                );
            }
        }
        config.strategies.retain(|s| args.strategies.contains(&s.name));
    }
    let ticks = match (args.ticks, args.duration) {
        (Some(n), _) => n,
        (None, Some(_)) => u64::MAX,
        (None, None) => config.feed.ticks,
    };
    let source = FeedSource::synthetic(&config.feed, ticks);
    let endpoint = args.metrics.start().await?;
    let metrics = endpoint.as_ref().map(|e| e.registry.clone());
    let outcome = run_pipeline("run", &config, source, stop, args.duration, metrics).await?;
    if let Some(dir) = &args.report {
        super::report::write_for_run(dir, "run", args.config.as_deref(), &outcome.run)?;
    }
    if let Some(endpoint) = endpoint {
        endpoint.finish().await;
    }
    Ok(())
}

/// Runs `config`'s whole pipeline in this process over `source` until the end of the
/// data, `stop`, or `deadline`, and prints its summary; its collectors go into
/// `metrics`, if given.
pub(crate) async fn run_pipeline(
    name: &str,
    config: &PipelineConfig,
    source: FeedSource,
    stop: impl std::future::Future<Output = ()>,
    deadline: Option<Duration>,
    metrics: Option<Arc<Registry>>,
) -> anyhow::Result<NodeOutcome> {
    let node = Node::new(name);
    if let Some(core) =
        mycelium_apps::pin_runtime_thread(config, &Placement::single(name, config), None)
    {
        tracing::info!(core, "runtime thread pinned away from the pinned strategies");
    }
    let registry = StrategyRegistry::with_samples();
    let bar = super::progress::bar();
    let unit = if matches!(source, FeedSource::Synthetic(_)) { "the ticks" } else { "the files" };
    let mut builder = Pipeline::builder(config, &registry).source(source).progress(bar.clone());
    if let Some(metrics) = metrics {
        builder = builder.metrics(metrics);
    }
    let pipeline = builder.start(&node).await?;
    super::progress::styled(&bar, unit);
    let outcome = pipeline.finish(stop, deadline).await;
    bar.finish_and_clear();
    let outcome = outcome?;
    print!("{}", summary::render(&outcome.run));
    if outcome.interrupted() {
        println!("\n{}: the figures are those so far", outcome.ending);
    }
    Ok(outcome)
}

/// Prints the default config.
pub(crate) fn print_config() {
    print!("{DEFAULT_CONFIG}");
}
