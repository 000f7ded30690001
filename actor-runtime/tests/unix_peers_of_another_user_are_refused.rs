//! Over a Unix socket each end checks the user of the process on the other end
//! (`SO_PEERCRED`) before the handshake: by default only this user's processes; with
//! `RemoteConfig::unix_peers`, the users listed, or anyone. A peer of another user
//! is refused before a byte is read (the listener counts it in `peers_refused`), and
//! a dialer does not talk to a socket served by another user.
mod remote_support;

use std::os::unix::fs::MetadataExt;

use mycelium::remote::UnixPeers;
use mycelium::Transport;
use remote_support::*;

/// A uid that is not ours.
fn someone_else(place: &Place) -> u32 {
    let me = std::fs::metadata(place.dir.path()).expect("stat").uid();
    me.wrapping_add(1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_refuses_processes_of_users_not_allowed() {
    let place = Place::new();
    let other = someone_else(&place);
    let server =
        node_with(&place, "server", config().unix_peers(UnixPeers::Users(vec![other]))).await;
    let client = node(&place, "client").await;
    client.connect(addr_of(&server, Transport::Unix)).expect("connect");
    until_remote("two refusals", &server, |m| m.peers_refused >= 2).await;
    let m = server.remote_metrics().expect("metrics");
    assert_eq!((m.handshakes_completed, m.handshakes_pending), (0, 0), "{m:?}");
    assert!(!client.wait_for_link("server", std::time::Duration::ZERO).await);
    assert!(server.link_metrics("client").is_none());
    client.shutdown(WAIT).await;
    server.shutdown(WAIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dialer_does_not_talk_to_a_socket_served_by_another_user() {
    let place = Place::new();
    let other = someone_else(&place);
    let server = node(&place, "server").await;
    let client =
        node_with(&place, "client", config().unix_peers(UnixPeers::Users(vec![other]))).await;
    client.connect(addr_of(&server, Transport::Unix)).expect("connect");
    // The client hangs up before its Hello, every time.
    until_remote("two connections dropped unheard", &server, |m| m.handshakes_failed >= 2).await;
    let m = server.remote_metrics().expect("metrics");
    assert_eq!(m.handshakes_completed, 0, "{m:?}");
    assert!(server.link_metrics("client").is_none());
    client.shutdown(WAIT).await;
    server.shutdown(WAIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn this_user_by_default_and_anyone_when_asked() {
    let place = Place::new();
    let (server, _seen) = node_with_sink(&place, "server").await;
    let client = node_with(&place, "client", config().unix_peers(UnixPeers::Anyone)).await;
    let remote = remote_sink(&client, &server, Transport::Unix).await;
    assert_eq!(remote.ask(Msg::Count, WAIT).await.expect("ask"), 0);
    assert_eq!(server.remote_metrics().expect("metrics").peers_refused, 0);
    client.shutdown(WAIT).await;
    server.shutdown(WAIT).await;
}
