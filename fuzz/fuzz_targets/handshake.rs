//! Fuzzes the handshake, as acceptor and as initiator, with arbitrary peer bytes.
//!
//! Run: (from the repository root)
//! `cargo install cargo-fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run handshake`
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mycelium_fuzz::handshake(data));
