//! Shared scenarios for the Mycelium benches: each scenario exists once for Mycelium
//! actors and once for raw `tokio::sync::mpsc` doing the same work, so the two are
//! measured in the same run with the same message types.
//!
//! Latency scenarios record one sample per message into an HDR histogram (each
//! sample pays ~23 ns for `Instant::now()` on both sides alike); throughput scenarios
//! time a whole burst.
//!
//! # Layout
//! - `tick`: the MarketTick-sized message.
//! - [`myc`]: the scenarios on Mycelium actors.
//! - [`raw`]: the same scenarios on raw tokio channels and tasks.
//! - [`remote`]: two nodes over loopback sockets, beside raw sockets.
//! - [`Placement`]: which runtime a figure was measured on.

pub mod myc;
#[cfg(feature = "peers")]
pub mod peers;
pub mod raw;
pub mod remote;
mod tick;

use std::time::Duration;

use hdrhistogram::Histogram;
pub use tick::Tick;

/// Where the scenario runs: the wake-up cost between two vCPUs (15-25 µs here) makes
/// this the first thing to know about any figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// One `current_thread` runtime: sender and receiver share one thread.
    CurrentThread,
    /// A multi-thread runtime with two workers.
    TwoWorkers,
}

impl Placement {
    /// Both placements.
    pub const ALL: [Placement; 2] = [Placement::CurrentThread, Placement::TwoWorkers];

    /// A short label for tables.
    pub fn label(self) -> &'static str {
        match self {
            Placement::CurrentThread => "current_thread",
            Placement::TwoWorkers => "2 workers",
        }
    }

    /// A runtime of this placement.
    pub fn runtime(self) -> tokio::runtime::Runtime {
        let mut b = match self {
            Placement::CurrentThread => tokio::runtime::Builder::new_current_thread(),
            Placement::TwoWorkers => {
                let mut b = tokio::runtime::Builder::new_multi_thread();
                b.worker_threads(2);
                b
            }
        };
        b.enable_all().build().expect("a tokio runtime")
    }
}

/// A histogram for nanosecond samples.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("valid histogram bounds")
}

/// Records `d` in nanoseconds.
#[inline]
pub fn record(h: &mut Histogram<u64>, d: Duration) {
    h.saturating_record(d.as_nanos() as u64);
}

/// How long the ask scenarios allow for an answer: far above any real figure.
pub const ASK_TIMEOUT: Duration = Duration::from_secs(5);
