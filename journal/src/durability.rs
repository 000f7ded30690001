//! What "durable" means (the modes), how the journal syncs a file (a hook tests can
//! replace), and the watermark that tells how far acknowledgements may go.

use std::fmt;
use std::fs::File;
use std::io;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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
    /// Each commit is one `write(2)` of the batch to the OS before the watermark moves:
    /// a committed record survives `kill -9` of the process (it is in the page cache),
    /// not a power loss or a kernel crash.
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
pub(crate) struct Watermark {
    through: AtomicU64,
    failed: AtomicBool,
    tx: watch::Sender<Durable>,
    /// Threads blocked in `wait_through`; the condvar is only signalled when some are,
    /// so that a commit pays no futex call when nobody waits.
    waiters: Mutex<usize>,
    cv: Condvar,
}

impl Watermark {
    pub(crate) fn new(through: u64) -> Self {
        Watermark {
            through: AtomicU64::new(through),
            failed: AtomicBool::new(false),
            tx: watch::Sender::new(Durable { through, failed: false }),
            waiters: Mutex::new(0),
            cv: Condvar::new(),
        }
    }

    #[inline]
    pub(crate) fn get(&self) -> u64 {
        self.through.load(Ordering::Acquire)
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<Durable> {
        self.tx.subscribe()
    }

    /// Moves the watermark to `seq` and wakes whoever waits for it.
    pub(crate) fn advance(&self, seq: u64) {
        self.through.store(seq, Ordering::Release);
        self.tx.send_modify(|d| d.through = seq);
        self.wake();
    }

    /// Marks the journal failed: the watermark will not move again.
    pub(crate) fn fail(&self) {
        self.failed.store(true, Ordering::Release);
        self.tx.send_modify(|d| d.failed = true);
        self.wake();
    }

    pub(crate) fn has_failed(&self) -> bool {
        self.failed.load(Ordering::Acquire)
    }

    fn wake(&self) {
        let waiters = self.waiters.lock().unwrap_or_else(|p| p.into_inner());
        if *waiters > 0 {
            self.cv.notify_all();
        }
    }

    /// Blocks until the watermark reaches `seq` (true) or the journal fails (false).
    pub(crate) fn wait_through(&self, seq: u64) -> bool {
        let mut waiters = self.waiters.lock().unwrap_or_else(|p| p.into_inner());
        *waiters += 1;
        while self.get() < seq && !self.has_failed() {
            waiters = self.cv.wait(waiters).unwrap_or_else(|p| p.into_inner());
        }
        *waiters -= 1;
        self.get() >= seq
    }
}
