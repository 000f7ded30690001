//! [`TruthSim`]: the exact FIFO simulation of our resting orders in an L3 stream, the
//! ground truth the L2 queue models are measured against.
//!
//! An order that reaches the exchange joins its level's FIFO queue behind exactly the
//! orders resting there: its queue ahead is the level's size, and its place is
//! [`L3Book::next_priority`]. Afterwards, a cancel or execution of an order *ahead* of it
//! (lower priority number) shrinks the queue ahead by its size; anything behind it never
//! does. An execution at its price of an order *behind* it, once nothing is ahead, means
//! the taker reached it: it fills the size of that execution. The data is replayed, so
//! our order takes nothing away from the orders behind it (as in every replay model).

use std::collections::BTreeMap;

use mycelium_market_data::l3::{L3Book, L3Change, Lots, OrderId, Ticks};
use mycelium_market_data::Side;

use super::fills::{FillLog, Resting};

#[derive(Debug, Clone, Copy)]
struct TruthOrder {
    order: Resting,
    /// Priority number of our place in the level's queue.
    place: u64,
    /// Exact quantity ahead of us.
    ahead: Lots,
}

/// The exact L3 FIFO simulation (see the [module docs](self)).
#[derive(Debug, Clone, Default)]
pub struct TruthSim {
    open: BTreeMap<OrderId, TruthOrder>,
    fills: FillLog,
}

impl TruthSim {
    /// An empty simulation.
    pub fn new() -> Self {
        Self::default()
    }

    /// Our fills so far.
    pub fn fills(&self) -> &FillLog {
        &self.fills
    }

    /// Order `id` reaches the exchange at `ts`: post-only, so it is dropped if it would
    /// cross; else it joins the back of its level's queue.
    pub fn place(&mut self, book: &L3Book, id: OrderId, side: Side, px: Ticks, qty: Lots) {
        let order = Resting { side, px, leaves: qty };
        if order.crossed(book.best_bid(), book.best_ask()) {
            return;
        }
        let ahead = book.level_qty(side, px);
        self.open.insert(id, TruthOrder { order, place: book.next_priority(), ahead });
    }

    /// Our cancel of order `id` reaches the exchange.
    pub fn cancel(&mut self, id: OrderId) {
        self.open.remove(&id);
    }

    /// One L3 event changed `book` as `change` says (at exchange time `ts`).
    pub fn on_change(&mut self, book: &L3Book, change: &L3Change, ts: i64) {
        let (bid, ask) = (book.best_bid(), book.best_ask());
        let fills = &mut self.fills;
        self.open.retain(|&id, o| {
            let mut fill = 0;
            if o.order.side == change.side && change.delta < 0 {
                let qty = -change.delta;
                if change.px == o.order.px {
                    if change.priority < o.place {
                        o.ahead = (o.ahead - qty).max(0);
                    } else if change.executed && o.ahead == 0 {
                        fill = qty;
                    }
                } else if change.executed && o.order.traded_through(change.px) {
                    fill = qty;
                }
            }
            if o.order.crossed(bid, ask) {
                fill = o.order.leaves;
            }
            let fill = fill.min(o.order.leaves);
            if fill > 0 {
                o.order.leaves -= fill;
                fills.record(id, fill, ts);
            }
            o.order.leaves > 0
        });
    }
}
