//! `mycelium fidelity`: the fill-fidelity table. A seeded synthetic market-by-order (L3)
//! stream is replayed once; the same quoting rule trades on the exact L3 FIFO queues
//! (the truth) and on the derived L2 stream under each queue model, and the table
//! compares each model's fills with the truth's (`mycelium_execution::fidelity`).

use std::time::Instant;

use mycelium_execution::fidelity::{run as run_fidelity, FidelityConfig};
use mycelium_execution::latency_model::{Latency, OrderLatency};

/// `mycelium fidelity [--seed S] [--events N] [--quote-every N] [--latency-us U]`
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Seed of the synthetic L3 stream.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// L3 events to generate (about 740 per second of exchange time).
    #[arg(long, default_value_t = 2_000_000)]
    events: u64,
    /// The rule checks its quotes every this many L2 ticks.
    #[arg(long)]
    quote_every: Option<u64>,
    /// Order entry latency, µs of exchange time (default: 100, as the simulated exchange's).
    #[arg(long)]
    latency_us: Option<i64>,
}

pub(crate) fn run(args: Args) -> anyhow::Result<()> {
    let mut cfg = FidelityConfig::default();
    cfg.l3.seed = args.seed;
    anyhow::ensure!(
        args.events > cfg.warmup_events,
        "--events must be more than the {} events of warm-up (the book fills up first)",
        cfg.warmup_events
    );
    cfg.l3.events = args.events;
    if let Some(every) = args.quote_every {
        anyhow::ensure!(every > 0, "--quote-every must be at least 1");
        cfg.quote_every = every;
    }
    if let Some(us) = args.latency_us {
        anyhow::ensure!(us >= 0, "--latency-us must not be negative");
        let ns = us.saturating_mul(1_000);
        cfg.latency = OrderLatency::new(Latency::Constant(ns), Latency::Constant(ns));
    }
    let started = Instant::now();
    let report = run_fidelity(&cfg)?;
    print!("{report}");
    println!(
        "seed {}, {} events, quotes checked every {} L2 ticks, {:.2} s",
        cfg.l3.seed,
        cfg.l3.events,
        cfg.quote_every,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
