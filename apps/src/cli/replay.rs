//! `mycelium replay`: recorded market data through the trading pipeline, or through
//! the feed alone for per-symbol statistics (`--stats-only`), or each symbol's feed
//! latency (`--feed-latency`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use mycelium::{Actor, ActorError, Context, Node, ReplyTo, SpawnOptions};
use mycelium_market_data::{Feed, FeedStats, FeedTick, Policy};

use super::source_args::ReplayOptions;

/// `mycelium replay FILE... [--format F] [--speed S] [--symbols A,B] [--strict]
/// [--stats-only | --feed-latency]`
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Recorded-data files or recordings, merged in exchange-time order.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    replay: ReplayOptions,
    /// Print per-symbol statistics only, without running the pipeline.
    #[arg(long)]
    stats_only: bool,
    /// Print each symbol's feed latency (receive minus exchange time, over the events
    /// that carry both clocks) only, without running the pipeline.
    #[arg(long, conflicts_with_all = ["stats_only", "report"])]
    feed_latency: bool,
    /// The pipeline config whose strategies and execution trade the replay
    /// (default: the embedded one; its `[feed]` section is not used).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Write latency histograms, .hgrm files, summary.json and a chart into DIR
    /// (not with --stats-only).
    #[arg(long, value_name = "DIR", conflicts_with = "stats_only")]
    report: Option<PathBuf>,
    #[command(flatten)]
    metrics: super::metrics_arg::MetricsArgs,
    /// Journal execution's inputs into DIR (durability from the config's `[journal]`
    /// section, `process` by default); a journal already there is recovered first.
    #[arg(long, value_name = "DIR", conflicts_with = "stats_only")]
    journal: Option<PathBuf>,
}

/// Counts what the feed publishes.
struct Counter {
    stats: FeedStats,
}

enum CounterMsg {
    Tick(Arc<FeedTick>),
    Take(ReplyTo<FeedStats>),
}

impl From<Arc<FeedTick>> for CounterMsg {
    fn from(t: Arc<FeedTick>) -> Self {
        CounterMsg::Tick(t)
    }
}

impl Actor for Counter {
    type Msg = CounterMsg;
    async fn handle(
        &mut self,
        msg: CounterMsg,
        _ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        match msg {
            CounterMsg::Tick(t) => self.stats.observe_tick(&t),
            CounterMsg::Take(reply) => {
                let _ = reply.send(std::mem::take(&mut self.stats));
            }
        }
        Ok(())
    }
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    if args.feed_latency {
        return super::feed_latency::print(&args.files, &args.replay.read);
    }
    let stop = super::signals::stop_signal();
    let source = args.replay.source(&args.files);
    if !args.stats_only {
        let mut config = super::run::load_config(args.config.as_ref())?;
        if let Some(dir) = &args.journal {
            config.journal.dir = Some(dir.clone());
        }
        let endpoint = args.metrics.start().await?;
        let metrics = endpoint.as_ref().map(|e| e.registry.clone());
        let outcome =
            super::run::run_pipeline("replay", &config, source, stop, None, metrics).await?;
        if let Some(dir) = &args.report {
            super::report::write_for_run(dir, "replay", args.config.as_deref(), &outcome.run)?;
        }
        if let Some(endpoint) = endpoint {
            endpoint.finish().await;
        }
        return Ok(());
    }
    if args.metrics.is_set() {
        anyhow::bail!("--metrics serves a running pipeline's figures: not with --stats-only");
    }
    let bar = super::progress::bar();
    let (source, speed) = source.open(&[], None, &bar)?;
    super::progress::styled(&bar, "the files");
    let node = Node::new("replay");
    let counter = node.spawn_with(Counter { stats: FeedStats::new() }, SpawnOptions::new())?;
    let feed =
        node.spawn(Feed::new(source, speed).subscriber(counter.clone(), None, Policy::Block))?;
    let started = std::time::Instant::now();
    let reason = feed.join().await;
    let elapsed = started.elapsed();
    bar.finish_and_clear();
    if reason.is_abnormal() {
        anyhow::bail!("replay failed: {reason}");
    }
    let stats = counter.ask(CounterMsg::Take, Duration::from_secs(60)).await?;
    let events: u64 = stats.iter().map(|(_, s)| s.total()).sum();
    println!("{stats}");
    println!(
        "{events} events in {:.3} s: {:.0} events/s (speed {:?})",
        elapsed.as_secs_f64(),
        events as f64 / elapsed.as_secs_f64().max(1e-9),
        speed
    );
    node.shutdown(Duration::from_secs(5)).await;
    Ok(())
}
