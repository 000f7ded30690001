//! Writing families in the Prometheus text exposition format 0.0.4.
//!
//! The writing itself is `prometheus-client`'s (`encoding::prometheus_text`): `# HELP`
//! and `# TYPE` lines, escaping of help texts and label values, `_total` on counters,
//! and `le` values formatted as Go's client does. Its histogram encoder takes
//! pre-aggregated bucket counts, which is all this crate has at scrape time. Its
//! registry is used only as the envelope of one scrape: this crate's families are
//! produced fresh by collectors, not held in long-lived metric objects.

use std::collections::HashMap;

use prometheus_client::collector::Collector as EncodeCollector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, NoLabelSet};
use prometheus_client::metrics::exemplar::Exemplar;
use prometheus_client::metrics::MetricType;

use crate::batch::Value;
use crate::fold::{Families, Family};
use crate::spec::Kind;

/// The `Content-Type` of the exposition.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Writes `families` as text. Fails only if the writer refuses a value (a formatting
/// bug, never a property of the data).
pub(crate) fn encode(families: Families) -> Result<String, std::fmt::Error> {
    let mut registry = prometheus_client::registry::Registry::default();
    registry.register_collector(Box::new(Scrape(families)));
    let mut out = String::new();
    prometheus_client::encoding::prometheus_text::encode(&mut out, &registry)?;
    Ok(out)
}

/// One scrape's families, handed to `prometheus-client` to write.
#[derive(Debug)]
struct Scrape(Families);

impl EncodeCollector for Scrape {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let mut buckets = Vec::new();
        for family in self.0.values().filter(|f| !f.series.is_empty()) {
            encode_family(family, &mut encoder, &mut buckets)?;
        }
        Ok(())
    }
}

fn encode_family(
    family: &Family,
    encoder: &mut DescriptorEncoder,
    buckets: &mut Vec<(f64, u64)>,
) -> Result<(), std::fmt::Error> {
    let descriptor = family.descriptor;
    let (name, metric_type) = match descriptor.kind() {
        // The writer appends `_total` itself.
        Kind::Counter => (descriptor.name().trim_end_matches("_total"), MetricType::Counter),
        Kind::Gauge => (descriptor.name(), MetricType::Gauge),
        Kind::Histogram => (descriptor.name(), MetricType::Histogram),
    };
    let mut metric = encoder.encode_descriptor(name, descriptor.help(), None, metric_type)?;
    for (values, value) in &family.series {
        let labels: Vec<(&str, &str)> =
            descriptor.labels().iter().map(|l| l.name()).zip(values.iter().map(String::as_str)).collect();
        let mut series = metric.encode_family(&labels)?;
        match (descriptor.kind(), value) {
            (Kind::Counter, Value::Number(x)) => match as_integer(*x) {
                Some(n) => series.encode_counter::<NoLabelSet, _, f64>(&n.unsigned_abs(), None)?,
                None => series.encode_counter::<NoLabelSet, _, f64>(x, None)?,
            },
            (Kind::Gauge, Value::Number(x)) => match as_integer(*x) {
                Some(n) => series.encode_gauge(&n)?,
                None => series.encode_gauge(x)?,
            },
            (Kind::Histogram, Value::Histogram(h)) => {
                buckets.clear();
                buckets.extend(h.per_bucket());
                series.encode_histogram::<NoLabelSet>(h.sum_seconds(), h.count(), buckets, no_exemplars())?;
            }
            // The typed constructors keep a family's values of its kind.
            _ => return Err(std::fmt::Error),
        }
    }
    Ok(())
}

/// `x` as an integer when it is one (so counts print as `42`, not `42.0`).
fn as_integer(x: f64) -> Option<i64> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    (x.fract() == 0.0 && x.abs() < EXACT).then_some(x as i64)
}

fn no_exemplars<S: EncodeLabelSet>() -> Option<&'static HashMap<usize, Exemplar<S, f64>>> {
    None
}
