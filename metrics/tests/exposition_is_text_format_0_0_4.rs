//! The exposition is the Prometheus text format 0.0.4, to the byte: `# HELP` and
//! `# TYPE` lines, escaping of help texts and label values, `_total` on counters,
//! integers printed as integers, families in name order, and a histogram's
//! cumulative `_bucket{le}` series ending in `+Inf`, then `_sum` and `_count`.

mod common;

use mycelium_metrics::{
    collector, latency_bounds, Buckets, Counter, Gauge, Label, LatencyHistogram, Registry,
};

const WHO: Label = Label::new("who", 8);
const ODD: Gauge<1> = Gauge::new("test_odd", "Line one\nback\\slash \"quoted\"", "", &[WHO]);
const THINGS: Counter<1> = Counter::new("test_things_total", "Things counted.", "things", &[WHO]);
const PLAIN: Gauge<0> = Gauge::new("test_plain", "No labels.", "", &[]);
const LATENCY: LatencyHistogram<1> =
    LatencyHistogram::new("test_latency_seconds", "Latency.", &[WHO]);

fn section<'a>(text: &'a str, family: &str) -> Vec<&'a str> {
    text.lines()
        .filter(|l| {
            l.strip_prefix("# HELP ")
                .or_else(|| l.strip_prefix("# TYPE "))
                .unwrap_or(l)
                .starts_with(family)
        })
        .collect()
}

#[tokio::test]
async fn counters_and_gauges_are_written_byte_for_byte() {
    let registry = Registry::new();
    registry.register(collector::from_fn("test", |b| {
        b.gauge(&ODD, ["a\"b\\c\nd"], 1.5);
        b.gauge(&ODD, ["x"], -3);
        b.counter(&THINGS, ["y"], 0.25);
        b.counter(&THINGS, ["x"], 42u64);
        b.gauge(&PLAIN, [], 7u32);
    }));
    let text = registry.scrape().await;

    assert_eq!(
        section(&text, "test_odd"),
        [
            r#"# HELP test_odd Line one\nback\\slash "quoted""#,
            "# TYPE test_odd gauge",
            r#"test_odd{who="a\"b\\c\nd"} 1.5"#,
            r#"test_odd{who="x"} -3"#,
        ]
    );
    assert_eq!(
        section(&text, "test_things_total"),
        [
            "# HELP test_things_total Things counted.",
            "# TYPE test_things_total counter",
            r#"test_things_total{who="x"} 42"#,
            r#"test_things_total{who="y"} 0.25"#,
        ]
    );
    assert_eq!(
        section(&text, "test_plain"),
        ["# HELP test_plain No labels.", "# TYPE test_plain gauge", "test_plain 7"]
    );

    // Families come in name order, each once, and every line ends in a newline.
    let families: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("# TYPE ")).collect();
    let mut sorted = families.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(families, sorted);
    assert!(text.ends_with('\n'));
}

#[tokio::test]
async fn a_histogram_is_cumulative_buckets_then_sum_and_count() {
    let mut hdr = common::runtime_histogram();
    for v in [100u64, 1_000, 1_000, 50_000, 90_000_000_000] {
        hdr.saturating_record(v);
    }
    let buckets = Buckets::from_hdr(&hdr);
    let registry = Registry::new();
    registry.register(collector::from_fn("test", move |b| {
        b.histogram(&LATENCY, ["x"], buckets.clone())
    }));
    let text = registry.scrape().await;
    let lines = section(&text, "test_latency_seconds");

    assert_eq!(lines[0], "# HELP test_latency_seconds Latency.");
    assert_eq!(lines[1], "# TYPE test_latency_seconds histogram");
    let bounds = latency_bounds();
    let bucket_lines = &lines[2..lines.len() - 2];
    assert_eq!(bucket_lines.len(), bounds.len() + 1, "one line per boundary and +Inf");
    assert_eq!(bucket_lines[0], r#"test_latency_seconds_bucket{who="x",le="6.4e-08"} 0"#);
    assert_eq!(bucket_lines[16], r#"test_latency_seconds_bucket{who="x",le="1.28e-07"} 1"#);
    // 90 s is beyond the HDR range (clamped to a minute) and beyond the last bound.
    assert_eq!(
        bucket_lines[bounds.len() - 1],
        r#"test_latency_seconds_bucket{who="x",le="17.18"} 4"#
    );
    assert_eq!(bucket_lines[bounds.len()], r#"test_latency_seconds_bucket{who="x",le="+Inf"} 5"#);
    let mut previous = 0u64;
    for (line, le) in bucket_lines.iter().zip(bounds) {
        let count: u64 = line.rsplit(' ').next().and_then(|c| c.parse().ok()).expect("a count");
        assert!(count >= previous, "cumulative: {line}");
        let le_text = line.split("le=\"").nth(1).and_then(|r| r.split('"').next()).expect("le");
        assert_eq!(le_text.parse::<f64>().ok(), Some(*le), "le of {line}");
        previous = count;
    }
    let sum_line = lines[lines.len() - 2];
    let sum: f64 = sum_line
        .strip_prefix(r#"test_latency_seconds_sum{who="x"} "#)
        .and_then(|s| s.parse().ok())
        .expect("sum");
    assert!((sum - 60.0).abs() < 1.0, "sum {sum}: clamped to HDR's minute, plus microseconds");
    assert_eq!(lines[lines.len() - 1], r#"test_latency_seconds_count{who="x"} 5"#);
}

#[tokio::test]
async fn equal_series_from_two_collectors_add_up() {
    let registry = Registry::new();
    for i in 0..2u64 {
        registry.register(collector::from_fn(format!("c{i}"), move |b| {
            b.counter(&THINGS, ["x"], 10 + i);
            let mut hdr = common::runtime_histogram();
            hdr.saturating_record(1_000 * (i + 1));
            b.histogram_hdr(&LATENCY, ["x"], &hdr);
        }));
    }
    let text = registry.scrape().await;
    assert!(text.contains("test_things_total{who=\"x\"} 21\n"), "{text}");
    assert!(text.contains("test_latency_seconds_count{who=\"x\"} 2\n"), "{text}");
    assert_eq!(text.matches("# TYPE test_things_total counter").count(), 1);
}
