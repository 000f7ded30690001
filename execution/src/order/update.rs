//! What execution sends back: [`OrderUpdate`], [`Fill`], [`OrderStatus`],
//! [`RejectReason`], [`Liquidity`].

use mycelium_market_data::{Side, Symbol};
use serde::{Deserialize, Serialize};

use super::{ClientOrderId, StrategyId};

/// Why an order (or a cancel) was rejected: one variant per pre-trade risk check, then
/// the exchange's own reasons.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    thiserror::Error,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
    Serialize,
    Deserialize,
)]
pub enum RejectReason {
    /// Quantity above [`RiskLimits::max_order_qty`](crate::RiskLimits::max_order_qty).
    #[error("order quantity above the maximum")]
    MaxOrderQty,
    /// Notional (qty x price) above [`RiskLimits::max_notional`](crate::RiskLimits::max_notional).
    #[error("order notional above the maximum")]
    MaxNotional,
    /// The order could take the position beyond [`RiskLimits::max_position`](crate::RiskLimits::max_position).
    #[error("order would exceed the position limit")]
    PositionLimit,
    /// More than [`RiskLimits::max_orders_per_sec`](crate::RiskLimits::max_orders_per_sec)
    /// orders in one second of exchange time.
    #[error("order rate limit exceeded")]
    OrderRate,
    /// Limit price too far from the reference price.
    #[error("limit price outside the price collar")]
    PriceCollar,
    /// A different order already used this client order id.
    #[error("client order id already used by another order")]
    DuplicateClientOrderId,
    /// The symbol is not traded here.
    #[error("unknown symbol")]
    UnknownSymbol,
    /// No market yet: a market order before any quote on the side it would take (or an
    /// order whose notional cannot be priced).
    #[error("no market for the symbol yet")]
    NoMarket,
    /// Cancel of an order execution does not know.
    #[error("unknown order")]
    UnknownOrder,
    /// Malformed order: quantity not > 0, limit without price, market with a price, NaN.
    #[error("invalid order")]
    InvalidOrder,
    /// Limit price not a whole number of the instrument's ticks.
    #[error("price off the instrument's tick grid")]
    OffTickGrid,
    /// Quantity not a whole number of the instrument's lots.
    #[error("quantity off the instrument's lot grid")]
    OffLotGrid,
    /// Quantity under the instrument's minimum.
    #[error("quantity under the instrument's minimum")]
    BelowMinQty,
    /// Notional under the instrument's minimum.
    #[error("notional under the instrument's minimum")]
    BelowMinNotional,
    /// A post-only order would have taken liquidity on arrival.
    #[error("post-only order would take liquidity")]
    WouldTake,
    /// A reduce-only order with no position (or one on its own side) to reduce.
    #[error("reduce-only order with no position to reduce")]
    ReduceOnlyNoPosition,
    /// An amend of an order that is already finished (filled, cancelled, expired or
    /// rejected): the order is unchanged.
    #[error("order already finished")]
    OrderFinished,
    /// The exchange refused the request (a rejected row of a recorded latency file:
    /// the venue was overloaded).
    #[error("the exchange refused the request")]
    ExchangeRefused,
}

/// Lifecycle state of an order: `New -> Accepted -> PartiallyFilled -> Filled /
/// Cancelled`, or `Rejected`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
    Serialize,
    Deserialize,
)]
pub enum OrderStatus {
    /// Sent by the strategy, not yet acknowledged (execution never reports it; it is the
    /// state a strategy keeps until the first update).
    New,
    /// Passed risk; working (in flight for the simulated latency, or resting).
    Accepted,
    /// Partly filled, the rest still working.
    PartiallyFilled,
    /// Completely filled (terminal).
    Filled,
    /// Cancelled, by request or as an IOC/FOK/market remainder (terminal).
    Cancelled,
    /// A good-till-date order reached its expiry time with quantity left (terminal).
    Expired,
    /// Refused (terminal).
    Rejected(RejectReason),
    /// Execution stopped answering (its process died, restarted or is cut off past
    /// every wait): what became of the order there is not known. Execution never
    /// reports it; a strategy host gives it to each open order when it loses
    /// execution, then registers again and recovers the orders execution still has
    /// (none, if it restarted). Terminal for the strategy's view.
    Unknown,
}

impl OrderStatus {
    /// `true` for `Filled`, `Cancelled`, `Expired`, `Rejected` and `Unknown`.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::Filled | Self::Cancelled | Self::Expired | Self::Rejected(_) | Self::Unknown
        )
    }
}

/// Whether a fill added or took liquidity.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
    Serialize,
    Deserialize,
)]
pub enum Liquidity {
    /// A resting order was hit.
    Maker,
    /// The order took displayed liquidity on arrival.
    Taker,
}

/// One execution.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
    Serialize,
    Deserialize,
)]
pub struct Fill {
    /// Execution price.
    pub px: f64,
    /// Executed quantity (> 0).
    pub qty: f64,
    /// The order's side.
    #[serde(with = "crate::serde_util::side")]
    pub side: Side,
    /// Maker or taker.
    pub liquidity: Liquidity,
}

/// A change of (or a report on) an order's state, routed to `strategy`.
///
/// Every lifecycle transition produces one. An update whose `last_fill` is `None` and
/// whose status repeats the previous one is a *status report*: the answer to a resent
/// order or to a cancel that came too late.
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
pub struct OrderUpdate {
    /// The order.
    pub client_order_id: ClientOrderId,
    /// Its strategy (routing key).
    pub strategy: StrategyId,
    /// Its instrument.
    #[serde(with = "crate::serde_util::symbol")]
    pub symbol: Symbol,
    /// The new status.
    pub status: OrderStatus,
    /// Cumulative filled quantity.
    pub filled_qty: f64,
    /// The fill that caused this update, if any.
    pub last_fill: Option<Fill>,
    /// Quantity still working (0 once terminal).
    pub leaves_qty: f64,
    /// Exchange time of the transition, ns since the Unix epoch.
    pub ts_ns: i64,
    /// Set on a status report that answers an amend execution refused: why (the order
    /// is unchanged).
    #[serde(default)]
    pub refused: Option<RejectReason>,
}
