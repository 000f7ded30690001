//! `mycelium --help` lists every command, and the package's description names them
//! all.

use std::process::Command;

const COMMANDS: [&str; 7] = ["run", "config", "replay", "record", "report", "node", "fidelity"];

#[test]
fn help_and_description_name_every_command() {
    let out = Command::new(env!("CARGO_BIN_EXE_mycelium")).arg("--help").output().expect("help");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    let listed: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for command in COMMANDS {
        assert!(listed.contains(&command), "--help does not list {command}:\n{help}");
    }
    let description = env!("CARGO_PKG_DESCRIPTION");
    for command in COMMANDS {
        assert!(description.contains(command), "the description misses {command}: {description}");
    }
}
