//! `mycelium journal verify|inspect|export` on execution's journal: verify counts what
//! is there and names the offset of a flipped byte mid-log (so does a run started on
//! it); the exported fills recompute to the run's positions and PnL exactly, and the
//! Parquet blotter holds the CSV's rows value for value (its fees exact decimals).
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mycelium_apps::blotter::FillRow;
use mycelium_apps::RunOutcome;
use mycelium_execution::{Fill, Liquidity, Position, StrategyId, Terms};
use mycelium_market_data::{Side, Symbol};
use mycelium_strategies::StrategyRegistry;

fn mycelium(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mycelium"))
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("mycelium runs")
}

fn journaled_run(dir: &Path) -> RunOutcome {
    let mut config = support::config(4_000);
    config.journal.dir = Some(dir.to_owned());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(support::run_synthetic(&config, &StrategyRegistry::with_samples()))
}

fn segment(dir: &Path) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "log"))
        .expect("a segment")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn verify_counts_the_records_and_a_flipped_byte_is_named_by_its_offset() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("journal");
    journaled_run(&dir);
    let dir_arg = dir.to_str().unwrap();

    let ok = mycelium(&["journal", "verify", dir_arg]);
    assert!(ok.status.success(), "{}", text(&ok));
    let report = text(&ok);
    assert!(report.contains("torn tail: none"), "{report}");
    let records: u64 = report
        .split("records: ")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .and_then(|n| n.trim().parse().ok())
        .expect("a record count");
    assert!(records > 1000, "{report}");
    assert!(report.contains(&format!("sequences: 1..={records}")), "{report}");

    let inspect = mycelium(&["journal", "inspect", dir_arg, "--limit", "3"]);
    let lines = String::from_utf8_lossy(&inspect.stdout).lines().count();
    assert!(inspect.status.success() && lines == 3, "{}", text(&inspect));
    assert!(text(&inspect).starts_with("#1 @32 config {"), "{}", text(&inspect));

    // Flip one byte in the payload of a record in the middle.
    let mut middle = None;
    mycelium_journal::Reader::open(&dir)
        .unwrap()
        .visit(|r| -> Result<(), mycelium_journal::JournalError> {
            if r.seq == records / 2 {
                middle = Some(r.offset);
            }
            Ok(())
        })
        .unwrap();
    let offset = middle.expect("the middle record");
    let path = segment(&dir);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[offset as usize + 20] ^= 0x40;
    std::fs::write(&path, bytes).unwrap();

    let bad = mycelium(&["journal", "verify", dir_arg]);
    assert!(!bad.status.success(), "a damaged journal must fail verify: {}", text(&bad));
    let named = format!("at byte {offset}: corrupt record");
    assert!(text(&bad).contains(&named), "expected {named:?} in: {}", text(&bad));

    let run = mycelium(&["run", "--ticks", "10", "--journal", dir_arg]);
    assert!(!run.status.success(), "a run must not start on a damaged journal");
    assert!(text(&run).contains(&named), "expected {named:?} in: {}", text(&run));
}

#[test]
fn exported_fills_recompute_to_the_runs_positions_and_pnl() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("journal");
    let outcome = journaled_run(&dir);
    let csv_path = tmp.path().join("fills.csv");
    let out = mycelium(&[
        "journal",
        "export",
        dir.to_str().unwrap(),
        "--fills",
        "--format",
        "csv",
        "--out",
        csv_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));

    let mut positions: std::collections::BTreeMap<(u32, String), Position> = Default::default();
    let mut rows = 0;
    for row in csv::Reader::from_path(&csv_path).unwrap().deserialize::<FillRow>() {
        let row = row.expect("a fill row");
        let symbol: Symbol = row.symbol.parse().unwrap();
        let fill = Fill {
            px: row.px,
            qty: row.qty,
            side: if row.side == "Buy" { Side::Buy } else { Side::Sell },
            liquidity: if row.liquidity == "Maker" { Liquidity::Maker } else { Liquidity::Taker },
        };
        positions
            .entry((row.strategy, row.symbol.clone()))
            .or_insert_with(|| Position::flat(StrategyId(row.strategy), symbol))
            .apply_fill(&fill, Terms::default(), row.fee);
        rows += 1;
    }
    assert_eq!(rows, outcome.execution.stats.fills, "one row per fill");
    assert!(rows > 0);
    let want: Vec<Position> = outcome.execution.positions.iter().map(|(p, _)| *p).collect();
    let got: Vec<Position> = positions.into_values().collect();
    assert_eq!(got, want, "the exported fills must recompute to the run's positions and PnL");

    let orders = mycelium(&["journal", "export", dir.to_str().unwrap(), "--orders"]);
    assert!(orders.status.success(), "{}", text(&orders));
    let order_rows = String::from_utf8_lossy(&orders.stdout).lines().count() as u64 - 1;
    let stats = &outcome.execution.stats;
    assert_eq!(order_rows, stats.orders, "one row per order");

    // The same blotter as Parquet: every value as in the CSV (the fee to the last unit).
    if !cfg!(feature = "parquet") {
        println!("skipped: Parquet export (built without the `parquet` feature)");
        return;
    }
    let csv_orders: Vec<Vec<String>> = csv::Reader::from_reader(&orders.stdout[..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let csv_fills: Vec<Vec<String>> = csv::Reader::from_path(&csv_path)
        .unwrap()
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    for (what, want) in [("--orders", csv_orders), ("--fills", csv_fills)] {
        let path = tmp.path().join("blotter.parquet");
        let args = ["journal", "export", dir.to_str().unwrap(), what, "--format", "parquet"];
        let refused = mycelium(&args);
        assert!(
            !refused.status.success() && text(&refused).contains("--out FILE"),
            "{}",
            text(&refused)
        );
        let out = mycelium(&[&args[..], &["--out", path.to_str().unwrap()]].concat());
        assert!(out.status.success(), "{}", text(&out));
        let got = parquet_rows(&path);
        assert_eq!(got.len(), want.len(), "{what}: rows");
        for (i, (got, want)) in got.iter().zip(&want).enumerate() {
            assert_eq!(got, want, "{what}: row {i} of the Parquet file differs from the CSV's");
        }
    }
}

/// The rows of a Parquet blotter, each value as the CSV writes it.
fn parquet_rows(path: &Path) -> Vec<Vec<String>> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    let reader = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let rows = reader.get_row_iter(None).unwrap();
    rows.map(|row| {
        row.unwrap()
            .get_column_iter()
            .map(|(_, field)| match field {
                Field::Null => String::new(),
                Field::Long(v) => v.to_string(),
                Field::ULong(v) => v.to_string(),
                Field::UInt(v) => v.to_string(),
                // As the CSV writes a float (shortest round-trip form, "1.0" not "1").
                Field::Double(v) => format!("{v:?}"),
                Field::Str(v) => v.clone(),
                // DECIMAL(38,18): the money's raw units, written as the CSV's decimal text.
                Field::Decimal(d) => money_text(i128::from_be_bytes(d.data().try_into().unwrap())),
                other => panic!("a column the blotter does not write: {other:?}"),
            })
            .collect()
    })
    .collect()
}

/// `raw` units of 1e-18 as `Money`'s text.
fn money_text(raw: i128) -> String {
    let sign = if raw < 0 { "-" } else { "" };
    let (whole, frac) = (raw.unsigned_abs() / 10u128.pow(18), raw.unsigned_abs() % 10u128.pow(18));
    let text = format!("{sign}{whole}.{frac:018}");
    let parsed: mycelium_market_data::Money = text.parse().unwrap();
    assert_eq!(parsed.raw(), raw);
    parsed.to_string()
}

/// `mycelium journal inspect DIR | head -1`: a reader that stops early is no error.
#[test]
fn output_piped_into_a_reader_that_stops_is_no_error() {
    use std::io::BufRead;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("journal");
    journaled_run(&dir);
    for what in [&["inspect"][..], &["export", "--fills"][..]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mycelium"))
            .arg("journal")
            .args(&what[..1])
            .arg(&dir)
            .args(&what[1..])
            .env("RUST_BACKTRACE", "0")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        assert!(!first.is_empty(), "{what:?} printed nothing");
        // The reader is gone (its end of the pipe closed with it).
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{what:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stderr.is_empty(), "{what:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}
