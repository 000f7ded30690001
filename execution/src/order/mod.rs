//! Orders, cancels and the updates execution sends back.
//!
//! An order is identified by the pair ([`StrategyId`], [`ClientOrderId`]): client order
//! ids are chosen by the strategy and only need to be unique within it. Every message
//! carries the [`TickStamp`] of the tick the strategy reacted to; that exchange time is
//! the order's logical time (risk's rate window, the simulated latency and the timestamps
//! of the immediate answers all use it), so a run is deterministic whatever the wall
//! clock does.
//!
//! All types here derive rkyv `Archive`/`Serialize`/`Deserialize` (to cross processes)
//! and serde `Serialize`/`Deserialize` (for reports). [`Symbol`] and [`Side`] are
//! serialized by serde as their text (`"BTCUSDT"`, `"Buy"`).

use std::fmt;

use mycelium_market_data::{Price, Qty, Side, Symbol};
use serde::{Deserialize, Serialize};

mod cancel;
mod update;

pub use cancel::{Cancel, CancelAction};
pub use update::*;

/// Identifies a strategy (the routing key of [`OrderUpdate`]s).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
    Serialize,
    Deserialize,
)]
#[serde(transparent)]
pub struct StrategyId(pub u32);

impl fmt::Display for StrategyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "strategy-{}", self.0)
    }
}

/// A strategy's id for one of its orders, unique within that strategy.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
    Serialize,
    Deserialize,
)]
#[serde(transparent)]
pub struct ClientOrderId(pub u64);

impl fmt::Display for ClientOrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// The exchange time and per-source sequence number of a tick (logical time).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
    Serialize,
    Deserialize,
)]
pub struct TickStamp {
    /// Exchange time of the tick, ns since the Unix epoch.
    pub exchange_ts_ns: i64,
    /// The tick's sequence number.
    pub seq: u64,
}

/// How an order executes.
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
pub enum OrderType {
    /// Limit order: takes what it can at or better than its price, rests the rest.
    Limit,
    /// Market order: takes the displayed best price; the rest is cancelled. No price.
    Market,
    /// Immediate-or-cancel limit: takes what it can at or better than its price, the
    /// rest is cancelled.
    Ioc,
    /// Fill-or-kill limit: on arrival, fills its whole quantity at or better than its
    /// price, or nothing (cancelled unfilled).
    Fok,
}

/// Options of an order beyond its type. Each defaults to off.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
    Serialize,
    Deserialize,
)]
#[serde(default)]
pub struct OrderOptions {
    /// Post-only (GTX), limit orders only: never takes liquidity. One that would take on
    /// arrival is rejected `WouldTake`, or repriced one tick behind the touch when the
    /// exchange is configured so ([`PostOnly`](crate::PostOnly)).
    pub post_only: bool,
    /// Reduce-only: never increases the absolute position; cut to the position when
    /// larger, rejected `ReduceOnlyNoPosition` when there is nothing to reduce.
    pub reduce_only: bool,
    /// Good-till-date, limit orders only: the exchange time (ns since the Unix epoch)
    /// at which what is left of the order expires (`Expired`).
    pub expire_at_ns: Option<i64>,
}

/// A new order from a strategy.
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
pub struct Order {
    /// The strategy's id for this order.
    pub client_order_id: ClientOrderId,
    /// The sending strategy.
    pub strategy: StrategyId,
    /// Instrument.
    #[serde(with = "crate::serde_util::symbol")]
    pub symbol: Symbol,
    /// Buy or sell.
    #[serde(with = "crate::serde_util::side")]
    pub side: Side,
    /// Quantity, `> 0`.
    pub qty: f64,
    /// Limit price: required for [`OrderType::Limit`], [`OrderType::Ioc`] and
    /// [`OrderType::Fok`], absent for [`OrderType::Market`].
    pub limit_px: Option<f64>,
    /// Order type.
    pub kind: OrderType,
    /// The tick the strategy reacted to (the order's logical time).
    pub reacted_to: TickStamp,
    /// Post-only, reduce-only, good-till-date.
    #[serde(default)]
    pub options: OrderOptions,
}

impl Order {
    /// A limit order.
    pub fn limit(
        strategy: StrategyId,
        client_order_id: ClientOrderId,
        symbol: Symbol,
        side: Side,
        qty: f64,
        limit_px: f64,
        reacted_to: TickStamp,
    ) -> Self {
        Self {
            client_order_id,
            strategy,
            symbol,
            side,
            qty,
            limit_px: Some(limit_px),
            kind: OrderType::Limit,
            reacted_to,
            options: OrderOptions::default(),
        }
    }

    /// An immediate-or-cancel limit order.
    pub fn ioc(
        strategy: StrategyId,
        client_order_id: ClientOrderId,
        symbol: Symbol,
        side: Side,
        qty: f64,
        limit_px: f64,
        reacted_to: TickStamp,
    ) -> Self {
        Self {
            kind: OrderType::Ioc,
            ..Self::limit(strategy, client_order_id, symbol, side, qty, limit_px, reacted_to)
        }
    }

    /// A market order.
    pub fn market(
        strategy: StrategyId,
        client_order_id: ClientOrderId,
        symbol: Symbol,
        side: Side,
        qty: f64,
        reacted_to: TickStamp,
    ) -> Self {
        Self {
            client_order_id,
            strategy,
            symbol,
            side,
            qty,
            limit_px: None,
            kind: OrderType::Market,
            reacted_to,
            options: OrderOptions::default(),
        }
    }

    /// A fill-or-kill limit order.
    pub fn fok(
        strategy: StrategyId,
        client_order_id: ClientOrderId,
        symbol: Symbol,
        side: Side,
        qty: f64,
        limit_px: f64,
        reacted_to: TickStamp,
    ) -> Self {
        Self {
            kind: OrderType::Fok,
            ..Self::limit(strategy, client_order_id, symbol, side, qty, limit_px, reacted_to)
        }
    }

    /// The same order, post-only.
    pub fn post_only(self) -> Self {
        Self { options: OrderOptions { post_only: true, ..self.options }, ..self }
    }

    /// The same order, reduce-only.
    pub fn reduce_only(self) -> Self {
        Self { options: OrderOptions { reduce_only: true, ..self.options }, ..self }
    }

    /// The same order, good till exchange time `expire_at_ns`.
    pub fn good_till(self, expire_at_ns: i64) -> Self {
        Self { options: OrderOptions { expire_at_ns: Some(expire_at_ns), ..self.options }, ..self }
    }

    /// Checks the order's shape: a finite quantity `> 0`; a finite limit price `> 0` for
    /// limit, IOC and FOK orders; no price on a market order; post-only and an expiry
    /// time on limit orders only.
    pub fn validate(&self) -> Result<(), RejectReason> {
        let qty_ok = self.qty.is_finite() && self.qty > 0.0;
        let px_ok = match (self.kind, self.limit_px) {
            (OrderType::Market, None) => true,
            (OrderType::Limit | OrderType::Ioc | OrderType::Fok, Some(px)) => {
                px.is_finite() && px > 0.0
            }
            _ => false,
        };
        let resting = self.kind == OrderType::Limit;
        let options_ok =
            resting || (!self.options.post_only && self.options.expire_at_ns.is_none());
        if qty_ok && px_ok && options_ok {
            Ok(())
        } else {
            Err(RejectReason::InvalidOrder)
        }
    }

    /// `true` when `other` is the very same order (a resend): every field equal, prices
    /// and quantities compared bit for bit (so a resent NaN order matches itself).
    pub fn same_as(&self, other: &Order) -> bool {
        self.client_order_id == other.client_order_id
            && self.strategy == other.strategy
            && self.symbol == other.symbol
            && self.side == other.side
            && self.qty.to_bits() == other.qty.to_bits()
            && self.limit_px.map(f64::to_bits) == other.limit_px.map(f64::to_bits)
            && self.kind == other.kind
            && self.reacted_to == other.reacted_to
            && self.options == other.options
    }

    /// This order with its quantity and limit price at the decimals of nine
    /// fractional digits they stand for (the books' fixed point), as the nearest `f64`:
    /// a limit of `0.1 + 0.2` becomes `0.3`, so it meets a bid of `0.3` as the decimal
    /// does, not one unit in the last place above it. Execution takes every order
    /// this way. A value that is not finite or is out of range stays as it is (the
    /// order's validation refuses it).
    pub fn on_decimal_grid(mut self) -> Self {
        self.qty = Qty::from_f64(self.qty).map_or(self.qty, Qty::to_f64);
        self.limit_px = self.limit_px.map(|px| Price::from_f64(px).map_or(px, Price::to_f64));
        self
    }

    /// `+1.0` for a buy, `-1.0` for a sell.
    pub fn sign(&self) -> f64 {
        side_sign(self.side)
    }
}

/// `+1.0` for [`Side::Buy`], `-1.0` for [`Side::Sell`].
pub fn side_sign(side: Side) -> f64 {
    match side {
        Side::Buy => 1.0,
        Side::Sell => -1.0,
    }
}
