//! Sequence numbers and acknowledgements from a peer (even an authenticated one)
//! are checked, never trusted: a data frame further on than the next one closes the
//! connection and is not delivered, counted as one gap whatever the number (no
//! counter wraps); an acknowledgement of frames never written, a resume behind what
//! was acknowledged, or a resume without an incarnation closes the connection and
//! changes nothing the link holds. A duplicate is dropped. The link resumes from
//! the last frame received in order.
mod remote_support;

use mycelium::remote::{FrameEncoder, FrameHeader, FrameKind, LinkMetrics, FLAG_ERROR};
use mycelium::{Node, Transport};
use remote_support::raw::*;
use remote_support::*;
use tokio::sync::mpsc;

const INCARNATION: u64 = 0x1234_5679;

async fn server() -> (Place, Node, mpsc::UnboundedReceiver<(u32, u64)>) {
    let place = Place::new();
    let (server, seen) = node_with_sink(&place, "server").await;
    (place, server, seen)
}

fn put(enc: &mut FrameEncoder, sequence: u64) {
    enc.push(to_sink(FrameKind::Tell, sequence), &Msg::Put { sender: 7, seq: sequence })
        .expect("frame a put");
}

fn metrics(server: &Node) -> LinkMetrics {
    server.link_metrics("raw").expect("the raw peer's link")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_far_ahead_is_one_gap_not_accepted_and_the_link_resumes() {
    let (_place, server, mut seen) = server().await;
    let mut raw = RawPeer::connect(&server, Transport::Unix, "raw", INCARNATION, 0, 0).await;
    let theirs = raw.resume.correlation;
    let mut enc = FrameEncoder::new().sealed();
    put(&mut enc, 1);
    put(&mut enc, u64::MAX);
    raw.send(&mut enc).await;
    assert_eq!(raw.until_closed().await, Ended::Eof);
    assert_eq!(within("the first put", seen.recv()).await, Some((7, 1)));
    let m = metrics(&server);
    assert_eq!((m.gaps, m.duplicates, m.auth_failures), (1, 0, 0), "{m:?}");

    // The same peer process comes back: the server resumes after frame 1, and
    // frame 2 is the next it takes.
    let mut raw = RawPeer::connect(&server, Transport::Tcp, "raw", INCARNATION, theirs, 0).await;
    assert_eq!(raw.resume.sequence, 1, "the server has frame 1 and no other");
    put(&mut enc, 2);
    raw.send(&mut enc).await;
    assert_eq!(within("the second put", seen.recv()).await, Some((7, 2)));
    assert!(seen.try_recv().is_err(), "the frame far ahead was delivered");
    assert_eq!(metrics(&server).gaps, 1);
    server.shutdown(WAIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_is_dropped_and_the_connection_carries_on() {
    let (_place, server, mut seen) = server().await;
    let mut raw = RawPeer::connect(&server, Transport::Unix, "raw", INCARNATION, 0, 0).await;
    let mut enc = FrameEncoder::new().sealed();
    put(&mut enc, 1);
    put(&mut enc, 1);
    put(&mut enc, 2);
    raw.send(&mut enc).await;
    assert_eq!(within("the first put", seen.recv()).await, Some((7, 1)));
    assert_eq!(within("the second put", seen.recv()).await, Some((7, 2)));
    let m = metrics(&server);
    assert_eq!((m.duplicates, m.gaps, m.losses), (1, 0, 0), "{m:?}");
    server.shutdown(WAIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ack_of_frames_never_written_closes_the_connection() {
    let (_place, server, _seen) = server().await;
    let mut raw = RawPeer::connect(&server, Transport::Unix, "raw", INCARNATION, 0, 0).await;
    let mut enc = FrameEncoder::new().sealed();
    enc.push_raw(FrameHeader { sequence: 5, ..FrameHeader::new(FrameKind::Ack) }, &[])
        .expect("frame an ack");
    raw.send(&mut enc).await;
    assert_eq!(raw.until_closed().await, Ended::Eof);
    let m = metrics(&server);
    assert_eq!((m.protocol_errors, m.gaps), (1, 0), "{m:?}");
    server.shutdown(WAIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_behind_what_was_acknowledged_closes_the_connection() {
    let (_place, server, _seen) = server().await;
    let mut raw = RawPeer::connect(&server, Transport::Unix, "raw", INCARNATION, 0, 0).await;
    let theirs = raw.resume.correlation;
    // An ask to a name nobody exposes: the server answers with an error reply, its
    // data frame 1 to us, which we acknowledge.
    let mut enc = FrameEncoder::new().sealed();
    let ask = FrameHeader { target: 0xdead, correlation: 9, ..to_sink(FrameKind::Ask, 1) };
    enc.push_raw(ask, &[0; 16]).expect("frame an ask");
    raw.send(&mut enc).await;
    let (reply, _) = raw.next_frame().await.expect("a frame").expect("the error reply");
    assert_eq!(
        (reply.kind, reply.sequence, reply.flags & FLAG_ERROR),
        (FrameKind::Reply, 1, FLAG_ERROR)
    );
    enc.push_raw(FrameHeader { sequence: 1, ..FrameHeader::new(FrameKind::Ack) }, &[])
        .expect("frame an ack");
    raw.send(&mut enc).await;
    // Acknowledged: a cumulative ack of 1 is then redundant, not an error.
    enc.push_raw(FrameHeader { sequence: 1, ..FrameHeader::new(FrameKind::Ack) }, &[])
        .expect("frame an ack");
    raw.send(&mut enc).await;
    // The server has freed frame 1 on our word, and taken the second ack calmly.
    within("the reply to be freed", async {
        while metrics(&server).held_bytes > 0 {
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert_eq!(metrics(&server).protocol_errors, 0);
    drop(raw);
    // Once the server has seen us go...
    within("the server to see us go", async {
        while metrics(&server).losses == 0 {
            tokio::task::yield_now().await;
        }
    })
    .await;
    // ...back, claiming to have had nothing from it: it cannot resend frame 1, freed
    // on our word.
    let mut raw = RawPeer::connect(&server, Transport::Unix, "raw", INCARNATION, theirs, 0).await;
    assert_eq!(raw.until_closed().await, Ended::Eof);
    let m = metrics(&server);
    assert_eq!(m.protocol_errors, 1, "{m:?}");
    server.shutdown(WAIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_without_an_incarnation_closes_the_connection() {
    let (_place, server, _seen) = server().await;
    let mut raw = RawPeer::connect(&server, Transport::Unix, "raw", 0, 0, 0).await;
    assert_eq!(raw.until_closed().await, Ended::Eof);
    assert_eq!(metrics(&server).protocol_errors, 1);
    server.shutdown(WAIT).await;
}
