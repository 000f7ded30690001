//! A node's snapshot carries each link's figures (frames and bytes both ways,
//! heartbeat round trips, outbound queue) and the connections refused before they
//! became a link, counted by why, for good.
mod remote_support;

use mycelium::{RemoteConfig, Transport};
use remote_support::*;

#[tokio::test]
async fn links_and_refusals_are_in_the_snapshot() {
    let place = Place::new();
    let (server, mut seen) = node_with_sink(&place, "server").await;
    let client = node(&place, "client").await;
    let sink = remote_sink(&client, &server, Transport::Unix).await;
    for seq in 0..10 {
        sink.send(Msg::Put { sender: 1, seq }).await.expect("send");
    }
    for _ in 0..10 {
        within("a put", seen.recv()).await.expect("sink");
    }
    // Heartbeats every 50 ms: wait for a round trip to be recorded.
    within("a heartbeat round trip", async {
        while client.links().first().is_none_or(|l| l.rtt_ns.is_empty()) {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    })
    .await;

    // Two intruders with the wrong secret.
    for (n, name) in [(1, "intruder-1"), (2, "intruder-2")] {
        let intruder = node_with(&place, name, RemoteConfig::new(b"wrong".as_slice())).await;
        intruder.connect(addr_of(&server, Transport::Tcp)).expect("connect");
        until_remote("the refusal", &server, |m| {
            m.refusals.get("wrong secret").copied().unwrap_or(0) >= n
        })
        .await;
        intruder.shutdown(WAIT).await;
    }

    let s = within("the snapshot", server.snapshot(WAIT)).await;
    let remote = s.remote.expect("remote side started");
    assert!(remote.refusals.get("wrong secret").is_some_and(|n| *n >= 2), "{remote:?}");
    let link = s.links.iter().find(|l| l.peer == "client").expect("the client's link");
    assert!(link.frames_in >= 10 && link.bytes_in > 0, "{link:?}");
    assert_eq!(link.gaps, 0);
    assert!(s.actors.iter().any(|a| a.name.as_deref() == Some("sink")));

    let c = within("the client's snapshot", client.snapshot(WAIT)).await;
    let link = c.links.iter().find(|l| l.peer == "server").expect("the server's link");
    assert!(link.frames_out >= 10 && !link.rtt_ns.is_empty(), "{link:?}");
    client.shutdown(WAIT).await;
    server.shutdown(WAIT).await;
}
