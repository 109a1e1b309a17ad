//! Tiny models whose optimum was derived by hand (each folder's expected.toml
//! shows the derivation), solved and compared to 1e-6.

mod common;

use std::path::{Path, PathBuf};

use serde::Deserialize;
use sourcemix::pipeline;
use sourcemix::solve::{Method, SolveOptions};

#[path = "support/expected_report.rs"]
mod expected_report;

use expected_report::{
    assert_close, check_cost, check_report, Cost, ExpectedCapacity, ExpectedConsumer,
    ExpectedPolicy,
};

#[derive(Deserialize)]
struct Expected {
    total_cost: f64,
    cost: Option<Cost>,
    #[serde(default)]
    consumer: Vec<ExpectedConsumer>,
    #[serde(default)]
    policy: Vec<ExpectedPolicy>,
    #[serde(default)]
    capacity: Vec<ExpectedCapacity>,
}

/// Solves the model in `dir` and checks it against its expected.toml.
fn check(dir: &Path) {
    check_with(dir, Method::Auto);
}

fn check_with(dir: &Path, method: Method) {
    let name = format!("{} ({method:?})", dir.display());
    let text = std::fs::read_to_string(dir.join("expected.toml")).expect("expected.toml");
    let expected: Expected =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{name}/expected.toml: {e}"));
    let request = pipeline::Request {
        solve: SolveOptions::with_method(method),
        ..pipeline::Request::folder(dir)
    };
    let run = pipeline::run(&request).unwrap_or_else(|e| panic!("{name}: {e}"));
    let (model, outcome, report) = (&run.loaded.model, &run.outcome, &run.report);
    common::check_invariants(&name, model, outcome, report);
    assert_close(
        &format!("{name} total cost"),
        report.total_cost,
        expected.total_cost,
    );
    if let Some(c) = &expected.cost {
        check_cost(&name, &report.cost, c);
    }
    check_report(
        &name,
        report,
        &expected.consumer,
        &expected.policy,
        &expected.capacity,
    );
}

fn model_dirs(root: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(root);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expected.toml").exists() && !is_multi_period(p))
        .collect();
    dirs.sort();
    dirs
}

/// A model with `[periods]` (contract section 10): its expected.toml has the
/// shape of a horizon and is checked by `tests/periods.rs`.
fn is_multi_period(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("model.toml"))
        .map(|text| text.lines().any(|l| l.trim() == "[periods]"))
        .unwrap_or(false)
}

macro_rules! hand_checked {
    ($($test:ident => $dir:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                check(&Path::new(env!("CARGO_MANIFEST_DIR")).join($dir));
            }
        )*
    };
}

hand_checked! {
    binding_mining_cap => "tests/models/mining-cap",
    binding_refining_cap => "tests/models/refining-cap",
    refiner_yield_half => "tests/models/yield-half",
    chained_refiners_take_the_last_refiners_country => "tests/models/chained-refiners",
    stockpile_used_only_under_a_cap => "tests/models/stockpile-cap",
    stockpile_unused_without_the_cap => "tests/models/stockpile-nocap",
    min_share_forces_a_dearer_partner => "tests/models/min-share",
    unmet_demand_cheaper_than_supply => "tests/models/unmet-cheap",
    hub_cycle_creates_and_loses_nothing => "tests/models/hub-cycle",
    exempt_countries_are_not_capped => "tests/models/exempt",
    group_scope_pools_consumers => "tests/models/group-scope",
    scope_each_caps_every_consumer => "tests/models/scope-each",
    scope_all_pools_every_consumer => "tests/models/scope-all",
    scope_list_pools_the_listed_consumers => "tests/models/scope-list",
    from_set_caps_a_country_and_a_group_together => "tests/models/from-set",
    route_capacity_binds_on_the_cheap_parallel_route => "tests/models/route-capacity",
    recycler_supplies_refined_domestic_material => "tests/models/recycler",
    star_routes_expand_per_commodity => "tests/models/star-routes",
    a_full_floor_is_priced_in_the_other_direction => "tests/models/floor-full",
}

/// At a degenerate optimum the vertex's duals depend on the method (here
/// they say -19.80 per point and -1,970 per t, the prices of the other
/// direction); the report's one-sided prices do not.
#[test]
fn degenerate_prices_are_one_sided_whatever_the_method() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/models/degenerate-prices");
    for method in [Method::Simplex, Method::InteriorPoint] {
        check_with(&dir, method);
    }
}

/// Every folder with an expected.toml is covered, including ones added later.
#[test]
fn every_hand_checked_folder_passes() {
    let dirs: Vec<PathBuf> = model_dirs("tests/models")
        .into_iter()
        .chain(model_dirs("models/examples"))
        .collect();
    assert!(
        dirs.len() >= 24,
        "expected at least 24 hand-checked models, found {}",
        dirs.len()
    );
    for dir in dirs {
        check(&dir);
    }
}
