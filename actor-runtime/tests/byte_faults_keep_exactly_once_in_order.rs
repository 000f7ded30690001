//! Bytes lost, duplicated or reordered in transit, on a connection that stays open,
//! never make a link accept a gap, a duplicate or a reorder: the receiver finds the
//! damage (a seal out of order or with a bad tag, or bytes that are not a frame),
//! closes the connection, and the next connection resumes from the last frame it
//! received in order. Every message arrives exactly once, in order.
mod remote_support;

use std::time::Duration;

use mycelium::remote::FaultProxy;
use mycelium::{PeerAddr, RemoteConfig};
use remote_support::*;

const FAULTS: u64 = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_lost_in_transit_are_resent_never_skipped() {
    // From a single byte (mid-frame) to several seals' worth (whole frames gone, the
    // stream realigned on a frame boundary).
    survives(|proxy, n| proxy.drop_next([1, 48, 80, 700, 4096, 20_000][n as usize % 6])).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_duplicated_in_transit_are_never_delivered_twice() {
    survives(|proxy, n| proxy.duplicate_next([1, 48, 80, 208, 4096, 65_536][n as usize % 6])).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_reordered_in_transit_are_never_delivered_out_of_order() {
    survives(|proxy, n| proxy.reorder_next([1, 48, 80, 208, 4096, 65_536][n as usize % 6])).await;
}

/// A stream of tells through the proxy while `fault` damages its bytes `FAULTS`
/// times, one at a time: every tell arrives once, in order.
async fn survives(fault: impl Fn(&FaultProxy, u64)) {
    let place = Place::new();
    let (server, mut seen) = node_with_sink(&place, "server").await;
    // A loss timeout far past every wait: only the damaged bytes can end a
    // connection, never a quiet spell on a busy machine.
    let slow_loss = |c: RemoteConfig| c.loss_timeout(Duration::from_secs(30));
    let client = node_with(&place, "client", slow_loss(config())).await;
    let proxy = FaultProxy::start(server.local_tcp_addr().expect("tcp")).await.expect("proxy");
    client.connect(PeerAddr::new("server").tcp(proxy.addr())).expect("connect");
    let remote =
        within("lookup", client.lookup_remote::<Msg>("sink@server", WAIT)).await.expect("lookup");

    // Sends until told to stop, so that bytes flow while each fault waits for them.
    let stream = Stream::start(&client, remote);
    let mut next = 0;
    let take = |seq: u64, next: &mut u64| {
        assert_eq!(
            seq,
            *next,
            "lost, doubled or reordered: {:?} {:?}",
            client.link_metrics("server"),
            server.link_metrics("client")
        );
        *next += 1;
    };
    let reconnects = || client.link_metrics("server").map_or(0, |m| m.reconnects);
    for n in 0..FAULTS {
        let before = reconnects();
        fault(&proxy, n);
        // Until the damage is done, found, and the connection replaced. Meanwhile
        // the stream is checked.
        within("the fault to be done and found", async {
            while proxy.pending_faults() > 0 || reconnects() == before {
                tokio::select! {
                    got = seen.recv() => take(got.expect("sink ended").1, &mut next),
                    _ = tokio::time::sleep(Duration::from_millis(5)) => {}
                }
            }
        })
        .await;
    }
    let sent = stream.stop().await;
    within("the rest of the stream", async {
        while next < sent {
            take(seen.recv().await.expect("sink ended").1, &mut next);
        }
    })
    .await;
    // Nothing more arrives: no late duplicate.
    assert!(tokio::time::timeout(Duration::from_millis(300), seen.recv()).await.is_err());

    let out = client.link_metrics("server").expect("client link");
    let back = server.link_metrics("client").expect("server link");
    assert!(out.reconnects >= FAULTS, "{out:?}");
    assert!(out.losses + back.losses >= FAULTS, "{out:?} {back:?}");
    // No frame ever passed the checks with a number out of sequence: a proxy cannot
    // forge seals, so every fault is caught before sequence numbers are looked at.
    assert_eq!((back.gaps, back.duplicates), (0, 0), "{back:?}");
    assert_eq!((out.gaps, out.duplicates), (0, 0), "{out:?}");
    assert_eq!(out.dropped_for_restart, 0, "{out:?}");
    client.shutdown(WAIT).await;
    server.shutdown(WAIT).await;
}
