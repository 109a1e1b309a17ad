//! `sourcemix frontier`: the curve of the hand model tests/models/frontier-three
//! (derived on paper in its README.md), warm points against cold solves,
//! the free-diversification point, and the command line (formats, --out, errors).

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use sourcemix::diagnostics::Location;
use sourcemix::frontier::{self, Cap, Frontier, FrontierError, Options};
use sourcemix::pipeline::{self, Request, ScenarioSource};
use sourcemix::scenario::{Op, RunParams, Scenario, ShareOp};

const HAND: &str = "tests/models/frontier-three";
const FLAGSHIP: &str = "models/critical-minerals-2024";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The hand model's curve for a cap of s on each country (README.md).
fn cost(s: f64) -> f64 {
    if s >= 0.6 {
        1400.0
    } else if s >= 0.5 {
        2000.0 - 1000.0 * s
    } else if s >= 1.0 / 3.0 {
        4000.0 - 5000.0 * s
    } else {
        100_000.0
    }
}

fn frontier_of(dir: &str, options: Options) -> Frontier {
    let request = frontier::Request {
        run: Request::folder(root().join(dir)),
        options,
    };
    match frontier::run(&request) {
        Ok(run) => run.frontier,
        Err(e) => panic!("{dir}: {e}"),
    }
}

fn policy(name: &str, from: f64, to: f64) -> Options {
    Options {
        from,
        to,
        ..Options::new(Cap::Policy(name.into()))
    }
}

fn assert_close(what: &str, actual: f64, expected: f64, tol: f64) {
    assert!(
        common::close(actual, expected, tol),
        "{what}: got {actual}, expected {expected}"
    );
}

/// Points go from --from to --to, and the cost never falls as the cap tightens.
fn assert_monotone(f: &Frontier) {
    assert_eq!(f.points.first().map(|p| p.share), Some(f.from));
    assert_eq!(f.points.last().map(|p| p.share), Some(f.to));
    for w in f.points.windows(2) {
        assert!(w[0].share > w[1].share, "shares decrease: {:?}", f.points);
        assert!(
            w[1].total_cost >= w[0].total_cost - 1e-6 * w[0].total_cost.abs().max(1.0),
            "cost non-increasing as the cap loosens: {} at {} but {} at {}",
            w[1].total_cost,
            w[1].share,
            w[0].total_cost,
            w[0].share
        );
    }
}

/// Some point lies within `within` of `share`.
fn has_point_near(f: &Frontier, share: f64, within: f64) -> bool {
    f.points.iter().any(|p| (p.share - share).abs() <= within)
}

#[test]
fn hand_model_curve_matches_the_derivation() {
    let f = frontier_of(HAND, policy("cap", 1.0, 0.35));
    assert_eq!(f.cap, "cap");
    assert_eq!(f.rows, 3, "one row per country: CHN, AUS, CAN");
    assert_eq!(f.commodities, ["gr"]);
    assert!(f.complete);
    assert_monotone(&f);
    for p in &f.points {
        let what = format!("share {}", p.share);
        assert_close(&what, p.total_cost, cost(p.share), 1e-6);
        assert_close(&what, p.extra_cost, cost(p.share) - 1400.0, 1e-6);
        assert_close(&what, p.cost.supply, cost(p.share), 1e-6);
        assert_eq!(p.unmet, 0.0, "{what}: all demand met above 1/3");
        // Away from the kinks the shadow price is the slope / 100.
        let slope = if p.share > 0.6 + 1e-9 {
            Some(0.0)
        } else if p.share < 0.6 - 1e-9 && p.share > 0.5 + 1e-9 {
            Some(-10.0)
        } else if p.share < 0.5 - 1e-9 {
            Some(-50.0)
        } else {
            None
        };
        if let Some(x) = slope {
            assert_close(&format!("{what} shadow price"), p.shadow_price, x, 1e-6);
        }
    }
    // The adaptive placement finds both kinks (where the tangents cross).
    let res = f.resolution;
    assert!(
        has_point_near(&f, 0.6, res),
        "a point at the kink 0.6: {:?}",
        f.points
    );
    assert!(
        has_point_near(&f, 0.5, res),
        "a point at the kink 0.5: {:?}",
        f.points
    );
    // ... and few points where the curve is straight.
    assert!(
        f.points.len() <= 12,
        "{} points: {:?}",
        f.points.len(),
        f.points
    );
    let free = &f.free_diversification;
    assert!(
        (free.share - 0.6).abs() <= res,
        "free-diversification point {} (expected 0.6)",
        free.share
    );
    assert_close("free point cost", free.total_cost, 1400.0, 1e-6);
    let below = free.costly_below.expect("tighter shares cost more");
    assert!(below < free.share && free.share - below <= res);
}

#[test]
fn hand_model_jump_at_one_third_is_bracketed() {
    let f = frontier_of(HAND, policy("cap", 1.0, 0.3));
    assert_monotone(&f);
    let res = f.resolution;
    // Below 1/3 nothing can be delivered: all 100 t are unmet.
    for p in &f.points {
        if p.share < 1.0 / 3.0 - 1e-6 {
            assert!(p.total_cost > 99_000.0, "{p:?}");
            assert!(p.unmet > 99.0, "{p:?}");
        } else {
            assert_close(
                &format!("share {}", p.share),
                p.total_cost,
                cost(p.share),
                1e-6,
            );
        }
    }
    // The jump is bracketed to the resolution: the points either side of 1/3
    // are less than two resolutions apart.
    let above = f
        .points
        .iter()
        .filter(|p| p.share >= 1.0 / 3.0)
        .map(|p| p.share)
        .fold(f64::INFINITY, f64::min);
    let below = f
        .points
        .iter()
        .filter(|p| p.share < 1.0 / 3.0)
        .map(|p| p.share)
        .fold(f64::NEG_INFINITY, f64::max);
    assert!(
        above - below < 2.0 * res,
        "jump bracketed by {below} and {above}"
    );
    assert!(has_point_near(&f, 0.6, res) && has_point_near(&f, 0.5, res));
    assert!((f.free_diversification.share - 0.6).abs() <= res);
}

#[test]
fn max_share_keeps_the_models_own_cap() {
    // The model's cap at 0.55 still holds: C(min(s, 0.55)).
    let f = frontier_of(
        HAND,
        Options {
            from: 1.0,
            to: 0.4,
            ..Options::new(Cap::MaxShare)
        },
    );
    assert_eq!(f.cap, "cli-max-share");
    assert_monotone(&f);
    for p in &f.points {
        assert_close(
            &format!("share {}", p.share),
            p.total_cost,
            cost(p.share.min(0.55)),
            1e-6,
        );
    }
    assert!(has_point_near(&f, 0.5, f.resolution));
    assert!((f.free_diversification.share - 0.55).abs() <= f.resolution);
    assert_close("free cost", f.free_diversification.total_cost, 1450.0, 1e-6);
}

/// The total cost of `commodity` solved cold with `request`.
fn cold_cost(request: &Request, commodity: Option<&str>) -> f64 {
    let run = pipeline::run(request).unwrap_or_else(|e| panic!("cold solve: {e}"));
    let model = &run.loaded.model;
    run.outcome
        .commodities
        .iter()
        .filter(|c| commodity.is_none_or(|k| model.commodity(c.program.commodity).id == k))
        .map(|c| c.solved.solution().objective)
        .sum()
}

/// The model with policy `name` at `share`, written in by a scenario.
fn with_share(dir: &Path, name: &str, share: f64) -> Request {
    Request {
        scenarios: vec![ScenarioSource::Loaded(Scenario {
            ops: vec![(
                Location::file("test"),
                Op::Share(ShareOp {
                    name: name.into(),
                    share,
                }),
            )],
            sources: Vec::new(),
        })],
        ..Request::folder(dir)
    }
}

#[test]
fn warm_points_equal_cold_solves() {
    let dir = root().join(HAND);
    let f = frontier_of(HAND, policy("cap", 1.0, 0.35));
    for p in &f.points {
        let cold = cold_cost(&with_share(&dir, "cap", p.share), None);
        assert_close(&format!("hand share {}", p.share), p.total_cost, cold, 1e-9);
    }
    let f = frontier_of(
        HAND,
        Options {
            to: 0.4,
            ..Options::new(Cap::MaxShare)
        },
    );
    for p in &f.points {
        let cold = cold_cost(
            &Request {
                params: RunParams {
                    max_share: Some(p.share),
                    ..RunParams::default()
                },
                ..Request::folder(&dir)
            },
            None,
        );
        assert_close(&format!("max-share {}", p.share), p.total_cost, cold, 1e-9);
    }
}

#[test]
fn flagship_graphite_refining_frontier_matches_cold_solves() {
    let dir = root().join(FLAGSHIP);
    let name = "crma-single-country-refining";
    let f = frontier_of(
        FLAGSHIP,
        Options {
            commodity: Some("graphite".into()),
            ..policy(name, 1.0, 0.3)
        },
    );
    assert_eq!(f.commodities, ["graphite"]);
    assert!(f.rows > 0);
    assert!(f.complete, "{} points", f.points.len());
    assert_monotone(&f);
    // Every fourth point, the free point and the ends, against a cold solve
    // of the model with that share written in.
    let free = f.free_diversification.share;
    for (i, p) in f.points.iter().enumerate() {
        if i % 4 != 0 && p.share != free && i + 1 != f.points.len() {
            continue;
        }
        let cold = cold_cost(&with_share(&dir, name, p.share), Some("graphite"));
        assert_close(
            &format!("flagship share {}", p.share),
            p.total_cost,
            cold,
            1e-9,
        );
    }
    // Where unmet demand begins (non-Chinese refining runs out for the EU:
    // a concave piece meeting a kink), the points are within the resolution.
    let onset = f
        .points
        .windows(2)
        .find(|w| w[0].unmet == 0.0 && w[1].unmet > 0.0)
        .expect("a tight cap leaves EU graphite unmet");
    assert!(
        onset[0].share - onset[1].share <= f.resolution + 1e-12,
        "unmet begins between {} and {}",
        onset[1].share,
        onset[0].share
    );
    // The free point costs what 100% costs; a resolution tighter costs more.
    let base = f.points[0].total_cost;
    assert_close("free point", f.free_diversification.total_cost, base, 1e-6);
    if let Some(below) = f.free_diversification.costly_below {
        let cold = cold_cost(&with_share(&dir, name, below), Some("graphite"));
        let within = f.free_diversification.tolerance_cost;
        assert!(cold > base + within, "{cold} at {below}");
    }
}

#[test]
fn unknown_policy_floor_and_bad_commodity_are_model_errors() {
    let request = |options: Options| frontier::Request {
        run: Request::folder(root().join(HAND)),
        options,
    };
    let message = |options: Options| match frontier::run(&request(options)) {
        Err(FrontierError::Invalid(d)) => d.to_string(),
        Err(e) => panic!("expected an invalid model, got {e}"),
        Ok(_) => panic!("expected an error"),
    };
    let text = message(policy("capp", 1.0, 0.5));
    assert!(text.contains("model.toml"), "{text}");
    assert!(text.contains("did you mean \"cap\""), "{text}");
    let text = message(Options {
        commodity: Some("gx".into()),
        ..policy("cap", 1.0, 0.5)
    });
    assert!(text.contains("did you mean \"gr\""), "{text}");
    let floor = frontier::Request {
        run: Request::folder(root().join("tests/models/min-share")),
        options: policy("partners", 1.0, 0.5),
    };
    match frontier::run(&floor) {
        Err(FrontierError::Invalid(d)) => {
            let text = d.to_string();
            assert!(
                text.contains("min_share") && text.contains("model.toml:"),
                "{text}"
            );
        }
        _ => panic!("a floor cannot be tightened as a cap"),
    }
    match frontier::run(&request(policy("cap", 0.3, 0.5))) {
        Err(FrontierError::Usage(u)) => assert!(u.contains("--from"), "{u}"),
        _ => panic!("--from below --to is a usage error"),
    }
}

// ---- the command line ----

fn sourcemix() -> Command {
    let mut cmd = Command::cargo_bin("sourcemix").expect("the sourcemix binary is built");
    cmd.current_dir(root());
    cmd
}

fn output(args: &[&str]) -> (Option<i32>, String, String) {
    let out = sourcemix().args(args).output().expect("sourcemix runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_table_json_and_csv_agree() {
    let base = ["frontier", HAND, "--policy", "cap", "--to", "0.35"];
    let with = |extra: &[&str]| {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        let (code, out, err) = output(&args);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        out
    };
    let table = with(&[]);
    assert!(table.contains("free-diversification point"), "{table}");
    assert!(table.contains("60.00%"), "{table}");
    assert!(table.contains("1,400.00"), "{table}");
    let json: Value = serde_json::from_str(&with(&["--format", "json"])).expect("JSON");
    let free = json["free_diversification"]["share"]
        .as_f64()
        .expect("share");
    assert!((free - 0.6).abs() <= 1e-4, "{json}");
    let points = json["points"].as_array().expect("points");
    let csv = with(&["--format", "csv"]);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(frontier::CSV_HEADER.join(",").as_str()));
    assert_eq!(lines.count(), points.len(), "{csv}");
    assert!(
        csv.contains(",from,false") && csv.contains(",to,false"),
        "{csv}"
    );
    assert!(csv.contains(",true\n"), "the free point is marked: {csv}");
}

#[test]
fn cli_out_writes_both_files_whole() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("front");
    let out_s = out.to_string_lossy().into_owned();
    let args = [
        "frontier",
        HAND,
        "--max-share",
        "--to",
        "0.4",
        "--out",
        &out_s,
    ];
    let (code, _, err) = output(&args);
    assert_eq!(code, Some(0), "{err}");
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .expect("out dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, frontier::OUT_FILES);
    let json: Frontier =
        serde_json::from_slice(&std::fs::read(out.join("frontier.json")).expect("read"))
            .expect("frontier.json parses");
    assert_eq!(json.cap, "cli-max-share");
    let csv = std::fs::read_to_string(out.join("frontier.csv")).expect("read");
    assert_eq!(csv.lines().count(), json.points.len() + 1);
    // Written again over itself: fine. Over a folder with a foreign file: exit 4, untouched.
    let (code, _, err) = output(&args);
    assert_eq!(code, Some(0), "{err}");
    std::fs::write(out.join("notes.txt"), "mine").expect("write");
    let (code, _, err) = output(&args);
    assert_eq!(code, Some(4), "{err}");
    assert!(out.join("notes.txt").exists());
}

#[test]
fn cli_errors_have_their_exit_codes() {
    // Usage (2): a share out of range, --from below --to, no cap named.
    for args in [
        &["frontier", HAND, "--policy", "cap", "--to", "1.5"][..],
        &[
            "frontier", HAND, "--policy", "cap", "--from", "0.3", "--to", "0.5",
        ],
        &["frontier", HAND],
        &["frontier", HAND, "--policy", "cap", "--max-share"],
        &["frontier", HAND, "--policy", "cap", "--tolerance", "0"],
    ] {
        let (code, _, err) = output(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
    }
    // The model (1): an unknown policy, with the model.toml location and a guess.
    let (code, _, err) = output(&["frontier", HAND, "--policy", "cpa"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("model.toml") && err.contains("did you mean \"cap\""),
        "{err}"
    );
    let (code, _, err) = output(&["frontier", "tests/models/min-share", "--policy", "partners"]);
    assert_eq!(code, Some(1), "{err}");
    let (code, _, err) = output(&["frontier", "no/such/model", "--max-share"]);
    assert_eq!(code, Some(1), "{err}");
}

#[test]
fn cli_output_is_deterministic_apart_from_timings() {
    let args = [
        "frontier",
        HAND,
        "--max-share",
        "--to",
        "0.3",
        "--format",
        "json",
    ];
    let runs: Vec<Value> = (0..2)
        .map(|_| {
            let (code, out, err) = output(&args);
            assert_eq!(code, Some(0), "{err}");
            let mut v: Value = serde_json::from_str(&out).expect("JSON");
            v["timings"] = Value::Null;
            v
        })
        .collect();
    assert_eq!(runs[0], runs[1]);
    let (_, a, _) = output(&["frontier", HAND, "--policy", "cap", "--format", "csv"]);
    let (_, b, _) = output(&["frontier", HAND, "--policy", "cap", "--format", "csv"]);
    assert_eq!(a, b);
}

/// Simplex and interior point reach different vertices at the points of the
/// curve (at a kink especially); each point reports the tie-break optimum
/// and a one-sided slope, so the frontier is the same byte for byte
/// (timings aside). With the vertices' own duals, the slope at share 1.0
/// was -565,070 USD per point by simplex and -38.5 bn by interior point on
/// this model (the one-sided slope there is 0: a cap of 100% cannot bind).
#[test]
fn the_frontier_is_the_same_whatever_the_method() {
    use sourcemix::solve::{Method, SolveOptions};
    let json = |method| {
        let request = frontier::Request {
            run: Request {
                solve: SolveOptions::with_method(method),
                ..Request::folder(root().join(FLAGSHIP))
            },
            options: Options {
                commodity: Some("graphite".into()),
                tolerance: 0.01,
                ..policy("crma-single-country-refining", 1.0, 0.3)
            },
        };
        let mut f = frontier::run(&request).expect("frontier").frontier;
        f.timings = Default::default();
        serde_json::to_string(&f).unwrap()
    };
    assert_eq!(json(Method::Simplex), json(Method::InteriorPoint));
}
