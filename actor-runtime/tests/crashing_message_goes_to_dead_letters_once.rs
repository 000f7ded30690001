//! The message being handled when an instance panics (or fails) goes to the node's
//! dead letters exactly once, named by its sequence number in the mailbox, with the
//! reason; it is not retried by the new instance, and the messages behind it are
//! handled, not dead-lettered.
mod support;

use mycelium::{Node, RestartStrategy, SpawnOptions, Supervisor};
use support::*;
use tokio::sync::oneshot;

const QUEUED: u64 = 100;

async fn check(poison: ProbeMsg, reason: &str, stopped_hook: bool) {
    let node = Node::new("dead-letters");
    let (tx, mut rx) = events();
    let sup = node
        .spawn_started(
            Supervisor::new(RestartStrategy::OneForOne).child(probe("worker", &tx)),
            SpawnOptions::new().name("sup"),
        )
        .await
        .unwrap();
    let worker = node.lookup::<ProbeMsg>("worker").unwrap();
    assert_eq!(next(&mut rx).await, started("worker", 0));

    // seq 1: the gate; seq 2: the poison; seq 3..: the values.
    let (open, gate) = oneshot::channel();
    worker.send(ProbeMsg::Gate(gate)).await.unwrap();
    assert_eq!(next(&mut rx).await, blocked("worker", 0));
    worker.send(poison).await.unwrap();
    for value in 0..QUEUED {
        worker.send(ProbeMsg::Value(value)).await.unwrap();
    }
    open.send(()).unwrap();

    let letters = node.dead_letters().wait_for(1, WAIT).await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    let letter = &letters[0];
    assert_eq!(letter.recipient, worker.id());
    assert_eq!(letter.recipient_name.as_deref(), Some("worker"));
    assert_eq!(letter.seq, Some(2), "the poison was the second message");
    assert!(letter.message.is_none());
    assert!(letter.message_type.contains("ProbeMsg"), "{}", letter.message_type);
    assert!(letter.reason.contains(reason), "{:?}", letter.reason);

    // The new instance handles everything behind the poison, and only that.
    let mut want = Vec::new();
    if stopped_hook {
        want.push(stopped("worker", 0));
    }
    want.extend([dropped("worker", 0), started("worker", 1)]);
    want.extend((0..QUEUED).map(|v| handled("worker", 1, v)));
    expect_events(&mut rx, &want).await;
    assert_eq!(worker.ask(ProbeMsg::Generation, ASK).await.unwrap(), 1);
    let children = sup.children(ASK).await.unwrap();
    assert_eq!(children[0].restarts, 1, "the poison was not retried");

    assert_eq!(node.dead_letters().total(), 1);
    assert!(node.dead_letters().drain().is_empty());
    assert_quiet(&mut rx);
    within("shutdown", node.shutdown(WAIT)).await;
}

#[tokio::test]
async fn a_panicking_message_is_dead_lettered_once() {
    check(ProbeMsg::Panic("poison pill 42"), "panicked: poison pill 42", false).await;
}

#[tokio::test]
async fn a_failing_message_is_dead_lettered_once() {
    check(ProbeMsg::Fail("poison pill 43"), "poison pill 43", true).await;
}
