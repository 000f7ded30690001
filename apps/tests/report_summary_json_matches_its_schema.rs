//! `summary.json` has the keys and types docs/REPORTS.md documents, and so does the
//! example there.
mod report_support;

use mycelium_apps::report::{Counts, SUMMARY_SCHEMA};
use mycelium_execution::Hop;
use report_support::{report, samples};
use serde_json::Value;

const DOC: &str = include_str!("../../docs/REPORTS.md");

fn field<'a>(obj: &'a Value, key: &str, what: &str) -> &'a Value {
    obj.get(key).unwrap_or_else(|| panic!("{what}: no {key:?} in {obj}"))
}

fn uint(obj: &Value, key: &str, what: &str) -> u64 {
    field(obj, key, what).as_u64().unwrap_or_else(|| panic!("{what}.{key}: not an integer"))
}

fn string<'a>(obj: &'a Value, key: &str, what: &str) -> &'a str {
    field(obj, key, what).as_str().unwrap_or_else(|| panic!("{what}.{key}: not a string"))
}

fn check_run(run: &Value, what: &str) {
    assert!(run.is_object(), "{what}: an object");
    for key in ["command", "git_commit", "hostname"] {
        assert!(!string(run, key, what).is_empty(), "{what}.{key} empty");
    }
    let line = field(run, "command_line", what).as_array().expect("command_line: array");
    assert!(line.iter().all(Value::is_string) && !line.is_empty(), "{what}.command_line");
    assert!(uint(run, "cpus", what) >= 1);
    let date = string(run, "date", what).as_bytes();
    assert!(date.len() == 20 && date[4] == b'-' && date[10] == b'T' && date[19] == b'Z', "date");
    let config = field(run, "config_toml", what);
    assert!(config.is_string() || config.is_null(), "{what}.config_toml: string or null");
    let elapsed = field(run, "elapsed_secs", what);
    assert!(elapsed.is_number() || elapsed.is_null(), "{what}.elapsed_secs: number or null");
}

/// The documented schema of `summary.json`.
fn check_summary(v: &Value) {
    assert_eq!(string(v, "schema", "summary"), SUMMARY_SCHEMA);
    assert_eq!(string(v, "unit", "summary"), "ns");
    check_run(field(v, "run", "summary"), "run");
    for input in field(v, "inputs", "summary").as_array().expect("inputs: array") {
        check_run(input, "inputs[]");
    }
    let counts = field(v, "counts", "summary");
    for key in ["ticks", "orders", "fills", "rejects"] {
        uint(counts, key, "counts");
    }
    let hops = field(v, "hops", "summary").as_array().expect("hops: array");
    assert!(!hops.is_empty(), "hops");
    for hop in hops {
        let name = string(hop, "hop", "hops[]");
        assert!(Hop::ALL.iter().any(|h| h.name() == name), "unknown hop {name}");
        assert!(uint(hop, "count", name) > 0);
        let order = ["min", "p50", "p90", "p99", "p99_9", "p99_99", "max"];
        let values: Vec<u64> = order.iter().map(|k| uint(hop, k, name)).collect();
        assert!(values.windows(2).all(|w| w[0] <= w[1]), "{name}: {order:?} = {values:?}");
        for key in ["mean", "stddev"] {
            assert!(field(hop, key, name).is_f64(), "{name}.{key}: a number");
        }
    }
}

#[test]
fn written_summary_has_the_documented_keys_and_types() {
    let a = samples(11, 2_000);
    let b = samples(12, 300);
    let counts = Counts { ticks: 2_000, orders: 300, fills: 250, rejects: 3 };
    let r = report(&[(Hop::TickToStrategy, &a), (Hop::TickToOrder, &b)], counts);
    let dir = tempfile::tempdir().expect("tempdir");
    r.write_dir(dir.path()).expect("written");
    let text = std::fs::read_to_string(dir.path().join("summary.json")).expect("summary.json");
    let v: Value = serde_json::from_str(&text).expect("valid JSON");
    check_summary(&v);
    assert_eq!(uint(&v["counts"], "rejects", "counts"), 3);
    assert_eq!(v["hops"][0]["hop"], "tick_to_strategy", "pipeline order");
    assert_eq!(uint(&v["hops"][1], "count", "hops[1]"), 300);
    let meta: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("meta.json")).expect("meta.json"),
    )
    .expect("valid JSON");
    assert_eq!(meta["hops"][1]["file"], "hops/tick_to_order.hdr");
}

#[test]
fn the_documented_example_follows_the_schema() {
    let start = DOC.find("```json summary").expect("docs/REPORTS.md has a summary.json example");
    let body = &DOC[start..];
    let body = &body[body.find('\n').expect("newline") + 1..];
    let example = &body[..body.find("```").expect("closing fence")];
    let v: Value = serde_json::from_str(example).expect("the example is valid JSON");
    check_summary(&v);
}
