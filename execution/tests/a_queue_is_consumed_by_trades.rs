//! Trades at an order's price consume the queue ahead of it first, under every model:
//! no fill while any of the queue ahead is left.

use mycelium_execution::{QueueModel, QueuePos};

const MODELS: [QueueModel; 6] = [
    QueueModel::RiskAverse,
    QueueModel::Power { n: 2.0 },
    QueueModel::Log,
    QueueModel::Power2 { n: 2.0 },
    QueueModel::Log2,
    QueueModel::Power3 { n: 3.0 },
];

#[test]
fn trades_take_the_queue_ahead_before_the_order() {
    for model in MODELS {
        let mut pos = QueuePos::join(100);
        assert_eq!(model.on_trade(&mut pos, 30, 1), 0, "{model}");
        assert_eq!(model.on_trade(&mut pos, 50, 1), 0, "{model}");
        assert_eq!(pos.ahead, 20, "{model}: 80 of the 100 ahead traded");
        assert_eq!(model.on_trade(&mut pos, 20, 1), 0, "{model}: exactly the queue ahead");
        assert_eq!(pos.ahead, 0, "{model}: now at the front");
        assert_eq!(model.on_trade(&mut pos, 4, 1), 4, "{model}: the next trade reaches it");
    }
}

#[test]
fn a_size_change_explained_by_the_trades_moves_no_model_further() {
    for model in MODELS {
        let mut pos = QueuePos::join(100);
        model.on_trade(&mut pos, 30, 1);
        // The venue then publishes the level 130 -> 100: the 30 that traded.
        model.on_depth(&mut pos, 130, 100);
        assert_eq!(pos.ahead, 70, "{model}: the trade is not counted twice");
    }
}
