//! An ask never waits for an answer that cannot come: when its request is still
//! queued at an actor that ends (killed, stopped past its deadline, shut down), the
//! request goes to dead letters and the ask fails at once with `DeadLettered`, even
//! with no timeout (`Duration::MAX`). The request's reply port in the dead letter no
//! longer has anyone waiting. A request already handed to a handler is still
//! answered if the handler kept its port.
mod support;

use std::time::Duration;

use mycelium::{
    Actor, ActorError, AskError, ExitReason, Node, ReplyTo, RestartStrategy, Supervisor,
};
use support::*;
use tokio::task::JoinHandle;

/// An unsupervised probe busy with a gate, with an unbounded ask queued behind.
async fn busy_with_an_ask_queued(
    node: &Node,
) -> (
    mycelium::ActorRef<ProbeMsg>,
    tokio::sync::oneshot::Sender<()>,
    JoinHandle<Result<u64, AskError<ProbeMsg>>>,
) {
    let (tx, mut rx) = events();
    let actor = node.spawn(Probe::new("p", &tx)).unwrap();
    std::mem::forget(tx); // the probe reports into a channel nobody reads from now
    assert_eq!(next(&mut rx).await, started("p", 0));
    let (open, gate) = tokio::sync::oneshot::channel::<()>();
    actor.send(ProbeMsg::Gate(gate)).await.unwrap();
    assert_eq!(next(&mut rx).await, blocked("p", 0));
    let ask = ask_queued(&actor).await;
    (actor, open, ask)
}

async fn assert_dead_lettered(node: &Node, ask: JoinHandle<Result<u64, AskError<ProbeMsg>>>) {
    let answer = within("the ask", ask).await.unwrap();
    assert!(matches!(answer, Err(AskError::DeadLettered)), "{answer:?}");
    let letters = node.dead_letters().wait_for(1, WAIT).await;
    let requests: Vec<_> =
        letters.iter().filter_map(|l| l.message.as_ref()?.downcast_ref::<ProbeMsg>()).collect();
    assert_eq!(requests.len(), 1, "{letters:?}");
    let ProbeMsg::Generation(port) = requests[0] else { panic!("not the request") };
    assert!(!port.is_waiting(), "nobody waits on a dead-lettered request's port");
}

#[tokio::test]
async fn when_its_actor_is_killed() {
    let node = Node::new("ask-killed");
    let (actor, open, ask) = busy_with_an_ask_queued(&node).await;
    actor.kill();
    open.send(()).unwrap();
    assert_eq!(within("the end", actor.join()).await, ExitReason::Killed);
    assert_dead_lettered(&node, ask).await;
}

#[tokio::test]
async fn when_its_actor_is_aborted_past_a_stop_deadline() {
    let node = Node::new("ask-aborted");
    let (actor, _open, ask) = busy_with_an_ask_queued(&node).await;
    let stopped = within("the stop", actor.stop_within(Duration::from_millis(50))).await;
    assert_eq!(stopped, Some(ExitReason::Killed));
    assert_dead_lettered(&node, ask).await;
}

#[tokio::test]
async fn when_its_node_shuts_down() {
    let node = Node::new("ask-shutdown");
    let (_actor, _open, ask) = busy_with_an_ask_queued(&node).await;
    within("shutdown", node.shutdown(Duration::from_millis(50))).await;
    assert_dead_lettered(&node, ask).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_its_supervisor_is_killed() {
    let node = Node::new("ask-supervisor-killed");
    let (tx, mut rx) = events();
    let sup = Supervisor::new(RestartStrategy::OneForOne)
        .child(probe("a", &tx).shutdown(Duration::from_millis(50)));
    let (sup, a) = tree_of_one(&node, &mut rx, sup, "a").await;
    let (_open, gate) = tokio::sync::oneshot::channel::<()>();
    a.send(ProbeMsg::Gate(gate)).await.unwrap();
    assert_eq!(next(&mut rx).await, blocked("a", 0));
    let ask = ask_queued(&a).await;
    sup.kill();
    assert_dead_lettered(&node, ask).await;
}

/// Answers each request from a task of its own, once released: the port outlives
/// the actor.
struct Deferring(tokio::sync::watch::Receiver<bool>);

impl Actor for Deferring {
    type Msg = ReplyTo<u64>;
    async fn handle(
        &mut self,
        reply: ReplyTo<u64>,
        ctx: &mut mycelium::Context<Self>,
    ) -> Result<(), ActorError> {
        let mut go = self.0.clone();
        tokio::spawn(async move {
            let _ = go.wait_for(|go| *go).await;
            let _ = reply.send(42);
        });
        ctx.stop();
        Ok(())
    }
}

#[tokio::test]
async fn a_request_handed_to_a_handler_that_keeps_its_port_is_still_answered() {
    let node = Node::new("ask-deferred");
    let (go, wait) = tokio::sync::watch::channel(false);
    let actor = node.spawn(Deferring(wait)).unwrap();
    let asker = actor.clone();
    let ask = tokio::spawn(async move { asker.ask(|r| r, Duration::MAX).await });
    assert_eq!(within("the end", actor.join()).await, ExitReason::Normal);
    go.send(true).unwrap();
    assert_eq!(within("the answer", ask).await.unwrap().unwrap(), 42);
}
