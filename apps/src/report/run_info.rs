//! What a report says about the run that made it: commit, host, date, command line,
//! config, and the trading counts.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::pipeline::{HostNoise, RunOutcome};

/// The run (or the `mycelium report` merge) a report comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// The subcommand: `run`, `replay` or `report`.
    pub command: String,
    /// The whole command line, program name first.
    pub command_line: Vec<String>,
    /// `git rev-parse --short HEAD` of the source tree, or `unknown`.
    pub git_commit: String,
    /// The machine's host name, or `unknown`.
    pub hostname: String,
    /// Logical CPUs available to the process.
    pub cpus: usize,
    /// When the report was written, RFC 3339 in UTC (`2026-05-01T12:34:56Z`).
    pub date: String,
    /// The pipeline config as TOML text (the file given, or the embedded default);
    /// `None` for a merge.
    pub config_toml: Option<String>,
    /// Wall-clock run time in seconds; `None` for a merge.
    pub elapsed_secs: Option<f64>,
    /// What the host did to the run (context switches, CPU steal); `None` for a
    /// merge, and in reports written before it was recorded.
    #[serde(default)]
    pub host_noise: Option<HostNoise>,
    /// The simulated exchange's queue-position model (`risk-averse`, `prob power n=2`,
    /// ...); `None` for a merge, and in reports written before it was recorded.
    #[serde(default)]
    pub queue_model: Option<String>,
}

impl RunInfo {
    /// Information on this process: `command` with the config text, and the run's
    /// time and host noise (`None` for a merge).
    pub fn collect(command: &str, config_toml: Option<String>, run: Option<&RunOutcome>) -> Self {
        Self {
            command: command.to_string(),
            command_line: std::env::args().collect(),
            git_commit: git_commit(),
            hostname: hostname(),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            date: rfc3339_utc(SystemTime::now()),
            config_toml,
            elapsed_secs: run.map(|r| r.elapsed.as_secs_f64()),
            host_noise: run.map(|r| r.host_noise),
            queue_model: run.map(|r| r.queue_model.to_string()),
        }
    }
}

/// What the run traded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Ticks the strategies received.
    pub ticks: u64,
    /// Orders submitted.
    pub orders: u64,
    /// Fills.
    pub fills: u64,
    /// Rejected orders and cancels.
    pub rejects: u64,
}

impl Counts {
    /// The counts of a finished run.
    pub fn of(outcome: &RunOutcome) -> Self {
        let stats = &outcome.execution.stats;
        Self {
            ticks: outcome.ticks,
            orders: stats.orders,
            fills: stats.fills,
            rejects: stats.rejects(),
        }
    }

    /// Both counts added up (a merge of runs).
    pub fn add(&mut self, other: &Counts) {
        self.ticks += other.ticks;
        self.orders += other.orders;
        self.fills += other.fills;
        self.rejects += other.rejects;
    }
}

/// The short commit of the source tree this binary was built from, else of the
/// working directory, else `unknown`.
fn git_commit() -> String {
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dirs: [&Path; 2] = [built_from, Path::new(".")];
    for dir in dirs.into_iter().filter(|d| d.is_dir()) {
        let out = Command::new("git")
            .args(["rev-parse", "--short", "HEAD"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output();
        if let Ok(out) = out {
            let commit = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if out.status.success() && !commit.is_empty() {
                return commit;
            }
        }
    }
    "unknown".into()
}

fn hostname() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .chain(std::env::var("HOSTNAME").ok())
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// `t` as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339_utc(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc3339() {
        assert_eq!(rfc3339_utc(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = UNIX_EPOCH + std::time::Duration::from_secs(1_709_210_096); // a leap day
        assert_eq!(rfc3339_utc(t), "2024-02-29T12:34:56Z");
    }
}
