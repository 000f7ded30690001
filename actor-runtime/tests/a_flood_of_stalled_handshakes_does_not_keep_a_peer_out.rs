//! A flood of sockets that connect and stall their handshake (sending nothing, half
//! a header, or a valid `Hello` and then nothing), and reconnect as soon as they are
//! dropped, cannot keep a peer that knows the secret out: admission evicts the
//! oldest stalled handshake for each newcomer, so the node holds at most its bound
//! of pending handshakes (and of sockets for them), new peers get in and are
//! served, and a link cut during the flood comes back. Judged by counts: every wait
//! is bounded, none is timed.
//!
//! The measurement behind the goal (1,000 flooding sockets, 100 new peers each
//! asking within 1 s) is `flood_goal`, ignored here: run it by hand with
//! `cargo test --release -p mycelium --test a_flood_of_stalled_handshakes_does_not_keep_a_peer_out -- --ignored --nocapture`.
mod remote_support;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mycelium::remote::{FaultProxy, RemoteMetrics};
use mycelium::{Node, PeerAddr, Transport};
use remote_support::flood::{Flood, Target};
use remote_support::*;

/// The server's bound on pending handshakes in the CI test.
const PENDING: usize = 64;
/// Flooding sockets in the CI test: several times the bound.
const SOCKETS: usize = 240;
/// How long a newcomer, or a cut link, may take to get in during the CI test's flood
/// (the 1 s goal is measured in release by `flood_goal`).
const NEWCOMER_WAIT: Duration = Duration::from_secs(60);

fn targets(server: &Node) -> Vec<Target> {
    vec![
        Target::Unix(server.local_unix_path().expect("unix").to_owned()),
        Target::Tcp(server.local_tcp_addr().expect("tcp")),
    ]
}

/// Samples the server's figures until `done`, checking the bound at every sample.
async fn until(what: &str, server: &Node, done: impl Fn(&RemoteMetrics) -> bool) -> RemoteMetrics {
    until_remote(what, server, |m| {
        assert!(m.handshakes_pending <= PENDING, "{m:?}");
        done(m)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_peers_get_in_and_a_cut_link_comes_back_during_a_flood() {
    let place = Place::new();
    let server =
        node_with(&place, "server", config().max_pending_handshakes(PENDING, PENDING)).await;
    let _seen = sink(&server, "sink");
    // A peer linked before the flood, through a proxy that will cut it.
    let proxy = FaultProxy::start(server.local_tcp_addr().expect("tcp")).await.expect("proxy");
    let old = node(&place, "old-friend").await;
    old.connect(PeerAddr::new("server").tcp(proxy.addr())).expect("connect");
    let old_sink =
        within("lookup", old.lookup_remote::<Msg>("sink@server", WAIT)).await.expect("lookup");

    let flood = Flood::start(&targets(&server), SOCKETS);
    let flooded = until("the flood to fill the table and churn", &server, |m| {
        m.handshakes_evicted >= (SOCKETS - PENDING) as u64
    })
    .await;
    assert!(flooded.handshakes_pending <= PENDING);

    // New peers, over each transport, get in and are served.
    for n in 0..6 {
        let transport = if n % 2 == 0 { Transport::Unix } else { Transport::Tcp };
        let client = node(&place, &format!("newcomer-{n}")).await;
        client.connect(addr_of(&server, transport)).expect("connect");
        // A debug build on a loaded host can lose a few handshakes to eviction before
        // one completes; the dialer retries. What counts is that it gets in.
        let lookup = client.lookup_remote::<Msg>("sink@server", NEWCOMER_WAIT).await;
        let remote = lookup.expect("a newcomer gets in");
        remote.ask(Msg::Count, WAIT).await.expect("a newcomer's ask");
        client.shutdown(WAIT).await;
    }
    // The old friend's link, cut, comes back.
    let reconnects = old.link_metrics("server").expect("link").reconnects;
    proxy.cut();
    // Bounded as a newcomer's way in: its dialer retries through the same eviction.
    let back = async {
        while old.link_metrics("server").expect("link").reconnects == reconnects {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(NEWCOMER_WAIT, back).await.expect("the old friend's reconnect");
    old_sink.ask(Msg::Count, WAIT).await.expect("the old friend's ask after the cut");

    let m = until("the newcomers counted", &server, |m| m.handshakes_completed >= 7).await;
    // The flood is still on: its sockets were dropped and came back many times.
    assert!(flood.connections.load(Ordering::Relaxed) > SOCKETS as u64, "{m:?}");
    assert!(m.handshakes_evicted + m.handshakes_failed >= (SOCKETS - PENDING) as u64, "{m:?}");
    flood.stop().await;
    until("the flood's handshakes gone", &server, |m| m.handshakes_pending == 0).await;
    old.shutdown(WAIT).await;
    server.shutdown(WAIT).await;
}

/// The goal, measured: during a flood of 1,000 stalled, reconnecting sockets on the
/// node's default bounds, 100 new peers each connect and complete an ask; how many
/// do so within 1 s, and how long the slowest took; then a cut link's reconnect.
/// The server runs on a thread of its own, as a node in another process would; the
/// flood on another. Prints its figures; asserts nothing about time.
#[test]
#[ignore]
fn flood_goal() {
    const FLOOD: usize = 1000;
    const TRIES: usize = 100;
    let place = Arc::new(Place::new());
    let rt = |threads| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
            .expect("runtime")
    };
    let server_rt = rt(1);
    let server = server_rt.block_on(async {
        let server = node(&place, "server").await;
        let _ = sink(&server, "sink");
        server
    });
    let flood_rt = rt(1);
    let flood = flood_rt.block_on(async {
        let flood = Flood::start(&targets(&server), FLOOD);
        while flood.open.load(Ordering::Relaxed) < 200 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        flood
    });
    let client_rt = rt(1);
    let fds = || std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count());
    client_rt.block_on(async {
        let proxy = FaultProxy::start(server.local_tcp_addr().expect("tcp")).await.expect("proxy");
        let old = node(&place, "old-friend").await;
        old.connect(PeerAddr::new("server").tcp(proxy.addr())).expect("connect");
        let old_sink = old.lookup_remote::<Msg>("sink@server", WAIT).await.expect("lookup");
        let mut times = Vec::new();
        let mut max_pending = 0;
        for n in 0..TRIES {
            let transport = if n % 2 == 0 { Transport::Unix } else { Transport::Tcp };
            let start = Instant::now();
            let client = node(&place, &format!("newcomer-{n}")).await;
            let remote = remote_sink(&client, &server, transport).await;
            remote.ask(Msg::Count, WAIT).await.expect("a newcomer's ask");
            times.push(start.elapsed());
            client.shutdown(WAIT).await;
            max_pending = max_pending.max(server.remote_metrics().expect("m").handshakes_pending);
        }
        let start = Instant::now();
        proxy.cut();
        let reconnects = old.link_metrics("server").expect("link").reconnects;
        while old.link_metrics("server").expect("link").reconnects == reconnects {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        old_sink.ask(Msg::Count, WAIT).await.expect("ask after the cut");
        let reconnect = start.elapsed();
        times.sort();
        let within_1s = times.iter().filter(|t| **t <= Duration::from_secs(1)).count();
        let m = server.remote_metrics().expect("m");
        println!(
            "flood of {FLOOD} stalling sockets, reconnecting: {} connections made",
            flood.connections.load(Ordering::Relaxed)
        );
        println!("new peers that connected and asked within 1 s: {within_1s} of {TRIES}");
        println!(
            "connect + lookup + ask: p50 {:?}, p99 {:?}, max {:?}",
            times[TRIES / 2],
            times[TRIES * 99 / 100 - 1],
            times[TRIES - 1]
        );
        println!("cut link back and asked in {reconnect:?}");
        println!(
            "server: handshakes pending at most {max_pending} (bound {}), {m:?}",
            mycelium::remote::DEFAULT_MAX_PENDING_HANDSHAKES
        );
        println!("descriptors open in this process (flood's own included): {}", fds());
        old.shutdown(WAIT).await;
    });
    flood_rt.block_on(flood.stop());
    server_rt.block_on(server.shutdown(WAIT));
}
