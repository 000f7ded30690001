//! [`FaultProxy`]: a TCP proxy on loopback that injects link faults between two nodes,
//! for tests (`tc netem` is not available on every machine, and needs root).
//!
//! Point a node's [`PeerAddr`](super::PeerAddr) at the proxy's address instead of the
//! peer's; the proxy forwards bytes both ways and, on command, delays them, cuts
//! every connection, truncates the stream mid-frame, or swallows everything while
//! keeping the connections open (a blackhole, which only heartbeats detect).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

#[derive(Default)]
struct Faults {
    delay_us: AtomicU64,
    blackhole: AtomicBool,
    /// Forward only this many more bytes of the next chunk, then cut (0: off).
    truncate_after: AtomicU64,
    refuse: AtomicBool,
}

/// A fault-injecting TCP proxy; see the module docs. Dropping it stops it and closes
/// every connection through it.
pub struct FaultProxy {
    addr: SocketAddr,
    faults: Arc<Faults>,
    /// Bumped by [`cut`](Self::cut): every forwarding task ends.
    cuts: watch::Sender<u64>,
    token: CancellationToken,
    connections: Arc<AtomicU64>,
}

impl FaultProxy {
    /// Starts a proxy on `127.0.0.1` (a free port) forwarding to `target`.
    pub async fn start(target: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let faults = Arc::new(Faults::default());
        let (cuts, _) = watch::channel(0);
        let token = CancellationToken::new();
        let connections = Arc::new(AtomicU64::new(0));
        tokio::spawn(accept(
            listener,
            target,
            faults.clone(),
            cuts.subscribe(),
            token.clone(),
            connections.clone(),
        ));
        Ok(Self { addr, faults, cuts, token, connections })
    }

    /// Where nodes should connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }

    /// Delays every chunk forwarded from now on by `delay`.
    pub fn set_delay(&self, delay: Duration) {
        let us = u64::try_from(delay.as_micros()).unwrap_or(u64::MAX);
        self.faults.delay_us.store(us, Ordering::Relaxed);
    }

    /// Drops every connection through the proxy at once (both sides see a reset or
    /// end of stream, as when a cable is pulled or a process dies).
    pub fn cut(&self) {
        self.cuts.send_modify(|n| *n += 1);
    }

    /// While on, bytes are read and thrown away in both directions; connections stay
    /// open.
    pub fn set_blackhole(&self, on: bool) {
        self.faults.blackhole.store(on, Ordering::Relaxed);
    }

    /// While on, new connections are closed as soon as they are accepted.
    pub fn set_refuse(&self, on: bool) {
        self.faults.refuse.store(on, Ordering::Relaxed);
    }

    /// Forwards only `bytes` more bytes (in whichever direction carries them first),
    /// then ends that direction: its receiver sees the stream end mid-frame.
    pub fn truncate_after(&self, bytes: u64) {
        self.faults.truncate_after.store(bytes.max(1), Ordering::Relaxed);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.token.cancel();
        self.cut();
    }
}

async fn accept(
    listener: TcpListener,
    target: SocketAddr,
    faults: Arc<Faults>,
    cuts: watch::Receiver<u64>,
    token: CancellationToken,
    connections: Arc<AtomicU64>,
) {
    loop {
        let accepted = tokio::select! {
            _ = token.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((client, _)) = accepted else { continue };
        connections.fetch_add(1, Ordering::Relaxed);
        if faults.refuse.load(Ordering::Relaxed) {
            continue;
        }
        let Ok(server) = TcpStream::connect(target).await else { continue };
        let _ = (client.set_nodelay(true), server.set_nodelay(true));
        let (cr, cw) = client.into_split();
        let (sr, sw) = server.into_split();
        let mut cut = cuts.clone();
        cut.mark_unchanged();
        let cut2 = cut.clone();
        tokio::spawn(pump(cr, sw, faults.clone(), cut, token.clone()));
        tokio::spawn(pump(sr, cw, faults.clone(), cut2, token.clone()));
    }
}

/// Copies one direction, applying the faults, until either side ends or a cut.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    faults: Arc<Faults>,
    mut cut: watch::Receiver<u64>,
    token: CancellationToken,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = tokio::select! {
            _ = cut.changed() => return,
            _ = token.cancelled() => return,
            n = from.read(&mut buf) => match n {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            },
        };
        if faults.blackhole.load(Ordering::Relaxed) {
            continue;
        }
        let delay = faults.delay_us.load(Ordering::Relaxed);
        if delay > 0 {
            tokio::time::sleep(Duration::from_micros(delay)).await;
        }
        let left = faults.truncate_after.load(Ordering::Relaxed);
        if left > 0 {
            let keep = (left as usize).min(n);
            let _ = to.write_all(&buf[..keep]).await;
            if faults.truncate_after.fetch_sub(keep as u64, Ordering::Relaxed) <= keep as u64 {
                faults.truncate_after.store(0, Ordering::Relaxed);
                // This direction's receiver sees the stream end mid-frame.
                return;
            }
            continue;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
