//! The one run path: load -> validate -> network -> program -> solve ->
//! report -> write. Every command, the batch runner, the benchmarks and the
//! scale example go through [`run`] (or, for commands that stop early, its
//! first step [`load`]); each step is timed here and nowhere else.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::diagnostics::{Diagnostics, Location};
use crate::duals;
use crate::input::{self, ModelTexts};
use crate::model::Model;
use crate::network::CommodityNetwork;
use crate::policies;
use crate::program::{self, CommodityProgram, Lp};
use crate::ranges::{self, RangeStats};
use crate::report::files::{self, WriteError};
use crate::report::{self, html, Report, Solved};
use crate::scenario::{self, Change, LoadOptions, RunParams, Scenario};
use crate::solve::{LpSolution, SolveError, SolveOptions, SolvedProgram};
use crate::tiebreak::{break_ties, TieBreak};
use crate::validate;

/// Where a model comes from.
#[derive(Clone, Debug)]
pub enum ModelSource {
    /// A model folder on disk.
    Folder(PathBuf),
    /// Model files already read (a batch reads its base model once).
    Texts(ModelTexts),
}

/// A scenario to apply: a file to read, or one already read.
#[derive(Clone, Debug)]
pub enum ScenarioSource {
    File(PathBuf),
    Loaded(Scenario),
}

/// Where and what to write besides the report.
#[derive(Clone, Debug)]
pub struct OutDir {
    pub dir: PathBuf,
    /// Files written into the same folder, in the same swap (a batch's run.json).
    pub extra: Vec<(String, Vec<u8>)>,
}

/// Everything one run needs: the model, the scenarios in order, the run
/// parameters (applied after the scenarios, like one more scenario) and how
/// to solve and write.
#[derive(Clone, Debug)]
pub struct Request {
    pub model: ModelSource,
    pub scenarios: Vec<ScenarioSource>,
    pub params: RunParams,
    /// Scenario files may name files outside their folder and the model folder.
    pub allow_outside: bool,
    pub solve: SolveOptions,
    pub out: Option<OutDir>,
    /// Also compute share ranges over the optimal face (`solve --ranges`,
    /// section 7 of the contract; `ranges`).
    pub ranges: bool,
}

impl Request {
    /// A request to solve the model folder `dir` as it is.
    pub fn folder(dir: impl Into<PathBuf>) -> Request {
        Request::of(ModelSource::Folder(dir.into()))
    }

    /// A request to solve model files already in memory.
    pub fn texts(texts: ModelTexts) -> Request {
        Request::of(ModelSource::Texts(texts))
    }

    fn of(model: ModelSource) -> Request {
        Request {
            model,
            scenarios: Vec::new(),
            params: RunParams::default(),
            allow_outside: false,
            solve: SolveOptions::default(),
            out: None,
            ranges: false,
        }
    }
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The model (or a scenario) has errors; holds every diagnostic, warnings too.
    #[error("the model is invalid:\n{0}")]
    Invalid(Diagnostics),
    #[error(transparent)]
    Solver(#[from] SolveError),
    #[error(transparent)]
    Output(#[from] WriteError),
    /// Asked of a model what sourcemix cannot do for it yet.
    #[error("not supported: {0}")]
    Unsupported(String),
}

/// A model that passed validation, with its warnings.
pub struct Loaded {
    pub model: Model,
    /// Warnings of validation (and, after `run`, of the network: dead ends,
    /// floors no country can meet).
    pub warnings: Diagnostics,
    /// The files as read, so that paths in later messages match.
    pub texts: ModelTexts,
    /// What the scenarios and run parameters changed, in order.
    pub changes: Vec<Change>,
}

/// A finished run.
pub struct Run {
    pub loaded: Loaded,
    pub outcome: Outcome,
    /// The report of section 5; for a multi-period model, that of its first
    /// period (every period's is in `horizon`).
    pub report: Report,
    /// The report of a multi-period model (contract section 10), `None` for
    /// a model of one year.
    pub horizon: Option<report::horizon::HorizonReport>,
    /// What computing the share ranges took, when they were asked for.
    pub range_stats: Option<RangeStats>,
}

/// Loads, solves, reports and (if asked) writes one request.
pub fn run(request: &Request) -> Result<Run, RunError> {
    let started = Instant::now();
    let loaded = load(request).map_err(RunError::Invalid)?;
    let mut loaded = loaded;
    let load_time = started.elapsed();
    if loaded.model.horizon.is_some() {
        return run_horizon(request, loaded, load_time);
    }
    let started = Instant::now();
    let nets = networks(&loaded.model);
    let checks = network_warnings(&loaded.model, &nets, &loaded.texts);
    loaded.warnings.extend(checks);
    let network_time = started.elapsed();
    let mut outcome = solve(&loaded.model, nets, &request.solve)?;
    for c in &outcome.commodities {
        if let Some(reason) = &c.tie_break_skipped {
            loaded.warnings.warning(
                Location::file(loaded.texts.shown("model.toml")),
                format!(
                    "commodity {}: the tie-break rule could not be applied ({reason}); the solver's vertex is reported, which other equally cheap answers may differ from",
                    loaded.model.commodity(c.program.commodity).id
                ),
            );
        }
    }
    loaded.texts.relocate(&mut loaded.warnings);
    let ranges = if request.ranges {
        let started = Instant::now();
        let computed = ranges::compute(&loaded.model, &mut outcome, &request.solve)?;
        Some((computed, started.elapsed()))
    } else {
        None
    };
    let mut report = outcome.report(&loaded.model);
    report.timings.load = load_time.as_secs_f64();
    report.timings.build = (network_time + outcome.build_time).as_secs_f64();
    report.timings.solve = outcome.solve_time.as_secs_f64();
    let range_stats = ranges.map(|(computed, time)| {
        report.ranges = report::range_reports(&loaded.model, &computed.ranges, &report.consumers);
        report.timings.ranges = time.as_secs_f64();
        computed.stats
    });
    if let Some(out) = &request.out {
        write(&mut report, out, &run_info(request))?;
    }
    Ok(Run {
        loaded,
        outcome,
        report,
        horizon: None,
        range_stats,
    })
}

/// [`run`] for a multi-period model (contract section 10): one program per
/// commodity over all periods; the report of every period and the
/// investment plan.
fn run_horizon(
    request: &Request,
    mut loaded: Loaded,
    load_time: Duration,
) -> Result<Run, RunError> {
    let Some(horizon) = loaded.model.horizon.as_deref() else {
        return Err(RunError::Unsupported("a model without periods here".into()));
    };
    let started = Instant::now();
    let mut seen = std::collections::BTreeSet::new();
    for period_model in &horizon.models {
        let nets = networks(period_model);
        let checks = network_warnings(period_model, &nets, &loaded.texts);
        for d in checks.sorted() {
            if seen.insert(d.to_string()) {
                loaded
                    .warnings
                    .warning(d.location.clone(), d.message.clone());
            }
        }
    }
    let network_time = started.elapsed();
    let started = Instant::now();
    let mut outcomes = crate::horizon::solve(&loaded.model, horizon, &request.solve)?;
    let solve_time = started.elapsed();
    let ranges = if request.ranges {
        let started = Instant::now();
        let (by_period, stats) = ranges::compute_horizon(horizon, &mut outcomes, &request.solve)?;
        Some((by_period, stats, started.elapsed()))
    } else {
        None
    };
    for o in &outcomes {
        if let Some(reason) = &o.tie_break_skipped {
            loaded.warnings.warning(
                Location::file(loaded.texts.shown("model.toml")),
                format!(
                    "commodity {}: the tie-break rule could not be applied ({reason}); the solver's vertex is reported, which other equally cheap answers may differ from",
                    loaded.model.commodity(o.program.commodity).id
                ),
            );
        }
    }
    let mut horizon_report = crate::horizon::report(&loaded.model, horizon, &outcomes);
    horizon_report.timings.load = load_time.as_secs_f64();
    horizon_report.timings.build = network_time.as_secs_f64();
    horizon_report.timings.solve = solve_time.as_secs_f64();
    let range_stats = ranges.map(|(by_period, stats, time)| {
        for (p, computed) in horizon_report.periods.iter_mut().zip(&by_period) {
            let model = &horizon.models[horizon_index(horizon, p.year)];
            p.report.ranges = report::range_reports(model, computed, &p.report.consumers);
        }
        horizon_report.timings.ranges = time.as_secs_f64();
        stats
    });
    if let Some(out) = &request.out {
        let started = Instant::now();
        let mut rendered = report::horizon::render_all(&horizon_report)?;
        rendered.push((
            files::HTML_FILE,
            html::horizon_page(&horizon_report, &run_info(request)).into_bytes(),
        ));
        horizon_report.timings.write = started.elapsed().as_secs_f64();
        if let Some((_, bytes)) = rendered.iter_mut().find(|(n, _)| *n == "summary.json") {
            *bytes = report::horizon::json(&horizon_report).into_bytes();
        }
        rendered.extend(out.extra.iter().map(|(n, b)| (n.as_str(), b.clone())));
        files::write_out_dir(&out.dir, &rendered)?;
        horizon_report.timings.write = started.elapsed().as_secs_f64();
    }
    let report = horizon_report
        .periods
        .first()
        .map(|p| p.report.clone())
        .unwrap_or_else(|| report::build(&loaded.model, &[]));
    Ok(Run {
        loaded,
        outcome: Outcome {
            commodities: Vec::new(),
            horizon: outcomes,
            build_time: network_time,
            solve_time,
        },
        report,
        horizon: Some(horizon_report),
        range_stats,
    })
}

/// The index of the period of `year` (its report was built from it).
fn horizon_index(horizon: &crate::model::Horizon, year: i32) -> usize {
    horizon
        .periods
        .iter()
        .position(|p| p.year == year)
        .unwrap_or(0)
}

/// Writes the report's files (and `out.extra`) as the folder `out.dir`, whole
/// or not at all, and records the time taken in `report.timings.write`.
/// summary.json cannot time its own writing: its `write` is the time spent
/// rendering the other files.
fn write(report: &mut Report, out: &OutDir, info: &html::RunInfo) -> Result<(), RunError> {
    let started = Instant::now();
    let mut rendered = files::render_all(report)?;
    rendered.push((
        files::HTML_FILE,
        html::solve_page(report, info).into_bytes(),
    ));
    report.timings.write = started.elapsed().as_secs_f64();
    for (name, bytes) in &mut rendered {
        if *name == "summary.json" {
            *bytes = files::json(report).into_bytes();
        }
    }
    rendered.extend(out.extra.iter().map(|(n, b)| (n.as_str(), b.clone())));
    files::write_out_dir(&out.dir, &rendered)?;
    report.timings.write = started.elapsed().as_secs_f64();
    Ok(())
}

/// What the HTML report's header says was run: the scenarios as given, in
/// order, and the run parameters set.
pub fn run_info(request: &Request) -> html::RunInfo {
    let scenarios = request
        .scenarios
        .iter()
        .map(|s| match s {
            ScenarioSource::File(path) => path.display().to_string(),
            ScenarioSource::Loaded(s) => s
                .sources
                .first()
                .map(|(shown, _)| shown.clone())
                .unwrap_or_else(|| "(a scenario)".into()),
        })
        .collect();
    let p = &request.params;
    let mut parameters = Vec::new();
    if let Some(x) = p.max_share {
        parameters.push(format!("max_share = {x}"));
    }
    if let Some(k) = p.demand_scale {
        parameters.push(format!("demand_scale = {k}"));
    }
    if p.no_policies {
        parameters.push("no_policies".into());
    }
    html::RunInfo {
        scenarios,
        parameters,
    }
}

/// The first step of a run: reads the model and the scenarios, applies the
/// scenarios and then the run parameters to the raw rows, and validates.
/// `Err` holds every error (and warning).
pub fn load(request: &Request) -> Result<Loaded, Diagnostics> {
    let mut diags = Diagnostics::new();
    let texts = match &request.model {
        ModelSource::Folder(dir) => ModelTexts::read_dir(dir, &mut diags),
        ModelSource::Texts(texts) => texts.clone(),
    };
    let paths = LoadOptions {
        allow_outside: request.allow_outside,
        model_dir: match &request.model {
            ModelSource::Folder(dir) => Some(input::workbook::model_dir(dir)),
            ModelSource::Texts(_) => None,
        },
    };
    let mut overlays: Vec<Scenario> = request
        .scenarios
        .iter()
        .map(|s| match s {
            ScenarioSource::File(path) => scenario::load_with(path, &paths, &mut diags),
            ScenarioSource::Loaded(s) => s.clone(),
        })
        .collect();
    overlays.push(request.params.to_scenario());
    let mut raw = input::parse(&texts, &mut diags);
    let mut changes = Vec::new();
    for s in &overlays {
        changes.extend(scenario::apply(&mut raw, s, &mut diags));
    }
    let model = validate::validate(&raw, &mut diags);
    texts.relocate(&mut diags);
    for row in changes.iter_mut().filter_map(Change::row_mut) {
        texts.relocate_one(row);
    }
    let Some(model) = model else {
        return Err(diags);
    };
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(Loaded {
        model,
        warnings: diags,
        texts,
        changes,
    })
}

/// Warnings that need the network: dead ends and floors that cannot be met.
pub fn network_warnings(
    model: &Model,
    nets: &[CommodityNetwork],
    texts: &ModelTexts,
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for net in nets {
        net.warn_dead_ends(model, &mut diags);
        let instances = policies::instances(model, net);
        for floor in policies::unreachable_floors(net, &instances) {
            let p = model.policy(floor.policy);
            let at = match p.line {
                Some(line) => Location::line(texts.shown("model.toml"), line),
                None => Location::file(p.name.clone()),
            };
            diags.warning(
                at,
                format!(
                    "policy \"{}\": no country of {} can reach {} with {} at the {} stage, so the floor holds only if nothing is delivered there (all that demand goes unmet)",
                    p.name,
                    floor.from_label,
                    floor.scope_label,
                    model.commodity(floor.commodity).id,
                    floor.stage.as_str()
                ),
            );
        }
    }
    texts.relocate(&mut diags);
    diags
}

/// One commodity, solved: its HiGHS instance is kept for re-solves.
pub struct CommodityOutcome {
    pub network: CommodityNetwork,
    pub program: CommodityProgram,
    pub solved: SolvedProgram,
    /// What is reported: the optimum the tie-break rule chooses (with the
    /// LP's duals and objective), or the solver's vertex with `TieBreak::None`.
    pub reported: LpSolution,
    /// Why the tie-break rule could not be applied (the solver's vertex is
    /// reported instead), when it could not.
    pub tie_break_skipped: Option<String>,
}

/// A solved model and how long each step took.
pub struct Outcome {
    pub commodities: Vec<CommodityOutcome>,
    /// A multi-period model's programs, one per commodity (then
    /// `commodities` is empty).
    pub horizon: Vec<crate::horizon::HorizonOutcome>,
    /// Building the networks and the programs.
    pub build_time: Duration,
    pub solve_time: Duration,
}

impl Outcome {
    /// The total cost as the solver computed it (the report recomputes it from the flows).
    pub fn objective(&self) -> f64 {
        self.commodities.iter().map(|c| c.reported.objective).sum()
    }

    pub fn report(&self, model: &Model) -> Report {
        let solved: Vec<Solved<'_>> = self
            .commodities
            .iter()
            .map(|c| Solved {
                network: &c.network,
                program: &c.program,
                solution: &c.reported,
            })
            .collect();
        report::build(model, &solved)
    }
}

/// Builds every commodity's network (in parallel).
pub fn networks(model: &Model) -> Vec<CommodityNetwork> {
    let ids: Vec<_> = model.commodity_ids().collect();
    ids.par_iter()
        .map(|&k| CommodityNetwork::build(model, k))
        .collect()
}

/// Builds and solves every commodity's program: commodities in parallel, one
/// HiGHS thread each (no constraint couples two commodities).
pub fn solve(
    model: &Model,
    nets: Vec<CommodityNetwork>,
    options: &SolveOptions,
) -> Result<Outcome, SolveError> {
    let started = Instant::now();
    let built: Vec<(CommodityNetwork, CommodityProgram, Lp)> = nets
        .into_par_iter()
        .map(|net| {
            let (program, lp) = program::build(model, &net);
            (net, program, lp)
        })
        .collect();
    let build_time = started.elapsed();
    let started = Instant::now();
    let solved: Result<Vec<CommodityOutcome>, SolveError> = built
        .into_par_iter()
        .map(|(network, program, lp)| {
            let commodity = &model.commodity(program.commodity).id;
            let mut solved = SolvedProgram::solve(&program, lp, commodity, options)?;
            let (reported, tie_break_skipped) = match options.tie_break {
                TieBreak::None => (solved.solution().clone(), None),
                TieBreak::Market => match break_ties(model, &network, &program, &mut solved) {
                    Ok(mut chosen) => {
                        duals::one_sided(&program, &mut solved, &mut chosen)?;
                        (chosen, None)
                    }
                    Err(e) => (solved.solution().clone(), Some(e.reason)),
                },
            };
            Ok(CommodityOutcome {
                network,
                program,
                solved,
                reported,
                tie_break_skipped,
            })
        })
        .collect();
    Ok(Outcome {
        commodities: solved?,
        horizon: Vec::new(),
        build_time,
        solve_time: started.elapsed(),
    })
}
