//! Tell and ask to a remote actor over a Unix socket and over TCP, with the transport
//! observable on the ref; a dropped remote reply port is `NoReply` at once.
mod remote_support;

use std::time::Duration;

use mycelium::{AskError, Transport};
use remote_support::*;

async fn tell_and_ask(transport: Transport) {
    tell_and_ask_with(transport, config()).await;
}

async fn tell_and_ask_with(transport: Transport, config: mycelium::RemoteConfig) {
    let place = Place::new();
    let server = node_with(&place, "server", config.clone()).await;
    let client = node_with(&place, "client", config).await;
    let mut seen = sink(&server, "sink");
    let remote = remote_sink(&client, &server, transport).await;
    assert_eq!(remote.transport(), Some(transport));
    assert_eq!(remote.to_string(), "sink@server");

    remote.send(Msg::Put { sender: 1, seq: 7 }).await.expect("send");
    remote.try_send(Msg::Put { sender: 1, seq: 8 }).expect("try_send");
    remote.send_timeout(Msg::Put { sender: 1, seq: 9 }, WAIT).await.expect("send_timeout");
    for want in 7..=9 {
        assert_eq!(within("a put", seen.recv()).await, Some((1, want)));
    }
    let n = remote.ask(Msg::Count, WAIT).await.expect("ask count");
    assert_eq!(n, 3);
    let loud = remote.ask(|r| Msg::Shout("hello".into(), r), WAIT).await.expect("ask shout");
    assert_eq!(loud, "HELLO");

    // A handler that drops the port: the asker hears at once, long before its timeout.
    let started = std::time::Instant::now();
    let dropped = remote.ask(Msg::Ignore, Duration::from_secs(30)).await;
    assert!(matches!(dropped, Err(AskError::NoReply)), "{dropped:?}");
    assert!(started.elapsed() < Duration::from_secs(10));

    let metrics = client.link_metrics("server").expect("link metrics");
    assert!(metrics.frames_out >= 6, "{metrics:?}");
    assert!(metrics.frames_in >= 3, "{metrics:?}");
    client.shutdown(WAIT).await;
    server.shutdown(WAIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tell_and_ask_over_unix() {
    tell_and_ask(Transport::Unix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tell_and_ask_over_tcp() {
    tell_and_ask(Transport::Tcp).await;
}

#[tokio::test(flavor = "current_thread")]
async fn tell_and_ask_on_one_thread() {
    tell_and_ask(Transport::Unix).await;
}

/// Busy-poll links (spinning readers, inline writes) keep every outcome.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tell_and_ask_over_busy_poll_links() {
    tell_and_ask_with(Transport::Unix, config().busy_poll(true)).await;
    tell_and_ask_with(Transport::Tcp, config().busy_poll(true)).await;
}
