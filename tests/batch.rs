//! Batch runs (docs/scenarios.md, "Batch files"): sweep expansion, fail-soft
//! rows, comparison.csv against each run's summary.json, `--resume` (also
//! after a killed batch), `--shard` + `merge` against an unsharded run, and
//! shards taken from Slurm / Kubernetes Indexed Job variables.
//!
//! Small batches run on tests/scenarios/two-chains, whose totals are known by
//! hand. Demand 100 t at USA-use (penalty 1000); four chains, cost per tonne
//! = supply + route + refining + route:
//!
//!   a: CHN mine -> CHN-ref  10 + 0 + 2 + 1 = 13
//!   b: CHN mine -> KOR-ref  10 + 1 + 4 + 1 = 16
//!   c: AUS mine -> CHN-ref  12 + 2 + 2 + 1 = 17
//!   d: AUS mine -> KOR-ref  12 + 1 + 4 + 1 = 18
//!
//! The model's own policy caps each mining country at 80%.
//! - baseline: a = 80, c = 20: 1040 + 340 = 1380; no policies: 1300.
//! - `max_share` m (every country <= m at mining AND refining): with
//!   d = 100 - a - b - c the cost is 1800 - 5a - 2b - c, and a + b <= 100m,
//!   a + c <= 100m, so for 0.5 <= m <= 0.8 the optimum is a = 100m, d = the
//!   rest: 1800 - 500m (0.5: 1550, 0.6: 1500, 0.7: 1450, 0.8: 1400). m = 0.9:
//!   a = 80 (model cap), c = 10, d = 10: 1390. m = 1: 1380. m = 0.4: two
//!   countries cover at most 80% of any delivery, so nothing is delivered:
//!   100 t x 1000 = 100000. `demand_scale` k multiplies all of these by k.
//! - AUS ore at 6 (half): c costs 11, AUS capped at 80: 80*11 + 20*13 = 1140;
//!   AUS ore at 3: c costs 8: 80*8 + 20*13 = 900.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use sourcemix::batch::{self, plan, Shard};
use sourcemix::scenario::RunParams;

mod common;
use common::close;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn two_chains() -> PathBuf {
    root().join("tests/scenarios/two-chains")
}

fn flagship() -> PathBuf {
    root().join("models/critical-minerals-2024")
}

/// Every variable a cluster scheduler could set: removed from every child
/// process, so that a test run inside a Slurm job is not sharded by accident.
const SHARD_VARS: [&str; 5] = [
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_COUNT",
    "SLURM_ARRAY_TASK_MIN",
    "JOB_COMPLETION_INDEX",
    "JOB_COMPLETIONS",
];

fn sourcemix() -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("sourcemix"));
    cmd.current_dir(root());
    for v in SHARD_VARS {
        cmd.env_remove(v);
    }
    cmd
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run_with(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = sourcemix();
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("sourcemix runs");
    let run = Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into(),
        stderr: String::from_utf8_lossy(&stderr).into(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "sourcemix {args:?} panicked:\n{}",
        run.stderr
    );
    run
}

fn run(args: &[&str]) -> Run {
    run_with(args, &[])
}

/// Runs `sourcemix ARGS`, which must exit with `code`.
fn expect(code: i32, args: &[&str]) -> Run {
    let r = run(args);
    assert_eq!(
        r.code,
        Some(code),
        "sourcemix {args:?}\nstdout:\n{}\nstderr:\n{}",
        r.stdout,
        r.stderr
    );
    r
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 paths")
}

/// comparison.csv, parsed with the csv crate: one map per row, in order.
fn comparison(dir: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader =
        csv::Reader::from_path(dir.join("comparison.csv")).expect("comparison.csv is there");
    let headers = reader.headers().expect("a header").clone();
    reader
        .records()
        .map(|rec| {
            let rec = rec.expect("every row parses");
            assert_eq!(rec.len(), headers.len(), "every row has every column");
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn names(rows: &[BTreeMap<String, String>]) -> Vec<String> {
    rows.iter().map(|r| r["name"].clone()).collect()
}

fn row<'r>(rows: &'r [BTreeMap<String, String>], name: &str) -> &'r BTreeMap<String, String> {
    rows.iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no row {name} in {:?}", names(rows)))
}

fn number(cell: &str) -> f64 {
    cell.parse()
        .unwrap_or_else(|_| panic!("not a number: {cell:?}"))
}

fn assert_total(rows: &[BTreeMap<String, String>], name: &str, want: f64) {
    let r = row(rows, name);
    assert_eq!(r["status"], "ok", "{name}: {}", r["error"]);
    let got = number(&r["total_cost"]);
    assert!(
        close(got, want, 1e-7),
        "{name}: total cost {got}, expected {want} (by hand)"
    );
}

/// Two comparison.csv files are byte for byte the same; if not, the message
/// lists the cells that differ (run, column, left, right).
fn assert_same_comparison(left: &Path, right: &Path, what: &str) {
    let (a, b) = (
        fs::read(left.join("comparison.csv")).unwrap(),
        fs::read(right.join("comparison.csv")).unwrap(),
    );
    if a == b {
        return;
    }
    let (ra, rb) = (comparison(left), comparison(right));
    let mut cells = Vec::new();
    for (x, y) in ra.iter().zip(&rb) {
        for (column, value) in x {
            let other = y.get(column).map(String::as_str).unwrap_or("(no column)");
            if value != other {
                cells.push(format!("{} {column}: {value} vs {other}", x["name"]));
            }
        }
    }
    panic!(
        "{what}: {} vs {} rows, {} cells differ, e.g.:\n  {}",
        ra.len(),
        rb.len(),
        cells.len(),
        cells
            .iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n  ")
    );
}

/// The files of a finished run's folder.
const RUN_FILES: [&str; 7] = [
    "run.json",
    "summary.json",
    "flows.csv",
    "mix.csv",
    "policies.csv",
    "capacities.csv",
    "report.html",
];

fn entries(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Every run folder holds exactly the files of a finished run, and no
/// temporary folder is left behind.
fn assert_complete(out: &Path, runs: &[String]) {
    let present = entries(&out.join("runs"));
    let leftovers: Vec<&String> = present
        .iter()
        .filter(|e| e.starts_with(".sourcemix-") || e.starts_with('.'))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary entries left in {}/runs: {leftovers:?}",
        out.display()
    );
    assert_eq!(
        present,
        runs.iter().cloned().collect::<BTreeSet<_>>(),
        "the run folders"
    );
    for name in runs {
        let files = entries(&out.join("runs").join(name));
        assert_eq!(
            files,
            RUN_FILES
                .iter()
                .map(|f| f.to_string())
                .collect::<BTreeSet<_>>(),
            "runs/{name}"
        );
        let record: serde_json::Value = serde_json::from_slice(
            &fs::read(out.join("runs").join(name).join("run.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(record["status"], "ok", "runs/{name}/run.json");
        assert_eq!(record["name"], name.as_str());
    }
}

/// A copy of a model folder's files at `dir` (a batch names a model inside its own folder).
fn copy_model(from: &Path, dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_file() {
            fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
        }
    }
}

/// A batch folder: the batch file and its scenarios, in a temporary folder.
struct Batch {
    dir: tempfile::TempDir,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn put(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        fs::write(&path, text).unwrap();
        path
    }

    /// A batch file on a copy of two-chains beside it with `body` after the header.
    fn on_two_chains(&self, body: &str) -> PathBuf {
        copy_model(&two_chains(), &self.path("two-chains"));
        self.put(
            "batch.toml",
            &format!("model = \"two-chains\"\ndescription = \"test\"\n\n{body}"),
        )
    }
}

const HALVE_AUS: &str =
    "[[scale]]\ntable = \"supply\"\nwhere = { node = \"AUS-mine\" }\ncost = 0.5\n";

// ---------------------------------------------------------------------------
// Sweeps

#[test]
fn a_sweep_expands_into_named_runs_in_cartesian_order() {
    let b = Batch::new();
    let file = b.on_two_chains(
        "[[run]]\nname = \"baseline\"\n\n\
         [[run]]\nname = \"free\"\nno_policies = true\n\n\
         [[sweep]]\nname = \"s\"\nscenarios = []\n[sweep.vary]\nmax_share = [1.0, 0.5]\ndemand_scale = [1.0, 2.0]\n",
    );
    let p = plan::read(&file).expect("the batch file reads");
    let want = [
        "baseline",
        "free",
        "s_max_share=1_demand_scale=1",
        "s_max_share=1_demand_scale=2",
        "s_max_share=0.5_demand_scale=1",
        "s_max_share=0.5_demand_scale=2",
    ];
    assert_eq!(
        p.runs.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        want
    );
    assert_eq!(
        p.runs[5].params,
        RunParams {
            max_share: Some(0.5),
            demand_scale: Some(2.0),
            no_policies: false
        }
    );
    assert_eq!(
        p.runs[3].params,
        RunParams {
            max_share: Some(1.0),
            demand_scale: Some(2.0),
            no_policies: false
        }
    );
    assert!(p.runs[1].params.no_policies);
    assert_eq!(p.model, b.path("two-chains"));

    // Solved: each run's parameters took effect (totals by hand).
    let out = b.path("out");
    let r = expect(0, &["batch", s(&file), "-j", "2", "--out", s(&out)]);
    let rows = comparison(&out);
    assert_eq!(
        names(&rows),
        want,
        "comparison.csv is in the batch file's order"
    );
    assert_total(&rows, "baseline", 1380.0);
    assert_total(&rows, "free", 1300.0);
    assert_total(&rows, "s_max_share=1_demand_scale=1", 1380.0);
    assert_total(&rows, "s_max_share=1_demand_scale=2", 2760.0);
    assert_total(&rows, "s_max_share=0.5_demand_scale=1", 1550.0);
    assert_total(&rows, "s_max_share=0.5_demand_scale=2", 3100.0);
    // The 50% cap shows in the shares and the binding count.
    let half = row(&rows, "s_max_share=0.5_demand_scale=1");
    assert_eq!(number(&half["USA-use:li:top_mining_share"]), 0.5);
    assert_eq!(number(&half["USA-use:li:top_refining_share"]), 0.5);
    assert_eq!(number(&half["USA-use:li:hhi_mining"]), 5000.0);
    assert_eq!(row(&rows, "free")["USA-use:li:top_mining_country"], "CHN");
    assert_eq!(
        number(&row(&rows, "free")["USA-use:li:top_mining_share"]),
        1.0
    );
    assert_eq!(
        row(&rows, "baseline")["USA-use:li:top_mining_country"],
        "CHN"
    );
    assert_eq!(
        number(&row(&rows, "baseline")["USA-use:li:top_mining_share"]),
        0.8
    );
    assert_eq!(row(&rows, "free")["binding_policies"], "0");
    assert_eq!(row(&rows, "baseline")["binding_policies"], "1");
    // The table on stdout lists every run.
    for name in want {
        assert!(
            r.stdout.contains(name),
            "{name} is not in the printed table:\n{}",
            r.stdout
        );
    }
    assert!(
        r.stderr
            .contains("6 runs: 6 solved, 0 unchanged (skipped), 0 failed"),
        "{}",
        r.stderr
    );
}

#[test]
fn bad_batch_files_and_options_are_refused() {
    let b = Batch::new();
    let dup = b.on_two_chains("[[run]]\nname = \"a\"\n\n[[run]]\nname = \"a\"\n");
    let e = expect(1, &["batch", s(&dup), "--out", s(&b.path("o1"))]);
    assert!(
        e.stderr.contains("two runs are named \"a\""),
        "{}",
        e.stderr
    );
    let unknown = b.on_two_chains("[[run]]\nname = \"a\"\nmax_shar = 0.5\n");
    let e = expect(1, &["batch", s(&unknown), "--out", s(&b.path("o2"))]);
    assert!(
        e.stderr.contains("max_shar") && e.stderr.contains("batch.toml:6"),
        "{}",
        e.stderr
    );
    let ok = b.on_two_chains("[[run]]\nname = \"a\"\n");
    for bad in ["3/3", "1", "a/2", "0/0"] {
        let e = expect(
            2,
            &["batch", s(&ok), "--shard", bad, "--out", s(&b.path("o3"))],
        );
        assert!(e.stderr.contains("--shard"), "{bad}: {}", e.stderr);
    }
    assert!(
        !b.path("o3").exists(),
        "nothing is written for a usage error"
    );
}

// ---------------------------------------------------------------------------
// Fail-soft

#[test]
fn a_failing_run_becomes_an_error_row_and_the_others_go_on() {
    let b = Batch::new();
    b.put("cheap-aus.toml", HALVE_AUS);
    b.put("typo.toml", "description = \"typo\"\n[[scale]]\ntable = \"supply\"\nwhere = { country = \"AUT\" }\ncost = 2\n");
    let file = b.on_two_chains(
        "[[run]]\nname = \"baseline\"\n\n\
         [[run]]\nname = \"missing\"\nscenarios = [\"missing.toml\"]\n\n\
         [[run]]\nname = \"typo\"\nscenarios = [\"cheap-aus.toml\", \"typo.toml\"]\n\n\
         [[run]]\nname = \"bad-share\"\nmax_share = 1.5\n\n\
         [[run]]\nname = \"cheap-aus\"\nscenarios = [\"cheap-aus.toml\"]\n",
    );
    let out = b.path("out");
    let r = expect(5, &["batch", s(&file), "-j", "2", "--out", s(&out)]);
    assert!(
        r.stderr
            .contains("5 runs: 2 solved, 0 unchanged (skipped), 3 failed"),
        "{}",
        r.stderr
    );
    let rows = comparison(&out);
    assert_eq!(
        names(&rows),
        ["baseline", "missing", "typo", "bad-share", "cheap-aus"]
    );
    assert_total(&rows, "baseline", 1380.0);
    assert_total(&rows, "cheap-aus", 1140.0);
    let error_of = |name: &str| {
        let r = row(&rows, name);
        assert_eq!(r["status"], "error", "{name}");
        assert_eq!(r["total_cost"], "", "{name}: an error row has no numbers");
        r["error"].clone()
    };
    let e = error_of("missing");
    assert!(
        e.contains("missing.toml") && e.contains("cannot read the scenario"),
        "{e}"
    );
    let e = error_of("typo");
    assert!(
        e.contains("typo.toml:2") && e.contains("selects no row of supply"),
        "{e}"
    );
    let e = error_of("bad-share");
    assert!(e.contains("--max-share 1.5 is outside 0..=1"), "{e}");
    // The error is recorded in the run's folder, with no solve outputs.
    let record: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("runs/missing/run.json")).unwrap()).unwrap();
    assert_eq!(record["status"], "error");
    assert!(record["error"]
        .as_str()
        .unwrap()
        .contains("cannot read the scenario"));
    assert!(!out.join("runs/missing/summary.json").exists());
    // The printed table shows the errors.
    assert!(
        r.stdout.contains("error: ") && r.stdout.contains("selects no row of supply"),
        "{}",
        r.stdout
    );

    // On --resume the failed runs are tried again, the good ones skipped.
    b.put("missing.toml", HALVE_AUS);
    let r = expect(
        5,
        &["batch", s(&file), "-j", "1", "--out", s(&out), "--resume"],
    );
    assert!(
        r.stderr.contains("baseline: skipped (unchanged)")
            && r.stderr.contains("cheap-aus: skipped (unchanged)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("missing: ok"), "{}", r.stderr);
    assert!(r.stderr.contains("typo: error"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("5 runs: 1 solved, 2 unchanged (skipped), 2 failed"),
        "{}",
        r.stderr
    );
    assert_total(&comparison(&out), "missing", 1140.0);
}

#[test]
fn an_invalid_base_model_stops_the_batch() {
    let b = Batch::new();
    let file = b.put(
        "batch.toml",
        "model = \"no-such-model\"\n[[run]]\nname = \"a\"\n",
    );
    let r = expect(1, &["batch", s(&file), "--out", s(&b.path("out"))]);
    assert!(r.stderr.contains("invalid"), "{}", r.stderr);
}

// ---------------------------------------------------------------------------
// --resume

fn rerun_names(stderr: &str) -> (Vec<String>, Vec<String>) {
    let mut solved = Vec::new();
    let mut skipped = Vec::new();
    for line in stderr.lines().filter(|l| l.starts_with('[')) {
        let (_, rest) = line.split_once("] ").unwrap();
        let (name, status) = rest.split_once(": ").unwrap();
        if status.starts_with("skipped (unchanged)") {
            skipped.push(name.to_string());
        } else {
            solved.push(name.to_string());
        }
    }
    solved.sort();
    skipped.sort();
    (solved, skipped)
}

#[test]
fn resume_skips_unchanged_runs_and_reruns_changed_ones() {
    let b = Batch::new();
    b.put(
        "parent.toml",
        "[[set]]\ntable = \"supply\"\nwhere = { node = \"AUS-mine\" }\ncost = 6\n",
    );
    let child = b.put(
        "child.toml",
        &format!("extends = [\"parent.toml\"]\n{HALVE_AUS}"),
    );
    let body = "[[run]]\nname = \"a\"\n\n[[run]]\nname = \"b\"\nscenarios = [\"child.toml\"]\n\n[[run]]\nname = \"c\"\nmax_share = 0.5\n";
    let file = b.on_two_chains(body);
    let out = b.path("out");
    let args = ["batch", s(&file), "-j", "2", "--out", s(&out), "--resume"];

    // A first run with --resume and no outputs yet solves everything.
    let r = expect(0, &args);
    assert_eq!(
        rerun_names(&r.stderr),
        (vec!["a".into(), "b".into(), "c".into()], vec![])
    );
    let first = fs::read(out.join("comparison.csv")).unwrap();
    let rows = comparison(&out);
    assert_total(&rows, "a", 1380.0);
    assert_total(&rows, "b", 900.0); // AUS 6, halved: 3
    assert_total(&rows, "c", 1550.0);

    // Nothing changed: everything skipped, the same comparison.
    let r = expect(0, &args);
    assert_eq!(
        rerun_names(&r.stderr),
        (vec![], vec!["a".into(), "b".into(), "c".into()])
    );
    assert!(
        r.stderr
            .contains("3 runs: 0 solved, 3 unchanged (skipped), 0 failed"),
        "{}",
        r.stderr
    );
    assert_eq!(fs::read(out.join("comparison.csv")).unwrap(), first);

    // The same content written again (a new modification time) is unchanged.
    fs::write(&child, fs::read(&child).unwrap()).unwrap();
    let r = expect(0, &args);
    assert_eq!(rerun_names(&r.stderr).0, Vec::<String>::new());

    // The scenario's own content changes: b runs again (AUS stays at 6: 1140).
    fs::write(
        &child,
        format!(
            "extends = [\"parent.toml\"]\n{}",
            HALVE_AUS.replace("0.5", "1.0")
        ),
    )
    .unwrap();
    let r = expect(0, &args);
    assert_eq!(
        rerun_names(&r.stderr),
        (vec!["b".into()], vec!["a".into(), "c".into()])
    );
    assert_total(&comparison(&out), "b", 1140.0);

    // What it extends changes: b again (AUS back at 12: 1380).
    b.put(
        "parent.toml",
        "[[set]]\ntable = \"supply\"\nwhere = { node = \"AUS-mine\" }\ncost = 12\n",
    );
    let r = expect(0, &args);
    assert_eq!(
        rerun_names(&r.stderr),
        (vec!["b".into()], vec!["a".into(), "c".into()])
    );
    assert_total(&comparison(&out), "b", 1380.0);

    // A parameter changes: c again (a 90% cap: 1390).
    b.on_two_chains(&body.replace("max_share = 0.5", "max_share = 0.9"));
    let r = expect(0, &args);
    assert_eq!(
        rerun_names(&r.stderr),
        (vec!["c".into()], vec!["a".into(), "b".into()])
    );
    assert_total(&comparison(&out), "c", 1390.0);

    // Without --resume everything is solved again.
    let r = expect(0, &["batch", s(&file), "-j", "2", "--out", s(&out)]);
    assert_eq!(rerun_names(&r.stderr).1, Vec::<String>::new());
    assert_complete(&out, &["a".into(), "b".into(), "c".into()]);
}

#[test]
fn resume_after_a_killed_batch_finishes_it_without_redoing_or_corrupting() {
    let b = Batch::new();
    // 30 runs of the flagship: a single-country cap sweep, 100% down to 42%.
    let values: Vec<String> = (0..30)
        .map(|i| format!("{:.2}", 1.0 - 0.02 * i as f64))
        .collect();
    copy_model(&flagship(), &b.path("model"));
    let file = b.put(
        "batch.toml",
        &format!(
            "model = \"model\"\n[[sweep]]\nname = \"cap\"\nscenarios = []\n[sweep.vary]\nmax_share = [{}]\n",
            values.join(", ")
        ),
    );
    let names: Vec<String> = plan::read(&file)
        .unwrap()
        .runs
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names.len(), 30);
    let killed = b.path("killed");

    let mut child = sourcemix()
        .args(["batch", s(&file), "-j", "1", "--out", s(&killed)])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sourcemix starts");
    let started = Instant::now();
    let first_done = || {
        entries(&killed.join("runs"))
            .iter()
            .any(|n| killed.join("runs").join(n).join("run.json").exists())
    };
    while !first_done() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the batch ended before any run was written"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no run finished within 120 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("the batch is killed");
    child.wait().unwrap();
    assert!(
        !killed.join("comparison.csv").exists(),
        "the batch finished before it was killed: the test proves nothing"
    );
    let done_before = entries(&killed.join("runs"))
        .iter()
        .filter(|n| killed.join("runs").join(n).join("run.json").exists())
        .count();
    assert!(
        (1..30).contains(&done_before),
        "{done_before} runs were finished at the kill"
    );

    let r = expect(
        0,
        &[
            "batch",
            s(&file),
            "-j",
            "2",
            "--out",
            s(&killed),
            "--resume",
        ],
    );
    let (solved, skipped) = rerun_names(&r.stderr);
    assert!(
        skipped.len() >= done_before,
        "{done_before} runs were finished but only {skipped:?} were skipped:\n{}",
        r.stderr
    );
    assert_eq!(solved.len() + skipped.len(), 30);
    assert!(
        !solved.is_empty(),
        "the killed runs were solved on --resume"
    );

    let fresh = b.path("fresh");
    expect(0, &["batch", s(&file), "-j", "2", "--out", s(&fresh)]);
    assert_same_comparison(
        &killed,
        &fresh,
        "the resumed comparison differs from an uninterrupted run's",
    );
    assert_eq!(
        fs::read(killed.join("batch.json")).unwrap(),
        fs::read(fresh.join("batch.json")).unwrap()
    );
    assert_complete(&killed, &names);
    assert_complete(&fresh, &names);
    // Only the final files are left at the top.
    assert_eq!(
        entries(&killed),
        ["batch.json", "comparison.csv", "index.html", "runs"]
            .map(String::from)
            .into_iter()
            .collect::<BTreeSet<_>>()
    );
}

/// A kill can land while a run's folder is being written: `write_out_dir`
/// stages it in runs/.sourcemix-out-XXXX (and moves a previous one to
/// runs/.sourcemix-old-XXXX) before renaming. Those folders are what such a
/// kill leaves behind; a resumed batch must not keep them.
#[test]
fn resume_removes_staging_folders_a_kill_left_behind() {
    let b = Batch::new();
    let file = b.on_two_chains("[[run]]\nname = \"a\"\n\n[[run]]\nname = \"c\"\nmax_share = 0.5\n");
    let out = b.path("out");
    expect(0, &["batch", s(&file), "-j", "1", "--out", s(&out)]);
    // What a kill in the middle of writing run c would leave.
    for stale in [".sourcemix-out-k1ll3d", ".sourcemix-old-k1ll3d"] {
        fs::create_dir_all(out.join("runs").join(stale)).unwrap();
        fs::write(
            out.join("runs").join(stale).join("summary.json"),
            "{\"total_cost\": 1",
        )
        .unwrap();
    }
    let r = expect(
        0,
        &["batch", s(&file), "-j", "1", "--out", s(&out), "--resume"],
    );
    assert_eq!(rerun_names(&r.stderr).1, ["a", "c"]);
    assert_total(&comparison(&out), "c", 1550.0);
    assert_complete(&out, &["a".into(), "c".into()]);
}

// ---------------------------------------------------------------------------
// comparison.csv, shards and merge on the shipped batch

#[test]
fn shipped_batch_comparison_matches_summaries_and_shards_merge_to_it() {
    let file = flagship().join("batch.toml");
    let p = plan::read(&file).expect("the shipped batch file reads");
    let all: Vec<String> = p.runs.iter().map(|r| r.name.clone()).collect();
    assert!(all.len() >= 20, "{} runs", all.len());
    let tmp = tempfile::tempdir().unwrap();
    let full = tmp.path().join("full");
    expect(0, &["batch", s(&file), "-j", "2", "--out", s(&full)]);

    // comparison.csv parses, is in the batch file's order, and matches every run's summary.json.
    let rows = comparison(&full);
    assert_eq!(names(&rows), all);
    let mut unmet_seen = 0.0;
    for r in &rows {
        let name = &r["name"];
        assert_eq!(r["status"], "ok", "{name}: {}", r["error"]);
        let summary: serde_json::Value = serde_json::from_slice(
            &fs::read(full.join("runs").join(name).join("summary.json")).unwrap(),
        )
        .unwrap();
        let same = |column: &str, value: &serde_json::Value| {
            let (a, b) = (
                number(&r[column]),
                value
                    .as_f64()
                    .unwrap_or_else(|| panic!("{name}: {column}: {value}")),
            );
            assert!(
                close(a, b, 1e-12),
                "{name}: comparison {column} = {a}, summary.json {b}"
            );
        };
        same("total_cost", &summary["total_cost"]);
        // Batch runs go through the one run path: every step is timed.
        for step in ["load", "build", "solve", "write"] {
            assert!(
                summary["timings"][step].as_f64().is_some_and(|t| t > 0.0),
                "{name}: timings.{step} not measured: {}",
                summary["timings"]
            );
        }
        for part in ["supply", "refining", "transport", "shortfall"] {
            same(part, &summary["cost"][part]);
        }
        let totals = summary["totals"].as_array().unwrap();
        let unmet_columns: BTreeSet<&String> =
            r.keys().filter(|k| k.starts_with("unmet:")).collect();
        assert_eq!(
            unmet_columns.len(),
            totals.len(),
            "{name}: one unmet column per commodity"
        );
        for t in totals {
            let column = format!("unmet:{}", t["commodity"].as_str().unwrap());
            same(&column, &t["unmet"]);
            unmet_seen += t["unmet"].as_f64().unwrap();
        }
        for c in summary["consumers"].as_array().unwrap() {
            let key = format!(
                "{}:{}",
                c["node"].as_str().unwrap(),
                c["commodity"].as_str().unwrap()
            );
            same(&format!("{key}:hhi_mining"), &c["hhi_mining"]);
            let shares = c["mining_shares"].as_object().unwrap();
            if let Some(top) = shares.values().filter_map(|v| v.as_f64()).reduce(f64::max) {
                assert!(
                    close(number(&r[&format!("{key}:top_mining_share")]), top, 1e-12),
                    "{name} {key}"
                );
                let country = &r[&format!("{key}:top_mining_country")];
                assert_eq!(
                    shares[country.as_str()].as_f64(),
                    Some(top),
                    "{name} {key}: top country {country}"
                );
            }
        }
    }
    assert!(
        unmet_seen > 0.0,
        "some run leaves demand unmet, so the unmet columns are really compared"
    );
    assert_complete(&full, &all);

    // Three shards, each its own folder, then merged.
    let dirs: Vec<PathBuf> = (0..3)
        .map(|k| tmp.path().join(format!("shard{k}")))
        .collect();
    for (k, dir) in dirs.iter().enumerate() {
        let r = expect(
            0,
            &[
                "batch",
                s(&file),
                "-j",
                "2",
                "--shard",
                &format!("{k}/3"),
                "--out",
                s(dir),
            ],
        );
        let mine: Vec<String> = all
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 3 == k)
            .map(|(_, n)| n.clone())
            .collect();
        assert_eq!(
            names(&comparison(dir)),
            mine,
            "shard {k}/3 runs every third run from {k}"
        );
        assert_complete(dir, &mine);
        assert!(
            r.stderr.contains(&format!("{} runs:", mine.len())),
            "{}",
            r.stderr
        );
    }
    let merged = tmp.path().join("merged");
    let mut args = vec!["merge", "--out", s(&merged)];
    args.extend(dirs.iter().map(|d| s(d)));
    expect(0, &args);
    assert_same_comparison(
        &merged,
        &full,
        "merged shards differ from the unsharded comparison",
    );
    assert_eq!(
        fs::read(merged.join("batch.json")).unwrap(),
        fs::read(full.join("batch.json")).unwrap()
    );
    assert_complete(&merged, &all);
    // The merged run folders are copies of the shards'.
    for (i, name) in all.iter().enumerate() {
        let source = dirs[i % 3].join("runs").join(name).join("summary.json");
        assert_eq!(
            fs::read(merged.join("runs").join(name).join("summary.json")).unwrap(),
            fs::read(source).unwrap(),
            "{name}"
        );
    }

    // A missing shard is an output error naming a run it lacks.
    let partial = tmp.path().join("partial");
    let r = expect(
        4,
        &["merge", "--out", s(&partial), s(&dirs[0]), s(&dirs[2])],
    );
    assert!(
        r.stderr
            .contains(&format!("run \"{}\" is in no shard folder", all[1])),
        "{}",
        r.stderr
    );
}

// ---------------------------------------------------------------------------
// Shards from the environment

fn env_of<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

#[test]
fn shard_from_the_environment_of_slurm_and_kubernetes() {
    let shard = |k, n| Some(Shard { index: k, count: n });
    assert_eq!(Shard::from_env(env_of(&[])), Ok(None));
    assert_eq!(
        Shard::from_env(env_of(&[
            ("SLURM_ARRAY_TASK_ID", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "3")
        ])),
        Ok(shard(1, 3))
    );
    assert_eq!(
        Shard::from_env(env_of(&[
            ("SLURM_ARRAY_TASK_ID", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "3")
        ]))
        .unwrap(),
        Shard::parse("1/3").ok()
    );
    // An array numbered from 4 (--array=4-6): task 5 is the second shard.
    assert_eq!(
        Shard::from_env(env_of(&[
            ("SLURM_ARRAY_TASK_ID", "5"),
            ("SLURM_ARRAY_TASK_MIN", "4"),
            ("SLURM_ARRAY_TASK_COUNT", "3")
        ])),
        Ok(shard(1, 3))
    );
    assert_eq!(
        Shard::from_env(env_of(&[
            ("JOB_COMPLETION_INDEX", "2"),
            ("JOB_COMPLETIONS", "3")
        ])),
        Ok(shard(2, 3))
    );
    assert_eq!(
        Shard::from_env(env_of(&[
            ("JOB_COMPLETION_INDEX", "0"),
            ("JOB_COMPLETIONS", "1")
        ])),
        Ok(Some(Shard::WHOLE))
    );
    // Slurm first when both are set.
    assert_eq!(
        Shard::from_env(env_of(&[
            ("SLURM_ARRAY_TASK_ID", "0"),
            ("SLURM_ARRAY_TASK_COUNT", "2"),
            ("JOB_COMPLETION_INDEX", "2"),
            ("JOB_COMPLETIONS", "3")
        ])),
        Ok(shard(0, 2))
    );
    // Errors: an index without a count, not a number, out of range.
    assert!(Shard::from_env(env_of(&[("JOB_COMPLETION_INDEX", "1")]))
        .unwrap_err()
        .to_string()
        .contains("JOB_COMPLETIONS"));
    assert!(Shard::from_env(env_of(&[
        ("SLURM_ARRAY_TASK_ID", "x"),
        ("SLURM_ARRAY_TASK_COUNT", "3")
    ]))
    .unwrap_err()
    .to_string()
    .contains("SLURM_ARRAY_TASK_ID"));
    assert!(Shard::from_env(env_of(&[
        ("JOB_COMPLETION_INDEX", "3"),
        ("JOB_COMPLETIONS", "3")
    ]))
    .is_err());
    assert!(Shard::parse("3/3").is_err() && Shard::parse("0/0").is_err());
    assert_eq!(Shard::parse(" 2 / 5 "), Ok(Shard { index: 2, count: 5 }));
}

#[test]
fn shard_variables_pick_the_same_runs_as_the_flag() {
    let b = Batch::new();
    let file = b.on_two_chains(
        "[[sweep]]\nname = \"s\"\n[sweep.vary]\nmax_share = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4]\n",
    );
    let all: Vec<String> = plan::read(&file)
        .unwrap()
        .runs
        .into_iter()
        .map(|r| r.name)
        .collect();
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], usize);
    let cases: [Case; 3] = [
        (
            "slurm",
            &[
                ("SLURM_ARRAY_TASK_ID", "1"),
                ("SLURM_ARRAY_TASK_COUNT", "3"),
            ],
            1,
        ),
        (
            "slurm-min",
            &[
                ("SLURM_ARRAY_TASK_ID", "3"),
                ("SLURM_ARRAY_TASK_MIN", "1"),
                ("SLURM_ARRAY_TASK_COUNT", "3"),
            ],
            2,
        ),
        (
            "k8s",
            &[("JOB_COMPLETION_INDEX", "0"), ("JOB_COMPLETIONS", "3")],
            0,
        ),
    ];
    for (label, env, k) in cases {
        let by_env = b.path(&format!("{label}-env"));
        let by_flag = b.path(&format!("{label}-flag"));
        let r = run_with(&["batch", s(&file), "-j", "1", "--out", s(&by_env)], env);
        assert_eq!(r.code, Some(0), "{label}: {}", r.stderr);
        expect(
            0,
            &[
                "batch",
                s(&file),
                "-j",
                "1",
                "--shard",
                &format!("{k}/3"),
                "--out",
                s(&by_flag),
            ],
        );
        let mine: Vec<String> = all
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 3 == k)
            .map(|(_, n)| n.clone())
            .collect();
        assert_eq!(names(&comparison(&by_env)), mine, "{label}");
        assert_eq!(
            fs::read(by_env.join("comparison.csv")).unwrap(),
            fs::read(by_flag.join("comparison.csv")).unwrap(),
            "{label}"
        );
        assert_eq!(
            entries(&by_env.join("runs")),
            entries(&by_flag.join("runs")),
            "{label}"
        );
    }
    // The flag wins over the environment.
    let out = b.path("flag-wins");
    let r = run_with(
        &[
            "batch",
            s(&file),
            "-j",
            "1",
            "--shard",
            "2/3",
            "--out",
            s(&out),
        ],
        &[
            ("SLURM_ARRAY_TASK_ID", "0"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(names(&comparison(&out)), [all[2].clone(), all[5].clone()]);
    // A half-set Kubernetes environment is a usage error.
    let r = run_with(
        &["batch", s(&file), "--out", s(&b.path("bad"))],
        &[("JOB_COMPLETION_INDEX", "1")],
    );
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("JOB_COMPLETIONS"), "{}", r.stderr);
    // Merging the three env-picked shards gives the whole sweep (totals by hand, see the top).
    let dirs = ["k8s-env", "slurm-env", "slurm-min-env"].map(|d| b.path(d));
    let merged = b.path("merged");
    let mut args = vec!["merge", "--out", s(&merged)];
    args.extend(dirs.iter().map(|d| s(d)));
    expect(0, &args);
    let rows = comparison(&merged);
    assert_eq!(names(&rows), all);
    for (name, want) in all
        .iter()
        .zip([1380.0, 1390.0, 1400.0, 1450.0, 1500.0, 1550.0, 100000.0])
    {
        assert_total(&rows, name, want);
    }
    assert_eq!(number(&row(&rows, "s_max_share=0.4")["unmet:li"]), 100.0);
}

#[test]
fn the_library_reports_what_it_ran_skipped_and_failed() {
    let b = Batch::new();
    b.put(
        "typo.toml",
        "[[set]]\ntable = \"routes\"\nwhere = { to_country = \"JPN\" }\ncost = 1\n",
    );
    let file = b.on_two_chains("[[run]]\nname = \"a\"\n\n[[run]]\nname = \"t\"\nscenarios = [\"typo.toml\"]\n\n[[run]]\nname = \"c\"\nmax_share = 0.5\n");
    let p = plan::read(&file).unwrap();
    let opts = batch::Options {
        out: b.path("out"),
        jobs: 2,
        resume: true,
        shard: Shard::WHOLE,
        progress: false,
    };
    let first = batch::run(&p, &opts).expect("the batch runs");
    assert_eq!((first.ran, first.skipped, first.failed), (3, 0, 1));
    let again = batch::run(&p, &opts).expect("the batch runs");
    assert_eq!((again.ran, again.skipped, again.failed), (1, 2, 1));
    assert_eq!(again.rows.len(), 3);
    assert_eq!(again.rows[2].solved.as_ref().unwrap().total_cost, 1550.0);
    assert!(
        again.rows[1].error.contains("typo.toml:1")
            && again.rows[1].error.contains("selects no row of routes")
    );
    let shard = batch::Options {
        out: b.path("shard"),
        shard: Shard { index: 1, count: 2 },
        ..opts
    };
    let part = batch::run(&p, &shard).unwrap();
    assert_eq!(
        part.rows
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>(),
        ["t"]
    );
}

// ---------------------------------------------------------------------------
// Hardened batch files and outputs

#[test]
fn paths_in_a_batch_file_stay_inside_its_folder() {
    let b = Batch::new();
    copy_model(&two_chains(), &b.path("two-chains"));
    fs::create_dir_all(b.path("sub")).unwrap();
    b.put("cheap-aus.toml", HALVE_AUS);
    let cases = [
        (
            "up-model",
            "model = \"../two-chains\"\n[[run]]\nname = \"a\"\n".to_string(),
            "up-model.toml:1:9",
            "\"../two-chains\" leaves the folder",
        ),
        (
            "abs-model",
            format!(
                "model = {:?}\n[[run]]\nname = \"a\"\n",
                s(&b.path("two-chains"))
            ),
            "abs-model.toml:1:9",
            "is absolute",
        ),
    ];
    for (name, text, at, message) in &cases {
        let file = b.put(&format!("sub/{name}.toml"), text);
        let e = expect(1, &["batch", s(&file), "--out", s(&b.path("o"))]);
        assert!(
            e.stderr.contains(at) && e.stderr.contains(message),
            "{name}: expected {at} and {message}:\n{}",
            e.stderr
        );
        assert!(plan::read(&file).is_err());
        assert!(
            plan::read_with(&file, true).is_ok(),
            "{name} with allow_outside"
        );
    }
    // A scenario outside the batch file's folder, in a run and in a sweep.
    copy_model(&two_chains(), &b.path("sub/two-chains"));
    let file = b.put(
        "sub/batch.toml",
        "model = \"two-chains\"\n\n[[run]]\nname = \"a\"\nscenarios = [\"../cheap-aus.toml\"]\n",
    );
    let e = expect(1, &["batch", s(&file), "--out", s(&b.path("o"))]);
    assert!(
        e.stderr.contains("batch.toml:5:14") && e.stderr.contains("leaves the folder"),
        "{}",
        e.stderr
    );
    let sweep = b.put(
        "sub/sweep.toml",
        "model = \"two-chains\"\n\n[[sweep]]\nname = \"s\"\nscenarios = [\"../cheap-aus.toml\"]\n[sweep.vary]\nmax_share = [1.0]\n",
    );
    let e = expect(1, &["batch", s(&sweep), "--out", s(&b.path("o"))]);
    assert!(e.stderr.contains("sweep.toml:5:14"), "{}", e.stderr);
    assert!(
        !b.path("o").exists(),
        "nothing is written for a refused batch"
    );
    // Allowed explicitly.
    let out = b.path("allowed");
    expect(0, &["batch", s(&file), "--allow-outside", "--out", s(&out)]);
    assert_total(&comparison(&out), "a", 1140.0);
}

#[test]
fn merge_refuses_run_names_that_would_write_outside_out() {
    let b = Batch::new();
    let file = b.on_two_chains("[[run]]\nname = \"a\"\n");
    let shard = b.path("shard");
    expect(0, &["batch", s(&file), "--out", s(&shard)]);
    let good = fs::read_to_string(shard.join("batch.json")).unwrap();
    assert!(good.contains("\"name\": \"a\""), "{good}");
    for bad in ["../escape", "a/b", "", ".hidden"] {
        fs::write(
            shard.join("batch.json"),
            good.replace("\"name\": \"a\"", &format!("\"name\": {bad:?}")),
        )
        .unwrap();
        // The run folder a merge would read, so that only the name check stops it.
        if !bad.is_empty() {
            let to = shard.join("runs").join(bad);
            fs::create_dir_all(&to).unwrap();
            for f in RUN_FILES {
                fs::copy(shard.join("runs/a").join(f), to.join(f)).unwrap();
            }
        }
        let merged = b.path("merged");
        let e = expect(4, &["merge", "--out", s(&merged), s(&shard)]);
        assert!(
            e.stderr
                .contains(&format!("{}", shard.join("batch.json").display()))
                && e.stderr.contains("cannot be a folder name"),
            "{bad:?}: {}",
            e.stderr
        );
        assert!(
            !merged.join("escape").exists() && !merged.join("runs/a/b").exists(),
            "{bad:?}: nothing is written"
        );
    }
    // A batch file with such a name is refused too.
    let file = b.on_two_chains("[[run]]\nname = \"../x\"\n");
    let e = expect(1, &["batch", s(&file), "--out", s(&b.path("o"))]);
    assert!(
        e.stderr.contains("batch.toml:5:") && e.stderr.contains("cannot be a folder name"),
        "{}",
        e.stderr
    );
}

#[test]
fn batch_json_names_its_comparison_and_merge_refuses_a_stale_pair() {
    use sha2::{Digest, Sha256};
    let b = Batch::new();
    let file = b.on_two_chains("[[run]]\nname = \"a\"\n\n[[run]]\nname = \"c\"\nmax_share = 0.5\n");
    let out = b.path("out");
    expect(0, &["batch", s(&file), "--out", s(&out)]);
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("batch.json")).unwrap()).unwrap();
    let csv = fs::read(out.join("comparison.csv")).unwrap();
    let hash: String = Sha256::digest(&csv)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(json["comparison_sha256"], hash.as_str());
    let merged = b.path("merged");
    expect(0, &["merge", "--out", s(&merged), s(&out)]);
    assert_eq!(fs::read(merged.join("comparison.csv")).unwrap(), csv);
    assert_eq!(
        fs::read(merged.join("batch.json")).unwrap(),
        fs::read(out.join("batch.json")).unwrap()
    );

    // What a batch stopped between its two writes leaves: a batch.json of
    // the new batch beside the comparison.csv of the old one.
    fs::write(out.join("comparison.csv"), "name,status\nold,ok\n").unwrap();
    let e = expect(4, &["merge", "--out", s(&b.path("m2")), s(&out)]);
    assert!(
        e.stderr.contains("not from the same batch") && e.stderr.contains(s(&out)),
        "{}",
        e.stderr
    );
    fs::remove_file(out.join("comparison.csv")).unwrap();
    expect(4, &["merge", "--out", s(&b.path("m2")), s(&out)]);
    // A resumed batch writes the pair again (skipping the finished runs).
    let r = expect(0, &["batch", s(&file), "--out", s(&out), "--resume"]);
    assert!(r.stderr.contains("2 unchanged (skipped)"), "{}", r.stderr);
    assert_eq!(fs::read(out.join("comparison.csv")).unwrap(), csv);
    expect(0, &["merge", "--out", s(&b.path("m2")), s(&out)]);
}
