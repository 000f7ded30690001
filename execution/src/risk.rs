//! Pre-trade risk: [`RiskLimits`] and the [`RiskChecker`] that applies them.
//!
//! [`RiskChecker::check`] runs the checks in this order and stops at the first failure,
//! each with its own [`RejectReason`]:
//!
//! 1. **Duplicate client order id** ([`RejectReason::DuplicateClientOrderId`]): the id was
//!    already checked for this strategy. Every order that reaches this point *uses* its
//!    id, whether it is accepted or rejected later. Memory is bounded: the checker
//!    remembers the last [`RiskLimits::dedup_window`] ids per strategy (a FIFO plus an
//!    ordered set, about 40 bytes per id); an id older than that is forgotten and would
//!    pass again. The engine answers resends of known orders before this check (see
//!    [`crate::matching`]), so this check is the backstop for a *different* order reusing
//!    an id.
//! 2. **Shape** ([`RejectReason::InvalidOrder`]): see [`Order::validate`]. Then, when
//!    the symbol has an [`Instrument`], its grid, in fixed point (the order's `f64`s
//!    taken to the nearest `1e-9`): a limit price off the tick grid
//!    ([`RejectReason::OffTickGrid`]), a quantity off the lot grid
//!    ([`RejectReason::OffLotGrid`]), under the minimum quantity
//!    ([`RejectReason::BelowMinQty`]), and a notional (limit price, or the reference
//!    price for a market order) under the minimum ([`RejectReason::BelowMinNotional`]).
//! 3. **Max order quantity** ([`RejectReason::MaxOrderQty`]): `qty > max_order_qty`.
//! 4. **Max notional** ([`RejectReason::MaxNotional`]): `qty x price > max_notional`, the
//!    price being the limit price, or for a market order the reference price (with no
//!    reference price a market order is rejected with [`RejectReason::NoMarket`]).
//! 5. **Price collar** ([`RejectReason::PriceCollar`]): a limit price more than
//!    `price_collar_bps` basis points away from the reference price (mid, else last
//!    trade). Skipped when there is no reference price yet; never applied to market
//!    orders.
//! 6. **Position limit** ([`RejectReason::PositionLimit`]): `|position + signed qty| >
//!    max_position`, unless the order reduces the absolute position. The `position`
//!    passed in is the caller's worst case (the engine passes the filled position plus
//!    the working quantity of the strategy's open orders on the same side).
//! 7. **Order rate** ([`RejectReason::OrderRate`]): at most `max_orders_per_sec` orders
//!    per strategy in any 1 s window of exchange time, the window being `(now - 1 s,
//!    now]`. Only orders that pass every check count. A strategy's clock never goes
//!    backwards: `now` is the largest time seen for that strategy.
//!
//! Cancels are not risk-checked and do not count toward the rate. An amend's replacement
//! (the order at its new quantity and price) passes checks 2 to 6
//! ([`RiskChecker::check_amend`]).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use mycelium_market_data::{Instrument, Price, Qty};
use serde::{Deserialize, Serialize};

use crate::order::{ClientOrderId, Order, OrderType, RejectReason, StrategyId};

const ONE_SECOND_NS: i64 = 1_000_000_000;

/// Pre-trade limits. Deserializes with every field optional (missing fields take the
/// defaults below); unknown fields are an error.
///
/// | field | default |
/// |---|---|
/// | `max_order_qty` | `1_000.0` |
/// | `max_notional` | `1_000_000.0` |
/// | `max_position` | `10_000.0` (per strategy and symbol, absolute) |
/// | `max_orders_per_sec` | `1_000` (per strategy) |
/// | `price_collar_bps` | `500.0` (5 %) |
/// | `dedup_window` | `65_536` ids per strategy |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiskLimits {
    /// Largest quantity of one order.
    pub max_order_qty: f64,
    /// Largest notional (qty x price) of one order.
    pub max_notional: f64,
    /// Largest absolute position per strategy and symbol.
    pub max_position: f64,
    /// Most orders per strategy in any 1 s window of exchange time.
    pub max_orders_per_sec: u32,
    /// Largest distance of a limit price from the reference price, in basis points.
    pub price_collar_bps: f64,
    /// How many client order ids per strategy the duplicate check remembers.
    pub dedup_window: usize,
}

impl Default for RiskLimits {
    fn default() -> Self {
        Self {
            max_order_qty: 1_000.0,
            max_notional: 1_000_000.0,
            max_position: 10_000.0,
            max_orders_per_sec: 1_000,
            price_collar_bps: 500.0,
            dedup_window: 65_536,
        }
    }
}

/// Per-strategy state: recent order times and recently used ids.
#[derive(Debug, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
struct StrategyState {
    /// Times of the counted orders in the current window, oldest first.
    recent: VecDeque<i64>,
    /// Largest time seen.
    clock: i64,
    /// Used ids, oldest first (bounded by `dedup_window`).
    id_fifo: VecDeque<ClientOrderId>,
    /// The same ids, for lookup.
    #[rkyv(with = rkyv::with::AsVec)]
    ids: BTreeSet<ClientOrderId>,
}

impl Default for StrategyState {
    fn default() -> Self {
        Self {
            recent: VecDeque::new(),
            clock: i64::MIN,
            id_fifo: VecDeque::new(),
            ids: BTreeSet::new(),
        }
    }
}

impl StrategyState {
    fn remember(&mut self, id: ClientOrderId, window: usize) {
        if window == 0 {
            return;
        }
        while self.id_fifo.len() >= window {
            if let Some(old) = self.id_fifo.pop_front() {
                self.ids.remove(&old);
            }
        }
        self.id_fifo.push_back(id);
        self.ids.insert(id);
    }
}

/// Applies [`RiskLimits`] to orders (see the [module docs](self) for the checks).
#[derive(Debug, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct RiskChecker {
    /// Not in a snapshot: the engine restoring one supplies its own.
    #[rkyv(with = rkyv::with::Skip)]
    limits: RiskLimits,
    #[rkyv(with = rkyv::with::AsVec)]
    strategies: BTreeMap<StrategyId, StrategyState>,
}

impl RiskChecker {
    /// A checker with no history.
    pub fn new(limits: RiskLimits) -> Self {
        Self { limits, strategies: BTreeMap::new() }
    }

    pub(crate) fn set_limits(&mut self, limits: RiskLimits) {
        self.limits = limits;
    }

    /// The limits in force.
    pub fn limits(&self) -> &RiskLimits {
        &self.limits
    }

    /// Checks `order` for its strategy.
    ///
    /// - `position`: the strategy's (worst-case) signed position in the order's symbol.
    /// - `last_price`: the reference price (mid, else last trade), if any.
    /// - `instrument`: the symbol's instrument, if it has one (its grid checks).
    /// - `now_ns`: the order's exchange time (the engine passes
    ///   `order.reacted_to.exchange_ts_ns`).
    ///
    /// Records the id (always, once past the duplicate check) and, when the order
    /// passes, its time in the rate window.
    pub fn check(
        &mut self,
        order: &Order,
        position: f64,
        last_price: Option<f64>,
        instrument: Option<&Instrument>,
        now_ns: i64,
    ) -> Result<(), RejectReason> {
        let limits = &self.limits;
        let state = self.strategies.entry(order.strategy).or_default();
        if state.ids.contains(&order.client_order_id) {
            return Err(RejectReason::DuplicateClientOrderId);
        }
        state.remember(order.client_order_id, limits.dedup_window);
        Self::static_checks(limits, order, position, last_price, instrument)?;

        state.clock = state.clock.max(now_ns);
        let horizon = state.clock.saturating_sub(ONE_SECOND_NS);
        while state.recent.front().is_some_and(|&t| t <= horizon) {
            state.recent.pop_front();
        }
        if state.recent.len() >= limits.max_orders_per_sec as usize {
            return Err(RejectReason::OrderRate);
        }
        state.recent.push_back(state.clock);
        Ok(())
    }

    /// Checks the replacement of an amended order (the order with its new quantity and
    /// price): checks 2 to 6, with the strategy's filled `position`. An amend uses no new
    /// id and does not count toward the rate.
    pub fn check_amend(
        &self,
        replacement: &Order,
        position: f64,
        last_price: Option<f64>,
        instrument: Option<&Instrument>,
    ) -> Result<(), RejectReason> {
        Self::static_checks(&self.limits, replacement, position, last_price, instrument)
    }

    /// Checks 2 to 6, which need no history.
    fn static_checks(
        limits: &RiskLimits,
        order: &Order,
        position: f64,
        last_price: Option<f64>,
        instrument: Option<&Instrument>,
    ) -> Result<(), RejectReason> {
        order.validate()?;
        if let Some(instrument) = instrument {
            grid_checks(order, last_price, instrument)?;
        }
        if order.qty > limits.max_order_qty {
            return Err(RejectReason::MaxOrderQty);
        }
        let reference = last_price.filter(|p| p.is_finite() && *p > 0.0);
        let price = match order.kind {
            OrderType::Market => reference.ok_or(RejectReason::NoMarket)?,
            OrderType::Limit | OrderType::Ioc | OrderType::Fok => {
                order.limit_px.ok_or(RejectReason::InvalidOrder)?
            }
        };
        if order.qty * price > limits.max_notional {
            return Err(RejectReason::MaxNotional);
        }
        if let (Some(limit_px), Some(reference)) = (order.limit_px, reference) {
            let distance_bps = (limit_px - reference).abs() / reference * 10_000.0;
            if distance_bps > limits.price_collar_bps {
                return Err(RejectReason::PriceCollar);
            }
        }
        let after = position + order.sign() * order.qty;
        if after.abs() > limits.max_position && after.abs() >= position.abs() {
            return Err(RejectReason::PositionLimit);
        }
        Ok(())
    }
}

/// The instrument's checks of `order` (see the [module docs](self), check 2).
fn grid_checks(
    order: &Order,
    last_price: Option<f64>,
    instrument: &Instrument,
) -> Result<(), RejectReason> {
    let qty = Qty::from_f64(order.qty).ok_or(RejectReason::InvalidOrder)?;
    let px = order.limit_px.map(|px| Price::from_f64(px).ok_or(RejectReason::InvalidOrder));
    let px = px.transpose()?;
    if px.is_some_and(|px| !instrument.on_tick_grid(px)) {
        return Err(RejectReason::OffTickGrid);
    }
    if !instrument.on_lot_grid(qty) {
        return Err(RejectReason::OffLotGrid);
    }
    if qty < instrument.min_qty {
        return Err(RejectReason::BelowMinQty);
    }
    if !instrument.min_notional.is_zero() {
        let price = px.or_else(|| last_price.and_then(Price::from_f64));
        let price = price.ok_or(RejectReason::NoMarket)?;
        if instrument.notional(qty, price) < instrument.min_notional {
            return Err(RejectReason::BelowMinNotional);
        }
    }
    Ok(())
}
