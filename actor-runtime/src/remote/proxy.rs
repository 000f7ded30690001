//! [`FaultProxy`]: a TCP proxy on loopback that injects link faults between two nodes,
//! for tests (`tc netem` is not available on every machine, and needs root).
//!
//! Point a node's [`PeerAddr`](super::PeerAddr) at the proxy's address instead of the
//! peer's; the proxy forwards bytes both ways and, on command, delays them, cuts
//! every connection, truncates the stream mid-frame, swallows everything while
//! keeping the connections open (a blackhole, which only heartbeats detect), or,
//! without cutting anything, drops, duplicates or reorders a range of bytes in
//! transit.

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
    /// Bytes still to throw away, duplicate, or hold back past the next chunk.
    drop: AtomicU64,
    duplicate: AtomicU64,
    reorder: AtomicU64,
}

/// Takes up to `max` from `left`: how much of this chunk a fault applies to; the
/// rest applies to the next chunks.
fn take(left: &AtomicU64, max: usize) -> usize {
    let took = left.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
        (n > 0).then(|| n.saturating_sub(max as u64))
    });
    took.map_or(0, |n| (n as usize).min(max))
}

/// Takes all of `left`, up to `max`: a fault that applies to one chunk only.
fn take_once(left: &AtomicU64, max: usize) -> usize {
    (left.swap(0, Ordering::AcqRel) as usize).min(max)
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

    /// Throws away the next `bytes` bytes of the newest connection (in whichever
    /// direction carries them first, over as many chunks as it takes); the
    /// connection stays open.
    pub fn drop_next(&self, bytes: u64) {
        self.faults.drop.fetch_add(bytes, Ordering::AcqRel);
    }

    /// Forwards the next `bytes` bytes of the newest connection (at most one chunk's
    /// worth, in whichever direction carries them first) twice, back to back.
    pub fn duplicate_next(&self, bytes: u64) {
        self.faults.duplicate.fetch_add(bytes, Ordering::AcqRel);
    }

    /// Holds the next `bytes` bytes of the newest connection (at most one chunk's
    /// worth, in whichever direction carries them first) back, and forwards them
    /// after the chunk that follows them.
    pub fn reorder_next(&self, bytes: u64) {
        self.faults.reorder.fetch_add(bytes, Ordering::AcqRel);
    }

    /// Bytes that [`drop_next`](Self::drop_next),
    /// [`duplicate_next`](Self::duplicate_next) and
    /// [`reorder_next`](Self::reorder_next) have yet to apply to: 0 once every such
    /// fault has been done to bytes in transit.
    pub fn pending_faults(&self) -> u64 {
        let f = &self.faults;
        [&f.drop, &f.duplicate, &f.reorder].iter().map(|n| n.load(Ordering::Acquire)).sum()
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
        let id = connections.fetch_add(1, Ordering::AcqRel) + 1;
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
        let newest = Newest { id, connections: connections.clone() };
        tokio::spawn(pump(cr, sw, faults.clone(), newest.clone(), cut, token.clone()));
        tokio::spawn(pump(sr, cw, faults.clone(), newest, cut2, token.clone()));
    }
}

/// Tells a connection's pumps whether it is the newest (the only one byte faults
/// apply to: an older one may still be draining after a cut).
#[derive(Clone)]
struct Newest {
    id: u64,
    connections: Arc<AtomicU64>,
}

impl Newest {
    fn is_newest(&self) -> bool {
        self.connections.load(Ordering::Acquire) == self.id
    }
}

/// Copies one direction, applying the faults, until either side ends or a cut.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    faults: Arc<Faults>,
    newest: Newest,
    mut cut: watch::Receiver<u64>,
    token: CancellationToken,
) {
    let mut buf = vec![0u8; 64 * 1024];
    // Bytes held back by `reorder_next`, forwarded after the next chunk.
    let mut held: Option<Vec<u8>> = None;
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
        let mut chunk = &buf[..n];
        if !newest.is_newest() {
            if to.write_all(chunk).await.is_err() {
                return;
            }
            continue;
        }
        chunk = &chunk[take(&faults.drop, chunk.len())..];
        let twice = take_once(&faults.duplicate, chunk.len());
        let mut out = Vec::with_capacity(chunk.len() + twice);
        out.extend_from_slice(&chunk[..twice]);
        out.extend_from_slice(chunk);
        if held.is_none() {
            let back = take_once(&faults.reorder, out.len());
            if back > 0 {
                held = Some(out.drain(..back).collect());
                if out.is_empty() {
                    continue;
                }
            }
        } else if let Some(back) = held.take() {
            out.extend_from_slice(&back);
        }
        if to.write_all(&out).await.is_err() {
            return;
        }
    }
}
