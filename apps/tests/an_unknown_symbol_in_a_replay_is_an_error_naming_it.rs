//! A replay that trades a symbol with no instrument (none in the shipped table or the
//! config, and no default instrument configured) fails with an error naming the symbol;
//! with a default instrument configured the same replay runs.

use std::path::Path;
use std::process::{Command, Output};

fn replay(dir: &Path, config: Option<&Path>) -> Output {
    let file = dir.join("quotes.csv");
    let mut text = String::from("timestamp,symbol,bid,ask,bid_size,ask_size\n");
    for i in 0..40 {
        text.push_str(&format!("2024-01-01 00:00:{i:02}.000,FOOBAR,86.90,86.91,5,5\n"));
    }
    std::fs::write(&file, text).expect("write");
    let mut command = Command::new(env!("CARGO_BIN_EXE_mycelium"));
    command.arg("replay").arg(&file).env_remove("RUST_LOG");
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    command.output().expect("mycelium replay")
}

#[test]
fn an_unknown_symbol_without_a_default_instrument_fails_the_replay_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = replay(dir.path(), None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "must fail: {stderr}");
    assert!(stderr.contains("FOOBAR"), "names the symbol: {stderr}");
    assert!(stderr.contains("no instrument"), "says what is missing: {stderr}");
}

#[test]
fn a_default_instrument_lets_the_same_replay_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("default-instrument.toml");
    std::fs::write(
        &config,
        r#"
[[strategy]]
name = "mm"
kind = "market_maker"

[execution.instruments.default]
symbol = "ANY"
kind = "linear_perpetual"
tick_size = "0.01"
lot_size = "0.001"
min_qty = "0.001"
min_notional = "0"
multiplier = "1"
base = "FOO"
quote = "USD"
settle = "USD"
maker_fee = "0"
taker_fee = "0"
"#,
    )
    .expect("write config");
    let out = replay(dir.path(), Some(&config));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The maker's quotes sit on the default instrument's grid: accepted, none rejected.
    assert!(stdout.contains("accepted 2 ") && stdout.contains("rejected 0"), "{stdout}");
}
