//! The whole job in one straight line: load -> validate -> network ->
//! program -> solve -> report. The CLI and the benches call these steps.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::diagnostics::{Diagnostics, Location};
use crate::input::{self, ModelTexts};
use crate::model::Model;
use crate::network::CommodityNetwork;
use crate::policies;
use crate::program::{self, CommodityProgram, Lp};
use crate::report::{self, Report, Solved};
use crate::scenario::{self, Change, Scenario};
use crate::solve::{self, LpSolution, Method, SolveError};
use crate::validate;

/// A model that passed validation, with its warnings.
pub struct Loaded {
    pub model: Model,
    pub warnings: Diagnostics,
    /// The files as read, so that paths in later messages match.
    pub texts: ModelTexts,
    /// What the scenarios changed, in order.
    pub changes: Vec<Change>,
}

/// Reads and validates a model folder. `Err` holds every error (and warning).
pub fn load(dir: &Path) -> Result<Loaded, Diagnostics> {
    load_with_scenarios(dir, &[])
}

/// Reads a model folder, applies the scenarios in order, and validates the result.
pub fn load_with_scenarios(dir: &Path, scenarios: &[PathBuf]) -> Result<Loaded, Diagnostics> {
    let mut diags = Diagnostics::new();
    let texts = ModelTexts::read_dir(dir, &mut diags);
    let loaded: Vec<Scenario> = scenarios
        .iter()
        .map(|s| scenario::load(s, &mut diags))
        .collect();
    load_texts_with(texts, &loaded, diags)
}

/// Parses and validates model files already in memory.
pub fn load_texts(texts: ModelTexts, diags: Diagnostics) -> Result<Loaded, Diagnostics> {
    load_texts_with(texts, &[], diags)
}

/// Parses model files already in memory, applies scenarios already read, validates.
pub fn load_texts_with(
    texts: ModelTexts,
    scenarios: &[Scenario],
    mut diags: Diagnostics,
) -> Result<Loaded, Diagnostics> {
    let mut raw = input::parse(&texts, &mut diags);
    let mut changes = Vec::new();
    for s in scenarios {
        changes.extend(scenario::apply(&mut raw, s, &mut diags));
    }
    match validate::validate(&raw, &mut diags) {
        Some(model) if !diags.has_errors() => Ok(Loaded {
            model,
            warnings: diags,
            texts,
            changes,
        }),
        _ => Err(diags),
    }
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
                None => Location::file("--max-share"),
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
    diags
}

/// One commodity, solved.
pub struct CommodityOutcome {
    pub network: CommodityNetwork,
    pub program: CommodityProgram,
    pub solution: LpSolution,
}

/// A solved model and how long each step took.
pub struct Outcome {
    pub commodities: Vec<CommodityOutcome>,
    pub build_time: Duration,
    pub solve_time: Duration,
}

impl Outcome {
    /// The total cost as the solver computed it (the report recomputes it from the flows).
    pub fn objective(&self) -> f64 {
        self.commodities.iter().map(|c| c.solution.objective).sum()
    }

    pub fn report(&self, model: &Model) -> Report {
        let solved: Vec<Solved<'_>> = self
            .commodities
            .iter()
            .map(|c| Solved {
                network: &c.network,
                program: &c.program,
                solution: &c.solution,
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

/// Builds and solves every commodity's program (commodities in parallel,
/// one HiGHS thread each).
pub fn solve(model: &Model, nets: Vec<CommodityNetwork>) -> Result<Outcome, SolveError> {
    solve_with(model, nets, Method::Auto)
}

/// `solve` with a chosen HiGHS method.
pub fn solve_with(
    model: &Model,
    nets: Vec<CommodityNetwork>,
    method: Method,
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
            let solution =
                solve::solve_with(&program, lp, &model.commodity(program.commodity).id, method)?;
            Ok(CommodityOutcome {
                network,
                program,
                solution,
            })
        })
        .collect();
    Ok(Outcome {
        commodities: solved?,
        build_time,
        solve_time: started.elapsed(),
    })
}

/// Convenience for tests and library users: load, solve and report in one call.
pub fn solve_dir(dir: &Path) -> Result<(Model, Outcome, Report), String> {
    let loaded = load(dir).map_err(|d| d.to_string())?;
    let nets = networks(&loaded.model);
    let outcome = solve(&loaded.model, nets).map_err(|e| e.to_string())?;
    let report = outcome.report(&loaded.model);
    Ok((loaded.model, outcome, report))
}
