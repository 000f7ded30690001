//! The scripts that run a built binary find it where cargo put it: under
//! `$CARGO_TARGET_DIR` when set, not a hard-coded `./target`.

const SCRIPTS: [&str; 5] = [
    "demo-multiprocess.sh",
    "demo-multihost.sh",
    "bench-cluster.sh",
    "bench.sh",
    "bench-journal.sh",
];

#[test]
fn every_binary_path_goes_through_cargo_target_dir() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts");
    for script in SCRIPTS {
        let text = std::fs::read_to_string(format!("{dir}/{script}")).expect("read the script");
        assert!(text.contains("${CARGO_TARGET_DIR:-target}"), "{script} ignores CARGO_TARGET_DIR");
        for (n, line) in text.lines().enumerate() {
            assert!(
                !line.contains("target/release") || line.trim_start().starts_with('#'),
                "{script}:{}: a hard-coded target directory: {line}",
                n + 1
            );
        }
        let syntax =
            std::process::Command::new("bash").arg("-n").arg(format!("{dir}/{script}")).status();
        assert!(syntax.expect("bash").success(), "{script} does not parse");
    }
}
