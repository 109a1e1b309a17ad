//! Property tests: on many generated models, every solution satisfies the
//! invariants, and a tighter cap never lowers the total cost.

mod common;

use proptest::prelude::*;
use sourcemix::model::Model;
use sourcemix::pipeline;
use sourcemix::report::Report;
use sourcemix::scenario::RunParams;
use sourcemix::solve::SolveOptions;
use sourcemix::synth::{generate, SynthParams};

fn solve(name: &str, model: &Model) -> Report {
    let nets = pipeline::networks(model);
    let outcome = pipeline::solve(model, nets, &SolveOptions::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let report = outcome.report(model);
    common::check_invariants(name, model, &outcome, &report);
    common::check_reported_costs_the_lp_minimum(name, &outcome);
    report
}

fn load(seed: u64) -> Model {
    load_capped(seed, None)
}

/// Generated model `seed`, with `max_share` as a run parameter when given.
fn load_capped(seed: u64, max_share: Option<f64>) -> Model {
    let request = pipeline::Request {
        params: RunParams {
            max_share,
            ..RunParams::default()
        },
        ..pipeline::Request::texts(generate(&SynthParams::small(seed)))
    };
    match pipeline::load(&request) {
        Ok(loaded) => loaded.model,
        Err(d) => panic!("generated model {seed} is invalid:\n{d}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn every_solution_satisfies_the_invariants(seed in any::<u64>()) {
        let model = load(seed);
        solve(&format!("seed {seed}"), &model);
    }

    #[test]
    fn a_tighter_cap_never_lowers_the_cost(seed in any::<u64>(), loose in 0.3..1.0f64, tighten in 0.05..0.3f64) {
        let tight = loose - tighten;
        let loose_cost = solve(&format!("seed {seed} cap {loose}"), &load_capped(seed, Some(loose))).total_cost;
        let tight_cost = solve(&format!("seed {seed} cap {tight}"), &load_capped(seed, Some(tight))).total_cost;
        prop_assert!(
            tight_cost >= loose_cost - 1e-6 * loose_cost.abs().max(1.0),
            "seed {}: cap {} costs {} but looser cap {} costs {}", seed, tight, tight_cost, loose, loose_cost
        );
    }
}

/// The generated models really exercise what the invariants check.
#[test]
fn generated_models_bind_caps_and_leave_demand_unmet_sometimes() {
    let (mut binding_policy, mut unmet, mut binding_capacity) = (0, 0, 0);
    for seed in 0..60 {
        let report = solve(&format!("seed {seed}"), &load(seed));
        binding_policy += report
            .policies
            .iter()
            .any(|p| p.binding && p.delivered > 0.0) as usize;
        unmet += report.consumers.iter().any(|c| c.unmet > 0.0) as usize;
        binding_capacity += report.capacities.iter().any(|c| c.binding) as usize;
    }
    assert!(
        binding_policy >= 5,
        "only {binding_policy} of 60 models have a binding policy"
    );
    assert!(unmet >= 3, "only {unmet} of 60 models leave demand unmet");
    assert!(
        binding_capacity >= 10,
        "only {binding_capacity} of 60 models have a binding capacity"
    );
}

/// Interior point + crossover (used by `Method::Auto` above `solve::IPM_ABOVE_ROWS` rows) finds
/// the same optimum as dual simplex, with a solution that passes every invariant.
#[test]
fn interior_point_and_simplex_agree_on_the_medium_model() {
    use sourcemix::solve::Method;
    let texts = generate(&SynthParams::medium());
    let model = pipeline::load(&pipeline::Request::texts(texts))
        .expect("medium is valid")
        .model;
    let mut totals = Vec::new();
    for method in [Method::Simplex, Method::InteriorPoint] {
        let outcome = pipeline::solve(
            &model,
            pipeline::networks(&model),
            &SolveOptions::with_method(method),
        )
        .expect("solves");
        let report = outcome.report(&model);
        common::check_invariants(&format!("medium {method:?}"), &model, &outcome, &report);
        totals.push(report.total_cost);
    }
    assert!(
        common::close(totals[0], totals[1], 1e-7),
        "simplex {} vs interior point {}",
        totals[0],
        totals[1]
    );
}
