//! `mycelium journal verify|inspect|export DIR`: execution's journal, read without
//! changing it (safe beside a running execution: its unfinished batch shows as a
//! torn tail).

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
#[cfg(feature = "parquet")]
use mycelium_apps::blotter::parquet;
use mycelium_apps::blotter::{write_csv, Blotter};
use mycelium_execution::{CancelAction, Input, OrderOptions};
use mycelium_journal::{Codec, Reader, Rkyv};

/// `mycelium journal verify|inspect|export DIR`
#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Check every record and snapshot; print the record count, the first and last
    /// sequence, the exchange-time span and any torn tail. Damage is an error naming
    /// its file and byte offset.
    Verify {
        /// The journal directory.
        dir: PathBuf,
    },
    /// Print the records, one line each: sequence, byte offset, input.
    Inspect {
        /// The journal directory.
        dir: PathBuf,
        /// Start at this sequence.
        #[arg(long, default_value_t = 1)]
        from: u64,
        /// Print at most this many records.
        #[arg(long)]
        limit: Option<u64>,
    },
    /// Export a trade blotter: every order (with its last status) or every fill,
    /// replayed from the journal.
    #[command(group(clap::ArgGroup::new("what").required(true).args(["orders", "fills"])))]
    Export {
        /// The journal directory.
        dir: PathBuf,
        /// One row per order.
        #[arg(long)]
        orders: bool,
        /// One row per fill.
        #[arg(long)]
        fills: bool,
        /// The output format.
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
        /// Write to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    /// Comma-separated, a header line; fees as exact decimal text.
    Csv,
    /// Parquet, typed columns (fees as DECIMAL(38,18)); needs `--out`.
    #[cfg(feature = "parquet")]
    Parquet,
}

pub(crate) fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Verify { dir } => verify(&dir),
        Command::Inspect { dir, from, limit } => inspect(&dir, from, limit),
        Command::Export { dir, orders, fills: _, format, out } => {
            let blotter = Blotter::read(&dir)?;
            let out: Box<dyn std::io::Write + Send> = match &out {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("cannot create {}", path.display()))?,
                )),
                #[cfg(feature = "parquet")]
                None if matches!(format, Format::Parquet) => {
                    anyhow::bail!("--format parquet writes a file: give it with --out FILE")
                }
                None => Box::new(std::io::stdout()),
            };
            match (format, orders) {
                (Format::Csv, true) => write_csv(&blotter.orders, out),
                (Format::Csv, false) => write_csv(&blotter.fills, out),
                #[cfg(feature = "parquet")]
                (Format::Parquet, true) => parquet::write_orders(&blotter.orders, out),
                #[cfg(feature = "parquet")]
                (Format::Parquet, false) => parquet::write_fills(&blotter.fills, out),
            }
        }
    }
}

fn verify(dir: &std::path::Path) -> anyhow::Result<()> {
    let report = Reader::open(dir)?.verify(|payload| {
        Rkyv::<Input>::decode(payload).ok().and_then(|input| input.exchange_ts_ns())
    })?;
    println!("journal {}", dir.display());
    print!("{report}");
    if let (Some(a), Some(b)) = (report.first_time, report.last_time) {
        println!("exchange time: {:.3} s from first record to last", (b - a) as f64 / 1e9);
    }
    Ok(())
}

fn inspect(dir: &std::path::Path, from: u64, limit: Option<u64>) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut shown = 0;
    let result = Reader::open(dir)?.visit(|r| -> anyhow::Result<()> {
        if r.seq < from || limit.is_some_and(|l| shown >= l) {
            return Ok(());
        }
        shown += 1;
        let input = Rkyv::<Input>::decode(r.payload)
            .map_err(|e| anyhow::anyhow!("record {} does not decode: {e}", r.seq))?;
        writeln!(out, "#{} @{} {}", r.seq, r.offset, describe(&input))?;
        Ok(())
    });
    out.flush()?;
    if let Some(t) = result?.torn_tail {
        println!(
            "torn tail: {} bytes at {} byte {} ({})",
            t.dropped_bytes,
            t.path.display(),
            t.offset,
            t.reason
        );
    }
    Ok(())
}

/// One line for an input.
fn describe(input: &Input) -> String {
    match input {
        Input::Config(json) => format!("config {json}"),
        Input::Register { strategy, live } => {
            format!("register {strategy}{}", if *live { " (live)" } else { "" })
        }
        Input::Tick { seq, tick: None } => format!("tick {seq} (no data)"),
        Input::Tick { seq, tick: Some(t) } => {
            format!("tick {seq} {} ts={} {:?}", t.symbol, t.exchange_ts_ns, t.event)
        }
        Input::Step { strategy, seq, orders, cancels } => {
            let mut line = format!("step {strategy} for tick {seq}");
            for o in orders {
                line += &format!(
                    "; order #{} {} {:?} {:?} {} @ {}",
                    o.client_order_id.0,
                    o.symbol,
                    o.side,
                    o.kind,
                    o.qty,
                    o.limit_px.map_or("market".to_owned(), |p| p.to_string()),
                );
                let OrderOptions { post_only, reduce_only, expire_at_ns } = o.options;
                if post_only {
                    line += " post-only";
                }
                if reduce_only {
                    line += " reduce-only";
                }
                if let Some(ts) = expire_at_ns {
                    line += &format!(" until ts={ts}");
                }
            }
            for c in cancels {
                line += &match c.action {
                    CancelAction::Cancel => format!("; cancel #{}", c.client_order_id.0),
                    CancelAction::Amend { qty, limit_px } => {
                        format!("; amend #{} to {qty} @ {limit_px}", c.client_order_id.0)
                    }
                    CancelAction::CancelAll => format!("; cancel all {}", c.symbol),
                };
            }
            line
        }
        Input::Unregister { strategy } => format!("unregister {strategy}"),
        Input::AdvanceTo(ts) => format!("advance to ts={ts}"),
        Input::FeedRestart => "feed restart (the barrier starts again from tick 1)".to_owned(),
    }
}
