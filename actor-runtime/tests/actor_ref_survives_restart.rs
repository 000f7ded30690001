//! A ref taken before a crash still reaches the actor after its restart, and the
//! messages queued behind the crashing one are handled by the new instance, in order,
//! none lost and none handled twice.
mod support;

use mycelium::{ActorRef, Node, RestartStrategy, SpawnOptions, Supervisor, SupervisorMsg};
use support::*;
use tokio::sync::oneshot;

const QUEUED: u64 = 100;

async fn setup(node: &Node, tx: &Events) -> (ActorRef<SupervisorMsg>, ActorRef<ProbeMsg>) {
    let sup = node
        .spawn_started(
            Supervisor::new(RestartStrategy::OneForOne).child(probe("worker", tx)),
            SpawnOptions::new().name("sup"),
        )
        .await
        .unwrap();
    let worker = node.lookup::<ProbeMsg>("worker").unwrap();
    (sup, worker)
}

/// Blocks the worker on a gate, queues the poison message and `QUEUED` values behind
/// it, then opens the gate.
async fn poison_behind_gate(worker: &ActorRef<ProbeMsg>, rx: &mut EventRx, poison: ProbeMsg) {
    let (open, gate) = oneshot::channel();
    worker.send(ProbeMsg::Gate(gate)).await.unwrap();
    assert_eq!(next(rx).await, blocked("worker", 0));
    worker.send(poison).await.unwrap();
    for value in 0..QUEUED {
        worker.send(ProbeMsg::Value(value)).await.unwrap();
    }
    assert_eq!(worker.queued(), QUEUED as usize + 1);
    open.send(()).unwrap();
}

async fn check_queue_survives(poison: ProbeMsg, stopped_hook: bool) {
    let node = Node::new("ref-survives");
    let (tx, mut rx) = events();
    let (sup, worker) = setup(&node, &tx).await;
    assert_eq!(next(&mut rx).await, started("worker", 0));
    let held = worker.clone();

    poison_behind_gate(&worker, &mut rx, poison).await;
    let mut want = Vec::new();
    if stopped_hook {
        want.push(stopped("worker", 0));
    }
    want.extend([dropped("worker", 0), started("worker", 1)]);
    want.extend((0..QUEUED).map(|v| handled("worker", 1, v)));
    expect_events(&mut rx, &want).await;

    // The ref held since before the crash reaches the new instance.
    assert!(held.is_alive());
    assert_eq!(held.ask(ProbeMsg::Generation, ASK).await.unwrap(), 1);
    held.send(ProbeMsg::Value(QUEUED)).await.unwrap();
    assert_eq!(next(&mut rx).await, handled("worker", 1, QUEUED));
    assert_eq!(node.lookup::<ProbeMsg>("worker").unwrap(), held);

    let children = sup.children(ASK).await.unwrap();
    assert_eq!(children[0].id, held.id());
    assert_eq!(children[0].restarts, 1);
    let metrics = node.metrics(&held, ASK).await.unwrap();
    // gate + poison + the queued values + the ask + the last value.
    assert_eq!(metrics.handled, QUEUED + 4);
    assert_eq!(metrics.restarts, 1);
    assert_quiet(&mut rx);
    within("shutdown", node.shutdown(WAIT)).await;
}

#[tokio::test]
async fn queued_messages_survive_a_panic_in_order() {
    check_queue_survives(ProbeMsg::Panic("poison"), false).await;
}

#[tokio::test]
async fn queued_messages_survive_an_error_in_order() {
    check_queue_survives(ProbeMsg::Fail("poison"), true).await;
}
