//! The journal's figures, in one process and one run, as Markdown tables:
//!
//! - `fsync` group commit: durable events/s and acknowledgement latency with one
//!   producer (turns of 16 events, a deep window, and paced at 200k events/s), beside
//!   a bare `fdatasync` of one 64-byte write and, with `--features peers`, SQLite in
//!   WAL mode with `synchronous=FULL`;
//! - the cost per event of an append in `process` mode beside `off`, by commit size;
//! - recovery of a 1M-event journal to ready, from a snapshot and by replay alone.
//!
//! ```text
//! cargo run --release -p mycelium-benches [--features peers] --bin journal_report [-- --quick]
//! journal_report append <off|process|fsync> <events per commit> <events>
//! ```
//!
//! The second form runs one append-cost row alone, for
//! `valgrind --tool=callgrind` (instructions per event: the difference of two runs).
//!
//! Each scenario of a table runs in five turns, taken in turn with the others', and its
//! figure merges its turns: the disk's sync latency here moves by 10x over minutes (the
//! disk is shared), and one long run each would hand a phase to whichever ran in it.
//! Placement: the producer is this process's main thread; `fsync` mode adds its
//! writer thread, `process` mode its spare-segment thread. Files live under `target/`
//! (the checkout's disk: `/tmp` may be tmpfs, where `fdatasync` costs nothing).

use std::path::{Path, PathBuf};
use std::time::Duration;

use mycelium_benches::journal::{self, FsyncFigures};
use mycelium_journal::Durability;

const TURNS: u32 = 5;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/journal-bench");
    std::fs::create_dir_all(&base).expect("bench dir");
    if args.first().map(String::as_str) == Some("append") {
        let mode: Durability = args.get(1).map_or("process", String::as_str).parse().expect("mode");
        let turn = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(16);
        let n = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
        let (append, commit) = journal::append_cost(&fresh(&base, "append"), mode, turn, n);
        println!("{mode}, {turn} per commit, {n} events: append {append:.1} ns, commit {commit:.1} ns per event");
        let _ = std::fs::remove_dir_all(&base);
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let secs = if quick { 1.0 } else { 3.0 } / f64::from(TURNS);
    fsync_table(&base, secs);
    append_table(&base, if quick { 200_000 } else { 1_000_000 } / u64::from(TURNS));
    recovery_table(&base);
    let _ = std::fs::remove_dir_all(&base);
}

fn fsync_table(base: &Path, secs: f64) {
    type Run = Box<dyn Fn(&Path) -> FsyncFigures>;
    #[cfg_attr(not(feature = "peers"), allow(unused_mut))]
    let mut rows: Vec<(String, Run)> = vec![
        (
            "bare `write` 64 B + `fdatasync`".into(),
            Box::new(move |d: &Path| journal::bare_fdatasync(d, secs)),
        ),
        (
            "journal fsync, window 65 536 events".into(),
            Box::new(move |d: &Path| journal::fsync_pipeline(d, 16, 65_536, None, secs)),
        ),
        (
            "journal fsync, window 8 192 events".into(),
            Box::new(move |d: &Path| journal::fsync_pipeline(d, 16, 8_192, None, secs)),
        ),
        (
            "journal fsync, paced at 200k events/s".into(),
            Box::new(move |d: &Path| journal::fsync_pipeline(d, 16, 1 << 20, Some(200_000), secs)),
        ),
    ];
    #[cfg(feature = "peers")]
    for turn in [16u64, 1024] {
        rows.push((
            format!("SQLite WAL, synchronous=FULL, {turn} events per transaction"),
            Box::new(move |d: &Path| journal::sqlite::wal_pipeline(d, turn, secs)),
        ));
    }
    let mut figures: Vec<Option<FsyncFigures>> = rows.iter().map(|_| None).collect();
    for _ in 0..TURNS {
        for ((_, run), total) in rows.iter().zip(&mut figures) {
            let f = run(&fresh(base, "fsync"));
            match total {
                Some(t) => t.add(&f),
                None => *total = Some(f),
            }
        }
    }
    println!("## Journal `fsync` mode: group commit under load");
    println!();
    println!("One producer, turns of 16 order events; acknowledgement latency per event, append to release.");
    println!();
    println!("| scenario | durable events/s | events per sync | ack p50 | ack p99 | ack p99.9 |");
    println!("|---|---:|---:|---:|---:|---:|");
    for ((label, _), f) in rows.iter().zip(&figures) {
        let f = f.as_ref().expect("ran");
        let q = |p| us(f.ack.value_at_quantile(p));
        println!(
            "| {label} | {:.0} | {:.0} | {} | {} | {} |",
            f.per_sec(),
            f.per_sync(),
            q(0.5),
            q(0.99),
            q(0.999)
        );
    }
    #[cfg(not(feature = "peers"))]
    println!("| SQLite WAL reference | (run with `--features peers`) | | | | |");
    println!();
}

fn append_table(base: &Path, n: u64) {
    let rows = [
        (Durability::Off, 1),
        (Durability::Process, 1),
        (Durability::Process, 4),
        (Durability::Process, 16),
        (Durability::Process, 64),
        (Durability::Process, 4096),
    ];
    let mut totals = [(0.0, 0.0); 6];
    for _ in 0..TURNS {
        for (&(mode, turn), total) in rows.iter().zip(&mut totals) {
            let (a, c) = journal::append_cost(&fresh(base, "append"), mode, turn, n);
            total.0 += a / f64::from(TURNS);
            total.1 += c / f64::from(TURNS);
        }
    }
    println!("## Journal append cost per event (`process` beside `off`)");
    println!();
    println!(
        "An order event (48 bytes) appended; a commit every N events, its cost shared by them."
    );
    println!();
    println!(
        "| mode | events per commit | append, ns/event | commit, ns/event | total, ns/event |"
    );
    println!("|---|---:|---:|---:|---:|");
    for (&(mode, turn), (a, c)) in rows.iter().zip(totals) {
        println!("| {mode} | {turn} | {a:.1} | {c:.1} | {:.1} |", a + c);
    }
    println!();
}

fn recovery_table(base: &Path) {
    let events = 1_000_000;
    let with_snapshot = fresh(base, "recover-snap");
    journal::build_journal(&with_snapshot, events, Some((990_000, 4 << 20)));
    let replay_only = fresh(base, "recover-replay");
    journal::build_journal(&replay_only, events, None);
    println!("## Journal recovery of 1M events to ready (page cache warm)");
    println!();
    println!("Open, load the snapshot, decode every record after it; best of {TURNS}.");
    println!();
    println!("| journal | records replayed | open + replay |");
    println!("|---|---:|---:|");
    for (label, dir) in [
        ("snapshot (4 MiB) at 990 000, then the tail", &with_snapshot),
        ("replay alone", &replay_only),
    ] {
        let mut best = Duration::MAX;
        let mut replayed = 0;
        for _ in 0..TURNS {
            let (took, n) = journal::recover(dir);
            best = best.min(took);
            replayed = n;
        }
        println!("| {label} | {replayed} | {:.1} ms |", best.as_secs_f64() * 1e3);
    }
}

fn us(ns: u64) -> String {
    format!("{:.0} µs", ns as f64 / 1e3)
}

/// A fresh directory under `base`.
fn fresh(base: &Path, name: &str) -> PathBuf {
    for n in 0u32.. {
        let d = base.join(format!("{name}-{n}"));
        if std::fs::create_dir(&d).is_ok() {
            return d;
        }
    }
    unreachable!("a fresh directory name")
}
