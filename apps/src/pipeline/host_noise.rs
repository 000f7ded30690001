//! What the host did to a run: the process's context switches, the time its threads
//! waited for a CPU, and the CPU time the hypervisor stole, so that a latency tail
//! caused by the host can be told apart from one caused by the code. Read from
//! `getrusage`, `/proc/self/task/*/schedstat` and `/proc/stat` at the run's start and
//! end.

use serde::{Deserialize, Serialize};

/// The host's share in a run, from its start to its end.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct HostNoise {
    /// Times a thread of this process was switched out while it could still run
    /// (preempted by another thread or process): `getrusage`'s `ru_nivcsw`.
    pub involuntary_context_switches: u64,
    /// Times a thread of this process gave up its CPU to wait (parked, blocked on a
    /// socket or a lock): `ru_nvcsw`.
    pub voluntary_context_switches: u64,
    /// CPU time the hypervisor ran other guests while this machine's CPUs had work,
    /// summed over its CPUs (`/proc/stat`'s `steal`): host-wide, not this process's.
    /// `None` where `/proc/stat` cannot be read.
    pub steal_secs: Option<f64>,
    /// Time this process's threads spent runnable but waiting for a CPU, summed over
    /// its threads (`/proc/self/task/*/schedstat`): a thread woken late, or preempted,
    /// waits here. Threads that ended during the run are not counted. `None` where
    /// schedstat cannot be read.
    #[serde(default)]
    pub runqueue_wait_secs: Option<f64>,
}

/// One reading of the counters behind [`HostNoise`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct HostSample {
    voluntary: u64,
    involuntary: u64,
    steal_ticks: Option<u64>,
    runqueue_wait_ns: Option<u64>,
}

impl HostSample {
    /// The counters now.
    pub(crate) fn now() -> Self {
        let (voluntary, involuntary) = context_switches();
        Self {
            voluntary,
            involuntary,
            steal_ticks: steal_ticks(),
            runqueue_wait_ns: runqueue_wait_ns(),
        }
    }

    /// What happened since `self`.
    pub(crate) fn noise_since(&self) -> HostNoise {
        let end = Self::now();
        let steal = match (self.steal_ticks, end.steal_ticks, clock_ticks_per_sec()) {
            (Some(a), Some(b), Some(hz)) => Some(b.saturating_sub(a) as f64 / hz as f64),
            _ => None,
        };
        HostNoise {
            involuntary_context_switches: end.involuntary.saturating_sub(self.involuntary),
            voluntary_context_switches: end.voluntary.saturating_sub(self.voluntary),
            steal_secs: steal,
            runqueue_wait_secs: match (self.runqueue_wait_ns, end.runqueue_wait_ns) {
                (Some(a), Some(b)) => Some(b.saturating_sub(a) as f64 / 1e9),
                _ => None,
            },
        }
    }
}

/// This process's (voluntary, involuntary) context switches so far, every thread it
/// ever had included.
fn context_switches() -> (u64, u64) {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `usage` is a valid, writable `rusage`, which `getrusage` fills in; it
    // reads nothing else of ours. Pinned by the test below.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    if rc != 0 {
        return (0, 0);
    }
    // SAFETY: zero-initialised, and filled in by a successful `getrusage`.
    let usage = unsafe { usage.assume_init() };
    (usage.ru_nvcsw.max(0) as u64, usage.ru_nivcsw.max(0) as u64)
}

/// The machine's steal time so far, in clock ticks: the 8th figure of `/proc/stat`'s
/// `cpu` line.
fn steal_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu = stat.lines().find(|l| l.starts_with("cpu "))?;
    cpu.split_whitespace().nth(8)?.parse().ok()
}

/// The time this process's live threads have spent waiting on a run queue, in ns: the
/// second figure of each `/proc/self/task/<tid>/schedstat`.
fn runqueue_wait_ns() -> Option<u64> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let Ok(task) = task else { continue };
        // A thread may end between the listing and the read: skip it.
        let Ok(stat) = std::fs::read_to_string(task.path().join("schedstat")) else { continue };
        let wait: u64 = stat.split_whitespace().nth(1)?.parse().ok()?;
        total = total.saturating_add(wait);
    }
    Some(total)
}

/// `/proc/stat`'s unit: clock ticks per second (`sysconf(_SC_CLK_TCK)`).
fn clock_ticks_per_sec() -> Option<u64> {
    // SAFETY: `sysconf` only reads a system constant.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(hz).ok().filter(|&hz| hz > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_that_sleeps_counts_as_a_voluntary_context_switch() {
        let start = HostSample::now();
        // Slept in another thread: its switches count, as every thread's does.
        std::thread::spawn(|| std::thread::sleep(std::time::Duration::from_millis(5)))
            .join()
            .expect("the sleeping thread");
        let noise = start.noise_since();
        assert!(noise.voluntary_context_switches >= 1, "{noise:?}");
        if std::path::Path::new("/proc/stat").exists() {
            assert!(noise.steal_secs.is_some_and(|s| s >= 0.0), "{noise:?}");
        }
        if std::path::Path::new("/proc/self/schedstat").exists() {
            assert!(noise.runqueue_wait_secs.is_some_and(|s| s >= 0.0), "{noise:?}");
        }
    }
}
