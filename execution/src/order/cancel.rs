//! [`Cancel`]: what a strategy asks of its open orders after placing them: a cancel, an
//! amend (cancel-replace) or a cancel of all its orders in a symbol.

use mycelium_market_data::{Price, Qty, Symbol};
use serde::{Deserialize, Serialize};

use super::{ClientOrderId, StrategyId, TickStamp};

/// A request to cancel an open order.
#[derive(
    Debug,
    Clone,
    PartialEq,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
    Serialize,
    Deserialize,
)]
pub struct Cancel {
    /// The order to cancel.
    pub client_order_id: ClientOrderId,
    /// The strategy that owns it.
    pub strategy: StrategyId,
    /// The order's instrument (only used to address the reject of an unknown order; a
    /// known order is found by strategy and client order id alone).
    #[serde(with = "crate::serde_util::symbol")]
    pub symbol: Symbol,
    /// The tick the strategy reacted to (the cancel's logical time).
    pub reacted_to: TickStamp,
    /// What is asked of the order: by default a plain cancel.
    #[serde(default)]
    pub action: CancelAction,
}

/// What a [`Cancel`] asks, effective after the order latency like the order itself.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
    Serialize,
    Deserialize,
)]
pub enum CancelAction {
    /// Cancel the order (the default).
    #[default]
    Cancel,
    /// Cancel-replace (amend) a limit order to a new total quantity and limit price. A
    /// price change or a size increase loses time priority; a size decrease (at the
    /// same price) keeps it. Refused (`OrderFinished`) for a finished order.
    Amend {
        /// New total quantity (filled included), `>` the quantity filled so far.
        qty: f64,
        /// New limit price.
        limit_px: f64,
    },
    /// Cancel every open order of the strategy in the symbol (the client order id is
    /// not used).
    CancelAll,
}

impl Cancel {
    /// A cancel of order `client_order_id`.
    pub fn order(
        strategy: StrategyId,
        client_order_id: ClientOrderId,
        symbol: Symbol,
        reacted_to: TickStamp,
    ) -> Self {
        Self { client_order_id, strategy, symbol, reacted_to, action: CancelAction::Cancel }
    }

    /// An amend of order `client_order_id` to `qty` at `limit_px`.
    pub fn amend(
        strategy: StrategyId,
        client_order_id: ClientOrderId,
        symbol: Symbol,
        qty: f64,
        limit_px: f64,
        reacted_to: TickStamp,
    ) -> Self {
        let action = CancelAction::Amend { qty, limit_px };
        Self { client_order_id, strategy, symbol, reacted_to, action }
    }

    /// A cancel of every open order of `strategy` in `symbol`.
    pub fn all(strategy: StrategyId, symbol: Symbol, reacted_to: TickStamp) -> Self {
        let (client_order_id, action) = (ClientOrderId(0), CancelAction::CancelAll);
        Self { client_order_id, strategy, symbol, reacted_to, action }
    }

    /// An amend's new quantity and price at their decimals, as
    /// [`Order::on_decimal_grid`](super::Order::on_decimal_grid) puts an order's.
    pub fn on_decimal_grid(mut self) -> Self {
        if let CancelAction::Amend { qty, limit_px } = &mut self.action {
            *qty = Qty::from_f64(*qty).map_or(*qty, Qty::to_f64);
            *limit_px = Price::from_f64(*limit_px).map_or(*limit_px, Price::to_f64);
        }
        self
    }
}
