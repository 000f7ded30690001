//! `mycelium fidelity` on a small seed prints one row per queue model, and the
//! risk-averse model's row keeps its bound against the L3 truth: never earlier, never
//! more than the truth. The same seed prints the same table.

mod report_support;

use report_support::mycelium;

/// The table's cells of the row whose model is `model`.
fn row<'a>(table: &'a str, model: &str) -> Vec<&'a str> {
    table
        .lines()
        .map(|l| l.split('|').map(str::trim).collect::<Vec<_>>())
        .find(|cells| cells.get(1) == Some(&model))
        .unwrap_or_else(|| panic!("no row for {model}:\n{table}"))
}

/// The ratio before the count in a cell such as `0.834 (1234)`.
fn ratio(cell: &str) -> f64 {
    cell.split_whitespace().next().and_then(|r| r.parse().ok()).expect("a ratio")
}

#[test]
fn risk_averse_never_fills_earlier_or_more_than_the_truth() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let args = ["fidelity", "--seed", "2", "--events", "100000"];
    let out = mycelium(&args, tmp.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(table.contains("truth (L3 FIFO)"), "{table}");
    assert!(table.contains("seed 2, 100000 events"), "{table}");
    // | model | fills vs truth | qty vs truth | orders filled | mean | p99 | early | over |
    let ra = row(&table, "risk-averse");
    assert!(ratio(ra[2]) <= 1.0 && ratio(ra[3]) <= 1.0, "more than the truth:\n{table}");
    assert_eq!((ra[7], ra[8]), ("0", "0"), "early or over fills:\n{table}");
    // A probabilistic model is compared too, and the comparison can see it fill early.
    let power = row(&table, "prob power n=1");
    assert!(power[7].parse::<u64>().expect("early count") > 0, "{table}");

    let again = mycelium(&args, tmp.path());
    let again = String::from_utf8_lossy(&again.stdout);
    let without_time =
        |t: &str| t.lines().filter(|l| l.starts_with('|')).collect::<Vec<_>>().join("\n");
    assert_eq!(without_time(&table), without_time(&again), "the same seed, the same table");
}

#[test]
fn too_few_events_is_a_clear_error() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mycelium"))
        .args(["fidelity", "--events", "10"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--events"));
}
