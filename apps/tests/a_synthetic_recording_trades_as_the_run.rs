//! `mycelium record` of the synthetic feed records what `mycelium run` publishes for
//! the same config (seed, symbols, rate), so replaying the recording through the same
//! pipeline trades exactly as the run did.
mod cluster_support;

use std::path::Path;
use std::process::Command;

use cluster_support::trades;

fn mycelium() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mycelium"))
}

fn stdout(command: &mut Command) -> String {
    let out = command.output().expect("mycelium");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `run` and `record` + `replay` with the same `config` args and extra record args;
/// the trading of both.
fn run_and_replay(dir: &Path, config: &[&str], record: &[&str]) -> (String, String) {
    let run = stdout(mycelium().arg("run").args(config).args(["--ticks", "4000"]));
    let rec = dir.join("feed.myct");
    stdout(
        mycelium()
            .arg("record")
            .args(config)
            .args(record)
            .args(["--ticks", "4000", "--out"])
            .arg(&rec),
    );
    let replay = stdout(mycelium().arg("replay").args(config).arg(&rec));
    assert!(run.starts_with("ticks 4000 "), "{run}");
    assert!(replay.starts_with("ticks 4000 "), "{replay}");
    (trades(&run), trades(&replay))
}

#[test]
fn the_default_run_and_its_recording_trade_alike() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (run, replay) = run_and_replay(dir.path(), &[], &[]);
    assert!(run.contains("fills"), "{run}");
    assert_eq!(run, replay);
}

#[test]
fn a_config_with_its_own_seed_and_rate_records_as_it_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("pipeline.toml");
    let default = stdout(mycelium().arg("config"));
    let edited = default.replace("seed = 1", "seed = 9").replace("rate = 50000", "rate = 20000");
    assert_ne!(edited, default);
    std::fs::write(&config, edited).expect("write config");
    let config = config.display().to_string();
    let (run, replay) = run_and_replay(dir.path(), &["--config", &config], &[]);
    assert_eq!(run, replay);
    // Another rate spaces the timestamps otherwise: the trading differs.
    let (_, other) = run_and_replay(dir.path(), &["--config", &config], &["--rate", "1000"]);
    assert_ne!(run, other, "the rate must matter");
}
