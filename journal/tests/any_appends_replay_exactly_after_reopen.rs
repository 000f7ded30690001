//! Whatever is appended (any sizes, snapshots interleaved, reopened at any point, in
//! either writing mode, switching between them) replays exactly: the newest snapshot,
//! then every record after it with its payload and sequence.

mod common;

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use mycelium_journal::{Bytes, Durability, Journal, Options, SyncHook};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Append(Vec<u8>),
    Commit,
    Snapshot,
    /// Close and reopen, in `fsync` mode when true (else `process`).
    Reopen(bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => proptest::collection::vec(any::<u8>(), 0..300).prop_map(Op::Append),
        3 => Just(Op::Commit),
        1 => Just(Op::Snapshot),
        1 => any::<bool>().prop_map(Op::Reopen),
    ]
}

/// A sync that does nothing, so the group-commit path runs at memory speed.
struct NoSync;
impl SyncHook for NoSync {
    fn sync(&self, _: &File) -> std::io::Result<()> {
        Ok(())
    }
}

fn state_through(seq: u64) -> Vec<u8> {
    format!("state through {seq}").into_bytes()
}

fn options(fsync: bool) -> Options {
    let mut o = Options::new(if fsync { Durability::Fsync } else { Durability::Process });
    o.segment_bytes = 512; // many segments: rolls, and pruning behind snapshots
    o.sync = Arc::new(NoSync);
    o
}

/// Reopens and checks the recovery against what was appended and snapshotted.
fn reopen_and_check(
    dir: &Path,
    fsync: bool,
    appended: &[Vec<u8>],
    newest_snapshot: Option<u64>,
) -> Journal<Bytes> {
    let (j, rec) = Journal::<Bytes>::open(dir, options(fsync)).expect("reopen");
    let covered = rec.snapshot().map(|s| s.seq());
    assert_eq!(covered, newest_snapshot);
    if let Some(s) = rec.snapshot() {
        assert_eq!(s.bytes(), state_through(s.seq()));
    }
    let from = covered.unwrap_or(0);
    let want: Vec<(u64, Vec<u8>)> = appended
        .iter()
        .enumerate()
        .skip(from as usize)
        .map(|(i, p)| (i as u64 + 1, p.clone()))
        .collect();
    assert_eq!(common::replayed(&rec), want);
    assert_eq!(rec.replay_len(), want.len() as u64);
    assert_eq!(rec.next_seq(), appended.len() as u64 + 1);
    assert!(rec.torn_tail().is_none());
    j
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn appends_with_snapshots_replay_exactly(ops in proptest::collection::vec(op(), 1..120), mut fsync in any::<bool>()) {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut j, _) = Journal::<Bytes>::open(dir.path(), options(fsync)).expect("open");
        let mut appended: Vec<Vec<u8>> = Vec::new();
        let mut newest_snapshot = None;
        for op in ops {
            match op {
                Op::Append(p) => {
                    let seq = j.append(&p).expect("append");
                    appended.push(p);
                    prop_assert_eq!(seq, appended.len() as u64);
                }
                Op::Commit => j.commit().expect("commit"),
                Op::Snapshot => {
                    j.commit().expect("commit");
                    let seq = j.last_seq();
                    if j.snapshot(seq, state_through(seq)).is_ok() {
                        newest_snapshot = Some(seq);
                    }
                }
                Op::Reopen(mode) => {
                    j.close().expect("close");
                    fsync = mode;
                    j = reopen_and_check(dir.path(), fsync, &appended, newest_snapshot);
                }
            }
        }
        j.close().expect("close");
        drop(reopen_and_check(dir.path(), fsync, &appended, newest_snapshot));
    }
}
