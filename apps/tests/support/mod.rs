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
