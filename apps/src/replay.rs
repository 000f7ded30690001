//! `mycelium replay`: recorded market data through the trading pipeline, or through
//! the feed alone for per-symbol statistics (`--stats-only`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use mycelium::{Actor, ActorError, Context, Node, ReplyTo, SpawnOptions};
use mycelium_market_data::{
    merge, open_source, BadLinePolicy, Feed, FeedStats, FeedTick, Format, Policy, ReaderOptions,
    Speed, Symbol,
};

/// `mycelium replay FILE... [--format F] [--speed S] [--symbols A,B] [--stats-only]`
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Recorded-data files or recordings, merged in exchange-time order.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Input format (auto, binance, tardis, quotes-csv); auto detects from content.
    #[arg(long, default_value = "auto")]
    format: Format,
    /// max, realtime, or a factor such as 10x.
    #[arg(long, default_value = "max")]
    speed: Speed,
    /// Only these symbols (comma-separated).
    #[arg(long, value_delimiter = ',')]
    symbols: Vec<Symbol>,
    /// Stop at the first bad line instead of reporting and skipping it.
    #[arg(long)]
    strict: bool,
    /// Print per-symbol statistics only, without running the pipeline.
    #[arg(long)]
    stats_only: bool,
    /// The pipeline config whose strategies and execution trade the replay
    /// (default: the embedded one; its `[feed]` section is not used).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Write latency histograms, .hgrm files, summary.json and a chart into DIR
    /// (not with --stats-only).
    #[arg(long, value_name = "DIR", conflicts_with = "stats_only")]
    report: Option<PathBuf>,
}

/// Counts what the feed publishes.
struct Counter {
    stats: FeedStats,
    seen: u64,
    bar: indicatif::ProgressBar,
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
            CounterMsg::Tick(t) => {
                self.stats.observe_tick(&t);
                self.seen += 1;
                // Even a hidden bar reads the clock on each update: batch them.
                if self.seen.is_multiple_of(4096) {
                    self.bar.set_position(self.seen);
                }
            }
            CounterMsg::Take(reply) => {
                let _ = reply.send(std::mem::take(&mut self.stats));
            }
        }
        Ok(())
    }
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    let options = ReaderOptions {
        format: args.format,
        policy: if args.strict { BadLinePolicy::Fail } else { BadLinePolicy::Skip },
        ..ReaderOptions::default()
    };
    let mut sources = Vec::new();
    for file in &args.files {
        sources.push(open_source(file, &options)?);
    }
    let mut source = merge(sources);
    if !args.symbols.is_empty() {
        let wanted = args.symbols.clone();
        source = Box::new(
            source.filter(move |t| t.as_ref().map_or(true, |t| wanted.contains(&t.symbol))),
        );
    }
    let node = Node::new("replay");
    if !args.stats_only {
        let config = crate::run::load_config(args.config.as_ref())?;
        mycelium_apps::pin_runtime_thread(&config);
        let registry = mycelium_strategies::StrategyRegistry::with_samples();
        let pipeline =
            mycelium_apps::Pipeline::start(&node, &config, &registry, source, args.speed).await?;
        let outcome = pipeline.finish(None).await?;
        print!("{}", mycelium_apps::summary::render(&outcome));
        if let Some(dir) = &args.report {
            crate::report_cmd::write_for_run(dir, "replay", args.config.as_deref(), &outcome)?;
        }
        return Ok(());
    }
    let counter = node.spawn_with(
        Counter { stats: FeedStats::new(), seen: 0, bar: crate::progress::counter("events") },
        SpawnOptions::new(),
    )?;
    let feed =
        node.spawn(Feed::new(source, args.speed).subscriber(counter.clone(), None, Policy::Block))?;
    let started = std::time::Instant::now();
    let reason = feed.join().await;
    let elapsed = started.elapsed();
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
        args.speed
    );
    node.shutdown(Duration::from_secs(5)).await;
    Ok(())
}
