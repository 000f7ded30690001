//! Comparison benches: Mycelium task and pinned actors beside raw tokio
//! `mpsc`, a raw spinning SPSC ring between two threads, and the peer runtimes actix
//! 0.13, ractor 0.16 and kameo 0.22, all with the same messages ([`Tick`] by value for
//! asks, `Arc<Tick>`s for everything else). Built only with `--features peers`.
//!
//! Each scenario is a plain function that builds its own runtime (or threads), so the
//! report can call them one after another in one process. Asks run twice: with the
//! caller as the runtime's `block_on` future and as a spawned task ([`Caller`]).
//!
//! | runtime | ask API | tell API (tell, one-way, ping-pong, broadcast) | placement |
//! |---|---|---|---|
//! | Mycelium task actor | `ActorRef::ask` (always with a timeout) | `ActorRef::send().await` (bounded); broadcast by `Broadcast::send().await` | one `current_thread` runtime |
//! | Mycelium pinned actor | same | `ActorRef::send().await` (tell and one-way only) | caller on a `current_thread` runtime, actor on its own thread pinned to core 1, spinning |
//! | raw tokio | `mpsc` + `oneshot` | `mpsc::Sender::send().await` (bounded); ping-pong over two channels, broadcast over one channel per subscriber | one `current_thread` runtime |
//! | SPSC ring | request ring + reply ring | `Producer::push`, spinning when full (tell and one-way only) | caller on the main thread, other side on a thread pinned to core 1, spinning |
//! | actix | `Addr::send().await` | `Addr::do_send` (ignores the mailbox bound) | its own `actix::System` (a `current_thread` runtime + `LocalSet`); caller inside `System::block_on` or a task spawned on it, same thread |
//! | ractor | `call!` | `ActorRef::cast` (unbounded mailbox) | one `current_thread` runtime |
//! | kameo | `ActorRef::ask().await` | `ActorRef::tell().await` (bounded, 64) | one `current_thread` runtime |
//!
//! The scenarios besides ask, as in [`crate::raw`] and [`crate::myc`]:
//! - tell: a burst of fresh `Arc<Tick>`s to one actor, timed until it has handled all.
//! - one-way: the caller (the `block_on` future) tells a stamped `Arc<Tick>`, the
//!   actor records the time since the stamp ([`Stamps`]), the caller yields until it
//!   has, then sends the next.
//! - ping-pong: a pinger and a ponger tell each other a timestamp from inside their
//!   handlers, the pinger recording each round trip ([`Rounds`]). The ponger learns
//!   the pinger's address from a first message; the caller starts the run with a tell
//!   and gets the samples back by a `oneshot` (neither is timed).
//! - broadcast 1->8: each tick is one `Arc<Tick>`, cloned to 8 subscriber actors;
//!   timed until all 8 have handled all ticks.
//!
//! [`Tick`]: crate::Tick

pub mod actix_peer;
pub mod kameo_peer;
pub mod myc_same;
pub mod ractor_peer;
pub mod spsc;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use hdrhistogram::Histogram;
use tokio::sync::oneshot;

use crate::{histogram, record};

/// The core the pinned side (Mycelium pinned actor, SPSC consumer) runs on.
pub const PINNED_CORE: usize = 1;

/// Where the asking loop runs: in the runtime's `block_on` future, or in a task
/// spawned on the same thread, as an actor or a request handler asking would. A
/// `block_on` future is woken through the runtime's driver, which costs each runtime
/// alike (~250 ns here); a task is woken through the run queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// The loop is the `block_on` future.
    BlockOn,
    /// The loop is a task spawned on the same thread.
    Task,
}

impl Caller {
    /// Runs `asks` as this caller says.
    pub async fn run<F>(self, asks: F) -> F::Output
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            Self::BlockOn => asks.await,
            Self::Task => tokio::spawn(asks).await.expect("caller task"),
        }
    }
}

/// A `current_thread` Tokio runtime.
pub fn current_thread() -> tokio::runtime::Runtime {
    crate::Placement::CurrentThread.runtime()
}

/// A one-way sink's state: the one-way samples, and the delivery count the caller
/// waits on ([`crate::raw::wait_for`]).
pub struct Stamps {
    hist: Histogram<u64>,
    received: Arc<AtomicU64>,
}

impl Stamps {
    /// No samples yet; deliveries are counted in `received`.
    pub fn new(received: Arc<AtomicU64>) -> Self {
        Self { hist: histogram(), received }
    }

    /// Records the time since `sent` and counts the delivery.
    pub fn record(&mut self, sent: Instant) {
        record(&mut self.hist, sent.elapsed());
        self.received.fetch_add(1, Ordering::Release);
    }

    /// The samples so far.
    pub fn take(&mut self) -> Histogram<u64> {
        std::mem::replace(&mut self.hist, histogram())
    }
}

/// A pinger's state: rounds left, the round-trip samples, and where they go when the
/// last pong is in.
pub struct Rounds {
    left: u64,
    hist: Histogram<u64>,
    done: Option<oneshot::Sender<Histogram<u64>>>,
}

impl Rounds {
    /// `n` (at least 1) round trips, the samples to `done` after the last.
    pub fn new(n: u64, done: oneshot::Sender<Histogram<u64>>) -> Self {
        Self { left: n, hist: histogram(), done: Some(done) }
    }

    /// Records the round trip of a pong carrying `sent`: true if another ping is due,
    /// false once the samples have gone to `done`.
    pub fn pong(&mut self, sent: Instant) -> bool {
        record(&mut self.hist, sent.elapsed());
        self.left = self.left.saturating_sub(1);
        if self.left > 0 {
            return true;
        }
        if let Some(done) = self.done.take() {
            let _ = done.send(std::mem::replace(&mut self.hist, histogram()));
        }
        false
    }
}
