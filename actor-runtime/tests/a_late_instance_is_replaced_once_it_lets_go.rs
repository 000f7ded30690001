//! A sibling stopped for a group restart that overruns its shutdown deadline, in a
//! handler that blocks its thread (so the abort cannot take), is not left for dead:
//! while its old instance holds the mailbox the child is listed `Unresponsive` and
//! sends to it are refused (handed back) rather than piling up; once the old instance
//! lets go, the child is started again, takes over what was queued before, and
//! answers. The pending restart counts against the intensity like any other, and a
//! child stuck for ever ends with its supervisor.
mod support;

use std::time::Duration;

use mycelium::{
    ChildState, ExitReason, Node, RestartStrategy, SendError, SpawnOptions, Supervisor,
    SupervisorMsg,
};
use support::*;

const SHORT: Duration = Duration::from_millis(50);

/// A one-for-all tree of `a` and `b` (b with a short shutdown) where `b` is stuck in
/// a blocking handler with `values` queued behind it, and `a` has just failed.
async fn stuck_sibling_tree(
    node: &Node,
    tx: &Events,
    rx: &mut EventRx,
    max_restarts: u32,
) -> (mycelium::ActorRef<SupervisorMsg>, std::sync::mpsc::Sender<()>) {
    let sup = node
        .spawn_started(
            Supervisor::new(RestartStrategy::OneForAll)
                .intensity(max_restarts, Duration::from_secs(60))
                .child(probe("a", tx))
                .child(probe("b", tx).shutdown(SHORT)),
            SpawnOptions::new().name("sup"),
        )
        .await
        .unwrap();
    expect_events(rx, &[started("a", 0), started("b", 0)]).await;
    let [a, b] = ["a", "b"].map(|n| node.lookup::<ProbeMsg>(n).unwrap());
    let (release, held) = std::sync::mpsc::channel();
    b.send(ProbeMsg::Block(held)).await.unwrap();
    assert_eq!(next(rx).await, blocked("b", 0));
    for v in 0..3 {
        b.send(ProbeMsg::Value(v)).await.unwrap();
    }
    a.send(ProbeMsg::Panic("a fails")).await.unwrap();
    // b overruns its deadline and does not let go; a is started again regardless.
    expect_events(rx, &[dropped("a", 0), started("a", 1)]).await;
    (sup, release)
}

fn states(children: &[mycelium::ChildInfo]) -> Vec<(&str, ChildState, u64)> {
    children.iter().map(|c| (c.name.as_str(), c.state.clone(), c.restarts)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_sibling_is_started_again_once_it_lets_go() {
    let node = Node::new("late-instance");
    let (tx, mut rx) = events();
    let (sup, release) = stuck_sibling_tree(&node, &tx, &mut rx, 5).await;
    let b = node.lookup::<ProbeMsg>("b").unwrap();

    let children = within("children()", sup.children(ASK)).await.unwrap();
    assert_eq!(
        states(&children),
        vec![("a", ChildState::Running, 1), ("b", ChildState::Unresponsive, 0)]
    );
    // Nothing serves b now: sends are refused with the message handed back, not
    // queued where nothing reads them.
    assert!(matches!(b.try_send(ProbeMsg::Value(7)), Err(SendError::Closed(ProbeMsg::Value(7)))));
    let sent = within("a send to b", b.send_timeout(ProbeMsg::Value(8), ASK)).await;
    assert!(matches!(sent, Err(SendError::Closed(ProbeMsg::Value(8)))));

    // Another restart meanwhile leaves b awaited, not forgotten.
    let a = node.lookup::<ProbeMsg>("a").unwrap();
    a.send(ProbeMsg::Panic("a fails again")).await.unwrap();
    expect_events(&mut rx, &[dropped("a", 1), started("a", 2)]).await;
    let children = within("children()", sup.children(ASK)).await.unwrap();
    assert_eq!(
        states(&children),
        vec![("a", ChildState::Running, 2), ("b", ChildState::Unresponsive, 0)]
    );
    assert!(!b.is_alive(), "nothing serves an unresponsive child");

    // The old instance lets go: b starts again and handles what was queued before.
    release.send(()).unwrap();
    let mut want = vec![started("b", 1)];
    want.extend((0..3).map(|v| handled("b", 1, v)));
    skip_until(&mut rx, &dropped("b", 0)).await;
    expect_events(&mut rx, &want).await;
    assert!(b.is_alive());
    assert_eq!(within("b's answer", b.ask(ProbeMsg::Generation, ASK)).await.unwrap(), 1);
    let children = within("children()", sup.children(ASK)).await.unwrap();
    assert_eq!(
        states(&children),
        vec![("a", ChildState::Running, 2), ("b", ChildState::Running, 1)]
    );
    assert_eq!(node.supervision_counters().restarts(), 3);
    assert_eq!(node.dead_letters().total(), 2, "only a's crashing messages");
    within("shutdown", node.shutdown(WAIT)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sibling_stuck_for_ever_counts_and_ends_with_its_supervisor() {
    let node = Node::new("stuck-for-ever");
    let (tx, mut rx) = events();
    // One restart allowed: the first failure is it, the second escalates.
    let (sup, release) = stuck_sibling_tree(&node, &tx, &mut rx, 1).await;
    let [a, b] = ["a", "b"].map(|n| node.lookup::<ProbeMsg>(n).unwrap());
    a.send(ProbeMsg::Panic("a fails again")).await.unwrap();
    let ExitReason::Failed(why) = within("the supervisor's end", sup.join()).await else {
        panic!("the supervisor must fail");
    };
    assert!(why.contains("restart intensity exceeded"), "{why}");
    assert_eq!(within("b's end", b.join()).await, ExitReason::Killed);
    assert_refuses_every_send(&b).await;
    // What was queued for b is dead-lettered once: at once what the stuck instance
    // had not taken, the rest when it lets go. It handles nothing more.
    release.send(()).unwrap();
    let letters = node.dead_letters().wait_for(2 + 3, WAIT).await;
    assert_eq!(dead_values(&letters), vec![0, 1, 2], "{letters:?}");
    skip_until(&mut rx, &dropped("b", 0)).await;
    assert!(!a.is_alive());
}
