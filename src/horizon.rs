//! Horizon: the multi-period program of contract section 10 and its
//! solution (docs/periods.md gives the equations).
//!
//! One LP per commodity over all periods (periods are coupled by
//! investment, reserves and stocks; commodities still are not). Its columns
//! are, in order: the investment variables a[n, k, p] (capacity added at the
//! start of period p), then each period's flows, unmet demand and scope
//! totals, built by `program::build_part` from that period's own
//! single-period model, so that the labels, tracking and constraint families
//! of sections 2-4 stay exactly as they are, per period. Its rows are each
//! period's rows in turn (capacity rows less the added capacity available in
//! that period), then the `max_added` rows and the budget rows. The
//! objective weighs period p's operating costs by W_p and charges each added
//! t per year its present value over the periods it is available in.

use std::collections::BTreeMap;
use std::time::Instant;

use good_lp::{variable, Expression, ProblemVariables, Variable};
use rayon::prelude::*;

use crate::duals::{self, PricedRow};
use crate::id::{CommodityId, ExpansionId, NodeId, PeriodId};
use crate::model::{Horizon, Model};
use crate::network::{CommodityNetwork, Tracking};
use crate::periods;
use crate::program::{self, AddedCapacity, Column, CommodityProgram, Lp};
use crate::report::{self, horizon::*, Solved};
use crate::solve::{LpSolution, Shape, SolveError, SolveOptions, SolvedProgram};
use crate::tiebreak::{self, TieBreak};

/// One period's part of a commodity's multi-period program.
pub struct PeriodPart {
    pub period: PeriodId,
    /// Built from the period's own model (`Horizon::models`).
    pub network: CommodityNetwork,
    pub program: CommodityProgram,
    /// The instance row of the program's first row.
    pub first_row: usize,
}

/// One investment variable: capacity of an expansion option added at the
/// start of a period.
#[derive(Copy, Clone, Debug)]
pub struct Investment {
    pub expansion: ExpansionId,
    pub built: PeriodId,
    pub column: Column,
}

/// What a row after the periods' rows limits.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum CouplingRow {
    /// sum_p a[n, k, p] <= max_added.
    MaxAdded(ExpansionId),
    /// sum_p span_p x supplied_p(n) <= amount (index into `Horizon::budgets`).
    Budget(usize),
}

/// The multi-period program of one commodity.
pub struct HorizonProgram {
    pub commodity: CommodityId,
    pub parts: Vec<PeriodPart>,
    pub investments: Vec<Investment>,
    /// The rows after the periods' rows, with their instance row.
    pub coupling: Vec<(CouplingRow, usize)>,
    pub rows: usize,
    pub columns: usize,
}

impl HorizonProgram {
    /// What the solver needs to know besides the LP.
    pub fn shape(&self) -> Shape {
        let mut shape = Shape {
            rows: self.rows,
            ..Shape::default()
        };
        for part in &self.parts {
            let one = Shape::of(&part.program);
            shape.flow_columns.extend(one.flow_columns);
            shape.unmet_columns.extend(one.unmet_columns);
            shape.policy_rows += one.policy_rows;
        }
        shape
    }

    /// The rows whose one-sided price is reported: every period's demand,
    /// capacity and policy rows, and the coupling rows.
    fn priced_rows(&self) -> Vec<PricedRow> {
        let mut rows: Vec<PricedRow> = self
            .parts
            .iter()
            .flat_map(|p| duals::priced_rows(&p.program, p.first_row))
            .collect();
        rows.extend(self.coupling.iter().map(|&(_, row)| PricedRow {
            row,
            delivered: None,
        }));
        rows
    }
}

/// Builds the multi-period program of commodity `k`.
pub fn build(horizon: &Horizon, k: CommodityId) -> (HorizonProgram, Lp) {
    build_tracked(horizon, k, None)
}

/// [`build`] with every period's labels tracking `tracking` (`None`: what
/// each period's policies need, `Tracking::for_commodity`).
pub fn build_tracked(
    horizon: &Horizon,
    k: CommodityId,
    tracking: Option<Tracking>,
) -> (HorizonProgram, Lp) {
    let mut vars = ProblemVariables::new();
    let mut costs = Vec::new();
    let (investments, investment_vars) = investment_variables(horizon, k, &mut vars, &mut costs);
    let mut rows = Vec::new();
    let mut bounds = Vec::new();
    let mut parts = Vec::new();
    for (p, period_model) in horizon.models.iter().enumerate() {
        let period = PeriodId::from_index(p);
        let network = match tracking {
            Some(t) => CommodityNetwork::build_with(period_model, k, t),
            None => CommodityNetwork::build(period_model, k),
        };
        let added = added_capacity(horizon, &investments, &investment_vars, period);
        let (program, part) = program::build_part(period_model, &network, &mut vars, &added);
        let weight = horizon.periods[p].weight;
        costs.extend(part.costs.iter().map(|c| c * weight));
        parts.push(PeriodPart {
            period,
            network,
            program,
            first_row: rows.len(),
        });
        rows.extend(part.rows);
        bounds.extend(part.bounds);
    }
    let mut coupling = Vec::new();
    let mut push = |tag: CouplingRow, expr: Expression, limit: f64| {
        coupling.push((tag, rows.len()));
        rows.push(expr.leq(limit));
        bounds.push((f64::NEG_INFINITY, limit));
    };
    for (e, expr, limit) in max_added_rows(horizon, &investments, &investment_vars) {
        push(CouplingRow::MaxAdded(e), expr, limit);
    }
    for (b, expr, limit) in budget_rows(horizon, k, &parts) {
        push(CouplingRow::Budget(b), expr, limit);
    }
    let objective = objective(&vars, &costs);
    let program = HorizonProgram {
        commodity: k,
        parts,
        investments,
        rows: rows.len(),
        columns: costs.len(),
        coupling,
    };
    (
        program,
        Lp {
            vars,
            objective,
            costs,
            rows,
            bounds,
        },
    )
}

/// a[n, k, p] >= 0 for every expansion option of `k` and every period p
/// from its first year on; each costs its present value over the periods it
/// is available in (`periods::cost_of_adding`).
fn investment_variables(
    horizon: &Horizon,
    k: CommodityId,
    vars: &mut ProblemVariables,
    costs: &mut Vec<f64>,
) -> (Vec<Investment>, Vec<Variable>) {
    let mut investments = Vec::new();
    let mut handles = Vec::new();
    for (e, option) in horizon.expansions.iter().enumerate() {
        if option.commodity != k {
            continue;
        }
        for built in periods::build_periods(&horizon.periods, option) {
            investments.push(Investment {
                expansion: ExpansionId::from_index(e),
                built,
                column: Column::at(vars.len()),
            });
            handles.push(vars.add(variable().min(0.0)));
            costs.push(periods::cost_of_adding(
                &horizon.periods,
                option,
                built,
                horizon.discount_rate,
            ));
        }
    }
    (investments, handles)
}

/// The capacity added by investment that is available in `period`, by node:
/// sum of a[n, k, p] over the periods p <= period with y_period < y_p + lifetime.
fn added_capacity(
    horizon: &Horizon,
    investments: &[Investment],
    handles: &[Variable],
    period: PeriodId,
) -> AddedCapacity {
    let mut added: AddedCapacity = BTreeMap::new();
    for (inv, &var) in investments.iter().zip(handles) {
        let option = &horizon.expansions[inv.expansion.index()];
        if periods::available(&horizon.periods, option, inv.built, period) {
            added.entry(option.node).or_default().add_mul(1.0, var);
        }
    }
    added
}

/// sum_p a[n, k, p] <= max_added, for every option with a finite limit and
/// at least one period to build in.
fn max_added_rows(
    horizon: &Horizon,
    investments: &[Investment],
    handles: &[Variable],
) -> Vec<(ExpansionId, Expression, f64)> {
    let mut by_option: BTreeMap<ExpansionId, Expression> = BTreeMap::new();
    for (inv, &var) in investments.iter().zip(handles) {
        by_option
            .entry(inv.expansion)
            .or_default()
            .add_mul(1.0, var);
    }
    by_option
        .into_iter()
        .filter_map(|(e, expr)| {
            let limit = horizon.expansions[e.index()].max_added?;
            Some((e, expr, limit))
        })
        .collect()
}

/// sum_p span_p x supplied_p(n) <= amount, for every reserve or stock of
/// `k` whose node ships something in some period.
fn budget_rows(
    horizon: &Horizon,
    k: CommodityId,
    parts: &[PeriodPart],
) -> Vec<(usize, Expression, f64)> {
    let mut rows = Vec::new();
    for (b, budget) in horizon.budgets.iter().enumerate() {
        if budget.commodity != k {
            continue;
        }
        let mut used = Expression::default();
        let mut any = false;
        for part in parts {
            let span = f64::from(horizon.periods[part.period.index()].span);
            for i in outflows(horizon, part, budget.node) {
                used.add_mul(span, part.program.flows[i].var);
                any = true;
            }
        }
        if any {
            rows.push((b, used, budget.amount));
        }
    }
    rows
}

/// The flows (indices into the part's `program.flows`) leaving `node`.
fn outflows(horizon: &Horizon, part: &PeriodPart, node: NodeId) -> Vec<usize> {
    let model = &horizon.models[part.period.index()];
    part.program
        .flows
        .iter()
        .enumerate()
        .filter(|(_, f)| model.route(f.route).from == node)
        .map(|(i, _)| i)
        .collect()
}

/// sum_j cost_j x column_j.
fn objective(vars: &ProblemVariables, costs: &[f64]) -> Expression {
    let mut objective = Expression::with_capacity(costs.len());
    for ((var, _), &c) in vars.iter_variables_with_def().zip(costs) {
        if c != 0.0 {
            objective.add_mul(c, var);
        }
    }
    objective
}

/// One commodity's multi-period program, solved.
pub struct HorizonOutcome {
    pub program: HorizonProgram,
    pub solved: SolvedProgram,
    /// The reported optimum over the whole horizon (section 6), with
    /// one-sided prices; or the solver's vertex with `TieBreak::None`.
    pub reported: LpSolution,
    /// Why the tie-break rule could not be applied, when it could not.
    pub tie_break_skipped: Option<String>,
}

/// Builds and solves every commodity's multi-period program (commodities
/// in parallel, one HiGHS thread each).
pub fn solve(
    model: &Model,
    horizon: &Horizon,
    options: &SolveOptions,
) -> Result<Vec<HorizonOutcome>, SolveError> {
    let ids: Vec<CommodityId> = model.commodity_ids().collect();
    ids.par_iter()
        .map(|&k| solve_commodity(horizon, k, &model.commodity(k).id, options))
        .collect()
}

fn solve_commodity(
    horizon: &Horizon,
    k: CommodityId,
    name: &str,
    options: &SolveOptions,
) -> Result<HorizonOutcome, SolveError> {
    let (program, lp) = build(horizon, k);
    let mut solved = SolvedProgram::solve_shaped(program.shape(), lp, name, options)?;
    let (reported, tie_break_skipped) = match options.tie_break {
        TieBreak::None => (solved.solution().clone(), None),
        TieBreak::Market => match break_ties(horizon, &program, &mut solved, name) {
            Ok(mut chosen) => {
                if program.rows > 0 {
                    duals::price_rows(&program.priced_rows(), &mut solved, &mut chosen)?;
                }
                (chosen, None)
            }
            Err(e) => (solved.solution().clone(), Some(e.reason)),
        },
    };
    Ok(HorizonOutcome {
        program,
        solved,
        reported,
        tie_break_skipped,
    })
}

/// The tie-break of section 6 over the whole horizon: the sum of every
/// period's market Hessian (`tiebreak::market_hessian`, each on its own
/// period's sizes), plus a square on every investment variable, weighted
/// like a node total, so that the QP is strictly convex in every column.
pub fn break_ties(
    horizon: &Horizon,
    program: &HorizonProgram,
    solved: &mut SolvedProgram,
    name: &str,
) -> Result<LpSolution, SolveError> {
    let started = Instant::now();
    if program.rows == 0 {
        return Ok(solved.solution().clone());
    }
    if program.columns > tiebreak::MAX_VARIABLES {
        return Err(SolveError {
            commodity: name.to_string(),
            reason: format!(
                "{} variables, above the {} up to which the tie-break QP is run",
                program.columns,
                tiebreak::MAX_VARIABLES
            ),
        });
    }
    let mut hessian = Vec::new();
    for part in &program.parts {
        let model = &horizon.models[part.period.index()];
        hessian.extend(tiebreak::market_hessian(
            model,
            &part.network,
            &part.program,
        ));
    }
    for inv in &program.investments {
        hessian.push((inv.column, inv.column, tiebreak::AGGREGATE_WEIGHT));
    }
    tiebreak::minimise_on_face(solved, &hessian, started)
}

/// The present value of one commodity's costs at its reported optimum:
/// the operating cost by part (sum_p W_p x period p's annual parts, as the
/// report computes them from the flows), the investment cost (each added
/// t per year x its present cost, `periods::cost_of_adding`), and the
/// unmet demand over the horizon (sum_p span_p x unmet_p, t). Operating
/// plus investment is the program's objective.
pub fn present_costs(horizon: &Horizon, outcome: &HorizonOutcome) -> (report::CostParts, f64, f64) {
    let mut parts = report::CostParts::default();
    let mut unmet = 0.0;
    for part in &outcome.program.parts {
        let period = &horizon.periods[part.period.index()];
        let solution = period_solution(outcome, part, period.weight);
        let solved = Solved {
            network: &part.network,
            program: &part.program,
            solution: &solution,
        };
        let cost = report::build(&horizon.models[part.period.index()], &[solved]).cost;
        parts.supply += period.weight * cost.supply;
        parts.refining += period.weight * cost.refining;
        parts.transport += period.weight * cost.transport;
        parts.shortfall += period.weight * cost.shortfall;
        unmet += f64::from(period.span) * solution.unmet.iter().sum::<f64>();
    }
    let investment = outcome
        .program
        .investments
        .iter()
        .map(|inv| {
            let added = outcome
                .reported
                .columns
                .get(inv.column.index())
                .copied()
                .unwrap_or(0.0);
            added
                * periods::cost_of_adding(
                    &horizon.periods,
                    &horizon.expansions[inv.expansion.index()],
                    inv.built,
                    horizon.discount_rate,
                )
        })
        .sum();
    (parts, investment, unmet)
}

/// Capacity added, by (option, period built), t per year, as reported.
pub type Plan = BTreeMap<(ExpansionId, PeriodId), f64>;

/// The investment plan of the reported optimum.
pub fn plan(outcomes: &[HorizonOutcome]) -> Plan {
    let mut plan = Plan::new();
    for o in outcomes {
        for inv in &o.program.investments {
            let added = o
                .reported
                .columns
                .get(inv.column.index())
                .copied()
                .unwrap_or(0.0);
            // Below the solver's tolerances a column is 0, not an investment.
            if added > 1e-9 {
                plan.insert((inv.expansion, inv.built), added);
            }
        }
    }
    plan
}

/// Period `period`'s model with the capacity the plan makes available in
/// it added to the existing capacity of each supply and refining row (a
/// row with unlimited capacity stays unlimited): what a stress test or a
/// stockpile sizing of that period runs on ("with the investment plan of
/// the least-cost solution fixed").
pub fn model_with_plan(horizon: &Horizon, plan: &Plan, period: PeriodId) -> Model {
    let mut model = horizon.models[period.index()].clone();
    let mut added: BTreeMap<(NodeId, CommodityId), f64> = BTreeMap::new();
    for (&(e, built), &amount) in plan {
        let option = &horizon.expansions[e.index()];
        if periods::available(&horizon.periods, option, built, period) {
            *added.entry((option.node, option.commodity)).or_default() += amount;
        }
    }
    for s in &mut model.supply {
        if let (Some(cap), Some(extra)) = (s.capacity, added.get(&(s.node, s.commodity))) {
            s.capacity = Some(cap + extra);
        }
    }
    for r in &mut model.refining {
        if let (Some(cap), Some(extra)) = (r.capacity, added.get(&(r.node, r.commodity))) {
            r.capacity = Some(cap + extra);
        }
    }
    model
}

/// The solution of one period's part, as a single-period program's: its
/// flows and unmet demand, its rows' activities, and its rows' duals
/// divided by W_p (currency per tonne per year).
fn period_solution(outcome: &HorizonOutcome, part: &PeriodPart, weight: f64) -> LpSolution {
    let flows_before: usize = outcome
        .program
        .parts
        .iter()
        .take_while(|p| p.period != part.period)
        .map(|p| p.program.flows.len())
        .sum();
    let unmet_before: usize = outcome
        .program
        .parts
        .iter()
        .take_while(|p| p.period != part.period)
        .map(|p| p.program.unmet.len())
        .sum();
    let r = &outcome.reported;
    let rows = part.first_row..part.first_row + part.program.rows;
    let slice = |v: &[f64], range: std::ops::Range<usize>| v.get(range).unwrap_or(&[]).to_vec();
    LpSolution {
        flows: slice(
            &r.flows,
            flows_before..flows_before + part.program.flows.len(),
        ),
        unmet: slice(
            &r.unmet,
            unmet_before..unmet_before + part.program.unmet.len(),
        ),
        duals: slice(&r.duals, rows.clone())
            .into_iter()
            .map(|d| d / weight)
            .collect(),
        rows: slice(&r.rows, rows),
        columns: r.columns.clone(),
        ..LpSolution::default()
    }
}

/// The report of a solved multi-period model.
pub fn report(model: &Model, horizon: &Horizon, outcomes: &[HorizonOutcome]) -> HorizonReport {
    let plan = plan(outcomes);
    let mut periods_out = Vec::new();
    for (p, period) in horizon.periods.iter().enumerate() {
        let id = PeriodId::from_index(p);
        let with_plan = model_with_plan(horizon, &plan, id);
        let solutions: Vec<(&PeriodPart, LpSolution)> = outcomes
            .iter()
            .map(|o| {
                let part = &o.program.parts[p];
                (part, period_solution(o, part, period.weight))
            })
            .collect();
        let solved: Vec<Solved<'_>> = solutions
            .iter()
            .map(|(part, solution)| Solved {
                network: &part.network,
                program: &part.program,
                solution,
            })
            .collect();
        let report = report::build(&with_plan, &solved);
        let investment_cost: f64 = plan
            .iter()
            .filter(|(&(e, built), _)| {
                periods::available(&horizon.periods, &horizon.expansions[e.index()], built, id)
            })
            .map(|(&(e, _), &amount)| {
                amount
                    * periods::cost_per_period(
                        period,
                        &horizon.expansions[e.index()],
                        horizon.discount_rate,
                    )
            })
            .sum();
        periods_out.push(PeriodReport {
            year: period.year,
            span: period.span,
            weight: period.weight,
            cost: report.cost.clone(),
            discounted_cost: report::money(period.weight * report.cost.total()),
            investment_cost: report::money(investment_cost),
            report,
        });
    }
    let operating: f64 = periods_out.iter().map(|p| p.weight * p.cost.total()).sum();
    let investment = investment_reports(model, horizon, &plan);
    let investment_cost: f64 = plan
        .iter()
        .map(|(&(e, built), &amount)| {
            amount
                * periods::cost_of_adding(
                    &horizon.periods,
                    &horizon.expansions[e.index()],
                    built,
                    horizon.discount_rate,
                )
        })
        .sum();
    HorizonReport {
        model: model.name.clone(),
        currency: model.currency.clone(),
        total_cost: report::money(operating + investment_cost),
        investment_cost: report::money(investment_cost),
        operating_cost: report::money(operating),
        periods: periods_out,
        investment,
        max_added: max_added_reports(model, horizon, outcomes, &plan),
        budgets: budget_reports(model, horizon, outcomes),
        timings: report::Timings::default(),
    }
}

/// The plan as report rows, sorted by period, node and commodity.
fn investment_reports(model: &Model, horizon: &Horizon, plan: &Plan) -> Vec<InvestmentReport> {
    let mut rows: Vec<InvestmentReport> = plan
        .iter()
        .map(|(&(e, built), &amount)| {
            let option = &horizon.expansions[e.index()];
            let node = model.node(option.node);
            let last = (built.index()..horizon.periods.len())
                .rev()
                .map(PeriodId::from_index)
                .find(|&q| periods::available(&horizon.periods, option, built, q))
                .unwrap_or(built);
            let last_period = &horizon.periods[last.index()];
            InvestmentReport {
                year: horizon.periods[built.index()].year,
                node: node.id.clone(),
                country: model.country(node.country).code.clone(),
                kind: node.kind.as_str().to_string(),
                commodity: model.commodity(option.commodity).id.clone(),
                added: report::tonnes(amount),
                available_until: last_period.year + last_period.span as i32 - 1,
                cost: report::money(
                    amount
                        * periods::cost_of_adding(
                            &horizon.periods,
                            option,
                            built,
                            horizon.discount_rate,
                        ),
                ),
                line: option.at.line,
            }
        })
        .filter(|r| r.added > 0.0)
        .collect();
    rows.sort_by(|a, b| (a.year, &a.node, &a.commodity).cmp(&(b.year, &b.node, &b.commodity)));
    rows
}

/// The dual of a coupling row in the reported solution.
fn coupling_dual(
    outcomes: &[HorizonOutcome],
    k: CommodityId,
    tag: CouplingRow,
) -> Option<(f64, f64)> {
    let o = outcomes.iter().find(|o| o.program.commodity == k)?;
    let &(_, row) = o.program.coupling.iter().find(|(t, _)| *t == tag)?;
    Some((
        o.reported.duals.get(row).copied().unwrap_or(0.0),
        o.reported.rows.get(row).copied().unwrap_or(0.0),
    ))
}

fn max_added_reports(
    model: &Model,
    horizon: &Horizon,
    outcomes: &[HorizonOutcome],
    plan: &Plan,
) -> Vec<MaxAddedReport> {
    let mut rows: Vec<MaxAddedReport> = horizon
        .expansions
        .iter()
        .enumerate()
        .filter_map(|(e, option)| {
            let limit = option.max_added?;
            let id = ExpansionId::from_index(e);
            let added: f64 = plan
                .iter()
                .filter(|(&(x, _), _)| x == id)
                .map(|(_, &a)| a)
                .sum();
            let dual = coupling_dual(outcomes, option.commodity, CouplingRow::MaxAdded(id))
                .map_or(0.0, |(d, _)| d);
            Some(MaxAddedReport {
                node: model.node(option.node).id.clone(),
                commodity: model.commodity(option.commodity).id.clone(),
                line: option.at.line,
                max_added: limit,
                added: report::tonnes(added),
                binding: report::binds(limit - added, limit),
                shadow_price: report::price(dual),
            })
        })
        .collect();
    rows.sort_by(|a, b| (&a.commodity, &a.node, a.line).cmp(&(&b.commodity, &b.node, b.line)));
    rows
}

fn budget_reports(
    model: &Model,
    horizon: &Horizon,
    outcomes: &[HorizonOutcome],
) -> Vec<BudgetReport> {
    let mut rows: Vec<BudgetReport> = horizon
        .budgets
        .iter()
        .enumerate()
        .map(|(b, budget)| {
            let used_by_period = used_by_period(horizon, outcomes, budget.commodity, budget.node);
            let used: f64 = used_by_period.iter().sum();
            let dual = coupling_dual(outcomes, budget.commodity, CouplingRow::Budget(b))
                .map_or(0.0, |(d, _)| d);
            BudgetReport {
                kind: budget.kind,
                node: model.node(budget.node).id.clone(),
                commodity: model.commodity(budget.commodity).id.clone(),
                line: budget.at.line,
                amount: budget.amount,
                used: report::tonnes(used),
                used_by_period: used_by_period.into_iter().map(report::tonnes).collect(),
                binding: report::binds(budget.amount - used, budget.amount),
                shadow_price: report::price(dual),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.kind, &a.commodity, &a.node, a.line).cmp(&(b.kind, &b.commodity, &b.node, b.line))
    });
    rows
}

/// span_p x what `node` ships of `k` in each period.
fn used_by_period(
    horizon: &Horizon,
    outcomes: &[HorizonOutcome],
    k: CommodityId,
    node: NodeId,
) -> Vec<f64> {
    let Some(o) = outcomes.iter().find(|o| o.program.commodity == k) else {
        return vec![0.0; horizon.periods.len()];
    };
    o.program
        .parts
        .iter()
        .map(|part| {
            let span = f64::from(horizon.periods[part.period.index()].span);
            outflows(horizon, part, node)
                .into_iter()
                .filter_map(|i| o.reported.columns.get(part.program.flow_column(i).index()))
                .map(|x| span * x)
                .sum()
        })
        .collect()
}

/// Why a period's model could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PeriodError {
    #[error("--year {0} is not a period of the model (its periods: {1})")]
    NotAPeriod(i32, String),
    #[error("the model has periods ({0}): name one with --year")]
    YearNeeded(String),
    #[error("--year needs a model with [periods]")]
    NoPeriods,
    #[error(transparent)]
    Solver(#[from] SolveError),
}

/// The single-year model an analysis of one period runs on (contract section
/// 10: "a disruption and a stockpile sizing name one period, with the
/// investment plan of the least-cost solution fixed"): for a multi-period
/// model, period `year`'s model with the capacity the least-cost plan makes
/// available in it (`model_with_plan`); a model without periods as it is
/// (and then `year` must be `None`).
pub fn analysis_model(
    model: &Model,
    year: Option<i32>,
    options: &SolveOptions,
) -> Result<Model, PeriodError> {
    let Some(horizon) = model.horizon.as_deref() else {
        return match year {
            Some(_) => Err(PeriodError::NoPeriods),
            None => Ok(model.clone()),
        };
    };
    let years = horizon
        .periods
        .iter()
        .map(|p| p.year.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let year = year.ok_or_else(|| PeriodError::YearNeeded(years.clone()))?;
    let period = horizon
        .periods
        .iter()
        .position(|p| p.year == year)
        .ok_or(PeriodError::NotAPeriod(year, years))?;
    let outcomes = solve(model, horizon, options)?;
    Ok(model_with_plan(
        horizon,
        &plan(&outcomes),
        PeriodId::from_index(period),
    ))
}
