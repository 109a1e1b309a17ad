//! Shadow prices that do not depend on the solver's vertex (contract
//! section 5; docs/tie-break.md, "Shadow prices").
//!
//! At a degenerate optimum the LP has a whole set of optimal duals, and the
//! solver returns one of them: simplex and interior point print different
//! marginal costs for the same consumer. The report names a direction for
//! each price ("one more tonne of demand", "one more tonne of capacity", "a
//! share limit one point higher"), so sourcemix reports the one-sided
//! derivative of the least cost C* in that direction, which is unique:
//!
//!   d+ C* / d b_i  =  max { y_i : y an optimal dual }
//!
//! (C* is convex in the bounds b; its right derivative along row i is the
//! largest y_i over the optimal duals.) It is read off the solver by moving
//! row i's bound by `STEP` and re-solving from the kept basis: for a step
//! small enough to stay on the same linear piece of C*, every optimal dual
//! of the moved program maximises y_i over the old optimal duals, so its y_i
//! is that maximum on whichever vertex the solver lands.
//!
//! A row that the reported optimum leaves slack is slack at every optimal
//! dual's complementary point, so its price is 0 and no re-solve is needed.

use crate::program::{Column, CommodityProgram, RowTag};
use crate::solve::{LpSolution, Snapshot, SolveError, SolvedProgram};

/// How far a row's bound is moved to read its one-sided price, in tonnes:
/// far above HiGHS's feasibility tolerance (1e-7), far below any quantity of
/// the data, so that the move stays on the current linear piece of C*.
pub const STEP: f64 = 1e-3;

/// A row whose activity is this close to its bound (relative to
/// max(1, |bound|)) is priced; a slacker row's price is 0.
const ACTIVE: f64 = 1e-6;

/// The reported rows: demand, capacities and policies (the others, yields,
/// hub balances and scope totals, are not reported).
fn is_priced(tag: &RowTag) -> bool {
    matches!(
        tag,
        RowTag::Demand(_)
            | RowTag::SupplyCapacity(_)
            | RowTag::RefiningCapacity(_)
            | RowTag::RouteCapacity(_)
            | RowTag::Policy(_)
    )
}

/// Whether the row's activity sits at one of its bounds.
fn is_active(activity: f64, (lower, upper): (f64, f64)) -> bool {
    let near = |bound: f64| (activity - bound).abs() <= ACTIVE * bound.abs().max(1.0);
    (lower.is_finite() && near(lower)) || (upper.is_finite() && near(upper))
}

/// A row whose one-sided price is reported.
#[derive(Copy, Clone, Debug)]
pub struct PricedRow {
    /// The row's index in the solver instance.
    pub row: usize,
    /// For a policy row, the column of its scope's delivered total (`None`
    /// when nothing can be delivered there): a policy over a scope that
    /// receives nothing is priced 0 (`delivers_nothing`).
    pub delivered: Option<Option<Column>>,
}

/// The reported rows of `program` (demand, capacities, policies), at their
/// index in an instance where the program's rows start at `first_row`.
pub fn priced_rows(program: &CommodityProgram, first_row: usize) -> Vec<PricedRow> {
    program
        .tags
        .iter()
        .enumerate()
        .filter(|(_, tag)| is_priced(tag))
        .map(|(row, tag)| PricedRow {
            row: first_row + row,
            delivered: match *tag {
                RowTag::Policy(idx) => Some(program.policy_delivered[idx]),
                _ => None,
            },
        })
        .collect()
}

/// Replaces the duals of the reported rows of `at` (a solution of
/// `solved`'s program) by their one-sided derivatives, every bound moved
/// upwards: more demand, more capacity, a higher share limit. Rows that
/// are not reported keep the vertex's duals. The instance is left as it was
/// found (bounds, basis, options and solution).
pub fn one_sided(
    program: &CommodityProgram,
    solved: &mut SolvedProgram,
    at: &mut LpSolution,
) -> Result<(), SolveError> {
    if at.rows.len() != program.tags.len() {
        return Ok(()); // a program without rows: nothing to price
    }
    price_rows(&priced_rows(program, 0), solved, at)
}

/// [`one_sided`] for the given rows of `solved`'s program (all of them rows
/// of `at`).
pub fn price_rows(
    rows: &[PricedRow],
    solved: &mut SolvedProgram,
    at: &mut LpSolution,
) -> Result<(), SolveError> {
    price(rows, solved, at, Shortcut::FromBasis)
}

/// Whether a row whose move keeps the vertex's basis optimal is priced from
/// that basis (`FromBasis`, what `price_rows` does) or re-solved like every
/// other row (`Never`: the reference the shortcut is tested against).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Shortcut {
    FromBasis,
    #[cfg_attr(not(test), allow(dead_code))]
    Never,
}

fn price(
    rows: &[PricedRow],
    solved: &mut SolvedProgram,
    at: &mut LpSolution,
    shortcut: Shortcut,
) -> Result<(), SolveError> {
    let started = std::time::Instant::now();
    let mut duals = at.duals.clone();
    let snapshot = solved.snapshot();
    let mut priced = Ok(());
    let mut moved = Vec::new();
    for &PricedRow { row, delivered } in rows {
        let bounds = solved.row_bounds(row);
        if !is_active(at.rows[row], bounds) || delivers_nothing(delivered, at) {
            duals[row] = 0.0;
            continue;
        }
        moved.push(row);
    }
    // Where the vertex's basis stays optimal for the move (and for twice
    // the move, so that the moved bound lies inside the linear piece of C*,
    // not at its end), the derivative is the vertex's own dual, and a
    // re-solve would return it after no iteration: it is read off directly.
    let kept = match shortcut {
        Shortcut::FromBasis => solved.rows_kept_optimal(&moved, 2.0 * STEP),
        Shortcut::Never => None,
    }
    .unwrap_or_else(|| vec![false; moved.len()]);
    let vertex = &snapshot.solution().duals;
    for (&row, &kept) in moved.iter().zip(&kept) {
        if kept {
            duals[row] = vertex[row];
            continue;
        }
        at.stats.pricing_solves += 1;
        match one_sided_price(solved, row, &snapshot) {
            Ok(price) => duals[row] = price,
            Err(e) => {
                priced = Err(e);
                break;
            }
        }
    }
    solved.restore(snapshot)?;
    priced?;
    at.duals = duals;
    at.stats.pricing = started.elapsed();
    Ok(())
}

/// A policy whose scope receives nothing: its reported price is its dual x
/// delivered / 100 = 0 whatever the dual (and moving a floor's bound there
/// may leave no feasible flow).
fn delivers_nothing(delivered: Option<Option<Column>>, at: &LpSolution) -> bool {
    match delivered {
        None => false,
        Some(column) => column.is_none_or(|c| at.columns[c.index()] <= ACTIVE),
    }
}

/// The derivative of the least cost as `row`'s bounds move up by `STEP`
/// (re-solved warm, bounds put back). Where moving up leaves no feasible
/// flow (a floor that cannot be tightened further: a 100% floor, or two
/// floors whose shares add up to 100%), the derivative upwards is
/// infinite; the price reported is then the other one-sided derivative,
/// the bound moved down (min { y_i : y an optimal dual }), also unique.
fn one_sided_price(
    solved: &mut SolvedProgram,
    row: usize,
    snapshot: &Snapshot,
) -> Result<f64, SolveError> {
    match moved_together(solved, &[(row, 1.0)]) {
        Ok(duals) => Ok(duals[0]),
        Err(_) => {
            // The failed re-solve may have left another basis: start again
            // from the LP's optimum.
            solved.restore(snapshot.clone())?;
            Ok(moved_together(solved, &[(row, -1.0)])?[0])
        }
    }
}

/// The duals of `rows` when their bounds move together, row i by its
/// weight w_i (up for w_i > 0): sum_i y_i w_i is then the one-sided
/// derivative of the least cost along w, max { y.w : y an optimal dual }
/// (the individual y_i need not be unique, their weighted sum is). The
/// bounds move by `STEP` x w_i / max |w| and are put back afterwards; the re-solve starts
/// from the basis in force and leaves the instance at the moved optimum
/// (callers restore a snapshot). All weights 0: the duals in force.
pub fn moved_together(
    solved: &mut SolvedProgram,
    rows: &[(usize, f64)],
) -> Result<Vec<f64>, SolveError> {
    let largest = rows.iter().map(|&(_, w)| w.abs()).fold(0.0, f64::max);
    if largest <= 0.0 {
        let duals = &solved.solution().duals;
        return Ok(rows.iter().map(|&(row, _)| duals[row]).collect());
    }
    let before: Vec<(f64, f64)> = rows
        .iter()
        .map(|&(row, _)| solved.row_bounds(row))
        .collect();
    for (&(row, w), &(lower, upper)) in rows.iter().zip(&before) {
        let step = STEP * w / largest;
        solved.set_row_bounds(row, lower + step, upper + step);
    }
    let duals = solved
        .resolve()
        .map(|s| rows.iter().map(|&(row, _)| s.duals[row]).collect());
    for (&(row, _), &(lower, upper)) in rows.iter().zip(&before) {
        solved.set_row_bounds(row, lower, upper);
    }
    duals
}

#[cfg(all(test, feature = "synth"))]
mod tests {
    use super::*;
    use crate::pipeline::{self, Request};
    use crate::synth::{generate, SynthParams};

    /// The prices read off the vertex's basis are those the re-solves give
    /// (to float noise), on generated models of every size class the tests
    /// can afford.
    #[test]
    fn prices_read_from_the_basis_are_those_of_re_solves() {
        let mut kept = 0;
        let mut params: Vec<SynthParams> = (0..12).map(SynthParams::small).collect();
        params.push(SynthParams::medium());
        for p in &params {
            let mut run = pipeline::run(&Request::texts(generate(p))).expect("solves");
            for c in &mut run.outcome.commodities {
                if c.tie_break_skipped.is_some() {
                    continue;
                }
                let mut by_resolves = c.reported.clone();
                by_resolves.stats.pricing_solves = 0;
                price(
                    &priced_rows(&c.program, 0),
                    &mut c.solved,
                    &mut by_resolves,
                    Shortcut::Never,
                )
                .expect("prices");
                kept += by_resolves.stats.pricing_solves - c.reported.stats.pricing_solves;
                for (row, (a, b)) in c.reported.duals.iter().zip(&by_resolves.duals).enumerate() {
                    assert!(
                        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
                        "row {row} ({:?}): {a} from the basis, {b} re-solved",
                        c.program.tags[row]
                    );
                }
            }
        }
        assert!(kept > 0, "no row was priced from the basis");
    }
}
