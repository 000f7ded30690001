//! An order resting at a price where nothing is displayed is first in its queue: the
//! first trade at that price reaches it.

use mycelium_execution::fidelity::L2Sim;
use mycelium_execution::{QueueModel, QueuePos};
use mycelium_market_data::l3::Grid;
use mycelium_market_data::{DepthKind, DepthUpdate, MarketTick, Side, Symbol, TickEvent, Trade};

#[test]
fn joining_an_empty_level_leaves_nothing_ahead() {
    assert_eq!(QueuePos::join(0).ahead, 0);
    let mut pos = QueuePos::join(0);
    assert_eq!(QueueModel::RiskAverse.on_trade(&mut pos, 3, 1), 3);
}

fn tick(seq: u64, event: TickEvent) -> MarketTick {
    let sym = Symbol::new("SYNL3").expect("symbol");
    MarketTick { symbol: sym, seq, exchange_ts_ns: seq as i64, local_ts_ns: seq as i64, event }
}

#[test]
fn an_order_inside_the_spread_fills_on_the_first_trade_at_its_price() {
    let grid = Grid::default(); // tick 0.1, lot 0.001
    let level = |px: i64, lots: i64| grid.level(px, lots);
    let book = DepthUpdate {
        kind: DepthKind::Diff,
        ids: None,
        end_of_event: true,
        bids: vec![level(1000, 500)],
        asks: vec![level(1003, 500)],
    };
    let mut sim = L2Sim::new(QueueModel::RiskAverse, grid);
    sim.on_tick(&tick(1, TickEvent::Depth(Box::new(book))));
    sim.place(1, Side::Buy, 1001, 10); // a new best bid: nothing ahead
    sim.place(2, Side::Buy, 1000, 10); // behind the 500 lots at 1000
    let sell = |px: i64, lots: i64| {
        let l = grid.level(px, lots);
        TickEvent::Trade(Trade { px: l.price, qty: l.qty, aggressor: Some(Side::Sell) })
    };
    sim.on_tick(&tick(2, sell(1001, 4)));
    assert_eq!(sim.fills().of(1).qty, 4, "first in queue: the whole print");
    sim.on_tick(&tick(3, sell(1000, 4)));
    assert_eq!(sim.fills().of(2).qty, 0, "500 lots are ahead at 1000");
}
