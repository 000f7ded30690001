//! `mycelium record`: ticks into the project's binary recording format.

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;

use anyhow::Context as _;
use mycelium_market_data::{
    open_source, Format, ReaderOptions, RecordingWriter, SyntheticConfig, SyntheticSource,
};

/// `mycelium record --out FILE [--source synthetic|FILE] [--ticks N]`
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Where to write the recording.
    #[arg(long)]
    out: PathBuf,
    /// `synthetic`, or a recorded-data file (any supported format).
    #[arg(long, default_value = "synthetic")]
    source: String,
    /// How many ticks to record (default: 100000 for synthetic, all for a file).
    #[arg(long)]
    ticks: Option<u64>,
    /// Seed of the synthetic source.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Input format of a recorded-data file (auto, binance, tardis, quotes-csv).
    #[arg(long, default_value = "auto")]
    format: Format,
}

pub(crate) fn run(args: Args) -> anyhow::Result<()> {
    let source: mycelium_market_data::TickSource = if args.source == "synthetic" {
        let cfg = SyntheticConfig { seed: args.seed, ..SyntheticConfig::default() };
        let limit = args.ticks.unwrap_or(100_000) as usize;
        Box::new(SyntheticSource::new(cfg)?.take(limit).map(Ok))
    } else {
        let options = ReaderOptions { format: args.format, ..ReaderOptions::default() };
        let source = open_source(args.source.as_ref(), &options)?;
        match args.ticks {
            Some(n) => Box::new(source.take(n as usize)),
            None => source,
        }
    };
    let file =
        File::create(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let mut writer = RecordingWriter::new(BufWriter::new(file))?;
    let bar = super::progress::counter("ticks");
    let mut count = 0u64;
    for tick in source {
        writer.write(&tick?)?;
        count += 1;
        if count.is_multiple_of(4096) {
            bar.set_position(count);
        }
    }
    writer.finish()?;
    bar.finish_and_clear();
    println!("recorded {count} ticks to {}", args.out.display());
    Ok(())
}
