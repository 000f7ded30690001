//! The blotter as Parquet, for pandas, polars or DuckDB: one file per table, typed
//! columns (times as `TIMESTAMP(NANOS)`, fees as exact `DECIMAL(38,18)`, the money's
//! own fixed point), Snappy-compressed, a row group per million rows.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context as _;
use parquet::basic::Compression;
use parquet::data_type::{
    ByteArray, ByteArrayType, DoubleType, FixedLenByteArray, FixedLenByteArrayType, Int32Type,
    Int64Type,
};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

use super::{FillRow, OrderRow};

/// Rows per row group.
const GROUP_ROWS: usize = 1 << 20;

/// The fields every row starts with (see [`lead`]).
const LEAD: &str = "
    REQUIRED INT64 journal_seq (INTEGER(64,false));
    REQUIRED INT64 ts_ns (TIMESTAMP(NANOS,true));
    REQUIRED INT32 strategy (INTEGER(32,false));
    REQUIRED INT64 client_order_id (INTEGER(64,false));
    REQUIRED BYTE_ARRAY symbol (STRING);
    REQUIRED BYTE_ARRAY side (STRING);";

/// The fields of an order row after the lead.
const ORDER: &str = "
    REQUIRED BYTE_ARRAY kind (STRING);
    REQUIRED DOUBLE qty;
    OPTIONAL DOUBLE limit_px;
    REQUIRED BYTE_ARRAY status (STRING);
    REQUIRED DOUBLE filled_qty;
    OPTIONAL DOUBLE avg_px;";

/// The fields of a fill row after the lead.
const FILL: &str = "
    REQUIRED DOUBLE px;
    REQUIRED DOUBLE qty;
    REQUIRED BYTE_ARRAY liquidity (STRING);
    REQUIRED FIXED_LEN_BYTE_ARRAY (16) fee (DECIMAL(38,18));";

/// One column's values, in the schema's order.
enum Column {
    Int32(Vec<i32>),
    Int64(Vec<i64>),
    Double(Vec<f64>),
    OptionalDouble(Vec<Option<f64>>),
    Text(Vec<ByteArray>),
    /// 16-byte big-endian two's complement, as Parquet's DECIMAL stores an `i128`.
    Decimal(Vec<FixedLenByteArray>),
}

// Unsigned integers are stored in their signed type's bits, as Parquet's
// `INTEGER(n, false)` annotation means.
fn unsigned64(rows: impl Iterator<Item = u64>) -> Column {
    Column::Int64(rows.map(|v| v as i64).collect())
}

fn unsigned32(rows: impl Iterator<Item = u32>) -> Column {
    Column::Int32(rows.map(|v| v as i32).collect())
}

fn text<'a>(rows: impl Iterator<Item = &'a str>) -> Column {
    Column::Text(rows.map(ByteArray::from).collect())
}

/// What every row starts with: journal sequence, time, strategy, client order id,
/// symbol, side.
type Lead<'a> = (u64, i64, u32, u64, &'a str, &'a str);

/// The six leading columns.
fn lead<'a>(rows: impl Iterator<Item = Lead<'a>> + Clone) -> Vec<Column> {
    vec![
        unsigned64(rows.clone().map(|r| r.0)),
        Column::Int64(rows.clone().map(|r| r.1).collect()),
        unsigned32(rows.clone().map(|r| r.2)),
        unsigned64(rows.clone().map(|r| r.3)),
        text(rows.clone().map(|r| r.4)),
        text(rows.map(|r| r.5)),
    ]
}

fn order_columns(rows: &[OrderRow]) -> Vec<Column> {
    let mut columns = lead(rows.iter().map(|r| {
        (r.journal_seq, r.ts_ns, r.strategy, r.client_order_id, r.symbol.as_str(), r.side.as_str())
    }));
    columns.extend([
        text(rows.iter().map(|r| r.kind.as_str())),
        Column::Double(rows.iter().map(|r| r.qty).collect()),
        Column::OptionalDouble(rows.iter().map(|r| r.limit_px).collect()),
        text(rows.iter().map(|r| r.status.as_str())),
        Column::Double(rows.iter().map(|r| r.filled_qty).collect()),
        Column::OptionalDouble(rows.iter().map(|r| r.avg_px).collect()),
    ]);
    columns
}

fn fill_columns(rows: &[FillRow]) -> Vec<Column> {
    let mut columns = lead(rows.iter().map(|r| {
        (r.journal_seq, r.ts_ns, r.strategy, r.client_order_id, r.symbol.as_str(), r.side.as_str())
    }));
    columns.extend([
        Column::Double(rows.iter().map(|r| r.px).collect()),
        Column::Double(rows.iter().map(|r| r.qty).collect()),
        text(rows.iter().map(|r| r.liquidity.as_str())),
        Column::Decimal(
            rows.iter()
                .map(|r| FixedLenByteArray::from(r.fee.raw().to_be_bytes().to_vec()))
                .collect(),
        ),
    ]);
    columns
}

/// Writes the orders as a Parquet file.
pub fn write_orders(rows: &[OrderRow], out: impl Write + Send) -> anyhow::Result<()> {
    write(&format!("message order {{{LEAD}{ORDER}\n}}"), rows, order_columns, out)
}

/// Writes the fills as a Parquet file.
pub fn write_fills(rows: &[FillRow], out: impl Write + Send) -> anyhow::Result<()> {
    write(&format!("message fill {{{LEAD}{FILL}\n}}"), rows, fill_columns, out)
}

fn write<T>(
    schema: &str,
    rows: &[T],
    columns: fn(&[T]) -> Vec<Column>,
    out: impl Write + Send,
) -> anyhow::Result<()> {
    let schema = Arc::new(parse_message_type(schema).context("the blotter's Parquet schema")?);
    let props = Arc::new(WriterProperties::builder().set_compression(Compression::SNAPPY).build());
    let mut file = SerializedFileWriter::new(out, schema, props).context("writing Parquet")?;
    for chunk in rows.chunks(GROUP_ROWS) {
        let mut group = file.next_row_group().context("writing Parquet")?;
        for values in columns(chunk) {
            let mut column = group
                .next_column()
                .context("writing Parquet")?
                .context("the Parquet schema has fewer columns than the rows")?;
            match values {
                Column::Int32(v) => column.typed::<Int32Type>().write_batch(&v, None, None),
                Column::Int64(v) => column.typed::<Int64Type>().write_batch(&v, None, None),
                Column::Double(v) => column.typed::<DoubleType>().write_batch(&v, None, None),
                Column::OptionalDouble(v) => {
                    let defined: Vec<i16> = v.iter().map(|x| i16::from(x.is_some())).collect();
                    let present: Vec<f64> = v.iter().flatten().copied().collect();
                    column.typed::<DoubleType>().write_batch(&present, Some(&defined), None)
                }
                Column::Text(v) => column.typed::<ByteArrayType>().write_batch(&v, None, None),
                Column::Decimal(v) => {
                    column.typed::<FixedLenByteArrayType>().write_batch(&v, None, None)
                }
            }
            .context("writing Parquet")?;
            column.close().context("writing Parquet")?;
        }
        group.close().context("writing Parquet")?;
    }
    // The footer, then every byte through to the file: a buffered writer dropped
    // unflushed would lose its last bytes without an error.
    file.into_inner().and_then(|mut out| Ok(out.flush()?)).context("writing Parquet")
}
