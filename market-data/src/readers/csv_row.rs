//! Splitting one CSV line into fields without allocating per line. Unquoted lines are
//! split on commas in place; a line with quotes goes through the `csv` crate.

use std::ops::Range;

/// The fields of the current CSV line.
#[derive(Default)]
pub(crate) struct CsvRow {
    ranges: Vec<Range<usize>>,
    owned: String,
    use_owned: bool,
}

impl CsvRow {
    /// Splits `line` into fields (kept until the next call).
    pub(crate) fn split(&mut self, line: &str) -> Result<(), String> {
        self.ranges.clear();
        if !line.contains('"') {
            self.use_owned = false;
            let mut start = 0;
            for (i, b) in line.bytes().enumerate() {
                if b == b',' {
                    self.ranges.push(start..i);
                    start = i + 1;
                }
            }
            self.ranges.push(start..line.len());
            return Ok(());
        }
        self.use_owned = true;
        self.owned.clear();
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).from_reader(line.as_bytes());
        let mut rec = csv::StringRecord::new();
        match rdr.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => return Err("empty CSV record".into()),
            Err(e) => return Err(format!("invalid CSV: {e}")),
        }
        for field in rec.iter() {
            let start = self.owned.len();
            self.owned.push_str(field);
            self.ranges.push(start..self.owned.len());
        }
        Ok(())
    }

    /// Number of fields.
    pub(crate) fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Splits a raw line that must be UTF-8 and have exactly `n` fields; returns it
    /// as text for [`get`](Self::get).
    pub(crate) fn split_exact<'a>(&mut self, line: &'a [u8], n: usize) -> Result<&'a str, String> {
        let line = std::str::from_utf8(line).map_err(|_| "line is not UTF-8")?;
        self.split(line)?;
        if self.len() != n {
            return Err(format!("expected {n} fields, found {}", self.len()));
        }
        Ok(line)
    }

    /// Field `i` (empty if absent), trimmed of surrounding spaces.
    pub(crate) fn get<'a>(&'a self, line: &'a str, i: usize) -> &'a str {
        let src = if self.use_owned { self.owned.as_str() } else { line };
        self.ranges.get(i).and_then(|r| src.get(r.clone())).unwrap_or("").trim()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_plain_and_quoted() {
        let mut row = CsvRow::default();
        let line = "a,b,,d";
        row.split(line).expect("ok");
        assert_eq!(row.len(), 4);
        assert_eq!(row.get(line, 1), "b");
        assert_eq!(row.get(line, 2), "");
        let line = "\"x,y\",2";
        row.split(line).expect("ok");
        assert_eq!(row.len(), 2);
        assert_eq!(row.get(line, 0), "x,y");
    }
}
