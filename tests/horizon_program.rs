//! The multi-period program of contract section 10 on horizons built in
//! code from single-year model folders (independently of the `[periods]`
//! loader): optima derived by hand.

use sourcemix::diagnostics::RowRef;
use sourcemix::horizon;
use sourcemix::id::CommodityId;
use sourcemix::model::{Budget, BudgetKind, Horizon, Model};
use sourcemix::periods;
use sourcemix::pipeline::{self, Request};
use sourcemix::report::horizon::HorizonReport;
use sourcemix::solve::{Method, SolveOptions};

#[path = "support/horizon_model.rs"]
mod horizon_model;

use horizon_model::{base_model, horizon, node, write_model};

fn solve(model: &Model, h: &Horizon, method: Method) -> HorizonReport {
    let outcomes = horizon::solve(model, h, &SolveOptions::with_method(method)).expect("solved");
    horizon::report(model, h, &outcomes)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(1.0)
}

#[test]
fn a_demand_step_is_met_by_investing_when_that_is_cheaper_than_the_penalty() {
    let (_dir, model) = base_model();
    let h = horizon(&model, 150.0, 0.0, None);
    for method in [Method::Simplex, Method::InteriorPoint] {
        let r = solve(&model, &h, method);
        // r = 0: W = 6 and 5; one t per year added for 2030 costs 100 / 10 = 10
        // a year for the 5 years of its period (its life, 2030-2039, ends
        // after the horizon's 2034): 50 per t per year. The 50 t per year
        // missing in 2030 cost 50 x 50 = 2,500 to build, far below the
        // penalty (5 x 50 x 1,000).
        assert_eq!(r.investment.len(), 1);
        let inv = &r.investment[0];
        assert_eq!((inv.year, inv.node.as_str()), (2030, "R2"));
        assert!(close(inv.added, 50.0), "{inv:?}");
        assert!(close(inv.cost, 2_500.0));
        // Operating: 6 x 100 x 10 + 5 x 150 x 10.
        assert!(close(r.operating_cost, 13_500.0));
        assert!(close(r.investment_cost, 2_500.0));
        assert!(close(r.total_cost, 16_000.0));
        assert!(close(r.periods[1].investment_cost, 2_500.0));
        assert!(close(r.periods[0].investment_cost, 0.0));
        // One more t per year of 2030 demand: 10 to supply + 10 a year of capital.
        let c = &r.periods[1].report.consumers[0];
        assert!(close(c.marginal_cost, 20.0), "{}", c.marginal_cost);
        assert!(close(c.unmet, 0.0));
        // In 2024 the existing recycler is full and nothing can be built
        // before 2030 (the lead time): one more t would go unmet.
        assert!(close(
            r.periods[0].report.consumers[0].marginal_cost,
            1_000.0
        ));
        // The period's capacity includes what was added.
        let cap = r.periods[1]
            .report
            .capacities
            .iter()
            .find(|c| c.node.as_deref() == Some("R2"))
            .expect("R2's capacity row");
        assert!(close(cap.capacity, 50.0) && close(cap.used, 50.0));
    }
}

#[test]
fn discounting_weighs_periods_and_annualises_capital() {
    let (_dir, model) = base_model();
    let r = solve(&model, &horizon(&model, 150.0, 0.1, None), Method::Simplex);
    // W_2024 = sum_{t=0..5} 1.1^-t, W_2030 = sum_{t=6..10} 1.1^-t.
    let w1: f64 = (0..6).map(|t| 1.1f64.powi(-t)).sum();
    let w2: f64 = (6..11).map(|t| 1.1f64.powi(-t)).sum();
    let annuity = 0.1 / (1.0 - 1.1f64.powi(-10));
    let build = 50.0 * w2 * 100.0 * annuity;
    let operating = w1 * 1_000.0 + w2 * 1_500.0;
    assert!(
        close(r.investment_cost, build),
        "{} vs {build}",
        r.investment_cost
    );
    assert!(close(r.total_cost, operating + build));
    let c = &r.periods[1].report.consumers[0];
    assert!(
        close(c.marginal_cost, 10.0 + 100.0 * annuity),
        "{}",
        c.marginal_cost
    );
}

#[test]
fn max_added_binds_and_prices_the_penalty_it_leaves() {
    let (_dir, model) = base_model();
    let r = solve(
        &model,
        &horizon(&model, 150.0, 0.0, Some(30.0)),
        Method::Simplex,
    );
    // Only 30 of the 50 t per year may be added: 20 t per year go unmet in
    // 2030 at 1,000 per t for 5 years. One more t of allowance saves
    // 5 x 1,000 of penalty and costs 5 x 10 of supply and 50 of capital.
    let m = &r.max_added[0];
    assert!(m.binding && close(m.added, 30.0));
    assert!(
        close(m.shadow_price, -(5_000.0 - 50.0 - 50.0)),
        "{}",
        m.shadow_price
    );
    assert!(close(r.periods[1].report.consumers[0].unmet, 20.0));
    assert!(close(
        r.total_cost,
        6_000.0 + 5.0 * 130.0 * 10.0 + 5.0 * 20.0 * 1_000.0 + 30.0 * 50.0
    ));
}

#[test]
fn a_reserve_limits_supply_over_the_horizon() {
    let (_dir, mut model) = base_model();
    // R1 becomes a mine-like budgeted source: 900 t over the horizon, so
    // 6 x 100 = 600 in 2024 leaves 300 for 2030's five years: 60 a year.
    let r1 = node(&model, "R1");
    let mut h = horizon(&model, 100.0, 0.0, None);
    h.budgets.push(Budget {
        node: r1,
        commodity: CommodityId(0),
        kind: BudgetKind::Reserve,
        amount: 900.0,
        at: RowRef::new("supply.csv", 2),
    });
    model.horizon = None;
    let r = solve(&model, &h, Method::Simplex);
    let b = &r.budgets[0];
    assert!(b.binding && close(b.used, 900.0));
    // R2 adds the 40 t per year missing in 2030 (50 per t per year).
    assert!(close(r.investment[0].added, 40.0));
    // One more t of reserve: one t less to build for one year's worth...
    // spread over 5 years it saves 1/5 x 50 = 10 of capital per t.
    assert!(close(b.shadow_price, -10.0), "{}", b.shadow_price);
    assert!(close(b.used_by_period[0], 600.0) && close(b.used_by_period[1], 300.0));
}

#[test]
fn one_period_of_one_year_is_the_single_year_model() {
    let (dir, model) = base_model();
    let single = pipeline::run(&Request::folder(dir.path())).expect("solved");
    let mut h = horizon(&model, 100.0, 0.0, None);
    h.periods = periods::periods(&[2024], 1, 0.0);
    h.models.truncate(1);
    h.expansions.clear();
    let r = solve(&model, &h, Method::Simplex);
    assert_eq!(r.periods[0].weight, 1.0);
    assert!(close(r.total_cost, single.report.total_cost));
    let period = &r.periods[0].report;
    assert_eq!(period.flows.len(), single.report.flows.len());
    for (a, b) in period.flows.iter().zip(&single.report.flows) {
        assert_eq!((&a.from, &a.to), (&b.from, &b.to));
        assert!((a.amount - b.amount).abs() <= 1e-9);
    }
    for (a, b) in period.consumers.iter().zip(&single.report.consumers) {
        assert!((a.marginal_cost - b.marginal_cost).abs() <= 1e-9);
    }
}

#[test]
fn tied_candidates_share_the_investment_equally_whatever_the_method() {
    let (_dir, model) = base_model();
    // Two identical candidates: R2 and a copy of it, R3 (same country, cost,
    // route and option). Any split of the 50 t per year costs the same; the
    // tie-break of section 6 runs them at equal throughput: 25 each.
    let dir = tempfile::tempdir().expect("temp dir");
    write_model(dir.path());
    let add = |file: &str, line: &str| {
        let path = dir.path().join(file);
        let mut text = std::fs::read_to_string(&path).expect("read");
        text.push_str(line);
        std::fs::write(&path, text).expect("write");
    };
    add("nodes.csv", "R3,R3,recycler,BBB\n");
    add("supply.csv", "R3,x,0,10\n");
    add("routes.csv", "R3,C,x,0,\n");
    let model3 = pipeline::load(&Request::folder(dir.path()))
        .expect("valid model")
        .model;
    let mut h = horizon(&model3, 150.0, 0.0, None);
    let mut second = h.expansions[0].clone();
    second.node = node(&model3, "R3");
    h.expansions.push(second);
    let reports: Vec<HorizonReport> = [Method::Simplex, Method::InteriorPoint]
        .into_iter()
        .map(|m| solve(&model3, &h, m))
        .collect();
    for r in &reports {
        let added: Vec<(&str, f64)> = r
            .investment
            .iter()
            .map(|i| (i.node.as_str(), i.added))
            .collect();
        assert_eq!(added.len(), 2, "{added:?}");
        assert!(added.iter().all(|(_, a)| close(*a, 25.0)), "{added:?}");
        assert!(close(r.total_cost, 16_000.0));
    }
    let json = |r: &HorizonReport| {
        let mut r = r.clone();
        r.timings = Default::default();
        r.periods
            .iter_mut()
            .for_each(|p| p.report.timings = Default::default());
        sourcemix::report::horizon::json(&r)
    };
    assert_eq!(json(&reports[0]), json(&reports[1]));
    drop(model);
}

#[test]
fn ranges_per_period_are_taken_over_the_whole_horizon_face() {
    let (_dir, model) = base_model();
    let h = horizon(&model, 150.0, 0.0, None);
    let options = SolveOptions::default();
    let mut outcomes = horizon::solve(&model, &h, &options).expect("solved");
    let (by_period, _) =
        sourcemix::ranges::compute_horizon(&h, &mut outcomes, &options).expect("ranges");
    assert_eq!(by_period.len(), 2);
    let code = |r: &sourcemix::ranges::ShareRange| model.country(r.country).code.clone();
    let mining = |p: usize| -> Vec<(String, f64, f64)> {
        by_period[p]
            .iter()
            .filter(|r| r.stage == sourcemix::model::Stage::Mining)
            .map(|r| (code(r), r.min, r.max))
            .collect()
    };
    // Within the face's tolerance (1e-9 x C*, the contract's), to 1e-6.
    let expect = |p: usize, expected: &[(&str, f64, f64)]| {
        let got = mining(p);
        assert_eq!(got.len(), expected.len(), "{got:?}");
        for ((c, lo, hi), (ec, elo, ehi)) in got.iter().zip(expected) {
            assert!(c == ec && close(*lo, *elo) && close(*hi, *ehi), "{got:?}");
        }
    };
    // 2024: only R1 (AAA) exists: 100 of 100, forced.
    expect(0, &[("AAA", 100.0, 100.0)]);
    // 2030: R1's existing 100 t cost nothing to build, so any optimum uses
    // all of it; the 50 t more come from the capacity built at R2 (BBB).
    // Both are forced: no other split costs the same.
    expect(1, &[("AAA", 100.0, 100.0), ("BBB", 50.0, 50.0)]);
}
