//! Orders, cancels, updates and positions survive an rkyv round trip (validated access)
//! unchanged, as they must to cross processes.

mod common;

use common::*;
use mycelium_execution::{
    order::ArchivedOrder, Cancel, Fill, Liquidity, Order, OrderStatus, OrderUpdate, Position,
    RejectReason,
};
use mycelium_market_data::Side;
use rkyv::rancor::Error;

#[test]
fn round_trips() {
    let order = limit(7, Side::Sell, 1.5, 100.25, 123);
    let bytes = rkyv::to_bytes::<Error>(&order).expect("serialize");
    let archived = rkyv::access::<ArchivedOrder, Error>(&bytes).expect("valid");
    assert_eq!(archived.client_order_id.0, 7);
    assert_eq!(rkyv::deserialize::<Order, Error>(archived).expect("deserialize"), order);

    let c: Cancel = cancel(7, 456);
    let bytes = rkyv::to_bytes::<Error>(&c).expect("serialize");
    assert_eq!(rkyv::from_bytes::<Cancel, Error>(&bytes).expect("valid"), c);

    for status in [OrderStatus::PartiallyFilled, OrderStatus::Rejected(RejectReason::PriceCollar)] {
        let update = OrderUpdate {
            client_order_id: order.client_order_id,
            strategy: S1,
            symbol: sym(),
            status,
            filled_qty: 0.5,
            last_fill: Some(Fill {
                px: 100.25,
                qty: 0.5,
                side: Side::Sell,
                liquidity: Liquidity::Maker,
            }),
            leaves_qty: 1.0,
            ts_ns: 789,
            refused: None,
        };
        let bytes = rkyv::to_bytes::<Error>(&update).expect("serialize");
        assert_eq!(rkyv::from_bytes::<OrderUpdate, Error>(&bytes).expect("valid"), update);
    }

    let mut p = Position::flat(S1, sym());
    p.apply_fill(
        &Fill { px: 10.0, qty: 2.0, side: Side::Buy, liquidity: Liquidity::Taker },
        Default::default(),
        "0.01".parse().expect("decimal"),
    );
    let bytes = rkyv::to_bytes::<Error>(&p).expect("serialize");
    assert_eq!(rkyv::from_bytes::<Position, Error>(&bytes).expect("valid"), p);
}
