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
//! - [`journal`]: the event journal's group commit, append cost and recovery.
//! - [`fill`]: the fill comparison's capture, messages and report rows (`fill_peer`).
//! - [`Placement`]: which runtime a figure was measured on.
//! - [`interleaved`]: runs the implementations of one scenario in turns.

pub mod fill;
pub mod journal;
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

/// How many turns [`interleaved`] splits each implementation's run into.
pub const ROUNDS: u64 = 5;

/// A figure that one turn of a scenario gives and that adds up over turns.
pub trait Turns {
    /// Adds another turn's figure: latency samples merge, times add up.
    fn absorb(&mut self, other: Self);
}

impl Turns for Histogram<u64> {
    fn absorb(&mut self, other: Self) {
        self.add(other).expect("histograms of the same bounds");
    }
}

impl Turns for Duration {
    fn absorb(&mut self, other: Self) {
        *self += other;
    }
}

/// One implementation of a scenario: its name, and what runs it on `n` messages.
pub type Run<'a, T> = (&'a str, &'a mut dyn FnMut(u64) -> T);

/// Runs each implementation of a scenario [`ROUNDS`] times, in turn (A, B, C, A, B,
/// C, ...), each turn on `n / ROUNDS` messages, and merges each implementation's
/// turns. This host has slow and fast phases that last minutes and move a figure by
/// up to 1.5x; taken in turns, every implementation sees them alike, where one run
/// each would hand a phase to whichever ran during it.
pub fn interleaved<T: Turns>(n: u64, runs: &mut [Run<'_, T>]) -> Vec<T> {
    let per_turn = (n / ROUNDS).max(1);
    let mut merged: Vec<T> = runs.iter_mut().map(|(_, run)| run(per_turn)).collect();
    for _ in 1..ROUNDS {
        for (total, (_, run)) in merged.iter_mut().zip(runs.iter_mut()) {
            total.absorb(run(per_turn));
        }
    }
    merged
}

/// How long the ask scenarios allow for an answer: far above any real figure.
pub const ASK_TIMEOUT: Duration = Duration::from_secs(5);
