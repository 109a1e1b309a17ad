//! Report: turn the solved programs into the numbers a strategist reads
//! (section 5 of the contract), then render them as a table, JSON or files.

pub mod files;
pub mod mix;
pub mod table;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diagnostics::RowRef;
use crate::id::{DemandId, RefiningId, RouteId, SupplyId};
use crate::model::{Model, PolicyKind};
use crate::network::{CommodityNetwork, Role};
use crate::program::{CommodityProgram, RowTag};
use crate::solve::LpSolution;

/// A row is binding when its slack is at most this times max(1, scale).
pub const BINDING_TOLERANCE: f64 = 1e-6;

/// One commodity's network, program and solution, as the report needs them.
pub struct Solved<'a> {
    pub network: &'a CommodityNetwork,
    pub program: &'a CommodityProgram,
    pub solution: &'a LpSolution,
}

/// Everything a solve reports. Serialized as the JSON document.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    pub status: String,
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
    pub kind: String,
    pub commodity: String,
    pub stage: String,
    pub scope: String,
    pub from: String,
    pub limit: f64,
    pub actual: f64,
    pub delivered: f64,
    pub binding: bool,
    /// d(total cost)/d(share) / 100: per percentage point of the limit.
    pub shadow_price: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CapacityReport {
    /// supply, refining or route.
    pub kind: String,
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
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct LpSize {
    pub variables: usize,
    pub constraints: usize,
}

/// Builds the report of a solved model.
pub fn build(model: &Model, solved: &[Solved<'_>]) -> Report {
    let mut r = Report {
        status: "optimal".into(),
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
    };
    for s in solved {
        let usage = Usage::of(model, s);
        add_costs(model, s, &usage, &mut r.cost);
        let consumers = consumers(model, s);
        r.totals
            .push(total(&model.commodity(s.program.commodity).id, &consumers));
        r.consumers.extend(consumers);
        r.flows.extend(flows(model, &usage));
        r.policies.extend(policies(model, s));
        r.capacities.extend(capacities(model, s, &usage));
        r.lp.variables += s.program.variables();
        r.lp.constraints += s.program.rows;
    }
    r.cost = CostParts {
        supply: money(r.cost.supply),
        refining: money(r.cost.refining),
        transport: money(r.cost.transport),
        shortfall: money(r.cost.shortfall),
    };
    r.total_cost = money(r.cost.total());
    r.consumers
        .sort_by(|a, b| (&a.node, &a.commodity).cmp(&(&b.node, &b.commodity)));
    r
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

fn consumers(model: &Model, s: &Solved<'_>) -> Vec<ConsumerReport> {
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
            let m = mixes.get(&d.node).cloned().unwrap_or_default();
            let named = |shares: &mix::Shares| -> BTreeMap<String, f64> {
                shares
                    .iter()
                    .filter(|(_, v)| **v > 1e-12)
                    .map(|(c, v)| (model.country(*c).code.clone(), share(*v)))
                    .collect()
            };
            ConsumerReport {
                node: model.node(d.node).id.clone(),
                commodity: k.clone(),
                demand: d.demand,
                delivered: tonnes(d.demand - unmet),
                unmet: tonnes(unmet),
                marginal_cost: money(duals.get(&row).copied().unwrap_or(0.0)),
                hhi_mining: round_to(mix::hhi(&m.mining), 1e-6),
                hhi_refining: round_to(mix::hhi(&m.refining), 1e-6),
                mining_shares: named(&m.mining),
                refining_shares: named(&m.refining),
            }
        })
        .collect()
}

/// A commodity's consumers added up: shares weighted by what each received.
fn total(commodity: &str, consumers: &[ConsumerReport]) -> CommodityTotal {
    let mut t = CommodityTotal {
        commodity: commodity.to_string(),
        demand: 0.0,
        delivered: 0.0,
        unmet: 0.0,
        mining_shares: BTreeMap::new(),
        refining_shares: BTreeMap::new(),
        hhi_mining: 0.0,
        hhi_refining: 0.0,
    };
    for c in consumers {
        t.demand += c.demand;
        t.delivered += c.delivered;
        t.unmet += c.unmet;
        for (country, x) in &c.mining_shares {
            *t.mining_shares.entry(country.clone()).or_default() += x * c.delivered;
        }
        for (country, x) in &c.refining_shares {
            *t.refining_shares.entry(country.clone()).or_default() += x * c.delivered;
        }
    }
    for shares in [&mut t.mining_shares, &mut t.refining_shares] {
        shares
            .values_mut()
            .for_each(|x| *x = share(*x / t.delivered));
    }
    let hhi = |shares: &BTreeMap<String, f64>| {
        round_to(shares.values().map(|s| (100.0 * s).powi(2)).sum(), 1e-6)
    };
    t.hhi_mining = hhi(&t.mining_shares);
    t.hhi_refining = hhi(&t.refining_shares);
    t.demand = tonnes(t.demand);
    t.delivered = tonnes(t.delivered);
    t.unmet = tonnes(t.unmet);
    t
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
                    if label
                        .country_at(inst.stage)
                        .is_some_and(|x| inst.countries.contains(&x))
                    {
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
                kind: inst.kind.as_str().into(),
                commodity: k.clone(),
                stage: inst.stage.as_str().into(),
                scope: inst.scope_label.clone(),
                from: inst.from_label.clone(),
                limit: inst.share,
                actual: if delivered > 0.0 {
                    share(limited / delivered)
                } else {
                    0.0
                },
                delivered: tonnes(delivered),
                binding: row.is_some() && slack <= BINDING_TOLERANCE * delivered.max(1.0),
                shadow_price: money(dual * delivered / 100.0),
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
        &'static str,
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
                "supply",
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
                "refining",
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
                "route",
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
                kind: kind.into(),
                node,
                route,
                commodity: model.commodity(k).id.clone(),
                line: at.line,
                capacity,
                used: tonnes(used),
                binding: capacity - used <= BINDING_TOLERANCE * capacity.max(1.0),
                shadow_price: money(dual),
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

/// Tonnes and money are reported to 1e-6.
pub fn tonnes(x: f64) -> f64 {
    round_to(x, 1e-6)
}

pub fn money(x: f64) -> f64 {
    round_to(x, 1e-6)
}

/// Shares are reported to 1e-9.
pub fn share(x: f64) -> f64 {
    round_to(x, 1e-9)
}
