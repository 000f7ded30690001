//! A resting order's place in the queue of its price level, as the simulated exchange
//! sees it: from the top of book of each quote and from the trades at the order's price
//! (the rules are [`crate::queue_model`]'s; this is where the exchange feeds them).
//!
//! The exchange sees one level per side, the touch. An order's level is therefore
//! observed while it is the touch (its displayed size is the quote's size: what
//! simulated orders took there does not shorten the queue of the data's orders), known
//! to be empty while the order's price is better than the touch (a buy above the best
//! bid: the venue has nothing there, the order is first), and hidden while it is
//! behind the touch. An order that joins a hidden level, or a
//! level whose size the venue does not give, queues behind an unknown quantity
//! ([`UNSEEN`]) until its level is seen: never filled by a print at its price before
//! that, only by the market trading through it.

use mycelium_market_data::{Price, Side};

use super::market::{raw_qty, Top};
use crate::queue_model::{QueueModel, QueuePos};

/// The queue ahead of an order whose level has not been seen: more than any print.
pub(crate) const UNSEEN: i64 = i64::MAX / 4;

/// A resting order's queue state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub(crate) struct Queue {
    /// Quantity ahead and traded since the last size change, in fixed-point units
    /// (`Qty`'s, 1e-9).
    pos: QueuePos,
    /// The displayed size last seen at the order's price, while it is seen; `None` while
    /// the level is hidden (or its size unknown).
    level: Option<i64>,
}

impl Default for Queue {
    fn default() -> Self {
        Self { pos: QueuePos { ahead: UNSEEN, traded: 0 }, level: None }
    }
}

/// Where `limit` (a `side` order's price) stands against the same side's touch.
enum Level {
    /// The order's price is the touch: the level shows `Some(size)` (`None`: unknown).
    Touch(Option<i64>),
    /// Better than the touch, or no touch at all: the venue shows nothing there.
    Empty,
    /// Behind the touch: not shown.
    Hidden,
}

fn level(side: Side, limit: f64, touch: Option<Top>) -> Level {
    let Some(touch) = touch else {
        return Level::Empty;
    };
    let (limit, px) = (Price::from_f64(limit), Price::from_f64(touch.px));
    let better = match side {
        Side::Buy => limit > px,
        Side::Sell => limit < px,
    };
    if limit == px {
        Level::Touch(raw_qty(touch.shown))
    } else if better {
        Level::Empty
    } else {
        Level::Hidden
    }
}

impl Queue {
    /// The queue of a `side` order joining at `limit`, the same side's touch being `touch`:
    /// behind the displayed size at the touch, first at a new level, behind an unknown
    /// quantity behind the touch.
    pub(crate) fn join(side: Side, limit: f64, touch: Option<Top>) -> Self {
        match level(side, limit, touch) {
            Level::Touch(Some(size)) => Self { pos: QueuePos::join(size), level: Some(size) },
            Level::Empty => Self { pos: QueuePos::join(0), level: Some(0) },
            Level::Touch(None) | Level::Hidden => Self::default(),
        }
    }

    /// A quote: the same side's touch is now `touch`. A seen level's size change moves the
    /// order by `model`; a level seen again (or for the first time) cuts the queue ahead
    /// to its size; an emptied level puts the order first.
    pub(crate) fn on_touch(
        &mut self,
        model: &QueueModel,
        side: Side,
        limit: f64,
        touch: Option<Top>,
    ) {
        let size = match level(side, limit, touch) {
            Level::Touch(Some(size)) => size,
            Level::Empty => 0,
            Level::Touch(None) | Level::Hidden => {
                self.level = None;
                return;
            }
        };
        match self.level {
            Some(prev) if prev != size => model.on_depth(&mut self.pos, prev, size),
            Some(_) => {}
            None => {
                self.pos.ahead = self.pos.ahead.min(size);
                self.pos.traded = 0;
            }
        }
        self.level = Some(size);
    }

    /// A print of `traded` (fixed-point units; `None`: size not given) at the order's
    /// price. Returns what it leaves fillable for the order: the part beyond the queue
    /// ahead in whole `lot`s (unlimited for a print of unknown size that finds the order
    /// at the front, nothing otherwise).
    pub(crate) fn on_print(
        &mut self,
        model: &QueueModel,
        traded: Option<i64>,
        lot: i64,
    ) -> Option<i64> {
        match traded {
            Some(qty) => Some(model.on_trade(&mut self.pos, qty, lot)),
            None if self.pos.ahead <= 0 => None,
            None => Some(0),
        }
    }
}
