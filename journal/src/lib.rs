//! An append-only event journal for a deterministic, single-threaded engine (LMAX
//! style): every input is appended before its effects are acknowledged, and the state
//! is rebuilt by replaying the inputs on the latest snapshot. The journal knows nothing
//! of what it stores: payloads are bytes ([`Bytes`]) or rkyv archives ([`Rkyv`]).
//!
//! ```
//! use mycelium_journal::{AckQueue, Bytes, Durability, Journal, Options};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let (mut journal, recovery) = Journal::<Bytes>::open(dir.path(), Options::new(Durability::Process))?;
//! assert_eq!(recovery.replay_len(), 0);
//!
//! let mut acks = AckQueue::new();
//! let seq = journal.append(b"order 1")?; // journal the input...
//! acks.hold(seq, "ack order 1"); // ...act on it, hold its acknowledgement...
//! journal.commit()?; // ...once per turn, make the batch durable...
//! let released: Vec<_> = acks.release(journal.durable_through()).collect();
//! assert_eq!(released, ["ack order 1"]); // ...then release what is durable.
//! journal.close()?;
//!
//! let (_journal, recovery) = Journal::<Bytes>::open(dir.path(), Options::new(Durability::Process))?;
//! let replayed: Vec<_> = recovery.records().map(|r| (r.seq, r.payload.to_vec())).collect();
//! assert_eq!(replayed, [(1, b"order 1".to_vec())]);
//! # Ok(()) }
//! ```
//!
//! The format (byte by byte), the durability modes and the recovery rules are in
//! `docs/JOURNAL.md`.
//!
//! # Layout
//! - [`journal`](Journal): the writer's handle: append, commit, watermark, snapshots.
//! - `durability`: [`Durability`] modes, the [`SyncHook`], the watermark.
//! - `group_commit`: `fsync` mode's writer thread (one `fdatasync` per batch).
//! - `mapped`: `process` mode's writer: the tail segment mapped shared.
//! - `spare`: the next mapped segment, made ready in the background.
//! - `writer`: `fsync` mode's: `write(2)` to the tail segment, rolling to a new one.
//! - `recovery`: [`Recovery`]: snapshot, checked records, torn tail cut.
//! - `snapshot`: writing ([`Snapshot`]s in the background), loading, pruning.
//! - `segment`: segment files, listing and scanning (valid, torn or damaged).
//! - `format`: the header and record frames, checksums.
//! - `codec`: [`Codec`]: [`Bytes`] and [`Rkyv`] payloads.
//! - `ack`: [`AckQueue`], acknowledgements held until durable.
//! - `reader`: [`Reader`] for tools: verify and iterate without changing anything.
//! - `error`: [`JournalError`] and the snapshot refusals.
#![warn(clippy::unwrap_used)]

mod ack;
mod codec;
mod durability;
mod error;
mod format;
mod group_commit;
mod journal;
mod mapped;
mod reader;
mod recovery;
mod segment;
mod snapshot;
mod spare;
mod writer;

pub use ack::AckQueue;
pub use codec::{access_archived, Bytes, Codec, Rkyv};
pub use durability::{Durability, Durable, FdataSync, SyncHook, UnknownDurability};
pub use error::{JournalError, SnapshotRefusal, SnapshotRefused};
pub use format::FORMAT_VERSION;
pub use journal::{Journal, Options};
pub use reader::{ReadSummary, Reader, SnapshotInfo, VerifyReport};
pub use recovery::Recovery;
pub use segment::{RecordRef, TornTail};
pub use snapshot::{SkippedSnapshot, Snapshot, SnapshotQueue};

#[cfg(test)]
mod tests {
    /// The journal lives inside an actor, which tokio may move between threads.
    #[test]
    fn a_journal_can_move_between_threads() {
        fn send<T: Send>() {}
        send::<crate::Journal<crate::Bytes>>();
        send::<crate::Recovery>();
        send::<crate::AckQueue<Box<dyn FnOnce() + Send>>>();
    }
}
