//! Property tests: an authenticated peer (it knows the secret and seals its frames)
//! that sends arbitrary resumes, tells in and out of sequence, acks, heartbeats,
//! requests, replies, closes, unsealed bytes and corrupted seals never makes a node
//! panic, and never makes its link deliver out of order, twice, or past a gap. The
//! body is the `link` fuzz target's own (`fuzz/src/lib.rs`), compiled here as well.
use proptest::prelude::*;

#[allow(unreachable_pub, dead_code)]
#[path = "../../fuzz/src/lib.rs"]
mod fuzz_bodies;

/// Inputs that mostly pick well-formed operations: runs of in-sequence tells with
/// a few faults among them.
fn mostly_tells() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![
            8 => (0u8..4).prop_map(|op| vec![op, 1]),
            1 => proptest::collection::vec(any::<u8>(), 1..24),
        ],
        0..40,
    )
    .prop_map(|ops| ops.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn a_link_survives_arbitrary_peer_input(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        fuzz_bodies::link(&bytes);
    }

    #[test]
    fn a_link_survives_mostly_well_formed_input(bytes in mostly_tells()) {
        fuzz_bodies::link(&bytes);
    }
}

#[test]
fn a_link_delivers_an_honest_peers_tells_in_order() {
    // Resume as a new incarnation, then 50 tells in sequence, sealed in small runs.
    let mut input = vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    for _ in 0..50 {
        input.extend_from_slice(&[0, 0]);
    }
    assert_eq!(fuzz_bodies::link(&input), (1..=50).collect::<Vec<u64>>());
}
