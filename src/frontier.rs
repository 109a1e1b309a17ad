//! The cost of diversification (`sourcemix frontier`): the least total cost
//! as one cap's share is tightened from `from` down to `to`.
//!
//! The model is solved once through the run path ([`pipeline::load`],
//! [`pipeline::networks`], [`pipeline::solve`]); every further point changes
//! the coefficient of delivered[S] in each varied policy row to `-share`
//! ([`SolvedProgram::set_coefficient`](crate::solve::SolvedProgram::set_coefficient))
//! and re-solves the affected commodities from the last optimal basis.
//! A multi-period model is solved through [`horizon::solve`] instead, one
//! program per commodity over all periods: the rows varied are those of
//! every period in which the policy applies, or of the one period of
//! [`Options::year`], and the costs are present values with the investment.
//!
//! Where the points go (docs/frontier.md has the rule with its reasoning):
//! the ends, a coarse grid of [`INITIAL_INTERVALS`] equal intervals, then
//! every interval whose curve is not yet captured is split, breadth first,
//! until none is left, the points reach `max_points`, or an interval is
//! narrower than twice `resolution`. Each point gives the cost f and its
//! slope g = d(cost)/d(share) (the duals of the varied rows). The tolerance
//! of an interval is `tolerance` x the larger cost at its ends (at least
//! [`ABSOLUTE_TOLERANCE`]). An interval [a, b] whose tangents lie below the
//! curve at the other end (as on a convex piece) is captured when the chord
//! is within the tolerance of the larger of the two tangents everywhere in
//! [a, b] (the curve lies between them); above it (concave), of the smaller.
//! Otherwise it is split where the tangents cross: on a piecewise-linear
//! curve that is exactly the kink. An interval whose tangents neither lie
//! all below nor all above the curve is split at its midpoint when the chord
//! misses the midpoint by more than the tolerance.
//!
//! The free-diversification point is the tightest share whose cost is the
//! cost at `from` to [`FREE_TOLERANCE`] (relative), bisected to `resolution`.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::diagnostics::{self, Diagnostics, Location};
use crate::duals;
use crate::horizon::{self, HorizonOutcome};
use crate::id::{CommodityId, PolicyId};
use crate::model::{Horizon, Model, Policy, PolicyKind};
use crate::pipeline::{self, Outcome};
use crate::program::Column;
use crate::report::files::{self, WriteError};
use crate::report::{self, table::amount, CostParts, Solved};
use crate::scenario::MAX_SHARE_POLICY;
use crate::solve::{LpSolution, SolveError, SolvedProgram};
use crate::tiebreak::{break_ties, TieBreak};

/// The default relative tolerance of the curve (of the larger cost at the
/// ends of each interval): see docs/frontier.md for why not smaller.
pub const DEFAULT_TOLERANCE: f64 = 1e-3;
/// The tolerance never goes below this, in currency.
pub const ABSOLUTE_TOLERANCE: f64 = 1e-6;
/// The default smallest interval between two points, in share.
pub const DEFAULT_RESOLUTION: f64 = 1e-4;
/// The default largest number of points on the curve.
pub const DEFAULT_MAX_POINTS: usize = 200;
/// The free-diversification point's cost equals the cost at `from` to this,
/// relative (the precision of a solve; never looser than the tolerance).
pub const FREE_TOLERANCE: f64 = 1e-9;
/// The coarse grid the adaptive placement starts from: this many equal intervals.
pub const INITIAL_INTERVALS: usize = 4;
/// The files `frontier --out DIR` writes.
pub const OUT_FILES: [&str; 2] = ["frontier.csv", "frontier.json"];

/// Which cap a frontier tightens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cap {
    /// A `max_share` policy of the model (after its scenarios), by name:
    /// every row instance of it.
    Policy(String),
    /// The `cli-max-share` cap (as `solve --max-share`), added at `from`
    /// through the run parameters.
    MaxShare,
}

/// What to compute.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    pub cap: Cap,
    /// Vary (and cost) one commodity only, by id.
    pub commodity: Option<String>,
    /// The loosest share (the reference cost).
    pub from: f64,
    /// The tightest share.
    pub to: f64,
    /// Relative to the cost at the ends of each interval (never below [`ABSOLUTE_TOLERANCE`]).
    pub tolerance: f64,
    /// The smallest interval between points, in share.
    pub resolution: f64,
    pub max_points: usize,
    /// A multi-period model: vary the cap in this period only (`--year`);
    /// `None` varies it in every period in which it applies.
    pub year: Option<i32>,
}

impl Options {
    pub fn new(cap: Cap) -> Options {
        Options {
            cap,
            commodity: None,
            from: 1.0,
            to: 0.3,
            tolerance: DEFAULT_TOLERANCE,
            resolution: DEFAULT_RESOLUTION,
            max_points: DEFAULT_MAX_POINTS,
            year: None,
        }
    }

    /// Checks the values, before anything is read: a usage error names the option.
    pub fn check(&self) -> Result<(), String> {
        for (name, x) in [("--from", self.from), ("--to", self.to)] {
            if !(0.0..=1.0).contains(&x) {
                return Err(format!("{name} {x} is not a share in 0..=1"));
            }
        }
        if self.from < self.to {
            return Err(format!(
                "--from {} is below --to {}: the cap is tightened from --from down to --to",
                self.from, self.to
            ));
        }
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) {
            return Err(format!(
                "--tolerance {} must be a positive number",
                self.tolerance
            ));
        }
        if !(self.resolution.is_finite() && self.resolution > 0.0) {
            return Err(format!(
                "the resolution {} must be a positive number",
                self.resolution
            ));
        }
        if self.max_points < 2 {
            return Err(format!(
                "--max-points {} must be 2 or more",
                self.max_points
            ));
        }
        Ok(())
    }
}

/// A frontier to compute: the run (model, scenarios, solver options; its
/// `out` is ignored, its `params.max_share` set for [`Cap::MaxShare`]) and
/// the options.
#[derive(Clone, Debug)]
pub struct Request {
    pub run: pipeline::Request,
    pub options: Options,
}

/// Why a frontier stopped.
#[derive(Debug, thiserror::Error)]
pub enum FrontierError {
    /// An option out of range (the command line checks them first).
    #[error("{0}")]
    Usage(String),
    /// The model, a scenario, or the cap named (unknown policy or commodity, a floor).
    #[error("the model is invalid:\n{0}")]
    Invalid(Diagnostics),
    #[error(transparent)]
    Solver(#[from] SolveError),
    #[error(transparent)]
    Output(#[from] WriteError),
}

/// One point of the curve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// The cap's share (0..=1).
    pub share: f64,
    pub total_cost: f64,
    /// Total cost minus the total cost at `from`.
    pub extra_cost: f64,
    pub cost: CostParts,
    /// A multi-period model: the present value of the investment (then
    /// `cost` is the present value of the operating cost by part, and
    /// `total_cost` their sum: the program's objective). None otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub investment: Option<f64>,
    /// Unmet demand, t (all the frontier's commodities together; over the
    /// whole horizon, sum of span x unmet per year, for a multi-period model).
    pub unmet: f64,
    /// d(total cost)/d(share) / 100, summed over the varied rows (currency
    /// per percentage point; negative where loosening the cap saves).
    pub shadow_price: f64,
    /// Why the point is there: `from`, `to`, `grid`, `tangents` (where the
    /// tangents of an interval cross: a kink), `midpoint`, `free` (the
    /// free-diversification point).
    pub placed: Placed,
}

/// What placed a point.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Placed {
    From,
    To,
    Grid,
    Tangents,
    Midpoint,
    Free,
}

impl Placed {
    pub fn as_str(self) -> &'static str {
        match self {
            Placed::From => "from",
            Placed::To => "to",
            Placed::Grid => "grid",
            Placed::Tangents => "tangents",
            Placed::Midpoint => "midpoint",
            Placed::Free => "free",
        }
    }
}

/// The tightest share at which the total cost is still the cost at `from`
/// (within the tolerance), found by bisection to the resolution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FreePoint {
    pub share: f64,
    pub total_cost: f64,
    /// The tightest share at which the cost was seen above the tolerance
    /// (none when the whole range is free): the point lies in (this, share].
    pub costly_below: Option<f64>,
    /// Its cost is the cost at `from` within this (currency): 1e-9 relative
    /// (the precision of a solve), never looser than the curve's tolerance.
    pub tolerance_cost: f64,
}

/// How long each step took, in seconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    /// Reading and validating the model.
    pub load: f64,
    /// Building and solving it once (cold).
    pub solve: f64,
    /// Every warm re-solve and the bisection of the free point.
    pub frontier: f64,
    pub total: f64,
}

/// A frontier: its points from `from` to `to` (share decreasing).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Frontier {
    pub model: String,
    pub currency: String,
    /// The policy tightened (`cli-max-share` for `--max-share`).
    pub cap: String,
    /// The commodities whose costs are summed (the one of `--commodity`, else all).
    pub commodities: Vec<String>,
    /// How many policy rows the cap has there (each one's share is varied).
    pub rows: usize,
    /// A multi-period model: its periods and those whose cap is varied
    /// (none for a model of one year).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub periods: Option<FrontierPeriods>,
    pub from: f64,
    pub to: f64,
    /// Relative, as given.
    pub tolerance: f64,
    /// The smallest tolerance in currency: max(tolerance x cost at `from`,
    /// 1e-6); an interval's tolerance scales with the larger cost at its ends.
    pub tolerance_cost: f64,
    pub resolution: f64,
    pub max_points: usize,
    /// False when `max_points` stopped the refinement before the curve was captured.
    pub complete: bool,
    pub points: Vec<Point>,
    pub free_diversification: FreePoint,
    /// Points solved warm after the one cold solve (placed points and the
    /// bisection of the free point; each re-solves every affected commodity).
    pub resolves: usize,
    pub timings: Timings,
}

/// The periods of a multi-period frontier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrontierPeriods {
    /// Every period's year.
    pub years: Vec<i32>,
    /// `--year`: the one period whose cap is varied; none: every period.
    pub year: Option<i32>,
    /// The periods whose rows are varied: `year`, or every period in which
    /// the policy applies (its `from_year`..`until_year`).
    pub varied: Vec<i32>,
    /// Costs are present values in the first period's year at this rate.
    pub discount_rate: f64,
}

/// A computed frontier and the warnings of the model.
pub struct Run {
    pub frontier: Frontier,
    pub warnings: Diagnostics,
}

/// One evaluation, unrounded: the cost and slope the placement works with,
/// and the point as reported.
#[derive(Clone, Debug)]
struct Eval {
    s: f64,
    f: f64,
    g: f64,
    point: Point,
}

/// The varied rows of one commodity: (row, column of delivered[S]).
type Rows = Vec<(usize, Column)>;

/// The solved programs a curve re-solves.
enum Programs<'m> {
    /// A model of one year: one program per commodity (`pipeline::solve`).
    Year(Outcome),
    /// A multi-period model: one program per commodity over all periods
    /// (`horizon::solve`).
    Horizon {
        horizon: &'m Horizon,
        outcomes: Vec<HorizonOutcome>,
    },
}

/// The solved model and what a point changes in it.
struct Curve<'m> {
    model: &'m Model,
    programs: Programs<'m>,
    /// Parallel to the programs' commodities.
    varied: Vec<Rows>,
    /// Parallel to the programs' commodities: whether its cost is counted.
    counted: Vec<bool>,
    /// The cost parts of the counted commodities that no point changes.
    fixed: CostParts,
    fixed_unmet: f64,
    /// Their investment (a multi-period model; else 0).
    fixed_investment: f64,
    resolves: usize,
    /// How each point chooses among tied optima (the run's `--tie-break`).
    tie_break: TieBreak,
}

/// Adds to `g` the slope of the cost in the share from one program's varied
/// rows: each row's dual times its scope's delivered total.
fn add_slope(g: &mut f64, solution: &LpSolution, rows: &[(usize, Column)]) {
    for &(row, column) in rows {
        *g += solution.duals[row] * solution.columns[column.index()];
    }
}

/// Gives every varied policy row the coefficient -`share` on its scope's
/// delivered total and re-solves from the basis in force.
fn set_share(
    solved: &mut SolvedProgram,
    rows: &[(usize, Column)],
    share: f64,
) -> Result<(), SolveError> {
    for &(row, column) in rows {
        solved.set_coefficient(row, column, -share);
    }
    solved.resolve().map(|_| ())
}

impl Curve<'_> {
    /// Sets every varied row to `share`, re-solves the affected commodities
    /// (in parallel, each from its last basis) and measures the point.
    /// The share is first rounded to 1e-9, as reported, so that a point can
    /// be solved again cold from its reported share.
    fn at(&mut self, share: f64, placed: Placed) -> Result<Eval, SolveError> {
        let share = round_share(share);
        let (model, tie_break) = (self.model, self.tie_break);
        match &mut self.programs {
            Programs::Year(outcome) => outcome
                .commodities
                .par_iter_mut()
                .zip(&self.varied)
                .filter(|(_, rows)| !rows.is_empty())
                .try_for_each(|(c, rows)| {
                    set_share(&mut c.solved, rows, share)?;
                    c.reported = point_solution(model, c, rows, tie_break)?;
                    Ok(())
                })?,
            Programs::Horizon { horizon, outcomes } => {
                let horizon: &Horizon = horizon;
                outcomes
                    .par_iter_mut()
                    .zip(&self.varied)
                    .filter(|(_, rows)| !rows.is_empty())
                    .try_for_each(|(o, rows)| {
                        set_share(&mut o.solved, rows, share)?;
                        o.reported = horizon_point_solution(model, horizon, o, rows, tie_break)?;
                        Ok::<(), SolveError>(())
                    })?
            }
        }
        self.resolves += 1;
        Ok(self.measure(share, placed))
    }

    fn measure(&self, share: f64, placed: Placed) -> Eval {
        let (mut f, mut g) = (0.0, 0.0);
        let mut parts = self.fixed.clone();
        let mut unmet = self.fixed_unmet;
        let mut investment = None;
        match &self.programs {
            Programs::Year(outcome) => {
                for ((c, rows), &counted) in outcome
                    .commodities
                    .iter()
                    .zip(&self.varied)
                    .zip(&self.counted)
                {
                    let solution = &c.reported;
                    add_slope(&mut g, solution, rows);
                    if counted {
                        f += solution.objective;
                        if !rows.is_empty() {
                            let (p, u) = cost_of(self.model, c);
                            add(&mut parts, &p);
                            unmet += u;
                        }
                    }
                }
            }
            Programs::Horizon { horizon, outcomes } => {
                let mut invested = self.fixed_investment;
                for ((o, rows), &counted) in outcomes.iter().zip(&self.varied).zip(&self.counted) {
                    let solution = &o.reported;
                    add_slope(&mut g, solution, rows);
                    if counted {
                        f += solution.objective;
                        if !rows.is_empty() {
                            let (p, i, u) = horizon::present_costs(horizon, o);
                            add(&mut parts, &p);
                            invested += i;
                            unmet += u;
                        }
                    }
                }
                investment = Some(invested);
            }
        }
        let total = parts.total() + investment.unwrap_or(0.0);
        let parts = parts.rounded();
        let point = Point {
            share,
            total_cost: match investment {
                // (as before periods: the sum of the rounded parts)
                None => report::money(parts.total()),
                Some(_) => report::money(total),
            },
            extra_cost: 0.0,
            cost: parts,
            investment: investment.map(report::money),
            unmet: report::tonnes(unmet),
            shadow_price: report::price(g / 100.0),
            placed,
        };
        Eval {
            s: share,
            f,
            g,
            point,
        }
    }
}

/// A share as reported: to 1e-9, dividing so that 0.3 stays 0.3.
fn round_share(x: f64) -> f64 {
    (x * 1e9).round() / 1e9
}

/// One commodity's cost parts and unmet demand, as the report computes them.
fn cost_of(model: &Model, c: &pipeline::CommodityOutcome) -> (CostParts, f64) {
    let solved = Solved {
        network: &c.network,
        program: &c.program,
        solution: &c.reported,
    };
    let r = report::build(model, &[solved]);
    (r.cost, c.reported.unmet.iter().sum())
}

/// What a point reports for one re-solved commodity: the optimum of the
/// tie-break rule (contract section 6), so that its cost parts and unmet
/// demand do not depend on the solver's vertex, with the varied rows'
/// duals priced one-sidedly and together (every varied share limit one
/// point higher, each row's bound moving by its delivered total): the
/// slope g = sum_i y_i delivered_i is then unique (docs/frontier.md).
fn point_solution(
    model: &Model,
    c: &mut pipeline::CommodityOutcome,
    rows: &Rows,
    tie_break: TieBreak,
) -> Result<LpSolution, SolveError> {
    let mut chosen = match tie_break {
        // Above the tie-break's size limit the vertex is reported, as by `solve`.
        TieBreak::Market => break_ties(model, &c.network, &c.program, &mut c.solved)
            .unwrap_or_else(|_| c.solved.solution().clone()),
        TieBreak::None => c.solved.solution().clone(),
    };
    price_together(&mut c.solved, &mut chosen, rows)?;
    Ok(chosen)
}

/// Prices the varied rows one-sidedly and together into `chosen` (see
/// [`point_solution`]).
fn price_together(
    solved: &mut SolvedProgram,
    chosen: &mut LpSolution,
    rows: &Rows,
) -> Result<(), SolveError> {
    let moves: Vec<(usize, f64)> = rows
        .iter()
        .map(|&(row, column)| (row, chosen.columns[column.index()]))
        .collect();
    let snapshot = solved.snapshot();
    let priced = duals::moved_together(solved, &moves);
    solved.restore(snapshot)?;
    for (&(row, _), y) in rows.iter().zip(priced?) {
        chosen.duals[row] = y;
    }
    Ok(())
}

/// [`point_solution`] for one commodity's multi-period program: the
/// tie-break optimum over the whole horizon (`horizon::break_ties`), the
/// varied rows (of every period varied) priced together.
fn horizon_point_solution(
    model: &Model,
    horizon: &Horizon,
    o: &mut HorizonOutcome,
    rows: &Rows,
    tie_break: TieBreak,
) -> Result<LpSolution, SolveError> {
    let name = &model.commodity(o.program.commodity).id;
    let mut chosen = match tie_break {
        TieBreak::Market => horizon::break_ties(horizon, &o.program, &mut o.solved, name)
            .unwrap_or_else(|_| o.solved.solution().clone()),
        TieBreak::None => o.solved.solution().clone(),
    };
    price_together(&mut o.solved, &mut chosen, rows)?;
    Ok(chosen)
}

fn add(to: &mut CostParts, p: &CostParts) {
    to.supply += p.supply;
    to.refining += p.refining;
    to.transport += p.transport;
    to.shortfall += p.shortfall;
}

/// Computes the frontier of `request`.
pub fn run(request: &Request) -> Result<Run, FrontierError> {
    let opts = &request.options;
    opts.check().map_err(FrontierError::Usage)?;
    let started = Instant::now();
    let mut run = request.run.clone();
    run.out = None;
    if opts.cap == Cap::MaxShare {
        run.params.max_share = Some(opts.from);
    }
    let mut loaded = pipeline::load(&run).map_err(FrontierError::Invalid)?;
    let (index, commodity) = target(&loaded, opts).map_err(|mut diags| {
        loaded.texts.relocate(&mut diags);
        FrontierError::Invalid(diags)
    })?;
    let model = &loaded.model;
    let policy = all_policies(model)[index];
    let name = policy.name.clone();
    let load = started.elapsed().as_secs_f64();
    let solve_started = Instant::now();
    let (mut curve, periods, checks) = match model.horizon.as_deref() {
        None => {
            let nets = pipeline::networks(model);
            let checks = pipeline::network_warnings(model, &nets, &loaded.texts);
            let outcome = pipeline::solve(model, nets, &run.solve)?;
            let curve = year_curve(
                model,
                outcome,
                PolicyId::from_index(index),
                commodity,
                run.solve.tie_break,
            );
            (curve, None, checks)
        }
        Some(horizon) => {
            let outcomes = horizon::solve(model, horizon, &run.solve)?;
            let (curve, periods) = horizon_curve(
                model,
                horizon,
                outcomes,
                &name,
                commodity,
                opts.year,
                run.solve.tie_break,
            );
            (curve, Some(periods), Diagnostics::new())
        }
    };
    let solve = solve_started.elapsed().as_secs_f64();
    let rows = curve.varied.iter().map(Vec::len).sum();
    if rows == 0 {
        let mut diags = Diagnostics::new();
        diags.error(
            policy_location(&loaded, policy),
            format!(
                "policy \"{name}\" has no row to vary{}: no consumer of its scope can be reached",
                commodity
                    .map(|k| format!(" on {}", model.commodity(k).id))
                    .unwrap_or_default()
            ),
        );
        return Err(FrontierError::Invalid(diags));
    }
    let frontier_started = Instant::now();
    let placed = place(&mut curve, opts)?;
    let frontier_time = frontier_started.elapsed().as_secs_f64();
    let mut points: Vec<Point> = placed.evals.iter().map(|e| e.point.clone()).collect();
    points.sort_by(|a, b| b.share.total_cmp(&a.share));
    points.dedup_by(|a, b| a.share == b.share);
    let base = points.first().map_or(0.0, |p| p.total_cost);
    for p in &mut points {
        p.extra_cost = report::money(p.total_cost - base);
    }
    let free = FreePoint {
        share: round_share(placed.free.s),
        total_cost: placed.free.point.total_cost,
        costly_below: placed.costly_below.map(round_share),
        tolerance_cost: placed.free_tol,
    };
    let commodities = model
        .commodity_ids()
        .filter(|&k| commodity.is_none_or(|c| c == k))
        .map(|k| model.commodity(k).id.clone())
        .collect();
    loaded.warnings.extend(checks);
    Ok(Run {
        frontier: Frontier {
            model: model.name.clone(),
            currency: model.currency.clone(),
            cap: name,
            commodities,
            rows,
            periods,
            from: opts.from,
            to: opts.to,
            tolerance: opts.tolerance,
            tolerance_cost: placed.tol,
            resolution: opts.resolution,
            max_points: opts.max_points,
            complete: placed.complete,
            points,
            free_diversification: free,
            resolves: curve.resolves,
            timings: Timings {
                load,
                solve,
                frontier: frontier_time,
                total: started.elapsed().as_secs_f64(),
            },
        },
        warnings: loaded.warnings,
    })
}

/// The curve of a model of one year: the rows of `policy` in every counted
/// commodity's program.
fn year_curve(
    model: &Model,
    outcome: Outcome,
    policy: PolicyId,
    commodity: Option<CommodityId>,
    tie_break: TieBreak,
) -> Curve<'_> {
    let counted: Vec<bool> = outcome
        .commodities
        .iter()
        .map(|c| commodity.is_none_or(|k| c.program.commodity == k))
        .collect();
    let varied: Vec<Rows> = outcome
        .commodities
        .iter()
        .zip(&counted)
        .map(|(c, &counted)| {
            let p = &c.program;
            (0..p.policies.len())
                .filter(|&i| counted && p.policies[i].policy == policy)
                .filter_map(|i| Some((p.policy_rows[i]?, p.policy_delivered[i]?)))
                .collect()
        })
        .collect();
    let (mut fixed, mut fixed_unmet) = (CostParts::default(), 0.0);
    for ((c, rows), &counted) in outcome.commodities.iter().zip(&varied).zip(&counted) {
        if counted && rows.is_empty() {
            let (p, u) = cost_of(model, c);
            add(&mut fixed, &p);
            fixed_unmet += u;
        }
    }
    Curve {
        model,
        programs: Programs::Year(outcome),
        varied,
        counted,
        fixed,
        fixed_unmet,
        fixed_investment: 0.0,
        resolves: 0,
        tie_break,
    }
}

/// The curve of a multi-period model: the rows of the policy named in
/// period `year`'s part of every counted commodity's program, or in every
/// period's part (a period's model has the policies in force in its year,
/// so `from_year` and `until_year` are respected); and the periods varied.
fn horizon_curve<'m>(
    model: &'m Model,
    horizon: &'m Horizon,
    outcomes: Vec<HorizonOutcome>,
    name: &str,
    commodity: Option<CommodityId>,
    year: Option<i32>,
    tie_break: TieBreak,
) -> (Curve<'m>, FrontierPeriods) {
    let counted: Vec<bool> = outcomes
        .iter()
        .map(|o| commodity.is_none_or(|k| o.program.commodity == k))
        .collect();
    let mut varied_years = Vec::new();
    let varied: Vec<Rows> = outcomes
        .iter()
        .zip(&counted)
        .map(|(o, &counted)| {
            let mut rows = Rows::new();
            for part in &o.program.parts {
                let period_year = horizon.periods[part.period.index()].year;
                if !counted || year.is_some_and(|y| y != period_year) {
                    continue;
                }
                let period_model = &horizon.models[part.period.index()];
                let p = &part.program;
                let before = rows.len();
                rows.extend(
                    (0..p.policies.len())
                        .filter(|&i| period_model.policy(p.policies[i].policy).name == name)
                        .filter_map(|i| {
                            Some((part.first_row + p.policy_rows[i]?, p.policy_delivered[i]?))
                        }),
                );
                if rows.len() > before && !varied_years.contains(&period_year) {
                    varied_years.push(period_year);
                }
            }
            rows
        })
        .collect();
    varied_years.sort_unstable();
    let (mut fixed, mut fixed_unmet, mut fixed_investment) = (CostParts::default(), 0.0, 0.0);
    for ((o, rows), &counted) in outcomes.iter().zip(&varied).zip(&counted) {
        if counted && rows.is_empty() {
            let (p, i, u) = horizon::present_costs(horizon, o);
            add(&mut fixed, &p);
            fixed_investment += i;
            fixed_unmet += u;
        }
    }
    let periods = FrontierPeriods {
        years: horizon.periods.iter().map(|p| p.year).collect(),
        year,
        varied: varied_years,
        discount_rate: horizon.discount_rate,
    };
    let curve = Curve {
        model,
        programs: Programs::Horizon { horizon, outcomes },
        varied,
        counted,
        fixed,
        fixed_unmet,
        fixed_investment,
        resolves: 0,
        tie_break,
    };
    (curve, periods)
}

/// The policies a cap may name: the model's, or for a multi-period model
/// those of every period, each once (in the order of the periods; a policy
/// whose `from_year` is after the first period is not among the first
/// period's).
fn all_policies(model: &Model) -> Vec<&Policy> {
    match model.horizon.as_deref() {
        None => model.policies.iter().collect(),
        Some(h) => {
            let mut policies: Vec<&Policy> = Vec::new();
            for p in h.models.iter().flat_map(|m| &m.policies) {
                if !policies.iter().any(|q| q.name == p.name) {
                    policies.push(p);
                }
            }
            policies
        }
    }
}

/// Where the policy named is defined, for messages.
fn policy_location(loaded: &pipeline::Loaded, p: &Policy) -> Location {
    let mut at = match p.line {
        Some(line) => Location::line(loaded.texts.shown("model.toml"), line),
        None => Location::file(p.name.clone()),
    };
    loaded.texts.relocate_one(&mut at);
    at
}

/// Where `[periods]` is, for messages about `--year`.
fn periods_location(loaded: &pipeline::Loaded) -> Location {
    let toml = loaded.texts.shown("model.toml");
    let mut at = match loaded.model.horizon.as_deref().and_then(|h| h.line) {
        Some(line) => Location::line(toml, line),
        None => Location::file(toml),
    };
    loaded.texts.relocate_one(&mut at);
    at
}

/// The policy (its index in [`all_policies`]) and commodity the options
/// name, and the period of `--year`, checked against the model.
fn target(
    loaded: &pipeline::Loaded,
    opts: &Options,
) -> Result<(usize, Option<CommodityId>), Diagnostics> {
    let model = &loaded.model;
    let toml = loaded.texts.shown("model.toml");
    let mut diags = Diagnostics::new();
    let name = match &opts.cap {
        Cap::Policy(name) => name.as_str(),
        Cap::MaxShare => MAX_SHARE_POLICY,
    };
    let policies = all_policies(model);
    let names = || policies.iter().map(|p| p.name.as_str());
    let Some(index) = policies.iter().position(|p| p.name == name) else {
        let known: Vec<&str> = names().collect();
        let listed = if known.is_empty() {
            "it has none".to_string()
        } else {
            format!("its policies: {}", known.join(", "))
        };
        diags.error(
            Location::file(toml),
            format!(
                "--policy {name}: no policy of that name ({listed}){}",
                diagnostics::did_you_mean(name, names())
            ),
        );
        return Err(diags);
    };
    let p = policies[index];
    if p.kind != PolicyKind::MaxShare {
        diags.error(
            policy_location(loaded, p),
            format!(
                "--policy {name}: a {} policy (a floor); frontier tightens a cap (max_share)",
                p.kind
            ),
        );
        return Err(diags);
    }
    if let Some(year) = opts.year {
        let Some(horizon) = model.horizon.as_deref() else {
            diags.error(
                Location::file(toml),
                format!(
                    "--year {year}: the model has no [periods] (it is one year): --year names the one period of a multi-period model whose cap is tightened"
                ),
            );
            return Err(diags);
        };
        let years: Vec<String> = horizon.periods.iter().map(|p| p.year.to_string()).collect();
        if !horizon.periods.iter().any(|p| p.year == year) {
            diags.error(
                periods_location(loaded),
                format!(
                    "--year {year} is not a period of the model (its periods: {})",
                    years.join(", ")
                ),
            );
            return Err(diags);
        }
        if !p.applies_in(year) {
            let applies: Vec<String> = horizon
                .periods
                .iter()
                .filter(|q| p.applies_in(q.year))
                .map(|q| q.year.to_string())
                .collect();
            diags.error(
                policy_location(loaded, p),
                format!(
                    "--year {year}: policy \"{name}\" does not apply in {year} (its from_year..until_year; it applies in: {})",
                    if applies.is_empty() {
                        "no period".to_string()
                    } else {
                        applies.join(", ")
                    }
                ),
            );
            return Err(diags);
        }
    }
    let commodity = match &opts.commodity {
        None => None,
        Some(id) => {
            let ids = || model.commodities.iter().map(|c| c.id.as_str());
            let Some(k) = model
                .commodity_ids()
                .find(|&k| model.commodity(k).id == *id)
            else {
                diags.error(
                    Location::file(toml),
                    format!(
                        "--commodity {id}: no commodity of that id (the model's: {}){}",
                        ids().collect::<Vec<_>>().join(", "),
                        diagnostics::did_you_mean(id, ids())
                    ),
                );
                return Err(diags);
            };
            if p.commodity.is_some_and(|c| c != k) {
                let only = p.commodity.map(|c| model.commodity(c).id.as_str());
                diags.error(
                    policy_location(loaded, p),
                    format!(
                        "--commodity {id}: policy \"{name}\" applies to {} only",
                        only.unwrap_or_default()
                    ),
                );
                return Err(diags);
            }
            Some(k)
        }
    };
    Ok((index, commodity))
}

/// The placed points and what the placement found.
struct Placement {
    evals: Vec<Eval>,
    free: Eval,
    costly_below: Option<f64>,
    tol: f64,
    free_tol: f64,
    complete: bool,
}

/// How an interval [a, b] is treated.
enum Judgement {
    /// The curve is captured within the tolerance (or the interval is too
    /// narrow to split).
    Captured,
    /// Evaluate at this share and judge both halves.
    Split(f64, Placed),
    /// Evaluate the midpoint: split if the chord misses it.
    CheckMidpoint(f64),
}

/// Places the points (module comment; docs/frontier.md).
fn place(curve: &mut Curve<'_>, opts: &Options) -> Result<Placement, SolveError> {
    let res = opts.resolution;
    let first = curve.at(opts.from, Placed::From)?;
    let tol = (opts.tolerance * first.f.abs()).max(ABSOLUTE_TOLERANCE);
    let mut evals = vec![first];
    if opts.from > opts.to {
        let width = opts.from - opts.to;
        let grid = INITIAL_INTERVALS.min((width / res).floor().max(1.0) as usize);
        for j in 1..grid {
            let s = opts.from - width * j as f64 / grid as f64;
            evals.push(curve.at(s, Placed::Grid)?);
        }
        evals.push(curve.at(opts.to, Placed::To)?);
    }
    evals.sort_by(|a, b| a.s.total_cmp(&b.s));
    let mut queue: VecDeque<(Eval, Eval)> = evals
        .windows(2)
        .map(|w| (w[0].clone(), w[1].clone()))
        .collect();
    let mut complete = true;
    // The tolerance of an interval scales with its cost (where a tight cap
    // leaves demand unmet, the cost is many times the cost at `from`).
    let local = |a: &Eval, b: &Eval| (opts.tolerance * a.f.abs().max(b.f.abs())).max(tol);
    while let Some((a, b)) = queue.pop_front() {
        let tol = local(&a, &b);
        let (s, placed) = match judge(&a, &b, tol, res) {
            Judgement::Captured => continue,
            Judgement::Split(s, placed) => (s, placed),
            Judgement::CheckMidpoint(s) => (s, Placed::Midpoint),
        };
        if evals.len() + 1 >= opts.max_points {
            // (one point is kept for the free-diversification point)
            complete = false;
            continue;
        }
        let c = curve.at(s, placed)?;
        evals.push(c.clone());
        if placed == Placed::Midpoint && (c.f - chord(&a, &b, s)).abs() <= tol {
            continue; // the chord meets the midpoint: captured
        }
        queue.push_back((a, c.clone()));
        queue.push_back((c, b));
    }
    evals.sort_by(|a, b| a.s.total_cmp(&b.s));
    let (free, costly_below, free_tol) = free_point(curve, &evals, tol, res)?;
    if !evals.iter().any(|e| e.s == free.s) {
        evals.push(free.clone());
    }
    Ok(Placement {
        evals,
        free,
        costly_below,
        tol,
        free_tol,
        complete,
    })
}

/// The chord of [a, b] at s.
fn chord(a: &Eval, b: &Eval, s: f64) -> f64 {
    a.f + (b.f - a.f) * (s - a.s) / (b.s - a.s)
}

/// The tangent at `e` (slope: the duals of the varied rows) at s.
fn tangent(e: &Eval, s: f64) -> f64 {
    e.f + e.g * (s - e.s)
}

/// The rule of the module comment, for the interval [a, b] (a.s < b.s).
fn judge(a: &Eval, b: &Eval, tol: f64, res: f64) -> Judgement {
    let width = b.s - a.s;
    if width < 2.0 * res {
        return Judgement::Captured; // at the resolution
    }
    // Convex on [a, b]: each tangent lies below the curve at the other end,
    // and the curve lies between the chord (above) and the larger tangent.
    // Concave: the other way round. Neither: only the midpoint can tell.
    let (ta, tb) = (tangent(a, b.s), tangent(b, a.s));
    let below = ta <= b.f + tol && tb <= a.f + tol;
    let above = ta >= b.f - tol && tb >= a.f - tol;
    if !below && !above {
        return Judgement::CheckMidpoint(a.s + width / 2.0);
    }
    // The tangents cross at s*: a.f + a.g (s - a.s) = b.f + b.g (s - b.s).
    let cross = (b.f - a.f + a.g * a.s - b.g * b.s) / (a.g - b.g);
    let gap_at = |s: f64| {
        let (x, y) = (tangent(a, s), tangent(b, s));
        if below {
            chord(a, b, s) - x.max(y)
        } else {
            x.min(y) - chord(a, b, s)
        }
    };
    let mut gap = gap_at(a.s).max(gap_at(b.s));
    if cross.is_finite() && cross > a.s && cross < b.s {
        gap = gap.max(gap_at(cross));
    }
    if gap <= tol {
        // Captured if the curve is convex (or concave) on [a, b]. A point
        // placed where two tangents cross lies on both by construction, so
        // it cannot show a bend next to it (a concave piece that ends in a
        // kink); the midpoint checks such an interval.
        let crossed = |e: &Eval| e.point.placed == Placed::Tangents;
        if crossed(a) || crossed(b) {
            return Judgement::CheckMidpoint(a.s + width / 2.0);
        }
        return Judgement::Captured;
    }
    if cross.is_finite() && cross > a.s && cross < b.s {
        Judgement::Split(cross.clamp(a.s + res, b.s - res), Placed::Tangents)
    } else {
        Judgement::Split(a.s + width / 2.0, Placed::Midpoint)
    }
}

/// The tightest share whose cost is the cost at `from` (to [`FREE_TOLERANCE`],
/// never looser than `tol`): the tightest such point placed, moved down by
/// bisection (each step a warm re-solve) until the costly share below it is
/// within `res`, then to where the tangent at that costly share meets the
/// cost at `from`, if that share is free too.
fn free_point(
    curve: &mut Curve<'_>,
    evals: &[Eval],
    tol: f64,
    res: f64,
) -> Result<(Eval, Option<f64>, f64), SolveError> {
    let top = &evals[evals.len() - 1];
    let within = tol
        .min(FREE_TOLERANCE * top.f.abs())
        .max(ABSOLUTE_TOLERANCE);
    let limit = top.f + within;
    // Evals are sorted by share; the cost does not increase as the share grows.
    let i = evals.iter().rposition(|e| e.f > limit).map_or(0, |i| i + 1);
    let mut hi = evals[i].clone();
    let Some(mut lo) = i.checked_sub(1).map(|j| evals[j].clone()) else {
        return Ok((hi, None, within));
    };
    while hi.s - lo.s > res {
        let mid = lo.s + (hi.s - lo.s) / 2.0;
        let e = curve.at(mid, Placed::Free)?;
        if e.f <= limit {
            hi = e;
        } else {
            lo = e;
        }
    }
    // Where the curve leaves the flat cost along the tangent at `lo`: the
    // kink itself when the curve is piecewise linear there.
    let kink = lo.s + (top.f - lo.f) / lo.g;
    if kink.is_finite() && kink > lo.s && kink < hi.s {
        let e = curve.at(kink, Placed::Free)?;
        if e.f <= limit && e.s < hi.s {
            hi = e;
        }
    }
    Ok((hi, Some(lo.s), within))
}

/// The frontier as a table for a terminal.
pub fn table(f: &Frontier) -> String {
    let mut out = String::new();
    let cur = &f.currency;
    let _ = writeln!(
        out,
        "sourcemix frontier: model {} -- cap \"{}\" ({} row{}), share {} -> {}",
        f.model,
        f.cap,
        f.rows,
        if f.rows == 1 { "" } else { "s" },
        f.from,
        f.to
    );
    if let Some(periods) = &f.periods {
        horizon_table(&mut out, f, periods);
        return out;
    }
    let _ = writeln!(out, "costs of {} in {cur}", f.commodities.join(", "));
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:>9}  {:>20}  {:>18}  {:>16}  {:>18}  placed",
        "share", "total cost", "extra cost", "unmet (t)", "shadow price/pp"
    );
    for p in &f.points {
        let _ = writeln!(
            out,
            "{:>8.2}%  {:>20}  {:>18}  {:>16}  {:>18}  {}{}",
            p.share * 100.0,
            amount(p.total_cost),
            amount(p.extra_cost),
            amount(p.unmet),
            amount(p.shadow_price),
            p.placed.as_str(),
            free_mark(f, p)
        );
    }
    summary(&mut out, f);
    out
}

/// The mark of the free-diversification point in a table.
fn free_mark(f: &Frontier, p: &Point) -> &'static str {
    if p.share == f.free_diversification.share {
        "  <- free-diversification point"
    } else {
        ""
    }
}

/// The table of a multi-period frontier: which periods are varied, and
/// the present values with the investment part.
fn horizon_table(out: &mut String, f: &Frontier, periods: &FrontierPeriods) {
    let cur = &f.currency;
    let years = |v: &[i32]| {
        v.iter()
            .map(|y| y.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        out,
        "periods {}: {}",
        years(&periods.years),
        match periods.year {
            Some(y) => format!(
                "the cap tightened in {y} only (--year; the other periods keep their shares)"
            ),
            None => format!(
                "the cap tightened in every period in which it applies ({})",
                years(&periods.varied)
            ),
        }
    );
    let _ = writeln!(
        out,
        "costs of {} in {cur}: present value in {} (discount rate {}), operating + investment over the horizon",
        f.commodities.join(", "),
        periods.years.first().copied().unwrap_or_default(),
        periods.discount_rate
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:>9}  {:>20}  {:>18}  {:>18}  {:>16}  {:>18}  placed",
        "share", "total cost (PV)", "extra cost", "investment (PV)", "unmet (t)", "shadow price/pp"
    );
    for p in &f.points {
        let _ = writeln!(
            out,
            "{:>8.2}%  {:>20}  {:>18}  {:>18}  {:>16}  {:>18}  {}{}",
            p.share * 100.0,
            amount(p.total_cost),
            amount(p.extra_cost),
            amount(p.investment.unwrap_or(0.0)),
            amount(p.unmet),
            amount(p.shadow_price),
            p.placed.as_str(),
            free_mark(f, p)
        );
    }
    let _ = writeln!(
        out,
        "(unmet: t over the horizon, span x t per year; shadow price: present value per percentage point of the share in the periods varied)"
    );
    summary(out, f);
}

/// The closing lines of a table: the free-diversification point and the work done.
fn summary(out: &mut String, f: &Frontier) {
    let cur = &f.currency;
    let _ = writeln!(out);
    let free = &f.free_diversification;
    let _ = writeln!(
        out,
        "Free diversification: the cap can be tightened to {:.2}% at no extra cost (within {} {cur} of the cost at {:.2}%){}",
        free.share * 100.0,
        if free.tolerance_cost >= 0.01 {
            amount(free.tolerance_cost)
        } else {
            format!("{:.1e}", free.tolerance_cost)
        },
        f.from * 100.0,
        match free.costly_below {
            Some(s) => format!("; at {:.2}% it costs more", s * 100.0),
            None => " over the whole range".into(),
        }
    );
    let _ = writeln!(
        out,
        "{} point{}, {} warm re-solve{} in {:.3} s (tolerance {} relative, resolution {} in share){}",
        f.points.len(),
        if f.points.len() == 1 { "" } else { "s" },
        f.resolves,
        if f.resolves == 1 { "" } else { "s" },
        f.timings.frontier,
        f.tolerance,
        f.resolution,
        if f.complete {
            String::new()
        } else {
            format!(
                "; stopped at --max-points {}: the curve is not captured to the tolerance everywhere",
                f.max_points
            )
        }
    );
}

/// The frontier as a pretty-printed JSON document (with a final newline).
pub fn json(f: &Frontier) -> String {
    let mut text =
        serde_json::to_string_pretty(f).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

#[derive(Serialize)]
struct CsvRow {
    share: f64,
    total_cost: f64,
    extra_cost: f64,
    supply: f64,
    refining: f64,
    transport: f64,
    shortfall: f64,
    unmet: f64,
    shadow_price: f64,
    placed: &'static str,
    free_diversification: bool,
}

/// The header of frontier.csv.
pub const CSV_HEADER: [&str; 11] = [
    "share",
    "total_cost",
    "extra_cost",
    "supply",
    "refining",
    "transport",
    "shortfall",
    "unmet",
    "shadow_price",
    "placed",
    "free_diversification",
];

#[derive(Serialize)]
struct HorizonCsvRow {
    share: f64,
    total_cost: f64,
    extra_cost: f64,
    supply: f64,
    refining: f64,
    transport: f64,
    shortfall: f64,
    investment: f64,
    unmet: f64,
    shadow_price: f64,
    placed: &'static str,
    free_diversification: bool,
}

/// The header of frontier.csv for a multi-period model: present values,
/// with the investment after the operating parts.
pub const HORIZON_CSV_HEADER: [&str; 12] = [
    "share",
    "total_cost",
    "extra_cost",
    "supply",
    "refining",
    "transport",
    "shortfall",
    "investment",
    "unmet",
    "shadow_price",
    "placed",
    "free_diversification",
];

/// The points as CSV (one row per point, share decreasing).
pub fn csv(f: &Frontier) -> Result<Vec<u8>, WriteError> {
    if f.periods.is_some() {
        let rows = f.points.iter().map(|p| HorizonCsvRow {
            share: p.share,
            total_cost: p.total_cost,
            extra_cost: p.extra_cost,
            supply: p.cost.supply,
            refining: p.cost.refining,
            transport: p.cost.transport,
            shortfall: p.cost.shortfall,
            investment: p.investment.unwrap_or(0.0),
            unmet: p.unmet,
            shadow_price: p.shadow_price,
            placed: p.placed.as_str(),
            free_diversification: p.share == f.free_diversification.share,
        });
        return files::csv_of("frontier.csv", rows, &HORIZON_CSV_HEADER);
    }
    let rows = f.points.iter().map(|p| CsvRow {
        share: p.share,
        total_cost: p.total_cost,
        extra_cost: p.extra_cost,
        supply: p.cost.supply,
        refining: p.cost.refining,
        transport: p.cost.transport,
        shortfall: p.cost.shortfall,
        unmet: p.unmet,
        shadow_price: p.shadow_price,
        placed: p.placed.as_str(),
        free_diversification: p.share == f.free_diversification.share,
    });
    files::csv_of("frontier.csv", rows, &CSV_HEADER)
}

/// Writes frontier.csv and frontier.json as the folder `dir`, whole or not at all.
pub fn write(f: &Frontier, dir: &Path) -> Result<(), WriteError> {
    let files = [
        (OUT_FILES[0], csv(f)?),
        (OUT_FILES[1], json(f).into_bytes()),
    ];
    files::write_out_dir(dir, &files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(s: f64, f: f64, g: f64) -> Eval {
        Eval {
            s,
            f,
            g,
            point: Point {
                share: s,
                total_cost: f,
                extra_cost: 0.0,
                cost: CostParts::default(),
                investment: None,
                unmet: 0.0,
                shadow_price: g / 100.0,
                placed: Placed::Grid,
            },
        }
    }

    /// 4000 - 5000 s below 0.5, 2000 - 1000 s above (frontier-three).
    fn kinked(s: f64) -> Eval {
        if s < 0.5 {
            eval(s, 4000.0 - 5000.0 * s, -5000.0)
        } else {
            eval(s, 2000.0 - 1000.0 * s, -1000.0)
        }
    }

    #[test]
    fn a_convex_kink_is_split_where_the_tangents_cross() {
        match judge(&kinked(0.4), &kinked(0.58), 1e-6, 1e-4) {
            Judgement::Split(s, Placed::Tangents) => assert!((s - 0.5).abs() < 1e-12, "{s}"),
            _ => panic!("expected a split at the kink"),
        }
    }

    #[test]
    fn a_straight_interval_is_captured_without_a_solve() {
        assert!(matches!(
            judge(&kinked(0.52), &kinked(0.58), 1e-6, 1e-4),
            Judgement::Captured
        ));
        // Next to a tangent crossing, the midpoint confirms it.
        let mut a = kinked(0.5);
        a.point.placed = Placed::Tangents;
        assert!(matches!(
            judge(&a, &kinked(0.58), 1e-6, 1e-4),
            Judgement::CheckMidpoint(_)
        ));
    }

    #[test]
    fn a_concave_curve_uses_the_tangents_too() {
        // f = -s^2 (concave): tangents above the curve, crossing at the middle.
        let e = |s: f64| eval(s, -s * s, -2.0 * s);
        match judge(&e(0.2), &e(0.6), 1e-6, 1e-4) {
            Judgement::Split(s, Placed::Tangents) => assert!((s - 0.4).abs() < 1e-12, "{s}"),
            _ => panic!("expected a split where the tangents cross"),
        }
        // Within the tolerance: the chord is close enough, nothing to solve.
        assert!(matches!(
            judge(&e(0.2), &e(0.6), 0.1, 1e-4),
            Judgement::Captured
        ));
    }

    #[test]
    fn a_jump_is_checked_at_the_midpoint_down_to_the_resolution() {
        // All unmet (flat, high) below 1/3, 4000 - 5000 s above.
        let low = eval(0.3, 100_000.0, 0.0);
        let high = eval(0.35, 2250.0, -5000.0);
        assert!(matches!(
            judge(&low, &high, 1e-3, 1e-4),
            Judgement::CheckMidpoint(_)
        ));
        let near = eval(0.3334, 2333.0, -5000.0);
        assert!(matches!(
            judge(&eval(0.3333, 100_000.0, 0.0), &near, 1e-3, 1e-4),
            Judgement::Captured
        ));
    }

    #[test]
    fn options_are_checked() {
        let ok = Options::new(Cap::MaxShare);
        assert!(ok.check().is_ok());
        for bad in [
            Options {
                from: 1.5,
                ..ok.clone()
            },
            Options {
                to: -0.1,
                ..ok.clone()
            },
            Options {
                from: 0.3,
                to: 0.5,
                ..ok.clone()
            },
            Options {
                tolerance: 0.0,
                ..ok.clone()
            },
            Options {
                resolution: f64::NAN,
                ..ok.clone()
            },
            Options {
                max_points: 1,
                ..ok.clone()
            },
        ] {
            assert!(bad.check().is_err(), "{bad:?}");
        }
    }
}
