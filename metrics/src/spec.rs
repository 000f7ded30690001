//! What a metric is: its name, help, unit, type and labels, checked when the constant
//! is built. The checks are `const`: a name Prometheus would refuse, a counter without
//! `_total`, a histogram with an `le` label or a label beginning with `__` fails to
//! compile rather than at the first scrape.
//!
//! The three typed forms ([`Counter`], [`Gauge`], [`LatencyHistogram`]) carry their
//! label count in the type, so a [`Batch`](crate::Batch) sample with the wrong number
//! of label values does not compile either.
//!
//! ```
//! use mycelium_metrics::{Batch, Counter, Label};
//! const VENUE: Label = Label::new("venue", 8);
//! const SENT: Counter<1> = Counter::new("myapp_sent_orders_total", "Orders sent.", "orders", &[VENUE]);
//! let mut batch = Batch::new();
//! batch.counter(&SENT, ["binance"], 3u64);
//! ```
//!
//! A counter must end in `_total`:
//! ```compile_fail,E0080
//! # use mycelium_metrics::Counter;
//! const SENT: Counter<0> = Counter::new("myapp_sent_orders", "Orders sent.", "orders", &[]);
//! # let _ = SENT;
//! ```
//! and nothing else may:
//! ```compile_fail,E0080
//! # use mycelium_metrics::Gauge;
//! const OPEN: Gauge<0> = Gauge::new("myapp_open_orders_total", "Open orders.", "orders", &[]);
//! # let _ = OPEN;
//! ```
//! A latency histogram is in seconds and says so:
//! ```compile_fail,E0080
//! # use mycelium_metrics::LatencyHistogram;
//! const RTT: LatencyHistogram<0> = LatencyHistogram::new("myapp_rtt_ms", "Round trips.", &[]);
//! # let _ = RTT;
//! ```
//! `le` belongs to the buckets, and `__` names to Prometheus:
//! ```compile_fail,E0080
//! # use mycelium_metrics::{Label, LatencyHistogram};
//! const LE: Label = Label::new("le", 4);
//! const RTT: LatencyHistogram<1> = LatencyHistogram::new("myapp_rtt_seconds", "Round trips.", &[LE]);
//! # let _ = RTT;
//! ```
//! ```compile_fail,E0080
//! # use mycelium_metrics::Label;
//! const NAME: Label = Label::new("__name__", 4);
//! # let _ = NAME;
//! ```
//! A byte count names its unit:
//! ```compile_fail,E0080
//! # use mycelium_metrics::Gauge;
//! const HEAP: Gauge<0> = Gauge::new("myapp_heap_size", "Heap.", "bytes", &[]);
//! # let _ = HEAP;
//! ```
//! And a sample gives exactly one value per label:
//! ```compile_fail,E0308
//! # use mycelium_metrics::{Batch, Counter, Label};
//! const VENUE: Label = Label::new("venue", 8);
//! const SENT: Counter<1> = Counter::new("myapp_sent_orders_total", "Orders sent.", "orders", &[VENUE]);
//! Batch::new().counter(&SENT, ["binance", "BTCUSDT"], 3u64);
//! ```

/// The Prometheus type of a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A count that only goes up (restarts from 0 with the process).
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// A latency histogram in seconds over the shared bucket layout.
    Histogram,
}

impl Kind {
    /// The word the exposition's `# TYPE` line uses.
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// A label a family is split by, and how many distinct values it may take in one
/// registry. Values beyond the cap are exposed as [`OVERFLOW_VALUE`](crate::OVERFLOW_VALUE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Label {
    name: &'static str,
    max_values: usize,
}

impl Label {
    /// A label named `name` admitting at most `max_values` distinct values.
    ///
    /// # Panics
    /// (At compile time when used in a constant.) If `name` is not a valid label name
    /// (`[a-zA-Z_][a-zA-Z0-9_]*`, not beginning with `__`), or `max_values` is 0.
    pub const fn new(name: &'static str, max_values: usize) -> Self {
        assert!(
            is_label_name(name),
            "a label name matches [a-zA-Z_][a-zA-Z0-9_]* without a leading __"
        );
        assert!(max_values > 0, "a label must admit at least one value");
        Label { name, max_values }
    }

    /// The label's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// How many distinct values it admits per family before folding into `other`.
    pub const fn max_values(&self) -> usize {
        self.max_values
    }
}

/// Everything the exposition, the docs and the dashboard check know about one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Descriptor {
    name: &'static str,
    help: &'static str,
    unit: &'static str,
    kind: Kind,
    labels: &'static [Label],
}

impl Descriptor {
    const fn new(
        name: &'static str,
        help: &'static str,
        unit: &'static str,
        kind: Kind,
        labels: &'static [Label],
    ) -> Self {
        assert!(is_metric_name(name), "a metric name matches [a-zA-Z_:][a-zA-Z0-9_:]*");
        assert!(!help.is_empty(), "every metric has a help text");
        let counter = matches!(kind, Kind::Counter);
        assert!(ends_with(name, "_total") == counter, "counters, and only counters, end in _total");
        if matches!(kind, Kind::Histogram) {
            assert!(
                !ends_with(name, "_bucket")
                    && !ends_with(name, "_sum")
                    && !ends_with(name, "_count"),
                "a histogram's name must not end in a suffix of its own series"
            );
        }
        // Base units are named in the metric: `_seconds`, `_bytes` (before `_total`).
        if eq(unit, "seconds") || eq(unit, "bytes") {
            assert!(names_unit(name, unit), "a metric in seconds or bytes says so in its name");
        }
        let mut i = 0;
        while i < labels.len() {
            assert!(!eq(labels[i].name, "le"), "le is the histogram bucket label");
            let mut j = i + 1;
            while j < labels.len() {
                assert!(!eq(labels[i].name, labels[j].name), "a family's label names are distinct");
                j += 1;
            }
            i += 1;
        }
        Descriptor { name, help, unit, kind, labels }
    }

    /// The family's name as exposed (counters include `_total`; a histogram's series
    /// add `_bucket`, `_sum` and `_count`).
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The `# HELP` text.
    pub const fn help(&self) -> &'static str {
        self.help
    }

    /// The unit, in words ("seconds", "bytes", "messages", "quote currency").
    pub const fn unit(&self) -> &'static str {
        self.unit
    }

    /// The Prometheus type.
    pub const fn kind(&self) -> Kind {
        self.kind
    }

    /// The labels, in the order samples give their values.
    pub const fn labels(&self) -> &'static [Label] {
        self.labels
    }
}

/// A counter family with `N` labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter<const N: usize>(Descriptor);

impl<const N: usize> Counter<N> {
    /// A counter; `name` ends in `_total`.
    pub const fn new(
        name: &'static str,
        help: &'static str,
        unit: &'static str,
        labels: &'static [Label; N],
    ) -> Self {
        Counter(Descriptor::new(name, help, unit, Kind::Counter, labels))
    }

    /// What the family is.
    pub const fn descriptor(&self) -> Descriptor {
        self.0
    }
}

/// A gauge family with `N` labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gauge<const N: usize>(Descriptor);

impl<const N: usize> Gauge<N> {
    /// A gauge; `name` does not end in `_total`.
    pub const fn new(
        name: &'static str,
        help: &'static str,
        unit: &'static str,
        labels: &'static [Label; N],
    ) -> Self {
        Gauge(Descriptor::new(name, help, unit, Kind::Gauge, labels))
    }

    /// What the family is.
    pub const fn descriptor(&self) -> Descriptor {
        self.0
    }
}

/// A latency histogram family with `N` labels: seconds, over the one bucket layout
/// every latency histogram shares (see [`Buckets`](crate::Buckets)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatencyHistogram<const N: usize>(Descriptor);

impl<const N: usize> LatencyHistogram<N> {
    /// A latency histogram; `name` ends in `_seconds`.
    pub const fn new(name: &'static str, help: &'static str, labels: &'static [Label; N]) -> Self {
        assert!(ends_with(name, "_seconds"), "a latency histogram's name ends in _seconds");
        LatencyHistogram(Descriptor::new(name, help, "seconds", Kind::Histogram, labels))
    }

    /// What the family is.
    pub const fn descriptor(&self) -> Descriptor {
        self.0
    }
}

const fn eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn ends_with(s: &str, suffix: &str) -> bool {
    let (s, suffix) = (s.as_bytes(), suffix.as_bytes());
    if suffix.len() > s.len() {
        return false;
    }
    let start = s.len() - suffix.len();
    let mut i = 0;
    while i < suffix.len() {
        if s[start + i] != suffix[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether `name` contains `_unit` followed by the end or by `_total`.
const fn names_unit(name: &str, unit: &str) -> bool {
    let (n, u) = (name.as_bytes(), unit.as_bytes());
    let mut start = 0;
    while start + u.len() < n.len() {
        if n[start] == b'_' {
            let mut i = 0;
            while i < u.len() && n[start + 1 + i] == u[i] {
                i += 1;
            }
            let end = start + 1 + u.len();
            if i == u.len() && (end == n.len() || (n.len() - end == 6 && ends_with(name, "_total")))
            {
                return true;
            }
        }
        start += 1;
    }
    false
}

const fn is_metric_name(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let ok = c.is_ascii_alphabetic() || c == b'_' || c == b':' || (i > 0 && c.is_ascii_digit());
        if !ok {
            return false;
        }
        i += 1;
    }
    true
}

const fn is_label_name(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || (b.len() >= 2 && b[0] == b'_' && b[1] == b'_') {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !(c.is_ascii_alphabetic() || c == b'_' || (i > 0 && c.is_ascii_digit())) {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_like_prometheus_does() {
        assert!(is_metric_name("mycelium_hop_latency_seconds"));
        assert!(is_metric_name("a:b_c9"));
        assert!(!is_metric_name("9lives"));
        assert!(!is_metric_name("with-dash"));
        assert!(!is_metric_name(""));
        assert!(is_label_name("actor"));
        assert!(!is_label_name("__name__"));
        assert!(!is_label_name("a.b"));
        assert!(names_unit("process_cpu_seconds_total", "seconds"));
        assert!(names_unit("mycelium_link_sent_bytes_total", "bytes"));
        assert!(!names_unit("mycelium_link_bytes_sent_total", "bytes"));
        assert!(names_unit("x_seconds", "seconds"));
        assert!(!names_unit("x_secondsx", "seconds"));
        assert!(!names_unit("seconds_x", "seconds"));
    }
}
