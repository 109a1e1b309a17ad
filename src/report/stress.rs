//! The stress report (`sourcemix stress`, contract section 8): the
//! disruptions ranked by total unmet demand, each with its worst-hit
//! consumer, stock drawn and extra cost over the undisrupted window, and
//! the per-consumer detail; rendered as a table, JSON or CSV, and written
//! as `--out DIR` (stress.json, disruptions.csv, impacts.csv).
//!
//! Everything here is named, never numbered, and ordered by names, and
//! every number is rounded as in the solve report (`report::tonnes`,
//! `money`, `share`): the output is byte-identical whatever the row order
//! of the model's files.

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::files::{self, csv_text, WriteError};
use super::table::amount;
use super::{money, share, tonnes};
use crate::disruption::{CommodityWindow, ConsumerImpact, DisruptionOutcome, Reference, Window};
use crate::model::{Model, Stage};

/// The files `stress --out` writes.
pub const OUT_FILES: [&str; 3] = ["stress.json", "disruptions.csv", "impacts.csv"];

/// A stress test, as reported. Serialized as stress.json.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StressReport {
    pub model: String,
    pub currency: String,
    /// T, the window's length in months.
    pub months: f64,
    /// Whether the model's policies applied inside the window.
    pub keep_policies: bool,
    /// The undisrupted window, per commodity (by id).
    pub reference: Vec<ReferenceRow>,
    /// Ranked: most unmet first (ties: by commodity, stage, kind, country).
    pub disruptions: Vec<DisruptionRow>,
}

/// One commodity over the undisrupted window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReferenceRow {
    pub commodity: String,
    pub cost: f64,
    pub window_demand: f64,
    pub unmet: f64,
    pub stock_drawn: f64,
    pub consumers: Vec<ImpactRow>,
}

/// One disruption's outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DisruptionRow {
    /// 1 is the disruption that leaves the most demand unmet.
    pub rank: usize,
    pub commodity: String,
    pub stage: Stage,
    /// `outage` or `export-ban`.
    pub kind: String,
    pub country: String,
    pub window_demand: f64,
    pub unmet: f64,
    /// Unmet as a fraction of the commodity's window demand.
    pub unmet_share: f64,
    /// The consumer with the largest unmet share (none when nothing is unmet).
    pub worst_hit: Option<String>,
    pub worst_hit_unmet_share: f64,
    /// Released from stockpiles (t).
    pub stock_drawn: f64,
    /// The commodity's least total cost over the disrupted window.
    pub cost: f64,
    /// `cost` less the undisrupted window's.
    pub extra_cost: f64,
    /// Whether the reported flows follow the tie rule (section 6).
    pub tie_broken: bool,
    pub consumers: Vec<ImpactRow>,
}

/// What a window leaves one consumer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImpactRow {
    pub consumer: String,
    pub window_demand: f64,
    pub delivered: f64,
    pub unmet: f64,
    pub unmet_share: f64,
    pub stock_drawn: f64,
    /// Unmet less the undisrupted window's unmet (0 in the reference).
    pub extra_unmet: f64,
    /// penalty x extra_unmet: the consumer's part of the extra cost that
    /// is its shortfall penalty (the rest, dearer supply, is shared by the
    /// market and not attributed).
    pub extra_shortfall_cost: f64,
}

/// The report of a stress test.
pub fn build(
    model: &Model,
    window: &Window,
    reference: &Reference,
    outcomes: &[DisruptionOutcome],
) -> StressReport {
    let mut ranked: Vec<&DisruptionOutcome> = outcomes.iter().collect();
    ranked.sort_by(|a, b| {
        tonnes(b.unmet())
            .partial_cmp(&tonnes(a.unmet()))
            .unwrap_or(Ordering::Equal)
            .then_with(|| {
                a.disruption
                    .sort_key(model)
                    .cmp(&b.disruption.sort_key(model))
            })
    });
    StressReport {
        model: model.name.clone(),
        currency: model.currency.clone(),
        months: window.months,
        keep_policies: window.keep_policies,
        reference: reference
            .commodities
            .iter()
            .map(|w| ReferenceRow {
                commodity: model.commodity(w.commodity).id.clone(),
                cost: money(w.cost),
                window_demand: tonnes(w.window_demand()),
                unmet: tonnes(w.unmet()),
                stock_drawn: tonnes(w.stock_drawn),
                consumers: impacts(model, &w.consumers, None),
            })
            .collect(),
        disruptions: ranked
            .into_iter()
            .enumerate()
            .map(|(i, o)| {
                let d = &o.disruption;
                let worst = o.worst_hit();
                DisruptionRow {
                    rank: i + 1,
                    commodity: model.commodity(d.commodity).id.clone(),
                    stage: d.stage,
                    kind: d.kind.as_str().to_string(),
                    country: model.country(d.country).code.clone(),
                    window_demand: tonnes(o.window_demand()),
                    unmet: tonnes(o.unmet()),
                    unmet_share: share(fraction(o.unmet(), o.window_demand())),
                    worst_hit: worst.map(|c| model.node(c.consumer).id.clone()),
                    worst_hit_unmet_share: share(worst.map_or(0.0, ConsumerImpact::unmet_share)),
                    stock_drawn: tonnes(o.stock_drawn),
                    cost: money(o.cost),
                    // From the rounded costs: the difference of two large
                    // totals would carry their float noise into the digits shown.
                    extra_cost: money(money(o.cost) - money(o.cost - o.extra_cost)),
                    tie_broken: o.tie_broken,
                    consumers: impacts(model, &o.consumers, reference.commodity(d.commodity)),
                }
            })
            .collect(),
    }
}

fn fraction(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        part / whole
    } else {
        0.0
    }
}

/// The rows of `consumers`, by consumer id, compared with the reference
/// window's (none: this is the reference).
fn impacts(
    model: &Model,
    consumers: &[ConsumerImpact],
    reference: Option<&CommodityWindow>,
) -> Vec<ImpactRow> {
    let mut rows: Vec<ImpactRow> = consumers
        .iter()
        .map(|c| {
            let before = reference
                .and_then(|r| r.consumers.iter().find(|b| b.consumer == c.consumer))
                .map_or(c.unmet, |b| b.unmet);
            // From the rounded tonnes, as extra_cost: solver noise in
            // unmet, times a penalty of 1e6, would reach the digits shown.
            let extra = tonnes(c.unmet) - tonnes(before);
            ImpactRow {
                consumer: model.node(c.consumer).id.clone(),
                window_demand: tonnes(c.window_demand),
                delivered: tonnes(c.delivered),
                unmet: tonnes(c.unmet),
                unmet_share: share(c.unmet_share()),
                stock_drawn: tonnes(c.stock_drawn),
                extra_unmet: tonnes(extra),
                extra_shortfall_cost: money(extra * c.penalty),
            }
        })
        .collect();
    rows.sort_by(|a, b| a.consumer.cmp(&b.consumer));
    rows
}

/// The ranking as a table, with the undisrupted window first.
pub fn table(r: &StressReport) -> String {
    let mut out = String::new();
    let policies = if r.keep_policies {
        "policies kept"
    } else {
        "policies off"
    };
    let _ = writeln!(
        out,
        "Stress test of {}: {}-month window, {policies}, {} disruption{}",
        r.model,
        r.months,
        r.disruptions.len(),
        if r.disruptions.len() == 1 { "" } else { "s" }
    );
    let _ = writeln!(out, "\nUndisrupted window");
    let _ = writeln!(
        out,
        "{:<16} {:>22} {:>14} {:>14} {:>14}",
        "commodity",
        format!("cost {}", r.currency),
        "demand t",
        "unmet t",
        "stock drawn t"
    );
    for c in &r.reference {
        let _ = writeln!(
            out,
            "{:<16} {:>22} {:>14} {:>14} {:>14}",
            c.commodity,
            amount(c.cost),
            amount(c.window_demand),
            amount(c.unmet),
            amount(c.stock_drawn)
        );
    }
    let _ = writeln!(out, "\nDisruptions, most unmet demand first");
    let _ = writeln!(
        out,
        "{:>4}  {:<40} {:>14} {:>8}  {:<28} {:>14} {:>22}",
        "rank",
        "disruption",
        "unmet t",
        "unmet %",
        "worst hit (unmet %)",
        "stock drawn t",
        format!("extra cost {}", r.currency)
    );
    for d in &r.disruptions {
        let name = format!("{} {} {} {}", d.country, d.stage, d.kind, d.commodity);
        let worst = match &d.worst_hit {
            Some(c) => format!("{c} ({:.1}%)", 100.0 * d.worst_hit_unmet_share),
            None => "-".to_string(),
        };
        let _ = writeln!(
            out,
            "{:>4}  {:<40} {:>14} {:>7.1}%  {:<28} {:>14} {:>22}",
            d.rank,
            name,
            amount(d.unmet),
            100.0 * d.unmet_share,
            worst,
            amount(d.stock_drawn),
            amount(d.extra_cost)
        );
    }
    if r.disruptions.iter().any(|d| !d.tie_broken) {
        let _ = writeln!(
            out,
            "\nsome disruptions report the solver's vertex: the tie-break rule could not be applied to them (tie_broken = false in the JSON)"
        );
    }
    out
}

/// The report as a pretty-printed JSON document (with a final newline).
pub fn json(r: &StressReport) -> String {
    let mut text =
        serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

#[derive(Serialize)]
struct DisruptionCsvRow<'a> {
    rank: usize,
    commodity: Cowed<'a>,
    stage: &'a str,
    kind: &'a str,
    country: Cowed<'a>,
    window_demand: f64,
    unmet: f64,
    unmet_share: f64,
    worst_hit: Cowed<'a>,
    worst_hit_unmet_share: f64,
    stock_drawn: f64,
    cost: f64,
    extra_cost: f64,
    tie_broken: bool,
}

type Cowed<'a> = std::borrow::Cow<'a, str>;

const DISRUPTION_HEADER: [&str; 14] = [
    "rank",
    "commodity",
    "stage",
    "kind",
    "country",
    "window_demand",
    "unmet",
    "unmet_share",
    "worst_hit",
    "worst_hit_unmet_share",
    "stock_drawn",
    "cost",
    "extra_cost",
    "tie_broken",
];

/// disruptions.csv: one row per disruption, ranked.
pub fn disruptions_csv(r: &StressReport) -> Result<Vec<u8>, WriteError> {
    let rows = r.disruptions.iter().map(|d| DisruptionCsvRow {
        rank: d.rank,
        commodity: csv_text(&d.commodity),
        stage: d.stage.as_str(),
        kind: &d.kind,
        country: csv_text(&d.country),
        window_demand: d.window_demand,
        unmet: d.unmet,
        unmet_share: d.unmet_share,
        worst_hit: csv_text(d.worst_hit.as_deref().unwrap_or("")),
        worst_hit_unmet_share: d.worst_hit_unmet_share,
        stock_drawn: d.stock_drawn,
        cost: d.cost,
        extra_cost: d.extra_cost,
        tie_broken: d.tie_broken,
    });
    files::csv_of(OUT_FILES[1], rows, &DISRUPTION_HEADER)
}

#[derive(Serialize)]
struct ImpactCsvRow<'a> {
    rank: usize,
    commodity: Cowed<'a>,
    stage: &'a str,
    kind: &'a str,
    country: Cowed<'a>,
    consumer: Cowed<'a>,
    window_demand: f64,
    delivered: f64,
    unmet: f64,
    unmet_share: f64,
    stock_drawn: f64,
    extra_unmet: f64,
    extra_shortfall_cost: f64,
}

const IMPACT_HEADER: [&str; 13] = [
    "rank",
    "commodity",
    "stage",
    "kind",
    "country",
    "consumer",
    "window_demand",
    "delivered",
    "unmet",
    "unmet_share",
    "stock_drawn",
    "extra_unmet",
    "extra_shortfall_cost",
];

/// impacts.csv: one row per disruption and consumer (ranked, then by consumer).
pub fn impacts_csv(r: &StressReport) -> Result<Vec<u8>, WriteError> {
    let rows = r.disruptions.iter().flat_map(|d| {
        d.consumers.iter().map(move |c| ImpactCsvRow {
            rank: d.rank,
            commodity: csv_text(&d.commodity),
            stage: d.stage.as_str(),
            kind: &d.kind,
            country: csv_text(&d.country),
            consumer: csv_text(&c.consumer),
            window_demand: c.window_demand,
            delivered: c.delivered,
            unmet: c.unmet,
            unmet_share: c.unmet_share,
            stock_drawn: c.stock_drawn,
            extra_unmet: c.extra_unmet,
            extra_shortfall_cost: c.extra_shortfall_cost,
        })
    });
    files::csv_of(OUT_FILES[2], rows, &IMPACT_HEADER)
}

/// Writes stress.json, disruptions.csv and impacts.csv as the folder `dir`,
/// whole or not at all.
pub fn write(r: &StressReport, dir: &Path) -> Result<(), WriteError> {
    let files = [
        (OUT_FILES[0], json(r).into_bytes()),
        (OUT_FILES[1], disruptions_csv(r)?),
        (OUT_FILES[2], impacts_csv(r)?),
    ];
    files::write_out_dir(dir, &files)
}
