//! Comparison benches (issue 9): Mycelium task and pinned actors beside raw tokio
//! `mpsc`, a raw spinning SPSC ring between two threads, and the peer runtimes actix
//! 0.13, ractor 0.16 and kameo 0.22, all with the same messages ([`Tick`] by value for
//! asks, fresh `Arc<Tick>`s for tells). Built only with `--features peers`.
//!
//! Each scenario is a plain function that builds its own runtime (or threads), so the
//! report can call them one after another in one process.
//!
//! | runtime | ask API | tell API | placement |
//! |---|---|---|---|
//! | Mycelium task actor | `ActorRef::ask` (always with a timeout) | `ActorRef::send().await` (bounded) | one `current_thread` runtime |
//! | Mycelium pinned actor | same | same | caller on a `current_thread` runtime, actor on its own thread pinned to core 1, spinning |
//! | raw tokio | `mpsc` + `oneshot` | `mpsc::Sender::send().await` (bounded) | one `current_thread` runtime |
//! | SPSC ring | request ring + reply ring | `Producer::push` (spins when full) | caller on the main thread, other side on a thread pinned to core 1, spinning |
//! | actix | `Addr::send().await` | `Addr::do_send` (ignores the mailbox bound) | its own `actix::System` (a `current_thread` runtime + `LocalSet`); caller inside `System::block_on`, same thread |
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

/// A `current_thread` Tokio runtime.
pub fn current_thread() -> tokio::runtime::Runtime {
    crate::Placement::CurrentThread.runtime()
}
