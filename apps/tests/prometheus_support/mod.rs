//! A real Prometheus for the tests that scrape a running `mycelium`: found on the
//! PATH (Debian's `prometheus`, installed by scripts/setup-prometheus.sh), or the
//! test says it was skipped and why (`MYCELIUM_REQUIRE_PROMETHEUS=1` makes that a
//! failure). Children are killed and reaped on every path out; every wait is bounded.
#![allow(dead_code, unreachable_pub)]

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The longest any wait here may take: a bound, not an expectation.
pub const PATIENCE: Duration = Duration::from_secs(120);

/// `tool` on the PATH, or `None` after saying the test is skipped.
pub fn tool_or_skip(test: &str, tool: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .and_then(|path| std::env::split_paths(&path).map(|d| d.join(tool)).find(|p| p.is_file()));
    if found.is_none() {
        assert!(
            std::env::var_os("MYCELIUM_REQUIRE_PROMETHEUS").is_none(),
            "{test}: {tool} is not installed, and MYCELIUM_REQUIRE_PROMETHEUS is set"
        );
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {test}: {tool} is not installed (scripts/setup-prometheus.sh)"
        );
    }
    found
}

/// A child process killed and reaped when dropped.
pub struct ChildGuard(pub Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `GET path` over HTTP/1.0: status and body.
pub fn get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw)?;
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok((status, body.to_owned()))
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Prometheus on a free loopback port, scraping `targets` (job `mycelium`) every
/// 500 ms.
pub struct Prometheus {
    pub addr: SocketAddr,
    _child: ChildGuard,
}

impl Prometheus {
    pub fn start(binary: &Path, dir: &Path, targets: &[SocketAddr]) -> Prometheus {
        let targets: Vec<String> = targets.iter().map(|t| format!("'{t}'")).collect();
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 500ms\n  scrape_timeout: 500ms\n\
                 scrape_configs:\n  - job_name: mycelium\n    static_configs:\n      - targets: [{}]\n",
                targets.join(", ")
            ),
        )
        .expect("write prometheus.yml");
        // A free port, found by binding it; another process may take it first, so a
        // start that fails is retried on a new one.
        let mut last_log = String::new();
        for attempt in 0..5 {
            let addr =
                TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port");
            let log = dir.join(format!("prometheus-{attempt}.log"));
            let child = Command::new(binary)
                .arg(format!("--config.file={}", config.display()))
                .arg(format!(
                    "--storage.tsdb.path={}",
                    dir.join(format!("data-{attempt}")).display()
                ))
                .arg(format!("--web.listen-address={addr}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).expect("log file"))
                .spawn()
                .expect("start prometheus");
            let mut child = ChildGuard(child);
            let deadline = Instant::now() + PATIENCE;
            while Instant::now() < deadline {
                if child.0.try_wait().ok().flatten().is_some() {
                    break;
                }
                if get(addr, "/-/ready").is_ok_and(|(status, _)| status == 200) {
                    return Prometheus { addr, _child: child };
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            last_log = std::fs::read_to_string(&log).unwrap_or_default();
        }
        panic!("prometheus did not become ready; its log:\n{last_log}");
    }

    /// An instant query's result vector.
    pub fn query(&self, promql: &str) -> Vec<serde_json::Value> {
        let (status, body) = get(self.addr, &format!("/api/v1/query?query={}", urlencode(promql)))
            .expect("query prometheus");
        assert_eq!(status, 200, "{promql}: {body}");
        let json: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert_eq!(json["status"], "success", "{promql}: {json}");
        json["data"]["result"].as_array().cloned().unwrap_or_default()
    }

    /// The value of the single series `promql` answers, once `done` holds for it
    /// (bounded wait).
    pub fn value_when(&self, promql: &str, done: impl Fn(f64) -> bool) -> f64 {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let result = self.query(promql);
            let value = result
                .first()
                .and_then(|r| r["value"][1].as_str())
                .and_then(|v| v.parse::<f64>().ok());
            if let Some(v) = value.filter(|v| result.len() == 1 && done(*v)) {
                return v;
            }
            assert!(Instant::now() < deadline, "{promql}: {result:?} after {PATIENCE:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
