//! The same appends through SQLite in WAL mode with `synchronous=FULL` (each commit
//! syncs the WAL): a reference point for the journal's `fsync` mode.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{params, Connection};

use super::{FsyncFigures, OrderEvent};
use crate::histogram;

/// One producer inserts order events, one transaction per `turn` events, for `secs`.
/// An event's acknowledgement latency runs from its turn's start to the commit's return.
pub fn wal_pipeline(dir: &Path, turn: u64, secs: f64) -> FsyncFigures {
    let conn = Connection::open(dir.join("reference.sqlite")).expect("open sqlite");
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
         CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, payload BLOB NOT NULL);",
    )
    .expect("schema");
    let mut conn = conn;
    let mut ack = histogram();
    let mut seq = 0u64;
    let mut txs = 0u64;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs_f64(secs) {
        let at = Instant::now();
        let tx = conn.transaction().expect("begin");
        {
            let mut insert =
                tx.prepare_cached("INSERT INTO events VALUES (?1, ?2)").expect("prepare");
            for _ in 0..turn {
                seq += 1;
                let bytes =
                    rkyv::to_bytes::<rkyv::rancor::Error>(&OrderEvent::nth(seq)).expect("archive");
                insert.execute(params![seq as i64, bytes.as_slice()]).expect("insert");
            }
        }
        tx.commit().expect("commit");
        txs += 1;
        ack.saturating_record_n(at.elapsed().as_nanos() as u64, turn);
    }
    FsyncFigures { durable: seq, syncs: txs, secs: start.elapsed().as_secs_f64(), ack }
}
