//! One-for-one: only the child that failed is restarted; its siblings keep their
//! instances (no stop, no start) and their restart counts stay at zero.
mod support;

use mycelium::{ChildState, Node, RestartStrategy, SpawnOptions, Supervisor};
use support::*;

async fn tree(node: &Node, events: &Events) -> mycelium::ActorRef<mycelium::SupervisorMsg> {
    node.spawn_started(
        Supervisor::new(RestartStrategy::OneForOne)
            .intensity(10, WAIT)
            .child(probe("a", events))
            .child(probe("b", events))
            .child(probe("c", events))
            .child(probe("d", events)),
        SpawnOptions::new().name("sup"),
    )
    .await
    .expect("the tree starts")
}

async fn fail_one_and_check(fail: ProbeMsg, failed: &'static str, stopped_hook: bool) {
    let node = Node::new("one-for-one");
    let (tx, mut rx) = events();
    let sup = tree(&node, &tx).await;
    expect_events(&mut rx, &[started("a", 0), started("b", 0), started("c", 0), started("d", 0)])
        .await;

    let child = node.lookup::<ProbeMsg>(failed).unwrap();
    child.send(fail).await.unwrap();
    let mut expected = Vec::new();
    if stopped_hook {
        expected.push(stopped(failed, 0));
    }
    expected.extend([dropped(failed, 0), started(failed, 1)]);
    expect_events(&mut rx, &expected).await;

    // `children()` is answered after the supervisor finished handling the exit, so
    // any stop or start of a sibling would have been reported by now.
    let children = sup.children(ASK).await.unwrap();
    assert_quiet(&mut rx);
    let listed: Vec<_> =
        children.iter().map(|c| (c.name.as_str(), c.state.clone(), c.restarts)).collect();
    let want: Vec<_> = ["a", "b", "c", "d"]
        .into_iter()
        .map(|n| (n, ChildState::Running, u64::from(n == failed)))
        .collect();
    assert_eq!(listed, want);
    assert_eq!(node.supervision_counters().restarts(), 1);

    // Siblings still run their first instance.
    for name in ["a", "b", "c", "d"] {
        let r = node.lookup::<ProbeMsg>(name).unwrap();
        let generation = r.ask(ProbeMsg::Generation, ASK).await.unwrap();
        assert_eq!(generation, u64::from(name == failed), "generation of {name}");
    }
    within("shutdown", node.shutdown(WAIT)).await;
}

#[tokio::test]
async fn a_panicking_middle_child_is_restarted_alone() {
    fail_one_and_check(ProbeMsg::Panic("b panics"), "b", false).await;
}

#[tokio::test]
async fn a_failing_first_child_is_restarted_alone() {
    // An `Err` from a handler is a failure too; `stopped` runs for it.
    fail_one_and_check(ProbeMsg::Fail("a fails"), "a", true).await;
}

#[tokio::test]
async fn a_panicking_last_child_is_restarted_alone() {
    fail_one_and_check(ProbeMsg::Panic("d panics"), "d", false).await;
}
