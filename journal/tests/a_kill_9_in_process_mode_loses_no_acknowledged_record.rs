//! `process` mode survives `kill -9`: a child process (this test binary, re-executed)
//! appends and commits batches and prints an acknowledgement after each commit; the
//! parent SIGKILLs it after a number of acknowledgements chosen by a fixed seed. The
//! recovered journal holds every acknowledged record, exactly, and nothing else but
//! whole records that followed them.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use mycelium_journal::{Bytes, Durability, Journal, Options};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const TEST: &str = "a_kill_9_in_process_mode_loses_no_acknowledged_record";
const CHILD_DIR: &str = "MYCELIUM_JOURNAL_KILL_CHILD_DIR";
const RUNS: u64 = 20;
const WAIT: Duration = Duration::from_secs(30);

/// Record `seq`'s payload: mostly small, now and then large.
fn payload(seq: u64) -> Vec<u8> {
    let len = if seq.is_multiple_of(97) { 100_000 } else { (seq * 37 % 3000) as usize };
    (0..len).map(|i| (seq as usize).wrapping_mul(131).wrapping_add(i) as u8).collect()
}

/// Small segments, so that kills also land around roll-overs to a spare segment.
fn options() -> Options {
    let mut o = Options::new(Durability::Process);
    o.segment_bytes = 256 << 10;
    o
}

/// The child: append batches of 1-20 records, commit, acknowledge, until killed.
fn child(dir: &str) {
    let (mut j, rec) = Journal::<Bytes>::open(dir, options()).expect("child open");
    assert_eq!(rec.next_seq(), 1);
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut out = std::io::stdout().lock();
    for _ in 0..100_000 {
        for _ in 0..rng.random_range(1..=20) {
            let seq = j.last_seq() + 1;
            j.append(&payload(seq)).expect("append");
        }
        j.commit().expect("commit");
        writeln!(out, "ack {}", j.durable_through()).expect("ack");
        out.flush().expect("flush");
    }
}

#[test]
fn a_kill_9_in_process_mode_loses_no_acknowledged_record() {
    if let Ok(dir) = std::env::var(CHILD_DIR) {
        return child(&dir);
    }
    let exe = std::env::current_exe().expect("current_exe");
    let (mut torn, mut beyond) = (0, 0);
    for seed in 0..RUNS {
        let kill_after = ChaCha8Rng::seed_from_u64(seed).random_range(1..=200u64);
        let dir = tempfile::tempdir().expect("tempdir");
        let mut proc = Command::new(&exe)
            .args([TEST, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_DIR, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn child");
        let stdout = proc.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(seq) = line.strip_prefix("ack ").and_then(|s| s.parse::<u64>().ok()) {
                    if tx.send(seq).is_err() {
                        break;
                    }
                }
            }
        });
        for n in 1..=kill_after {
            if let Err(e) = rx.recv_timeout(WAIT) {
                let _ = proc.kill();
                panic!("seed {seed}: ack {n} never came: {e}");
            }
        }
        proc.kill().expect("SIGKILL");
        proc.wait().expect("wait");
        reader.join().expect("reader");
        // Every ack printed before the kill counts, including those still in the pipe.
        let acked = rx.try_iter().last().unwrap_or(0).max(kill_after);

        let (_j, rec) = Journal::<Bytes>::open(dir.path(), options()).expect("recover");
        let mut last = 0;
        for r in rec.records() {
            assert_eq!(r.seq, last + 1, "seed {seed}: records are contiguous");
            assert!(r.payload == payload(r.seq), "seed {seed}: record {} is intact", r.seq);
            last = r.seq;
        }
        assert!(
            last >= acked,
            "seed {seed}: acknowledged through {acked}, recovered only through {last}"
        );
        torn += u64::from(rec.torn_tail().is_some());
        beyond += last - acked;
    }
    eprintln!("{RUNS} kills: {torn} left a torn tail; {beyond} records recovered beyond the last ack in all");
}
