//! A connection cut between two live nodes loses nothing and doubles nothing: the
//! new connection resends what the peer had not acknowledged, and the peer drops
//! what it had already handled. Cuts, mid-frame truncations and a blackhole (found
//! by heartbeats) all recover.
mod remote_support;

use std::time::Duration;

use mycelium::remote::FaultProxy;
use mycelium::PeerAddr;
use remote_support::*;

const MESSAGES: u64 = 200_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_survives_cuts_truncations_and_a_blackhole_exactly_once() {
    survives(config()).await;
}

/// The same over busy-poll links, whose senders write inline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_poll_stream_survives_cuts_exactly_once() {
    survives(config().busy_poll(true)).await;
}

async fn survives(config: mycelium::RemoteConfig) {
    let place = Place::new();
    let (server, mut seen) = node_with_sink(&place, "server").await;
    let client = node_with(&place, "client", config).await;
    let proxy = FaultProxy::start(server.local_tcp_addr().expect("tcp")).await.expect("proxy");
    client.connect(PeerAddr::new("server").tcp(proxy.addr())).expect("connect");
    let remote =
        within("lookup", client.lookup_remote::<Msg>("sink@server", WAIT)).await.expect("lookup");

    let sender = tokio::spawn({
        let client = client.clone();
        async move {
            for seq in 0..MESSAGES {
                send_retrying(&client, &remote, Msg::Put { sender: 0, seq }).await;
            }
        }
    });
    // One fault at a time, each once the link is up again and felt before the next.
    let faults = tokio::spawn({
        let client = client.clone();
        async move {
            let losses = || client.link_metrics("server").map_or(0, |m| m.losses);
            for round in 0..6u32 {
                assert!(client.wait_for_link("server", WAIT).await, "no reconnect");
                let before = losses();
                match round % 3 {
                    0 => proxy.cut(),
                    1 => proxy.truncate_after(1000 + u64::from(round) * 37),
                    _ => {
                        // Swallow everything: only the heartbeats notice.
                        proxy.set_blackhole(true);
                        within("the blackhole to be noticed", async {
                            while losses() == before {
                                tokio::time::sleep(Duration::from_millis(5)).await;
                            }
                        })
                        .await;
                        proxy.set_blackhole(false);
                    }
                }
                within("the fault to be felt", async {
                    while losses() == before {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                })
                .await;
            }
            proxy
        }
    });
    for want in 0..MESSAGES {
        let (_, seq) = within("the stream", seen.recv()).await.expect("sink ended");
        assert_eq!(
            seq,
            want,
            "lost, doubled or reordered across a cut: {:?} {:?}",
            client.link_metrics("server"),
            server.link_metrics("client")
        );
    }
    within("the sender", sender).await.expect("sender");
    let proxy = within("the faults", faults).await.expect("faults");
    // Nothing more arrives: no late duplicate.
    assert!(tokio::time::timeout(Duration::from_millis(300), seen.recv()).await.is_err());

    let sent = client.link_metrics("server").expect("client link");
    let got = server.link_metrics("client").expect("server link");
    assert!(sent.losses >= 6 && sent.reconnects >= 5, "{sent:?}");
    assert!(proxy.connections() >= 6);
    assert_eq!(got.gaps, 0, "{got:?}");
    assert_eq!(sent.dropped_for_restart, 0, "{sent:?}");
    client.shutdown(WAIT).await;
    server.shutdown(WAIT).await;
}
