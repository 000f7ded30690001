//! The tools' reader sees every record still on disk, reports counts, sequences, the
//! caller's timestamps and a torn tail, and changes nothing.

mod common;

use common::{layout, only_segment, payload, write_journal};
use mycelium_journal::{Bytes, Journal, JournalError, Reader};

/// The records' "timestamps": their first byte, when they have one.
fn first_byte(p: &[u8]) -> Option<i64> {
    p.first().map(|&b| i64::from(b))
}

#[test]
fn verify_counts_records_and_reports_a_torn_tail_without_cutting_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_journal(dir.path(), 30, 4);
    let records = layout(dir.path());
    let seg = only_segment(dir.path());
    let bytes = std::fs::read(&seg).expect("read");
    let (_, last_start, _) = records[29];
    let cut = last_start as usize + 5;
    std::fs::write(&seg, &bytes[..cut]).expect("truncate");

    let report = Reader::open(dir.path()).expect("reader").verify(first_byte).expect("verify");
    assert_eq!(report.log.records, 29);
    assert_eq!((report.log.first_seq, report.log.last_seq), (Some(1), Some(29)));
    let firsts: Vec<i64> = (1..=29).filter_map(|s| first_byte(&payload(s))).collect();
    assert_eq!(report.first_time, firsts.first().copied());
    assert_eq!(report.last_time, firsts.last().copied());
    let torn = report.log.torn_tail.as_ref().expect("torn tail");
    assert_eq!((torn.offset, torn.dropped_bytes), (last_start, 5));
    assert_eq!(
        std::fs::metadata(&seg).expect("meta").len() as usize,
        cut,
        "the reader cuts nothing"
    );
    let text = report.to_string();
    assert!(text.contains("records: 29") && text.contains("sequences: 1..=29"), "{text}");
    assert!(text.contains("torn tail: 5 bytes"), "{text}");
}

/// Records 1..=100, each committed, in segments of 300 bytes (many of them).
fn hundred_records_in_small_segments(dir: &std::path::Path) -> Journal<Bytes> {
    let mut options = common::process();
    options.segment_bytes = 300;
    let (mut j, _) = Journal::<Bytes>::open(dir, options).expect("open");
    for seq in 1..=100 {
        j.append(&payload(seq)).expect("append");
        j.commit().expect("commit");
    }
    j
}

#[test]
fn visit_yields_every_record_across_segments_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut j = hundred_records_in_small_segments(dir.path());
    j.snapshot(100, b"s".to_vec()).expect("snapshot");
    j.close().expect("close");

    let mut seen = Vec::new();
    let reader = Reader::open(dir.path()).expect("reader");
    let sum = reader
        .visit(|r| {
            seen.push((r.seq, r.payload.to_vec()));
            Ok::<_, JournalError>(())
        })
        .expect("visit");
    assert!(sum.segments > 1);
    // One snapshot of the two kept by default: the whole log stays as its fallback.
    assert_eq!(seen, common::expected(1, 100));
    let report = reader.verify(|_| None).expect("verify");
    assert_eq!(report.snapshots.len(), 1);
    assert_eq!((report.snapshots[0].seq, report.snapshots[0].problem.as_deref()), (100, None));
}

#[test]
fn visit_stops_at_the_callers_error_and_returns_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_journal(dir.path(), 10, 10);
    let mut n = 0;
    let err = Reader::open(dir.path())
        .expect("reader")
        .visit(|r| {
            n += 1;
            if r.seq == 3 {
                return Err(JournalError::Encode("stop".into()));
            }
            Ok(())
        })
        .expect_err("stopped");
    assert_eq!(n, 3);
    assert!(matches!(err, JournalError::Encode(s) if s == "stop"));
}

#[test]
fn visit_range_reads_only_its_records_and_skips_earlier_segments() {
    let dir = tempfile::tempdir().expect("tempdir");
    hundred_records_in_small_segments(dir.path()).close().expect("close");

    let reader = Reader::open(dir.path()).expect("reader");
    let whole = reader.visit(|_| Ok::<_, JournalError>(())).expect("visit");
    for (after, through) in [(0, 100), (1, 100), (37, 100), (37, 38), (99, u64::MAX), (100, 200)] {
        let mut seen = Vec::new();
        let sum = reader
            .visit_range(after, through, |r| {
                seen.push((r.seq, r.payload.to_vec()));
                Ok::<_, JournalError>(())
            })
            .expect("visit_range");
        assert_eq!(seen, common::expected(after + 1, through.min(100)), "{after}..={through}");
        if after >= 37 {
            assert!(sum.segments < whole.segments, "{after}..: {sum:?} of {whole:?}");
        }
    }
}

/// A writer's record half written while the file is read can look like damage (a bad
/// record with whole ones read after it); reading through a committed sequence never
/// looks past it.
#[test]
fn visit_range_never_judges_the_bytes_after_its_last_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_journal(dir.path(), 30, 1);
    let records = layout(dir.path());
    let seg = only_segment(dir.path());
    let mut bytes = std::fs::read(&seg).expect("read");
    let (_, start, _) = records[20];
    bytes[start as usize + 20] ^= 0xff;
    std::fs::write(&seg, &bytes).expect("flip a byte of record 21");

    let reader = Reader::open(dir.path()).expect("reader");
    let damage = reader.visit(|_| Ok::<_, JournalError>(())).expect_err("damage mid-log");
    assert!(matches!(damage, JournalError::Corrupt { offset, .. } if offset == start), "{damage}");
    let mut n = 0;
    reader
        .visit_range(0, 20, |_| {
            n += 1;
            Ok::<_, JournalError>(())
        })
        .expect("through 20");
    assert_eq!(n, 20);
}

/// A replica reads the live journal on its own thread and queues its snapshot there;
/// recovery starts from it.
#[test]
fn a_snapshot_queued_from_another_thread_is_recovered_from() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut j, _) = Journal::<Bytes>::open(dir.path(), common::process()).expect("open");
    for seq in 1..=50 {
        j.append(&payload(seq)).expect("append");
    }
    j.commit().expect("commit");
    let queue = j.snapshot_queue().expect("a queue in process mode");
    let path = dir.path().to_owned();
    let replica = std::thread::spawn(move || {
        // The replica's "state": the number of records it has read.
        let mut n = 0u64;
        Reader::open(&path)
            .expect("reader")
            .visit_range(0, 50, |r| {
                n = r.seq;
                Ok::<_, JournalError>(())
            })
            .expect("visit");
        queue.send(n, n.to_le_bytes().to_vec()).expect("queued");
        n
    });
    // The writer goes on meanwhile.
    for seq in 51..=60 {
        j.append(&payload(seq)).expect("append");
        j.commit().expect("commit");
    }
    let through = replica.join().expect("replica");
    assert!((50..=60).contains(&through));
    j.close().expect("close");

    let (_j, recovery) = Journal::<Bytes>::open(dir.path(), common::process()).expect("reopen");
    let snap = recovery.snapshot().expect("the replica's snapshot");
    assert_eq!((snap.seq(), snap.bytes()), (through, &through.to_le_bytes()[..]));
    let rest: Vec<u64> = recovery.records().map(|r| r.seq).collect();
    assert_eq!(rest, (through + 1..=60).collect::<Vec<_>>());
}
