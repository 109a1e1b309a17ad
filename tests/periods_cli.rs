//! The command line on a multi-period model (tests/models/periods-cli: the
//! two-period model of tests/horizon_program.rs as files): what `solve`
//! prints and writes, `--year`, and the commands that need a period or do
//! not take multi-period models yet.
//!
//! The optimum, derived in tests/horizon_program.rs: periods 2024 (6 years)
//! and 2030 (5), r = 0; 50 t per year built at R2 for 2030 (2,500 of
//! capital); total 16,000.

use std::path::PathBuf;
use std::process::Output;

use assert_cmd::Command;

fn model() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/models/periods-cli")
}

fn sourcemix(args: &[&str]) -> Output {
    Command::cargo_bin("sourcemix")
        .expect("the sourcemix binary is built")
        .arg(args[0])
        .arg(model())
        .args(&args[1..])
        .output()
        .expect("sourcemix runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn solve_prints_the_present_value_and_the_plan() {
    let out = sourcemix(&["solve"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Total cost, present value in 2024"), "{text}");
    assert!(text.contains("16,000.00 USD"), "{text}");
    let plan = text
        .lines()
        .find(|l| l.starts_with("2030   R2"))
        .expect("R2's line in the plan");
    for cell in ["BBB", "recycler", "50.00", "2034", "2,500.00"] {
        assert!(plan.contains(cell), "{plan}");
    }
    // Without --year no single-year table is printed.
    assert!(!text.contains("=== "));
}

#[test]
fn year_shows_one_period_in_full_and_an_unknown_year_is_a_usage_error() {
    let out = sourcemix(&["solve", "--year", "2030"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.contains("=== 2030 in full"), "{text}");
    // One more t of 2030 demand: 10 of supply + 10 a year of capital.
    let consumer = text
        .lines()
        .find(|l| l.starts_with("C "))
        .expect("the consumer's line");
    assert!(consumer.contains("20.00"), "{consumer}");
    let out = sourcemix(&["solve", "--year", "2031"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--year 2031 is not a period of the model (its periods: 2024, 2030)")
    );
}

#[test]
fn out_writes_every_period_with_a_year_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out_dir = dir.path().join("out");
    let out = sourcemix(&["solve", "--out", out_dir.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let read = |name: &str| std::fs::read_to_string(out_dir.join(name)).expect(name);
    assert_eq!(
        read("investment.csv"),
        "year,node,country,kind,commodity,added,available_until,cost,line\n2030,R2,BBB,recycler,x,50.0,2034,2500.0,2\n"
    );
    let capacities = read("capacities.csv");
    assert!(capacities.starts_with("year,kind,node,"), "{capacities}");
    assert!(
        capacities.contains("\n2030,supply,R2,,x,3,50.0,50.0,true,-10.0\n"),
        "{capacities}"
    );
    let periods = read("periods.csv");
    assert!(
        periods.contains("\n2030,5,5.0,1500.0,0.0,0.0,0.0,1500.0,7500.0,2500.0\n"),
        "{periods}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&read("summary.json")).expect("summary.json is JSON");
    assert_eq!(summary["total_cost"], 16000.0);
    assert_eq!(summary["periods"].as_array().map(Vec::len), Some(2));
}

#[test]
fn analyses_of_one_period_need_a_year() {
    let out = sourcemix(&["stress"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("the model has periods (2024, 2030): name one with --year"));
    // With the plan fixed, 2030 has R1 (AAA, 100 t) and R2 (BBB, 50 t).
    let out = sourcemix(&["stress", "--year", "2030", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    // The 2030 window (12 months): demand 150, met by R1 and the built R2.
    assert_eq!(report["reference"][0]["window_demand"], 150.0);
    assert_eq!(report["reference"][0]["unmet"], 0.0);
    // AAA's outage stops R1: the 100 t it supplies go unmet.
    let first = &report["disruptions"][0];
    assert_eq!(
        (first["country"].as_str(), first["kind"].as_str()),
        (Some("AAA"), Some("outage"))
    );
    assert_eq!(first["unmet"], 100.0);
    // BBB's outage stops the capacity built at R2: 50 t.
    let bbb = report["disruptions"]
        .as_array()
        .and_then(|d| {
            d.iter()
                .find(|d| d["country"] == "BBB" && d["kind"] == "outage")
        })
        .expect("BBB's outage");
    assert_eq!(bbb["unmet"], 50.0);
}

#[test]
fn frontier_runs_over_the_horizon() {
    // Every period by default, one with --year, which must be a period
    // (tests/frontier_periods.rs has the curves of a hand model).
    let out = sourcemix(&["frontier", "--max-share"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("the cap tightened in every period in which it applies (2024, 2030)")
    );
    let out = sourcemix(&["frontier", "--max-share", "--year", "2030"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("the cap tightened in 2030 only"));
    let out = sourcemix(&["frontier", "--max-share", "--year", "2031"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--year 2031 is not a period of the model (its periods: 2024, 2030)")
    );
}
