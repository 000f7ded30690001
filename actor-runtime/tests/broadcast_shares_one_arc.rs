//! A broadcast hands every subscriber the same `Arc`: pointer-equal, never copied.
mod common;
use std::sync::Arc;

use common::*;
use mycelium::{Actor, ActorError, Broadcast, Context, Node};
use tokio::sync::mpsc;

type Tick = Arc<[u64; 8]>;

struct Subscriber(mpsc::UnboundedSender<Tick>);

impl Actor for Subscriber {
    type Msg = Tick;
    async fn handle(&mut self, tick: Tick, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        let _ = self.0.send(tick);
        Ok(())
    }
}

#[tokio::test]
async fn every_subscriber_gets_the_same_arc() {
    let node = Node::new("bcast");
    let mut broadcast = Broadcast::new();
    let mut outs = Vec::new();
    for _ in 0..8 {
        let (tx, rx) = mpsc::unbounded_channel();
        let actor = node.spawn(Subscriber(tx)).unwrap();
        broadcast.subscribe(actor.clone());
        broadcast.subscribe(actor); // twice is once
        outs.push(rx);
    }
    assert_eq!(broadcast.len(), 8);
    let tick: Tick = Arc::new([7u64; 8]);
    assert_eq!(broadcast.send(&tick).await, 8);
    let mut received = Vec::new();
    for rx in &mut outs {
        let got = next(rx).await;
        assert!(Arc::ptr_eq(&got, &tick), "a subscriber got a copy");
        received.push(got);
    }
    assert_eq!(Arc::strong_count(&tick), 1 + 8);
}

#[tokio::test]
async fn ended_subscribers_leave_the_list() {
    let node = Node::new("bcast");
    let mut broadcast = Broadcast::new();
    let (tx, _rx) = mpsc::unbounded_channel();
    let gone = node.spawn(Subscriber(tx.clone())).unwrap();
    let (tx2, mut rx2) = mpsc::unbounded_channel();
    let stays = node.spawn(Subscriber(tx2)).unwrap();
    broadcast.subscribe(gone.clone());
    broadcast.subscribe(stays);
    gone.stop();
    within("the end", gone.join()).await;
    let tick: Tick = Arc::new([1; 8]);
    assert_eq!(broadcast.try_send(&tick, |_, _| panic!("nobody is full")), 1);
    assert_eq!(broadcast.len(), 1);
    assert!(Arc::ptr_eq(&next(&mut rx2).await, &tick));
}
