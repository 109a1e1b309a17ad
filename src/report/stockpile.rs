//! The stockpile report (`sourcemix stockpile`, contract section 9): the
//! required stock per holder and commodity with its range, the binding
//! disruptions, each protected consumer's worst need, what the holders'
//! routes cannot carry, and the value of sharing; rendered as a table, JSON
//! or CSV, and written as `--out DIR` (stockpile.json, stocks.csv,
//! consumers.csv, sharing.csv).
//!
//! Everything is ordered by names and rounded in `stockpile::size`
//! (`report::tonnes`, `money`), so the output is byte-identical whatever the
//! row order of the model's files.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::files::{self, csv_text, WriteError};
use super::table::amount;
use crate::stockpile::Stockpile;

/// The files `stockpile --out` writes.
pub const OUT_FILES: [&str; 4] = [
    "stockpile.json",
    "stocks.csv",
    "consumers.csv",
    "sharing.csv",
];

/// A money amount, or `-` where no price is known.
fn maybe(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), amount)
}

/// The sizing as a table.
pub fn table(r: &Stockpile) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Stockpile sizing of {}: protect {}; holders {}",
        r.model,
        r.protect.join(", "),
        r.holders.join(", ")
    );
    let _ = writeln!(
        out,
        "{}-month window, policies {}, tolerance {}% of window demand, {} disruption{} (solved without the holders' supply)",
        r.months,
        if r.keep_policies { "kept" } else { "off" },
        100.0 * r.tolerance,
        r.disruptions,
        if r.disruptions == 1 { "" } else { "s" }
    );
    if r.commodities.is_empty() {
        let _ = writeln!(
            out,
            "\nno commodity has both a disruption and a protected consumer with demand: nothing to size"
        );
    }
    for c in &r.commodities {
        let s = &c.sizing;
        let _ = writeln!(
            out,
            "\n{} ({}): required stock {} over {} disruption{}",
            s.commodity,
            c.unit,
            amount(s.required),
            c.disruptions,
            if c.disruptions == 1 { "" } else { "s" },
        );
        let _ = writeln!(
            out,
            "{:<20} {:>14} {:>31} {:>20}  binding disruptions",
            "holder",
            "stock",
            "range [min - max]",
            format!("value {}", r.currency)
        );
        if s.holders.is_empty() {
            let _ = writeln!(
                out,
                "(none: no holder has a route for {} to a protected consumer)",
                s.commodity
            );
        }
        for h in &s.holders {
            let binding = if h.binding.is_empty() {
                "-".to_string()
            } else {
                h.binding.join(", ")
            };
            let _ = writeln!(
                out,
                "{:<20} {:>14} {:>31} {:>20}  {binding}",
                h.holder,
                amount(h.stock),
                format!("[{} - {}]", amount(h.min), amount(h.max)),
                maybe(h.value),
            );
        }
        let _ = writeln!(
            out,
            "{:<20} {:>14} {:>14} {:<28} {:>14} {:>14}",
            "protected consumer",
            "window demand",
            "worst need",
            "  worst disruption",
            "alone",
            "uncovered"
        );
        for n in &s.consumers {
            let _ = writeln!(
                out,
                "{:<20} {:>14} {:>14}   {:<26} {:>14} {:>14}",
                n.consumer,
                amount(n.window_demand),
                amount(n.worst_need),
                n.worst_disruption.as_deref().unwrap_or("-"),
                amount(n.alone),
                amount(n.uncovered)
            );
        }
        let g = &s.sharing;
        let _ = writeln!(
            out,
            "value of sharing: joint {} t beside separate {} t: saves {} t{}",
            amount(g.joint),
            amount(g.separate),
            amount(g.saving),
            match g.saving_value {
                Some(v) => format!(" ({} {})", amount(v), r.currency),
                None => String::new(),
            }
        );
        if !s.uncovered.is_empty() {
            let _ = writeln!(
                out,
                "uncovered: the holders' routes cannot carry {} t at most ({} consumer-disruption pair{}; consumers.csv, JSON `uncovered`)",
                amount(s.uncovered_max()),
                s.uncovered.len(),
                if s.uncovered.len() == 1 { "" } else { "s" }
            );
        }
    }
    out
}

/// The report as a pretty-printed JSON document (with a final newline).
pub fn json(r: &Stockpile) -> String {
    let mut text =
        serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

#[derive(Serialize)]
struct StockRow<'a> {
    commodity: Cow<'a, str>,
    holder: Cow<'a, str>,
    stock: f64,
    min: f64,
    max: f64,
    value: Option<f64>,
    binding: Cow<'a, str>,
}

/// stocks.csv: one row per commodity and holder; `binding` lists the
/// binding disruptions separated by `;`, `value` is blank without a price.
pub fn stocks_csv(r: &Stockpile) -> Result<Vec<u8>, WriteError> {
    let rows = r.commodities.iter().flat_map(|c| {
        c.sizing.holders.iter().map(move |h| StockRow {
            commodity: csv_text(&c.sizing.commodity),
            holder: csv_text(&h.holder),
            stock: h.stock,
            min: h.min,
            max: h.max,
            value: h.value,
            binding: Cow::Owned(csv_text(&h.binding.join(";")).into_owned()),
        })
    });
    files::csv_of(
        OUT_FILES[1],
        rows,
        &[
            "commodity",
            "holder",
            "stock",
            "min",
            "max",
            "value",
            "binding",
        ],
    )
}

#[derive(Serialize)]
struct ConsumerRow<'a> {
    commodity: Cow<'a, str>,
    consumer: Cow<'a, str>,
    window_demand: f64,
    worst_need: f64,
    worst_disruption: Cow<'a, str>,
    alone: f64,
    uncovered: f64,
}

/// consumers.csv: one row per commodity and protected consumer.
pub fn consumers_csv(r: &Stockpile) -> Result<Vec<u8>, WriteError> {
    let rows = r.commodities.iter().flat_map(|c| {
        c.sizing.consumers.iter().map(move |n| ConsumerRow {
            commodity: csv_text(&c.sizing.commodity),
            consumer: csv_text(&n.consumer),
            window_demand: n.window_demand,
            worst_need: n.worst_need,
            worst_disruption: csv_text(n.worst_disruption.as_deref().unwrap_or("")),
            alone: n.alone,
            uncovered: n.uncovered,
        })
    });
    files::csv_of(
        OUT_FILES[2],
        rows,
        &[
            "commodity",
            "consumer",
            "window_demand",
            "worst_need",
            "worst_disruption",
            "alone",
            "uncovered",
        ],
    )
}

#[derive(Serialize)]
struct SharingRow<'a> {
    commodity: Cow<'a, str>,
    required: f64,
    joint: f64,
    separate: f64,
    saving: f64,
    joint_value: Option<f64>,
    separate_value: Option<f64>,
    saving_value: Option<f64>,
    uncovered_max: f64,
    shared_holders: Cow<'a, str>,
}

/// sharing.csv: one row per commodity.
pub fn sharing_csv(r: &Stockpile) -> Result<Vec<u8>, WriteError> {
    let rows = r.commodities.iter().map(|c| {
        let g = &c.sizing.sharing;
        SharingRow {
            commodity: csv_text(&c.sizing.commodity),
            required: c.sizing.required,
            joint: g.joint,
            separate: g.separate,
            saving: g.saving,
            joint_value: g.joint_value,
            separate_value: g.separate_value,
            saving_value: g.saving_value,
            uncovered_max: c.sizing.uncovered_max(),
            shared_holders: Cow::Owned(csv_text(&g.shared_holders.join(";")).into_owned()),
        }
    });
    files::csv_of(
        OUT_FILES[3],
        rows,
        &[
            "commodity",
            "required",
            "joint",
            "separate",
            "saving",
            "joint_value",
            "separate_value",
            "saving_value",
            "uncovered_max",
            "shared_holders",
        ],
    )
}

/// Writes the four files as the folder `dir`, whole or not at all.
pub fn write(r: &Stockpile, dir: &Path) -> Result<(), WriteError> {
    let files = [
        (OUT_FILES[0], json(r).into_bytes()),
        (OUT_FILES[1], stocks_csv(r)?),
        (OUT_FILES[2], consumers_csv(r)?),
        (OUT_FILES[3], sharing_csv(r)?),
    ];
    files::write_out_dir(dir, &files)
}
