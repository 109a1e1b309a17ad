//! The kept solver instance: a re-solve after a change (hot start from the
//! last optimum) finds the same optimum as a cold solve of the changed model,
//! on many generated models and for each kind of change an analysis makes:
//! cutting a country's supply (column bounds), scaling demand (row bounds)
//! and changing penalties (objective costs). Changes are then undone and the
//! original optimum comes back.

mod common;

use sourcemix::model::Model;
use sourcemix::pipeline::{self, Outcome, Request};
use sourcemix::program::RowTag;
use sourcemix::solve::SolveOptions;
use sourcemix::synth::{generate, SynthParams};

fn load(seed: u64) -> Model {
    match pipeline::load(&Request::texts(generate(&SynthParams::small(seed)))) {
        Ok(loaded) => loaded.model,
        Err(d) => panic!("generated model {seed} is invalid:\n{d}"),
    }
}

fn cold(model: &Model) -> Outcome {
    pipeline::solve(model, pipeline::networks(model), &SolveOptions::default())
        .expect("a valid model solves")
}

fn assert_same_optimum(what: &str, warm: f64, cold: f64) {
    assert!(
        common::close(warm, cold, 1e-9),
        "{what}: re-solve {warm} != cold solve {cold}"
    );
}

#[test]
fn cutting_a_countrys_supply_re_solves_to_the_cold_optimum() {
    let mut checked = 0;
    for seed in 0..40 {
        let model = load(seed);
        let mut outcome = cold(&model);
        let base: Vec<f64> = outcome
            .commodities
            .iter()
            .map(|c| c.solved.solution().objective)
            .collect();
        for country in model.supplying_countries() {
            let mut cut = model.clone();
            for s in cut
                .supply
                .iter_mut()
                .filter(|s| model.node_country(s.node) == country)
            {
                s.capacity = Some(0.0);
            }
            let reference = cold(&cut);
            for (k, c) in outcome.commodities.iter_mut().enumerate() {
                let flows = c.program.flows_from_sources_in(&model, &c.network, country);
                let columns: Vec<_> = flows.iter().map(|&i| c.solved.flow_column(i)).collect();
                c.solved.fix_to_zero(columns.iter().copied());
                let warm = c.solved.resolve().expect("re-solves").objective;
                let what = format!("seed {seed}, commodity {k}, without {country:?}");
                assert_same_optimum(
                    &what,
                    warm,
                    reference.commodities[k].solved.solution().objective,
                );
                for &i in &flows {
                    assert_eq!(
                        c.solved.solution().flows[i],
                        0.0,
                        "{what}: a cut flow moves"
                    );
                }
                // Undo: the original optimum comes back.
                for col in columns {
                    c.solved.set_column_bounds(col, 0.0, f64::INFINITY);
                }
                let back = c.solved.resolve().expect("re-solves").objective;
                assert_same_optimum(&format!("{what}, undone"), back, base[k]);
                checked += 1;
            }
        }
    }
    assert!(checked >= 100, "only {checked} cuts checked");
}

#[test]
fn scaling_demand_by_row_bounds_re_solves_to_the_cold_optimum() {
    for seed in 0..40 {
        let model = load(seed);
        let mut outcome = cold(&model);
        let mut doubled = model.clone();
        doubled.demand.iter_mut().for_each(|d| d.demand *= 2.0);
        let reference = cold(&doubled);
        for (k, c) in outcome.commodities.iter_mut().enumerate() {
            for (row, tag) in c.program.tags.iter().enumerate() {
                if let RowTag::Demand(d) = *tag {
                    let demand = model.demand[d].demand;
                    assert_eq!(c.solved.original_row_bounds(row), (demand, demand));
                    c.solved.set_row_bounds(row, 2.0 * demand, 2.0 * demand);
                }
            }
            let warm = c.solved.resolve().expect("re-solves").objective;
            assert_same_optimum(
                &format!("seed {seed}, commodity {k}, demand x2"),
                warm,
                reference.commodities[k].solved.solution().objective,
            );
        }
    }
}

#[test]
fn changing_penalties_by_costs_re_solves_to_the_cold_optimum() {
    for seed in 0..40 {
        let model = load(seed);
        let mut outcome = cold(&model);
        let mut cheap = model.clone();
        cheap.demand.iter_mut().for_each(|d| d.penalty *= 0.01);
        let reference = cold(&cheap);
        for (k, c) in outcome.commodities.iter_mut().enumerate() {
            for (j, &(d, _)) in c.program.unmet.iter().enumerate() {
                let col = c.solved.unmet_column(j);
                assert_eq!(c.solved.cost(col), model.demand[d].penalty);
                c.solved.set_cost(col, cheap.demand[d].penalty);
            }
            let warm = c.solved.resolve().expect("re-solves");
            // A program with no row is never handed to HiGHS (all zero is optimal).
            assert_eq!(warm.stats.warm, c.program.rows > 0);
            assert_same_optimum(
                &format!("seed {seed}, commodity {k}, penalties x0.01"),
                warm.objective,
                reference.commodities[k].solved.solution().objective,
            );
        }
    }
}
