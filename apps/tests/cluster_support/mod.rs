//! Helpers of the split-pipeline tests: a cluster file in a temp dir, `mycelium node`
//! processes with a deadline, their output.
#![allow(dead_code, unreachable_pub)]

pub mod link_proxy;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Every node process must end within this.
pub const WAIT: Duration = Duration::from_secs(90);

/// The pipeline section shared by the tests: both sample strategies, a fast
/// synthetic feed, deterministic for its seed.
pub fn pipeline(ticks: u64) -> String {
    format!(
        r#"
[pipeline.feed]
symbols = 4
seed = 7
rate = 0
ticks = {ticks}

[pipeline.execution.exchange]
order_latency_ns = 100000

[[pipeline.strategy]]
name = "mm"
kind = "market_maker"
[pipeline.strategy.params]
half_spread_bps = 2.0
qty = 1.0
max_inventory = 5.0

[[pipeline.strategy]]
name = "trend"
kind = "moving_average"
[pipeline.strategy.params]
fast = 20
slow = 100
qty = 2.0
"#
    )
}

/// A free TCP port on loopback (bound, then released for the node to take).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Writes `text` as `cluster.toml` in `dir`.
pub fn write_cluster(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("cluster.toml");
    std::fs::write(&path, text).expect("write cluster file");
    path
}

/// A node process, killed on drop if it is still running.
pub struct NodeProcess {
    pub name: String,
    child: Child,
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl NodeProcess {
    /// Sends SIGTERM (a graceful stop).
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
    }

    /// Sends SIGKILL, as a crash would, and reaps the process.
    pub fn kill_9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A three-node cluster file on Unix sockets in `dir` (feed `md`, strategies on
/// `alpha`, execution on `exec`), publishing `ticks` at `rate` ticks/s.
pub fn three_nodes(dir: &Path, ticks: u64, rate: u64) -> PathBuf {
    let sock = |n: &str| dir.join(format!("{n}.sock")).display().to_string();
    let pipeline = pipeline(ticks).replace("rate = 0", &format!("rate = {rate}"));
    write_cluster(
        dir,
        &format!(
            r#"secret = "three processes"
[roles]
feed = "md"
execution = "exec"
strategies = {{ mm = "alpha", trend = "alpha" }}
[[node]]
name = "md"
unix = "{}"
[[node]]
name = "alpha"
unix = "{}"
[[node]]
name = "exec"
unix = "{}"
{pipeline}"#,
            sock("md"),
            sock("alpha"),
            sock("exec"),
        ),
    )
}

/// A two-node cluster file over TCP loopback in `dir`: the feed and both strategies
/// on `trader` (at `trader`), execution on `venue` (at `venue`), with `pipeline`.
pub fn two_nodes_tcp(
    dir: &Path,
    trader: std::net::SocketAddr,
    venue: std::net::SocketAddr,
    pipeline: &str,
) -> PathBuf {
    write_cluster(dir, &two_nodes_text(trader, venue, pipeline))
}

/// The text of [`two_nodes_tcp`]'s file.
pub fn two_nodes_text(
    trader: std::net::SocketAddr,
    venue: std::net::SocketAddr,
    pipeline: &str,
) -> String {
    format!(
        r#"secret = "two nodes"
[roles]
feed = "trader"
execution = "venue"
strategies = {{ mm = "trader", trend = "trader" }}
[[node]]
name = "trader"
tcp = "{trader}"
[[node]]
name = "venue"
tcp = "{venue}"
{pipeline}"#
    )
}

/// A free TCP address on loopback.
pub fn free_addr() -> std::net::SocketAddr {
    std::net::SocketAddr::from(([127, 0, 0, 1], free_port()))
}

/// Starts `mycelium node --config CLUSTER --name NAME` with extra `args`.
pub fn start(cluster: &Path, name: &str, args: &[&str]) -> NodeProcess {
    let child = Command::new(env!("CARGO_BIN_EXE_mycelium"))
        .args(["node", "--config"])
        .arg(cluster)
        .args(["--name", name])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mycelium node");
    NodeProcess { name: name.to_owned(), child }
}

/// What a node printed, and how it ended.
pub struct Finished {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Waits for `node` to exit, at most [`WAIT`] (then kills it and fails).
pub fn finish(mut node: NodeProcess) -> Finished {
    let start = Instant::now();
    let status = loop {
        if let Some(status) = node.child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > WAIT {
            let _ = node.child.kill();
            let mut err = String::new();
            if let Some(mut e) = node.child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            panic!("node {} still running after {WAIT:?}; stderr:\n{err}", node.name);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut o) = node.child.stdout.take() {
        let _ = o.read_to_string(&mut stdout);
    }
    if let Some(mut e) = node.child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    Finished { success: status.success(), stdout, stderr }
}

/// The lines of a summary that say what was traded (orders, fills, positions), without
/// timing: equal for two runs of the same seed, however the pipeline is split.
pub fn trades(summary: &str) -> String {
    summary
        .lines()
        .filter(|l| {
            l.starts_with("orders ")
                || l.starts_with("  rejected")
                || l.starts_with("mm ")
                || l.starts_with("trend ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The number after `key` in the line starting with `orders `.
pub fn count(summary: &str, key: &str) -> u64 {
    let line = summary.lines().find(|l| l.starts_with("orders ")).expect("an orders line");
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words.iter().position(|w| *w == key).expect("the key");
    words[at + 1].parse().expect("a number")
}

impl NodeProcess {
    /// The process's resident memory in KiB (from /proc), if it is still running.
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
    }
}
