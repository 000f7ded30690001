//! A hot-path actor on a pinned, busy-polling thread has the same `ActorRef`
//! behaviour as a task actor: FIFO, ask, stop drains, supervision restarts it with
//! its mailbox, a stop deadline aborts it, and an unavailable core is a warning, not
//! a crash.
mod support;

use std::time::Duration;

use mycelium::{ExitReason, Idle, Node, Pinned, RestartStrategy, SpawnOptions, Supervisor};
use support::common::*;
use tokio::sync::oneshot;

fn pinned(core: Option<usize>, idle: Idle) -> SpawnOptions {
    SpawnOptions::new().pinned(Pinned { core, idle })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifo_ask_and_draining_stop_on_a_spinning_thread() {
    let node = Node::new("pinned");
    let (rec, mut rx) = recorder::<u32>();
    let actor = node.spawn_with(rec, pinned(Some(1), Idle::Spin)).unwrap();
    for i in 0..10_000 {
        actor.send(RecMsg::Put(i)).await.unwrap();
    }
    for i in 0..10_000 {
        assert_eq!(next(&mut rx).await, i);
    }
    assert_eq!(actor.ask(RecMsg::Count, WAIT).await.unwrap(), 0);
    let (gate, held) = oneshot::channel();
    actor.send(RecMsg::Hold(held)).await.unwrap();
    actor.send(RecMsg::Put(7)).await.unwrap();
    actor.stop();
    gate.send(()).unwrap();
    assert_eq!(within("the pinned actor's end", actor.join()).await, ExitReason::Stopped);
    assert_eq!(next(&mut rx).await, 7, "stop drained the queue");
}

#[tokio::test]
async fn an_unavailable_core_runs_unpinned() {
    let node = Node::new("pinned");
    let (rec, mut rx) = recorder::<u32>();
    let idle = Idle::SpinThenPark { spins: 100 };
    // Past the machine's cores, and past the kernel's CPU set.
    let actor = node.spawn_with(rec, pinned(Some(500), idle)).unwrap();
    actor.send(RecMsg::Put(1)).await.unwrap();
    assert_eq!(next(&mut rx).await, 1);
    let (rec2, mut rx2) = recorder::<u32>();
    let far = node.spawn_with(rec2, pinned(Some(100_000), idle)).unwrap();
    far.send(RecMsg::Put(2)).await.unwrap();
    assert_eq!(next(&mut rx2).await, 2);
    within("shutdown", node.shutdown(WAIT)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervised_pinned_actor_restarts_with_its_mailbox() {
    let node = Node::new("pinned");
    let (events, mut ev) = support::events();
    let spec =
        support::probe("hot", &events).options(pinned(None, Idle::SpinThenPark { spins: 1000 }));
    node.spawn_started(
        Supervisor::new(RestartStrategy::OneForOne).child(spec),
        SpawnOptions::new(),
    )
    .await
    .unwrap();
    support::expect_events(&mut ev, &[support::started("hot", 0)]).await;
    let hot = node.lookup::<support::ProbeMsg>("hot").unwrap();
    hot.send(support::ProbeMsg::Panic("boom")).await.unwrap();
    hot.send(support::ProbeMsg::Value(5)).await.unwrap();
    support::skip_until(&mut ev, &support::handled("hot", 1, 5)).await;
    assert_eq!(node.supervision_counters().restarts(), 1);
    within("shutdown", node.shutdown(WAIT)).await;
}

#[tokio::test]
async fn a_stuck_pinned_actor_is_aborted_at_the_deadline() {
    let node = Node::new("pinned");
    let (rec, _rx) = recorder::<u32>();
    let actor = node.spawn_with(rec, pinned(None, Idle::SpinThenPark { spins: 10 })).unwrap();
    let (_gate, held) = oneshot::channel::<()>(); // never opened
    actor.send(RecMsg::Hold(held)).await.unwrap();
    while actor.queued() > 0 {
        tokio::task::yield_now().await;
    }
    let reason = within("stop_within", actor.stop_within(Duration::from_millis(50))).await;
    assert_eq!(reason, Some(ExitReason::Killed));
}
