//! The process collector: CPU time, memory, file descriptors and start time of this
//! process, read from `/proc` at scrape time, under the names the standard Go and
//! Python process collectors use (so existing dashboards and alerts apply).

use futures_util::future::BoxFuture;
use futures_util::FutureExt as _;

use crate::batch::Batch;
use crate::catalogue::{
    PROCESS_CPU_SECONDS, PROCESS_MAX_FDS, PROCESS_OPEN_FDS, PROCESS_RESIDENT_MEMORY,
    PROCESS_START_TIME, PROCESS_VIRTUAL_MEMORY,
};
use crate::collector::{CollectError, Collector};

/// Clock ticks per second of the CPU and start times in `/proc/<pid>/stat`: Linux's
/// `USER_HZ`, fixed at 100 for user space on every architecture (the Go collector
/// assumes the same).
const USER_HZ: f64 = 100.0;

/// Reports `process_*` for this process. Linux only: elsewhere its families are
/// missing and `mycelium_scrape_collector_success{collector="process"}` is 0.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProcessCollector;

impl Collector for ProcessCollector {
    fn name(&self) -> &str {
        "process"
    }

    fn collect(&self) -> BoxFuture<'_, Result<Batch, CollectError>> {
        futures_util::future::ready(collect()).boxed()
    }
}

fn collect() -> Result<Batch, CollectError> {
    let stat = Stat::parse(&std::fs::read_to_string("/proc/self/stat")?)
        .ok_or_else(|| CollectError::Unavailable("unexpected /proc/self/stat".into()))?;
    let boot = boot_time(&std::fs::read_to_string("/proc/stat")?)
        .ok_or_else(|| CollectError::Unavailable("no btime in /proc/stat".into()))?;
    let status = std::fs::read_to_string("/proc/self/status")?;
    let open_fds = std::fs::read_dir("/proc/self/fd")?.count();

    let mut batch = Batch::new();
    batch.counter(&PROCESS_CPU_SECONDS, [], (stat.utime + stat.stime) as f64 / USER_HZ);
    batch.gauge(&PROCESS_START_TIME, [], boot as f64 + stat.starttime as f64 / USER_HZ);
    batch.gauge(&PROCESS_VIRTUAL_MEMORY, [], stat.vsize);
    if let Some(kib) = status_kib(&status, "VmRSS:") {
        batch.gauge(&PROCESS_RESIDENT_MEMORY, [], kib * 1024);
    }
    batch.gauge(&PROCESS_OPEN_FDS, [], open_fds);
    if let Some(max) =
        std::fs::read_to_string("/proc/self/limits").ok().as_deref().and_then(max_open_files)
    {
        batch.gauge(&PROCESS_MAX_FDS, [], max);
    }
    Ok(batch)
}

/// The fields of `/proc/self/stat` this collector reports.
#[derive(Debug, PartialEq, Eq)]
struct Stat {
    utime: u64,
    stime: u64,
    starttime: u64,
    vsize: u64,
}

impl Stat {
    /// Parses `pid (comm) state ...`. The command name may hold spaces and
    /// parentheses, so the fields are counted from the last `)`.
    fn parse(text: &str) -> Option<Stat> {
        let rest = &text[text.rfind(')')? + 1..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // fields[0] is field 3 of proc(5) (state); field n is fields[n - 3].
        let field = |n: usize| -> Option<u64> { fields.get(n - 3)?.parse().ok() };
        Some(Stat {
            utime: field(14)?,
            stime: field(15)?,
            starttime: field(22)?,
            vsize: field(23)?,
        })
    }
}

/// The boot time, in seconds since the epoch, from `/proc/stat`.
fn boot_time(text: &str) -> Option<u64> {
    text.lines().find_map(|l| l.strip_prefix("btime ")).and_then(|v| v.trim().parse().ok())
}

/// A `kB` figure of `/proc/self/status`.
fn status_kib(text: &str, key: &str) -> Option<u64> {
    let line = text.lines().find_map(|l| l.strip_prefix(key))?;
    line.split_whitespace().next()?.parse().ok()
}

/// The soft limit on open files from `/proc/self/limits`; `None` if unlimited.
fn max_open_files(text: &str) -> Option<u64> {
    let line = text.lines().find_map(|l| l.strip_prefix("Max open files"))?;
    line.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_from_the_last_parenthesis() {
        let text = "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 1000 0 0 0 \
                    250 130 0 0 20 0 3 0 98765 123456789 2048 18446744073709551615";
        let stat = Stat::parse(text);
        assert_eq!(stat, Some(Stat { utime: 250, stime: 130, starttime: 98765, vsize: 123456789 }));
        assert_eq!(Stat::parse("4242 (short) S 1"), None);
    }

    #[test]
    fn limits_and_status_figures_are_read_by_their_label() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                      Max open files            1024                 524288               files\n";
        assert_eq!(max_open_files(limits), Some(1024));
        assert_eq!(max_open_files("Max open files  unlimited  unlimited  files\n"), None);
        assert_eq!(status_kib("Name:\tx\nVmRSS:\t   5120 kB\n", "VmRSS:"), Some(5120));
        assert_eq!(boot_time("cpu 1 2 3\nbtime 1700000000\n"), Some(1_700_000_000));
    }
}
