//! [`Books`]: the deterministic core, and its snapshots.

use std::collections::BTreeMap;

use mycelium_market_data::MarketTick;
use rkyv::rancor;

use super::Input;
use crate::engine::{ExecutionConfig, ExecutionEngine};
use crate::order::{Cancel, ClientOrderId, Order, OrderUpdate, StrategyId};

/// Everything execution knows that outlives a message: the engine (open and finished
/// orders, the dedup state by client order id, positions and PnL, risk counters, the
/// simulated exchange's resting and scheduled orders) and the actor's counters (ticks
/// applied, the barrier's position, each strategy's highest order id, the
/// registrations). Changed only through [`apply`](Self::apply) or the calls it makes,
/// so that a replay of the journaled inputs rebuilds it exactly.
#[derive(Debug, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Books {
    engine: ExecutionEngine,
    /// The config in force, as journaled ([`Input::Config`]); empty before the first.
    config: String,
    /// Highest client order id seen per strategy, handed back on registration.
    #[rkyv(with = rkyv::with::AsVec)]
    last_ids: BTreeMap<StrategyId, u64>,
    /// Ticks released by the barrier.
    applied: u64,
    /// The feed sequence of the last tick released: every step up to it is done.
    last_seq: u64,
    /// Each strategy registered (and not ended), and whether it trades live.
    #[rkyv(with = rkyv::with::AsVec)]
    registered: BTreeMap<StrategyId, bool>,
    /// Updates for each strategy not yet in a reply.
    #[rkyv(with = rkyv::with::AsVec)]
    undelivered: BTreeMap<StrategyId, Vec<OrderUpdate>>,
    /// Updates still travelling back to their strategies (the exchange's response
    /// latency), by (exchange time they arrive, order made): released into
    /// `undelivered` when the clock passes that time.
    #[rkyv(with = rkyv::with::AsVec)]
    in_flight: BTreeMap<(i64, u64), OrderUpdate>,
    /// Updates put in flight so far: those arriving at the same time keep the order
    /// they were made in.
    sent: u64,
    /// Each strategy's last step and its reply: a step sent again (its reply was lost
    /// with a connection or a crash) is answered with it, not executed again.
    #[rkyv(with = rkyv::with::AsVec)]
    replies: BTreeMap<StrategyId, LastReply>,
    /// Every update as it is made, for a reader that asked ([`observe`](Self::observe)).
    #[rkyv(with = rkyv::with::Skip)]
    observed: Option<Vec<OrderUpdate>>,
}

/// A strategy's last step (what identifies it) and the reply it got.
#[derive(Debug, Clone, Default, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct LastReply {
    /// The feed sequence the step answered.
    pub seq: u64,
    /// Its orders' client order ids.
    orders: Vec<ClientOrderId>,
    /// Its cancels' client order ids.
    cancels: Vec<ClientOrderId>,
    /// The reply.
    pub updates: Vec<OrderUpdate>,
}

impl LastReply {
    /// Whether a step of `seq` with these orders and cancels is this one, sent again.
    pub fn is_resend_of(&self, seq: u64, orders: &[Order], cancels: &[Cancel]) -> bool {
        seq > 0
            && seq == self.seq
            && self.orders.iter().eq(orders.iter().map(|o| &o.client_order_id))
            && self.cancels.iter().eq(cancels.iter().map(|c| &c.client_order_id))
    }
}

/// A snapshot that cannot be loaded.
#[derive(Debug, thiserror::Error)]
#[error("execution snapshot cannot be read: {0}")]
pub struct SnapshotError(String);

impl Books {
    /// Empty books over a fresh engine under `config`.
    pub fn new(config: ExecutionConfig) -> Self {
        let json = config_json(&config);
        Self { config: json, ..Self::from_engine(ExecutionEngine::new(config)) }
    }

    /// Empty books over `engine` (which should be fresh: its state is not journaled),
    /// with no config journaled yet.
    pub fn from_engine(engine: ExecutionEngine) -> Self {
        Self {
            engine,
            config: String::new(),
            last_ids: BTreeMap::new(),
            applied: 0,
            last_seq: 0,
            registered: BTreeMap::new(),
            undelivered: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            sent: 0,
            replies: BTreeMap::new(),
            observed: None,
        }
    }

    /// Applies one input; returns what it answers (a step's reply; nothing for the
    /// others, whose updates wait for their strategies' next replies).
    pub fn apply(&mut self, input: &Input) -> Vec<OrderUpdate> {
        match input {
            Input::Config(json) => {
                self.configure(json);
                Vec::new()
            }
            Input::Register { strategy, live } => {
                self.register(*strategy, *live);
                Vec::new()
            }
            Input::Tick { seq, tick } => {
                self.tick(*seq, tick.as_ref());
                Vec::new()
            }
            Input::Step { strategy, seq, orders, cancels } => {
                self.step(*strategy, *seq, orders.clone(), cancels.clone())
            }
            Input::Unregister { strategy } => {
                self.unregister(*strategy);
                Vec::new()
            }
            Input::AdvanceTo(ts) => {
                let updates = self.engine.advance_to(*ts);
                self.hold(updates);
                Vec::new()
            }
            Input::FeedRestart => {
                // The strategies register again with the new feed.
                self.last_seq = 0;
                self.registered.clear();
                Vec::new()
            }
        }
    }

    /// [`Input::Config`]. A config that does not parse (never journaled by this
    /// build, which writes it) leaves the one in force, and says so.
    pub fn configure(&mut self, json: &str) {
        match serde_json::from_str::<ExecutionConfig>(json) {
            Ok(config) => {
                self.engine.configure(&config);
                self.config = json.to_owned();
            }
            Err(e) => {
                tracing::error!(%e, "a journaled execution config does not parse; kept the one in force")
            }
        }
    }

    /// The config in force as journaled (JSON), empty if none was.
    pub fn config(&self) -> &str {
        &self.config
    }

    /// [`Input::Register`]. The strategy's undelivered updates (in flight too) are
    /// dropped: what it recovers on registration already reflects them.
    pub fn register(&mut self, strategy: StrategyId, live: bool) {
        self.registered.insert(strategy, live);
        self.undelivered.remove(&strategy);
        self.in_flight.retain(|_, u| u.strategy != strategy);
    }

    /// [`Input::Unregister`].
    pub fn unregister(&mut self, strategy: StrategyId) {
        self.registered.remove(&strategy);
    }

    /// [`Input::Tick`]: the updates it causes wait for their strategies' replies.
    pub fn tick(&mut self, seq: u64, tick: Option<&MarketTick>) {
        if let Some(t) = tick {
            let updates = self.engine.on_tick(t);
            self.release_arrived();
            self.hold(updates);
        }
        self.applied += 1;
        self.last_seq = seq;
    }

    /// [`Input::Step`]: submits the orders, then the cancels; returns the strategy's
    /// reply.
    pub fn step(
        &mut self,
        strategy: StrategyId,
        seq: u64,
        orders: Vec<Order>,
        cancels: Vec<Cancel>,
    ) -> Vec<OrderUpdate> {
        // The last step is kept in place, its buffers reused: this runs for every
        // strategy on every tick.
        let last = self.replies.entry(strategy).or_default();
        last.seq = seq;
        last.orders.clear();
        last.orders.extend(orders.iter().map(|o| o.client_order_id));
        last.cancels.clear();
        last.cancels.extend(cancels.iter().map(|c| c.client_order_id));
        for order in orders {
            let last = self.last_ids.entry(order.strategy).or_default();
            *last = (*last).max(order.client_order_id.0);
            let updates = self.engine.submit(order);
            self.hold(updates);
        }
        for cancel in cancels {
            let updates = self.engine.cancel(cancel);
            self.hold(updates);
        }
        let reply = self.undelivered.get_mut(&strategy).map(std::mem::take).unwrap_or_default();
        if let Some(last) = self.replies.get_mut(&strategy) {
            last.updates.clone_from(&reply);
        }
        reply
    }

    /// From now on, keeps a copy of every update made (whichever reply it goes in, if
    /// any), for [`take_observed`](Self::take_observed): a reader's view of everything.
    pub fn observe(&mut self) {
        self.observed.get_or_insert_with(Vec::new);
    }

    /// The updates made since the last call, in order (none unless observing).
    pub fn take_observed(&mut self) -> Vec<OrderUpdate> {
        self.observed.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Keeps `updates` for their strategies' next replies, or in flight until the
    /// exchange's response latency has passed (in exchange time).
    fn hold(&mut self, updates: Vec<OrderUpdate>) {
        if let Some(seen) = &mut self.observed {
            seen.extend_from_slice(&updates);
        }
        let exchange = self.engine.exchange();
        for u in updates {
            let arrives = exchange.answer_reaches_strategy_at(u.ts_ns);
            if exchange.now_ns().is_none_or(|now| arrives <= now) {
                self.undelivered.entry(u.strategy).or_default().push(u);
            } else {
                self.sent += 1;
                self.in_flight.insert((arrives, self.sent), u);
            }
        }
    }

    /// Moves the updates that have reached their strategies by now into their replies.
    fn release_arrived(&mut self) {
        let Some(now) = self.engine.exchange().now_ns() else {
            return;
        };
        while let Some(entry) = self.in_flight.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let u = entry.remove();
            self.undelivered.entry(u.strategy).or_default().push(u);
        }
    }

    /// The strategy's last step and reply, if it stepped.
    pub fn last_reply(&self, strategy: StrategyId) -> Option<&LastReply> {
        self.replies.get(&strategy)
    }

    /// The engine, to read.
    pub fn engine(&self) -> &ExecutionEngine {
        &self.engine
    }

    /// Ticks released by the barrier.
    pub fn applied(&self) -> u64 {
        self.applied
    }

    /// The feed sequence of the last tick released.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// The highest client order id `strategy` has used (0 if none).
    pub fn last_order_id(&self, strategy: StrategyId) -> u64 {
        self.last_ids.get(&strategy).copied().unwrap_or(0)
    }

    /// Every strategy registered and not ended, and whether it trades live.
    pub fn registered(&self) -> &BTreeMap<StrategyId, bool> {
        &self.registered
    }

    /// The whole state as bytes (an rkyv archive; the config is not in it). Two books
    /// with equal bytes are equal: the encoding is deterministic (ordered maps only).
    pub fn snapshot(&self) -> Result<Vec<u8>, SnapshotError> {
        rkyv::to_bytes::<rancor::Error>(self)
            .map(|bytes| bytes.into_vec())
            .map_err(|e| SnapshotError(e.to_string()))
    }

    /// The books of a journal before its first record (which sets the config).
    pub fn before_journal() -> Self {
        Self::from_engine(ExecutionEngine::new(ExecutionConfig::default()))
    }

    /// The books a journal starts from: its snapshot's, or those before its first
    /// record.
    pub fn recovered(snapshot: Option<&[u8]>) -> Result<Self, SnapshotError> {
        match snapshot {
            Some(bytes) => Self::restore(bytes),
            None => Ok(Self::before_journal()),
        }
    }

    /// Books from a [`snapshot`](Self::snapshot), under the config they hold.
    /// `bytes` must be 16-byte aligned, as the journal hands them.
    pub fn restore(bytes: &[u8]) -> Result<Self, SnapshotError> {
        let mut books = rkyv::from_bytes::<Books, rancor::Error>(bytes)
            .map_err(|e| SnapshotError(e.to_string()))?;
        let json = std::mem::take(&mut books.config);
        books.configure(&json);
        Ok(books)
    }
}

/// `config` as [`Input::Config`] carries it.
pub fn config_json(config: &ExecutionConfig) -> String {
    // A config of plain numbers, strings and lists always serializes.
    serde_json::to_string(config).unwrap_or_default()
}
