//! Durable execution: everything the deterministic engine reads is an [`Input`],
//! appended to a journal (`mycelium-journal`) before its effects are acknowledged to
//! anyone, and the [`Books`] are rebuilt at start from the latest snapshot and the
//! inputs after it (LMAX style). The format and the modes are in `docs/JOURNAL.md`.
//!
//! # Layout
//! - `input`: [`Input`], one journal record: the config, a registration, a tick applied, an
//!   order, a cancel, a clock advance, a feed restart.
//! - `books`: [`Books`], the deterministic core: the engine and the actor's own
//!   counters, changed only by [`Books::apply`]; snapshots of it.
//! - `journaled`: [`JournalConfig`] (the `[journal]` section) and [`Journaled`], the
//!   books behind their journal: journal, then apply; commit once per turn; hold
//!   acknowledgements until durable; ask for a snapshot now and then.
//! - `history`: [`HistoryStep`], a strategy's own steps and replies read back from
//!   the journal, for a strategy that rebuilds its state by replaying them.
//! - `replica`: a second copy of the books on a thread of its own, kept by replaying
//!   the journal, that encodes the snapshots off execution's thread.

mod books;
mod history;
mod input;
mod journaled;
mod replica;

pub use books::{config_json, Books, LastReply, SnapshotError};
pub use history::{HistoryError, HistoryStep};
pub use input::Input;
pub use journaled::{JournalConfig, Journaled, OpenError};
