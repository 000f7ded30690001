//! A node that restarts refuses nothing sent to a name it serves: frames that reach
//! it before its actor is made are not "unknown target". Either it exposes its
//! actors before it starts its remote side, or, when it must be linked to its peers
//! first, it reserves their names (`Node::reserve`): frames to a reserved name are
//! held, in order, and delivered once the actor is exposed; a remote lookup of the
//! name works meanwhile. Withdrawing a reservation refuses what was held, never
//! silently.
mod remote_support;

use mycelium::{Node, SendError, Transport};
use remote_support::*;
use tokio::sync::mpsc;

const BEFORE: u64 = 50;
const WHILE_DOWN: u64 = 200;

/// A client streaming to `sink@server`; the first server is up, served `BEFORE`
/// puts, then shut down; the client then queued `WHILE_DOWN` more. Returns the
/// client and its ref.
async fn restart_scene(place: &Place) -> (Node, mycelium::ActorRef<Msg>) {
    let (first, mut seen) = node_with_sink(place, "server").await;
    let client = node(place, "client").await;
    let remote = remote_sink(&client, &first, Transport::Unix).await;
    for seq in 0..BEFORE {
        remote.send(Msg::Put { sender: 0, seq }).await.expect("put");
    }
    assert_eq!(remote.ask(Msg::Count, WAIT).await.expect("count"), BEFORE);
    for _ in 0..BEFORE {
        within("the first server's puts", seen.recv()).await.expect("sink");
    }
    first.shutdown(WAIT).await;
    within("the link to go down", async {
        while client.wait_for_link("server", std::time::Duration::ZERO).await {
            tokio::task::yield_now().await;
        }
    })
    .await;
    for seq in BEFORE..BEFORE + WHILE_DOWN {
        match remote.try_send(Msg::Put { sender: 0, seq }) {
            Ok(()) => {}
            Err(SendError::Unreachable(_)) => panic!("the link's queue holds these"),
            Err(e) => panic!("{e:?}"),
        }
    }
    (client, remote)
}

/// What the restarted server's sink got: every put queued while it was down, once,
/// in order; and nothing refused.
async fn all_arrive(server: &Node, seen: &mut mpsc::UnboundedReceiver<(u32, u64)>) {
    for seq in BEFORE..BEFORE + WHILE_DOWN {
        let got = within("the queued puts", seen.recv()).await.expect("sink");
        assert_eq!(got, (0, seq));
    }
    assert_eq!(server.dead_letters().total(), 0, "{:?}", server.dead_letters().drain());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_exposes_before_it_starts_refuses_nothing() {
    let place = Place::new();
    let (client, _remote) = restart_scene(&place).await;
    let (second, mut seen) = node_with_sink(&place, "server").await;
    all_arrive(&second, &mut seen).await;
    client.shutdown(WAIT).await;
    second.shutdown(WAIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reserved_name_holds_its_frames_until_its_actor_is_exposed() {
    let place = Place::new();
    let (client, remote) = restart_scene(&place).await;
    // The restarted server starts linked but without its sink: it reserves the name.
    let second = Node::new("server");
    second.reserve::<Msg>("sink").expect("reserve");
    let loopback = "127.0.0.1:0".parse().expect("addr");
    second
        .start_remote(config().listen_unix(place.socket("server")).listen_tcp(loopback))
        .await
        .expect("start");
    within("the queued puts to be held", async {
        while second.link_metrics("client").map_or(0, |m| m.held_for_reserved) < WHILE_DOWN as usize
        {
            tokio::task::yield_now().await;
        }
    })
    .await;
    // A lookup already answers, with the reserved type; a put sent now queues behind.
    let looked_up =
        within("lookup", client.lookup_remote::<Msg>("sink@server", WAIT)).await.expect("lookup");
    assert_eq!(looked_up, remote);
    remote.send(Msg::Put { sender: 0, seq: BEFORE + WHILE_DOWN }).await.expect("put");
    assert_eq!(second.dead_letters().total(), 0);

    let mut seen = sink(&second, "sink");
    all_arrive(&second, &mut seen).await;
    let last = within("the put sent while held", seen.recv()).await.expect("sink");
    assert_eq!(last, (0, BEFORE + WHILE_DOWN));
    assert_eq!(second.link_metrics("client").expect("link").held_for_reserved, 0);
    client.shutdown(WAIT).await;
    second.shutdown(WAIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawn_reservation_refuses_what_was_held_never_silently() {
    let place = Place::new();
    let server = Node::new("server");
    server.reserve::<Msg>("sink").expect("reserve");
    let loopback = "127.0.0.1:0".parse().expect("addr");
    server
        .start_remote(config().listen_unix(place.socket("server")).listen_tcp(loopback))
        .await
        .expect("start");
    let client = node(&place, "client").await;
    let remote = remote_sink(&client, &server, Transport::Tcp).await;
    for seq in 0..10 {
        remote.send(Msg::Put { sender: 0, seq }).await.expect("put");
    }
    within("the puts to be held", async {
        while server.link_metrics("client").map_or(0, |m| m.held_for_reserved) < 10 {
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert!(server.unexpose("sink"));
    let letters = server.dead_letters().wait_for(10, WAIT).await;
    assert_eq!(letters.len(), 10, "{letters:?}");
    assert!(letters.iter().all(|l| l.recipient_name.as_deref() == Some("sink")), "{letters:?}");
    // An ask to it now is answered: nothing there.
    let asked = remote.ask(Msg::Count, WAIT).await;
    assert!(matches!(asked, Err(mycelium::AskError::Remote(_))), "{asked:?}");
    client.shutdown(WAIT).await;
    server.shutdown(WAIT).await;
}
