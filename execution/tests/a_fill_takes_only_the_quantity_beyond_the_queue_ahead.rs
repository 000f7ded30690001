//! A fill happens only once the queue ahead is used up, for the quantity beyond it (in
//! whole lots), and the order is then at the front of its level.

use mycelium_execution::{QueueModel, QueuePos};

#[test]
fn a_trade_larger_than_the_queue_ahead_fills_the_excess() {
    let model = QueueModel::RiskAverse;
    let mut pos = QueuePos::join(40);
    assert_eq!(model.on_trade(&mut pos, 55, 1), 15);
    assert_eq!(pos.ahead, 0);
    assert_eq!(model.on_trade(&mut pos, 7, 1), 7, "at the front, a trade reaches it whole");
}

#[test]
fn the_fill_is_whole_lots_never_more_than_the_excess() {
    let model = QueueModel::Power { n: 2.0 };
    let mut pos = QueuePos::join(400);
    // 560 - 400 = 160 beyond, in lots of 100: one lot.
    assert_eq!(model.on_trade(&mut pos, 560, 100), 100);
    let mut pos = QueuePos::join(400);
    assert_eq!(model.on_trade(&mut pos, 490, 100), 0, "less than a lot beyond");
}
