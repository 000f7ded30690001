//! The pipeline's hops and the HDR histograms they are recorded in.
//!
//! Each hop is recorded by the actor that observes its end, in that actor's own
//! histograms (no shared state per tick); a report merges them afterwards.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;

/// A timed stretch of the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Hop {
    /// A paced feed's publish against its schedule: how late the pacer let each tick
    /// out (the first part of `TickToStrategy`), recorded by the feed.
    FeedLateness,
    /// Feed publish (its scheduled time on a paced feed) to strategy dequeue: mailbox
    /// wait plus transport.
    TickToStrategy,
    /// Time in the strategy's tick handler.
    StrategyHandler,
    /// Strategy decision to execution receive.
    StrategyToExecution,
    /// Time in the execution handler for one step (match, risk, submit).
    ExecutionHandler,
    /// Feed publish to the order's arrival at execution.
    TickToOrder,
    /// Order arrival at execution to its first fill.
    OrderToFill,
}

impl Hop {
    /// Every hop, in pipeline order.
    pub const ALL: [Hop; 7] = [
        Hop::FeedLateness,
        Hop::TickToStrategy,
        Hop::StrategyHandler,
        Hop::StrategyToExecution,
        Hop::ExecutionHandler,
        Hop::TickToOrder,
        Hop::OrderToFill,
    ];

    /// A stable name for files and tables.
    pub fn name(self) -> &'static str {
        match self {
            Hop::FeedLateness => "feed_lateness",
            Hop::TickToStrategy => "tick_to_strategy",
            Hop::StrategyHandler => "strategy_handler",
            Hop::StrategyToExecution => "strategy_to_execution",
            Hop::ExecutionHandler => "execution_handler",
            Hop::TickToOrder => "tick_to_order",
            Hop::OrderToFill => "order_to_fill",
        }
    }
}

/// Nanosecond histograms by hop.
#[derive(Debug, Clone, Default)]
pub struct HopHistograms {
    by_hop: BTreeMap<Hop, Histogram<u64>>,
}

impl HopHistograms {
    /// Empty histograms.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one sample.
    #[inline]
    pub fn record(&mut self, hop: Hop, d: Duration) {
        let h = self.by_hop.entry(hop).or_insert_with(new_histogram);
        h.saturating_record(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    }

    /// Adds every sample of `samples` (ns, recorded elsewhere) to `hop`.
    pub fn merge_hop(&mut self, hop: Hop, samples: &Histogram<u64>) {
        // Out-of-range samples saturate, as `record` does: none is lost.
        let mine = self.by_hop.entry(hop).or_insert_with(new_histogram);
        for v in samples.iter_recorded() {
            mine.saturating_record_n(v.value_iterated_to(), v.count_at_value());
        }
    }

    /// Adds every sample of `other`.
    pub fn merge(&mut self, other: &HopHistograms) {
        for (hop, h) in &other.by_hop {
            let mine = self.by_hop.entry(*hop).or_insert_with(new_histogram);
            // Same bounds on both sides, so adding cannot fail; a mismatch would only
            // lose samples, never corrupt them.
            let _ = mine.add(h);
        }
    }

    /// The histogram of `hop`, if it has samples.
    pub fn get(&self, hop: Hop) -> Option<&Histogram<u64>> {
        self.by_hop.get(&hop).filter(|h| !h.is_empty())
    }

    /// Hops with samples, in pipeline order.
    pub fn iter(&self) -> impl Iterator<Item = (Hop, &Histogram<u64>)> {
        self.by_hop.iter().filter(|(_, h)| !h.is_empty()).map(|(k, v)| (*k, v))
    }
}

/// Highest tracked latency: one minute; three significant digits (0.1% resolution).
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000_000, 3)
        .unwrap_or_else(|_| Histogram::new(3).expect("3 significant digits is valid"))
}
