//! A slow remote actor pushes back across the wire instead of losing messages: the
//! sender's `try_send` sees `Full`, `send` waits, and everything accepted arrives
//! once. An actor may read remote messages in place, validated but never
//! deserialized.
mod remote_support;

use std::sync::Arc;
use std::time::Duration;

use mycelium::remote::ArchivedMessage;
use mycelium::{Actor, ActorError, Context, Node, SendError, SpawnOptions, Transport};
use remote_support::*;
use tokio::sync::{mpsc, watch};

/// Handles nothing until its gate opens.
struct Gated {
    gate: watch::Receiver<bool>,
    out: mpsc::UnboundedSender<u64>,
}

impl Actor for Gated {
    type Msg = Msg;
    async fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        let _ = self.gate.wait_for(|open| *open).await;
        if let Msg::Put { seq, .. } = msg {
            let _ = self.out.send(seq);
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_remote_actor_pushes_back_and_loses_nothing() {
    let place = Place::new();
    let server = Node::new("server");
    let (open, gate) = watch::channel(false);
    let (out, mut seen) = mpsc::unbounded_channel();
    let gated =
        server.spawn_with(Gated { gate, out }, SpawnOptions::new().capacity(4)).expect("spawn");
    server.expose("sink", &gated).expect("expose");
    let loopback = "127.0.0.1:0".parse().expect("addr");
    server
        .start_remote(config().listen_unix(place.socket("server")).listen_tcp(loopback))
        .await
        .expect("start");
    let client = node_with(&place, "client", config().outbound_bound(32, 1 << 20)).await;
    let remote = remote_sink(&client, &server, Transport::Tcp).await;

    // Fill the mailbox, the server's socket buffers and the link queue, until a send
    // cannot get room for a while: backpressure has reached the sender.
    let mut accepted = 0u64;
    within("the queue to fill", async {
        loop {
            let msg = Msg::Put { sender: 0, seq: accepted };
            match remote.send_timeout(msg, Duration::from_millis(300)).await {
                Ok(()) => accepted += 1,
                Err(SendError::Timeout(Msg::Put { seq, .. })) => break assert_eq!(seq, accepted),
                Err(e) => panic!("unexpected {e:?}"),
            }
        }
    })
    .await;
    match remote.try_send(Msg::Put { sender: 0, seq: accepted }) {
        Err(SendError::Full(Msg::Put { seq, .. })) => assert_eq!(seq, accepted),
        other => panic!("expected Full with the message, got {other:?}"),
    }
    // A waiting send stays pending while nothing drains ...
    let waiting = tokio::spawn({
        let remote = remote.clone();
        async move { remote.send(Msg::Put { sender: 0, seq: accepted }).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!waiting.is_finished(), "send should wait for room");
    // ... and completes once the actor drains; every accepted message arrives once.
    open.send_replace(true);
    within("the waiting send", waiting).await.expect("task").expect("send");
    for want in 0..=accepted {
        assert_eq!(within("a message", seen.recv()).await, Some(want));
    }
    assert!(accepted > 4, "the link carried more than the mailbox holds: {accepted}");
    client.shutdown(WAIT).await;
    server.shutdown(WAIT).await;
}

/// A market-data-like message.
#[derive(Debug, Clone, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
struct Tick {
    symbol: String,
    bid: f64,
    ask: f64,
    seq: u64,
}

/// Takes `Msg` in place (and so cannot answer asks).
struct HoldsArchived;

impl Actor for HoldsArchived {
    type Msg = ArchivedMessage<Msg>;
    async fn handle(
        &mut self,
        _msg: ArchivedMessage<Msg>,
        _ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        Ok(())
    }
}

/// Reads each tick in place.
struct Reader(mpsc::UnboundedSender<(u64, String, f64)>);

impl Actor for Reader {
    type Msg = ArchivedMessage<Tick>;
    async fn handle(
        &mut self,
        msg: ArchivedMessage<Tick>,
        _ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        let tick = msg.get();
        let _ = self.0.send((
            tick.seq.to_native(),
            tick.symbol.as_str().to_owned(),
            tick.ask.to_native(),
        ));
        assert_eq!(msg.to_owned().expect("deserializes too").seq, tick.seq.to_native());
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_actor_reads_remote_messages_in_place() {
    let place = Place::new();
    let server = Node::new("server");
    let (out, mut seen) = mpsc::unbounded_channel();
    let reader = server.spawn(Reader(out)).expect("spawn");
    server.expose_archived::<Tick>("ticks", &reader).expect("expose");
    server.start_remote(config().listen_unix(place.socket("server"))).await.expect("start");
    let client = node(&place, "client").await;
    client.connect(addr_of(&server, Transport::Unix)).expect("connect");

    // Senders name the wire type; the lookup checks it against the exposed one.
    let ticks =
        within("lookup", client.lookup_remote::<Tick>("ticks@server", WAIT)).await.expect("lookup");
    let wrong = client.lookup_remote::<Msg>("ticks@server", WAIT).await;
    assert!(wrong.is_err(), "type mismatch expected");
    let symbols = Arc::new(["BTCUSDT", "ETHUSDT", "XRPUSDT"]);
    for seq in 0..300u64 {
        let symbol = symbols[seq as usize % 3].to_owned();
        ticks
            .send(Tick { symbol, bid: 100.0 + seq as f64, ask: 100.5 + seq as f64, seq })
            .await
            .expect("send");
    }
    // An actor read in place cannot answer: an ask to it fails at once, with why.
    let held = server.spawn(HoldsArchived).expect("spawn");
    server.expose_archived::<Msg>("archived", &held).expect("expose");
    let archived = within("lookup", client.lookup_remote::<Msg>("archived@server", WAIT))
        .await
        .expect("lookup");
    match archived.ask(Msg::Count, WAIT).await {
        Err(mycelium::AskError::Remote(why)) => assert!(why.contains("tells, not asks"), "{why}"),
        other => panic!("expected a refused ask, got {other:?}"),
    }
    for seq in 0..300u64 {
        let (got, symbol, ask) = within("a tick", seen.recv()).await.expect("reader");
        assert_eq!(
            (got, symbol.as_str(), ask),
            (seq, symbols[seq as usize % 3], 100.5 + seq as f64)
        );
    }
    client.shutdown(WAIT).await;
    server.shutdown(WAIT).await;
}
