//! `Node::shutdown` stops actors in reverse spawn order, and aborts an actor that
//! ignores its stop when the deadline passes.
mod common;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use mycelium::{Actor, ActorError, Context, ExitReason, Node, SpawnError};

struct Logged {
    name: &'static str,
    log: Arc<Mutex<Vec<&'static str>>>,
}

impl Actor for Logged {
    type Msg = ();
    async fn handle(&mut self, _: (), _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        Ok(())
    }
    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        self.log.lock().unwrap().push(self.name);
    }
}

#[tokio::test]
async fn actors_stop_in_reverse_spawn_order() {
    let node = Node::new("shutdown");
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut refs = Vec::new();
    for name in ["first", "second", "third"] {
        refs.push(node.spawn(Logged { name, log: log.clone() }).unwrap());
    }
    let report = within("shutdown", node.shutdown(WAIT)).await;
    assert_eq!(*log.lock().unwrap(), vec!["third", "second", "first"]);
    let ids: Vec<_> = refs.iter().rev().map(|r| r.id()).collect();
    assert_eq!(report.stopped, ids);
    assert!(report.killed.is_empty());
    assert!(matches!(node.spawn(Logged { name: "late", log }), Err(SpawnError::ShuttingDown)));
}

/// Handles its one message by waiting forever: it never gets to look at its stop.
struct Stubborn;

impl Actor for Stubborn {
    type Msg = ();
    async fn handle(&mut self, _: (), _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        std::future::pending::<()>().await;
        Ok(())
    }
}

#[tokio::test]
async fn an_actor_ignoring_stop_is_killed_at_the_deadline() {
    let node = Node::new("shutdown");
    let log = Arc::new(Mutex::new(Vec::new()));
    let polite = node.spawn(Logged { name: "polite", log: log.clone() }).unwrap();
    let stubborn = node.spawn(Stubborn).unwrap();
    stubborn.send(()).await.unwrap();
    while stubborn.queued() > 0 {
        tokio::task::yield_now().await;
    }
    let report = within("shutdown", node.shutdown(Duration::from_millis(100))).await;
    assert_eq!(report.killed, vec![stubborn.id()]);
    assert_eq!(within("stubborn's end", stubborn.join()).await, ExitReason::Killed);
    // The deadline is shared: the stubborn actor used it all, so the polite one, next
    // in line, is aborted at once too rather than being waited for.
    assert!(!polite.is_alive());
}
