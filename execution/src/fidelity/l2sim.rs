//! [`L2Sim`]: our resting orders simulated from the L2 stream alone, with a
//! [`QueueModel`] estimating each one's place, over a minimal L2 level tracker.
//!
//! The same order rules as the [truth](super::truth) (post-only on arrival, trades
//! through our price fill us, a crossed order fills in full); only the queue position
//! differs: it is estimated from displayed sizes and trades (see [`crate::queue_model`]).

use std::collections::BTreeMap;

use mycelium_market_data::l3::{Grid, Lots, OrderId, Ticks};
use mycelium_market_data::{MarketTick, Side, TickEvent};

use super::fills::{FillLog, Resting};
use crate::queue_model::{QueueModel, QueuePos};

#[derive(Debug, Clone, Copy)]
struct L2Order {
    order: Resting,
    pos: QueuePos,
}

/// Displayed size per price, per side.
#[derive(Debug, Clone, Default)]
struct Levels {
    bids: BTreeMap<Ticks, Lots>,
    asks: BTreeMap<Ticks, Lots>,
}

impl Levels {
    fn side(&mut self, side: Side) -> &mut BTreeMap<Ticks, Lots> {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }

    fn qty(&self, side: Side, px: Ticks) -> Lots {
        let levels = match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        };
        levels.get(&px).copied().unwrap_or(0)
    }

    fn best(&self) -> (Option<Ticks>, Option<Ticks>) {
        (self.bids.keys().next_back().copied(), self.asks.keys().next().copied())
    }
}

/// Our orders under one queue model, fed the L2 stream (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct L2Sim {
    model: QueueModel,
    grid: Grid,
    levels: Levels,
    open: BTreeMap<OrderId, L2Order>,
    fills: FillLog,
}

impl L2Sim {
    /// A simulation under `model`, reading prices and sizes on `grid`.
    pub fn new(model: QueueModel, grid: Grid) -> Self {
        Self {
            model,
            grid,
            levels: Levels::default(),
            open: BTreeMap::new(),
            fills: FillLog::default(),
        }
    }

    /// The model.
    pub fn model(&self) -> QueueModel {
        self.model
    }

    /// Our fills so far.
    pub fn fills(&self) -> &FillLog {
        &self.fills
    }

    /// The touch as the L2 stream shows it.
    pub fn touch(&self) -> (Option<Ticks>, Option<Ticks>) {
        self.levels.best()
    }

    /// Order `id` reaches the exchange: dropped if it would cross (post-only), else it
    /// queues behind the displayed size at its price.
    pub fn place(&mut self, id: OrderId, side: Side, px: Ticks, qty: Lots) {
        let order = Resting { side, px, leaves: qty };
        let (bid, ask) = self.levels.best();
        if order.crossed(bid, ask) {
            return;
        }
        let pos = QueuePos::join(self.levels.qty(side, px));
        self.open.insert(id, L2Order { order, pos });
    }

    /// Our cancel of order `id` reaches the exchange.
    pub fn cancel(&mut self, id: OrderId) {
        self.open.remove(&id);
    }

    /// One tick of the L2 stream.
    pub fn on_tick(&mut self, tick: &MarketTick) {
        let ts = tick.exchange_ts_ns;
        match &tick.event {
            TickEvent::Trade(t) => {
                let Some(aggressor) = t.aggressor else {
                    return;
                };
                let maker_side = aggressor.opposite();
                let (px, qty) = (self.grid.ticks(t.px), self.grid.lots(t.qty));
                for (&id, o) in self.open.iter_mut().filter(|(_, o)| o.order.side == maker_side) {
                    if o.order.px == px {
                        let fillable = self.model.on_trade(&mut o.pos, qty, 1);
                        fill(&mut self.fills, id, o, fillable, ts);
                    } else if o.order.traded_through(px) {
                        fill(&mut self.fills, id, o, qty, ts);
                    }
                }
            }
            TickEvent::Depth(d) => {
                for (side, levels) in [(Side::Buy, &d.bids), (Side::Sell, &d.asks)] {
                    for l in levels.iter() {
                        let (px, new) = (self.grid.ticks(l.price), self.grid.lots(l.qty));
                        let prev = if new == 0 {
                            self.levels.side(side).remove(&px).unwrap_or(0)
                        } else {
                            self.levels.side(side).insert(px, new).unwrap_or(0)
                        };
                        let model = self.model;
                        let at_level = |o: &&mut L2Order| o.order.side == side && o.order.px == px;
                        for o in self.open.values_mut().filter(at_level) {
                            model.on_depth(&mut o.pos, prev, new);
                        }
                    }
                }
                let (bid, ask) = self.levels.best();
                for (&id, o) in self.open.iter_mut() {
                    if o.order.crossed(bid, ask) {
                        fill(&mut self.fills, id, o, o.order.leaves, ts);
                    }
                }
            }
            TickEvent::Quote(_) => {}
        }
        self.open.retain(|_, o| o.order.leaves > 0);
    }
}

/// Fills `qty` of order `id` (at most its leaves).
fn fill(fills: &mut FillLog, id: OrderId, o: &mut L2Order, qty: Lots, ts: i64) {
    let qty = qty.min(o.order.leaves);
    if qty > 0 {
        o.order.leaves -= qty;
        fills.record(id, qty, ts);
    }
}
