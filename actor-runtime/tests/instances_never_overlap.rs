//! Two instances of one actor never run at the same time: across many restarts, on a
//! multi-threaded runtime, a new instance's `started` runs only after the previous
//! instance has been dropped, both for the failing child and for siblings restarted
//! with it.
mod support;

use std::sync::Arc;
use std::time::Duration;

use mycelium::{ChildState, ExitReason, Node, RestartStrategy, SpawnOptions, Supervisor};
use support::*;

const PANICS: u64 = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_child_never_overlaps_its_previous_instance() {
    let node = Node::new("overlap");
    let (tx, mut rx) = events();
    let live = Arc::new(Live::default());
    let cfg = Cfg { live: Some(live.clone()), ..Cfg::default() };
    let sup = node
        .spawn_started(
            Supervisor::new(RestartStrategy::OneForOne)
                .intensity(PANICS as u32, Duration::from_secs(60))
                .child(probe_with("worker", &tx, cfg)),
            SpawnOptions::new().name("sup"),
        )
        .await
        .unwrap();
    let worker = node.lookup::<ProbeMsg>("worker").unwrap();
    // All the poison at once: each instance takes the next one as soon as it runs.
    for _ in 0..PANICS {
        worker.send(ProbeMsg::Panic("again")).await.unwrap();
    }
    // Each instance starts only after the previous one was dropped.
    for generation in 0..PANICS {
        expect_events(&mut rx, &[started("worker", generation), dropped("worker", generation)])
            .await;
    }
    assert_eq!(next(&mut rx).await, started("worker", PANICS));
    assert_eq!(live.max(), 1, "two instances were alive at once");
    assert_eq!(live.now(), 1);
    let children = sup.children(ASK).await.unwrap();
    assert_eq!(children[0].restarts, PANICS);
    assert_eq!(children[0].state, ChildState::Running);

    sup.stop();
    assert_eq!(within("the supervisor's end", sup.join()).await, ExitReason::Stopped);
    assert_eq!(live.now(), 0);
    assert_eq!(live.max(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn siblings_restarted_together_never_overlap_their_previous_instances() {
    let node = Node::new("overlap-all");
    let (tx, mut rx) = events();
    let names = ["a", "b", "c"];
    let lives: Vec<_> = names.iter().map(|_| Arc::new(Live::default())).collect();
    let mut sup = Supervisor::new(RestartStrategy::OneForAll)
        .intensity(PANICS as u32, Duration::from_secs(60));
    for (name, live) in names.iter().zip(&lives) {
        let cfg = Cfg { live: Some(live.clone()), ..Cfg::default() };
        sup = sup.child(probe_with(name, &tx, cfg));
    }
    let sup = node.spawn_started(sup, SpawnOptions::new().name("sup")).await.unwrap();
    let b = node.lookup::<ProbeMsg>("b").unwrap();
    for _ in 0..PANICS {
        b.send(ProbeMsg::Panic("again")).await.unwrap();
    }
    // Wait for the last restart of the last child.
    skip_until(&mut rx, &started("c", PANICS)).await;
    for (name, live) in names.iter().zip(&lives) {
        assert_eq!(live.max(), 1, "two instances of {name} were alive at once");
        assert_eq!(live.now(), 1, "{name}");
    }
    let children = sup.children(ASK).await.unwrap();
    assert!(children.iter().all(|c| c.restarts == PANICS), "{children:?}");
    within("shutdown", node.shutdown(WAIT)).await;
    for live in &lives {
        assert_eq!(live.now(), 0);
    }
}
