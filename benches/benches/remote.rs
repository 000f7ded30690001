//! Criterion: the wire (rkyv serialize into a reused buffer, validated zero-copy
//! access, deserialize, a fresh `to_bytes`) and remote round trips beside raw tokio
//! sockets with frames of the same size. Percentiles: the `remote_report` binary.

#![allow(missing_docs)] // criterion_group! generates undocumented items.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mycelium::remote::{access_payload, decode_payload, encode_payload};
use mycelium::Transport;
use mycelium_benches::remote::{self, Pair};
use mycelium_benches::Placement;
use mycelium_benches::Tick;
use rkyv::util::AlignedVec;

fn wire(c: &mut Criterion) {
    let mut g = c.benchmark_group("wire");
    g.throughput(Throughput::Elements(1));
    let tick = Tick::new(7);
    let mut buf = AlignedVec::new();
    g.bench_function("serialize_reused_buffer", |b| {
        b.iter(|| encode_payload(std::hint::black_box(&tick), &mut buf).expect("encode"))
    });
    encode_payload(&tick, &mut buf).expect("encode");
    g.bench_function("validated_access", |b| {
        b.iter(|| access_payload::<Tick>(std::hint::black_box(&buf)).expect("valid").seq)
    });
    g.bench_function("validate_and_deserialize", |b| {
        b.iter(|| decode_payload::<Tick>(std::hint::black_box(&buf)).expect("valid"))
    });
    g.bench_function("fresh_to_bytes", |b| {
        b.iter(|| {
            rkyv::to_bytes::<rkyv::rancor::Error>(std::hint::black_box(&tick)).expect("encode")
        })
    });
    g.finish();
}

fn round_trips(c: &mut Criterion) {
    let rt = Placement::CurrentThread.runtime();
    let frame = remote::frame_len();
    let mut g = c.benchmark_group("remote_rtt");
    g.throughput(Throughput::Elements(1));
    g.sample_size(20);
    for transport in [Transport::Unix, Transport::Tcp] {
        let label = transport.to_string();
        g.bench_function(BenchmarkId::new("raw_tokio_socket", &label), |b| {
            b.iter_custom(|n| timed(|| rt.block_on(remote::raw_rtt(transport, n, frame))))
        });
        for (name, busy) in [("mycelium_ask", false), ("mycelium_ask_busy_poll", true)] {
            let pair = rt.block_on(Pair::start(transport, busy));
            g.bench_function(BenchmarkId::new(name, &label), |b| {
                b.iter_custom(|n| timed(|| rt.block_on(remote::ask_rtt(&pair, n))))
            });
            rt.block_on(pair.stop());
        }
    }
    g.finish();
}

fn timed<T>(f: impl FnOnce() -> T) -> Duration {
    let start = Instant::now();
    let _ = f();
    start.elapsed()
}

criterion_group!(benches, wire, round_trips);
criterion_main!(benches);
