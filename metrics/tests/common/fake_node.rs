//! A collector shaped like a trading node's: every family of the catalogue, with the
//! labels a real node would give them, and histograms from HDR histograms of
//! known samples. The promtool test, the real-Prometheus test and the scrape bench
//! use it.
#![allow(dead_code, unreachable_pub, missing_docs)]

use futures_util::future::BoxFuture;
use futures_util::FutureExt as _;
use hdrhistogram::Histogram;
use mycelium_metrics::catalogue::*;
use mycelium_metrics::{
    ActorFigures, Batch, CollectError, Collector, FeedFigures, LinkFigures, TradingFigures,
};
use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;

/// How big the node is.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub actors: usize,
    pub peers: usize,
    pub strategies: usize,
    pub instruments: usize,
    /// Samples per histogram.
    pub samples: usize,
}

impl Shape {
    pub const SMALL: Shape =
        Shape { actors: 3, peers: 2, strategies: 2, instruments: 2, samples: 2_000 };
    /// The scale the scrape's cost is measured at.
    pub const DESK: Shape =
        Shape { actors: 50, peers: 4, strategies: 8, instruments: 16, samples: 20_000 };
}

/// The node's figures, fixed at construction.
pub struct FakeNode {
    shape: Shape,
    actors: Vec<String>,
    peers: Vec<String>,
    strategies: Vec<String>,
    instruments: Vec<String>,
    handler: Vec<Histogram<u64>>,
    wait: Vec<Histogram<u64>>,
    rtt: Vec<Histogram<u64>>,
    /// By hop, then transport.
    hops: Vec<Vec<Histogram<u64>>>,
}

/// A sample of a lognormal distribution with the given median and shape, in ns.
pub fn lognormal_ns(rng: &mut ChaCha8Rng, median_ns: f64, sigma: f64) -> u64 {
    // Box-Muller: a standard normal from two uniforms.
    let (u1, u2): (f64, f64) = (rng.random_range(f64::EPSILON..1.0), rng.random());
    let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    (median_ns * (sigma * z).exp()).round().max(1.0) as u64
}

fn histogram_of(rng: &mut ChaCha8Rng, n: usize, median_ns: f64, sigma: f64) -> Histogram<u64> {
    let mut h = super::runtime_histogram();
    for _ in 0..n {
        h.saturating_record(lognormal_ns(rng, median_ns, sigma));
    }
    h
}

impl FakeNode {
    pub fn new(shape: Shape, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let names =
            |prefix: &str, n: usize| (0..n).map(|i| format!("{prefix}-{i}")).collect::<Vec<_>>();
        let n = shape.samples;
        FakeNode {
            shape,
            actors: names("actor", shape.actors),
            peers: names("node", shape.peers),
            strategies: names("strategy", shape.strategies),
            instruments: names("INST", shape.instruments),
            handler: (0..shape.actors).map(|_| histogram_of(&mut rng, n, 800.0, 0.6)).collect(),
            wait: (0..shape.actors).map(|_| histogram_of(&mut rng, n, 2_000.0, 1.0)).collect(),
            rtt: (0..shape.peers).map(|_| histogram_of(&mut rng, n, 40_000.0, 0.4)).collect(),
            hops: HOPS
                .iter()
                .enumerate()
                .map(|(i, _)| {
                    TRANSPORTS
                        .iter()
                        .map(|_| histogram_of(&mut rng, n, 500.0 * (i + 1) as f64, 0.8))
                        .collect()
                })
                .collect(),
        }
    }

    /// The HDR histogram of `hop` over `transport`.
    pub fn hop(&self, hop: usize, transport: usize) -> &Histogram<u64> {
        &self.hops[hop][transport]
    }

    /// Every family of the catalogue, as a node of this shape would report it.
    pub fn batch(&self) -> Batch {
        let mut b = Batch::new();
        for (i, actor) in self.actors.iter().enumerate() {
            b.actor(&ActorFigures {
                actor,
                handled: 1_000 * i as u64,
                restarts: (i % 3) as u64,
                mailbox_depth: i % 7,
                mailbox_high_water: Some(10 + i),
                handler_ns: Some(&self.handler[i]),
                mailbox_wait_ns: Some(&self.wait[i]),
            });
        }
        for reason in ["panicked", "stopped", "no_route"] {
            b.counter(&DEAD_LETTERS, [reason], 2u64);
        }
        for (i, peer) in self.peers.iter().enumerate() {
            b.link(&LinkFigures {
                peer,
                up: true,
                sent_frames: 5_000,
                received_frames: 4_000,
                sent_bytes: 640_000,
                received_bytes: 512_000,
                reconnects: i as u64,
                losses: i as u64,
                resent_frames: 3,
                duplicate_frames: 1,
                sequence_gaps: 0,
                outbound_queue_depth: 4,
                heartbeat_rtt_ns: &self.rtt[i],
            });
        }
        b.counter(&HANDSHAKE_REFUSALS, ["bad_proof"], 1u64);
        for (h, hop) in HOPS.iter().enumerate() {
            for (t, transport) in TRANSPORTS.iter().enumerate() {
                b.hop(hop, transport, &self.hops[h][t]);
            }
        }
        for strategy in &self.strategies {
            for instrument in &self.instruments {
                b.trading(&TradingFigures {
                    strategy,
                    instrument,
                    currency: "USDT",
                    orders: 120,
                    fills: 80,
                    rejects: &[("max_quantity", 2), ("price_collar", 1)],
                    position: -0.5,
                    realized_pnl: 12.25,
                    unrealized_pnl: -3.5,
                    fees: 0.75,
                });
            }
        }
        for symbol in &self.instruments {
            b.feed(&FeedFigures { symbol, ticks: 100_000, conflated_ticks: 10, sequence_gaps: 0 });
        }
        b
    }

    pub fn shape(&self) -> Shape {
        self.shape
    }
}

impl Collector for FakeNode {
    fn name(&self) -> &str {
        "node"
    }

    fn collect(&self) -> BoxFuture<'_, Result<Batch, CollectError>> {
        futures_util::future::ready(Ok(self.batch())).boxed()
    }
}
