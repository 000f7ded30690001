//! `Node::snapshot` reports every live actor of the node, supervised children
//! included: messages handled, restarts, the mailbox depth as the actor saw it when
//! it answered, and its histograms when timing is on; an unnamed actor is named by
//! its message type. An actor busy in a handler past the timeout is counted as
//! unanswered, not waited for. Dead letters are counted by cause.
mod support;

use std::time::Duration;

use mycelium::{
    ActorSnapshot, DeadLetterCause, Node, NodeSnapshot, RestartStrategy, SpawnOptions, Supervisor,
};
use support::*;
use tokio::sync::oneshot;

fn actor<'a>(s: &'a NodeSnapshot, name: &str) -> &'a ActorSnapshot {
    s.actors
        .iter()
        .find(|a| a.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("{name} missing from {:?}", s.actors))
}

fn dead(s: &NodeSnapshot, cause: DeadLetterCause) -> u64 {
    s.dead_letters.iter().find(|(c, _)| *c == cause).map_or(0, |(_, n)| *n)
}

#[tokio::test]
async fn every_actor_answers_with_its_depth_restarts_and_histograms() {
    let node = Node::new("snapshot");
    let (tx, mut rx) = events();
    let _sup = node
        .spawn_started(
            Supervisor::new(RestartStrategy::OneForOne)
                .child(probe("worker", &tx).options(SpawnOptions::new().timing(true))),
            SpawnOptions::new().name("sup"),
        )
        .await
        .unwrap();
    assert_eq!(next(&mut rx).await, started("worker", 0));
    let worker = node.lookup::<ProbeMsg>("worker").unwrap();
    let unnamed = node.spawn(Probe::with("unnamed", 0, &tx, Cfg::default())).unwrap();
    assert_eq!(next(&mut rx).await, started("unnamed", 0));
    unnamed.send(ProbeMsg::Value(7)).await.unwrap();
    assert_eq!(next(&mut rx).await, handled("unnamed", 0, 7));

    // A panic: one restart, and the message it panicked on is a dead letter.
    worker.send(ProbeMsg::Panic("boom")).await.unwrap();
    assert_eq!(next(&mut rx).await, dropped("worker", 0));
    assert_eq!(next(&mut rx).await, started("worker", 1));

    // Held in a handler with 5 values queued: asked now, it answers once the gate
    // opens, before the next message, so it sees all 5 waiting.
    let (open, gate) = oneshot::channel();
    worker.send(ProbeMsg::Gate(gate)).await.unwrap();
    assert_eq!(next(&mut rx).await, blocked("worker", 1));
    for v in 0..5 {
        worker.send(ProbeMsg::Value(v)).await.unwrap();
    }
    let busy = node.snapshot(Duration::from_millis(50)).await;
    assert_eq!(busy.unanswered, 1, "the held worker is not waited for");
    assert!(busy.actors.iter().all(|a| a.name.as_deref() != Some("worker")));

    // `join!` polls the snapshot first: its signals are queued (in its first poll)
    // before the gate opens.
    let (s, ()) = tokio::join!(within("the snapshot", node.snapshot(WAIT)), async {
        open.send(()).unwrap();
    });
    assert_eq!(s.unanswered, 0);
    let w = actor(&s, "worker");
    assert_eq!(w.metrics.restarts, 1);
    assert_eq!(w.metrics.handled, 2, "the panicking message and the gate");
    assert_eq!(w.metrics.mailbox_depth, 5);
    assert!(w.metrics.handler_ns.is_some() && w.metrics.mailbox_wait_ns.is_some());
    let sup = actor(&s, "sup");
    assert!(sup.metrics.handler_ns.is_none(), "timing is off by default");
    let u = s.actors.iter().find(|a| a.id == unnamed.id()).expect("the unnamed actor");
    assert_eq!(u.name, None);
    assert!(u.message_type.ends_with("ProbeMsg"), "{}", u.message_type);
    assert_eq!(u.metrics.handled, 1);
    assert_eq!(dead(&s, DeadLetterCause::HandlerFailed), 1);
    assert_eq!(dead(&s, DeadLetterCause::ActorEnded), 0);
    for v in 0..5 {
        assert_eq!(next(&mut rx).await, handled("worker", 1, v));
    }

    // Killed while held: the queued messages are dead letters, and the actor leaves
    // the snapshot.
    let (open, gate) = oneshot::channel::<()>();
    unnamed.send(ProbeMsg::Gate(gate)).await.unwrap();
    assert_eq!(next(&mut rx).await, blocked("unnamed", 0));
    for v in 0..3 {
        unnamed.send(ProbeMsg::Value(v)).await.unwrap();
    }
    unnamed.kill();
    drop(open);
    within("the kill", unnamed.join()).await;
    let s = node.snapshot(WAIT).await;
    assert!(s.actors.iter().all(|a| a.id != unnamed.id()));
    assert_eq!(dead(&s, DeadLetterCause::HandlerFailed), 1);
    assert_eq!(dead(&s, DeadLetterCause::ActorEnded), 3);
    assert_eq!(s.dead_letters.len(), DeadLetterCause::ALL.len());
    assert!(s.remote.is_none() && s.links.is_empty(), "no remote side started");
    node.shutdown(WAIT).await;
}
