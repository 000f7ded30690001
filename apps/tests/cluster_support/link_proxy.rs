//! [`LinkProxy`]: a TCP proxy on loopback that counts the bytes each connection
//! through it carries and cuts them on command, telling which of the cut connections
//! were live and carrying. A cut that finds no such connection proves nothing about a
//! link surviving it: a test counts the cuts that hit one.
//!
//! Point a node's address for a peer at the proxy instead of at the peer; give each
//! node of a pair a proxy for the other, so that the link goes through a proxy
//! whichever node dials.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// One connection through the proxy: the task that forwards both ways, and the bytes
/// it has carried.
struct Connection {
    forward: JoinHandle<()>,
    carried: Arc<AtomicU64>,
}

/// See the module docs. Dropping it closes the listener and every connection.
pub struct LinkProxy {
    addr: SocketAddr,
    accept: JoinHandle<()>,
    connections: Arc<Mutex<Vec<Connection>>>,
}

impl LinkProxy {
    /// Starts a proxy on `127.0.0.1` (a free port) forwarding to `target`, counting
    /// what it carries in `traffic` too.
    pub async fn start(target: SocketAddr, traffic: &Traffic) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let connections = Arc::new(Mutex::new(Vec::new()));
        let accept = tokio::spawn(accept(listener, target, connections.clone(), traffic.clone()));
        Ok(Self { addr, accept, connections })
    }

    /// Where the node that dials through this proxy should connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The most bytes a live connection has carried since it was made.
    pub fn carrying(&self) -> u64 {
        let connections = self.connections.lock().expect("proxy lock");
        connections
            .iter()
            .filter(|c| !c.forward.is_finished())
            .map(|c| c.carried.load(Ordering::Relaxed))
            .max()
            .unwrap_or(0)
    }

    /// Cuts every connection (both nodes see it end, as when a cable is pulled);
    /// returns how many of them were live and had carried at least `bytes`.
    pub fn cut(&self, bytes: u64) -> usize {
        let mut connections = self.connections.lock().expect("proxy lock");
        let hit = connections
            .iter()
            .filter(|c| !c.forward.is_finished() && c.carried.load(Ordering::Relaxed) >= bytes)
            .count();
        for c in connections.drain(..) {
            c.forward.abort();
        }
        hit
    }
}

/// Bytes carried through a group of proxies, counted together so that a test can
/// wait on all of them at once.
#[derive(Clone)]
pub struct Traffic(Arc<watch::Sender<u64>>);

impl Traffic {
    pub fn new() -> Self {
        Self(Arc::new(watch::channel(0).0))
    }
}

/// Waits until a live connection through one of `proxies` (which count their
/// bytes in `traffic`) has carried at least `bytes`.
pub async fn wait_carrying(proxies: &[&LinkProxy], traffic: &Traffic, bytes: u64) {
    let mut changes = traffic.0.subscribe();
    while !proxies.iter().any(|p| p.carrying() >= bytes) {
        changes.changed().await.expect("the traffic counter lives in the test");
    }
}

impl Drop for LinkProxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut(0);
    }
}

async fn accept(
    listener: TcpListener,
    target: SocketAddr,
    connections: Arc<Mutex<Vec<Connection>>>,
    traffic: Traffic,
) {
    loop {
        let Ok((client, _)) = listener.accept().await else { continue };
        let Ok(server) = TcpStream::connect(target).await else { continue };
        let _ = (client.set_nodelay(true), server.set_nodelay(true));
        let carried = Arc::new(AtomicU64::new(0));
        let forward = tokio::spawn(forward(client, server, carried.clone(), traffic.clone()));
        connections.lock().expect("proxy lock").push(Connection { forward, carried });
    }
}

/// Forwards both ways until either side ends (or the task is aborted: a cut), then
/// drops both sockets, so the other side sees the end too.
async fn forward(client: TcpStream, server: TcpStream, carried: Arc<AtomicU64>, traffic: Traffic) {
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    tokio::select! {
        _ = pump(&mut cr, &mut sw, &carried, &traffic.0) => {}
        _ = pump(&mut sr, &mut cw, &carried, &traffic.0) => {}
    }
}

async fn pump(
    from: &mut tokio::net::tcp::OwnedReadHalf,
    to: &mut tokio::net::tcp::OwnedWriteHalf,
    carried: &AtomicU64,
    traffic: &watch::Sender<u64>,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
        carried.fetch_add(n as u64, Ordering::Relaxed);
        traffic.send_modify(|t| *t += n as u64);
    }
}
