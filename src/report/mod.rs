//! Report: turn the solved programs into the numbers a strategist reads
//! (section 5 of the contract), then render them as a table, JSON or files.

pub mod files;
pub mod horizon;
pub mod html;
pub mod mix;
pub mod stockpile;
pub mod stress;
pub mod table;
pub mod xlsx;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::diagnostics::RowRef;
use crate::id::{DemandId, RefiningId, RouteId, SupplyId};
use crate::model::{Model, PolicyKind, Stage};
use crate::network::{CommodityNetwork, Role};
use crate::program::{CommodityProgram, RowTag};
use crate::solve::LpSolution;

/// A row is binding when its slack is at most this times max(1, scale).
pub const BINDING_TOLERANCE: f64 = 1e-6;

/// Whether a row with this slack binds: slack <= 1e-6 x max(1, scale), where
/// the scale is what the row limits (the delivered amount of a policy's
/// scope, a capacity).
pub fn binds(slack: f64, scale: f64) -> bool {
    slack <= BINDING_TOLERANCE * scale.max(1.0)
}

/// One commodity's network, program and solution, as the report needs them.
pub struct Solved<'a> {
    pub network: &'a CommodityNetwork,
    pub program: &'a CommodityProgram,
    pub solution: &'a LpSolution,
}

/// Everything a solve reports. Serialized as the JSON document.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    pub status: Status,
    pub model: String,
    pub currency: String,
    pub total_cost: f64,
    pub cost: CostParts,
    pub consumers: Vec<ConsumerReport>,
    /// Per commodity, all consumers together.
    pub totals: Vec<CommodityTotal>,
    pub flows: Vec<FlowReport>,
    pub policies: Vec<PolicyReport>,
    pub capacities: Vec<CapacityReport>,
    pub timings: Timings,
    pub lp: LpSize,
    /// Share ranges over the optimal face (`solve --ranges`; absent otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<RangeReport>,
}

/// How the solve ended. A valid model always has an optimum (unmet demand
/// absorbs any gap); a solver failure is an error, not a report.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Optimal,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Optimal => "optimal",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// What a capacity row limits.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CapacityKind {
    /// A supply.csv row: t supplied.
    Supply,
    /// A refining.csv row: t of input.
    Refining,
    /// A routes.csv row: t shipped.
    Route,
}

impl CapacityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CapacityKind::Supply => "supply",
            CapacityKind::Refining => "refining",
            CapacityKind::Route => "route",
        }
    }
}

impl fmt::Display for CapacityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CostParts {
    pub supply: f64,
    pub refining: f64,
    pub transport: f64,
    pub shortfall: f64,
}

impl CostParts {
    pub fn total(&self) -> f64 {
        self.supply + self.refining + self.transport + self.shortfall
    }

    /// Every part rounded as money is reported ([`money`]).
    pub fn rounded(&self) -> CostParts {
        CostParts {
            supply: money(self.supply),
            refining: money(self.refining),
            transport: money(self.transport),
            shortfall: money(self.shortfall),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConsumerReport {
    pub node: String,
    pub commodity: String,
    pub demand: f64,
    pub delivered: f64,
    pub unmet: f64,
    /// d(total cost)/d(demand): what one more tonne of demand would cost.
    pub marginal_cost: f64,
    pub mining_shares: BTreeMap<String, f64>,
    pub refining_shares: BTreeMap<String, f64>,
    pub hhi_mining: f64,
    pub hhi_refining: f64,
    /// Tonnes delivered by (mining country, refining country): whose ore was
    /// refined where (refined material only), sorted by the two codes. The
    /// HTML report's Sankey is drawn from these.
    #[serde(default)]
    pub pairs: Vec<PairReport>,
}

/// The tonnes of one consumer's deliveries mined in `mining` and refined in `refining`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PairReport {
    pub mining: String,
    pub refining: String,
    pub amount: f64,
}

/// One commodity's deliveries to all consumers together.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CommodityTotal {
    pub commodity: String,
    pub demand: f64,
    pub delivered: f64,
    pub unmet: f64,
    pub mining_shares: BTreeMap<String, f64>,
    pub refining_shares: BTreeMap<String, f64>,
    pub hhi_mining: f64,
    pub hhi_refining: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FlowReport {
    pub from: String,
    pub to: String,
    pub commodity: String,
    /// The routes.csv line (parallel routes share from and to).
    pub line: usize,
    pub amount: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PolicyReport {
    pub policy: String,
    #[serde(rename = "type")]
    pub kind: PolicyKind,
    pub commodity: String,
    pub stage: Stage,
    pub scope: String,
    /// The consumers the scope pools (ids, sorted).
    #[serde(default)]
    pub scope_consumers: Vec<String>,
    pub from: String,
    pub limit: f64,
    pub actual: f64,
    pub delivered: f64,
    pub binding: bool,
    /// d(total cost)/d(share) / 100: per percentage point of the limit.
    pub shadow_price: f64,
}

impl PolicyReport {
    /// A cap of 100% or a floor of 0% holds whatever is delivered: it binds
    /// (one country supplies everything, or nothing) without shaping anything.
    pub fn limit_is_trivial(&self) -> bool {
        match self.kind {
            PolicyKind::MaxShare => self.limit >= 1.0,
            PolicyKind::MinShare => self.limit <= 0.0,
        }
    }

    /// A binding row over a scope that receives nothing, with no price:
    /// it binds only in form (0 <= 0).
    pub fn binds_in_form_only(&self) -> bool {
        self.binding && self.delivered <= 0.0 && self.shadow_price == 0.0
    }

    /// Whether this row shapes the answer: it binds, its limit is not
    /// trivial, and it binds over deliveries (or has a price: a floor that
    /// holds only by delivering nothing). The table lists these rows, and a
    /// batch's comparison counts them.
    pub fn shapes_answer(&self) -> bool {
        self.binding && !self.limit_is_trivial() && !self.binds_in_form_only()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CapacityReport {
    pub kind: CapacityKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    pub commodity: String,
    /// The line of the row in its CSV file.
    pub line: usize,
    pub capacity: f64,
    pub used: f64,
    pub binding: bool,
    /// d(total cost)/d(capacity), currency per tonne (negative: more capacity saves that much).
    pub shadow_price: f64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Timings {
    pub load: f64,
    pub build: f64,
    pub solve: f64,
    pub write: f64,
    /// Computing share ranges (only when they were asked for).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub ranges: f64,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

/// Whose deliveries a range is about.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RangeKind {
    /// One consumer.
    Consumer,
    /// A pooled policy scope set (`all`, a list, `group:G`).
    Scope,
}

impl RangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RangeKind::Consumer => "consumer",
            RangeKind::Scope => "scope",
        }
    }
}

impl fmt::Display for RangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// How firm one country's supply to a consumer (or a pooled scope) is: its
/// least and most tonnes over every flow of total cost <= C* + 1e-9 x
/// max(1, C*) (section 7 of the contract), and as fractions of demand.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RangeReport {
    pub commodity: String,
    pub kind: RangeKind,
    /// The consumer id, or the scope set as the policy rows name it
    /// (`all`, `group:EU`, listed ids joined by `+`).
    pub scope: String,
    pub stage: Stage,
    pub country: String,
    /// The demand of the consumer (of the scope's consumers together), t.
    pub demand: f64,
    /// The tonnes the reported solution takes from the country (delivered x share).
    pub amount: f64,
    pub min: f64,
    pub max: f64,
    /// `min` and `max` as fractions of `demand`.
    pub min_share: f64,
    pub max_share: f64,
}

/// The report's rows of share ranges, sorted by commodity, kind, scope,
/// stage and country; `amount` is taken from the consumers' reported shares.
pub fn range_reports(
    model: &Model,
    ranges: &[crate::ranges::ShareRange],
    consumers: &[ConsumerReport],
) -> Vec<RangeReport> {
    let by_node: BTreeMap<(&str, &str), &ConsumerReport> = consumers
        .iter()
        .map(|c| ((c.node.as_str(), c.commodity.as_str()), c))
        .collect();
    let mut out: Vec<RangeReport> = ranges
        .iter()
        .map(|r| {
            let commodity = model.commodity(r.commodity).id.clone();
            let country = model.country(r.country).code.clone();
            let (kind, scope, members) = match &r.scope {
                crate::ranges::RangeScope::Consumer(c) => {
                    (RangeKind::Consumer, model.node(*c).id.clone(), vec![*c])
                }
                crate::ranges::RangeScope::Pooled { label, consumers } => {
                    (RangeKind::Scope, label.clone(), consumers.clone())
                }
            };
            let amount: f64 = members
                .iter()
                .filter_map(|c| by_node.get(&(model.node(*c).id.as_str(), commodity.as_str())))
                .map(|c| {
                    let shares = match r.stage {
                        Stage::Mining => &c.mining_shares,
                        Stage::Refining => &c.refining_shares,
                    };
                    c.delivered * shares.get(&country).copied().unwrap_or(0.0)
                })
                .sum();
            // Fractions of the reported tonnes, so that the two agree (a
            // tolerance artefact below 1e-6 t shows in neither).
            let (min, max) = (tonnes(r.min), tonnes(r.max));
            let of_demand = |x: f64| {
                if r.demand > 0.0 {
                    share((x / r.demand).clamp(0.0, 1.0))
                } else {
                    0.0
                }
            };
            RangeReport {
                commodity,
                kind,
                scope,
                stage: r.stage,
                country,
                demand: tonnes(r.demand),
                amount: tonnes(amount),
                min,
                max,
                min_share: of_demand(min),
                max_share: of_demand(max),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (&a.commodity, a.kind, &a.scope, a.stage, &a.country).cmp(&(
            &b.commodity,
            b.kind,
            &b.scope,
            b.stage,
            &b.country,
        ))
    });
    out
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct LpSize {
    pub variables: usize,
    pub constraints: usize,
}

/// Builds the report of a solved model.
pub fn build(model: &Model, solved: &[Solved<'_>]) -> Report {
    let mut r = Report {
        status: Status::Optimal,
        model: model.name.clone(),
        currency: model.currency.clone(),
        total_cost: 0.0,
        cost: CostParts::default(),
        consumers: Vec::new(),
        totals: Vec::new(),
        flows: Vec::new(),
        policies: Vec::new(),
        capacities: Vec::new(),
        timings: Timings::default(),
        lp: LpSize::default(),
        ranges: Vec::new(),
    };
    for s in solved {
        let usage = Usage::of(model, s);
        add_costs(model, s, &usage, &mut r.cost);
        let deliveries = consumers(model, s);
        r.totals.push(total(
            model,
            &model.commodity(s.program.commodity).id,
            &deliveries,
        ));
        r.consumers.extend(deliveries.into_iter().map(|d| d.report));
        r.flows.extend(flows(model, &usage));
        r.policies.extend(policies(model, s));
        r.capacities.extend(capacities(model, s, &usage));
        r.lp.variables += s.program.variables();
        r.lp.constraints += s.program.rows;
    }
    r.cost = r.cost.rounded();
    r.total_cost = money(r.cost.total());
    sort(&mut r);
    r
}

/// Puts every list in an order of its own content (names, then the input
/// line for parallel routes), so that the report does not depend on the
/// order of the rows in the files.
fn sort(r: &mut Report) {
    r.consumers
        .sort_by(|a, b| (&a.node, &a.commodity).cmp(&(&b.node, &b.commodity)));
    r.flows.sort_by(|a, b| {
        (&a.commodity, &a.from, &a.to, a.line).cmp(&(&b.commodity, &b.from, &b.to, b.line))
    });
    r.policies.sort_by(|a, b| {
        (&a.policy, &a.commodity, a.stage, &a.scope, &a.from).cmp(&(
            &b.policy,
            &b.commodity,
            b.stage,
            &b.scope,
            &b.from,
        ))
    });
    r.capacities.sort_by(|a, b| {
        (a.kind, &a.commodity, &a.node, &a.route, a.line).cmp(&(
            b.kind,
            &b.commodity,
            &b.node,
            &b.route,
            b.line,
        ))
    });
}

/// Flow through each node and route of one commodity, summed over labels.
struct Usage {
    supplied: BTreeMap<SupplyId, f64>,
    refined_input: BTreeMap<RefiningId, f64>,
    route: BTreeMap<RouteId, f64>,
}

impl Usage {
    fn of(model: &Model, s: &Solved<'_>) -> Usage {
        let mut u = Usage {
            supplied: BTreeMap::new(),
            refined_input: BTreeMap::new(),
            route: BTreeMap::new(),
        };
        for (f, &x) in s.program.flows.iter().zip(&s.solution.flows) {
            *u.route.entry(f.route).or_default() += x;
            let r = model.route(f.route);
            if let Role::Source(row) = s.network.roles[r.from.index()] {
                *u.supplied.entry(row).or_default() += x;
            }
            if let Role::Refiner(row) = s.network.roles[r.to.index()] {
                *u.refined_input.entry(row).or_default() += x;
            }
        }
        u
    }
}

fn add_costs(model: &Model, s: &Solved<'_>, usage: &Usage, cost: &mut CostParts) {
    cost.supply += usage
        .supplied
        .iter()
        .map(|(&row, x)| model.supply[row].cost * x)
        .sum::<f64>();
    cost.refining += usage
        .refined_input
        .iter()
        .map(|(&row, x)| model.refining[row].cost * x)
        .sum::<f64>();
    cost.transport += usage
        .route
        .iter()
        .map(|(&r, x)| model.route(r).cost * x)
        .sum::<f64>();
    cost.shortfall += s
        .program
        .unmet
        .iter()
        .zip(&s.solution.unmet)
        .map(|((d, _), x)| model.demand[*d].penalty * x)
        .sum::<f64>();
}

/// One consumer's deliveries of one commodity: the reported numbers, and the
/// exact amount and mix that totals are built from (shares are added up
/// before they are rounded).
struct Delivery {
    report: ConsumerReport,
    delivered: f64,
    mix: mix::Mix,
}

fn consumers(model: &Model, s: &Solved<'_>) -> Vec<Delivery> {
    let mixes = mix::consumer_mixes(model, s.network, s.program, &s.solution.flows);
    let k = &model.commodity(s.program.commodity).id;
    let duals: BTreeMap<DemandId, f64> = s
        .program
        .tags
        .iter()
        .zip(&s.solution.duals)
        .filter_map(|(t, d)| {
            if let RowTag::Demand(row) = t {
                Some((*row, *d))
            } else {
                None
            }
        })
        .collect();
    s.program
        .unmet
        .iter()
        .zip(&s.solution.unmet)
        .map(|(&(row, _), &unmet)| {
            let d = &model.demand[row];
            let delivered = (d.demand - unmet).max(0.0);
            // Shares are fractions of what is delivered: where the reported
            // delivery is 0 (nothing, or less than its rounding), there are none.
            let mix = if tonnes(delivered) > 0.0 {
                mixes.get(&d.node).cloned().unwrap_or_default()
            } else {
                mix::Mix::default()
            };
            let report = ConsumerReport {
                node: model.node(d.node).id.clone(),
                commodity: k.clone(),
                demand: d.demand,
                delivered: tonnes(delivered),
                unmet: tonnes(unmet),
                marginal_cost: price(duals.get(&row).copied().unwrap_or(0.0)),
                hhi_mining: hhi(&mix.mining),
                hhi_refining: hhi(&mix.refining),
                mining_shares: named_shares(model, &mix.mining),
                refining_shares: named_shares(model, &mix.refining),
                pairs: pairs(model, &mix.pairs, delivered),
            };
            Delivery {
                report,
                delivered,
                mix,
            }
        })
        .collect()
}

/// Shares by country code, rounded for display (negligible ones left out).
fn named_shares(model: &Model, shares: &mix::Shares) -> BTreeMap<String, f64> {
    shares
        .iter()
        .filter(|(_, v)| **v > 1e-12)
        .map(|(c, v)| (model.country(*c).code.clone(), share(*v)))
        .collect()
}

/// Tonnes by (mining, refining) country code: exact fractions of the exact
/// delivery, rounded to the power of ten at or above 1e-9 of the delivery
/// (never finer than 1e-6 t): as coarse as the shares' 1e-9, so that, like
/// them, the pairs do not depend on the float noise of the solver's method.
/// Pairs that round to 0 are left out.
fn pairs(model: &Model, pairs: &mix::Pairs, delivered: f64) -> Vec<PairReport> {
    let exponent = if delivered > 0.0 {
        ((1e-9 * delivered).log10().ceil() as i32).max(-6)
    } else {
        -6
    };
    // Divided by an exact power of ten, so 2000 t stays 2000, not 2000.0000000000002.
    let round = |x: f64| {
        let r = if exponent < 0 {
            let scale = 10f64.powi(-exponent);
            (x * scale).round() / scale
        } else {
            let step = 10f64.powi(exponent);
            (x / step).round() * step
        };
        if r == 0.0 {
            0.0
        } else {
            r
        }
    };
    let mut out: Vec<PairReport> = pairs
        .iter()
        .map(|(&(m, r), &s)| PairReport {
            mining: model.country(m).code.clone(),
            refining: model.country(r).code.clone(),
            amount: round(s * delivered),
        })
        .filter(|p| p.amount > 0.0)
        .collect();
    out.sort_by(|a, b| (&a.mining, &a.refining).cmp(&(&b.mining, &b.refining)));
    out
}

/// The HHI of exact shares, rounded for display.
fn hhi(shares: &mix::Shares) -> f64 {
    round_to(mix::hhi(shares), 1e-6)
}

/// A commodity's consumers added up: exact shares weighted by the exact
/// amount each received, rounded only at the end.
fn total(model: &Model, commodity: &str, deliveries: &[Delivery]) -> CommodityTotal {
    let (mut demand, mut delivered, mut unmet, mut weight) = (0.0, 0.0, 0.0, 0.0);
    let mut pooled = mix::Mix::default();
    for d in deliveries {
        demand += d.report.demand;
        delivered += d.report.delivered;
        unmet += d.report.unmet;
        if !d.mix.mining.is_empty() || !d.mix.refining.is_empty() {
            weight += d.delivered;
            pooled.add_scaled(&d.mix, d.delivered);
        }
    }
    // As for one consumer: no shares where the reported delivery is 0; and
    // only consumers with shares weigh, so nothing is divided by zero.
    if tonnes(delivered) > 0.0 && weight > 0.0 {
        pooled.scale(1.0 / weight);
    } else {
        pooled = mix::Mix::default();
    }
    CommodityTotal {
        commodity: commodity.to_string(),
        demand: tonnes(demand),
        delivered: tonnes(delivered),
        unmet: tonnes(unmet),
        hhi_mining: hhi(&pooled.mining),
        hhi_refining: hhi(&pooled.refining),
        mining_shares: named_shares(model, &pooled.mining),
        refining_shares: named_shares(model, &pooled.refining),
    }
}

fn flows(model: &Model, usage: &Usage) -> Vec<FlowReport> {
    usage
        .route
        .iter()
        .map(|(&id, &x)| {
            let r = model.route(id);
            FlowReport {
                from: model.node(r.from).id.clone(),
                to: model.node(r.to).id.clone(),
                commodity: model.commodity(r.commodity).id.clone(),
                line: r.at.line,
                amount: tonnes(x),
            }
        })
        .collect()
}

fn policies(model: &Model, s: &Solved<'_>) -> Vec<PolicyReport> {
    let k = &model.commodity(s.program.commodity).id;
    let mut into: BTreeMap<usize, Vec<(crate::network::Label, f64)>> = BTreeMap::new();
    for (f, &x) in s.program.flows.iter().zip(&s.solution.flows) {
        into.entry(model.route(f.route).to.index())
            .or_default()
            .push((f.label, x));
    }
    s.program
        .policies
        .iter()
        .zip(&s.program.policy_rows)
        .map(|(inst, row)| {
            let (mut delivered, mut limited) = (0.0, 0.0);
            for c in &inst.consumers {
                for &(label, x) in into.get(&c.index()).map(Vec::as_slice).unwrap_or(&[]) {
                    delivered += x;
                    if inst.limits(label) {
                        limited += x;
                    }
                }
            }
            let slack = match inst.kind {
                PolicyKind::MaxShare => inst.share * delivered - limited,
                PolicyKind::MinShare => limited - inst.share * delivered,
            };
            let dual = row
                .and_then(|i| s.solution.duals.get(i).copied())
                .unwrap_or(0.0);
            PolicyReport {
                policy: model.policy(inst.policy).name.clone(),
                kind: inst.kind,
                commodity: k.clone(),
                stage: inst.stage,
                scope: inst.scope_label.clone(),
                scope_consumers: {
                    let mut ids: Vec<String> = inst
                        .consumers
                        .iter()
                        .map(|&c| model.node(c).id.clone())
                        .collect();
                    ids.sort();
                    ids
                },
                from: inst.from_label.clone(),
                limit: inst.share,
                actual: if tonnes(delivered) > 0.0 {
                    share((limited / delivered).clamp(0.0, 1.0))
                } else {
                    0.0
                },
                delivered: tonnes(delivered),
                binding: row.is_some() && binds(slack, delivered),
                shadow_price: price(dual * delivered / 100.0),
            }
        })
        .collect()
}

/// Every finite capacity of the commodity, used or not, with the dual of its row
/// (0 where no flow can reach it, so the program has no row for it).
fn capacities(model: &Model, s: &Solved<'_>, usage: &Usage) -> Vec<CapacityReport> {
    let k = s.program.commodity;
    let (mut supply_dual, mut refining_dual, mut route_dual) =
        (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    for (tag, &d) in s.program.tags.iter().zip(&s.solution.duals) {
        match *tag {
            RowTag::SupplyCapacity(row) => supply_dual.insert(row, d),
            RowTag::RefiningCapacity(row) => refining_dual.insert(row, d),
            RowTag::RouteCapacity(id) => route_dual.insert(id, d),
            _ => None,
        };
    }
    fn get<K: Ord>(m: &BTreeMap<K, f64>, row: K) -> f64 {
        m.get(&row).copied().unwrap_or(0.0)
    }
    // (kind, node, route, row reference, capacity, used, dual) of every row of commodity k.
    type Cap<'m> = (
        CapacityKind,
        Option<String>,
        Option<String>,
        &'m RowRef,
        Option<f64>,
        f64,
        f64,
    );
    let supply = model
        .supply
        .iter()
        .enumerate()
        .filter(|(_, r)| r.commodity == k)
        .map(|(row, r)| -> Cap<'_> {
            let node = Some(model.node(r.node).id.clone());
            (
                CapacityKind::Supply,
                node,
                None,
                &r.at,
                r.capacity,
                get(&usage.supplied, SupplyId::from_index(row)),
                get(&supply_dual, SupplyId::from_index(row)),
            )
        });
    let refining = model
        .refining
        .iter()
        .enumerate()
        .filter(|(_, r)| r.commodity == k)
        .map(|(row, r)| -> Cap<'_> {
            let node = Some(model.node(r.node).id.clone());
            (
                CapacityKind::Refining,
                node,
                None,
                &r.at,
                r.capacity,
                get(&usage.refined_input, RefiningId::from_index(row)),
                get(&refining_dual, RefiningId::from_index(row)),
            )
        });
    let routes = model
        .routes
        .iter()
        .enumerate()
        .filter(|(_, r)| r.commodity == k)
        .map(|(i, r)| -> Cap<'_> {
            let id = RouteId::from_index(i);
            let used = usage.route.get(&id).copied().unwrap_or(0.0);
            let dual = route_dual.get(&id).copied().unwrap_or(0.0);
            (
                CapacityKind::Route,
                None,
                Some(model.route_label(id)),
                &r.at,
                r.capacity,
                used,
                dual,
            )
        });
    supply
        .chain(refining)
        .chain(routes)
        .filter_map(|(kind, node, route, at, capacity, used, dual)| {
            let capacity = capacity?; // unlimited: nothing to report
            Some(CapacityReport {
                kind,
                node,
                route,
                commodity: model.commodity(k).id.clone(),
                line: at.line,
                capacity,
                used: tonnes(used),
                binding: binds(capacity - used, capacity),
                shadow_price: price(dual),
            })
        })
        .collect()
}

/// Rounds to a multiple of `step`, leaving no -0.
pub fn round_to(x: f64, step: f64) -> f64 {
    let r = (x / step).round() * step;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// Tonnes are reported to 1e-6.
pub fn tonnes(x: f64) -> f64 {
    round_to(x, 1e-6)
}

/// Money is reported to 1e-6, or to 14 significant digits when that is
/// coarser: the last digits of a total of 1e11 are float noise (two solver
/// methods differ there), which would make equal answers print differently.
pub fn money(x: f64) -> f64 {
    significant(x, 14)
}

/// Rounds to `digits` significant digits, or to 1e-6 when that is coarser.
fn significant(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return round_to(x, 1e-6);
    }
    let step = 10f64.powi(x.abs().log10().floor() as i32 + 1 - digits);
    round_to(x, step.max(1e-6))
}

/// Prices (marginal costs, shadow prices) are reported to 10 significant
/// digits, never finer than 1e-6: they are read from a re-solve and carry
/// more float noise than totals (about 1e-13 relative between methods).
pub fn price(x: f64) -> f64 {
    significant(x, 10)
}

/// Shares are reported to 1e-9.
pub fn share(x: f64) -> f64 {
    round_to(x, 1e-9)
}
