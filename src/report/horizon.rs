//! What a multi-period solve reports (contract section 10): the discounted
//! headline, the investment plan, the budgets over the horizon, and each
//! period's own report of section 5.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::files::{self, csv_text, WriteError};
use super::{CostParts, Report, Timings};
use crate::model::BudgetKind;

/// The report of a model with `[periods]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HorizonReport {
    pub model: String,
    pub currency: String,
    /// The objective: sum_p W_p x operating_p + investment (present value,
    /// discounted to the first period's year).
    pub total_cost: f64,
    /// Present value of the investment: every t per year of added capacity
    /// x W_q x (capex x annuity + fixed_cost) over the periods q in which it
    /// is available.
    pub investment_cost: f64,
    /// Present value of operating: sum_p W_p x the period's annual cost.
    pub operating_cost: f64,
    pub periods: Vec<PeriodReport>,
    /// Added capacity by node, commodity and period built, sorted by period,
    /// then node, then commodity. Only entries that add more than 0 t.
    pub investment: Vec<InvestmentReport>,
    /// Every `max_added` limit of expansion.csv (finite ones), with its
    /// shadow price.
    pub max_added: Vec<MaxAddedReport>,
    /// Every reserve and stock budget, with what the horizon uses of it.
    pub budgets: Vec<BudgetReport>,
    pub timings: Timings,
}

/// One period: its year, what it stands for, and the report of section 5 of
/// its flows (annual tonnes and annual cost; shadow prices divided by W_p, so
/// that they are in currency per tonne per year and per percentage point).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PeriodReport {
    pub year: i32,
    /// Years it stands for.
    pub span: u32,
    /// W_p, its discounted weight in the objective.
    pub weight: f64,
    /// The period's annual operating cost by part (undiscounted).
    pub cost: CostParts,
    /// W_p x the annual operating cost.
    pub discounted_cost: f64,
    /// Present value of the investment cost charged to this period (the
    /// capacity available in it).
    pub investment_cost: f64,
    pub report: Report,
}

/// Capacity added at the start of one period.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InvestmentReport {
    /// The year of the period in which it is added (and first produces).
    pub year: i32,
    pub node: String,
    pub country: String,
    /// `mine`, `recycler`, `stockpile` or `refiner`.
    pub kind: String,
    pub commodity: String,
    /// t per year added.
    pub added: f64,
    /// The last year of the horizon in which it is available (its period
    /// of end of life, or the horizon's end), for the timeline.
    pub available_until: i32,
    /// Present value of what it costs over the periods it is available.
    pub cost: f64,
    /// The line of its row in expansion.csv.
    pub line: usize,
}

/// A finite `max_added` of expansion.csv.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MaxAddedReport {
    pub node: String,
    pub commodity: String,
    pub line: usize,
    pub max_added: f64,
    /// t per year added over the horizon.
    pub added: f64,
    pub binding: bool,
    /// d(total cost)/d(max_added): present-value currency per t per year of
    /// extra allowance (negative: a higher limit would save that much).
    pub shadow_price: f64,
}

/// A reserve (mine) or stock (stockpile) budget over the horizon.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BudgetReport {
    pub kind: BudgetKind,
    pub node: String,
    pub commodity: String,
    pub line: usize,
    /// t over the horizon.
    pub amount: f64,
    /// t used over the horizon: sum_p span_p x supplied_p.
    pub used: f64,
    /// t used in each period (span_p x supplied_p), parallel to the periods.
    pub used_by_period: Vec<f64>,
    pub binding: bool,
    /// d(total cost)/d(amount): present-value currency per t of budget.
    pub shadow_price: f64,
}

/// Files rendered to bytes, by name.
type Rendered = Vec<(&'static str, Vec<u8>)>;

/// The data files `solve --out` writes for a multi-period model:
/// summary.json (the whole [`HorizonReport`]), the plan's own tables, and
/// each of the single-year CSV files with every period's rows under a
/// leading `year` column (the run adds report.html, see [`OUT_FILES`]).
pub fn render_all(h: &HorizonReport) -> Result<Rendered, WriteError> {
    let mut out = vec![("summary.json", json(h).into_bytes())];
    out.push(("periods.csv", periods_csv(h)?));
    out.push(("investment.csv", investment_csv(h)?));
    out.push(("max_added.csv", max_added_csv(h)?));
    out.push(("budgets.csv", budgets_csv(h)?));
    let mut per_period: Vec<(i32, Rendered)> = Vec::new();
    for p in &h.periods {
        per_period.push((p.year, files::render_all(&p.report)?));
    }
    // Every name any period has (ranges.csv only where ranges were computed).
    let mut names: Vec<&'static str> = Vec::new();
    for (_, files) in &per_period {
        for (name, _) in files {
            if !names.contains(name) {
                names.push(name);
            }
        }
    }
    for name in names.into_iter().filter(|n| n.ends_with(".csv")) {
        let tables: Vec<(i32, &[u8])> = per_period
            .iter()
            .filter_map(|(year, files)| {
                let (_, bytes) = files.iter().find(|(n, _)| *n == name)?;
                Some((*year, bytes.as_slice()))
            })
            .collect();
        out.push((name, with_year_column(name, &tables)?));
    }
    Ok(out)
}

/// The files of `solve --out` for a multi-period model, in order.
pub const OUT_FILES: [&str; 10] = [
    "summary.json",
    "periods.csv",
    "investment.csv",
    "max_added.csv",
    "budgets.csv",
    "flows.csv",
    "mix.csv",
    "policies.csv",
    "capacities.csv",
    "report.html",
];

/// The report as a pretty-printed JSON document (with a final newline).
pub fn json(h: &HorizonReport) -> String {
    let mut text =
        serde_json::to_string_pretty(h).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

/// One CSV table made of each period's table of the same name: the first
/// header with `year` in front, then every period's records with its year.
fn with_year_column(name: &str, tables: &[(i32, &[u8])]) -> Result<Vec<u8>, WriteError> {
    let fail = |e: csv::Error| WriteError::Render {
        file: name.into(),
        reason: e.to_string(),
    };
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    for (i, &(year, bytes)) in tables.iter().enumerate() {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes);
        for (j, record) in r.records().enumerate() {
            let record = record.map_err(fail)?;
            if j == 0 {
                if i == 0 {
                    let header = std::iter::once("year").chain(record.iter());
                    w.write_record(header).map_err(fail)?;
                }
                continue;
            }
            let year = year.to_string();
            let row = std::iter::once(year.as_str()).chain(record.iter());
            w.write_record(row).map_err(fail)?;
        }
    }
    w.into_inner().map_err(|e| WriteError::Render {
        file: name.into(),
        reason: e.to_string(),
    })
}

#[derive(Serialize)]
struct PeriodRow {
    year: i32,
    span: u32,
    weight: f64,
    supply: f64,
    refining: f64,
    transport: f64,
    shortfall: f64,
    operating: f64,
    discounted_operating: f64,
    investment_cost: f64,
}

/// The columns of the CSV file and of the workbook sheet of that name.
pub const PERIOD_COLUMNS: [&str; 10] = [
    "year",
    "span",
    "weight",
    "supply",
    "refining",
    "transport",
    "shortfall",
    "operating",
    "discounted_operating",
    "investment_cost",
];

fn periods_csv(h: &HorizonReport) -> Result<Vec<u8>, WriteError> {
    let rows = h.periods.iter().map(|p| PeriodRow {
        year: p.year,
        span: p.span,
        weight: p.weight,
        supply: p.cost.supply,
        refining: p.cost.refining,
        transport: p.cost.transport,
        shortfall: p.cost.shortfall,
        operating: p.report.total_cost,
        discounted_operating: p.discounted_cost,
        investment_cost: p.investment_cost,
    });
    files::csv_of("periods.csv", rows, &PERIOD_COLUMNS)
}

#[derive(Serialize)]
struct InvestmentRow<'a> {
    year: i32,
    node: Cow<'a, str>,
    country: Cow<'a, str>,
    kind: &'a str,
    commodity: Cow<'a, str>,
    added: f64,
    available_until: i32,
    cost: f64,
    line: usize,
}

/// The columns of the CSV file and of the workbook sheet of that name.
pub const INVESTMENT_COLUMNS: [&str; 9] = [
    "year",
    "node",
    "country",
    "kind",
    "commodity",
    "added",
    "available_until",
    "cost",
    "line",
];

fn investment_csv(h: &HorizonReport) -> Result<Vec<u8>, WriteError> {
    let rows = h.investment.iter().map(|i| InvestmentRow {
        year: i.year,
        node: csv_text(&i.node),
        country: csv_text(&i.country),
        kind: &i.kind,
        commodity: csv_text(&i.commodity),
        added: i.added,
        available_until: i.available_until,
        cost: i.cost,
        line: i.line,
    });
    files::csv_of("investment.csv", rows, &INVESTMENT_COLUMNS)
}

#[derive(Serialize)]
struct MaxAddedRow<'a> {
    node: Cow<'a, str>,
    commodity: Cow<'a, str>,
    line: usize,
    max_added: f64,
    added: f64,
    binding: bool,
    shadow_price: f64,
}

/// The columns of the CSV file and of the workbook sheet of that name.
pub const MAX_ADDED_COLUMNS: [&str; 7] = [
    "node",
    "commodity",
    "line",
    "max_added",
    "added",
    "binding",
    "shadow_price",
];

fn max_added_csv(h: &HorizonReport) -> Result<Vec<u8>, WriteError> {
    let rows = h.max_added.iter().map(|m| MaxAddedRow {
        node: csv_text(&m.node),
        commodity: csv_text(&m.commodity),
        line: m.line,
        max_added: m.max_added,
        added: m.added,
        binding: m.binding,
        shadow_price: m.shadow_price,
    });
    files::csv_of("max_added.csv", rows, &MAX_ADDED_COLUMNS)
}

#[derive(Serialize)]
struct BudgetRow<'a> {
    kind: &'a str,
    node: Cow<'a, str>,
    commodity: Cow<'a, str>,
    line: usize,
    amount: f64,
    used: f64,
    binding: bool,
    shadow_price: f64,
}

const BUDGET_COLUMNS: [&str; 8] = [
    "kind",
    "node",
    "commodity",
    "line",
    "amount",
    "used",
    "binding",
    "shadow_price",
];

fn budgets_csv(h: &HorizonReport) -> Result<Vec<u8>, WriteError> {
    let rows = h.budgets.iter().map(|b| BudgetRow {
        kind: b.kind.as_str(),
        node: csv_text(&b.node),
        commodity: csv_text(&b.commodity),
        line: b.line,
        amount: b.amount,
        used: b.used,
        binding: b.binding,
        shadow_price: b.shadow_price,
    });
    files::csv_of("budgets.csv", rows, &BUDGET_COLUMNS)
}

/// Renders a multi-period report as plain text: the discounted headline,
/// the cost of each period, the investment plan, the `max_added` limits and
/// budgets, a line per period and commodity, and, for `year`, that
/// period's single-year table in full.
pub fn table(h: &HorizonReport, year: Option<i32>) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let cur = &h.currency;
    let first = h.periods.first().map_or(0, |p| p.year);
    let _ = writeln!(
        out,
        "sourcemix: model {} -- optimal, {} periods ({})",
        h.model,
        h.periods.len(),
        h.periods
            .iter()
            .map(|p| p.year.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(out);
    let headline = [
        (
            format!("Total cost, present value in {first}"),
            h.total_cost,
        ),
        ("  operating".to_string(), h.operating_cost),
        ("  investment".to_string(), h.investment_cost),
    ];
    for (label, value) in headline {
        let _ = writeln!(out, "{label:<34} {:>22} {cur}", amount(value));
    }
    periods_table(&mut out, h);
    investment_table(&mut out, h);
    limits_table(&mut out, h);
    budgets_table(&mut out, h);
    supply_by_period(&mut out, h);
    if let Some(p) = year.and_then(|y| h.periods.iter().find(|p| p.year == y)) {
        let _ = writeln!(
            out,
            "\n=== {} in full (annual figures; shadow prices per t per year) ===\n",
            p.year
        );
        out.push_str(&super::table::render(&p.report));
    }
    out
}

fn amount(x: f64) -> String {
    super::table::amount(x)
}

fn periods_table(out: &mut String, h: &HorizonReport) {
    use std::fmt::Write;
    let _ = writeln!(
        out,
        "\nPeriods (annual cost by part; present value = weight x annual)"
    );
    let _ = writeln!(
        out,
        "{:<6} {:>5} {:>8} {:>20} {:>20} {:>20} {:>20} {:>22} {:>20}",
        "year",
        "years",
        "weight",
        "supply",
        "refining",
        "transport",
        "shortfall",
        "operating (PV)",
        "investment (PV)"
    );
    for p in &h.periods {
        let _ = writeln!(
            out,
            "{:<6} {:>5} {:>8.4} {:>20} {:>20} {:>20} {:>20} {:>22} {:>20}",
            p.year,
            p.span,
            p.weight,
            amount(p.cost.supply),
            amount(p.cost.refining),
            amount(p.cost.transport),
            amount(p.cost.shortfall),
            amount(p.discounted_cost),
            amount(p.investment_cost)
        );
    }
}

fn investment_table(out: &mut String, h: &HorizonReport) {
    use std::fmt::Write;
    if h.investment.is_empty() {
        let _ = writeln!(out, "\nInvestment plan: nothing is built");
        return;
    }
    let _ = writeln!(
        out,
        "\nInvestment plan: {} addition{} (t per year of capacity; cost: present value)",
        h.investment.len(),
        if h.investment.len() == 1 { "" } else { "s" }
    );
    let _ = writeln!(
        out,
        "{:<6} {:<22} {:<8} {:<9} {:<12} {:>16} {:>10} {:>22}",
        "year", "node", "country", "kind", "commodity", "added", "until", "cost"
    );
    for i in &h.investment {
        let _ = writeln!(
            out,
            "{:<6} {:<22} {:<8} {:<9} {:<12} {:>16} {:>10} {:>22}",
            i.year,
            i.node,
            i.country,
            i.kind,
            i.commodity,
            amount(i.added),
            i.available_until,
            amount(i.cost)
        );
    }
}

fn limits_table(out: &mut String, h: &HorizonReport) {
    use std::fmt::Write;
    let binding: Vec<&MaxAddedReport> = h.max_added.iter().filter(|m| m.binding).collect();
    if h.max_added.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nBinding max_added: {} of {} (shadow price: {} of present value per extra t per year)",
        binding.len(),
        h.max_added.len(),
        h.currency
    );
    if binding.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "{:<22} {:<12} {:>16} {:>22}",
        "node", "commodity", "max_added", "shadow price"
    );
    for m in binding {
        let _ = writeln!(
            out,
            "{:<22} {:<12} {:>16} {:>22}",
            m.node,
            m.commodity,
            amount(m.max_added),
            amount(m.shadow_price)
        );
    }
}

fn budgets_table(out: &mut String, h: &HorizonReport) {
    use std::fmt::Write;
    if h.budgets.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nReserves and stocks over the horizon (t; shadow price: {} of present value per extra t)",
        h.currency
    );
    let _ = writeln!(
        out,
        "{:<8} {:<22} {:<12} {:>18} {:>18} {:>8} {:>18}",
        "kind", "node", "commodity", "amount", "used", "binding", "shadow price"
    );
    for b in &h.budgets {
        let _ = writeln!(
            out,
            "{:<8} {:<22} {:<12} {:>18} {:>18} {:>8} {:>18}",
            b.kind.as_str(),
            b.node,
            b.commodity,
            amount(b.amount),
            amount(b.used),
            if b.binding { "yes" } else { "" },
            amount(b.shadow_price)
        );
    }
}

fn supply_by_period(out: &mut String, h: &HorizonReport) {
    use std::fmt::Write;
    let _ = writeln!(
        out,
        "\nBy period, all consumers together (t per year; --year Y shows one period in full)"
    );
    let _ = writeln!(
        out,
        "{:<6} {:<12} {:>16} {:>16} {:>14}  {:<30} {:<30}",
        "year", "commodity", "demand", "delivered", "unmet", "top mining", "top refining"
    );
    for p in &h.periods {
        for t in &p.report.totals {
            let _ = writeln!(
                out,
                "{:<6} {:<12} {:>16} {:>16} {:>14}  {:<30} {:<30}",
                p.year,
                t.commodity,
                amount(t.demand),
                amount(t.delivered),
                amount(t.unmet),
                top(&t.mining_shares),
                top(&t.refining_shares)
            );
        }
    }
}

/// The three largest shares, as `CHN 65.0%, AUS 20.1%, ...`.
fn top(shares: &std::collections::BTreeMap<String, f64>) -> String {
    let mut sorted: Vec<(&String, &f64)> = shares.iter().collect();
    sorted.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
    sorted
        .iter()
        .take(3)
        .map(|(country, share)| format!("{country} {:.1}%", 100.0 * **share))
        .collect::<Vec<_>>()
        .join(", ")
}
