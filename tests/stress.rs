//! Disruptions (contract section 8): hand-derived outcomes on two tiny
//! models, and on generated models a warm re-solved disruption against a
//! cold solve of the same disruption written into the model's data.
//!
//! tests/stress/base (lithium, penalty 1000 $/t, every route 1 $/t):
//!
//! ```text
//!   AUS-mine 60 t @10 ─┬─> CHN-ref 150 t @2 ──> JPN-use 60, USA-use 20, CHN-use 20, AUS-use 10
//!   CHL-mine 60 t @12 ─┴─> USA-ref  30 t @5 ──> JPN-use, USA-use
//! ```
//!
//! Delivered cost per tonne: AUS ore via CHN-ref 10+1+2+1 = 14, CHL ore via
//! CHN-ref 16; via USA-ref 17 (AUS) and 19 (CHL). AUS-use and CHN-use have
//! routes from CHN-ref only. Demand 110 t. The model's 50% mining cap is off
//! inside a window unless kept.
//!
//! tests/stress/stock is base plus JPN-stock (a stockpile in Japan:
//! capacity 40 t a year, 50 $/t, stock 12 t, a 1 $/t route to JPN-use only:
//! 51 $/t delivered, so it is drawn only in a shortage).
//!
//! A shortfall among consumers that the same refiner serves is shared in
//! proportion to demand (section 6): the tie-break's unmet term
//! sum u_c^2 / d_c and its flow term sum x_c^2 / (K d_c) are both least at
//! u_c and x_c proportional to d_c, so those splits are exact.

mod common;

use std::path::Path;

use sourcemix::disruption::{
    self, default_set, Disruption, DisruptionError, DisruptionKind, DisruptionOutcome, Reference,
    Window,
};
use sourcemix::id::{CountryId, NodeId};
use sourcemix::model::{Model, Stage};
use sourcemix::pipeline::{self, Request};
use sourcemix::solve::SolveOptions;

const TOL: f64 = 1e-6;

fn load(name: &str) -> Model {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/stress")
        .join(name);
    match pipeline::load(&Request::folder(dir)) {
        Ok(loaded) => loaded.model,
        Err(d) => panic!("{name} is invalid:\n{d}"),
    }
}

fn country(model: &Model, code: &str) -> CountryId {
    let i = model.countries.iter().position(|c| c.code == code);
    CountryId::from_index(i.unwrap_or_else(|| panic!("no country {code}")))
}

fn node(model: &Model, id: &str) -> NodeId {
    let i = model.nodes.iter().position(|n| n.id == id);
    NodeId::from_index(i.unwrap_or_else(|| panic!("no node {id}")))
}

fn year() -> Window {
    Window::default()
}

fn months(t: f64) -> Window {
    Window {
        months: t,
        ..Window::default()
    }
}

/// Solves the whole default set of `model` over `window`.
fn stress(model: &Model, window: &Window) -> (Reference, Vec<DisruptionOutcome>) {
    stress_without(model, window, &[])
}

fn stress_without(
    model: &Model,
    window: &Window,
    without: &[NodeId],
) -> (Reference, Vec<DisruptionOutcome>) {
    let set = default_set(model, &Stage::ALL, &DisruptionKind::ALL, None, None);
    disruption::run(model, &set, window, without, &SolveOptions::default())
        .expect("the disruptions solve")
}

fn find<'a>(
    model: &Model,
    outcomes: &'a [DisruptionOutcome],
    code: &str,
    stage: Stage,
    kind: DisruptionKind,
) -> &'a DisruptionOutcome {
    let x = country(model, code);
    outcomes
        .iter()
        .find(|o| {
            o.disruption.country == x && o.disruption.stage == stage && o.disruption.kind == kind
        })
        .unwrap_or_else(|| panic!("no {code} {stage} {kind:?}"))
}

fn assert_close(what: &str, actual: f64, expected: f64) {
    assert!(
        common::close(actual, expected, TOL),
        "{what}: got {actual}, expected {expected}"
    );
}

/// Checks the unmet demand of each named consumer (and that the list is complete).
fn assert_unmet(model: &Model, o: &DisruptionOutcome, expected: &[(&str, f64)]) {
    assert_eq!(o.consumers.len(), expected.len());
    for &(id, unmet) in expected {
        let c = o
            .consumers
            .iter()
            .find(|c| c.consumer == node(model, id))
            .unwrap_or_else(|| panic!("no consumer {id}"));
        assert_close(&format!("unmet of {id}"), c.unmet, unmet);
        assert_close(
            &format!("delivered to {id}"),
            c.delivered,
            c.window_demand - unmet,
        );
    }
}

#[test]
fn the_default_set_is_every_country_with_capacity_at_each_stage_times_each_kind() {
    // Mining: AUS and CHL have mines; refining: CHN and USA have refiners.
    let model = load("base");
    let set = default_set(&model, &Stage::ALL, &DisruptionKind::ALL, None, None);
    let names: Vec<String> = set.iter().map(|d| d.describe(&model)).collect();
    assert_eq!(
        names,
        [
            "AUS mining outage of li",
            "CHL mining outage of li",
            "AUS mining export-ban of li",
            "CHL mining export-ban of li",
            "CHN refining outage of li",
            "USA refining outage of li",
            "CHN refining export-ban of li",
            "USA refining export-ban of li",
        ]
    );
    let narrowed = default_set(
        &model,
        &[Stage::Refining],
        &[DisruptionKind::ExportBan],
        None,
        Some(&[country(&model, "CHN"), country(&model, "AUS")]),
    );
    assert_eq!(
        narrowed,
        [Disruption {
            country: country(&model, "CHN"),
            stage: Stage::Refining,
            kind: DisruptionKind::ExportBan,
            commodity: narrowed[0].commodity,
        }]
    );
}

#[test]
fn the_reference_window_is_the_least_cost_market_without_policies_unless_kept() {
    // All 110 t through CHN-ref: AUS's 60 t at 14, CHL's 50 t at 16.
    // 840 + 800 = 1640, nothing unmet, no stock drawn.
    let model = load("base");
    let (reference, _) = stress(&model, &year());
    assert_close("reference cost", reference.cost(), 1640.0);
    let li = &reference.commodities[0];
    assert_close("reference unmet", li.unmet(), 0.0);
    assert_close("reference demand", li.window_demand(), 110.0);
    // With the 50% mining cap kept, every consumer takes at most half from
    // AUS: 55 t at 14 and 55 t at 16 = 770 + 880 = 1650.
    let kept = Window {
        keep_policies: true,
        ..year()
    };
    let (reference, _) = stress(&model, &kept);
    assert_close("reference cost with the cap", reference.cost(), 1650.0);
}

#[test]
fn a_refining_outage_leaves_only_the_other_refiners_reach() {
    // CHN-ref stops. USA-ref (30 t) reaches JPN-use and USA-use only, fed
    // with AUS ore at 17. AUS-use (10) and CHN-use (20) get nothing; JPN
    // and USA (80 t) share 50 t unmet as 60:20: 37.5 and 12.5.
    // Unmet 80; cost 30 x 17 + 80 x 1000 = 80,510; extra 80,510 - 1640 = 78,870.
    let model = load("base");
    let (_, outcomes) = stress(&model, &year());
    let o = find(
        &model,
        &outcomes,
        "CHN",
        Stage::Refining,
        DisruptionKind::Outage,
    );
    assert_unmet(
        &model,
        o,
        &[
            ("AUS-use", 10.0),
            ("CHN-use", 20.0),
            ("JPN-use", 37.5),
            ("USA-use", 12.5),
        ],
    );
    assert_close("unmet", o.unmet(), 80.0);
    assert_close("cost", o.cost, 80_510.0);
    assert_close("extra cost", o.extra_cost, 78_870.0);
    assert_close("stock drawn", o.stock_drawn, 0.0);
    assert!(o.tie_broken);
    // Worst hit: AUS-use and CHN-use both lose 100%; the first by id.
    assert_eq!(
        o.worst_hit().map(|c| c.consumer),
        Some(node(&model, "AUS-use"))
    );
}

#[test]
fn a_mining_outage_shares_the_shortage_in_proportion_to_demand() {
    // AUS's mine stops: CHL's 60 t through CHN-ref (16) reach all four
    // consumers alike, 50 t short, each short by 50/110 of its demand:
    // JPN 300/11, USA 100/11, CHN 100/11, AUS 50/11.
    // Cost 60 x 16 + 50 x 1000 = 50,960; extra 49,320.
    let model = load("base");
    let (_, outcomes) = stress(&model, &year());
    let o = find(
        &model,
        &outcomes,
        "AUS",
        Stage::Mining,
        DisruptionKind::Outage,
    );
    assert_unmet(
        &model,
        o,
        &[
            ("AUS-use", 50.0 / 11.0),
            ("CHN-use", 100.0 / 11.0),
            ("JPN-use", 300.0 / 11.0),
            ("USA-use", 100.0 / 11.0),
        ],
    );
    assert_close("cost", o.cost, 50_960.0);
    assert_close("extra cost", o.extra_cost, 49_320.0);
    // CHL instead: AUS's 60 t at 14, 50 short: 840 + 50,000 = 50,840; extra 49,200.
    let o = find(
        &model,
        &outcomes,
        "CHL",
        Stage::Mining,
        DisruptionKind::Outage,
    );
    assert_close("CHL outage unmet", o.unmet(), 50.0);
    assert_close("CHL outage extra cost", o.extra_cost, 49_200.0);
}

#[test]
fn a_mining_export_ban_also_stops_ore_refined_in_a_third_country() {
    // AUS bans exports at the mining stage: AUS ore refined in China (or the
    // USA) may reach no consumer outside Australia. AUS-use still gets AUS
    // ore (10 t at 14, cheaper than CHL's 16); JPN, USA and CHN (100 t)
    // share CHL's 60 t: 40 t short, as 60:20:20 = 24, 8, 8.
    // Cost 10 x 14 + 60 x 16 + 40 x 1000 = 41,100; extra 39,460.
    let model = load("base");
    let (_, outcomes) = stress(&model, &year());
    let o = find(
        &model,
        &outcomes,
        "AUS",
        Stage::Mining,
        DisruptionKind::ExportBan,
    );
    assert_unmet(
        &model,
        o,
        &[
            ("AUS-use", 0.0),
            ("CHN-use", 8.0),
            ("JPN-use", 24.0),
            ("USA-use", 8.0),
        ],
    );
    assert_close("cost", o.cost, 41_100.0);
    assert_close("extra cost", o.extra_cost, 39_460.0);
}

#[test]
fn an_export_ban_leaves_the_countrys_own_consumers_served() {
    // CHN bans exports of what it refines: CHN-use keeps its 20 t from
    // CHN-ref (AUS ore at 14); AUS-use has no other refiner (10 short);
    // JPN and USA get USA-ref's 30 t (AUS ore at 17), 50 short as 37.5 and 12.5.
    // AUS ore 20 + 30 = 50 <= 60. Cost 20 x 14 + 30 x 17 + 60 x 1000 = 60,790.
    let model = load("base");
    let (_, outcomes) = stress(&model, &year());
    let o = find(
        &model,
        &outcomes,
        "CHN",
        Stage::Refining,
        DisruptionKind::ExportBan,
    );
    assert_unmet(
        &model,
        o,
        &[
            ("AUS-use", 10.0),
            ("CHN-use", 0.0),
            ("JPN-use", 37.5),
            ("USA-use", 12.5),
        ],
    );
    assert_close("cost", o.cost, 60_790.0);
    assert_close("extra cost", o.extra_cost, 59_150.0);
    // USA's refiner is not needed at all: its outage and ban change nothing.
    for kind in DisruptionKind::ALL {
        let o = find(&model, &outcomes, "USA", Stage::Refining, kind);
        assert_close("USA unmet", o.unmet(), 0.0);
        assert_close("USA extra cost", o.extra_cost, 0.0);
    }
}

#[test]
fn a_six_month_window_halves_capacities_and_demand() {
    let model = load("base");
    let half = months(6.0);
    let w = half.model(&model, &[]);
    assert_eq!(w.supply[0].capacity, Some(30.0)); // AUS-mine 60
    assert_eq!(w.refining[1].capacity, Some(15.0)); // USA-ref 30
    assert_eq!(w.demand[0].demand, 30.0); // JPN-use 60
    assert!(w.policies.is_empty());
    // Everything of the year, halved: reference 820; the CHN refining
    // outage leaves 40 t unmet (USA-ref's 15 t against JPN + USA's 40 t:
    // 18.75 and 6.25; AUS-use 5, CHN-use 10) and costs 15 x 17 + 40 x 1000 = 40,255.
    let (reference, outcomes) = stress(&model, &half);
    assert_close("reference cost", reference.cost(), 820.0);
    let o = find(
        &model,
        &outcomes,
        "CHN",
        Stage::Refining,
        DisruptionKind::Outage,
    );
    assert_unmet(
        &model,
        o,
        &[
            ("AUS-use", 5.0),
            ("CHN-use", 10.0),
            ("JPN-use", 18.75),
            ("USA-use", 6.25),
        ],
    );
    assert_close("window demand", o.window_demand(), 55.0);
    assert_close("cost", o.cost, 40_255.0);
}

#[test]
fn a_stockpiles_release_is_capped_by_its_stock() {
    // Reference: the stockpile (51 $/t) is not drawn; cost 1640 as in base.
    // CHN refining outage over a year: capacity 40 x 12/12 = 40 but stock
    // 12, so 12 t are released to JPN-use; USA-ref's 30 t and the stock
    // leave 110 - 42 = 68 t unmet. Cost 30 x 17 + 12 x 51 + 68 x 1000 = 69,122.
    let model = load("stock");
    let (reference, outcomes) = stress(&model, &year());
    assert_close("reference cost", reference.cost(), 1640.0);
    assert_close(
        "reference stock drawn",
        reference.commodities[0].stock_drawn,
        0.0,
    );
    let o = find(
        &model,
        &outcomes,
        "CHN",
        Stage::Refining,
        DisruptionKind::Outage,
    );
    assert_close("stock drawn", o.stock_drawn, 12.0);
    assert_close("unmet", o.unmet(), 68.0);
    assert_close("cost", o.cost, 69_122.0);
    assert_close("extra cost", o.extra_cost, 67_482.0);
    for c in &o.consumers {
        let expected = if c.consumer == node(&model, "JPN-use") {
            12.0
        } else {
            0.0
        };
        assert_close("stock drawn by consumer", c.stock_drawn, expected);
    }
    // Over 3 months the capacity binds first: 40 x 3/12 = 10 < 12. Demand
    // 27.5 (JPN 15, USA 5, CHN 5, AUS 2.5); USA-ref 7.5 t and 10 t of stock
    // leave 10 t unmet. Cost 7.5 x 17 + 10 x 51 + 10 x 1000 = 10,637.5.
    let (_, outcomes) = stress(&model, &months(3.0));
    let o = find(
        &model,
        &outcomes,
        "CHN",
        Stage::Refining,
        DisruptionKind::Outage,
    );
    assert_close("stock drawn in 3 months", o.stock_drawn, 10.0);
    assert_close("unmet in 3 months", o.unmet(), 10.0);
    assert_close("cost in 3 months", o.cost, 10_637.5);
}

#[test]
fn a_scenario_may_insert_a_stockpile_with_its_stock() {
    // base + a scenario inserting JPN-stock as in the stock model (stock
    // 12): the CHN refining outage then draws the 12 t, as in
    // a_stockpiles_release_is_capped_by_its_stock.
    let tmp = tempfile::tempdir().expect("temp dir");
    let scenario = tmp.path().join("stock.toml");
    std::fs::write(
        &scenario,
        r#"
[[insert]]
table = "nodes"
rows = [{ id = "JPN-stock", name = "Japanese stockpile", kind = "stockpile", country = "JPN" }]

[[insert]]
table = "supply"
rows = [{ node = "JPN-stock", commodity = "li", capacity = 40, cost = 50, stock = 12 }]

[[insert]]
table = "routes"
rows = [{ from = "JPN-stock", to = "JPN-use", commodity = "li", cost = 1 }]
"#,
    )
    .expect("write the scenario");
    let request = Request {
        scenarios: vec![pipeline::ScenarioSource::File(scenario)],
        allow_outside: true,
        ..Request::folder(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/stress/base"))
    };
    let model = match pipeline::load(&request) {
        Ok(loaded) => loaded.model,
        Err(d) => panic!("the scenario applies:\n{d}"),
    };
    let (_, outcomes) = stress(&model, &year());
    let o = find(
        &model,
        &outcomes,
        "CHN",
        Stage::Refining,
        DisruptionKind::Outage,
    );
    assert_close("stock drawn", o.stock_drawn, 12.0);
    assert_close("unmet", o.unmet(), 68.0);
}

#[test]
fn stock_drawn_is_traced_through_a_hub_and_a_refiner_with_yield() {
    // JPN-stock (stock 30 t) -> hub -> JPN-ref (yield 0.5) -> JPN-use (10 t)
    // and AUS-mine (20 t, dearer) -> hub. JPN-use's 10 t need 20 t of
    // input: the stock's 20 t at 1 + 0 against ore at 5, so all stock.
    // Released 20 t; JPN-use's stock drawn is its 10 t out of the refiner
    // times 1/0.5 = 20 t. Over 6 months: demand 5, so 10 t released.
    let tmp = tempfile::tempdir().expect("temp dir");
    let files = [
        ("model.toml", "name = \"trace\"\ndescription = \"\"\ncurrency = \"USD\"\n\n[defaults]\nshortfall_penalty = 1000\n\n[[commodity]]\nid = \"li\"\nname = \"Lithium\"\nunit = \"t\"\n"),
        ("countries.csv", "code,name,groups,risk\nAUS,Australia,,\nJPN,Japan,,\n"),
        ("nodes.csv", "id,name,kind,country\nJPN-stock,stockpile,stockpile,JPN\nAUS-mine,mine,mine,AUS\nhub,hub,hub,JPN\nJPN-ref,refinery,refiner,JPN\nJPN-use,users,consumer,JPN\n"),
        ("supply.csv", "node,commodity,capacity,cost,stock\nJPN-stock,li,,1,30\nAUS-mine,li,20,5,\n"),
        ("refining.csv", "node,commodity,capacity,cost,yield\nJPN-ref,li,,0,0.5\n"),
        ("demand.csv", "node,commodity,demand,penalty\nJPN-use,li,10,\n"),
        ("routes.csv", "from,to,commodity,cost,capacity\nJPN-stock,hub,li,0,\nAUS-mine,hub,li,0,\nhub,JPN-ref,li,0,\nJPN-ref,JPN-use,li,0,\n"),
    ];
    for (name, text) in files {
        std::fs::write(tmp.path().join(name), text).expect("write the model");
    }
    let model = match pipeline::load(&Request::folder(tmp.path())) {
        Ok(loaded) => loaded.model,
        Err(d) => panic!("the model is valid:\n{d}"),
    };
    for (window, released) in [(year(), 20.0), (months(6.0), 10.0)] {
        let (reference, _) = stress(&model, &window);
        let li = &reference.commodities[0];
        assert_close("released", li.stock_drawn, released);
        assert_close("drawn by JPN-use", li.consumers[0].stock_drawn, released);
        assert_close("unmet", li.unmet(), 0.0);
    }
}

#[test]
fn a_holder_left_out_supplies_nothing_in_the_reference_or_any_disruption() {
    // Without JPN-stock the stock model is base: the CHN refining outage
    // leaves 80 t unmet at 80,510 (see a_refining_outage_...).
    let model = load("stock");
    let (_, outcomes) = stress_without(&model, &year(), &[node(&model, "JPN-stock")]);
    let o = find(
        &model,
        &outcomes,
        "CHN",
        Stage::Refining,
        DisruptionKind::Outage,
    );
    assert_close("stock drawn", o.stock_drawn, 0.0);
    assert_close("unmet", o.unmet(), 80.0);
    assert_close("cost", o.cost, 80_510.0);
}

#[test]
fn a_window_must_last_a_positive_number_of_months() {
    let model = load("base");
    for t in [0.0, -6.0, f64::NAN, f64::INFINITY, 120.5] {
        let r = disruption::run(&model, &[], &months(t), &[], &SolveOptions::default());
        assert!(
            matches!(r, Err(DisruptionError::Months(_))),
            "{t} months accepted"
        );
    }
}

#[test]
fn unknown_names_are_all_reported_with_the_closest_known_one() {
    let model = load("base");
    let errors = disruption::select(
        &model,
        &Stage::ALL,
        &DisruptionKind::ALL,
        &["lithium".into(), "li".into()],
        &["CNH".into(), "XYZ".into()],
    )
    .expect_err("unknown names");
    assert_eq!(
        errors,
        [
            "unknown commodity \"lithium\" (the model has no such commodity)",
            "unknown country \"CNH\" (the model has no such country; did you mean \"CHN\"?)",
            "unknown country \"XYZ\" (the model has no such country)",
        ]
    );
}

mod generated {
    //! On generated models: every disruption of the default set, re-solved
    //! warm from the reference, equals a cold solve of the model with the
    //! disruption written into its data (`disruption::disrupted_model`):
    //! cost and unmet demand per consumer to 1e-9 relative.

    use super::*;
    use proptest::prelude::*;
    use sourcemix::synth::{generate, SynthParams};

    fn load(seed: u64) -> Model {
        match pipeline::load(&Request::texts(generate(&SynthParams::small(seed)))) {
            Ok(loaded) => loaded.model,
            Err(d) => panic!("generated model {seed} is invalid:\n{d}"),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

        #[test]
        fn a_warm_disruption_equals_a_cold_solve_of_the_disrupted_model(
            seed in 0u64..1_000,
            months in prop::sample::select(vec![3.0, 6.0, 12.0]),
            keep_policies in any::<bool>(),
        ) {
            let model = load(seed);
            let set = default_set(&model, &Stage::ALL, &DisruptionKind::ALL, None, None);
            let window = Window { months, keep_policies };
            let options = SolveOptions::default();
            let (reference, warm) = disruption::run(&model, &set, &window, &[], &options)
                .expect("warm");
            let (cold_reference, cold) = disruption::run_cold(&model, &set, &window, &[], &options)
                .expect("cold");
            for (a, b) in reference.commodities.iter().zip(&cold_reference.commodities) {
                prop_assert!(common::close(a.cost, b.cost, 1e-9), "reference cost {} {}", a.cost, b.cost);
            }
            prop_assert_eq!(warm.len(), set.len());
            for (w, c) in warm.iter().zip(&cold) {
                let name = w.disruption.describe(&model);
                prop_assert_eq!(w.disruption, c.disruption);
                prop_assert!(common::close(w.cost, c.cost, 1e-9),
                    "{}: warm cost {} cold {}", name, w.cost, c.cost);
                prop_assert!(common::close(w.unmet(), c.unmet(), 1e-9),
                    "{}: warm unmet {} cold {}", name, w.unmet(), c.unmet());
                for (a, b) in w.consumers.iter().zip(&c.consumers) {
                    prop_assert_eq!(a.consumer, b.consumer);
                    prop_assert!(common::close(a.unmet, b.unmet, 1e-9),
                        "{}: consumer {}: warm unmet {} cold {}",
                        name, model.node(a.consumer).id, a.unmet, b.unmet);
                }
            }
        }
    }
}

mod cli {
    //! `sourcemix stress` on the command line: bad input exits 1 (the
    //! model) or 2 (the command line) with every error named; the output
    //! does not depend on the row order of the files.

    use std::fs;
    use std::path::{Path, PathBuf};

    use assert_cmd::Command;

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    fn stress(args: &[&str]) -> std::process::Output {
        Command::cargo_bin("sourcemix")
            .expect("the sourcemix binary is built")
            .current_dir(root())
            .arg("stress")
            .args(args)
            .output()
            .expect("sourcemix runs")
    }

    fn stderr(out: &std::process::Output) -> String {
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    #[test]
    fn a_window_of_no_or_negative_months_is_a_usage_error() {
        for months in ["-3", "0", "nan", "inf", "six", "121"] {
            let out = stress(&["tests/stress/base", "--months", months]);
            assert_eq!(out.status.code(), Some(2), "--months {months}");
            assert!(
                stderr(&out).contains(&format!("{months} is not a number of months in (0, 120]")),
                "--months {months}: {}",
                stderr(&out)
            );
        }
    }

    #[test]
    fn unknown_countries_and_commodities_are_all_named_and_exit_2() {
        let out = stress(&[
            "tests/stress/base",
            "--country",
            "CNH",
            "--country",
            "XYZ",
            "--commodity",
            "lithium",
        ]);
        assert_eq!(out.status.code(), Some(2));
        let err = stderr(&out);
        for expected in [
            "error: unknown commodity \"lithium\"",
            "error: unknown country \"CNH\" (the model has no such country; did you mean \"CHN\"?)",
            "error: unknown country \"XYZ\"",
        ] {
            assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
        }
        assert!(out.stdout.is_empty());
    }

    #[test]
    fn a_stock_on_a_mine_is_a_model_error_with_file_line_and_column() {
        let out = stress(&["tests/broken/stock-on-a-mine"]);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(
            err.contains("supply.csv:2: column \"stock\": node \"AUS-mine\" is a mine; only stockpile rows have a stock"),
            "{err}"
        );
        assert!(
            err.contains("supply.csv:3: column \"stock\": \"-5\" is negative"),
            "{err}"
        );
    }

    /// `dir` with the data rows of every CSV file in reverse order.
    fn reversed_copy(from: &Path, to: &Path) {
        fs::create_dir_all(to).expect("temp folder");
        for entry in fs::read_dir(from).expect("model folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                continue; // scenarios/: not read by stress without --scenario
            }
            let name = path.file_name().expect("file name");
            let text = fs::read_to_string(&path).expect("model file");
            let text = if path.extension().is_some_and(|e| e == "csv") {
                let mut lines: Vec<&str> = text.lines().collect();
                lines[1..].reverse();
                lines.join("\n") + "\n"
            } else {
                text
            };
            fs::write(to.join(name), text).expect("write");
        }
    }

    #[test]
    fn the_output_is_the_same_whatever_the_row_order() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let reversed = tmp.path().join("stock");
        reversed_copy(&root().join("tests/stress/stock"), &reversed);
        for format in ["json", "csv", "table"] {
            let a = stress(&["tests/stress/stock", "--format", format]);
            let b = stress(&[reversed.to_str().expect("utf-8 path"), "--format", format]);
            assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
            assert_eq!(
                String::from_utf8_lossy(&a.stdout),
                String::from_utf8_lossy(&b.stdout),
                "--format {format}"
            );
        }
    }

    #[test]
    fn the_flagships_output_is_the_same_whatever_the_row_order() {
        // Large penalties (1e6 $/t) times solver noise in unmet demand, and
        // extra costs as differences of totals of 1e10, once differed here.
        let tmp = tempfile::tempdir().expect("temp dir");
        let reversed = tmp.path().join("flagship");
        reversed_copy(&root().join("models/critical-minerals-2024"), &reversed);
        let args = [
            "--format",
            "json",
            "--commodity",
            "nickel",
            "--commodity",
            "cobalt",
        ];
        let a = stress(&[&["models/critical-minerals-2024"], &args[..]].concat());
        let b = stress(&[&[reversed.to_str().expect("utf-8 path")], &args[..]].concat());
        assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
        assert!(
            a.stdout == b.stdout,
            "the JSON differs with the rows reversed"
        );
    }

    #[test]
    fn out_writes_the_report_files() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("out");
        let out = stress(&[
            "tests/stress/base",
            "--stage",
            "refining",
            "--kind",
            "outage",
            "--out",
            dir.to_str().expect("utf-8 path"),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let json: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.join("stress.json")).expect("stress.json"))
                .expect("stress.json is JSON");
        // Ranked: CHN's outage (80 t unmet) before USA's (none).
        assert_eq!(json["disruptions"][0]["country"], "CHN");
        assert_eq!(json["disruptions"][0]["unmet"], 80.0);
        assert_eq!(json["disruptions"][1]["country"], "USA");
        let disruptions = fs::read_to_string(dir.join("disruptions.csv")).expect("csv");
        assert_eq!(disruptions.lines().count(), 3);
        assert!(disruptions.starts_with("rank,commodity,stage,kind,country,window_demand,unmet,"));
        let impacts = fs::read_to_string(dir.join("impacts.csv")).expect("csv");
        // One row per disruption and consumer: 2 x 4.
        assert_eq!(impacts.lines().count(), 9);
        assert!(impacts.contains("1,li,refining,outage,CHN,JPN-use,60.0,22.5,37.5,0.625,"));
    }
}
