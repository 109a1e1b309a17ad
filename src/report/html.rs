//! The report as one self-contained HTML page: a short text summary and the
//! tables (readable with JavaScript off), and charts drawn by Apache ECharts
//! (vendored in `assets/vendor/echarts/`, inlined with the page's own script,
//! style and data, so that opening the page makes no network request).
//!
//! Every page is built from the values the table and JSON renderers print
//! (a [`Report`], a batch's comparison rows, a [`Frontier`]): it regroups
//! them, never recomputes them. The same values give the same bytes: no
//! timestamp or timing is written, every list is in a stable order.

use std::fmt::Write as _;
use std::fs;
use std::io::{Read, Write as _};
use std::path::Path;

use serde::Serialize;
use serde_json::{json, Value};

use super::files::WriteError;
use super::horizon::HorizonReport;
use super::table::amount;
use super::{RangeKind, Report};
use crate::batch::comparison::{HorizonColumns, Row};
use crate::frontier::Frontier;
use crate::model::{PolicyKind, Stage};

/// ECharts, minified, from its npm package (version in `assets/vendor/echarts/VERSION`).
const ECHARTS: &str = include_str!("../../assets/vendor/echarts/echarts.min.js");
const SCRIPT: &str = include_str!("../../assets/report.js");
const STYLE: &str = include_str!("../../assets/report.css");

/// Marks a page as written by sourcemix: an existing file without it is
/// never overwritten by `--html`.
pub const GENERATOR: &str = "<meta name=\"generator\" content=\"sourcemix";

/// How many countries a share chart shows per stage (the rest as `other`).
const TOP_COUNTRIES: usize = 10;

/// What was run, besides the report's own values: shown in the page's header.
#[derive(Clone, Debug, Default)]
pub struct RunInfo {
    /// The scenarios applied, in order, as given.
    pub scenarios: Vec<String>,
    /// The run parameters given (`max_share = 0.5`, ...).
    pub parameters: Vec<String>,
}

/// The solve report: headline, a Sankey per commodity, share bars, binding
/// policies and capacities.
pub fn solve_page(report: &Report, info: &RunInfo) -> String {
    let cur = esc(&report.currency);
    let mut body = String::new();
    let _ = write!(
        body,
        "<header><h1>sourcemix report: {}</h1>{}</header>",
        esc(&report.model),
        run_line(&report.model, info)
    );
    let _ = write!(
        body,
        "<section id=\"summary\"><h2>Headline</h2><p class=\"headline\">Total cost <b>{}</b> {cur} ({})</p><table class=\"parts\"><tbody>",
        amount(report.total_cost),
        report.status
    );
    for (name, value) in [
        ("supply", report.cost.supply),
        ("refining", report.cost.refining),
        ("transport", report.cost.transport),
        ("shortfall penalty", report.cost.shortfall),
    ] {
        let _ = write!(
            body,
            "<tr><th>{name}</th><td class=\"num\">{}</td><td>{cur}</td></tr>",
            amount(value)
        );
    }
    body.push_str("</tbody></table>");
    body.push_str(&table(
        "totals",
        &["commodity", "demand (t)", "delivered (t)", "unmet (t)"],
        report.totals.iter().map(|t| {
            vec![
                Cell::text(&t.commodity),
                Cell::num(t.demand),
                Cell::num(t.delivered),
                Cell::num(t.unmet),
            ]
        }),
    ));
    let unmet: Vec<String> = report
        .totals
        .iter()
        .filter(|t| t.unmet > 0.0)
        .map(|t| format!("{} t of {}", amount(t.unmet), esc(&t.commodity)))
        .collect();
    let _ = write!(
        body,
        "<p>Unmet demand: {}.</p></section>",
        if unmet.is_empty() {
            "none".to_string()
        } else {
            unmet.join(", ")
        }
    );
    body.push_str(NOSCRIPT);
    body.push_str("<div id=\"charts\"></div>");
    let binding: Vec<_> = report
        .policies
        .iter()
        .filter(|p| p.shapes_answer())
        .collect();
    let _ = write!(
        body,
        "<section><h2>Binding policies</h2><p>{} of {} policy rows shape the answer (shadow price: {cur} per percentage point of the limit).</p>",
        binding.len(),
        report.policies.len()
    );
    body.push_str(&table(
        "policies",
        &[
            "policy",
            "type",
            "commodity",
            "stage",
            "scope",
            "from",
            "limit",
            "actual",
            "shadow price",
        ],
        binding.iter().map(|p| {
            vec![
                Cell::text(&p.policy),
                Cell::text(kind_str(p.kind)),
                Cell::text(&p.commodity),
                Cell::text(p.stage.as_str()),
                Cell::text(&p.scope),
                Cell::text(&p.from),
                Cell::pct(p.limit),
                Cell::pct(p.actual),
                Cell::num(p.shadow_price),
            ]
        }),
    ));
    body.push_str("</section>");
    let capacities: Vec<_> = report.capacities.iter().filter(|c| c.binding).collect();
    let _ = write!(
        body,
        "<section><h2>Binding capacities</h2><p>{} of {} capacities are full (shadow price: {cur} per extra t).</p>",
        capacities.len(),
        report.capacities.len()
    );
    body.push_str(&table(
        "capacities",
        &[
            "kind",
            "node or route",
            "commodity",
            "capacity (t)",
            "used (t)",
            "shadow price",
        ],
        capacities.iter().map(|c| {
            vec![
                Cell::text(c.kind.as_str()),
                Cell::text(c.node.as_deref().or(c.route.as_deref()).unwrap_or("")),
                Cell::text(&c.commodity),
                Cell::num(c.capacity),
                Cell::num(c.used),
                Cell::num(c.shadow_price),
            ]
        }),
    ));
    body.push_str("</section>");
    let data = json!({
        "page": "solve",
        "model": report.model,
        "currency": report.currency,
        "sankeys": sankeys(report),
        "shares": shares(report),
    });
    page(
        "solve",
        &format!("sourcemix report: {}", report.model),
        &body,
        &data,
    )
}

/// The report of a multi-period solve (contract section 10): the discounted
/// headline, the cost of each period, the investment plan (as a table, and
/// drawn as a timeline from the period it is built to the last year it is
/// available), the `max_added` limits and budgets, unmet demand by period,
/// and each period's Sankeys (those of [`solve_page`], from that period's
/// report).
pub fn horizon_page(h: &HorizonReport, info: &RunInfo) -> String {
    let cur = esc(&h.currency);
    let years: Vec<String> = h.periods.iter().map(|p| p.year.to_string()).collect();
    let first = h.periods.first().map_or(0, |p| p.year);
    let mut body = String::new();
    let _ = write!(
        body,
        "<header><h1>sourcemix report: {}</h1>{}</header>",
        esc(&h.model),
        run_line(&h.model, info)
    );
    let _ = write!(
        body,
        "<section id=\"summary\"><h2>Headline</h2><p class=\"headline\">Total cost <b>{}</b> {cur}, present value in {first}, over {} periods ({})</p><table class=\"parts\"><tbody>",
        amount(h.total_cost),
        h.periods.len(),
        years.join(", ")
    );
    for (name, value) in [
        ("operating", h.operating_cost),
        ("investment", h.investment_cost),
    ] {
        let _ = write!(
            body,
            "<tr><th>{name}</th><td class=\"num\">{}</td><td>{cur}</td></tr>",
            amount(value)
        );
    }
    body.push_str("</tbody></table>");
    let built: f64 = h.investment.iter().map(|i| i.added).sum();
    let _ = write!(
        body,
        "<p>Investment plan: {}.</p>",
        if h.investment.is_empty() {
            "nothing is built".to_string()
        } else {
            format!(
                "{} addition{}, {} t per year of capacity in all",
                h.investment.len(),
                if h.investment.len() == 1 { "" } else { "s" },
                amount(built)
            )
        }
    );
    let unmet: Vec<String> = h
        .periods
        .iter()
        .flat_map(|p| {
            p.report
                .totals
                .iter()
                .filter(|t| t.unmet > 0.0)
                .map(move |t| {
                    format!(
                        "{} t of {} in {}",
                        amount(t.unmet),
                        esc(&t.commodity),
                        p.year
                    )
                })
        })
        .collect();
    let _ = write!(
        body,
        "<p>Unmet demand (t per year): {}.</p></section>",
        if unmet.is_empty() {
            "none".to_string()
        } else {
            unmet.join(", ")
        }
    );
    let _ = write!(
        body,
        "<section><h2>Periods</h2><p>Annual cost by part; present value = weight x annual ({cur}).</p>"
    );
    body.push_str(&table(
        "periods",
        &[
            "year",
            "years",
            "weight",
            "supply",
            "refining",
            "transport",
            "shortfall",
            "operating (PV)",
            "investment (PV)",
        ],
        h.periods.iter().map(|p| {
            vec![
                Cell::year(p.year),
                Cell::int(p.span as usize),
                Cell {
                    html: format!("{:.4}", p.weight),
                    value: Some(p.weight),
                },
                Cell::num(p.cost.supply),
                Cell::num(p.cost.refining),
                Cell::num(p.cost.transport),
                Cell::num(p.cost.shortfall),
                Cell::num(p.discounted_cost),
                Cell::num(p.investment_cost),
            ]
        }),
    ));
    body.push_str(&table(
        "unmet",
        &[
            "year",
            "commodity",
            "demand (t)",
            "delivered (t)",
            "unmet (t)",
        ],
        h.periods.iter().flat_map(|p| {
            p.report.totals.iter().map(move |t| {
                vec![
                    Cell::year(p.year),
                    Cell::text(&t.commodity),
                    Cell::num(t.demand),
                    Cell::num(t.delivered),
                    Cell::num(t.unmet),
                ]
            })
        }),
    ));
    body.push_str("</section>");
    // The charts (cost, plan, each period's Sankeys) before the long tables.
    body.push_str(NOSCRIPT);
    body.push_str("<div id=\"charts\"></div>");
    let _ = write!(
        body,
        "<section><h2>Investment plan: the table</h2><p>Capacity added at the start of a period (t per year), available until the year given; cost: present value ({cur}).</p>"
    );
    body.push_str(&table(
        "investment",
        &[
            "year",
            "node",
            "country",
            "kind",
            "commodity",
            "added (t/yr)",
            "until",
            "cost",
        ],
        h.investment.iter().map(|i| {
            vec![
                Cell::year(i.year),
                Cell::text(&i.node),
                Cell::text(&i.country),
                Cell::text(&i.kind),
                Cell::text(&i.commodity),
                Cell::num(i.added),
                Cell::year(i.available_until),
                Cell::num(i.cost),
            ]
        }),
    ));
    let _ = write!(
        body,
        "<h3>Limits on what may be added (max_added)</h3><p>{} of {} bind (shadow price: {cur} of present value per extra t per year).</p>",
        h.max_added.iter().filter(|m| m.binding).count(),
        h.max_added.len()
    );
    body.push_str(&table(
        "max-added",
        &[
            "node",
            "commodity",
            "max_added (t/yr)",
            "added (t/yr)",
            "binding",
            "shadow price",
        ],
        h.max_added.iter().map(|m| {
            vec![
                Cell::text(&m.node),
                Cell::text(&m.commodity),
                Cell::num(m.max_added),
                Cell::num(m.added),
                Cell::text(if m.binding { "yes" } else { "" }),
                Cell::num(m.shadow_price),
            ]
        }),
    ));
    let _ = write!(
        body,
        "<h3>Reserves and stocks over the horizon</h3><p>t over the horizon (shadow price: {cur} of present value per extra t).</p>"
    );
    let mut header = vec![
        "kind".to_string(),
        "node".to_string(),
        "commodity".to_string(),
        "amount (t)".to_string(),
        "used (t)".to_string(),
    ];
    header.extend(years.iter().map(|y| format!("used {y} (t)")));
    header.extend(["binding".to_string(), "shadow price".to_string()]);
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    body.push_str(&table(
        "budgets",
        &header,
        h.budgets.iter().map(|b| {
            let mut cells = vec![
                Cell::text(b.kind.as_str()),
                Cell::text(&b.node),
                Cell::text(&b.commodity),
                Cell::num(b.amount),
                Cell::num(b.used),
            ];
            cells.extend(
                (0..years.len())
                    .map(|i| Cell::num(b.used_by_period.get(i).copied().unwrap_or(0.0))),
            );
            cells.push(Cell::text(if b.binding { "yes" } else { "" }));
            cells.push(Cell::num(b.shadow_price));
            cells
        }),
    ));
    body.push_str("</section>");
    let policies: Vec<(i32, &super::PolicyReport)> = h
        .periods
        .iter()
        .flat_map(|p| {
            p.report
                .policies
                .iter()
                .filter(|x| x.shapes_answer())
                .map(move |x| (p.year, x))
        })
        .collect();
    let _ = write!(
        body,
        "<section><h2>Binding policies and capacities by period</h2><p>{} policy rows shape the answer (shadow price: {cur} per percentage point of the limit, per year of the period).</p>",
        policies.len()
    );
    body.push_str(&table(
        "policies",
        &[
            "year",
            "policy",
            "type",
            "commodity",
            "stage",
            "scope",
            "from",
            "limit",
            "actual",
            "shadow price",
        ],
        policies.iter().map(|(y, p)| {
            vec![
                Cell::year(*y),
                Cell::text(&p.policy),
                Cell::text(kind_str(p.kind)),
                Cell::text(&p.commodity),
                Cell::text(p.stage.as_str()),
                Cell::text(&p.scope),
                Cell::text(&p.from),
                Cell::pct(p.limit),
                Cell::pct(p.actual),
                Cell::num(p.shadow_price),
            ]
        }),
    ));
    let capacities: Vec<(i32, &super::CapacityReport)> = h
        .periods
        .iter()
        .flat_map(|p| {
            p.report
                .capacities
                .iter()
                .filter(|c| c.binding)
                .map(move |c| (p.year, c))
        })
        .collect();
    let _ = write!(
        body,
        "<p>{} capacities are full (existing and added; shadow price: {cur} per extra t per year).</p>",
        capacities.len()
    );
    body.push_str(&table(
        "capacities",
        &[
            "year",
            "kind",
            "node or route",
            "commodity",
            "capacity (t)",
            "used (t)",
            "shadow price",
        ],
        capacities.iter().map(|(y, c)| {
            vec![
                Cell::year(*y),
                Cell::text(c.kind.as_str()),
                Cell::text(c.node.as_deref().or(c.route.as_deref()).unwrap_or("")),
                Cell::text(&c.commodity),
                Cell::num(c.capacity),
                Cell::num(c.used),
                Cell::num(c.shadow_price),
            ]
        }),
    ));
    body.push_str("</section>");
    let periods: Vec<Value> = h
        .periods
        .iter()
        .map(|p| {
            json!({
                "year": p.year,
                "span": p.span,
                "operating": p.discounted_cost,
                "investment": p.investment_cost,
                "sankeys": sankeys(&p.report),
            })
        })
        .collect();
    let investment: Vec<Value> = h
        .investment
        .iter()
        .map(|i| {
            json!({
                "year": i.year,
                "until": i.available_until,
                "node": i.node,
                "commodity": i.commodity,
                "added": i.added,
                "cost": i.cost,
            })
        })
        .collect();
    let data = json!({
        "page": "horizon",
        "model": h.model,
        "currency": h.currency,
        "periods": periods,
        "investment": investment,
    });
    page(
        "horizon",
        &format!("sourcemix report: {}", h.model),
        &body,
        &data,
    )
}

/// One commodity's Sankey: mining country -> refining country -> consumer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sankey {
    pub commodity: String,
    /// Node names, unique: `mine: CODE`, `ref: CODE`, then consumer ids.
    pub nodes: Vec<String>,
    pub links: Vec<SankeyLink>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SankeyLink {
    pub source: String,
    pub target: String,
    /// Tonnes.
    pub value: f64,
    /// Some of the flow goes from a country to a consumer that a binding
    /// max_share cap at this link's stage holds (mine -> ref: mining caps;
    /// ref -> consumer: refining caps).
    pub binding: bool,
}

/// The Sankeys of a report, one per commodity that delivered anything, from
/// the consumers' (mining, refining) pairs.
pub fn sankeys(report: &Report) -> Vec<Sankey> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut out = Vec::new();
    for total in &report.totals {
        let k = &total.commodity;
        // (country, consumer) pairs held by a binding cap at each stage.
        let capped = |stage: Stage| -> BTreeSet<(&str, &str)> {
            report
                .policies
                .iter()
                .filter(|p| {
                    &p.commodity == k
                        && p.stage == stage
                        && p.kind == PolicyKind::MaxShare
                        && p.shapes_answer()
                })
                .flat_map(|p| {
                    p.from
                        .split('+')
                        .flat_map(move |x| p.scope_consumers.iter().map(move |c| (x, c.as_str())))
                })
                .collect()
        };
        let (capped_mining, capped_refining) = (capped(Stage::Mining), capped(Stage::Refining));
        // (source, target) -> (tonnes, binding)
        let mut mine_ref: BTreeMap<(String, String), (f64, bool)> = BTreeMap::new();
        let mut ref_use: BTreeMap<(String, String), (f64, bool)> = BTreeMap::new();
        let mine_or_ref = |id: &str| id.starts_with("mine: ") || id.starts_with("ref: ");
        for c in report.consumers.iter().filter(|c| &c.commodity == k) {
            // Consumer ids are the model's; one that looks like a stage node is set apart.
            let target = if mine_or_ref(&c.node) {
                format!("consumer: {}", c.node)
            } else {
                c.node.clone()
            };
            for p in &c.pairs {
                let (m, r) = (
                    format!("mine: {}", p.mining),
                    format!("ref: {}", p.refining),
                );
                let e = mine_ref.entry((m, r.clone())).or_default();
                e.0 += p.amount;
                e.1 |= capped_mining.contains(&(p.mining.as_str(), c.node.as_str()));
                let e = ref_use.entry((r, target.clone())).or_default();
                e.0 += p.amount;
                e.1 |= capped_refining.contains(&(p.refining.as_str(), c.node.as_str()));
            }
        }
        if mine_ref.is_empty() {
            continue;
        }
        let mut nodes: Vec<String> = Vec::new();
        let mines: BTreeSet<&String> = mine_ref.keys().map(|(m, _)| m).collect();
        let refs: BTreeSet<&String> = mine_ref.keys().map(|(_, r)| r).collect();
        let users: BTreeSet<&String> = ref_use.keys().map(|(_, u)| u).collect();
        nodes.extend(mines.into_iter().cloned());
        nodes.extend(refs.into_iter().cloned());
        nodes.extend(users.into_iter().cloned());
        let links: Vec<SankeyLink> = mine_ref
            .into_iter()
            .chain(ref_use)
            .map(|((source, target), (value, binding))| SankeyLink {
                source,
                target,
                value: super::tonnes(value),
                binding,
            })
            .collect();
        out.push(Sankey {
            commodity: k.clone(),
            nodes,
            links,
        });
    }
    out
}

/// Per commodity, the share panels: each consumer's shares at both stages
/// (with the limits of policies scoped to it and the ranges when computed),
/// then each pooled policy scope's shares as its policy rows give them.
fn shares(report: &Report) -> Vec<Value> {
    let range = |kind: RangeKind, scope: &str, k: &str, stage: Stage, country: &str| {
        report
            .ranges
            .iter()
            .find(|r| {
                r.kind == kind
                    && r.scope == scope
                    && r.commodity == k
                    && r.stage == stage
                    && r.country == country
            })
            .map(|r| (r.min_share, r.max_share))
    };
    let limits = |k: &str, scope: &str, stage: Stage| -> Vec<Value> {
        let mut seen = Vec::new();
        for p in &report.policies {
            if p.commodity == k && p.scope == scope && p.stage == stage {
                let v = json!({"policy": p.policy, "kind": kind_str(p.kind), "limit": p.limit});
                if !seen.contains(&v) {
                    seen.push(v);
                }
            }
        }
        seen
    };
    let bars = |list: Vec<(String, f64)>, kind: RangeKind, scope: &str, k: &str, stage: Stage| {
        let mut list = list;
        list.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let rest: f64 = list.iter().skip(TOP_COUNTRIES).map(|(_, s)| s).sum();
        let mut out: Vec<Value> = list
            .iter()
            .take(TOP_COUNTRIES)
            .map(|(c, s)| {
                let mut v = json!({"country": c, "share": s});
                if let Some((lo, hi)) = range(kind, scope, k, stage, c) {
                    v["min"] = json!(lo);
                    v["max"] = json!(hi);
                }
                v
            })
            .collect();
        if rest > 0.0 {
            out.push(json!({"country": "other", "share": super::share(rest)}));
        }
        out
    };
    let mut out = Vec::new();
    for total in &report.totals {
        let k = total.commodity.as_str();
        let mut panels = Vec::new();
        let consumers: Vec<_> = report
            .consumers
            .iter()
            .filter(|c| c.commodity == k)
            .collect();
        for c in &consumers {
            let stages: Vec<Value> = [
                (Stage::Mining, &c.mining_shares),
                (Stage::Refining, &c.refining_shares),
            ]
            .into_iter()
            .map(|(stage, shares)| {
                let list = shares.iter().map(|(c, s)| (c.clone(), *s)).collect();
                json!({
                    "stage": stage.as_str(),
                    "bars": bars(list, RangeKind::Consumer, &c.node, k, stage),
                    "limits": limits(k, &c.node, stage),
                })
            })
            .collect();
            panels.push(json!({
                "name": c.node,
                "kind": "consumer",
                "delivered": c.delivered,
                "unmet": c.unmet,
                "stages": stages,
            }));
        }
        let mut scopes: Vec<&str> = report
            .policies
            .iter()
            .filter(|p| p.commodity == k && !consumers.iter().any(|c| c.node == p.scope))
            .map(|p| p.scope.as_str())
            .collect();
        scopes.sort();
        scopes.dedup();
        for scope in scopes {
            let stages: Vec<Value> = [Stage::Mining, Stage::Refining]
                .into_iter()
                .filter_map(|stage| {
                    let mut list: Vec<(String, f64)> = Vec::new();
                    for p in &report.policies {
                        if p.commodity == k
                            && p.scope == scope
                            && p.stage == stage
                            && !list.iter().any(|(c, _)| *c == p.from)
                            && p.actual > 0.0
                        {
                            list.push((p.from.clone(), p.actual));
                        }
                    }
                    let limits = limits(k, scope, stage);
                    (!limits.is_empty()).then(|| {
                        json!({
                            "stage": stage.as_str(),
                            "bars": bars(list, RangeKind::Scope, scope, k, stage),
                            "limits": limits,
                        })
                    })
                })
                .collect();
            panels.push(json!({"name": scope, "kind": "scope", "stages": stages}));
        }
        out.push(json!({"commodity": k, "panels": panels}));
    }
    out
}

/// The batch page: cost and unmet demand per run, the comparison table,
/// links to each run's report (`runs/<name>/report.html`).
pub fn batch_page(title: &str, rows: &[Row]) -> String {
    let mut commodities: Vec<&String> = rows
        .iter()
        .filter_map(|r| r.solved.as_ref())
        .flat_map(|s| s.unmet.keys())
        .collect();
    commodities.sort();
    commodities.dedup();
    let mut body = format!(
        "<header><h1>sourcemix batch: {}</h1><p>{} runs, {} failed. {}</p></header>",
        esc(title),
        rows.len(),
        rows.iter().filter(|r| r.failed()).count(),
        version_line()
    );
    body.push_str(NOSCRIPT);
    body.push_str("<div id=\"charts\"></div><section><h2>Comparison</h2>");
    let mut header: Vec<String> = ["run", "status", "total cost", "shortfall penalty"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let horizon = HorizonColumns::of(rows);
    if let Some(h) = &horizon {
        header.extend(["operating (PV)".to_string(), "investment (PV)".to_string()]);
        header.extend(h.commodities.iter().map(|k| format!("investment {k} (PV)")));
        header.extend(h.unmet.iter().map(|(y, k)| format!("unmet {k} {y} (t)")));
    }
    header.extend(commodities.iter().map(|k| format!("unmet {k} (t)")));
    header.extend(["binding policies".to_string(), "report".to_string()]);
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    body.push_str(&table(
        "comparison",
        &header,
        rows.iter().map(|r| {
            let mut cells = vec![Cell::text(&r.name), Cell::text(r.status.as_str())];
            match &r.solved {
                Some(s) => {
                    cells.push(Cell::num(s.total_cost));
                    cells.push(Cell::num(s.cost.shortfall));
                    if let Some(h) = &horizon {
                        cells.extend(h.values(s).into_iter().map(|v| match v {
                            Some((x, _)) => Cell::num(x),
                            None => Cell::text(""),
                        }));
                    }
                    cells.extend(
                        commodities
                            .iter()
                            .map(|k| Cell::num(s.unmet.get(*k).copied().unwrap_or(0.0))),
                    );
                    cells.push(Cell::int(s.binding_policies));
                    cells.push(Cell::link(
                        &format!("runs/{}/report.html", r.name),
                        "report",
                    ));
                }
                None => {
                    cells.push(Cell::text(&r.error));
                    let extra = horizon
                        .as_ref()
                        .map_or(0, |h| 2 + h.commodities.len() + h.unmet.len());
                    cells.extend((0..commodities.len() + extra + 3).map(|_| Cell::text("")));
                }
            }
            cells
        }),
    ));
    body.push_str("</section>");
    let runs: Vec<Value> = rows
        .iter()
        .filter_map(|r| {
            r.solved.as_ref().map(|s| {
                let mut unmet: Vec<f64> = commodities
                    .iter()
                    .map(|k| s.unmet.get(*k).copied().unwrap_or(0.0))
                    .collect();
                let mut cost = json!(s.cost);
                if let Some(h) = &horizon {
                    let by_period = s.horizon.as_ref();
                    unmet.extend(h.unmet.iter().map(|(y, k)| {
                        by_period
                            .and_then(|b| b.unmet_by_period.get(&(*y, (*k).clone())))
                            .copied()
                            .unwrap_or(0.0)
                    }));
                    cost["investment"] = json!(by_period.map_or(0.0, |b| b.investment));
                }
                json!({
                    "name": r.name,
                    "total_cost": s.total_cost,
                    "cost": cost,
                    "unmet": unmet,
                })
            })
        })
        .collect();
    let data = match &horizon {
        None => json!({"page": "batch", "commodities": commodities, "runs": runs}),
        Some(h) => {
            // Unmet demand of runs of one year by commodity, then of
            // multi-period runs by commodity and period.
            let labels: Vec<String> = commodities
                .iter()
                .map(|k| k.to_string())
                .chain(h.unmet.iter().map(|(y, k)| format!("{k} {y}")))
                .collect();
            json!({
                "page": "batch",
                "commodities": labels,
                "runs": runs,
                "parts": ["supply", "refining", "transport", "shortfall", "investment"],
                "multi_period": true,
            })
        }
    };
    page("batch", &format!("sourcemix batch: {title}"), &body, &data)
}

/// A multi-period frontier: which periods are varied and that costs are
/// present values (empty for a model of one year).
fn frontier_periods_line(f: &Frontier) -> String {
    let Some(p) = &f.periods else {
        return String::new();
    };
    let years = |v: &[i32]| {
        v.iter()
            .map(|y| y.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "The cap is tightened in {} (periods {}); costs are present values in {} (operating + investment). ",
        match p.year {
            Some(y) => format!("{y} only"),
            None => format!("every period in which it applies ({})", years(&p.varied)),
        },
        years(&p.years),
        p.years.first().copied().unwrap_or_default()
    )
}

/// The frontier page: the cost curve with the free-diversification point.
pub fn frontier_page(f: &Frontier) -> String {
    let cur = esc(&f.currency);
    let free = &f.free_diversification;
    let mut body = format!(
        "<header><h1>sourcemix frontier: {}</h1><p>Model {}, cap <b>{}</b> on {} ({} policy rows), share from {} to {}. {}{}</p></header>",
        esc(&f.cap),
        esc(&f.model),
        esc(&f.cap),
        esc(&f.commodities.join(", ")),
        f.rows,
        pct(f.from),
        pct(f.to),
        frontier_periods_line(f),
        version_line()
    );
    let _ = write!(
        body,
        "<section id=\"summary\"><h2>Free diversification</h2><p>The cap is free down to <b>{:.2}%</b> (total cost {} {cur}){}.</p></section>",
        100.0 * free.share,
        amount(free.total_cost),
        match free.costly_below {
            Some(s) => format!("; at {:.2}% it already costs more", 100.0 * s),
            None => "; the whole range is free".into(),
        }
    );
    body.push_str(NOSCRIPT);
    body.push_str("<div id=\"charts\"></div><section><h2>Points</h2>");
    body.push_str(&table(
        "points",
        &[
            "share",
            "total cost",
            "extra cost",
            "unmet (t)",
            "shadow price",
            "placed",
        ],
        f.points.iter().map(|p| {
            vec![
                Cell::pct(p.share),
                Cell::num(p.total_cost),
                Cell::num(p.extra_cost),
                Cell::num(p.unmet),
                Cell::num(p.shadow_price),
                Cell::text(p.placed.as_str()),
            ]
        }),
    ));
    body.push_str("</section>");
    let data = json!({
        "page": "frontier",
        "currency": f.currency,
        "cap": f.cap,
        "points": f.points.iter().map(|p| json!({
            "share": p.share, "total_cost": p.total_cost, "unmet": p.unmet, "placed": p.placed.as_str(),
        })).collect::<Vec<_>>(),
        "free": {"share": free.share, "total_cost": free.total_cost},
    });
    page(
        "frontier",
        &format!("sourcemix frontier: {}", f.cap),
        &body,
        &data,
    )
}

/// The stress page: per commodity, a heatmap of unmet demand (% of the
/// window's demand) by disruption (rows, most unmet first) and consumer.
pub fn stress_page(r: &crate::report::stress::StressReport) -> String {
    let mut body = format!(
        "<header><h1>sourcemix stress: {}</h1><p class=\"meta\">Window of {} months; the model's policies {} inside it; {} disruptions. {}.</p></header>",
        esc(&r.model),
        r.months,
        if r.keep_policies { "apply" } else { "do not apply" },
        r.disruptions.len(),
        version_line()
    );
    body.push_str("<section id=\"summary\"><h2>Disruptions, most unmet first</h2>");
    body.push_str(&table(
        "disruptions",
        &[
            "rank",
            "commodity",
            "stage",
            "kind",
            "country",
            "unmet (t)",
            "unmet",
            "worst hit",
            "stock drawn (t)",
            "extra cost",
        ],
        r.disruptions.iter().map(|d| {
            vec![
                Cell::int(d.rank),
                Cell::text(&d.commodity),
                Cell::text(d.stage.as_str()),
                Cell::text(&d.kind),
                Cell::text(&d.country),
                Cell::num(d.unmet),
                Cell::pct(d.unmet_share),
                Cell::text(d.worst_hit.as_deref().unwrap_or("")),
                Cell::num(d.stock_drawn),
                Cell::num(d.extra_cost),
            ]
        }),
    ));
    body.push_str("</section>");
    body.push_str(NOSCRIPT);
    body.push_str("<div id=\"charts\"></div>");
    let heatmaps: Vec<Value> = r
        .reference
        .iter()
        .filter_map(|reference| {
            let k = &reference.commodity;
            let rows: Vec<_> = r.disruptions.iter().filter(|d| &d.commodity == k).collect();
            if rows.is_empty() {
                return None;
            }
            let mut consumers: Vec<&str> = reference
                .consumers
                .iter()
                .map(|c| c.consumer.as_str())
                .collect();
            for d in &rows {
                consumers.extend(d.consumers.iter().map(|c| c.consumer.as_str()));
            }
            consumers.sort();
            consumers.dedup();
            let labels: Vec<String> = rows
                .iter()
                .map(|d| format!("{} {} ({})", d.country, d.kind, d.stage.as_str()))
                .collect();
            let mut cells = Vec::new();
            for (y, d) in rows.iter().enumerate() {
                for c in &d.consumers {
                    if let Some(x) = consumers.iter().position(|n| *n == c.consumer) {
                        cells.push(json!([x, y, super::round_to(100.0 * c.unmet_share, 1e-6)]));
                    }
                }
            }
            Some(json!({"commodity": k, "rows": labels, "consumers": consumers, "cells": cells}))
        })
        .collect();
    let data = json!({"page": "stress", "heatmaps": heatmaps});
    page(
        "stress",
        &format!("sourcemix stress: {}", r.model),
        &body,
        &data,
    )
}

/// The stockpile page: per commodity, the stock one shared pool needs (by
/// holder) against the stocks each protected consumer alone would need.
pub fn stockpile_page(s: &crate::stockpile::Stockpile) -> String {
    let mut body = format!(
        "<header><h1>sourcemix stockpile: {}</h1><p class=\"meta\">Window of {} months; protected: {}; holders: {}; tolerance {}; {} disruptions. {}.</p></header>",
        esc(&s.model),
        s.months,
        esc(&s.protect.join(", ")),
        esc(&s.holders.join(", ")),
        pct(s.tolerance),
        s.disruptions,
        version_line()
    );
    body.push_str("<section id=\"summary\"><h2>Required stock</h2>");
    body.push_str(&table(
        "sharing",
        &[
            "commodity",
            "unit",
            "required (shared)",
            "separate",
            "saving",
        ],
        s.commodities.iter().map(|c| {
            vec![
                Cell::text(&c.sizing.commodity),
                Cell::text(&c.unit),
                Cell::num(c.sizing.sharing.joint),
                Cell::num(c.sizing.sharing.separate),
                Cell::num(c.sizing.sharing.saving),
            ]
        }),
    ));
    body.push_str("<h2>By holder</h2>");
    body.push_str(&table(
        "holders",
        &[
            "commodity",
            "holder",
            "stock",
            "min",
            "max",
            "binding disruptions",
        ],
        s.commodities.iter().flat_map(|c| {
            c.sizing.holders.iter().map(move |h| {
                vec![
                    Cell::text(&c.sizing.commodity),
                    Cell::text(&h.holder),
                    Cell::num(h.stock),
                    Cell::num(h.min),
                    Cell::num(h.max),
                    Cell::text(&h.binding.join("; ")),
                ]
            })
        }),
    ));
    body.push_str("</section>");
    body.push_str(NOSCRIPT);
    body.push_str("<div id=\"charts\"></div>");
    let commodities: Vec<Value> = s
        .commodities
        .iter()
        .map(|c| {
            json!({
                "commodity": c.sizing.commodity,
                "unit": c.unit,
                "joint": c.sizing.sharing.joint,
                "separate": c.sizing.sharing.separate,
                "holders": c.sizing.holders.iter().map(|h| json!({"holder": h.holder, "stock": h.stock})).collect::<Vec<_>>(),
                "consumers": c.sizing.consumers.iter().map(|n| json!({"consumer": n.consumer, "alone": n.alone})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let data = json!({"page": "stockpile", "commodities": commodities});
    page(
        "stockpile",
        &format!("sourcemix stockpile: {}", s.model),
        &body,
        &data,
    )
}

/// Writes a page whole (a temporary file beside it, then a rename). An
/// existing file is replaced only if sourcemix wrote it (it holds
/// [`GENERATOR`] near its start), so a user's file is never lost.
pub fn write_page(path: &Path, html: &str) -> Result<(), WriteError> {
    let shown = path.display().to_string();
    let io = |source| WriteError::Io {
        path: shown.clone(),
        source,
    };
    match fs::File::open(path) {
        Ok(mut file) => {
            let mut head = vec![0; 1024];
            let n = file.read(&mut head).map_err(io)?;
            if !String::from_utf8_lossy(&head[..n]).contains(GENERATOR) {
                return Err(WriteError::NotOurPage {
                    path: shown.clone(),
                });
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".sourcemix-html")
        .tempfile_in(dir)
        .map_err(io)?;
    tmp.write_all(html.as_bytes()).map_err(io)?;
    // A page is for reading: the temporary file's 0600 would hide it from others.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(fs::Permissions::from_mode(0o644))
            .map_err(io)?;
    }
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

const NOSCRIPT: &str = "<noscript><p class=\"note\">The charts need JavaScript; the summary and the tables are complete without it.</p></noscript>";

/// The page around a body: style, data and scripts inlined.
pub fn page(kind: &str, title: &str, body: &str, data: &Value) -> String {
    let mut out = String::with_capacity(ECHARTS.len() + body.len() + 64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n{GENERATOR} {}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body data-page=\"{}\">\n{body}\n",
        env!("CARGO_PKG_VERSION"),
        esc(title),
        esc(kind),
    );
    let _ = writeln!(
        out,
        "<script type=\"application/json\" id=\"sourcemix-data\">{}</script>",
        script_json(data)
    );
    // Apache ECharts, Apache License 2.0 (assets/vendor/echarts/LICENSE and NOTICE).
    let _ = write!(
        out,
        "<script>\n/* Apache ECharts {} | Apache License 2.0 | https://echarts.apache.org */\n{}\n</script>\n",
        echarts_version(),
        script_safe(ECHARTS)
    );
    let _ = write!(
        out,
        "<script>\n{}</script>\n</body>\n</html>\n",
        script_safe(SCRIPT)
    );
    out
}

/// The vendored ECharts version, as its VERSION file records it.
fn echarts_version() -> &'static str {
    include_str!("../../assets/vendor/echarts/VERSION")
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("echarts "))
        .unwrap_or("")
}

/// JSON that can sit inside a `<script>` element: `<`, `>` and `&` are
/// written as `\u003c`, `\u003e`, `\u0026` (they occur only inside strings),
/// so no data can close the element or open a comment.
pub fn script_json(value: &Value) -> String {
    let text = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
    text.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// Script text that cannot end its element early.
fn script_safe(js: &str) -> String {
    js.replace("</script", "<\\/script")
        .replace("<!--", "<\\!--")
}

/// Text escaped for HTML content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

fn version_line() -> String {
    format!("sourcemix {}", env!("CARGO_PKG_VERSION"))
}

fn run_line(model: &str, info: &RunInfo) -> String {
    let scenarios = if info.scenarios.is_empty() {
        "none".to_string()
    } else {
        info.scenarios
            .iter()
            .map(|s| esc(s))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let parameters = if info.parameters.is_empty() {
        String::new()
    } else {
        format!(
            "; parameters: {}",
            info.parameters
                .iter()
                .map(|s| esc(s))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!(
        "<p class=\"meta\">Model <b>{}</b>; scenarios: {scenarios}{parameters}; {}.</p>",
        esc(model),
        version_line()
    )
}

fn kind_str(kind: PolicyKind) -> &'static str {
    match kind {
        PolicyKind::MaxShare => "max_share",
        PolicyKind::MinShare => "min_share",
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// One cell of a sortable table: its text and, for numbers, the value sorted on.
struct Cell {
    html: String,
    value: Option<f64>,
}

impl Cell {
    fn text(t: &str) -> Cell {
        Cell {
            html: esc(t),
            value: None,
        }
    }

    fn num(x: f64) -> Cell {
        Cell {
            html: amount(x),
            value: Some(x),
        }
    }

    fn int(n: usize) -> Cell {
        Cell {
            html: n.to_string(),
            value: Some(n as f64),
        }
    }

    fn year(y: i32) -> Cell {
        Cell {
            html: y.to_string(),
            value: Some(f64::from(y)),
        }
    }

    fn pct(x: f64) -> Cell {
        Cell {
            html: pct(x),
            value: Some(x),
        }
    }

    fn link(href: &str, text: &str) -> Cell {
        Cell {
            html: format!("<a href=\"{}\">{}</a>", esc(href), esc(text)),
            value: None,
        }
    }
}

/// A table whose columns the page's script sorts on a click of the header.
fn table(id: &str, header: &[&str], rows: impl Iterator<Item = Vec<Cell>>) -> String {
    let mut out = format!(
        "<table class=\"sortable\" id=\"table-{}\"><thead><tr>",
        esc(id)
    );
    for h in header {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            match cell.value {
                Some(v) => {
                    let _ = write!(out, "<td class=\"num\" data-v=\"{v}\">{}</td>", cell.html);
                }
                None => {
                    let _ = write!(out, "<td>{}</td>", cell.html);
                }
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_data_cannot_break_out() {
        assert_eq!(
            esc("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
        let v = json!({"model": "</script><!-- & -->"});
        let s = script_json(&v);
        assert!(!s.contains('<') && !s.contains('>'), "{s}");
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
        assert_eq!(script_safe("a</script>b<!--c"), "a<\\/script>b<\\!--c");
    }

    #[test]
    fn echarts_is_vendored_with_its_version() {
        assert!(echarts_version().starts_with(char::is_numeric));
        assert!(ECHARTS.contains(&format!("version=\"{}\"", echarts_version())));
    }
}
