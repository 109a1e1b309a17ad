//! The comparison of a batch's runs: one row per run, in the batch file's
//! order, built from each run's report (or its error).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::report::files::csv_text;
use crate::report::horizon::HorizonReport;
use crate::report::table::amount;
use crate::report::xlsx::{self, Cell, NumFormat, Sheet};
use crate::report::{CostParts, Report};

/// Whether a run solved (`"ok"`) or failed (`"error"`, with its message).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Ok,
    Error,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Ok => "ok",
            RunStatus::Error => "error",
        }
    }
}

/// How a run ended, as recorded in `runs/<name>/run.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub name: String,
    pub status: RunStatus,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub error: String,
    /// The content hash of the run's inputs (model, scenarios, parameters).
    pub inputs: String,
}

/// What a run's summary.json holds: the report of a model of one year, or
/// that of a multi-period model (contract section 10).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RunReport {
    Horizon(Box<HorizonReport>),
    Year(Box<Report>),
}

/// One row of comparison.csv: a run, and what it found when it solved.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub name: String,
    pub status: RunStatus,
    pub error: String,
    /// `None` when the run did not solve.
    pub solved: Option<Solved>,
}

/// The numbers of a run that solved. For a multi-period run, `total_cost`
/// is the discounted total (present value), `cost` the present value of
/// each operating part (sum_p W_p x the period's part), `unmet` and
/// `consumers` are empty (unmet demand is by period in `horizon`) and
/// `binding_policies` counts the rows of every period.
#[derive(Clone, Debug, PartialEq)]
pub struct Solved {
    pub total_cost: f64,
    pub cost: CostParts,
    /// Unmet demand per commodity, all consumers together.
    pub unmet: BTreeMap<String, f64>,
    /// Per (consumer, commodity): the largest shares and the HHIs.
    pub consumers: BTreeMap<(String, String), ConsumerSummary>,
    /// Policy rows that shape the answer (`PolicyReport::shapes_answer`).
    pub binding_policies: usize,
    /// What a multi-period run adds; `None` for a model of one year.
    pub horizon: Option<HorizonSolved>,
}

/// The numbers a batch compares of a multi-period run.
#[derive(Clone, Debug, PartialEq)]
pub struct HorizonSolved {
    /// Present value of operating (sum_p W_p x the period's annual cost).
    pub operating: f64,
    /// Present value of the investment.
    pub investment: f64,
    /// Present value of the investment per commodity (every commodity of
    /// the model, 0 where nothing is built).
    pub investment_by_commodity: BTreeMap<String, f64>,
    /// Unmet demand (t per year) per (period year, commodity).
    pub unmet_by_period: BTreeMap<(i32, String), f64>,
}

/// One consumer's deliveries of one commodity, in brief.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsumerSummary {
    /// The country with the largest mining share, and that share.
    pub top_mining: Option<(String, f64)>,
    /// The country with the largest refining share, and that share.
    pub top_refining: Option<(String, f64)>,
    pub hhi_mining: f64,
    pub hhi_refining: f64,
}

impl Row {
    /// Whether the run failed.
    pub fn failed(&self) -> bool {
        self.status != RunStatus::Ok
    }
}

/// The fixed leading columns.
const HEAD: [&str; 8] = [
    "name",
    "status",
    "error",
    "total_cost",
    "supply",
    "refining",
    "transport",
    "shortfall",
];

/// The row of one run.
pub fn row(record: &RunRecord, report: Option<&RunReport>) -> Row {
    Row {
        name: record.name.clone(),
        status: record.status,
        error: record.error.clone(),
        solved: report.map(|r| match r {
            RunReport::Year(r) => solved(r),
            RunReport::Horizon(h) => horizon_solved(h),
        }),
    }
}

fn horizon_solved(h: &HorizonReport) -> Solved {
    let mut cost = CostParts::default();
    let mut investment_by_commodity: BTreeMap<String, f64> = BTreeMap::new();
    let mut unmet_by_period = BTreeMap::new();
    for p in &h.periods {
        cost.supply += p.weight * p.cost.supply;
        cost.refining += p.weight * p.cost.refining;
        cost.transport += p.weight * p.cost.transport;
        cost.shortfall += p.weight * p.cost.shortfall;
        for t in &p.report.totals {
            investment_by_commodity
                .entry(t.commodity.clone())
                .or_insert(0.0);
            unmet_by_period.insert((p.year, t.commodity.clone()), t.unmet);
        }
    }
    for i in &h.investment {
        *investment_by_commodity
            .entry(i.commodity.clone())
            .or_insert(0.0) += i.cost;
    }
    for x in investment_by_commodity.values_mut() {
        *x = crate::report::money(*x);
    }
    let cost = CostParts {
        supply: crate::report::money(cost.supply),
        refining: crate::report::money(cost.refining),
        transport: crate::report::money(cost.transport),
        shortfall: crate::report::money(cost.shortfall),
    };
    Solved {
        total_cost: h.total_cost,
        cost,
        unmet: BTreeMap::new(),
        consumers: BTreeMap::new(),
        binding_policies: h
            .periods
            .iter()
            .map(|p| {
                p.report
                    .policies
                    .iter()
                    .filter(|x| x.shapes_answer())
                    .count()
            })
            .sum(),
        horizon: Some(HorizonSolved {
            operating: h.operating_cost,
            investment: h.investment_cost,
            investment_by_commodity,
            unmet_by_period,
        }),
    }
}

fn solved(rep: &Report) -> Solved {
    let consumers = rep
        .consumers
        .iter()
        .map(|c| {
            let summary = ConsumerSummary {
                top_mining: largest(&c.mining_shares),
                top_refining: largest(&c.refining_shares),
                hhi_mining: c.hhi_mining,
                hhi_refining: c.hhi_refining,
            };
            ((c.node.clone(), c.commodity.clone()), summary)
        })
        .collect();
    Solved {
        total_cost: rep.total_cost,
        cost: rep.cost.clone(),
        unmet: rep
            .totals
            .iter()
            .map(|t| (t.commodity.clone(), t.unmet))
            .collect(),
        consumers,
        binding_policies: rep.policies.iter().filter(|p| p.shapes_answer()).count(),
        horizon: None,
    }
}

/// The country with the largest share (the first by code on a tie).
fn largest(shares: &BTreeMap<String, f64>) -> Option<(String, f64)> {
    shares
        .iter()
        .fold(None, |best: Option<(&String, &f64)>, (k, v)| match best {
            Some((_, b)) if *b >= *v => best,
            _ => Some((k, v)),
        })
        .map(|(k, v)| (k.clone(), *v))
}

/// A per-consumer column of comparison.csv.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Field {
    HhiMining,
    HhiRefining,
    TopMiningCountry,
    TopMiningShare,
    TopRefiningCountry,
    TopRefiningShare,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::HhiMining => "hhi_mining",
            Field::HhiRefining => "hhi_refining",
            Field::TopMiningCountry => "top_mining_country",
            Field::TopMiningShare => "top_mining_share",
            Field::TopRefiningCountry => "top_refining_country",
            Field::TopRefiningShare => "top_refining_share",
        }
    }

    /// The cell of `c` (empty where it has no such share).
    fn cell(self, c: &ConsumerSummary) -> Cell {
        let country = |top: &Option<(String, f64)>| {
            top.as_ref()
                .map(|(k, _)| Cell::text(k))
                .unwrap_or(Cell::Empty)
        };
        let share = |top: &Option<(String, f64)>| {
            top.as_ref()
                .map(|(_, s)| Cell::Number(*s, NumFormat::Share))
                .unwrap_or(Cell::Empty)
        };
        match self {
            Field::HhiMining => Cell::Number(c.hhi_mining, NumFormat::Index),
            Field::HhiRefining => Cell::Number(c.hhi_refining, NumFormat::Index),
            Field::TopMiningCountry => country(&c.top_mining),
            Field::TopMiningShare => share(&c.top_mining),
            Field::TopRefiningCountry => country(&c.top_refining),
            Field::TopRefiningShare => share(&c.top_refining),
        }
    }

    /// The fields a consumer has: the HHIs always, the top shares where it has shares.
    fn of(c: &ConsumerSummary) -> impl Iterator<Item = Field> + '_ {
        [Field::HhiMining, Field::HhiRefining]
            .into_iter()
            .chain(
                c.top_mining
                    .iter()
                    .flat_map(|_| [Field::TopMiningCountry, Field::TopMiningShare]),
            )
            .chain(
                c.top_refining
                    .iter()
                    .flat_map(|_| [Field::TopRefiningCountry, Field::TopRefiningShare]),
            )
    }
}

/// An id as a part of a `:`-separated header: `%` and `:` escaped, so that
/// every header splits back into its parts.
fn header_part(id: &str) -> String {
    id.replace('%', "%25").replace(':', "%3A")
}

fn num(x: f64) -> String {
    format!("{x}")
}

/// The columns of the multi-period runs of a batch (none when every run is
/// of one year): the investment's commodities and the (year, commodity) of
/// unmet demand, each sorted.
pub struct HorizonColumns<'a> {
    pub commodities: BTreeSet<&'a String>,
    pub unmet: BTreeSet<(i32, &'a String)>,
}

impl<'a> HorizonColumns<'a> {
    pub fn of(rows: &'a [Row]) -> Option<HorizonColumns<'a>> {
        let runs: Vec<&HorizonSolved> = rows
            .iter()
            .filter_map(|r| r.solved.as_ref()?.horizon.as_ref())
            .collect();
        if runs.is_empty() {
            return None;
        }
        Some(HorizonColumns {
            commodities: runs
                .iter()
                .flat_map(|h| h.investment_by_commodity.keys())
                .collect(),
            unmet: runs
                .iter()
                .flat_map(|h| h.unmet_by_period.keys().map(|(y, k)| (*y, k)))
                .collect(),
        })
    }

    /// The headers: `operating`, `investment`, `investment:<commodity>`,
    /// `unmet:<year>:<commodity>`.
    pub fn header(&self) -> Vec<String> {
        ["operating".to_string(), "investment".to_string()]
            .into_iter()
            .chain(
                self.commodities
                    .iter()
                    .map(|k| format!("investment:{}", header_part(k))),
            )
            .chain(
                self.unmet
                    .iter()
                    .map(|(y, k)| format!("unmet:{y}:{}", header_part(k))),
            )
            .collect()
    }

    /// The cells of a run (empty for a run of one year), as (value, is money).
    pub fn values(&self, s: &Solved) -> Vec<Option<(f64, bool)>> {
        let Some(h) = &s.horizon else {
            return vec![None; 2 + self.commodities.len() + self.unmet.len()];
        };
        [Some((h.operating, true)), Some((h.investment, true))]
            .into_iter()
            .chain(
                self.commodities
                    .iter()
                    .map(|k| h.investment_by_commodity.get(*k).map(|x| (*x, true))),
            )
            .chain(self.unmet.iter().map(|(y, k)| {
                h.unmet_by_period
                    .get(&(*y, (*k).clone()))
                    .map(|x| (*x, false))
            }))
            .collect()
    }
}

/// The comparison as a sheet: the fixed columns; when some runs are
/// multi-period, the present value of operating and of investment, the
/// investment per commodity (`investment:<commodity>`) and unmet demand per
/// period and commodity (`unmet:<year>:<commodity>`), sorted; then unmet
/// demand per commodity (`unmet:<commodity>`, by commodity), then each consumer's
/// largest shares and HHIs (`<consumer>:<commodity>:<field>`, sorted by that
/// header; ids escaped by `header_part`), then the number of policy rows
/// that shape the answer. comparison.csv and the `batch --xlsx` workbook
/// are both written from it.
pub fn sheet(rows: &[Row]) -> Sheet {
    let solved = || rows.iter().filter_map(|r| r.solved.as_ref());
    let commodities: BTreeSet<&String> = solved().flat_map(|s| s.unmet.keys()).collect();
    let horizon = HorizonColumns::of(rows);
    // Sorted by the header text (as the columns always were), the typed key
    // keeping apart ids that would spell the same header.
    let consumer_columns: BTreeSet<(String, &String, &String, Field)> = solved()
        .flat_map(|s| {
            s.consumers.iter().flat_map(|((node, k), c)| {
                Field::of(c).map(move |f| {
                    let header = format!("{}:{}:{}", header_part(node), header_part(k), f.name());
                    (header, node, k, f)
                })
            })
        })
        .collect();
    let header: Vec<String> = HEAD
        .iter()
        .map(|h| h.to_string())
        .chain(horizon.iter().flat_map(|h| h.header()))
        .chain(
            commodities
                .iter()
                .map(|k| format!("unmet:{}", header_part(k))),
        )
        .chain(consumer_columns.iter().map(|(h, ..)| h.clone()))
        .chain(["binding_policies".to_string()])
        .collect();
    let mut out = Sheet {
        name: "comparison".into(),
        header,
        rows: Vec::new(),
    };
    for r in rows {
        let mut cells = vec![
            Cell::text(&r.name),
            Cell::text(r.status.as_str()),
            Cell::text(&r.error),
        ];
        match &r.solved {
            None => cells.resize(out.header.len(), Cell::Empty),
            Some(s) => {
                cells.extend(
                    [
                        s.total_cost,
                        s.cost.supply,
                        s.cost.refining,
                        s.cost.transport,
                        s.cost.shortfall,
                    ]
                    .map(|x| Cell::Number(x, NumFormat::Money)),
                );
                if let Some(h) = &horizon {
                    cells.extend(h.values(s).into_iter().map(|v| match v {
                        Some((x, true)) => Cell::Number(x, NumFormat::Money),
                        Some((x, false)) => Cell::Number(x, NumFormat::Tonnes),
                        None => Cell::Empty,
                    }));
                }
                cells.extend(commodities.iter().map(|k| {
                    s.unmet
                        .get(*k)
                        .map(|x| Cell::Number(*x, NumFormat::Tonnes))
                        .unwrap_or(Cell::Empty)
                }));
                cells.extend(consumer_columns.iter().map(|(_, node, k, f)| {
                    s.consumers
                        .get(&((*node).clone(), (*k).clone()))
                        .map(|c| f.cell(c))
                        .unwrap_or(Cell::Empty)
                }));
                cells.push(Cell::Number(s.binding_policies as f64, NumFormat::Integer));
            }
        }
        out.rows.push(cells);
    }
    out
}

/// comparison.csv: [`sheet`] as CSV. Text cells and headers pass through
/// [`csv_text`]; numbers are written in full.
pub fn to_csv(rows: &[Row]) -> Result<Vec<u8>, csv::Error> {
    let sheet = sheet(rows);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(sheet.header.iter().map(|h| csv_text(h).into_owned()))?;
    for row in &sheet.rows {
        w.write_record(row.iter().map(|c| match c {
            Cell::Text(t) => csv_text(t).into_owned(),
            Cell::Number(x, NumFormat::Integer) => format!("{}", *x as u64),
            Cell::Number(x, _) => num(*x),
            Cell::Bool(b) => b.to_string(),
            Cell::Empty => String::new(),
        }))?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// The `batch --xlsx` workbook: the comparison sheet.
pub fn to_xlsx(rows: &[Row]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    xlsx::workbook(&[sheet(rows)])
}

/// The comparison as a table for a terminal.
pub fn render(rows: &[Row]) -> String {
    let commodities: BTreeSet<&String> = rows
        .iter()
        .filter_map(|r| r.solved.as_ref())
        .flat_map(|s| s.unmet.keys())
        .collect();
    let name_width = rows.iter().map(|r| r.name.len()).max().unwrap_or(4).max(4);
    let mut out = String::new();
    let _ = write!(
        out,
        "{:<name_width$} {:<6} {:>22} {:>20}",
        "run", "status", "total cost", "shortfall penalty"
    );
    let horizon = rows
        .iter()
        .any(|r| r.solved.as_ref().is_some_and(|s| s.horizon.is_some()));
    if horizon {
        let _ = write!(out, " {:>22}", "investment (PV)");
    }
    for k in &commodities {
        let _ = write!(out, " {:>16}", format!("unmet {k}"));
    }
    let _ = writeln!(out, " {:>8}", "binding");
    for r in rows {
        let money = |x: Option<f64>| x.map(amount).unwrap_or_else(|| "-".into());
        let s = r.solved.as_ref();
        let _ = write!(
            out,
            "{:<name_width$} {:<6} {:>22} {:>20}",
            r.name,
            r.status.as_str(),
            money(s.map(|s| s.total_cost)),
            money(s.map(|s| s.cost.shortfall))
        );
        if horizon {
            let _ = write!(
                out,
                " {:>22}",
                money(s.and_then(|s| s.horizon.as_ref()).map(|h| h.investment))
            );
        }
        for k in &commodities {
            let _ = write!(
                out,
                " {:>16}",
                money(s.and_then(|s| s.unmet.get(*k).copied()))
            );
        }
        let binding = s
            .map(|s| s.binding_policies.to_string())
            .unwrap_or_default();
        let _ = writeln!(out, " {binding:>8}");
        if let Some(h) = s.and_then(|s| s.horizon.as_ref()) {
            let list = |items: Vec<String>| {
                if items.is_empty() {
                    "none".to_string()
                } else {
                    items.join(", ")
                }
            };
            let invested: Vec<String> = h
                .investment_by_commodity
                .iter()
                .filter(|(_, x)| **x > 0.0)
                .map(|(k, x)| format!("{k} {}", amount(*x)))
                .collect();
            let unmet: Vec<String> = h
                .unmet_by_period
                .iter()
                .filter(|(_, x)| **x > 0.0)
                .map(|((y, k), x)| format!("{y} {k} {}", amount(*x)))
                .collect();
            let _ = writeln!(out, "    investment (PV) by commodity: {}", list(invested));
            let _ = writeln!(out, "    unmet by period (t per year): {}", list(unmet));
        }
        if r.failed() {
            let _ = writeln!(out, "    error: {}", r.error);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_status_keeps_its_json_spelling() {
        let record = RunRecord {
            name: "a".into(),
            status: RunStatus::Error,
            error: "boom".into(),
            inputs: "h".into(),
        };
        let json = serde_json::to_string(&record).unwrap();
        assert!(json.contains("\"status\":\"error\""), "{json}");
        let back: RunRecord =
            serde_json::from_str(r#"{"name": "a", "status": "ok", "inputs": "h"}"#).unwrap();
        assert_eq!(back.status, RunStatus::Ok);
        assert!(serde_json::from_str::<RunRecord>(
            r#"{"name": "a", "status": "fine", "inputs": "h"}"#
        )
        .is_err());
        assert_eq!(row(&back, None).status, RunStatus::Ok);
    }
}
