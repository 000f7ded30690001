//! Issue 9's comparison: Mycelium task and pinned actors beside raw tokio `mpsc`, a
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
use mycelium_benches::{myc, raw};

/// One measured figure.
enum Figure {
    /// Latency samples, ns.
    Latency(Histogram<u64>),
    /// Messages per second.
    Rate(f64),
}

impl Figure {
    fn rate(count: u64, d: Duration) -> Self {
        Figure::Rate(count as f64 / d.as_secs_f64())
    }

    fn cells(&self) -> String {
        match self {
            Figure::Latency(h) => {
                format!("{} ns | {} ns", h.value_at_quantile(0.5), h.value_at_quantile(0.99))
            }
            Figure::Rate(r) => format!("{:.2}M msgs/s | ", r / 1e6),
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
            (Figure::Rate(a), Figure::Rate(b)) => format!("{:.2}x", a / b),
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
            (Figure::Rate(a), Figure::Rate(b)) => {
                if a >= b {
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

struct Row {
    name: &'static str,
    placement: &'static str,
    base: Base,
    peer: bool,
    figure: Figure,
}

fn row(name: &'static str, placement: &'static str, base: Base, figure: Figure) -> Row {
    Row { name, placement, base, peer: false, figure }
}

fn peer(name: &'static str, placement: &'static str, figure: Figure) -> Row {
    Row { name, placement, base: Base::Tokio, peer: true, figure }
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

fn print_rows(scenario: &str, rows: &[Row], tokio: Option<usize>, spsc: Option<usize>) {
    let best_peer = rows.iter().filter(|r| r.peer).map(|r| &r.figure).reduce(Figure::better);
    for r in rows {
        let vs_peer = best_peer.map_or("n/a".to_string(), |b| r.figure.ratio(b));
        let base = match r.base {
            Base::Tokio => tokio,
            Base::Spsc => spsc,
        };
        let vs_raw = base.map_or("n/a".to_string(), |i| r.figure.ratio(&rows[i].figure));
        println!(
            "| {scenario} | {} | {} | {} | {vs_peer} | {vs_raw} |",
            r.name,
            r.placement,
            r.figure.cells()
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
         for pinned actors. Best peer: the best of actix, ractor, kameo (by p50 or rate)."
    );
    println!();
    println!("| scenario | implementation (API) | placement | p50 | p99 | vs best peer | vs raw baseline |");
    println!("|---|---|---|---:|---:|---:|---:|");

    let ask = format!("ask RTT, {asks} asks of a Tick");
    for AskPlacement { caller, one_thread, pinned: pinned_place, actix } in ASK_PLACEMENTS {
        let rows = [
            row(
                "raw tokio mpsc + oneshot",
                one_thread,
                Base::Tokio,
                Figure::Latency(rt.block_on(myc_same::raw_ask(asks, caller))),
            ),
            row(
                "raw SPSC rings (request + reply)",
                PINNED,
                Base::Spsc,
                Figure::Latency(spsc::ask(asks)),
            ),
            row(
                "mycelium task actor (ask)",
                one_thread,
                Base::Tokio,
                Figure::Latency(rt.block_on(myc_same::ask(asks, Mode::Task, caller))),
            ),
            row(
                "mycelium pinned actor (ask)",
                pinned_place,
                Base::Spsc,
                Figure::Latency(rt.block_on(myc_same::ask(asks, pinned, caller))),
            ),
            peer("actix (send().await)", actix, Figure::Latency(actix_peer::ask(asks, caller))),
            peer("ractor (call!)", one_thread, Figure::Latency(ractor_peer::ask(asks, caller))),
            peer("kameo (ask().await)", one_thread, Figure::Latency(kameo_peer::ask(asks, caller))),
        ];
        print_rows(&ask, &rows, Some(0), Some(1));
    }

    let tell = format!("tell {burst} fresh Arc<Tick>");
    let rows = [
        row(
            "raw tokio mpsc (send().await)",
            ONE_THREAD,
            Base::Tokio,
            Figure::rate(burst, rt.block_on(raw::throughput(burst))),
        ),
        row("raw SPSC ring (push)", PINNED, Base::Spsc, Figure::rate(burst, spsc::tell(burst))),
        row(
            "mycelium task actor (send().await)",
            ONE_THREAD,
            Base::Tokio,
            Figure::rate(burst, rt.block_on(myc::throughput(burst, Mode::Task))),
        ),
        row(
            "mycelium pinned actor (send().await)",
            PINNED,
            Base::Spsc,
            Figure::rate(burst, rt.block_on(myc::throughput(burst, pinned))),
        ),
        peer("actix (do_send)", ACTIX, Figure::rate(burst, actix_peer::tell(burst))),
        peer("ractor (cast)", ONE_THREAD, Figure::rate(burst, ractor_peer::tell(burst))),
        peer("kameo (tell().await)", ONE_THREAD, Figure::rate(burst, kameo_peer::tell(burst))),
    ];
    print_rows(&tell, &rows, Some(0), Some(1));

    let one = format!("one-way, {latency} stamped Arc<Tick>");
    let rows = [
        row(
            "raw tokio mpsc (send().await)",
            ONE_THREAD,
            Base::Tokio,
            Figure::Latency(rt.block_on(raw::one_way(latency))),
        ),
        row("raw SPSC ring (push)", PINNED, Base::Spsc, Figure::Latency(spsc::one_way(latency))),
        row(
            "mycelium task actor (send().await)",
            ONE_THREAD,
            Base::Tokio,
            Figure::Latency(rt.block_on(myc::one_way(latency, Mode::Task))),
        ),
        row(
            "mycelium pinned actor (send().await)",
            PINNED,
            Base::Spsc,
            Figure::Latency(rt.block_on(myc::one_way(latency, pinned))),
        ),
        peer("actix (do_send)", ACTIX, Figure::Latency(actix_peer::one_way(latency))),
        peer("ractor (cast)", ONE_THREAD, Figure::Latency(ractor_peer::one_way(latency))),
        peer("kameo (tell().await)", ONE_THREAD, Figure::Latency(kameo_peer::one_way(latency))),
    ];
    print_rows(&one, &rows, Some(0), Some(1));

    let ping = format!("ping-pong RTT, {latency} round trips of an Instant");
    let rows = [
        row(
            "raw tokio mpsc x2, two tasks (send().await)",
            ONE_THREAD,
            Base::Tokio,
            Figure::Latency(rt.block_on(raw::ping_pong(latency))),
        ),
        row(
            "mycelium task actors (send().await)",
            ONE_THREAD,
            Base::Tokio,
            Figure::Latency(rt.block_on(myc::ping_pong(latency, Mode::Task))),
        ),
        peer("actix (do_send)", ACTIX, Figure::Latency(actix_peer::ping_pong(latency))),
        peer("ractor (cast)", ONE_THREAD, Figure::Latency(ractor_peer::ping_pong(latency))),
        peer("kameo (tell().await)", ONE_THREAD, Figure::Latency(kameo_peer::ping_pong(latency))),
    ];
    print_rows(&ping, &rows, Some(0), None);

    let fan = format!("broadcast 1->{SUBSCRIBERS}, {ticks} Arc<Tick> (deliveries/s)");
    let deliveries = ticks * SUBSCRIBERS as u64;
    let rows = [
        row(
            "raw tokio mpsc x8 (send().await)",
            ONE_THREAD,
            Base::Tokio,
            Figure::rate(deliveries, rt.block_on(raw::broadcast(ticks, SUBSCRIBERS))),
        ),
        row(
            "mycelium Broadcast to task actors (send().await)",
            ONE_THREAD,
            Base::Tokio,
            Figure::rate(deliveries, rt.block_on(myc::broadcast(ticks, SUBSCRIBERS, Mode::Task))),
        ),
        peer(
            "actix (do_send x8)",
            ACTIX,
            Figure::rate(deliveries, actix_peer::broadcast(ticks, SUBSCRIBERS)),
        ),
        peer(
            "ractor (cast x8)",
            ONE_THREAD,
            Figure::rate(deliveries, ractor_peer::broadcast(ticks, SUBSCRIBERS)),
        ),
        peer(
            "kameo (tell().await x8)",
            ONE_THREAD,
            Figure::rate(deliveries, kameo_peer::broadcast(ticks, SUBSCRIBERS)),
        ),
    ];
    print_rows(&fan, &rows, Some(0), None);
}
