//! Command-line tests: broken and warning models (tests/broken, tests/warn),
//! determinism, `solve --out`, `--max-share`, `graph`, `validate`, exit codes.
//!
//! Each folder under tests/broken/ and tests/warn/ is a model plus an
//! `expect.toml`:
//!
//! ```toml
//! exit_code = 1
//! stderr_contains = ["error: routes.csv:4: column \"to\": unknown node \"JPN-usr\""]
//! stderr_not_contains = ["..."]        # optional
//! ```
//!
//! Paths in messages are shown relative to the folder: the folder's own path
//! (with its trailing separator) is removed from stderr before matching.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

mod common;
use common::close;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn model(rel: &str) -> PathBuf {
    root().join(rel)
}

fn sourcemix() -> Command {
    let mut cmd = Command::cargo_bin("sourcemix").expect("the sourcemix binary is built");
    cmd.current_dir(root());
    cmd
}

fn run(args: &[&std::ffi::OsStr]) -> Output {
    sourcemix().args(args).output().expect("sourcemix runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn code(out: &Output) -> Option<i32> {
    out.status.code()
}

/// Runs `sourcemix ARGS` and checks that it exits 0, returning stdout.
fn ok(args: &[&std::ffi::OsStr]) -> String {
    let out = run(args);
    assert_eq!(
        code(&out),
        Some(0),
        "sourcemix {:?} failed\nstdout:\n{}\nstderr:\n{}",
        args,
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        !text(&out.stderr).contains("panicked"),
        "sourcemix {args:?} panicked:\n{}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

macro_rules! args {
    ($($a:expr),* $(,)?) => { &[$(std::ffi::OsStr::new(&$a)),*] };
}

fn solve_json(dir: &Path, extra: &[&str]) -> (String, Value) {
    let mut a: Vec<&std::ffi::OsStr> = vec![
        "solve".as_ref(),
        dir.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ];
    a.extend(extra.iter().map(|s| std::ffi::OsStr::new(*s)));
    let stdout = ok(&a);
    let value: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("solve --format json is not JSON ({e}):\n{stdout}"));
    (stdout, value)
}

/// The JSON document without its `timings` object.
fn without_timings(mut v: Value) -> Value {
    let obj = v.as_object_mut().expect("the report is a JSON object");
    assert!(obj.contains_key("timings"), "the report has no `timings`");
    obj.remove("timings");
    v
}

/// The JSON text with the values inside `"timings": { ... }` blanked, so
/// that everything else can be compared byte for byte.
fn blank_timings(json: &str) -> String {
    let start = json
        .find("\"timings\"")
        .expect("the JSON text has \"timings\"");
    let end = start
        + json[start..]
            .find('}')
            .expect("the timings object is closed");
    format!(
        "{}\"timings\": <blanked>{}",
        &json[..start],
        &json[end + 1..]
    )
}

fn f64_of(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("`{key}` is not a number in {v}"))
}

// ---------------------------------------------------------------- broken and warn models

struct Expect {
    exit_code: i32,
    contains: Vec<String>,
    not_contains: Vec<String>,
}

fn read_expect(dir: &Path) -> Result<Expect, String> {
    let path = dir.join("expect.toml");
    let src =
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let table: toml::Table = src
        .parse()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let list = |key: &str| -> Result<Vec<String>, String> {
        match table.get(key) {
            None => Ok(Vec::new()),
            Some(toml::Value::Array(items)) => items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(String::from)
                        .ok_or_else(|| format!("{}: `{key}` holds a non-string", path.display()))
                })
                .collect(),
            Some(_) => Err(format!(
                "{}: `{key}` must be a list of strings",
                path.display()
            )),
        }
    };
    let exit_code = table
        .get("exit_code")
        .and_then(|v| v.as_integer())
        .ok_or_else(|| format!("{}: `exit_code` (an integer) is required", path.display()))?
        as i32;
    let contains = list("stderr_contains")?;
    if contains.is_empty() {
        return Err(format!(
            "{}: `stderr_contains` must name at least one message",
            path.display()
        ));
    }
    Ok(Expect {
        exit_code,
        contains,
        not_contains: list("stderr_not_contains")?,
    })
}

fn model_folders(kind: &str) -> Vec<PathBuf> {
    let dir = root().join("tests").join(kind);
    let mut out: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

/// Checks one folder with `sourcemix <command> <dir>`; returns the problems found.
fn check_folder(dir: &Path, command: &str, expect: &Expect) -> Vec<String> {
    let out = run(args![command, dir]);
    let prefix = format!("{}{}", dir.display(), std::path::MAIN_SEPARATOR);
    let stderr = text(&out.stderr).replace(&prefix, "");
    let stdout = text(&out.stdout);
    let mut problems = Vec::new();
    if code(&out) != Some(expect.exit_code) {
        problems.push(format!(
            "`{command}` exited with {:?}, expected {}",
            code(&out),
            expect.exit_code
        ));
    }
    if stderr.contains("panicked") {
        problems.push(format!("`{command}` panicked"));
    }
    for want in &expect.contains {
        if !stderr.contains(want.as_str()) {
            problems.push(format!("`{command}`: stderr lacks {want:?}"));
        }
    }
    for unwanted in &expect.not_contains {
        if stderr.contains(unwanted.as_str()) {
            problems.push(format!(
                "`{command}`: stderr has {unwanted:?}, which it should not"
            ));
        }
    }
    if expect.exit_code == 1 {
        if !stderr.lines().any(|l| l.starts_with("error: ")) {
            problems.push(format!("`{command}`: no line starts with \"error: \""));
        }
        if !stdout.is_empty() && command == "validate" {
            problems.push(format!(
                "`{command}` printed to stdout for an invalid model: {stdout}"
            ));
        }
    }
    if expect.exit_code == 0 && command == "validate" {
        if !stdout.contains(": valid (") {
            problems.push(format!("`validate` printed no summary: {stdout}"));
        } else if stdout.contains("(0 warnings)") {
            problems.push(format!(
                "`validate` counts no warnings in its summary: {stdout}"
            ));
        }
        if !stderr.lines().any(|l| l.starts_with("warning: ")) {
            problems.push(format!("`{command}`: no line starts with \"warning: \""));
        }
    }
    if !problems.is_empty() {
        problems.push(format!(
            "--- stderr of `{command}` (folder prefix removed):\n{stderr}"
        ));
    }
    problems
}

#[test]
fn broken_and_warning_models() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for kind in ["broken", "warn"] {
        let folders = model_folders(kind);
        assert!(!folders.is_empty(), "tests/{kind} holds no model folders");
        for dir in folders {
            let name = format!(
                "tests/{kind}/{}",
                dir.file_name().unwrap().to_string_lossy()
            );
            let expect = match read_expect(&dir) {
                Ok(e) => e,
                Err(e) => {
                    failures.push(format!("{name}: {e}"));
                    continue;
                }
            };
            if kind == "broken" && expect.exit_code != 1 || kind == "warn" && expect.exit_code != 0
            {
                failures.push(format!(
                    "{name}: exit_code {} does not fit tests/{kind}",
                    expect.exit_code
                ));
            }
            // validate reports the diagnostics; solve must stop at the same ones
            // (and, for warning models, still solve).
            let problems: Vec<String> = ["validate", "solve"]
                .iter()
                .flat_map(|c| check_folder(&dir, c, &expect))
                .collect();
            if !problems.is_empty() {
                failures.push(format!("{name}:\n  {}", problems.join("\n  ")));
            }
            checked += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} model folders failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

// ---------------------------------------------------------------- determinism

fn assert_deterministic(rel: &str) {
    let dir = model(rel);
    let (text1, v1) = solve_json(&dir, &[]);
    let (text2, v2) = solve_json(&dir, &[]);
    assert_eq!(
        without_timings(v1),
        without_timings(v2),
        "{rel}: two solves differ (apart from timings)"
    );
    assert_eq!(
        blank_timings(&text1),
        blank_timings(&text2),
        "{rel}: two solves are not byte-identical (apart from timings)"
    );
    let table1 = ok(args!["solve", dir]);
    let table2 = ok(args!["solve", dir]);
    let strip = |t: &str| {
        t.lines()
            .filter(|l| !l.to_lowercase().contains("time"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        strip(&table1),
        strip(&table2),
        "{rel}: two table outputs differ"
    );
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a.html"), tmp.path().join("b.html"));
    ok(args!["solve", dir, "--html", a]);
    ok(args!["solve", dir, "--html", b]);
    assert!(
        fs::read(&a).unwrap() == fs::read(&b).unwrap(),
        "{rel}: two HTML reports are not byte-identical"
    );
}

/// `--html` replaces a page it wrote, whole, and never a file it did not write.
#[test]
fn html_replaces_its_own_page_only() {
    let dir = model("tests/models/mining-cap");
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("report.html");
    ok(args!["solve", dir, "--html", page]);
    let first = fs::read_to_string(&page).unwrap();
    assert!(first.starts_with("<!DOCTYPE html>") && first.contains("mining-cap"));
    ok(args!["solve", dir, "--html", page, "--max-share", "0.9"]);
    assert!(fs::read_to_string(&page)
        .unwrap()
        .contains("max_share = 0.9"));
    let mine = tmp.path().join("notes.html");
    fs::write(&mine, "<p>my notes</p>").unwrap();
    let out = run(args!["solve", dir, "--html", mine]);
    assert_eq!(code(&out), Some(4), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("not a page sourcemix wrote"));
    assert_eq!(fs::read_to_string(&mine).unwrap(), "<p>my notes</p>");
    let names: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "no temporary file is left: {names:?}");
}

#[test]
fn solve_is_deterministic_on_mining_cap() {
    assert_deterministic("tests/models/mining-cap");
}

#[test]
fn solve_is_deterministic_on_the_flagship() {
    assert_deterministic("models/critical-minerals-2024");
}

// ---------------------------------------------------------------- solve --out

fn read_csv(path: &Path) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = r
        .headers()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .iter()
        .map(String::from)
        .collect();
    let rows = r
        .records()
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (header, rows)
}

fn column(header: &[String], name: &str, file: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("{file} has no column {name:?}: {header:?}"))
}

fn num(cell: &str, file: &str) -> f64 {
    cell.parse()
        .unwrap_or_else(|e| panic!("{file}: {cell:?} is not a number: {e}"))
}

const OUT_FILES: [&str; 6] = [
    "summary.json",
    "flows.csv",
    "mix.csv",
    "policies.csv",
    "capacities.csv",
    "report.html",
];

/// Solves `rel` with `--out`, and checks every file against the JSON report.
fn check_out_files(rel: &str, extra: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("result");
    let out_s = out.to_str().unwrap().to_string();
    let mut all = vec!["--out", out_s.as_str()];
    all.extend_from_slice(extra);
    let (_, report) = solve_json(&model(rel), &all);

    let mut names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<String> = OUT_FILES.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(names, want, "{rel}: --out wrote other files than expected");
    let leftovers: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != "result")
        .collect();
    assert!(
        leftovers.is_empty(),
        "{rel}: --out left files beside the folder: {leftovers:?}"
    );

    // summary.json is the JSON report.
    let summary: Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap())
            .expect("summary.json parses");
    // Every step is timed inside the run path, writing too (it was always 0).
    for step in ["load", "build", "solve", "write"] {
        assert!(
            summary["timings"][step].as_f64().is_some_and(|t| t > 0.0),
            "{rel}: summary.json timings.{step} is not measured: {}",
            summary["timings"]
        );
    }
    assert_eq!(
        without_timings(summary),
        without_timings(report.clone()),
        "{rel}: summary.json differs from the --format json report"
    );
    let total = f64_of(&report, "total_cost");
    let parts = &report["cost"];
    let sum_parts: f64 = ["supply", "refining", "transport", "shortfall"]
        .iter()
        .map(|k| f64_of(parts, k))
        .sum();
    assert!(
        close(total, sum_parts, 1e-9),
        "{rel}: total_cost {total} is not the sum of its parts {sum_parts}"
    );

    // flows.csv: one row per JSON flow, same amounts.
    let (h, rows) = read_csv(&out.join("flows.csv"));
    let flows = report["flows"].as_array().expect("flows is a list");
    assert_eq!(
        rows.len(),
        flows.len(),
        "{rel}: flows.csv has {} rows, the report {} flows",
        rows.len(),
        flows.len()
    );
    let (from, to, commodity, amount) = (
        column(&h, "from", "flows.csv"),
        column(&h, "to", "flows.csv"),
        column(&h, "commodity", "flows.csv"),
        column(&h, "amount", "flows.csv"),
    );
    for (row, flow) in rows.iter().zip(flows) {
        assert_eq!(
            &row[from],
            flow["from"].as_str().unwrap(),
            "{rel}: flows.csv row {row:?} vs {flow}"
        );
        assert_eq!(
            &row[to],
            flow["to"].as_str().unwrap(),
            "{rel}: flows.csv row {row:?} vs {flow}"
        );
        assert_eq!(
            &row[commodity],
            flow["commodity"].as_str().unwrap(),
            "{rel}: flows.csv row {row:?} vs {flow}"
        );
        assert!(
            close(num(&row[amount], "flows.csv"), f64_of(flow, "amount"), 1e-9),
            "{rel}: flows.csv row {row:?} vs {flow}"
        );
    }

    // mix.csv: per consumer, commodity and stage, shares match the report and sum to 1.
    let (h, rows) = read_csv(&out.join("mix.csv"));
    let (consumer, commodity, stage, country, amount, share) = (
        column(&h, "consumer", "mix.csv"),
        column(&h, "commodity", "mix.csv"),
        column(&h, "stage", "mix.csv"),
        column(&h, "country", "mix.csv"),
        column(&h, "amount", "mix.csv"),
        column(&h, "share", "mix.csv"),
    );
    let consumers = report["consumers"].as_array().expect("consumers is a list");
    let mut expected_rows = 0;
    for c in consumers {
        for (stage_name, key) in [("mining", "mining_shares"), ("refining", "refining_shares")] {
            let shares = c[key]
                .as_object()
                .unwrap_or_else(|| panic!("{key} is not an object in {c}"));
            expected_rows += shares.len();
            let mine: Vec<&csv::StringRecord> = rows
                .iter()
                .filter(|r| {
                    &r[consumer] == c["node"].as_str().unwrap()
                        && &r[commodity] == c["commodity"].as_str().unwrap()
                        && &r[stage] == stage_name
                })
                .collect();
            assert_eq!(
                mine.len(),
                shares.len(),
                "{rel}: mix.csv rows for {} {} {stage_name}",
                c["node"],
                c["commodity"]
            );
            let delivered = f64_of(c, "delivered");
            let mut sum = 0.0;
            for r in mine {
                let s = num(&r[share], "mix.csv");
                let want = shares
                    .get(&r[country])
                    .and_then(Value::as_f64)
                    .unwrap_or_else(|| {
                        panic!("{rel}: mix.csv country {} not in {key}", &r[country])
                    });
                assert!(
                    close(s, want, 1e-9),
                    "{rel}: mix.csv share {s} vs report {want}"
                );
                assert!(
                    (num(&r[amount], "mix.csv") - delivered * s).abs() <= 1e-6 * delivered.max(1.0),
                    "{rel}: mix.csv amount of {r:?}"
                );
                sum += s;
            }
            if delivered > 0.0 {
                assert!(
                    (sum - 1.0).abs() < 1e-6,
                    "{rel}: {stage_name} shares of {} sum to {sum}",
                    c["node"]
                );
            }
        }
    }
    assert_eq!(rows.len(), expected_rows, "{rel}: mix.csv row count");

    // policies.csv: one row per policy row instance, same limits and binding flags.
    let (h, rows) = read_csv(&out.join("policies.csv"));
    let policies = report["policies"].as_array().expect("policies is a list");
    assert_eq!(
        rows.len(),
        policies.len(),
        "{rel}: policies.csv rows vs report policies"
    );
    let (name, limit, actual, binding, shadow) = (
        column(&h, "policy", "policies.csv"),
        column(&h, "limit", "policies.csv"),
        column(&h, "actual", "policies.csv"),
        column(&h, "binding", "policies.csv"),
        column(&h, "shadow_price", "policies.csv"),
    );
    for (row, p) in rows.iter().zip(policies) {
        assert_eq!(
            &row[name],
            p["policy"].as_str().unwrap(),
            "{rel}: policies.csv {row:?} vs {p}"
        );
        assert!(
            close(num(&row[limit], "policies.csv"), f64_of(p, "limit"), 1e-9),
            "{rel}: policies.csv {row:?} vs {p}"
        );
        assert!(
            close(num(&row[actual], "policies.csv"), f64_of(p, "actual"), 1e-9),
            "{rel}: policies.csv {row:?} vs {p}"
        );
        assert!(
            close(
                num(&row[shadow], "policies.csv"),
                f64_of(p, "shadow_price"),
                1e-9
            ),
            "{rel}: policies.csv {row:?} vs {p}"
        );
        assert_eq!(
            &row[binding],
            p["binding"].as_bool().unwrap().to_string(),
            "{rel}: policies.csv {row:?} vs {p}"
        );
    }

    // capacities.csv: one row per capacity in the report.
    let (h, rows) = read_csv(&out.join("capacities.csv"));
    let capacities = report["capacities"]
        .as_array()
        .expect("capacities is a list");
    assert_eq!(
        rows.len(),
        capacities.len(),
        "{rel}: capacities.csv rows vs report capacities"
    );
    let (kind, capacity, used, shadow) = (
        column(&h, "kind", "capacities.csv"),
        column(&h, "capacity", "capacities.csv"),
        column(&h, "used", "capacities.csv"),
        column(&h, "shadow_price", "capacities.csv"),
    );
    for (row, c) in rows.iter().zip(capacities) {
        assert_eq!(
            &row[kind],
            c["kind"].as_str().unwrap(),
            "{rel}: capacities.csv {row:?} vs {c}"
        );
        assert!(
            close(
                num(&row[capacity], "capacities.csv"),
                f64_of(c, "capacity"),
                1e-9
            ),
            "{rel}: capacities.csv {row:?} vs {c}"
        );
        assert!(
            close(num(&row[used], "capacities.csv"), f64_of(c, "used"), 1e-9),
            "{rel}: capacities.csv {row:?} vs {c}"
        );
        assert!(
            close(
                num(&row[shadow], "capacities.csv"),
                f64_of(c, "shadow_price"),
                1e-9
            ),
            "{rel}: capacities.csv {row:?} vs {c}"
        );
    }
}

#[test]
fn out_files_parse_back_and_match_the_report() {
    check_out_files("tests/models/mining-cap", &[]);
    check_out_files("tests/models/route-capacity", &[]);
    check_out_files("tests/models/refining-cap", &["--max-share", "0.8"]);
    check_out_files("models/critical-minerals-2024", &[]);
}

#[test]
fn out_refuses_a_folder_holding_foreign_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("result");
    fs::create_dir(&out).unwrap();
    let foreign = out.join("notes.txt");
    fs::write(&foreign, "my notes, do not delete\n").unwrap();
    let cmd = run(args![
        "solve",
        model("tests/models/mining-cap"),
        "--out",
        out
    ]);
    assert_eq!(code(&cmd), Some(4), "stderr:\n{}", text(&cmd.stderr));
    let stderr = text(&cmd.stderr);
    assert!(
        stderr.contains("error: ") && stderr.contains("notes.txt"),
        "the refusal names the foreign file:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"));
    assert_eq!(
        fs::read_to_string(&foreign).unwrap(),
        "my notes, do not delete\n",
        "the foreign file was changed"
    );
    let names: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        vec![std::ffi::OsString::from("notes.txt")],
        "the refused folder was written into"
    );
    let beside: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        beside,
        vec![std::ffi::OsString::from("result")],
        "files were left beside the refused folder"
    );

    // A plain file where the folder should be is refused too.
    let file = tmp.path().join("a-file");
    fs::write(&file, "x").unwrap();
    let cmd = run(args![
        "solve",
        model("tests/models/mining-cap"),
        "--out",
        file
    ]);
    assert_eq!(code(&cmd), Some(4), "stderr:\n{}", text(&cmd.stderr));
    assert_eq!(fs::read_to_string(&file).unwrap(), "x");
}

#[test]
fn out_is_not_written_for_an_invalid_model() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("result");
    let cmd = run(args![
        "solve",
        model("tests/broken/unknown-node"),
        "--out",
        out
    ]);
    assert_eq!(code(&cmd), Some(1), "stderr:\n{}", text(&cmd.stderr));
    assert!(
        !out.exists(),
        "--out was written although the model is invalid"
    );
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "files were left in the parent folder"
    );
}

#[test]
fn out_replaces_a_previous_output_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("result");
    ok(args![
        "solve",
        model("tests/models/mining-cap"),
        "--out",
        out
    ]);
    let first = fs::read_to_string(out.join("policies.csv")).unwrap();
    assert!(!first.contains("cli-max-share"));

    let (_, report) = solve_json(
        &model("tests/models/mining-cap"),
        &["--max-share", "0.7", "--out", out.to_str().unwrap()],
    );
    let second = fs::read_to_string(out.join("policies.csv")).unwrap();
    assert!(
        second.contains("cli-max-share"),
        "the second run's policies.csv was not written:\n{second}"
    );
    let summary: Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(without_timings(summary), without_timings(report));
    let beside: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        beside,
        vec![std::ffi::OsString::from("result")],
        "replacing left files beside the folder"
    );

    // An existing empty folder is fine as well.
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    ok(args![
        "solve",
        model("tests/models/mining-cap"),
        "--out",
        empty
    ]);
    assert!(empty.join("summary.json").is_file());
}

// ---------------------------------------------------------------- --max-share

#[test]
fn max_share_adds_cli_policy_rows_and_never_lowers_the_cost() {
    let dir = model("tests/models/mining-cap");
    let (_, base) = solve_json(&dir, &[]);
    let (_, capped) = solve_json(&dir, &["--max-share", "0.5"]);
    let rows: Vec<&Value> = capped["policies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["policy"] == "cli-max-share")
        .collect();
    assert!(
        !rows.is_empty(),
        "--max-share added no cli-max-share rows: {}",
        capped["policies"]
    );
    let stages: std::collections::BTreeSet<&str> =
        rows.iter().map(|p| p["stage"].as_str().unwrap()).collect();
    assert_eq!(
        stages,
        ["mining", "refining"].into_iter().collect(),
        "cli-max-share covers both stages"
    );
    for p in &rows {
        assert!(close(f64_of(p, "limit"), 0.5, 1e-9), "limit of {p}");
        assert_eq!(p["type"], "max_share");
        assert!(
            f64_of(p, "actual") <= 0.5 + 1e-6,
            "cli-max-share is violated: {p}"
        );
    }
    let (b, c) = (f64_of(&base, "total_cost"), f64_of(&capped, "total_cost"));
    assert!(
        c >= b - 1e-6 * b.abs().max(1.0),
        "--max-share 0.5 lowered the cost: {b} -> {c}"
    );
    // mining-cap refines only in JPN, so a 50% refining cap forces unmet demand.
    assert!(
        c > b,
        "--max-share 0.5 should raise mining-cap's cost: {b} -> {c}"
    );
    // The model's own policy rows are still there.
    assert!(capped["policies"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["policy"] == "cap"));

    // A cap of 1 binds nothing: same cost as without.
    let (_, one) = solve_json(&dir, &["--max-share", "1"]);
    assert!(
        close(f64_of(&one, "total_cost"), b, 1e-9),
        "--max-share 1 changed the cost"
    );

    // Tightening never lowers the cost.
    let mut last = b;
    for share in ["0.9", "0.7", "0.6", "0.55", "0.5", "0.3", "0"] {
        let (_, v) = solve_json(&dir, &["--max-share", share]);
        let cost = f64_of(&v, "total_cost");
        assert!(
            cost >= last - 1e-6 * last.max(1.0),
            "--max-share {share} lowered the cost: {last} -> {cost}"
        );
        last = cost;
    }
}

/// A run parameter out of range is a usage error (exit 2), found before any
/// file is read: a folder that does not exist gives the same answer.
#[test]
fn max_share_outside_zero_one_is_refused() {
    let dir = model("tests/models/mining-cap");
    let missing = model("tests/models/no-such-model");
    for bad in ["1.5", "-0.1", "NaN", "inf"] {
        let flag = format!("--max-share={bad}");
        let out = run(args!["solve", missing, flag]);
        assert_eq!(code(&out), Some(2), "--max-share {bad} on a missing folder");
        assert!(
            !text(&out.stderr).contains("no-such-model"),
            "a file was read"
        );
        let out = run(args!["solve", dir, flag]);
        assert_eq!(
            code(&out),
            Some(2),
            "--max-share {bad}: stderr:\n{}",
            text(&out.stderr)
        );
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("error: ") && stderr.contains("--max-share"),
            "--max-share {bad}: unclear message:\n{stderr}"
        );
        assert!(
            text(&out.stdout).is_empty(),
            "--max-share {bad} printed a result"
        );
    }
    let out = run(args!["solve", dir, "--max-share", "half"]);
    assert_eq!(
        code(&out),
        Some(2),
        "an unparsable --max-share is a usage error"
    );
}

// ---------------------------------------------------------------- graph, validate, usage

fn node_ids(dir: &Path) -> Vec<String> {
    let (h, rows) = read_csv(&dir.join("nodes.csv"));
    let id = column(&h, "id", "nodes.csv");
    rows.iter().map(|r| r[id].to_string()).collect()
}

#[test]
fn graph_dot_names_every_node() {
    for rel in [
        "tests/models/mining-cap",
        "tests/models/hub-cycle",
        "models/critical-minerals-2024",
    ] {
        let dir = model(rel);
        let dot = ok(args!["graph", dir, "--format", "dot"]);
        assert!(
            dot.trim_start().starts_with("digraph"),
            "{rel}: not a digraph:\n{dot}"
        );
        assert!(
            dot.trim_end().ends_with('}'),
            "{rel}: the digraph is not closed"
        );
        assert!(dot.contains("->"), "{rel}: the digraph has no edges");
        for id in node_ids(&dir) {
            assert!(
                dot.contains(&format!("\"{id}\\n")),
                "{rel}: node {id} missing from the dot output"
            );
        }
        assert_eq!(
            dot,
            ok(args!["graph", dir]),
            "{rel}: dot is the default format and is deterministic"
        );
    }
    let out = run(args!["graph", model("tests/broken/unknown-node")]);
    assert_eq!(code(&out), Some(1));
    assert!(text(&out.stdout).is_empty());
}

#[test]
fn validate_prints_a_summary_of_a_valid_model() {
    let out = run(args!["validate", model("tests/models/mining-cap")]);
    assert_eq!(code(&out), Some(0), "stderr:\n{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for want in [
        "mining-cap",
        "valid",
        "nodes: 4",
        "2 mine",
        "1 refiner",
        "1 consumer",
        "0 hub",
        "li",
        "countries: 3",
        "policies: 1",
        "cap",
    ] {
        assert!(
            stdout.contains(want),
            "the summary lacks {want:?}:\n{stdout}"
        );
    }
    assert!(
        !text(&out.stderr).contains("error"),
        "a valid model printed errors:\n{}",
        text(&out.stderr)
    );

    let stdout = ok(args!["validate", model("models/critical-minerals-2024")]);
    for want in [
        "valid",
        "nodes:",
        "mine",
        "refiner",
        "consumer",
        "commodities:",
        "policies:",
    ] {
        assert!(
            stdout.contains(want),
            "the flagship summary lacks {want:?}:\n{stdout}"
        );
    }
}

#[test]
fn every_hand_checked_model_validates() {
    for dir in model_folders("models") {
        let out = run(args!["validate", dir]);
        assert_eq!(
            code(&out),
            Some(0),
            "{}: stderr:\n{}",
            dir.display(),
            text(&out.stderr)
        );
    }
}

#[test]
fn a_missing_model_folder_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-model");
    for command in ["validate", "solve", "graph"] {
        let out = run(args![command, missing]);
        assert_eq!(
            code(&out),
            Some(1),
            "{command}: stderr:\n{}",
            text(&out.stderr)
        );
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("error: ") && stderr.contains("no-such-model"),
            "{command}: the message names the folder:\n{stderr}"
        );
        assert!(
            stderr.contains("does not exist") || stderr.contains("is not a folder"),
            "{command}: unclear:\n{stderr}"
        );
        assert!(
            !stderr.contains("file is missing"),
            "{command}: lists missing files of a folder that does not exist:\n{stderr}"
        );
        assert!(!stderr.contains("panicked"));
    }
    // A file is not a model folder either.
    let file = tmp.path().join("model.toml");
    fs::write(&file, "name = \"x\"\n").unwrap();
    let out = run(args!["validate", file]);
    assert_eq!(code(&out), Some(1));
    assert!(text(&out.stderr).contains("is not a folder"));
}

#[test]
fn usage_errors_exit_2() {
    let mining_cap = model("tests/models/mining-cap");
    let cases: Vec<Vec<&std::ffi::OsStr>> = vec![
        vec![],
        vec!["frobnicate".as_ref()],
        vec!["solve".as_ref()],
        vec!["validate".as_ref()],
        vec![
            "solve".as_ref(),
            mining_cap.as_os_str(),
            "--format".as_ref(),
            "xml".as_ref(),
        ],
        vec![
            "solve".as_ref(),
            mining_cap.as_os_str(),
            "--no-such-flag".as_ref(),
        ],
        vec![
            "graph".as_ref(),
            mining_cap.as_os_str(),
            "--format".as_ref(),
            "png".as_ref(),
        ],
        vec![
            "validate".as_ref(),
            mining_cap.as_os_str(),
            "extra".as_ref(),
        ],
    ];
    for a in cases {
        let out = run(&a);
        assert_eq!(
            code(&out),
            Some(2),
            "sourcemix {a:?}: stderr:\n{}",
            text(&out.stderr)
        );
        let stderr = text(&out.stderr).to_lowercase();
        assert!(
            stderr.contains("usage") || stderr.contains("error:"),
            "sourcemix {a:?}: no usage message:\n{stderr}"
        );
        assert!(
            text(&out.stdout).is_empty(),
            "sourcemix {a:?}: a usage error printed to stdout"
        );
    }
    ok(args!["--help"]);
    ok(args!["solve", "--help"]);
}

// ---------------------------------------------------------------- hardened outputs

/// Writes a model folder of `files` (name, text) into `dir`.
fn write_model(dir: &Path, files: &[(&str, &str)]) {
    fs::create_dir_all(dir).unwrap();
    for (name, body) in files {
        fs::write(dir.join(name), body).unwrap();
    }
}

const ONE_COMMODITY_TOML: &str = r#"name = "hostile-ids"
currency = "USD"

[defaults]
shortfall_penalty = 1000

[[commodity]]
id = "li"
name = "Lithium"
unit = "t"

[[policy]]
name = "=cap"
type = "max_share"
stage = "mining"
commodity = "li"
scope = "each"
from = "each"
share = 0.9
"#;

/// A model whose ids a spreadsheet would run as formulas.
fn hostile_model(dir: &Path) {
    write_model(
        dir,
        &[
            ("model.toml", ONE_COMMODITY_TOML),
            (
                "countries.csv",
                "code,name,groups,risk\nAUS,Australia,,\n-X,Minus land,,\nJPN,Japan,,\n",
            ),
            (
                "nodes.csv",
                "id,name,kind,country\n\
                 \"=HYPERLINK(\"\"http://evil\"\")\",Evil mine,mine,AUS\n\
                 @cmd,Cheap mine,mine,-X\n\
                 +ref,Refinery,refiner,JPN\n\
                 -use,Users,consumer,JPN\n",
            ),
            (
                "supply.csv",
                "node,commodity,capacity,cost\n\"=HYPERLINK(\"\"http://evil\"\")\",li,,12\n@cmd,li,,10\n",
            ),
            (
                "refining.csv",
                "node,commodity,capacity,cost,yield\n+ref,li,,2,\n",
            ),
            (
                "demand.csv",
                "node,commodity,demand,penalty\n-use,li,100,\n",
            ),
            (
                "routes.csv",
                "from,to,commodity,cost,capacity\n\
                 \"=HYPERLINK(\"\"http://evil\"\")\",+ref,li,1,\n\
                 @cmd,+ref,li,1,50\n\
                 +ref,-use,li,0,\n",
            ),
            (
                "batch.toml",
                "model = \".\"\n\n[[run]]\nname = \"base\"\nscenarios = []\n",
            ),
        ],
    )
}

/// Every cell of a CSV file (header included) that a spreadsheet would run as
/// a formula: begins with =, +, -, @, tab or CR and is not a number.
fn formula_cells(path: &Path) -> Vec<String> {
    let (header, rows) = read_csv(path);
    let risky =
        |c: &str| c.starts_with(['=', '+', '-', '@', '\t', '\r']) && c.parse::<f64>().is_err();
    header
        .iter()
        .map(String::as_str)
        .chain(rows.iter().flat_map(|r| r.iter()))
        .filter(|c| risky(c))
        .map(String::from)
        .collect()
}

/// Regression: ids such as `=HYPERLINK(...)`, `@cmd`, `-X` were written to the
/// CSV files as they are, so a spreadsheet opening them ran formulas.
#[test]
fn csv_cells_that_would_be_formulas_are_neutralised() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("hostile");
    hostile_model(&dir);
    let out = tmp.path().join("result");
    let (_, report) = solve_json(&dir, &["--out", out.to_str().unwrap()]);
    for file in ["flows.csv", "mix.csv", "policies.csv", "capacities.csv"] {
        let risky = formula_cells(&out.join(file));
        assert!(risky.is_empty(), "{file} holds formula cells: {risky:?}");
    }
    let flows = fs::read_to_string(out.join("flows.csv")).unwrap();
    assert!(
        flows.contains("\"'=HYPERLINK(\"\"http://evil\"\")\",'+ref,li,"),
        "flows.csv:\n{flows}"
    );
    let mix = fs::read_to_string(out.join("mix.csv")).unwrap();
    assert!(mix.contains("'-use,li,mining,'-X,"), "mix.csv:\n{mix}");
    let policies = fs::read_to_string(out.join("policies.csv")).unwrap();
    assert!(
        policies.contains("'=cap,max_share,li,mining,'-use,'-X,"),
        "policies.csv:\n{policies}"
    );
    // Numbers are untouched: the binding route's negative shadow price.
    let (header, rows) = read_csv(&out.join("capacities.csv"));
    let route = rows
        .iter()
        .find(|r| &r[column(&header, "route", "capacities.csv")] == "'@cmd->+ref")
        .expect("the route's capacity row");
    let price = &route[column(&header, "shadow_price", "capacities.csv")];
    assert!(
        price.starts_with('-') && close(num(price, "capacities.csv"), -2.0, 1e-9),
        "shadow price {price:?}"
    );
    // summary.json keeps the ids as they are.
    assert!(
        report["flows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["from"] == "=HYPERLINK(\"http://evil\")"),
        "summary.json keeps the id as written"
    );

    // The batch comparison: header cells built from ids, and text cells.
    let batch_out = tmp.path().join("batch");
    let cmd = run(args!["batch", dir.join("batch.toml"), "--out", batch_out]);
    assert_eq!(code(&cmd), Some(0), "stderr:\n{}", text(&cmd.stderr));
    let comparison = batch_out.join("comparison.csv");
    let risky = formula_cells(&comparison);
    assert!(
        risky.is_empty(),
        "comparison.csv holds formula cells: {risky:?}"
    );
    let (header, rows) = read_csv(&comparison);
    assert!(
        header.contains(&"'-use:li:hhi_mining".to_string()),
        "{header:?}"
    );
    let top = column(&header, "'-use:li:top_mining_country", "comparison.csv");
    assert_eq!(&rows[0][top], "'-X");
    for file in ["flows.csv", "mix.csv", "policies.csv", "capacities.csv"] {
        let risky = formula_cells(&batch_out.join("runs/base").join(file));
        assert!(
            risky.is_empty(),
            "runs/base/{file} holds formula cells: {risky:?}"
        );
    }
}

/// Regression: a delivery that rounds to 0 t divided the total's shares by
/// 0, and summary.json said `null` (NaN) for them.
#[test]
fn a_vanishing_delivery_gives_no_nan() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tiny");
    let toml = r#"name = "tiny"
currency = "USD"

[defaults]
shortfall_penalty = 1000000

[[commodity]]
id = "li"
name = "Lithium"
unit = "t"

[[commodity]]
id = "co"
name = "Cobalt"
unit = "t"

[[commodity]]
id = "ni"
name = "Nickel"
unit = "t"
"#;
    write_model(
        &dir,
        &[
            ("model.toml", toml),
            (
                "countries.csv",
                "code,name,groups,risk\nAUS,Australia,,\nJPN,Japan,,\n",
            ),
            (
                "nodes.csv",
                "id,name,kind,country\nmine,Mine,mine,AUS\nref,Refinery,refiner,JPN\nuse,Users,consumer,JPN\n",
            ),
            (
                "supply.csv",
                "node,commodity,capacity,cost\nmine,li,,1\nmine,co,,1\nmine,ni,,1\n",
            ),
            (
                "refining.csv",
                "node,commodity,capacity,cost,yield\nref,li,,1,\nref,co,,1,\nref,ni,,1,\n",
            ),
            (
                "demand.csv",
                "node,commodity,demand,penalty\nuse,li,3e-7,\nuse,co,1e-12,\nuse,ni,0,\n",
            ),
            (
                "routes.csv",
                "from,to,commodity,cost,capacity\nmine,ref,*,1,\nref,use,*,1,\n",
            ),
        ],
    );
    let (json, report) = solve_json(&dir, &[]);
    assert!(!json.contains("null"), "NaN in the report:\n{json}");
    for entry in report["consumers"]
        .as_array()
        .unwrap()
        .iter()
        .chain(report["totals"].as_array().unwrap())
    {
        let delivered = f64_of(entry, "delivered");
        for key in ["mining_shares", "refining_shares"] {
            let shares = entry[key].as_object().unwrap();
            if delivered == 0.0 {
                assert!(shares.is_empty(), "shares without a delivery: {entry}");
            } else {
                let sum: f64 = shares.values().map(|v| v.as_f64().unwrap()).sum();
                assert!(close(sum, 1.0, 1e-9), "shares sum to {sum}: {entry}");
            }
        }
        for key in ["hhi_mining", "hhi_refining"] {
            assert!(f64_of(entry, key).is_finite(), "{key}: {entry}");
        }
    }
    for p in report["policies"].as_array().unwrap() {
        assert!(f64_of(p, "actual").is_finite(), "{p}");
    }
}

/// Regression: comparison rows were maps whose keys were parsed back by
/// prefix, so a consumer named `unmet` made bogus `unmet ...` columns, and a
/// `:` inside ids made two consumers share (and overwrite) one column.
#[test]
fn comparison_columns_survive_ids_named_unmet_or_holding_colons() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("colons");
    let toml = r#"name = "colons"
currency = "USD"

[defaults]
shortfall_penalty = 1000

[[commodity]]
id = "c"
unit = "t"

[[commodity]]
id = "b:c"
unit = "t"
"#;
    write_model(
        &dir,
        &[
            ("model.toml", toml),
            (
                "countries.csv",
                "code,name,groups,risk\nAUS,Australia,,\nCHL,Chile,,\nJPN,Japan,,\n",
            ),
            (
                "nodes.csv",
                "id,name,kind,country\nm1,Mine,mine,AUS\nm2,Mine,mine,CHL\nref,Refinery,refiner,JPN\n\
                 a:b,Users,consumer,JPN\na,Users,consumer,JPN\nunmet,Users,consumer,JPN\n",
            ),
            (
                "supply.csv",
                "node,commodity,capacity,cost\nm1,c,,1\nm1,b:c,,5\nm2,b:c,,1\n",
            ),
            (
                "refining.csv",
                "node,commodity,capacity,cost,yield\nref,c,,1,\nref,b:c,,1,\n",
            ),
            (
                "demand.csv",
                "node,commodity,demand,penalty\na:b,c,10,\na,b:c,10,\nunmet,c,5,\n",
            ),
            (
                "routes.csv",
                "from,to,commodity,cost,capacity\nm1,ref,*,1,\nm2,ref,*,1,\n\
                 ref,a:b,c,1,\nref,a,b:c,1,\nref,unmet,c,1,\n",
            ),
            (
                "batch.toml",
                "model = \".\"\n\n[[run]]\nname = \"base\"\nscenarios = []\n",
            ),
        ],
    );
    let out = tmp.path().join("batch");
    let cmd = run(args!["batch", dir.join("batch.toml"), "--out", out]);
    assert_eq!(code(&cmd), Some(0), "stderr:\n{}", text(&cmd.stderr));
    // The table shows one unmet column per commodity, nothing else.
    let stdout = text(&cmd.stdout);
    let head = stdout.lines().next().unwrap();
    let unmet: Vec<&str> = head
        .match_indices("unmet ")
        .map(|(i, _)| &head[i..])
        .collect();
    assert_eq!(unmet.len(), 2, "unmet columns of the table: {head}");
    assert!(
        head.contains("unmet b:c") && head.contains("unmet c"),
        "{head}"
    );
    // Every header is distinct and splits back into its parts.
    let (header, rows) = read_csv(&out.join("comparison.csv"));
    let distinct: std::collections::BTreeSet<&String> = header.iter().collect();
    assert_eq!(
        distinct.len(),
        header.len(),
        "duplicate headers: {header:?}"
    );
    let cell = |h: &str| &rows[0][column(&header, h, "comparison.csv")];
    assert_eq!(cell("unmet:c"), "0");
    assert_eq!(cell("unmet:b%3Ac"), "0");
    assert_eq!(cell("a%3Ab:c:top_mining_country"), "AUS");
    assert_eq!(cell("a:b%3Ac:top_mining_country"), "CHL");
    assert_eq!(cell("unmet:c:top_mining_country"), "AUS");
    assert_eq!(cell("a%3Ab:c:hhi_mining"), "10000");
}
