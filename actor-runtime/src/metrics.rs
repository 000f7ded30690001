//! Per-actor figures, recorded by the actor's own task with no shared atomics per
//! message, and read through the node with a signal (off the hot path).

use std::time::Duration;

use hdrhistogram::Histogram;

/// Highest value the latency histograms track: a minute, in nanoseconds. Larger values
/// are clamped into the top bucket.
const MAX_TRACKED_NS: u64 = 60_000_000_000;

/// Two significant digits: 1% resolution, about 30 KiB per histogram. Three digits
/// would cost 200 KiB per histogram, per actor.
const SIGFIGS: u8 = 2;

/// A snapshot of one actor's figures.
#[derive(Debug, Clone)]
pub struct ActorMetrics {
    /// Messages handled, over all instances.
    pub handled: u64,
    /// Instances started after the first (restarts by a supervisor).
    pub restarts: u64,
    /// Messages waiting in the mailbox when the snapshot was taken.
    pub mailbox_depth: usize,
    /// Most messages seen queued at once (timing actors only; 0 otherwise).
    pub mailbox_high_water: usize,
    /// Time spent in `handle`, in nanoseconds (timing actors only).
    pub handler_ns: Option<Histogram<u64>>,
    /// Time from enqueue to dequeue, in nanoseconds (timing actors only).
    pub mailbox_wait_ns: Option<Histogram<u64>>,
}

/// The running figures inside a mailbox.
pub(crate) struct Stats {
    pub(crate) handled: u64,
    pub(crate) restarts: u64,
    pub(crate) timing: Option<Timing>,
}

/// Latency figures, present only for actors spawned with timing on.
pub(crate) struct Timing {
    pub(crate) high_water: usize,
    pub(crate) handler_ns: Histogram<u64>,
    pub(crate) wait_ns: Histogram<u64>,
}

impl Stats {
    pub(crate) fn new(timed: bool) -> Self {
        let timing = timed.then(|| Timing {
            high_water: 0,
            handler_ns: new_histogram(),
            wait_ns: new_histogram(),
        });
        Self { handled: 0, restarts: 0, timing }
    }

    /// The figures, with `mailbox_depth` messages waiting now.
    pub(crate) fn snapshot(&self, mailbox_depth: usize) -> ActorMetrics {
        ActorMetrics {
            handled: self.handled,
            restarts: self.restarts,
            mailbox_depth,
            mailbox_high_water: self.timing.as_ref().map_or(0, |t| t.high_water),
            handler_ns: self.timing.as_ref().map(|t| t.handler_ns.clone()),
            mailbox_wait_ns: self.timing.as_ref().map(|t| t.wait_ns.clone()),
        }
    }
}

impl Timing {
    #[inline]
    pub(crate) fn record(&mut self, depth: usize, wait: Duration, handler: Duration) {
        self.high_water = self.high_water.max(depth);
        self.wait_ns.saturating_record(nanos(wait));
        self.handler_ns.saturating_record(nanos(handler));
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// A histogram for nanosecond latencies from 1 ns to a minute.
pub fn new_histogram() -> Histogram<u64> {
    // Bounds are constants that `new_with_bounds` accepts (low >= 1, high >= 2 * low,
    // sigfig <= 5); the fallback is unreachable but keeps this free of `unwrap`.
    Histogram::new_with_bounds(1, MAX_TRACKED_NS, SIGFIGS)
        .unwrap_or_else(|_| Histogram::new(SIGFIGS).expect("sigfig 2 is valid"))
}
