//! Batch runs: many scenario combinations of one model, solved in parallel
//! (rayon, one HiGHS thread per solve), fail-soft, resumable by content hash,
//! and shardable across machines (`--shard K/N`, then `merge`).

pub mod comparison;
pub mod plan;

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::diagnostics::Diagnostics;
use crate::input::ModelTexts;
use crate::pipeline::{self, OutDir, Request, RunError, ScenarioSource};
use crate::report::files::write_out_dir;
use crate::report::Report;
use crate::scenario::{self, Scenario};
use comparison::{Row, RunRecord};
use plan::{Plan, RunSpec};

/// Which part of the runs this process does: runs i with i % count == index.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Parses `K/N` (0 <= K < N).
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("--shard {text}: expected K/N, e.g. 0/4"))?;
        let (index, count): (usize, usize) = (
            k.trim()
                .parse()
                .map_err(|_| format!("--shard {text}: K is not a whole number"))?,
            n.trim()
                .parse()
                .map_err(|_| format!("--shard {text}: N is not a whole number"))?,
        );
        if count == 0 || index >= count {
            return Err(format!("--shard {text}: need 0 <= K < N"));
        }
        Ok(Shard { index, count })
    }

    /// The shard a cluster scheduler assigned, from its environment: Slurm job
    /// arrays (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_COUNT)
    /// or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX with JOB_COMPLETIONS).
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Option<Shard>, String> {
        let num = |name: &str| -> Result<Option<usize>, String> {
            var(name)
                .map(|v| {
                    v.trim()
                        .parse()
                        .map_err(|_| format!("{name}={v} is not a whole number"))
                })
                .transpose()
        };
        if let (Some(id), Some(count)) =
            (num("SLURM_ARRAY_TASK_ID")?, num("SLURM_ARRAY_TASK_COUNT")?)
        {
            let min = num("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            return Shard::parse(&format!("{}/{count}", id.saturating_sub(min))).map(Some);
        }
        if let Some(index) = num("JOB_COMPLETION_INDEX")? {
            let count = num("JOB_COMPLETIONS")?.ok_or("JOB_COMPLETION_INDEX is set but JOB_COMPLETIONS is not (set it to the Job's completions)")?;
            return Shard::parse(&format!("{index}/{count}")).map(Some);
        }
        Ok(None)
    }

    fn takes(&self, i: usize) -> bool {
        i % self.count == self.index
    }
}

/// How to run a batch.
#[derive(Clone, Debug)]
pub struct Options {
    pub out: PathBuf,
    pub jobs: usize,
    pub resume: bool,
    pub shard: Shard,
    /// Show a progress bar (stderr is a terminal) or plain progress lines.
    pub progress: bool,
}

/// What a batch did.
pub struct Outcome {
    pub rows: Vec<Row>,
    pub failed: usize,
    pub skipped: usize,
    pub ran: usize,
}

/// Errors that stop a whole batch (a single run's error only marks its row).
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("{0}")]
    Plan(String),
    #[error("the base model is invalid:\n{0}")]
    Model(Diagnostics),
    #[error("{0}")]
    Output(String),
}

/// Runs the batch `plan` (this process's shard of it) and writes `opts.out`.
pub fn run(plan: &Plan, opts: &Options) -> Result<Outcome, BatchError> {
    let mut diags = Diagnostics::new();
    let base = ModelTexts::read_dir(&plan.model, &mut diags);
    // The base model must be valid on its own: otherwise every run fails the same way.
    if diags.has_errors() {
        return Err(BatchError::Model(diags));
    }
    pipeline::load(&Request::texts(base.clone())).map_err(BatchError::Model)?;
    let scenarios = load_scenarios(plan);
    let mine: Vec<(usize, &RunSpec)> = plan
        .runs
        .iter()
        .enumerate()
        .filter(|(i, _)| opts.shard.takes(*i))
        .collect();
    std::fs::create_dir_all(opts.out.join("runs"))
        .map_err(|e| BatchError::Output(format!("{}: {e}", opts.out.display())))?;
    remove_staging_leftovers(&opts.out.join("runs"));
    let progress = Progress::new(mine.len(), opts.progress);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.max(1))
        .build()
        .map_err(|e| BatchError::Output(e.to_string()))?;
    let skipped = AtomicUsize::new(0);
    let results: Vec<(RunRecord, Option<Report>)> = pool.install(|| {
        mine.par_iter()
            .map(|(_, spec)| {
                let started = Instant::now();
                let inputs = inputs_hash(&base, spec, &scenarios);
                let dir = opts.out.join("runs").join(&spec.name);
                if opts.resume {
                    if let Some(done) = finished(&dir, &inputs) {
                        skipped.fetch_add(1, Ordering::Relaxed);
                        progress.step(&spec.name, "skipped (unchanged)", started);
                        return done;
                    }
                }
                let ok = RunRecord {
                    name: spec.name.clone(),
                    status: "ok".into(),
                    error: String::new(),
                    inputs,
                };
                let (record, report) = match execute(&base, spec, &scenarios, &dir, &ok) {
                    Ok(report) => (ok, Some(report)),
                    Err(error) => {
                        let failed = RunRecord {
                            status: "error".into(),
                            error,
                            ..ok
                        };
                        match save_failure(&dir, &failed) {
                            Ok(()) => (failed, None),
                            Err(e) => (RunRecord { error: e, ..failed }, None),
                        }
                    }
                };
                progress.step(&spec.name, &record.status, started);
                (record, report)
            })
            .collect()
    });
    progress.finish();
    let rows: Vec<Row> = results
        .iter()
        .map(|(rec, rep)| comparison::row(rec, rep.as_ref()))
        .collect();
    write_summary(&opts.out, plan, &rows)?;
    let failed = results.iter().filter(|(r, _)| r.status != "ok").count();
    let skipped = skipped.into_inner();
    Ok(Outcome {
        ran: results.len() - skipped,
        rows,
        failed,
        skipped,
    })
}

/// Removes the staging folders a killed batch may have left while swapping a
/// run's folder in (`.sourcemix-out-*`, `.sourcemix-old-*`): the runs they
/// belonged to have no complete folder and are run again.
fn remove_staging_leftovers(runs: &Path) {
    let Ok(entries) = std::fs::read_dir(runs) else {
        return;
    };
    for entry in entries.flatten() {
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(".sourcemix-")
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Every scenario the plan names, read once (a scenario with errors keeps them).
fn load_scenarios(plan: &Plan) -> HashMap<String, Result<Scenario, String>> {
    let names: std::collections::BTreeSet<&String> =
        plan.runs.iter().flat_map(|r| r.scenarios.iter()).collect();
    names
        .into_iter()
        .map(|name| {
            let mut diags = Diagnostics::new();
            let s = scenario::load(&plan.scenario_path(name), &mut diags);
            let result = if diags.has_errors() {
                Err(error_text(&diags))
            } else {
                Ok(s)
            };
            (name.clone(), result)
        })
        .collect()
}

/// Every error of `diags` on one line (for a comparison row).
fn error_text(diags: &Diagnostics) -> String {
    diags
        .errors()
        .map(|e| format!("{}: {}", e.location, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Solves one run (base model, its scenarios in order, its parameters)
/// through the one run path, which writes the run's folder with `record`.
fn execute(
    base: &ModelTexts,
    spec: &RunSpec,
    scenarios: &HashMap<String, Result<Scenario, String>>,
    dir: &Path,
    record: &RunRecord,
) -> Result<Report, String> {
    let mut overlays = Vec::new();
    for name in &spec.scenarios {
        match scenarios.get(name) {
            Some(Ok(s)) => overlays.push(ScenarioSource::Loaded(s.clone())),
            Some(Err(e)) => return Err(e.clone()),
            None => return Err(format!("scenario {name} was not read")),
        }
    }
    check_params(&spec.params)?;
    let run_json = serde_json::to_string_pretty(record).map_err(|e| e.to_string())? + "\n";
    let request = Request {
        scenarios: overlays,
        params: spec.params.clone(),
        out: Some(OutDir {
            dir: dir.to_path_buf(),
            extra: vec![("run.json".into(), run_json.into_bytes())],
        }),
        ..Request::texts(base.clone())
    };
    match pipeline::run(&request) {
        Ok(run) => Ok(run.report),
        Err(RunError::Invalid(d)) => Err(error_text(&d)),
        Err(e) => Err(e.to_string()),
    }
}

// TEMP until RunParams::check lands.
fn check_params(p: &plan::Params) -> Result<(), String> {
    if let Some(k) = p.demand_scale {
        if !(k.is_finite() && k >= 0.0) {
            return Err(format!(
                "demand_scale {k} must be a finite number, 0 or more"
            ));
        }
    }
    if let Some(share) = p.max_share {
        if !(0.0..=1.0).contains(&share) {
            return Err(format!("max_share {share} is outside 0..=1"));
        }
    }
    Ok(())
}

/// The content hash of a run's inputs: model files, scenario files (with what
/// they extend and insert), parameters and the program version.
fn inputs_hash(
    base: &ModelTexts,
    spec: &RunSpec,
    scenarios: &HashMap<String, Result<Scenario, String>>,
) -> String {
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    field(concat!("sourcemix ", env!("CARGO_PKG_VERSION")).as_bytes());
    for (name, text) in &base.files {
        field(name.as_bytes());
        field(text.as_deref().unwrap_or("\u{0}missing").as_bytes());
    }
    for name in &spec.scenarios {
        match scenarios.get(name) {
            Some(Ok(s)) => s
                .sources
                .iter()
                .for_each(|(_, text)| field(text.as_bytes())),
            _ => field(format!("unreadable {name}").as_bytes()),
        }
    }
    field(
        serde_json::to_string(&spec.params)
            .unwrap_or_default()
            .as_bytes(),
    );
    let digest = h.finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A finished run whose inputs have not changed, read back from its folder.
fn finished(dir: &Path, inputs: &str) -> Option<(RunRecord, Option<Report>)> {
    let record: RunRecord =
        serde_json::from_slice(&std::fs::read(dir.join("run.json")).ok()?).ok()?;
    if record.status != "ok" || record.inputs != inputs {
        return None;
    }
    let report: Report =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).ok()?).ok()?;
    Some((record, Some(report)))
}

/// Writes the folder of a run that failed: its run.json alone.
fn save_failure(dir: &Path, record: &RunRecord) -> Result<(), String> {
    let json = serde_json::to_string_pretty(record).map_err(|e| e.to_string())? + "\n";
    write_out_dir(dir, &[("run.json", json.into_bytes())]).map_err(|e| e.to_string())
}

/// Writes comparison.csv and batch.json (the expanded plan, which `merge` reads).
fn write_summary(out: &Path, plan: &Plan, rows: &[Row]) -> Result<(), BatchError> {
    let csv = comparison::to_csv(rows).map_err(|e| BatchError::Output(e.to_string()))?;
    let plan_json =
        serde_json::to_string_pretty(plan).map_err(|e| BatchError::Output(e.to_string()))? + "\n";
    write_file(&out.join("batch.json"), plan_json.as_bytes())?;
    write_file(&out.join("comparison.csv"), &csv)
}

/// Writes a file whole: a temporary file beside it, then a rename.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), BatchError> {
    let fail = |e: std::io::Error| BatchError::Output(format!("{}: {e}", path.display()));
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// Joins the outputs of shards (each a batch --out folder) into `out`: the
/// comparison equals the one an unsharded run writes.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Vec<Row>, BatchError> {
    let mut plan: Option<Plan> = None;
    for dir in dirs {
        let text = std::fs::read(dir.join("batch.json")).map_err(|e| {
            BatchError::Output(format!("{}: {e}", dir.join("batch.json").display()))
        })?;
        let p: Plan = serde_json::from_slice(&text)
            .map_err(|e| BatchError::Output(format!("{}/batch.json: {e}", dir.display())))?;
        if plan.as_ref().is_some_and(|q| q.runs != p.runs) {
            return Err(BatchError::Output(format!(
                "{}: its batch.json lists other runs than the first folder's",
                dir.display()
            )));
        }
        plan = Some(p);
    }
    let plan = plan.ok_or_else(|| BatchError::Output("merge needs at least one folder".into()))?;
    std::fs::create_dir_all(out.join("runs"))
        .map_err(|e| BatchError::Output(format!("{}: {e}", out.display())))?;
    let mut rows = Vec::new();
    for spec in &plan.runs {
        let source = dirs
            .iter()
            .map(|d| d.join("runs").join(&spec.name))
            .find(|d| d.join("run.json").exists());
        let Some(source) = source else {
            return Err(BatchError::Output(format!(
                "run \"{}\" is in no shard folder (did every shard finish?)",
                spec.name
            )));
        };
        let record: RunRecord = read_json(&source.join("run.json"))?;
        let report: Option<Report> = if record.status == "ok" {
            Some(read_json(&source.join("summary.json"))?)
        } else {
            None
        };
        let target = out.join("runs").join(&spec.name);
        if source != target {
            let files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&source)
                .and_then(|entries| {
                    entries
                        .map(|e| {
                            e.and_then(|e| {
                                Ok((
                                    e.file_name().to_string_lossy().into_owned(),
                                    std::fs::read(e.path())?,
                                ))
                            })
                        })
                        .collect()
                })
                .map_err(|e| BatchError::Output(format!("{}: {e}", source.display())))?;
            let borrowed: Vec<(&str, Vec<u8>)> =
                files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
            write_out_dir(&target, &borrowed).map_err(|e| BatchError::Output(e.to_string()))?;
        }
        rows.push(comparison::row(&record, report.as_ref()));
    }
    write_summary(out, &plan, &rows)?;
    Ok(rows)
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, BatchError> {
    let bytes =
        std::fs::read(path).map_err(|e| BatchError::Output(format!("{}: {e}", path.display())))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| BatchError::Output(format!("{}: {e}", path.display())))
}

/// Progress on stderr: a bar on a terminal, plain lines otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: usize,
    enabled: bool,
    done: AtomicUsize,
    lines: Mutex<()>,
}

impl Progress {
    fn new(total: usize, enabled: bool) -> Progress {
        let bar = (enabled && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} runs, {elapsed} (eta {eta}) {msg}",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            total,
            enabled,
            done: AtomicUsize::new(0),
            lines: Mutex::new(()),
        }
    }

    fn step(&self, name: &str, status: &str, started: Instant) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        match &self.bar {
            Some(bar) => {
                bar.set_message(name.to_string());
                bar.inc(1);
            }
            None if self.enabled => {
                let _guard = self.lines.lock();
                eprintln!(
                    "[{done}/{}] {name}: {status} ({:.2} s)",
                    self.total,
                    started.elapsed().as_secs_f64()
                );
            }
            None => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
