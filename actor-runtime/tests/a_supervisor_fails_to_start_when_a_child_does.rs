//! `spawn_started` of a supervisor fails when one of its children fails to start, as
//! OTP's `start_link` does: the children already started are stopped in reverse
//! order, the later ones are never started, and the error names the child and its
//! reason. Nothing is left registered.
mod support;

use mycelium::{
    ChildSpec, ExitReason, Node, RestartStrategy, SpawnError, SpawnOptions, Supervisor,
    SupervisorMsg,
};
use support::*;

fn failing(name: &'static str, tx: &Events) -> ChildSpec<Probe> {
    probe_with(name, tx, Cfg { panic_in_started: 0..1, ..Cfg::default() })
}

fn start_error(result: Result<mycelium::ActorRef<SupervisorMsg>, SpawnError>) -> String {
    match result {
        Err(SpawnError::StartFailed(ExitReason::Failed(why))) => why,
        Err(e) => panic!("unexpected error {e:?}"),
        Ok(_) => panic!("the supervisor must fail to start"),
    }
}

#[tokio::test]
async fn the_started_children_are_stopped_in_reverse_order() {
    let node = Node::new("failed-start");
    let (tx, mut rx) = events();
    let sup = Supervisor::new(RestartStrategy::OneForOne)
        .intensity(10, WAIT)
        .child(probe("a", &tx))
        .child(probe("b", &tx))
        .child(failing("c", &tx))
        .child(probe("d", &tx));
    let why = start_error(node.spawn_started(sup, SpawnOptions::new().name("sup")).await);
    assert!(why.contains("\"c\""), "names the child: {why}");
    assert!(why.contains("c failed in started (generation 0)"), "gives its reason: {why}");
    expect_events(
        &mut rx,
        &[
            started("a", 0),
            started("b", 0),
            started("c", 0),
            dropped("c", 0),
            stopped("b", 0),
            dropped("b", 0),
            stopped("a", 0),
            dropped("a", 0),
        ],
    )
    .await;
    for name in ["a", "b", "c", "d"] {
        assert!(node.lookup::<ProbeMsg>(name).is_err(), "{name} is unregistered");
    }
    assert!(node.lookup::<SupervisorMsg>("sup").is_err());
    assert_eq!(node.supervision_counters().restarts(), 0);
    assert_quiet(&mut rx);
}

#[tokio::test]
async fn a_nested_failure_fails_the_whole_tree() {
    let node = Node::new("failed-start-nested");
    let (tx, mut rx) = events();
    let inner_tx = tx.clone();
    let root =
        Supervisor::new(RestartStrategy::OneForOne)
            .child(probe("a", &tx))
            .child(ChildSpec::new("inner", move || {
                Supervisor::new(RestartStrategy::OneForOne).child(failing("b", &inner_tx))
            }));
    let why = start_error(node.spawn_started(root, SpawnOptions::new().name("root")).await);
    assert!(why.contains("\"inner\"") && why.contains("\"b\""), "{why}");
    expect_events(
        &mut rx,
        &[started("a", 0), started("b", 0), dropped("b", 0), stopped("a", 0), dropped("a", 0)],
    )
    .await;
    for name in ["root", "inner"] {
        assert!(node.lookup::<SupervisorMsg>(name).is_err(), "{name} is unregistered");
    }
}
