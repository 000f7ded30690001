//! Order records (open orders, and a bounded history of finished ones for resend
//! deduplication) and the per-symbol index of resting orders in priority order.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use mycelium_market_data::book::PriceKey;
use mycelium_market_data::{Side, Symbol};
use serde::{Deserialize, Serialize};

use super::market::{best_first, crosses, price_of};
use super::queue::Queue;
use crate::order::{ClientOrderId, Fill, Order, OrderStatus, OrderUpdate, StrategyId};

/// How execution identifies an order.
pub(crate) type OrderKey = (StrategyId, ClientOrderId);

/// The state of one order as the simulated exchange sees it.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Serialize,
    Deserialize,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
pub struct OrderState {
    /// The order as submitted.
    pub order: Order,
    /// Current status.
    pub status: OrderStatus,
    /// Cumulative filled quantity.
    pub filled_qty: f64,
    /// Quantity still working (0 once terminal).
    pub leaves_qty: f64,
    /// Exchange time at which the order reaches the simulated exchange
    /// (`reacted_to.exchange_ts_ns + order_latency_ns`).
    pub active_at_ns: i64,
    /// `true` once it has reached the exchange (it can then fill).
    pub active: bool,
}

impl OrderState {
    /// The update describing this state.
    pub(crate) fn update(&self, last_fill: Option<Fill>, ts_ns: i64) -> OrderUpdate {
        OrderUpdate {
            client_order_id: self.order.client_order_id,
            strategy: self.order.strategy,
            symbol: self.order.symbol,
            status: self.status,
            filled_qty: self.filled_qty,
            last_fill,
            leaves_qty: self.leaves_qty,
            ts_ns,
            refused: None,
        }
    }
}

/// A stored order and its arrival number (time priority).
#[derive(Debug, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub(crate) struct Record {
    pub(crate) state: OrderState,
    pub(crate) arrival: u64,
}

/// Every open order, plus the last `max_terminal` finished ones.
#[derive(Debug, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub(crate) struct OrderStore {
    #[rkyv(with = rkyv::with::AsVec)]
    records: BTreeMap<OrderKey, Record>,
    #[rkyv(with = rkyv::with::AsVec)]
    open: BTreeSet<OrderKey>,
    terminal: VecDeque<OrderKey>,
    max_terminal: usize,
}

impl OrderStore {
    pub(crate) fn new(max_terminal: usize) -> Self {
        Self {
            records: BTreeMap::new(),
            open: BTreeSet::new(),
            terminal: VecDeque::new(),
            max_terminal,
        }
    }

    pub(crate) fn set_max_terminal(&mut self, max_terminal: usize) {
        self.max_terminal = max_terminal;
    }

    pub(crate) fn get(&self, key: &OrderKey) -> Option<&Record> {
        self.records.get(key)
    }

    pub(crate) fn get_mut(&mut self, key: &OrderKey) -> Option<&mut Record> {
        self.records.get_mut(key)
    }

    /// Stores a new order (the key must be unknown).
    pub(crate) fn insert(&mut self, key: OrderKey, record: Record) {
        let terminal = record.state.status.is_terminal();
        self.records.insert(key, record);
        if terminal {
            self.retire(key);
        } else {
            self.open.insert(key);
        }
    }

    /// Moves an order that just became terminal to the bounded history, forgetting the
    /// oldest finished order beyond `max_terminal`.
    pub(crate) fn retire(&mut self, key: OrderKey) {
        self.open.remove(&key);
        self.terminal.push_back(key);
        while self.terminal.len() > self.max_terminal {
            if let Some(old) = self.terminal.pop_front() {
                self.records.remove(&old);
            }
        }
    }

    /// The strategy's open orders, by client order id.
    pub(crate) fn open_of(&self, strategy: StrategyId) -> impl Iterator<Item = &OrderState> {
        let range = (strategy, ClientOrderId(0))..=(strategy, ClientOrderId(u64::MAX));
        self.open.range(range).filter_map(|k| self.records.get(k).map(|r| &r.state))
    }
}

/// Resting orders of one symbol, each side in priority order (best price, then arrival).
#[derive(Debug, Default, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub(crate) struct RestingBook {
    /// Buys keyed by (negated price, arrival): best (highest) price first.
    #[rkyv(with = rkyv::with::AsVec)]
    buys: BTreeMap<(PriceKey, u64), Resting>,
    /// Sells keyed by (price, arrival): best (lowest) price first.
    #[rkyv(with = rkyv::with::AsVec)]
    sells: BTreeMap<(PriceKey, u64), Resting>,
}

/// A resting order and its place in its price level's queue.
#[derive(Debug, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub(crate) struct Resting {
    pub(crate) key: OrderKey,
    pub(crate) queue: Queue,
}

fn rest_key(side: Side, px: f64, arrival: u64) -> (PriceKey, u64) {
    (best_first(side, px), arrival)
}

impl RestingBook {
    fn side(&self, side: Side) -> &BTreeMap<(PriceKey, u64), Resting> {
        match side {
            Side::Buy => &self.buys,
            Side::Sell => &self.sells,
        }
    }

    fn side_mut(&mut self, side: Side) -> &mut BTreeMap<(PriceKey, u64), Resting> {
        match side {
            Side::Buy => &mut self.buys,
            Side::Sell => &mut self.sells,
        }
    }

    pub(crate) fn insert(&mut self, side: Side, (px, arrival): (f64, u64), resting: Resting) {
        self.side_mut(side).insert(rest_key(side, px, arrival), resting);
    }

    /// Removes a resting order; its queue back.
    pub(crate) fn remove(&mut self, side: Side, px: f64, arrival: u64) -> Option<Queue> {
        self.side_mut(side).remove(&rest_key(side, px, arrival)).map(|r| r.queue)
    }

    /// The queue of the resting `side` order at `px` that arrived `arrival`.
    pub(crate) fn queue_mut(&mut self, side: Side, px: f64, arrival: u64) -> Option<&mut Queue> {
        self.side_mut(side).get_mut(&rest_key(side, px, arrival)).map(|r| &mut r.queue)
    }

    /// Each resting `side` order's limit price and queue.
    pub(crate) fn queues_mut(&mut self, side: Side) -> impl Iterator<Item = (f64, &mut Queue)> {
        self.side_mut(side).iter_mut().map(move |((k, _), r)| (price_of(side, *k), &mut r.queue))
    }

    /// The resting orders of `side` whose limit lets them trade at `px`, in priority
    /// order, with their limit prices and arrival numbers.
    pub(crate) fn crossing(&self, side: Side, px: f64) -> Vec<(OrderKey, f64, u64)> {
        self.side(side)
            .iter()
            .map(|((k, arrival), r)| (r.key, price_of(side, *k), *arrival))
            .take_while(|(_, limit, _)| crosses(side, *limit, px))
            .collect()
    }
}

/// Resting books by symbol.
pub(crate) type RestingBooks = BTreeMap<Symbol, RestingBook>;
