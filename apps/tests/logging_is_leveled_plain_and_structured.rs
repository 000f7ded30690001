//! Logging: `-q` logs errors only, the default warnings, `-v` the pipeline's
//! progress, `-vv` every order and fill as a structured event; with stderr not a
//! terminal, no colour codes.

use std::process::Command;

fn stderr(flags: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_mycelium"))
        .args(flags)
        .args(["run", "--ticks", "3000"])
        .env_remove("RUST_LOG")
        .output()
        .expect("mycelium run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn each_level_logs_what_it_says() {
    assert_eq!(stderr(&["-q"]), "");
    assert_eq!(stderr(&[]), "", "a clean run warns of nothing");
    let info = stderr(&["-v"]);
    assert!(info.contains("feed started"), "{info}");
    assert!(!info.contains("DEBUG"), "{info}");

    let debug = stderr(&["-vv"]);
    let order = debug.lines().find(|l| l.contains(": order ")).expect("an order event");
    for field in ["strategy=", "order=", "symbol=SYN", "side=", "qty=", "kind="] {
        assert!(order.contains(field), "{order}");
    }
    let fill = debug.lines().find(|l| l.contains(": fill ")).expect("a fill event");
    for field in ["strategy=", "order=", "symbol=SYN", "side=", "qty=", "px=", "status="] {
        assert!(fill.contains(field), "{fill}");
    }
    assert!(!debug.contains('\u{1b}'), "colour codes in piped stderr");
}
