//! Running the pipeline in tests.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;
use std::time::Duration;

use mycelium::Node;
use mycelium_apps::pipeline::PipelineBuilder;
use mycelium_apps::{FeedSource, Pipeline, PipelineConfig, RunOutcome};
use mycelium_market_data::{Speed, TickSource};
use mycelium_strategies::StrategyRegistry;

/// Every pipeline run in a test must end within this.
pub const WAIT: Duration = Duration::from_secs(120);

/// The default config, unpaced, with `ticks` ticks.
pub fn config(ticks: u64) -> PipelineConfig {
    let mut c = PipelineConfig::default_config().expect("the default config parses");
    c.feed.rate = 0.0;
    c.feed.ticks = ticks;
    c
}

/// Runs `config` on its synthetic feed to the end.
pub async fn run_synthetic(config: &PipelineConfig, registry: &StrategyRegistry) -> RunOutcome {
    let source = FeedSource::synthetic(&config.feed, config.feed.ticks);
    run(Pipeline::builder(config, registry).source(source)).await
}

/// Runs `config`'s strategies over `source` to the end.
pub async fn run_ticks(
    config: &PipelineConfig,
    registry: &StrategyRegistry,
    source: TickSource,
    speed: Speed,
) -> RunOutcome {
    run(Pipeline::builder(config, registry).ticks(source, speed)).await
}

/// Starts `builder` and runs it to the end.
async fn run(builder: PipelineBuilder<'_>) -> RunOutcome {
    let node = Node::new("test");
    let go = async {
        let pipeline = builder.start(&node).await.expect("pipeline starts");
        let outcome = pipeline.finish(std::future::pending(), None).await;
        outcome.expect("pipeline finishes").run
    };
    tokio::time::timeout(WAIT, go).await.expect("the run ends in time")
}

/// The recorded BTCUSDT capture, or `None` (after saying so) when the data is absent.
pub fn capture() -> Option<PathBuf> {
    let dir = std::env::var_os("MYCELIUM_DATA_DIR").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data"))
    });
    let file = dir.join("hftbacktest_binance-usdm_BTCUSDT_20240808.jsonl.gz");
    if file.is_file() {
        Some(file)
    } else {
        println!("skipped: {} not found (set MYCELIUM_DATA_DIR)", file.display());
        None
    }
}

/// `config`'s pipeline on its synthetic feed, started on `node` with its collectors
/// registered in `metrics`.
pub async fn start_with_metrics(
    config: &PipelineConfig,
    node: &Node,
    metrics: std::sync::Arc<mycelium_metrics::Registry>,
) -> Pipeline {
    let strategies = StrategyRegistry::with_samples();
    Pipeline::builder(config, &strategies)
        .source(FeedSource::synthetic(&config.feed, config.feed.ticks))
        .metrics(metrics)
        .start(node)
        .await
        .expect("pipeline starts")
}

/// Each sample of `family` (its exact name) in the exposition `text`, by its label
/// text (`k="v",...`, empty for none).
pub fn samples(text: &str, family: &str) -> std::collections::BTreeMap<String, f64> {
    text.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix(family)?;
            let (labels, value) = match rest.strip_prefix('{') {
                Some(rest) => rest.rsplit_once("} ")?,
                None => ("", rest.strip_prefix(' ')?),
            };
            Some((labels.to_owned(), value.parse().ok()?))
        })
        .collect()
}

/// The sum of every sample of `family` in `text`.
pub fn sum(text: &str, family: &str) -> f64 {
    samples(text, family).values().sum()
}
