//! Batch runs: many scenario combinations of one model, solved in parallel
//! (rayon, one HiGHS thread per solve), fail-soft, resumable by content hash,
//! and shardable across machines (`--shard K/N`, then `merge`).

pub mod comparison;
pub mod plan;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::diagnostics::Diagnostics;
use crate::input::ModelTexts;
use crate::pipeline::{self, OutDir, Request, ScenarioSource};
use crate::progress::Progress;
use crate::report::files::{write_out_dir, WriteError};
use crate::scenario::{self, ParamError, Scenario};
use comparison::{Row, RunRecord, RunReport, RunStatus};
use plan::{Plan, PlanError, RunSpec};
use serde::{Deserialize, Serialize};

/// Which part of the runs this process does: runs i with i % count == index.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Parses `K/N` (0 <= K < N).
    pub fn parse(text: &str) -> Result<Shard, ShardError> {
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| ShardError::NotKOverN(text.to_string()))?;
        let whole = |part: &str, which: &'static str| {
            part.trim()
                .parse::<usize>()
                .map_err(|_| ShardError::NotANumber {
                    text: text.to_string(),
                    which,
                })
        };
        let (index, count) = (whole(k, "K")?, whole(n, "N")?);
        if count == 0 || index >= count {
            return Err(ShardError::OutOfRange(text.to_string()));
        }
        Ok(Shard { index, count })
    }

    /// The shard a cluster scheduler assigned, from its environment: Slurm job
    /// arrays (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_COUNT)
    /// or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX with JOB_COMPLETIONS).
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Option<Shard>, ShardError> {
        let num = |name: &str| -> Result<Option<usize>, ShardError> {
            var(name)
                .map(|v| {
                    v.trim().parse().map_err(|_| ShardError::Variable {
                        name: name.to_string(),
                        value: v.clone(),
                    })
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
            let count = num("JOB_COMPLETIONS")?.ok_or(ShardError::NoCompletions)?;
            return Shard::parse(&format!("{index}/{count}")).map(Some);
        }
        Ok(None)
    }

    fn takes(&self, i: usize) -> bool {
        i % self.count == self.index
    }
}

/// A shard given on the command line or by a cluster scheduler that makes no sense.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    #[error("--shard {0}: expected K/N, e.g. 0/4")]
    NotKOverN(String),
    #[error("--shard {text}: {which} is not a whole number")]
    NotANumber { text: String, which: &'static str },
    #[error("--shard {0}: need 0 <= K < N")]
    OutOfRange(String),
    #[error("{name}={value} is not a whole number")]
    Variable { name: String, value: String },
    #[error(
        "JOB_COMPLETION_INDEX is set but JOB_COMPLETIONS is not (set it to the Job's completions)"
    )]
    NoCompletions,
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

/// Errors that stop a whole batch or merge (a single run's error only marks its row).
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("the base model is invalid:\n{0}")]
    Model(Diagnostics),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("{path}: {source}")]
    Json {
        path: String,
        source: serde_json::Error,
    },
    #[error("cannot start {jobs} worker threads: {source}")]
    Threads {
        jobs: usize,
        source: rayon::ThreadPoolBuildError,
    },
    #[error("cannot write comparison.csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("{file}: {error}")]
    RunName {
        file: String,
        error: plan::RunNameError,
    },
    #[error("{file}: its batch.json lists other runs than the first folder's")]
    OtherRuns { file: String },
    #[error("merge needs at least one folder")]
    NoFolders,
    #[error("run \"{0}\" is in no shard folder (did every shard finish?)")]
    MissingRun(String),
    #[error("{dir}: batch.json and comparison.csv are not from the same batch (it was stopped while writing them); run that batch again with --resume")]
    StaleSummary { dir: String },
}

/// Why one run failed (its row of comparison.csv says this).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{}", error_text(.0))]
    Scenario(Diagnostics),
    #[error("scenario {0} was not read")]
    NotRead(String),
    #[error(transparent)]
    Params(#[from] ParamError),
    #[error("{}", error_text(.0))]
    Invalid(Diagnostics),
    #[error(transparent)]
    Solve(#[from] crate::solve::SolveError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("not supported: {0}")]
    Unsupported(String),
}

impl From<pipeline::RunError> for RunError {
    fn from(e: pipeline::RunError) -> RunError {
        match e {
            pipeline::RunError::Invalid(d) => RunError::Invalid(d),
            pipeline::RunError::Solver(e) => RunError::Solve(e),
            pipeline::RunError::Output(e) => RunError::Write(e),
            pipeline::RunError::Unsupported(what) => RunError::Unsupported(what),
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> BatchError {
    let path = path.display().to_string();
    move |source| BatchError::Io { path, source }
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
    std::fs::create_dir_all(opts.out.join("runs")).map_err(io_error(&opts.out))?;
    remove_staging_leftovers(&opts.out.join("runs"));
    let progress = Progress::new(mine.len(), "runs", opts.progress);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.max(1))
        .build()
        .map_err(|source| BatchError::Threads {
            jobs: opts.jobs,
            source,
        })?;
    let skipped = AtomicUsize::new(0);
    let results: Vec<(RunRecord, Option<RunReport>)> = pool.install(|| {
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
                    status: RunStatus::Ok,
                    error: String::new(),
                    inputs,
                };
                let (record, report) = match execute(&base, spec, &scenarios, &dir, &ok) {
                    Ok(report) => (ok, Some(report)),
                    Err(e) => {
                        let failed = RunRecord {
                            status: RunStatus::Error,
                            error: e.to_string(),
                            ..ok
                        };
                        match save_failure(&dir, &failed) {
                            Ok(()) => (failed, None),
                            Err(e) => (
                                RunRecord {
                                    error: e.to_string(),
                                    ..failed
                                },
                                None,
                            ),
                        }
                    }
                };
                progress.step(&spec.name, record.status.as_str(), started);
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
    let failed = results
        .iter()
        .filter(|(r, _)| r.status != RunStatus::Ok)
        .count();
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
fn load_scenarios(plan: &Plan) -> HashMap<String, Result<Scenario, Diagnostics>> {
    let opts = scenario::LoadOptions {
        allow_outside: plan.allow_outside,
        model_dir: Some(crate::input::workbook::model_dir(&plan.model)),
    };
    let names: std::collections::BTreeSet<&String> =
        plan.runs.iter().flat_map(|r| r.scenarios.iter()).collect();
    names
        .into_iter()
        .map(|name| {
            let mut diags = Diagnostics::new();
            let s = scenario::load_with(&plan.scenario_path(name), &opts, &mut diags);
            let result = if diags.has_errors() {
                Err(diags)
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
    scenarios: &HashMap<String, Result<Scenario, Diagnostics>>,
    dir: &Path,
    record: &RunRecord,
) -> Result<RunReport, RunError> {
    spec.params.check()?;
    let mut overlays = Vec::new();
    for name in &spec.scenarios {
        match scenarios.get(name) {
            Some(Ok(s)) => overlays.push(ScenarioSource::Loaded(s.clone())),
            Some(Err(e)) => return Err(RunError::Scenario(e.clone())),
            None => return Err(RunError::NotRead(name.clone())),
        }
    }
    let request = Request {
        scenarios: overlays,
        params: spec.params.clone(),
        out: Some(OutDir {
            dir: dir.to_path_buf(),
            extra: vec![("run.json".into(), record_json(record)?)],
        }),
        ..Request::texts(base.clone())
    };
    let run = pipeline::run(&request)?;
    Ok(match run.horizon {
        Some(h) => RunReport::Horizon(Box::new(h)),
        None => RunReport::Year(Box::new(run.report)),
    })
}

/// The content hash of a run's inputs: model files, scenario files (with what
/// they extend and insert), parameters and the program version.
fn inputs_hash(
    base: &ModelTexts,
    spec: &RunSpec,
    scenarios: &HashMap<String, Result<Scenario, Diagnostics>>,
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
fn finished(dir: &Path, inputs: &str) -> Option<(RunRecord, Option<RunReport>)> {
    let record: RunRecord =
        serde_json::from_slice(&std::fs::read(dir.join("run.json")).ok()?).ok()?;
    if record.status != RunStatus::Ok || record.inputs != inputs {
        return None;
    }
    let report: RunReport =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).ok()?).ok()?;
    Some((record, Some(report)))
}

/// A run's run.json.
fn record_json(record: &RunRecord) -> Result<Vec<u8>, WriteError> {
    let json = serde_json::to_string_pretty(record).map_err(|e| WriteError::Render {
        file: "run.json".into(),
        reason: e.to_string(),
    })? + "\n";
    Ok(json.into_bytes())
}

/// Writes the folder of a run that failed: its run.json alone.
fn save_failure(dir: &Path, record: &RunRecord) -> Result<(), WriteError> {
    write_out_dir(dir, &[("run.json", record_json(record)?)])
}

/// batch.json: the expanded plan (what `merge` reads) and the SHA-256 of the
/// comparison.csv written with it, so that a pair left half-replaced by a
/// stopped batch is recognised.
#[derive(Serialize, Deserialize)]
struct BatchJson {
    #[serde(flatten)]
    plan: Plan,
    /// `None` in a batch.json from an older sourcemix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    comparison_sha256: Option<String>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes batch.json (with the hash of the new comparison), then
/// comparison.csv, then index.html (the comparison as a page), each whole (a temporary file, then a rename). A batch
/// stopped between the two leaves a batch.json whose hash does not match
/// comparison.csv: `merge` refuses such a folder, a new run rewrites both.
fn write_summary(out: &Path, plan: &Plan, rows: &[Row]) -> Result<(), BatchError> {
    let csv = comparison::to_csv(rows)?;
    let summary = BatchJson {
        plan: plan.clone(),
        comparison_sha256: Some(sha256_hex(&csv)),
    };
    let path = out.join("batch.json");
    let json = serde_json::to_string_pretty(&summary).map_err(|source| BatchError::Json {
        path: path.display().to_string(),
        source,
    })? + "\n";
    write_file(&path, json.as_bytes())?;
    write_file(&out.join("comparison.csv"), &csv)?;
    let title = plan.model.display().to_string();
    write_file(
        &out.join("index.html"),
        crate::report::html::batch_page(&title, rows).as_bytes(),
    )
}

/// Writes a file whole: a temporary file beside it, then a rename.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), BatchError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io_error(path))?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(io_error(path))?;
    tmp.persist(path).map_err(|e| io_error(path)(e.error))?;
    Ok(())
}

/// A shard's batch.json, checked: its run names are folder names, and its
/// comparison.csv (if any) is the one written with it.
fn read_shard_plan(dir: &Path) -> Result<Plan, BatchError> {
    let path = dir.join("batch.json");
    let summary: BatchJson = read_json(&path)?;
    for spec in &summary.plan.runs {
        plan::check_run_name(&spec.name).map_err(|error| BatchError::RunName {
            file: path.display().to_string(),
            error,
        })?;
    }
    if let Some(hash) = &summary.comparison_sha256 {
        let csv = std::fs::read(dir.join("comparison.csv")).ok();
        if csv.as_deref().map(sha256_hex).as_ref() != Some(hash) {
            return Err(BatchError::StaleSummary {
                dir: dir.display().to_string(),
            });
        }
    }
    Ok(summary.plan)
}

/// Joins the outputs of shards (each a batch --out folder) into `out`: the
/// comparison equals the one an unsharded run writes.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Vec<Row>, BatchError> {
    let mut plan: Option<Plan> = None;
    for dir in dirs {
        let p = read_shard_plan(dir)?;
        if plan.as_ref().is_some_and(|q| q.runs != p.runs) {
            return Err(BatchError::OtherRuns {
                file: dir.join("batch.json").display().to_string(),
            });
        }
        plan = Some(p);
    }
    let plan = plan.ok_or(BatchError::NoFolders)?;
    std::fs::create_dir_all(out.join("runs")).map_err(io_error(out))?;
    let mut rows = Vec::new();
    for spec in &plan.runs {
        let source = dirs
            .iter()
            .map(|d| d.join("runs").join(&spec.name))
            .find(|d| d.join("run.json").exists());
        let Some(source) = source else {
            return Err(BatchError::MissingRun(spec.name.clone()));
        };
        let record: RunRecord = read_json(&source.join("run.json"))?;
        let report: Option<RunReport> = if record.status == RunStatus::Ok {
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
                .map_err(io_error(&source))?;
            let borrowed: Vec<(&str, Vec<u8>)> =
                files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
            write_out_dir(&target, &borrowed)?;
        }
        rows.push(comparison::row(&record, report.as_ref()));
    }
    write_summary(out, &plan, &rows)?;
    Ok(rows)
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, BatchError> {
    let bytes = std::fs::read(path).map_err(io_error(path))?;
    serde_json::from_slice(&bytes).map_err(|source| BatchError::Json {
        path: path.display().to_string(),
        source,
    })
}
