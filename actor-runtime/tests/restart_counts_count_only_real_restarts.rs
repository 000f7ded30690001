//! A child's restart count (`children()`) and the node's restart counter count new
//! instances actually started. A group restart (one-for-all, rest-for-one) that
//! reaches a child which has already ended for good (a transient child that exited
//! normally) must not count a restart for it unless a new instance really runs.
mod support;

use mycelium::{ChildState, ExitReason, Node, Restart, RestartStrategy, SpawnOptions, Supervisor};
use support::*;

async fn ended_transient_sibling(strategy: RestartStrategy) {
    let node = Node::new("restart-counts");
    let (tx, mut rx) = events();
    let sup = node
        .spawn_started(
            Supervisor::new(strategy)
                .intensity(10, WAIT)
                .child(probe("failing", &tx))
                .child(probe("done", &tx).restart(Restart::Transient)),
            SpawnOptions::new().name("sup"),
        )
        .await
        .unwrap();
    expect_events(&mut rx, &[started("failing", 0), started("done", 0)]).await;
    let done = node.lookup::<ProbeMsg>("done").unwrap();
    done.send(ProbeMsg::StopSelf).await.unwrap();
    expect_events(&mut rx, &[stopped("done", 0), dropped("done", 0)]).await;
    assert_eq!(within("done's end", done.join()).await, ExitReason::Normal);

    node.lookup::<ProbeMsg>("failing")
        .unwrap()
        .send(ProbeMsg::Panic("failing panics"))
        .await
        .unwrap();
    expect_events(&mut rx, &[dropped("failing", 0), started("failing", 1)]).await;
    let children = sup.children(ASK).await.unwrap();
    // Whether or not the group restart brings the ended child back, its count must
    // match what happened.
    let mut rest = Vec::new();
    while let Ok(e) = rx.try_recv() {
        rest.push(e);
    }
    let revived = rest.contains(&started("done", 1));
    let info = &children[1];
    assert_eq!(info.name, "done");
    if !revived {
        assert_eq!(info.state, ChildState::Ended(ExitReason::Normal));
        assert_eq!(info.restarts, 0, "no instance of `done` was started: {info:?}");
        assert_eq!(node.supervision_counters().restarts(), 1);
    } else {
        assert_eq!(info.state, ChildState::Running);
        assert_eq!(info.restarts, 1);
        assert_eq!(node.supervision_counters().restarts(), 2);
    }
    assert_eq!(children[0].restarts, 1);
    within("shutdown", node.shutdown(WAIT)).await;
}

#[tokio::test]
async fn one_for_all_counts_no_restart_for_an_ended_child() {
    ended_transient_sibling(RestartStrategy::OneForAll).await;
}

#[tokio::test]
async fn rest_for_one_counts_no_restart_for_an_ended_child() {
    ended_transient_sibling(RestartStrategy::RestForOne).await;
}
