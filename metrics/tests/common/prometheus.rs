//! A real Prometheus for the tests that scrape an endpoint, and what it needs: the
//! tools found on PATH (Debian's `prometheus`, installed by
//! scripts/setup-prometheus.sh) or the test says it was skipped and why
//! (`MYCELIUM_REQUIRE_PROMETHEUS=1` makes that a failure), a minimal HTTP/1.0 client,
//! and child processes killed and reaped on every path out. Every wait is bounded.
//!
//! Standard library and serde_json only: the apps crate's tests include this file too
//! (`#[path]`), so one launcher serves both crates.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The longest any wait here may take: a bound for loaded machines, not an expectation.
pub const PATIENCE: Duration = Duration::from_secs(120);

/// An answer: status code, head (lowercased header names), body.
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// Sends `method path` over HTTP/1.0 and reads the answer to the end of the
/// connection, within `timeout` for each read.
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    timeout: Duration,
) -> std::io::Result<Answer> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(stream, "{method} {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok(Answer { status, head: head.to_owned(), body: body.to_owned() })
}

/// Percent-encodes a query parameter value.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The path of `tool` on PATH, or the reason the test that needs it skips.
pub fn find_tool(tool: &str) -> Result<PathBuf, String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(tool))
        .find(|p| p.is_file())
        .ok_or_else(|| format!("`{tool}` is not on PATH (scripts/setup-prometheus.sh installs it)"))
}

/// Finds `tool`, or prints why the calling test is skipped and returns `None`.
/// With `MYCELIUM_REQUIRE_PROMETHEUS=1` a missing tool fails the test instead.
pub fn tool_or_skip(test: &str, tool: &str) -> Option<PathBuf> {
    match find_tool(tool) {
        Ok(path) => Some(path),
        Err(why) => {
            assert!(
                std::env::var_os("MYCELIUM_REQUIRE_PROMETHEUS").is_none(),
                "{test}: {why}, and MYCELIUM_REQUIRE_PROMETHEUS is set"
            );
            // Straight to stderr, past the test harness's capture, so the skip shows
            // in a plain `cargo test`.
            let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
            None
        }
    }
}

/// A child process killed and reaped when dropped, on every path out of a test.
pub struct ChildGuard(pub std::process::Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Prometheus on a free loopback port, scraping each job's targets every 500 ms.
pub struct Prometheus {
    pub addr: SocketAddr,
    _child: ChildGuard,
}

impl Prometheus {
    /// Starts Prometheus from `binary`, its config and data in `dir`, with one scrape
    /// job per `(name, targets)`; returns once it is ready.
    pub fn start(binary: &Path, dir: &Path, jobs: &[(&str, &[SocketAddr])]) -> Prometheus {
        let mut config_text = String::from(
            "global:\n  scrape_interval: 500ms\n  scrape_timeout: 500ms\nscrape_configs:\n",
        );
        for (name, targets) in jobs {
            let targets: Vec<String> = targets.iter().map(|t| format!("'{t}'")).collect();
            config_text.push_str(&format!(
                "  - job_name: {name}\n    static_configs:\n      - targets: [{}]\n",
                targets.join(", ")
            ));
        }
        let config = dir.join("prometheus.yml");
        std::fs::write(&config, config_text).expect("write prometheus.yml");
        // A free port, found by binding it; another process may take it before
        // Prometheus does, so a start that fails is retried on a new one.
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
                    break; // exited: most likely the port was taken
                }
                if http(addr, "GET", "/-/ready", Duration::from_secs(2))
                    .is_ok_and(|a| a.status == 200)
                {
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
        let path = format!("/api/v1/query?query={}", urlencode(promql));
        let answer = http(self.addr, "GET", &path, PATIENCE).expect("query prometheus");
        assert_eq!(answer.status, 200, "{promql}: {}", answer.body);
        let json: serde_json::Value = serde_json::from_str(&answer.body).expect("json");
        assert_eq!(json["status"], "success", "{promql}: {json}");
        json["data"]["result"].as_array().cloned().unwrap_or_default()
    }

    /// The `series` series `promql` answers, each with its labels and value, once it
    /// answers that many (bounded wait).
    pub fn series(&self, promql: &str, series: usize) -> Vec<(serde_json::Value, f64)> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let result = self.query(promql);
            if result.len() == series {
                return result
                    .iter()
                    .map(|r| {
                        let value = r["value"][1].as_str().and_then(|v| v.parse().ok());
                        (r["metric"].clone(), value.expect("a value"))
                    })
                    .collect();
            }
            assert!(
                Instant::now() < deadline,
                "{promql}: {} series after {PATIENCE:?}",
                result.len()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
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
