//! The peer comparison: Mycelium task and pinned actors beside raw tokio `mpsc`, a
//! raw spinning SPSC ring, and the peers actix 0.13, ractor 0.16 and kameo 0.22, same
//! messages, same run: ask RTT, tell burst, one-way latency, ping-pong RTT and 1->8
//! broadcast (the last two without pinned rows). Prints one Markdown table; each
//! figure has its ratio to the best peer and to its raw baseline (tokio `mpsc` for
//! task actors and peers, the SPSC ring for pinned actors).
//!
//! `cargo run --release -p mycelium-benches --features peers --bin peer_report [-- --quick]`

use std::time::Duration;

use hdrhistogram::Histogram;
use mycelium_benches::myc::Mode;
use mycelium_benches::peers::{
    actix_peer, current_thread, kameo_peer, myc_same, ractor_peer, spsc, Caller, PINNED_CORE,
};
use mycelium_benches::{interleaved, myc, raw, Run, Turns, ROUNDS};

/// One measured figure.
enum Figure {
    /// Latency samples, ns.
    Latency(Histogram<u64>),
    /// Messages per second: this many messages in this long.
    Rate(u64, Duration),
}

impl Turns for Figure {
    fn absorb(&mut self, other: Self) {
        match (self, other) {
            (Figure::Latency(a), Figure::Latency(b)) => a.absorb(b),
            (Figure::Rate(count, d), Figure::Rate(more, longer)) => {
                *count += more;
                *d += longer;
            }
            _ => unreachable!("one implementation measures one kind of figure"),
        }
    }
}

impl Figure {
    fn per_second(count: u64, d: Duration) -> f64 {
        count as f64 / d.as_secs_f64()
    }

    fn cells(&self) -> String {
        match self {
            Figure::Latency(h) => {
                format!("{} ns | {} ns", h.value_at_quantile(0.5), h.value_at_quantile(0.99))
            }
            Figure::Rate(count, d) => {
                format!("{:.2}M msgs/s | ", Self::per_second(*count, *d) / 1e6)
            }
        }
    }

    /// `self` over `other`: p50 and p99 ratios for latency (below 1 = faster), the
    /// rate ratio for throughput (above 1 = faster).
    fn ratio(&self, other: &Figure) -> String {
        match (self, other) {
            (Figure::Latency(a), Figure::Latency(b)) => {
                let q = |h: &Histogram<u64>, q| h.value_at_quantile(q) as f64;
                format!("{:.2}x / {:.2}x", q(a, 0.5) / q(b, 0.5), q(a, 0.99) / q(b, 0.99))
            }
            (Figure::Rate(a, da), Figure::Rate(b, db)) => {
                format!("{:.2}x", Self::per_second(*a, *da) / Self::per_second(*b, *db))
            }
            _ => unreachable!("ratio of a latency to a rate"),
        }
    }

    /// The better of two figures of one kind (by p50 for latency).
    fn better<'a>(&'a self, other: &'a Figure) -> &'a Figure {
        match (self, other) {
            (Figure::Latency(a), Figure::Latency(b)) => {
                if a.value_at_quantile(0.5) <= b.value_at_quantile(0.5) {
                    self
                } else {
                    other
                }
            }
            (Figure::Rate(a, da), Figure::Rate(b, db)) => {
                if Self::per_second(*a, *da) >= Self::per_second(*b, *db) {
                    self
                } else {
                    other
                }
            }
            _ => unreachable!("comparing a latency to a rate"),
        }
    }
}

/// Which raw baseline a row is compared with.
#[derive(Clone, Copy, PartialEq)]
enum Base {
    Tokio,
    Spsc,
}

/// One implementation of a scenario, and what measures it on `n` messages.
struct Row<'a> {
    name: &'static str,
    placement: &'static str,
    base: Base,
    peer: bool,
    run: Box<dyn FnMut(u64) -> Figure + 'a>,
}

fn row<'a>(
    name: &'static str,
    placement: &'static str,
    base: Base,
    run: impl FnMut(u64) -> Figure + 'a,
) -> Row<'a> {
    Row { name, placement, base, peer: false, run: Box::new(run) }
}

fn peer<'a>(
    name: &'static str,
    placement: &'static str,
    run: impl FnMut(u64) -> Figure + 'a,
) -> Row<'a> {
    Row { name, placement, base: Base::Tokio, peer: true, run: Box::new(run) }
}

/// The broadcast's fan-out.
const SUBSCRIBERS: usize = 8;

const ONE_THREAD: &str = "current_thread";
const PINNED: &str = "pinned, spinning, across cores";
const ACTIX: &str = "own actix System (current_thread)";

/// The placements of the ask rows, by where the asking loop runs.
struct AskPlacement {
    caller: Caller,
    one_thread: &'static str,
    pinned: &'static str,
    actix: &'static str,
}

const ASK_PLACEMENTS: [AskPlacement; 2] = [
    AskPlacement {
        caller: Caller::BlockOn,
        one_thread: "current_thread, caller in block_on",
        pinned: "pinned, spinning, across cores; caller in block_on",
        actix: "own actix System (current_thread), caller in block_on",
    },
    AskPlacement {
        caller: Caller::Task,
        one_thread: "current_thread, caller a task",
        pinned: "pinned, spinning, across cores; caller a task",
        actix: "own actix System (current_thread), caller a task",
    },
];

/// Measures `rows` in turns on `n` messages each (see [`interleaved`]) and prints
/// them; `tokio` and `spsc` are the rows of the raw baselines.
fn print_rows(
    scenario: &str,
    n: u64,
    rows: &mut [Row<'_>],
    tokio: Option<usize>,
    spsc: Option<usize>,
) {
    let mut runs: Vec<Run<'_, Figure>> =
        rows.iter_mut().map(|r| (r.name, &mut *r.run as &mut dyn FnMut(u64) -> Figure)).collect();
    let figures = interleaved(n, &mut runs);
    let best_peer =
        rows.iter().zip(&figures).filter(|(r, _)| r.peer).map(|(_, f)| f).reduce(Figure::better);
    for (r, figure) in rows.iter().zip(&figures) {
        let vs_peer = best_peer.map_or("n/a".to_string(), |b| figure.ratio(b));
        let base = match r.base {
            Base::Tokio => tokio,
            Base::Spsc => spsc,
        };
        let vs_raw = base.map_or("n/a".to_string(), |i| figure.ratio(&figures[i]));
        println!(
            "| {scenario} | {} | {} | {} | {vs_peer} | {vs_raw} |",
            r.name,
            r.placement,
            figure.cells()
        );
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (asks, burst, latency, ticks) = if quick {
        (20_000, 200_000, 20_000, 20_000)
    } else {
        (200_000, 1_000_000, 200_000, 100_000)
    };
    let pinned = Mode::Pinned(PINNED_CORE);
    let rt = current_thread();

    println!(
        "Ratios: p50 / p99 for latency (below 1x = faster), rate for throughput (above \
         1x = faster). Raw baseline: tokio mpsc for task actors and peers, the SPSC ring \
         for pinned actors. Best peer: the best of actix, ractor, kameo (by p50 or rate). \
         Each implementation of a scenario runs in {ROUNDS} turns, taken in turn with the \
         others', and its figure merges its turns."
    );
    println!();
    println!("| scenario | implementation (API) | placement | p50 | p99 | vs best peer | vs raw baseline |");
    println!("|---|---|---|---:|---:|---:|---:|");

    let ask = format!("ask RTT, {asks} asks of a Tick");
    for AskPlacement { caller, one_thread, pinned: pinned_place, actix } in ASK_PLACEMENTS {
        let mut rows = [
            row("raw tokio mpsc + oneshot", one_thread, Base::Tokio, |n| {
                Figure::Latency(rt.block_on(myc_same::raw_ask(n, caller)))
            }),
            row("raw SPSC rings (request + reply)", PINNED, Base::Spsc, |n| {
                Figure::Latency(spsc::ask(n))
            }),
            row("mycelium task actor (ask)", one_thread, Base::Tokio, |n| {
                Figure::Latency(rt.block_on(myc_same::ask(n, Mode::Task, caller)))
            }),
            row("mycelium pinned actor (ask)", pinned_place, Base::Spsc, |n| {
                Figure::Latency(rt.block_on(myc_same::ask(n, pinned, caller)))
            }),
            peer("actix (send().await)", actix, |n| Figure::Latency(actix_peer::ask(n, caller))),
            peer("ractor (call!)", one_thread, |n| Figure::Latency(ractor_peer::ask(n, caller))),
            peer("kameo (ask().await)", one_thread, |n| {
                Figure::Latency(kameo_peer::ask(n, caller))
            }),
        ];
        print_rows(&ask, asks, &mut rows, Some(0), Some(1));
    }

    let tell = format!("tell, {ROUNDS} bursts of {} fresh Arc<Tick>", burst / ROUNDS);
    let mut rows = [
        row("raw tokio mpsc (send().await)", ONE_THREAD, Base::Tokio, |n| {
            Figure::Rate(n, rt.block_on(raw::throughput(n)))
        }),
        row("raw SPSC ring (push)", PINNED, Base::Spsc, |n| Figure::Rate(n, spsc::tell(n))),
        row("mycelium task actor (send().await)", ONE_THREAD, Base::Tokio, |n| {
            Figure::Rate(n, rt.block_on(myc::throughput(n, Mode::Task)))
        }),
        row("mycelium pinned actor (send().await)", PINNED, Base::Spsc, |n| {
            Figure::Rate(n, rt.block_on(myc::throughput(n, pinned)))
        }),
        peer("actix (do_send)", ACTIX, |n| Figure::Rate(n, actix_peer::tell(n))),
        peer("ractor (cast)", ONE_THREAD, |n| Figure::Rate(n, ractor_peer::tell(n))),
        peer("kameo (tell().await)", ONE_THREAD, |n| Figure::Rate(n, kameo_peer::tell(n))),
    ];
    print_rows(&tell, burst, &mut rows, Some(0), Some(1));

    let one = format!("one-way, {latency} stamped Arc<Tick>");
    let mut rows = [
        row("raw tokio mpsc (send().await)", ONE_THREAD, Base::Tokio, |n| {
            Figure::Latency(rt.block_on(raw::one_way(n)))
        }),
        row("raw SPSC ring (push)", PINNED, Base::Spsc, |n| Figure::Latency(spsc::one_way(n))),
        row("mycelium task actor (send().await)", ONE_THREAD, Base::Tokio, |n| {
            Figure::Latency(rt.block_on(myc::one_way(n, Mode::Task)))
        }),
        row("mycelium pinned actor (send().await)", PINNED, Base::Spsc, |n| {
            Figure::Latency(rt.block_on(myc::one_way(n, pinned)))
        }),
        peer("actix (do_send)", ACTIX, |n| Figure::Latency(actix_peer::one_way(n))),
        peer("ractor (cast)", ONE_THREAD, |n| Figure::Latency(ractor_peer::one_way(n))),
        peer("kameo (tell().await)", ONE_THREAD, |n| Figure::Latency(kameo_peer::one_way(n))),
    ];
    print_rows(&one, latency, &mut rows, Some(0), Some(1));

    let ping = format!("ping-pong RTT, {latency} round trips of an Instant");
    let mut rows = [
        row("raw tokio mpsc x2, two tasks (send().await)", ONE_THREAD, Base::Tokio, |n| {
            Figure::Latency(rt.block_on(raw::ping_pong(n)))
        }),
        row("mycelium task actors (send().await)", ONE_THREAD, Base::Tokio, |n| {
            Figure::Latency(rt.block_on(myc::ping_pong(n, Mode::Task)))
        }),
        peer("actix (do_send)", ACTIX, |n| Figure::Latency(actix_peer::ping_pong(n))),
        peer("ractor (cast)", ONE_THREAD, |n| Figure::Latency(ractor_peer::ping_pong(n))),
        peer("kameo (tell().await)", ONE_THREAD, |n| Figure::Latency(kameo_peer::ping_pong(n))),
    ];
    print_rows(&ping, latency, &mut rows, Some(0), None);

    let fan = format!("broadcast 1->{SUBSCRIBERS}, {ticks} Arc<Tick> (deliveries/s)");
    let mut rows = [
        row("raw tokio mpsc x8 (send().await)", ONE_THREAD, Base::Tokio, |n| {
            Figure::Rate(n * SUBSCRIBERS as u64, rt.block_on(raw::broadcast(n, SUBSCRIBERS)))
        }),
        row("mycelium Broadcast to task actors (send().await)", ONE_THREAD, Base::Tokio, |n| {
            Figure::Rate(
                n * SUBSCRIBERS as u64,
                rt.block_on(myc::broadcast(n, SUBSCRIBERS, Mode::Task)),
            )
        }),
        peer("actix (do_send x8)", ACTIX, |n| {
            Figure::Rate(n * SUBSCRIBERS as u64, actix_peer::broadcast(n, SUBSCRIBERS))
        }),
        peer("ractor (cast x8)", ONE_THREAD, |n| {
            Figure::Rate(n * SUBSCRIBERS as u64, ractor_peer::broadcast(n, SUBSCRIBERS))
        }),
        peer("kameo (tell().await x8)", ONE_THREAD, |n| {
            Figure::Rate(n * SUBSCRIBERS as u64, kameo_peer::broadcast(n, SUBSCRIBERS))
        }),
    ];
    print_rows(&fan, ticks, &mut rows, Some(0), None);
}
