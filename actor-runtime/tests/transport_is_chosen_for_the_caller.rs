//! The caller never picks a transport: a lookup on this node is local, a peer whose
//! socket file exists on this host is reached over Unix, any other over TCP; the
//! remote lookup is typed like the local one; the Unix socket is private (0600).
mod remote_support;

use std::os::unix::fs::PermissionsExt;

use mycelium::{LookupError, PeerAddr, Transport};
use remote_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_unix_and_tcp_are_chosen_as_specified() {
    let place = Place::new();
    let server = node(&place, "server").await;
    let client = node(&place, "client").await;
    let _seen = sink(&server, "sink");

    // On this node: local, never serialized.
    let here = server.lookup_remote::<Msg>("sink@server", WAIT).await.expect("local lookup");
    assert_eq!(here.transport(), Some(Transport::Local));
    let bare = server.lookup_remote::<Msg>("sink", WAIT).await.expect("bare name");
    assert_eq!(bare.transport(), Some(Transport::Local));

    // The peer advertises a socket path that exists here and a TCP address: Unix.
    let both = PeerAddr::new("server")
        .unix(server.local_unix_path().expect("path"))
        .tcp(server.local_tcp_addr().expect("tcp"));
    assert_eq!(both.choose(), Some(Transport::Unix));
    client.connect(both).expect("connect");
    let remote =
        within("lookup", client.lookup_remote::<Msg>("sink@server", WAIT)).await.expect("lookup");
    assert_eq!(remote.transport(), Some(Transport::Unix));
    assert_eq!(remote.ask(Msg::Count, WAIT).await.expect("ask"), 0);

    // A socket path that does not exist on this host (the peer is elsewhere): TCP.
    let other = node(&place, "other").await;
    let _other_sink = sink(&other, "sink");
    let elsewhere = PeerAddr::new("other")
        .unix(place.dir.path().join("not-on-this-host.sock"))
        .tcp(other.local_tcp_addr().expect("tcp"));
    assert_eq!(elsewhere.choose(), Some(Transport::Tcp));
    client.connect(elsewhere).expect("connect");
    let far =
        within("lookup", client.lookup_remote::<Msg>("sink@other", WAIT)).await.expect("lookup");
    assert_eq!(far.transport(), Some(Transport::Tcp));
    assert_eq!(far.ask(Msg::Count, WAIT).await.expect("ask"), 0);
    assert_eq!(
        client.link_metrics("other").expect("link").state,
        mycelium::remote::LinkState::Up(Transport::Tcp)
    );

    for n in [client, server, other] {
        n.shutdown(WAIT).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_lookup_is_typed() {
    let place = Place::new();
    let server = node(&place, "server").await;
    let client = node(&place, "client").await;
    let _seen = sink(&server, "sink");
    client.connect(addr_of(&server, Transport::Unix)).expect("connect");

    let wrong = client.lookup_remote::<String>("sink@server", WAIT).await;
    match wrong {
        Err(LookupError::TypeMismatch { expected, found, .. }) => {
            assert_eq!(expected, std::any::type_name::<String>());
            assert!(found.ends_with("remote_support::Msg"), "{found}");
        }
        other => panic!("expected a type mismatch, got {other:?}"),
    }
    let missing = client.lookup_remote::<Msg>("nobody@server", WAIT).await;
    assert!(matches!(missing, Err(LookupError::Remote { .. })), "{missing:?}");
    let unknown = client.lookup_remote::<Msg>("sink@nowhere", WAIT).await;
    assert!(matches!(unknown, Err(LookupError::UnknownNode(_))), "{unknown:?}");

    client.shutdown(WAIT).await;
    server.shutdown(WAIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unix_socket_is_private_and_removed_at_shutdown() {
    let place = Place::new();
    let server = node(&place, "server").await;
    let path = server.local_unix_path().expect("path").to_owned();
    let mode = std::fs::metadata(&path).expect("socket file").permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    server.shutdown(WAIT).await;
    assert!(!path.exists(), "socket file left behind");
}
