//! The `sourcemix` command line: parse options, then run one command as a
//! straight line (load -> validate -> network -> program -> solve -> report).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use sourcemix::batch;
use sourcemix::diagnostics::Diagnostics;
use sourcemix::frontier::{self, Cap, FrontierError};
use sourcemix::input::numbers;
use sourcemix::input::{workbook, ModelTexts};
use sourcemix::pipeline::{self, OutDir, Request, RunError, ScenarioSource};
use sourcemix::report::{files, horizon as horizon_report, html, table, xlsx};
use sourcemix::scenario::RunParams;
use sourcemix::solve::{Method, SolveOptions};
use sourcemix::tiebreak::TieBreak;

/// How the process ends; the codes are documented in the README.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Exit {
    Success = 0,
    /// The model or a scenario has errors (each printed with file and line).
    InvalidModel = 1,
    /// The command line is wrong (clap itself exits with this code on a parse error).
    Usage = 2,
    /// The solver failed: never expected for a valid model.
    SolverFailed = 3,
    /// An output could not be written (nothing was changed).
    OutputFailed = 4,
    /// `batch` / `merge`: some runs failed; the others are complete.
    RunsFailed = 5,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
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
        /// The model folder or .xlsx workbook.
        model: PathBuf,
    },
    /// Show what scenarios and run parameters change in a model, row by row.
    Diff {
        /// The model folder or .xlsx workbook.
        model: PathBuf,
        /// A scenario file (repeat to apply several, in order).
        #[arg(long = "scenario", value_name = "FILE")]
        scenarios: Vec<PathBuf>,
        #[command(flatten)]
        params: ParamArgs,
        /// Let scenarios name files outside their folder and the model folder.
        #[arg(long)]
        allow_outside: bool,
    },
    /// Run many scenario combinations of a model and compare them side by side.
    Batch {
        /// The batch file (docs/scenarios.md).
        batch: PathBuf,
        /// Runs solved at once (default: the number of cores).
        #[arg(short = 'j', long = "jobs", value_parser = clap::value_parser!(u16).range(1..))]
        jobs: Option<u16>,
        /// Where comparison.csv, index.html (the comparison as a page) and runs/<name>/ go.
        #[arg(long, value_name = "DIR", default_value = "batch-out")]
        out: PathBuf,
        /// Skip runs whose outputs exist and whose inputs have not changed.
        #[arg(long)]
        resume: bool,
        /// Run only runs i with i % N == K (default: from Slurm or Kubernetes Indexed Job variables, else all).
        #[arg(long, value_name = "K/N", value_parser = parse_shard)]
        shard: Option<batch::Shard>,
        /// Let the batch file (and its scenarios) name files outside its folder.
        #[arg(long)]
        allow_outside: bool,
        /// Also write the comparison as an Excel workbook (docs/excel.md).
        #[arg(long, value_name = "FILE")]
        xlsx: Option<PathBuf>,
    },
    /// Convert a model folder to one Excel workbook, or back (docs/excel.md).
    Convert {
        /// The model folder or workbook.
        model: PathBuf,
        #[arg(long, value_enum)]
        to: ConvertTo,
        /// The workbook or folder to write (replaced only if sourcemix wrote it).
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
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
    /// The cost of diversification: the least total cost as one cap is tightened.
    Frontier(FrontierArgs),
    /// Export the supply network.
    Graph {
        /// The model folder or .xlsx workbook.
        model: PathBuf,
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
    },
    /// Disruptions: what each country's outage or export ban leaves unmet over a window.
    Stress(StressArgs),
    /// Stockpile sizing: the least stock per holder that covers protected consumers in every disruption.
    Stockpile(StockpileArgs),
}

/// Run parameters: applied to the model after the scenarios, like one more scenario.
#[derive(clap::Args)]
struct ParamArgs {
    /// Adds a cap: no country may supply more than this share (0..=1) of any
    /// consumer's deliveries of any commodity, at the mining and the refining stage.
    #[arg(long, value_name = "X", value_parser = parse_share)]
    max_share: Option<f64>,
    /// Multiplies every demand by K (0 or more).
    #[arg(long, value_name = "K", value_parser = parse_scale)]
    demand_scale: Option<f64>,
    /// Ignore the model's own policies: the uncapped baseline (a --max-share cap still applies).
    #[arg(long)]
    no_policies: bool,
}

impl ParamArgs {
    fn params(&self) -> RunParams {
        RunParams {
            max_share: self.max_share,
            demand_scale: self.demand_scale,
            no_policies: self.no_policies,
        }
    }
}

#[derive(clap::Args)]
struct SolveArgs {
    /// The model folder or .xlsx workbook.
    model: PathBuf,
    /// A scenario file that changes the model (repeat to apply several, in order).
    #[arg(long = "scenario", value_name = "FILE")]
    scenarios: Vec<PathBuf>,
    #[command(flatten)]
    params: ParamArgs,
    /// Let scenarios name files outside their folder and the model folder.
    #[arg(long)]
    allow_outside: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Also write summary.json, flows.csv, mix.csv, policies.csv, capacities.csv and report.html (and ranges.csv with --ranges) into DIR.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Also write the same tables as one Excel workbook (docs/excel.md).
    #[arg(long, value_name = "FILE")]
    xlsx: Option<PathBuf>,
    /// Also write the report as one self-contained HTML page (docs/html-report.md).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// The HiGHS method (the optimum is the same; the time is not).
    #[arg(long, value_enum, default_value_t = MethodArg::Auto)]
    method: MethodArg,
    /// For a model with [periods]: also show this period's report in full
    /// (JSON and --out always carry every period).
    #[arg(long, value_name = "YEAR")]
    year: Option<i32>,
    /// Also report how firm each share is: the least and most each country
    /// can supply at the least total cost (table, JSON key `ranges`, ranges.csv with --out).
    #[arg(long)]
    ranges: bool,
    /// Which optimum to report when several cost the same: `market` (the
    /// unique rule of docs/tie-break.md) or `none` (the solver's vertex).
    #[arg(long, value_enum, default_value_t = TieBreakArg::Market)]
    tie_break: TieBreakArg,
}

#[derive(Copy, Clone, ValueEnum)]
enum TieBreakArg {
    Market,
    None,
}

impl From<TieBreakArg> for TieBreak {
    fn from(arg: TieBreakArg) -> TieBreak {
        match arg {
            TieBreakArg::Market => TieBreak::Market,
            TieBreakArg::None => TieBreak::None,
        }
    }
}

#[derive(Copy, Clone, ValueEnum)]
enum ConvertTo {
    Xlsx,
    Csv,
}

#[derive(Copy, Clone, ValueEnum)]
enum Format {
    Table,
    Json,
}

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("cap").required(true).args(["policy", "max_share"])))]
struct FrontierArgs {
    /// The model folder or .xlsx workbook.
    model: PathBuf,
    /// The model's max_share policy to tighten (every row instance of it).
    #[arg(long, value_name = "NAME")]
    policy: Option<String>,
    /// Tighten the cap of `solve --max-share` instead (every consumer, commodity, stage, country).
    #[arg(long)]
    max_share: bool,
    /// Tighten (and cost) this commodity only.
    #[arg(long, value_name = "K")]
    commodity: Option<String>,
    /// A multi-period model: tighten the cap in this period only (default:
    /// in every period in which it applies).
    #[arg(long, value_name = "YEAR")]
    year: Option<i32>,
    /// The loosest share (the reference cost).
    #[arg(long, value_name = "X", default_value_t = 1.0, value_parser = parse_share)]
    from: f64,
    /// The tightest share.
    #[arg(long, value_name = "X", default_value_t = 0.3, value_parser = parse_share)]
    to: f64,
    /// A scenario file that changes the model (repeat to apply several, in order).
    #[arg(long = "scenario", value_name = "FILE")]
    scenarios: Vec<PathBuf>,
    /// Let scenarios name files outside their folder and the model folder.
    #[arg(long)]
    allow_outside: bool,
    /// How closely the points capture the curve, relative to the cost (docs/frontier.md).
    #[arg(long, value_name = "REL", default_value_t = frontier::DEFAULT_TOLERANCE, value_parser = parse_tolerance)]
    tolerance: f64,
    /// The smallest interval between two points, in share.
    #[arg(long, value_name = "X", default_value_t = frontier::DEFAULT_RESOLUTION, value_parser = parse_tolerance)]
    resolution: f64,
    /// The most points placed on the curve.
    #[arg(long, value_name = "N", default_value_t = frontier::DEFAULT_MAX_POINTS as u16,
          value_parser = clap::value_parser!(u16).range(2..))]
    max_points: u16,
    #[arg(long, value_enum, default_value_t = FrontierFormat::Table)]
    format: FrontierFormat,
    /// Also write frontier.csv and frontier.json into DIR.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Also write the cost curve as one self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// The HiGHS method of the first (cold) solve; re-solves use simplex.
    #[arg(long, value_enum, default_value_t = MethodArg::Auto)]
    method: MethodArg,
    /// Which optimum each point reports when several cost the same: `market`
    /// (docs/tie-break.md; the same points whatever the method) or `none`
    /// (the solver's vertex: much faster, its cost parts may differ by method).
    #[arg(long, value_enum, default_value_t = TieBreakArg::Market)]
    tie_break: TieBreakArg,
}

#[derive(Copy, Clone, ValueEnum)]
enum FrontierFormat {
    Table,
    Json,
    Csv,
}

#[derive(Copy, Clone, ValueEnum)]
enum GraphFormat {
    Dot,
}

#[derive(Copy, Clone, ValueEnum)]
enum MethodArg {
    /// Dual simplex on small programs, interior point + crossover on large ones.
    Auto,
    Simplex,
    Ipm,
}

impl From<MethodArg> for Method {
    fn from(m: MethodArg) -> Method {
        match m {
            MethodArg::Auto => Method::Auto,
            MethodArg::Simplex => Method::Simplex,
            MethodArg::Ipm => Method::InteriorPoint,
        }
    }
}

/// A share given on the command line: checked (by the model's own rule)
/// before anything is read, so a bad value is a usage error.
fn parse_share(text: &str) -> Result<f64, String> {
    parse_number(text, numbers::share)
}

/// A demand scale: a quantity by the model's own rule.
fn parse_scale(text: &str) -> Result<f64, String> {
    parse_number(text, numbers::quantity)
}

fn parse_number(
    text: &str,
    check: fn(f64) -> Result<f64, numbers::NumberError>,
) -> Result<f64, String> {
    let x: f64 = text
        .parse()
        .map_err(|_| format!("{text} {}", numbers::NumberError::NotANumber))?;
    check(x).map_err(|e| format!("{text} {e}"))
}

/// A tolerance or resolution: finite and above 0.
fn parse_tolerance(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!("{text} is not a positive number")),
    }
}

fn parse_shard(text: &str) -> Result<batch::Shard, String> {
    batch::Shard::parse(text).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(exit) => exit.into(),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Solve(args) => solve(args),
        Command::Validate { model } => validate(&model),
        Command::Diff {
            model,
            scenarios,
            params,
            allow_outside,
        } => diff(&request(&model, &scenarios, params.params(), allow_outside)),
        Command::Batch {
            batch,
            jobs,
            out,
            resume,
            shard,
            allow_outside,
            xlsx,
        } => run_batch(&batch, jobs, out, resume, shard, allow_outside, xlsx),
        Command::Convert { model, to, out } => convert(&model, to, &out),
        Command::Merge { out, dirs } => merge(&dirs, &out),
        Command::Frontier(args) => run_frontier(args),
        Command::Graph {
            model,
            format: GraphFormat::Dot,
        } => {
            let Some(loaded) = load_or_report(&Request::folder(&model)) else {
                return Ok(Exit::InvalidModel);
            };
            print_stdout(&sourcemix::network::to_dot(&loaded.model))?;
            Ok(Exit::Success)
        }
        Command::Stress(args) => stress(args),
        Command::Stockpile(args) => stockpile(args),
    }
}

/// The request of `solve` and `diff`: a folder, its scenarios, the run parameters.
fn request(model: &Path, scenarios: &[PathBuf], params: RunParams, allow_outside: bool) -> Request {
    Request {
        scenarios: scenarios
            .iter()
            .map(|s| ScenarioSource::File(s.clone()))
            .collect(),
        params,
        allow_outside,
        ..Request::folder(model)
    }
}

/// Loads a model, printing every diagnostic to stderr; `None` if it has errors.
fn load_or_report(request: &Request) -> Option<pipeline::Loaded> {
    match pipeline::load(request) {
        Ok(loaded) => {
            print_diagnostics(&loaded.warnings);
            Some(loaded)
        }
        Err(diags) => {
            report_invalid(request, &diags);
            None
        }
    }
}

fn report_invalid(request: &Request, diags: &Diagnostics) {
    print_diagnostics(diags);
    let errors = diags.errors().count();
    let shown = match &request.model {
        pipeline::ModelSource::Folder(dir) => dir.display().to_string(),
        pipeline::ModelSource::Texts(_) => "the model".into(),
    };
    eprintln!(
        "{shown}: {errors} error{} found; nothing was solved",
        if errors == 1 { "" } else { "s" }
    );
}

fn print_diagnostics(diags: &Diagnostics) {
    if !diags.is_empty() {
        eprint!("{diags}");
    }
}

fn solve(args: SolveArgs) -> anyhow::Result<Exit> {
    let request = Request {
        solve: SolveOptions {
            method: args.method.into(),
            tie_break: args.tie_break.into(),
            ..SolveOptions::default()
        },
        out: args.out.clone().map(|dir| OutDir {
            dir,
            extra: Vec::new(),
        }),
        ranges: args.ranges,
        ..request(
            &args.model,
            &args.scenarios,
            args.params.params(),
            args.allow_outside,
        )
    };
    let run = match pipeline::run(&request) {
        Ok(run) => run,
        Err(RunError::Invalid(diags)) => {
            report_invalid(&request, &diags);
            return Ok(Exit::InvalidModel);
        }
        Err(e @ RunError::Solver(_)) => {
            eprintln!("error: {e}");
            return Ok(Exit::SolverFailed);
        }
        Err(e @ RunError::Output(_)) => {
            eprintln!("error: {e}");
            return Ok(Exit::OutputFailed);
        }
        Err(e @ RunError::Unsupported(_)) => {
            eprintln!("error: {e}");
            return Ok(Exit::Usage);
        }
    };
    print_diagnostics(&run.loaded.warnings);
    if let Some(h) = &run.horizon {
        return print_horizon(h, &args, &pipeline::run_info(&request));
    }
    if args.year.is_some() {
        eprintln!("error: --year needs a model with [periods]");
        return Ok(Exit::Usage);
    }
    if let Some(path) = &args.html {
        let page = html::solve_page(&run.report, &pipeline::run_info(&request));
        if let Err(e) = html::write_page(path, &page) {
            eprintln!("error: {e}");
            return Ok(Exit::OutputFailed);
        }
    }
    if let Some(path) = &args.xlsx {
        let written = xlsx::report_workbook(&run.report)
            .and_then(|bytes| xlsx::write_file(path, &bytes, "summary"));
        if let Err(e) = written {
            eprintln!("error: {e}");
            return Ok(Exit::OutputFailed);
        }
    }
    let text = match args.format {
        Format::Table => table::render(&run.report),
        Format::Json => files::json(&run.report),
    };
    print_stdout(&text)?;
    Ok(Exit::Success)
}

/// What `solve` prints for a multi-period model: the horizon's table (with
/// `--year`, that period in full) or its whole JSON document.
fn print_horizon(
    h: &horizon_report::HorizonReport,
    args: &SolveArgs,
    info: &html::RunInfo,
) -> anyhow::Result<Exit> {
    if let Some(year) = args.year {
        if !h.periods.iter().any(|p| p.year == year) {
            let years: Vec<String> = h.periods.iter().map(|p| p.year.to_string()).collect();
            eprintln!(
                "error: --year {year} is not a period of the model (its periods: {})",
                years.join(", ")
            );
            return Ok(Exit::Usage);
        }
    }
    if let Some(path) = &args.html {
        if let Err(e) = html::write_page(path, &html::horizon_page(h, info)) {
            eprintln!("error: {e}");
            return Ok(Exit::OutputFailed);
        }
    }
    if let Some(path) = &args.xlsx {
        let written =
            xlsx::horizon_workbook(h).and_then(|bytes| xlsx::write_file(path, &bytes, "summary"));
        if let Err(e) = written {
            eprintln!("error: {e}");
            return Ok(Exit::OutputFailed);
        }
    }
    let text = match args.format {
        Format::Table => horizon_report::table(h, args.year),
        Format::Json => horizon_report::json(h),
    };
    print_stdout(&text)?;
    Ok(Exit::Success)
}

fn run_frontier(args: FrontierArgs) -> anyhow::Result<Exit> {
    let options = frontier::Options {
        commodity: args.commodity,
        from: args.from,
        to: args.to,
        tolerance: args.tolerance,
        resolution: args.resolution,
        max_points: usize::from(args.max_points),
        year: args.year,
        ..frontier::Options::new(match args.policy {
            Some(name) => Cap::Policy(name),
            None => Cap::MaxShare,
        })
    };
    if let Err(usage) = options.check() {
        eprintln!("error: {usage}");
        return Ok(Exit::Usage);
    }
    let request = frontier::Request {
        run: Request {
            solve: SolveOptions {
                method: args.method.into(),
                tie_break: args.tie_break.into(),
                ..SolveOptions::default()
            },
            ..request(
                &args.model,
                &args.scenarios,
                RunParams::default(),
                args.allow_outside,
            )
        },
        options,
    };
    let run = match frontier::run(&request) {
        Ok(run) => run,
        Err(FrontierError::Invalid(diags)) => {
            report_invalid(&request.run, &diags);
            return Ok(Exit::InvalidModel);
        }
        Err(FrontierError::Usage(usage)) => {
            eprintln!("error: {usage}");
            return Ok(Exit::Usage);
        }
        Err(e @ FrontierError::Solver(_)) => {
            eprintln!("error: {e}");
            return Ok(Exit::SolverFailed);
        }
        Err(e @ FrontierError::Output(_)) => {
            eprintln!("error: {e}");
            return Ok(Exit::OutputFailed);
        }
    };
    print_diagnostics(&run.warnings);
    if let Some(dir) = &args.out {
        if let Err(e) = frontier::write(&run.frontier, dir) {
            eprintln!("error: {e}");
            return Ok(Exit::OutputFailed);
        }
    }
    if let Some(path) = &args.html {
        if let Err(e) = html::write_page(path, &html::frontier_page(&run.frontier)) {
            eprintln!("error: {e}");
            return Ok(Exit::OutputFailed);
        }
    }
    let text = match args.format {
        FrontierFormat::Table => frontier::table(&run.frontier),
        FrontierFormat::Json => frontier::json(&run.frontier),
        FrontierFormat::Csv => match frontier::csv(&run.frontier) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(Exit::OutputFailed);
            }
        },
    };
    print_stdout(&text)?;
    Ok(Exit::Success)
}

fn validate(dir: &Path) -> anyhow::Result<Exit> {
    let Some(loaded) = load_or_report(&Request::folder(dir)) else {
        return Ok(Exit::InvalidModel);
    };
    let nets = pipeline::networks(&loaded.model);
    let warnings = pipeline::network_warnings(&loaded.model, &nets, &loaded.texts);
    print_diagnostics(&warnings);
    let count = loaded.warnings.warnings().count() + warnings.warnings().count();
    print_stdout(&sourcemix::validate::summary(&loaded.model, count))?;
    Ok(Exit::Success)
}

fn diff(request: &Request) -> anyhow::Result<Exit> {
    let Some(loaded) = load_or_report(request) else {
        return Ok(Exit::InvalidModel);
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
    Ok(Exit::Success)
}

fn run_batch(
    file: &Path,
    jobs: Option<u16>,
    out: PathBuf,
    resume: bool,
    shard: Option<batch::Shard>,
    allow_outside: bool,
    xlsx: Option<PathBuf>,
) -> anyhow::Result<Exit> {
    let plan = match batch::plan::read_with(file, allow_outside) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::InvalidModel);
        }
    };
    let shard = match shard {
        Some(s) => s,
        None => match batch::Shard::from_env(|k| std::env::var(k).ok()) {
            Ok(s) => s.unwrap_or(batch::Shard::WHOLE),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(Exit::Usage);
            }
        },
    };
    let jobs = jobs.map(usize::from).unwrap_or_else(|| {
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
            if let Some(path) = &xlsx {
                let bytes = batch::comparison::to_xlsx(&outcome.rows)
                    .map_err(|e| xlsx::render_error("the comparison workbook", e));
                if let Err(e) = bytes.and_then(|b| xlsx::write_file(path, &b, "comparison")) {
                    eprintln!("error: {e}");
                    return Ok(Exit::OutputFailed);
                }
            }
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
                Exit::RunsFailed
            } else {
                Exit::Success
            })
        }
        Err(batch::BatchError::Model(d)) => {
            print_diagnostics(&d);
            eprintln!(
                "error: the base model {} is invalid; no run was solved",
                plan.model.display()
            );
            Ok(Exit::InvalidModel)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(Exit::OutputFailed)
        }
    }
}

fn merge(dirs: &[PathBuf], out: &Path) -> anyhow::Result<Exit> {
    match batch::merge(dirs, out) {
        Ok(rows) => {
            print_stdout(&batch::comparison::render(&rows))?;
            let failed = rows.iter().filter(|r| r.failed()).count();
            Ok(if failed > 0 {
                Exit::RunsFailed
            } else {
                Exit::Success
            })
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(Exit::OutputFailed)
        }
    }
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

#[derive(clap::Args)]
struct StressArgs {
    /// The model folder.
    model: PathBuf,
    /// A scenario file that changes the model (repeat to apply several, in order).
    #[arg(long = "scenario", value_name = "FILE")]
    scenarios: Vec<PathBuf>,
    /// Let scenarios name files outside their folder and the model folder.
    #[arg(long)]
    allow_outside: bool,
    /// The window T: every annual quantity is scaled by T/12.
    #[arg(long, value_name = "T", default_value_t = 12.0, value_parser = parse_months,
          allow_negative_numbers = true)]
    months: f64,
    /// Disrupt mines and recyclers (mining), refiners (refining), or both.
    #[arg(long, value_enum, default_value_t = StageArg::Both)]
    stage: StageArg,
    /// `outage`: the country's capacity stops; `export-ban`: none of its
    /// tonnes at the stage reach a consumer outside it.
    #[arg(long, value_enum, default_value_t = KindArg::Both)]
    kind: KindArg,
    /// Disrupt this commodity only (repeat for several; default: every one).
    #[arg(long = "commodity", value_name = "K")]
    commodities: Vec<String>,
    /// Disrupt this country only (repeat for several; default: every one that supplies at the stage).
    #[arg(long = "country", value_name = "X")]
    countries: Vec<String>,
    /// Apply the model's policies inside the window too.
    #[arg(long)]
    keep_policies: bool,
    /// `table`: the ranking; `json` and `csv`: with the per-consumer detail.
    #[arg(long, value_enum, default_value_t = StressFormat::Table)]
    format: StressFormat,
    /// Also write stress.json, disruptions.csv and impacts.csv into DIR.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Also write the report as one self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// For a model with [periods]: the period to analyse, with the
    /// least-cost investment plan fixed (its capacity added).
    #[arg(long, value_name = "YEAR")]
    year: Option<i32>,
    /// The HiGHS method of the reference (cold) solves; disruptions re-solve with simplex.
    #[arg(long, value_enum, default_value_t = MethodArg::Auto)]
    method: MethodArg,
}

#[derive(Copy, Clone, ValueEnum)]
enum StageArg {
    Mining,
    Refining,
    Both,
}

#[derive(Copy, Clone, ValueEnum)]
enum KindArg {
    Outage,
    ExportBan,
    Both,
}

impl StageArg {
    fn stages(self) -> Vec<sourcemix::model::Stage> {
        use sourcemix::model::Stage;
        match self {
            StageArg::Mining => vec![Stage::Mining],
            StageArg::Refining => vec![Stage::Refining],
            StageArg::Both => Stage::ALL.to_vec(),
        }
    }
}

impl KindArg {
    fn kinds(self) -> Vec<sourcemix::disruption::DisruptionKind> {
        use sourcemix::disruption::DisruptionKind;
        match self {
            KindArg::Outage => vec![DisruptionKind::Outage],
            KindArg::ExportBan => vec![DisruptionKind::ExportBan],
            KindArg::Both => DisruptionKind::ALL.to_vec(),
        }
    }
}

#[derive(Copy, Clone, ValueEnum)]
enum StressFormat {
    Table,
    Json,
    Csv,
}

fn parse_months(text: &str) -> Result<f64, String> {
    let max = sourcemix::disruption::MAX_MONTHS;
    match parse_tolerance(text) {
        Ok(months) if months <= max => Ok(months),
        _ => Err(format!("{text} is not a number of months in (0, {max}]")),
    }
}

/// The exit of a `--year` that names no period or a solve that failed.
fn period_error(e: sourcemix::horizon::PeriodError) -> Exit {
    eprintln!("error: {e}");
    match e {
        sourcemix::horizon::PeriodError::Solver(_) => Exit::SolverFailed,
        _ => Exit::Usage,
    }
}

fn stress(args: StressArgs) -> anyhow::Result<Exit> {
    use sourcemix::disruption::{self, Window};
    use sourcemix::report::stress as report;
    let (stages, kinds) = (args.stage.stages(), args.kind.kinds());
    let request = request(
        &args.model,
        &args.scenarios,
        RunParams::default(),
        args.allow_outside,
    );
    let Some(loaded) = load_or_report(&request) else {
        return Ok(Exit::InvalidModel);
    };
    let options = SolveOptions::with_method(args.method.into());
    let model = match sourcemix::horizon::analysis_model(&loaded.model, args.year, &options) {
        Ok(model) => model,
        Err(e) => return Ok(period_error(e)),
    };
    let model = &model;
    let set = match disruption::select(model, &stages, &kinds, &args.commodities, &args.countries) {
        Ok(set) => set,
        Err(errors) => {
            errors.iter().for_each(|e| eprintln!("error: {e}"));
            return Ok(Exit::Usage);
        }
    };
    if set.is_empty() {
        eprintln!("warning: no country has capacity at the stages and for the commodities asked for: nothing to disrupt");
    }
    let window = Window {
        months: args.months,
        keep_policies: args.keep_policies,
    };
    let progress = sourcemix::progress::Progress::new(
        set.len(),
        "disruptions",
        std::io::IsTerminal::is_terminal(&std::io::stderr()),
    );
    let started = std::time::Instant::now();
    let step = |o: &disruption::DisruptionOutcome| {
        progress.step(&o.disruption.describe(model), "solved", started)
    };
    let solved = disruption::run_with(model, &set, &window, &[], &options, &step);
    progress.finish();
    let (reference, outcomes) = match solved {
        Ok(solved) => solved,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::SolverFailed);
        }
    };
    let stress = report::build(model, &window, &reference, &outcomes);
    let outputs = AnalysisOutputs {
        out: args.out.as_deref(),
        html: args.html.as_deref(),
        format: args.format,
    };
    let written = outputs.write(
        |dir| report::write(&stress, dir),
        || html::stress_page(&stress),
        || report::table(&stress),
        || report::json(&stress),
        || report::impacts_csv(&stress),
    );
    if let Err(exit) = written {
        return Ok(exit);
    }
    eprintln!(
        "{} disruption{} solved in {:.2} s",
        set.len(),
        if set.len() == 1 { "" } else { "s" },
        started.elapsed().as_secs_f64()
    );
    Ok(Exit::Success)
}

#[derive(clap::Args)]
struct StockpileArgs {
    /// The model folder.
    model: PathBuf,
    /// The consumers to protect (node ids, comma-separated or repeated).
    #[arg(long, value_name = "ID,...", value_delimiter = ',', required = true)]
    protect: Vec<String>,
    /// The stockpile nodes that hold the stock (comma-separated or repeated).
    #[arg(long, value_name = "ID,...", value_delimiter = ',', required = true)]
    holders: Vec<String>,
    /// The window T: every annual quantity is scaled by T/12.
    #[arg(long, value_name = "T", default_value_t = 6.0, value_parser = parse_months)]
    months: f64,
    /// The share of its window demand a protected consumer may go without (0..=1).
    #[arg(
        long,
        value_name = "A",
        default_value_t = 0.0,
        allow_negative_numbers = true
    )]
    tolerance: f64,
    #[arg(long, value_enum, default_value_t = StageArg::Both)]
    stage: StageArg,
    #[arg(long, value_enum, default_value_t = KindArg::Both)]
    kind: KindArg,
    /// Size for this commodity only (repeat for several; default: every one).
    #[arg(long = "commodity", value_name = "K")]
    commodities: Vec<String>,
    /// Disrupt this country only (repeat for several; default: every one that supplies at the stage).
    #[arg(long = "country", value_name = "X")]
    countries: Vec<String>,
    /// A scenario file that changes the model (repeat to apply several, in order).
    #[arg(long = "scenario", value_name = "FILE")]
    scenarios: Vec<PathBuf>,
    /// Let scenarios name files outside their folder and the model folder.
    #[arg(long)]
    allow_outside: bool,
    /// Apply the model's policies inside the window too.
    #[arg(long)]
    keep_policies: bool,
    #[arg(long, value_enum, default_value_t = StressFormat::Table)]
    format: StressFormat,
    /// Also write stockpile.json, stocks.csv, consumers.csv and sharing.csv into DIR.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Also write the report as one self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// For a model with [periods]: the period to analyse, with the
    /// least-cost investment plan fixed (its capacity added).
    #[arg(long, value_name = "YEAR")]
    year: Option<i32>,
    /// The HiGHS method of the reference (cold) solves; disruptions re-solve with simplex.
    #[arg(long, value_enum, default_value_t = MethodArg::Auto)]
    method: MethodArg,
}

fn stockpile(args: StockpileArgs) -> anyhow::Result<Exit> {
    use sourcemix::disruption::{self, Window};
    use sourcemix::report::stockpile as report;
    use sourcemix::stockpile::{self, StockpileError};
    if let Err(usage) = stockpile::check_values(args.tolerance, args.months) {
        eprintln!("error: {usage}");
        return Ok(Exit::Usage);
    }
    let (stages, kinds) = (args.stage.stages(), args.kind.kinds());
    let request = request(
        &args.model,
        &args.scenarios,
        RunParams::default(),
        args.allow_outside,
    );
    let Some(loaded) = load_or_report(&request) else {
        return Ok(Exit::InvalidModel);
    };
    let options = SolveOptions::with_method(args.method.into());
    let model = match sourcemix::horizon::analysis_model(&loaded.model, args.year, &options) {
        Ok(model) => model,
        Err(e) => return Ok(period_error(e)),
    };
    let model = &model;
    // Every problem with the names given is reported at once.
    let selected = disruption::select(model, &stages, &kinds, &args.commodities, &args.countries);
    let named = stockpile::resolve(model, &args.protect, &args.holders);
    let set = match (selected, named) {
        (Ok(set), Ok(_)) => set,
        (selected, named) => {
            let errors = selected.err().into_iter().chain(named.err()).flatten();
            errors.for_each(|e| eprintln!("error: {e}"));
            return Ok(Exit::Usage);
        }
    };
    let sizing = stockpile::Request {
        protect: args.protect,
        holders: args.holders,
        tolerance: args.tolerance,
        window: Window {
            months: args.months,
            keep_policies: args.keep_policies,
        },
        set,
    };
    let progress = sourcemix::progress::Progress::new(
        sizing.set.len(),
        "disruptions",
        std::io::IsTerminal::is_terminal(&std::io::stderr()),
    );
    let started = std::time::Instant::now();
    let step = |o: &disruption::DisruptionOutcome| {
        progress.step(&o.disruption.describe(model), "solved", started)
    };
    let sized = stockpile::run(model, &sizing, &options, &step);
    progress.finish();
    let sized = match sized {
        Ok(sized) => sized,
        Err(StockpileError::Usage(errors)) => {
            errors.iter().for_each(|e| eprintln!("error: {e}"));
            return Ok(Exit::Usage);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::SolverFailed);
        }
    };
    let outputs = AnalysisOutputs {
        out: args.out.as_deref(),
        html: args.html.as_deref(),
        format: args.format,
    };
    let written = outputs.write(
        |dir| report::write(&sized, dir),
        || html::stockpile_page(&sized),
        || report::table(&sized),
        || report::json(&sized),
        || report::stocks_csv(&sized),
    );
    if let Err(exit) = written {
        return Ok(exit);
    }
    Ok(Exit::Success)
}

/// `convert`: a model folder as one workbook, or a workbook as a folder;
/// the texts are converted as read (not validated), whole or not at all.
fn convert(model: &Path, to: ConvertTo, out: &Path) -> anyhow::Result<Exit> {
    let mut diags = Diagnostics::new();
    let texts = ModelTexts::read_dir(model, &mut diags);
    texts.relocate(&mut diags);
    print_diagnostics(&diags);
    if diags.has_errors() {
        eprintln!("{}: nothing was converted", model.display());
        return Ok(Exit::InvalidModel);
    }
    let written = match to {
        ConvertTo::Xlsx => workbook::write(&texts)
            .map_err(|reason| files::WriteError::Render {
                file: out.display().to_string(),
                reason,
            })
            .and_then(|bytes| xlsx::write_file(out, &bytes, "model")),
        ConvertTo::Csv => files::write_out_dir(out, &workbook::folder_files(&texts)),
    };
    match written {
        Ok(()) => Ok(Exit::Success),
        Err(e) => {
            eprintln!("error: {e}");
            Ok(Exit::OutputFailed)
        }
    }
}

/// Where `stress` and `stockpile` put their report: an `--out` folder, an
/// `--html` page and the text on stdout in `--format`.
struct AnalysisOutputs<'a> {
    out: Option<&'a Path>,
    html: Option<&'a Path>,
    format: StressFormat,
}

impl AnalysisOutputs<'_> {
    /// Writes the folder and the page, then prints the text in `format`;
    /// an error is printed and becomes `Exit::OutputFailed`.
    fn write<E1: std::fmt::Display, E2: std::fmt::Display>(
        &self,
        write_dir: impl FnOnce(&Path) -> Result<(), E1>,
        page: impl FnOnce() -> String,
        table: impl FnOnce() -> String,
        json: impl FnOnce() -> String,
        csv: impl FnOnce() -> Result<Vec<u8>, E2>,
    ) -> Result<(), Exit> {
        let failed = |e: &dyn std::fmt::Display| {
            eprintln!("error: {e}");
            Exit::OutputFailed
        };
        if let Some(dir) = self.out {
            write_dir(dir).map_err(|e| failed(&e))?;
        }
        if let Some(path) = self.html {
            html::write_page(path, &page()).map_err(|e| failed(&e))?;
        }
        let text = match self.format {
            StressFormat::Table => table(),
            StressFormat::Json => json(),
            StressFormat::Csv => {
                let bytes = csv().map_err(|e| failed(&e))?;
                String::from_utf8_lossy(&bytes).into_owned()
            }
        };
        print_stdout(&text).map_err(|e| failed(&e))
    }
}
