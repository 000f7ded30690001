//! A peer that passed the handshake (it knows the secret, and seals its frames with
//! the session keys) and then sends bad frames harms only its own connection: a frame announcing a payload over the server's
//! limit, or a frame cut short by the end of the stream, gets that connection closed
//! (its link declared lost); a `Tell` whose payload is not a valid archive is not
//! delivered, goes to the dead letters, and the connection carries on. In every case
//! the other peers' links stay up and keep being served, over Unix and TCP.
mod remote_support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use mycelium::remote::{
    decode_payload, FrameEncoder, FrameHeader, FrameKind, LinkState, FLAG_ECHO, HEADER_LEN, TAG_LEN,
};
use mycelium::{ActorRef, Node, Transport};
use remote_support::raw::*;
use remote_support::*;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

/// The server's payload limit in these tests.
const MAX_PAYLOAD: u32 = 1024;

const TRANSPORTS: [Transport; 2] = [Transport::Unix, Transport::Tcp];

/// A raw peer named "attacker", claiming a new incarnation each time: its data
/// frames are numbered from 1.
async fn connect_attacker(server: &Node, transport: Transport) -> RawPeer {
    static INCARNATIONS: AtomicU64 = AtomicU64::new(41);
    let incarnation = INCARNATIONS.fetch_add(2, Ordering::Relaxed);
    RawPeer::connect(server, transport, "attacker", incarnation, 0, 0).await
}

/// A server with an exposed sink and one legit client per transport.
struct Scene {
    _place: Place,
    server: Node,
    seen: mpsc::UnboundedReceiver<(u32, u64)>,
    legit: Vec<(u32, Transport, Node, ActorRef<Msg>)>,
    /// Puts the sink should have counted.
    puts: u64,
    round: u64,
    /// Connections of the attacker's link that ended, as the server counts them.
    attacker_losses: u64,
}

impl Scene {
    async fn start() -> Self {
        let place = Place::new();
        // The loss timeout is far past every wait here: a bad connection can only be
        // closed for its bad frame, never for being quiet.
        let limits = config().max_payload(MAX_PAYLOAD).loss_timeout(Duration::from_secs(30));
        let server = node_with(&place, "server", limits).await;
        let seen = sink(&server, "sink");
        let mut legit = Vec::new();
        for (id, transport) in (1..).zip(TRANSPORTS) {
            let name = format!("legit-{transport}");
            // A loss timeout the legit links cannot hit on a busy machine: any loss
            // counted on them is the attacks' doing.
            let client =
                node_with(&place, &name, config().loss_timeout(Duration::from_secs(5))).await;
            let remote = remote_sink(&client, &server, transport).await;
            assert_eq!(remote.transport(), Some(transport));
            legit.push((id, transport, client, remote));
        }
        let mut scene =
            Self { _place: place, server, seen, legit, puts: 0, round: 0, attacker_losses: 0 };
        scene.legit_clients_are_served().await;
        scene
    }

    /// Every legit client tells a `Put` that arrives and asks for the count.
    async fn legit_clients_are_served(&mut self) {
        self.round += 1;
        for (id, transport, _, remote) in &self.legit {
            remote.send(Msg::Put { sender: *id, seq: self.round }).await.expect("legit put");
            let got = within("the legit put", self.seen.recv()).await;
            assert_eq!(got, Some((*id, self.round)), "over {transport}");
            self.puts += 1;
            let count = remote.ask(Msg::Count, WAIT).await.expect("legit ask");
            assert_eq!(count, self.puts, "over {transport}");
        }
    }

    /// The server has declared the attacker's link lost once more, and only it.
    async fn attacker_link_is_lost(&mut self) {
        self.attacker_losses += 1;
        let want = self.attacker_losses;
        let server = &self.server;
        within("the attacker's link to be declared lost", async {
            loop {
                let m = server.link_metrics("attacker").expect("the attacker's link");
                if m.state == LinkState::Down && m.losses == want {
                    return;
                }
                assert!(m.losses <= want, "{m:?}");
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        self.legit_links_are_untouched();
    }

    fn legit_links_are_untouched(&self) {
        for (_, transport, client, _) in &self.legit {
            let name = client.name();
            let on_server = self.server.link_metrics(name).expect("the server's legit link");
            assert_eq!(on_server.state, LinkState::Up(*transport), "{on_server:?}");
            assert_eq!(on_server.losses, 0, "{on_server:?}");
            let on_client = client.link_metrics("server").expect("the client's link");
            assert_eq!(on_client.state, LinkState::Up(*transport), "{on_client:?}");
            assert_eq!(on_client.losses, 0, "{on_client:?}");
        }
    }

    async fn finish(mut self) {
        assert!(self.seen.try_recv().is_err(), "the sink saw a put nobody accounted for");
        self.legit_links_are_untouched();
        for (_, _, client, _) in self.legit.drain(..) {
            client.shutdown(WAIT).await;
        }
        self.server.shutdown(WAIT).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_frame_closes_only_that_connection() {
    let mut scene = Scene::start().await;
    for transport in TRANSPORTS {
        // A seal announcing a megabyte; its bytes never come, and the stream stays
        // open: the server must decide from the seal's header alone.
        let mut attacker = connect_attacker(&scene.server, transport).await;
        let seal = FrameHeader {
            sequence: attacker.sealer.next_number(),
            payload_len: 1_000_000,
            ..FrameHeader::new(FrameKind::Seal)
        };
        attacker.write_raw(&header_bytes(seal)).await;
        assert_eq!(attacker.until_closed().await, Ended::Eof, "{transport}");
        scene.attacker_link_is_lost().await;
        scene.legit_clients_are_served().await;

        // A well sealed frame announcing a megabyte of payload: refused from its
        // header, before anything is allocated for it.
        let mut attacker = connect_attacker(&scene.server, transport).await;
        let frame = FrameHeader { payload_len: 1_000_000, ..to_sink(FrameKind::Tell, 1) };
        let seal = seal_raw(&mut attacker.sealer, &header_bytes(frame));
        attacker.write_raw(&seal).await;
        assert_eq!(attacker.until_closed().await, Ended::Eof, "{transport}");
        scene.attacker_link_is_lost().await;
        scene.legit_clients_are_served().await;
    }
    assert_eq!(scene.server.dead_letters().total(), 0, "{:?}", scene.server.dead_letters().drain());
    scene.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_frame_closes_only_that_connection() {
    let mut scene = Scene::start().await;
    for transport in TRANSPORTS {
        let mut attacker = connect_attacker(&scene.server, transport).await;
        // A seal announcing a frame of 64 bytes and a tag, 10 bytes of it, then the
        // end of our side.
        let seal = FrameHeader {
            sequence: attacker.sealer.next_number(),
            payload_len: (HEADER_LEN + 64 + TAG_LEN) as u32,
            ..FrameHeader::new(FrameKind::Seal)
        };
        attacker.write_raw(&header_bytes(seal)).await;
        attacker.write_raw(&[0x42; 10]).await;
        attacker.write.shutdown().await.expect("shut down the write half");
        assert_eq!(attacker.until_closed().await, Ended::Eof, "{transport}");
        scene.attacker_link_is_lost().await;
        scene.legit_clients_are_served().await;
    }
    assert_eq!(scene.server.dead_letters().total(), 0, "{:?}", scene.server.dead_letters().drain());
    scene.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_payload_is_a_dead_letter_and_the_connection_carries_on() {
    let garbage = noise(32, 0x0bad_c0de_dead_beef);
    let mut aligned = rkyv::util::AlignedVec::<16>::new();
    aligned.extend_from_slice(&garbage);
    assert!(decode_payload::<Msg>(&aligned).is_err(), "the garbage must not be a valid Msg");

    let mut scene = Scene::start().await;
    for (transport, probe) in TRANSPORTS.into_iter().zip([0xc0ffee_u64, 0xbeef]) {
        let mut attacker = connect_attacker(&scene.server, transport).await;
        let mut enc = FrameEncoder::new().sealed();
        enc.push_raw(to_sink(FrameKind::Tell, 1), &garbage).expect("frame the garbage");
        attacker.send(&mut enc).await;

        // Not delivered: a dead letter from the attacker, for the sink.
        let letters = scene.server.dead_letters().wait_for(1, WAIT).await;
        assert_eq!(letters.len(), 1, "{transport}: {letters:?}");
        let letter = &letters[0];
        assert_eq!(letter.recipient_name.as_deref(), Some("sink"), "{letter:?}");
        assert!(letter.reason.starts_with("from attacker: invalid payload"), "{letter:?}");
        assert!(letter.message.is_none(), "{letter:?}");

        // The connection carries on, both ways: a valid Put on it is delivered (and is
        // the sink's next message, so the garbage never reached it), and a heartbeat
        // probe on it is echoed.
        enc.push(to_sink(FrameKind::Tell, 2), &Msg::Put { sender: 666, seq: scene.round })
            .expect("frame a put");
        let heartbeat =
            FrameHeader { correlation: probe, ..FrameHeader::new(FrameKind::Heartbeat) };
        enc.push_raw(heartbeat, &[]).expect("frame a probe");
        attacker.send(&mut enc).await;
        let got = within("the attacker's valid put", scene.seen.recv()).await;
        assert_eq!(got, Some((666, scene.round)), "{transport}");
        scene.puts += 1;
        let frames = &mut attacker.frames;
        within("the echo of the attacker's probe", async {
            loop {
                match frames.next_frame().await {
                    Ok(Some((h, _))) if h.kind == FrameKind::Heartbeat => {
                        if h.flags & FLAG_ECHO != 0 && h.correlation == probe {
                            return;
                        }
                    }
                    Ok(Some((h, _))) if h.kind == FrameKind::Ack => {}
                    other => panic!("{transport}: the connection did not carry on: {other:?}"),
                }
            }
        })
        .await;
        let on_server = scene.server.link_metrics("attacker").expect("the attacker's link");
        assert_eq!(on_server.state, LinkState::Up(transport), "{on_server:?}");
        assert_eq!(on_server.losses, scene.attacker_losses, "{on_server:?}");
        scene.legit_links_are_untouched();
        scene.legit_clients_are_served().await;

        // Only when the attacker hangs up is its link lost.
        drop(attacker);
        scene.attacker_link_is_lost().await;
    }
    assert_eq!(scene.server.dead_letters().total(), 2);
    scene.finish().await;
}
