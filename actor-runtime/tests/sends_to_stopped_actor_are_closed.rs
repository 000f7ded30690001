//! Once an actor has stopped, every kind of send fails with `Closed` and hands the
//! message back.
mod common;
use std::time::Duration;

use common::*;
use mycelium::{AskError, ExitReason, Node, SendError};

#[tokio::test]
async fn every_send_to_a_stopped_actor_fails_closed() {
    let node = Node::new("closed");
    let (rec, _rx) = recorder::<u32>();
    let actor = node.spawn(rec).unwrap();
    assert!(actor.is_alive());
    actor.stop();
    assert_eq!(within("the actor's end", actor.join()).await, ExitReason::Stopped);
    assert!(!actor.is_alive());

    assert!(matches!(actor.try_send(RecMsg::Put(1)), Err(SendError::Closed(RecMsg::Put(1)))));
    assert!(matches!(actor.send(RecMsg::Put(2)).await, Err(SendError::Closed(RecMsg::Put(2)))));
    assert!(matches!(
        actor.send_timeout(RecMsg::Put(3), Duration::from_millis(10)).await,
        Err(SendError::Closed(RecMsg::Put(3)))
    ));
    assert!(matches!(
        actor.ask(RecMsg::Count, Duration::from_millis(10)).await,
        Err(AskError::Send(SendError::Closed(_)))
    ));
}
