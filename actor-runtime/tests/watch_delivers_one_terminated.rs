//! Watching: when a watched actor ends, the watcher's `on_terminated` runs exactly
//! once with `Terminated { id, name, reason }`. Watching twice is watching once;
//! watching an actor that has already ended delivers at once; after `unwatch` nothing
//! arrives. A supervised actor ends when its supervisor gives it up, not at each
//! restart.
//!
//! "Nothing more arrives" is shown without sleeping: the watcher also watches a
//! marker actor, ended afterwards; notifications reach the watcher through one FIFO
//! queue, so a stray notification would arrive before the marker's.
mod support;

use mycelium::{
    Actor, ActorError, ActorRef, Context, ExitReason, Node, ReplyTo, RestartStrategy, SpawnOptions,
    Supervisor, Terminated,
};
use support::*;
use tokio::sync::oneshot;

/// Watches and unwatches on request; reports each `Terminated` as an event.
struct Watcher {
    events: Events,
}

enum WatcherMsg {
    Watch(ActorRef<ProbeMsg>, ReplyTo<()>),
    /// Watch twice in one go.
    WatchTwice(ActorRef<ProbeMsg>, ReplyTo<()>),
    /// Watch, answer, then keep watching while the actor is alive (each watch of a
    /// live actor is the same watch), so that some watch lands while it is ending.
    WatchWhileAlive(ActorRef<ProbeMsg>, ReplyTo<()>),
    Unwatch(ActorRef<ProbeMsg>, ReplyTo<()>),
}

impl Actor for Watcher {
    type Msg = WatcherMsg;

    async fn handle(&mut self, msg: WatcherMsg, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        match msg {
            WatcherMsg::Watch(other, reply) => {
                ctx.watch(&other);
                let _ = reply.send(());
            }
            WatcherMsg::WatchTwice(other, reply) => {
                ctx.watch(&other);
                ctx.watch(&other);
                let _ = reply.send(());
            }
            WatcherMsg::WatchWhileAlive(other, reply) => {
                ctx.watch(&other);
                let _ = reply.send(());
                while other.is_alive() {
                    ctx.watch(&other);
                    tokio::task::yield_now().await;
                }
            }
            WatcherMsg::Unwatch(other, reply) => {
                ctx.unwatch(&other);
                let _ = reply.send(());
            }
        }
        Ok(())
    }

    async fn on_terminated(
        &mut self,
        terminated: Terminated,
        _ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        let _ = self.events.send(Event::Terminated { watcher: "watcher", terminated });
        Ok(())
    }
}

struct Setup {
    node: Node,
    watcher: ActorRef<WatcherMsg>,
    /// The watcher's notifications.
    notes: EventRx,
    /// The probes' lifecycle events.
    probe_events: Events,
    _probe_rx: EventRx,
}

fn setup(name: &str) -> Setup {
    let node = Node::new(name.to_owned());
    let (notes_tx, notes) = events();
    let (probe_events, probe_rx) = events();
    let watcher = node.spawn(Watcher { events: notes_tx }).unwrap();
    Setup { node, watcher, notes, probe_events, _probe_rx: probe_rx }
}

impl Setup {
    fn spawn_probe(&self, name: &'static str) -> ActorRef<ProbeMsg> {
        self.node
            .spawn_with(Probe::new(name, &self.probe_events), SpawnOptions::new().name(name))
            .unwrap()
    }
    async fn watch(&self, other: &ActorRef<ProbeMsg>) {
        let other = other.clone();
        self.watcher.ask(|r| WatcherMsg::Watch(other, r), ASK).await.unwrap();
    }
    async fn unwatch(&self, other: &ActorRef<ProbeMsg>) {
        let other = other.clone();
        self.watcher.ask(|r| WatcherMsg::Unwatch(other, r), ASK).await.unwrap();
    }
    /// The next notification must be about `actor`, ended with `reason`.
    async fn expect_terminated(
        &mut self,
        actor: &ActorRef<ProbeMsg>,
        name: &str,
        reason: ExitReason,
    ) {
        let want = Event::Terminated {
            watcher: "watcher",
            terminated: Terminated { id: actor.id(), name: Some(name.to_owned()), reason },
        };
        assert_eq!(next(&mut self.notes).await, want);
    }
    /// Ends a fresh watched marker and checks its notification is the next one: no
    /// other notification was queued before it.
    async fn expect_nothing_else(&mut self) {
        let marker = self.spawn_probe("marker");
        self.watch(&marker).await;
        marker.stop();
        self.expect_terminated(&marker, "marker", ExitReason::Stopped).await;
        // Round trip through the watcher: it has handled every signal queued so far.
        self.unwatch(&marker).await;
        assert_quiet(&mut self.notes);
    }
}

#[tokio::test]
async fn one_terminated_with_id_name_and_reason() {
    let mut s = setup("watch-once");
    let target = s.spawn_probe("target");
    s.watch(&target).await;
    target.send(ProbeMsg::Panic("target panics")).await.unwrap();
    s.expect_terminated(&target, "target", ExitReason::Panicked("target panics".into())).await;
    s.expect_nothing_else().await;
}

#[tokio::test]
async fn watching_twice_delivers_once() {
    let mut s = setup("watch-twice");
    let target = s.spawn_probe("target");
    s.watch(&target).await;
    s.watch(&target).await;
    target.send(ProbeMsg::StopSelf).await.unwrap();
    s.expect_terminated(&target, "target", ExitReason::Normal).await;
    s.expect_nothing_else().await;
}

#[tokio::test]
async fn watching_an_ended_actor_delivers_once_at_once() {
    let mut s = setup("watch-dead");
    let target = s.spawn_probe("target");
    target.kill();
    assert_eq!(within("the target's end", target.join()).await, ExitReason::Killed);
    s.watch(&target).await;
    s.expect_terminated(&target, "target", ExitReason::Killed).await;
    s.expect_nothing_else().await;
}

#[tokio::test]
async fn watching_an_ended_actor_twice_delivers_once() {
    let mut s = setup("watch-dead-twice");
    let target = s.spawn_probe("target");
    target.stop();
    assert_eq!(within("the target's end", target.join()).await, ExitReason::Stopped);
    let other = target.clone();
    s.watcher.ask(|r| WatcherMsg::WatchTwice(other, r), ASK).await.unwrap();
    s.expect_terminated(&target, "target", ExitReason::Stopped).await;
    s.expect_nothing_else().await;
}

/// Collects the notifications about `target` that arrive before the marker's.
async fn notifications_about(s: &mut Setup, target: &ActorRef<ProbeMsg>) -> Vec<Terminated> {
    let marker = s.spawn_probe("marker");
    s.watch(&marker).await;
    marker.stop();
    let mut about_target = Vec::new();
    loop {
        match next(&mut s.notes).await {
            Event::Terminated { terminated, .. } if terminated.id == marker.id() => {
                return about_target
            }
            Event::Terminated { terminated, .. } if terminated.id == target.id() => {
                about_target.push(terminated)
            }
            e => panic!("unexpected event: {e:?}"),
        }
    }
}

/// A watch that lands while the actor is ending (its mailbox being emptied into dead
/// letters) must report the actor's real exit reason, like one made before or after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_racing_with_the_end_reports_the_real_reason() {
    const ROUNDS: usize = 100;
    const QUEUED: u64 = 4000;
    let mut wrong = Vec::new();
    for round in 0..ROUNDS {
        let mut s = setup("watch-race");
        let target = s
            .node
            .spawn_with(
                Probe::new("target", &s.probe_events),
                SpawnOptions::new().name("target").capacity(QUEUED as usize + 2),
            )
            .unwrap();
        // Queue a panic and many messages behind it: they go to dead letters while
        // the target is ending, which keeps it ending for a while.
        let (open, gate) = oneshot::channel();
        target.send(ProbeMsg::Gate(gate)).await.unwrap();
        target.send(ProbeMsg::Panic("target panics")).await.unwrap();
        for v in 0..QUEUED {
            target.send(ProbeMsg::Value(v)).await.unwrap();
        }
        let other = target.clone();
        s.watcher.ask(|r| WatcherMsg::WatchWhileAlive(other, r), ASK).await.unwrap();
        open.send(()).unwrap();
        let reason = within("the target's end", target.join()).await;
        assert_eq!(reason, ExitReason::Panicked("target panics".into()));
        let notes = notifications_about(&mut s, &target).await;
        assert!(!notes.is_empty(), "round {round}: no Terminated at all");
        if notes.iter().any(|t| t.reason != reason) {
            let reasons: Vec<_> = notes.iter().map(|t| t.reason.to_string()).collect();
            wrong.push(format!(
                "round {round}: {} notes: {:?}",
                notes.len(),
                &reasons[..reasons.len().min(3)]
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {ROUNDS} rounds reported a wrong reason, e.g. {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(3)]
    );
}

#[tokio::test]
async fn unwatch_before_the_end_delivers_nothing() {
    let mut s = setup("unwatch");
    let target = s.spawn_probe("target");
    s.watch(&target).await;
    s.unwatch(&target).await;
    target.stop();
    assert_eq!(within("the target's end", target.join()).await, ExitReason::Stopped);
    s.expect_nothing_else().await;
}

#[tokio::test]
async fn a_supervised_actor_ends_when_given_up_not_at_restart() {
    let mut s = setup("watch-supervised");
    let (tx, mut rx) = events();
    let sup = s
        .node
        .spawn_started(
            Supervisor::new(RestartStrategy::OneForOne).child(probe("worker", &tx)),
            SpawnOptions::new().name("sup"),
        )
        .await
        .unwrap();
    let worker = s.node.lookup::<ProbeMsg>("worker").unwrap();
    s.watch(&worker).await;
    worker.send(ProbeMsg::Panic("worker panics")).await.unwrap();
    skip_until(&mut rx, &started("worker", 1)).await;
    // The restart ended an instance, not the actor.
    s.expect_nothing_else().await;

    sup.remove_child("worker", ASK).await.unwrap();
    s.expect_terminated(&worker, "worker", ExitReason::Stopped).await;
    s.expect_nothing_else().await;
}
