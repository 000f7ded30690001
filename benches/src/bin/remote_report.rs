//! The remote scenarios: ask round trips and tell streams between two
//! Mycelium nodes over loopback Unix and TCP sockets, in default and busy-poll link
//! modes, beside raw tokio sockets (and busy-polled std sockets) carrying frames of
//! the same size. Prints Markdown tables.
//!
//! `cargo run --release -p mycelium-benches --bin remote_report [-- --quick]`; for
//! profiling one scenario alone: `-- --busy-ask-only` (busy-poll asks over Unix) or
//! `-- --stream-only` (a 3M-tick stream over Unix).

use std::time::Duration;

use hdrhistogram::Histogram;
use mycelium::Transport;
use mycelium_benches::remote::{self, Pair};
use mycelium_benches::Placement;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    // `--busy-ask-only`: just busy-poll asks over Unix, for profiling.
    if std::env::args().any(|a| a == "--busy-ask-only") {
        let rt = Placement::CurrentThread.runtime();
        let h = rt.block_on(async {
            let pair = Pair::start(Transport::Unix, true).await;
            let h = remote::ask_rtt(&pair, 100_000).await;
            pair.stop().await;
            h
        });
        println!("p50 {} ns, p99 {} ns", h.value_at_quantile(0.5), h.value_at_quantile(0.99));
        return;
    }
    // `--stream-only`: just the Mycelium Unix stream, for profiling.
    if std::env::args().any(|a| a == "--stream-only") {
        let rt = Placement::CurrentThread.runtime();
        let d = rt.block_on(async {
            let pair = Pair::start(Transport::Unix, false).await;
            let d = remote::stream(&pair, 3_000_000).await;
            pair.stop().await;
            d
        });
        println!("{:.2}M msgs/s", 3e6 / d.as_secs_f64() / 1e6);
        return;
    }
    let (rtts, burst) = if quick { (5_000, 200_000) } else { (50_000, 1_000_000) };
    let frame = remote::frame_len();
    let rt = Placement::CurrentThread.runtime();
    println!("Frames of {frame} bytes (48-byte header, rkyv MarketTick-sized payload, padding). One process, two threads, each with its own current_thread runtime: the server side (Mycelium server node, raw echo task, raw reader) on one, the client side on the other, as two processes would be.");
    println!();
    println!(
        "| scenario | transport | implementation | p50 | p99 | p99.9 | vs raw tokio socket (p50) |"
    );
    println!("|---|---|---|---:|---:|---:|---:|");
    for transport in [Transport::Unix, Transport::Tcp] {
        let raw = rt.block_on(remote::raw_rtt(transport, rtts, frame));
        let spin = remote::raw_spin_rtt(transport, rtts, frame);
        let default = rt.block_on(async {
            let pair = Pair::start(transport, false).await;
            let h = remote::ask_rtt(&pair, rtts).await;
            pair.stop().await;
            h
        });
        let busy = rt.block_on(async {
            let pair = Pair::start(transport, true).await;
            let h = remote::ask_rtt(&pair, rtts).await;
            pair.stop().await;
            h
        });
        rows(
            "round trip",
            transport,
            &[
                ("raw tokio socket, echo task", raw),
                ("raw std socket, busy-polled threads", spin),
                ("mycelium ask, default link", default),
                ("mycelium ask, busy-poll link", busy),
            ],
        );
    }
    println!();
    println!("| scenario | transport | implementation | msgs/s | vs raw tokio socket |");
    println!("|---|---|---|---:|---:|");
    for transport in [Transport::Unix, Transport::Tcp] {
        let raw = rt.block_on(remote::raw_stream(transport, burst, frame, 64));
        let myc = rt.block_on(async {
            let pair = Pair::start(transport, false).await;
            let d = remote::stream(&pair, burst).await;
            pair.stop().await;
            d
        });
        let rate = |d: Duration| burst as f64 / d.as_secs_f64();
        let base = rate(raw);
        for (name, d) in [
            ("raw tokio socket, 64 frames per write", raw),
            ("mycelium tell stream, default link", myc),
        ] {
            println!(
                "| stream of {burst} ticks | {transport} | {name} | {:.2}M | {:.2}x |",
                rate(d) / 1e6,
                rate(d) / base
            );
        }
    }
}

fn rows(scenario: &str, transport: Transport, rows: &[(&str, Histogram<u64>)]) {
    let base = rows[0].1.value_at_quantile(0.5) as f64;
    for (name, h) in rows {
        let q = |q| h.value_at_quantile(q);
        println!(
            "| {scenario} | {transport} | {name} | {:.1} µs | {:.1} µs | {:.1} µs | {:.2}x |",
            q(0.5) as f64 / 1e3,
            q(0.99) as f64 / 1e3,
            q(0.999) as f64 / 1e3,
            q(0.5) as f64 / base
        );
    }
}
