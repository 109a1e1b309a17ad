//! `sourcemix frontier` on a multi-period model: the hand model
//! tests/models/frontier-periods (derived on paper in its README.md and
//! below), the cap tightened in every period or in one (`--year`), warm
//! points against cold solves, `--max-share`, and the errors of `--year`.
//!
//! The derivation (README.md has it in full). Periods 2024 and 2030, six
//! years each, discount rate 0: W = 6 and 6. JPN-use needs 100 t a year
//! (penalty 100). CHN's mine: 10 $/t, 80 t a year. AUS's mine: 20 $/t, 30 t
//! a year, expandable (capex 240 per t a year, lifetime 12: 20 a year):
//! built in 2024 it is available in both periods and costs 12 x 20 = 240;
//! built in 2030, 6 x 20 = 120. Each country refines its own ore at home
//! (cost 0), so refining shares are mining shares. The cap limits each
//! country's mining share to s (model.toml: 0.9, not binding).
//!
//! In a period with the cap at s, all 100 t delivered (the shortfall, 100
//! $/t, is never cheaper than the dearest way to meet a tonne, 10 s + 60
//! (1 - s) <= 60): CHN min(80, 100 s), AUS the rest. The annual operating
//! cost is 1200 for s >= 0.8, else 1000 s + 2000 (1 - s) = 2000 - 1000 s;
//! AUS needs x = 70 - 100 s t a year added below s = 0.7 (AUS <= 100 s
//! holds for s >= 0.5).
//!
//! - every period at s: 6 x 2 x op(s) + 240 x (added in 2024, also serving
//!   2030): 14400 (s >= 0.8); 24000 - 12000 s (0.7..0.8); 40800 - 36000 s
//!   (0.5..0.7). Slopes 0, -12000, -36000: -120 and -360 per point.
//! - 2030 only (2024 at 0.9: 7200): 7200 + 6 op(s) + 120 x: 14400;
//!   19200 - 6000 s; 27600 - 18000 s. Per point: 0, -60, -180.
//! - 2024 only (2030 at 0.9): 7200 + 6 op(s) + 240 x (built in 2024, the
//!   only period it can be built for 2024, idle in 2030): 14400;
//!   19200 - 6000 s; 36000 - 30000 s. Per point: 0, -60, -300.
//!
//! Kinks at 0.8 (the free-diversification point) and 0.7 in every case.

mod common;

use std::path::PathBuf;

use assert_cmd::Command;
use sourcemix::diagnostics::Location;
use sourcemix::frontier::{self, Cap, Frontier, FrontierError, Options};
use sourcemix::pipeline::{self, Request, ScenarioSource};
use sourcemix::scenario::{Op, RunParams, Scenario, ShareOp};

const PERIODS: &str = "tests/models/frontier-periods";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Which periods the cap is tightened in.
#[derive(Copy, Clone, Debug)]
enum Varied {
    All,
    Only2030,
    Only2024,
}

/// The total cost (present value) at share s, from the derivation above.
fn cost(v: Varied, s: f64) -> f64 {
    let (flat, mid, low) = match v {
        Varied::All => (14400.0, (24000.0, 12000.0), (40800.0, 36000.0)),
        Varied::Only2030 => (14400.0, (19200.0, 6000.0), (27600.0, 18000.0)),
        Varied::Only2024 => (14400.0, (19200.0, 6000.0), (36000.0, 30000.0)),
    };
    if s >= 0.8 {
        flat
    } else if s >= 0.7 {
        mid.0 - mid.1 * s
    } else {
        low.0 - low.1 * s
    }
}

/// The investment (present value): x = 70 - 100 s t a year below 0.7, at 240
/// (built in 2024) or 120 (built in 2030) per t a year.
fn investment(v: Varied, s: f64) -> f64 {
    let x = (70.0 - 100.0 * s).max(0.0);
    match v {
        Varied::All | Varied::Only2024 => 240.0 * x,
        Varied::Only2030 => 120.0 * x,
    }
}

/// The shadow price per percentage point: the slope one point higher (a
/// share one point looser), as the frontier prices it.
fn shadow(v: Varied, s: f64) -> f64 {
    let steep = match v {
        Varied::All => -360.0,
        Varied::Only2030 => -180.0,
        Varied::Only2024 => -300.0,
    };
    let mid = match v {
        Varied::All => -120.0,
        Varied::Only2030 | Varied::Only2024 => -60.0,
    };
    if s >= 0.8 - 1e-9 {
        0.0
    } else if s >= 0.7 - 1e-9 {
        mid
    } else {
        steep
    }
}

fn frontier_of(options: Options) -> Frontier {
    let request = frontier::Request {
        run: Request::folder(root().join(PERIODS)),
        options,
    };
    match frontier::run(&request) {
        Ok(run) => run.frontier,
        Err(e) => panic!("{PERIODS}: {e}"),
    }
}

fn options(cap: Cap, year: Option<i32>) -> Options {
    Options {
        from: 1.0,
        to: 0.5,
        year,
        ..Options::new(cap)
    }
}

fn assert_close(what: &str, actual: f64, expected: f64, tol: f64) {
    assert!(
        common::close(actual, expected, tol),
        "{what}: got {actual}, expected {expected}"
    );
}

/// Every point, slope, kink and the free-diversification point of `f`
/// against the derivation for `v`.
fn check_curve(f: &Frontier, v: Varied) {
    assert_eq!(f.points.first().map(|p| p.share), Some(1.0));
    assert_eq!(f.points.last().map(|p| p.share), Some(0.5));
    assert!(f.complete);
    for p in &f.points {
        let what = format!("{v:?} share {}", p.share);
        assert_close(&what, p.total_cost, cost(v, p.share), 1e-9);
        assert_close(
            &format!("{what} extra"),
            p.extra_cost,
            cost(v, p.share) - 14400.0,
            1e-9,
        );
        let inv = p
            .investment
            .expect("a multi-period point has an investment");
        assert_close(
            &format!("{what} investment"),
            inv,
            investment(v, p.share),
            1e-9,
        );
        // The operating parts and the investment add up to the total.
        assert_close(
            &format!("{what} parts"),
            p.cost.total() + inv,
            p.total_cost,
            1e-9,
        );
        assert_eq!(p.unmet, 0.0, "{what}: all demand met down to 0.5");
        assert_close(
            &format!("{what} shadow price"),
            p.shadow_price,
            shadow(v, p.share),
            1e-9,
        );
    }
    // Both kinks get a point, exactly (piecewise linear: where the tangents cross).
    for kink in [0.8, 0.7] {
        assert!(
            f.points.iter().any(|p| (p.share - kink).abs() < 1e-9),
            "{v:?}: a point at the kink {kink}: {:?}",
            f.points.iter().map(|p| p.share).collect::<Vec<_>>()
        );
    }
    // ... and few elsewhere.
    assert!(f.points.len() <= 12, "{v:?}: {} points", f.points.len());
    let free = &f.free_diversification;
    assert!(
        (free.share - 0.8).abs() <= f.resolution,
        "{v:?}: free-diversification point {} (expected 0.8)",
        free.share
    );
    assert_close("free point cost", free.total_cost, 14400.0, 1e-9);
    let below = free.costly_below.expect("tighter shares cost more");
    assert!(below < free.share && free.share - below <= f.resolution);
}

#[test]
fn every_period_curve_matches_the_derivation() {
    let f = frontier_of(options(Cap::Policy("cap".into()), None));
    assert_eq!(f.cap, "cap");
    assert_eq!(f.rows, 4, "CHN and AUS rows in each of the two periods");
    let periods = f.periods.as_ref().expect("a multi-period frontier");
    assert_eq!(periods.years, [2024, 2030]);
    assert_eq!(periods.year, None);
    assert_eq!(periods.varied, [2024, 2030]);
    check_curve(&f, Varied::All);
}

#[test]
fn one_period_curves_match_the_derivation() {
    for (year, v) in [(2030, Varied::Only2030), (2024, Varied::Only2024)] {
        let f = frontier_of(options(Cap::Policy("cap".into()), Some(year)));
        assert_eq!(f.rows, 2, "{year}: CHN and AUS rows of that period");
        let periods = f.periods.as_ref().expect("a multi-period frontier");
        assert_eq!(periods.year, Some(year));
        assert_eq!(periods.varied, [year]);
        check_curve(&f, v);
    }
}

#[test]
fn max_share_is_added_in_every_period() {
    // cli-max-share caps mining and refining; each country refines its own
    // ore, so its curve is the policy's (the model's own 0.9 cap never binds
    // below the free point). With --year the other period keeps --from (1.0).
    let f = frontier_of(options(Cap::MaxShare, None));
    assert_eq!(f.cap, "cli-max-share");
    check_curve(&f, Varied::All);
    let f = frontier_of(options(Cap::MaxShare, Some(2024)));
    check_curve(&f, Varied::Only2024);
}

/// The model with policy `name` at `share` in every period, written in by a scenario.
fn with_share(name: &str, share: f64) -> Request {
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
        ..Request::folder(root().join(PERIODS))
    }
}

/// The present value of the total cost of a cold solve of `request`, as `solve` reports it.
fn cold_total(request: &Request) -> f64 {
    let loaded = pipeline::load(request).unwrap_or_else(|d| panic!("{d}"));
    let horizon = loaded.model.horizon.as_deref().expect("periods");
    let outcomes = sourcemix::horizon::solve(&loaded.model, horizon, &request.solve)
        .unwrap_or_else(|e| panic!("cold solve: {e}"));
    sourcemix::horizon::report(&loaded.model, horizon, &outcomes).total_cost
}

#[test]
fn warm_points_equal_cold_solves() {
    let f = frontier_of(options(Cap::Policy("cap".into()), None));
    for p in &f.points {
        let cold = cold_total(&with_share("cap", p.share));
        assert_close(&format!("share {}", p.share), p.total_cost, cold, 1e-9);
    }
    let f = frontier_of(options(Cap::MaxShare, None));
    for p in f.points.iter().step_by(3) {
        let cold = cold_total(&Request {
            params: RunParams {
                max_share: Some(p.share),
                ..RunParams::default()
            },
            ..Request::folder(root().join(PERIODS))
        });
        assert_close(&format!("max-share {}", p.share), p.total_cost, cold, 1e-9);
    }
}

/// The model with its policy from 2030 on (`from_year = 2030`), in a temporary folder.
fn from_2030() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(root().join(PERIODS)).expect("the model folder") {
        let path = entry.expect("an entry").path();
        let file = path.file_name().expect("a file name").to_owned();
        std::fs::copy(&path, tmp.path().join(file)).expect("copy");
    }
    let toml = tmp.path().join("model.toml");
    let text = std::fs::read_to_string(&toml).expect("model.toml");
    assert!(
        text.trim_end().ends_with("share = 0.9"),
        "the policy is last"
    );
    std::fs::write(&toml, format!("{}\nfrom_year = 2030\n", text.trim_end())).expect("write");
    tmp
}

#[test]
fn from_year_is_respected() {
    // The policy is not in force in 2024 (nor in the first period's model):
    // "every period" is 2030 alone, so the curve is the 2030-only curve
    // (2024 uncapped costs 7200 as with the cap at 0.9).
    let tmp = from_2030();
    let request = |year: Option<i32>| frontier::Request {
        run: Request::folder(tmp.path()),
        options: options(Cap::Policy("cap".into()), year),
    };
    let f = match frontier::run(&request(None)) {
        Ok(run) => run.frontier,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(f.rows, 2);
    assert_eq!(
        f.periods.as_ref().map(|p| p.varied.clone()),
        Some(vec![2030])
    );
    check_curve(&f, Varied::Only2030);
    match frontier::run(&request(Some(2024))) {
        Err(FrontierError::Invalid(d)) => {
            let text = d.to_string();
            assert!(
                text.contains("does not apply in 2024") && text.contains("model.toml:"),
                "{text}"
            );
        }
        Err(e) => panic!("expected an invalid model, got {e}"),
        Ok(_) => panic!("the policy does not apply in 2024"),
    }
}

#[test]
fn a_year_that_is_no_period_is_a_model_error() {
    let message = |dir: &str, year: i32| {
        let request = frontier::Request {
            run: Request::folder(root().join(dir)),
            options: options(Cap::Policy("cap".into()), Some(year)),
        };
        match frontier::run(&request) {
            Err(FrontierError::Invalid(d)) => d.to_string(),
            Err(e) => panic!("expected an invalid model, got {e}"),
            Ok(_) => panic!("{dir} --year {year}: expected an error"),
        }
    };
    // Not a period: at the [periods] line (8), with the periods listed.
    let text = message(PERIODS, 2027);
    assert!(
        text.contains("model.toml:8")
            && text.contains("--year 2027 is not a period of the model (its periods: 2024, 2030)"),
        "{text}"
    );
    // A model of one year has no period to name.
    let text = message("tests/models/frontier-three", 2030);
    assert!(
        text.contains("model.toml") && text.contains("has no [periods]"),
        "{text}"
    );
}

// ---- the command line ----

fn output(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::cargo_bin("sourcemix")
        .expect("the sourcemix binary is built")
        .current_dir(root())
        .args(args)
        .output()
        .expect("sourcemix runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (
        out.status.code(),
        stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_year_table_and_csv() {
    let base = ["frontier", PERIODS, "--policy", "cap", "--to", "0.5"];
    let (code, table, err) = output(&[&base[..], &["--year", "2030"]].concat());
    assert_eq!(code, Some(0), "{err}");
    assert!(
        table.contains("the cap tightened in 2030 only") && table.contains("investment (PV)"),
        "{table}"
    );
    // 0.5 in 2030 only: 27600 - 9000 = 18600, 2400 of it investment, -180 per point.
    let last = table
        .lines()
        .find(|l| l.trim_start().starts_with("50.00%"))
        .unwrap_or_else(|| panic!("no 50% row: {table}"));
    assert!(
        last.contains("18,600.00") && last.contains("2,400.00") && last.contains("-180.00"),
        "{last}"
    );
    let (code, csv, err) = output(&[&base[..], &["--format", "csv"]].concat());
    assert_eq!(code, Some(0), "{err}");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("share,total_cost,extra_cost,supply,refining,transport,shortfall,investment,unmet,shadow_price,placed,free_diversification")
    );
    // Every period at 0.5: 40800 - 18000 = 22800, 4800 invested, -360 per point.
    assert_eq!(
        csv.lines().last(),
        Some("0.5,22800.0,8400.0,18000.0,0.0,0.0,0.0,4800.0,0.0,-360.0,to,false")
    );
    // A bad --year is the model's error (1), at model.toml.
    let (code, _, err) = output(&[&base[..], &["--year", "2027"]].concat());
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("model.toml:8") && err.contains("2024, 2030"),
        "{err}"
    );
    let (code, _, err) = output(&[
        "frontier",
        "tests/models/frontier-three",
        "--policy",
        "cap",
        "--year",
        "2030",
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("has no [periods]"), "{err}");
}
