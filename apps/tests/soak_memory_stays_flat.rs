//! A short soak: two nodes over TCP, the feed as fast as it can go (overload: the
//! strategy and execution cannot keep up), for a few seconds. Memory stays flat,
//! because every queue on the way is bounded and backpressure reaches the feed; the
//! nodes then stop on their deadline and exit 0. A long soak is the same with a
//! longer `--duration` (docs/BENCHMARKS.md).
mod cluster_support;

use std::time::{Duration, Instant};

use cluster_support::*;

#[test]
fn memory_stays_flat_under_overload() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Execution keeps the last `max_terminal_orders` finished orders (to answer a
    // resent one with its status): a bounded history, sized here to fill within the
    // warm-up, so what is measured after it is the queues.
    let pipeline = pipeline(1_000_000_000).replace(
        "order_latency_ns = 100000",
        "order_latency_ns = 100000\nmax_terminal_orders = 4096",
    );
    let cluster = two_nodes_tcp(dir.path(), free_addr(), free_addr(), &pipeline);
    let run = Duration::from_secs(8);
    let deadline = format!("{}s", run.as_secs());
    let venue = start(&cluster, "venue", &["--duration", &deadline]);
    let trader = start(&cluster, "trader", &["--duration", &deadline]);
    let started = Instant::now();
    let mut samples: Vec<(Duration, u64, u64)> = Vec::new();
    while started.elapsed() < run - Duration::from_millis(500) {
        std::thread::sleep(Duration::from_millis(250));
        if let (Some(t), Some(v)) = (trader.rss_kib(), venue.rss_kib()) {
            samples.push((started.elapsed(), t, v));
        }
    }
    let (trader, venue) = (finish(trader), finish(venue));
    assert!(trader.success, "trader failed:\n{}\n{}", trader.stdout, trader.stderr);
    assert!(venue.success, "venue failed:\n{}\n{}", venue.stdout, venue.stderr);
    assert!(venue.stdout.contains("stopped early"), "{}", venue.stdout);
    assert!(count(&venue.stdout, "orders") > 0, "{}", venue.stdout);

    // After a warm-up of two seconds, neither process grows by more than 8 MiB.
    let warm: Vec<_> = samples.iter().filter(|(t, _, _)| *t >= Duration::from_secs(2)).collect();
    assert!(warm.len() >= 8, "too few samples: {samples:?}");
    let (first_t, first_v) = (warm[0].1, warm[0].2);
    let (max_t, max_v) = warm.iter().fold((0, 0), |(t, v), s| (t.max(s.1), v.max(s.2)));
    assert!(max_t <= first_t + 8 * 1024, "trader grew from {first_t} to {max_t} KiB: {samples:?}");
    assert!(max_v <= first_v + 8 * 1024, "venue grew from {first_v} to {max_v} KiB: {samples:?}");
}
