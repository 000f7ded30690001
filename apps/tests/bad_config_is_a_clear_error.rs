//! A bad config names the key and the line; an unknown strategy lists the known ones.
use mycelium_apps::PipelineConfig;
use mycelium_strategies::StrategyRegistry;

#[test]
fn a_wrong_key_is_named_with_its_line() {
    let text = "[feed]\nsymbols = 2\nsymbls = 3\n";
    let err = PipelineConfig::parse(text, "my.toml").unwrap_err().to_string();
    assert!(err.contains("my.toml"), "{err}");
    assert!(err.contains("symbls"), "names the key: {err}");
    assert!(err.contains("line 3"), "names the line: {err}");
}

#[test]
fn a_wrong_type_is_named() {
    let err =
        PipelineConfig::parse("[feed]\nrate = \"fast\"\n", "my.toml").unwrap_err().to_string();
    assert!(err.contains("rate") || err.contains("line 2"), "{err}");
}

#[test]
fn an_unknown_strategy_lists_the_known_ones() {
    let err = StrategyRegistry::with_samples()
        .prepare("martingale", &toml::Table::new())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("martingale")
            && err.contains("market_maker")
            && err.contains("moving_average"),
        "{err}"
    );
}

#[test]
fn bad_strategy_parameters_are_named() {
    let mut params = toml::Table::new();
    params.insert("fastt".into(), toml::Value::Integer(3));
    let err = StrategyRegistry::with_samples()
        .prepare("moving_average", &params)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("fastt"), "{err}");
}

#[test]
fn the_default_config_parses() {
    let c = PipelineConfig::default_config().unwrap();
    assert_eq!(c.strategies.len(), 2);
}
