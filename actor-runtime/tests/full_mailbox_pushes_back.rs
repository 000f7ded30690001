//! A full mailbox makes `send` wait, `try_send` fail with `Full` and the message, and
//! `send_timeout` fail with `Timeout` and the message; an `ask` waits for room too, and
//! hands its request back if none comes within its timeout.
mod common;
use std::time::Duration;

use common::*;
use mycelium::{ActorRef, AskError, Node, SendError, SpawnOptions};
use tokio::sync::{mpsc, oneshot};

/// A recorder with room for `capacity` messages, busy with a `Hold` it has already
/// taken (so its mailbox is empty), with what it records and the gate that frees it.
async fn busy_recorder(
    node: &Node,
    capacity: usize,
) -> (ActorRef<RecMsg<u32>>, mpsc::UnboundedReceiver<u32>, oneshot::Sender<()>) {
    let (rec, rx) = recorder::<u32>();
    let actor = node.spawn_with(rec, SpawnOptions::new().capacity(capacity)).unwrap();
    let (gate, held) = oneshot::channel();
    actor.send(RecMsg::Hold(held)).await.unwrap();
    within("the actor to take the Hold", async {
        while actor.queued() > 0 {
            tokio::task::yield_now().await;
        }
    })
    .await;
    (actor, rx, gate)
}

#[tokio::test]
async fn full_mailbox_blocks_send_and_rejects_try_send() {
    let node = Node::new("full");
    let (actor, mut rx, gate) = busy_recorder(&node, 2).await;
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

#[tokio::test]
async fn an_ask_waits_for_room_and_hands_its_request_back_at_its_timeout() {
    let node = Node::new("full-ask");
    let (actor, _rx, gate) = busy_recorder(&node, 1).await;
    actor.try_send(RecMsg::Put(1)).unwrap();

    // No room within the timeout: the request comes back.
    match actor.ask(RecMsg::Count, Duration::from_millis(20)).await {
        Err(AskError::Send(SendError::Timeout(RecMsg::Count(_)))) => {}
        other => panic!("expected the request back at the timeout, got {:?}", other.map(|_| ())),
    }
    // Room comes while it waits: it is sent, then answered.
    let asking = tokio::spawn({
        let actor = actor.clone();
        async move { actor.ask(RecMsg::Count, WAIT).await.is_ok() }
    });
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    assert!(!asking.is_finished(), "the ask must wait while the mailbox is full");
    gate.send(()).unwrap();
    assert!(within("the waiting ask", asking).await.unwrap());
}
