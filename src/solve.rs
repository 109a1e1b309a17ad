//! Solve: hand a program to HiGHS and read back primal values and row duals.
//! The only module that names the solver.
//!
//! A solve leaves a [`SolvedProgram`]: the HiGHS instance stays alive with its
//! optimal basis, so an analysis that changes a few bounds, costs or row
//! limits re-solves it with a hot start instead of building a new program.

use std::ffi::CString;
use std::time::{Duration, Instant};

use good_lp::solvers::highs::highs;
use good_lp::SolverModel;
use highs_sys::HighsInt;

use crate::program::{Column, CommodityProgram, Lp};

/// A solver failure: never expected for a valid model (unmet demand makes
/// every program feasible), so it is reported, not hidden.
#[derive(Debug, thiserror::Error)]
#[error("the solver failed on commodity {commodity}: {reason}")]
pub struct SolveError {
    pub commodity: String,
    pub reason: String,
}

/// With `Method::Auto`, programs with more rows than this are solved by
/// interior point + crossover, smaller ones by dual simplex unless they have
/// more than [`IPM_ABOVE_POLICY_ROWS`] policy rows (see [`Method::uses_ipm`]
/// for the measurements behind it).
pub const IPM_ABOVE_ROWS: usize = 3_500;

/// With `Method::Auto`, programs with more policy rows (`max_share` /
/// `min_share` rows) than this are solved by interior point + crossover
/// whatever their row count.
pub const IPM_ABOVE_POLICY_ROWS: usize = 1_000;

/// Which HiGHS method solves a program.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Method {
    /// Dual simplex up to `IPM_ABOVE_ROWS` rows and `IPM_ABOVE_POLICY_ROWS`
    /// policy rows, interior point + crossover above either.
    #[default]
    Auto,
    Simplex,
    InteriorPoint,
}

impl Method {
    /// Whether a program with `rows` rows, `policy_rows` of them policy rows,
    /// is solved by interior point (with crossover, so the answer is still a
    /// vertex with exact duals).
    ///
    /// The rule of `Auto`, measured per commodity program (docs/performance.md,
    /// "Choosing the method"; HiGHS 1.15, one thread), on 17 families: the
    /// flagship; the synthetic regional families (medium, a 1,000-node size
    /// and large, with and without the `*` policy, two seeds); and six sizes
    /// (300 to 2,800 nodes) of a family with a mining and a refining cap per
    /// consumer per country on every commodity (`SynthParams::caps_each`).
    ///
    /// - Rows: on the regional families dual simplex was faster on every
    ///   program up to 3,247 rows but one near tie (HiGHS's fixed cost of
    ///   interior point and crossover is not repaid), and interior point on
    ///   every program from 3,603 rows up (1.1x to 5x), with or without
    ///   policy rows. The column count did not separate the two.
    /// - Policy rows: in the caps family 42% to 46% of a program's rows are
    ///   policy rows (regional families: at most 32%), and interior point
    ///   won earlier: 1.2x to 1.9x on programs of 2,800 to 3,250 rows with
    ///   1,150 to 1,400 policy rows, while simplex stayed
    ///   ahead or tied up to 795 policy rows (1,400 to 1,700 rows). No
    ///   program of the regional families below 3,500 rows has more than 583
    ///   policy rows, so for them the rule is the row rule alone.
    ///
    /// On every measured family the rule's time was within 1.06x of the
    /// faster of all-simplex and all-interior-point.
    fn uses_ipm(self, rows: usize, policy_rows: usize) -> bool {
        match self {
            Method::Auto => rows > IPM_ABOVE_ROWS || policy_rows > IPM_ABOVE_POLICY_ROWS,
            Method::Simplex => false,
            Method::InteriorPoint => true,
        }
    }
}

/// How to solve: the method and any extra HiGHS options (for experiments and
/// benchmarks; `name=value` as HiGHS spells them).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SolveOptions {
    pub method: Method,
    pub highs_options: Vec<(String, String)>,
    /// Which optimum to report when several cost the same (contract section 6).
    pub tie_break: crate::tiebreak::TieBreak,
}

impl SolveOptions {
    pub fn with_method(method: Method) -> SolveOptions {
        SolveOptions {
            method,
            ..SolveOptions::default()
        }
    }
}

/// Where the time of one solve went, and how much work HiGHS did: the
/// observable hook that benchmarks and the scale example read.
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct SolveStats {
    /// Turning the rows into HiGHS's format and passing them in.
    pub pass_in: Duration,
    /// HiGHS's own run.
    pub run: Duration,
    /// Reading the solution back.
    pub read_back: Duration,
    pub simplex_iterations: i64,
    pub ipm_iterations: i64,
    pub crossover_iterations: i64,
    /// Whether this was a re-solve of a kept instance (hot start).
    pub warm: bool,
    /// The tie-break after the LP (`tiebreak::break_ties`: setting up the
    /// optimal face, the QP, restoring the LP), zero when none ran. Not part
    /// of `run`, which is the LP's HiGHS run only.
    pub tie_break: Duration,
    /// Pricing the reported rows one-sidedly after the tie-break
    /// (`duals::one_sided`: one warm re-solve per active row), zero when
    /// not run.
    pub pricing: Duration,
    /// How many re-solves pricing took.
    pub pricing_solves: usize,
}

/// The numbers HiGHS returned for one commodity's program.
#[derive(Clone, Debug, Default)]
pub struct LpSolution {
    /// Parallel to `program.flows`.
    pub flows: Vec<f64>,
    /// Parallel to `program.unmet`.
    pub unmet: Vec<f64>,
    /// Parallel to `program.tags`: d(objective)/d(right-hand side) of each
    /// row, as the solver's vertex has them (one of many at a degenerate
    /// optimum; `duals::one_sided` makes the reported ones unique).
    pub duals: Vec<f64>,
    /// Parallel to `program.tags`: each row's activity at this solution.
    pub rows: Vec<f64>,
    /// The objective value at this solution (with the objective in force;
    /// the linear part only when a Hessian is set).
    pub objective: f64,
    /// The reduced cost of every column (index: `Column::index`).
    pub reduced_costs: Vec<f64>,
    /// The value of every column (index: `Column::index`), flows, unmet
    /// demand and scope totals alike.
    pub columns: Vec<f64>,
    pub stats: SolveStats,
}

/// A HiGHS instance that can move to another thread. HiGHS keeps no
/// thread-local state between calls, and `SolvedProgram` gives `&mut` access
/// only, so one thread uses an instance at a time.
struct Instance(highs::Model);

// SAFETY: see the comment on `Instance`: the pointer is owned, never shared.
unsafe impl Send for Instance {}

impl Instance {
    fn ptr(&mut self) -> *mut std::ffi::c_void {
        self.0.as_mut_ptr()
    }
}

/// What a solve needs to know of a program besides its LP: which columns
/// are flows and unmet demand (in the order the solution lists them) and
/// its size, for the method rule.
#[derive(Clone, Debug, Default)]
pub struct Shape {
    pub flow_columns: Vec<Column>,
    pub unmet_columns: Vec<Column>,
    pub rows: usize,
    pub policy_rows: usize,
}

impl Shape {
    /// The shape of one commodity's program.
    pub fn of(program: &CommodityProgram) -> Shape {
        Shape {
            flow_columns: (0..program.flows.len())
                .map(|i| program.flow_column(i))
                .collect(),
            unmet_columns: (0..program.unmet.len())
                .map(|j| program.unmet_column(j))
                .collect(),
            rows: program.rows,
            policy_rows: program.policy_rows.iter().flatten().count(),
        }
    }
}

/// A solved program whose HiGHS instance is kept, with its basis, so that
/// changed variants re-solve from the last optimum (hot start).
pub struct SolvedProgram {
    commodity: String,
    /// `None` when the program has no row: nothing to hand to HiGHS, and every
    /// column is 0 at the optimum (costs are never negative).
    instance: Option<Instance>,
    costs: Vec<f64>,
    /// The bounds each row was built (or added) with.
    row_bounds: Vec<(f64, f64)>,
    /// The bounds each row has now (after `set_row_bounds`).
    bounds_now: Vec<(f64, f64)>,
    /// The bounds each column has now: every column is built as x >= 0.
    column_bounds_now: Vec<(f64, f64)>,
    flow_columns: Vec<Column>,
    unmet_columns: Vec<Column>,
    solution: LpSolution,
}

impl SolvedProgram {
    /// Builds the HiGHS instance of `lp` and solves it (cold), with a single
    /// HiGHS thread: callers run their parallelism outside the solver, and one
    /// thread keeps results reproducible.
    pub fn solve(
        program: &CommodityProgram,
        lp: Lp,
        commodity: &str,
        options: &SolveOptions,
    ) -> Result<SolvedProgram, SolveError> {
        SolvedProgram::solve_shaped(Shape::of(program), lp, commodity, options)
    }

    /// [`SolvedProgram::solve`] for a program given by its [`Shape`] (a
    /// multi-period program stacks several commodity programs).
    pub fn solve_shaped(
        shape: Shape,
        lp: Lp,
        commodity: &str,
        options: &SolveOptions,
    ) -> Result<SolvedProgram, SolveError> {
        let started = Instant::now();
        let Lp {
            vars,
            objective,
            costs,
            rows,
            bounds: row_bounds,
        } = lp;
        let mut me = SolvedProgram {
            commodity: commodity.to_string(),
            instance: None,
            column_bounds_now: vec![(0.0, f64::INFINITY); costs.len()],
            costs,
            bounds_now: row_bounds.clone(),
            row_bounds,
            flow_columns: shape.flow_columns,
            unmet_columns: shape.unmet_columns,
            solution: LpSolution::default(),
        };
        if rows.is_empty() {
            me.solution = LpSolution {
                flows: vec![0.0; me.flow_columns.len()],
                unmet: vec![0.0; me.unmet_columns.len()],
                ..LpSolution::default()
            };
            return Ok(me);
        }
        let mut problem = vars.minimise(objective).using(highs);
        for row in rows {
            problem.add_constraint(row);
        }
        let model = problem
            .try_into_inner()
            .map_err(|e| me.fail(format!("HiGHS rejected the program: {e}")))?;
        let mut instance = Instance(model);
        instance.0.make_quiet();
        me.set_option(&mut instance, "threads", "1")?;
        if options.method.uses_ipm(shape.rows, shape.policy_rows) {
            // On programs with many rows HiGHS's interior point method,
            // followed by its crossover to a vertex (so duals stay exact),
            // beats dual simplex; on small ones simplex is faster (`uses_ipm`).
            me.set_option(&mut instance, "solver", "ipm")?;
        }
        for (name, value) in &options.highs_options {
            me.set_option(&mut instance, name, value)?;
        }
        let pass_in = started.elapsed();
        me.instance = Some(instance);
        me.run(pass_in, false)?;
        Ok(me)
    }

    /// The solution of the last (re-)solve.
    pub fn solution(&self) -> &LpSolution {
        &self.solution
    }

    pub fn into_solution(self) -> LpSolution {
        self.solution
    }

    /// The column of flow `i` (index into `program.flows`).
    pub fn flow_column(&self, i: usize) -> Column {
        self.flow_columns[i]
    }

    /// The column of unmet demand `j` (index into `program.unmet`).
    pub fn unmet_column(&self, j: usize) -> Column {
        self.unmet_columns[j]
    }

    /// The bounds `row` (index into `program.tags`) was built with.
    pub fn original_row_bounds(&self, row: usize) -> (f64, f64) {
        self.row_bounds[row]
    }

    /// Holds the given columns at 0 (e.g. every flow out of a disrupted country).
    pub fn fix_to_zero(&mut self, columns: impl IntoIterator<Item = Column>) {
        for c in columns {
            self.set_column_bounds(c, 0.0, 0.0);
        }
    }

    /// The bounds `column` has now: [0, inf) as built, or the last ones set.
    pub fn column_bounds(&self, column: Column) -> (f64, f64) {
        self.column_bounds_now[column.index()]
    }

    /// Sets a column's bounds (`f64::INFINITY` for none above).
    pub fn set_column_bounds(&mut self, column: Column, lower: f64, upper: f64) {
        self.column_bounds_now[column.index()] = (lower, upper);
        if let Some(inst) = &mut self.instance {
            // SAFETY: a live instance, and `column` came from its program.
            unsafe {
                highs_sys::Highs_changeColBounds(
                    inst.ptr(),
                    column.index() as HighsInt,
                    lower,
                    upper,
                );
            }
        }
    }

    /// The bounds `row` has now: those it was built with, or the last ones
    /// set by [`SolvedProgram::set_row_bounds`].
    pub fn row_bounds(&self, row: usize) -> (f64, f64) {
        self.bounds_now[row]
    }

    /// Sets the bounds of `row` (index into `program.tags`).
    pub fn set_row_bounds(&mut self, row: usize, lower: f64, upper: f64) {
        self.bounds_now[row] = (lower, upper);
        if let Some(inst) = &mut self.instance {
            // SAFETY: a live instance, and `row` is a row of its program.
            unsafe {
                highs_sys::Highs_changeRowBounds(inst.ptr(), row as HighsInt, lower, upper);
            }
        }
    }

    /// Sets the objective coefficient of one column.
    pub fn set_cost(&mut self, column: Column, cost: f64) {
        self.costs[column.index()] = cost;
        if let Some(inst) = &mut self.instance {
            // SAFETY: a live instance, and `column` came from its program.
            unsafe {
                highs_sys::Highs_changeColCost(inst.ptr(), column.index() as HighsInt, cost);
            }
        }
    }

    /// The objective coefficient of a column now.
    pub fn cost(&self, column: Column) -> f64 {
        self.costs[column.index()]
    }

    /// Every objective coefficient, by column.
    pub fn costs(&self) -> &[f64] {
        &self.costs
    }

    /// How many columns the program has.
    pub fn columns(&self) -> usize {
        self.costs.len()
    }

    /// How many rows the program has now (those built plus those added).
    pub fn rows(&self) -> usize {
        self.row_bounds.len()
    }

    /// Adds the row `lower <= sum coefficient x column <= upper`; returns its index.
    pub fn add_row(&mut self, entries: &[(Column, f64)], lower: f64, upper: f64) -> usize {
        let index: Vec<HighsInt> = entries.iter().map(|(c, _)| c.index() as HighsInt).collect();
        let value: Vec<f64> = entries.iter().map(|&(_, v)| v).collect();
        if let Some(inst) = &mut self.instance {
            // SAFETY: a live instance; the arrays have `entries.len()` items.
            unsafe {
                highs_sys::Highs_addRow(
                    inst.ptr(),
                    lower,
                    upper,
                    entries.len() as HighsInt,
                    index.as_ptr(),
                    value.as_ptr(),
                );
            }
        }
        self.row_bounds.push((lower, upper));
        self.bounds_now.push((lower, upper));
        self.row_bounds.len() - 1
    }

    /// Sets the coefficient of `column` in `row` (e.g. a policy row's share).
    pub fn set_coefficient(&mut self, row: usize, column: Column, value: f64) {
        if let Some(inst) = &mut self.instance {
            // SAFETY: a live instance; `row` and `column` are its own.
            unsafe {
                highs_sys::Highs_changeCoeff(
                    inst.ptr(),
                    row as HighsInt,
                    column.index() as HighsInt,
                    value,
                );
            }
        }
    }

    /// Sets the quadratic term 1/2 x' Q x from entries (i, j, q_ij) of a
    /// symmetric positive semi-definite Q: each off-diagonal pair is given
    /// once (either order), repeated entries are added up. No entries
    /// removes the quadratic part.
    pub fn set_hessian(&mut self, entries: &[(Column, Column, f64)]) -> Result<(), SolveError> {
        let n = self.costs.len();
        // Lower triangle, column by column: (column, row) with row >= column.
        let mut lower: Vec<(usize, usize, f64)> = entries
            .iter()
            .filter(|(_, _, q)| *q != 0.0)
            .map(|&(i, j, q)| {
                let (a, b) = (i.index(), j.index());
                (a.min(b), a.max(b), q)
            })
            .collect();
        lower.sort_by_key(|x| (x.0, x.1));
        let mut start = Vec::with_capacity(n + 1);
        let mut index: Vec<HighsInt> = Vec::with_capacity(lower.len());
        let mut value: Vec<f64> = Vec::with_capacity(lower.len());
        let mut next = lower.iter().peekable();
        for col in 0..n {
            start.push(index.len() as HighsInt);
            while let Some(&&(c, r, q)) = next.peek() {
                if c != col {
                    break;
                }
                if index.last() == Some(&(r as HighsInt))
                    && *start.last().unwrap_or(&0) < index.len() as HighsInt
                {
                    *value.last_mut().unwrap_or(&mut 0.0) += q;
                } else {
                    index.push(r as HighsInt);
                    value.push(q);
                }
                next.next();
            }
        }
        start.push(index.len() as HighsInt);
        let fail = self.fail("HiGHS rejected the quadratic term".into());
        let Some(inst) = &mut self.instance else {
            return Ok(());
        };
        // SAFETY: a live instance; CSC arrays of the lower triangle of Q.
        let status = unsafe {
            highs_sys::Highs_passHessian(
                inst.ptr(),
                n as HighsInt,
                index.len() as HighsInt,
                1, // kHighsHessianFormatTriangular
                start.as_ptr(),
                index.as_ptr(),
                value.as_ptr(),
            )
        };
        if status == highs_sys::STATUS_ERROR {
            return Err(fail);
        }
        Ok(())
    }

    /// The basis in force, as HiGHS's column and row statuses, when
    /// [`SolvedProgram::solution`] is its basic solution under the current
    /// bounds: nonbasic variables at their bounds, basic ones inside them
    /// with zero reduced cost (then the duals solve B'y = c_B, the basis's
    /// own). `None` otherwise (bounds changed since the last solve, or no
    /// basis).
    pub(crate) fn basis_of_solution(&mut self) -> Option<(Vec<HighsInt>, Vec<HighsInt>)> {
        let inst = self.instance.as_mut()?;
        let ptr = inst.ptr();
        // SAFETY: a live instance.
        let (num_col, num_row) = unsafe {
            (
                highs_sys::Highs_getNumCol(ptr) as usize,
                highs_sys::Highs_getNumRow(ptr) as usize,
            )
        };
        let sol = &self.solution;
        if num_col != self.costs.len()
            || num_row != self.bounds_now.len()
            || sol.columns.len() != num_col
            || sol.reduced_costs.len() != num_col
            || sol.rows.len() != num_row
            || sol.duals.len() != num_row
        {
            return None;
        }
        let mut col_status: Vec<HighsInt> = vec![0; num_col];
        let mut row_status: Vec<HighsInt> = vec![0; num_row];
        // SAFETY: buffers of the instance's column and row counts.
        let status = unsafe {
            highs_sys::Highs_getBasis(ptr, col_status.as_mut_ptr(), row_status.as_mut_ptr())
        };
        if status == highs_sys::STATUS_ERROR {
            return None;
        }
        let near = |x: f64, bound: f64| (x - bound).abs() <= 1e-9 * bound.abs().max(1.0);
        let inside = |x: f64, (lower, upper): (f64, f64)| {
            (lower == f64::NEG_INFINITY || x >= lower - 1e-9 * lower.abs().max(1.0))
                && (upper == f64::INFINITY || x <= upper + 1e-9 * upper.abs().max(1.0))
        };
        let consistent =
            |status: HighsInt, x: f64, dual: f64, scale: f64, bounds: (f64, f64)| match status {
                BASIS_LOWER => near(x, bounds.0),
                BASIS_BASIC => dual.abs() <= 1e-9 * scale.max(1.0) && inside(x, bounds),
                BASIS_UPPER => near(x, bounds.1),
                BASIS_ZERO => near(x, 0.0),
                _ => false,
            };
        let columns_consistent = (0..num_col).all(|j| {
            consistent(
                col_status[j],
                sol.columns[j],
                sol.reduced_costs[j],
                self.costs[j].abs(),
                self.column_bounds_now[j],
            )
        });
        let rows_consistent = (0..num_row).all(|i| {
            consistent(
                row_status[i],
                sol.rows[i],
                sol.duals[i],
                1.0,
                self.bounds_now[i],
            )
        });
        if !columns_consistent || !rows_consistent {
            return None;
        }
        Some((col_status, row_status))
    }

    /// Which of `rows` (indices into `program.tags`) can have their bounds
    /// moved up by `step` with the basis in force staying primal feasible,
    /// hence optimal: its duals, those of [`SolvedProgram::solution`], are
    /// then optimal duals of the moved program too, and the least cost is
    /// linear along that move. Tested exactly from the basis (one solve with
    /// B per nonbasic row, no simplex iteration): a basic variable that
    /// would leave its bounds, by more than 1e-9 relative, is a degenerate
    /// direction and the row is not kept (the caller re-solves it).
    ///
    /// `None` when the basis in force is not the one `solution()` was read
    /// from under the current bounds (bounds changed since, or no basis), so
    /// that the test cannot be made; then every row must be re-solved.
    pub(crate) fn rows_kept_optimal(&mut self, rows: &[usize], step: f64) -> Option<Vec<bool>> {
        let (_, row_status) = self.basis_of_solution()?;
        let inst = self.instance.as_mut()?;
        let ptr = inst.ptr();
        let num_row = row_status.len();
        let sol = &self.solution;
        let inside = |x: f64, (lower, upper): (f64, f64)| {
            (lower == f64::NEG_INFINITY || x >= lower - 1e-9 * lower.abs().max(1.0))
                && (upper == f64::INFINITY || x <= upper + 1e-9 * upper.abs().max(1.0))
        };
        let mut basic: Vec<HighsInt> = vec![0; num_row];
        // SAFETY: a buffer of num_row entries; HiGHS factors the basis if it
        // has no factorisation of it yet.
        let status = unsafe { highs_sys::Highs_getBasicVariables(ptr, basic.as_mut_ptr()) };
        if status == highs_sys::STATUS_ERROR {
            return None;
        }
        let mut vector = vec![0.0; num_row];
        let moved = |(lower, upper): (f64, f64)| (lower + step, upper + step);
        let mut kept = Vec::with_capacity(rows.len());
        for &row in rows {
            if row >= num_row {
                return None;
            }
            if row_status[row] == BASIS_BASIC {
                // Its own value does not move; its bounds do.
                kept.push(inside(sol.rows[row], moved(self.bounds_now[row])));
                continue;
            }
            // HiGHS's logical of row i is minus its activity, with column
            // e_i in [A I]: raising the activity by `step` moves the basic
            // variables by step x B^-1 e_i. (Read dense: HiGHS 1.15's sparse
            // output path can write through a null pointer.)
            // SAFETY: a buffer of num_row entries; the basis is factored; no
            // index output is asked for (null pointers).
            let status = unsafe {
                highs_sys::Highs_getBasisInverseCol(
                    ptr,
                    row as HighsInt,
                    vector.as_mut_ptr(),
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                )
            };
            if status == highs_sys::STATUS_ERROR {
                return None;
            }
            let feasible = vector.iter().zip(&basic).all(|(&v, &var)| {
                if v == 0.0 {
                    return true;
                }
                let delta = step * v;
                match usize::try_from(var) {
                    Ok(j) => inside(sol.columns[j] + delta, self.column_bounds_now[j]),
                    Err(_) => {
                        let r = (-var - 1) as usize;
                        inside(sol.rows[r] - delta, self.bounds_now[r])
                    }
                }
            });
            kept.push(feasible);
        }
        Some(kept)
    }

    /// Gives HiGHS the recorded solution's column values and basis as the
    /// start of the next run (for the active-set QP solver, with its
    /// `qp_allow_hot_start` option: it then starts there instead of solving
    /// a feasibility LP first). The point must be feasible for the bounds in
    /// force.
    pub(crate) fn start_from(&mut self, snapshot: &Snapshot) -> Result<(), SolveError> {
        let Some(inst) = &mut self.instance else {
            return Ok(());
        };
        let ptr = inst.ptr();
        // SAFETY: a live instance; the recorded vectors have its sizes (the
        // snapshot is of this instance, with no row added since).
        let status = unsafe {
            if snapshot.solution.columns.len() != highs_sys::Highs_getNumCol(ptr) as usize {
                return Ok(());
            }
            highs_sys::Highs_setSolution(
                ptr,
                snapshot.solution.columns.as_ptr(),
                std::ptr::null(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        if status == highs_sys::STATUS_ERROR {
            return Err(self.fail("HiGHS rejected the start".into()));
        }
        if let Some((col_status, row_status)) = &snapshot.basis {
            // SAFETY: as above.
            let status =
                unsafe { highs_sys::Highs_setBasis(ptr, col_status.as_ptr(), row_status.as_ptr()) };
            if status == highs_sys::STATUS_ERROR {
                return Err(self.fail("HiGHS rejected the recorded basis".into()));
            }
        }
        Ok(())
    }

    /// Minimises 1/2 x'Qx over the program's rows and the current bounds
    /// with every column outside `free` held at 0, on a separate HiGHS
    /// instance that has only the `free` columns (HiGHS does not presolve
    /// QPs, and its active-set solver's work grows with the column count).
    /// Starts from `start`'s point and basis when given (they must be
    /// feasible, with every column outside `free` nonbasic at 0). Returns the
    /// solution's flows, unmet demand, columns and row activities.
    pub(crate) fn solve_reduced_qp(
        &mut self,
        free: &[bool],
        hessian: &[(Column, Column, f64)],
        start: Option<&Snapshot>,
        options: &[(&str, &str)],
    ) -> Result<LpSolution, SolveError> {
        let fail = self.fail("HiGHS failed on the reduced QP".into());
        let Some(inst) = &mut self.instance else {
            return Ok(self.solution.clone());
        };
        let ptr = inst.ptr();
        let num_col = self.costs.len();
        let num_row = self.bounds_now.len();
        if free.len() != num_col {
            return Err(fail);
        }
        let mask: Vec<HighsInt> = free.iter().map(|&f| HighsInt::from(f)).collect();
        let kept: Vec<usize> = (0..num_col).filter(|&j| free[j]).collect();
        let k = kept.len();
        // SAFETY: a live instance.
        let total_nz = unsafe { highs_sys::Highs_getNumNz(ptr) }.max(0) as usize;
        let mut got: HighsInt = 0;
        let mut nz: HighsInt = 0;
        let (mut cost, mut lower, mut upper) = (vec![0.0; k], vec![0.0; k], vec![0.0; k]);
        let mut a_start: Vec<HighsInt> = vec![0; k + 1];
        let mut a_index: Vec<HighsInt> = vec![0; total_nz.max(1)];
        let mut a_value = vec![0.0; total_nz.max(1)];
        // SAFETY: a mask of num_col entries; outputs sized for k columns and
        // at most every nonzero of the matrix.
        let status = unsafe {
            highs_sys::Highs_getColsByMask(
                ptr,
                mask.as_ptr(),
                &mut got,
                cost.as_mut_ptr(),
                lower.as_mut_ptr(),
                upper.as_mut_ptr(),
                &mut nz,
                a_start.as_mut_ptr(),
                a_index.as_mut_ptr(),
                a_value.as_mut_ptr(),
            )
        };
        if status == highs_sys::STATUS_ERROR || got as usize != k {
            return Err(fail);
        }
        a_start[k] = nz;
        let mut new_index = vec![usize::MAX; num_col];
        for (new, &old) in kept.iter().enumerate() {
            new_index[old] = new;
        }
        let entries = hessian.iter().filter_map(|&(i, j, q)| {
            let (a, b) = (new_index[i.index()], new_index[j.index()]);
            (a != usize::MAX && b != usize::MAX).then_some((a, b, q))
        });
        let (q_start, q_index, q_value) = triangular_csc(k, entries);
        let row_lower: Vec<f64> = self.bounds_now.iter().map(|b| b.0).collect();
        let row_upper: Vec<f64> = self.bounds_now.iter().map(|b| b.1).collect();
        let zero = vec![0.0; k];
        let qp = OwnedHighs::new().ok_or_else(|| self.fail("no HiGHS instance".into()))?;
        let q = qp.0;
        let set = |name: &str, value: &str| -> bool {
            let (Ok(name), Ok(value)) = (CString::new(name), CString::new(value)) else {
                return false;
            };
            // SAFETY: a live instance and NUL-terminated strings.
            let status =
                unsafe { highs_sys::Highs_setStringOptionValue(q, name.as_ptr(), value.as_ptr()) };
            status != highs_sys::STATUS_ERROR
        };
        let mut ok = set("output_flag", "false") && set("threads", "1");
        for (name, value) in options {
            ok = ok && set(name, value);
        }
        // SAFETY: CSC arrays of k columns and num_row rows, a triangular Q.
        let status = unsafe {
            highs_sys::Highs_passModel(
                q,
                k as HighsInt,
                num_row as HighsInt,
                nz,
                q_index.len() as HighsInt,
                1, // column-wise
                1, // triangular
                1, // minimise
                0.0,
                zero.as_ptr(),
                lower.as_ptr(),
                upper.as_ptr(),
                row_lower.as_ptr(),
                row_upper.as_ptr(),
                a_start.as_ptr(),
                a_index.as_ptr(),
                a_value.as_ptr(),
                q_start.as_ptr(),
                q_index.as_ptr(),
                q_value.as_ptr(),
                std::ptr::null(),
            )
        };
        if !ok || status == highs_sys::STATUS_ERROR {
            return Err(fail);
        }
        if let Some(snapshot) = start {
            if let Some((col_status, row_status)) = &snapshot.basis {
                let values: Vec<f64> = kept.iter().map(|&j| snapshot.solution.columns[j]).collect();
                let statuses: Vec<HighsInt> = kept.iter().map(|&j| col_status[j]).collect();
                if snapshot.solution.columns.len() == num_col && row_status.len() == num_row {
                    // SAFETY: vectors of k columns and num_row rows.
                    let started = unsafe {
                        highs_sys::Highs_setSolution(
                            q,
                            values.as_ptr(),
                            std::ptr::null(),
                            std::ptr::null(),
                            std::ptr::null(),
                        ) != highs_sys::STATUS_ERROR
                            && highs_sys::Highs_setBasis(q, statuses.as_ptr(), row_status.as_ptr())
                                != highs_sys::STATUS_ERROR
                    };
                    if started {
                        set("qp_allow_hot_start", "true");
                    }
                }
            }
        }
        let began = Instant::now();
        // SAFETY: a live instance with a complete model.
        let status = unsafe { highs_sys::Highs_run(q) };
        let run = began.elapsed();
        // SAFETY: as above.
        if status == highs_sys::STATUS_ERROR
            || unsafe { highs_sys::Highs_getModelStatus(q) } != highs_sys::MODEL_STATUS_OPTIMAL
        {
            return Err(self.fail("the reduced QP stopped without an optimum".into()));
        }
        // SAFETY: a live instance of k columns and num_row rows.
        let (col_value, _, row_value, _) = unsafe { solution_of(q, k, num_row) };
        drop(qp);
        let mut columns = vec![0.0; num_col];
        for (new, &old) in kept.iter().enumerate() {
            columns[old] = col_value[new];
        }
        Ok(LpSolution {
            flows: self
                .flow_columns
                .iter()
                .map(|c| clean(columns[c.index()]))
                .collect(),
            unmet: self
                .unmet_columns
                .iter()
                .map(|c| clean(columns[c.index()]))
                .collect(),
            rows: row_value,
            columns,
            stats: SolveStats {
                run,
                warm: true,
                ..SolveStats::default()
            },
            ..LpSolution::default()
        })
    }

    /// Writes the kept instance's program to `path` (HiGHS's `writeModel`:
    /// the format follows the extension, e.g. `.mps`), for measuring it
    /// outside sourcemix. Nothing is written for a program without rows.
    pub fn write_model(&mut self, path: &std::path::Path) -> Result<(), SolveError> {
        let fail = |reason: String| SolveError {
            commodity: self.commodity.clone(),
            reason,
        };
        let Some(inst) = &mut self.instance else {
            return Ok(());
        };
        let c_path = CString::new(path.display().to_string())
            .map_err(|_| fail(format!("bad path {}", path.display())))?;
        // SAFETY: a live instance and a NUL-terminated path.
        let status = unsafe { highs_sys::Highs_writeModel(inst.ptr(), c_path.as_ptr()) };
        if status == highs_sys::STATUS_ERROR {
            return Err(fail(format!("could not write {}", path.display())));
        }
        Ok(())
    }

    /// Sets a HiGHS option on the kept instance (`name=value` as HiGHS spells them).
    pub fn set_highs_option(&mut self, name: &str, value: &str) -> Result<(), SolveError> {
        if let Some(mut inst) = self.instance.take() {
            let set = self.set_option(&mut inst, name, value);
            self.instance = Some(inst);
            set?;
        }
        Ok(())
    }

    /// Solves again with the options in force (no method switch): for a QP,
    /// or a re-solve that should not be forced onto simplex.
    pub fn run_again(&mut self) -> Result<&LpSolution, SolveError> {
        self.run(Duration::ZERO, true)?;
        Ok(&self.solution)
    }

    /// Solves again after changes, starting from the last optimal basis.
    pub fn resolve(&mut self) -> Result<&LpSolution, SolveError> {
        if self.instance.is_none() {
            return Ok(&self.solution);
        }
        let started = Instant::now();
        if let Some(mut inst) = self.instance.take() {
            // Interior point would ignore the basis; presolve would discard
            // it (HiGHS #2913): the hot start is dual/primal simplex from it.
            let set = self
                .set_option(&mut inst, "solver", "simplex")
                .and_then(|_| self.set_option(&mut inst, "presolve", "off"));
            self.instance = Some(inst);
            set?;
        }
        self.run(started.elapsed(), true)?;
        Ok(&self.solution)
    }

    fn run(&mut self, pass_in: Duration, warm: bool) -> Result<(), SolveError> {
        let commodity = self.commodity.clone();
        let fail = |reason: String| SolveError {
            commodity: commodity.clone(),
            reason,
        };
        let Some(inst) = &mut self.instance else {
            return Ok(());
        };
        let ptr = inst.ptr();
        let started = Instant::now();
        // SAFETY: a live instance with a complete model.
        let status = unsafe { highs_sys::Highs_run(ptr) };
        let run = started.elapsed();
        if status == highs_sys::STATUS_ERROR {
            return Err(fail("HiGHS returned an error status".into()));
        }
        // SAFETY: as above.
        let model_status = unsafe { highs_sys::Highs_getModelStatus(ptr) };
        if model_status != highs_sys::MODEL_STATUS_OPTIMAL {
            return Err(fail(describe(model_status)));
        }
        let started = Instant::now();
        // SAFETY: as above; the buffers have the instance's column and row counts.
        let (cols, rows) = unsafe {
            (
                highs_sys::Highs_getNumCol(ptr) as usize,
                highs_sys::Highs_getNumRow(ptr) as usize,
            )
        };
        // SAFETY: as above, with the instance's own column and row counts.
        let (col_value, col_dual, row_value, row_dual) = unsafe { solution_of(ptr, cols, rows) };
        let info = |name: &str| -> i64 {
            let Ok(name) = CString::new(name) else {
                return 0;
            };
            let mut value: HighsInt = 0;
            // SAFETY: a valid C string and an out-pointer to a HighsInt.
            unsafe { highs_sys::Highs_getIntInfoValue(ptr, name.as_ptr(), &mut value) };
            i64::from(value)
        };
        let stats = SolveStats {
            pass_in,
            run,
            read_back: Duration::ZERO,
            simplex_iterations: info("simplex_iteration_count"),
            ipm_iterations: info("ipm_iteration_count"),
            crossover_iterations: info("crossover_iteration_count"),
            warm,
            ..SolveStats::default()
        };
        let objective = self.costs.iter().zip(&col_value).map(|(c, x)| c * x).sum();
        self.solution = LpSolution {
            flows: self
                .flow_columns
                .iter()
                .map(|c| clean(col_value[c.index()]))
                .collect(),
            unmet: self
                .unmet_columns
                .iter()
                .map(|c| clean(col_value[c.index()]))
                .collect(),
            duals: row_dual.into_iter().map(clean).collect(),
            rows: row_value,
            objective,
            reduced_costs: col_dual,
            columns: col_value,
            stats: SolveStats {
                read_back: started.elapsed(),
                ..stats
            },
        };
        Ok(())
    }

    fn set_option(&self, inst: &mut Instance, name: &str, value: &str) -> Result<(), SolveError> {
        let result = match value.parse::<i32>() {
            Ok(n) => inst.0.try_set_option(name, n),
            Err(_) => match value.parse::<f64>() {
                Ok(x) => inst.0.try_set_option(name, x),
                Err(_) => match value {
                    "true" => inst.0.try_set_option(name, true),
                    "false" => inst.0.try_set_option(name, false),
                    text => inst.0.try_set_option(name, text),
                },
            },
        };
        result.map_err(|e| self.fail(format!("HiGHS option {name}={value}: {e:?}")))
    }

    fn fail(&self, reason: String) -> SolveError {
        SolveError {
            commodity: self.commodity.clone(),
            reason,
        }
    }

    /// Records what an analysis that works on the kept instance changes, so
    /// that [`SolvedProgram::restore`] can put it back: the solution, the
    /// objective coefficients, the number of rows, the basis and the HiGHS
    /// options a re-solve sets (`solver`, `presolve`, `simplex_strategy`).
    /// Column and row bounds are not recorded.
    pub fn snapshot(&mut self) -> Snapshot {
        let mut snapshot = Snapshot {
            solution: self.solution.clone(),
            costs: self.costs.clone(),
            rows: self.row_bounds.len(),
            basis: None,
            options: Vec::new(),
        };
        let Some(inst) = &mut self.instance else {
            return snapshot;
        };
        let ptr = inst.ptr();
        // SAFETY: a live instance; the buffers have its column and row counts.
        unsafe {
            let cols = highs_sys::Highs_getNumCol(ptr) as usize;
            let rows = highs_sys::Highs_getNumRow(ptr) as usize;
            let mut col_status: Vec<HighsInt> = vec![0; cols];
            let mut row_status: Vec<HighsInt> = vec![0; rows];
            let status =
                highs_sys::Highs_getBasis(ptr, col_status.as_mut_ptr(), row_status.as_mut_ptr());
            if status != highs_sys::STATUS_ERROR && rows == snapshot.rows {
                snapshot.basis = Some((col_status, row_status));
            }
        }
        for name in SNAPSHOT_OPTIONS {
            if let Some(value) = option_value(ptr, name) {
                snapshot.options.push((name.to_string(), value));
            }
        }
        snapshot
    }

    /// Puts back what [`SolvedProgram::snapshot`] recorded: rows added since
    /// are deleted, changed objective coefficients and the recorded options
    /// are set back, the recorded basis is loaded (so the next re-solve
    /// starts from it) and [`SolvedProgram::solution`] is the recorded one.
    pub fn restore(&mut self, snapshot: Snapshot) -> Result<(), SolveError> {
        let Snapshot {
            solution,
            costs,
            rows,
            basis,
            options,
        } = snapshot;
        let now = self.row_bounds.len();
        if now > rows {
            if let Some(inst) = &mut self.instance {
                // SAFETY: a live instance; rows..now are its own rows.
                unsafe {
                    highs_sys::Highs_deleteRowsByRange(
                        inst.ptr(),
                        rows as HighsInt,
                        (now - 1) as HighsInt,
                    );
                }
            }
            self.row_bounds.truncate(rows);
            self.bounds_now.truncate(rows);
        }
        for (j, &cost) in costs.iter().enumerate() {
            if self.costs.get(j) != Some(&cost) {
                self.set_cost(Column(j as u32), cost);
            }
        }
        for (name, value) in &options {
            self.set_highs_option(name, value)?;
        }
        if let (Some((col_status, row_status)), Some(inst)) = (basis, &mut self.instance) {
            // SAFETY: a live instance with as many columns and rows as when
            // the statuses were read (added rows were deleted above).
            let status = unsafe {
                highs_sys::Highs_setBasis(inst.ptr(), col_status.as_ptr(), row_status.as_ptr())
            };
            if status == highs_sys::STATUS_ERROR {
                self.solution = solution;
                return Err(self.fail("HiGHS rejected the recorded basis".into()));
            }
        }
        self.solution = solution;
        Ok(())
    }
}

/// A HiGHS instance owned for the length of one computation.
struct OwnedHighs(*mut std::ffi::c_void);

impl OwnedHighs {
    fn new() -> Option<OwnedHighs> {
        // SAFETY: creates an instance that `drop` destroys.
        let ptr = unsafe { highs_sys::Highs_create() };
        (!ptr.is_null()).then_some(OwnedHighs(ptr))
    }
}

impl Drop for OwnedHighs {
    fn drop(&mut self) {
        // SAFETY: created by Highs_create, destroyed once.
        unsafe { highs_sys::Highs_destroy(self.0) }
    }
}

/// The lower triangle of a symmetric n x n matrix from entries (i, j, q)
/// (either order; repeated entries added up), column-wise: start, index,
/// value.
/// The primal and dual values of HiGHS instance `ptr` after a run: column
/// values and reduced costs, row activities and duals.
///
/// # Safety
/// `ptr` is a live HiGHS instance with `cols` columns and `rows` rows.
unsafe fn solution_of(
    ptr: *mut std::ffi::c_void,
    cols: usize,
    rows: usize,
) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut col_value = vec![0.0; cols];
    let mut col_dual = vec![0.0; cols];
    let mut row_value = vec![0.0; rows];
    let mut row_dual = vec![0.0; rows];
    // SAFETY: buffers of the sizes the caller vouches for.
    unsafe {
        highs_sys::Highs_getSolution(
            ptr,
            col_value.as_mut_ptr(),
            col_dual.as_mut_ptr(),
            row_value.as_mut_ptr(),
            row_dual.as_mut_ptr(),
        );
    }
    (col_value, col_dual, row_value, row_dual)
}

fn triangular_csc(
    n: usize,
    entries: impl Iterator<Item = (usize, usize, f64)>,
) -> (Vec<HighsInt>, Vec<HighsInt>, Vec<f64>) {
    let mut lower: Vec<(usize, usize, f64)> = entries
        .filter(|e| e.2 != 0.0)
        .map(|(a, b, q)| (a.min(b), a.max(b), q))
        .collect();
    lower.sort_by_key(|x| (x.0, x.1));
    let mut start = Vec::with_capacity(n + 1);
    let mut index: Vec<HighsInt> = Vec::with_capacity(lower.len());
    let mut value: Vec<f64> = Vec::with_capacity(lower.len());
    let mut next = lower.iter().peekable();
    for col in 0..n {
        let first = index.len();
        start.push(first as HighsInt);
        while let Some(&&(c, r, q)) = next.peek() {
            if c != col {
                break;
            }
            match (index.last(), value.last_mut()) {
                (Some(&last), Some(v)) if index.len() > first && last == r as HighsInt => *v += q,
                _ => {
                    index.push(r as HighsInt);
                    value.push(q);
                }
            }
            next.next();
        }
    }
    start.push(index.len() as HighsInt);
    (start, index, value)
}

/// HiGHS's basis statuses (`HighsBasisStatus`).
const BASIS_LOWER: HighsInt = 0;
const BASIS_BASIC: HighsInt = 1;
const BASIS_UPPER: HighsInt = 2;
const BASIS_ZERO: HighsInt = 3;

/// The HiGHS options a re-solve changes, recorded by a snapshot.
const SNAPSHOT_OPTIONS: [&str; 3] = ["solver", "presolve", "simplex_strategy"];

/// What [`SolvedProgram::snapshot`] records.
#[derive(Clone, Debug)]
pub struct Snapshot {
    solution: LpSolution,
    costs: Vec<f64>,
    rows: usize,
    /// Column and row basis statuses, when HiGHS had a basis.
    basis: Option<(Vec<HighsInt>, Vec<HighsInt>)>,
    options: Vec<(String, String)>,
}

impl Snapshot {
    /// The solution recorded.
    pub(crate) fn solution(&self) -> &LpSolution {
        &self.solution
    }
}

/// The value of a string or integer HiGHS option, as text.
fn option_value(ptr: *mut std::ffi::c_void, name: &str) -> Option<String> {
    let name_c = CString::new(name).ok()?;
    let mut kind: HighsInt = -1;
    // SAFETY: a live instance, a valid C string and an out-pointer.
    let status = unsafe { highs_sys::Highs_getOptionType(ptr, name_c.as_ptr(), &mut kind) };
    if status == highs_sys::STATUS_ERROR {
        return None;
    }
    match kind {
        1 => {
            let mut value: HighsInt = 0;
            // SAFETY: as above, an out-pointer to a HighsInt.
            unsafe { highs_sys::Highs_getIntOptionValue(ptr, name_c.as_ptr(), &mut value) };
            Some(value.to_string())
        }
        3 => {
            // kHighsMaximumStringLength
            let mut buffer = vec![0 as std::os::raw::c_char; 512];
            // SAFETY: as above; HiGHS writes at most 512 bytes, NUL included.
            unsafe {
                highs_sys::Highs_getStringOptionValue(ptr, name_c.as_ptr(), buffer.as_mut_ptr())
            };
            // SAFETY: HiGHS wrote a NUL-terminated string into the buffer.
            let text = unsafe { std::ffi::CStr::from_ptr(buffer.as_ptr()) };
            Some(text.to_string_lossy().into_owned())
        }
        _ => None,
    }
}

/// Solves one commodity's program and keeps only the numbers.
pub fn solve(
    program: &CommodityProgram,
    lp: Lp,
    commodity: &str,
    options: &SolveOptions,
) -> Result<LpSolution, SolveError> {
    SolvedProgram::solve(program, lp, commodity, options).map(SolvedProgram::into_solution)
}

/// Minimises `objective` over `rows` for a small stand-alone LP built with
/// good_lp (the stockpile sizing of `stockpile.rs`), on one HiGHS thread.
/// `columns` must be every variable of `vars`. Returns the value of each,
/// or `None` when the rows are infeasible (a caller's feasibility test,
/// not a failure).
pub fn minimise_small(
    vars: good_lp::ProblemVariables,
    objective: good_lp::Expression,
    rows: Vec<good_lp::Constraint>,
    columns: &[good_lp::Variable],
    commodity: &str,
) -> Result<Option<Vec<f64>>, SolveError> {
    use good_lp::Solution;
    if columns.is_empty() {
        // Nothing to choose (HiGHS calls an empty model an error).
        return Ok(Some(Vec::new()));
    }
    let mut problem = vars
        .minimise(objective)
        .using(highs)
        .set_threads(1)
        .set_time_limit(600.0);
    problem.set_verbose(false);
    for row in rows {
        problem.add_constraint(row);
    }
    match problem.solve() {
        Ok(solution) => Ok(Some(
            columns.iter().map(|&c| clean(solution.value(c))).collect(),
        )),
        Err(good_lp::ResolutionError::Infeasible) => Ok(None),
        Err(e) => Err(SolveError {
            commodity: commodity.to_string(),
            reason: e.to_string(),
        }),
    }
}

fn describe(model_status: HighsInt) -> String {
    match model_status {
        highs_sys::MODEL_STATUS_INFEASIBLE | highs_sys::MODEL_STATUS_UNBOUNDED_OR_INFEASIBLE => {
            "HiGHS reports the program infeasible (a bug: unmet demand should absorb any gap)"
                .into()
        }
        highs_sys::MODEL_STATUS_UNBOUNDED => {
            "HiGHS reports the program unbounded (a bug: costs are never negative)".into()
        }
        other => format!("HiGHS stopped without an optimum (model status {other})"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_switches_to_interior_point_above_the_row_threshold() {
        // Every branch of the rule: Auto on either side of each threshold
        // (and at it), and the two fixed methods, which ignore the size.
        assert!(!Method::Auto.uses_ipm(0, 0));
        assert!(!Method::Auto.uses_ipm(IPM_ABOVE_ROWS, 0));
        assert!(Method::Auto.uses_ipm(IPM_ABOVE_ROWS + 1, 0));
        assert!(!Method::Auto.uses_ipm(IPM_ABOVE_ROWS, IPM_ABOVE_POLICY_ROWS));
        assert!(Method::Auto.uses_ipm(2_000, IPM_ABOVE_POLICY_ROWS + 1));
        // Sizes measured (docs/performance.md): a 1,000-node graphite program
        // (3,247 rows, 479 policy rows, simplex faster), a large no-star
        // lithium program (4,054 rows, none, interior point faster), a
        // caps-each program at 500 nodes (2,877 rows, 1,158 policy rows,
        // interior point faster) and one at 400 nodes (1,717 rows, 795 policy
        // rows, simplex faster).
        assert!(!Method::Auto.uses_ipm(3_247, 479));
        assert!(Method::Auto.uses_ipm(4_054, 0));
        assert!(Method::Auto.uses_ipm(2_877, 1_158));
        assert!(!Method::Auto.uses_ipm(1_717, 795));
        for (rows, policy_rows) in [(0, 0), (3_247, 479), (4_054, 0), (100_000, 40_000)] {
            assert!(!Method::Simplex.uses_ipm(rows, policy_rows));
            assert!(Method::InteriorPoint.uses_ipm(rows, policy_rows));
        }
        assert_eq!(Method::default(), Method::Auto);
    }
}
