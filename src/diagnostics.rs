//! Errors and warnings about a model, each pinned to a file, line and column,
//! collected in a list so that the user sees every problem at once.

use std::fmt;
use std::sync::Arc;

/// How serious a diagnostic is.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// Where in the input a diagnostic points.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Location {
    /// The file as the user can open it (model folder joined with the file name).
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// The CSV column name or, in TOML, the 1-based character column.
    pub column: Option<Column>,
    /// In a model workbook (`file`): the sheet; `line` is then the row and
    /// the location is shown as `[file]sheet!C14` (docs/excel.md).
    pub sheet: Option<Box<str>>,
}

/// A column in a CSV file (by header name) or a TOML file (by character).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Column {
    Named(String),
    Char(usize),
    /// A spreadsheet column letter (`C`), in a workbook sheet.
    Letter(String),
}

impl Location {
    pub fn file(file: impl Into<String>) -> Self {
        Location {
            file: file.into(),
            line: None,
            column: None,
            sheet: None,
        }
    }

    pub fn line(file: impl Into<String>, line: usize) -> Self {
        Location {
            file: file.into(),
            line: Some(line),
            column: None,
            sheet: None,
        }
    }

    pub fn cell(file: impl Into<String>, line: usize, column: &str) -> Self {
        Location {
            file: file.into(),
            line: Some(line),
            column: Some(Column::Named(column.to_string())),
            sheet: None,
        }
    }

    pub fn char(file: impl Into<String>, line: usize, column: usize) -> Self {
        Location {
            file: file.into(),
            line: Some(line),
            column: Some(Column::Char(column)),
            sheet: None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(sheet) = &self.sheet {
            // Excel's own reference form: [book.xlsx]sheet!C14, a row as 14:14.
            write!(f, "[{}]{sheet}", self.file)?;
            return match (self.line, &self.column) {
                (Some(row), Some(Column::Letter(col))) => write!(f, "!{col}{row}"),
                (Some(row), Some(Column::Char(ch))) => write!(f, "!A{row}, character {ch}"),
                (Some(row), Some(Column::Named(name))) => {
                    write!(f, "!{row}:{row} column \"{name}\"")
                }
                (Some(row), None) => write!(f, "!{row}:{row}"),
                (None, _) => Ok(()),
            };
        }
        write!(f, "{}", self.file)?;
        match (self.line, &self.column) {
            (Some(line), Some(Column::Char(col))) => write!(f, ":{line}:{col}"),
            (Some(line), Some(Column::Named(name))) => write!(f, ":{line}: column \"{name}\""),
            (Some(line), Some(Column::Letter(col))) => write!(f, ":{line}: column {col}"),
            (Some(line), None) => write!(f, ":{line}"),
            (None, _) => Ok(()),
        }
    }
}

/// Where a row of a table was written: its file (a model CSV, or the
/// scenario that added it) and its line.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RowRef {
    pub file: Arc<str>,
    pub line: usize,
}

impl RowRef {
    pub fn new(file: &str, line: usize) -> RowRef {
        RowRef {
            file: Arc::from(file),
            line,
        }
    }

    /// The row as a location.
    pub fn location(&self) -> Location {
        Location::line(self.file.as_ref(), self.line)
    }

    /// One cell of the row.
    pub fn cell(&self, column: &str) -> Location {
        Location::cell(self.file.as_ref(), self.line, column)
    }
}

impl fmt::Display for RowRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// One problem found in a model.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    pub severity: Severity,
    pub location: Location,
    pub message: String,
    /// How to fix it, when that is known.
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{word}: {}: {}", self.location, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  (hint: {hint})")?;
        }
        Ok(())
    }
}

/// Every error and warning found so far.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn error(&mut self, location: Location, message: impl Into<String>) {
        self.push(Severity::Error, location, message.into(), None);
    }

    pub fn error_hint(
        &mut self,
        location: Location,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.push(Severity::Error, location, message.into(), Some(hint.into()));
    }

    pub fn warning(&mut self, location: Location, message: impl Into<String>) {
        self.push(Severity::Warning, location, message.into(), None);
    }

    fn push(
        &mut self,
        severity: Severity,
        location: Location,
        message: String,
        hint: Option<String>,
    ) {
        self.items.push(Diagnostic {
            severity,
            location,
            message,
            hint,
        });
    }

    /// Changes every location with `f` (a workbook model names its cells).
    pub fn relocate(&mut self, f: impl Fn(&mut Location)) {
        self.items.iter_mut().for_each(|d| f(&mut d.location));
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.severity == Severity::Error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Errors first, then warnings; each group by file (and sheet) and line.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut all: Vec<&Diagnostic> = self.items.iter().collect();
        all.sort_by_key(|d| {
            let l = &d.location;
            (d.severity, &l.file, &l.sheet, l.line)
        });
        all
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in self.sorted() {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

/// The candidate closest to a misspelt `name`, if one is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// " (did you mean \"x\"?)" when a close candidate exists, else "".
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(name, candidates)
        .map(|c| format!("; did you mean \"{c}\"?"))
        .unwrap_or_default()
}
