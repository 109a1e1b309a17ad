//! The tie-break rule (contract section 6, docs/tie-break.md) on models whose
//! answer is derived by hand, its invariants on generated models, and the
//! properties it promises: the same answer whatever the order of the rows in
//! the files or the solver method.

mod common;

use std::fs;
use std::path::Path;

use sourcemix::pipeline::{self, Request, Run};
use sourcemix::report::files;
use sourcemix::solve::{Method, SolveOptions};
use sourcemix::synth::{generate, SynthParams};
use sourcemix::tiebreak::TieBreak;

/// Writes a model folder: two recyclers (already refined, so they reach
/// consumers directly) A in AAA and B in BBB at the same cost, consumers in
/// CCC, every route at the same cost, penalty 1000 per t.
fn write_model(dir: &Path, sources: &[(&str, &str, f64)], consumers: &[(&str, f64)]) {
    let mut countries = String::from("code,name,groups,risk\nCCC,Consumers,,\n");
    let mut nodes = String::from("id,name,kind,country\n");
    let mut supply = String::from("node,commodity,capacity,cost\n");
    let mut demand = String::from("node,commodity,demand,penalty\n");
    let mut routes = String::from("from,to,commodity,cost,capacity\n");
    for (id, country, capacity) in sources {
        countries.push_str(&format!("{country},{country},,\n"));
        nodes.push_str(&format!("{id},{id},recycler,{country}\n"));
        supply.push_str(&format!("{id},k,{capacity},10\n"));
    }
    for (id, d) in consumers {
        nodes.push_str(&format!("{id},{id},consumer,CCC\n"));
        demand.push_str(&format!("{id},k,{d},\n"));
        for (source, _, _) in sources {
            routes.push_str(&format!("{source},{id},k,1,\n"));
        }
    }
    fs::write(
        dir.join("model.toml"),
        "name = \"tie\"\ncurrency = \"USD\"\n[defaults]\nshortfall_penalty = 1000\n\
         [[commodity]]\nid = \"k\"\nname = \"K\"\nunit = \"t\"\n",
    )
    .unwrap();
    fs::write(dir.join("countries.csv"), countries).unwrap();
    fs::write(dir.join("nodes.csv"), nodes).unwrap();
    fs::write(dir.join("supply.csv"), supply).unwrap();
    fs::write(
        dir.join("refining.csv"),
        "node,commodity,capacity,cost,yield\n",
    )
    .unwrap();
    fs::write(dir.join("demand.csv"), demand).unwrap();
    fs::write(dir.join("routes.csv"), routes).unwrap();
}

fn solve(dir: &Path) -> Run {
    let run = pipeline::run(&Request::folder(dir)).expect("solves");
    common::check_invariants("tie", &run.loaded.model, &run.outcome, &run.report);
    run
}

fn flow(run: &Run, from: &str, to: &str) -> f64 {
    run.report
        .flows
        .iter()
        .filter(|f| f.from == from && f.to == to)
        .map(|f| f.amount)
        .sum()
}

fn assert_near(what: &str, got: f64, want: f64) {
    assert!((got - want).abs() <= 1e-6, "{what}: {got}, expected {want}");
}

/// Two mines of 100 t and 300 t, one consumer of 200 t, all else equal:
/// both run at 50% (50 t and 150 t), not one full and one idle.
#[test]
fn tied_capacities_run_at_equal_utilisation() {
    let tmp = tempfile::tempdir().unwrap();
    write_model(
        tmp.path(),
        &[("A", "AAA", 100.0), ("B", "BBB", 300.0)],
        &[("C", 200.0)],
    );
    let run = solve(tmp.path());
    assert_near("A supplies", flow(&run, "A", "C"), 50.0);
    assert_near("B supplies", flow(&run, "B", "C"), 150.0);
    assert_near("total cost", run.report.total_cost, 200.0 * 11.0);
}

/// Sources of 100 t and 300 t, consumers of 100 t and 300 t, all routes
/// equal: each consumer gets the pool's mix, 25% / 75%.
#[test]
fn consumers_on_a_tied_pool_get_the_pools_mix() {
    let tmp = tempfile::tempdir().unwrap();
    write_model(
        tmp.path(),
        &[("A", "AAA", 100.0), ("B", "BBB", 300.0)],
        &[("C1", 100.0), ("C2", 300.0)],
    );
    let run = solve(tmp.path());
    assert_near("A -> C1", flow(&run, "A", "C1"), 25.0);
    assert_near("B -> C1", flow(&run, "B", "C1"), 75.0);
    assert_near("A -> C2", flow(&run, "A", "C2"), 75.0);
    assert_near("B -> C2", flow(&run, "B", "C2"), 225.0);
    for c in &run.report.consumers {
        assert_near(
            &format!("{} AAA share", c.node),
            c.mining_shares["AAA"],
            0.25,
        );
    }
}

/// Two consumers of 100 t and 300 t with equal penalties and 320 t of
/// supply: the 80 t shortfall is shared in proportion to demand, 20 t and 60 t.
#[test]
fn a_shortfall_is_shared_in_proportion_to_demand() {
    let tmp = tempfile::tempdir().unwrap();
    write_model(
        tmp.path(),
        &[("A", "AAA", 320.0)],
        &[("C1", 100.0), ("C2", 300.0)],
    );
    let run = solve(tmp.path());
    let unmet = |node: &str| {
        run.report
            .consumers
            .iter()
            .find(|c| c.node == node)
            .map(|c| c.unmet)
            .unwrap()
    };
    assert_near("C1 short", unmet("C1"), 20.0);
    assert_near("C2 short", unmet("C2"), 60.0);
}

/// With `TieBreak::None` the solver's vertex comes back: the same cost, and
/// (here) one consumer served from one source only.
#[test]
fn tie_break_none_reports_the_vertex_at_the_same_cost() {
    let tmp = tempfile::tempdir().unwrap();
    write_model(
        tmp.path(),
        &[("A", "AAA", 100.0), ("B", "BBB", 300.0)],
        &[("C", 200.0)],
    );
    let market = solve(tmp.path());
    let request = Request {
        solve: SolveOptions {
            tie_break: TieBreak::None,
            ..SolveOptions::default()
        },
        ..Request::folder(tmp.path())
    };
    let vertex = pipeline::run(&request).unwrap();
    assert_near("cost", vertex.report.total_cost, market.report.total_cost);
    let (a, b) = (flow(&vertex, "A", "C"), flow(&vertex, "B", "C"));
    assert!(
        a == 0.0 || a == 100.0 || b == 0.0 || b == 300.0,
        "not a vertex: {a} {b}"
    );
}

/// Every generated model: the tie-break keeps the LP's least cost (1e-9
/// relative) and every invariant of the solution.
#[test]
fn the_chosen_optimum_costs_the_lp_minimum() {
    for seed in 0..60 {
        let texts = generate(&SynthParams::small(seed));
        let market = pipeline::run(&Request::texts(texts.clone())).expect("solves");
        let name = format!("seed {seed}");
        common::check_invariants(&name, &market.loaded.model, &market.outcome, &market.report);
        for c in &market.outcome.commodities {
            assert!(
                c.tie_break_skipped.is_none(),
                "{name}: {:?}",
                c.tie_break_skipped
            );
        }
        common::check_reported_costs_the_lp_minimum(&name, &market.outcome);
    }
}

/// The report of a run without its timings, as bytes.
fn report_bytes(request: &Request) -> String {
    let mut run = pipeline::run(request).expect("solves");
    run.report.timings = Default::default();
    files::json(&run.report)
}

/// Simplex and interior point reach different vertices of the same face;
/// the tie-break reports the same flows, shares, unmet demand and costs.
#[test]
fn simplex_and_interior_point_give_the_same_report() {
    let mut models = vec![Request::folder(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("models/critical-minerals-2024"),
    )];
    for seed in 0..20 {
        models.push(Request::texts(generate(&SynthParams::small(seed))));
    }
    for base in models {
        let with = |method| Request {
            solve: SolveOptions::with_method(method),
            ..base.clone()
        };
        let simplex = report_bytes(&with(Method::Simplex));
        let ipm = report_bytes(&with(Method::InteriorPoint));
        assert!(
            simplex == ipm,
            "{:?}: simplex and interior point reports differ",
            base.model
        );
    }
}

/// The files of a model with the data rows of every CSV in another order
/// (headers kept), by a seeded shuffle.
fn shuffled(texts: &sourcemix::input::ModelTexts, seed: u64) -> sourcemix::input::ModelTexts {
    let mut out = texts.clone();
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    for (name, text) in out.files.iter_mut() {
        let Some(text) = text else { continue };
        if !name.ends_with(".csv") {
            continue;
        }
        let mut lines: Vec<&str> = text.lines().collect();
        if lines.len() < 3 {
            continue;
        }
        let body = &mut lines[1..];
        for i in (1..body.len()).rev() {
            body.swap(i, next() % (i + 1));
        }
        *text = lines.join("\n") + "\n";
    }
    out
}

/// `report_bytes` without the input line numbers that flows and capacities
/// carry: they point into the files, so they follow the rows when the rows
/// move (parallel routes are then told apart by their amounts).
fn report_without_lines(request: &Request) -> String {
    let mut v: serde_json::Value = serde_json::from_str(&report_bytes(request)).unwrap();
    for list in ["flows", "capacities"] {
        let items = v[list].as_array_mut().unwrap();
        for item in items.iter_mut() {
            item["line"] = serde_json::Value::from(0);
        }
        items.sort_by_key(|item| item.to_string());
    }
    v.to_string()
}

/// Shuffling the rows of every CSV changes the order of the program's
/// columns and rows, so the solver lands on another vertex; the report is
/// the same (timings aside).
#[test]
fn the_order_of_rows_in_the_files_does_not_change_the_report() {
    let mut diags = sourcemix::diagnostics::Diagnostics::new();
    let flagship = sourcemix::input::ModelTexts::read_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("models/critical-minerals-2024"),
        &mut diags,
    );
    let mut models = vec![("flagship".to_string(), flagship)];
    for seed in 0..10 {
        models.push((format!("seed {seed}"), generate(&SynthParams::small(seed))));
    }
    for (name, texts) in models {
        let reference = report_without_lines(&Request::texts(texts.clone()));
        for shuffle in 1..=3 {
            let other = report_without_lines(&Request::texts(shuffled(&texts, shuffle)));
            assert!(
                reference == other,
                "{name}: shuffle {shuffle} changes the report"
            );
        }
    }
}

/// HiGHS's active-set QP gives up on some faces ("cannot find non-active
/// constraint to leave basis"): on the 2040 flagship with no CRMA cap and a
/// Chinese export ban, graphite's QP failed from the LP's vertex and from
/// no start, and was solved once its bounds (up to 1e8 t) were scaled. Every
/// commodity must be tie-broken there, at the LP's least cost.
#[test]
fn a_qp_that_highs_gives_up_on_is_solved_with_scaled_bounds() {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/critical-minerals-2040");
    let scenarios = ["no-crma.toml", "china-export-ban-2030.toml"]
        .map(|s| pipeline::ScenarioSource::File(model.join("scenarios").join(s)));
    let request = Request {
        scenarios: scenarios.to_vec(),
        ..Request::folder(&model)
    };
    let run = pipeline::run(&request).expect("solves");
    assert!(!run.outcome.horizon.is_empty(), "a multi-period run");
    for h in &run.outcome.horizon {
        assert_eq!(h.tie_break_skipped, None, "tie-break not applied");
        // The reported flows' cost, recomputed from the program's costs.
        let costs = h.solved.costs();
        let chosen: f64 = costs
            .iter()
            .zip(&h.reported.columns)
            .map(|(c, x)| c * x)
            .sum();
        let lp = h.solved.solution().objective;
        assert!(
            (lp - chosen).abs() <= 1e-9 * lp.abs(),
            "reported flows cost {chosen}, the LP {lp}"
        );
    }
}
