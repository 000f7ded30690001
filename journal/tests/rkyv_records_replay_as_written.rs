//! Records journaled as rkyv archives replay as the same values, decoded or read in
//! place (validated, zero-copy: payloads are 16-byte aligned in the file).

use mycelium_journal::{access_archived, Durability, Journal, Options, Rkyv};

#[derive(Debug, Clone, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
enum Input {
    Tick { seq: u64, price: i64, size: i64 },
    Order { client_id: u64, symbol: String, qty: i64 },
    Clock(u64),
}

fn inputs() -> Vec<Input> {
    (0..200u64)
        .map(|i| match i % 3 {
            0 => Input::Tick { seq: i, price: 100_000 + i as i64, size: 3 },
            1 => Input::Order { client_id: i, symbol: format!("SYM{}", i % 7), qty: -(i as i64) },
            _ => Input::Clock(i * 1_000),
        })
        .collect()
}

#[test]
fn rkyv_inputs_replay_equal_decoded_and_in_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut j, _) =
        Journal::<Rkyv<Input>>::open(dir.path(), Options::new(Durability::Process)).expect("open");
    for (i, input) in inputs().iter().enumerate() {
        assert_eq!(j.append(input).expect("append"), i as u64 + 1);
        if i % 9 == 0 {
            j.commit().expect("commit");
        }
    }
    j.close().expect("close");

    let (_j, rec) =
        Journal::<Rkyv<Input>>::open(dir.path(), Options::new(Durability::Process)).expect("open");
    let decoded: Vec<Input> = rec.decode::<Rkyv<Input>>().map(|r| r.expect("decode").1).collect();
    assert_eq!(decoded, inputs());
    for (r, want) in rec.records().zip(inputs()) {
        let archived = access_archived::<Input>(r.payload).expect("in place");
        let got: Input =
            rkyv::deserialize::<_, rkyv::rancor::Error>(archived).expect("deserialize");
        assert_eq!(got, want);
    }
}

#[test]
fn a_payload_that_is_not_the_archive_is_a_decode_error_naming_its_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut j, _) =
        Journal::<mycelium_journal::Bytes>::open(dir.path(), Options::new(Durability::Process))
            .expect("open");
    j.append(&[0xff; 3]).expect("append");
    j.close().expect("close");
    let (_j, rec) =
        Journal::<Rkyv<Input>>::open(dir.path(), Options::new(Durability::Process)).expect("open");
    let first = rec.decode::<Rkyv<Input>>().next().expect("one record");
    assert!(matches!(first, Err(mycelium_journal::JournalError::Decode { seq: 1, .. })));
}
