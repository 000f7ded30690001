//! A name is exposed to other nodes by one live actor at a time: exposing it again
//! is an error naming why, until that actor ends or the name is unexposed; a peer's
//! lookup then fails cleanly.
mod remote_support;

use mycelium::remote::RemoteError;
use mycelium::{LookupError, Node, Transport};
use remote_support::*;

fn spawn_sink(node: &Node) -> mycelium::ActorRef<Msg> {
    let (out, _rx) = tokio::sync::mpsc::unbounded_channel();
    node.spawn(Sink { out, count: 0, stalled: Vec::new() }).expect("spawn")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_name_cannot_be_exposed_twice() {
    let place = Place::new();
    let server = node(&place, "server").await;
    let first = spawn_sink(&server);
    server.expose("sink", &first).expect("expose");
    let second = spawn_sink(&server);
    match server.expose("sink", &second) {
        Err(RemoteError::Expose { name, why }) => {
            assert_eq!(name, "sink");
            assert!(why.contains("another live actor"), "{why}");
        }
        other => panic!("expected an expose error, got {other:?}"),
    }
    // The first one ends: the name is free again.
    assert!(first.stop_within(WAIT).await.is_some());
    server.expose("sink", &second).expect("expose after the first ended");

    let client = node(&place, "client").await;
    client.connect(addr_of(&server, Transport::Unix)).expect("connect");
    let remote = within("lookup", client.lookup_remote::<Msg>("sink@server", WAIT)).await;
    assert_eq!(remote.expect("lookup").ask(Msg::Count, WAIT).await.expect("ask"), 0);

    assert!(server.unexpose("sink"));
    let gone = client.lookup_remote::<Msg>("sink@server", WAIT).await;
    assert!(matches!(gone, Err(LookupError::Remote { .. })), "{gone:?}");
    client.shutdown(WAIT).await;
    server.shutdown(WAIT).await;
}
