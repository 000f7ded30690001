//! The journal's figures, in one process and one run, as Markdown tables:
//!
//! - `fsync` group commit: durable events/s and acknowledgement latency with one
//!   producer (turns of 16 events, a deep window, and a paced 200k events/s), beside a
//!   bare `fdatasync` of one 64-byte write and, with `--features peers`, SQLite in
//!   WAL mode with `synchronous=FULL`;
//! - the cost per event of an append in `process` mode beside `off`, by commit size;
//! - recovery of a 1M-event journal to ready, from a snapshot and by replay alone.
//!
//! `cargo run --release -p mycelium-benches [--features peers] --bin journal_report [-- --quick]`
//!
//! Placement: the producer is this process's main thread; `fsync` mode adds its
//! writer thread. Files live in a temp directory under `target/` (the same disk as
//! the checkout: `/tmp` may be tmpfs, where `fdatasync` costs nothing).

use std::path::Path;

use mycelium_benches::journal::{self, FsyncFigures};
use mycelium_journal::Durability;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let secs = if quick { 1.0 } else { 3.0 };
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/journal-bench");
    std::fs::create_dir_all(&base).expect("bench dir");
    let tmp = |name: &str| tempfile_in(&base, name);

    println!("## Journal `fsync` mode: group commit under load");
    println!();
    println!("| scenario | durable events/s | events per sync | ack p50 | ack p99 | ack p99.9 |");
    println!("|---|---:|---:|---:|---:|---:|");
    let bare = journal::bare_fdatasync(&tmp("bare"), if quick { 100 } else { 300 });
    println!(
        "| bare `write` 64 B + `fdatasync` | {:.0} | 1 | {} | {} | {} |",
        1e9 / bare.mean(),
        us(bare.value_at_quantile(0.5)),
        us(bare.value_at_quantile(0.99)),
        us(bare.value_at_quantile(0.999)),
    );
    let rows: [(&str, u64, Option<u64>); 3] = [
        ("journal fsync, turns of 16, window 65 536", 65_536, None),
        ("journal fsync, turns of 16, window 8 192", 8_192, None),
        ("journal fsync, turns of 16, paced 200k/s", 1 << 20, Some(200_000)),
    ];
    for (label, window, rate) in rows {
        let f = journal::fsync_pipeline(&tmp("fsync"), 16, window, rate, secs);
        fsync_row(label, &f);
    }
    #[cfg(feature = "peers")]
    for turn in [16, 1024] {
        let f = journal::sqlite::wal_pipeline(&tmp("sqlite"), turn, secs);
        fsync_row(&format!("SQLite WAL, synchronous=FULL, {turn} events per transaction"), &f);
    }
    #[cfg(not(feature = "peers"))]
    println!("| SQLite WAL reference | (run with `--features peers`) | | | | |");
    println!();
    println!(
        "bare fdatasync p99: {}; ack p99 goal: under 3x that = {}",
        us(bare.value_at_quantile(0.99)),
        us(3 * bare.value_at_quantile(0.99))
    );

    println!();
    println!("## Journal append cost per event (`process` beside `off`)");
    println!();
    println!("| mode | events per commit | append, ns per event | commit, ns per event | total, ns per event |");
    println!("|---|---:|---:|---:|---:|");
    let n = if quick { 200_000 } else { 1_000_000 };
    for (mode, turn) in [
        (Durability::Off, 1),
        (Durability::Process, 1),
        (Durability::Process, 4),
        (Durability::Process, 16),
        (Durability::Process, 64),
        (Durability::Process, 4096),
    ] {
        let (append, commit) = journal::append_cost(&tmp("append"), mode, turn, n);
        println!("| {mode} | {turn} | {append:.1} | {commit:.1} | {:.1} |", append + commit);
    }

    println!();
    println!("## Journal recovery of 1M events to ready (page cache warm)");
    println!();
    println!("| journal | records replayed | open + replay |");
    println!("|---|---:|---:|");
    let events = 1_000_000;
    let with_snapshot = tmp("recover-snap");
    journal::build_journal(&with_snapshot, events, Some((990_000, 4 << 20)));
    let replay_only = tmp("recover-replay");
    journal::build_journal(&replay_only, events, None);
    for (label, dir) in [
        ("snapshot (4 MiB) at 990 000, then the tail", &with_snapshot),
        ("replay alone", &replay_only),
    ] {
        let (took, n) = journal::recover(dir);
        println!("| {label} | {n} | {:.1} ms |", took.as_secs_f64() * 1e3);
    }
    let _ = std::fs::remove_dir_all(&base);
}

fn fsync_row(label: &str, f: &FsyncFigures) {
    println!(
        "| {label} | {:.0} | {:.0} | {} | {} | {} |",
        f.durable_per_sec,
        f.per_sync,
        us(f.ack.value_at_quantile(0.5)),
        us(f.ack.value_at_quantile(0.99)),
        us(f.ack.value_at_quantile(0.999)),
    );
}

fn us(ns: u64) -> String {
    format!("{:.0} µs", ns as f64 / 1e3)
}

/// A fresh directory under `base`.
fn tempfile_in(base: &Path, name: &str) -> std::path::PathBuf {
    let dir = base.join(format!("{name}-{}", std::process::id()));
    let mut n = 0;
    loop {
        let d = dir.with_extension(n.to_string());
        if std::fs::create_dir(&d).is_ok() {
            return d;
        }
        n += 1;
    }
}
