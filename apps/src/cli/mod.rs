//! The command line's parsing and its commands, each a thin layer over the library.
//!
//! # Layout
//! - `run`: `mycelium run` (the pipeline on the synthetic feed) and `mycelium config`.
//! - `replay`: `mycelium replay`, recorded market data through the pipeline (or the
//!   feed alone, for per-symbol statistics).
//! - `feed_latency`: `mycelium replay --feed-latency`, per-symbol feed latency of
//!   recorded files.
//! - `record`: `mycelium record`, ticks into the project's binary recording format.
//! - `report`: `mycelium report`, and the `--report DIR` of run, replay and node.
//! - `journal`: `mycelium journal verify|inspect|export`, execution's journal.
//! - `fidelity`: `mycelium fidelity`, each queue model's fills against an exact L3
//!   FIFO simulation of the same orders on a seeded synthetic stream.
//! - `node`: `mycelium node`, one node of the pipeline split across processes or hosts.
//! - `source_args`: the recorded-input options shared by replay, record and node.
//! - `metrics_arg`: `--metrics [ADDR]`, the Prometheus endpoint of run, replay and node.
//! - `signals`: stopping in order on SIGINT or SIGTERM.
//! - `progress`: a progress bar on a terminal, nothing when output is not one.
//! - `logging`: `-v` / `-q`, and colour only on a terminal.

mod feed_latency;
mod fidelity;
mod journal;
mod logging;
mod metrics_arg;
mod node;
mod progress;
mod record;
mod replay;
mod report;
mod run;
mod signals;
mod source_args;

use clap::{Parser, Subcommand};

/// Mycelium: an actor runtime and a trading stack on it. Run the simulated trading
/// pipeline, replay or record market data, split the pipeline across processes or
/// hosts, and read its latency reports.
#[derive(Parser)]
#[command(name = "mycelium", version)]
struct Cli {
    #[command(flatten)]
    logging: logging::Args,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the trading pipeline on the synthetic feed and print a summary.
    Run(run::Args),
    /// Print the default pipeline config (TOML) to start from.
    Config,
    /// Replay recorded market data through the trading pipeline (or count it).
    Replay(replay::Args),
    /// Record ticks (synthetic or from recorded data) into a binary recording.
    Record(record::Args),
    /// Merge latency reports (`--report DIR`) per hop, or compare two.
    Report(report::Args),
    /// Run one node of a cluster file (the pipeline split across processes or hosts).
    Node(node::Args),
    /// Check, print or export execution's journal (`--journal DIR` of run, replay, node).
    Journal(journal::Args),
    /// Measure each queue model's fills against the exact L3 FIFO truth (seeded).
    Fidelity(fidelity::Args),
}

/// Tasks between two looks at timers and I/O on a node with busy-poll links.
const BUSY_EVENT_INTERVAL: u32 = 4;

/// Parses the command line and runs the command.
pub(crate) fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    cli.logging.init();
    // One thread for the actors: the feed and its subscribers hand ticks over without
    // waking a parked thread on the other vCPU (15-25 us here). Gzip decompression runs
    // on its own thread inside the reader.
    let mut builder = tokio::runtime::Builder::new_current_thread();
    if let Command::Node(args) = &cli.command {
        // A busy-poll link's reader never lets the runtime idle, and an idle runtime is
        // where timers and I/O readiness are checked between tasks; check them every
        // few tasks instead of every 61, so a paced feed's timer is not late.
        if args.busy_poll_here()? {
            builder.event_interval(BUSY_EVENT_INTERVAL);
        }
    }
    let rt = builder.enable_all().build()?;
    match cli.command {
        Command::Run(args) => rt.block_on(run::run(args)),
        Command::Config => {
            run::print_config();
            Ok(())
        }
        Command::Replay(args) => rt.block_on(replay::run(args)),
        Command::Record(args) => record::run(args),
        Command::Report(args) => report::run(args),
        Command::Node(args) => rt.block_on(node::run(args)),
        Command::Journal(args) => journal::run(args),
        Command::Fidelity(args) => fidelity::run(args),
    }
}
