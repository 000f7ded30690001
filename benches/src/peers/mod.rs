//! Comparison benches (issue 9): Mycelium task and pinned actors beside raw tokio
//! `mpsc`, a raw spinning SPSC ring between two threads, and the peer runtimes actix
//! 0.13, ractor 0.16 and kameo 0.22, all with the same messages ([`Tick`] by value for
//! asks, fresh `Arc<Tick>`s for tells). Built only with `--features peers`.
//!
//! Each scenario is a plain function that builds its own runtime (or threads), so the
//! report can call them one after another in one process. Asks run twice: with the
//! caller as the runtime's `block_on` future and as a spawned task ([`Caller`]).
//!
//! | runtime | ask API | tell API | placement |
//! |---|---|---|---|
//! | Mycelium task actor | `ActorRef::ask` (always with a timeout) | `ActorRef::send().await` (bounded) | one `current_thread` runtime |
//! | Mycelium pinned actor | same | same | caller on a `current_thread` runtime, actor on its own thread pinned to core 1, spinning |
//! | raw tokio | `mpsc` + `oneshot` | `mpsc::Sender::send().await` (bounded) | one `current_thread` runtime |
//! | SPSC ring | request ring + reply ring | `Producer::push` (spins when full) | caller on the main thread, other side on a thread pinned to core 1, spinning |
//! | actix | `Addr::send().await` | `Addr::do_send` (ignores the mailbox bound) | its own `actix::System` (a `current_thread` runtime + `LocalSet`); caller inside `System::block_on` or a task spawned on it, same thread |
//! | ractor | `call!` | `ActorRef::cast` (unbounded mailbox) | one `current_thread` runtime |
//! | kameo | `ActorRef::ask().await` | `ActorRef::tell().await` (bounded, 64) | one `current_thread` runtime |
//!
//! [`Tick`]: crate::Tick

pub mod actix_peer;
pub mod kameo_peer;
pub mod myc_same;
pub mod ractor_peer;
pub mod spsc;

/// The core the pinned side (Mycelium pinned actor, SPSC consumer) runs on.
pub const PINNED_CORE: usize = 1;

/// Where the asking loop runs: in the runtime's `block_on` future, or in a task
/// spawned on the same thread, as an actor or a request handler asking would. A
/// `block_on` future is woken through the runtime's driver, which costs each runtime
/// alike (~250 ns here); a task is woken through the run queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// The loop is the `block_on` future.
    BlockOn,
    /// The loop is a task spawned on the same thread.
    Task,
}

impl Caller {
    /// Runs `asks` as this caller says.
    pub async fn run<F>(self, asks: F) -> F::Output
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            Self::BlockOn => asks.await,
            Self::Task => tokio::spawn(asks).await.expect("caller task"),
        }
    }
}

/// A `current_thread` Tokio runtime.
pub fn current_thread() -> tokio::runtime::Runtime {
    crate::Placement::CurrentThread.runtime()
}
