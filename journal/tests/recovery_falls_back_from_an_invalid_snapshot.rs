//! Recovery starts from the newest valid snapshot and replays the records after it; an
//! invalid newest snapshot is set aside (with why) for the one before; segments every
//! kept snapshot covers are deleted, and a journal whose history is gone with no
//! snapshot to cover it is refused.

mod common;

use common::{expected, payload, replayed, segments};
use mycelium_journal::{Bytes, Durability, Journal, JournalError, Options};

fn options() -> Options {
    let mut o = Options::new(Durability::Process);
    o.segment_bytes = 256;
    o.keep_snapshots = 2;
    o
}

/// Appends records `from..=to`, one commit each.
fn append(j: &mut Journal<Bytes>, from: u64, to: u64) {
    for seq in from..=to {
        assert_eq!(j.append(&payload(seq)).expect("append"), seq);
        j.commit().expect("commit");
    }
}

fn snapshots(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".snap"))
        .collect();
    v.sort();
    v
}

/// Journal with snapshots at 20 and 40 and records through 50. (Closing waits for a
/// queued snapshot to be written; without it the second could find the first still
/// queued and be refused as busy.)
fn journal_with_two_snapshots(dir: &std::path::Path) {
    for (from, to) in [(1, 20), (21, 40)] {
        let (mut j, _) = Journal::<Bytes>::open(dir, options()).expect("open");
        append(&mut j, from, to);
        j.snapshot(to, format!("through {to}").into_bytes()).expect("snapshot");
        j.close().expect("close");
    }
    let (mut j, _) = Journal::<Bytes>::open(dir, options()).expect("open");
    append(&mut j, 41, 50);
    j.close().expect("close");
}

#[test]
fn recovery_loads_the_newest_snapshot_and_replays_only_the_tail() {
    let dir = tempfile::tempdir().expect("tempdir");
    journal_with_two_snapshots(dir.path());
    let (_j, rec) = Journal::<Bytes>::open(dir.path(), options()).expect("open");
    let snap = rec.snapshot().expect("a snapshot");
    assert_eq!((snap.seq(), snap.bytes()), (40, &b"through 40"[..]));
    assert_eq!(replayed(&rec), expected(41, 50));
    assert!(rec.skipped_snapshots().is_empty());
}

#[test]
fn segments_before_the_oldest_kept_snapshot_are_deleted() {
    let dir = tempfile::tempdir().expect("tempdir");
    journal_with_two_snapshots(dir.path());
    let first_base: u64 = segments(dir.path())[0]
        .file_stem()
        .and_then(|s| s.to_str())
        .and_then(|s| s.parse().ok())
        .expect("segment name");
    assert!(first_base > 1, "nothing was pruned");
    assert!(first_base <= 21, "a segment the oldest kept snapshot needs was deleted");
    assert_eq!(snapshots(dir.path()).len(), 2);
}

#[test]
fn an_invalid_newest_snapshot_falls_back_to_the_one_before_with_its_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    journal_with_two_snapshots(dir.path());
    let newest = dir.path().join(format!("{:020}.snap", 40));
    let mut bytes = std::fs::read(&newest).expect("read");
    let last = bytes.len() - 20;
    bytes[last] ^= 0x08;
    std::fs::write(&newest, &bytes).expect("write");

    let (_j, rec) = Journal::<Bytes>::open(dir.path(), options()).expect("open");
    let snap = rec.snapshot().expect("the older snapshot");
    assert_eq!((snap.seq(), snap.bytes()), (20, &b"through 20"[..]));
    assert_eq!(replayed(&rec), expected(21, 50));
    let skipped = rec.skipped_snapshots();
    assert_eq!(skipped.len(), 1);
    assert!(skipped[0].reason.contains("checksum mismatch"), "{}", skipped[0].reason);
    assert!(skipped[0].path.to_string_lossy().ends_with(".snap.invalid"));
    assert!(skipped[0].path.exists(), "kept for inspection");
}

#[test]
fn a_log_whose_history_is_gone_without_a_covering_snapshot_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    journal_with_two_snapshots(dir.path());
    for s in snapshots(dir.path()) {
        std::fs::remove_file(dir.path().join(s)).expect("remove");
    }
    match Journal::<Bytes>::open(dir.path(), options()).map(drop) {
        Err(JournalError::MissingHistory { needed: 1, first, .. }) => assert!(first > 1),
        other => panic!("expected MissingHistory, got {other:?}"),
    }
}

#[test]
fn a_snapshot_of_uncommitted_records_is_refused_with_the_state_handed_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut j, _) = Journal::<Bytes>::open(dir.path(), options()).expect("open");
    j.append(b"a").expect("append");
    let refused = j.snapshot(1, b"state".to_vec()).expect_err("ahead of the committed log");
    assert_eq!(refused.state, b"state");
    assert!(matches!(
        refused.reason,
        mycelium_journal::SnapshotRefusal::Ahead { seq: 1, committed: 0 }
    ));
    j.close().expect("close");
}

#[test]
fn an_unfinished_snapshot_left_by_a_crash_is_removed() {
    let dir = tempfile::tempdir().expect("tempdir");
    journal_with_two_snapshots(dir.path());
    let tmp = dir.path().join(format!("{:020}.snap.tmp", 50));
    std::fs::write(&tmp, b"half a snapshot").expect("write");
    let (_j, rec) = Journal::<Bytes>::open(dir.path(), options()).expect("open");
    assert_eq!(rec.snapshot().map(|s| s.seq()), Some(40));
    assert!(!tmp.exists());
}
