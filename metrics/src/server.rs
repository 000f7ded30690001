//! The `/metrics` endpoint: HTTP/1 on its own thread, one request per connection.
//!
//! The endpoint runs on a dedicated thread with its own single-threaded Tokio runtime:
//! parsing requests, running the collectors and writing the text never occupy a
//! worker of the node's runtime (which may be a single `current_thread` one on the hot
//! path). The collectors reach the node's actors through channels, which work across
//! runtimes.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, ALLOW, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::encode::CONTENT_TYPE as EXPOSITION;
use crate::registry::Registry;

/// The address the endpoint listens on unless told otherwise: loopback only.
pub const DEFAULT_ADDR: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 9464);

/// The largest request head read, in bytes (hyper's smallest allowed buffer is 8 KiB).
const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// How the endpoint listens and what it puts up with.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where to listen; loopback by default. Port 0 picks a free port
    /// ([`MetricsServer::local_addr`] tells which).
    pub addr: SocketAddr,
    /// Connections served at once.
    pub max_connections: usize,
    /// Time for a client to send its request head.
    pub header_read_timeout: Duration,
    /// Time a connection may live in all: request, collection and answer.
    pub connection_timeout: Duration,
    /// A collection younger than this is served again instead of collecting anew.
    pub min_scrape_interval: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            addr: DEFAULT_ADDR,
            max_connections: 16,
            header_read_timeout: Duration::from_secs(2),
            connection_timeout: Duration::from_secs(10),
            min_scrape_interval: Duration::from_millis(250),
        }
    }
}

impl ServerConfig {
    /// The defaults, listening on `addr`.
    pub fn on(addr: SocketAddr) -> Self {
        ServerConfig { addr, ..Self::default() }
    }
}

/// Why the endpoint could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address could not be bound (in use, not local, no permission).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The endpoint's thread or runtime could not be started.
    #[error("cannot start the metrics thread: {0}")]
    Thread(std::io::Error),
}

/// A running endpoint. [`stop`](Self::stop) it, or drop it: either closes the
/// listener and every connection.
///
/// It answers `GET /metrics` (and `HEAD`) with the exposition, 404 elsewhere, 405 for
/// other methods, one request per connection, on a thread of its own with its own
/// single-threaded Tokio runtime: parsing requests, running the collectors and writing
/// the text never occupy a worker of the node's runtime.
///
/// What a slow or hostile client can cost is bounded:
/// - at most [`ServerConfig::max_connections`] connections are served at once; more
///   wait in the kernel's accept queue, costing nothing here;
/// - the request head must arrive within [`ServerConfig::header_read_timeout`] and
///   fit in 16 KiB; a body is never read;
/// - a connection lives at most [`ServerConfig::connection_timeout`] in all (one
///   request, no keep-alive), however slowly the client reads the answer;
/// - collections are serialized, and a result younger than
///   [`ServerConfig::min_scrape_interval`] is served again, so clients hammering the
///   endpoint cannot make the node's actors answer more often than that.
#[derive(Debug)]
pub struct MetricsServer {
    local_addr: SocketAddr,
    token: CancellationToken,
    done: Option<oneshot::Receiver<()>>,
}

impl MetricsServer {
    /// Starts serving `registry` as `config` says, on a thread of its own.
    pub async fn start(
        registry: Arc<Registry>,
        config: ServerConfig,
    ) -> Result<MetricsServer, ServeError> {
        let bind = |source| ServeError::Bind { addr: config.addr, source };
        let listener = std::net::TcpListener::bind(config.addr).map_err(bind)?;
        listener.set_nonblocking(true).map_err(bind)?;
        let local_addr = listener.local_addr().map_err(bind)?;

        let token = CancellationToken::new();
        let (ready_tx, ready_rx) = oneshot::channel();
        let (done_tx, done_rx) = oneshot::channel();
        let thread_token = token.clone();
        std::thread::Builder::new()
            .name("mycelium-metrics".into())
            .spawn(move || {
                let runtime =
                    match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                        Ok(rt) => rt,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                runtime.block_on(async move {
                    match TcpListener::from_std(listener) {
                        Ok(listener) => {
                            let _ = ready_tx.send(Ok(()));
                            accept_loop(listener, registry, config, thread_token).await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
                // Dropping the runtime drops every connection task still alive.
                drop(runtime);
                let _ = done_tx.send(());
            })
            .map_err(ServeError::Thread)?;

        match ready_rx.await {
            Ok(Ok(())) => Ok(MetricsServer { local_addr, token, done: Some(done_rx) }),
            Ok(Err(e)) => Err(ServeError::Thread(e)),
            Err(_) => {
                Err(ServeError::Thread(std::io::Error::other("the metrics thread ended at start")))
            }
        }
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops listening, closes every connection, and returns once the endpoint's
    /// thread has let go of them all.
    pub async fn stop(mut self) {
        self.token.cancel();
        if let Some(done) = self.done.take() {
            let _ = done.await;
        }
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.token.cancel();
    }
}

async fn accept_loop(
    listener: TcpListener,
    registry: Arc<Registry>,
    config: ServerConfig,
    token: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let scrapes = Arc::new(Scrapes::new(registry, config.min_scrape_interval));
    loop {
        let slot = tokio::select! {
            () = token.cancelled() => return,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => return,
            },
        };
        let stream = tokio::select! {
            () = token.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, most likely: back off rather than spin.
                    tracing::warn!(error = %e, "metrics endpoint: accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        tokio::spawn(serve_connection(
            stream,
            scrapes.clone(),
            config.clone(),
            slot,
            token.clone(),
        ));
    }
}

async fn serve_connection(
    stream: TcpStream,
    scrapes: Arc<Scrapes>,
    config: ServerConfig,
    _slot: OwnedSemaphorePermit,
    token: CancellationToken,
) {
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |request| {
        let scrapes = scrapes.clone();
        async move { Ok::<_, Infallible>(respond(&request, &scrapes).await) }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout)
        .max_buf_size(MAX_REQUEST_HEAD)
        .keep_alive(false)
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        () = tokio::time::sleep(config.connection_timeout) => {}
        () = token.cancelled() => {}
    }
}

async fn respond(request: &Request<Incoming>, scrapes: &Scrapes) -> Response<Full<Bytes>> {
    if request.uri().path() != "/metrics" {
        return plain(StatusCode::NOT_FOUND, "not found: the metrics are at /metrics\n");
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD\n");
        response.headers_mut().insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let mut response = Response::new(Full::new(scrapes.body().await));
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(EXPOSITION));
    response
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

/// Collections, one at a time, the last one kept for reuse.
struct Scrapes {
    registry: Arc<Registry>,
    min_interval: Duration,
    last: tokio::sync::Mutex<Option<(Instant, Bytes)>>,
}

impl Scrapes {
    fn new(registry: Arc<Registry>, min_interval: Duration) -> Self {
        Scrapes { registry, min_interval, last: tokio::sync::Mutex::new(None) }
    }

    /// The exposition: the last one if younger than the minimum interval, else a new
    /// collection.
    async fn body(&self) -> Bytes {
        let mut last = self.last.lock().await;
        if let Some((at, body)) = last.as_ref() {
            if at.elapsed() < self.min_interval {
                return body.clone();
            }
        }
        let started = Instant::now();
        let body = Bytes::from(self.registry.scrape().await);
        *last = Some((started, body.clone()));
        body
    }
}
