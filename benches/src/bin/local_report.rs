//! Runs every local scenario on both placements, Mycelium beside raw tokio, and prints
//! a Markdown table of HDR percentiles and throughput with ratios to raw tokio.
//!
//! `cargo run --release -p mycelium-benches --bin local_report [-- --quick]`

use std::time::Duration;

use hdrhistogram::Histogram;
use mycelium_benches::myc::Mode;
use mycelium_benches::{interleaved, myc, raw, Placement, Run, ROUNDS};

struct Sizes {
    latency: u64,
    burst: u64,
    broadcast: u64,
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let sizes = if quick {
        Sizes { latency: 20_000, burst: 200_000, broadcast: 20_000 }
    } else {
        Sizes { latency: 200_000, burst: 1_000_000, broadcast: 100_000 }
    };
    println!(
        "Each implementation of a scenario runs in {ROUNDS} turns, taken in turn with the \
         others', and its figure merges its turns (see `interleaved`)."
    );
    println!();
    // The mean beside the p50: this host's clock ticks in 10 ns steps, so a p50 lands
    // on a multiple of 10 ns, and a gap of a few nanoseconds shows only in the mean.
    println!(
        "| scenario | placement | implementation | p50 | p99 | p99.9 | mean | vs raw tokio (p50 / mean) |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|");
    for placement in Placement::ALL {
        let rt = placement.runtime();
        let label = placement.label();
        let n = sizes.latency;
        latency_rows(
            "one-way",
            label,
            n,
            &mut [
                ("raw tokio mpsc", &mut |n| rt.block_on(raw::one_way(n))),
                ("mycelium (default: timing off)", &mut |n| {
                    rt.block_on(myc::one_way(n, Mode::Task))
                }),
                ("mycelium, timing on", &mut |n| rt.block_on(myc::one_way(n, Mode::Timed))),
            ],
        );
        latency_rows(
            "ping-pong RTT",
            label,
            n,
            &mut [
                ("raw tokio mpsc", &mut |n| rt.block_on(raw::ping_pong(n))),
                ("mycelium (default: timing off)", &mut |n| {
                    rt.block_on(myc::ping_pong(n, Mode::Task))
                }),
                ("mycelium, timing on", &mut |n| rt.block_on(myc::ping_pong(n, Mode::Timed))),
            ],
        );
        latency_rows(
            "ask RTT",
            label,
            n,
            &mut [
                ("raw tokio mpsc + oneshot", &mut |n| rt.block_on(raw::ask(n, false))),
                ("raw tokio mpsc + oneshot + timeout", &mut |n| rt.block_on(raw::ask(n, true))),
                ("mycelium ask (default: timing off)", &mut |n| {
                    rt.block_on(myc::ask(n, Mode::Task))
                }),
                ("mycelium ask, timing on", &mut |n| rt.block_on(myc::ask(n, Mode::Timed))),
            ],
        );
    }
    // Hot-path actors: each on its own pinned thread, busy-polling (the runtime thread
    // only waits); the baseline is raw tokio on two workers, the other way to cross
    // cores.
    let rt = Placement::CurrentThread.runtime();
    let two = Placement::TwoWorkers.runtime();
    let n = sizes.latency;
    let pinned = "across cores";
    latency_rows(
        "one-way",
        pinned,
        n,
        &mut [
            ("raw tokio mpsc, 2 workers", &mut |n| two.block_on(raw::one_way(n))),
            ("mycelium pinned actor (spinning)", &mut |n| {
                rt.block_on(myc::one_way(n, Mode::Pinned(1)))
            }),
        ],
    );
    latency_rows(
        "ping-pong RTT",
        pinned,
        n,
        &mut [
            ("raw tokio mpsc, 2 workers", &mut |n| two.block_on(raw::ping_pong(n))),
            ("mycelium pinned actors (spinning)", &mut |n| {
                rt.block_on(myc::ping_pong(n, Mode::Pinned(1)))
            }),
        ],
    );
    drop((rt, two));
    println!();
    println!("| scenario | placement | implementation | msgs/s | vs raw tokio |");
    println!("|---|---|---|---:|---:|");
    for placement in Placement::ALL {
        let rt = placement.runtime();
        let (n, b) = (sizes.burst, sizes.broadcast);
        let turn = n / ROUNDS;
        rate_rows(
            &format!("tell, {ROUNDS} bursts of {turn} Arc<Tick>"),
            placement,
            n,
            1,
            &mut [
                ("raw tokio mpsc", &mut |n| rt.block_on(raw::throughput(n))),
                ("mycelium (default: timing off)", &mut |n| {
                    rt.block_on(myc::throughput(n, Mode::Task))
                }),
                ("mycelium, timing on", &mut |n| rt.block_on(myc::throughput(n, Mode::Timed))),
            ],
        );
        rate_rows(
            &format!("broadcast 1->8, {b} ticks (deliveries/s)"),
            placement,
            b,
            8,
            &mut [
                ("raw tokio mpsc x8", &mut |b| rt.block_on(raw::broadcast(b, 8))),
                ("mycelium Broadcast (default: timing off)", &mut |b| {
                    rt.block_on(myc::broadcast(b, 8, Mode::Task))
                }),
                ("mycelium Broadcast, timing on", &mut |b| {
                    rt.block_on(myc::broadcast(b, 8, Mode::Timed))
                }),
            ],
        );
    }
}

fn ns(h: &Histogram<u64>, q: f64) -> u64 {
    h.value_at_quantile(q)
}

fn latency_rows(scenario: &str, placement: &str, n: u64, runs: &mut [Run<'_, Histogram<u64>>]) {
    let hists = interleaved(n, runs);
    let (base, base_mean) = (ns(&hists[0], 0.5) as f64, hists[0].mean());
    for ((name, _), h) in runs.iter().zip(&hists) {
        println!(
            "| {scenario} | {placement} | {name} | {} ns | {} ns | {} ns | {:.0} ns | {:.2}x / {:.2}x |",
            ns(h, 0.5),
            ns(h, 0.99),
            ns(h, 0.999),
            h.mean(),
            ns(h, 0.5) as f64 / base,
            h.mean() / base_mean
        );
    }
}

/// `n` items per implementation in all, each delivered `fan_out` times.
fn rate_rows(
    scenario: &str,
    placement: Placement,
    n: u64,
    fan_out: u64,
    runs: &mut [Run<'_, Duration>],
) {
    let times = interleaved(n, runs);
    let count = (n / ROUNDS).max(1) * ROUNDS * fan_out;
    let rate = |d: &Duration| count as f64 / d.as_secs_f64();
    let base = rate(&times[0]);
    for ((name, _), s) in runs.iter().zip(&times) {
        println!(
            "| {scenario} | {} | {name} | {:.2}M | {:.2}x |",
            placement.label(),
            rate(s) / 1e6,
            rate(s) / base
        );
    }
}
