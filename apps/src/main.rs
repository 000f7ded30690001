//! The `mycelium` command line: a thin layer over the workspace's libraries.
//!
//! # Layout
//! - `run`: `mycelium run` (the pipeline on the synthetic feed) and `mycelium config`.
//! - `replay`: `mycelium replay`, recorded market data through the feed.
//! - `record`: `mycelium record`, ticks into the project's binary recording format.
//! - `report_cmd`: `mycelium report`, and the `--report DIR` of run and replay.
//! - `node_cmd`: `mycelium node`, one node of the pipeline split across processes or hosts.
//! - `progress`: a progress bar on a terminal, nothing when output is piped.

mod node_cmd;
mod progress;
mod record;
mod replay;
mod report_cmd;
mod run;
mod signals;
mod source_args;

use clap::{Parser, Subcommand};

/// mimalloc rather than glibc's allocator: a replay allocates ticks on its reader
/// threads and frees them on the runtime's, and glibc serves each such free under
/// the allocating thread's arena lock, so the threads queued on each other (ten
/// copies of the capture's recording replayed at 4.1M events/s with glibc, 5.4M with
/// mimalloc; docs/BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Mycelium: an actor runtime and a trading stack on it.
#[derive(Parser)]
#[command(name = "mycelium", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the trading pipeline on the synthetic feed and print a summary.
    Run(run::Args),
    /// Print the default pipeline config (TOML) to start from.
    Config,
    /// Replay recorded market data through the feed actor.
    Replay(replay::Args),
    /// Record ticks (synthetic or from recorded data) into a binary recording.
    Record(record::Args),
    /// Merge latency reports (`--report DIR`) per hop, or compare two.
    Report(report_cmd::Args),
    /// Run one node of a cluster file (the pipeline split across processes or hosts).
    Node(node_cmd::Args),
}

/// Tasks between two looks at timers and I/O on a node with busy-poll links.
const BUSY_EVENT_INTERVAL: u32 = 4;

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
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
        Command::Report(args) => report_cmd::run(args),
        Command::Node(args) => rt.block_on(node_cmd::run(args)),
    }
}
