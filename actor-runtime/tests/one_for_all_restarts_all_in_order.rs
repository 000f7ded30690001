//! One-for-all: when one child fails, every other child is stopped in reverse start
//! order (each running `stopped`), then all are started again in start order. The
//! siblings' exits caused by the restart are not failures: they neither trigger more
//! restarts nor count against the intensity.
mod support;

use mycelium::{ChildState, Node, RestartStrategy, SpawnOptions, Supervisor};
use support::*;

const NAMES: [&str; 4] = ["a", "b", "c", "d"];

/// The events one failure of `failed` must produce, given `NAMES` in start order.
fn expected(failed: &'static str, stopped_hook: bool) -> Vec<Event> {
    let mut want = Vec::new();
    if stopped_hook {
        want.push(stopped(failed, 0));
    }
    want.push(dropped(failed, 0));
    for name in NAMES.into_iter().rev().filter(|n| *n != failed) {
        want.extend([stopped(name, 0), dropped(name, 0)]);
    }
    want.extend(NAMES.map(|n| started(n, 1)));
    want
}

async fn fail_one_and_check(fail: ProbeMsg, failed: &'static str, stopped_hook: bool) {
    let node = Node::new("one-for-all");
    let (tx, mut rx) = events();
    let mut sup = Supervisor::new(RestartStrategy::OneForAll)
        // One restart allowed: the siblings' stops must not count as more.
        .intensity(1, WAIT);
    for name in NAMES {
        sup = sup.child(probe(name, &tx));
    }
    let sup = node.spawn_started(sup, SpawnOptions::new().name("sup")).await.unwrap();
    expect_events(&mut rx, &NAMES.map(|n| started(n, 0))).await;

    let child = node.lookup::<ProbeMsg>(failed).unwrap();
    child.send(fail).await.unwrap();
    expect_events(&mut rx, &expected(failed, stopped_hook)).await;

    let children = sup.children(ASK).await.unwrap();
    assert_quiet(&mut rx);
    let listed: Vec<_> =
        children.iter().map(|c| (c.name.as_str(), c.state.clone(), c.restarts)).collect();
    assert_eq!(listed, NAMES.map(|n| (n, ChildState::Running, 1)).to_vec());
    assert_eq!(node.supervision_counters().restarts(), 4);
    assert_eq!(node.supervision_counters().escalations(), 0);
    assert!(sup.is_alive());

    // Every child runs its second instance, reached through the refs held before.
    for name in NAMES {
        let r = node.lookup::<ProbeMsg>(name).unwrap();
        assert_eq!(r.ask(ProbeMsg::Generation, ASK).await.unwrap(), 1);
    }
    within("shutdown", node.shutdown(WAIT)).await;
}

#[tokio::test]
async fn a_panicking_middle_child_restarts_all_in_order() {
    fail_one_and_check(ProbeMsg::Panic("b panics"), "b", false).await;
}

#[tokio::test]
async fn a_failing_first_child_restarts_all_in_order() {
    fail_one_and_check(ProbeMsg::Fail("a fails"), "a", true).await;
}

#[tokio::test]
async fn a_panicking_last_child_restarts_all_in_order() {
    fail_one_and_check(ProbeMsg::Panic("d panics"), "d", false).await;
}
