//! Reading one CSV table of a model folder: header check, then one raw row of
//! strings per record (via serde), then cell parsing with file/line/column
//! diagnostics. A row with a bad cell is kept (with the bad value blank or
//! zero) after its error is recorded: the model will not be solved anyway, and
//! keeping the row stops one typo from cascading into false errors about
//! references to it.

use std::collections::BTreeSet;

use serde::de::DeserializeOwned;

use std::sync::Arc;

use crate::diagnostics::{Diagnostics, Location, RowRef};

/// A table's text, with the name it is shown under in messages.
pub struct TableText<'a> {
    /// The path shown to the user, e.g. `models/x/routes.csv`.
    pub shown_as: &'a str,
    /// `None` when the file does not exist or could not be read.
    pub text: Option<&'a str>,
    /// The file exists but could not be read (already reported).
    pub unreadable: bool,
    /// The line of each record (the header first) in the file named by
    /// `shown_as`, when `text` was made from another file (a scenario's
    /// inline rows); `None`: the lines of `text`.
    pub record_lines: Option<&'a [usize]>,
}

impl TableText<'_> {
    /// The line to report for the record at `position`.
    fn line_of(&self, position: Option<&csv::Position>) -> usize {
        match (self.record_lines, position) {
            (Some(lines), Some(p)) => lines.get(p.record() as usize).copied().unwrap_or(0),
            (None, Some(p)) => p.line() as usize,
            (_, None) => 0,
        }
    }

    fn header_line(&self) -> usize {
        self.record_lines
            .and_then(|l| l.first().copied())
            .unwrap_or(1)
    }
}

/// Reads every record of a table into `T`, a struct of `String` fields named
/// after the columns (`optional` columns may be missing: `#[serde(default)]`).
/// Returns the records with their 1-based line numbers.
pub fn read_rows<T: DeserializeOwned>(
    table: &TableText<'_>,
    columns: &[&str],
    optional: &[&str],
    diags: &mut Diagnostics,
) -> Vec<(usize, T)> {
    let Some(text) = table.text else {
        if table.unreadable {
            return Vec::new();
        }
        diags.error_hint(
            Location::file(table.shown_as),
            "file is missing",
            format!(
                "every model folder needs this file, with header `{}`",
                columns.join(",")
            ),
        );
        return Vec::new();
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            diags.error(
                Location::line(table.shown_as, table.header_line()),
                format!("cannot read the header row: {e}"),
            );
            return Vec::new();
        }
    };
    if !check_header(
        table.shown_as,
        table.header_line(),
        &headers,
        columns,
        optional,
        diags,
    ) {
        return Vec::new();
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = table.line_of(e.position());
                diags.error(
                    Location::line(table.shown_as, line),
                    format!("cannot read the row: {e}"),
                );
                continue;
            }
        };
        let line = table.line_of(record.position());
        if record.iter().all(|cell| cell.is_empty()) {
            continue; // a blank line
        }
        if record.len() != headers.len() {
            diags.error(
                Location::line(table.shown_as, line),
                format!(
                    "the row has {} cells but the header has {} columns",
                    record.len(),
                    headers.len()
                ),
            );
            continue;
        }
        match record.deserialize::<T>(Some(&headers)) {
            Ok(row) => rows.push((line, row)),
            Err(e) => diags.error(
                Location::line(table.shown_as, line),
                format!("cannot read the row: {e}"),
            ),
        }
    }
    rows
}

/// Checks that every expected column is present once (an optional one at
/// most once); warns about extra ones.
fn check_header(
    shown_as: &str,
    line: usize,
    headers: &csv::StringRecord,
    columns: &[&str],
    optional: &[&str],
    diags: &mut Diagnostics,
) -> bool {
    let mut ok = true;
    let mut seen = BTreeSet::new();
    for name in headers.iter() {
        let known = columns.contains(&name) || optional.contains(&name);
        if !seen.insert(name) {
            if known {
                diags.error(
                    Location::line(shown_as, line),
                    format!("column \"{name}\" appears twice in the header"),
                );
                ok = false;
            }
        } else if !known {
            diags.warning(
                Location::line(shown_as, line),
                format!(
                    "extra column \"{name}\" is ignored (expected columns: {})",
                    columns.join(",")
                ),
            );
        }
    }
    for name in columns {
        if !seen.contains(name) {
            diags.error_hint(
                Location::line(shown_as, line),
                format!("missing column \"{name}\""),
                format!("the header must name the columns {}", columns.join(",")),
            );
            ok = false;
        }
    }
    ok
}

/// Parses the cells of one row, recording each problem with its column.
pub struct Cells<'d> {
    pub file: Arc<str>,
    pub line: usize,
    pub diags: &'d mut Diagnostics,
}

impl<'d> Cells<'d> {
    pub fn new(file: Arc<str>, line: usize, diags: &'d mut Diagnostics) -> Self {
        Cells { file, line, diags }
    }

    /// This row, as a reference carried by the parsed row.
    pub fn row(&self) -> RowRef {
        RowRef {
            file: self.file.clone(),
            line: self.line,
        }
    }

    pub fn at(&self, column: &str) -> Location {
        Location::cell(self.file.as_ref(), self.line, column)
    }

    /// A required text cell.
    pub fn text(&mut self, column: &str, value: &str) -> String {
        if value.is_empty() {
            self.fail(column, "is blank; a value is required");
        }
        value.to_string()
    }

    /// A required non-negative finite number.
    pub fn number(&mut self, column: &str, value: &str) -> f64 {
        match self.optional_number(column, value) {
            Some(x) => x,
            None => {
                if value.is_empty() {
                    self.fail(column, "is blank; a number is required");
                }
                0.0
            }
        }
    }

    /// A non-negative finite number, or `None` for a blank cell.
    pub fn optional_number(&mut self, column: &str, value: &str) -> Option<f64> {
        if value.is_empty() {
            return None;
        }
        match parse_quantity(value) {
            Ok(x) => Some(x),
            Err(why) => {
                self.fail(column, &format!("\"{value}\" {why}"));
                None
            }
        }
    }

    /// A year (contract section 10): a whole number in 1..=9999, or `None`
    /// for a blank cell. Whether it is a period is for `validate` to say.
    pub fn optional_year(&mut self, column: &str, value: &str) -> Option<i32> {
        if value.is_empty() {
            return None;
        }
        match parse_year(value) {
            Some(y) => Some(y),
            None => {
                self.fail(
                    column,
                    &format!("\"{value}\" is not a year (expected a whole number such as 2030)"),
                );
                None
            }
        }
    }

    fn fail(&mut self, column: &str, message: &str) {
        self.diags.error(self.at(column), message.to_string());
    }
}

use super::numbers::NumberError;
pub use super::numbers::MAX_QUANTITY;

/// Parses a calendar year: a whole number in 1..=9999 (`2030`; `2030.0`
/// as a spreadsheet may write it is accepted).
pub fn parse_year(value: &str) -> Option<i32> {
    let year = match value.parse::<i32>() {
        Ok(y) => y,
        Err(_) => {
            let x: f64 = value.parse().ok()?;
            if x.fract() != 0.0 || !x.is_finite() || x.abs() > 1e6 {
                return None;
            }
            x as i32
        }
    };
    (1..=9999).contains(&year).then_some(year)
}

/// Parses a plain decimal that must be a quantity (see [`super::numbers::quantity`]).
pub fn parse_quantity(value: &str) -> Result<f64, NumberError> {
    let x: f64 = value.parse().map_err(|_| NumberError::NotANumber)?;
    super::numbers::quantity(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("1e6"), Ok(1e6));
        assert_eq!(parse_quantity("0.65"), Ok(0.65));
        assert!(parse_quantity("-1").is_err());
        assert!(parse_quantity("NaN").is_err());
        assert!(parse_quantity("inf").is_err());
        assert!(parse_quantity("12t").is_err());
    }

    #[test]
    fn years() {
        assert_eq!(parse_year("2030"), Some(2030));
        assert_eq!(parse_year("2030.0"), Some(2030));
        assert_eq!(parse_year("2030.5"), None);
        assert_eq!(parse_year("-2030"), None);
        assert_eq!(parse_year("0"), None);
        assert_eq!(parse_year("12345"), None);
        assert_eq!(parse_year("y2030"), None);
        assert_eq!(parse_year("NaN"), None);
    }
}
