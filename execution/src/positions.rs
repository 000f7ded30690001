//! Positions and PnL per (strategy, symbol), in fixed-point integers.
//!
//! [`Holding`] is the signed quantity and the signed cost of it, and the one place they
//! change with a fill: execution's [`Position`] and a strategy's own view of its
//! positions both apply fills with it, so the two always agree (a strategy restarted
//! from execution's positions sees what it saw before).
//!
//! Quantities are [`Qty`], prices [`Price`], amounts [`Money`] in the instrument's
//! settlement currency; fill prices and quantities arrive as `f64` and are converted at
//! this edge ([`Qty::from_f64`], exact for the venues' decimals). A fill of signed
//! quantity `s·q` at `px` has a cash flow set by its [`Terms`]: linear, `-s·q·mult·px`
//! (exact for a whole multiplier); inverse, `+s·V` with `V = q·mult/px` in the base
//! currency, rounded half to even to `1e-18` (so a round trip realizes
//! `q·mult·(1/entry - 1/exit)`). The holding keeps `cost`, the negated sum of the cash
//! flows of its open quantity (a long linear position's cost is what was paid):
//!
//! - the part that *reduces* the holding (`closed` of `held`) releases the share
//!   `cost·closed/held` of the cost, rounded half to even to `1e-18`, and realizes its
//!   own cash flow minus that share; a close to flat releases all of the cost that is
//!   left, so nothing is left behind;
//! - the part that *extends* (or opens, or flips) it adds the negation of the rest of
//!   the fill's cash flow to `cost` (the whole fill's flow minus the closing part's, so
//!   the parts always sum to the flow the fill paid into cash).
//!
//! So at flat, realized PnL is exactly the sum of the fills' cash flows. The average
//! entry price (`cost / qty`) is derived for display, never state.
//!
//! A [`Position`] starts flat with zero cash. A fill pays the fee
//! `f = |flow| x rate` (rounded half to even to `1e-18`; a negative rate is a rebate),
//! the rate being the instrument's maker or taker fee unless the [`FeeSchedule`]
//! overrides it, and does `cash += flow - f`, `fees += f`,
//! `realized += (what the holding realized) - f`.
//!
//! At a mark price `m` (the engine uses mid, else last trade), with `value(q, m)` the
//! negated cash flow of buying `q` at `m`: `unrealized = value(qty, m) - cost`, and the
//! books balance exactly: **`cash + value(qty, m) == realized + unrealized`**
//! (equivalently `cash + cost == realized`).

use std::collections::BTreeMap;

use mycelium_market_data::{
    div_half_even, Instrument, InstrumentTable, Money, Price, Qty, Side, Symbol,
};
use serde::{Deserialize, Serialize};

use crate::order::{Fill, Liquidity, StrategyId};

/// Fee overrides in basis points of notional, by liquidity: a rate given here replaces
/// every instrument's own (a negative rate is a rebate); one left out keeps the
/// instrument's. A symbol without an instrument pays no fee unless overridden here.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeeSchedule {
    /// Fee on maker fills, in bps of notional.
    pub maker_bps: Option<f64>,
    /// Fee on taker fills, in bps of notional.
    pub taker_bps: Option<f64>,
}

impl FeeSchedule {
    /// The fee rate (a fraction, 9 decimal places) of a fill with `liquidity` on
    /// `instrument`.
    pub fn rate(&self, liquidity: Liquidity, instrument: Option<&Instrument>) -> Qty {
        let (bps, own) = match liquidity {
            Liquidity::Maker => (self.maker_bps, instrument.map(|i| i.maker_fee)),
            Liquidity::Taker => (self.taker_bps, instrument.map(|i| i.taker_fee)),
        };
        match bps {
            Some(bps) => Qty::from_f64(bps / 10_000.0).unwrap_or_default(),
            None => own.unwrap_or_default(),
        }
    }
}

/// How a fill turns into cash: the instrument's settlement kind and multiplier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    /// Inverse: a contract is worth `multiplier / price` of the base currency.
    pub inverse: bool,
    /// Contract multiplier.
    pub multiplier: Qty,
}

impl Default for Terms {
    /// Linear, multiplier 1 (a symbol without an instrument).
    fn default() -> Self {
        Self { inverse: false, multiplier: Qty::from_int(1) }
    }
}

impl Terms {
    /// The terms of `instrument`.
    pub fn of(instrument: &Instrument) -> Self {
        Self { inverse: instrument.kind.is_inverse(), multiplier: instrument.multiplier }
    }

    /// The cash flow of a fill of `qty` on `side` at `px` (see the [module docs](self)).
    pub fn flow(&self, side: Side, qty: Qty, px: Price) -> Money {
        let value = if self.inverse {
            // A price of 0 never fills; it is worth nothing rather than a division by 0.
            qty.inverse_value(self.multiplier, px).unwrap_or_default()
        } else if self.multiplier == Qty::from_int(1) {
            qty.notional(px)
        } else {
            let n = qty.notional(px).raw() * i128::from(self.multiplier.raw());
            Money(div_half_even(n, i128::from(Qty::SCALE)))
        };
        match (side, self.inverse) {
            (Side::Buy, false) | (Side::Sell, true) => -value,
            (Side::Sell, false) | (Side::Buy, true) => value,
        }
    }

    /// The value of holding `qty` (signed) at `mark`: the negated flow of buying it.
    pub fn value(&self, qty: Qty, mark: Price) -> Money {
        let side = if qty.raw() < 0 { Side::Sell } else { Side::Buy };
        -self.flow(side, qty.abs(), mark)
    }
}

/// A fill's quantity and price in fixed point: the edge where execution's `f64` fills
/// become integers. A value that is not finite (never produced by matching) counts as 0.
pub fn fixed(fill: &Fill) -> (Qty, Price) {
    (Qty::from_f64(fill.qty).unwrap_or_default(), Price::from_f64(fill.px).unwrap_or_default())
}

/// A signed quantity and its signed cost: the part of a position that fills change by
/// the rule of the [module docs](self).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Holding {
    /// Signed quantity: positive long, negative short.
    pub qty: Qty,
    /// The negated cash flows of the open quantity (a long's is positive).
    pub cost: Money,
}

impl Holding {
    /// Applies a fill of `qty` (> 0) on `side` at `px` under `terms`; returns the PnL it
    /// realized (before fees).
    pub fn apply(&mut self, side: Side, qty: Qty, px: Price, terms: Terms) -> Money {
        let s: i64 = match side {
            Side::Buy => 1,
            Side::Sell => -1,
        };
        // The fill's flow is computed once and split: the opening part gets what the
        // closing part leaves, so the parts sum to the whole exactly (an inverse flow is
        // rounded, and two rounded parts need not sum to the rounded whole).
        let mut rest = terms.flow(side, qty, px);
        let mut realized = Money::ZERO;
        let mut opening = qty;
        if !self.qty.is_zero() && self.qty.signum() != s {
            let held = self.qty.abs();
            let closed = qty.min(held);
            let released = if closed == held {
                self.cost
            } else {
                Money(div_half_even(self.cost.raw() * i128::from(closed.raw()), held.raw().into()))
            };
            let closing = if closed == qty { rest } else { terms.flow(side, closed, px) };
            rest -= closing;
            realized = closing - released;
            self.cost -= released;
            self.qty = Qty(self.qty.raw() + s * closed.raw());
            opening = qty - closed;
        }
        if !opening.is_zero() {
            self.cost -= rest;
            self.qty = Qty(self.qty.raw() + s * opening.raw());
        }
        realized
    }

    /// Applies `fill` (its `f64`s converted by [`fixed`]) under `terms`; returns the PnL
    /// it realized.
    pub fn apply_fill(&mut self, fill: &Fill, terms: Terms) -> Money {
        let (qty, px) = fixed(fill);
        self.apply(fill.side, qty, px, terms)
    }

    /// The average entry price for display (0 when flat): `cost / (qty x mult)` for a
    /// linear holding, `qty x mult / cost` for an inverse one.
    pub fn avg_px(&self, terms: Terms) -> f64 {
        let units = self.qty.to_f64() * terms.multiplier.to_f64();
        match (self.qty.is_zero(), terms.inverse) {
            (true, _) => 0.0,
            (false, false) => self.cost.to_f64() / units,
            (false, true) => -units / self.cost.to_f64(),
        }
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
    pub qty: Qty,
    /// The open quantity's cost (see [`Holding::cost`]).
    pub cost: Money,
    /// Realized PnL, net of fees.
    pub realized_pnl: Money,
    /// Cash: minus what was paid for buys, plus what was received for sells, minus fees.
    pub cash: Money,
    /// Fees, net of rebates (negative for net rebates).
    pub fees: Money,
    /// Rebates earned (the negated sum of the negative fees; `fees + rebates` is what
    /// was paid).
    pub rebates: Money,
    /// Number of fills.
    pub fills: u64,
    /// Quantity traded, both sides.
    pub traded_qty: Qty,
}

impl Position {
    /// A flat position.
    pub fn flat(strategy: StrategyId, symbol: Symbol) -> Self {
        Self {
            strategy,
            symbol,
            qty: Qty::ZERO,
            cost: Money::ZERO,
            realized_pnl: Money::ZERO,
            cash: Money::ZERO,
            fees: Money::ZERO,
            rebates: Money::ZERO,
            fills: 0,
            traded_qty: Qty::ZERO,
        }
    }

    /// Applies a fill under `terms` paying `fee` (see the [module docs](self)).
    pub fn apply_fill(&mut self, fill: &Fill, terms: Terms, fee: Money) {
        let (qty, px) = fixed(fill);
        self.cash += terms.flow(fill.side, qty, px) - fee;
        self.fees += fee;
        if fee.raw() < 0 {
            self.rebates -= fee;
        }
        self.fills += 1;
        self.traded_qty += qty;
        let mut holding = self.holding();
        self.realized_pnl += holding.apply(fill.side, qty, px, terms) - fee;
        self.qty = holding.qty;
        self.cost = holding.cost;
    }

    /// The quantity and its cost.
    pub fn holding(&self) -> Holding {
        Holding { qty: self.qty, cost: self.cost }
    }

    /// The average entry price of the open quantity, for display (0 when flat).
    pub fn avg_px(&self, terms: Terms) -> f64 {
        self.holding().avg_px(terms)
    }

    /// `value(qty, mark) - cost` under `terms`.
    pub fn unrealized_pnl(&self, mark: Price, terms: Terms) -> Money {
        terms.value(self.qty, mark) - self.cost
    }

    /// `realized + unrealized` at `mark`.
    pub fn total_pnl(&self, mark: Price, terms: Terms) -> Money {
        self.realized_pnl + self.unrealized_pnl(mark, terms)
    }

    /// `cash + value(qty, mark)` (equals [`total_pnl`](Self::total_pnl)).
    pub fn equity(&self, mark: Price, terms: Terms) -> Money {
        self.cash + terms.value(self.qty, mark)
    }
}

/// All positions, by (strategy, symbol).
#[derive(Debug, Clone, Default, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Positions {
    /// Not in a snapshot: the engine restoring one supplies its own.
    #[rkyv(with = rkyv::with::Skip)]
    fees: FeeSchedule,
    /// Not in a snapshot, like `fees`.
    #[rkyv(with = rkyv::with::Skip)]
    instruments: InstrumentTable,
    #[rkyv(with = rkyv::with::AsVec)]
    map: BTreeMap<(StrategyId, Symbol), Position>,
}

impl Positions {
    /// No positions; fills settle by `instruments` (linear, multiplier 1, for a symbol it
    /// does not define) and pay `fees`.
    pub fn new(fees: FeeSchedule, instruments: InstrumentTable) -> Self {
        Self { fees, instruments, map: BTreeMap::new() }
    }

    /// The fee overrides.
    pub fn fees(&self) -> &FeeSchedule {
        &self.fees
    }

    pub(crate) fn configure(&mut self, fees: FeeSchedule, instruments: InstrumentTable) {
        self.fees = fees;
        self.instruments = instruments;
    }

    /// The instruments.
    pub fn instruments(&self) -> &InstrumentTable {
        &self.instruments
    }

    /// The instrument of `symbol`, if the table defines one (or a default).
    pub fn instrument(&self, symbol: Symbol) -> Option<&Instrument> {
        self.instruments.get(symbol).ok()
    }

    /// How `symbol`'s fills settle.
    pub fn terms(&self, symbol: Symbol) -> Terms {
        self.instrument(symbol).map(Terms::of).unwrap_or_default()
    }

    /// The fee of `fill` in `symbol`: `|flow| x rate`, rounded half to even.
    pub fn fee(&self, symbol: Symbol, fill: &Fill) -> Money {
        self.fee_under(self.instrument(symbol), fill)
    }

    /// The fee of `fill` on `instrument` (`None`: a symbol without one).
    fn fee_under(&self, instrument: Option<&Instrument>, fill: &Fill) -> Money {
        let rate = self.fees.rate(fill.liquidity, instrument);
        let (qty, px) = fixed(fill);
        let terms = instrument.map(Terms::of).unwrap_or_default();
        let flow = terms.flow(fill.side, qty, px).raw().abs();
        Money(div_half_even(flow * i128::from(rate.raw()), i128::from(Qty::SCALE)))
    }

    /// Applies a fill of `strategy` in `symbol` and returns the updated position.
    pub fn apply(&mut self, strategy: StrategyId, symbol: Symbol, fill: &Fill) -> &Position {
        // One instrument lookup per fill: the fee and the terms both need it.
        let instrument = self.instrument(symbol);
        let fee = self.fee_under(instrument, fill);
        let terms = instrument.map(Terms::of).unwrap_or_default();
        let position =
            self.map.entry((strategy, symbol)).or_insert_with(|| Position::flat(strategy, symbol));
        position.apply_fill(fill, terms, fee);
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
