//! A flood of sockets that connect to a node and stall its handshake: some send
//! nothing, some half a frame header, some a whole valid `Hello` (getting as far
//! as one can without the secret). Each reconnects as soon as the node drops it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use mycelium::remote::{FrameEncoder, FrameHeader, FrameKind, CHALLENGE_LEN};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UnixStream};
use tokio_util::sync::CancellationToken;

/// Where the flood goes.
#[derive(Clone)]
pub enum Target {
    Unix(PathBuf),
    Tcp(SocketAddr),
}

pub struct Flood {
    stop: CancellationToken,
    /// Connections made so far, over all sockets.
    pub connections: Arc<AtomicU64>,
    /// Sockets connected now, not yet dropped by the node.
    pub open: Arc<AtomicU64>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Flood {
    /// Starts `sockets` stalling sockets, spread over `targets`, on the current
    /// runtime.
    pub fn start(targets: &[Target], sockets: usize) -> Self {
        let stop = CancellationToken::new();
        let connections = Arc::new(AtomicU64::new(0));
        let open = Arc::new(AtomicU64::new(0));
        let tasks = (0..sockets)
            .map(|i| {
                let target = targets[i % targets.len()].clone();
                let (stop, connections, open) = (stop.clone(), connections.clone(), open.clone());
                tokio::spawn(async move {
                    while !stop.is_cancelled() {
                        let stalled = match &target {
                            Target::Unix(path) => match UnixStream::connect(path).await {
                                Ok(s) => stall(s, i, &stop, &connections, &open).await,
                                Err(_) => false,
                            },
                            Target::Tcp(addr) => match TcpStream::connect(addr).await {
                                Ok(s) => stall(s, i, &stop, &connections, &open).await,
                                Err(_) => false,
                            },
                        };
                        if !stalled {
                            // Refused (the backlog is full): try again shortly.
                            tokio::task::yield_now().await;
                        }
                    }
                })
            })
            .collect();
        Self { stop, connections, open, tasks }
    }

    /// Stops every socket and waits for them to close.
    pub async fn stop(self) {
        self.stop.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Sends the stalling prefix for socket `i`, then waits until the node drops the
/// connection (or the flood stops).
async fn stall<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    i: usize,
    stop: &CancellationToken,
    connections: &AtomicU64,
    open: &AtomicU64,
) -> bool {
    connections.fetch_add(1, Ordering::Relaxed);
    open.fetch_add(1, Ordering::Relaxed);
    let prefix = match i % 3 {
        0 => Vec::new(),
        1 => hello(i)[..20].to_vec(),
        _ => hello(i),
    };
    if stream.write_all(&prefix).await.is_ok() {
        let mut sink = [0u8; 512];
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                read = stream.read(&mut sink) => match read {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                },
            }
        }
    }
    open.fetch_sub(1, Ordering::Relaxed);
    true
}

/// A valid `Hello` from a node named `flood-<i>`: what anyone can send.
fn hello(i: usize) -> Vec<u8> {
    let mut payload = vec![i as u8; CHALLENGE_LEN];
    payload.extend_from_slice(format!("flood-{i}").as_bytes());
    let mut enc = FrameEncoder::new();
    enc.push_raw(FrameHeader::new(FrameKind::Hello), &payload).expect("a hello");
    enc.as_bytes().to_vec()
}
