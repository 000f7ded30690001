//! `fsync` mode's writer thread. Commits land in one pending buffer; the thread takes
//! everything pending, writes it with one `write(2)`, syncs it with one `fdatasync`, and
//! moves the watermark to the last record it holds. While a sync runs (3-4 ms on a
//! typical cloud disk), further commits gather in the buffer: that is the batching, and
//! it needs no timer.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use crate::durability::{SyncHook, Watermark};
use crate::error::JournalError;
use crate::writer::SegmentWriter;

struct Pending {
    buf: Vec<u8>,
    /// Sequence of the first record in `buf` (meaningful when it is not empty).
    first_seq: u64,
    /// Sequence of the last record in `buf`.
    last_seq: u64,
    /// The writer thread waits for work.
    idle: bool,
    /// The journal is closing: write what is pending, then stop.
    closing: bool,
    /// Why the writer stopped, once it has failed.
    failed: Option<String>,
}

struct Shared {
    pending: Mutex<Pending>,
    /// Signals the writer: work or closing.
    work: Condvar,
    /// Signals committers waiting for room in the pending buffer.
    room: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The handle the journal holds on its writer thread.
pub(crate) struct GroupCommit {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    max_pending: usize,
}

impl GroupCommit {
    pub(crate) fn start(
        writer: SegmentWriter,
        hook: Arc<dyn SyncHook>,
        watermark: Arc<Watermark>,
        max_pending: usize,
    ) -> Result<Self, JournalError> {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending {
                buf: Vec::new(),
                first_seq: 0,
                last_seq: 0,
                idle: false,
                closing: false,
                failed: None,
            }),
            work: Condvar::new(),
            room: Condvar::new(),
        });
        let thread = std::thread::Builder::new()
            .name("journal-sync".into())
            .spawn({
                let shared = shared.clone();
                move || run(&shared, writer, &*hook, &watermark)
            })
            .map_err(|e| JournalError::io("journal-sync thread", e))?;
        Ok(GroupCommit { shared, thread: Some(thread), max_pending })
    }

    /// Hands a batch of records `first_seq..=last_seq` to the writer (moving its bytes
    /// out of `batch`). Waits only when the writer is `max_pending` bytes behind: the
    /// disk cannot keep up, and memory must stay bounded.
    pub(crate) fn submit(
        &self,
        batch: &mut Vec<u8>,
        first_seq: u64,
        last_seq: u64,
    ) -> Result<(), JournalError> {
        let mut p = self.shared.lock();
        while p.failed.is_none()
            && !p.buf.is_empty()
            && p.buf.len() + batch.len() > self.max_pending
        {
            p = self.shared.room.wait(p).unwrap_or_else(|e| e.into_inner());
        }
        if let Some(why) = &p.failed {
            return Err(JournalError::Failed(why.clone()));
        }
        if p.buf.is_empty() {
            // Hand the whole buffer over and take back the writer's spare capacity
            // (swapped in below), so steady state copies nothing.
            std::mem::swap(&mut p.buf, batch);
            p.first_seq = first_seq;
        } else {
            p.buf.extend_from_slice(batch);
            batch.clear();
        }
        p.last_seq = last_seq;
        // Wake the writer only when it sleeps: under load it is syncing, and finds the
        // work when it comes back, so a commit then costs no futex call.
        if p.idle {
            self.shared.work.notify_one();
        }
        Ok(())
    }

    /// Why the writer failed, if it has.
    pub(crate) fn failure(&self) -> Option<String> {
        self.shared.lock().failed.clone()
    }

    /// Writes and syncs what is pending, then stops the thread.
    pub(crate) fn close(&mut self) -> Result<(), JournalError> {
        self.shared.lock().closing = true;
        self.shared.work.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        match self.failure() {
            Some(why) => Err(JournalError::Failed(why)),
            None => Ok(()),
        }
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        let _ = self.close();
    }
}

fn run(shared: &Shared, mut writer: SegmentWriter, hook: &dyn SyncHook, watermark: &Watermark) {
    let mut spare = Vec::new();
    loop {
        let (first_seq, last_seq) = {
            let mut p = shared.lock();
            while p.buf.is_empty() && !p.closing {
                p.idle = true;
                p = shared.work.wait(p).unwrap_or_else(|e| e.into_inner());
            }
            p.idle = false;
            if p.buf.is_empty() {
                return; // closing, nothing left
            }
            std::mem::swap(&mut p.buf, &mut spare);
            (p.first_seq, p.last_seq)
        };
        shared.room.notify_all();
        let done = writer.write(&spare, first_seq).and_then(|()| writer.sync(hook));
        spare.clear();
        match done {
            Ok(()) => watermark.advance(last_seq),
            Err(e) => {
                // Never retry a failed fsync: the kernel may have dropped the dirty
                // pages, so a second call could "succeed" without the data. The
                // journal stops; recovery decides what is on disk.
                tracing::error!(error = %e, "journal write or sync failed; the journal stops");
                shared.lock().failed = Some(e.to_string());
                watermark.fail();
                shared.room.notify_all();
                return;
            }
        }
    }
}
