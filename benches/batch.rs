//! Batch throughput: the shipped batch and a 1,000-run sweep of the flagship
//! model, at -j 1 and -j 2, in runs per second. A plain bench binary (not
//! criterion): one 1,000-run measurement already takes tens of seconds.
//!
//!   cargo bench --bench batch                 # shipped batch + 1,000-run sweep
//!   SOURCEMIX_BENCH_RUNS=200 cargo bench --bench batch

use std::path::{Path, PathBuf};
use std::time::Instant;

use sourcemix::batch::{self, plan, Options, Shard};

fn time_batch(plan: &plan::Plan, jobs: usize) -> f64 {
    let out = tempfile::tempdir().expect("temp dir");
    let opts = Options {
        out: out.path().to_path_buf(),
        jobs,
        resume: false,
        shard: Shard::WHOLE,
        progress: false,
    };
    let started = Instant::now();
    let outcome = batch::run(plan, &opts).expect("batch runs");
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(outcome.failed, 0, "every run solves");
    seconds
}

fn report(label: &str, plan: &plan::Plan) {
    let n = plan.runs.len() as f64;
    let one = time_batch(plan, 1);
    let two = time_batch(plan, 2);
    println!(
        "{label}: {} runs | -j 1: {one:.2} s, {:.1} runs/s | -j 2: {two:.2} s, {:.1} runs/s | speed-up {:.2}x",
        plan.runs.len(),
        n / one,
        n / two,
        one / two
    );
}

/// A sweep of the single-country cap over `runs` values from 1.0 down to 0.3.
fn sweep_plan(model: &Path, runs: usize, dir: &Path) -> plan::Plan {
    let values: Vec<String> = (0..runs)
        .map(|i| format!("{:.6}", 1.0 - 0.7 * i as f64 / (runs.max(2) - 1) as f64))
        .collect();
    let text = format!(
        "model = \"{}\"\n[[sweep]]\nname = \"cap\"\n[sweep.vary]\nmax_share = [{}]\n",
        model.display(),
        values.join(", ")
    );
    let path = dir.join("sweep.toml");
    std::fs::write(&path, text).expect("write the sweep");
    // The sweep file lives in a temporary folder and names the shipped model
    // by its absolute path: allowed explicitly (paths stay inside otherwise).
    plan::read_with(&path, true).expect("the sweep parses")
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing useful either.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let model = root.join("models/critical-minerals-2024");
    let shipped = plan::read(&model.join("batch.toml")).expect("the shipped batch parses");
    report("shipped batch", &shipped);
    let runs = std::env::var("SOURCEMIX_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let dir = tempfile::tempdir().expect("temp dir");
    let sweep = sweep_plan(&model, runs, dir.path());
    report("flagship cap sweep", &sweep);
}
