//! Fuzzes `FrameDecoder` (and payload validation) with arbitrary bytes.
//!
//! Run: (from the repository root)
//! `cargo install cargo-fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run frame_decoder`
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mycelium_fuzz::frame_decoder(data));
