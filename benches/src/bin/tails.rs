//! The tails of the latency scenarios on a two-worker runtime, Mycelium beside raw
//! tokio.
//!
//! On two workers a p99 sits on a cliff: 1-3% of samples pay for waking the other
//! worker (several µs here), the rest take a same-worker hop (0.1-0.3 µs), so one
//! run's p99 lands on either side of that cliff depending on the host's phase as
//! much as on the code. One pair of runs decides nothing; many do.
//!
//! - `tails pair <scenario> [pairs] [n]` runs `pairs` (50) pairs of turns of `n`
//!   (50 000) samples on one runtime, raw tokio and Mycelium taking turns (the first
//!   of a pair alternating), prints each pair, then each side's samples pooled over
//!   all turns, how many pairs Mycelium won and the median ratio of a pair's p99s.
//!   Scenarios: `one-way`, `ping-pong`, `ask`, `ask-timeout` (raw tokio's ask
//!   bounded by a timeout, as Mycelium's always is) and `ask-by-send` (Mycelium's
//!   side asks as raw tokio does: a `oneshot` sent to the actor, no timeout).
//! - `tails control <scenario> [pairs] [n]` pairs raw tokio with itself: what the
//!   same code scores against itself is the noise a difference must stand above.
//! - `tails <raw|myc> <scenario> [n]` (200 000) runs one side alone, for
//!   `perf stat -e syscalls:sys_enter_write` to count how often a worker woke the
//!   other (a parked worker is woken through the I/O driver's eventfd).
//!
//! `cargo run --release -p mycelium-benches --bin tails -- pair ping-pong`

use std::process::ExitCode;

use hdrhistogram::Histogram;
use mycelium_benches::myc::{self, Mode};
use mycelium_benches::{histogram, raw, Placement};
use tokio::runtime::Runtime;

const USAGE: &str =
    "usage: tails <pair|control> <one-way|ping-pong|ask|ask-timeout|ask-by-send> [pairs] [n]\n       \
                     tails <raw|myc> <one-way|ping-pong|ask|ask-timeout|ask-by-send> [n]";

/// Above this a sample paid for a wake-up of the other worker (a same-worker hop
/// takes well under it, a wake-up several µs).
const SLOW_NS: u64 = 1_000;

#[derive(Clone, Copy, PartialEq)]
enum Side {
    Raw,
    Myc,
}

impl Side {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "raw" => Some(Side::Raw),
            "myc" => Some(Side::Myc),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Side::Raw => "raw tokio",
            Side::Myc => "mycelium",
        }
    }

    fn short(self) -> &'static str {
        match self {
            Side::Raw => "raw",
            Side::Myc => "myc",
        }
    }
}

#[derive(Clone, Copy)]
enum Scenario {
    OneWay,
    PingPong,
    Ask,
    /// Raw tokio's ask bounded by `tokio::time::timeout`, as Mycelium's always is.
    AskTimeout,
    /// Mycelium's side asks as raw tokio does, over a `oneshot` sent to the actor.
    AskBySend,
}

impl Scenario {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "one-way" => Some(Scenario::OneWay),
            "ping-pong" => Some(Scenario::PingPong),
            "ask" => Some(Scenario::Ask),
            "ask-timeout" => Some(Scenario::AskTimeout),
            "ask-by-send" => Some(Scenario::AskBySend),
            _ => None,
        }
    }

    fn run(self, side: Side, rt: &Runtime, n: u64) -> Histogram<u64> {
        match (side, self) {
            (Side::Raw, Scenario::OneWay) => rt.block_on(raw::one_way(n)),
            (Side::Raw, Scenario::PingPong) => rt.block_on(raw::ping_pong(n)),
            (Side::Raw, Scenario::Ask | Scenario::AskBySend) => rt.block_on(raw::ask(n, false)),
            (Side::Raw, Scenario::AskTimeout) => rt.block_on(raw::ask(n, true)),
            (Side::Myc, Scenario::OneWay) => rt.block_on(myc::one_way(n, Mode::Task)),
            (Side::Myc, Scenario::PingPong) => rt.block_on(myc::ping_pong(n, Mode::Task)),
            (Side::Myc, Scenario::Ask | Scenario::AskTimeout) => {
                rt.block_on(myc::ask(n, Mode::Task))
            }
            (Side::Myc, Scenario::AskBySend) => rt.block_on(myc::ask_by_send(n, Mode::Task)),
        }
    }
}

/// The share of samples above `ns`, in percent.
fn share_above(h: &Histogram<u64>, ns: u64) -> f64 {
    let above: u64 =
        h.iter_recorded().filter(|v| v.value_iterated_to() > ns).map(|v| v.count_at_value()).sum();
    above as f64 * 100.0 / h.len().max(1) as f64
}

/// Percentiles; the mean of the fast samples (a same-worker hop's cost: the share of
/// slow samples grows with it, as a run of the same length then holds fewer samples);
/// the share of slow samples and, apart from how many there are, where they sit
/// (their median).
fn describe(h: &Histogram<u64>) -> String {
    let fast_mean = {
        let (sum, count) = h.iter_recorded().filter(|v| v.value_iterated_to() <= SLOW_NS).fold(
            (0, 0),
            |(sum, count), v| {
                (sum + v.value_iterated_to() * v.count_at_value(), count + v.count_at_value())
            },
        );
        sum as f64 / count.max(1) as f64
    };
    let slow_median = {
        let slow: Vec<(u64, u64)> = h
            .iter_recorded()
            .filter(|v| v.value_iterated_to() > SLOW_NS)
            .map(|v| (v.value_iterated_to(), v.count_at_value()))
            .collect();
        let half = slow.iter().map(|(_, c)| c).sum::<u64>().div_ceil(2);
        let mut seen = 0;
        slow.into_iter()
            .find(|(_, count)| {
                seen += count;
                seen >= half
            })
            .map_or(0, |(value, _)| value)
    };
    format!(
        "p50 {} p90 {} p99 {} p99.9 {} max {} ns; mean {:.0} ns, under 1 µs {:.0} ns; {:.2}% \
         over 1 µs (their median {} ns), {:.2}% over 5 µs",
        h.value_at_quantile(0.5),
        h.value_at_quantile(0.9),
        h.value_at_quantile(0.99),
        h.value_at_quantile(0.999),
        h.max(),
        h.mean(),
        fast_mean,
        share_above(h, SLOW_NS),
        slow_median,
        share_above(h, 5_000),
    )
}

/// `turns` pairs of turns, `sides[0]` (the baseline) and `sides[1]` taking turns, the
/// first of a pair alternating.
fn pair(scenario: Scenario, sides: [Side; 2], turns: u64, n: u64) {
    let rt = Placement::TwoWorkers.runtime();
    let names =
        if sides[0] == sides[1] { ["A", "B"] } else { [sides[0].short(), sides[1].short()] };
    let mut pooled = [histogram(), histogram()];
    let mut wins = 0;
    let mut ratios = Vec::new();
    println!("{turns} pairs of turns of {n} samples, 2 workers, one runtime");
    for turn in 0..turns {
        let order = if turn % 2 == 0 { [0, 1] } else { [1, 0] };
        let mut p99 = [0; 2];
        let mut slow = [0.0; 2];
        let mut max = [0; 2];
        for i in order {
            let h = scenario.run(sides[i], &rt, n);
            p99[i] = h.value_at_quantile(0.99);
            slow[i] = share_above(&h, SLOW_NS);
            max[i] = h.max();
            pooled[i].add(&h).expect("histograms of the same bounds");
        }
        if p99[1] <= p99[0] {
            wins += 1;
        }
        ratios.push(p99[1] as f64 / p99[0].max(1) as f64);
        println!(
            "pair {:>2}: p99 {a} {:>6} ns, {b} {:>6} ns; over 1 µs {a} {:.2}%, {b} {:.2}%; \
             max {a} {} ns, {b} {} ns",
            turn + 1,
            p99[0],
            p99[1],
            slow[0],
            slow[1],
            max[0],
            max[1],
            a = names[0],
            b = names[1],
        );
    }
    ratios.sort_by(f64::total_cmp);
    for (i, h) in pooled.iter().enumerate() {
        println!("pooled {}: {}", names[i], describe(h));
    }
    println!(
        "{b}'s p99 at or under {a}'s in {wins} of {turns} pairs; median ratio of a pair's \
         p99s ({b} / {a}) {:.2}x, pooled p99s {:.2}x",
        ratios[ratios.len() / 2],
        pooled[1].value_at_quantile(0.99) as f64 / pooled[0].value_at_quantile(0.99).max(1) as f64,
        a = names[0],
        b = names[1],
    );
}

fn parse_count(arg: Option<&String>, default: u64) -> Option<u64> {
    arg.map_or(Some(default), |a| a.parse().ok())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let scenario = args.get(1).and_then(|s| Scenario::parse(s));
    match (args.first().map(String::as_str), scenario) {
        (Some(mode @ ("pair" | "control")), Some(scenario)) => {
            let sides = if mode == "pair" { [Side::Raw, Side::Myc] } else { [Side::Raw; 2] };
            if let (Some(turns), Some(n)) =
                (parse_count(args.get(2), 50), parse_count(args.get(3), 50_000))
            {
                pair(scenario, sides, turns.max(1), n.max(1));
                return ExitCode::SUCCESS;
            }
        }
        (Some(side), Some(scenario)) => {
            if let (Some(side), Some(n)) = (Side::parse(side), parse_count(args.get(2), 200_000)) {
                let h = scenario.run(side, &Placement::TwoWorkers.runtime(), n.max(1));
                println!("{}, 2 workers, {n} samples: {}", side.name(), describe(&h));
                return ExitCode::SUCCESS;
            }
        }
        _ => {}
    }
    eprintln!("{USAGE}");
    ExitCode::FAILURE
}
