//! Helpers of the `report_*` tests: synthetic histograms, reports, and the binary run
//! with a deadline.
#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use mycelium_apps::report::{Counts, HopKey, Report, RunInfo};
use mycelium_execution::latency::new_histogram;
use mycelium_execution::Hop;

/// Every run of the binary in a test must end within this.
pub const WAIT: Duration = Duration::from_secs(60);

/// `n` deterministic latencies in nanoseconds, log-uniform from 500 ns to ~50 ms, with
/// a few outliers: the shape of real hop latencies.
pub fn samples(seed: u64, n: usize) -> Vec<u64> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let u = (x >> 11) as f64 / (1u64 << 53) as f64;
            (500.0 * 10f64.powf(5.0 * u * u)) as u64
        })
        .collect()
}

/// The histogram of `samples`, with the pipeline's bounds.
pub fn histogram(samples: &[u64]) -> Histogram<u64> {
    let mut h = new_histogram();
    for &s in samples {
        h.record(s).expect("in range");
    }
    h
}

/// Run information that needs no git or clock.
pub fn run_info(command: &str) -> RunInfo {
    RunInfo {
        command: command.into(),
        command_line: vec!["mycelium".into(), command.into()],
        git_commit: "unknown".into(),
        hostname: "test".into(),
        cpus: 1,
        date: "2026-01-01T00:00:00Z".into(),
        config_toml: Some("[feed]\nticks = 10\n".into()),
        elapsed_secs: Some(1.5),
        host_noise: None,
        queue_model: None,
    }
}

/// A report of these hops' samples.
pub fn report(hops: &[(Hop, &[u64])], counts: Counts) -> Report {
    let hops: BTreeMap<HopKey, Histogram<u64>> =
        hops.iter().map(|(hop, s)| (HopKey::local(*hop), histogram(s))).collect();
    Report { hops, counts, run: run_info("run"), inputs: Vec::new(), backtest: None }
}

/// Runs `mycelium ARGS` in `dir`, killing it after [`WAIT`].
pub fn mycelium(args: &[&str], dir: &Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mycelium"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // Drained on threads, so a full pipe never stalls the child.
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        })
    };
    let stdout = drain(child.stdout.take().map(|r| Box::new(r) as Box<dyn Read + Send>));
    let stderr = drain(child.stderr.take().map(|r| Box::new(r) as Box<dyn Read + Send>));
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("mycelium {args:?} did not end within {WAIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = Output {
        status,
        stdout: stdout.join().expect("stdout"),
        stderr: stderr.join().expect("stderr"),
    };
    assert!(
        out.status.success(),
        "mycelium {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
