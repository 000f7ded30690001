//! The remote scenarios: two Mycelium nodes in this process talking over
//! real loopback sockets, beside raw tokio sockets carrying frames of the same size.
//!
//! Both sides run on the caller's runtime. Figures from one process are the cost of
//! the transport and the stack; two processes on one host add nothing but the
//! scheduler's choice of cores.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use mycelium::remote::{encode_payload, HEADER_LEN};
use mycelium::{
    Actor, ActorError, ActorRef, Context, Node, PeerAddr, RemoteConfig, ReplyTo, Transport,
};
use rkyv::util::AlignedVec;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};

use crate::{histogram, record, Tick, ASK_TIMEOUT};

/// The echo server's messages.
#[derive(rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub enum EchoMsg {
    /// Answer with the tick.
    Echo(Tick, ReplyTo<Tick>),
    /// Count the tick.
    Count(Tick),
}

struct Echo {
    counted: Arc<AtomicU64>,
}

impl Actor for Echo {
    type Msg = EchoMsg;
    async fn handle(&mut self, msg: EchoMsg, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        match msg {
            EchoMsg::Echo(tick, reply) => {
                let _ = reply.send(tick);
            }
            EchoMsg::Count(_) => {
                self.counted.fetch_add(1, Ordering::Release);
            }
        }
        Ok(())
    }
}

/// Bytes on the wire of one `EchoMsg::Count` frame (header, payload, padding): the
/// raw baselines send frames of this size.
pub fn frame_len() -> usize {
    let mut buf = AlignedVec::new();
    let _ = encode_payload(&EchoMsg::Count(Tick::new(0)), &mut buf);
    HEADER_LEN + buf.len().next_multiple_of(16)
}

/// Two nodes and a remote ref from the client to the server's echo actor. The
/// server node runs on its own thread with its own `current_thread` runtime, as a
/// node in another process would; the client on the caller's runtime.
pub struct Pair {
    client: Node,
    stop_server: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<std::thread::JoinHandle<()>>,
    /// The server's echo actor, seen from the client.
    pub echo: ActorRef<EchoMsg>,
    counted: Arc<AtomicU64>,
    _dir: TempDir,
}

/// A directory removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn config(busy: bool) -> RemoteConfig {
    RemoteConfig::new("bench").busy_poll(busy)
}

/// Runs the server node on this thread until `stop` fires.
fn serve(
    socket: PathBuf,
    busy: bool,
    counted: Arc<AtomicU64>,
    ready: std::sync::mpsc::Sender<SocketAddr>,
    stop: tokio::sync::oneshot::Receiver<()>,
) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async move {
        let loopback: SocketAddr = "127.0.0.1:0".parse().expect("loopback");
        let server = Node::new("server");
        let echo = server.spawn(Echo { counted }).expect("spawn echo");
        server.expose("echo", &echo).expect("expose");
        server
            .start_remote(config(busy).listen_unix(&socket).listen_tcp(loopback))
            .await
            .expect("server listens");
        let _ = ready.send(server.local_tcp_addr().expect("tcp"));
        let _ = stop.await;
        server.shutdown(Duration::from_secs(1)).await;
    });
}

impl Pair {
    /// Starts both nodes, the client reaching the server over `transport`, links in
    /// busy-poll mode if `busy`.
    pub async fn start(transport: Transport, busy: bool) -> Self {
        let dir = std::env::temp_dir().join(format!("mycelium-bench-{}", std::process::id()));
        // Private: a node listens only in a directory nobody else can write to.
        let _ = std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir);
        let socket = dir.join("server.sock");
        let counted = Arc::new(AtomicU64::new(0));
        let (ready, addr) = std::sync::mpsc::channel();
        let (stop_server, stop) = tokio::sync::oneshot::channel();
        let server = {
            let (socket, counted) = (socket.clone(), counted.clone());
            std::thread::spawn(move || serve(socket, busy, counted, ready, stop))
        };
        let tcp = addr.recv().expect("the server started");
        let client = Node::new("client");
        client.start_remote(config(busy)).await.expect("client remote side");
        let peer = match transport {
            Transport::Tcp => PeerAddr::new("server").tcp(tcp),
            _ => PeerAddr::new("server").unix(&socket),
        };
        client.connect(peer).expect("connect");
        let echo = client
            .lookup_remote::<EchoMsg>("echo@server", Duration::from_secs(5))
            .await
            .expect("lookup");
        assert_eq!(echo.transport(), Some(transport));
        Self {
            client,
            stop_server: Some(stop_server),
            server: Some(server),
            echo,
            counted,
            _dir: TempDir(dir),
        }
    }

    /// Stops both nodes.
    pub async fn stop(mut self) {
        self.client.shutdown(Duration::from_secs(1)).await;
        if let Some(stop) = self.stop_server.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.join();
        }
    }
}

/// Ask round trips to the remote echo actor, from a spawned task (as an actor
/// asks): on a `current_thread` runtime the `block_on` future itself is polled only
/// between batches of tasks, which a spinning link reader fills.
pub async fn ask_rtt(pair: &Pair, n: u64) -> Histogram<u64> {
    let echo = pair.echo.clone();
    let asker = tokio::spawn(async move {
        let mut h = histogram();
        for i in 0..n {
            let start = Instant::now();
            let tick = Tick::new(i);
            echo.ask(|r| EchoMsg::Echo(tick, r), ASK_TIMEOUT).await.expect("echo");
            record(&mut h, start.elapsed());
        }
        h
    });
    asker.await.expect("asker task")
}

/// A stream of `n` tells to the remote actor; time until it has counted them all.
pub async fn stream(pair: &Pair, n: u64) -> Duration {
    let before = pair.counted.load(Ordering::Acquire);
    let start = Instant::now();
    for i in 0..n {
        pair.echo.send(EchoMsg::Count(Tick::new(i))).await.expect("send");
    }
    while pair.counted.load(Ordering::Acquire) < before + n {
        tokio::task::yield_now().await;
    }
    start.elapsed()
}

/// The raw baseline's two connected sockets.
enum RawPair {
    Unix(UnixStream, UnixStream),
    Tcp(TcpStream, TcpStream),
}

async fn raw_pair(transport: Transport, dir: &Path) -> RawPair {
    match transport {
        Transport::Tcp => {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("addr");
            let (client, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
            let (client, server) = (client.expect("connect"), accepted.expect("accept").0);
            client.set_nodelay(true).expect("nodelay");
            server.set_nodelay(true).expect("nodelay");
            RawPair::Tcp(client, server)
        }
        _ => {
            let path = dir.join("raw.sock");
            let _ = std::fs::remove_file(&path);
            let listener = UnixListener::bind(&path).expect("bind");
            let (client, accepted) = tokio::join!(UnixStream::connect(&path), listener.accept());
            RawPair::Unix(client.expect("connect"), accepted.expect("accept").0)
        }
    }
}

/// Raw tokio sockets: frames of `frame` bytes, echoed by a task on another thread
/// with its own `current_thread` runtime (where the Mycelium server node runs).
pub async fn raw_rtt(transport: Transport, n: u64, frame: usize) -> Histogram<u64> {
    let dir = TempDir(std::env::temp_dir().join(format!("mycelium-raw-{}", std::process::id())));
    let _ = std::fs::create_dir_all(&dir.0);
    match raw_pair(transport, &dir.0).await {
        RawPair::Unix(c, s) => {
            let s = s.into_std().expect("std socket");
            raw_rtt_on(c, n, frame, move || UnixStream::from_std(s).expect("socket")).await
        }
        RawPair::Tcp(c, s) => {
            let s = s.into_std().expect("std socket");
            raw_rtt_on(c, n, frame, move || TcpStream::from_std(s).expect("socket")).await
        }
    }
}

async fn raw_rtt_on<S>(
    mut client: S,
    n: u64,
    frame: usize,
    server: impl FnOnce() -> S + Send + 'static,
) -> Histogram<u64>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let echo = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
        rt.block_on(async move {
            let mut server = server();
            let mut buf = vec![0u8; frame];
            while server.read_exact(&mut buf).await.is_ok() {
                if server.write_all(&buf).await.is_err() {
                    break;
                }
            }
        });
    });
    let mut h = histogram();
    let mut buf = vec![7u8; frame];
    for _ in 0..n {
        let start = Instant::now();
        client.write_all(&buf).await.expect("write");
        client.read_exact(&mut buf).await.expect("read");
        record(&mut h, start.elapsed());
    }
    drop(client);
    let _ = echo.join();
    h
}

/// Raw busy-polled std sockets between two spinning threads (the floor): frames of
/// `frame` bytes echoed, non-blocking reads retried without parking.
pub fn raw_spin_rtt(transport: Transport, n: u64, frame: usize) -> Histogram<u64> {
    let dir = TempDir(std::env::temp_dir().join(format!("mycelium-spin-{}", std::process::id())));
    let _ = std::fs::create_dir_all(&dir.0);
    match transport {
        Transport::Tcp => {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            let addr = listener.local_addr().expect("addr");
            let client = std::net::TcpStream::connect(addr).expect("connect");
            let server = listener.accept().expect("accept").0;
            client.set_nodelay(true).expect("nodelay");
            server.set_nodelay(true).expect("nodelay");
            spin_rtt_on(client, server, n, frame)
        }
        _ => {
            let path = dir.0.join("spin.sock");
            let _ = std::fs::remove_file(&path);
            let listener = std::os::unix::net::UnixListener::bind(&path).expect("bind");
            let client = std::os::unix::net::UnixStream::connect(&path).expect("connect");
            let server = listener.accept().expect("accept").0;
            spin_rtt_on(client, server, n, frame)
        }
    }
}

trait SpinSocket: Read + Write + Send + 'static {
    fn nonblocking(&self);
}
impl SpinSocket for std::net::TcpStream {
    fn nonblocking(&self) {
        self.set_nonblocking(true).expect("nonblocking");
    }
}
impl SpinSocket for std::os::unix::net::UnixStream {
    fn nonblocking(&self) {
        self.set_nonblocking(true).expect("nonblocking");
    }
}

fn spin_read_exact<S: Read>(s: &mut S, buf: &mut [u8]) -> bool {
    let mut at = 0;
    while at < buf.len() {
        match s.read(&mut buf[at..]) {
            Ok(0) => return false,
            Ok(k) => at += k,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::hint::spin_loop(),
            Err(_) => return false,
        }
    }
    true
}

fn spin_rtt_on<S: SpinSocket>(
    mut client: S,
    mut server: S,
    n: u64,
    frame: usize,
) -> Histogram<u64> {
    client.nonblocking();
    server.nonblocking();
    let echo = std::thread::spawn(move || {
        let mut buf = vec![0u8; frame];
        while spin_read_exact(&mut server, &mut buf) {
            if server.write_all(&buf).is_err() {
                break;
            }
        }
    });
    let mut h = histogram();
    let mut buf = vec![7u8; frame];
    for _ in 0..n {
        let start = Instant::now();
        client.write_all(&buf).expect("write");
        assert!(spin_read_exact(&mut client, &mut buf), "echo ended");
        record(&mut h, start.elapsed());
    }
    drop(client);
    let _ = echo.join();
    h
}

/// Raw tokio socket stream: `n` frames of `frame` bytes written `batch` at a time,
/// read and counted on another thread (its own `current_thread` runtime); time until
/// all arrived.
pub async fn raw_stream(transport: Transport, n: u64, frame: usize, batch: usize) -> Duration {
    let dir = TempDir(std::env::temp_dir().join(format!("mycelium-rs-{}", std::process::id())));
    let _ = std::fs::create_dir_all(&dir.0);
    match raw_pair(transport, &dir.0).await {
        RawPair::Unix(c, s) => {
            let s = s.into_std().expect("std socket");
            raw_stream_on(c, n, frame, batch, move || UnixStream::from_std(s).expect("socket"))
                .await
        }
        RawPair::Tcp(c, s) => {
            let s = s.into_std().expect("std socket");
            raw_stream_on(c, n, frame, batch, move || TcpStream::from_std(s).expect("socket")).await
        }
    }
}

async fn raw_stream_on<S>(
    mut client: S,
    n: u64,
    frame: usize,
    batch: usize,
    server: impl FnOnce() -> S + Send + 'static,
) -> Duration
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let total = n as usize * frame;
    let reader = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
        rt.block_on(async move {
            let mut server = server();
            let mut buf = vec![0u8; 64 * 1024];
            let mut got = 0;
            while got < total {
                match server.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(k) => got += k,
                }
            }
            got
        })
    });
    let chunk = vec![1u8; frame * batch];
    let start = Instant::now();
    let mut sent = 0;
    while sent < total {
        let len = chunk.len().min(total - sent);
        client.write_all(&chunk[..len]).await.expect("write");
        sent += len;
    }
    let got = reader.join().expect("reader");
    assert_eq!(got, total);
    start.elapsed()
}
