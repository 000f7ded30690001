//! Criterion: Mycelium actors beside raw tokio mpsc, same work, same run, on one
//! current_thread runtime and on two workers. Means per message; for percentiles see
//! the `local_report` binary (`scripts/bench.sh`).

#![allow(missing_docs)] // criterion_group! generates undocumented items.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mycelium_benches::myc::Mode;
use mycelium_benches::{myc, raw, Placement};

fn per_message(c: &mut Criterion) {
    for placement in Placement::ALL {
        let rt = placement.runtime();
        let mut g = c.benchmark_group(format!("local/{}", placement.label()));
        g.throughput(Throughput::Elements(1));
        g.bench_function(BenchmarkId::new("ping_pong", "raw_tokio"), |b| {
            b.iter_custom(|n| timed(|| rt.block_on(raw::ping_pong(n))))
        });
        g.bench_function(BenchmarkId::new("ping_pong", "mycelium"), |b| {
            b.iter_custom(|n| timed(|| rt.block_on(myc::ping_pong(n, Mode::Task))))
        });
        g.bench_function(BenchmarkId::new("ask", "raw_tokio"), |b| {
            b.iter_custom(|n| timed(|| rt.block_on(raw::ask(n, false))))
        });
        g.bench_function(BenchmarkId::new("ask", "mycelium"), |b| {
            b.iter_custom(|n| timed(|| rt.block_on(myc::ask(n, Mode::Task))))
        });
        g.bench_function(BenchmarkId::new("tell", "raw_tokio"), |b| {
            b.iter_custom(|n| rt.block_on(raw::throughput(n)))
        });
        g.bench_function(BenchmarkId::new("tell", "mycelium"), |b| {
            b.iter_custom(|n| rt.block_on(myc::throughput(n, Mode::Task)))
        });
        g.bench_function(BenchmarkId::new("broadcast_1_to_8", "raw_tokio"), |b| {
            b.iter_custom(|n| rt.block_on(raw::broadcast(n, 8)))
        });
        g.bench_function(BenchmarkId::new("broadcast_1_to_8", "mycelium"), |b| {
            b.iter_custom(|n| rt.block_on(myc::broadcast(n, 8, Mode::Task)))
        });
        g.finish();
    }
}

/// Times a whole run (setup included; it is small beside thousands of messages).
fn timed<T>(f: impl FnOnce() -> T) -> Duration {
    let start = Instant::now();
    let _ = f();
    start.elapsed()
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = per_message
}
criterion_main!(benches);
