//! `mycelium record`: ticks into the project's binary recording format. It reads what
//! `replay` reads, with the same options, and records the synthetic feed of a config
//! as `run` publishes it, so replaying the recording trades as the run did.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use mycelium_apps::FeedSource;
use mycelium_market_data::{RecordingWriter, Speed, TickError, TickSource};

use super::source_args::ReadOptions;

/// `mycelium record --out FILE [FILE...] [--config C] [--ticks N] [--seed S] [--rate R]`
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Where to write the recording.
    #[arg(long)]
    out: PathBuf,
    /// Recorded-data files or recordings to record, merged in exchange-time order
    /// (default: the config's synthetic feed, as `mycelium run` publishes it).
    files: Vec<PathBuf>,
    #[command(flatten)]
    read: ReadOptions,
    /// The pipeline config whose synthetic `[feed]` is recorded (default: the
    /// embedded one).
    #[arg(long, conflicts_with = "files")]
    config: Option<PathBuf>,
    /// How many ticks to record (default: the config's `feed.ticks` for the synthetic
    /// feed, everything for files).
    #[arg(long)]
    ticks: Option<u64>,
    /// Seed of the synthetic feed (default: the config's).
    #[arg(long, conflicts_with = "files")]
    seed: Option<u64>,
    /// Ticks per second of the synthetic feed, which spaces their timestamps (default:
    /// the config's `feed.rate`).
    #[arg(long, conflicts_with = "files")]
    rate: Option<f64>,
}

pub(crate) fn run(args: Args) -> anyhow::Result<()> {
    let source = if args.files.is_empty() {
        let mut config = super::run::load_config(args.config.as_ref())?;
        if let Some(seed) = args.seed {
            config.feed.seed = seed;
        }
        if let Some(rate) = args.rate {
            config.feed.rate = rate;
            config.check("--rate")?;
        }
        FeedSource::synthetic(&config.feed, args.ticks.unwrap_or(config.feed.ticks))
    } else {
        args.read.source(&args.files, Speed::Max)
    };
    let bar = super::progress::bar();
    let (ticks, _) = source.open(&[], None, &bar)?;
    let unit = if args.files.is_empty() { "the ticks" } else { "the files" };
    super::progress::styled(&bar, unit);
    let limit = if args.files.is_empty() { None } else { args.ticks };
    let recorded = record(ticks, limit, &args.out);
    bar.finish_and_clear();
    match recorded {
        Ok((count, gaps)) => {
            let gaps = if gaps > 0 {
                format!(" ({gaps} sequence gaps in the source)")
            } else {
                String::new()
            };
            println!("recorded {count} ticks to {}{gaps}", args.out.display());
            Ok(())
        }
        Err(e) => {
            // An incomplete recording (it has no trailer) would be refused on replay;
            // leave none behind.
            let _ = std::fs::remove_file(&args.out);
            Err(e.context(format!("nothing recorded to {}", args.out.display())))
        }
    }
}

/// Writes the ticks of `source` (at most `limit`) to `out`; returns the ticks written
/// and the sequence gaps met (reported by the feed as well, never fatal).
fn record(source: TickSource, limit: Option<u64>, out: &Path) -> anyhow::Result<(u64, u64)> {
    let file = File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut writer = RecordingWriter::new(BufWriter::new(file))?;
    let (mut count, mut gaps) = (0u64, 0u64);
    for tick in source {
        if limit.is_some_and(|n| count >= n) {
            break;
        }
        match tick {
            Ok(tick) => writer.write(&tick)?,
            Err(TickError::Gap(gap)) => {
                tracing::warn!(%gap, "sequence gap in the source: diff not applied");
                gaps += 1;
                continue;
            }
            Err(e) => return Err(e.into()),
        }
        count += 1;
    }
    writer.finish()?;
    Ok((count, gaps))
}
