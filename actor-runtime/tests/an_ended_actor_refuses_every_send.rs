//! Once an actor has ended, however it ended, every send to it is refused with
//! `Closed` and the message handed back, and what was still queued goes to dead
//! letters, each message exactly once. The edges: a child whose supervisor is aborted
//! at its stop deadline (while the child runs, or while it waits in a restart
//! backoff), a child still draining when `Node::shutdown`'s deadline passes, and a
//! removed child that overruns its shutdown, with a handler that yields (the abort
//! takes) or one that blocks its thread (the abort cannot take).
mod support;

use std::time::Duration;

use mycelium::{Backoff, ExitReason, Node, RestartStrategy, Supervisor};
use support::*;

const QUEUED: u64 = 10;
const SHORT: Duration = Duration::from_millis(100);

/// Queues `QUEUED` values behind the message `a` is busy with.
async fn queue_values(a: &mycelium::ActorRef<ProbeMsg>) {
    for v in 0..QUEUED {
        a.send(ProbeMsg::Value(v)).await.unwrap();
    }
}

/// The values queued at `a` went to dead letters, each once, in order, and no other
/// letter holds a message.
async fn assert_queue_dead_lettered(node: &Node) {
    let mut values = Vec::new();
    within("the dead letters", async {
        while values.len() < QUEUED as usize {
            values.extend(dead_values(&node.dead_letters().wait_for(1, WAIT).await));
        }
    })
    .await;
    assert_eq!(values, (0..QUEUED).collect::<Vec<_>>());
}

/// Runs each scenario on a current-thread runtime and on two workers, where the
/// child's instance and whoever ends it run in parallel.
macro_rules! on_both_runtimes {
    ($($scenario:ident),*) => {
        mod current_thread {
            $(#[tokio::test]
            async fn $scenario() {
                super::$scenario().await
            })*
        }
        mod two_workers {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $scenario() {
                super::$scenario().await
            })*
        }
    };
}

on_both_runtimes!(
    a_child_of_a_supervisor_aborted_at_its_deadline,
    a_child_waiting_in_a_restart_backoff_when_its_supervisor_is_aborted,
    a_slow_child_when_the_node_shutdown_deadline_passes,
    a_removed_child_that_overruns_its_shutdown
);

/// A tree of one child "a" (with a long shutdown deadline) under `sup`.
async fn one_child_tree(
    node: &Node,
    tx: &Events,
    rx: &mut EventRx,
    sup: Supervisor,
) -> mycelium::ActorRef<ProbeMsg> {
    tree_of_one(node, rx, sup.child(probe("a", tx).shutdown(WAIT)), "a").await.1
}

/// A tree of one child "a" with a short shutdown deadline, for removal.
async fn removable_child(
    node: &Node,
    tx: &Events,
    rx: &mut EventRx,
) -> (mycelium::ActorRef<mycelium::SupervisorMsg>, mycelium::ActorRef<ProbeMsg>) {
    let sup = Supervisor::new(RestartStrategy::OneForOne).child(probe("a", tx).shutdown(SHORT));
    tree_of_one(node, rx, sup, "a").await
}

async fn a_child_of_a_supervisor_aborted_at_its_deadline() {
    let node = Node::new("aborted-supervisor");
    let (tx, mut rx) = events();
    let a = one_child_tree(&node, &tx, &mut rx, Supervisor::new(RestartStrategy::OneForOne)).await;
    let (_gate, held) = tokio::sync::oneshot::channel();
    a.send(ProbeMsg::Gate(held)).await.unwrap();
    assert_eq!(next(&mut rx).await, blocked("a", 0));
    queue_values(&a).await;

    // The supervisor waits for `a` (its shutdown is long) and is aborted.
    let sup = node.lookup::<mycelium::SupervisorMsg>("sup").unwrap();
    assert_eq!(within("the stop", sup.stop_within(SHORT)).await, Some(ExitReason::Killed));
    assert_eq!(within("a's end", a.join()).await, ExitReason::Killed);
    assert_refuses_every_send(&a).await;
    assert_queue_dead_lettered(&node).await;
}

async fn a_child_waiting_in_a_restart_backoff_when_its_supervisor_is_aborted() {
    let node = Node::new("aborted-in-backoff");
    let (tx, mut rx) = events();
    let backoff = Backoff { initial: WAIT, max: WAIT };
    let sup = Supervisor::new(RestartStrategy::OneForOne)
        .intensity(5, Duration::from_secs(10))
        .backoff(backoff);
    let a = one_child_tree(&node, &tx, &mut rx, sup).await;
    a.send(ProbeMsg::Panic("a fails")).await.unwrap();
    assert_eq!(next(&mut rx).await, dropped("a", 0));
    queue_values(&a).await;
    // The supervisor is in the backoff once it stops answering.
    let sup = node.lookup::<mycelium::SupervisorMsg>("sup").unwrap();
    within("the backoff", async { while sup.children(Duration::from_millis(20)).await.is_ok() {} })
        .await;
    assert_eq!(within("the stop", sup.stop_within(SHORT)).await, Some(ExitReason::Killed));
    assert_eq!(within("a's end", a.join()).await, ExitReason::Killed);
    assert_refuses_every_send(&a).await;
    assert_queue_dead_lettered(&node).await;
    assert_quiet(&mut rx);
}

async fn a_slow_child_when_the_node_shutdown_deadline_passes() {
    let node = Node::new("shutdown-past-deadline");
    let (tx, mut rx) = events();
    let a = one_child_tree(&node, &tx, &mut rx, Supervisor::new(RestartStrategy::OneForOne)).await;
    let (_gate, held) = tokio::sync::oneshot::channel();
    a.send(ProbeMsg::Gate(held)).await.unwrap();
    assert_eq!(next(&mut rx).await, blocked("a", 0));
    queue_values(&a).await;

    let report = within("shutdown", node.shutdown(SHORT)).await;
    assert_eq!(report.killed.len(), 1, "the supervisor is aborted: {report:?}");
    assert_eq!(within("a's end", a.join()).await, ExitReason::Killed);
    assert_refuses_every_send(&a).await;
    assert_queue_dead_lettered(&node).await;
}

async fn a_removed_child_that_overruns_its_shutdown() {
    let node = Node::new("removed-overrun");
    let (tx, mut rx) = events();
    let (sup, a) = removable_child(&node, &tx, &mut rx).await;
    let (_gate, held) = tokio::sync::oneshot::channel();
    a.send(ProbeMsg::Gate(held)).await.unwrap();
    assert_eq!(next(&mut rx).await, blocked("a", 0));
    queue_values(&a).await;

    within("the removal", sup.remove_child("a", ASK)).await.unwrap();
    assert_eq!(within("a's end", a.join()).await, ExitReason::Killed);
    assert_refuses_every_send(&a).await;
    assert_queue_dead_lettered(&node).await;
}

/// The removed child's handler blocks its thread: the abort cannot take, the runtime
/// gives the instance up. The actor has ended all the same; what its stuck instance
/// had not taken yet is dead-lettered at once, and the rest when the handler returns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_child_whose_handler_blocks_its_thread() {
    let node = Node::new("removed-blocked");
    let (tx, mut rx) = events();
    let (sup, a) = removable_child(&node, &tx, &mut rx).await;
    let (release, held) = std::sync::mpsc::channel();
    a.send(ProbeMsg::Block(held)).await.unwrap();
    assert_eq!(next(&mut rx).await, blocked("a", 0));
    queue_values(&a).await;

    within("the removal", sup.remove_child("a", ASK)).await.unwrap();
    assert_eq!(within("a's end", a.join()).await, ExitReason::Killed);
    assert_refuses_every_send(&a).await;
    assert_queue_dead_lettered(&node).await;
    // The stuck instance lets go: it handles nothing more.
    release.send(()).unwrap();
    assert_eq!(next(&mut rx).await, dropped("a", 0));
    assert_eq!(node.dead_letters().total(), QUEUED, "the message in hand was handled");
    assert_quiet(&mut rx);
}
