//! A full mailbox makes `send` wait, `try_send` fail with `Full` and the message, and
//! `send_timeout` fail with `Timeout` and the message.
mod common;
use std::time::Duration;

use common::*;
use mycelium::{Node, SendError, SpawnOptions};
use tokio::sync::oneshot;

#[tokio::test]
async fn full_mailbox_blocks_send_and_rejects_try_send() {
    let node = Node::new("full");
    let (rec, mut rx) = recorder::<u32>();
    let actor = node.spawn_with(rec, SpawnOptions::new().capacity(2)).unwrap();
    let (gate, held) = oneshot::channel();
    actor.send(RecMsg::Hold(held)).await.unwrap();
    // Let the actor take the Hold message, leaving the mailbox empty and the actor busy.
    while actor.queued() > 0 {
        tokio::task::yield_now().await;
    }
    actor.try_send(RecMsg::Put(1)).unwrap();
    actor.try_send(RecMsg::Put(2)).unwrap();

    match actor.try_send(RecMsg::Put(3)) {
        Err(SendError::Full(RecMsg::Put(3))) => {}
        other => panic!("expected Full with the message back, got {:?}", other.map(|_| ())),
    }
    match actor.send_timeout(RecMsg::Put(4), Duration::from_millis(20)).await {
        Err(SendError::Timeout(RecMsg::Put(4))) => {}
        other => panic!("expected Timeout with the message back, got {:?}", other.map(|_| ())),
    }

    // `send` waits: it is still pending while the actor is held.
    let blocked = tokio::spawn({
        let actor = actor.clone();
        async move { actor.send(RecMsg::Put(5)).await.is_ok() }
    });
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    assert!(!blocked.is_finished(), "send must wait while the mailbox is full");

    gate.send(()).unwrap();
    assert!(within("the blocked send", blocked).await.unwrap());
    for expected in [1, 2, 5] {
        assert_eq!(next(&mut rx).await, expected);
    }
}
