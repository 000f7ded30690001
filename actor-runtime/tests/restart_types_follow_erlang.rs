//! Restart types, as in Erlang: a `Permanent` child is restarted after any exit; a
//! `Transient` one only after an abnormal exit (panic, error, kill), not after
//! `ctx.stop()` or an external `stop()`; a `Temporary` one never, and it is removed
//! from the supervisor's children. A child that is not restarted ends for good: its
//! ref's `join` returns the reason and its mailbox closes.
mod support;

use mycelium::{
    ActorRef, ChildState, ExitReason, Node, Restart, RestartStrategy, SendError, SpawnOptions,
    Supervisor, SupervisorMsg,
};
use support::*;

#[derive(Debug, Clone, Copy)]
enum Exit {
    /// `ctx.stop()` from inside: `Normal`.
    Normal,
    /// A panic in a handler: `Panicked`.
    Panic,
    /// `stop()` on the child's ref from outside: `Stopped`.
    External,
    /// `Err` from a handler: `Failed`.
    Error,
    /// `kill()` on the child's ref: `Killed`.
    Kill,
}

impl Exit {
    fn reason(self) -> ExitReason {
        match self {
            Self::Normal => ExitReason::Normal,
            Self::Panic => ExitReason::Panicked("worker panics".into()),
            Self::External => ExitReason::Stopped,
            Self::Error => ExitReason::Failed("worker fails".into()),
            Self::Kill => ExitReason::Killed,
        }
    }
    /// Whether the instance's `stopped` hook runs (all but a panic).
    fn runs_stopped(self) -> bool {
        !matches!(self, Self::Panic)
    }
    async fn trigger(self, worker: &ActorRef<ProbeMsg>) {
        match self {
            Self::Normal => worker.send(ProbeMsg::StopSelf).await.unwrap(),
            Self::Panic => worker.send(ProbeMsg::Panic("worker panics")).await.unwrap(),
            Self::External => worker.stop(),
            Self::Error => worker.send(ProbeMsg::Fail("worker fails")).await.unwrap(),
            Self::Kill => worker.kill(),
        }
    }
}

async fn setup(restart: Restart) -> (Node, ActorRef<SupervisorMsg>, ActorRef<ProbeMsg>, EventRx) {
    let node = Node::new("restart-types");
    let (tx, mut rx) = events();
    let sup = node
        .spawn_started(
            Supervisor::new(RestartStrategy::OneForOne)
                .intensity(10, WAIT)
                .child(probe("worker", &tx).restart(restart)),
            SpawnOptions::new().name("sup"),
        )
        .await
        .unwrap();
    let worker = node.lookup::<ProbeMsg>("worker").unwrap();
    assert_eq!(next(&mut rx).await, started("worker", 0));
    (node, sup, worker, rx)
}

fn ended(exit: Exit) -> Vec<Event> {
    let mut want = Vec::new();
    if exit.runs_stopped() {
        want.push(stopped("worker", 0));
    }
    want.push(dropped("worker", 0));
    want
}

async fn expect_restarted(restart: Restart, exit: Exit) {
    let (node, sup, worker, mut rx) = setup(restart).await;
    exit.trigger(&worker).await;
    let mut want = ended(exit);
    want.push(started("worker", 1));
    expect_events(&mut rx, &want).await;

    let children = sup.children(ASK).await.unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].name, "worker");
    assert_eq!(children[0].id, worker.id());
    assert_eq!(children[0].restart, restart);
    assert_eq!(children[0].state, ChildState::Running);
    assert_eq!(children[0].restarts, 1);
    assert_eq!(node.supervision_counters().restarts(), 1);

    // The same ref reaches the new instance.
    assert!(worker.is_alive());
    worker.send(ProbeMsg::Value(7)).await.unwrap();
    assert_eq!(next(&mut rx).await, handled("worker", 1, 7));
    within("shutdown", node.shutdown(WAIT)).await;
}

async fn expect_not_restarted(restart: Restart, exit: Exit) {
    let (node, sup, worker, mut rx) = setup(restart).await;
    exit.trigger(&worker).await;
    expect_events(&mut rx, &ended(exit)).await;

    // The supervisor gave the child up: it has ended for good, with the reason.
    assert_eq!(within("the worker's end", worker.join()).await, exit.reason());
    assert!(!worker.is_alive());
    assert!(matches!(worker.send(ProbeMsg::Value(1)).await, Err(SendError::Closed(_))));

    let children = sup.children(ASK).await.unwrap();
    assert_quiet(&mut rx); // no new instance was started
    match restart {
        Restart::Temporary => {
            assert!(children.is_empty(), "a temporary child is removed when it ends: {children:?}")
        }
        _ => {
            assert_eq!(children.len(), 1);
            assert_eq!(children[0].state, ChildState::Ended(exit.reason()));
            assert_eq!(children[0].restarts, 0);
        }
    }
    assert_eq!(node.supervision_counters().restarts(), 0);
    assert!(sup.is_alive());
    within("shutdown", node.shutdown(WAIT)).await;
}

#[tokio::test]
async fn permanent_is_restarted_after_a_normal_exit() {
    expect_restarted(Restart::Permanent, Exit::Normal).await;
}

#[tokio::test]
async fn permanent_is_restarted_after_a_panic() {
    expect_restarted(Restart::Permanent, Exit::Panic).await;
}

#[tokio::test]
async fn permanent_is_restarted_after_an_external_stop() {
    expect_restarted(Restart::Permanent, Exit::External).await;
}

#[tokio::test]
async fn transient_is_not_restarted_after_a_normal_exit() {
    expect_not_restarted(Restart::Transient, Exit::Normal).await;
}

#[tokio::test]
async fn transient_is_restarted_after_a_panic() {
    expect_restarted(Restart::Transient, Exit::Panic).await;
}

#[tokio::test]
async fn transient_is_not_restarted_after_an_external_stop() {
    expect_not_restarted(Restart::Transient, Exit::External).await;
}

#[tokio::test]
async fn transient_is_restarted_after_an_error() {
    expect_restarted(Restart::Transient, Exit::Error).await;
}

#[tokio::test]
async fn transient_is_restarted_after_a_kill() {
    expect_restarted(Restart::Transient, Exit::Kill).await;
}

#[tokio::test]
async fn temporary_is_not_restarted_after_a_normal_exit() {
    expect_not_restarted(Restart::Temporary, Exit::Normal).await;
}

#[tokio::test]
async fn temporary_is_not_restarted_after_a_panic() {
    expect_not_restarted(Restart::Temporary, Exit::Panic).await;
}

#[tokio::test]
async fn temporary_is_not_restarted_after_an_external_stop() {
    expect_not_restarted(Restart::Temporary, Exit::External).await;
}

/// Erlang: "a temporary child process is never restarted (even when the supervisor's
/// restart strategy is rest_for_one or one_for_all and a sibling's death causes the
/// temporary process to be terminated)". It is stopped with its siblings, ends, and is
/// removed; the other affected children are restarted.
async fn temporary_sibling_is_stopped_not_restarted(strategy: RestartStrategy) {
    let node = Node::new("temporary-sibling");
    let (tx, mut rx) = events();
    let sup = node
        .spawn_started(
            Supervisor::new(strategy)
                .intensity(10, WAIT)
                .child(probe("failing", &tx))
                .child(probe("temp", &tx).restart(Restart::Temporary))
                .child(probe("perm", &tx)),
            SpawnOptions::new().name("sup"),
        )
        .await
        .unwrap();
    expect_events(&mut rx, &[started("failing", 0), started("temp", 0), started("perm", 0)]).await;
    let temp = node.lookup::<ProbeMsg>("temp").unwrap();
    node.lookup::<ProbeMsg>("failing")
        .unwrap()
        .send(ProbeMsg::Panic("failing panics"))
        .await
        .unwrap();
    expect_events(
        &mut rx,
        &[
            dropped("failing", 0),
            stopped("perm", 0),
            dropped("perm", 0),
            stopped("temp", 0),
            dropped("temp", 0),
            started("failing", 1),
            // No `started("temp", 1)`.
            started("perm", 1),
        ],
    )
    .await;
    let children = sup.children(ASK).await.unwrap();
    let listed: Vec<_> =
        children.iter().map(|c| (c.name.as_str(), c.state.clone(), c.restarts)).collect();
    assert_eq!(
        listed,
        vec![("failing", ChildState::Running, 1), ("perm", ChildState::Running, 1)],
        "the temporary child is removed, not restarted"
    );
    assert_eq!(within("the temporary child's end", temp.join()).await, ExitReason::Stopped);
    assert_quiet(&mut rx);
    within("shutdown", node.shutdown(WAIT)).await;
}

#[tokio::test]
async fn temporary_sibling_is_not_restarted_by_one_for_all() {
    temporary_sibling_is_stopped_not_restarted(RestartStrategy::OneForAll).await;
}

#[tokio::test]
async fn temporary_sibling_is_not_restarted_by_rest_for_one() {
    temporary_sibling_is_stopped_not_restarted(RestartStrategy::RestForOne).await;
}
