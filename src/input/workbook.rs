//! A model as one `.xlsx` workbook (docs/excel.md): a sheet per CSV table,
//! with the same header, and a `model` sheet holding model.toml one line per
//! row in column A. The workbook is turned into the same texts a model
//! folder gives ([`ModelTexts`]), so it goes through the one CSV validation
//! path; every diagnostic is then renamed to the cell it came from
//! (`[book.xlsx]routes!D14`) by [`Layout::locate`].

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use calamine::{Data, Reader, Xlsx};

use super::{ModelTexts, MODEL_FILES, OPTIONAL_MODEL_FILES};
use crate::diagnostics::{Column, Diagnostics, Location};
use crate::report::xlsx::{self, Cell, NumFormat, Sheet};

/// The sheet of each model file, in the order they are written. The sheet
/// of an optional file (`expansion`) may be missing, as the file may.
pub const SHEETS: [(&str, &str); 8] = [
    ("model", "model.toml"),
    ("countries", "countries.csv"),
    ("nodes", "nodes.csv"),
    ("supply", "supply.csv"),
    ("refining", "refining.csv"),
    ("demand", "demand.csv"),
    ("routes", "routes.csv"),
    ("expansion", "expansion.csv"),
];

/// Columns holding numbers: written to a workbook as number cells.
pub const NUMBER_COLUMNS: [&str; 14] = [
    "risk",
    "capacity",
    "cost",
    "yield",
    "demand",
    "penalty",
    "stock",
    "reserve",
    "year",
    "max_added",
    "capex",
    "fixed_cost",
    "first_year",
    "lifetime",
];

/// The most cells a sheet may span from A1 (a stray cell far away would
/// otherwise make the reader allocate the whole rectangle).
const MAX_CELLS: usize = 20_000_000;

/// Whether `path` names a model workbook rather than a model folder.
pub fn is_workbook(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
        && !path.is_dir()
}

/// The folder scenario paths are checked against: a model folder itself,
/// or the folder a model workbook is in.
pub fn model_dir(model: &Path) -> PathBuf {
    if !is_workbook(model) {
        return model.to_path_buf();
    }
    match model.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// How the texts of a workbook model map back to its cells.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    /// The workbook as the user named it.
    pub workbook: String,
    /// By the path a model file is shown under in the texts
    /// ([`ModelTexts::shown`]): its sheet and header cells (column A first).
    pub sheets: BTreeMap<String, (String, Vec<String>)>,
}

impl Layout {
    /// Renames a location in one of the workbook's texts to its sheet and
    /// cell; any other location (a scenario file) is left as it is.
    pub fn locate(&self, loc: &mut Location) {
        if loc.sheet.is_some() {
            return;
        }
        let Some((sheet, header)) = self.sheets.get(&loc.file) else {
            return;
        };
        if let Some(Column::Named(name)) = &loc.column {
            if let Some(i) = header.iter().position(|h| h == name) {
                loc.column = Some(Column::Letter(column_letter(i)));
            }
        }
        loc.file = self.workbook.clone();
        loc.sheet = Some(sheet.as_str().into());
    }
}

/// The spreadsheet letters of the 0-based column `i` (A, B, ..., Z, AA, ...).
pub fn column_letter(i: usize) -> String {
    let mut n = i + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Reads the model workbook at `path`. Problems (an unreadable workbook, a
/// missing sheet, a cell that holds neither text nor a number) go to
/// `diags`; a sheet that cannot be read counts as unreadable, so that it is
/// not reported twice.
pub fn read(path: &Path, diags: &mut Diagnostics) -> ModelTexts {
    let shown = path.display().to_string();
    let mut texts = ModelTexts {
        shown_dir: shown.clone(),
        ..ModelTexts::default()
    };
    let mut layout = Layout {
        workbook: shown.clone(),
        sheets: BTreeMap::new(),
    };
    for (sheet, file) in SHEETS {
        layout
            .sheets
            .insert(texts.shown(file), (sheet.to_string(), Vec::new()));
    }
    let all_unreadable = |texts: &mut ModelTexts| {
        texts
            .unreadable
            .extend(MODEL_FILES.iter().map(|n| n.to_string()));
    };
    let mut book = match std::fs::read(path)
        .map_err(|e| format!("cannot read: {e}"))
        .and_then(|bytes| {
            Xlsx::new(Cursor::new(bytes))
                .map_err(|e| format!("is not a readable .xlsx workbook: {e}"))
        }) {
        Ok(book) => book,
        Err(why) => {
            diags.error(Location::file(&shown), why);
            all_unreadable(&mut texts);
            texts.workbook = Some(Arc::new(layout));
            return texts;
        }
    };
    let names = book.sheet_names();
    for (sheet, file) in SHEETS {
        let at = Location {
            sheet: Some(sheet.into()),
            ..Location::file(&shown)
        };
        if !names.iter().any(|n| n == sheet) {
            if OPTIONAL_MODEL_FILES.contains(&file) {
                continue;
            }
            diags.error_hint(
                at,
                "sheet is missing",
                format!(
                    "a model workbook has the sheets {} (docs/excel.md)",
                    SHEETS
                        .iter()
                        .filter(|(_, f)| !OPTIONAL_MODEL_FILES.contains(f))
                        .map(|(s, _)| *s)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            texts.unreadable.insert(file.to_string());
            continue;
        }
        let range = match book.worksheet_range(sheet) {
            Ok(r) => r,
            Err(e) => {
                diags.error(at, format!("cannot read the sheet: {e}"));
                texts.unreadable.insert(file.to_string());
                continue;
            }
        };
        let Some(mut grid) = cells(&range, sheet, &shown, diags) else {
            texts.unreadable.insert(file.to_string());
            continue;
        };
        let text = if file == "model.toml" {
            toml_text(&grid, sheet, &shown, diags)
        } else {
            fit_rows(&mut grid);
            let header = grid.first().cloned().unwrap_or_default();
            let header = header.iter().map(|h| h.trim().to_string()).collect();
            if let Some(entry) = layout.sheets.get_mut(&texts.shown(file)) {
                entry.1 = header;
            }
            texts
                .record_lines
                .insert(file.to_string(), (1..=grid.len()).collect());
            csv_text(&grid)
        };
        texts.files.insert(file.to_string(), Some(text));
    }
    texts.workbook = Some(Arc::new(layout));
    texts
}

/// The sheet as rows of cell texts, from A1 to its last used cell (rows and
/// columns before the first used cell count, so that row N is line N).
fn cells(
    range: &calamine::Range<Data>,
    sheet: &str,
    shown: &str,
    diags: &mut Diagnostics,
) -> Option<Vec<Vec<String>>> {
    let Some((end_row, end_col)) = range.end() else {
        return Some(Vec::new());
    };
    let (end_row, end_col) = (end_row as usize, end_col as usize);
    if (end_row + 1).saturating_mul(end_col + 1) > MAX_CELLS {
        diags.error(
            Location {
                sheet: Some(sheet.into()),
                ..Location::file(shown)
            },
            format!(
                "the sheet reaches cell {}{}: more than {MAX_CELLS} cells from A1 are not read",
                column_letter(end_col),
                end_row + 1
            ),
        );
        return None;
    }
    let mut grid = vec![vec![String::new(); end_col + 1]; end_row + 1];
    for (row, col, value) in range.used_cells() {
        let (row, col) = (
            row + range.start().map_or(0, |s| s.0 as usize),
            col + range.start().map_or(0, |s| s.1 as usize),
        );
        match cell_text(value) {
            Ok(text) => grid[row][col] = text,
            Err(why) => diags.error(
                Location {
                    sheet: Some(sheet.into()),
                    column: Some(Column::Letter(column_letter(col))),
                    ..Location::line(shown, row + 1)
                },
                why,
            ),
        }
    }
    Some(grid)
}

/// Gives every row the width of the header (row 1, up to its last
/// non-blank cell): blank cells at the end of a row are blank values, as a
/// spreadsheet shows them; a row with a non-blank cell beyond the header
/// keeps it, and is then reported as too long, as in a CSV file.
fn fit_rows(grid: &mut [Vec<String>]) {
    let used = |row: &[String]| row.iter().rposition(|c| !c.is_empty()).map_or(0, |i| i + 1);
    let width = grid.first().map_or(0, |h| used(h));
    for row in grid.iter_mut() {
        let n = used(row).max(width);
        row.resize(n, String::new());
    }
}

/// The text a CSV file would hold for this cell. Numbers are written in
/// the shortest form that reads back as the same number (`2.5`, `120950`,
/// not `120950.0`), so a cell means exactly what the number means.
pub fn cell_text(value: &Data) -> Result<String, String> {
    match value {
        Data::Empty => Ok(String::new()),
        Data::String(s) => Ok(s.clone()),
        Data::Float(x) if x.is_finite() => Ok(format!("{x}")),
        Data::Float(x) => Err(format!("holds {x}, not a finite number")),
        Data::Int(i) => Ok(i.to_string()),
        Data::Bool(b) => Ok(if *b { "true" } else { "false" }.to_string()),
        Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => Err(
            "holds a date or time; sourcemix reads numbers and text only (format the cell as a number)".into(),
        ),
        Data::Error(e) => Err(format!("holds the error {e}")),
    }
}

/// model.toml from the `model` sheet: column A, one line per row.
fn toml_text(grid: &[Vec<String>], sheet: &str, shown: &str, diags: &mut Diagnostics) -> String {
    let mut text = String::new();
    for (i, row) in grid.iter().enumerate() {
        if let Some(col) = row.iter().skip(1).position(|c| !c.is_empty()) {
            diags.error(
                Location {
                    sheet: Some(sheet.into()),
                    column: Some(Column::Letter(column_letter(col + 1))),
                    ..Location::line(shown, i + 1)
                },
                "only column A of the model sheet is read (one line of model.toml per row); this cell would be lost",
            );
        }
        text.push_str(row.first().map_or("", String::as_str));
        text.push('\n');
    }
    text
}

/// The rows as CSV text, one record per row (a cell with a line break is
/// quoted, so records and rows still match through `record_lines`).
fn csv_text(grid: &[Vec<String>]) -> String {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_writer(Vec::new());
    for row in grid {
        // (csv writes a lone blank cell as `""`, not as a skipped empty line)
        let _ = w.write_record(row);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// The model `texts` as a model workbook (`sourcemix convert --to xlsx`):
/// each CSV record in the row of its line (so row numbers in messages are
/// the CSV's line numbers), numbers of the number columns as number cells,
/// every other cell as text; model.toml one line per row of the `model` sheet.
pub fn write(texts: &ModelTexts) -> Result<Vec<u8>, String> {
    let mut sheets = Vec::new();
    for (sheet, file) in SHEETS {
        // A missing file is a missing sheet, reported as such when read.
        let Some(text) = texts.text(file) else {
            continue;
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut out = Sheet {
            name: sheet.to_string(),
            ..Sheet::default()
        };
        if file == "model.toml" {
            out.rows = text.lines().map(|l| vec![Cell::text(l)]).collect();
            sheets.push(out);
            continue;
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut header: Vec<String> = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| format!("{}: {e}", texts.shown(file)))?;
            let line = record.position().map_or(0, |p| p.line() as usize);
            if header.is_empty() && out.header.is_empty() {
                header = record.iter().map(|h| h.trim().to_string()).collect();
                out.header = record.iter().map(str::to_string).collect();
                continue;
            }
            // Row 1 is the header: the record of line L goes to row L.
            while out.rows.len() + 2 < line {
                out.rows.push(Vec::new());
            }
            let cells = record
                .iter()
                .enumerate()
                .map(|(i, cell)| {
                    let numeric = header
                        .get(i)
                        .is_some_and(|h| NUMBER_COLUMNS.contains(&h.as_str()));
                    match cell.trim().parse::<f64>() {
                        Ok(x) if numeric && x.is_finite() => Cell::Number(x, NumFormat::General),
                        _ => Cell::text(cell),
                    }
                })
                .collect();
            out.rows.push(cells);
        }
        sheets.push(out);
    }
    xlsx::workbook(&sheets).map_err(|e| e.to_string())
}

/// The model texts as the files of a model folder (`convert --to csv`).
pub fn folder_files(texts: &ModelTexts) -> Vec<(&'static str, Vec<u8>)> {
    MODEL_FILES
        .iter()
        .chain(OPTIONAL_MODEL_FILES.iter())
        .filter_map(|&name| Some((name, texts.text(name)?.as_bytes().to_vec())))
        .collect()
}
