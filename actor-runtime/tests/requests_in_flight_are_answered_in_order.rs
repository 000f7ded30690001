//! `ActorRef::request` keeps several requests in flight: each reaches the actor in the
//! order sent, between the tells sent around it, and its answer is the one for it;
//! the answers are awaited afterwards, in any order. An answer that cannot come says
//! why as an ask does: `NoReply`, `Timeout`, `DeadLettered`. The same here and across
//! a Unix or TCP link.
mod remote_support;

use std::time::Duration;

use mycelium::{
    Actor, ActorError, ActorRef, AskError, Context, Node, ReplyTo, SpawnOptions, Transport,
};
use remote_support::*;
use tokio::sync::mpsc;

/// Fifty `Put`s, each followed by a `Count` request whose answer is read only after
/// all were sent: the n-th answer counts n puts.
async fn in_flight_in_order(sink: &ActorRef<Msg>) {
    let mut answers = Vec::new();
    for seq in 1..=50 {
        sink.send(Msg::Put { sender: 1, seq }).await.expect("put");
        answers.push(sink.request(Msg::Count, WAIT).await.expect("request"));
    }
    // Awaited last to first: each answer is its own request's, whatever the order.
    for (n, answer) in (1..=50u64).rev().zip(answers.into_iter().rev()) {
        assert_eq!(within("an answer", answer).await.expect("answered"), n);
    }
}

/// A dropped port is `NoReply` at once; a port kept unanswered is `Timeout`.
async fn unanswered(sink: &ActorRef<Msg>) {
    let dropped = sink.request(Msg::Ignore, Duration::from_secs(30)).await.expect("request");
    let started = std::time::Instant::now();
    assert!(matches!(within("no reply", dropped).await, Err(AskError::NoReply)));
    assert!(started.elapsed() < Duration::from_secs(10));
    let stalled = sink.request(Msg::Stall, Duration::from_millis(100)).await.expect("request");
    assert!(matches!(within("a timeout", stalled).await, Err(AskError::Timeout)));
}

#[tokio::test]
async fn local_requests_in_flight_are_answered_in_order() {
    let node = Node::new("here");
    let (out, mut seen) = mpsc::unbounded_channel();
    let sink = node.spawn(Sink { out, count: 0, stalled: Vec::new() }).expect("spawn");
    in_flight_in_order(&sink).await;
    for seq in 1..=50 {
        assert_eq!(seen.recv().await, Some((1, seq)));
    }
    unanswered(&sink).await;
    node.shutdown(WAIT).await;
}

/// With the mailbox full, a request waits for room like a send (it is not
/// reordered before what waits ahead of it), and its answer still comes.
#[tokio::test]
async fn a_request_to_a_full_mailbox_waits_for_room() {
    let node = Node::new("here");
    let (out, mut seen) = mpsc::unbounded_channel();
    let options = SpawnOptions::new().capacity(1);
    let sink =
        node.spawn_with(Sink { out, count: 0, stalled: Vec::new() }, options).expect("spawn");
    let mut answers = Vec::new();
    for seq in 1..=20 {
        sink.send(Msg::Put { sender: 2, seq }).await.expect("put");
        answers.push(sink.request(Msg::Count, WAIT).await.expect("request"));
    }
    for (n, answer) in (1..=20u64).zip(answers) {
        assert_eq!(within("an answer", answer).await.expect("answered"), n);
    }
    for seq in 1..=20 {
        assert_eq!(seen.recv().await, Some((2, seq)));
    }
    node.shutdown(WAIT).await;
}

/// Answers each request with its number, the first only once the gate opens.
struct Gated(Option<tokio::sync::oneshot::Receiver<()>>);

impl Actor for Gated {
    type Msg = (u64, ReplyTo<u64>);
    async fn handle(
        &mut self,
        (n, reply): Self::Msg,
        _: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        if let Some(gate) = self.0.take() {
            let _ = gate.await;
        }
        let _ = reply.send(n);
        Ok(())
    }
}

/// Requests still queued when the actor is killed are dead-lettered, and their
/// answers say so at once, long before their timeout; the one being handled is
/// answered.
#[tokio::test]
async fn an_answer_whose_request_was_dead_lettered_says_so_at_once() {
    let node = Node::new("here");
    let (open, gate) = tokio::sync::oneshot::channel();
    let gated = node.spawn(Gated(Some(gate))).expect("spawn");
    let long = Duration::from_secs(60);
    let first = gated.request(|r| (0, r), long).await.expect("request");
    // Wait until the first is being handled (the mailbox is empty again).
    within("the first taken", async {
        while gated.queued() > 0 {
            tokio::task::yield_now().await;
        }
    })
    .await;
    let mut queued = Vec::new();
    for n in 1..=4 {
        queued.push(gated.request(|r| (n, r), long).await.expect("request"));
    }
    gated.kill();
    let _ = open.send(());
    let started = std::time::Instant::now();
    assert_eq!(within("the first answer", first).await.expect("answered"), 0);
    for answer in queued {
        let answered = within("a dead-lettered answer", answer).await;
        assert!(matches!(answered, Err(AskError::DeadLettered)), "{answered:?}");
    }
    assert!(started.elapsed() < Duration::from_secs(30));
    node.shutdown(WAIT).await;
}

async fn remote_requests(transport: Transport) {
    let place = Place::new();
    let server = node_with(&place, "server", config()).await;
    let client = node_with(&place, "client", config()).await;
    let mut seen = sink(&server, "sink");
    let remote = remote_sink(&client, &server, transport).await;
    in_flight_in_order(&remote).await;
    for seq in 1..=50 {
        assert_eq!(within("a put", seen.recv()).await, Some((1, seq)));
    }
    unanswered(&remote).await;
    client.shutdown(WAIT).await;
    server.shutdown(WAIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_flight_over_unix_are_answered_in_order() {
    remote_requests(Transport::Unix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_flight_over_tcp_are_answered_in_order() {
    remote_requests(Transport::Tcp).await;
}
