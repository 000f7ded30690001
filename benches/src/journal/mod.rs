//! The journal's scenarios: `fsync` group commit under load beside a bare `fdatasync`,
//! the cost of an append in `process` mode beside `off`, and recovery of a 1M-event
//! journal. The SQLite reference is in the `sqlite` module (`peers` feature only).
//!
//! Every scenario journals the same order-sized event (an rkyv archive of 48 bytes,
//! 64 on disk with its header) from one producer thread, as the execution actor would:
//! it appends a turn of events, commits, and releases acknowledgements when
//! `durable_through` passes them.

#[cfg(feature = "peers")]
pub mod sqlite;

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use mycelium_journal::{Durability, FdataSync, Journal, Options, Rkyv, SyncHook};

use crate::{histogram, record};

/// An order-sized journal input.
#[derive(Debug, Clone, Copy, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct OrderEvent {
    /// Client order id.
    pub client_order_id: u64,
    /// Strategy id.
    pub strategy: u32,
    /// Instrument id.
    pub instrument: u32,
    /// Price in ticks.
    pub price: i64,
    /// Quantity in lots (negative: sell).
    pub qty: i64,
    /// When it was decided (ns).
    pub ts: u64,
    /// Order type and flags.
    pub kind: u64,
}

impl OrderEvent {
    /// The `i`th event.
    pub fn nth(i: u64) -> Self {
        OrderEvent {
            client_order_id: i,
            strategy: (i % 4) as u32,
            instrument: (i % 16) as u32,
            price: 100_000 + (i % 100) as i64,
            qty: if i.is_multiple_of(2) { 3 } else { -3 },
            ts: i * 1_000,
            kind: 1,
        }
    }
}

/// The journal type of the scenarios.
pub type OrderJournal = Journal<Rkyv<OrderEvent>>;

/// `fdatasync` that counts its calls.
#[derive(Default)]
pub struct CountingSync(AtomicU64);

impl CountingSync {
    /// Syncs so far.
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl SyncHook for CountingSync {
    fn sync(&self, file: &File) -> std::io::Result<()> {
        self.0.fetch_add(1, Ordering::Relaxed);
        FdataSync.sync(file)
    }
}

/// What a durable-append run measured; runs of one scenario add up.
#[derive(Debug)]
pub struct FsyncFigures {
    /// Events made durable.
    pub durable: u64,
    /// Syncs that made them durable.
    pub syncs: u64,
    /// Seconds it took.
    pub secs: f64,
    /// Append to acknowledgement release, per event (ns).
    pub ack: Histogram<u64>,
}

impl FsyncFigures {
    fn new() -> Self {
        FsyncFigures { durable: 0, syncs: 0, secs: 0.0, ack: histogram() }
    }

    /// Adds another run's figures.
    pub fn add(&mut self, other: &FsyncFigures) {
        self.durable += other.durable;
        self.syncs += other.syncs;
        self.secs += other.secs;
        self.ack.add(&other.ack).expect("same histogram bounds");
    }

    /// Durable events per second.
    pub fn per_sec(&self) -> f64 {
        self.durable as f64 / self.secs
    }

    /// Events per sync.
    pub fn per_sync(&self) -> f64 {
        self.durable as f64 / self.syncs.max(1) as f64
    }
}

/// Single 64-byte appends, each followed by `fdatasync`, for `secs`: one event per sync.
pub fn bare_fdatasync(dir: &Path, secs: f64) -> FsyncFigures {
    let mut file =
        OpenOptions::new().create(true).append(true).open(dir.join("bare.dat")).expect("bare file");
    let mut f = FsyncFigures::new();
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < secs {
        let t = Instant::now();
        file.write_all(&[7u8; 64]).expect("write");
        file.sync_data().expect("fdatasync");
        record(&mut f.ack, t.elapsed());
        f.durable += 1;
    }
    f.syncs = f.durable;
    f.secs = start.elapsed().as_secs_f64();
    f
}

/// One producer appends turns of `turn` events, keeping at most `window` events not
/// yet durable, at `rate` events/s (as fast as the window allows when `None`), for
/// `secs`; acknowledgements are released as the watermark passes them.
pub fn fsync_pipeline(
    dir: &Path,
    turn: u64,
    window: u64,
    rate: Option<u64>,
    secs: f64,
) -> FsyncFigures {
    let hook = Arc::new(CountingSync::default());
    let mut options = Options::new(Durability::Fsync);
    options.sync = hook.clone();
    let (mut j, _) = OrderJournal::open(dir, options).expect("open");
    let mut turns: VecDeque<(u64, Instant)> = VecDeque::new();
    let mut f = FsyncFigures::new();
    let start = Instant::now();
    let run = Duration::from_secs_f64(secs);
    let mut i = 0;
    while start.elapsed() < run {
        let durable = j.durable_through();
        let now = Instant::now();
        while turns.front().is_some_and(|&(last, _)| last <= durable) {
            let (_, at) = turns.pop_front().expect("front");
            f.ack.saturating_record_n((now - at).as_nanos() as u64, turn);
        }
        let due = rate.map_or(u64::MAX, |r| (r as f64 * start.elapsed().as_secs_f64()) as u64);
        if j.last_seq() - durable + turn <= window && j.last_seq() + turn <= due {
            let at = Instant::now();
            for _ in 0..turn {
                i += 1;
                j.append(&OrderEvent::nth(i)).expect("append");
            }
            j.commit().expect("commit");
            turns.push_back((j.last_seq(), at));
        } else {
            std::thread::yield_now();
        }
    }
    f.secs = start.elapsed().as_secs_f64();
    f.durable = j.durable_through();
    f.syncs = hook.count();
    j.close().expect("close");
    f
}

/// Nanoseconds per event of `n` appends in `mode`, committing every `turn` events:
/// (appending alone, the commits' share). The commits are timed one by one (two clock
/// reads per commit, counted in the commits' share).
pub fn append_cost(dir: &Path, mode: Durability, turn: u64, n: u64) -> (f64, f64) {
    let (mut j, _) = OrderJournal::open(dir, Options::new(mode)).expect("open");
    let events: Vec<OrderEvent> = (0..1024).map(OrderEvent::nth).collect();
    let mut committing = Duration::ZERO;
    let start = Instant::now();
    for i in 0..n {
        j.append(&events[(i % 1024) as usize]).expect("append");
        if (i + 1) % turn == 0 {
            let t = Instant::now();
            j.commit().expect("commit");
            committing += t.elapsed();
        }
    }
    let total = start.elapsed();
    j.close().expect("close");
    let per = |d: Duration| d.as_nanos() as f64 / n as f64;
    (per(total - committing), per(committing))
}

/// Writes `n` events in `process` mode, committing every 64; with a snapshot of
/// `snapshot_bytes` at `snapshot_at` when given.
pub fn build_journal(dir: &Path, n: u64, snapshot: Option<(u64, usize)>) {
    let (mut j, _) = OrderJournal::open(dir, Options::new(Durability::Process)).expect("open");
    for i in 1..=n {
        j.append(&OrderEvent::nth(i)).expect("append");
        if i % 64 == 0 || Some(i) == snapshot.map(|s| s.0) {
            j.commit().expect("commit");
        }
        if let Some((at, bytes)) = snapshot {
            if i == at {
                j.snapshot(at, vec![1u8; bytes]).expect("snapshot");
            }
        }
    }
    j.close().expect("close");
}

/// Opens the journal and replays it to ready: the snapshot's bytes read, every tail
/// record decoded. Returns the time and how many records were replayed.
pub fn recover(dir: &Path) -> (Duration, u64) {
    let start = Instant::now();
    let (j, rec) = OrderJournal::open(dir, Options::new(Durability::Process)).expect("open");
    let mut sum =
        rec.snapshot().map_or(0, |s| s.bytes().iter().step_by(4096).map(|&b| u64::from(b)).sum());
    let mut n = 0;
    for r in rec.decode::<Rkyv<OrderEvent>>() {
        let (_, ev) = r.expect("decode");
        sum = sum.wrapping_add(ev.qty as u64);
        n += 1;
    }
    let took = start.elapsed();
    std::hint::black_box(sum);
    drop(rec);
    j.close().expect("close");
    (took, n)
}
