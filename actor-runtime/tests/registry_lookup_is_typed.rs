//! The registry: typed lookup, a type mismatch naming both types, unique names,
//! listing, and removal when the actor stops.
mod common;
use common::*;
use mycelium::{Node, RegistryError, SpawnError, SpawnOptions};

#[tokio::test]
async fn lookup_returns_the_same_actor() {
    let node = Node::new("reg");
    let (rec, mut rx) = recorder::<u32>();
    let actor = node.spawn_with(rec, SpawnOptions::new().name("rec")).unwrap();
    let found = node.lookup::<RecMsg<u32>>("rec").unwrap();
    assert_eq!(found, actor);
    found.send(RecMsg::Put(7)).await.unwrap();
    assert_eq!(next(&mut rx).await, 7);
    assert_eq!(actor.to_string(), format!("rec{}", actor.id()));
}

#[tokio::test]
async fn a_type_mismatch_names_both_types() {
    let node = Node::new("reg");
    let (rec, _rx) = recorder::<u32>();
    node.spawn_with(rec, SpawnOptions::new().name("rec")).unwrap();
    let err = node.lookup::<RecMsg<String>>("rec").unwrap_err();
    match &err {
        RegistryError::TypeMismatch { expected, found, .. } => {
            assert!(expected.contains("RecMsg<alloc::string::String>"), "{expected}");
            assert!(found.contains("RecMsg<u32>"), "{found}");
        }
        other => panic!("expected TypeMismatch, got {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("String") && text.contains("u32"), "{text}");
    assert!(matches!(node.lookup::<RecMsg<u32>>("nobody"), Err(RegistryError::NotFound(_))));
}

#[tokio::test]
async fn names_are_unique_and_listed() {
    let node = Node::new("reg");
    let (a, _ra) = recorder::<u32>();
    let (b, _rb) = recorder::<u32>();
    let first = node.spawn_with(a, SpawnOptions::new().name("x")).unwrap();
    let err = node.spawn_with(b, SpawnOptions::new().name("x")).unwrap_err();
    assert_eq!(err, SpawnError::Registry(RegistryError::NameTaken("x".into())));
    node.register("y", &first).unwrap();
    let names: Vec<_> = node.registry().list().into_iter().map(|r| (r.name, r.id)).collect();
    assert_eq!(names, vec![("x".to_string(), first.id()), ("y".to_string(), first.id())]);
}

#[tokio::test]
async fn a_stopped_actor_leaves_the_registry() {
    let node = Node::new("reg");
    let (rec, _rx) = recorder::<u32>();
    let actor = node.spawn_with(rec, SpawnOptions::new().name("gone")).unwrap();
    node.register("alias", &actor).unwrap();
    actor.stop();
    within("the actor's end", actor.join()).await;
    assert!(matches!(node.lookup::<RecMsg<u32>>("gone"), Err(RegistryError::NotFound(_))));
    assert!(matches!(node.lookup::<RecMsg<u32>>("alias"), Err(RegistryError::NotFound(_))));
    assert!(node.registry().list().is_empty());
    // The name is free again.
    let (again, _rx2) = recorder::<u32>();
    node.spawn_with(again, SpawnOptions::new().name("gone")).unwrap();
}
