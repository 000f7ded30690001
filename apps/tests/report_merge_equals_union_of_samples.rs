//! Merging two reports' histogram files gives the histogram of all their samples, by
//! the library and by `mycelium report A B --out C`.
mod report_support;

use hdrhistogram::Histogram;
use mycelium::Transport;
use mycelium_apps::report::{read_histogram, Counts, HopKey, Report};
use mycelium_execution::Hop;
use report_support::{histogram, mycelium, report, run_info, samples};

fn assert_same(a: &Histogram<u64>, b: &Histogram<u64>) {
    assert_eq!(a.len(), b.len());
    assert_eq!((a.min(), a.max()), (b.min(), b.max()));
    let buckets = |h: &Histogram<u64>| -> Vec<(u64, u64)> {
        h.iter_recorded().map(|v| (v.value_iterated_to(), v.count_at_value())).collect()
    };
    assert_eq!(buckets(a), buckets(b));
    assert!(a == b, "histograms differ");
}

#[test]
fn merged_files_equal_the_union_of_their_samples() {
    let (a1, a2) = (samples(1, 30_000), samples(2, 5_000));
    let (b1, b3) = (samples(3, 20_000), samples(4, 700));
    let ca = Counts { ticks: 100, orders: 10, fills: 7, rejects: 1 };
    let cb = Counts { ticks: 50, orders: 5, fills: 2, rejects: 0 };
    let ra = report(&[(Hop::TickToStrategy, &a1), (Hop::StrategyHandler, &a2)], ca);
    let rb = report(&[(Hop::TickToStrategy, &b1), (Hop::OrderToFill, &b3)], cb);
    let tmp = tempfile::tempdir().expect("tempdir");
    let (da, db) = (tmp.path().join("a"), tmp.path().join("b"));
    ra.write_dir(&da).expect("a written");
    rb.write_dir(&db).expect("b written");

    let read = [Report::read_dir(&da).expect("a"), Report::read_dir(&db).expect("b")];
    for (r, orig) in read.iter().zip([&ra, &rb]) {
        assert_eq!(r.hops.keys().collect::<Vec<_>>(), orig.hops.keys().collect::<Vec<_>>());
        for (hop, h) in &r.hops {
            assert_same(h, &orig.hops[hop]);
        }
    }
    let merged = Report::merge(&read, run_info("report")).expect("merged");
    let union: Vec<u64> = a1.iter().chain(&b1).copied().collect();
    assert_same(&merged.hops[&HopKey::local(Hop::TickToStrategy)], &histogram(&union));
    assert_same(&merged.hops[&HopKey::local(Hop::StrategyHandler)], &histogram(&a2));
    assert_same(&merged.hops[&HopKey::local(Hop::OrderToFill)], &histogram(&b3));
    assert_eq!(merged.hops.len(), 3);
    assert_eq!(merged.counts, Counts { ticks: 150, orders: 15, fills: 9, rejects: 1 });
    assert_eq!(merged.inputs.len(), 2);

    // The command line writes the same merge.
    let out = tmp.path().join("merged");
    let args = ["report", "a", "b", "--out", "merged"];
    let printed = String::from_utf8(mycelium(&args, tmp.path()).stdout).expect("utf-8");
    assert!(printed.contains("tick_to_strategy") && printed.contains("order_to_fill"), "{printed}");
    let file = read_histogram(&out.join("hops/tick_to_strategy.hdr")).expect("merged file");
    assert_same(&file, &histogram(&union));
    let again = Report::read_dir(&out).expect("merged report reads back");
    assert_eq!(again.counts, merged.counts);
    assert_eq!(again.inputs, merged.inputs, "the merged runs are listed");
}

#[test]
fn a_hop_over_each_transport_stays_apart_when_merged() {
    let (local, unix, tcp) = (samples(5, 3_000), samples(6, 2_000), samples(7, 1_000));
    let over = |transport, s: &[u64]| {
        let mut r = report(&[], Counts::default());
        r.hops.insert(HopKey { hop: Hop::StrategyToExecution, transport }, histogram(s));
        r
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let dirs: Vec<_> =
        [(Transport::Local, &local), (Transport::Unix, &unix), (Transport::Tcp, &tcp)]
            .into_iter()
            .enumerate()
            .map(|(i, (t, s))| {
                let dir = tmp.path().join(format!("r{i}"));
                over(t, s).write_dir(&dir).expect("written");
                dir
            })
            .collect();
    let read: Vec<Report> = dirs.iter().map(|d| Report::read_dir(d).expect("read")).collect();
    let merged = Report::merge(&read, run_info("report")).expect("merged");
    assert_eq!(merged.hops.len(), 3, "one histogram per transport, not one sum");
    for (transport, s) in
        [(Transport::Local, &local), (Transport::Unix, &unix), (Transport::Tcp, &tcp)]
    {
        let key = HopKey { hop: Hop::StrategyToExecution, transport };
        assert_same(&merged.hops[&key], &histogram(s));
    }
    // Files, summary and table name each transport.
    let out = tmp.path().join("merged");
    merged.write_dir(&out).expect("merged written");
    assert!(out.join("hops/strategy_to_execution.unix.hdr").exists());
    assert!(out.join("hgrm/strategy_to_execution.tcp.hgrm").exists());
    let summary = std::fs::read_to_string(out.join("summary.json")).expect("summary");
    assert!(summary.contains("\"transport\": \"unix\""), "{summary}");
    let table = mycelium(&["report", "merged"], tmp.path());
    let text = String::from_utf8_lossy(&table.stdout);
    for label in
        ["strategy_to_execution ", "strategy_to_execution/unix", "strategy_to_execution/tcp"]
    {
        assert!(text.lines().any(|l| l.starts_with(label)), "{label} in:\n{text}");
    }
}
