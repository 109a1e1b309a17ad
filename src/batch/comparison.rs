//! The comparison of a batch's runs: one row per run, in the batch file's
//! order, built from each run's report (or its error).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::report::table::amount;
use crate::report::Report;

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

/// One row of comparison.csv: column name -> cell.
pub type Row = BTreeMap<String, String>;

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
pub fn row(record: &RunRecord, report: Option<&Report>) -> Row {
    let mut r = Row::new();
    r.insert("name".into(), record.name.clone());
    r.insert("status".into(), record.status.as_str().to_string());
    r.insert("error".into(), record.error.clone());
    let Some(rep) = report else { return r };
    let num = |x: f64| format!("{x}");
    r.insert("total_cost".into(), num(rep.total_cost));
    r.insert("supply".into(), num(rep.cost.supply));
    r.insert("refining".into(), num(rep.cost.refining));
    r.insert("transport".into(), num(rep.cost.transport));
    r.insert("shortfall".into(), num(rep.cost.shortfall));
    for t in &rep.totals {
        r.insert(format!("unmet:{}", t.commodity), num(t.unmet));
    }
    for c in &rep.consumers {
        let key = format!("{}:{}", c.node, c.commodity);
        for (stage, shares) in [
            ("mining", &c.mining_shares),
            ("refining", &c.refining_shares),
        ] {
            if let Some((country, share)) = largest(shares) {
                r.insert(format!("{key}:top_{stage}_country"), country.clone());
                r.insert(format!("{key}:top_{stage}_share"), num(*share));
            }
        }
        r.insert(format!("{key}:hhi_mining"), num(c.hhi_mining));
        r.insert(format!("{key}:hhi_refining"), num(c.hhi_refining));
    }
    // A cap of 100% or a floor of 0% "binds" whenever one country supplies
    // everything (or nothing): it shapes nothing, so it is not counted.
    let shaping = |p: &&crate::report::PolicyReport| match p.kind.as_str() {
        "max_share" => p.limit < 1.0,
        _ => p.limit > 0.0,
    };
    let binding = rep
        .policies
        .iter()
        .filter(|p| p.binding && p.delivered > 0.0)
        .filter(shaping)
        .count();
    r.insert("binding_policies".into(), binding.to_string());
    r
}

/// The country with the largest share (the first by code on a tie).
fn largest(shares: &BTreeMap<String, f64>) -> Option<(&String, &f64)> {
    shares.iter().fold(None, |best, (k, v)| match best {
        Some((_, b)) if *b >= *v => best,
        _ => Some((k, v)),
    })
}

/// comparison.csv: the fixed columns, then unmet demand per commodity, then
/// each consumer's largest shares and HHIs (sorted), then binding policies.
pub fn to_csv(rows: &[Row]) -> Result<Vec<u8>, csv::Error> {
    let mut rest: BTreeSet<&String> = BTreeSet::new();
    for r in rows {
        rest.extend(
            r.keys()
                .filter(|k| !HEAD.contains(&k.as_str()) && k.as_str() != "binding_policies"),
        );
    }
    let (unmet, consumers): (Vec<&String>, Vec<&String>) =
        rest.into_iter().partition(|k| k.starts_with("unmet:"));
    let columns: Vec<&str> = HEAD
        .iter()
        .copied()
        .chain(unmet.iter().map(|s| s.as_str()))
        .chain(consumers.iter().map(|s| s.as_str()))
        .chain(["binding_policies"])
        .collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&columns)?;
    for r in rows {
        w.write_record(
            columns
                .iter()
                .map(|c| r.get(*c).map(String::as_str).unwrap_or("")),
        )?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// The comparison as a table for a terminal.
pub fn render(rows: &[Row]) -> String {
    let commodities: BTreeSet<String> = rows
        .iter()
        .flat_map(|r| {
            r.keys()
                .filter_map(|k| k.strip_prefix("unmet:").map(String::from))
        })
        .collect();
    let name_width = rows
        .iter()
        .map(|r| r.get("name").map_or(0, String::len))
        .max()
        .unwrap_or(4)
        .max(4);
    let mut out = String::new();
    let _ = write!(
        out,
        "{:<name_width$} {:<6} {:>22} {:>20}",
        "run", "status", "total cost", "shortfall penalty"
    );
    for k in &commodities {
        let _ = write!(out, " {:>16}", format!("unmet {k}"));
    }
    let _ = writeln!(out, " {:>8}", "binding");
    for r in rows {
        let get = |k: &str| r.get(k).cloned().unwrap_or_default();
        let money = |k: &str| {
            get(k)
                .parse::<f64>()
                .map(amount)
                .unwrap_or_else(|_| "-".into())
        };
        let _ = write!(
            out,
            "{:<name_width$} {:<6} {:>22} {:>20}",
            get("name"),
            get("status"),
            money("total_cost"),
            money("shortfall")
        );
        for k in &commodities {
            let _ = write!(out, " {:>16}", money(&format!("unmet:{k}")));
        }
        let _ = writeln!(out, " {:>8}", get("binding_policies"));
        if get("status") == "error" {
            let _ = writeln!(out, "    error: {}", get("error"));
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
        assert_eq!(row(&back, None)["status"], "ok");
    }
}
