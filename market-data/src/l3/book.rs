//! [`L3Book`]: the resting orders of an L3 stream, per side and price level, in FIFO
//! (price-time) priority.
//!
//! Each order gets a priority number when it is added; within a level, a lower number is
//! ahead. A level's FIFO queue is therefore the orders at that price ordered by priority,
//! and "the quantity ahead of a given place in the queue" is the sum over the orders with
//! a lower number: [`L3Change::priority`] tells a consumer on which side of its own place
//! each change happened, without walking queues.

use std::collections::{BTreeMap, HashMap, VecDeque};

use super::{L3Event, L3Kind, Lots, OrderId, Ticks};
use crate::tick::Side;

/// A resting order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Resting {
    side: Side,
    px: Ticks,
    qty: Lots,
    priority: u64,
}

/// What an event did to the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L3Change {
    /// The level's side.
    pub side: Side,
    /// The level's price.
    pub px: Ticks,
    /// Size added to the level (an add) or removed from it (negative: a cancel or an
    /// execution).
    pub delta: Lots,
    /// The level's size after the event.
    pub level_qty: Lots,
    /// Priority of the order the event is about (lower = ahead in the level's queue).
    pub priority: u64,
    /// `true` for an execution.
    pub executed: bool,
}

/// Why an event cannot apply to the book.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum L3Error {
    /// An add reuses the id of a resting order.
    #[error("order {0} is added twice")]
    DuplicateId(OrderId),
    /// A cancel or execution names an order that is not resting.
    #[error("order {0} is not in the book")]
    UnknownOrder(OrderId),
    /// An execution is larger than the order's remaining size, or a size is not positive.
    #[error("order {id}: bad size {qty} (remaining {remaining})")]
    BadSize {
        /// The order.
        id: OrderId,
        /// The size in the event.
        qty: Lots,
        /// The order's remaining size.
        remaining: Lots,
    },
}

/// The orders resting on one side, per price level, in FIFO order.
type SideLevels = BTreeMap<Ticks, (Lots, VecDeque<OrderId>)>;

/// The resting orders of an L3 stream (see the [module docs](self)).
#[derive(Debug, Clone, Default)]
pub struct L3Book {
    orders: HashMap<OrderId, Resting>,
    bids: SideLevels,
    asks: SideLevels,
    next_priority: u64,
}

impl L3Book {
    /// An empty book.
    pub fn new() -> Self {
        Self::default()
    }

    fn levels(&self, side: Side) -> &SideLevels {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

    fn levels_mut(&mut self, side: Side) -> &mut SideLevels {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }

    /// The priority the next added order will get: a place behind every order now
    /// resting (where an order joining now queues).
    pub fn next_priority(&self) -> u64 {
        self.next_priority
    }

    /// Best bid price.
    pub fn best_bid(&self) -> Option<Ticks> {
        self.bids.keys().next_back().copied()
    }

    /// Best ask price.
    pub fn best_ask(&self) -> Option<Ticks> {
        self.asks.keys().next().copied()
    }

    /// Total size resting at `px` on `side` (0 for no level).
    pub fn level_qty(&self, side: Side, px: Ticks) -> Lots {
        self.levels(side).get(&px).map_or(0, |(q, _)| *q)
    }

    /// Number of resting orders.
    pub fn order_count(&self) -> usize {
        self.orders.len()
    }

    /// Whether `id` is resting.
    pub fn contains(&self, id: OrderId) -> bool {
        self.orders.contains_key(&id)
    }

    /// Size left on a resting order.
    pub fn remaining(&self, id: OrderId) -> Option<Lots> {
        self.orders.get(&id).map(|o| o.qty)
    }

    /// The order at the front of the best level on `side` (the next one a taker hits).
    pub fn front(&self, side: Side) -> Option<OrderId> {
        let level = match side {
            Side::Buy => self.bids.values().next_back(),
            Side::Sell => self.asks.values().next(),
        };
        level.and_then(|(_, q)| q.front().copied())
    }

    /// Applies one event; on error the book is unchanged.
    pub fn apply(&mut self, ev: &L3Event) -> Result<L3Change, L3Error> {
        match ev.kind {
            L3Kind::Add { id, side, px, qty } => {
                if qty <= 0 {
                    return Err(L3Error::BadSize { id, qty, remaining: 0 });
                }
                if self.orders.contains_key(&id) {
                    return Err(L3Error::DuplicateId(id));
                }
                let priority = self.next_priority;
                self.next_priority += 1;
                self.orders.insert(id, Resting { side, px, qty, priority });
                let level = self.levels_mut(side).entry(px).or_default();
                level.0 += qty;
                level.1.push_back(id);
                let level_qty = level.0;
                Ok(L3Change { side, px, delta: qty, level_qty, priority, executed: false })
            }
            L3Kind::Cancel { id } => {
                let o = *self.orders.get(&id).ok_or(L3Error::UnknownOrder(id))?;
                self.remove(id, o.qty, false)
            }
            L3Kind::Execute { maker, qty, .. } => {
                let o = *self.orders.get(&maker).ok_or(L3Error::UnknownOrder(maker))?;
                if qty <= 0 || qty > o.qty {
                    return Err(L3Error::BadSize { id: maker, qty, remaining: o.qty });
                }
                self.remove(maker, qty, true)
            }
        }
    }

    /// Takes `qty` off a resting order (all of it: the order leaves the book).
    fn remove(&mut self, id: OrderId, qty: Lots, executed: bool) -> Result<L3Change, L3Error> {
        let Some(o) = self.orders.get_mut(&id) else {
            return Err(L3Error::UnknownOrder(id));
        };
        o.qty -= qty;
        let o = *o;
        if o.qty == 0 {
            self.orders.remove(&id);
        }
        let levels = self.levels_mut(o.side);
        let mut level_qty = 0;
        if let Some(level) = levels.get_mut(&o.px) {
            level.0 -= qty;
            level_qty = level.0;
            if o.qty == 0 {
                // Executions hit the front; cancels are found from the back, where short
                // lived orders are.
                if level.1.front() == Some(&id) {
                    level.1.pop_front();
                } else if let Some(i) = level.1.iter().rposition(|x| *x == id) {
                    level.1.remove(i);
                }
            }
            if level.1.is_empty() {
                levels.remove(&o.px);
            }
        }
        Ok(L3Change {
            side: o.side,
            px: o.px,
            delta: -qty,
            level_qty,
            priority: o.priority,
            executed,
        })
    }
}
