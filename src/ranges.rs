//! Share ranges (section 7 of the contract): for every consumer, commodity,
//! stage and country, and for every pooled policy scope set, the least and
//! the most tonnes of that country's supply F_X over the optimal face, the
//! flows of total cost <= C* + 1e-9 x max(1, C*).
//!
//! Method, per commodity, on the kept HiGHS instance of the LP solve:
//! 1. one row `sum_j cost_j x_j <= C* + tol` (the face) is added and every
//!    objective coefficient is set to 0;
//! 2. for each entry (scope, stage, country X), the objective becomes
//!    -F_X (the maximum) and then +F_X (the minimum), each re-solved from the
//!    last basis with primal simplex (`simplex_strategy = 4`: an objective
//!    change keeps the basis primal feasible, so primal simplex goes on from
//!    it); the minimum is skipped when the maximum is 0;
//! 3. every solution found is checked to lie on the face (its original cost
//!    is at most C* + 2 tol); one that does not (or a re-solve that fails) is
//!    re-solved cold: a fresh instance with the face row and that objective,
//!    by dual simplex (interior point struggles on a face with no interior);
//! 4. every solution on the face is a witness for every entry: F_X seen at 0
//!    is the minimum, F_X seen at the whole demand of the scope the maximum
//!    (0 <= F_X <= delivered <= demand), so those re-solves are skipped;
//! 5. the instance is put back as it was ([`SolvedProgram::snapshot`] /
//!    [`SolvedProgram::restore`]: the face row deleted, the costs, basis,
//!    options and solution restored), so later analyses (and the report)
//!    see the LP optimum.
//!
//! A commodity whose labels do not track both stages (labels track a stage
//! only when a policy on the commodity needs it, `network::Tracking`) has no
//! F_X columns for the untracked stage: for it, a second program with both
//! stages tracked is built and solved (same optimum C*: tracking adds labels,
//! not choices), and its ranges are computed on that instance, which is then
//! dropped. The kept instance is not touched.

use std::collections::BTreeMap;

use good_lp::Expression;
use rayon::prelude::*;

use crate::horizon::HorizonOutcome;
use crate::id::{CommodityId, CountryId, NodeId};
use crate::model::Horizon;
use crate::model::{Model, Scope, Stage};
use crate::network::{CommodityNetwork, Role, Tracking};
use crate::pipeline::{CommodityOutcome, Outcome};
use crate::policies;
use crate::program::{self, Column, CommodityProgram, Lp};
use crate::solve::{Method, Shape, SolveError, SolveOptions, SolvedProgram};

/// The optimal face is the flows of total cost <= C* + FACE_TOLERANCE x max(1, C*).
pub const FACE_TOLERANCE: f64 = 1e-9;

/// Whose deliveries a range is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RangeScope {
    /// One consumer (a policy scope `each` is this entry).
    Consumer(NodeId),
    /// A pooled policy scope set (`all`, a list, `group:G`): its label as
    /// the policy report writes it, and its consumers.
    Pooled {
        label: String,
        consumers: Vec<NodeId>,
    },
}

/// The range of one country's supply to one consumer or scope set.
#[derive(Clone, Debug, PartialEq)]
pub struct ShareRange {
    pub commodity: CommodityId,
    pub scope: RangeScope,
    pub stage: Stage,
    pub country: CountryId,
    /// The demand of the consumer, or of the scope's consumers together (t).
    pub demand: f64,
    /// The least tonnes of F_X over the optimal face.
    pub min: f64,
    /// The most tonnes of F_X over the optimal face (> 0: entries whose
    /// maximum is 0 are left out).
    pub max: f64,
}

impl ShareRange {
    /// `min` as a fraction of demand (0 when there is no demand).
    pub fn min_share(&self) -> f64 {
        fraction(self.min, self.demand)
    }

    /// `max` as a fraction of demand (0 when there is no demand).
    pub fn max_share(&self) -> f64 {
        fraction(self.max, self.demand)
    }
}

fn fraction(x: f64, of: f64) -> f64 {
    if of > 0.0 {
        (x / of).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// How much solving the ranges took.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct RangeStats {
    /// (consumers, stage, country) combinations examined (a pooled scope of
    /// one consumer shares the consumer's).
    pub entries: usize,
    /// Warm re-solves (objective changed on the kept instance).
    pub resolves: usize,
    /// Cold re-solves, after a warm one left the optimal face or failed.
    pub cold: usize,
    /// Bounds known without a re-solve (seen on the face at 0 or at the
    /// whole demand).
    pub skipped: usize,
    /// Commodities solved again with both stages tracked.
    pub tracked_programs: usize,
    /// Simplex iterations of all re-solves.
    pub simplex_iterations: i64,
}

impl RangeStats {
    fn add(&mut self, other: &RangeStats) {
        self.entries += other.entries;
        self.resolves += other.resolves;
        self.cold += other.cold;
        self.skipped += other.skipped;
        self.tracked_programs += other.tracked_programs;
        self.simplex_iterations += other.simplex_iterations;
    }
}

/// Every range of a solved model, sorted by commodity, scope, stage and country.
#[derive(Clone, Debug, Default)]
pub struct Ranges {
    pub ranges: Vec<ShareRange>,
    pub stats: RangeStats,
}

/// Computes every range of section 7 on the kept instances of `outcome`
/// (commodities in parallel), leaving each instance and its solution as they
/// were. `options` are those of the LP solve (a cold re-solve uses them).
pub fn compute(
    model: &Model,
    outcome: &mut Outcome,
    options: &SolveOptions,
) -> Result<Ranges, SolveError> {
    let parts: Result<Vec<(Vec<ShareRange>, RangeStats)>, SolveError> = outcome
        .commodities
        .par_iter_mut()
        .map(|c| commodity_ranges(model, c, options))
        .collect();
    let mut out = Ranges::default();
    for (ranges, stats) in parts? {
        out.ranges.extend(ranges);
        out.stats.add(&stats);
    }
    sort(&mut out.ranges);
    Ok(out)
}

/// Every range of a solved multi-period model, by period (parallel to
/// `horizon.periods`), each period's sorted as [`compute`] sorts them.
pub fn compute_horizon(
    horizon: &Horizon,
    outcomes: &mut [HorizonOutcome],
    options: &SolveOptions,
) -> Result<(Vec<Vec<ShareRange>>, RangeStats), SolveError> {
    let parts: Result<Vec<_>, SolveError> = outcomes
        .par_iter_mut()
        .map(|o| horizon_ranges(horizon, o, options))
        .collect();
    let mut by_period = vec![Vec::new(); horizon.periods.len()];
    let mut stats = RangeStats::default();
    for (ranges, part_stats) in parts? {
        for (p, r) in ranges {
            by_period[p].push(r);
        }
        stats.add(&part_stats);
    }
    for ranges in &mut by_period {
        sort(ranges);
    }
    Ok((by_period, stats))
}

fn sort(ranges: &mut [ShareRange]) {
    ranges.sort_by(|a, b| {
        (a.commodity, &a.scope, a.stage, a.country).cmp(&(
            b.commodity,
            &b.scope,
            b.stage,
            b.country,
        ))
    });
}

/// The ranges of one commodity: on its kept instance when its labels track
/// both stages, else on a program built with both tracked.
pub fn commodity_ranges(
    model: &Model,
    c: &mut CommodityOutcome,
    options: &SolveOptions,
) -> Result<(Vec<ShareRange>, RangeStats), SolveError> {
    let both = Tracking {
        mining: true,
        refining: true,
    };
    if c.network.tracking == both {
        let net = &c.network;
        let rebuild = || single_year(model, net);
        return on_instance(model, net, &c.program, &mut c.solved, options, &rebuild);
    }
    let k = c.program.commodity;
    let net = CommodityNetwork::build_with(model, k, both);
    let (program, lp) = program::build(model, &net);
    let mut solved = SolvedProgram::solve(&program, lp, &model.commodity(k).id, options)?;
    let rebuild = || single_year(model, &net);
    let (ranges, mut stats) = on_instance(model, &net, &program, &mut solved, options, &rebuild)?;
    stats.tracked_programs += 1;
    Ok((ranges, stats))
}

/// A fresh program with the same columns as the instance being ranged, for
/// a cold re-solve (`Context::cold`).
type Rebuild<'a> = dyn Fn() -> (Shape, Lp) + 'a;

/// The single-year program of `net`, fresh.
fn single_year(model: &Model, net: &CommodityNetwork) -> (Shape, Lp) {
    let (program, lp) = program::build(model, net);
    (Shape::of(&program), lp)
}

/// The ranges of each period of a multi-period commodity (contract section
/// 10: "ranges per period"), over the whole horizon's optimal face: on its
/// kept instance when every period's labels track both stages, else on a
/// horizon program built with both tracked. Each range is returned with
/// the index of its period.
pub fn horizon_ranges(
    horizon: &Horizon,
    o: &mut HorizonOutcome,
    options: &SolveOptions,
) -> Result<(Vec<(usize, ShareRange)>, RangeStats), SolveError> {
    let both = Tracking {
        mining: true,
        refining: true,
    };
    let k = o.program.commodity;
    let rebuild = || {
        let (program, lp) = crate::horizon::build_tracked(horizon, k, Some(both));
        (program.shape(), lp)
    };
    let mut own = None;
    let tracked = o.program.parts.iter().all(|p| p.network.tracking == both);
    let (program, solved) = if tracked {
        (&o.program, &mut o.solved)
    } else {
        let (program, lp) = crate::horizon::build_tracked(horizon, k, Some(both));
        let name = &horizon.models[0].commodity(k).id;
        let solved = SolvedProgram::solve_shaped(program.shape(), lp, name, options)?;
        let (program, solved) = own.insert((program, solved));
        (&*program, solved)
    };
    let mut out = Vec::new();
    let mut stats = RangeStats::default();
    for (p, part) in program.parts.iter().enumerate() {
        let model = &horizon.models[part.period.index()];
        let (ranges, part_stats) = on_instance(
            model,
            &part.network,
            &part.program,
            solved,
            options,
            &rebuild,
        )?;
        out.extend(ranges.into_iter().map(|r| (p, r)));
        stats.add(&part_stats);
    }
    if own.is_some() {
        stats.tracked_programs += 1;
    }
    Ok((out, stats))
}

/// (consumers, stage, country): what one F_X is about.
type Key = (Vec<NodeId>, Stage, CountryId);

/// One F_X to bound: its flow columns, the demand of its consumers, and the
/// least and most values seen on the face so far.
struct Target {
    columns: Vec<Column>,
    demand: f64,
    lo: f64,
    hi: f64,
}

/// The report gives tonnes to 1e-6: below half of that an amount is 0.
const ZERO_TONNES: f64 = 0.5e-6;

impl Target {
    /// Below this, an amount counts as 0: what the report would print as 0 t
    /// (or 1e-9 of a large demand). A maximum that small is left out: on the
    /// face of cost <= C* + tol, the tolerance alone lets a dearer source in
    /// by tol / (its extra cost per t).
    fn zero(&self) -> f64 {
        (FACE_TOLERANCE * self.demand).max(ZERO_TONNES)
    }
}

/// The ranges of one commodity on one solved instance whose labels track both stages.
fn on_instance(
    model: &Model,
    net: &CommodityNetwork,
    program: &CommodityProgram,
    solved: &mut SolvedProgram,
    options: &SolveOptions,
    rebuild: &Rebuild<'_>,
) -> Result<(Vec<ShareRange>, RangeStats), SolveError> {
    let (mut targets, scopes) = targets(model, net, program);
    let mut stats = RangeStats {
        entries: targets.len(),
        ..RangeStats::default()
    };
    if targets.is_empty() {
        return Ok((Vec::new(), stats));
    }
    let snapshot = solved.snapshot();
    let result = bound_all(
        model,
        net,
        solved,
        options,
        rebuild,
        &mut targets,
        &mut stats,
    );
    solved.restore(snapshot)?;
    result?;
    let mut out = Vec::new();
    for (scope, keys) in scopes {
        for key in keys {
            let t = &targets[&key];
            if t.hi <= t.zero() {
                continue;
            }
            out.push(ShareRange {
                commodity: program.commodity,
                scope: scope.clone(),
                stage: key.1,
                country: key.2,
                demand: t.demand,
                min: t.lo.clamp(0.0, t.demand),
                max: t.hi.clamp(0.0, t.demand),
            });
        }
    }
    Ok((out, stats))
}

/// Every F_X of the commodity, and which of them each reported scope names.
#[allow(clippy::type_complexity)]
fn targets(
    model: &Model,
    net: &CommodityNetwork,
    program: &CommodityProgram,
) -> (BTreeMap<Key, Target>, BTreeMap<RangeScope, Vec<Key>>) {
    // The consumer sets: each consumer alone, and each pooled policy scope set.
    let mut sets: BTreeMap<RangeScope, Vec<NodeId>> = BTreeMap::new();
    let mut demand_of: BTreeMap<NodeId, f64> = BTreeMap::new();
    for role in &net.roles {
        if let Role::Consumer(d) = *role {
            let node = model.demand[d].node;
            demand_of.insert(node, model.demand[d].demand);
            sets.insert(RangeScope::Consumer(node), vec![node]);
        }
    }
    for inst in &program.policies {
        if model.policy(inst.policy).scope != Scope::Each {
            sets.insert(
                RangeScope::Pooled {
                    label: inst.scope_label.clone(),
                    consumers: inst.consumers.clone(),
                },
                inst.consumers.clone(),
            );
        }
    }
    let mut targets: BTreeMap<Key, Target> = BTreeMap::new();
    let mut scopes: BTreeMap<RangeScope, Vec<Key>> = BTreeMap::new();
    // Which consumer sets each consumer belongs to.
    let mut member_of: BTreeMap<NodeId, Vec<Vec<NodeId>>> = BTreeMap::new();
    for (scope, consumers) in &sets {
        let demand = consumers
            .iter()
            .map(|c| demand_of.get(c).copied().unwrap_or(0.0))
            .sum();
        for stage in Stage::ALL {
            let keys: Vec<Key> = policies::reaching_countries(net, consumers, stage)
                .into_iter()
                .map(|x| (consumers.clone(), stage, x))
                .collect();
            for key in &keys {
                targets.entry(key.clone()).or_insert_with(|| Target {
                    columns: Vec::new(),
                    demand,
                    lo: f64::INFINITY,
                    hi: f64::NEG_INFINITY,
                });
            }
            scopes.entry(scope.clone()).or_default().extend(keys);
        }
        for c in consumers {
            let list = member_of.entry(*c).or_default();
            if !list.contains(consumers) {
                list.push(consumers.clone());
            }
        }
    }
    for (i, f) in program.flows.iter().enumerate() {
        let to = model.route(f.route).to;
        let Some(sets) = member_of.get(&to) else {
            continue;
        };
        for stage in Stage::ALL {
            let Some(x) = f.label.country_at(stage) else {
                continue;
            };
            for set in sets {
                if let Some(t) = targets.get_mut(&(set.clone(), stage, x)) {
                    t.columns.push(program.flow_column(i));
                }
            }
        }
    }
    (targets, scopes)
}

/// Bounds every target on the instance (the face row added, costs zeroed);
/// the caller restores the instance.
fn bound_all(
    model: &Model,
    net: &CommodityNetwork,
    solved: &mut SolvedProgram,
    options: &SolveOptions,
    rebuild: &Rebuild<'_>,
    targets: &mut BTreeMap<Key, Target>,
    stats: &mut RangeStats,
) -> Result<(), SolveError> {
    let original: Vec<f64> = solved.costs().to_vec();
    let c_star: f64 = original
        .iter()
        .zip(&solved.solution().columns)
        .map(|(c, x)| c * x)
        .sum();
    let tol = FACE_TOLERANCE * c_star.abs().max(1.0);
    let face = Face {
        bound: c_star + tol,
        accept: c_star + 2.0 * tol,
        costs: original,
    };
    observe(targets, &solved.solution().columns);
    let row: Vec<(Column, f64)> = face
        .costs
        .iter()
        .enumerate()
        .filter(|(_, &c)| c != 0.0)
        .map(|(j, &c)| (Column(j as u32), c))
        .collect();
    solved.add_row(&row, f64::NEG_INFINITY, face.bound);
    for &(column, _) in &row {
        solved.set_cost(column, 0.0);
    }
    solved.set_highs_option("simplex_strategy", "4")?;
    let keys: Vec<Key> = targets.keys().cloned().collect();
    let ctx = Context {
        model,
        net,
        options,
        face: &face,
        rebuild,
    };
    for key in keys {
        let t = &targets[&key];
        let (columns, zero) = (t.columns.clone(), t.zero());
        if t.demand - t.hi <= zero {
            stats.skipped += 1; // seen at the whole demand: the maximum
        } else {
            let x = ctx.optimise(solved, &columns, -1.0, stats)?;
            observe(targets, &x);
        }
        let t = &targets[&key];
        if t.hi <= t.zero() {
            continue; // no tonne of X can reach these consumers at C*
        }
        if t.lo <= t.zero() {
            stats.skipped += 1; // seen at 0: the minimum
        } else {
            let x = ctx.optimise(solved, &columns, 1.0, stats)?;
            observe(targets, &x);
        }
    }
    Ok(())
}

/// The optimal face: the bound of its row (C* + 1e-9 x max(1, C*), as the
/// contract defines it; a row at exactly C* left HiGHS without an optimum
/// (model status 15) on medium), the cost up to which a solution counts as
/// on it (twice the tolerance: HiGHS holds rows to its own feasibility
/// tolerance), and the original costs.
struct Face {
    bound: f64,
    accept: f64,
    costs: Vec<f64>,
}

impl Face {
    fn holds(&self, columns: &[f64]) -> bool {
        let cost: f64 = self.costs.iter().zip(columns).map(|(c, x)| c * x).sum();
        cost <= self.accept
    }
}

struct Context<'a> {
    model: &'a Model,
    net: &'a CommodityNetwork,
    options: &'a SolveOptions,
    face: &'a Face,
    rebuild: &'a Rebuild<'a>,
}

impl Context<'_> {
    /// Minimises `sign` x (the sum of `columns`) over the face, warm; cold
    /// when the warm re-solve fails or leaves the face. Returns every
    /// column's value.
    fn optimise(
        &self,
        solved: &mut SolvedProgram,
        columns: &[Column],
        sign: f64,
        stats: &mut RangeStats,
    ) -> Result<Vec<f64>, SolveError> {
        for &c in columns {
            solved.set_cost(c, sign);
        }
        let warm = solved.resolve().map(|s| s.stats.simplex_iterations);
        for &c in columns {
            solved.set_cost(c, 0.0);
        }
        stats.resolves += 1;
        if let Ok(iterations) = warm {
            stats.simplex_iterations += iterations;
            let x = &solved.solution().columns;
            if self.face.holds(x) {
                return Ok(x.clone());
            }
        }
        stats.cold += 1;
        let x = self.cold(columns, sign)?;
        if self.face.holds(&x) {
            return Ok(x);
        }
        Err(SolveError {
            commodity: self.model.commodity(self.net.commodity).id.clone(),
            reason: "a share-range re-solve left the optimal face, warm and cold".into(),
        })
    }

    /// A fresh instance with the face row and the objective `sign` x sum of `columns`.
    fn cold(&self, columns: &[Column], sign: f64) -> Result<Vec<f64>, SolveError> {
        let (shape, mut lp) = (self.rebuild)();
        let vars: Vec<good_lp::Variable> =
            lp.vars.iter_variables_with_def().map(|(v, _)| v).collect();
        let mut objective = Expression::default();
        let mut costs = vec![0.0; lp.costs.len()];
        for &c in columns {
            if let Some(&v) = vars.get(c.index()) {
                objective.add_mul(sign, v);
                costs[c.index()] = sign;
            }
        }
        let mut cost = Expression::default();
        for (j, &c) in self.face.costs.iter().enumerate() {
            if c != 0.0 {
                if let Some(&v) = vars.get(j) {
                    cost.add_mul(c, v);
                }
            }
        }
        lp.rows.push(cost.leq(self.face.bound));
        lp.bounds.push((f64::NEG_INFINITY, self.face.bound));
        lp.objective = objective;
        lp.costs = costs;
        let k = &self.model.commodity(self.net.commodity).id;
        let options = SolveOptions {
            method: Method::Simplex,
            ..self.options.clone()
        };
        let solved = SolvedProgram::solve_shaped(shape, lp, k, &options)?;
        Ok(solved.solution().columns.clone())
    }
}

/// Records every target's value at a solution on the face.
fn observe(targets: &mut BTreeMap<Key, Target>, columns: &[f64]) {
    for t in targets.values_mut() {
        let f: f64 = t
            .columns
            .iter()
            .map(|c| columns.get(c.index()).copied().unwrap_or(0.0))
            .sum();
        t.lo = t.lo.min(f);
        t.hi = t.hi.max(f);
    }
}
