//! The tick model: [`Symbol`], [`Side`], [`MarketTick`] and its [`TickEvent`] payloads.
//!
//! Prices and quantities are `f64`. They are parsed from the venues' decimal strings by a
//! correctly rounded parser, so the same decimal text always gives the same `f64`, which
//! is what the order book keys on. Arithmetic on them (PnL, notional) is the consumer's
//! concern; nothing in this crate sums prices.
//!
//! Every wire type derives rkyv `Archive`/`Serialize`/`Deserialize` (with bytecheck) so
//! that it can be written to and validated from the [recording](crate::recording) format.
//! Quote and trade ticks own no heap memory; depth updates keep their levels in a boxed
//! [`DepthUpdate`] so that [`TickEvent`] stays small.

use std::fmt;
use std::str::FromStr;

/// A compact, `Copy` instrument symbol: at most [`Symbol::MAX_LEN`] bytes of UTF-8 stored
/// inline.
#[derive(
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
)]
pub struct Symbol {
    len: u8,
    bytes: [u8; Symbol::MAX_LEN],
}

/// Why a string could not become a [`Symbol`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SymbolError {
    /// The name is empty.
    #[error("symbol is empty")]
    Empty,
    /// The name is longer than [`Symbol::MAX_LEN`] bytes.
    #[error("symbol {name:?} is {len} bytes long; the maximum is {max}", max = Symbol::MAX_LEN)]
    TooLong {
        /// The rejected name.
        name: String,
        /// Its length in bytes.
        len: usize,
    },
}

impl Symbol {
    /// The longest symbol, in bytes.
    pub const MAX_LEN: usize = 16;

    /// Makes a symbol from `name` (kept as given, case included).
    pub fn new(name: &str) -> Result<Self, SymbolError> {
        let len = name.len();
        if len == 0 {
            return Err(SymbolError::Empty);
        }
        if len > Self::MAX_LEN {
            return Err(SymbolError::TooLong { name: name.to_owned(), len });
        }
        let mut bytes = [0u8; Self::MAX_LEN];
        bytes[..len].copy_from_slice(name.as_bytes());
        Ok(Self { len: len as u8, bytes })
    }

    /// The symbol as two numbers, equal exactly when the symbols are: a lookup key
    /// that compares in two instructions on a per-tick path.
    pub(crate) fn key(&self) -> (u8, u128) {
        (self.len, u128::from_ne_bytes(self.bytes))
    }

    /// The symbol's text. A symbol rebuilt from corrupt bytes that are not UTF-8 shows as
    /// `"?"` (records are validated structurally, not as text).
    pub fn as_str(&self) -> &str {
        let n = usize::from(self.len).min(Self::MAX_LEN);
        std::str::from_utf8(&self.bytes[..n]).unwrap_or("?")
    }
}

impl FromStr for Symbol {
    type Err = SymbolError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Debug for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Symbol({:?})", self.as_str())
    }
}

/// Side of the book, or of the aggressor of a trade.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize,
)]
pub enum Side {
    /// Bid / buyer.
    Buy,
    /// Ask / seller.
    Sell,
}

impl Side {
    /// The other side: the one an order of this side trades against.
    pub fn opposite(self) -> Self {
        match self {
            Self::Buy => Self::Sell,
            Self::Sell => Self::Buy,
        }
    }
}

/// Top of book: best bid and ask with their sizes. A source without sizes (e.g. TrueFX)
/// gives sizes of `0.0`.
#[derive(Debug, Clone, Copy, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Quote {
    /// Best bid price.
    pub bid_px: f64,
    /// Size at the best bid.
    pub bid_qty: f64,
    /// Best ask price.
    pub ask_px: f64,
    /// Size at the best ask.
    pub ask_qty: f64,
    /// `true` when derived from a locally maintained L2 book rather than sent by the venue.
    pub from_book: bool,
}

/// One trade print.
#[derive(Debug, Clone, Copy, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Trade {
    /// Trade price.
    pub px: f64,
    /// Trade quantity.
    pub qty: f64,
    /// The aggressor's side, when the venue says (Binance: buyer is maker => `Sell`).
    pub aggressor: Option<Side>,
}

/// One price level: absolute size at a price; a size of `0.0` deletes the level.
#[derive(Debug, Clone, Copy, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Level {
    /// Price.
    pub price: f64,
    /// Absolute size at that price (`0.0` = remove).
    pub qty: f64,
}

impl Level {
    /// Whether the level can be real: a positive, finite price and a finite size that
    /// is not negative (0 deletes the level). On the bits: the positive finite
    /// doubles, read as integers, are exactly 1 up to +infinity's bits less one, and
    /// the sizes allowed exactly 0 up to +infinity's less one (so `-0.0` is not one).
    pub fn is_possible(&self) -> bool {
        const INFINITY: u64 = 0x7FF0_0000_0000_0000;
        (self.price.to_bits().wrapping_sub(1) < INFINITY - 1) & (self.qty.to_bits() < INFINITY)
    }
}

/// Whether a depth event replaces the book or amends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub enum DepthKind {
    /// Full (or top-N) book image. A run of snapshot events (ended by `end_of_event`)
    /// replaces the book.
    Snapshot,
    /// Incremental level updates.
    Diff,
}

/// Venue update ids of a depth event, used for gap detection (see [`crate::book`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct UpdateIds {
    /// First update id in the event (Binance `U`; for a snapshot, `lastUpdateId`).
    pub first: u64,
    /// Final update id in the event (Binance `u`; for a snapshot, `lastUpdateId`).
    pub last: u64,
    /// Final update id of the previous event (Binance futures `pu`); `None` for spot.
    pub prev: Option<u64>,
}

/// L2 book data: a snapshot or a batch of level updates.
#[derive(Debug, Clone, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct DepthUpdate {
    /// Snapshot or diff.
    pub kind: DepthKind,
    /// Venue sequencing ids, when the venue provides them.
    pub ids: Option<UpdateIds>,
    /// `true` on the last update of one venue message (sources that split one message
    /// into several updates, such as Tardis `incremental_book_L2` rows, set it only on
    /// the last one). Derived quotes are emitted only at event ends.
    pub end_of_event: bool,
    /// Bid levels.
    pub bids: Vec<Level>,
    /// Ask levels.
    pub asks: Vec<Level>,
}

/// The payload of a [`MarketTick`].
#[derive(Debug, Clone, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub enum TickEvent {
    /// Top-of-book quote.
    Quote(Quote),
    /// Trade print.
    Trade(Trade),
    /// L2 book data (boxed to keep quote and trade ticks small).
    Depth(Box<DepthUpdate>),
}

impl TickEvent {
    /// Checks that the event's prices and sizes can be real: a trade's price and size
    /// are positive; a quote has no negative value, quotes at least one side, and a
    /// side without a price has no size (a size of 0 beside a price is a format without
    /// sizes); a depth level's price is positive and its size not negative (0 deletes
    /// the level). Readers reject a line whose event fails this as a bad line.
    pub fn check(&self) -> Result<(), String> {
        // Names are built only for the error: this runs on every event of a replay.
        let real = |v: f64| v.is_finite();
        match self {
            Self::Trade(t) => {
                if !(real(t.px) && t.px > 0.0) {
                    return Err(format!("trade price {} is not positive", t.px));
                }
                if !(real(t.qty) && t.qty > 0.0) {
                    return Err(format!("trade quantity {} is not positive", t.qty));
                }
                Ok(())
            }
            Self::Quote(q) => {
                for (side, px, qty) in [("bid", q.bid_px, q.bid_qty), ("ask", q.ask_px, q.ask_qty)]
                {
                    if !(real(px) && px >= 0.0) {
                        return Err(format!("{side} price {px} is negative"));
                    }
                    if !(real(qty) && qty >= 0.0) {
                        return Err(format!("{side} size {qty} is negative"));
                    }
                    if px == 0.0 && qty > 0.0 {
                        return Err(format!("{side} size {qty} at price 0"));
                    }
                }
                if q.bid_px == 0.0 && q.ask_px == 0.0 {
                    return Err("a quote with neither a bid nor an ask".into());
                }
                Ok(())
            }
            Self::Depth(d) => {
                for (side, levels) in [("bid", &d.bids), ("ask", &d.asks)] {
                    // A depth event has hundreds of levels: one pass without branches,
                    // the culprit searched for only when there is one.
                    if levels.iter().fold(true, |ok, l| ok & l.is_possible()) {
                        continue;
                    }
                    if let Some(l) = levels.iter().find(|l| !l.is_possible()) {
                        return Err(format!(
                            "{side} level at price {} with size {}: a price must be positive, \
                             a size not negative",
                            l.price, l.qty
                        ));
                    }
                }
                Ok(())
            }
        }
    }
}

/// One market-data event for one symbol.
#[derive(Debug, Clone, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct MarketTick {
    /// Instrument.
    pub symbol: Symbol,
    /// Per-source sequence number, assigned by the producing source/adapter, starting
    /// at 1 and increasing by one per tick (venue ids live in [`DepthUpdate::ids`]).
    pub seq: u64,
    /// Exchange (venue) time, ns since the Unix epoch. Replay paces by this clock only.
    pub exchange_ts_ns: i64,
    /// Local receive time, ns since the Unix epoch (the recorder's clock, which may be
    /// skewed against the exchange's).
    pub local_ts_ns: i64,
    /// What happened.
    pub event: TickEvent,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbol_round_trips_and_rejects_long_names() {
        let s: Symbol = "BTCUSDT".parse().expect("valid");
        assert_eq!(s.as_str(), "BTCUSDT");
        assert_eq!(s.to_string(), "BTCUSDT");
        let err = Symbol::new("ABCDEFGHIJKLMNOPQ").expect_err("17 bytes");
        assert!(err.to_string().contains("maximum is 16"), "{err}");
        assert_eq!(Symbol::new(""), Err(SymbolError::Empty));
        assert!(Symbol::new("ABCDEFGHIJKLMNOP").is_ok());
    }

    #[test]
    fn quote_and_trade_ticks_are_small() {
        assert!(std::mem::size_of::<TickEvent>() <= 48);
        assert!(std::mem::size_of::<MarketTick>() <= 96);
    }

    #[test]
    fn a_level_is_possible_with_a_positive_price_and_a_size_not_negative() {
        let level = |price, qty| Level { price, qty };
        for ok in [level(1.0, 0.0), level(61_800.3, 2.5), level(f64::MIN_POSITIVE, 1.0)] {
            assert!(ok.is_possible(), "{ok:?}");
        }
        let bad = [
            level(0.0, 1.0),
            level(-1.0, 1.0),
            level(f64::INFINITY, 1.0),
            level(f64::NAN, 1.0),
            level(1.0, -0.5),
            level(1.0, -0.0),
            level(1.0, f64::INFINITY),
            level(1.0, f64::NAN),
        ];
        for bad in bad {
            assert!(!bad.is_possible(), "{bad:?}");
        }
    }
}
