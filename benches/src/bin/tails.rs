//! One implementation of one latency scenario on a two-worker runtime, for looking
//! at its tail: percentiles, and the share of samples slower than 1 and 5 µs. Run it
//! under `perf stat -e syscalls:sys_enter_write` to count how often a worker woke
//! the other (a parked worker is woken through the I/O driver's eventfd).
//!
//! `cargo run --release -p mycelium-benches --bin tails -- <raw|myc> <one-way|ping-pong|ask> [n]`

use std::process::ExitCode;

use hdrhistogram::Histogram;
use mycelium_benches::myc::{self, Mode};
use mycelium_benches::{raw, Placement};

/// The share of samples above `ns`, in percent.
fn share_above(h: &Histogram<u64>, ns: u64) -> f64 {
    let above: u64 =
        h.iter_recorded().filter(|v| v.value_iterated_to() > ns).map(|v| v.count_at_value()).sum();
    above as f64 * 100.0 / h.len().max(1) as f64
}

const USAGE: &str = "usage: tails <raw|myc> <one-way|ping-pong|ask> [n]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (implementation, scenario, n) = match args.as_slice() {
        [i, s] => (i, s, Ok(200_000)),
        [i, s, n] => (i, s, n.parse::<u64>()),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    let Ok(n) = n else {
        eprintln!("n must be a number of samples\n{USAGE}");
        return ExitCode::FAILURE;
    };
    let rt = Placement::TwoWorkers.runtime();
    let h = match (implementation.as_str(), scenario.as_str()) {
        ("raw", "one-way") => rt.block_on(raw::one_way(n)),
        ("raw", "ping-pong") => rt.block_on(raw::ping_pong(n)),
        ("raw", "ask") => rt.block_on(raw::ask(n, false)),
        ("myc", "one-way") => rt.block_on(myc::one_way(n, Mode::Task)),
        ("myc", "ping-pong") => rt.block_on(myc::ping_pong(n, Mode::Task)),
        ("myc", "ask") => rt.block_on(myc::ask(n, Mode::Task)),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "{implementation} {scenario}, 2 workers, {n} samples: p50 {} p90 {} p99 {} p99.9 {} \
         max {} ns; over 1 µs {:.2}%, over 5 µs {:.2}%",
        h.value_at_quantile(0.5),
        h.value_at_quantile(0.9),
        h.value_at_quantile(0.99),
        h.value_at_quantile(0.999),
        h.max(),
        share_above(&h, 1_000),
        share_above(&h, 5_000),
    );
    ExitCode::SUCCESS
}
