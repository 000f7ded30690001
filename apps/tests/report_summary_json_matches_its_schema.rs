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
    let noise = field(run, "host_noise", what);
    if !noise.is_null() {
        uint(noise, "involuntary_context_switches", what);
        uint(noise, "voluntary_context_switches", what);
        number_or_null(noise, "steal_secs", what);
        number_or_null(noise, "runqueue_wait_secs", what);
    }
    let queue = field(run, "queue_model", what);
    assert!(queue.is_string() || queue.is_null(), "{what}.queue_model: string or null");
}

fn number(obj: &Value, key: &str, what: &str) -> f64 {
    field(obj, key, what).as_f64().unwrap_or_else(|| panic!("{what}.{key}: not a number"))
}

fn number_or_null(obj: &Value, key: &str, what: &str) -> Option<f64> {
    let v = field(obj, key, what);
    assert!(v.is_number() || v.is_null(), "{what}.{key}: number or null");
    v.as_f64()
}

/// The documented schema of `summary.json`'s `backtest`.
fn check_backtest(b: &Value) {
    let what = "backtest";
    assert!(uint(b, "interval_ns", what) > 0);
    let equity = field(b, "equity", what).as_array().expect("equity: array");
    let mut last_ts = None;
    for p in equity {
        let ts = field(p, "ts_ns", "equity[]").as_i64().expect("ts_ns: integer");
        assert!(last_ts.is_none_or(|l| l < ts), "equity points in time order");
        last_ts = Some(ts);
        number(p, "equity", "equity[]");
    }
    if let Some(last) = equity.last() {
        assert_eq!(number(last, "equity", "equity[]"), number(b, "final_equity", what));
    }
    assert!(number(b, "max_drawdown", what) >= 0.0);
    for key in ["turnover", "fees", "ordered_qty", "filled_qty", "maker_qty"] {
        number(b, key, what);
    }
    uint(b, "fills", what);
    for key in ["sharpe", "sharpe_annualised"] {
        number_or_null(b, key, what);
    }
    for key in ["fill_ratio", "maker_share"] {
        if let Some(r) = number_or_null(b, key, what) {
            assert!((0.0..=1.0).contains(&r), "{what}.{key} = {r}: a share");
        }
    }
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
        let transport = string(hop, "transport", name);
        assert!(["local", "unix", "tcp"].contains(&transport), "{name}: transport {transport}");
        assert!(uint(hop, "count", name) > 0);
        let order = ["min", "p50", "p90", "p99", "p99_9", "p99_99", "max"];
        let values: Vec<u64> = order.iter().map(|k| uint(hop, k, name)).collect();
        assert!(values.windows(2).all(|w| w[0] <= w[1]), "{name}: {order:?} = {values:?}");
        for key in ["mean", "stddev"] {
            assert!(field(hop, key, name).is_f64(), "{name}.{key}: a number");
        }
    }
    let backtest = field(v, "backtest", "summary");
    assert!(backtest.is_object() || backtest.is_null(), "backtest: object or null");
    if backtest.is_object() {
        check_backtest(backtest);
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
    assert!(v["backtest"].is_object(), "the example shows a run's backtest statistics");
}

#[test]
fn a_runs_summary_carries_its_backtest_statistics() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = report_support::mycelium(&["run", "--ticks", "20000", "--report", "rep"], tmp.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(tmp.path().join("rep/summary.json")).expect("summary");
    let v: Value = serde_json::from_str(&text).expect("valid JSON");
    check_summary(&v);
    // A run says what the host did to it (checked for types by `check_summary`).
    assert!(v["run"]["host_noise"].is_object(), "a run's summary has its host noise");
    assert_eq!(v["run"]["queue_model"], "risk-averse", "and names its queue model");
    let b = &v["backtest"];
    assert!(b.is_object(), "a run's summary has its backtest statistics");
    // Recorded by the actor from the same fills the counts count.
    assert_eq!(b["fills"], v["counts"]["fills"]);
    assert!(number(b, "turnover", "backtest") > 0.0 && number(b, "filled_qty", "backtest") > 0.0);
    assert!(b["equity"].as_array().is_some_and(|e| e.len() > 10), "a curve to chart");
    let svg = std::fs::read_to_string(tmp.path().join("rep/equity.svg")).expect("equity.svg");
    assert!(svg.starts_with("<svg") && svg.contains("Equity: ") && svg.contains("--report rep"));
    let printed = String::from_utf8_lossy(&out.stdout);
    let equity = number(b, "final_equity", "backtest");
    assert!(printed.contains(&format!("equity {equity:.4}")), "{printed}");
    // The final equity is the strategies' total PnL, which the summary adds up from the
    // positions on its own.
    let total: f64 = printed
        .lines()
        .filter(|l| l.split_whitespace().nth(1) == Some("(all)"))
        .map(|l| l.split_whitespace().last().and_then(|v| v.parse::<f64>().ok()).expect("pnl"))
        .sum();
    assert!((total - equity).abs() < 1e-3, "{total} vs {equity}:\n{printed}");

    // The same seed gives the same statistics, curve included.
    let again =
        report_support::mycelium(&["run", "--ticks", "20000", "--report", "rep2"], tmp.path());
    assert!(again.status.success());
    let text = std::fs::read_to_string(tmp.path().join("rep2/summary.json")).expect("summary");
    let w: Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(v["backtest"], w["backtest"], "deterministic");
}
