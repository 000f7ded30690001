//! [`Books`]: the deterministic core, and its snapshots.

use std::collections::BTreeMap;

use mycelium_market_data::MarketTick;
use rkyv::rancor;

use super::Input;
use crate::engine::{ExecutionConfig, ExecutionEngine};
use crate::order::{Cancel, Order, OrderUpdate, StrategyId};

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
    /// Each strategy that registered, and whether it trades live.
    #[rkyv(with = rkyv::with::AsVec)]
    registered: BTreeMap<StrategyId, bool>,
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
        }
    }

    /// Applies one input; returns the order updates it caused.
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
            Input::Tick { seq, tick } => self.tick(*seq, tick.as_ref()),
            Input::Order(order) => self.submit(order.clone()),
            Input::Cancel(cancel) => self.cancel(cancel.clone()),
            Input::AdvanceTo(ts) => self.engine.advance_to(*ts),
            Input::FeedRestart => {
                self.last_seq = 0;
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

    /// [`Input::Register`].
    pub fn register(&mut self, strategy: StrategyId, live: bool) {
        self.registered.insert(strategy, live);
    }

    /// [`Input::Tick`].
    pub fn tick(&mut self, seq: u64, tick: Option<&MarketTick>) -> Vec<OrderUpdate> {
        let updates = tick.map(|t| self.engine.on_tick(t)).unwrap_or_default();
        self.applied += 1;
        self.last_seq = seq;
        updates
    }

    /// [`Input::Order`].
    pub fn submit(&mut self, order: Order) -> Vec<OrderUpdate> {
        let last = self.last_ids.entry(order.strategy).or_default();
        *last = (*last).max(order.client_order_id.0);
        self.engine.submit(order)
    }

    /// [`Input::Cancel`].
    pub fn cancel(&mut self, cancel: Cancel) -> Vec<OrderUpdate> {
        self.engine.cancel(cancel)
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

    /// Every strategy that registered, and whether it trades live.
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
