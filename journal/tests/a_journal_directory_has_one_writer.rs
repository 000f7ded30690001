//! Two writers would interleave records: a second open of a directory in use is refused.
//! `off` mode neither reads nor writes the directory.

use mycelium_journal::{Bytes, Durability, Journal, JournalError, Options};

#[test]
fn a_second_writer_is_refused_until_the_first_closes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (first, _) =
        Journal::<Bytes>::open(dir.path(), Options::new(Durability::Process)).expect("open");
    let second = Journal::<Bytes>::open(dir.path(), Options::new(Durability::Fsync));
    assert!(matches!(second, Err(JournalError::Locked { .. })), "{second:?}");
    first.close().expect("close");
    let (again, _) =
        Journal::<Bytes>::open(dir.path(), Options::new(Durability::Fsync)).expect("reopen");
    again.close().expect("close");
}

#[test]
fn durability_off_writes_nothing_and_acknowledges_at_commit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("journal");
    let (mut j, rec) = Journal::<Bytes>::open(&path, Options::new(Durability::Off)).expect("open");
    assert_eq!(rec.next_seq(), 1);
    assert_eq!(j.append(b"a").expect("append"), 1);
    assert_eq!(j.durable_through(), 0);
    j.commit().expect("commit");
    assert_eq!(j.durable_through(), 1);
    assert!(j.snapshot(1, b"s".to_vec()).is_err());
    j.close().expect("close");
    assert!(!path.exists(), "off mode created the directory");
}
