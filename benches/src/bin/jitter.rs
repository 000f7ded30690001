//! What the machine alone does to a thread's timing: the floor under any latency
//! tail measured here, whatever the code.
//!
//! - `jitter spin [seconds] [threads]` (10 s, 1 thread): each thread, pinned to a core
//!   of its own, reads the clock in a loop and records every gap between two reads. A
//!   gap longer than the loop's period is time the thread did not run: an interrupt, a
//!   preemption, the hypervisor running something else on this vCPU. An event that
//!   comes at a random instant while the thread is away waits out the rest of the gap,
//!   so a thread that spins for its events (a paced feed, a busy-poll reader) cannot
//!   have a delay tail below what these gaps give: the fraction of events delayed over
//!   `x` is `sum(max(0, gap - x)) / run`. Printed: that delay's p50, p99 and p99.9,
//!   and how often gaps over 10 µs, 50 µs and 1 ms came. Two threads show what two
//!   spinning processes (a busy-poll split on 2 vCPUs) get.
//! - `jitter wake [seconds] [rate]` (10 s, 5000/s): a thread pinned to the first core
//!   spins until each event is due and writes it to a Unix socket; a thread pinned to
//!   the second blocks reading it, as a default link's reader parks in `epoll_wait`.
//!   Printed: due to read, the floor of a hop across processes whose reader sleeps.
//! - `jitter timer [seconds] [rate]` (10 s, 5000/s): one thread sleeps until each
//!   event is due (`clock_nanosleep`, a high-resolution timer). Printed: how late it
//!   wakes, the floor of a feed that sleeps between ticks instead of spinning.
//!
//! `cargo run --release -p mycelium-benches --bin jitter -- spin 10 2`;
//! `scripts/bench-cluster.sh` runs all three beside its pipelines.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

const USAGE: &str = "usage: jitter spin [seconds] [threads]\n       jitter wake [seconds] [rate]\n       jitter timer [seconds] [rate]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: u64| match args.get(i) {
        None => Some(default),
        Some(a) => a.parse::<u64>().ok().filter(|&n| n > 0),
    };
    let (Some(mode), Some(secs), Some(n)) = (args.first(), number(1, 10), number(2, 0)) else {
        eprintln!("{USAGE}");
        return ExitCode::FAILURE;
    };
    let run = Duration::from_secs(secs);
    let result = match (mode.as_str(), args.len()) {
        ("spin", ..=3) => spin(run, if n == 0 { 1 } else { n as usize }),
        ("wake", ..=3) => wake(run, if n == 0 { 5_000 } else { n }),
        ("timer", ..=3) => timer(run, if n == 0 { 5_000 } else { n }),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jitter: {e}");
            ExitCode::FAILURE
        }
    }
}

fn spin(run: Duration, threads: usize) -> std::io::Result<()> {
    let probes: Vec<_> = (0..threads)
        .map(|i| {
            std::thread::spawn(move || {
                let core = pin(i);
                (core, spin_gaps(run))
            })
        })
        .collect();
    println!(
        "jitter spin: {threads} thread(s) reading the clock for {} s; the delay an event at a random instant waits, and gaps per second",
        run.as_secs()
    );
    println!(
        "{:<10} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9} {:>10}",
        "thread", "delay p50", "p99", "p99.9", ">10us/s", ">50us/s", ">1ms/s", "max gap"
    );
    for (i, probe) in probes.into_iter().enumerate() {
        let (core, gaps) =
            probe.join().map_err(|_| std::io::Error::other("a probe thread panicked"))?;
        let per_sec = |over_us: u64| {
            let n: u64 = gaps
                .iter_recorded()
                .filter(|v| v.value_iterated_to() > over_us * 1_000)
                .map(|v| v.count_at_value())
                .sum();
            n as f64 / run.as_secs_f64()
        };
        let total_ns = run.as_nanos() as f64;
        println!(
            "{:<10} {:>10} {:>10} {:>10} {:>9.1} {:>9.1} {:>9.2} {:>10}",
            core.map_or(format!("{i}"), |c| format!("{i} (cpu{c})")),
            fmt_ns(delay_quantile(&gaps, total_ns, 0.5)),
            fmt_ns(delay_quantile(&gaps, total_ns, 0.99)),
            fmt_ns(delay_quantile(&gaps, total_ns, 0.999)),
            per_sec(10),
            per_sec(50),
            per_sec(1_000),
            fmt_ns(gaps.max()),
        );
    }
    Ok(())
}

fn wake(run: Duration, rate: u64) -> std::io::Result<()> {
    let (mut tx, mut rx) = UnixStream::pair()?;
    let base = Instant::now();
    let reader = std::thread::spawn(move || -> std::io::Result<Histogram<u64>> {
        pin(1);
        let mut delays = histogram();
        let mut due = [0u8; 8];
        while rx.read_exact(&mut due).is_ok() {
            let now = base.elapsed().as_nanos() as u64;
            delays.saturating_record(now.saturating_sub(u64::from_le_bytes(due)));
        }
        Ok(delays)
    });
    pin(0);
    paced(run, rate, base, |due| {
        spin_until(base + Duration::from_nanos(due));
        tx.write_all(&due.to_le_bytes())
    })?;
    drop(tx);
    let delays = reader.join().map_err(|_| std::io::Error::other("the reader panicked"))??;
    print_delays(
        &format!("jitter wake: due to read across a Unix socket, writer spinning on cpu0, reader blocked on cpu1, {rate}/s"),
        &delays,
    );
    Ok(())
}

fn timer(run: Duration, rate: u64) -> std::io::Result<()> {
    let base = Instant::now();
    let mut late = histogram();
    pin(0);
    paced(run, rate, base, |due| {
        let due = base + Duration::from_nanos(due);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        late.saturating_record(due.elapsed().as_nanos() as u64);
        Ok(())
    })?;
    print_delays(
        &format!("jitter timer: how late a thread sleeping until each due time wakes, {rate}/s"),
        &late,
    );
    Ok(())
}

/// Calls `event` with each due time (ns after `base`) of `rate` events a second for `run`.
fn paced(
    run: Duration,
    rate: u64,
    base: Instant,
    event: impl FnMut(u64) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let interval = 1_000_000_000 / rate;
    let start = base.elapsed().as_nanos() as u64 + interval;
    let end = start + run.as_nanos() as u64;
    (start..end).step_by(interval as usize).try_for_each(event)
}

fn spin_until(t: Instant) {
    while Instant::now() < t {
        std::hint::spin_loop();
    }
}

/// Pins the calling thread to the `i`th core (modulo their number); returns its id.
fn pin(i: usize) -> Option<usize> {
    let cores = core_affinity::get_core_ids()?;
    let core = *cores.get(i % cores.len().max(1))?;
    core_affinity::set_for_current(core).then_some(core.id)
}

/// Every gap between two clock reads of a thread spinning for `run`, in ns.
fn spin_gaps(run: Duration) -> Histogram<u64> {
    let mut gaps = histogram();
    let start = Instant::now();
    let mut last = start;
    loop {
        let now = Instant::now();
        gaps.saturating_record((now - last).as_nanos() as u64);
        last = now;
        if now - start >= run {
            return gaps;
        }
    }
}

/// The delay that an event arriving at a uniformly random instant of the run exceeds
/// with probability `1 - q`: the smallest `x` with `sum(max(0, gap - x)) / total_ns <=
/// 1 - q`, found by bisection (the sum falls as `x` grows).
fn delay_quantile(gaps: &Histogram<u64>, total_ns: f64, q: f64) -> u64 {
    let late = |x: u64| -> f64 {
        gaps.iter_recorded()
            .map(|v| {
                let g = gaps.median_equivalent(v.value_iterated_to());
                g.saturating_sub(x) as f64 * v.count_at_value() as f64
            })
            .sum::<f64>()
            / total_ns
    };
    let (mut lo, mut hi) = (0, gaps.max());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if late(mid) <= 1.0 - q {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

fn print_delays(title: &str, h: &Histogram<u64>) {
    println!("{title}");
    let (p50, p99, p999) =
        (h.value_at_quantile(0.5), h.value_at_quantile(0.99), h.value_at_quantile(0.999));
    println!(
        "{:>10} {:>10} {:>10} {:>10} {:>8} {:>9} {:>8}",
        "p50", "p99", "p99.9", "max", "count", "p99/p50", "p99.9/p50"
    );
    println!(
        "{:>10} {:>10} {:>10} {:>10} {:>8} {:>8.1}x {:>8.1}x",
        fmt_ns(p50),
        fmt_ns(p99),
        fmt_ns(p999),
        fmt_ns(h.max()),
        h.len(),
        p99 as f64 / p50.max(1) as f64,
        p999 as f64 / p50.max(1) as f64,
    );
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("static bounds are valid")
}

fn fmt_ns(ns: u64) -> String {
    match ns {
        0..=9_999 => format!("{ns} ns"),
        10_000..=9_999_999 => format!("{:.1} us", ns as f64 / 1e3),
        _ => format!("{:.1} ms", ns as f64 / 1e6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One gap of 1 ms in a 1 s run: 0.1% of random instants fall in it and wait out
    /// its rest, so half of them (0.05% of all) wait over 0.5 ms; the others wait at
    /// most a loop (50 ns), which is the p99.
    #[test]
    fn a_random_arrival_waits_out_the_rest_of_its_gap() {
        let mut gaps = histogram();
        gaps.record_n(50, 19_980_000).unwrap(); // 999 ms of 50 ns loops
        gaps.record(1_000_000).unwrap();
        let total = 1e9;
        assert!(delay_quantile(&gaps, total, 0.99) <= 50);
        let p9995 = delay_quantile(&gaps, total, 0.9995);
        assert!((490_000..=510_000).contains(&p9995), "{p9995}");
    }

    #[test]
    fn paced_events_are_due_at_the_rate() {
        let base = Instant::now();
        let mut dues = Vec::new();
        paced(Duration::from_millis(10), 1_000, base, |due| {
            dues.push(due);
            Ok(())
        })
        .unwrap();
        assert_eq!(dues.len(), 10);
        assert!(dues.windows(2).all(|w| w[1] - w[0] == 1_000_000));
    }
}
