//! Stopping a supervisor stops its children in reverse start order, each within its
//! shutdown deadline: a child that finishes in time ends `Stopped` (its `stopped`
//! runs); one stuck in a handler past its deadline is aborted and ends `Killed`, and
//! the supervisor's stop still completes promptly. Nothing is restarted.
mod support;

use std::time::{Duration, Instant};

use mycelium::{ExitReason, Node, RestartStrategy, SpawnOptions, Supervisor, SupervisorMsg};
use support::*;

const DEADLINE: Duration = Duration::from_millis(100);

async fn stop_with_a_stuck_middle_child(strategy: RestartStrategy) {
    let node = Node::new("supervisor-stop");
    let (tx, mut rx) = events();
    let sup = node
        .spawn_started(
            Supervisor::new(strategy)
                .child(probe("a", &tx))
                .child(probe("b", &tx).shutdown(DEADLINE))
                .child(probe("c", &tx)),
            SpawnOptions::new().name("sup"),
        )
        .await
        .unwrap();
    expect_events(&mut rx, &[started("a", 0), started("b", 0), started("c", 0)]).await;
    let [a, b, c] = ["a", "b", "c"].map(|n| node.lookup::<ProbeMsg>(n).unwrap());

    // b is inside a handler that never finishes when the stop arrives.
    b.send(ProbeMsg::Hang).await.unwrap();
    assert_eq!(next(&mut rx).await, blocked("b", 0));

    let began = Instant::now();
    sup.stop();
    assert_eq!(within("the supervisor's end", sup.join()).await, ExitReason::Stopped);
    let took = began.elapsed();
    assert!(took >= DEADLINE, "b was given its deadline ({took:?})");
    assert!(took < Duration::from_secs(2), "b was aborted at its deadline ({took:?})");

    // Reverse start order: c stops, b is aborted (no `stopped`), a stops.
    expect_events(
        &mut rx,
        &[stopped("c", 0), dropped("c", 0), dropped("b", 0), stopped("a", 0), dropped("a", 0)],
    )
    .await;
    assert_eq!(within("c's end", c.join()).await, ExitReason::Stopped);
    assert_eq!(within("b's end", b.join()).await, ExitReason::Killed);
    assert_eq!(within("a's end", a.join()).await, ExitReason::Stopped);
    for name in ["a", "b", "c"] {
        assert!(node.lookup::<ProbeMsg>(name).is_err(), "{name} is unregistered");
    }
    assert!(node.lookup::<SupervisorMsg>("sup").is_err());
    assert_eq!(node.supervision_counters().restarts(), 0);
    assert_quiet(&mut rx);
}

#[tokio::test]
async fn one_for_one_supervisor_stop() {
    stop_with_a_stuck_middle_child(RestartStrategy::OneForOne).await;
}

#[tokio::test]
async fn one_for_all_supervisor_stop() {
    // The killed child's exit must not make a one-for-all supervisor restart the rest.
    stop_with_a_stuck_middle_child(RestartStrategy::OneForAll).await;
}

#[tokio::test]
async fn children_handle_their_queue_before_stopping() {
    let node = Node::new("supervisor-stop-drain");
    let (tx, mut rx) = events();
    let sup = node
        .spawn_started(
            Supervisor::new(RestartStrategy::OneForOne).child(probe("a", &tx)),
            SpawnOptions::new().name("sup"),
        )
        .await
        .unwrap();
    assert_eq!(next(&mut rx).await, started("a", 0));
    let a = node.lookup::<ProbeMsg>("a").unwrap();
    let (open, gate) = tokio::sync::oneshot::channel();
    a.send(ProbeMsg::Gate(gate)).await.unwrap();
    assert_eq!(next(&mut rx).await, blocked("a", 0));
    for v in 0..10 {
        a.send(ProbeMsg::Value(v)).await.unwrap();
    }
    sup.stop();
    open.send(()).unwrap();
    assert_eq!(within("the supervisor's end", sup.join()).await, ExitReason::Stopped);
    let mut want: Vec<_> = (0..10).map(|v| handled("a", 0, v)).collect();
    want.extend([stopped("a", 0), dropped("a", 0)]);
    expect_events(&mut rx, &want).await;
    assert_eq!(within("a's end", a.join()).await, ExitReason::Stopped);
    assert_eq!(node.dead_letters().total(), 0);
}

#[tokio::test]
async fn node_shutdown_stops_a_tree_in_reverse_order() {
    let node = Node::new("supervisor-shutdown");
    let (tx, mut rx) = events();
    node.spawn_started(
        Supervisor::new(RestartStrategy::OneForOne)
            .child(probe("a", &tx))
            .child(probe("b", &tx).shutdown(DEADLINE))
            .child(probe("c", &tx)),
        SpawnOptions::new().name("sup"),
    )
    .await
    .unwrap();
    expect_events(&mut rx, &[started("a", 0), started("b", 0), started("c", 0)]).await;
    let b = node.lookup::<ProbeMsg>("b").unwrap();
    b.send(ProbeMsg::Hang).await.unwrap();
    assert_eq!(next(&mut rx).await, blocked("b", 0));
    let report = within("shutdown", node.shutdown(Duration::from_secs(3))).await;
    assert_eq!(report.stopped.len(), 1, "{report:?}");
    assert!(report.killed.is_empty(), "{report:?}");
    expect_events(
        &mut rx,
        &[stopped("c", 0), dropped("c", 0), dropped("b", 0), stopped("a", 0), dropped("a", 0)],
    )
    .await;
    assert_eq!(within("b's end", b.join()).await, ExitReason::Killed);
}
