//! What "durable" means (the modes), how the journal syncs a file (a hook tests can
//! replace), and the watermark that tells how far acknowledgements may go.

use std::fmt;
use std::fs::File;
use std::io;
use std::str::FromStr;
use std::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use tokio::sync::watch;

/// How far a committed record is carried before its acknowledgement may be released.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Nothing is written or read: sequence numbers are handed out, the watermark
    /// follows each commit, and a restart starts empty. For runs whose state need not
    /// outlive the process.
    #[default]
    Off,
    /// Each commit copies the batch into the tail segment, mapped shared, before the
    /// watermark moves: a committed record is in the OS page cache and survives
    /// `kill -9` of the process, not a power loss or a kernel crash.
    Process,
    /// Group commit: a writer thread writes every batch committed while the previous
    /// sync ran, then one `fdatasync`; the watermark moves per synced batch. A record
    /// at or below the watermark survives a power loss.
    Fsync,
}

impl Durability {
    /// The mode's name in configuration.
    pub fn name(self) -> &'static str {
        match self {
            Durability::Off => "off",
            Durability::Process => "process",
            Durability::Fsync => "fsync",
        }
    }
}

impl fmt::Display for Durability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A durability mode name that is none of `off`, `process`, `fsync`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown journal durability {0:?}: expected off, process or fsync")]
pub struct UnknownDurability(pub String);

impl FromStr for Durability {
    type Err = UnknownDurability;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "off" => Ok(Durability::Off),
            "process" => Ok(Durability::Process),
            "fsync" => Ok(Durability::Fsync),
            other => Err(UnknownDurability(other.to_owned())),
        }
    }
}

/// Makes a file's written data durable. The journal calls it once per group-commit
/// batch in `fsync` mode; tests replace it to count, gate or fail syncs.
pub trait SyncHook: Send + Sync + 'static {
    /// Syncs `file`'s data (the default is `fdatasync`).
    fn sync(&self, file: &File) -> io::Result<()>;
}

/// The default hook: `fdatasync(2)` (`File::sync_data`).
#[derive(Debug, Clone, Copy, Default)]
pub struct FdataSync;

impl SyncHook for FdataSync {
    fn sync(&self, file: &File) -> io::Result<()> {
        file.sync_data()
    }
}

/// What the durable watermark says: how far acknowledgements may go, and whether the
/// journal has failed (then `through` never moves again, and the writer should stop
/// and be recovered from disk).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Durable {
    /// The highest sequence whose acknowledgement may be released.
    pub through: u64,
    /// A write or sync failed.
    pub failed: bool,
}

/// The highest sequence whose acknowledgement may be released, readable without a lock,
/// awaitable from async code (`watch`) and from threads (a condvar).
///
/// The atomic is the truth. Moving it is on `process` mode's commit path, so the rest
/// is paid only when someone listens: the `watch` is updated only while it has
/// receivers (a new receiver is brought up to date when it subscribes), and the
/// condvar is signalled only while a thread waits on it.
pub(crate) struct Watermark {
    through: AtomicU64,
    failed: AtomicBool,
    tx: watch::Sender<Durable>,
    /// Threads in `wait_through` (read without the lock to skip it when zero).
    waiters: AtomicUsize,
    lock: Mutex<()>,
    cv: Condvar,
}

impl Watermark {
    pub(crate) fn new(through: u64) -> Self {
        Watermark {
            through: AtomicU64::new(through),
            failed: AtomicBool::new(false),
            tx: watch::Sender::new(Durable { through, failed: false }),
            waiters: AtomicUsize::new(0),
            lock: Mutex::new(()),
            cv: Condvar::new(),
        }
    }

    #[inline]
    pub(crate) fn get(&self) -> u64 {
        self.through.load(Ordering::SeqCst)
    }

    pub(crate) fn has_failed(&self) -> bool {
        self.failed.load(Ordering::SeqCst)
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<Durable> {
        let rx = self.tx.subscribe();
        // Advances made while nobody listened skipped the channel: catch it up. The
        // fence pairs with `notify`'s: an advance either sees this receiver or has
        // stored a value this publish reads.
        fence(Ordering::SeqCst);
        self.publish();
        rx
    }

    /// Moves the watermark to `seq` and wakes whoever waits for it.
    #[inline]
    pub(crate) fn advance(&self, seq: u64) {
        self.through.store(seq, Ordering::SeqCst);
        self.notify();
    }

    /// Marks the journal failed: the watermark will not move again.
    pub(crate) fn fail(&self) {
        self.failed.store(true, Ordering::SeqCst);
        self.notify();
    }

    #[inline]
    fn notify(&self) {
        fence(Ordering::SeqCst);
        if self.tx.receiver_count() > 0 {
            self.publish();
        }
        // SeqCst on both sides: either the waiter sees the new value before it sleeps,
        // or this sees the waiter and signals it under the lock.
        if self.waiters.load(Ordering::SeqCst) > 0 {
            let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
            self.cv.notify_all();
        }
    }

    /// Brings the channel up to the atomics (never backwards, whoever calls first).
    fn publish(&self) {
        let now = Durable { through: self.get(), failed: self.has_failed() };
        self.tx.send_if_modified(|d| {
            let newer =
                Durable { through: d.through.max(now.through), failed: d.failed || now.failed };
            let changed = newer != *d;
            *d = newer;
            changed
        });
    }

    /// Blocks until the watermark reaches `seq` (true) or the journal fails (false).
    pub(crate) fn wait_through(&self, seq: u64) -> bool {
        let mut guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        self.waiters.fetch_add(1, Ordering::SeqCst);
        while self.get() < seq && !self.has_failed() {
            guard = self.cv.wait(guard).unwrap_or_else(|p| p.into_inner());
        }
        self.waiters.fetch_sub(1, Ordering::SeqCst);
        drop(guard);
        self.get() >= seq
    }
}
