//! The next segment, made ready in the background: created, its blocks reserved,
//! mapped, and its page tables populated, so that rolling over is a header copy and a
//! rename, and no commit ever takes a page fault (about 1 µs each on this VM, once per
//! 4 KiB: tens of nanoseconds per record otherwise).

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use memmap2::MmapMut;

use crate::error::JournalError;

/// A mapped, populated, empty file, named `spare-N.log.tmp` until it becomes a segment
/// (recovery removes a leftover one with the other temp files).
pub(crate) struct Spare {
    pub(crate) file: File,
    pub(crate) path: PathBuf,
    pub(crate) map: MmapMut,
}

impl Spare {
    /// Creates one of `size` bytes, its page tables populated.
    pub(crate) fn make(path: PathBuf, size: u64) -> Result<Spare, JournalError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| JournalError::io(&path, e))?;
        let map = crate::mapped::map_whole(&file, &path, size)?;
        populate(&map, 0);
        Ok(Spare { file, path, map })
    }

    /// Removes an unused spare.
    pub(crate) fn discard(self) {
        drop(self.map);
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Faults in the page tables of `map[from..]`, writable, in one call: cheaper than one
/// fault per page on first store (about 1 µs each on this VM), and off the writer's
/// path when done here.
pub(crate) fn populate(map: &MmapMut, from: usize) {
    if from < map.len() {
        if let Err(e) = map.advise_range(memmap2::Advice::PopulateWrite, from, map.len() - from) {
            tracing::debug!(error = %e, "cannot prefault a journal segment; its pages fault on first use");
        }
    }
}

#[derive(Default)]
struct Slot {
    ready: Option<Spare>,
    wanted: bool,
    closing: bool,
}

struct Shared {
    slot: Mutex<Slot>,
    cv: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The thread that keeps one spare ready.
pub(crate) struct SpareMaker {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl SpareMaker {
    /// Starts the thread and asks it for a first spare of `size` bytes.
    pub(crate) fn start(dir: &Path, size: u64) -> Result<Self, JournalError> {
        let shared = Arc::new(Shared {
            slot: Mutex::new(Slot { wanted: true, ..Slot::default() }),
            cv: Condvar::new(),
        });
        let thread = std::thread::Builder::new()
            .name("journal-spare".into())
            .spawn({
                let shared = shared.clone();
                let dir = dir.to_owned();
                move || run(&shared, &dir, size)
            })
            .map_err(|e| JournalError::io("journal-spare thread", e))?;
        Ok(SpareMaker { shared, thread: Some(thread) })
    }

    /// Asks for a spare (once the tail segment is half full: a journal that never
    /// fills one costs no second file).
    pub(crate) fn request(&self) {
        self.shared.lock().wanted = true;
        self.shared.cv.notify_one();
    }

    /// The ready spare, if there is one.
    pub(crate) fn take(&self) -> Option<Spare> {
        self.shared.lock().ready.take()
    }
}

impl Drop for SpareMaker {
    fn drop(&mut self) {
        self.shared.lock().closing = true;
        self.shared.cv.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if let Some(spare) = self.shared.lock().ready.take() {
            spare.discard();
        }
    }
}

fn run(shared: &Shared, dir: &Path, size: u64) {
    for n in 0u64.. {
        {
            let mut slot = shared.lock();
            while !(slot.closing || (slot.wanted && slot.ready.is_none())) {
                slot = shared.cv.wait(slot).unwrap_or_else(|p| p.into_inner());
            }
            if slot.closing {
                return;
            }
            slot.wanted = false;
        }
        // Made without the lock: the writer's `take` never waits for this.
        match Spare::make(dir.join(format!("spare-{n}.log.tmp")), size) {
            Ok(spare) => shared.lock().ready = Some(spare),
            Err(e) => {
                tracing::warn!(error = %e, "cannot prepare the next journal segment; it will be made when needed")
            }
        }
    }
}
