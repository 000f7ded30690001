//! The library side of `mycelium journal verify|inspect|export`, on opaque records.
//!
//! ```text
//! cargo run -p mycelium-journal --example journal_tool -- write DIR N [off|process|fsync]
//! cargo run -p mycelium-journal --example journal_tool -- verify DIR
//! cargo run -p mycelium-journal --example journal_tool -- inspect DIR
//! cargo run -p mycelium-journal --example journal_tool -- export DIR > records.csv
//! ```
//!
//! `write` makes a demo journal whose records start with a little-endian timestamp
//! (ns since the epoch); `verify` reads that timestamp for the time span. The real
//! tools decode the execution engine's inputs instead.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use mycelium_journal::{Bytes, Durability, Journal, Options, Reader};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(cmd), Some(dir)) = (args.first(), args.get(1)) else {
        bail!("usage: journal_tool write|verify|inspect|export DIR [N] [off|process|fsync]");
    };
    match cmd.as_str() {
        "write" => {
            let n: u64 = args.get(2).context("write needs a record count")?.parse()?;
            let mode: Durability = args.get(3).map_or("process", String::as_str).parse()?;
            let (mut j, rec) = Journal::<Bytes>::open(dir, Options::new(mode))?;
            println!("recovered {} records (next sequence {})", rec.replay_len(), rec.next_seq());
            for i in 0..n {
                let mut payload = now_ns().to_le_bytes().to_vec();
                payload.extend_from_slice(format!("demo record {i}").as_bytes());
                j.append(&payload)?;
                if i % 64 == 63 {
                    j.commit()?;
                }
            }
            j.close()?;
        }
        "verify" => {
            let report = Reader::open(dir)?.verify(timestamp)?;
            print!("{report}");
        }
        "inspect" => {
            let mut out = std::io::stdout().lock();
            Reader::open(dir)?.visit(|r| -> anyhow::Result<()> {
                let shown = &r.payload[..r.payload.len().min(24)];
                writeln!(out, "#{} @{} {} bytes {}", r.seq, r.offset, r.payload.len(), hex(shown))?;
                Ok(())
            })?;
        }
        "export" => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            writeln!(out, "seq,offset,len,payload_hex")?;
            Reader::open(dir)?.visit(|r| -> anyhow::Result<()> {
                writeln!(out, "{},{},{},{}", r.seq, r.offset, r.payload.len(), hex(r.payload))?;
                Ok(())
            })?;
        }
        other => bail!("unknown command {other:?}"),
    }
    Ok(())
}

fn now_ns() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i64)
}

fn timestamp(payload: &[u8]) -> Option<i64> {
    Some(i64::from_le_bytes(payload.get(..8)?.try_into().ok()?))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
