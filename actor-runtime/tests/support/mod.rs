//! Probe actors and bounded waits shared by the supervision and watch tests.
//!
//! A [`Probe`] reports each step of its life as an [`Event`] on an unbounded channel
//! the test reads with [`next`], which fails the test after [`WAIT`] instead of
//! hanging. Nothing here sleeps: every wait is on an event, a reply or an exit.
#![allow(dead_code, unreachable_pub, unused_imports)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mycelium::{Actor, ActorError, ChildSpec, Context, ReplyTo, Terminated};
use tokio::sync::{mpsc, oneshot};

// The bounded waits are the ones every runtime test uses.
#[path = "../common/mod.rs"]
pub mod common;
pub use common::{next, within, WAIT};

/// The answer timeout for `ask`s and `children()` calls.
pub const ASK: Duration = Duration::from_secs(5);

/// What a probe (or a watcher) reports. `generation` counts the instances its factory
/// has made: 0 for the first, 1 after the first restart, and so on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `started` ran (reported before a configured panic in `started`).
    Started { name: &'static str, generation: u64 },
    /// A `Value` was handled.
    Handled { name: &'static str, generation: u64, value: u64 },
    /// The instance is inside a handler that waits on a gate (or forever).
    Blocked { name: &'static str, generation: u64 },
    /// `stopped` ran.
    Stopped { name: &'static str, generation: u64 },
    /// The instance value was dropped.
    Dropped { name: &'static str, generation: u64 },
    /// A watcher's `on_terminated` ran.
    Terminated { watcher: &'static str, terminated: Terminated },
}

pub type Events = mpsc::UnboundedSender<Event>;
pub type EventRx = mpsc::UnboundedReceiver<Event>;

pub fn events() -> (Events, EventRx) {
    mpsc::unbounded_channel()
}

pub fn started(name: &'static str, generation: u64) -> Event {
    Event::Started { name, generation }
}
pub fn handled(name: &'static str, generation: u64, value: u64) -> Event {
    Event::Handled { name, generation, value }
}
pub fn blocked(name: &'static str, generation: u64) -> Event {
    Event::Blocked { name, generation }
}
pub fn stopped(name: &'static str, generation: u64) -> Event {
    Event::Stopped { name, generation }
}
pub fn dropped(name: &'static str, generation: u64) -> Event {
    Event::Dropped { name, generation }
}

/// Reads `expected.len()` events and checks they are exactly `expected`, in order.
pub async fn expect_events(rx: &mut EventRx, expected: &[Event]) {
    let mut got = Vec::with_capacity(expected.len());
    for _ in expected {
        got.push(next(rx).await);
    }
    assert_eq!(got, expected, "unexpected event sequence");
}

/// Skips events until one equals `wanted`; returns the ones skipped.
pub async fn skip_until(rx: &mut EventRx, wanted: &Event) -> Vec<Event> {
    let mut skipped = Vec::new();
    loop {
        let e = next(rx).await;
        if &e == wanted {
            return skipped;
        }
        skipped.push(e);
    }
}

/// Checks that no event is waiting now. Call it only after a round trip that orders
/// after every event that could have been sent (e.g. `children()` after the
/// supervisor has finished the restart in question).
pub fn assert_quiet(rx: &mut EventRx) {
    match rx.try_recv() {
        Err(mpsc::error::TryRecvError::Empty) => {}
        Ok(e) => panic!("unexpected event: {e:?}"),
        Err(mpsc::error::TryRecvError::Disconnected) => {}
    }
}

/// The values of the `ProbeMsg::Value`s among `letters`, in order; panics on a
/// dead letter that holds another `ProbeMsg`.
pub fn dead_values(letters: &[mycelium::DeadLetter]) -> Vec<u64> {
    letters
        .iter()
        .filter_map(|l| l.message.as_ref()?.downcast_ref::<ProbeMsg>())
        .map(|m| match m {
            ProbeMsg::Value(v) => *v,
            _ => panic!("unexpected dead letter"),
        })
        .collect()
}

/// Checks that every kind of send to `actor` is refused at once with `Closed`, the
/// message handed back, and that the actor is reported ended.
pub async fn assert_refuses_every_send(actor: &mycelium::ActorRef<ProbeMsg>) {
    use mycelium::{AskError, SendError};
    assert!(!actor.is_alive(), "{actor} is reported alive");
    assert!(matches!(
        actor.try_send(ProbeMsg::Value(1)),
        Err(SendError::Closed(ProbeMsg::Value(1)))
    ));
    let sent = within("a send to an ended actor", actor.send(ProbeMsg::Value(2))).await;
    assert!(matches!(sent, Err(SendError::Closed(ProbeMsg::Value(2)))));
    let sent =
        within("a send_timeout to an ended actor", actor.send_timeout(ProbeMsg::Value(3), WAIT))
            .await;
    assert!(matches!(sent, Err(SendError::Closed(ProbeMsg::Value(3)))));
    let asked = within("an ask to an ended actor", actor.ask(ProbeMsg::Generation, WAIT)).await;
    assert!(matches!(asked, Err(AskError::Send(SendError::Closed(ProbeMsg::Generation(_))))));
}

/// Spawns `sup` (a supervisor given one child, a probe named `child`) as "sup",
/// waits for the child's start, and returns both refs.
pub async fn tree_of_one(
    node: &mycelium::Node,
    rx: &mut EventRx,
    sup: mycelium::Supervisor,
    child: &'static str,
) -> (mycelium::ActorRef<mycelium::SupervisorMsg>, mycelium::ActorRef<ProbeMsg>) {
    let sup = node.spawn_started(sup, mycelium::SpawnOptions::new().name("sup")).await.unwrap();
    assert_eq!(next(rx).await, started(child, 0));
    (sup, node.lookup::<ProbeMsg>(child).unwrap())
}

/// Starts an ask of `actor`'s generation with no timeout (`Duration::MAX`) and
/// returns once the request is queued (behind whatever `actor` is busy with).
pub async fn ask_queued(
    actor: &mycelium::ActorRef<ProbeMsg>,
) -> tokio::task::JoinHandle<Result<u64, mycelium::AskError<ProbeMsg>>> {
    let asker = actor.clone();
    let ask = tokio::spawn(async move { asker.ask(ProbeMsg::Generation, Duration::MAX).await });
    within("the request queued", async {
        while actor.queued() == 0 {
            tokio::task::yield_now().await;
        }
    })
    .await;
    ask
}

/// Counts the live instances of one child: up in `started`, down in `Drop`, and the
/// highest count ever seen.
#[derive(Debug, Default)]
pub struct Live {
    now: AtomicUsize,
    max: AtomicUsize,
}

impl Live {
    pub fn now(&self) -> usize {
        self.now.load(Ordering::SeqCst)
    }
    pub fn max(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }
    fn up(&self) {
        let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(n, Ordering::SeqCst);
    }
    fn down(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// How a probe's instances behave besides reporting.
#[derive(Debug, Clone, Default)]
pub struct Cfg {
    /// Instances with a generation in this range panic in `started`.
    pub panic_in_started: std::ops::Range<u64>,
    /// Counts live instances.
    pub live: Option<Arc<Live>>,
}

pub enum ProbeMsg {
    /// Report `Handled` with the value.
    Value(u64),
    /// Panic with this message.
    Panic(&'static str),
    /// Return `Err` with this text.
    Fail(&'static str),
    /// End this instance with `ctx.stop()` (`ExitReason::Normal`).
    StopSelf,
    /// Report `Blocked`, then wait until the gate fires or its sender is dropped.
    Gate(oneshot::Receiver<()>),
    /// Report `Blocked`, then wait forever.
    Hang,
    /// Report `Blocked`, then block the thread (no `.await`: an abort cannot take)
    /// until the gate fires or its sender is dropped.
    Block(std::sync::mpsc::Receiver<()>),
    /// Answer with this instance's generation.
    Generation(ReplyTo<u64>),
}

/// An actor that reports its life as [`Event`]s.
pub struct Probe {
    name: &'static str,
    generation: u64,
    events: Events,
    cfg: Cfg,
    counted: bool,
}

impl Probe {
    /// An unsupervised probe (generation 0).
    pub fn new(name: &'static str, events: &Events) -> Self {
        Self::with(name, 0, events, Cfg::default())
    }

    pub fn with(name: &'static str, generation: u64, events: &Events, cfg: Cfg) -> Self {
        Self { name, generation, events: events.clone(), cfg, counted: false }
    }

    fn report(&self, e: Event) {
        let _ = self.events.send(e);
    }
}

/// A permanent child spec named `name` whose factory numbers its instances.
pub fn probe(name: &'static str, events: &Events) -> ChildSpec<Probe> {
    probe_with(name, events, Cfg::default())
}

/// Like [`probe`], with `cfg`.
pub fn probe_with(name: &'static str, events: &Events, cfg: Cfg) -> ChildSpec<Probe> {
    let events = events.clone();
    let mut generation = 0;
    ChildSpec::new(name, move || {
        let p = Probe::with(name, generation, &events, cfg.clone());
        generation += 1;
        p
    })
}

impl Actor for Probe {
    type Msg = ProbeMsg;

    async fn started(&mut self, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        if let Some(live) = &self.cfg.live {
            live.up();
            self.counted = true;
            // Widen the window in which an overlapping instance would be seen.
            tokio::task::yield_now().await;
        }
        self.report(started(self.name, self.generation));
        if self.cfg.panic_in_started.contains(&self.generation) {
            panic!("{} failed in started (generation {})", self.name, self.generation);
        }
        Ok(())
    }

    async fn handle(&mut self, msg: ProbeMsg, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        match msg {
            ProbeMsg::Value(value) => self.report(handled(self.name, self.generation, value)),
            ProbeMsg::Panic(why) => panic!("{why}"),
            ProbeMsg::Fail(why) => return Err(why.into()),
            ProbeMsg::StopSelf => ctx.stop(),
            ProbeMsg::Gate(gate) => {
                self.report(blocked(self.name, self.generation));
                let _ = gate.await;
            }
            ProbeMsg::Hang => {
                self.report(blocked(self.name, self.generation));
                std::future::pending::<()>().await;
            }
            ProbeMsg::Block(gate) => {
                self.report(blocked(self.name, self.generation));
                let _ = gate.recv();
            }
            ProbeMsg::Generation(reply) => {
                let _ = reply.send(self.generation);
            }
        }
        Ok(())
    }

    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        self.report(stopped(self.name, self.generation));
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        if self.counted {
            if let Some(live) = &self.cfg.live {
                // Widen the window a little: the next instance must not start yet.
                for _ in 0..1000 {
                    std::hint::spin_loop();
                }
                live.down();
            }
        }
        self.report(dropped(self.name, self.generation));
    }
}
