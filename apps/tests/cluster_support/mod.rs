//! Helpers of the split-pipeline tests: a cluster file in a temp dir, `mycelium node`
//! processes with a deadline, their output.
#![allow(dead_code, unreachable_pub)]

pub mod link_proxy;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
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

/// A node process, killed on drop if it is still running. Its output is read as it
/// comes, so a test can wait for a line instead of sleeping.
pub struct NodeProcess {
    pub name: String,
    child: Child,
    stdout: Output,
    stderr: Output,
}

/// A child's stream, read to the end on a thread of its own.
struct Output {
    text: Arc<(Mutex<(String, bool)>, Condvar)>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Output {
    fn read(stream: impl Read + Send + 'static) -> Self {
        let text = Arc::new((Mutex::new((String::new(), false)), Condvar::new()));
        let shared = text.clone();
        let reader = std::thread::spawn(move || {
            let (lock, changed) = &*shared;
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                let mut out = lock.lock().expect("output lock");
                out.0.push_str(&line);
                out.0.push('\n');
                changed.notify_all();
            }
            lock.lock().expect("output lock").1 = true;
            changed.notify_all();
        });
        Self { text, reader: Some(reader) }
    }

    /// Waits until the text contains `pattern`; false if the stream ended or
    /// `within` passed first.
    fn wait_for(&self, pattern: &str, within: Duration) -> bool {
        self.wait_for_count(pattern, 1, within)
    }

    /// Waits until the text contains `pattern` `times` times; false if the stream
    /// ended or `within` passed first.
    fn wait_for_count(&self, pattern: &str, times: usize, within: Duration) -> bool {
        let (lock, changed) = &*self.text;
        let until = Instant::now() + within;
        let mut out = lock.lock().expect("output lock");
        loop {
            if out.0.matches(pattern).count() >= times {
                return true;
            }
            let left = until.saturating_duration_since(Instant::now());
            if out.1 || left.is_zero() {
                return false;
            }
            out = changed.wait_timeout(out, left).expect("output lock").0;
        }
    }

    /// Waits until the stream has ended; false if `within` passed first.
    fn wait_ended(&self, within: Duration) -> bool {
        let (lock, changed) = &*self.text;
        let out = lock.lock().expect("output lock");
        let (out, _) = changed.wait_timeout_while(out, within, |out| !out.1).expect("output lock");
        out.1
    }

    /// Everything read, once the stream has ended.
    fn take(mut self) -> String {
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        let (lock, _) = &*self.text;
        std::mem::take(&mut lock.lock().expect("output lock").0)
    }

    fn snapshot(&self) -> String {
        self.text.0.lock().expect("output lock").0.clone()
    }
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
        self.signal("-TERM");
    }

    /// Sends SIGINT, as Ctrl-C does.
    pub fn interrupt(&self) {
        self.signal("-INT");
    }

    fn signal(&self, which: &str) {
        let status = Command::new("kill")
            .args([which, &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill {which} failed");
    }

    /// Sends SIGKILL, as a crash would, and reaps the process.
    pub fn kill_9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits until the strategies of this node have logged `fills` fills (at most
    /// [`WAIT`]); panics if they do not.
    pub fn wait_for_fills(&self, fills: u64) {
        self.wait_for_lines(": fill ", fills);
    }

    /// Waits until the strategies of this node have logged `orders` orders sent (at
    /// most [`WAIT`]); panics if they do not.
    pub fn wait_for_orders(&self, orders: u64) {
        self.wait_for_lines(": order ", orders);
    }

    fn wait_for_lines(&self, what: &str, n: u64) {
        let times = usize::try_from(n).unwrap_or(usize::MAX);
        if !self.stderr.wait_for_count(what, times, WAIT) {
            let log = self.stderr.snapshot();
            let tail: Vec<&str> = log.lines().filter(|l| !l.contains(what)).collect();
            let tail = tail[tail.len().saturating_sub(40)..].join("\n");
            panic!("node {} never logged {n} times {what:?}; its log ends:\n{tail}", self.name);
        }
    }

    /// Waits until the node has logged a line containing `pattern` (at most
    /// [`WAIT`]); panics with what it logged if it does not.
    pub fn wait_for_log(&self, pattern: &str) {
        if !self.stderr.wait_for(pattern, WAIT) {
            panic!(
                "node {} never logged {pattern:?}; stderr so far:\n{}",
                self.name,
                self.stderr.snapshot()
            );
        }
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
    let mut command = Command::new(env!("CARGO_BIN_EXE_mycelium"));
    command.args(["node", "--config"]).arg(cluster).args(["--name", name]).args(args);
    spawn(name, command)
}

/// Starts `command` (a `mycelium` command line), its output read as it comes. The
/// pipeline's progress (`mycelium_apps` at info), execution's recovery
/// (`mycelium_execution` at info) and the strategies' orders and fills
/// (`mycelium_strategies` at debug) are logged, for tests to wait on.
pub fn spawn(name: &str, mut command: Command) -> NodeProcess {
    let mut child = command
        .env(
            "RUST_LOG",
            "warn,mycelium_apps=info,mycelium_execution=info,mycelium_strategies=debug",
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mycelium");
    let stdout = Output::read(child.stdout.take().expect("piped stdout"));
    let stderr = Output::read(child.stderr.take().expect("piped stderr"));
    NodeProcess { name: name.to_owned(), child, stdout, stderr }
}

/// What a node printed, and how it ended.
pub struct Finished {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Waits for `node` to exit, at most [`WAIT`] (then kills it and fails).
pub fn finish(mut node: NodeProcess) -> Finished {
    // A process's output ends when it exits.
    if !node.stdout.wait_ended(WAIT) || !node.stderr.wait_ended(WAIT) {
        let _ = node.child.kill();
        panic!(
            "node {} still running after {WAIT:?}; stderr:\n{}",
            node.name,
            node.stderr.snapshot()
        );
    }
    let status = node.child.wait().expect("wait");
    let stdout = std::mem::replace(&mut node.stdout, Output::empty()).take();
    let stderr = std::mem::replace(&mut node.stderr, Output::empty()).take();
    Finished { success: status.success(), stdout, stderr }
}

/// Waits for every node to exit, at most [`WAIT`] each; if one does not, kills them
/// all and fails with what each logged (order and fill lines left out).
pub fn finish_all<const N: usize>(mut nodes: [NodeProcess; N]) -> [Finished; N] {
    let stuck = nodes.iter().find(|n| !n.stdout.wait_ended(WAIT) || !n.stderr.wait_ended(WAIT));
    if let Some(stuck) = stuck {
        let mut logs = format!("node {} still running after {WAIT:?}", stuck.name);
        for node in &mut nodes {
            let _ = node.child.kill();
            let log = node.stderr.snapshot();
            let lines: Vec<&str> =
                log.lines().filter(|l| !l.contains(": order ") && !l.contains(": fill ")).collect();
            logs += &format!(
                "\n---- {}:\n{}",
                node.name,
                lines[lines.len().saturating_sub(60)..].join("\n")
            );
        }
        panic!("{logs}");
    }
    nodes.map(finish)
}

impl Output {
    fn empty() -> Self {
        Self { text: Arc::new((Mutex::new((String::new(), true)), Condvar::new())), reader: None }
    }
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

/// The first `lines` lines of the recorded BTCUSDT capture, written into `dir` as two
/// files: its trades, and the rest (book ticker, depth, the snapshot). `None` (after
/// saying so) when the data is absent.
pub fn capture_in_two_files(dir: &Path, lines: usize) -> Option<[PathBuf; 2]> {
    let data = std::env::var_os("MYCELIUM_DATA_DIR").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data"))
    });
    let capture = data.join("hftbacktest_binance-usdm_BTCUSDT_20240808.jsonl.gz");
    if !capture.is_file() {
        println!("skipped: {} not found (set MYCELIUM_DATA_DIR)", capture.display());
        return None;
    }
    let file = std::fs::File::open(&capture).expect("open the capture");
    let (mut trades, mut book) = (String::new(), String::new());
    for line in BufReader::new(flate2::read::GzDecoder::new(file)).lines().take(lines) {
        let line = line.expect("read the capture");
        let out = if line.contains("@trade\"") { &mut trades } else { &mut book };
        out.push_str(&line);
        out.push('\n');
    }
    let paths = [dir.join("trades.jsonl"), dir.join("book.jsonl")];
    std::fs::write(&paths[0], trades).expect("write trades");
    std::fs::write(&paths[1], book).expect("write book");
    Some(paths)
}
