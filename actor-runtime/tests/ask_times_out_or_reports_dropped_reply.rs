//! `ask` answers, times out when the actor is busy (even when it blocks the worker
//! they share), and fails at once (not at the timeout) when the handler drops the
//! reply port.
mod common;
use std::time::{Duration, Instant};

use common::*;
use mycelium::{Actor, ActorError, AskError, Context, Node, ReplyTo};
use tokio::sync::oneshot;

#[tokio::test]
async fn ask_gets_the_answer() {
    let node = Node::new("ask");
    let (rec, _rx) = recorder::<u32>();
    let actor = node.spawn(rec).unwrap();
    assert_eq!(actor.ask(RecMsg::Count, WAIT).await.unwrap(), 0);
}

#[tokio::test]
async fn ask_times_out_when_no_answer_comes() {
    let node = Node::new("ask");
    let (rec, _rx) = recorder::<u32>();
    let actor = node.spawn(rec).unwrap();
    let (_gate, held) = oneshot::channel::<()>();
    actor.send(RecMsg::Hold(held)).await.unwrap();
    let result = actor.ask(RecMsg::Count, Duration::from_millis(50)).await;
    assert!(matches!(result, Err(AskError::Timeout)), "{result:?}");
}

#[tokio::test]
async fn a_dropped_reply_port_is_an_error_not_a_hang() {
    let node = Node::new("ask");
    let (rec, _rx) = recorder::<u32>();
    let actor = node.spawn(rec).unwrap();
    // The ask's own timeout is far beyond the test's bound: only an immediate NoReply
    // passes.
    let result = within("NoReply", actor.ask(RecMsg::Ignore, Duration::from_secs(3600))).await;
    assert!(matches!(result, Err(AskError::NoReply)), "{result:?}");
}

#[tokio::test]
async fn an_ask_without_a_practical_timeout_waits_instead_of_panicking() {
    let node = Node::new("ask");
    let (rec, _rx) = recorder::<u32>();
    let actor = node.spawn(rec).unwrap();
    // Busy, so the ask cannot be answered within its first look and arms its timer.
    let (gate, held) = oneshot::channel::<()>();
    actor.send(RecMsg::Hold(held)).await.unwrap();
    let asking = tokio::spawn({
        let actor = actor.clone();
        async move { actor.ask(RecMsg::Count, Duration::MAX).await }
    });
    tokio::task::yield_now().await;
    gate.send(()).unwrap();
    let answer = within("the answer", asking).await.expect("the ask did not panic");
    assert_eq!(answer.unwrap(), 0);
}

/// Answers only after blocking its thread: a handler that never awaits.
struct Blocking(Duration);

impl Actor for Blocking {
    type Msg = ReplyTo<()>;
    async fn handle(
        &mut self,
        reply: ReplyTo<()>,
        _ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        std::thread::sleep(self.0);
        let _ = reply.send(());
        Ok(())
    }
}

/// The asker's push wakes the actor onto the asker's own worker, where the handler
/// then blocks it. The ask still ends at its timeout: its one yield left the asker
/// where the other worker takes it up and arms its timer (see `ActorRef::ask`), so it
/// does not wait for the handler to return.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ask_times_out_even_when_its_actor_blocks_their_worker() {
    let node = Node::new("ask");
    let actor = node.spawn(Blocking(Duration::from_secs(1))).unwrap();
    let asking = tokio::spawn(async move {
        let start = Instant::now();
        let result = actor.ask(|r| r, Duration::from_millis(50)).await;
        (result, start.elapsed())
    });
    let (result, took) = within("the ask", asking).await.expect("the asking task");
    assert!(matches!(result, Err(AskError::Timeout)), "{result:?}");
    assert!(took < Duration::from_millis(600), "the ask waited {took:?} for the blocked handler");
}
