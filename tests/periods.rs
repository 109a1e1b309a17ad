//! Multi-period models (contract section 10) whose optimum was derived by
//! hand: each `tests/models/periods-*` folder's expected.toml shows the
//! derivation, and so does the worked example `models/examples/periods`.
//! Every solve is also checked against the invariants of a horizon,
//! recomputed from the report's parts and the model alone: per period
//! delivered + unmet = demand, capacity used <= existing + added capacity
//! available in that period, the cost is the sum of its parts (discounted
//! operating by period, investment by option), budgets and `max_added` hold.
//! Property tests run the same invariants on generated multi-period models,
//! and check that a model of one period gives the answer of its twin without
//! `[periods]` to 1e-9.
//!
//! expected.toml of a `periods-*` folder:
//!
//! ```toml
//! total_cost = 51000.0          # to 1e-6 relative, as are all numbers below
//! operating_cost = 39000.0
//! investment_cost = 12000.0
//! [[period]]                    # every period, in order
//! year = 2030
//! span = 6
//! weight = 6.0
//! discounted_cost = 26400.0     # W_p x the annual operating cost
//! investment_cost = 6000.0      # investment charged to the period
//! cost = { supply = 1200.0, refining = 0.0, transport = 0.0, shortfall = 3200.0 }  # annual
//! absent_policies = ["cap"]     # optional: policies with no row in this period
//! [[period.consumer]]           # optional, as in tests/hand_checked.rs
//! [[period.policy]]             # optional, as in tests/hand_checked.rs
//! [[period.capacity]]           # optional: supply or refining capacity by node
//! [[investment]]                # the whole plan: nothing else may be added
//! node = "AUS-mine"
//! commodity = "li"
//! year = 2030
//! added = 20.0
//! cost = 12000.0                # present value over the periods it is available
//! [[max_added]]                 # optional: a finite max_added of expansion.csv
//! [[budget]]                    # optional: a reserve or stock budget
//! ```

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde::Deserialize;
use sourcemix::model::{BudgetKind, Horizon, Model, NodeKind, PolicyKind};
use sourcemix::pipeline::{self, Request, Run};
use sourcemix::report::horizon::HorizonReport;
use sourcemix::report::Report;

#[path = "support/expected_report.rs"]
mod expected_report;

use expected_report::{
    assert_close, check_cost, check_report, Cost, ExpectedCapacity, ExpectedConsumer,
    ExpectedPolicy, TOL,
};

/// The report rounds tonnes to 1e-6 (`report::tonnes`): a quantity summed
/// again from reported flows may be off by a few of those, times the span
/// for a budget. Allowed on top of `TOL` where a test re-adds flows.
const ROUNDING: f64 = 1e-5;

/// `a` and `b` agree to `TOL`, or to the rounding of reported flows summed
/// `times` over.
fn near(a: f64, b: f64, times: f64) -> bool {
    common::close(a, b, TOL) || (a - b).abs() <= ROUNDING * times.max(1.0)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    total_cost: f64,
    operating_cost: f64,
    investment_cost: f64,
    period: Vec<ExpectedPeriod>,
    #[serde(default)]
    investment: Vec<ExpectedInvestment>,
    #[serde(default)]
    max_added: Vec<ExpectedMaxAdded>,
    #[serde(default)]
    budget: Vec<ExpectedBudget>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedPeriod {
    year: i32,
    span: u32,
    weight: f64,
    discounted_cost: f64,
    investment_cost: f64,
    cost: Cost,
    #[serde(default)]
    absent_policies: Vec<String>,
    #[serde(default)]
    consumer: Vec<ExpectedConsumer>,
    #[serde(default)]
    policy: Vec<ExpectedPolicy>,
    #[serde(default)]
    capacity: Vec<ExpectedCapacity>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedInvestment {
    node: String,
    commodity: String,
    year: i32,
    added: f64,
    cost: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedMaxAdded {
    node: String,
    commodity: String,
    max_added: f64,
    added: f64,
    binding: Option<bool>,
    shadow_price: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedBudget {
    kind: BudgetKind,
    node: String,
    commodity: String,
    amount: f64,
    used: f64,
    used_by_period: Option<Vec<f64>>,
    binding: Option<bool>,
    shadow_price: Option<f64>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Solves a multi-period model folder: its run and its horizon report.
fn solve(dir: &Path) -> (Run, HorizonReport) {
    let name = dir.display().to_string();
    let mut run = pipeline::run(&Request::folder(dir)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let horizon = run
        .horizon
        .take()
        .unwrap_or_else(|| panic!("{name}: a model with [periods] has no horizon report"));
    (run, horizon)
}

fn horizon_of<'a>(name: &str, model: &'a Model) -> &'a Horizon {
    model
        .horizon
        .as_deref()
        .unwrap_or_else(|| panic!("{name}: the loaded model has no horizon"))
}

/// Solves the model in `dir`, checks the invariants and its expected.toml.
fn check(dir: &Path) {
    let name = dir.display().to_string();
    let text = std::fs::read_to_string(dir.join("expected.toml")).expect("expected.toml");
    let expected: Expected =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{name}/expected.toml: {e}"));
    let (run, h) = solve(dir);
    check_horizon(&name, &run.loaded.model, &h);

    assert_close(
        &format!("{name} total cost"),
        h.total_cost,
        expected.total_cost,
    );
    assert_close(
        &format!("{name} operating cost"),
        h.operating_cost,
        expected.operating_cost,
    );
    assert_close(
        &format!("{name} investment cost"),
        h.investment_cost,
        expected.investment_cost,
    );
    let years: Vec<i32> = h.periods.iter().map(|p| p.year).collect();
    let want: Vec<i32> = expected.period.iter().map(|p| p.year).collect();
    assert_eq!(years, want, "{name}: periods");
    for (p, e) in h.periods.iter().zip(&expected.period) {
        let name = format!("{name} {}", e.year);
        assert_eq!(p.span, e.span, "{name}: span");
        assert_close(&format!("{name} weight"), p.weight, e.weight);
        assert_close(
            &format!("{name} discounted cost"),
            p.discounted_cost,
            e.discounted_cost,
        );
        assert_close(
            &format!("{name} investment cost"),
            p.investment_cost,
            e.investment_cost,
        );
        check_cost(&format!("{name} annual"), &p.cost, &e.cost);
        check_period(&name, &p.report, e);
    }
    check_plan(&name, &h, &expected);
}

/// One period's report against its expected consumers, policies and capacities.
fn check_period(name: &str, report: &Report, e: &ExpectedPeriod) {
    for policy in &e.absent_policies {
        assert!(
            report.policies.iter().all(|p| &p.policy != policy),
            "{name}: policy {policy} has rows in a period it does not apply in"
        );
    }
    check_report(name, report, &e.consumer, &e.policy, &e.capacity);
}

/// The investment plan, the `max_added` limits and the budgets.
fn check_plan(name: &str, h: &HorizonReport, expected: &Expected) {
    let plan: BTreeMap<(String, String, i32), (f64, f64)> = h
        .investment
        .iter()
        .filter(|i| i.added > TOL)
        .map(|i| {
            (
                (i.node.clone(), i.commodity.clone(), i.year),
                (i.added, i.cost),
            )
        })
        .collect();
    for e in &expected.investment {
        let what = format!("{name} investment {} {} {}", e.node, e.commodity, e.year);
        let &(added, cost) = plan
            .get(&(e.node.clone(), e.commodity.clone(), e.year))
            .unwrap_or_else(|| panic!("{what}: not in the plan {:#?}", h.investment));
        assert_close(&format!("{what} added"), added, e.added);
        if let Some(x) = e.cost {
            assert_close(&format!("{what} cost"), cost, x);
        }
    }
    for ((node, commodity, year), (added, _)) in &plan {
        assert!(
            expected
                .investment
                .iter()
                .any(|e| &e.node == node && &e.commodity == commodity && e.year == *year),
            "{name}: unexpected investment of {added} t/yr at {node} {commodity} in {year}"
        );
    }
    for e in &expected.max_added {
        let what = format!("{name} max_added {} {}", e.node, e.commodity);
        let got = h
            .max_added
            .iter()
            .find(|m| m.node == e.node && m.commodity == e.commodity)
            .unwrap_or_else(|| panic!("{what}: not in the report {:#?}", h.max_added));
        assert_close(&format!("{what} limit"), got.max_added, e.max_added);
        assert_close(&format!("{what} added"), got.added, e.added);
        if let Some(b) = e.binding {
            assert_eq!(got.binding, b, "{what}: binding");
        }
        if let Some(x) = e.shadow_price {
            assert_close(&format!("{what} shadow price"), got.shadow_price, x);
        }
    }
    for e in &expected.budget {
        let what = format!("{name} {:?} {} {}", e.kind, e.node, e.commodity);
        let got = h
            .budgets
            .iter()
            .find(|b| b.kind == e.kind && b.node == e.node && b.commodity == e.commodity)
            .unwrap_or_else(|| panic!("{what}: not in the report {:#?}", h.budgets));
        assert_close(&format!("{what} amount"), got.amount, e.amount);
        assert_close(&format!("{what} used"), got.used, e.used);
        if let Some(by) = &e.used_by_period {
            assert_eq!(got.used_by_period.len(), by.len(), "{what}: periods");
            for (p, (g, w)) in got.used_by_period.iter().zip(by).enumerate() {
                assert_close(&format!("{what} used in period {p}"), *g, *w);
            }
        }
        if let Some(b) = e.binding {
            assert_eq!(got.binding, b, "{what}: binding");
        }
        if let Some(x) = e.shadow_price {
            assert_close(&format!("{what} shadow price"), got.shadow_price, x);
        }
    }
}

/// Annual outflow and inflow per (node, commodity) of one period's flows.
type NodeFlows<'a> = BTreeMap<(&'a str, &'a str), f64>;

fn node_flows(report: &Report) -> (NodeFlows<'_>, NodeFlows<'_>) {
    let (mut out, mut inn) = (NodeFlows::new(), NodeFlows::new());
    for f in &report.flows {
        *out.entry((f.from.as_str(), f.commodity.as_str()))
            .or_default() += f.amount;
        *inn.entry((f.to.as_str(), f.commodity.as_str()))
            .or_default() += f.amount;
    }
    (out, inn)
}

/// r / (1 - (1 + r)^-L), 1 / L at r = 0: written here again, not taken
/// from the library, so that the investment cost is priced independently.
fn annuity(r: f64, lifetime: f64) -> f64 {
    if r == 0.0 {
        1.0 / lifetime
    } else {
        r / (1.0 - (1.0 + r).powf(-lifetime))
    }
}

/// Every invariant of a multi-period solve, recomputed from the model and
/// the report's parts.
fn check_horizon(name: &str, model: &Model, h: &HorizonReport) {
    let horizon = horizon_of(name, model);
    let r = horizon.discount_rate;
    assert_eq!(h.periods.len(), horizon.periods.len(), "{name}: periods");
    assert_eq!(
        h.periods.len(),
        horizon.models.len(),
        "{name}: period models"
    );

    // The headline is the sum of its parts.
    let close = |a: f64, b: f64| common::close(a, b, TOL);
    assert!(
        close(h.total_cost, h.operating_cost + h.investment_cost),
        "{name}: total {} != operating {} + investment {}",
        h.total_cost,
        h.operating_cost,
        h.investment_cost
    );
    let discounted: f64 = h.periods.iter().map(|p| p.discounted_cost).sum();
    let charged: f64 = h.periods.iter().map(|p| p.investment_cost).sum();
    let by_option: f64 = h.investment.iter().map(|i| i.cost).sum();
    assert!(
        close(h.operating_cost, discounted),
        "{name}: operating {} != sum of discounted period costs {discounted}",
        h.operating_cost
    );
    assert!(
        close(h.investment_cost, charged),
        "{name}: investment {} != sum charged to the periods {charged}",
        h.investment_cost
    );
    assert!(
        close(h.investment_cost, by_option),
        "{name}: investment {} != sum over the plan {by_option}",
        h.investment_cost
    );
    assert!(
        close(h.total_cost, discounted + charged),
        "{name}: total {} != sum of the periods' discounted and investment costs {}",
        h.total_cost,
        discounted + charged
    );

    // Spans and weights, from the years.
    let first = h.periods[0].year;
    for (i, p) in h.periods.iter().enumerate() {
        if let Some(next) = h.periods.get(i + 1) {
            assert_eq!(
                p.span as i32,
                next.year - p.year,
                "{name}: span of {}",
                p.year
            );
        }
        let w: f64 = (0..p.span as i32)
            .map(|k| (1.0 + r).powi(-(p.year + k - first)))
            .sum();
        assert!(
            close(p.weight, w),
            "{name}: weight of {} is {}, expected {w}",
            p.year,
            p.weight
        );
        assert_eq!(p.year, horizon.periods[i].year, "{name}: period {i}");
    }

    // The investment plan: each entry priced from its expansion row.
    let option_of = |line: usize| {
        horizon
            .expansions
            .iter()
            .find(|e| e.at.line == line)
            .unwrap_or_else(|| panic!("{name}: no expansion row at line {line}"))
    };
    let mut charged_by_period = vec![0.0; h.periods.len()];
    let mut allowance_by_period = vec![0.0; h.periods.len()];
    for inv in &h.investment {
        let what = format!("{name}: investment {inv:?}");
        let option = option_of(inv.line);
        assert_eq!(model.node(option.node).id, inv.node, "{what}: node");
        assert_eq!(
            model.commodity(option.commodity).id,
            inv.commodity,
            "{what}: commodity"
        );
        assert!(inv.added >= -TOL, "{what}: negative");
        assert!(
            inv.year >= option.first_year,
            "{what}: before first_year {}",
            option.first_year
        );
        let built = h
            .periods
            .iter()
            .position(|p| p.year == inv.year)
            .unwrap_or_else(|| panic!("{what}: not a period's year"));
        // `added` is reported rounded to 1e-6 t/yr: allow that much times
        // the price of a t/yr.
        let (mut cost, mut per_unit) = (0.0, 0.0);
        for (q, p) in h.periods.iter().enumerate().skip(built) {
            if f64::from(p.year) < f64::from(inv.year) + option.lifetime {
                let unit =
                    p.weight * (option.capex * annuity(r, option.lifetime) + option.fixed_cost);
                cost += inv.added * unit;
                per_unit += unit;
                charged_by_period[q] += inv.added * unit;
                allowance_by_period[q] += unit;
            }
        }
        assert!(
            near(inv.cost, cost, per_unit),
            "{what}: cost {}, priced from its row {cost}",
            inv.cost
        );
    }
    for ((p, c), allowance) in h
        .periods
        .iter()
        .zip(&charged_by_period)
        .zip(&allowance_by_period)
    {
        assert!(
            near(p.investment_cost, *c, *allowance),
            "{name}: {} investment cost {}, the plan charges {c}",
            p.year,
            p.investment_cost
        );
    }

    // max_added holds and is the sum of the plan at that option.
    for m in &h.max_added {
        let added: f64 = h
            .investment
            .iter()
            .filter(|i| i.line == m.line)
            .map(|i| i.added)
            .sum();
        assert!(
            near(m.added, added, h.periods.len() as f64),
            "{name}: {m:?} but the plan adds {added}"
        );
        assert!(
            m.added <= m.max_added + TOL * m.max_added.max(1.0),
            "{name}: {m:?}"
        );
        assert!(m.shadow_price <= TOL, "{name}: positive price {m:?}");
        if !m.binding {
            assert!(
                m.shadow_price.abs() <= TOL,
                "{name}: slack with a price {m:?}"
            );
        }
    }

    // Each period on its own.
    for (p, pm) in h.periods.iter().zip(&horizon.models) {
        let name = format!("{name} {}", p.year);
        check_period_invariants(&name, pm, &p.report);
        assert!(
            close(p.cost.total(), p.report.total_cost),
            "{name}: annual cost {} != its report's {}",
            p.cost.total(),
            p.report.total_cost
        );
        assert!(
            close(p.discounted_cost, p.weight * p.cost.total()),
            "{name}: discounted {} != W {} x annual {}",
            p.discounted_cost,
            p.weight,
            p.cost.total()
        );
        // Capacity used <= existing + added capacity available in the period.
        let (out, inn) = node_flows(&p.report);
        let added_here = |node: &str, commodity: &str| -> f64 {
            h.investment
                .iter()
                .filter(|i| i.node == node && i.commodity == commodity && i.year <= p.year)
                .filter(|i| f64::from(p.year) < f64::from(i.year) + option_of(i.line).lifetime)
                .map(|i| i.added)
                .sum()
        };
        let mut rows: Vec<(&str, &str, Option<f64>, f64)> = Vec::new();
        for s in &pm.supply {
            let (n, k) = (
                pm.node(s.node).id.as_str(),
                pm.commodity(s.commodity).id.as_str(),
            );
            rows.push((n, k, s.capacity, out.get(&(n, k)).copied().unwrap_or(0.0)));
        }
        for rf in &pm.refining {
            let (n, k) = (
                pm.node(rf.node).id.as_str(),
                pm.commodity(rf.commodity).id.as_str(),
            );
            rows.push((n, k, rf.capacity, inn.get(&(n, k)).copied().unwrap_or(0.0)));
        }
        for (n, k, capacity, used) in rows {
            if let Some(existing) = capacity {
                let limit = existing + added_here(n, k);
                assert!(
                    used <= limit + TOL * limit.max(1.0) + ROUNDING,
                    "{name}: {n} {k} uses {used} > existing {existing} + added {}",
                    limit - existing
                );
            }
        }
        // A node with no row in this period supplies or processes nothing.
        for node in &pm.nodes {
            for k in &pm.commodities {
                let key = (node.id.as_str(), k.id.as_str());
                let has_row =
                    pm.supply.iter().any(|s| {
                        pm.node(s.node).id == node.id && pm.commodity(s.commodity).id == k.id
                    }) || pm.refining.iter().any(|r| {
                        pm.node(r.node).id == node.id && pm.commodity(r.commodity).id == k.id
                    });
                let moved = match node.kind {
                    NodeKind::Refiner => inn.get(&key).copied().unwrap_or(0.0),
                    kind if kind.is_source() => out.get(&key).copied().unwrap_or(0.0),
                    _ => 0.0,
                };
                assert!(
                    has_row || moved <= TOL,
                    "{name}: {} {} has no row in this period but moves {moved}",
                    node.id,
                    k.id
                );
            }
        }
    }

    // Budgets hold, and their use is the spans x what the node supplied.
    assert_eq!(
        h.budgets.len(),
        horizon.budgets.len(),
        "{name}: every budget is reported"
    );
    for b in &h.budgets {
        let what = format!("{name}: budget {b:?}");
        assert_eq!(b.used_by_period.len(), h.periods.len(), "{what}: periods");
        let mut used = 0.0;
        for (p, reported) in h.periods.iter().zip(&b.used_by_period) {
            let (out, _) = node_flows(&p.report);
            let supplied = out
                .get(&(b.node.as_str(), b.commodity.as_str()))
                .copied()
                .unwrap_or(0.0);
            let u = f64::from(p.span) * supplied;
            assert!(
                near(*reported, u, f64::from(p.span)),
                "{what}: used in {} {reported}, span x supplied {u}",
                p.year
            );
            used += u;
        }
        let years: u32 = h.periods.iter().map(|p| p.span).sum();
        assert!(
            near(b.used, used, f64::from(years)),
            "{what}: used {} != {used}",
            b.used
        );
        assert!(
            b.used <= b.amount + TOL * b.amount.max(1.0),
            "{what}: used beyond the amount"
        );
        assert!(b.shadow_price <= TOL, "{what}: positive price");
        if !b.binding {
            assert!(b.shadow_price.abs() <= TOL, "{what}: slack with a price");
        }
    }
}

/// Section 5's invariants of one period's report, from the period's model.
fn check_period_invariants(name: &str, model: &Model, report: &Report) {
    let close = |a: f64, b: f64| common::close(a, b, TOL);
    let parts =
        report.cost.supply + report.cost.refining + report.cost.transport + report.cost.shortfall;
    assert!(
        close(report.total_cost, parts),
        "{name}: total {} != sum of parts {parts}",
        report.total_cost
    );
    let recomputed = common::recompute_cost(model, report);
    assert!(
        close(report.total_cost, recomputed),
        "{name}: annual cost {} != recomputed from the flows {recomputed}",
        report.total_cost
    );
    let (out, inn) = node_flows(report);
    for f in &report.flows {
        assert!(f.amount >= -1e-9, "{name}: negative flow {f:?}");
    }
    for c in &report.consumers {
        assert!(
            close(c.delivered + c.unmet, c.demand),
            "{name}: {} {} delivered {} + unmet {} != demand {}",
            c.node,
            c.commodity,
            c.delivered,
            c.unmet,
            c.demand
        );
        assert!(c.unmet >= -1e-9, "{name}: negative unmet {c:?}");
        let i = inn
            .get(&(c.node.as_str(), c.commodity.as_str()))
            .copied()
            .unwrap_or(0.0);
        assert!(
            near(i, c.delivered, 1.0),
            "{name}: {} {} inflow {i} != delivered {}",
            c.node,
            c.commodity,
            c.delivered
        );
    }
    // Every demand row of the period is reported.
    for d in &model.demand {
        let (n, k) = (
            model.node(d.node).id.as_str(),
            model.commodity(d.commodity).id.as_str(),
        );
        let c = report
            .consumers
            .iter()
            .find(|c| c.node == n && c.commodity == k)
            .unwrap_or_else(|| panic!("{name}: demand {n} {k} not reported"));
        assert!(close(c.demand, d.demand), "{name}: {n} {k} demand");
    }
    // Hubs pass everything on; refiners put out yield x input.
    for r in &model.refining {
        let key = (
            model.node(r.node).id.as_str(),
            model.commodity(r.commodity).id.as_str(),
        );
        let (i, o) = (
            inn.get(&key).copied().unwrap_or(0.0),
            out.get(&key).copied().unwrap_or(0.0),
        );
        assert!(
            close(o, r.yield_ * i),
            "{name}: refiner {key:?} out {o} in {i}"
        );
    }
    for n in model.nodes.iter().filter(|n| n.kind == NodeKind::Hub) {
        for k in &model.commodities {
            let key = (n.id.as_str(), k.id.as_str());
            let (i, o) = (
                inn.get(&key).copied().unwrap_or(0.0),
                out.get(&key).copied().unwrap_or(0.0),
            );
            assert!(close(i, o), "{name}: hub {key:?} in {i} out {o}");
        }
    }
    // Policies in force hold.
    for p in &report.policies {
        let ok = match p.kind {
            PolicyKind::MaxShare => p.actual <= p.limit + TOL,
            PolicyKind::MinShare => p.delivered <= 1e-9 || p.actual >= p.limit - TOL,
        };
        assert!(ok, "{name}: policy row violated: {p:?}");
    }
    // Routes within their capacity.
    for f in &report.flows {
        let route = model
            .routes
            .iter()
            .find(|r| {
                r.at.line == f.line
                    && model.commodity(r.commodity).id == f.commodity
                    && model.node(r.from).id == f.from
                    && model.node(r.to).id == f.to
            })
            .unwrap_or_else(|| panic!("{name}: flow {f:?} is not a route of the period"));
        if let Some(cap) = route.capacity {
            assert!(
                f.amount <= cap + TOL * cap.max(1.0),
                "{name}: route {f:?} over {cap}"
            );
        }
    }
}

macro_rules! periods_checked {
    ($($test:ident => $dir:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                check(&root().join($dir));
            }
        )*
    };
}

periods_checked! {
    investing_pays_for_the_lasting_part_of_a_demand_step => "tests/models/periods-demand-step",
    a_lead_time_leaves_demand_unmet_before_first_year => "tests/models/periods-lead-time",
    capacity_past_its_lifetime_is_neither_used_nor_paid_for => "tests/models/periods-lifetime",
    a_reserve_runs_out_and_a_dearer_mine_takes_over => "tests/models/periods-reserve",
    the_plan_priced_without_discounting => "tests/models/periods-discount-0",
    the_same_plan_priced_at_ten_percent => "tests/models/periods-discount-10",
    a_binding_max_added_has_a_price => "tests/models/periods-max-added",
    a_policy_from_2030_changes_the_mix_and_the_build => "tests/models/periods-from-year",
    a_stock_is_a_budget_over_the_horizon => "tests/models/periods-stock",
    one_period_is_the_model_of_one_year => "tests/models/periods-one-year",
    the_worked_example => "models/examples/periods",
}

/// Every `periods-*` folder with an expected.toml is covered, including
/// ones added later (`periods-batch` and `periods-cli` are fixtures of
/// other tests, without one).
#[test]
fn every_periods_folder_passes() {
    let dir = root().join("tests/models");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/models")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("periods-"))
                && p.join("expected.toml").exists()
        })
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 10, "only {} periods-* folders", dirs.len());
    for d in dirs {
        check(&d);
    }
}

/// The discounted twin prices the same plan: same flows, same added
/// capacity; only the weights and the annuity differ.
#[test]
fn discounting_changes_the_price_not_the_plan() {
    let (_, plain) = solve(&root().join("tests/models/periods-discount-0"));
    let (_, discounted) = solve(&root().join("tests/models/periods-discount-10"));
    let plan = |h: &HorizonReport| -> Vec<(String, i32, f64)> {
        h.investment
            .iter()
            .filter(|i| i.added > TOL)
            .map(|i| (i.node.clone(), i.year, i.added))
            .collect()
    };
    let (a, b) = (plan(&plain), plan(&discounted));
    assert_eq!(a.len(), b.len(), "plans {a:?} vs {b:?}");
    for (x, y) in a.iter().zip(&b) {
        assert!(
            x.0 == y.0 && x.1 == y.1 && common::close(x.2, y.2, TOL),
            "{x:?} vs {y:?}"
        );
    }
    for (p, q) in plain.periods.iter().zip(&discounted.periods) {
        assert_same_flows(&format!("{}", p.year), &p.report, &q.report, TOL);
        // The annual cost of the period is the same; its weight is not.
        assert!(common::close(p.cost.total(), q.cost.total(), TOL));
    }
    assert!(discounted.total_cost < plain.total_cost);
}

/// Flows and consumers of two reports agree to `tol` (relative to max(1, x)).
fn assert_same_flows(name: &str, a: &Report, b: &Report, tol: f64) {
    let flows = |r: &Report| -> BTreeMap<(String, String, String, usize), f64> {
        let mut m = BTreeMap::new();
        for f in &r.flows {
            *m.entry((f.from.clone(), f.to.clone(), f.commodity.clone(), f.line))
                .or_default() += f.amount;
        }
        m
    };
    let (fa, fb) = (flows(a), flows(b));
    for key in fa.keys().chain(fb.keys()) {
        let (x, y) = (
            fa.get(key).copied().unwrap_or(0.0),
            fb.get(key).copied().unwrap_or(0.0),
        );
        assert!(common::close(x, y, tol), "{name}: flow {key:?} {x} vs {y}");
    }
    assert_eq!(a.consumers.len(), b.consumers.len(), "{name}: consumers");
    for (x, y) in a.consumers.iter().zip(&b.consumers) {
        assert_eq!((&x.node, &x.commodity), (&y.node, &y.commodity), "{name}");
        assert!(
            common::close(x.delivered, y.delivered, tol) && common::close(x.unmet, y.unmet, tol),
            "{name}: {} {} delivered {} / {}, unmet {} / {}",
            x.node,
            x.commodity,
            x.delivered,
            y.delivered,
            x.unmet,
            y.unmet
        );
    }
}

/// A copy of the model folder `dir` in a temporary folder, without its
/// `[periods]` table (the lines from `[periods]` to the next table).
fn without_periods(dir: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(dir).expect("model folder") {
        let path = entry.expect("entry").path();
        let file = path.file_name().expect("a file name").to_owned();
        if file == "expected.toml" {
            continue;
        }
        std::fs::copy(&path, tmp.path().join(&file)).expect("copy");
    }
    let text = std::fs::read_to_string(dir.join("model.toml")).expect("model.toml");
    std::fs::write(tmp.path().join("model.toml"), strip_periods(&text)).expect("write");
    tmp
}

fn strip_periods(text: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        let t = line.trim();
        if t == "[periods]" {
            skipping = true;
            continue;
        }
        if skipping && t.starts_with('[') {
            skipping = false;
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The one-period model and the same model without `[periods]`: the same
/// total cost and flows to 1e-9.
fn assert_one_period_is_its_twin(name: &str, dir: &Path) {
    let (_, h) = solve(dir);
    let twin_dir = without_periods(dir);
    let twin = pipeline::run(&Request::folder(twin_dir.path()))
        .unwrap_or_else(|e| panic!("{name} without [periods]: {e}"));
    assert!(twin.horizon.is_none(), "{name}: the twin has no [periods]");
    assert_eq!(h.periods.len(), 1, "{name}: one period");
    assert!(
        common::close(h.total_cost, twin.report.total_cost, 1e-9),
        "{name}: total {} vs {} without [periods]",
        h.total_cost,
        twin.report.total_cost
    );
    assert!(
        h.investment_cost.abs() <= 1e-9,
        "{name}: investment {}",
        h.investment_cost
    );
    let p = &h.periods[0];
    assert!(
        common::close(p.weight, 1.0, 1e-12),
        "{name}: W = {}",
        p.weight
    );
    assert!(
        common::close(p.report.total_cost, twin.report.total_cost, 1e-9),
        "{name}: period cost {} vs {}",
        p.report.total_cost,
        twin.report.total_cost
    );
    assert_same_flows(name, &p.report, &twin.report, 1e-9);
}

#[test]
fn one_period_equals_the_model_without_periods() {
    let dir = root().join("tests/models/periods-one-year");
    assert_one_period_is_its_twin("periods-one-year", &dir);
}

// ---------------------------------------------------------------------------
// Generated multi-period models.

/// splitmix64: a small deterministic generator, so that a failing seed
/// reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// An integer in lo..=hi.
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[(self.next() % xs.len() as u64) as usize]
    }
}

/// What the generator varies.
#[derive(Clone, Copy)]
struct Shape {
    /// Write `[periods]` (and everything only a multi-period model may have).
    periods: bool,
    /// 1 = exactly one period, with nothing that needs more than one.
    max_periods: i64,
}

/// A generated model's files, by name.
fn generate(seed: u64, shape: Shape) -> BTreeMap<&'static str, String> {
    let mut g = Rng(seed);
    let n_periods = g.int(1, shape.max_periods) as usize;
    let mut years = vec![2024i32];
    for _ in 1..n_periods {
        let last = *years.last().expect("a year");
        years.push(last + g.int(1, 6) as i32);
    }
    let multi = shape.periods && shape.max_periods > 1;
    let last_span = if multi { g.int(1, 6) } else { 1 };
    let rate = if multi {
        *g.pick(&[0.0, 0.0, 0.05, 0.1])
    } else {
        0.0
    };
    let penalty = g.int(40, 150);
    let countries = ["AUS", "CAN", "CHN", "JPN", "KOR"];
    let mine_countries = ["CHN", "AUS", "CAN"];
    let n_mines = g.int(1, 3) as usize;
    let consumers: Vec<(&str, &str)> = if g.chance(50) {
        vec![("JPN-use", "JPN"), ("KOR-use", "KOR")]
    } else {
        vec![("JPN-use", "JPN")]
    };
    let stockpile = g.chance(40);
    let recycler = multi && g.chance(40);

    let mut toml = format!(
        "name = \"gen-{seed}\"\ndescription = \"generated\"\ncurrency = \"USD\"\n\n[defaults]\nshortfall_penalty = {penalty}\n\n"
    );
    // Drawn whatever the shape, so that a model and its twin without
    // [periods] draw the same numbers for everything else.
    let default_lifetime = g.int(1, 30);
    if shape.periods {
        let years_list: Vec<String> = years.iter().map(|y| y.to_string()).collect();
        let _ = write!(
            toml,
            "[periods]\nyears = [{}]\nlast_span = {last_span}\ndiscount_rate = {rate:?}\ndefault_lifetime = {default_lifetime}\n\n",
            years_list.join(", ")
        );
    }
    toml.push_str("[[commodity]]\nid = \"li\"\nname = \"Lithium\"\nunit = \"t\"\n");
    if g.chance(50) {
        let share = *g.pick(&[0.5, 0.6, 0.7, 0.8]);
        let _ = write!(
            toml,
            "\n[[policy]]\nname = \"cap\"\ntype = \"max_share\"\nstage = \"mining\"\ncommodity = \"li\"\nscope = \"each\"\nfrom = \"each\"\nshare = {share}\n"
        );
        if multi && g.chance(50) {
            let _ = writeln!(toml, "from_year = {}", g.pick(&years));
        }
    }

    let mut countries_csv = String::from("code,name,groups,risk\n");
    for c in countries {
        let _ = writeln!(countries_csv, "{c},{c},,");
    }
    let mut nodes = String::from("id,name,kind,country\n");
    let mut supply = if multi {
        String::from("node,commodity,capacity,cost,year,reserve,stock\n")
    } else {
        String::from("node,commodity,capacity,cost\n")
    };
    let mut routes = String::from("from,to,commodity,cost,capacity\n");
    let mut expansion =
        String::from("node,commodity,max_added,capex,fixed_cost,first_year,lifetime\n");
    let mut expansions = 0;
    let mut expansion_row = |g: &mut Rng, node: &str| {
        let max_added = if g.chance(50) {
            g.int(5, 80).to_string()
        } else {
            String::new()
        };
        let fixed = if g.chance(50) {
            g.int(0, 10).to_string()
        } else {
            String::new()
        };
        let first = if g.chance(40) {
            g.pick(&years).to_string()
        } else {
            String::new()
        };
        let lifetime = if g.chance(70) {
            g.int(1, 30).to_string()
        } else {
            String::new()
        };
        let _ = writeln!(
            expansion,
            "{node},li,{max_added},{},{fixed},{first},{lifetime}",
            g.int(1, 20) * 50
        );
        expansions += 1;
    };
    for (m, country) in mine_countries.iter().enumerate().take(n_mines) {
        let id = format!("M{m}");
        let _ = writeln!(nodes, "{id},mine {m},mine,{country}");
        let reserve = if multi && g.chance(30) {
            g.int(50, 1500).to_string()
        } else {
            String::new()
        };
        // Only a finite capacity is expanded (blank is unlimited already).
        let expandable = multi && g.chance(60);
        let capacity = |g: &mut Rng| {
            if !expandable && g.chance(15) {
                String::new()
            } else {
                (g.int(0, 15) * 10).to_string()
            }
        };
        if multi && g.chance(40) {
            // Rows per period; a period may be left out (the mine is absent
            // then), but not all of them.
            let mut written = 0;
            for (i, y) in years.iter().enumerate() {
                if g.chance(80) || (written == 0 && i + 1 == years.len()) {
                    let _ = writeln!(
                        supply,
                        "{id},li,{},{},{y},{reserve},",
                        capacity(&mut g),
                        g.int(5, 40)
                    );
                    written += 1;
                }
            }
        } else if multi {
            let _ = writeln!(
                supply,
                "{id},li,{},{},,{reserve},",
                capacity(&mut g),
                g.int(5, 40)
            );
        } else {
            let _ = writeln!(supply, "{id},li,{},{}", capacity(&mut g), g.int(5, 40));
        }
        let _ = writeln!(routes, "{id},JPN-ref,li,{},", g.int(0, 5));
        if expandable {
            expansion_row(&mut g, &id);
        }
    }
    if stockpile {
        let _ = writeln!(nodes, "JPN-stock,stockpile,stockpile,JPN");
        let capacity = g.int(0, 6) * 10;
        let cost = g.int(10, 60);
        if multi {
            let stock = if g.chance(70) {
                g.int(10, 400).to_string()
            } else {
                String::new()
            };
            let _ = writeln!(supply, "JPN-stock,li,{capacity},{cost},,,{stock}");
        } else {
            let _ = writeln!(supply, "JPN-stock,li,{capacity},{cost}");
        }
        for (c, _) in &consumers {
            let _ = writeln!(routes, "JPN-stock,{c},li,{},", g.int(0, 3));
        }
    }
    if recycler {
        let _ = writeln!(nodes, "JPN-rec,recycler,recycler,JPN");
        let _ = writeln!(supply, "JPN-rec,li,0,{},,,", g.int(10, 60));
        for (c, _) in &consumers {
            let _ = writeln!(routes, "JPN-rec,{c},li,{},", g.int(0, 3));
        }
        expansion_row(&mut g, "JPN-rec");
    }
    let _ = writeln!(nodes, "JPN-ref,refiner,refiner,JPN");
    let ref_capacity = if g.chance(50) {
        String::new()
    } else {
        (g.int(5, 30) * 10).to_string()
    };
    let ref_yield = *g.pick(&["", "", "0.9"]);
    let refining = format!(
        "node,commodity,capacity,cost,yield\nJPN-ref,li,{ref_capacity},{},{ref_yield}\n",
        g.int(0, 5)
    );
    if multi && !ref_capacity.is_empty() && g.chance(40) {
        expansion_row(&mut g, "JPN-ref");
    }
    let mut demand = if multi {
        String::from("node,commodity,demand,penalty,year\n")
    } else {
        String::from("node,commodity,demand,penalty\n")
    };
    for (c, country) in &consumers {
        let _ = writeln!(nodes, "{c},consumer,consumer,{country}");
        let route_capacity = if g.chance(25) {
            (g.int(2, 20) * 10).to_string()
        } else {
            String::new()
        };
        let _ = writeln!(routes, "JPN-ref,{c},li,{},{route_capacity}", g.int(0, 3));
        let own_penalty = if g.chance(30) {
            g.int(40, 150).to_string()
        } else {
            String::new()
        };
        if multi {
            let mut level = g.int(2, 15) * 10;
            for y in &years {
                let _ = writeln!(demand, "{c},li,{level},{own_penalty},{y}");
                level += g.int(-2, 6) * 10;
                level = level.max(0);
            }
        } else {
            let _ = writeln!(demand, "{c},li,{},{own_penalty}", g.int(2, 15) * 10);
        }
    }

    let mut files = BTreeMap::new();
    files.insert("model.toml", toml);
    files.insert("countries.csv", countries_csv);
    files.insert("nodes.csv", nodes);
    files.insert("supply.csv", supply);
    files.insert("refining.csv", refining);
    files.insert("demand.csv", demand);
    files.insert("routes.csv", routes);
    if expansions > 0 {
        files.insert("expansion.csv", expansion);
    }
    files
}

fn write_model(files: &BTreeMap<&'static str, String>) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        std::fs::write(tmp.path().join(name), text).expect("write");
    }
    tmp
}

fn show(files: &BTreeMap<&'static str, String>) -> String {
    files
        .iter()
        .map(|(n, t)| format!("--- {n}\n{t}"))
        .collect::<Vec<_>>()
        .join("")
}

const HORIZON: Shape = Shape {
    periods: true,
    max_periods: 4,
};

/// Solves generated model `seed` and checks every invariant of a horizon.
fn check_generated(seed: u64) -> HorizonReport {
    check_files(&format!("generated seed {seed}"), &generate(seed, HORIZON))
}

/// Solves the model of `files` and checks every invariant of a horizon.
fn check_files(name: &str, files: &BTreeMap<&'static str, String>) -> HorizonReport {
    let dir = write_model(files);
    let run = pipeline::run(&Request::folder(dir.path()))
        .unwrap_or_else(|e| panic!("{name}: {e}\n{}", show(files)));
    let h = run
        .horizon
        .clone()
        .unwrap_or_else(|| panic!("{name}: no horizon report"));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        check_horizon(name, &run.loaded.model, &h)
    }));
    if let Err(e) = result {
        eprintln!("{name}: the model was\n{}", show(files));
        std::panic::resume_unwind(e);
    }
    h
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn every_generated_horizon_satisfies_the_invariants(seed in any::<u64>()) {
        check_generated(seed);
    }

    #[test]
    fn investment_options_never_raise_the_cost(seed in any::<u64>()) {
        let files = generate(seed, HORIZON);
        prop_assume!(files.contains_key("expansion.csv"));
        let with = check_files(&format!("generated seed {seed}"), &files);
        let mut fewer = files.clone();
        fewer.remove("expansion.csv");
        let without = check_files(&format!("generated seed {seed} without expansion.csv"), &fewer);
        prop_assert!(
            with.total_cost <= without.total_cost + TOL * without.total_cost.abs().max(1.0),
            "seed {}: {} with the options, {} without", seed, with.total_cost, without.total_cost
        );
        prop_assert!(without.investment.is_empty());
    }

    #[test]
    fn one_generated_period_equals_its_twin_without_periods(seed in any::<u64>()) {
        let shape = Shape { periods: true, max_periods: 1 };
        let files = generate(seed, shape);
        let dir = write_model(&files);
        let name = format!("generated seed {seed} (one period)\n{}", show(&files));
        assert_one_period_is_its_twin(&name, dir.path());
        // The twin is what the generator writes without [periods].
        let mut plain = generate(seed, Shape { periods: false, max_periods: 1 });
        let mut stripped = files.clone();
        stripped.insert("model.toml", strip_periods(&files["model.toml"]));
        plain.insert("model.toml", strip_periods(&plain["model.toml"]));
        prop_assert_eq!(plain, stripped);
    }
}

/// The generated horizons really exercise what the invariants check.
#[test]
fn generated_horizons_invest_and_use_budgets_sometimes() {
    let (mut invest, mut budget, mut unmet, mut several) = (0, 0, 0, 0);
    for seed in 0..60 {
        let h = check_generated(seed);
        invest += h.investment.iter().any(|i| i.added > TOL) as usize;
        budget += h.budgets.iter().any(|b| b.binding) as usize;
        unmet += h
            .periods
            .iter()
            .any(|p| p.report.consumers.iter().any(|c| c.unmet > TOL)) as usize;
        several += (h.periods.len() > 1) as usize;
    }
    assert!(invest >= 5, "only {invest} of 60 horizons invest");
    assert!(budget >= 3, "only {budget} of 60 horizons use up a budget");
    assert!(unmet >= 3, "only {unmet} of 60 horizons leave demand unmet");
    assert!(
        several >= 30,
        "only {several} of 60 horizons have several periods"
    );
}

/// The generator's models without `[periods]` are valid one-year models
/// (so that a failure of the twin test is about periods, not the generator).
#[test]
fn generated_twins_without_periods_are_valid_models_of_one_year() {
    for seed in 0..40 {
        let files = generate(
            seed,
            Shape {
                periods: false,
                max_periods: 1,
            },
        );
        let dir = write_model(&files);
        let run = pipeline::run(&Request::folder(dir.path()))
            .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{}", show(&files)));
        let name = format!("seed {seed}");
        common::check_invariants(&name, &run.loaded.model, &run.outcome, &run.report);
        check_period_invariants(&name, &run.loaded.model, &run.report);
    }
}
