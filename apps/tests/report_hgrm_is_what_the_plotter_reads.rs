//! A report's `.hgrm` files are in the 4-column format HdrHistogram's plotter reads, step
//! through Java's percentile levels, and their values are the histogram's within its
//! precision.
mod report_support;

use mycelium_apps::report::hgrm;
use mycelium_apps::report::Counts;
use mycelium_execution::Hop;
use report_support::{report, samples};

const HEADER: &str = "       Value     Percentile TotalCount 1/(1-Percentile)";

struct Row {
    value_us: f64,
    percentile: f64,
    total: u64,
    inverse: Option<f64>,
}

/// Parses a `.hgrm` as the plotter does; checks the layout on the way.
fn parse(text: &str) -> (Vec<Row>, Vec<&str>) {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(HEADER));
    assert_eq!(lines.next(), Some(""));
    let (mut rows, mut footer) = (Vec::new(), Vec::new());
    for line in lines {
        if line.starts_with('#') {
            footer.push(line);
            continue;
        }
        assert!(footer.is_empty(), "a row after the footer: {line:?}");
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert!(cols.len() == 4 || cols.len() == 3, "{line:?}");
        rows.push(Row {
            value_us: cols[0].parse().expect("value"),
            percentile: cols[1].parse().expect("percentile"),
            total: cols[2].parse().expect("count"),
            inverse: cols.get(3).map(|c| c.parse().expect("1/(1-p)")),
        });
    }
    (rows, footer)
}

#[test]
fn hgrm_rows_are_monotone_and_match_the_samples() {
    let mut sorted = samples(7, 50_000);
    let r = report(&[(Hop::TickToOrder, &sorted)], Counts::default());
    sorted.sort_unstable();
    let dir = tempfile::tempdir().expect("tempdir");
    r.write_dir(dir.path()).expect("written");
    let text = std::fs::read_to_string(dir.path().join("hgrm/tick_to_order.hgrm")).expect("hgrm");
    let (rows, footer) = parse(&text);
    let n = sorted.len() as u64;

    assert!(rows.len() > 50, "{} rows", rows.len());
    for w in rows.windows(2) {
        assert!(w[0].percentile <= w[1].percentile, "percentiles go up");
        assert!(w[0].total <= w[1].total, "counts go up");
        assert!(w[0].value_us <= w[1].value_us, "values go up");
    }
    let last = rows.last().expect("rows");
    assert_eq!((last.percentile, last.total, last.inverse), (1.0, n, None));
    for row in &rows[..rows.len() - 1] {
        assert!(row.percentile < 1.0);
        let inverse = row.inverse.expect("every row but the last has 1/(1-p)");
        assert!((inverse - 1.0 / (1.0 - row.percentile)).abs() < 0.006, "1/(1-p) {inverse}");
        // The row's value is the sample at its percentile, to 3 significant digits.
        let rank = ((row.percentile * n as f64).ceil() as usize).clamp(1, sorted.len());
        let exact = sorted[rank - 1] as f64;
        let value_ns = row.value_us * 1000.0;
        assert!(
            (value_ns - exact).abs() <= exact * 1e-3 + 1.0,
            "p{} value {value_ns} ns, sample {exact} ns",
            row.percentile
        );
        // ... and at least that share of samples is at or below it.
        let below = sorted.partition_point(|&s| s as f64 <= value_ns) as u64;
        assert_eq!(below, row.total, "count at p{}", row.percentile);
        assert!(row.total as f64 / n as f64 >= row.percentile - 1e-12);
    }
    let max = *sorted.last().expect("samples") as f64;
    assert!((last.value_us * 1000.0 - max).abs() <= max * 1e-3);

    assert_eq!(footer.len(), 3, "{footer:?}");
    assert!(footer[0].starts_with("#[Mean    = ") && footer[0].contains(", StdDeviation   = "));
    let mean_us = sorted.iter().sum::<u64>() as f64 / n as f64 / 1000.0;
    let shown: f64 = footer[0][12..footer[0].find(',').expect(",")].trim().parse().expect("mean");
    assert!((shown - mean_us).abs() <= mean_us * 1e-3, "mean {shown} vs {mean_us}");
    assert_eq!(
        footer[1],
        format!("#[Max     = {:>12.3}, Total count    = {n:>12}]", last.value_us)
    );
    assert_eq!(footer[2], "#[Buckets =           26, SubBuckets     =         2048]");
}

#[test]
fn levels_are_javas_five_ticks_per_half_distance() {
    // 100,000 distinct values: every level lands on its own row.
    let values: Vec<u64> = (1..=100_000).collect();
    let h = report_support::histogram(&values);
    let steps = hgrm::percentile_steps(&h, 5);
    let levels: Vec<f64> = steps.iter().take(20).map(|s| s.percentile).collect();
    let java = [
        0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 55.0, 60.0, 65.0, 70.0, 75.0, 77.5, 80.0, 82.5, 85.0,
        87.5, 88.75, 90.0, 91.25, 92.5,
    ];
    assert_eq!(levels, java);
    let text = hgrm::percentile_distribution(&h, 5, 1000.0);
    let rows: Vec<&str> = text.lines().skip(2).take(7).collect();
    assert_eq!(rows[0], "       0.001 0.000000000000          1           1.00");
    assert_eq!(rows[1], "      10.007 0.100000000000      10007           1.11");
    assert_eq!(rows[6], "      55.007 0.550000000000      55007           2.22");
}

#[test]
fn a_single_sample_gives_two_rows() {
    let h = report_support::histogram(&[1500]);
    let text = hgrm::percentile_distribution(&h, 5, 1000.0);
    let expected = format!(
        "{HEADER}\n\n       1.500 0.000000000000          1           1.00\n       \
         1.500 1.000000000000          1\n#[Mean    =        1.500, StdDeviation   =        \
         0.000]\n#[Max     =        1.500, Total count    =            1]\n#[Buckets =           \
         26, SubBuckets     =         2048]\n"
    );
    assert_eq!(text, expected);
}
