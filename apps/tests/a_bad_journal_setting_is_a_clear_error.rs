//! A bad `[journal]` value is an error naming the key (and its line, where the TOML
//! parser knows it); the good ones parse.
use mycelium_apps::PipelineConfig;
use mycelium_journal::Durability;

fn error(text: &str) -> String {
    PipelineConfig::parse(text, "my.toml").expect_err("a bad journal setting").to_string()
}

#[test]
fn an_unknown_mode_names_the_key_and_the_modes() {
    let err = error("[journal]\ndir = \"j\"\nmode = \"sometimes\"\n");
    assert!(err.contains("journal.mode"), "{err}");
    assert!(err.contains("off, process or fsync"), "{err}");
    assert!(err.contains("line 3"), "{err}");
}

#[test]
fn a_negative_snapshot_interval_names_its_line() {
    let err = error("[journal]\nsnapshot_interval = -3\n");
    assert!(err.contains("snapshot_interval") && err.contains("line 2"), "{err}");
}

#[test]
fn an_empty_dir_and_an_unknown_key_are_named() {
    assert!(error("[journal]\ndir = \"\"\n").contains("journal.dir"));
    assert!(error("[journal]\ndirectory = \"j\"\n").contains("directory"));
}

#[test]
fn good_settings_parse() {
    let config = PipelineConfig::parse(
        "[journal]\ndir = \"j\"\nmode = \"fsync\"\nsnapshot_interval = 5\n",
        "ok",
    )
    .expect("parses");
    assert_eq!(config.journal.mode, Durability::Fsync);
    assert_eq!(config.journal.snapshot_interval, 5);
    assert_eq!(config.journal.active_dir(), Some(std::path::Path::new("j")));
    let off =
        PipelineConfig::parse("[journal]\ndir = \"j\"\nmode = \"off\"\n", "ok").expect("parses");
    assert_eq!(off.journal.active_dir(), None, "mode off journals nothing");
}
