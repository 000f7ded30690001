//! `register_params` takes closures, not only `fn` items: a strategy whose maker
//! captures what its instances share (here a log of the parameters each start got)
//! is registered and made like any other, once per (re)start.

use std::sync::{Arc, Mutex};

use mycelium_market_data::MarketTick;
use mycelium_strategies::{Strategy, StrategyContext, StrategyRegistry};
use serde::Deserialize;

#[derive(Clone, Deserialize)]
struct Params {
    label: String,
}

struct Logged;

impl Strategy for Logged {
    fn on_tick(&mut self, _tick: &MarketTick, _ctx: &mut StrategyContext) {}
}

#[test]
fn a_capturing_closure_is_called_once_per_start() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut registry = StrategyRegistry::new();
    let captured = log.clone();
    registry.register_params("logged", move |p: Params| {
        captured.lock().expect("log").push(p.label);
        Logged
    });
    let params = toml::from_str("label = \"first\"").expect("params");
    let maker = registry.prepare("logged", &params).expect("known, with good params");
    assert!(log.lock().expect("log").is_empty(), "checking the parameters makes nothing");
    let _first = maker();
    let _restarted = maker();
    assert_eq!(*log.lock().expect("log"), ["first", "first"]);
    let bad = toml::from_str("label = 3").expect("toml");
    assert!(registry.prepare("logged", &bad).is_err(), "the parameters are still checked");
}
