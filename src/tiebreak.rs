//! Ties (contract section 6): which optimum is reported when several cost the
//! same. After the LP, one strictly convex quadratic program is solved over
//! the LP's optimal face, on the kept HiGHS instance (docs/tie-break.md):
//!
//!   minimise  sum_{e, l} x_{e,l}^2 / (K_from(e) K_to(e))  +  sum_c u_c^2 / d_c
//!
//! over flows of least total cost, where K_n is node n's size (its supply or
//! refining capacity, or its demand for a consumer; the commodity's total
//! demand D where a capacity is unlimited and for hubs), u_c consumer c's
//! unmet demand and d_c its demand (the terms are scaled by D, which does not
//! move the minimiser). Strictly convex in every column, so its optimum is
//! unique; it is the "gravity" split: two tied mines of 100 t and 300 t
//! serving one consumer run at the same utilisation, consumers drawing on a
//! tied pool get the pool's mix, and a shortfall among equal penalties is
//! shared in proportion to demand.
//!
//! Shadow prices stay those of the LP: the QP chooses among optima, it does
//! not change what a constraint is worth.

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
    let demand = total_demand(model, program);
    let size = node_sizes(model, net, program);

    // The optimal face, written exactly from the LP's duals (complementary
    // slackness): a column with a positive reduced cost stays at 0, a row
    // with a non-zero dual stays at its bound. (A cost row "total cost <=
    // C*" instead makes HiGHS's QP solver stall on these programs.)
    let costs = solved.costs().to_vec();
    let mut held_columns = Vec::new();
    for (j, (&d, &c)) in lp.reduced_costs.iter().zip(&costs).enumerate() {
        if d > DUAL_TOLERANCE * c.abs().max(1.0) {
            held_columns.push(Column(j as u32));
        }
    }
    solved.fix_to_zero(held_columns.iter().copied());
    let mut held_rows = Vec::new();
    for (row, &dual) in lp.duals.iter().enumerate() {
        let (lower, upper) = solved.original_row_bounds(row);
        if lower == upper || dual.abs() <= DUAL_TOLERANCE {
            continue;
        }
        // A binding <= row has dual <= 0 (relaxing it lowers the cost); a >= row >= 0.
        let at = if upper.is_finite() && (dual < 0.0 || !lower.is_finite()) {
            upper
        } else {
            lower
        };
        solved.set_row_bounds(row, at, at);
        held_rows.push(row);
    }
    for (j, &c) in costs.iter().enumerate() {
        if c != 0.0 {
            solved.set_cost(Column(j as u32), 0.0);
        }
    }
    solved.set_highs_option("solver", "choose")?;
    solved.set_highs_option("presolve", "on")?;
    // HiGHS regularises QPs by default, which moves ~1e-7 t into unmet demand.
    solved.set_highs_option("qp_regularization_value", "0")?;
    // The active-set QP solver can stall on a degenerate face: bounded, so
    // that a stall is an error (and the caller reports the vertex), never a hang.
    let limit = (50 * solved.columns() + 10_000).min(i32::MAX as usize);
    solved.set_highs_option("qp_iteration_limit", &limit.to_string())?;

    // One QP (module documentation): node totals weighted AGGREGATE_WEIGHT
    // times the flows, so that they decide first; all terms scaled by D^2.
    let mut entries: Vec<(Column, Column, f64)> = Vec::new();
    let (into, out_of) = incidence(model, program);
    for (node, role) in net.roles.iter().enumerate() {
        let flows = match role {
            Role::Source(_) => &out_of[node],
            Role::Refiner(_) | Role::Hub => &into[node],
            Role::Consumer(_) | Role::Inert => continue,
        };
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
    solved.set_hessian(&normalised(entries))?;
    let chosen = solved.run_again().cloned();

    // Back to the LP: costs, bounds, no quadratic term.
    solved.set_diagonal_hessian(&[])?;
    for (j, &c) in costs.iter().enumerate() {
        if c != 0.0 {
            solved.set_cost(Column(j as u32), c);
        }
    }
    for row in held_rows {
        let (lower, upper) = solved.original_row_bounds(row);
        solved.set_row_bounds(row, lower, upper);
    }
    for col in held_columns {
        solved.set_column_bounds(col, 0.0, f64::INFINITY);
    }
    solved.restore_solution(lp.clone());
    let chosen = chosen?;
    let mut stats = lp.stats;
    stats.tie_break = started.elapsed();
    Ok(LpSolution {
        flows: chosen.flows,
        unmet: chosen.unmet,
        columns: chosen.columns,
        stats,
        ..lp
    })
}
