//! `mycelium report --compare A B` shows each hop's percentiles in A and B and B/A.
mod report_support;

use mycelium_apps::report::table::compare;
use mycelium_apps::report::Counts;
use mycelium_execution::Hop;
use report_support::{mycelium, report};

#[test]
fn ratios_are_b_over_a_per_hop_and_percentile() {
    // Below 2048 ns the histograms are exact: B is A doubled (one hop) or halved (other).
    let a: Vec<u64> = (1..=1000).collect();
    let doubled: Vec<u64> = a.iter().map(|v| v * 2).collect();
    let halved: Vec<u64> = a.iter().map(|v| v.div_ceil(2)).collect();
    let only_b: Vec<u64> = vec![700; 10];
    let ra = report(&[(Hop::TickToStrategy, &a), (Hop::TickToOrder, &a)], Counts::default());
    let rb = report(
        &[
            (Hop::TickToStrategy, &doubled),
            (Hop::TickToOrder, &halved),
            (Hop::OrderToFill, &only_b),
        ],
        Counts::default(),
    );
    let rows = compare(&ra, &rb);
    let stats: Vec<&str> = rows.iter().take(6).map(|r| r.stat).collect();
    assert_eq!(stats, ["p50", "p90", "p99", "p99.9", "p99.99", "max"]);
    assert_eq!(rows.len(), 3 * 6);
    let expected_a = [500, 900, 990, 999, 1000, 1000];
    for (i, r) in rows.iter().filter(|r| r.hop == Hop::TickToStrategy).enumerate() {
        assert_eq!(r.a, Some(expected_a[i]), "{r:?}");
        assert_eq!(r.b, Some(2 * expected_a[i]), "{r:?}");
        assert_eq!(r.ratio, Some(2.0), "{r:?}");
    }
    for (i, r) in rows.iter().filter(|r| r.hop == Hop::TickToOrder).enumerate() {
        let b = expected_a[i].div_ceil(2);
        assert_eq!((r.a, r.b), (Some(expected_a[i]), Some(b)), "{r:?}");
        assert_eq!(r.ratio, Some(b as f64 / expected_a[i] as f64), "{r:?}");
    }
    for r in rows.iter().filter(|r| r.hop == Hop::OrderToFill) {
        assert_eq!((r.a, r.b, r.ratio), (None, Some(700), None), "{r:?}");
    }

    // The command prints the same.
    let tmp = tempfile::tempdir().expect("tempdir");
    ra.write_dir(&tmp.path().join("a")).expect("a");
    rb.write_dir(&tmp.path().join("b")).expect("b");
    let out = mycelium(&["report", "--compare", "a", "b"], tmp.path());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let line = |hop: &str, stat: &str| -> Vec<String> {
        let mut current = "";
        for l in text.lines() {
            let cols: Vec<&str> = l.split_whitespace().collect();
            if cols.len() >= 5 && cols[0].contains('_') {
                current = cols[0];
            }
            let stat_col = usize::from(cols.first() == Some(&current));
            if current == hop && cols.get(stat_col) == Some(&stat) {
                return cols.iter().map(|c| c.to_string()).collect();
            }
        }
        panic!("no {hop} {stat} line in:\n{text}");
    };
    assert_eq!(line("tick_to_strategy", "p99").last().map(String::as_str), Some("2.000"));
    assert_eq!(line("tick_to_order", "p50").last().map(String::as_str), Some("0.500"));
    assert_eq!(line("order_to_fill", "max").last().map(String::as_str), Some("-"));
}

#[test]
fn the_report_table_shows_each_hops_tail_over_its_median() {
    // Exact below 2048 ns: p50 500, p99 990, p99.9 999.
    let a: Vec<u64> = (1..=1000).collect();
    let r = report(&[(Hop::TickToOrder, &a)], Counts::default());
    let tmp = tempfile::tempdir().expect("tempdir");
    r.write_dir(&tmp.path().join("a")).expect("a");
    let out = mycelium(&["report", "a"], tmp.path());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let header = text.lines().find(|l| l.starts_with("hop")).expect("a header");
    assert!(header.ends_with("p99/p50 p99.9/p50"), "{header}");
    let row = text.lines().find(|l| l.starts_with("tick_to_order")).expect("a row");
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cols[cols.len() - 2..], ["2.0x", "2.0x"], "{row}");
}
