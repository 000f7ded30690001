//! Rest-for-one: when a child fails, the children started after it are stopped in
//! reverse start order, then the failed child and those are started again in start
//! order. Children started before it are left alone.
mod support;

use mycelium::{ChildState, Node, RestartStrategy, SpawnOptions, Supervisor};
use support::*;

const NAMES: [&str; 4] = ["a", "b", "c", "d"];

async fn fail_one_and_check(fail: ProbeMsg, failed: &'static str, stopped_hook: bool) {
    let node = Node::new("rest-for-one");
    let (tx, mut rx) = events();
    let mut sup = Supervisor::new(RestartStrategy::RestForOne).intensity(1, WAIT);
    for name in NAMES {
        sup = sup.child(probe(name, &tx));
    }
    let sup = node.spawn_started(sup, SpawnOptions::new().name("sup")).await.unwrap();
    expect_events(&mut rx, &NAMES.map(|n| started(n, 0))).await;

    let at = NAMES.iter().position(|n| *n == failed).unwrap();
    let later = &NAMES[at + 1..];
    let mut want = Vec::new();
    if stopped_hook {
        want.push(stopped(failed, 0));
    }
    want.push(dropped(failed, 0));
    for name in later.iter().rev() {
        want.extend([stopped(name, 0), dropped(name, 0)]);
    }
    want.extend(NAMES[at..].iter().map(|n| started(n, 1)));

    node.lookup::<ProbeMsg>(failed).unwrap().send(fail).await.unwrap();
    expect_events(&mut rx, &want).await;

    let children = sup.children(ASK).await.unwrap();
    assert_quiet(&mut rx);
    let listed: Vec<_> =
        children.iter().map(|c| (c.name.as_str(), c.state.clone(), c.restarts)).collect();
    let expected: Vec<_> = NAMES
        .iter()
        .enumerate()
        .map(|(i, n)| (*n, ChildState::Running, u64::from(i >= at)))
        .collect();
    assert_eq!(listed, expected);
    assert_eq!(node.supervision_counters().restarts(), (NAMES.len() - at) as u64);
    for (i, name) in NAMES.iter().enumerate() {
        let r = node.lookup::<ProbeMsg>(name).unwrap();
        let generation = r.ask(ProbeMsg::Generation, ASK).await.unwrap();
        assert_eq!(generation, u64::from(i >= at), "generation of {name}");
    }
    within("shutdown", node.shutdown(WAIT)).await;
}

#[tokio::test]
async fn a_panicking_second_child_restarts_it_and_the_later_ones() {
    fail_one_and_check(ProbeMsg::Panic("b panics"), "b", false).await;
}

#[tokio::test]
async fn a_failing_first_child_restarts_every_child() {
    fail_one_and_check(ProbeMsg::Fail("a fails"), "a", true).await;
}

#[tokio::test]
async fn a_panicking_last_child_restarts_only_itself() {
    fail_one_and_check(ProbeMsg::Panic("d panics"), "d", false).await;
}
