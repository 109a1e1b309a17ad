//! Solve: hand a program to HiGHS (through good_lp) and read back primal
//! values and row duals. The only module that names the solver.

use good_lp::solvers::highs::{highs, HighsSolverType};
use good_lp::solvers::DualValues;
use good_lp::{ResolutionError, Solution, SolutionWithDual, SolverModel};

use crate::program::{CommodityProgram, Lp};

/// A solver failure: never expected for a valid model (unmet demand makes
/// every program feasible), so it is reported, not hidden.
#[derive(Debug, thiserror::Error)]
#[error("the solver failed on commodity {commodity}: {reason}")]
pub struct SolveError {
    pub commodity: String,
    pub reason: String,
}

/// With `Method::Auto`, programs with more variables than this are solved by
/// interior point + crossover, smaller ones by dual simplex.
pub const IPM_ABOVE: usize = 20_000;

/// Which HiGHS method solves a program.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Method {
    /// Dual simplex up to `IPM_ABOVE` variables, interior point + crossover above.
    #[default]
    Auto,
    Simplex,
    InteriorPoint,
}

/// The numbers HiGHS returned for one commodity's program.
#[derive(Clone, Debug, Default)]
pub struct LpSolution {
    /// Parallel to `program.flows`.
    pub flows: Vec<f64>,
    /// Parallel to `program.unmet`.
    pub unmet: Vec<f64>,
    /// Parallel to `program.tags`: d(total cost)/d(right-hand side) of each row.
    pub duals: Vec<f64>,
    /// The objective value as HiGHS computed it.
    pub objective: f64,
}

/// Solves one commodity's program with a single HiGHS thread (batches run
/// their parallelism outside the solver, and one thread keeps results
/// reproducible).
pub fn solve(
    program: &CommodityProgram,
    lp: Lp,
    commodity: &str,
) -> Result<LpSolution, SolveError> {
    solve_with(program, lp, commodity, Method::Auto)
}

/// `solve` with a chosen method (the optimum is the same; the time is not).
pub fn solve_with(
    program: &CommodityProgram,
    lp: Lp,
    commodity: &str,
    method: Method,
) -> Result<LpSolution, SolveError> {
    if lp.rows.is_empty() {
        // No row: every variable has a non-negative cost, so zero is optimal.
        let (flows, unmet) = (
            vec![0.0; program.flows.len()],
            vec![0.0; program.unmet.len()],
        );
        return Ok(LpSolution {
            flows,
            unmet,
            duals: Vec::new(),
            objective: 0.0,
        });
    }
    let fail = |reason: String| SolveError {
        commodity: commodity.to_string(),
        reason,
    };
    let Lp {
        vars,
        objective,
        rows,
    } = lp;
    let objective_expr = objective.clone();
    let mut model = vars.minimise(objective).using(highs).set_threads(1);
    let ipm = match method {
        Method::Auto => program.variables() > IPM_ABOVE,
        Method::Simplex => false,
        Method::InteriorPoint => true,
    };
    if ipm {
        // On large programs HiGHS's interior point method, followed by its
        // crossover to a vertex (so duals stay exact), beats dual simplex
        // 1.3x to 3x (docs/performance.md); on small ones simplex is faster.
        model = model.set_solver(HighsSolverType::Ipm);
    }
    model.set_verbose(false);
    let refs: Vec<_> = rows
        .into_iter()
        .map(|row| model.add_constraint(row))
        .collect();
    let mut solved = model.solve().map_err(|e| fail(describe(e)))?;
    let flows = program
        .flows
        .iter()
        .map(|f| clean(solved.value(f.var)))
        .collect();
    let unmet = program
        .unmet
        .iter()
        .map(|(_, v)| clean(solved.value(*v)))
        .collect();
    let objective = objective_expr.eval_with(&solved);
    let dual_values = solved.compute_dual();
    let duals = refs
        .iter()
        .map(|r| clean(dual_values.dual(r.clone())))
        .collect();
    Ok(LpSolution {
        flows,
        unmet,
        duals,
        objective,
    })
}

fn describe(e: ResolutionError) -> String {
    match e {
        ResolutionError::Infeasible => {
            "HiGHS reports the program infeasible (a bug: unmet demand should absorb any gap)"
                .into()
        }
        ResolutionError::Unbounded => {
            "HiGHS reports the program unbounded (a bug: costs are never negative)".into()
        }
        other => format!("HiGHS error: {other}"),
    }
}

/// Snaps solver noise (|x| < 1e-9) to zero, so that -0 and 1e-13 never reach a report.
fn clean(x: f64) -> f64 {
    if x.abs() < 1e-9 {
        0.0
    } else {
        x
    }
}
