//! Per-actor figures (messages handled, mailbox high-water mark, handler and wait
//! histograms) are readable through the node while the actor runs.
mod common;
use common::*;
use mycelium::{Node, SpawnOptions};
use tokio::sync::oneshot;

#[tokio::test]
async fn figures_count_every_message() {
    let node = Node::new("metrics");
    let (rec, mut rx) = recorder::<u32>();
    let actor = node.spawn_with(rec, SpawnOptions::new().timing(true)).unwrap();
    let (gate, held) = oneshot::channel();
    actor.send(RecMsg::Hold(held)).await.unwrap();
    for i in 0..10 {
        actor.send(RecMsg::Put(i)).await.unwrap();
    }
    gate.send(()).unwrap();
    for _ in 0..10 {
        next(&mut rx).await;
    }
    let m = within("metrics", node.metrics(&actor, WAIT)).await.unwrap();
    assert_eq!(m.handled, 11);
    assert!(m.mailbox_high_water >= 10, "{}", m.mailbox_high_water);
    assert_eq!(m.handler_ns.as_ref().unwrap().len(), 11);
    let wait = m.mailbox_wait_ns.unwrap();
    assert_eq!(wait.len(), 11);
    assert!(wait.max() > 0);
    assert!(actor.is_alive());
}

#[tokio::test]
async fn timing_off_by_default_still_counts() {
    let node = Node::new("metrics");
    let (rec, mut rx) = recorder::<u32>();
    let actor = node.spawn(rec).unwrap();
    actor.send(RecMsg::Put(1)).await.unwrap();
    next(&mut rx).await;
    let m = node.metrics(&actor, WAIT).await.unwrap();
    assert_eq!(m.handled, 1);
    assert!(m.handler_ns.is_none() && m.mailbox_wait_ns.is_none());
}
