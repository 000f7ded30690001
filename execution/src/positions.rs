//! Positions and PnL per (strategy, symbol), average-cost accounting.
//!
//! [`Holding`] is the quantity and average entry price, and the one place they change
//! with a fill: execution's [`Position`] and a strategy's own view of its positions
//! both apply fills with it, so the two always agree (a strategy restarted from
//! execution's positions sees what it saw before). Each fill of signed quantity
//! `s·q` at `px`:
//!
//! - the part that *reduces* the holding realizes `closed·(px - avg)·sign(qty)` and
//!   leaves `avg` unchanged; a flat holding has `avg = 0`;
//! - the part that *extends* (or opens, or flips) it moves `avg` to the
//!   quantity-weighted average of the old `avg` and `px`.
//!
//! A [`Position`] starts flat with zero cash. A fill with fee `f` (from the
//! [`FeeSchedule`], zero by default) also does `cash -= s·q·px + f`, `fees += f`,
//! `realized += (what the holding realized) - f`.
//!
//! At a mark price `m` (the engine uses mid, else last trade):
//! `unrealized = qty·(m - avg)`, and the books balance:
//! **`cash + qty·m == realized + unrealized`** (equivalently `cash + qty·avg ==
//! realized`), up to floating-point rounding.

use std::collections::BTreeMap;

use mycelium_market_data::{Side, Symbol};
use serde::{Deserialize, Serialize};

use crate::order::{side_sign, Fill, Liquidity, StrategyId};

/// Fees in basis points of notional, by liquidity. Default: no fees. A negative rate is
/// a rebate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeeSchedule {
    /// Fee on maker fills, in bps of notional.
    pub maker_bps: f64,
    /// Fee on taker fills, in bps of notional.
    pub taker_bps: f64,
}

impl FeeSchedule {
    /// The fee of one fill.
    pub fn fee(&self, fill: &Fill) -> f64 {
        let bps = match fill.liquidity {
            Liquidity::Maker => self.maker_bps,
            Liquidity::Taker => self.taker_bps,
        };
        fill.px * fill.qty * bps / 10_000.0
    }
}

/// A signed quantity and the average entry price of it: the part of a position that
/// fills change by the rule of the [module docs](self).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Holding {
    /// Signed quantity: positive long, negative short.
    pub qty: f64,
    /// Average entry price of the open quantity (0 when flat).
    pub avg_px: f64,
}

impl Holding {
    /// Applies a fill of `qty` (> 0) on `side` at `px`; returns the PnL it realized
    /// (before fees).
    pub fn apply(&mut self, side: Side, qty: f64, px: f64) -> f64 {
        let s = side_sign(side);
        let mut realized = 0.0;
        let mut opening = qty;
        if self.qty != 0.0 && self.qty.signum() != s {
            let held = self.qty.abs();
            let closed = qty.min(held);
            realized = closed * (px - self.avg_px) * self.qty.signum();
            if closed >= held {
                *self = Self::default();
            } else {
                self.qty += s * closed;
            }
            opening = qty - closed;
        }
        if opening > 0.0 {
            let held = self.qty.abs();
            let new_abs = held + opening;
            self.avg_px = (self.avg_px * held + px * opening) / new_abs;
            self.qty = s * new_abs;
        }
        realized
    }
}

/// One strategy's position in one symbol.
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
pub struct Position {
    /// The strategy.
    pub strategy: StrategyId,
    /// The instrument.
    #[serde(with = "crate::serde_util::symbol")]
    pub symbol: Symbol,
    /// Signed quantity (long > 0).
    pub qty: f64,
    /// Average entry price of the open quantity (0 when flat).
    pub avg_px: f64,
    /// Realized PnL, net of fees.
    pub realized_pnl: f64,
    /// Cash: minus what was paid for buys, plus what was received for sells, minus fees.
    pub cash: f64,
    /// Fees paid (negative for net rebates).
    pub fees: f64,
    /// Number of fills.
    pub fills: u64,
    /// Quantity traded, both sides.
    pub traded_qty: f64,
}

impl Position {
    /// A flat position.
    pub fn flat(strategy: StrategyId, symbol: Symbol) -> Self {
        Self {
            strategy,
            symbol,
            qty: 0.0,
            avg_px: 0.0,
            realized_pnl: 0.0,
            cash: 0.0,
            fees: 0.0,
            fills: 0,
            traded_qty: 0.0,
        }
    }

    /// Applies a fill paying `fee` (see the [module docs](self)).
    pub fn apply_fill(&mut self, fill: &Fill, fee: f64) {
        self.cash -= side_sign(fill.side) * fill.qty * fill.px + fee;
        self.fees += fee;
        self.fills += 1;
        self.traded_qty += fill.qty;
        let mut holding = self.holding();
        self.realized_pnl += holding.apply(fill.side, fill.qty, fill.px) - fee;
        self.qty = holding.qty;
        self.avg_px = holding.avg_px;
    }

    /// The quantity and average entry price.
    pub fn holding(&self) -> Holding {
        Holding { qty: self.qty, avg_px: self.avg_px }
    }

    /// `qty·(mark - avg)`.
    pub fn unrealized_pnl(&self, mark: f64) -> f64 {
        if self.qty == 0.0 {
            0.0
        } else {
            self.qty * (mark - self.avg_px)
        }
    }

    /// `realized + unrealized` at `mark`.
    pub fn total_pnl(&self, mark: f64) -> f64 {
        self.realized_pnl + self.unrealized_pnl(mark)
    }

    /// `cash + qty·mark` (equals [`total_pnl`](Self::total_pnl)).
    pub fn equity(&self, mark: f64) -> f64 {
        self.cash + self.qty * mark
    }
}

/// All positions, by (strategy, symbol).
#[derive(Debug, Clone, Default, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Positions {
    /// Not in a snapshot: the engine restoring one supplies its own.
    #[rkyv(with = rkyv::with::Skip)]
    fees: FeeSchedule,
    #[rkyv(with = rkyv::with::AsVec)]
    map: BTreeMap<(StrategyId, Symbol), Position>,
}

impl Positions {
    /// No positions; fills pay `fees`.
    pub fn new(fees: FeeSchedule) -> Self {
        Self { fees, map: BTreeMap::new() }
    }

    /// The fees charged.
    pub fn fees(&self) -> &FeeSchedule {
        &self.fees
    }

    pub(crate) fn set_fees(&mut self, fees: FeeSchedule) {
        self.fees = fees;
    }

    /// Applies a fill of `strategy` in `symbol` and returns the updated position.
    pub fn apply(&mut self, strategy: StrategyId, symbol: Symbol, fill: &Fill) -> &Position {
        let fee = self.fees.fee(fill);
        let position =
            self.map.entry((strategy, symbol)).or_insert_with(|| Position::flat(strategy, symbol));
        position.apply_fill(fill, fee);
        position
    }

    /// The position (flat if it never traded).
    pub fn get(&self, strategy: StrategyId, symbol: Symbol) -> Position {
        self.map
            .get(&(strategy, symbol))
            .copied()
            .unwrap_or_else(|| Position::flat(strategy, symbol))
    }

    /// Every position that traded, by strategy then symbol.
    pub fn iter(&self) -> impl Iterator<Item = &Position> {
        self.map.values()
    }
}
