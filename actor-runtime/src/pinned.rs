//! Hot-path actors: an instance on a dedicated OS thread, pinned to a core, that
//! busy-polls its mailbox instead of parking.
//!
//! On these machines waking a parked thread on the other vCPU costs 15-25 µs; a thread
//! that never parks sees a message as soon as the sender's write reaches its cache.
//! The instance is the same future a Tokio task would run (same loop, same guard,
//! same `ActorRef`), polled in a loop by this module instead of by the runtime. It
//! runs inside the runtime's context, so timers and Tokio channels work in handlers.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, Wake, Waker};
use std::thread::Thread;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::{AbortHandle, JoinHandle};

/// How a pinned instance waits when it has nothing to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idle {
    /// Poll without pause: lowest latency, one core fully used.
    Spin,
    /// Poll `spins` times, then park until woken (a message or a signal wakes it).
    SpinThenPark {
        /// Empty polls before parking.
        spins: u32,
    },
}

/// Where and how a hot-path actor runs: see [`SpawnOptions::pinned`](crate::SpawnOptions::pinned).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pinned {
    /// The core to pin the thread to; `None` runs unpinned. An unavailable core is
    /// reported with a warning and the thread runs unpinned: never a crash.
    pub core: Option<usize>,
    /// What to do when idle.
    pub idle: Idle,
}

/// A running instance, on a Tokio task or a pinned thread. Awaiting it waits for the
/// instance to end.
pub(crate) enum InstanceHandle {
    Task(JoinHandle<()>),
    Thread { stop: Arc<Stop>, done: oneshot::Receiver<()> },
}

impl InstanceHandle {
    pub(crate) fn aborter(&self) -> Aborter {
        match self {
            Self::Task(h) => Aborter::Task(h.abort_handle()),
            Self::Thread { stop, .. } => Aborter::Thread(stop.clone()),
        }
    }
}

impl Future for InstanceHandle {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        match self.get_mut() {
            Self::Task(h) => Pin::new(h).poll(cx).map(|_| ()),
            Self::Thread { done, .. } => Pin::new(done).poll(cx).map(|_| ()),
        }
    }
}

/// Aborts an instance at its next `.await` (a task) or its next poll (a thread).
pub(crate) enum Aborter {
    Task(AbortHandle),
    Thread(Arc<Stop>),
}

impl Aborter {
    pub(crate) fn abort(&self) {
        match self {
            Self::Task(h) => h.abort(),
            Self::Thread(stop) => stop.abort(),
        }
    }
}

/// The abort flag of a pinned instance, and how to wake it if it is parked.
pub(crate) struct Stop {
    aborted: AtomicBool,
    thread: Thread,
}

impl Stop {
    fn abort(&self) {
        self.aborted.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

/// Wakes a parked pinned thread. A spinning one polls anyway, so the waker only looks
/// at the thread's `parked` flag (a read of a line the thread keeps to itself while it
/// spins) instead of unparking (a read-modify-write pulling that line to the waking
/// core, on every message).
struct Unpark {
    thread: Thread,
    parked: AtomicBool,
}

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        // Orders the waker's earlier stores (the message it queued) before this load,
        // against the thread's raising of the flag before its last poll.
        std::sync::atomic::fence(Ordering::SeqCst);
        if self.parked.load(Ordering::SeqCst) {
            self.thread.unpark();
        }
    }
}

/// Runs `instance` on a new thread as `pinned` says; the runtime of the caller stays
/// its context (timers, channels).
pub(crate) fn spawn(
    instance: impl Future<Output = ()> + Send + 'static,
    pinned: Pinned,
    name: String,
) -> std::io::Result<InstanceHandle> {
    let runtime = tokio::runtime::Handle::current();
    let (done_tx, done) = oneshot::channel();
    let (stop_tx, stop_rx) = std::sync::mpsc::sync_channel::<Arc<Stop>>(1);
    std::thread::Builder::new().name(name).spawn(move || {
        let stop =
            Arc::new(Stop { aborted: AtomicBool::new(false), thread: std::thread::current() });
        let _ = stop_tx.send(stop.clone());
        pin_to(pinned.core);
        let _runtime = runtime.enter();
        poll_until_done(instance, &stop, pinned.idle);
        let _ = done_tx.send(());
    })?;
    // The thread sends its Stop before doing anything else.
    let stop = stop_rx.recv().map_err(|_| std::io::Error::other("pinned thread died at start"))?;
    Ok(InstanceHandle::Thread { stop, done })
}

/// The size of the kernel's CPU set: `core_affinity` indexes a fixed array of this many
/// bits and aborts the process past it, so larger ids are refused here.
const CPU_SET_SIZE: usize = 1024;

/// Asks the OS for `core` directly: listing the cores first would only list those of
/// the spawning thread's affinity mask, which this thread inherits (a runtime thread
/// pinned elsewhere would make every other core look unavailable). The OS refuses a
/// core that does not exist.
fn pin_to(core: Option<usize>) {
    let Some(core) = core else { return };
    if core < CPU_SET_SIZE && core_affinity::set_for_current(core_affinity::CoreId { id: core }) {
        tracing::debug!(core, "pinned actor thread pinned");
    } else {
        tracing::warn!(core, "core unavailable for a pinned actor: running unpinned");
    }
}

/// The busy-poll loop. Dropping the instance on abort runs its guard (mailbox back,
/// exit reported) as a task abort would.
fn poll_until_done(instance: impl Future<Output = ()>, stop: &Stop, idle: Idle) {
    let unpark =
        Arc::new(Unpark { thread: std::thread::current(), parked: AtomicBool::new(false) });
    // A thread that only spins polls whatever wakes it: its waker does nothing. Each
    // send wakes the receiver while holding the mailbox's lock, and the parking
    // waker's fence would keep the spinning receiver waiting for that lock.
    let waker = match idle {
        Idle::Spin => Waker::noop().clone(),
        Idle::SpinThenPark { .. } => Waker::from(unpark.clone()),
    };
    let mut cx = TaskContext::from_waker(&waker);
    let mut instance = pin!(instance);
    let mut empty_polls = 0u32;
    loop {
        if stop.aborted.load(Ordering::Acquire) {
            return;
        }
        if instance.as_mut().poll(&mut cx).is_ready() {
            return;
        }
        match idle {
            Idle::Spin => std::hint::spin_loop(),
            Idle::SpinThenPark { spins } => {
                empty_polls += 1;
                if empty_polls >= spins {
                    empty_polls = 0;
                    // Raise the flag, then poll once more: a wake during that poll
                    // (from another thread, or the instance waking itself, as a
                    // yield does) sees the flag and leaves a token, so `park` returns
                    // at once. The timeout bounds anything else.
                    unpark.parked.store(true, Ordering::SeqCst);
                    if instance.as_mut().poll(&mut cx).is_ready() {
                        return;
                    }
                    std::thread::park_timeout(Duration::from_millis(1));
                    unpark.parked.store(false, Ordering::SeqCst);
                }
            }
        }
    }
}
