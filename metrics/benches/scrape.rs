//! Criterion: what one scrape costs at a trading desk's scale (50 actors with handler
//! and mailbox-wait histograms, 6 hops over 3 transports, 4 links, 8 strategies x 16
//! instruments), on one current_thread runtime: collecting (HDR to buckets), folding
//! labels and writing the text. Also one HDR-to-buckets conversion alone.
//!
//! `cargo bench -p mycelium-metrics --bench scrape`

#![allow(missing_docs)] // criterion_group! generates undocumented items.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use common::fake_node::{FakeNode, Shape};
use criterion::{criterion_group, criterion_main, Criterion};
use mycelium_metrics::{Buckets, Registry};

fn scrape(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let node = FakeNode::new(Shape::DESK, 1);
    let hdr = node.hop(4, 0).clone();
    let registry = Registry::new();
    registry.register(node);
    let text = rt.block_on(registry.scrape());
    let histograms = text.lines().filter(|l| l.contains("le=\"+Inf\"")).count();
    println!(
        "desk exposition: {} bytes, {} lines, {} histograms of {} buckets",
        text.len(),
        text.lines().count(),
        histograms,
        mycelium_metrics::latency_bounds().len() + 1
    );

    let mut g = c.benchmark_group("scrape");
    g.sample_size(20).measurement_time(Duration::from_secs(8));
    g.bench_function("desk_collect_fold_encode", |b| b.iter(|| rt.block_on(registry.scrape())));
    g.bench_function("buckets_from_hdr_20k_samples", |b| b.iter(|| Buckets::from_hdr(&hdr)));
    g.finish();
}

criterion_group!(benches, scrape);
criterion_main!(benches);
