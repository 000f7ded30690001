//! [`Journaled`]: the books behind their journal, and the `[journal]` section.

use std::path::PathBuf;
use std::sync::Arc;

use mycelium_journal::{AckQueue, Durability, Durable, Journal, JournalError, Options, Rkyv};
use mycelium_market_data::FeedTick;
use rkyv::util::AlignedVec;
use serde::{Deserialize, Deserializer};
use tokio::sync::watch;

use super::books::config_json;
use super::history::{self, HistoryError, HistoryStep};
use super::replica::Replica;
use super::{Books, Input, SnapshotError};
use crate::engine::ExecutionConfig;
use crate::order::{Cancel, Order, OrderUpdate, StrategyId};

/// Where and how execution journals its inputs (the `[journal]` section):
///
/// ```toml
/// [journal]
/// dir = "run/journal"        # no dir: no journal
/// mode = "process"           # off | process | fsync
/// snapshot_interval = 1000000  # inputs between snapshots; 0: none
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JournalConfig {
    /// The journal's directory (created if missing). `None`: no journal.
    pub dir: Option<PathBuf>,
    /// When an input counts as durable (see `docs/JOURNAL.md`). Default `process`.
    #[serde(deserialize_with = "durability")]
    pub mode: Durability,
    /// A snapshot of the books every this many inputs (0: none), so that recovery
    /// replays at most about this many. Default 1 000 000.
    pub snapshot_interval: u64,
}

impl Default for JournalConfig {
    fn default() -> Self {
        Self { dir: None, mode: Durability::Process, snapshot_interval: 1_000_000 }
    }
}

impl JournalConfig {
    /// The directory, when inputs are journaled at all (a dir, and a mode not `off`).
    pub fn active_dir(&self) -> Option<&std::path::Path> {
        self.dir.as_deref().filter(|_| self.mode != Durability::Off)
    }
}

fn durability<'de, D: Deserializer<'de>>(d: D) -> Result<Durability, D::Error> {
    let name = String::deserialize(d)?;
    name.parse().map_err(|e| serde::de::Error::custom(format!("journal.mode: {e}")))
}

/// Why execution could not start on its journal.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The journal could not be opened or read (damage names its file and offset).
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The snapshot could not be loaded.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// The thread that takes snapshots could not be started.
    #[error("the execution-replica thread could not start: {0}")]
    Replica(std::io::Error),
}

/// The [`Books`] behind their journal. Each input is appended, then applied; a
/// turn's acknowledgements (`A`) are held until [`commit`](Self::commit) has made its
/// inputs durable per the mode, and released in order. Without a journal, nothing
/// is appended and acknowledgements go at once.
pub struct Journaled<A> {
    books: Books,
    /// Before `journal`: dropped first, as it holds the journal's snapshot queue.
    replica: Option<Replica>,
    journal: Option<Journal<Rkyv<Input>>>,
    acks: AckQueue<A>,
}

impl<A> Journaled<A> {
    /// Books with no journal.
    pub fn unjournaled(books: Books) -> Self {
        Self { books, replica: None, journal: None, acks: AckQueue::new() }
    }

    /// Opens the journal of `journal` (when active) and recovers the books it holds
    /// under `config`: the latest valid snapshot, then every input after it.
    pub fn open(journal: &JournalConfig, config: &ExecutionConfig) -> Result<Self, OpenError> {
        let Some(dir) = journal.active_dir() else {
            return Ok(Self::unjournaled(Books::new(config.clone())));
        };
        let (log, recovery) = Journal::<Rkyv<Input>>::open(dir, Options::new(journal.mode))?;
        let mut books = Books::recovered(recovery.snapshot().map(|s| s.bytes()))?;
        for record in recovery.decode::<Rkyv<Input>>() {
            books.apply(&record?.1);
        }
        let from = recovery.snapshot().map_or(0, |s| s.seq());
        let replica = match log.snapshot_queue().filter(|_| journal.snapshot_interval > 0) {
            Some(queue) => {
                let start = recovery.snapshot().map(|s| {
                    let mut bytes = AlignedVec::<16>::with_capacity(s.bytes().len());
                    bytes.extend_from_slice(s.bytes());
                    (s.seq(), bytes)
                });
                let (interval, last) = (journal.snapshot_interval, log.last_seq());
                let replica = Replica::start(dir.to_owned(), start, queue, interval, last)
                    .map_err(OpenError::Replica)?;
                Some(replica)
            }
            None => None,
        };
        tracing::info!(
            dir = %dir.display(),
            mode = %journal.mode,
            snapshot = from,
            replayed = recovery.replay_len(),
            orders = books.engine().stats().orders,
            "execution recovered from its journal"
        );
        let mut me = Self { books, replica, journal: Some(log), acks: AckQueue::new() };
        // A new journal starts with the config; one written under another config
        // goes on under this one from here (its start replays under its own).
        let json = config_json(config);
        if me.books.config() != json {
            me.record(Input::Config(json))?;
            if let Some(j) = &mut me.journal {
                j.commit()?;
            }
        }
        Ok(me)
    }

    /// The books.
    pub fn books(&self) -> &Books {
        &self.books
    }

    /// Whether inputs are journaled.
    pub fn is_journaled(&self) -> bool {
        self.journal.is_some()
    }

    /// The journal's durable watermark, for a task to turn into messages (`fsync`
    /// mode only: in the others it moves at each commit).
    pub fn subscribe(&self) -> Option<watch::Receiver<Durable>> {
        self.journal
            .as_ref()
            .filter(|j| j.options().durability == Durability::Fsync)
            .map(|j| j.subscribe())
    }

    fn append(&mut self, input: impl FnOnce() -> Input) -> Result<(), JournalError> {
        match &mut self.journal {
            Some(j) => j.append(&input()).map(|_| ()),
            None => Ok(()),
        }
    }

    /// Journals and applies any input (the typed calls below save the input's copy
    /// when there is no journal).
    pub fn record(&mut self, input: Input) -> Result<Vec<OrderUpdate>, JournalError> {
        if let Some(j) = &mut self.journal {
            j.append(&input)?;
        }
        Ok(self.books.apply(&input))
    }

    /// Every step `strategy` has taken, with its replies, read back from the journal
    /// (after waiting for what is committed to be durable, so that the files hold it).
    /// None without a journal.
    pub fn history(&mut self, strategy: StrategyId) -> Result<Vec<HistoryStep>, HistoryError> {
        let Some(journal) = &mut self.journal else {
            return Ok(Vec::new());
        };
        journal.commit()?;
        if !journal.wait_durable() {
            return Err(JournalError::Failed("an earlier write or sync failed".into()).into());
        }
        history::read(journal.dir(), strategy, journal.last_seq())
    }

    /// Journals and applies [`Input::Register`].
    pub fn register(&mut self, strategy: StrategyId, live: bool) -> Result<(), JournalError> {
        self.append(|| Input::Register { strategy, live })?;
        self.books.register(strategy, live);
        Ok(())
    }

    /// Journals and applies [`Input::Tick`].
    pub fn tick(&mut self, seq: u64, tick: Option<&Arc<FeedTick>>) -> Result<(), JournalError> {
        let tick = tick.map(|t| &t.tick);
        self.append(|| Input::Tick { seq, tick: tick.cloned() })?;
        self.books.tick(seq, tick);
        Ok(())
    }

    /// Journals and applies [`Input::Step`]; returns the strategy's reply.
    pub fn step(
        &mut self,
        strategy: StrategyId,
        seq: u64,
        orders: Vec<Order>,
        cancels: Vec<Cancel>,
    ) -> Result<Vec<OrderUpdate>, JournalError> {
        let Some(journal) = &mut self.journal else {
            return Ok(self.books.step(strategy, seq, orders, cancels));
        };
        // Encoded from the input itself, then taken apart again: no copy of the orders.
        let input = Input::Step { strategy, seq, orders, cancels };
        journal.append(&input)?;
        let Input::Step { orders, cancels, .. } = input else { unreachable!() };
        Ok(self.books.step(strategy, seq, orders, cancels))
    }

    /// Journals and applies [`Input::Unregister`].
    pub fn unregister(&mut self, strategy: StrategyId) -> Result<(), JournalError> {
        self.append(|| Input::Unregister { strategy })?;
        self.books.unregister(strategy);
        Ok(())
    }

    /// Journals and applies [`Input::FeedRestart`].
    pub fn feed_restart(&mut self) -> Result<(), JournalError> {
        self.append(|| Input::FeedRestart)?;
        self.books.apply(&Input::FeedRestart);
        Ok(())
    }

    /// Holds `ack` until every input appended so far is durable; without a journal,
    /// hands it straight back.
    pub fn hold(&mut self, ack: A) -> Option<A> {
        match &self.journal {
            Some(j) => {
                self.acks.hold(j.last_seq(), ack);
                None
            }
            None => Some(ack),
        }
    }

    /// Ends a turn: makes its inputs durable per the mode, takes a snapshot when one is
    /// due, and returns the acknowledgements that may go now, in order.
    pub fn commit(&mut self) -> Result<impl Iterator<Item = A> + '_, JournalError> {
        let mut through = u64::MAX;
        if let Some(j) = &mut self.journal {
            j.commit()?;
            through = j.durable_through();
            // The replica encodes it on its own thread, from the journal.
            if let Some(replica) = &mut self.replica {
                replica.request_if_due(through);
            }
        }
        Ok(self.acks.release(through))
    }

    /// Releases the acknowledgements durable through `through` (`fsync` mode, when
    /// the watermark moves).
    pub fn release(&mut self, through: u64) -> impl Iterator<Item = A> + '_ {
        self.acks.release(through)
    }

    /// Closes the journal: waits for queued snapshots and, in `fsync` mode, for the
    /// last batch.
    pub fn close(&mut self) -> Result<(), JournalError> {
        if let Some(mut replica) = self.replica.take() {
            replica.close();
        }
        match self.journal.take() {
            Some(j) => j.close(),
            None => Ok(()),
        }
    }
}
