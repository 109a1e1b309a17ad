//! Ties (contract section 6): which optimum is reported when several cost the
//! same. After the LP, one strictly convex quadratic program is solved over
//! the LP's optimal face, on the kept HiGHS instance (docs/tie-break.md):
//!
//!   minimise  M sum_n T_n^2 / K_n D  +  M sum_c u_c^2 / d_c D
//!             +  sum_{e, l} x_{e,l}^2 / (K_from(e) K_to(e))
//!
//! over flows of least total cost, where T_n is the total of source,
//! refiner or hub n (outflow of a source, inflow otherwise), K_n is node n's
//! size (its supply or refining capacity, or its demand for a consumer; the
//! commodity's total demand D where a capacity is unlimited and for hubs),
//! u_c consumer c's unmet demand, d_c its demand, and M = AGGREGATE_WEIGHT.
//! Strictly convex in every column, so its optimum is
//! unique; it is the "gravity" split: two tied mines of 100 t and 300 t
//! serving one consumer run at the same utilisation, consumers drawing on a
//! tied pool get the pool's mix, and a shortfall among equal penalties is
//! shared in proportion to demand.
//!
//! Shadow prices are not the QP's: the QP chooses among optima, it does
//! not change what a constraint is worth. They are priced on the LP
//! afterwards, one-sidedly (`duals`).

use crate::model::Model;
use crate::network::{CommodityNetwork, Role};
use crate::program::{Column, CommodityProgram};
use crate::solve::{LpSolution, SolveError, SolvedProgram};

/// A reduced cost or dual above this (relative to the column's cost) is
/// taken as non-zero: the column or row is held where the LP put it.
pub const DUAL_TOLERANCE: f64 = 1e-7;

/// Which optimum a solve reports.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum TieBreak {
    /// The unique optimum of the rule above (the default).
    #[default]
    Market,
    /// The solver's vertex, as it comes.
    None,
}

/// Each node's size K_n (see the module documentation), by node index.
fn node_sizes(model: &Model, net: &CommodityNetwork, program: &CommodityProgram) -> Vec<f64> {
    let demand = total_demand(model, program);
    net.roles
        .iter()
        .map(|role| {
            let size = match *role {
                Role::Source(s) => model.supply[s].capacity,
                Role::Refiner(r) => model.refining[r].capacity,
                Role::Consumer(d) => Some(model.demand[d].demand),
                Role::Hub | Role::Inert => None,
            };
            size.filter(|&k| k > 0.0).unwrap_or(demand)
        })
        .collect()
}

/// Above this many variables in one commodity's program the QP is not run
/// and the solver's vertex is reported, with a warning. Since the QP is
/// solved on the face's free columns only, it costs 0.8 s on large's cobalt
/// and graphite (72,000 variables) and 1.8 to 2.5 s on caps-2800's programs
/// (80,000 to 83,000), a fraction of their LP; xl (337,000 per commodity)
/// had run 21 CPU minutes with it when stopped, against 9.4 for its LPs
/// alone (docs/tie-break.md, "Speed").
pub const MAX_VARIABLES: usize = 100_000;

/// How much more a node total's square weighs than a flow's: the totals are
/// settled first (equal utilisation), the flows then split what is left.
pub const AGGREGATE_WEIGHT: f64 = 100.0;

/// The entries scaled so that the largest is 1 (the minimiser is the same;
/// HiGHS's QP solver dislikes tiny Hessian entries).
fn normalised(mut entries: Vec<(Column, Column, f64)>) -> Vec<(Column, Column, f64)> {
    let largest = entries.iter().map(|e| e.2).fold(0.0, f64::max);
    if largest > 0.0 {
        entries.iter_mut().for_each(|e| e.2 /= largest);
    }
    entries
}

/// The flows into and out of each node, by index into `program.flows`.
fn incidence(model: &Model, program: &CommodityProgram) -> (Vec<Vec<usize>>, Vec<Vec<usize>>) {
    let n = model.nodes.len();
    let (mut into, mut out_of) = (vec![Vec::new(); n], vec![Vec::new(); n]);
    for (i, f) in program.flows.iter().enumerate() {
        let r = model.route(f.route);
        out_of[r.from.index()].push(i);
        into[r.to.index()].push(i);
    }
    (into, out_of)
}

/// The commodity's total demand (at least 1, so that it can divide).
fn total_demand(model: &Model, program: &CommodityProgram) -> f64 {
    program
        .unmet
        .iter()
        .map(|&(d, _)| model.demand[d].demand)
        .sum::<f64>()
        .max(1.0)
}

/// Chooses the reported optimum of one solved commodity by the rule of the
/// module documentation; returns the solution to report (LP duals and
/// objective, QP flows). The instance is left with its LP objective and
/// bounds.
pub fn break_ties(
    model: &Model,
    net: &CommodityNetwork,
    program: &CommodityProgram,
    solved: &mut SolvedProgram,
) -> Result<LpSolution, SolveError> {
    let started = std::time::Instant::now();
    let lp = solved.solution().clone();
    if program.rows == 0 || program.flows.is_empty() {
        return Ok(lp);
    }
    if program.variables() > MAX_VARIABLES {
        return Err(SolveError {
            commodity: model.commodity(program.commodity).id.clone(),
            reason: format!(
                "{} variables, above the {} up to which the tie-break QP is run",
                program.variables(),
                MAX_VARIABLES
            ),
        });
    }
    let hessian = market_hessian(model, net, program);
    minimise_on_face(solved, &hessian, started)
}

/// Minimises 1/2 x' Q x (Q from `hessian`, positive definite on the face)
/// over the optimal face of the LP solved last on `solved`; returns the
/// solution to report (the LP's duals and objective, the QP's point). The
/// instance is left with its LP objective, bounds and basis. `started` is
/// when the tie-break began (for its timing).
pub fn minimise_on_face(
    solved: &mut SolvedProgram,
    hessian: &[(Column, Column, f64)],
    started: std::time::Instant,
) -> Result<LpSolution, SolveError> {
    let lp = solved.solution().clone();
    // Costs, options, basis and solution come back from here afterwards, so
    // that a later re-solve starts from the LP's optimal basis.
    let snapshot = solved.snapshot();
    // The QP starts from the LP's vertex, which lies on the face, when the
    // solution is the basic one of the basis in force: HiGHS's active-set
    // solver then skips its own feasibility LP and starts next to the
    // answer (medium: 8 to 348 QP iterations per commodity instead of 92 to
    // 802). The optimum is unique; the start does not change it.
    let hot = solved.basis_of_solution().is_some();
    let held = Held::optimal_face(&lp, solved);
    set_qp_options(solved)?;
    let hessian = normalised(hessian.to_vec());
    // The QP is solved on a copy that has only the columns free on the face
    // (on large lithium 2,901 of 22,092): HiGHS does not presolve QPs, and
    // its active-set solver's work per iteration grows with the column
    // count. Held rows keep their fixed bounds there. The hot start can
    // stall on a degenerate face (one point of the 2040 flagship's graphite
    // frontier: 266,200 iterations without an optimum where its neighbours
    // take about 3,000) or be refused; the copy is then solved again from
    // no start, and only should that fail too is the QP solved on the kept
    // instance, with the held columns fixed.
    let mut free = vec![true; solved.columns()];
    for &(c, _) in &held.columns {
        free[c.index()] = false;
    }
    let limit = reduced_qp_iteration_limit(free.iter().filter(|&&f| f).count()).to_string();
    let options = [
        ("qp_regularization_value", "0"),
        ("qp_iteration_limit", limit.as_str()),
    ];
    let mut chosen = solved.solve_reduced_qp(&free, &hessian, hot.then_some(&snapshot), &options);
    if chosen.is_err() && hot {
        chosen = solved.solve_reduced_qp(&free, &hessian, None, &options);
    }
    // HiGHS's active-set solver can also give up on a degenerate face
    // ("cannot find non-active constraint to leave basis"); on the 2040
    // flagship's graphite with no cap and a ban it did so from either start,
    // with row bounds up to 1e8 t, and solved the same QP with the bounds
    // scaled by a power of two (exact in floating point) as HiGHS advises.
    if chosen.is_err() {
        if let Some(scale) = bound_scale(solved) {
            let scale = scale.to_string();
            let mut scaled = options.to_vec();
            scaled.push(("user_bound_scale", scale.as_str()));
            chosen = solved.solve_reduced_qp(&free, &hessian, None, &scaled);
        }
    }
    if chosen.is_err() {
        chosen = solved.set_hessian(&hessian).and_then(|_| {
            // A start HiGHS rejects leaves it to find its own (a cold QP).
            if hot && solved.start_from(&snapshot).is_ok() {
                solved.set_highs_option("qp_allow_hot_start", "true")?;
            }
            solved.run_again().cloned()
        });
    }
    solved.set_hessian(&[])?;
    solved.set_highs_option("qp_allow_hot_start", "false")?;
    held.release(solved);
    solved.restore(snapshot)?;
    let chosen = chosen?;
    let mut stats = lp.stats;
    stats.tie_break = started.elapsed();
    Ok(LpSolution {
        flows: chosen.flows,
        unmet: chosen.unmet,
        columns: chosen.columns,
        rows: chosen.rows,
        stats,
        ..lp
    })
}

/// What holds the QP on the LP's optimal face, with the bounds the held
/// columns and rows had before (a re-solving analysis may have changed
/// them: a disrupted country's flows fixed at 0, a scaled demand).
struct Held {
    columns: Vec<(Column, (f64, f64))>,
    rows: Vec<(usize, (f64, f64))>,
}

impl Held {
    /// The optimal face, written exactly from the LP's duals (complementary
    /// slackness): a column with a positive reduced cost stays at 0, a row
    /// with a non-zero dual stays at its bound; then no linear cost is left.
    /// (A cost row "total cost <= C*" instead makes HiGHS's QP solver stall
    /// on these programs.)
    fn optimal_face(lp: &LpSolution, solved: &mut SolvedProgram) -> Held {
        let costs = solved.costs().to_vec();
        let columns: Vec<(Column, (f64, f64))> = lp
            .reduced_costs
            .iter()
            .zip(&costs)
            .enumerate()
            .filter(|(_, (&d, &c))| d > DUAL_TOLERANCE * c.abs().max(1.0))
            .map(|(j, _)| Column(j as u32))
            .map(|c| (c, solved.column_bounds(c)))
            .collect();
        solved.fix_to_zero(columns.iter().map(|&(c, _)| c));
        let mut rows = Vec::new();
        for (row, &dual) in lp.duals.iter().enumerate() {
            let (lower, upper) = solved.row_bounds(row);
            if lower == upper || dual.abs() <= DUAL_TOLERANCE {
                continue;
            }
            // A binding <= row has a dual <= 0 (relaxing it lowers the cost); a >= row >= 0.
            let at = if upper.is_finite() && (dual < 0.0 || !lower.is_finite()) {
                upper
            } else {
                lower
            };
            solved.set_row_bounds(row, at, at);
            rows.push((row, (lower, upper)));
        }
        for (j, &c) in costs.iter().enumerate() {
            if c != 0.0 {
                solved.set_cost(Column(j as u32), 0.0);
            }
        }
        Held { columns, rows }
    }

    /// Gives the held columns and rows the bounds they had back (costs come
    /// back with the snapshot).
    fn release(self, solved: &mut SolvedProgram) {
        for (row, (lower, upper)) in self.rows {
            solved.set_row_bounds(row, lower, upper);
        }
        for (col, (lower, upper)) in self.columns {
            solved.set_column_bounds(col, lower, upper);
        }
    }
}

fn set_qp_options(solved: &mut SolvedProgram) -> Result<(), SolveError> {
    solved.set_highs_option("solver", "choose")?;
    solved.set_highs_option("presolve", "on")?;
    // HiGHS regularises QPs by default, which moves ~1e-7 t into unmet demand.
    solved.set_highs_option("qp_regularization_value", "0")?;
    // The active-set QP solver can stall on a degenerate face: bounded, so
    // that a stall is an error (and the caller reports the vertex), never a hang.
    solved.set_highs_option(
        "qp_iteration_limit",
        &qp_iteration_limit(solved).to_string(),
    )
}

/// Row and column bounds above this (in tonnes) are scaled down for the QP's
/// last attempt on the free columns.
const LARGEST_UNSCALED_BOUND: f64 = 1e6;

/// The power of two (as HiGHS's `user_bound_scale`, an exponent <= -1) that
/// brings the largest finite bound of `solved`'s rows and columns down to at
/// most `LARGEST_UNSCALED_BOUND`; `None` when none is above it.
fn bound_scale(solved: &SolvedProgram) -> Option<i32> {
    let rows = (0..solved.rows()).map(|r| solved.row_bounds(r));
    let columns = (0..solved.columns()).map(|c| solved.column_bounds(Column(c as u32)));
    let largest = rows
        .chain(columns)
        .flat_map(|(lower, upper)| [lower, upper])
        .filter(|b| b.is_finite())
        .fold(0.0, |m: f64, b| m.max(b.abs()));
    (largest > LARGEST_UNSCALED_BOUND)
        .then(|| -((largest / LARGEST_UNSCALED_BOUND).log2().ceil() as i32))
}

/// The iteration limit of the QP on the face's `free` columns: the active-set
/// solver takes 0.5 to 2 iterations per free column from the LP's vertex
/// (2,300 to 3,700 on the 2040 flagship's graphite, 1,759 to 2,378 columns),
/// so five per column is a stall, and the next way is tried.
fn reduced_qp_iteration_limit(free: usize) -> usize {
    (5 * free + 5_000).min(i32::MAX as usize)
}

/// The active-set QP solver can stall on a degenerate face: bounded, so
/// that a stall is an error (and the caller reports the vertex), never a hang.
fn qp_iteration_limit(solved: &SolvedProgram) -> usize {
    (50 * solved.columns() + 10_000).min(i32::MAX as usize)
}

/// The Hessian of the module documentation's objective, every term scaled
/// by D^2: node totals weighted AGGREGATE_WEIGHT times the flows, so that
/// they decide first, then each flow over the sizes of its two ends, and
/// each unmet demand over that demand.
pub fn market_hessian(
    model: &Model,
    net: &CommodityNetwork,
    program: &CommodityProgram,
) -> Vec<(Column, Column, f64)> {
    let demand = total_demand(model, program);
    let size = node_sizes(model, net, program);
    let (into, out_of) = incidence(model, program);
    let mut entries: Vec<(Column, Column, f64)> = Vec::new();
    for (node, role) in net.roles.iter().enumerate() {
        let flows = match role {
            Role::Source(_) => &out_of[node],
            Role::Refiner(_) | Role::Hub => &into[node],
            Role::Consumer(_) | Role::Inert => continue,
        };
        // (sum of the flows)^2: every pair of them, each pair once.
        let w = AGGREGATE_WEIGHT * demand / size[node];
        for (a, &i) in flows.iter().enumerate() {
            for &j in &flows[..=a] {
                entries.push((program.flow_column(i), program.flow_column(j), w));
            }
        }
    }
    for (i, f) in program.flows.iter().enumerate() {
        let r = model.route(f.route);
        let w = demand * demand / (size[r.from.index()] * size[r.to.index()]);
        entries.push((program.flow_column(i), program.flow_column(i), w));
    }
    for (j, &(d, _)) in program.unmet.iter().enumerate() {
        let col = program.unmet_column(j);
        let w = AGGREGATE_WEIGHT * demand / model.demand[d].demand.max(1e-9);
        entries.push((col, col, w));
    }
    entries
}
