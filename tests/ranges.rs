//! Share ranges over the optimal face (`solve --ranges`, section 7 of the
//! contract): hand models whose ranges were derived on paper (each folder's
//! ranges.toml shows the derivation), the reported share inside its range,
//! agreement with cold solves on generated models, and an instance left as
//! it was for the analyses that follow.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use good_lp::Expression;
use serde::Deserialize;
use sourcemix::model::{Model, Stage};
use sourcemix::network::{CommodityNetwork, Tracking};
use sourcemix::pipeline::{self, Request, Run};
use sourcemix::program;
use sourcemix::ranges::{self, RangeScope};
use sourcemix::report::{files, RangeKind, RangeReport, Report};
use sourcemix::solve::{SolveOptions, SolvedProgram};
use sourcemix::synth::{generate, SynthParams};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn flagship() -> PathBuf {
    root().join("models/critical-minerals-2024")
}

fn with_ranges(request: Request) -> Run {
    let request = Request {
        ranges: true,
        ..request
    };
    pipeline::run(&request).unwrap_or_else(|e| panic!("{e}"))
}

#[derive(Deserialize)]
struct Expected {
    /// No range beyond those listed.
    #[serde(default)]
    complete: bool,
    range: Vec<ExpectedRange>,
}

#[derive(Deserialize)]
struct ExpectedRange {
    kind: String,
    scope: String,
    commodity: String,
    stage: String,
    country: String,
    min: f64,
    max: f64,
    min_share: f64,
    max_share: f64,
}

fn close(what: &str, actual: f64, expected: f64) {
    assert!(
        common::close(actual, expected, 1e-6),
        "{what}: got {actual}, expected {expected}"
    );
}

fn key(r: &RangeReport) -> String {
    format!(
        "{} {} {} {} {}",
        r.kind, r.scope, r.commodity, r.stage, r.country
    )
}

fn check_hand_model(dir: &Path) {
    let name = dir.display().to_string();
    let text = std::fs::read_to_string(dir.join("ranges.toml")).expect("ranges.toml");
    let expected: Expected =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{name}/ranges.toml: {e}"));
    let run = with_ranges(Request::folder(dir));
    let got: BTreeMap<String, &RangeReport> =
        run.report.ranges.iter().map(|r| (key(r), r)).collect();
    for e in &expected.range {
        let k = format!(
            "{} {} {} {} {}",
            e.kind, e.scope, e.commodity, e.stage, e.country
        );
        let r = got
            .get(&k)
            .unwrap_or_else(|| panic!("{name}: no range {k}; ranges are {:#?}", got.keys()));
        close(&format!("{name} {k} min"), r.min, e.min);
        close(&format!("{name} {k} max"), r.max, e.max);
        close(&format!("{name} {k} min_share"), r.min_share, e.min_share);
        close(&format!("{name} {k} max_share"), r.max_share, e.max_share);
    }
    if expected.complete {
        assert_eq!(
            got.len(),
            expected.range.len(),
            "{name}: ranges are {:#?}",
            got.keys()
        );
    }
    check_inside(&name, &run.report);
}

#[test]
fn two_equal_cost_mines_leave_the_split_open() {
    check_hand_model(&root().join("tests/models/ranges-two-mines"));
}

#[test]
fn binding_caps_force_every_range_to_a_point() {
    check_hand_model(&root().join("tests/models/ranges-forced-cap"));
}

#[test]
fn a_pooled_scope_is_firm_while_its_members_are_not() {
    check_hand_model(&root().join("tests/models/ranges-group-pool"));
}

/// Every range has 0 <= min <= max <= demand; every country a consumer buys
/// from has a range, and the reported tonnes (delivered x share) lie inside
/// it; a pooled scope's reported tonnes lie inside its range too.
fn check_inside(name: &str, report: &Report) {
    let tol = |demand: f64| 1e-6 * demand.max(1.0);
    let by_key: BTreeMap<(&str, &str, Stage, &str), &RangeReport> = report
        .ranges
        .iter()
        .filter(|r| r.kind == RangeKind::Consumer)
        .map(|r| {
            (
                (
                    r.scope.as_str(),
                    r.commodity.as_str(),
                    r.stage,
                    r.country.as_str(),
                ),
                r,
            )
        })
        .collect();
    for r in &report.ranges {
        let what = format!("{name}: {}", key(r));
        assert!(r.min >= 0.0 && r.min <= r.max, "{what}: {r:?}");
        assert!(r.max <= r.demand + tol(r.demand), "{what}: {r:?}");
        assert!(
            0.0 <= r.min_share && r.min_share <= r.max_share && r.max_share <= 1.0,
            "{what}: {r:?}"
        );
        assert!(
            r.amount >= r.min - tol(r.demand) && r.amount <= r.max + tol(r.demand),
            "{what}: reported {} outside [{}, {}]",
            r.amount,
            r.min,
            r.max
        );
    }
    for c in &report.consumers {
        for (stage, shares) in [
            (Stage::Mining, &c.mining_shares),
            (Stage::Refining, &c.refining_shares),
        ] {
            for (country, share) in shares {
                let amount = c.delivered * share;
                if amount <= 1e-6 {
                    continue;
                }
                let what = format!("{name}: {} {} {stage} {country}", c.node, c.commodity);
                let r = by_key
                    .get(&(
                        c.node.as_str(),
                        c.commodity.as_str(),
                        stage,
                        country.as_str(),
                    ))
                    .unwrap_or_else(|| panic!("{what}: bought ({amount} t) but has no range"));
                assert!(
                    amount >= r.min - tol(c.demand) && amount <= r.max + tol(c.demand),
                    "{what}: reported {amount} t outside [{}, {}]",
                    r.min,
                    r.max
                );
            }
        }
    }
}

#[test]
fn the_reported_share_lies_inside_its_range_on_the_flagship() {
    let run = with_ranges(Request::folder(flagship()));
    assert!(run.report.ranges.len() > 100, "{}", run.report.ranges.len());
    assert!(run
        .report
        .ranges
        .iter()
        .any(|r| r.kind == RangeKind::Scope && r.scope == "group:EU"));
    check_inside("flagship", &run.report);
    let stats = run.range_stats.expect("stats");
    eprintln!("flagship ranges: {stats:?}");
    assert_eq!(stats.cold, 0, "every warm re-solve stayed on the face");
}

/// The least and most F_X of `consumers` over the face, each by a cold solve
/// of a fresh program with both stages tracked: no warm start, no skipping.
fn cold_range(model: &Model, run: &Run, range: &ranges::ShareRange) -> (f64, f64) {
    let k = range.commodity;
    let both = Tracking {
        mining: true,
        refining: true,
    };
    let net = CommodityNetwork::build_with(model, k, both);
    let c_star = run
        .outcome
        .commodities
        .iter()
        .find(|c| c.program.commodity == k)
        .expect("the commodity was solved")
        .solved
        .solution()
        .objective;
    let bound = c_star + ranges::FACE_TOLERANCE * c_star.abs().max(1.0);
    let consumers = match &range.scope {
        RangeScope::Consumer(c) => vec![*c],
        RangeScope::Pooled { consumers, .. } => consumers.clone(),
    };
    let mut out = [0.0; 2];
    for (slot, sign) in [(0, 1.0), (1, -1.0)] {
        let (program, mut lp) = program::build(model, &net);
        let mut cost = Expression::default();
        for (i, f) in program.flows.iter().enumerate() {
            if lp.costs[i] != 0.0 {
                cost.add_mul(lp.costs[i], f.var);
            }
        }
        for (j, u) in program.unmet.iter().enumerate() {
            cost.add_mul(lp.costs[program.flows.len() + j], u.1);
        }
        lp.rows.push(cost.leq(bound));
        lp.bounds.push((f64::NEG_INFINITY, bound));
        let mut objective = Expression::default();
        let mut costs = vec![0.0; lp.costs.len()];
        let mut counted = Vec::new();
        for (i, f) in program.flows.iter().enumerate() {
            if consumers.contains(&model.route(f.route).to)
                && f.label.country_at(range.stage) == Some(range.country)
            {
                objective.add_mul(sign, f.var);
                costs[i] = sign;
                counted.push(i);
            }
        }
        lp.objective = objective;
        lp.costs = costs;
        let solved = SolvedProgram::solve(&program, lp, "cold", &SolveOptions::default())
            .expect("the cold range program solves");
        out[slot] = counted.iter().map(|&i| solved.solution().flows[i]).sum();
    }
    (out[0], out[1])
}

#[test]
fn ranges_on_generated_models_agree_with_cold_solves() {
    let mut checked = 0;
    for seed in 0..40u64 {
        let texts = generate(&SynthParams::small(seed));
        let mut run = pipeline::run(&Request::texts(texts)).unwrap_or_else(|e| panic!("{e}"));
        let model = run.loaded.model.clone();
        let computed = ranges::compute(&model, &mut run.outcome, &SolveOptions::default())
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let report = Report {
            ranges: sourcemix::report::range_reports(
                &model,
                &computed.ranges,
                &run.report.consumers,
            ),
            ..run.report.clone()
        };
        check_inside(&format!("seed {seed}"), &report);
        for r in &computed.ranges {
            let (min, max) = cold_range(&model, &run, r);
            let tol = 1e-6 * r.demand.max(1.0);
            assert!(
                (r.min - min).abs() <= tol && (r.max - max).abs() <= tol,
                "seed {seed}: {r:?}: warm [{}, {}], cold [{min}, {max}]",
                r.min,
                r.max
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} ranges checked");
}

/// The ranges run on the kept instances; afterwards each instance has the
/// same costs, rows and solution, and a re-solve finds the LP optimum again
/// from the restored basis without an iteration.
#[test]
fn ranges_leave_the_kept_instance_as_it_was() {
    for request in [
        Request::folder(flagship()),
        Request::texts(generate(&SynthParams::small(7))),
    ] {
        let mut run = pipeline::run(&request).unwrap_or_else(|e| panic!("{e}"));
        let model = run.loaded.model.clone();
        let before: Vec<(Vec<f64>, usize, f64, Vec<f64>)> = run
            .outcome
            .commodities
            .iter()
            .map(|c| {
                let s = &c.solved;
                (
                    s.costs().to_vec(),
                    s.rows(),
                    s.solution().objective,
                    s.solution().columns.clone(),
                )
            })
            .collect();
        ranges::compute(&model, &mut run.outcome, &SolveOptions::default()).expect("ranges");
        let again = run.outcome.report(&model);
        let mut first = run.report.clone();
        first.timings = Default::default();
        assert!(
            files::json(&again) == files::json(&first),
            "the report changed after the ranges"
        );
        for (c, (costs, rows, objective, columns)) in run.outcome.commodities.iter_mut().zip(before)
        {
            let s = &mut c.solved;
            assert_eq!(s.costs(), costs.as_slice());
            assert_eq!(s.rows(), rows);
            assert_eq!(s.solution().columns, columns);
            let resolved = s.resolve().expect("re-solves");
            assert!(
                common::close(resolved.objective, objective, 1e-9),
                "{} vs {objective}",
                resolved.objective
            );
            assert_eq!(
                resolved.stats.simplex_iterations, 0,
                "the restored basis is optimal"
            );
        }
    }
}

/// Asking for ranges adds the `ranges` key and its timing, and nothing else.
#[test]
fn asking_for_ranges_changes_nothing_else() {
    let plain = pipeline::run(&Request::folder(flagship())).expect("solves");
    let ranged = with_ranges(Request::folder(flagship()));
    assert!(!ranged.report.ranges.is_empty());
    assert!(ranged.report.timings.ranges > 0.0);
    let strip = |r: &Report| {
        let mut r = r.clone();
        r.ranges.clear();
        r.timings = Default::default();
        files::json(&r)
    };
    assert_eq!(strip(&plain.report), strip(&ranged.report));
    let json = files::json(&plain.report);
    assert!(!json.contains("\"ranges\""), "no ranges key when not asked");
}

#[test]
fn solve_ranges_prints_brackets_and_writes_ranges_csv() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("out");
    let model = root().join("tests/models/ranges-group-pool");
    let output = Command::cargo_bin("sourcemix")
        .expect("the binary is built")
        .arg("solve")
        .arg(&model)
        .arg("--ranges")
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let table = String::from_utf8_lossy(&output.stdout);
    // Which vertex the solver returns is not fixed; the ranges are.
    assert!(
        table.contains("[25.0-50.0]") && table.contains("[50.0-75.0]"),
        "{table}"
    );
    assert!(
        table.contains("group:EU li           mining"),
        "pooled scopes are listed: {table}"
    );
    let csv = std::fs::read_to_string(out.join("ranges.csv")).expect("ranges.csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("commodity,kind,scope,stage,country,demand,amount,min,max,min_share,max_share")
    );
    assert!(
        csv.contains("li,scope,group:EU,mining,CHN,100.0,60.0,60.0,60.0,0.6"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 1 + 14, "{csv}");
    // Without --ranges: no ranges.csv (the stale one goes with the swap), no brackets.
    let output = Command::cargo_bin("sourcemix")
        .expect("the binary is built")
        .arg("solve")
        .arg(&model)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    assert!(!out.join("ranges.csv").exists());
    assert!(!String::from_utf8_lossy(&output.stdout).contains('['));
}

/// Medium (four commodities, two of which do not track both stages): every
/// reported share lies inside its range, including where a warm re-solve
/// left the face and was redone cold.
#[test]
fn the_reported_share_lies_inside_its_range_on_medium() {
    let run = with_ranges(Request::texts(generate(&SynthParams::medium())));
    let stats = run.range_stats.expect("stats");
    eprintln!("medium ranges: {stats:?}");
    assert!(stats.tracked_programs > 0, "{stats:?}");
    assert!(run.report.ranges.len() > 1000);
    check_inside("medium", &run.report);
}
