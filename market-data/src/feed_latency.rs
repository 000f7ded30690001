//! Feed latency measured from recorded data: per symbol, the distribution of each
//! event's receive time minus its exchange time, over the events that carry both clocks
//! ([`RecordedEvent::feed_latency_ns`]).
//!
//! These figures are what a feed latency setting is read from. Two clocks are involved:
//! the venue's and the recorder's, and they are not synchronised. A recorder whose
//! clock runs behind the venue's shows negative latency (the Binance capture in the
//! project's data runs about 1.27 s behind); the minimum is then the clock offset plus
//! the fastest delivery, and the spread above the minimum (`p50 - min`, `p99 - min`) is
//! the part of the latency that varies, which does not depend on the offset.

use std::collections::BTreeMap;
use std::fmt;

use hdrhistogram::Histogram;

use crate::readers::RecordedEvent;
use crate::tick::Symbol;

/// One symbol's feed latency.
#[derive(Debug, Clone)]
pub struct SymbolFeedLatency {
    /// Events without both clocks (not in the figures).
    pub one_clock: u64,
    /// Lowest latency, ns.
    pub min_ns: i64,
    /// Highest latency, ns.
    pub max_ns: i64,
    sum_ns: i128,
    /// Magnitudes of negative latencies (hdrhistogram holds non-negative values).
    negative: Histogram<u64>,
    /// Latencies >= 0.
    non_negative: Histogram<u64>,
}

impl Default for SymbolFeedLatency {
    fn default() -> Self {
        let new = || Histogram::new(3).unwrap_or_else(|_| unreachable!("3 significant digits"));
        Self {
            one_clock: 0,
            min_ns: i64::MAX,
            max_ns: i64::MIN,
            sum_ns: 0,
            negative: new(),
            non_negative: new(),
        }
    }
}

impl SymbolFeedLatency {
    /// Events with both clocks.
    pub fn events(&self) -> u64 {
        self.negative.len() + self.non_negative.len()
    }

    /// Mean latency, ns; `None` without events.
    pub fn mean_ns(&self) -> Option<f64> {
        let n = self.events();
        (n > 0).then(|| self.sum_ns as f64 / n as f64)
    }

    /// The latency at quantile `q` (0..=1), to hdrhistogram's 3 significant digits;
    /// `None` without events.
    pub fn quantile_ns(&self, q: f64) -> Option<i64> {
        let (neg, n) = (self.negative.len(), self.events());
        if n == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * n as f64).ceil() as u64).clamp(1, n);
        let signed = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        Some(
            if rank <= neg {
                // The rank-th lowest of the negatives is the (neg - rank + 1)-th smallest
                // magnitude.
                let k = neg - rank + 1;
                -signed(self.negative.value_at_quantile(k as f64 / neg as f64))
            } else {
                let k = rank - neg;
                signed(self.non_negative.value_at_quantile(k as f64 / (n - neg) as f64))
            }
            .clamp(self.min_ns, self.max_ns),
        )
    }

    fn record(&mut self, latency: Option<i64>) {
        let Some(ns) = latency else {
            self.one_clock += 1;
            return;
        };
        self.min_ns = self.min_ns.min(ns);
        self.max_ns = self.max_ns.max(ns);
        self.sum_ns += i128::from(ns);
        // Auto-resizing histograms take any u64.
        let _ = match u64::try_from(ns) {
            Ok(v) => self.non_negative.record(v),
            Err(_) => self.negative.record(ns.unsigned_abs()),
        };
    }
}

/// Feed latency per symbol, from recorded events.
#[derive(Debug, Clone, Default)]
pub struct FeedLatency {
    per_symbol: BTreeMap<Symbol, SymbolFeedLatency>,
}

impl FeedLatency {
    /// Nothing observed.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes in one recorded event.
    pub fn observe(&mut self, ev: &RecordedEvent) {
        let s = self.per_symbol.entry(ev.symbol).or_default();
        s.record(ev.feed_latency_ns);
    }

    /// One symbol's figures.
    pub fn get(&self, symbol: &Symbol) -> Option<&SymbolFeedLatency> {
        self.per_symbol.get(symbol)
    }

    /// Every symbol's figures, ordered by symbol.
    pub fn iter(&self) -> impl Iterator<Item = (&Symbol, &SymbolFeedLatency)> {
        self.per_symbol.iter()
    }
}

/// Nanoseconds as signed milliseconds with three decimals (microsecond resolution).
fn ms(ns: Option<i64>) -> String {
    ns.map_or_else(|| "-".into(), |v| format!("{:.3}", v as f64 / 1e6))
}

impl fmt::Display for FeedLatency {
    /// One row per symbol, latencies in ms (receive minus exchange time).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<16} {:>10} {:>10} {:>12} {:>12} {:>12} {:>12} {:>12} {:>12}",
            "symbol",
            "events",
            "one_clock",
            "min_ms",
            "p50_ms",
            "p99_ms",
            "max_ms",
            "mean_ms",
            "p99-min_ms"
        )?;
        for (sym, s) in &self.per_symbol {
            let has = s.events() > 0;
            let p99 = s.quantile_ns(0.99);
            writeln!(
                f,
                "{:<16} {:>10} {:>10} {:>12} {:>12} {:>12} {:>12} {:>12} {:>12}",
                sym,
                s.events(),
                s.one_clock,
                ms(has.then_some(s.min_ns)),
                ms(s.quantile_ns(0.5)),
                ms(p99),
                ms(has.then_some(s.max_ns)),
                s.mean_ns().map_or_else(|| "-".into(), |m| format!("{:.3}", m / 1e6)),
                ms(p99.map(|p| p - s.min_ns)),
            )?;
        }
        Ok(())
    }
}
