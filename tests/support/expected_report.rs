//! The parts of a hand-derived `expected.toml` that describe one year's
//! report (consumers, policies, capacities), and the check of a report
//! against them: shared by the single-year models (`tests/hand_checked.rs`)
//! and each period of the multi-period ones (`tests/periods.rs`).

use std::collections::BTreeMap;

use serde::Deserialize;
use sourcemix::report::{CostParts, Report};

/// Every number is compared to this, relative (absolute below 1).
pub const TOL: f64 = 1e-6;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cost {
    pub supply: f64,
    pub refining: f64,
    pub transport: f64,
    pub shortfall: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedConsumer {
    pub node: String,
    pub commodity: String,
    pub delivered: Option<f64>,
    pub unmet: Option<f64>,
    pub marginal_cost: Option<f64>,
    pub mining_shares: Option<BTreeMap<String, f64>>,
    pub refining_shares: Option<BTreeMap<String, f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedPolicy {
    pub policy: String,
    pub commodity: String,
    pub scope: String,
    pub from: String,
    pub binding: Option<bool>,
    pub shadow_price: Option<f64>,
}

/// A supply or refining capacity, by node.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedCapacity {
    pub node: String,
    pub commodity: String,
    pub binding: Option<bool>,
    pub shadow_price: Option<f64>,
}

/// `actual` is `expected` to `TOL` (relative, absolute below 1).
pub fn assert_close(what: &str, actual: f64, expected: f64) {
    let scale = actual.abs().max(expected.abs()).max(1.0);
    assert!(
        (actual - expected).abs() <= TOL * scale,
        "{what}: got {actual}, expected {expected}"
    );
}

/// The expected countries have their shares; any other country has none.
pub fn assert_shares(what: &str, actual: &BTreeMap<String, f64>, expected: &BTreeMap<String, f64>) {
    for (country, share) in expected {
        assert_close(
            &format!("{what} {country}"),
            actual.get(country).copied().unwrap_or(0.0),
            *share,
        );
    }
    for (country, share) in actual {
        if !expected.contains_key(country) {
            assert!(
                *share < TOL,
                "{what}: unexpected country {country} with share {share}"
            );
        }
    }
}

/// The four cost parts of a report.
pub fn check_cost(name: &str, got: &CostParts, want: &Cost) {
    assert_close(&format!("{name} supply cost"), got.supply, want.supply);
    assert_close(
        &format!("{name} refining cost"),
        got.refining,
        want.refining,
    );
    assert_close(
        &format!("{name} transport cost"),
        got.transport,
        want.transport,
    );
    assert_close(
        &format!("{name} shortfall cost"),
        got.shortfall,
        want.shortfall,
    );
}

/// `report` against the expected consumers, policies and capacities.
pub fn check_report(
    name: &str,
    report: &Report,
    consumers: &[ExpectedConsumer],
    policies: &[ExpectedPolicy],
    capacities: &[ExpectedCapacity],
) {
    for c in consumers {
        check_consumer(name, report, c);
    }
    for p in policies {
        check_policy(name, report, p);
    }
    for c in capacities {
        check_capacity(name, report, c);
    }
}

fn check_consumer(name: &str, report: &Report, c: &ExpectedConsumer) {
    let what = format!("{name} {} {}", c.node, c.commodity);
    let got = report
        .consumers
        .iter()
        .find(|r| r.node == c.node && r.commodity == c.commodity)
        .unwrap_or_else(|| panic!("{what}: not in the report"));
    if let Some(x) = c.delivered {
        assert_close(&format!("{what} delivered"), got.delivered, x);
    }
    if let Some(x) = c.unmet {
        assert_close(&format!("{what} unmet"), got.unmet, x);
    }
    if let Some(x) = c.marginal_cost {
        assert_close(&format!("{what} marginal cost"), got.marginal_cost, x);
    }
    if let Some(s) = &c.mining_shares {
        assert_shares(&format!("{what} mining share"), &got.mining_shares, s);
    }
    if let Some(s) = &c.refining_shares {
        assert_shares(&format!("{what} refining share"), &got.refining_shares, s);
    }
}

fn check_policy(name: &str, report: &Report, p: &ExpectedPolicy) {
    let what = format!(
        "{name} policy {} {} {} {}",
        p.policy, p.commodity, p.scope, p.from
    );
    let rows: Vec<_> = report
        .policies
        .iter()
        .filter(|r| {
            r.policy == p.policy
                && r.commodity == p.commodity
                && r.scope == p.scope
                && r.from == p.from
        })
        .collect();
    assert!(
        !rows.is_empty(),
        "{what}: no such row; rows are {:#?}",
        report.policies
    );
    for r in rows {
        if let Some(b) = p.binding {
            assert_eq!(r.binding, b, "{what}: binding");
        }
        if let Some(x) = p.shadow_price {
            assert_close(&format!("{what} shadow price"), r.shadow_price, x);
        }
    }
}

fn check_capacity(name: &str, report: &Report, c: &ExpectedCapacity) {
    let what = format!("{name} capacity {} {}", c.node, c.commodity);
    let got = report
        .capacities
        .iter()
        .find(|r| r.node.as_deref() == Some(c.node.as_str()) && r.commodity == c.commodity);
    match got {
        Some(r) => {
            if let Some(b) = c.binding {
                assert_eq!(r.binding, b, "{what}: binding");
            }
            if let Some(x) = c.shadow_price {
                assert_close(&format!("{what} shadow price"), r.shadow_price, x);
            }
        }
        // A report may list only the binding capacities (contract section 5).
        None => assert!(
            c.binding == Some(false),
            "{what}: not in the report: {:#?}",
            report.capacities
        ),
    }
}
