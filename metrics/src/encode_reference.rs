//! The exposition written by `prometheus-client`'s Prometheus text encoder, as the
//! reference this crate's writer must match byte for byte.

use std::collections::HashMap;

use prometheus_client::collector::Collector as EncodeCollector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, NoLabelSet};
use prometheus_client::metrics::exemplar::Exemplar;
use prometheus_client::metrics::MetricType;

use super::{as_integer, encode, CONTENT_TYPE};
use crate::batch::{Batch, Value};
use crate::buckets::Buckets;
use crate::fold::{Families, LabelGuard};
use crate::spec::{Counter, Gauge, Kind, Label, LatencyHistogram};

fn reference(families: Families) -> String {
    let mut registry = prometheus_client::registry::Registry::default();
    registry.register_collector(Box::new(Reference(families)));
    let mut out = String::new();
    prometheus_client::encoding::prometheus_text::encode(&mut out, &registry).expect("encodes");
    out
}

#[derive(Debug)]
struct Reference(Families);

impl EncodeCollector for Reference {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        for family in self.0.values().filter(|f| !f.series.is_empty()) {
            let d = family.descriptor;
            let (name, metric_type) = match d.kind() {
                Kind::Counter => (d.name().trim_end_matches("_total"), MetricType::Counter),
                Kind::Gauge => (d.name(), MetricType::Gauge),
                Kind::Histogram => (d.name(), MetricType::Histogram),
            };
            let mut metric = encoder.encode_descriptor(name, d.help(), None, metric_type)?;
            for (values, value) in &family.series {
                let labels: Vec<(&str, &str)> = d
                    .labels()
                    .iter()
                    .map(|l| l.name())
                    .zip(values.iter().map(String::as_str))
                    .collect();
                let mut series = metric.encode_family(&labels)?;
                match (d.kind(), value) {
                    (Kind::Counter, Value::Number(x)) => match as_integer(*x) {
                        Some(n) => {
                            series.encode_counter::<NoLabelSet, _, f64>(&n.unsigned_abs(), None)?
                        }
                        None => series.encode_counter::<NoLabelSet, _, f64>(x, None)?,
                    },
                    (_, Value::Number(x)) => match as_integer(*x) {
                        Some(n) => series.encode_gauge(&n)?,
                        None => series.encode_gauge(x)?,
                    },
                    (_, Value::Histogram(h)) => {
                        let buckets: Vec<(f64, u64)> = h.per_bucket().collect();
                        series.encode_histogram::<NoLabelSet>(
                            h.sum_seconds(),
                            h.count(),
                            &buckets,
                            none(),
                        )?;
                    }
                }
            }
        }
        Ok(())
    }
}

fn none<S: EncodeLabelSet>() -> Option<&'static HashMap<usize, Exemplar<S, f64>>> {
    None
}

const WHO: Label = Label::new("who", 16);
const WHERE: Label = Label::new("where", 16);
const COUNT: Counter<2> =
    Counter::new("t_events_total", "Events \\ counted\nover two lines.", "events", &[WHO, WHERE]);
const PLAIN: Counter<0> = Counter::new("t_plain_total", "No labels.", "", &[]);
const LEVEL: Gauge<1> = Gauge::new("t_level", "A \"quoted\" level.", "", &[WHO]);
const WAIT: LatencyHistogram<1> = LatencyHistogram::new("t_wait_seconds", "Waits.", &[WHO]);
const BARE: LatencyHistogram<0> = LatencyHistogram::new("t_bare_seconds", "No labels.", &[]);

fn families() -> Families {
    let mut b = Batch::new();
    b.counter(&COUNT, ["a\"b\\c\nd", "x"], 42u64);
    b.counter(&COUNT, ["plain", "é"], 0.25);
    b.counter(&COUNT, ["big", "x"], 1e17);
    b.counter(&PLAIN, [], 0u64);
    for (i, x) in [
        -3.0,
        1.5,
        1e-7,
        0.000_439,
        1e22,
        -0.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        123_456_789.0,
    ]
    .into_iter()
    .enumerate()
    {
        b.gauge(&LEVEL, [&format!("g{i}")], x);
    }
    let mut hdr =
        hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 2).expect("bounds");
    for v in [1u64, 64, 65, 100, 1_000, 777_777, 3_000_000_000, 59_000_000_000] {
        hdr.saturating_record(v);
    }
    b.histogram_hdr(&WAIT, ["x"], &hdr);
    b.histogram(&WAIT, ["empty"], Buckets::new());
    b.histogram_hdr(&BARE, [], &hdr);
    LabelGuard::default().fold([b])
}

#[test]
fn the_writer_matches_prometheus_clients_encoder_byte_for_byte() {
    let ours = encode(&families());
    let theirs = reference(families());
    for (i, (a, b)) in ours.lines().zip(theirs.lines()).enumerate() {
        assert_eq!(a, b, "line {i}");
    }
    assert_eq!(ours, theirs);
    assert_eq!(CONTENT_TYPE, prometheus_client::encoding::prometheus_text::CONTENT_TYPE);
}
