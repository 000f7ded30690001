//! Instruments: what a symbol trades as ([`Instrument`]) and where the definitions come
//! from ([`InstrumentTable`]).
//!
//! An instrument fixes the grid an order must sit on (tick and lot size, minimum
//! quantity and notional), how a fill turns into cash ([`InstrumentKind`]: linear
//! contracts settle `qty x multiplier x price` in the quote currency, inverse ones
//! `qty x multiplier / price` in the base currency), and its maker and taker fee rates
//! (fractions of notional; a negative maker fee is a rebate).
//!
//! A table is built from config entries laid over [`InstrumentTable::shipped`] (the
//! venues' conventions for the captures the project replays), plus an optional default
//! for symbols it does not list; [`InstrumentTable::get`] names an unknown symbol.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::tick::Symbol;
use crate::units::{div_half_even, Money, Price, Qty};

/// How an instrument settles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstrumentKind {
    /// Spot: buy and sell the base for the quote.
    Spot,
    /// Linear perpetual swap, settled in the quote currency.
    LinearPerpetual,
    /// Linear dated future, settled in the quote currency.
    LinearFuture,
    /// Inverse (coin-margined) perpetual swap, settled in the base currency.
    InversePerpetual,
    /// Inverse (coin-margined) dated future, settled in the base currency.
    InverseFuture,
}

impl InstrumentKind {
    /// Whether a contract's value is `multiplier / price` in the base currency.
    pub fn is_inverse(self) -> bool {
        matches!(self, Self::InversePerpetual | Self::InverseFuture)
    }
}

/// One symbol's trading rules and accounting terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    /// The symbol.
    pub symbol: String,
    /// How it settles.
    pub kind: InstrumentKind,
    /// Price grid step.
    pub tick_size: Price,
    /// Quantity grid step.
    pub lot_size: Qty,
    /// Smallest order quantity.
    pub min_qty: Qty,
    /// Smallest order notional (`qty x multiplier x price`), in the quote currency.
    pub min_notional: Money,
    /// Contract multiplier: the quote amount of one inverse contract (e.g. 10 USD), or
    /// the base amount of one linear contract (1 when the quantity is in the base).
    pub multiplier: Qty,
    /// Base currency.
    pub base: String,
    /// Quote currency.
    pub quote: String,
    /// Settlement currency: PnL, cash and fees are in it.
    pub settle: String,
    /// Maker fee as a fraction of notional (`0.0002` = 2 bps; negative = rebate).
    pub maker_fee: Qty,
    /// Taker fee as a fraction of notional.
    pub taker_fee: Qty,
}

impl Instrument {
    /// A linear instrument on `tick` and `lot` grids settled in `quote`, multiplier 1,
    /// no minimum notional, no fees: the default for the synthetic feed's symbols.
    pub fn synthetic(symbol: &str, tick: Price, lot: Qty) -> Self {
        Self {
            symbol: symbol.to_owned(),
            kind: InstrumentKind::LinearPerpetual,
            tick_size: tick,
            lot_size: lot,
            min_qty: lot,
            min_notional: Money::ZERO,
            multiplier: Qty::from_int(1),
            base: symbol.to_owned(),
            quote: "USD".into(),
            settle: "USD".into(),
            maker_fee: Qty::ZERO,
            taker_fee: Qty::ZERO,
        }
    }

    /// Whether `px` is a whole number of ticks.
    pub fn on_tick_grid(&self, px: Price) -> bool {
        self.tick_size.raw() <= 0 || px.raw() % self.tick_size.raw() == 0
    }

    /// Whether `qty` is a whole number of lots.
    pub fn on_lot_grid(&self, qty: Qty) -> bool {
        self.lot_size.raw() <= 0 || qty.raw() % self.lot_size.raw() == 0
    }

    /// `px` rounded to the nearest tick (ties away from zero).
    pub fn round_price(&self, px: Price) -> Price {
        let t = self.tick_size.raw();
        if t <= 0 {
            return px;
        }
        let r = px.raw().rem_euclid(t);
        Price(px.raw() - r + if 2 * r >= t { t } else { 0 })
    }

    /// `px` on the tick grid: rounded up when `up`, else down.
    pub fn price_on_grid(&self, px: Price, up: bool) -> Price {
        let t = self.tick_size.raw();
        if t <= 0 {
            return px;
        }
        let r = px.raw().rem_euclid(t);
        Price(px.raw() - r + if up && r != 0 { t } else { 0 })
    }

    /// `qty` rounded down to whole lots.
    pub fn round_qty_down(&self, qty: Qty) -> Qty {
        let l = self.lot_size.raw();
        if l <= 0 {
            return qty;
        }
        Qty(qty.raw() - qty.raw().rem_euclid(l))
    }

    /// An order's notional in the quote currency: `qty x multiplier x price` for a linear
    /// instrument (rounded half to even to `1e-18`; exact for a whole multiplier),
    /// `qty x multiplier` for an inverse one (its multiplier is in the quote).
    pub fn notional(&self, qty: Qty, px: Price) -> Money {
        if self.kind.is_inverse() {
            qty.notional(Price(self.multiplier.raw()))
        } else {
            let per_unit = self.multiplier.notional(px); // 1e-18 units
            Money(div_half_even(per_unit.raw() * i128::from(qty.raw()), i128::from(Qty::SCALE)))
        }
    }
}

/// An unknown symbol with no default instrument.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "no instrument is defined for symbol {0:?} (define it in [[execution.instruments.instrument]] \
     or set [execution.instruments.default])"
)]
pub struct UnknownInstrument(pub String);

/// Instrument definitions by symbol, with an optional default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstrumentTable {
    by_symbol: BTreeMap<Symbol, Instrument>,
    default: Option<Instrument>,
}

impl InstrumentTable {
    /// An empty table with no default.
    pub fn new() -> Self {
        Self::default()
    }

    /// The venues' conventions for the recorded captures the project replays.
    pub fn shipped() -> Self {
        let mut table = Self::new();
        for i in shipped_instruments() {
            table.insert(i);
        }
        table
    }

    /// Adds or replaces the definition of `instrument.symbol` (a symbol longer than
    /// [`Symbol::MAX_LEN`] cannot be traded and is ignored).
    pub fn insert(&mut self, instrument: Instrument) {
        if let Ok(symbol) = Symbol::new(&instrument.symbol) {
            self.by_symbol.insert(symbol, instrument);
        }
    }

    /// Sets the instrument used for symbols the table does not list.
    pub fn set_default(&mut self, default: Option<Instrument>) {
        self.default = default;
    }

    /// The instrument of `symbol`: its own, else the default, else an error naming it.
    pub fn get(&self, symbol: Symbol) -> Result<&Instrument, UnknownInstrument> {
        self.by_symbol
            .get(&symbol)
            .or(self.default.as_ref())
            .ok_or_else(|| UnknownInstrument(symbol.as_str().to_owned()))
    }

    /// Every listed instrument, by symbol.
    pub fn iter(&self) -> impl Iterator<Item = &Instrument> {
        self.by_symbol.values()
    }
}

fn dec<T: std::str::FromStr>(text: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    // Only for the literals of the shipped table below, checked by its test.
    text.parse().unwrap_or_else(|e| panic!("shipped instrument value {text:?}: {e:?}"))
}

#[allow(clippy::too_many_arguments)]
fn shipped(
    symbol: &str,
    kind: InstrumentKind,
    tick: &str,
    lot: &str,
    min_notional: &str,
    multiplier: &str,
    (base, quote, settle): (&str, &str, &str),
    (maker, taker): (&str, &str),
) -> Instrument {
    Instrument {
        symbol: symbol.into(),
        kind,
        tick_size: dec(tick),
        lot_size: dec(lot),
        min_qty: dec(lot),
        min_notional: dec(min_notional),
        multiplier: dec(multiplier),
        base: base.into(),
        quote: quote.into(),
        settle: settle.into(),
        maker_fee: dec(maker),
        taker_fee: dec(taker),
    }
}

/// How many synthetic symbols (`SYN0`, `SYN1`, ...) the shipped table defines.
pub const SYNTHETIC_SYMBOLS: usize = 64;

/// Binance USD-M (regular tier 0.02% / 0.05%), COIN-M (0.02% / 0.05%, USD contracts),
/// spot (0.1%), and the other venues' captures in the project's data.
fn shipped_instruments() -> Vec<Instrument> {
    use InstrumentKind::*;
    let mut table = vec![
        shipped(
            "BTCUSDT",
            LinearPerpetual,
            "0.1",
            "0.001",
            "100",
            "1",
            ("BTC", "USDT", "USDT"),
            ("0.0002", "0.0005"),
        ),
        shipped(
            "ETHUSDT",
            LinearPerpetual,
            "0.01",
            "0.001",
            "20",
            "1",
            ("ETH", "USDT", "USDT"),
            ("0.0002", "0.0005"),
        ),
        shipped(
            "BTCUSD_PERP",
            InversePerpetual,
            "0.1",
            "1",
            "0",
            "100",
            ("BTC", "USD", "BTC"),
            ("0.0002", "0.0005"),
        ),
        shipped(
            "ETHUSD_PERP",
            InversePerpetual,
            "0.01",
            "1",
            "0",
            "10",
            ("ETH", "USD", "ETH"),
            ("0.0002", "0.0005"),
        ),
        shipped(
            "BTCFDUSD",
            Spot,
            "0.01",
            "0.00001",
            "5",
            "1",
            ("BTC", "FDUSD", "FDUSD"),
            ("0.001", "0.001"),
        ),
        shipped(
            "XRPUSDT",
            LinearPerpetual,
            "0.0001",
            "1",
            "5",
            "1",
            ("XRP", "USDT", "USDT"),
            ("0.0002", "0.00055"),
        ),
        shipped(
            "XBTUSD",
            InversePerpetual,
            "0.5",
            "1",
            "0",
            "1",
            ("XBT", "USD", "XBT"),
            ("-0.00025", "0.00075"),
        ),
        shipped(
            "BTC-PERPETUAL",
            InversePerpetual,
            "0.5",
            "10",
            "0",
            "1",
            ("BTC", "USD", "BTC"),
            ("0", "0.0005"),
        ),
        shipped(
            "BTC-USD",
            InversePerpetual,
            "0.1",
            "1",
            "0",
            "100",
            ("BTC", "USD", "BTC"),
            ("0.0002", "0.0005"),
        ),
        shipped("USDJPY", Spot, "0.001", "1", "0", "1", ("USD", "JPY", "JPY"), ("0", "0")),
    ];
    // The synthetic feed's symbols: its default grid (0.01), lots of 0.001, 2 / 5 bps.
    for n in 0..SYNTHETIC_SYMBOLS {
        let mut i = Instrument::synthetic(&format!("SYN{n}"), dec("0.01"), dec("0.001"));
        (i.maker_fee, i.taker_fee) = (dec("0.0002"), dec("0.0005"));
        table.push(i);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym(s: &str) -> Symbol {
        Symbol::new(s).expect("symbol")
    }

    #[test]
    fn the_shipped_table_has_binance_conventions() {
        let t = InstrumentTable::shipped();
        let btc = t.get(sym("BTCUSDT")).expect("BTCUSDT");
        assert_eq!(
            (btc.tick_size.to_string(), btc.lot_size.to_string()),
            ("0.1".into(), "0.001".into())
        );
        let eth = t.get(sym("ETHUSD_PERP")).expect("ETHUSD_PERP");
        assert!(eth.kind.is_inverse());
        assert_eq!((eth.multiplier, eth.settle.as_str()), (Qty::from_int(10), "ETH"));
        assert_eq!(t.get(sym("BTCUSD_PERP")).expect("BTCUSD_PERP").multiplier, Qty::from_int(100));
        assert_eq!(t.iter().count(), shipped_instruments().len(), "every symbol fits");
    }

    #[test]
    fn an_unknown_symbol_is_an_error_naming_it_unless_a_default_is_set() {
        let mut t = InstrumentTable::shipped();
        let err = t.get(sym("NOSUCH")).expect_err("unknown");
        assert!(err.to_string().contains("NOSUCH"), "{err}");
        t.set_default(Some(Instrument::synthetic("ANY", Price(10_000_000), Qty(1_000_000))));
        assert_eq!(t.get(sym("NOSUCH")).expect("default").symbol, "ANY");
    }

    #[test]
    fn grid_checks_and_rounding_use_the_tick_and_lot() {
        let t = InstrumentTable::shipped();
        let btc = t.get(sym("BTCUSDT")).expect("BTCUSDT");
        assert!(btc.on_tick_grid(dec("61706.6")));
        assert!(!btc.on_tick_grid(dec("61706.65")));
        assert_eq!(btc.round_price(dec("61706.65")), dec("61706.7"));
        assert_eq!(btc.round_price(dec("61706.64")), dec("61706.6"));
        assert!(btc.on_lot_grid(dec("0.002")));
        assert!(!btc.on_lot_grid(dec("0.0025")));
        assert_eq!(btc.round_qty_down(dec("0.0025")), dec("0.002"));
        assert_eq!(btc.notional(dec("0.002"), dec("60000")), dec("120"));
        let eth = t.get(sym("ETHUSD_PERP")).expect("ETHUSD_PERP");
        assert_eq!(eth.notional(dec("3"), dec("2000")), dec("30"), "3 contracts of 10 USD");
    }

    #[test]
    fn an_instrument_reads_from_toml_like_config() {
        let text = r#"{"symbol":"X","kind":"inverse_future","tick_size":"0.5","lot_size":"1",
            "min_qty":"1","min_notional":"0","multiplier":"100","base":"BTC","quote":"USD",
            "settle":"BTC","maker_fee":"-0.0001","taker_fee":"0.0005"}"#;
        let i: Instrument = serde_json::from_str(text).expect("instrument");
        assert_eq!(i.kind, InstrumentKind::InverseFuture);
        assert_eq!(i.maker_fee, dec("-0.0001"));
    }
}
