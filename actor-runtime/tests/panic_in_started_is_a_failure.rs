//! A panic in `started` is a failure of the actor, like a panic in a handler. In a
//! restart, the child is restarted again (even a transient one, which is restarted
//! only after abnormal exits), the reason is `Panicked` with the message, and it
//! counts against the restart intensity. At a child's first start it is no child at
//! all, as in OTP: `add_child` fails with `StartFailed` and the child is not added
//! (a static child fails its whole supervisor's start:
//! `a_supervisor_fails_to_start_when_a_child_does.rs`). Unsupervised,
//! `spawn_started` reports it.
mod support;

use std::time::Duration;

use mycelium::{
    ChildState, ExitReason, Node, Restart, RestartStrategy, SpawnError, SpawnOptions, Supervisor,
    SupervisorError,
};
use support::*;

#[tokio::test]
async fn a_transient_child_panicking_in_started_in_a_restart_is_restarted() {
    let node = Node::new("started-panic");
    let (tx, mut rx) = events();
    let cfg = Cfg { panic_in_started: 1..2, ..Cfg::default() };
    let sup = node
        .spawn_started(
            Supervisor::new(RestartStrategy::OneForOne)
                .intensity(5, Duration::from_secs(10))
                .child(probe_with("worker", &tx, cfg).restart(Restart::Transient)),
            SpawnOptions::new().name("sup"),
        )
        .await
        .unwrap();
    assert_eq!(next(&mut rx).await, started("worker", 0));
    let worker = node.lookup::<ProbeMsg>("worker").unwrap();
    worker.send(ProbeMsg::Panic("worker fails")).await.unwrap();
    expect_events(
        &mut rx,
        &[dropped("worker", 0), started("worker", 1), dropped("worker", 1), started("worker", 2)],
    )
    .await;
    let children = sup.children(ASK).await.unwrap();
    assert_eq!(children[0].state, ChildState::Running);
    assert_eq!(children[0].restarts, 2);
    assert_eq!(node.supervision_counters().restarts(), 2);
    assert_eq!(worker.ask(ProbeMsg::Generation, ASK).await.unwrap(), 2);
    within("shutdown", node.shutdown(WAIT)).await;
}

#[tokio::test]
async fn a_child_that_always_panics_in_started_ends_panicked_and_escalates() {
    let node = Node::new("started-panic-always");
    let (tx, mut rx) = events();
    let cfg = Cfg { panic_in_started: 1..u64::MAX, ..Cfg::default() };
    let sup = node
        .spawn_started(
            Supervisor::new(RestartStrategy::OneForOne).intensity(1, Duration::from_secs(10)),
            SpawnOptions::new().name("sup"),
        )
        .await
        .unwrap();
    let worker = sup.add_child(probe_with("worker", &tx, cfg), ASK).await.unwrap();
    assert_eq!(next(&mut rx).await, started("worker", 0));
    // One restart allowed; the failure in the restart's `started` exceeds the intensity.
    worker.send(ProbeMsg::Panic("worker fails")).await.unwrap();
    expect_events(&mut rx, &[dropped("worker", 0), started("worker", 1), dropped("worker", 1)])
        .await;
    let reason = ExitReason::Panicked("worker failed in started (generation 1)".into());
    assert_eq!(within("the worker's end", worker.join()).await, reason);
    let ExitReason::Failed(why) = within("the supervisor's end", sup.join()).await else {
        panic!("the supervisor must fail");
    };
    assert!(why.contains("restart intensity exceeded"), "{why}");
    assert!(why.contains(&reason.to_string()), "{why}");
    assert_eq!(node.supervision_counters().restarts(), 1);
    assert_eq!(node.supervision_counters().escalations(), 1);
    assert_quiet(&mut rx);
}

#[tokio::test]
async fn add_child_fails_when_the_child_panics_in_its_first_started() {
    for restart in [Restart::Permanent, Restart::Transient, Restart::Temporary] {
        let node = Node::new("started-panic-add");
        let (tx, mut rx) = events();
        let cfg = Cfg { panic_in_started: 0..1, ..Cfg::default() };
        let sup = node
            .spawn_started(
                Supervisor::new(RestartStrategy::OneForOne),
                SpawnOptions::new().name("sup"),
            )
            .await
            .unwrap();
        let added = sup.add_child(probe_with("worker", &tx, cfg).restart(restart), ASK).await;
        let reason = ExitReason::Panicked("worker failed in started (generation 0)".into());
        assert_eq!(
            added.unwrap_err(),
            SupervisorError::StartFailed { child: "worker".into(), reason }
        );
        expect_events(&mut rx, &[started("worker", 0), dropped("worker", 0)]).await;
        assert!(sup.children(ASK).await.unwrap().is_empty());
        assert!(node.lookup::<ProbeMsg>("worker").is_err(), "the name is freed");
        assert_eq!(node.supervision_counters().restarts(), 0);
        assert!(sup.is_alive());
        assert_quiet(&mut rx);
        within("shutdown", node.shutdown(WAIT)).await;
    }
}

#[tokio::test]
async fn spawn_started_reports_a_panic_in_started() {
    let node = Node::new("started-panic-top");
    let (tx, mut rx) = events();
    let probe = Probe::with("top", 0, &tx, Cfg { panic_in_started: 0..1, ..Cfg::default() });
    let result =
        within("spawn_started", node.spawn_started(probe, SpawnOptions::new().name("top"))).await;
    match result {
        Err(SpawnError::StartFailed(reason)) => {
            assert_eq!(reason, ExitReason::Panicked("top failed in started (generation 0)".into()))
        }
        Err(e) => panic!("unexpected error: {e}"),
        Ok(r) => panic!("spawn_started succeeded: {r}"),
    }
    expect_events(&mut rx, &[started("top", 0), dropped("top", 0)]).await;
    assert!(node.lookup::<ProbeMsg>("top").is_err(), "the name is freed");
}
