//! A stop or kill reaches an actor whose mailbox is full, ahead of the queued
//! messages.
mod common;
use common::*;
use mycelium::{ExitReason, Node, SpawnOptions};
use tokio::sync::oneshot;

#[tokio::test]
async fn kill_overtakes_a_full_mailbox() {
    let node = Node::new("signals");
    let (rec, mut rx) = recorder::<u32>();
    let actor = node.spawn_with(rec, SpawnOptions::new().capacity(8)).unwrap();
    let (gate, held) = oneshot::channel();
    actor.send(RecMsg::Hold(held)).await.unwrap();
    let mut i = 0;
    while actor.try_send(RecMsg::Put(i)).is_ok() {
        i += 1;
    }
    assert_eq!(actor.queued(), 8, "the mailbox is full");
    actor.kill();
    gate.send(()).unwrap();
    assert_eq!(within("the actor's end", actor.join()).await, ExitReason::Killed);
    assert!(rx.try_recv().is_err(), "the kill must overtake all 8 queued messages");
}

#[tokio::test]
async fn metrics_requests_overtake_a_full_mailbox() {
    let node = Node::new("signals");
    let (rec, _rx) = recorder::<u32>();
    let actor = node.spawn_with(rec, SpawnOptions::new().capacity(4)).unwrap();
    let (gate, held) = oneshot::channel();
    actor.send(RecMsg::Hold(held)).await.unwrap();
    while actor.try_send(RecMsg::Put(0)).is_ok() {}
    let metrics = tokio::spawn({
        let node = node.clone();
        let actor = actor.clone();
        async move { node.metrics(&actor, WAIT).await }
    });
    tokio::task::yield_now().await;
    gate.send(()).unwrap();
    // Answered after the Hold message, before the four queued ones.
    let m = within("metrics", metrics).await.unwrap().expect("metrics");
    assert_eq!(m.handled, 1);
}
