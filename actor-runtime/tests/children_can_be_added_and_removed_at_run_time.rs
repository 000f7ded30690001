//! Dynamic children: `add_child` starts a child after the existing ones and returns
//! its ref; `remove_child` stops it (it handles its queue, runs `stopped`) and drops
//! it from the list; `children()` lists every child in start order with its state
//! and restart count. Names are unique among a supervisor's children and are freed
//! on removal.
mod support;

use mycelium::{
    ChildState, ExitReason, Node, Restart, RestartStrategy, SpawnOptions, Supervisor,
    SupervisorError,
};
use support::*;

fn summary(children: &[mycelium::ChildInfo]) -> Vec<(&str, ChildState, u64)> {
    children.iter().map(|c| (c.name.as_str(), c.state.clone(), c.restarts)).collect()
}

#[tokio::test]
async fn add_list_restart_and_remove() {
    let node = Node::new("dynamic");
    let (tx, mut rx) = events();
    let sup = node
        .spawn_started(
            Supervisor::new(RestartStrategy::OneForOne).child(probe("a", &tx)),
            SpawnOptions::new().name("sup"),
        )
        .await
        .unwrap();
    assert_eq!(next(&mut rx).await, started("a", 0));

    // Added at run time, started before add_child returns, after the static child.
    let b = sup.add_child(probe("b", &tx), ASK).await.unwrap();
    assert_eq!(next(&mut rx).await, started("b", 0));
    let c = sup.add_child(probe("c", &tx).restart(Restart::Transient), ASK).await.unwrap();
    assert_eq!(next(&mut rx).await, started("c", 0));
    assert_eq!(node.lookup::<ProbeMsg>("b").unwrap(), b);

    let children = sup.children(ASK).await.unwrap();
    assert_eq!(
        summary(&children),
        vec![
            ("a", ChildState::Running, 0),
            ("b", ChildState::Running, 0),
            ("c", ChildState::Running, 0),
        ]
    );
    assert_eq!(children[1].id, b.id());
    assert_eq!(children[2].id, c.id());
    assert_eq!(children[1].restart, Restart::Permanent);
    assert_eq!(children[2].restart, Restart::Transient);

    // A dynamic child is supervised like a static one.
    b.send(ProbeMsg::Panic("b panics")).await.unwrap();
    expect_events(&mut rx, &[dropped("b", 0), started("b", 1)]).await;
    // A transient child that ends normally stays listed, ended.
    c.send(ProbeMsg::StopSelf).await.unwrap();
    expect_events(&mut rx, &[stopped("c", 0), dropped("c", 0)]).await;
    assert_eq!(within("c's end", c.join()).await, ExitReason::Normal);
    assert_eq!(
        summary(&sup.children(ASK).await.unwrap()),
        vec![
            ("a", ChildState::Running, 0),
            ("b", ChildState::Running, 1),
            ("c", ChildState::Ended(ExitReason::Normal), 0),
        ]
    );

    // Names are unique among the children.
    let dup = sup.add_child(probe("b", &tx), ASK).await;
    assert_eq!(dup.unwrap_err(), SupervisorError::DuplicateChild("b".into()));

    // Removing a child stops it (after what is queued) and frees its name.
    let a = node.lookup::<ProbeMsg>("a").unwrap();
    a.send(ProbeMsg::Value(1)).await.unwrap();
    sup.remove_child("a", ASK).await.unwrap();
    expect_events(&mut rx, &[handled("a", 0, 1), stopped("a", 0), dropped("a", 0)]).await;
    assert_eq!(within("a's end", a.join()).await, ExitReason::Stopped);
    assert!(node.lookup::<ProbeMsg>("a").is_err());
    assert_eq!(
        sup.remove_child("a", ASK).await.unwrap_err(),
        SupervisorError::NoSuchChild("a".into())
    );
    assert_eq!(
        summary(&sup.children(ASK).await.unwrap()),
        vec![("b", ChildState::Running, 1), ("c", ChildState::Ended(ExitReason::Normal), 0),]
    );

    // The name can be used again: a new actor, listed last.
    let a2 = sup.add_child(probe("a", &tx), ASK).await.unwrap();
    assert_eq!(next(&mut rx).await, started("a", 0));
    assert_ne!(a2.id(), a.id());
    let children = sup.children(ASK).await.unwrap();
    assert_eq!(
        summary(&children),
        vec![
            ("b", ChildState::Running, 1),
            ("c", ChildState::Ended(ExitReason::Normal), 0),
            ("a", ChildState::Running, 0),
        ]
    );
    assert_eq!(children[2].id, a2.id());
    assert_eq!(node.supervision_counters().restarts(), 1);

    // Stopping the supervisor stops the running children in reverse start order.
    sup.stop();
    assert_eq!(within("the supervisor's end", sup.join()).await, ExitReason::Stopped);
    expect_events(&mut rx, &[stopped("a", 0), dropped("a", 0), stopped("b", 1), dropped("b", 1)])
        .await;
    assert_quiet(&mut rx);
}

#[tokio::test]
async fn add_child_with_a_name_taken_on_the_node_fails() {
    let node = Node::new("dynamic-taken");
    let (tx, _rx) = events();
    let _other =
        node.spawn_with(Probe::new("taken", &tx), SpawnOptions::new().name("taken")).unwrap();
    let sup = node
        .spawn_started(Supervisor::new(RestartStrategy::OneForOne), SpawnOptions::new().name("sup"))
        .await
        .unwrap();
    let err = sup.add_child(probe("taken", &tx), ASK).await.unwrap_err();
    assert!(matches!(err, SupervisorError::Spawn(_)), "{err:?}");
    assert!(sup.children(ASK).await.unwrap().is_empty());
}
