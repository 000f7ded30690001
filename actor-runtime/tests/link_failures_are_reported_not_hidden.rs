//! A link that goes down is reported, never hidden: sends queue up to the outbound
//! bound and then fail with `Unreachable`, handing the message back; pending asks
//! fail with `LinkLost`; watchers get `Terminated(Unreachable)`; queued messages go
//! out when the link comes back. Two nodes dialing each other end up with one link.
mod remote_support;

use std::time::Duration;

use mycelium::remote::{FaultProxy, LinkState};
use mycelium::{Actor, ActorError, Context, ExitReason, PeerAddr, SendError, Transport};
use remote_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_queue_while_down_then_fail_with_unreachable() {
    let place = Place::new();
    let client = node_with(&place, "client", config().outbound_bound(8, 1 << 20)).await;
    // The peer is not up yet: its socket path is known, nothing listens there.
    let server_path = place.socket("server");
    client.connect(mycelium::PeerAddr::new("server").unix(&server_path)).expect("connect");
    assert!(!client.wait_for_link("server", Duration::from_millis(50)).await);

    // Start the server, look the sink up, then take the server away again.
    let (server, _) = node_with_sink(&place, "server").await;
    let remote =
        within("lookup", client.lookup_remote::<Msg>("sink@server", WAIT)).await.expect("lookup");
    server.shutdown(WAIT).await;
    within("link down", async {
        while client.link_metrics("server").map(|m| m.state) != Some(LinkState::Down) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(!remote.is_alive());
    assert!(matches!(within("join", remote.join()).await, ExitReason::Unreachable(_)));
    // Watching through a link that is down: told at once, as Erlang does.
    let (_watcher, mut told) = watching(&client, &remote).await;
    let t = within("Terminated for a down link", told.recv()).await.expect("watcher");
    assert!(matches!(t.reason, ExitReason::Unreachable(_)), "{t:?}");

    // Down: eight sends wait in the link's queue, the ninth is refused with the message.
    for seq in 0..8 {
        remote.try_send(Msg::Put { sender: 9, seq }).expect("queued while down");
    }
    match remote.send(Msg::Put { sender: 9, seq: 8 }).await {
        Err(SendError::Unreachable(Msg::Put { seq: 8, .. })) => {}
        other => panic!("expected Unreachable with the message, got {other:?}"),
    }
    assert_eq!(remote.queued(), 8);

    // The peer comes back at the same place: the queued messages go out, in order.
    let (server, mut seen) = node_with_sink(&place, "server").await;
    for want in 0..8 {
        assert_eq!(within("a queued message", seen.recv()).await, Some((9, want)));
    }
    assert_eq!(remote.ask(Msg::Count, WAIT).await.expect("ask after reconnect"), 8);
    assert!(client.link_metrics("server").expect("link").reconnects >= 1);
    client.shutdown(WAIT).await;
    server.shutdown(WAIT).await;
}

/// Holds every `Count` request until a `Put` comes, then answers them all with 42.
struct Holding(Vec<mycelium::ReplyTo<u64>>);

impl Actor for Holding {
    type Msg = Msg;
    async fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        match msg {
            Msg::Count(reply) => self.0.push(reply),
            Msg::Put { .. } => {
                for reply in self.0.drain(..) {
                    let _ = reply.send(42);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_link_tells_watchers_and_keeps_pending_asks_for_the_resumed_link() {
    let place = Place::new();
    let server = node(&place, "server").await;
    let holding = server.spawn(Holding(Vec::new())).expect("spawn");
    server.expose("sink", &holding).expect("expose");
    let client = node(&place, "client").await;
    // Through a proxy that can pull the cable while both nodes stay up.
    let proxy = FaultProxy::start(server.local_tcp_addr().expect("tcp")).await.expect("proxy");
    client.connect(PeerAddr::new("server").tcp(proxy.addr())).expect("connect");
    let remote =
        within("lookup", client.lookup_remote::<Msg>("sink@server", WAIT)).await.expect("lookup");

    let (_watcher, mut told) = watching(&client, &remote).await;
    let pending = tokio::spawn({
        let remote = remote.clone();
        async move { remote.ask(Msg::Count, Duration::from_secs(60)).await }
    });
    // Wait until the request is with the silent actor, then lose the link.
    within("the request to arrive", async {
        while client.link_metrics("server").expect("link").frames_out < 2 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    proxy.cut();

    let t = within("Terminated", told.recv()).await.expect("watcher ended");
    assert!(matches!(t.reason, ExitReason::Unreachable(_)), "{t:?}");
    assert_eq!(t.name.as_deref(), Some("sink@server"));
    // Exactly once.
    assert!(tokio::time::timeout(Duration::from_millis(200), told.recv()).await.is_err());

    // The dialer reconnects through the proxy and the link resumes: the ask made
    // before the cut is still waiting, and its answer comes over the new connection.
    assert!(client.wait_for_link("server", WAIT).await);
    assert!(!pending.is_finished(), "the pending ask failed on a cut the link survived");
    remote.send(Msg::Put { sender: 1, seq: 1 }).await.expect("send after reconnect");
    let asked = within("the pending ask", pending).await.expect("task");
    assert_eq!(asked.expect("answered after the reconnect"), 42);
    let m = client.link_metrics("server").expect("link");
    assert!(m.reconnects >= 1 && m.losses >= 1, "{m:?}");
    assert!(proxy.connections() >= 2);
    client.shutdown(WAIT).await;
    server.shutdown(WAIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_dialing_each_other_end_up_with_one_link() {
    for round in 0..5 {
        let place = Place::new();
        let a = node(&place, "alpha").await;
        let b = node(&place, "beta").await;
        let mut seen_a = sink(&a, "sink");
        let mut seen_b = sink(&b, "sink");
        a.connect(addr_of(&b, Transport::Unix)).expect("connect a->b");
        b.connect(addr_of(&a, Transport::Unix)).expect("connect b->a");
        let to_b =
            within("lookup b", a.lookup_remote::<Msg>("sink@beta", WAIT)).await.expect("lookup");
        let to_a =
            within("lookup a", b.lookup_remote::<Msg>("sink@alpha", WAIT)).await.expect("lookup");
        for seq in 0..100 {
            to_b.send(Msg::Put { sender: 1, seq }).await.expect("send");
            to_a.send(Msg::Put { sender: 2, seq }).await.expect("send");
        }
        for seq in 0..100 {
            assert_eq!(within("at beta", seen_b.recv()).await, Some((1, seq)), "round {round}");
            assert_eq!(within("at alpha", seen_a.recv()).await, Some((2, seq)), "round {round}");
        }
        // Settled: one link each way, up, and nothing declared lost.
        tokio::time::sleep(Duration::from_millis(300)).await;
        for (n, peer) in [(&a, "beta"), (&b, "alpha")] {
            assert_eq!(n.links().len(), 1);
            let m = n.link_metrics(peer).expect("link");
            assert!(matches!(m.state, LinkState::Up(_)), "round {round}: {m:?}");
            assert_eq!(m.losses, 0, "round {round}: {m:?}");
        }
        a.shutdown(WAIT).await;
        b.shutdown(WAIT).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_shuts_down_in_order_reports_its_actors_stopped() {
    let place = Place::new();
    let (server, _) = node_with_sink(&place, "server").await;
    let client = node(&place, "client").await;
    let remote = remote_sink(&client, &server, Transport::Unix).await;
    let (_watcher, mut told) = watching(&client, &remote).await;

    // The server stops in order: it says Close, and its actors were stopped.
    server.shutdown(WAIT).await;
    let t = within("Terminated", told.recv()).await.expect("watcher ended");
    assert_eq!(t.reason, ExitReason::Stopped, "{t:?}");
    assert_eq!(t.name.as_deref(), Some("sink@server"));
    assert!(tokio::time::timeout(Duration::from_millis(200), told.recv()).await.is_err());
    client.shutdown(WAIT).await;
}
