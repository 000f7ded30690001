//! `stop_within` on an actor whose handler blocks its thread and never yields: the
//! abort cannot take, so after the deadline and a grace of a second it returns
//! `None` and gives the instance up. The actor has ended for everyone else (`Killed`:
//! `join` returns, sends are refused, its name is free, what its instance had not
//! taken is dead-lettered); when the handler returns at last, the instance handles
//! nothing more and what it held goes to dead letters too. `Node::shutdown` reports
//! such an actor as `unresponsive`.
mod support;

use std::time::Duration;

use mycelium::{ExitReason, Node, SpawnOptions};
use support::*;

const SHORT: Duration = Duration::from_millis(50);

async fn blocked_with_values_queued(
    node: &Node,
    rx: &mut EventRx,
    tx: &Events,
) -> (mycelium::ActorRef<ProbeMsg>, std::sync::mpsc::Sender<()>) {
    let actor = node.spawn_with(Probe::new("p", tx), SpawnOptions::new().name("p")).unwrap();
    assert_eq!(next(rx).await, started("p", 0));
    let (release, held) = std::sync::mpsc::channel();
    actor.send(ProbeMsg::Block(held)).await.unwrap();
    assert_eq!(next(rx).await, blocked("p", 0));
    for v in 0..5 {
        actor.send(ProbeMsg::Value(v)).await.unwrap();
    }
    (actor, release)
}

async fn assert_given_up(
    node: &Node,
    actor: &mycelium::ActorRef<ProbeMsg>,
    rx: &mut EventRx,
    release: std::sync::mpsc::Sender<()>,
) {
    assert_eq!(within("the end", actor.join()).await, ExitReason::Killed);
    assert_refuses_every_send(actor).await;
    assert!(node.lookup::<ProbeMsg>("p").is_err(), "the name is free");
    let letters = node.dead_letters().wait_for(5, WAIT).await;
    assert_eq!(dead_values(&letters), vec![0, 1, 2, 3, 4]);
    release.send(()).unwrap();
    assert_eq!(next(rx).await, dropped("p", 0));
    assert_eq!(node.dead_letters().total(), 5);
    assert_quiet(rx);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_within_returns_none_and_the_actor_ends_killed() {
    let node = Node::new("never-yields");
    let (tx, mut rx) = events();
    let (actor, release) = blocked_with_values_queued(&node, &mut rx, &tx).await;
    assert_eq!(within("stop_within", actor.stop_within(SHORT)).await, None);
    assert_given_up(&node, &actor, &mut rx, release).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_shutdown_reports_it_unresponsive() {
    let node = Node::new("never-yields-shutdown");
    let (tx, mut rx) = events();
    let (actor, release) = blocked_with_values_queued(&node, &mut rx, &tx).await;
    let report = within("shutdown", node.shutdown(SHORT)).await;
    assert_eq!(report.unresponsive, vec![actor.id()], "{report:?}");
    assert_given_up(&node, &actor, &mut rx, release).await;
}
