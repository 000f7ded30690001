//! On a small seeded L3 stream, the risk-averse model, fed the derived L2 stream, never
//! fills an order earlier or more than the exact L3 FIFO simulation of the same orders,
//! whether on its own or run by the simulated exchange a backtest uses; and the
//! comparison does catch a model that does (the optimistic linear one).

use mycelium_execution::fidelity::{run, FidelityConfig};
use mycelium_execution::QueueModel;
use mycelium_market_data::l3::L3Config;

fn config(seed: u64, events: u64) -> FidelityConfig {
    FidelityConfig {
        l3: L3Config { seed, events, ..L3Config::default() },
        models: vec![QueueModel::RiskAverse, QueueModel::Power { n: 1.0 }],
        exchange_models: vec![QueueModel::RiskAverse, QueueModel::Power { n: 1.0 }],
        warmup_events: 10_000,
        ..FidelityConfig::default()
    }
}

#[test]
fn the_risk_averse_bound_holds_against_the_l3_truth() {
    let mut optimistic_early = 0;
    for seed in [1, 2] {
        let report = run(&config(seed, 100_000)).expect("the generated stream applies");
        assert!(report.truth_orders_filled >= 20, "seed {seed}: too few fills to test:\n{report}");
        for ra in [&report.models[0], &report.exchange[0]] {
            assert_eq!(ra.model, QueueModel::RiskAverse);
            assert_eq!(ra.early, 0, "seed {seed}: an order filled before the truth:\n{report}");
            assert_eq!(ra.over, 0, "seed {seed}: an order filled more than the truth:\n{report}");
            assert!(ra.qty <= report.truth_qty, "seed {seed}:\n{report}");
            assert!(ra.orders_filled <= report.truth_orders_filled, "seed {seed}:\n{report}");
        }
        // The exchange does fill: its queue rules are not a bound by never filling.
        let exchange_qty = report.exchange[0].qty as f64;
        assert!(exchange_qty >= 0.5 * report.truth_qty as f64, "seed {seed}:\n{report}");
        optimistic_early += report.models[1].early + report.exchange[1].early;
    }
    assert!(optimistic_early > 0, "the comparison sees early fills of an optimistic model");
}

#[test]
fn the_same_seed_gives_the_same_report() {
    let a = run(&config(3, 40_000)).expect("applies");
    let b = run(&config(3, 40_000)).expect("applies");
    assert_eq!(a, b);
}
