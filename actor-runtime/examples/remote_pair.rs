//! Two nodes in two processes: a server exposing a counter, a client that tells it
//! numbers, asks for the total and times round trips, over a Unix socket or TCP.
//!
//! ```sh
//! # one command: starts the server as a child process, calls it, stops it
//! cargo run --release -p mycelium --example remote_pair -- demo          # Unix socket
//! cargo run --release -p mycelium --example remote_pair -- demo --tcp    # TCP loopback
//! # or by hand, in two terminals
//! cargo run --release -p mycelium --example remote_pair -- serve --unix /tmp/counter.sock
//! cargo run --release -p mycelium --example remote_pair -- call  --unix /tmp/counter.sock
//! cargo run --release -p mycelium --example remote_pair -- serve --tcp 127.0.0.1:7878
//! cargo run --release -p mycelium --example remote_pair -- call  --tcp 127.0.0.1:7878
//! ```
//!
//! The client never picks the transport: it names the server's socket path and/or
//! address, and the link uses the socket when its file exists on this host.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use mycelium::{Actor, ActorError, Context, Node, PeerAddr, RemoteConfig, ReplyTo};

/// The cluster's shared secret (a real deployment reads it from a file).
const SECRET: &[u8] = b"remote-pair example cookie";

/// The counter's messages: they cross the wire, so they derive rkyv.
#[derive(rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
enum Msg {
    Add(u64),
    Get(ReplyTo<u64>),
    Quit,
}

struct Counter(u64);

impl Actor for Counter {
    type Msg = Msg;
    async fn handle(&mut self, msg: Msg, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        match msg {
            Msg::Add(n) => self.0 += n,
            Msg::Get(reply) => {
                let _ = reply.send(self.0);
            }
            Msg::Quit => ctx.stop(),
        }
        Ok(())
    }
}

enum Where {
    Unix(PathBuf),
    Tcp(SocketAddr),
}

fn usage() -> ! {
    eprintln!("usage: remote_pair demo [--tcp] | serve (--unix PATH | --tcp ADDR) | call (--unix PATH | --tcp ADDR) [--count N]");
    std::process::exit(2)
}

fn parse_where(args: &[String]) -> Where {
    match args {
        [flag, value, ..] if flag == "--unix" => Where::Unix(PathBuf::from(value)),
        [flag, value, ..] if flag == "--tcp" => Where::Tcp(value.parse().unwrap_or_else(|e| {
            eprintln!("bad address {value:?}: {e}");
            usage()
        })),
        _ => usage(),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => serve(parse_where(&args[1..])).await,
        Some("call") => {
            let count = match args.iter().position(|a| a == "--count") {
                Some(i) => args.get(i + 1).and_then(|n| n.parse().ok()).unwrap_or_else(|| usage()),
                None => 100_000,
            };
            call(parse_where(&args[1..]), count).await
        }
        Some("demo") => demo(args.iter().any(|a| a == "--tcp")).await,
        _ => usage(),
    }
}

async fn serve(place: Where) -> Result<(), Box<dyn std::error::Error>> {
    let node = Node::new("server");
    let counter = node.spawn(Counter(0))?;
    node.expose("counter", &counter)?;
    let config = match &place {
        Where::Unix(path) => RemoteConfig::new(SECRET).listen_unix(path),
        Where::Tcp(addr) => RemoteConfig::new(SECRET).listen_tcp(*addr),
    };
    node.start_remote(config).await?;
    println!("server: listening; stop it with Ctrl-C or a Quit message");
    tokio::select! {
        _ = counter.join() => println!("server: the client sent Quit"),
        _ = tokio::signal::ctrl_c() => println!("server: interrupted"),
    }
    node.shutdown(Duration::from_secs(1)).await;
    Ok(())
}

async fn call(place: Where, count: u64) -> Result<(), Box<dyn std::error::Error>> {
    let node = Node::new("client");
    node.start_remote(RemoteConfig::new(SECRET)).await?;
    let peer = match &place {
        Where::Unix(path) => PeerAddr::new("server").unix(path),
        Where::Tcp(addr) => PeerAddr::new("server").tcp(*addr),
    };
    node.connect(peer)?;
    let counter = node.lookup_remote::<Msg>("counter@server", Duration::from_secs(10)).await?;
    println!("client: counter@server over {:?}", counter.transport());

    let start = Instant::now();
    for n in 1..=count {
        counter.send(Msg::Add(n)).await?;
    }
    let total = counter.ask(Msg::Get, Duration::from_secs(10)).await?;
    let elapsed = start.elapsed();
    assert_eq!(total, count * (count + 1) / 2, "every Add arrived exactly once");
    println!(
        "client: {count} tells and one ask in {elapsed:?} ({:.2}M msgs/s), total {total}",
        count as f64 / elapsed.as_secs_f64() / 1e6
    );

    let mut rtts = Vec::with_capacity(1000);
    for _ in 0..1000 {
        let t = Instant::now();
        counter.ask(Msg::Get, Duration::from_secs(10)).await?;
        rtts.push(t.elapsed());
    }
    rtts.sort();
    println!("client: ask round trip p50 {:?}, p99 {:?}", rtts[500], rtts[990]);
    if let Some(link) = node.link_metrics("server") {
        println!(
            "client: link {:?}: {} frames out, {} in, rtt p50 {} ns",
            link.state,
            link.frames_out,
            link.frames_in,
            link.rtt_ns.value_at_quantile(0.5)
        );
    }
    counter.send(Msg::Quit).await?;
    node.shutdown(Duration::from_secs(1)).await;
    Ok(())
}

/// Runs the server as a child process of this same example, then calls it.
async fn demo(tcp: bool) -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("mycelium-remote-pair-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let place: Vec<String> = if tcp {
        let free = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        vec!["--tcp".into(), free.to_string()]
    } else {
        vec!["--unix".into(), dir.join("server.sock").display().to_string()]
    };
    let mut server =
        std::process::Command::new(std::env::current_exe()?).arg("serve").args(&place).spawn()?;
    let result = call(parse_where(&place), 100_000).await;
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let Ok(Some(status)) = server.try_wait() {
                break status;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    if ended.is_err() {
        let _ = server.kill();
        let _ = server.wait();
    }
    let _ = std::fs::remove_dir_all(&dir);
    result
}
