//! Helpers shared by the integration tests: a minimal HTTP/1.0 client, Prometheus's
//! `histogram_quantile` for classic buckets, the HDR histograms the runtime uses, and
//! how to find (or skip without) the Prometheus tools.
#![allow(dead_code, unreachable_pub, missing_docs)]

pub mod fake_node;
pub mod promql;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

use hdrhistogram::Histogram;

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

/// `GET path`, expecting 200 (each read waits at most a minute: a bound for loaded
/// machines, not an expectation).
pub fn get(addr: SocketAddr, path: &str) -> String {
    let answer = http(addr, "GET", path, Duration::from_secs(60)).expect("GET");
    assert_eq!(answer.status, 200, "GET {path}: {}\n{}", answer.head, answer.body);
    answer.body
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

/// Prometheus's `histogram_quantile` over classic buckets (`bucketQuantile` in
/// promql/quantile.go of Prometheus 2.42), step for step: sort by upper bound,
/// require `+Inf` last, merge equal bounds, force monotonic counts, find the first
/// bucket whose count reaches `q * total`, and interpolate linearly inside it (from 0
/// in the lowest bucket); a rank in the `+Inf` bucket answers the highest finite bound.
pub fn bucket_quantile(q: f64, buckets: &[(f64, f64)]) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    let mut b: Vec<(f64, f64)> = buckets.to_vec();
    b.sort_by(|x, y| x.0.total_cmp(&y.0));
    if b.last().is_none_or(|l| l.0 != f64::INFINITY) {
        return f64::NAN;
    }
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(b.len());
    for (le, count) in b {
        match merged.last_mut() {
            Some(last) if last.0 == le => last.1 += count,
            _ => merged.push((le, count)),
        }
    }
    let mut max = merged[0].1;
    for m in merged.iter_mut().skip(1) {
        if m.1 > max {
            max = m.1;
        } else {
            m.1 = max;
        }
    }
    if merged.len() < 2 {
        return f64::NAN;
    }
    let observations = merged[merged.len() - 1].1;
    if observations == 0.0 {
        return f64::NAN;
    }
    let mut rank = q * observations;
    let searched = &merged[..merged.len() - 1];
    let i = searched.partition_point(|m| m.1 < rank);
    if i == merged.len() - 1 {
        return merged[merged.len() - 2].0;
    }
    if i == 0 && merged[0].0 <= 0.0 {
        return merged[0].0;
    }
    let (mut start, end, mut count) = (0.0, merged[i].0, merged[i].1);
    if i > 0 {
        start = merged[i - 1].0;
        count -= merged[i - 1].1;
        rank -= merged[i - 1].1;
    }
    start + (end - start) * (rank / count)
}

/// An HDR histogram as the runtime makes them: 1 ns to a minute, two significant digits.
pub fn runtime_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000_000, 2).expect("valid bounds")
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
