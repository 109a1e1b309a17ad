//! The report as one Excel workbook (`solve --xlsx`, `batch --xlsx`;
//! docs/excel.md): the tables `--out` writes as CSV, a sheet each, from the
//! same `Report` values. Numbers are number cells with a display format;
//! text is always a string cell (never a formula, whatever it begins with).
//! The bytes depend on the report only: the creation date is fixed.

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use super::files::{self, mix_rows, WriteError};
use super::horizon::{self, HorizonReport};
use super::Report;

/// How a number is shown. The stored value is the report's, unrounded.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum NumFormat {
    /// Tonnes: `#,##0.00`.
    Tonnes,
    /// Money (a cost or a price per tonne): `#,##0.00`.
    Money,
    /// A share 0..=1, shown as a percentage: `0.0%`.
    Share,
    /// An index such as an HHI: `0.0000`.
    Index,
    /// A count or a line number: `0`.
    Integer,
    /// Excel's General format: every digit (model inputs).
    General,
}

impl NumFormat {
    fn code(self) -> &'static str {
        match self {
            NumFormat::Tonnes | NumFormat::Money => "#,##0.00",
            NumFormat::Share => "0.0%",
            NumFormat::Index => "0.0000",
            NumFormat::Integer => "0",
            NumFormat::General => "General",
        }
    }
}

/// One cell of a sheet.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64, NumFormat),
    Bool(bool),
    Empty,
}

impl Cell {
    pub fn text(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

/// One sheet: a header row (bold, frozen, filtered), then the rows; with no
/// header, just the rows from row 1 (the model sheet of a model workbook).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    pub fn new(name: &str, header: &[&str]) -> Sheet {
        Sheet {
            name: name.to_string(),
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }
}

/// The creation date written into every workbook, so that the same report
/// gives the same bytes.
const CREATED: (u16, u8, u8) = (2024, 1, 1);

/// The sheets as the bytes of an .xlsx file: each with its header row in
/// bold, frozen and filtered, and its columns sized to their content.
pub fn workbook(sheets: &[Sheet]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_ymd(CREATED.0, CREATED.1, CREATED.2)?;
    book.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&created)
            .set_comment("written by sourcemix"),
    );
    for sheet in sheets {
        let ws = book.add_worksheet();
        write_sheet(ws, sheet)?;
    }
    book.save_to_buffer()
}

fn write_sheet(ws: &mut Worksheet, sheet: &Sheet) -> Result<(), XlsxError> {
    ws.set_name(&sheet.name)?;
    let bold = Format::new().set_bold();
    for (c, h) in sheet.header.iter().enumerate() {
        ws.write_string_with_format(0, col(c)?, h, &bold)?;
    }
    let first = u32::from(!sheet.header.is_empty());
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = u32::try_from(r)
            .ok()
            .and_then(|r| r.checked_add(first))
            .ok_or(XlsxError::RowColumnLimitError)?;
        for (c, cell) in row.iter().enumerate() {
            let c = col(c)?;
            match cell {
                Cell::Text(s) if !s.is_empty() => {
                    ws.write_string(r, c, s)?;
                }
                Cell::Number(x, f) if x.is_finite() => {
                    ws.write_number_with_format(r, c, *x, &Format::new().set_num_format(f.code()))?;
                }
                Cell::Number(x, _) => {
                    ws.write_string(r, c, x.to_string())?;
                }
                Cell::Bool(b) => {
                    ws.write_boolean(r, c, *b)?;
                }
                Cell::Text(_) | Cell::Empty => {}
            }
        }
    }
    if !sheet.header.is_empty() {
        let last_col = col(sheet.header.len() - 1)?;
        let last_row =
            u32::try_from(sheet.rows.len()).map_err(|_| XlsxError::RowColumnLimitError)?;
        ws.set_freeze_panes(1, 0)?;
        ws.autofilter(0, 0, last_row, last_col)?;
    }
    ws.autofit_to_max_width(400);
    Ok(())
}

fn col(c: usize) -> Result<u16, XlsxError> {
    u16::try_from(c).map_err(|_| XlsxError::RowColumnLimitError)
}

/// The sheets of `solve --xlsx`: summary, mix, flows, policies, capacities
/// and (with `--ranges`) ranges.
pub fn report_sheets(report: &Report) -> Vec<Sheet> {
    use Cell::{Bool, Number as N, Text};
    use NumFormat::*;
    let mut summary = Sheet::new("summary", &["item", "commodity", "value"]);
    let item = |name: &str, k: &str, value: Cell| vec![Cell::text(name), Cell::text(k), value];
    summary.rows = vec![
        item("status", "", Cell::text(report.status.as_str())),
        item("model", "", Cell::text(&report.model)),
        item("currency", "", Cell::text(&report.currency)),
        item("total_cost", "", N(report.total_cost, Money)),
        item("supply_cost", "", N(report.cost.supply, Money)),
        item("refining_cost", "", N(report.cost.refining, Money)),
        item("transport_cost", "", N(report.cost.transport, Money)),
        item("shortfall_cost", "", N(report.cost.shortfall, Money)),
    ];
    for t in &report.totals {
        summary.rows.extend([
            item("demand", &t.commodity, N(t.demand, Tonnes)),
            item("delivered", &t.commodity, N(t.delivered, Tonnes)),
            item("unmet", &t.commodity, N(t.unmet, Tonnes)),
            item("hhi_mining", &t.commodity, N(t.hhi_mining, Index)),
            item("hhi_refining", &t.commodity, N(t.hhi_refining, Index)),
        ]);
    }
    summary.rows.extend([
        item("lp_variables", "", N(report.lp.variables as f64, Integer)),
        item(
            "lp_constraints",
            "",
            N(report.lp.constraints as f64, Integer),
        ),
    ]);

    let mut mix = Sheet::new("mix", &files::MIX_COLUMNS);
    mix.rows = mix_rows(report, std::borrow::Cow::Borrowed)
        .map(|m| {
            vec![
                Text(m.consumer.into_owned()),
                Text(m.commodity.into_owned()),
                Cell::text(m.stage),
                Text(m.country.into_owned()),
                N(m.amount, Tonnes),
                N(m.share, Share),
            ]
        })
        .collect();

    let mut flows = Sheet::new("flows", &files::FLOW_COLUMNS);
    flows.rows = report
        .flows
        .iter()
        .map(|f| {
            vec![
                Cell::text(&f.from),
                Cell::text(&f.to),
                Cell::text(&f.commodity),
                N(f.line as f64, Integer),
                N(f.amount, Tonnes),
            ]
        })
        .collect();

    let mut policies = Sheet::new("policies", &files::POLICY_COLUMNS);
    policies.rows = report
        .policies
        .iter()
        .map(|p| {
            vec![
                Cell::text(&p.policy),
                Cell::text(p.kind.as_str()),
                Cell::text(&p.commodity),
                Cell::text(p.stage.as_str()),
                Cell::text(&p.scope),
                Cell::text(&p.from),
                N(p.limit, Share),
                N(p.actual, Share),
                N(p.delivered, Tonnes),
                Bool(p.binding),
                N(p.shadow_price, Money),
            ]
        })
        .collect();

    let mut capacities = Sheet::new("capacities", &files::CAPACITY_COLUMNS);
    capacities.rows = report
        .capacities
        .iter()
        .map(|c| {
            vec![
                Cell::text(c.kind.as_str()),
                Cell::text(c.node.as_deref().unwrap_or("")),
                Cell::text(c.route.as_deref().unwrap_or("")),
                Cell::text(&c.commodity),
                N(c.line as f64, Integer),
                N(c.capacity, Tonnes),
                N(c.used, Tonnes),
                Bool(c.binding),
                N(c.shadow_price, Money),
            ]
        })
        .collect();

    let mut sheets = vec![summary, mix, flows, policies, capacities];
    if !report.ranges.is_empty() {
        let mut ranges = Sheet::new("ranges", &files::RANGE_COLUMNS);
        ranges.rows = report
            .ranges
            .iter()
            .map(|r| {
                vec![
                    Cell::text(&r.commodity),
                    Cell::text(r.kind.as_str()),
                    Cell::text(&r.scope),
                    Cell::text(r.stage.as_str()),
                    Cell::text(&r.country),
                    N(r.demand, Tonnes),
                    N(r.amount, Tonnes),
                    N(r.min, Tonnes),
                    N(r.max, Tonnes),
                    N(r.min_share, Share),
                    N(r.max_share, Share),
                ]
            })
            .collect();
        sheets.push(ranges);
    }
    sheets
}

/// The sheets of `solve --xlsx` for a multi-period model: summary (the
/// discounted headline), periods, totals (demand, delivered and unmet by
/// period and commodity), investment, max_added, budgets, then the
/// single-year sheets (mix, flows, policies, capacities, and ranges with
/// `--ranges`) of every period under a leading `year` column: the tables
/// `--out` writes as CSV.
pub fn horizon_sheets(h: &HorizonReport) -> Vec<Sheet> {
    use Cell::{Bool, Number as N};
    use NumFormat::*;
    let year = |y: i32| N(f64::from(y), Integer);
    let mut summary = Sheet::new("summary", &["item", "year", "value"]);
    let item = |name: &str, y: Option<i32>, value: Cell| {
        vec![Cell::text(name), y.map_or(Cell::Empty, year), value]
    };
    summary.rows = vec![
        item("status", None, Cell::text("optimal")),
        item("model", None, Cell::text(&h.model)),
        item("currency", None, Cell::text(&h.currency)),
        item(
            "present_value_year",
            h.periods.first().map(|p| p.year),
            Cell::Empty,
        ),
        item("total_cost", None, N(h.total_cost, Money)),
        item("operating_cost", None, N(h.operating_cost, Money)),
        item("investment_cost", None, N(h.investment_cost, Money)),
    ];
    summary.rows.extend(h.periods.iter().map(|p| {
        item(
            "period_total_cost",
            Some(p.year),
            N(p.discounted_cost + p.investment_cost, Money),
        )
    }));

    let mut periods = Sheet::new("periods", &horizon::PERIOD_COLUMNS);
    periods.rows = h
        .periods
        .iter()
        .map(|p| {
            vec![
                year(p.year),
                N(f64::from(p.span), Integer),
                N(p.weight, Index),
                N(p.cost.supply, Money),
                N(p.cost.refining, Money),
                N(p.cost.transport, Money),
                N(p.cost.shortfall, Money),
                N(p.report.total_cost, Money),
                N(p.discounted_cost, Money),
                N(p.investment_cost, Money),
            ]
        })
        .collect();

    let mut totals = Sheet::new(
        "totals",
        &[
            "year",
            "commodity",
            "demand",
            "delivered",
            "unmet",
            "hhi_mining",
            "hhi_refining",
        ],
    );
    totals.rows = h
        .periods
        .iter()
        .flat_map(|p| {
            p.report.totals.iter().map(move |t| {
                vec![
                    year(p.year),
                    Cell::text(&t.commodity),
                    N(t.demand, Tonnes),
                    N(t.delivered, Tonnes),
                    N(t.unmet, Tonnes),
                    N(t.hhi_mining, Index),
                    N(t.hhi_refining, Index),
                ]
            })
        })
        .collect();

    let mut investment = Sheet::new("investment", &horizon::INVESTMENT_COLUMNS);
    investment.rows = h
        .investment
        .iter()
        .map(|i| {
            vec![
                year(i.year),
                Cell::text(&i.node),
                Cell::text(&i.country),
                Cell::text(&i.kind),
                Cell::text(&i.commodity),
                N(i.added, Tonnes),
                year(i.available_until),
                N(i.cost, Money),
                N(i.line as f64, Integer),
            ]
        })
        .collect();

    let mut max_added = Sheet::new("max_added", &horizon::MAX_ADDED_COLUMNS);
    max_added.rows = h
        .max_added
        .iter()
        .map(|m| {
            vec![
                Cell::text(&m.node),
                Cell::text(&m.commodity),
                N(m.line as f64, Integer),
                N(m.max_added, Tonnes),
                N(m.added, Tonnes),
                Bool(m.binding),
                N(m.shadow_price, Money),
            ]
        })
        .collect();

    let mut header = vec![
        "kind".to_string(),
        "node".to_string(),
        "commodity".to_string(),
        "line".to_string(),
        "amount".to_string(),
        "used".to_string(),
    ];
    header.extend(h.periods.iter().map(|p| format!("used_{}", p.year)));
    header.extend(["binding".to_string(), "shadow_price".to_string()]);
    let mut budgets = Sheet {
        name: "budgets".into(),
        header,
        rows: Vec::new(),
    };
    budgets.rows = h
        .budgets
        .iter()
        .map(|b| {
            let mut row = vec![
                Cell::text(b.kind.as_str()),
                Cell::text(&b.node),
                Cell::text(&b.commodity),
                N(b.line as f64, Integer),
                N(b.amount, Tonnes),
                N(b.used, Tonnes),
            ];
            row.extend(
                (0..h.periods.len())
                    .map(|i| N(b.used_by_period.get(i).copied().unwrap_or(0.0), Tonnes)),
            );
            row.extend([Bool(b.binding), N(b.shadow_price, Money)]);
            row
        })
        .collect();

    let mut sheets = vec![summary, periods, totals, investment, max_added, budgets];
    // The single-year sheets (not its summary: periods and totals hold it;
    // ranges where computed), every period's rows in turn under a leading
    // year column.
    for p in &h.periods {
        for sheet in report_sheets(&p.report)
            .into_iter()
            .filter(|s| s.name != "summary")
        {
            let target = match sheets.iter().position(|s| s.name == sheet.name) {
                Some(i) => i,
                None => {
                    let header = std::iter::once("year".to_string())
                        .chain(sheet.header.iter().cloned())
                        .collect();
                    sheets.push(Sheet {
                        name: sheet.name.clone(),
                        header,
                        rows: Vec::new(),
                    });
                    sheets.len() - 1
                }
            };
            sheets[target].rows.extend(
                sheet
                    .rows
                    .into_iter()
                    .map(|row| std::iter::once(year(p.year)).chain(row).collect()),
            );
        }
    }
    sheets
}

/// A multi-period report as the bytes of the `solve --xlsx` workbook.
pub fn horizon_workbook(h: &HorizonReport) -> Result<Vec<u8>, WriteError> {
    workbook(&horizon_sheets(h)).map_err(|e| render_error("the workbook", e))
}

/// The report as the bytes of the `solve --xlsx` workbook.
pub fn report_workbook(report: &Report) -> Result<Vec<u8>, WriteError> {
    workbook(&report_sheets(report)).map_err(|e| render_error("the workbook", e))
}

pub fn render_error(file: &str, e: XlsxError) -> WriteError {
    WriteError::Render {
        file: file.to_string(),
        reason: e.to_string(),
    }
}

/// Whether `path` is a workbook sourcemix wrote of the kind whose first
/// sheet is `first_sheet` (summary, comparison or model): a previous output.
fn previous_output(path: &Path, first_sheet: &str) -> bool {
    use calamine::Reader;
    calamine::open_workbook::<calamine::Xlsx<_>, _>(path)
        .is_ok_and(|book| book.sheet_names().first().is_some_and(|s| s == first_sheet))
}

/// Writes the workbook `bytes` as the file `path`, whole or not at all: into
/// a file beside it, then renamed into place. An existing `path` is replaced
/// only when it is a previous output of the same kind (its first sheet is
/// `first_sheet`): a model workbook is never replaced by a report.
pub fn write_file(path: &Path, bytes: &[u8], first_sheet: &str) -> Result<(), WriteError> {
    let shown = path.display().to_string();
    if path.exists() && (!path.is_file() || !previous_output(path, first_sheet)) {
        return Err(WriteError::NotOurs { path: shown });
    }
    let name = path.file_name().unwrap_or_default();
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let io = |source| WriteError::Io {
        path: shown.clone(),
        source,
    };
    // A fixed name (what an interrupted write left is overwritten), created
    // like any file, so the workbook gets the usual permissions.
    let staging = parent.join(format!(".{}.sourcemix-tmp", name.to_string_lossy()));
    let written = std::fs::write(&staging, bytes).and_then(|()| std::fs::rename(&staging, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&staging);
        return Err(io(e));
    }
    Ok(())
}
