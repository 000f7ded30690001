//! Prints the fill-fidelity table: each queue model's fills on the derived L2 stream
//! against the exact L3 FIFO truth, on a seeded synthetic stream.
//!
//! `cargo run --release -p mycelium-execution --example fidelity [key=value ...]` with
//! keys `seed`, `events`, `vol` (fair price ticks per √s), `add_rate`, `taker_rate`,
//! `fleeting` (share), `fleeting_ms`, `resting_s`, `every`, `qty`, `latency_us`.

use mycelium_execution::fidelity::{run, FidelityConfig};
use mycelium_execution::latency_model::{Latency, OrderLatency};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut cfg = FidelityConfig::default();
    for arg in std::env::args().skip(1) {
        let (key, value) = arg.split_once('=').ok_or(format!("{arg:?} is not key=value"))?;
        let l3 = &mut cfg.l3;
        match key {
            "seed" => l3.seed = value.parse()?,
            "events" => l3.events = value.parse()?,
            "vol" => l3.fair_vol_ticks = value.parse()?,
            "add_rate" => l3.add_rate = value.parse()?,
            "taker_rate" => l3.taker_rate = value.parse()?,
            "fleeting" => l3.fleeting_share = value.parse()?,
            "fleeting_ms" => l3.fleeting_life_ms = value.parse()?,
            "resting_s" => l3.resting_life_s = value.parse()?,
            "every" => cfg.quote_every = value.parse()?,
            "qty" => cfg.quote_qty = value.parse()?,
            "latency_us" => {
                let ns = value.parse::<i64>()? * 1000;
                cfg.latency = OrderLatency::new(Latency::Constant(ns), Latency::Constant(ns));
            }
            _ => return Err(format!("unknown key {key:?}").into()),
        }
    }
    let started = std::time::Instant::now();
    let report = run(&cfg)?;
    print!("{report}");
    println!("seed {}, {:.2} s", cfg.l3.seed, started.elapsed().as_secs_f64());
    Ok(())
}
