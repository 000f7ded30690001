//! `fsync` mode: an acknowledgement is released only once the group-commit batch that
//! holds its record has been synced, every record is acknowledged exactly once, and a
//! failed sync releases nothing and stops the journal. Syncs go through a gate the
//! test opens one at a time, so nothing here depends on timing.

use std::fs::File;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use mycelium_journal::{AckQueue, Bytes, Durability, Journal, JournalError, Options, SyncHook};

const WAIT: Duration = Duration::from_secs(10);

/// A sync hook that counts calls and lets call `n` return only once `n` are allowed.
#[derive(Default)]
struct Gate {
    state: Mutex<GateState>,
    cv: Condvar,
}

#[derive(Default)]
struct GateState {
    calls: u64,
    allowed: u64,
    fail: bool,
}

impl Gate {
    fn allow(&self, n: u64, fail: bool) {
        let mut s = self.state.lock().expect("gate");
        s.allowed = n;
        s.fail = fail;
        self.cv.notify_all();
    }

    /// Waits until `n` syncs have started.
    fn wait_calls(&self, n: u64) {
        let s = self.state.lock().expect("gate");
        let (s, t) = self.cv.wait_timeout_while(s, WAIT, |s| s.calls < n).expect("gate");
        assert!(!t.timed_out(), "sync {n} never started (calls: {})", s.calls);
    }

    fn calls(&self) -> u64 {
        self.state.lock().expect("gate").calls
    }
}

impl SyncHook for Gate {
    fn sync(&self, file: &File) -> std::io::Result<()> {
        let mut s = self.state.lock().expect("gate");
        s.calls += 1;
        let me = s.calls;
        self.cv.notify_all();
        let (s, t) = self.cv.wait_timeout_while(s, WAIT, |s| s.allowed < me).expect("gate");
        if t.timed_out() || s.fail {
            return Err(std::io::Error::other("sync refused by the test"));
        }
        file.sync_data()
    }
}

fn open(dir: &std::path::Path, gate: &Arc<Gate>) -> Journal<Bytes> {
    let mut options = Options::new(Durability::Fsync);
    options.sync = gate.clone();
    Journal::<Bytes>::open(dir, options).expect("open").0
}

/// Waits (bounded) until the watermark reaches `seq`, through the async receiver.
fn wait_durable(journal: &Journal<Bytes>, seq: u64) {
    let mut rx = journal.subscribe();
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("rt");
    rt.block_on(async { tokio::time::timeout(WAIT, rx.wait_for(|d| d.through >= seq)).await })
        .expect("watermark never reached")
        .expect("watermark sender dropped");
}

#[test]
fn an_ack_is_released_only_after_the_batch_holding_its_record_is_synced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gate = Arc::new(Gate::default());
    let mut j = open(dir.path(), &gate);
    let mut acks = AckQueue::new();
    let mut released = Vec::new();

    for name in ["a", "b"] {
        let seq = j.append(name.as_bytes()).expect("append");
        acks.hold(seq, name);
    }
    j.commit().expect("commit"); // batch 1: records 1-2, its sync held at the gate
    gate.wait_calls(1);
    let seq = j.append(b"c").expect("append");
    acks.hold(seq, "c");
    j.commit().expect("commit"); // waits behind batch 1's sync: batch 2 is record 3
    assert_eq!(j.durable_through(), 0);
    released.extend(acks.release(j.durable_through()));
    assert!(released.is_empty(), "released before any sync returned: {released:?}");

    gate.allow(1, false);
    wait_durable(&j, 2);
    gate.wait_calls(2); // batch 2's sync has started and is held
    assert_eq!(j.durable_through(), 2, "record 3's batch is not synced yet");
    released.extend(acks.release(j.durable_through()));
    assert_eq!(released, ["a", "b"]);

    gate.allow(2, false);
    wait_durable(&j, 3);
    released.extend(acks.release(j.durable_through()));
    assert_eq!(released, ["a", "b", "c"], "each acknowledged once, in order");
    assert!(acks.is_empty());
    j.close().expect("close");
    assert_eq!(gate.calls(), 2, "three records, two batches, two syncs");
}

#[test]
fn every_append_is_acknowledged_once_with_fewer_syncs_than_commits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gate = Arc::new(Gate::default());
    gate.allow(u64::MAX, false);
    let mut j = open(dir.path(), &gate);
    let mut acks = AckQueue::new();
    let mut released = Vec::new();
    let (records, per_commit) = (5_000u64, 5);
    for i in 1..=records {
        let seq = j.append(&i.to_le_bytes()).expect("append");
        acks.hold(seq, i);
        if i % per_commit == 0 {
            j.commit().expect("commit");
        }
        released.extend(acks.release(j.durable_through()));
    }
    wait_durable(&j, records);
    released.extend(acks.release(j.durable_through()));
    assert_eq!(released, (1..=records).collect::<Vec<_>>());
    j.close().expect("close");
    let syncs = gate.calls();
    assert!(syncs >= 1 && syncs <= records / per_commit, "syncs: {syncs}");
}

#[test]
fn a_failed_sync_releases_nothing_and_stops_the_journal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gate = Arc::new(Gate::default());
    let mut j = open(dir.path(), &gate);
    let mut acks = AckQueue::new();
    acks.hold(j.append(b"x").expect("append"), "x");
    j.commit().expect("commit");
    gate.wait_calls(1);
    gate.allow(1, true);
    let mut rx = j.subscribe();
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("rt");
    // The failure is published; the watermark never moves.
    let seen = rt
        .block_on(async { tokio::time::timeout(WAIT, rx.wait_for(|d| d.failed)).await })
        .expect("the failure was never published")
        .map(|d| *d)
        .expect("sender dropped");
    assert_eq!(seen.through, 0);
    assert!(j.has_failed());
    assert_eq!(acks.release(j.durable_through()).count(), 0);
    assert!(matches!(j.append(b"y"), Err(JournalError::Failed(_))));
    assert!(matches!(j.close(), Err(JournalError::Failed(_))));
}

#[test]
fn a_snapshot_is_published_only_once_its_records_are_durable_and_stalls_no_append() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gate = Arc::new(Gate::default());
    let mut j = open(dir.path(), &gate);
    j.append(b"a").expect("append");
    j.commit().expect("commit");
    gate.wait_calls(1); // record 1's sync is held
    j.snapshot(1, b"state through 1".to_vec()).expect("queued at once");
    for _ in 0..100 {
        j.append(b"more").expect("appends go on while the snapshot waits");
    }
    j.commit().expect("commit");
    let snap = dir.path().join(format!("{:020}.snap", 1));
    assert!(!snap.exists(), "published before the records it covers were durable");
    gate.allow(u64::MAX, false);
    wait_durable(&j, 101);
    j.close().expect("close");
    assert!(snap.exists());
    let (_j, rec) =
        Journal::<Bytes>::open(dir.path(), Options::new(Durability::Fsync)).expect("reopen");
    assert_eq!(
        rec.snapshot().map(|s| (s.seq(), s.bytes().to_vec())),
        Some((1, b"state through 1".to_vec()))
    );
    assert_eq!(rec.replay_len(), 100);
}
