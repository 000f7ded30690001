//! A bad config names the key and the line; an unknown strategy lists the known ones;
//! values that cannot be right (a negative size or latency, `fast >= slow`, two
//! spinning strategies on one core, a node's runtime pinned where its strategy spins,
//! a symbol the feed never carries, an answer lag with a journal) are errors naming
//! the key.
use mycelium::Node;
use mycelium_apps::cluster::ClusterConfig;
use mycelium_apps::{FeedSource, Pipeline, PipelineConfig};
use mycelium_market_data::{Format, Speed};
use mycelium_strategies::StrategyRegistry;

fn params(text: &str) -> toml::Table {
    toml::from_str(text).expect("toml")
}

fn bad_params(kind: &str, text: &str) -> String {
    let err = StrategyRegistry::with_samples().prepare(kind, &params(text)).err();
    err.expect("bad parameters").to_string()
}

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

#[test]
fn a_negative_size_is_named() {
    let err = bad_params("market_maker", "qty = -1.0");
    assert!(err.contains("qty must be positive, not -1"), "{err}");
    let err = bad_params("moving_average", "qty = 0.0");
    assert!(err.contains("qty must be positive, not 0"), "{err}");
}

#[test]
fn fast_not_below_slow_is_named() {
    let err = bad_params("moving_average", "fast = 100\nslow = 100");
    assert!(err.contains("fast (100) must be less than slow (100)"), "{err}");
}

#[test]
fn a_negative_order_latency_is_named() {
    let text = "[execution.exchange]\norder_latency_ns = -5\n";
    let err = PipelineConfig::parse(text, "my.toml").unwrap_err().to_string();
    assert!(err.contains("execution.exchange.order_latency_ns must be 0 or more, not -5"), "{err}");
}

#[test]
fn an_unreadable_latency_file_is_named() {
    let text = "[execution.exchange.latency]\nentry = { file = \"/nonexistent/latency.csv\" }\n";
    let err = PipelineConfig::parse(text, "my.toml").unwrap_err().to_string();
    assert!(
        err.contains("execution.exchange.latency") && err.contains("/nonexistent/latency.csv"),
        "{err}"
    );
    let text = "[execution.exchange.latency]\nresponse = { constant_ns = -1 }\n";
    let err = PipelineConfig::parse(text, "my.toml").unwrap_err().to_string();
    assert!(err.contains("execution.exchange.latency.response must be 0 or more"), "{err}");
}

const TWO_PINNED: &str = r#"
[[strategy]]
name = "a"
kind = "market_maker"
pinned_core = 1
[[strategy]]
name = "b"
kind = "moving_average"
pinned_core = 1
"#;

#[test]
fn two_spinning_strategies_on_one_core_are_named() {
    let err = PipelineConfig::parse(TWO_PINNED, "my.toml").unwrap_err().to_string();
    assert!(err.contains(r#""a" and "b" both spin on pinned_core 1"#), "{err}");
    // On two nodes (two hosts), the same core number is two cores.
    let pipeline = TWO_PINNED.replace("[[strategy]]", "[[pipeline.strategy]]");
    let cluster = |b_node: &str| {
        format!(
            "secret = \"s\"\n[roles]\nfeed = \"x\"\nexecution = \"x\"\n\
             strategies = {{ a = \"x\", b = \"{b_node}\" }}\n\
             [[node]]\nname = \"x\"\ntcp = \"127.0.0.1:1\"\n\
             [[node]]\nname = \"y\"\ntcp = \"127.0.0.1:2\"\n{pipeline}"
        )
    };
    assert!(ClusterConfig::parse(&cluster("y"), "c.toml").is_ok());
    let err = ClusterConfig::parse(&cluster("x"), "c.toml").unwrap_err().to_string();
    assert!(err.contains("both spin on pinned_core 1"), "{err}");
}

#[test]
fn a_node_runtime_on_the_core_of_its_spinning_strategy_is_named() {
    let pipeline =
        "[[pipeline.strategy]]\nname = \"a\"\nkind = \"market_maker\"\npinned_core = 1\n";
    let cluster = |x_core: usize, y_core: usize| {
        format!(
            "secret = \"s\"\n[roles]\nfeed = \"x\"\nexecution = \"y\"\nstrategies = {{ a = \"x\" }}\n\
             [[node]]\nname = \"x\"\ntcp = \"127.0.0.1:1\"\ncore = {x_core}\n\
             [[node]]\nname = \"y\"\ntcp = \"127.0.0.1:2\"\ncore = {y_core}\n{pipeline}"
        )
    };
    // The other node's core 1 is another host's, or another process's to share.
    let ok = ClusterConfig::parse(&cluster(0, 1), "c.toml").unwrap();
    assert_eq!(ok.node("x").and_then(|n| n.core), Some(0));
    let err = ClusterConfig::parse(&cluster(1, 0), "c.toml").unwrap_err().to_string();
    assert!(
        err.contains(r#"node "x" pins its runtime to core 1, where strategy "a" spins"#),
        "{err}"
    );
}

#[test]
fn a_symbol_that_is_no_symbol_is_named() {
    let text = "[[strategy]]\nname = \"mm\"\nkind = \"market_maker\"\n[strategy.params]\nsymbols = [\"\"]\n";
    let err = PipelineConfig::parse(text, "my.toml").unwrap_err().to_string();
    assert!(err.contains(r#"[[strategy]] "mm": params.symbols"#), "{err}");
}

#[tokio::test]
async fn an_answer_lag_with_a_journal_is_refused() {
    let mut config = PipelineConfig::default_config().expect("default");
    config.strategies[1].answer_lag = 2;
    let dir = tempfile::tempdir().expect("temp dir");
    config.journal.dir = Some(dir.path().join("journal"));
    let registry = StrategyRegistry::with_samples();
    let synthetic = FeedSource::synthetic(&config.feed, 100);
    let err = Pipeline::start(&Node::new("t"), &config, &registry, synthetic).await.err();
    let err = format!("{:#}", err.expect("an error"));
    let name = &config.strategies[1].name;
    assert!(
        err.contains(&format!(
            "[[strategy]] {name:?}: answer_lag with a journal is not supported yet"
        )),
        "{err}"
    );
    assert!(!dir.path().join("journal").exists(), "nothing started");
}

#[tokio::test]
async fn a_strategy_symbol_the_feed_never_carries_is_named() {
    let mut config = PipelineConfig::default_config().expect("default");
    config.strategies[0]
        .params
        .insert("symbols".into(), toml::Value::Array(vec!["BTCUSDT".into()]));
    let registry = StrategyRegistry::with_samples();
    let synthetic = FeedSource::synthetic(&config.feed, 100);
    let err = Pipeline::start(&Node::new("t"), &config, &registry, synthetic).await.err();
    let err = format!("{:#}", err.expect("an error"));
    assert!(err.contains(r#"[[strategy]] "mm": params.symbols: the feed never carries BTCUSDT (it carries SYN0, SYN1, SYN2, SYN3)"#), "{err}");
    // A replay filtered to other symbols never carries it either.
    let filtered = FeedSource::Recorded(mycelium_apps::pipeline::Recorded {
        files: vec!["unread.jsonl".into()],
        format: Format::Auto,
        strict: false,
        symbols: vec!["ETHUSDT".parse().expect("symbol")],
        speed: Speed::Max,
    });
    let err = Pipeline::start(&Node::new("t"), &config, &registry, filtered).await.err();
    let err = format!("{:#}", err.expect("an error"));
    assert!(err.contains("the feed never carries BTCUSDT (it carries ETHUSDT)"), "{err}");
}
