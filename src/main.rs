//! The `sourcemix` command line: parse options, then run one command as a
//! straight line (load -> validate -> network -> program -> solve -> report).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use sourcemix::diagnostics::Diagnostics;
use sourcemix::model::{Model, Policy};
use sourcemix::report::{files, table};
use sourcemix::{batch, pipeline};

/// Exit codes, documented in the README.
mod exit {
    pub const INVALID_MODEL: u8 = 1;
    pub const SOLVER_FAILED: u8 = 3;
    pub const OUTPUT_FAILED: u8 = 4;
    pub const RUNS_FAILED: u8 = 5;
}

#[derive(Parser)]
#[command(
    name = "sourcemix",
    version,
    about = "Least-cost sourcing of critical minerals under country-share caps and floors"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Solve a model: the least-cost sourcing mix under its policies.
    Solve(SolveArgs),
    /// Check a model and print its errors, warnings and a summary.
    Validate {
        /// The model folder.
        model: PathBuf,
    },
    /// Show what scenarios change in a model, row by row.
    Diff {
        /// The model folder.
        model: PathBuf,
        /// A scenario file (repeat to apply several, in order).
        #[arg(long = "scenario", value_name = "FILE", required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Run many scenario combinations of a model and compare them side by side.
    Batch {
        /// The batch file (docs/scenarios.md).
        batch: PathBuf,
        /// Runs solved at once (default: the number of cores).
        #[arg(short = 'j', long = "jobs")]
        jobs: Option<usize>,
        /// Where comparison.csv and runs/<name>/ go.
        #[arg(long, value_name = "DIR", default_value = "batch-out")]
        out: PathBuf,
        /// Skip runs whose outputs exist and whose inputs have not changed.
        #[arg(long)]
        resume: bool,
        /// Run only runs i with i % N == K (default: from Slurm or Kubernetes Indexed Job variables, else all).
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
    },
    /// Join the output folders of batch shards into one comparison.
    Merge {
        /// Where the merged comparison.csv and runs/ go.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The shards' --out folders.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
    },
    /// Export the supply network.
    Graph {
        /// The model folder.
        model: PathBuf,
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
    },
}

#[derive(clap::Args)]
struct SolveArgs {
    /// The model folder.
    model: PathBuf,
    /// A scenario file that changes the model (repeat to apply several, in order).
    #[arg(long = "scenario", value_name = "FILE")]
    scenarios: Vec<PathBuf>,
    /// Adds a cap: no country may supply more than this share (0..=1) of any
    /// consumer's deliveries of any commodity, at the mining and the refining stage.
    #[arg(long, value_name = "X")]
    max_share: Option<f64>,
    /// Ignore the model's own policies: the uncapped baseline (a --max-share cap still applies).
    #[arg(long)]
    no_policies: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Also write summary.json, flows.csv, mix.csv, policies.csv and capacities.csv into DIR.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

#[derive(Copy, Clone, ValueEnum)]
enum Format {
    Table,
    Json,
}

#[derive(Copy, Clone, ValueEnum)]
enum GraphFormat {
    Dot,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Solve(args) => solve(args),
        Command::Validate { model } => validate(&model),
        Command::Diff { model, scenarios } => diff(&model, &scenarios),
        Command::Batch {
            batch,
            jobs,
            out,
            resume,
            shard,
        } => run_batch(&batch, jobs, out, resume, shard.as_deref()),
        Command::Merge { out, dirs } => merge(&dirs, &out),
        Command::Graph {
            model,
            format: GraphFormat::Dot,
        } => {
            let Some(loaded) = load_or_report(&model, &[]) else {
                return Ok(ExitCode::from(exit::INVALID_MODEL));
            };
            print_stdout(&sourcemix::network::to_dot(&loaded.model))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Loads a model, printing every diagnostic to stderr; `None` if it has errors.
fn load_or_report(dir: &Path, scenarios: &[PathBuf]) -> Option<pipeline::Loaded> {
    match pipeline::load_with_scenarios(dir, scenarios) {
        Ok(loaded) => {
            print_diagnostics(&loaded.warnings);
            Some(loaded)
        }
        Err(diags) => {
            print_diagnostics(&diags);
            let errors = diags.errors().count();
            eprintln!(
                "{}: {errors} error{} found; nothing was solved",
                dir.display(),
                if errors == 1 { "" } else { "s" }
            );
            None
        }
    }
}

fn print_diagnostics(diags: &Diagnostics) {
    if !diags.is_empty() {
        eprint!("{diags}");
    }
}

fn solve(args: SolveArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let Some(mut loaded) = load_or_report(&args.model, &args.scenarios) else {
        return Ok(ExitCode::from(exit::INVALID_MODEL));
    };
    if args.no_policies {
        loaded.model.policies.clear();
    }
    if let Some(share) = args.max_share {
        if !(0.0..=1.0).contains(&share) {
            eprintln!("error: --max-share {share} is outside 0..=1 (a fraction: 0.65 is 65%)");
            return Ok(ExitCode::from(exit::INVALID_MODEL));
        }
        loaded.model.add_policy(Policy::cli_max_share(share));
    }
    let load_time = started.elapsed();
    let started = Instant::now();
    let nets = pipeline::networks(&loaded.model);
    print_diagnostics(&pipeline::network_warnings(
        &loaded.model,
        &nets,
        &loaded.texts,
    ));
    let network_time = started.elapsed();
    let outcome = match pipeline::solve(&loaded.model, nets) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(exit::SOLVER_FAILED));
        }
    };
    let mut report = outcome.report(&loaded.model);
    report.timings.load = load_time.as_secs_f64();
    report.timings.build = (network_time + outcome.build_time).as_secs_f64();
    report.timings.solve = outcome.solve_time.as_secs_f64();
    let started = Instant::now();
    if let Some(dir) = &args.out {
        let rendered = files::render_all(&report)?;
        if let Err(e) = files::write_out_dir(dir, &rendered) {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(exit::OUTPUT_FAILED));
        }
    }
    report.timings.write = started.elapsed().as_secs_f64();
    let text = match args.format {
        Format::Table => table::render(&report),
        Format::Json => files::json(&report),
    };
    print_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn validate(dir: &Path) -> anyhow::Result<ExitCode> {
    let Some(loaded) = load_or_report(dir, &[]) else {
        return Ok(ExitCode::from(exit::INVALID_MODEL));
    };
    let nets = pipeline::networks(&loaded.model);
    let warnings = pipeline::network_warnings(&loaded.model, &nets, &loaded.texts);
    print_diagnostics(&warnings);
    let count = loaded.warnings.warnings().count() + warnings.warnings().count();
    print_stdout(&summary(&loaded.model, count))?;
    Ok(ExitCode::SUCCESS)
}

fn diff(dir: &Path, scenarios: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let Some(loaded) = load_or_report(dir, scenarios) else {
        return Ok(ExitCode::from(exit::INVALID_MODEL));
    };
    let mut out = String::new();
    for change in &loaded.changes {
        out.push_str(&format!("{change}\n"));
    }
    out.push_str(&format!(
        "{} change{}\n",
        loaded.changes.len(),
        if loaded.changes.len() == 1 { "" } else { "s" }
    ));
    print_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn run_batch(
    file: &Path,
    jobs: Option<usize>,
    out: PathBuf,
    resume: bool,
    shard: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let plan = match batch::plan::read(file) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(exit::INVALID_MODEL));
        }
    };
    let shard = match shard {
        Some(text) => batch::Shard::parse(text),
        None => batch::Shard::from_env(|k| std::env::var(k).ok())
            .map(|s| s.unwrap_or(batch::Shard::WHOLE)),
    };
    let shard = match shard {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let jobs = jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let opts = batch::Options {
        out,
        jobs,
        resume,
        shard,
        progress: true,
    };
    match batch::run(&plan, &opts) {
        Ok(outcome) => {
            print_stdout(&batch::comparison::render(&outcome.rows))?;
            eprintln!(
                "{} run{}: {} solved, {} unchanged (skipped), {} failed; comparison in {}",
                outcome.rows.len(),
                if outcome.rows.len() == 1 { "" } else { "s" },
                outcome.ran - outcome.failed,
                outcome.skipped,
                outcome.failed,
                opts.out.join("comparison.csv").display()
            );
            Ok(if outcome.failed > 0 {
                ExitCode::from(exit::RUNS_FAILED)
            } else {
                ExitCode::SUCCESS
            })
        }
        Err(batch::BatchError::Model(d)) => {
            print_diagnostics(&d);
            eprintln!(
                "error: the base model {} is invalid; no run was solved",
                plan.model.display()
            );
            Ok(ExitCode::from(exit::INVALID_MODEL))
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(exit::OUTPUT_FAILED))
        }
    }
}

fn merge(dirs: &[PathBuf], out: &Path) -> anyhow::Result<ExitCode> {
    match batch::merge(dirs, out) {
        Ok(rows) => {
            print_stdout(&batch::comparison::render(&rows))?;
            let failed = rows.iter().filter(|r| r.failed()).count();
            Ok(if failed > 0 {
                ExitCode::from(exit::RUNS_FAILED)
            } else {
                ExitCode::SUCCESS
            })
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(exit::OUTPUT_FAILED))
        }
    }
}

/// A one-screen summary of a model.
fn summary(model: &Model, warnings: usize) -> String {
    use sourcemix::model::NodeKind;
    let mut out = format!(
        "model {}: valid ({warnings} warning{})\n",
        model.name,
        if warnings == 1 { "" } else { "s" }
    );
    if !model.description.is_empty() {
        out.push_str(&format!("  {}\n", model.description));
    }
    let kinds: Vec<String> = NodeKind::ALL
        .iter()
        .map(|k| {
            format!(
                "{} {}",
                model.nodes.iter().filter(|n| n.kind == *k).count(),
                k
            )
        })
        .collect();
    out.push_str(&format!(
        "nodes: {} ({})\n",
        model.nodes.len(),
        kinds.join(", ")
    ));
    out.push_str(&format!(
        "rows: {} supply, {} refining, {} demand, {} route edges\n",
        model.supply.len(),
        model.refining.len(),
        model.demand.len(),
        model.routes.len()
    ));
    let commodities: Vec<String> = model
        .commodities
        .iter()
        .map(|c| format!("{} ({})", c.id, c.unit))
        .collect();
    out.push_str(&format!("commodities: {}\n", commodities.join(", ")));
    let used: std::collections::BTreeSet<&str> = model
        .nodes
        .iter()
        .map(|n| model.country(n.country).code.as_str())
        .collect();
    out.push_str(&format!(
        "countries: {} defined, {} with nodes\n",
        model.countries.len(),
        used.len()
    ));
    out.push_str(&format!("policies: {}\n", model.policies.len()));
    for p in &model.policies {
        let commodity = p
            .commodity
            .map(|k| model.commodity(k).id.clone())
            .unwrap_or_else(|| "*".into());
        let stages: Vec<&str> = p.stages.iter().map(|s| s.as_str()).collect();
        out.push_str(&format!(
            "  {}: {} {} at {} of {}\n",
            p.name,
            p.kind.as_str(),
            p.share,
            stages.join("+"),
            commodity
        ));
    }
    out
}

/// Writes to stdout, treating a closed pipe (e.g. `| head`) as success.
fn print_stdout(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}
