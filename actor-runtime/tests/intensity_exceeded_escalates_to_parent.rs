//! Restart intensity: a supervisor allowed 2 restarts in its window restarts a
//! crashing child twice; the third crash makes it stop its children and fail, and its
//! own supervisor then applies its strategy to it (escalation). Here the root is
//! one-for-all, so its other child is restarted too. The node counts the escalation.
mod support;

use std::time::Duration;

use mycelium::{
    ChildSpec, ChildState, ExitReason, Node, RestartStrategy, SpawnOptions, Supervisor,
};
use support::*;

#[tokio::test]
async fn the_third_crash_in_the_window_escalates_to_the_root() {
    let node = Node::new("escalation");
    let (tx, mut rx) = events();
    let inner_events = tx.clone();
    let inner = move || {
        Supervisor::new(RestartStrategy::OneForOne)
            .intensity(2, Duration::from_secs(10))
            .child(probe("crasher", &inner_events))
    };
    let root = node
        .spawn_started(
            Supervisor::new(RestartStrategy::OneForAll)
                .intensity(5, Duration::from_secs(10))
                .child(ChildSpec::new("inner", inner))
                .child(probe("sibling", &tx)),
            SpawnOptions::new().name("root"),
        )
        .await
        .unwrap();
    expect_events(&mut rx, &[started("crasher", 0), started("sibling", 0)]).await;
    let inner_ref = node.lookup::<mycelium::SupervisorMsg>("inner").unwrap();
    let first_crasher = node.lookup::<ProbeMsg>("crasher").unwrap();

    // Two crashes within the intensity: the inner supervisor restarts its child.
    for generation in 0..2 {
        first_crasher.send(ProbeMsg::Panic("crasher panics")).await.unwrap();
        expect_events(
            &mut rx,
            &[dropped("crasher", generation), started("crasher", generation + 1)],
        )
        .await;
    }
    assert_eq!(node.supervision_counters().escalations(), 0);
    let listed = inner_ref.children(ASK).await.unwrap();
    assert_eq!(listed[0].restarts, 2);

    // The third exceeds it: the inner supervisor gives up, and the root (one-for-all)
    // stops the sibling, then starts a new inner supervisor (with a new crasher) and
    // a new sibling, in order.
    first_crasher.send(ProbeMsg::Panic("crasher panics")).await.unwrap();
    expect_events(
        &mut rx,
        &[
            dropped("crasher", 2),
            stopped("sibling", 0),
            dropped("sibling", 0),
            started("crasher", 0),
            started("sibling", 1),
        ],
    )
    .await;

    let children = root.children(ASK).await.unwrap();
    assert_quiet(&mut rx);
    let listed: Vec<_> =
        children.iter().map(|c| (c.name.as_str(), c.state.clone(), c.restarts)).collect();
    assert_eq!(
        listed,
        vec![("inner", ChildState::Running, 1), ("sibling", ChildState::Running, 1)]
    );
    let counters = node.supervision_counters();
    assert_eq!(counters.escalations(), 1);
    // Two restarts of the crasher, then the root's restart of both its children.
    assert_eq!(counters.restarts(), 4);
    assert!(root.is_alive());

    // The old crasher was given up for good (a supervisor restart makes new
    // children); the inner supervisor keeps its ref and has a fresh child.
    assert_eq!(
        within("the old crasher's end", first_crasher.join()).await,
        ExitReason::Panicked("crasher panics".into())
    );
    let second_crasher = node.lookup::<ProbeMsg>("crasher").unwrap();
    assert_ne!(second_crasher.id(), first_crasher.id());
    let listed = inner_ref.children(ASK).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].id, listed[0].state.clone(), listed[0].restarts),
        (second_crasher.id(), ChildState::Running, 0)
    );
    within("shutdown", node.shutdown(WAIT)).await;
}

#[tokio::test]
async fn a_top_level_supervisor_past_its_intensity_fails() {
    let node = Node::new("escalation-top");
    let (tx, mut rx) = events();
    let sup = node
        .spawn_started(
            Supervisor::new(RestartStrategy::OneForOne)
                .intensity(1, Duration::from_secs(10))
                .child(probe("first", &tx))
                .child(probe("crasher", &tx)),
            SpawnOptions::new().name("sup"),
        )
        .await
        .unwrap();
    expect_events(&mut rx, &[started("first", 0), started("crasher", 0)]).await;
    let first = node.lookup::<ProbeMsg>("first").unwrap();
    let crasher = node.lookup::<ProbeMsg>("crasher").unwrap();
    crasher.send(ProbeMsg::Panic("boom")).await.unwrap();
    expect_events(&mut rx, &[dropped("crasher", 0), started("crasher", 1)]).await;
    crasher.send(ProbeMsg::Panic("boom")).await.unwrap();
    // The supervisor stops the remaining children in reverse order, then fails.
    expect_events(&mut rx, &[dropped("crasher", 1), stopped("first", 0), dropped("first", 0)])
        .await;
    let ExitReason::Failed(why) = within("the supervisor's end", sup.join()).await else {
        panic!("the supervisor must fail");
    };
    assert!(why.contains("restart intensity exceeded"), "{why}");
    assert_eq!(within("first's end", first.join()).await, ExitReason::Stopped);
    assert_eq!(node.supervision_counters().escalations(), 1);
    assert_eq!(node.supervision_counters().restarts(), 1);
}
