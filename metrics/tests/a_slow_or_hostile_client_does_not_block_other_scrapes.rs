//! A slow or hostile client costs the endpoint a bounded amount and never blocks
//! another client's scrape: a request head that trickles in or never comes is cut off
//! at the header timeout, an oversized head is refused, a client that never reads its
//! answer is cut off at the connection timeout while others are served, and clients
//! holding every connection slot delay a scrape only until they are cut off.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use mycelium_metrics::{collector, Gauge, MetricsServer, Registry, ServerConfig};

/// The longest any client here waits for anything: a bound, not an expectation.
const PATIENCE: Duration = Duration::from_secs(20);

/// An endpoint whose answer is about `bytes` long: one family with a help text of that
/// length, a large answer that costs next to nothing to produce (even in a debug build
/// on a loaded machine, so the timeouts below only ever cut off the clients).
async fn server(bytes: usize, max_connections: usize) -> MetricsServer {
    let help: &'static str = Box::leak("x".repeat(bytes).into_boxed_str());
    let large: Gauge<0> = Gauge::new("test_large", help, "", &[]);
    let registry = Arc::new(Registry::new());
    registry.register(collector::from_fn("large", move |b| b.gauge(&large, [], 1)));
    let config = ServerConfig {
        max_connections,
        header_read_timeout: Duration::from_millis(300),
        connection_timeout: Duration::from_secs(2),
        min_scrape_interval: Duration::ZERO,
        ..ServerConfig::on(SocketAddr::from(([127, 0, 0, 1], 0)))
    };
    MetricsServer::start(registry, config).await.expect("start")
}

/// Whether `answer` holds the whole large family: its sample follows the help text.
fn whole(answer: &str) -> bool {
    answer.len() > 8_000_000 && answer.contains("\ntest_large 1\n")
}

/// Whether the server closed `stream`: reads until end of stream or an error; a read
/// that times out (after `PATIENCE`) means it was left open.
fn closed_by_server(mut stream: TcpStream) -> bool {
    stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false
            }
            Err(_) => return true, // reset
        }
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    TcpStream::connect_timeout(&addr, PATIENCE).expect("connect")
}

#[tokio::test]
async fn a_head_that_trickles_in_or_never_comes_is_cut_off() {
    let server = server(100, 3).await;
    let addr = server.local_addr();

    let mut trickle = connect(addr);
    trickle.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n").expect("write");
    let idle = connect(addr);

    assert!(closed_by_server(trickle), "a head that never ends is cut off");
    assert!(closed_by_server(idle), "a connection that sends nothing is cut off");
    common::get(addr, "/metrics");
    server.stop().await;
}

#[tokio::test]
async fn an_oversized_head_is_refused_and_the_endpoint_carries_on() {
    let server = server(100, 3).await;
    let addr = server.local_addr();

    let mut big = connect(addr);
    big.set_write_timeout(Some(PATIENCE)).expect("timeout");
    let head =
        format!("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Filler: {}\r\n\r\n", "a".repeat(64 * 1024));
    // The server may stop reading and close before all of it is written.
    let _ = big.write_all(head.as_bytes());
    big.set_read_timeout(Some(PATIENCE)).expect("timeout");
    let mut answer = Vec::new();
    let _ = big.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(!answer.starts_with("HTTP/1.1 200"), "an oversized head is not served: {answer}");

    common::get(addr, "/metrics");
    server.stop().await;
}

/// A client that sends its request and never reads the answer.
async fn non_reader(addr: SocketAddr) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("small receive buffer");
    let stream = socket.connect(addr).await.expect("connect").into_std().expect("std");
    stream.set_nonblocking(false).expect("blocking");
    (&stream).write_all(b"GET /metrics HTTP/1.0\r\n\r\n").expect("request");
    stream
}

#[tokio::test]
async fn a_client_that_never_reads_does_not_stop_others_being_served() {
    let server = server(8_000_000, 3).await;
    let addr = server.local_addr();
    let _stuck = non_reader(addr).await;
    assert!(whole(&common::get(addr, "/metrics")));
    server.stop().await;
}

#[tokio::test]
async fn a_client_that_never_reads_is_cut_off_at_the_connection_timeout() {
    // 8 MB of text: more than the kernel buffers between the two ends hold (the
    // sender's at most 4 MB by default) once the reader's is pinned small.
    let server = server(8_000_000, 1).await;
    let addr = server.local_addr();
    let full = common::get(addr, "/metrics");
    assert!(whole(&full));
    let full = full.len();

    let mut stuck = non_reader(addr).await;
    // The only slot is the stuck client's: this scrape is served once the server
    // has given up on it.
    assert!(whole(&common::get(addr, "/metrics")));

    stuck.set_read_timeout(Some(PATIENCE)).expect("timeout");
    let mut received = Vec::new();
    match stuck.read_to_end(&mut received) {
        Ok(_) => {}
        Err(e) => assert!(
            !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
            "left open: {e}"
        ),
    }
    assert!(
        received.len() + 1_000 < full,
        "the answer was cut: {} of {full} bytes",
        received.len()
    );
    server.stop().await;
}

#[tokio::test]
async fn clients_holding_every_slot_delay_a_scrape_only_until_they_are_cut_off() {
    let server = server(100, 3).await;
    let addr = server.local_addr();
    let mut holders = Vec::new();
    for _ in 0..3 {
        let mut c = connect(addr);
        c.write_all(b"GET /metrics HTTP/1.1\r\n").expect("write");
        holders.push(c);
    }
    let answer = common::http(addr, "GET", "/metrics", PATIENCE).expect("served once a slot frees");
    assert_eq!(answer.status, 200);
    for c in holders {
        assert!(closed_by_server(c));
    }
    server.stop().await;
}
