//! [`Batch`]: the samples one collector produces at one scrape.

use hdrhistogram::Histogram;

use crate::buckets::Buckets;
use crate::spec::{Counter, Descriptor, Gauge, LatencyHistogram};

/// The samples one collector produces at one scrape, each tied to its family's
/// [`Descriptor`]. The label values come in the order the family declares its labels;
/// the typed families make the count a compile-time fact.
///
/// Samples with the same family and label values are added together (by the registry,
/// after label values beyond a label's cap have become `other`).
#[derive(Debug, Default)]
pub struct Batch {
    pub(crate) samples: Vec<Sample>,
}

#[derive(Debug)]
pub(crate) struct Sample {
    pub(crate) family: Descriptor,
    pub(crate) labels: Vec<String>,
    pub(crate) value: Value,
}

/// A sample's value.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    /// A counter's or a gauge's value.
    Number(f64),
    /// A latency histogram.
    Histogram(Box<Buckets>),
}

impl Value {
    /// Adds `other` (of the same family, so of the same kind) to this value.
    pub(crate) fn add(&mut self, other: Value) {
        match (self, other) {
            (Value::Number(a), Value::Number(b)) => *a += b,
            (Value::Histogram(a), Value::Histogram(b)) => a.merge(&b),
            // A family has one kind: the typed constructors below never mix them.
            _ => debug_assert!(false, "a family's samples share one kind"),
        }
    }
}

/// A number a counter or gauge sample can take.
pub trait Number: Copy {
    /// The value as Prometheus carries it.
    fn to_f64(self) -> f64;
}

macro_rules! number {
    ($($t:ty),*) => {$(
        impl Number for $t {
            fn to_f64(self) -> f64 {
                self as f64
            }
        }
    )*};
}
number!(u64, u32, usize, i64, i32, f64);

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// A counter sample. A counter never goes down: a negative or NaN value is a bug in
    /// the collector and is exposed as 0.
    pub fn counter<const N: usize>(
        &mut self,
        family: &Counter<N>,
        labels: [&str; N],
        value: impl Number,
    ) {
        let value = value.to_f64();
        debug_assert!(
            value >= 0.0,
            "{}: a counter is never negative ({value})",
            family.descriptor().name()
        );
        let value = if value >= 0.0 { value } else { 0.0 };
        self.push(family.descriptor(), &labels, Value::Number(value));
    }

    /// A gauge sample.
    pub fn gauge<const N: usize>(
        &mut self,
        family: &Gauge<N>,
        labels: [&str; N],
        value: impl Number,
    ) {
        self.push(family.descriptor(), &labels, Value::Number(value.to_f64()));
    }

    /// A latency histogram sample, already in the shared layout.
    pub fn histogram<const N: usize>(
        &mut self,
        family: &LatencyHistogram<N>,
        labels: [&str; N],
        buckets: Buckets,
    ) {
        self.push(family.descriptor(), &labels, Value::Histogram(Box::new(buckets)));
    }

    /// A latency histogram sample from an HDR histogram of nanoseconds.
    pub fn histogram_hdr<const N: usize>(
        &mut self,
        family: &LatencyHistogram<N>,
        labels: [&str; N],
        hdr: &Histogram<u64>,
    ) {
        self.histogram(family, labels, Buckets::from_hdr(hdr));
    }

    fn push(&mut self, family: Descriptor, labels: &[&str], value: Value) {
        let labels = labels.iter().map(|v| (*v).to_owned()).collect();
        self.samples.push(Sample { family, labels, value });
    }
}
