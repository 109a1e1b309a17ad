//! Invariants every solution must satisfy, checked from the model and the
//! report alone (an independent route to the numbers the solver returned).

#![allow(dead_code)]

use std::collections::BTreeMap;

use sourcemix::model::{Model, NodeKind, PolicyKind};
use sourcemix::pipeline::Outcome;
use sourcemix::report::Report;

/// Relative-or-absolute closeness.
pub fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs()).max(1.0)
}

/// Checks every invariant of section 5 of the contract; panics with a message naming the first broken one.
pub fn check_invariants(name: &str, model: &Model, outcome: &Outcome, report: &Report) {
    let tol = 1e-6;
    // The cost is the sum of its parts and agrees with the solver's objective.
    let parts =
        report.cost.supply + report.cost.refining + report.cost.transport + report.cost.shortfall;
    assert!(
        close(report.total_cost, parts, tol),
        "{name}: total {} != sum of parts {parts}",
        report.total_cost
    );
    assert!(
        close(report.total_cost, outcome.objective(), tol),
        "{name}: total {} != solver objective {}",
        report.total_cost,
        outcome.objective()
    );
    let recomputed = recompute_cost(model, report);
    assert!(
        close(report.total_cost, recomputed, tol),
        "{name}: total {} != recomputed from flows {recomputed}",
        report.total_cost
    );

    let node_kind: BTreeMap<&str, NodeKind> = model
        .nodes
        .iter()
        .map(|n| (n.id.as_str(), n.kind))
        .collect();
    let mut inflow: BTreeMap<(&str, &str), f64> = BTreeMap::new();
    let mut outflow: BTreeMap<(&str, &str), f64> = BTreeMap::new();
    for f in &report.flows {
        assert!(f.amount >= 0.0, "{name}: negative flow {f:?}");
        *inflow
            .entry((f.to.as_str(), f.commodity.as_str()))
            .or_default() += f.amount;
        *outflow
            .entry((f.from.as_str(), f.commodity.as_str()))
            .or_default() += f.amount;
    }
    // Conservation: hubs pass everything on; refiners put out yield x input.
    for n in &model.nodes {
        for k in &model.commodities {
            let key = (n.id.as_str(), k.id.as_str());
            let (i, o) = (
                inflow.get(&key).copied().unwrap_or(0.0),
                outflow.get(&key).copied().unwrap_or(0.0),
            );
            match n.kind {
                NodeKind::Hub => assert!(
                    close(i, o, 1e-6),
                    "{name}: hub {} {} in {i} out {o}",
                    n.id,
                    k.id
                ),
                NodeKind::Refiner => {
                    let y = model
                        .refining
                        .iter()
                        .find(|r| {
                            model.node(r.node).id == n.id && model.commodity(r.commodity).id == k.id
                        })
                        .map(|r| r.yield_)
                        .unwrap_or(0.0);
                    assert!(
                        close(o, y * i, 1e-6),
                        "{name}: refiner {} {} out {o} != {y} x in {i}",
                        n.id,
                        k.id
                    );
                }
                NodeKind::Consumer => assert!(o == 0.0, "{name}: flow leaves consumer {}", n.id),
                _ => assert!(i == 0.0, "{name}: flow enters source {}", n.id),
            }
        }
    }
    let _ = node_kind;
    // Demand: delivered + unmet = demand, and delivered is what flows in.
    for c in &report.consumers {
        assert!(
            close(c.delivered + c.unmet, c.demand, 1e-6),
            "{name}: {} {} delivered + unmet != demand",
            c.node,
            c.commodity
        );
        let i = inflow
            .get(&(c.node.as_str(), c.commodity.as_str()))
            .copied()
            .unwrap_or(0.0);
        assert!(
            close(i, c.delivered, 1e-6),
            "{name}: {} {} inflow {i} != delivered {}",
            c.node,
            c.commodity,
            c.delivered
        );
        assert!(c.unmet >= 0.0 && c.delivered >= -1e-9);
        for (stage, shares, hhi) in [
            ("mining", &c.mining_shares, c.hhi_mining),
            ("refining", &c.refining_shares, c.hhi_refining),
        ] {
            let sum: f64 = shares.values().sum();
            if c.delivered > 1e-9 {
                assert!(
                    close(sum, 1.0, 1e-6),
                    "{name}: {} {} {stage} shares sum to {sum}",
                    c.node,
                    c.commodity
                );
                let h: f64 = shares.values().map(|s| (100.0 * s).powi(2)).sum();
                assert!(
                    close(h, hhi, 1e-4) && (0.0..=10000.0 + 1e-6).contains(&hhi),
                    "{name}: HHI {hhi} vs {h}"
                );
            } else {
                assert!(shares.is_empty(), "{name}: shares without deliveries");
            }
        }
    }
    // Policies hold.
    for p in &report.policies {
        let ok = match p.kind.as_str() {
            "max_share" => p.actual <= p.limit + 1e-6,
            _ => p.delivered <= 1e-9 || p.actual >= p.limit - 1e-6,
        };
        assert!(ok, "{name}: policy row violated: {p:?}");
        if p.kind == PolicyKind::MaxShare {
            assert!(
                p.shadow_price <= 1e-6 * p.delivered.max(1.0),
                "{name}: cap with positive shadow price: {p:?}"
            );
        } else {
            assert!(
                p.shadow_price >= -1e-6 * p.delivered.max(1.0),
                "{name}: floor with negative shadow price: {p:?}"
            );
        }
    }
    // Capacities hold; binding ones are the only ones with a price.
    for c in &report.capacities {
        assert!(
            c.used <= c.capacity * (1.0 + 1e-6) + 1e-6,
            "{name}: capacity exceeded: {c:?}"
        );
        assert!(
            c.shadow_price <= 1e-6,
            "{name}: capacity with positive shadow price: {c:?}"
        );
        if !c.binding {
            assert!(
                c.shadow_price.abs() <= 1e-6,
                "{name}: slack capacity with a price: {c:?}"
            );
        }
    }
    // Supply capacities, checked again from the flows.
    for s in &model.supply {
        let key = (
            model.node(s.node).id.as_str(),
            model.commodity(s.commodity).id.as_str(),
        );
        let used = outflow.get(&key).copied().unwrap_or(0.0);
        if let Some(cap) = s.capacity {
            assert!(
                used <= cap * (1.0 + 1e-6) + 1e-6,
                "{name}: supply {key:?} {used} > {cap}"
            );
        }
    }
}

/// The total cost recomputed from the reported flows and the model's unit costs.
pub fn recompute_cost(model: &Model, report: &Report) -> f64 {
    let mut total = 0.0;
    let mut outflow: BTreeMap<(&str, &str), f64> = BTreeMap::new();
    let mut inflow: BTreeMap<(&str, &str), f64> = BTreeMap::new();
    for f in &report.flows {
        let route = model
            .routes
            .iter()
            .find(|r| {
                r.at.line == f.line
                    && model.commodity(r.commodity).id == f.commodity
                    && model.node(r.from).id == f.from
            })
            .expect("a reported flow is a model route");
        total += route.cost * f.amount;
        *outflow
            .entry((f.from.as_str(), f.commodity.as_str()))
            .or_default() += f.amount;
        *inflow
            .entry((f.to.as_str(), f.commodity.as_str()))
            .or_default() += f.amount;
    }
    for s in &model.supply {
        let key = (
            model.node(s.node).id.as_str(),
            model.commodity(s.commodity).id.as_str(),
        );
        total += s.cost * outflow.get(&key).copied().unwrap_or(0.0);
    }
    for r in &model.refining {
        let key = (
            model.node(r.node).id.as_str(),
            model.commodity(r.commodity).id.as_str(),
        );
        total += r.cost * inflow.get(&key).copied().unwrap_or(0.0);
    }
    for d in &model.demand {
        let c = report
            .consumers
            .iter()
            .find(|c| {
                c.node == model.node(d.node).id && c.commodity == model.commodity(d.commodity).id
            })
            .expect("every demand row is reported");
        total += d.penalty * c.unmet;
    }
    total
}

/// The reported optimum of every commodity (the tie-break's, or the vertex)
/// costs the LP minimum to 1e-9, recomputed from its columns.
pub fn check_reported_costs_the_lp_minimum(name: &str, outcome: &Outcome) {
    for c in &outcome.commodities {
        let chosen: f64 = c
            .solved
            .costs()
            .iter()
            .zip(&c.reported.columns)
            .map(|(k, x)| k * x)
            .sum();
        let lp = c.solved.solution().objective;
        assert!(
            close(chosen, lp, 1e-9),
            "{name}: the reported optimum costs {chosen}, the LP minimum {lp}"
        );
    }
}
