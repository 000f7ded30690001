//! `mycelium run --ticks 20000 --report DIR` writes every file of a report, and
//! `mycelium report DIR` reads it back.
mod report_support;

use report_support::mycelium;
use serde_json::Value;

#[test]
fn run_with_report_writes_histograms_hgrm_summary_and_chart() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = mycelium(&["run", "--ticks", "20000", "--report", "rep"], tmp.path());
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("latency report written to rep"), "{printed}");
    let dir = tmp.path().join("rep");
    let read =
        |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));

    let meta: Value = serde_json::from_str(&read("meta.json")).expect("meta.json");
    let hops = meta["hops"].as_array().expect("hops");
    assert!(hops.len() >= 3, "{meta}");
    // The paced feed's own lateness, one sample a tick.
    let lateness = hops.iter().find(|h| h["hop"] == "feed_lateness").expect("feed_lateness");
    assert_eq!(lateness["count"], 20000, "{meta}");
    for hop in hops {
        let name = hop["hop"].as_str().expect("hop");
        let file = hop["file"].as_str().expect("file");
        let h = mycelium_apps::report::read_histogram(&dir.join(file)).expect("V2 histogram");
        assert_eq!(Some(h.len()), hop["count"].as_u64(), "{name}");
        assert!(read(&format!("hgrm/{name}.hgrm")).contains("1/(1-Percentile)"));
    }
    let summary: Value = serde_json::from_str(&read("summary.json")).expect("summary.json");
    assert_eq!(summary["counts"]["ticks"], 20000);
    assert_eq!(summary["run"]["command"], "run");
    assert!(summary["run"]["config_toml"].as_str().expect("config").contains("[feed]"));
    assert_eq!(summary["hops"].as_array().map(Vec::len), Some(hops.len()));
    assert!(read("latency.svg").len() > 4_000);

    let table = mycelium(&["report", "rep"], tmp.path());
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.contains("tick_to_strategy") && table.contains("p99.9"), "{table}");
}
