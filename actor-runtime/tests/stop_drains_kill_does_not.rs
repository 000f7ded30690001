//! `stop` handles every queued message before ending; `kill` ends after the current
//! one and sends the rest to dead letters.
mod common;
use common::*;
use mycelium::{ExitReason, Node};
use tokio::sync::oneshot;

#[tokio::test]
async fn stop_handles_everything_queued() {
    let node = Node::new("stop");
    let (rec, mut rx) = recorder::<u32>();
    let actor = node.spawn(rec).unwrap();
    let (gate, held) = oneshot::channel();
    actor.send(RecMsg::Hold(held)).await.unwrap();
    for i in 0..100 {
        actor.send(RecMsg::Put(i)).await.unwrap();
    }
    actor.stop();
    gate.send(()).unwrap();
    assert_eq!(within("the actor's end", actor.join()).await, ExitReason::Stopped);
    for i in 0..100 {
        assert_eq!(next(&mut rx).await, i);
    }
    assert_eq!(node.dead_letters().total(), 0);
}

#[tokio::test]
async fn kill_leaves_the_queue_to_dead_letters() {
    let node = Node::new("kill");
    let (rec, mut rx) = recorder::<u32>();
    let actor = node.spawn(rec).unwrap();
    let (gate, held) = oneshot::channel();
    actor.send(RecMsg::Hold(held)).await.unwrap();
    // Wait until the actor is busy with Hold: a kill sent earlier would overtake it.
    while actor.queued() > 0 {
        tokio::task::yield_now().await;
    }
    for i in 0..100 {
        actor.send(RecMsg::Put(i)).await.unwrap();
    }
    actor.kill();
    gate.send(()).unwrap();
    assert_eq!(within("the actor's end", actor.join()).await, ExitReason::Killed);
    assert!(rx.try_recv().is_err(), "kill must not handle queued messages");
    let letters = node.dead_letters().drain();
    assert_eq!(letters.len(), 100);
    let first = letters[0].message.as_ref().unwrap();
    assert!(matches!(first.downcast_ref::<RecMsg<u32>>(), Some(RecMsg::Put(0))));
}
