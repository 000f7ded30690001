//! `run` and the full-pipeline `replay` draw a progress bar with a total and an ETA on
//! a terminal, and nothing when stderr is not one.

use std::process::Command;

fn mycelium() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mycelium"));
    command.env_remove("RUST_LOG");
    command
}

#[test]
fn piped_output_gets_no_bar() {
    let out = mycelium().args(["run", "--ticks", "20000"]).output().expect("run");
    assert!(out.status.success());
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_terminal_gets_a_bar_with_a_total_and_an_eta() {
    // `script` runs the command on a pseudo-terminal.
    let Ok(out) = Command::new("script")
        .args([
            "-qec",
            &format!("{} run --ticks 40000", env!("CARGO_BIN_EXE_mycelium")),
            "/dev/null",
        ])
        .env_remove("RUST_LOG")
        .output()
    else {
        println!("skipped: no `script` to make a terminal");
        return;
    };
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(screen.contains("% of the ticks") && screen.contains("ETA"), "{screen}");
}
