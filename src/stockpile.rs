//! Stockpile sizing (contract section 9, `sourcemix stockpile`): the least
//! stock per holder and commodity that covers every protected consumer's
//! shortfall, beyond a tolerance, in every disruption of a set.
//!
//! The sizing itself ([`size`]) is a pure function of an [`UnmetTable`]: per
//! disruption d and protected consumer c, the unmet demand that d leaves c
//! (section 8, solved without the holders) and c's window demand, plus the
//! holders' direct routes to the protected consumers with their window
//! capacities. With a = tolerance, need_(c,d) = max(0, unmet_(c,d) - a x
//! windowdemand_c) and cap_c = the summed capacity of the holders' routes into
//! c (unlimited when one is blank):
//!
//! 1. **Uncovered** (lexicographically first: as little as possible): the
//!    stocks z_h are free, so only the routes limit what reaches c, and each
//!    (c, d) can be helped on its own: uncovered_(c,d) = max(0, need_(c,d) -
//!    cap_c), exactly, with no penalty constant. The rest,
//!    covered_(c,d) = need_(c,d) - uncovered_(c,d), must be carried.
//! 2. **Required stock**, one LP over all disruptions together:
//!
//!    ```text
//!    minimise    sum_h z_h
//!    subject to  sum_(e: h -> c) r_(e,d) >= covered_(c,d)   for every c, d
//!                sum_(e from h) r_(e,d) <= z_h               for every h, d
//!                0 <= r_(e,d) <= capacity_e x T/12,  z_h >= 0
//!    ```
//!
//!    (e runs over the routes holder -> protected consumer, parallel routes
//!    separately). Its optimum Z* is the required stock of the commodity.
//! 3. **Ranges**: [min z_h, max z_h] over the optimal face
//!    sum_h z_h <= Z* + [`FACE_TOLERANCE`] x max(1, Z*), by two re-solves per
//!    holder (objective z_h, then -z_h), as section 7 does for shares;
//!    narrowed to the exact face (z_h <= Z* - the others' minima), and one no
//!    wider than twice the tolerance is a forced split.
//! 4. **The reported split** (the rule): the max-min fair point of the
//!    face in range positions. A holder's position is
//!    (z_h - min_h) / (max_h - min_h); the split makes the smallest position
//!    as large as the face allows, then, among those splits, the next
//!    smallest, and so on (progressive filling: maximise a common position t
//!    of the holders not yet fixed, fix those that cannot rise above it,
//!    repeat). The result is unique (a leximin point of a convex set) and
//!    depends only on the face, not on the vertex a solver returns. Where
//!    the split is forced, its value; where one common position fits (always
//!    with two holders), every holder sits at it, with sum_h z_h = Z*: two
//!    equal holders serving the same consumers get equal stocks.
//! 5. **Binding disruptions** of holder h: those whose requirement, with
//!    every other holder at its reported stock, cannot be released using
//!    less than h's whole stock (one LP per holder minimising h's releases,
//!    separable by disruption). Every holder with a positive stock has one.
//! 6. **Value of sharing**: the joint requirement Z* beside the sum over c of
//!    the requirement when c alone is protected (the same LP with only c's
//!    rows and the holders' routes to c). Money = stock x the holder's price
//!    (the model's supply cost of the holder's row for the commodity: an
//!    estimate of what the stock costs to hold, see docs/stockpile.md).

use good_lp::{variable, Constraint, Expression, ProblemVariables, Variable};
use serde::{Deserialize, Serialize};

use crate::diagnostics::did_you_mean;
use crate::disruption::{self, Disruption, DisruptionError, DisruptionOutcome, Window};
use crate::id::{CommodityId, NodeId};
use crate::model::{Model, NodeKind};
use crate::report::{binds, money, tonnes};
use crate::solve::{minimise_small, SolveError, SolveOptions};

/// The optimal face of a range re-solve: total stock <= Z* + this x max(1, Z*).
pub const FACE_TOLERANCE: f64 = 1e-9;
/// A holder is held at the common position of the split rule when it cannot
/// rise above it by more than this x max(1, Z*).
pub const BLOCKED_TOLERANCE: f64 = 1e-7;

/// What the sizing of one commodity starts from.
#[derive(Clone, Debug, PartialEq)]
pub struct UnmetTable {
    pub commodity: String,
    /// The protected consumers with demand for the commodity, by id.
    pub consumers: Vec<String>,
    /// Per consumer: its demand over the window, t.
    pub window_demand: Vec<f64>,
    /// The disruptions, by label.
    pub disruptions: Vec<String>,
    /// `unmet[d][c]`: what disruption d leaves consumer c short, t.
    pub unmet: Vec<Vec<f64>>,
    /// The holders, by id.
    pub holders: Vec<String>,
    /// Per holder: currency per t of stock, where the model gives one.
    pub price: Vec<Option<f64>>,
    /// The holders' direct routes to protected consumers.
    pub routes: Vec<HolderRoute>,
}

/// A route holder -> protected consumer (indices into the table's lists).
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct HolderRoute {
    pub holder: usize,
    pub consumer: usize,
    /// t over the window (annual capacity x T/12); `None` is unlimited.
    pub capacity: Option<f64>,
}

/// One holder's stock of one commodity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HolderStock {
    pub holder: String,
    /// The reported stock, t.
    pub stock: f64,
    /// Its range over the optimal face, t.
    pub min: f64,
    pub max: f64,
    /// stock x price, where the holder has a price.
    pub value: Option<f64>,
    /// The disruptions whose requirement alone uses the whole stock (by label, sorted).
    pub binding: Vec<String>,
}

/// One protected consumer's requirement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConsumerNeed {
    pub consumer: String,
    pub window_demand: f64,
    /// The largest need over the disruptions (unmet less the tolerance), t.
    pub worst_need: f64,
    /// The disruption of that need (the first by label among equals); none when nothing is needed.
    pub worst_disruption: Option<String>,
    /// The stock required when this consumer alone is protected, t.
    pub alone: f64,
    /// The largest uncovered amount over the disruptions, t.
    pub uncovered: f64,
}

/// A need that the holders' routes cannot carry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Uncovered {
    pub consumer: String,
    pub disruption: String,
    pub amount: f64,
}

/// The value of sharing: one pool of stock for all protected consumers
/// against a separate pool per consumer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sharing {
    /// Required stock, all protected consumers at once, t.
    pub joint: f64,
    /// Sum of the requirements of each consumer protected alone, t.
    pub separate: f64,
    /// separate - joint, t (never negative).
    pub saving: f64,
    /// The same in money, where every holder with stock has a price.
    pub joint_value: Option<f64>,
    pub separate_value: Option<f64>,
    pub saving_value: Option<f64>,
    /// Holders with routes to two or more protected consumers of the commodity.
    pub shared_holders: Vec<String>,
}

/// The sizing of one commodity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sizing {
    pub commodity: String,
    /// Total required stock Z*, t.
    pub required: f64,
    pub holders: Vec<HolderStock>,
    pub consumers: Vec<ConsumerNeed>,
    /// Every (consumer, disruption) with an uncovered need, sorted.
    pub uncovered: Vec<Uncovered>,
    pub sharing: Sharing,
}

impl Sizing {
    /// The largest uncovered need over all (consumer, disruption), t.
    pub fn uncovered_max(&self) -> f64 {
        self.uncovered.iter().map(|u| u.amount).fold(0.0, f64::max)
    }
}

/// Sizes one commodity's stock (module documentation, steps 1-6).
pub fn size(table: &UnmetTable, tolerance: f64) -> Result<Sizing, SolveError> {
    let nc = table.consumers.len();
    let nd = table.disruptions.len();
    let need: Vec<Vec<f64>> = (0..nd)
        .map(|d| {
            (0..nc)
                .map(|c| (table.unmet[d][c] - tolerance * table.window_demand[c]).max(0.0))
                .collect()
        })
        .collect();
    let cap_into: Vec<f64> = (0..nc)
        .map(|c| {
            table
                .routes
                .iter()
                .filter(|r| r.consumer == c)
                .map(|r| r.capacity.unwrap_or(f64::INFINITY))
                .sum()
        })
        .collect();
    let covered: Vec<Vec<f64>> = need
        .iter()
        .map(|row| row.iter().zip(&cap_into).map(|(n, k)| n.min(*k)).collect())
        .collect();
    let mut uncovered = Vec::new();
    for (d, row) in need.iter().enumerate() {
        for (c, &n) in row.iter().enumerate() {
            let u = tonnes(n - covered[d][c]);
            if u > 0.0 {
                uncovered.push(Uncovered {
                    consumer: table.consumers[c].clone(),
                    disruption: table.disruptions[d].clone(),
                    amount: u,
                });
            }
        }
    }
    uncovered.sort_by(|a, b| (&a.consumer, &a.disruption).cmp(&(&b.consumer, &b.disruption)));

    let all = vec![true; nc];
    let joint = Face::solve(table, &covered, &all)?;
    let binding = binding_disruptions(table, &covered, &joint.split)?;
    let mut alone = Vec::with_capacity(nc);
    for c in 0..nc {
        let mut only = vec![false; nc];
        only[c] = true;
        alone.push(Face::solve(table, &covered, &only)?);
    }

    let holders = (0..table.holders.len())
        .map(|h| HolderStock {
            holder: table.holders[h].clone(),
            stock: tonnes(joint.split[h].clamp(joint.min[h], joint.max[h])),
            min: tonnes(joint.min[h]),
            max: tonnes(joint.max[h]),
            value: table.price[h].map(|p| money(p * tonnes(joint.split[h]))),
            binding: binding[h].clone(),
        })
        .collect();
    let consumers = (0..nc)
        .map(|c| {
            let mut worst: Option<(f64, usize)> = None;
            for (d, row) in need.iter().enumerate() {
                // Disruptions are taken in label order, so the first of equals wins.
                let better = match worst {
                    None => row[c] > 0.0,
                    Some((n, w)) => {
                        row[c] > n || (row[c] == n && table.disruptions[d] < table.disruptions[w])
                    }
                };
                if better {
                    worst = Some((row[c], d));
                }
            }
            ConsumerNeed {
                consumer: table.consumers[c].clone(),
                window_demand: tonnes(table.window_demand[c]),
                worst_need: tonnes(worst.map_or(0.0, |(n, _)| n)),
                worst_disruption: worst.map(|(_, d)| table.disruptions[d].clone()),
                alone: tonnes(alone[c].total),
                uncovered: tonnes(
                    (0..nd)
                        .map(|d| need[d][c] - covered[d][c])
                        .fold(0.0, f64::max),
                ),
            }
        })
        .collect();
    let value_of = |split: &[f64]| -> Option<f64> {
        split
            .iter()
            .zip(&table.price)
            .map(|(&z, p)| match tonnes(z) {
                // Money of the reported (rounded) stocks.
                z if z > 0.0 => p.map(|p| p * z),
                _ => Some(0.0),
            })
            .sum()
    };
    // The saving from the unrounded stocks: the rounded ones of the joint
    // and of each consumer alone differ by up to 1e-6 t each, which would
    // show as cents saved where nothing is.
    let exact_value_of = |split: &[f64]| -> Option<f64> {
        split
            .iter()
            .zip(&table.price)
            .map(|(&z, p)| if z > 0.0 { p.map(|p| p * z) } else { Some(0.0) })
            .sum()
    };
    let separate: f64 = alone.iter().map(|f| f.total).sum();
    let joint_value = value_of(&joint.split);
    let separate_value: Option<f64> = alone.iter().map(|f| value_of(&f.split)).sum();
    let saving_value = exact_value_of(&joint.split)
        .zip(
            alone
                .iter()
                .map(|f| exact_value_of(&f.split))
                .sum::<Option<f64>>(),
        )
        .map(|(j, s)| money((s - j).max(0.0)));
    let shared_holders = (0..table.holders.len())
        .filter(|&h| {
            let mut to: Vec<usize> = table
                .routes
                .iter()
                .filter(|r| r.holder == h)
                .map(|r| r.consumer)
                .collect();
            to.sort_unstable();
            to.dedup();
            to.len() >= 2
        })
        .map(|h| table.holders[h].clone())
        .collect();
    Ok(Sizing {
        commodity: table.commodity.clone(),
        required: tonnes(joint.total),
        holders,
        consumers,
        uncovered,
        sharing: Sharing {
            joint: tonnes(joint.total),
            separate: tonnes(separate),
            saving: tonnes((separate - joint.total).max(0.0)),
            joint_value: joint_value.map(money),
            separate_value: separate_value.map(money),
            saving_value,
            shared_holders,
        },
    })
}

/// The sizing LP of step 2 for a subset of the consumers, built afresh for
/// each objective (it is small: holders x disruptions x routes columns).
struct SizingLp {
    vars: ProblemVariables,
    cols: Cols,
    rows: Vec<Constraint>,
}

/// The columns of a sizing LP.
struct Cols {
    /// z_h, per holder.
    z: Vec<Variable>,
    /// (route index, disruption, r_(e,d)).
    release: Vec<(usize, usize, Variable)>,
    /// The common position in the ranges of the split rule (step 4), in [0, 1].
    t: Variable,
}

/// The values of a sizing LP's solution.
struct Values {
    z: Vec<f64>,
    /// Parallel to `Cols::release`.
    release: Vec<f64>,
    t: f64,
}

impl SizingLp {
    /// The rows of step 2; `z_upper` bounds each holder's stock (for the
    /// feasibility test of a split and for the binding test).
    fn build(
        table: &UnmetTable,
        covered: &[Vec<f64>],
        consumers: &[bool],
        z_upper: Option<&[f64]>,
    ) -> SizingLp {
        let mut vars = ProblemVariables::new();
        let z: Vec<Variable> = (0..table.holders.len())
            .map(|h| {
                let v = variable().min(0.0);
                vars.add(match z_upper {
                    Some(u) => v.max(u[h]),
                    None => v,
                })
            })
            .collect();
        let t = vars.add(variable().min(0.0).max(1.0));
        let mut release = Vec::new();
        let mut rows = Vec::new();
        for (d, row) in covered.iter().enumerate() {
            // Only disruptions that need something of these consumers get columns.
            if !row.iter().zip(consumers).any(|(&n, &on)| on && n > 0.0) {
                continue;
            }
            let first = release.len();
            for (e, r) in table.routes.iter().enumerate() {
                if consumers[r.consumer] {
                    let v = variable().min(0.0);
                    let v = match r.capacity {
                        Some(k) => v.max(k),
                        None => v,
                    };
                    release.push((e, d, vars.add(v)));
                }
            }
            let mine = &release[first..];
            for (c, &n) in row.iter().enumerate() {
                if consumers[c] && n > 0.0 {
                    let into: Expression = mine
                        .iter()
                        .filter(|(e, _, _)| table.routes[*e].consumer == c)
                        .map(|(_, _, v)| *v)
                        .sum();
                    rows.push(into.geq(n));
                }
            }
            for (h, &zh) in z.iter().enumerate() {
                let from: Vec<Variable> = mine
                    .iter()
                    .filter(|(e, _, _)| table.routes[*e].holder == h)
                    .map(|(_, _, v)| *v)
                    .collect();
                if !from.is_empty() {
                    let out: Expression = from.into_iter().sum();
                    rows.push(out.leq(zh));
                }
            }
        }
        SizingLp {
            vars,
            cols: Cols { z, release, t },
            rows,
        }
    }

    /// Minimises `objective` over the rows and the `extra` rows; `None` when infeasible.
    fn minimise(
        self,
        commodity: &str,
        objective: impl FnOnce(&Cols) -> Expression,
        extra: impl FnOnce(&Cols) -> Vec<Constraint>,
    ) -> Result<Option<Values>, SolveError> {
        let SizingLp {
            vars,
            cols,
            mut rows,
        } = self;
        let objective = objective(&cols);
        rows.extend(extra(&cols));
        let columns: Vec<Variable> = cols
            .z
            .iter()
            .copied()
            .chain(cols.release.iter().map(|r| r.2))
            .chain([cols.t])
            .collect();
        let nz = cols.z.len();
        let nr = cols.release.len();
        Ok(
            minimise_small(vars, objective, rows, &columns, commodity)?.map(|v| Values {
                z: v[..nz].to_vec(),
                release: v[nz..nz + nr].to_vec(),
                t: v[nz + nr],
            }),
        )
    }
}

/// The optimal face of step 2 for a set of consumers: the least total, each
/// holder's range and the reported split (steps 3 and 4).
struct Face {
    total: f64,
    min: Vec<f64>,
    max: Vec<f64>,
    split: Vec<f64>,
}

impl Face {
    fn solve(
        table: &UnmetTable,
        covered: &[Vec<f64>],
        consumers: &[bool],
    ) -> Result<Face, SolveError> {
        let k = &table.commodity;
        let nh = table.holders.len();
        let infeasible = || SolveError {
            commodity: k.clone(),
            reason: "the stockpile sizing LP is infeasible (a bug: uncovered needs were taken out)"
                .into(),
        };
        let build = || SizingLp::build(table, covered, consumers, None);
        let z = build()
            .minimise(k, |c| c.z.iter().copied().sum(), |_| Vec::new())?
            .ok_or_else(infeasible)?
            .z;
        let total: f64 = z.iter().sum();
        if total <= 0.0 {
            return Ok(Face {
                total: 0.0,
                min: vec![0.0; nh],
                max: vec![0.0; nh],
                split: vec![0.0; nh],
            });
        }
        let tol = FACE_TOLERANCE * total.max(1.0);
        let on_face = |c: &Cols| {
            let sum: Expression = c.z.iter().copied().sum();
            vec![sum.leq(total + tol)]
        };
        let mut min = vec![0.0; nh];
        let mut max = vec![0.0; nh];
        for h in 0..nh {
            for sign in [1.0, -1.0] {
                let zh = build()
                    .minimise(k, |c| sign * c.z[h], on_face)?
                    .ok_or_else(infeasible)?
                    .z[h];
                if sign > 0.0 {
                    min[h] = zh;
                } else {
                    max[h] = zh;
                }
            }
        }
        // The relaxed face (tolerance tol) widens a range by up to tol; on
        // the exact face z_h <= Z* - sum of the others' minima, and a range
        // no wider than the tolerance is a forced split.
        let lows: f64 = min.iter().sum();
        for h in 0..nh {
            let cap = total - (lows - min[h]);
            if cap >= min[h] {
                max[h] = max[h].min(cap);
            }
            if max[h] - min[h] <= 2.0 * tol {
                max[h] = min[h];
            }
        }
        // Step 4, by progressive filling: raise the common position t of the
        // holders not yet fixed as far as the face allows; fix those that
        // cannot go beyond it; repeat with the others.
        let width: Vec<f64> = (0..nh).map(|h| max[h] - min[h]).collect();
        let mut level: Vec<Option<f64>> = (0..nh)
            .map(|h| (width[h] <= tol).then_some(min[h]))
            .collect();
        // The rows z_h >= min_h + t x width_h of the holders not fixed, and
        // z_h >= level_h of the fixed ones (less the face's tolerance).
        let floors = |level: &[Option<f64>], t: Option<f64>| {
            let level = level.to_vec();
            let (min, width) = (min.clone(), width.clone());
            move |c: &Cols| {
                let mut rows = on_face(c);
                for (h, &zh) in c.z.iter().enumerate() {
                    rows.push(match (level[h], t) {
                        (Some(l), _) => Expression::from(zh).geq(l - tol),
                        (None, Some(t)) => Expression::from(zh).geq(min[h] + t * width[h] - tol),
                        (None, None) => (zh - width[h] * c.t).geq(min[h]),
                    });
                }
                rows
            }
        };
        // The split is the last round's solution: a point of the face (to the
        // solver's tolerance) within BLOCKED_TOLERANCE of the levels.
        let mut split = z;
        while level.iter().any(Option::is_none) {
            let round = build()
                .minimise(k, |c| -Expression::from(c.t), floors(&level, None))?
                .ok_or_else(infeasible)?;
            let t = round.t;
            split = round.z;
            let free: Vec<usize> = (0..nh).filter(|&h| level[h].is_none()).collect();
            let mut blocked = Vec::new();
            for &h in &free {
                let most = build()
                    .minimise(k, |c| -Expression::from(c.z[h]), floors(&level, Some(t)))?
                    .ok_or_else(infeasible)?
                    .z[h];
                if most <= min[h] + t * width[h] + BLOCKED_TOLERANCE * total.max(1.0) {
                    blocked.push(h);
                }
            }
            // Some holder always blocks at the largest t; if solver noise
            // hides it, every one is fixed (the loop must end).
            let fix = if blocked.is_empty() { free } else { blocked };
            for h in fix {
                level[h] = Some(min[h] + t * width[h]);
            }
        }
        Ok(Face {
            total,
            min,
            max,
            split,
        })
    }
}

/// Step 5: for each holder, the disruptions whose requirement, with the other
/// holders at their reported stocks, uses its whole stock (labels, sorted).
fn binding_disruptions(
    table: &UnmetTable,
    covered: &[Vec<f64>],
    split: &[f64],
) -> Result<Vec<Vec<String>>, SolveError> {
    let nh = table.holders.len();
    let all = vec![true; table.consumers.len()];
    let mut binding = vec![Vec::new(); nh];
    for h in 0..nh {
        if split[h] <= 0.0 {
            continue;
        }
        // Every stock fixed at its split (a solution of the LP, a little above
        // for numerics); the objective is h's releases, which separate by
        // disruption.
        let scale = split.iter().sum::<f64>().max(1.0);
        let fixed: Vec<f64> = split.iter().map(|z| z + FACE_TOLERANCE * scale).collect();
        let lp = SizingLp::build(table, covered, &all, Some(&fixed));
        let mine: Vec<(usize, usize)> = lp.cols.release.iter().map(|&(e, d, _)| (e, d)).collect();
        let released = lp
            .minimise(
                &table.commodity,
                |c| {
                    c.release
                        .iter()
                        .filter(|(e, _, _)| table.routes[*e].holder == h)
                        .map(|r| r.2)
                        .sum()
                },
                |_| Vec::new(),
            )?
            .ok_or_else(|| SolveError {
                commodity: table.commodity.clone(),
                reason: "the reported split does not cover every disruption (a bug)".into(),
            })?
            .release;
        let mut used = vec![0.0; table.disruptions.len()];
        for ((e, d), x) in mine.iter().zip(&released) {
            if table.routes[*e].holder == h {
                used[*d] += x;
            }
        }
        let mut labels: Vec<String> = used
            .iter()
            .enumerate()
            .filter(|(_, &u)| u > 0.0 && binds(split[h] - u, split[h]))
            .map(|(d, _)| table.disruptions[d].clone())
            .collect();
        labels.sort();
        binding[h] = labels;
    }
    Ok(binding)
}

/// What `sourcemix stockpile` sizes: the protected consumers and the
/// holders (node ids as written), the tolerance a, and the disruptions.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub protect: Vec<String>,
    pub holders: Vec<String>,
    /// a: the share of its window demand a protected consumer may go without.
    pub tolerance: f64,
    pub window: Window,
    pub set: Vec<Disruption>,
}

/// Why a sizing could not be done.
#[derive(Debug, thiserror::Error)]
pub enum StockpileError {
    /// The protected consumers or holders do not fit the model (every problem, one a line).
    #[error("{}", .0.join("\n"))]
    Usage(Vec<String>),
    #[error(transparent)]
    Disruption(#[from] DisruptionError),
    #[error(transparent)]
    Solver(#[from] SolveError),
}

/// Checks the numbers of a request before anything is read.
pub fn check_values(tolerance: f64, months: f64) -> Result<(), String> {
    if !(tolerance.is_finite() && (0.0..=1.0).contains(&tolerance)) {
        return Err(format!(
            "--tolerance {tolerance} is not a share of window demand in 0..=1"
        ));
    }
    if !(months > 0.0 && months <= disruption::MAX_MONTHS) {
        return Err(format!(
            "--months {months} is not a number of months in (0, {}]",
            disruption::MAX_MONTHS
        ));
    }
    Ok(())
}

/// The protected consumers and the holders as node ids (sorted by id text,
/// duplicates dropped); every problem is collected: an unknown id, a
/// protected node that is not a consumer, a holder that is not a stockpile,
/// a holder with no route to any protected consumer.
pub fn resolve(
    model: &Model,
    protect: &[String],
    holders: &[String],
) -> Result<(Vec<NodeId>, Vec<NodeId>), Vec<String>> {
    let mut errors = Vec::new();
    let mut find = |names: &[String], what: &str, kind: NodeKind| {
        let mut ids = Vec::new();
        for name in names {
            match model.nodes.iter().position(|n| &n.id == name) {
                None => errors.push(format!(
                    "unknown {what} \"{name}\" (the model has no such node{})",
                    did_you_mean(
                        name,
                        model
                            .nodes
                            .iter()
                            .filter(|n| n.kind == kind)
                            .map(|n| n.id.as_str())
                    )
                )),
                Some(i) if model.nodes[i].kind != kind => errors.push(format!(
                    "{what} \"{name}\" is a {}, not a {kind}",
                    model.nodes[i].kind
                )),
                Some(i) => ids.push(NodeId::from_index(i)),
            }
        }
        ids.sort_by(|a, b| model.node(*a).id.cmp(&model.node(*b).id));
        ids.dedup();
        ids
    };
    let protect_ids = find(protect, "protected consumer", NodeKind::Consumer);
    let holder_ids = find(holders, "holder", NodeKind::Stockpile);
    if protect.is_empty() {
        errors.push("--protect names no consumer".into());
    }
    if holders.is_empty() {
        errors.push("--holders names no stockpile".into());
    }
    for &h in &holder_ids {
        if !protect_ids.is_empty()
            && !model
                .routes
                .iter()
                .any(|r| r.from == h && protect_ids.contains(&r.to))
        {
            errors.push(format!(
                "holder \"{}\" has no route to any protected consumer ({}): add routes from it in routes.csv or leave it out",
                model.node(h).id,
                protect_ids
                    .iter()
                    .map(|&c| model.node(c).id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    if errors.is_empty() {
        Ok((protect_ids, holder_ids))
    } else {
        Err(errors)
    }
}

/// A disruption's label inside its commodity: `CHN refining export-ban`.
pub fn label(model: &Model, d: &Disruption) -> String {
    format!(
        "{} {} {}",
        model.country(d.country).code,
        d.stage.as_str(),
        d.kind.as_str()
    )
}

/// The unmet tables of the commodities that have a disruption and a
/// protected consumer with demand, from the outcomes of
/// [`disruption::run`] (solved without the holders).
pub fn tables(
    model: &Model,
    protect: &[NodeId],
    holders: &[NodeId],
    window: &Window,
    outcomes: &[DisruptionOutcome],
) -> Vec<UnmetTable> {
    let mut tables = Vec::new();
    let mut commodities: Vec<CommodityId> = model.commodity_ids().collect();
    commodities.sort_by(|a, b| model.commodity(*a).id.cmp(&model.commodity(*b).id));
    for k in commodities {
        let mut mine: Vec<(String, &DisruptionOutcome)> = outcomes
            .iter()
            .filter(|o| o.disruption.commodity == k)
            .map(|o| (label(model, &o.disruption), o))
            .collect();
        mine.sort_by(|a, b| a.0.cmp(&b.0));
        let consumers: Vec<NodeId> = protect
            .iter()
            .copied()
            .filter(|&c| model.demand.iter().any(|d| d.node == c && d.commodity == k))
            .collect();
        if mine.is_empty() || consumers.is_empty() {
            continue;
        }
        // A consumer the outcome does not list (no demand in the window) is short of nothing.
        let unmet = |o: &DisruptionOutcome, c: NodeId| {
            o.consumers
                .iter()
                .find(|i| i.consumer == c)
                .map_or(0.0, |i| i.unmet)
        };
        let serving: Vec<NodeId> = holders
            .iter()
            .copied()
            .filter(|&h| {
                model
                    .routes
                    .iter()
                    .any(|r| r.from == h && r.commodity == k && consumers.contains(&r.to))
            })
            .collect();
        let mut routes = Vec::new();
        for r in &model.routes {
            let (Some(h), Some(c)) = (
                serving.iter().position(|&h| h == r.from),
                consumers.iter().position(|&c| c == r.to),
            ) else {
                continue;
            };
            if r.commodity == k {
                routes.push(HolderRoute {
                    holder: h,
                    consumer: c,
                    capacity: r.capacity.map(|q| q * window.factor()),
                });
            }
        }
        // Parallel routes in a stable order whatever the row order of routes.csv.
        routes.sort_by(|a, b| {
            (a.holder, a.consumer).cmp(&(b.holder, b.consumer)).then(
                a.capacity
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.capacity.unwrap_or(f64::INFINITY)),
            )
        });
        tables.push(UnmetTable {
            commodity: model.commodity(k).id.clone(),
            consumers: consumers
                .iter()
                .map(|&c| model.node(c).id.clone())
                .collect(),
            window_demand: consumers
                .iter()
                .map(|&c| {
                    model
                        .demand
                        .iter()
                        .filter(|d| d.node == c && d.commodity == k)
                        .map(|d| d.demand * window.factor())
                        .sum()
                })
                .collect(),
            disruptions: mine.iter().map(|(l, _)| l.clone()).collect(),
            unmet: mine
                .iter()
                .map(|(_, o)| consumers.iter().map(|&c| unmet(o, c)).collect())
                .collect(),
            holders: serving.iter().map(|&h| model.node(h).id.clone()).collect(),
            price: serving
                .iter()
                .map(|&h| {
                    model
                        .supply
                        .iter()
                        .find(|s| s.node == h && s.commodity == k)
                        .map(|s| s.cost)
                })
                .collect(),
            routes,
        });
    }
    tables
}

/// A sizing of every commodity, with what it was asked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stockpile {
    pub model: String,
    pub currency: String,
    pub months: f64,
    pub tolerance: f64,
    pub keep_policies: bool,
    pub protect: Vec<String>,
    pub holders: Vec<String>,
    /// How many disruptions were solved.
    pub disruptions: usize,
    /// Per commodity (by id), those with a disruption and a protected consumer.
    pub commodities: Vec<CommodityStock>,
}

/// One commodity's sizing with its unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommodityStock {
    #[serde(flatten)]
    pub sizing: Sizing,
    pub unit: String,
    /// How many disruptions of this commodity were sized against.
    pub disruptions: usize,
}

/// `sourcemix stockpile`: resolves the nodes, solves every disruption of
/// `request.set` without the holders' supply, and sizes each commodity.
pub fn run(
    model: &Model,
    request: &Request,
    options: &SolveOptions,
    done: &(dyn Fn(&DisruptionOutcome) + Sync),
) -> Result<Stockpile, StockpileError> {
    check_values(request.tolerance, request.window.months)
        .map_err(|e| StockpileError::Usage(vec![e]))?;
    let (protect, holders) =
        resolve(model, &request.protect, &request.holders).map_err(StockpileError::Usage)?;
    let (_, outcomes) = disruption::run_with(
        model,
        &request.set,
        &request.window,
        &holders,
        options,
        done,
    )?;
    let mut commodities = Vec::new();
    for table in tables(model, &protect, &holders, &request.window, &outcomes) {
        let unit = model
            .commodities
            .iter()
            .find(|c| c.id == table.commodity)
            .map(|c| c.unit.clone())
            .unwrap_or_default();
        commodities.push(CommodityStock {
            unit,
            disruptions: table.disruptions.len(),
            sizing: size(&table, request.tolerance)?,
        });
    }
    let ids = |list: &[NodeId]| list.iter().map(|&n| model.node(n).id.clone()).collect();
    Ok(Stockpile {
        model: model.name.clone(),
        currency: model.currency.clone(),
        months: request.window.months,
        tolerance: request.tolerance,
        keep_policies: request.window.keep_policies,
        protect: ids(&protect),
        holders: ids(&holders),
        disruptions: request.set.len(),
        commodities,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(holder: usize, consumer: usize, capacity: Option<f64>) -> HolderRoute {
        HolderRoute {
            holder,
            consumer,
            capacity,
        }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
    }

    /// Two consumers A, B (window demand 100 each) and one shared holder S.
    /// Disruption X leaves A 40 short and B 10; Y leaves A 5 and B 30.
    /// Tolerance 0: joint = max(40 + 10, 5 + 30) = 50 (X binds);
    /// alone: A needs max(40, 5) = 40, B max(10, 30) = 30: separate 70.
    fn shared() -> UnmetTable {
        UnmetTable {
            commodity: "k".into(),
            consumers: names(&["A", "B"]),
            window_demand: vec![100.0, 100.0],
            disruptions: names(&["X", "Y"]),
            unmet: vec![vec![40.0, 10.0], vec![5.0, 30.0]],
            holders: names(&["S"]),
            price: vec![Some(2.0)],
            routes: vec![route(0, 0, None), route(0, 1, None)],
        }
    }

    #[test]
    fn a_shared_holder_needs_the_worst_summed_need() {
        let s = size(&shared(), 0.0).unwrap();
        assert!(close(s.required, 50.0), "{s:?}");
        assert!(close(s.holders[0].stock, 50.0));
        assert_eq!(s.holders[0].binding, names(&["X"]));
        assert!(close(s.sharing.separate, 70.0));
        assert!(close(s.sharing.saving, 20.0));
        assert_eq!(s.sharing.joint_value, Some(100.0));
        assert_eq!(s.sharing.separate_value, Some(140.0));
        assert_eq!(s.sharing.saving_value, Some(40.0));
        assert_eq!(s.sharing.shared_holders, names(&["S"]));
        assert_eq!(s.consumers[0].worst_disruption.as_deref(), Some("X"));
        assert_eq!(s.consumers[1].worst_disruption.as_deref(), Some("Y"));
        assert!(close(s.consumers[0].alone, 40.0));
        assert!(close(s.consumers[1].alone, 30.0));
        assert!(s.uncovered.is_empty());
    }

    #[test]
    fn the_tolerance_comes_off_each_need() {
        // a = 0.1: needs X (30, 0), Y (0, 20): joint max(30, 20) = 30, separate 30 + 20 = 50.
        let s = size(&shared(), 0.1).unwrap();
        assert!(close(s.required, 30.0), "{s:?}");
        assert!(close(s.sharing.separate, 50.0));
        assert_eq!(s.holders[0].binding, names(&["X"]));
    }

    #[test]
    fn a_route_capacity_leaves_the_rest_uncovered() {
        // The route S -> A carries 25 over the window: A's 40 in X is 15 uncovered,
        // covered needs X (25, 10), Y (5, 30): joint 35 (both bind), separate 25 + 30.
        let mut t = shared();
        t.routes[0].capacity = Some(25.0);
        let s = size(&t, 0.0).unwrap();
        assert!(close(s.required, 35.0), "{s:?}");
        assert_eq!(s.holders[0].binding, names(&["X", "Y"]));
        assert_eq!(s.uncovered.len(), 1);
        assert_eq!(s.uncovered[0].consumer, "A");
        assert_eq!(s.uncovered[0].disruption, "X");
        assert!(close(s.uncovered[0].amount, 15.0));
        assert!(close(s.uncovered_max(), 15.0));
        assert!(close(s.sharing.separate, 55.0));
    }

    #[test]
    fn a_consumer_without_routes_is_all_uncovered() {
        let mut t = shared();
        t.routes.truncate(1);
        let s = size(&t, 0.0).unwrap();
        assert!(close(s.required, 40.0), "{s:?}");
        assert!(close(s.consumers[1].uncovered, 30.0));
        assert!(s.sharing.shared_holders.is_empty());
    }

    #[test]
    fn two_equal_holders_split_the_stock_evenly_with_full_ranges() {
        // H1, H2 both serve A; need 40 in X. Any split of 40 is optimal:
        // ranges [0, 40], the split rule puts both at position 0.5: 20 / 20.
        let t = UnmetTable {
            commodity: "k".into(),
            consumers: names(&["A"]),
            window_demand: vec![100.0],
            disruptions: names(&["X"]),
            unmet: vec![vec![40.0]],
            holders: names(&["H1", "H2"]),
            price: vec![Some(1.0), None],
            routes: vec![route(0, 0, None), route(1, 0, None)],
        };
        let s = size(&t, 0.0).unwrap();
        assert!(close(s.required, 40.0));
        for h in &s.holders {
            assert!(close(h.stock, 20.0), "{h:?}");
            assert!(close(h.min, 0.0) && close(h.max, 40.0), "{h:?}");
            assert_eq!(h.binding, names(&["X"]));
        }
        // H2 has no price: money is not known.
        assert_eq!(s.holders[1].value, None);
        assert_eq!(s.sharing.joint_value, None);
    }

    #[test]
    fn a_forced_split_is_reported_as_such() {
        // H1 serves A only, H2 serves B only: z = (40, 30) whatever, ranges
        // collapse; no sharing, separate = joint = 70.
        let mut t = shared();
        t.holders = names(&["H1", "H2"]);
        t.price = vec![None, None];
        t.routes = vec![route(0, 0, None), route(1, 1, None)];
        let s = size(&t, 0.0).unwrap();
        assert!(close(s.required, 70.0));
        assert!(close(s.holders[0].stock, 40.0) && close(s.holders[0].max, 40.0));
        assert!(close(s.holders[1].stock, 30.0) && close(s.holders[1].min, 30.0));
        assert_eq!(s.holders[0].binding, names(&["X"]));
        assert_eq!(s.holders[1].binding, names(&["Y"]));
        assert!(close(s.sharing.saving, 0.0));
    }

    #[test]
    fn nothing_short_needs_no_stock() {
        let mut t = shared();
        t.unmet = vec![vec![0.0, 0.0], vec![0.0, 0.0]];
        let s = size(&t, 0.0).unwrap();
        assert_eq!(s.required, 0.0);
        assert!(s.holders[0].binding.is_empty());
        assert_eq!(s.consumers[0].worst_disruption, None);
        assert_eq!(s.sharing.joint_value, Some(0.0));
    }

    /// A small deterministic generator (no dependency for a unit test).
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
    }

    #[test]
    fn on_random_tables_the_split_is_on_the_face_and_every_stock_binds() {
        let mut rng = Lcg(7);
        let mut uneven = 0;
        for case in 0..200 {
            let (nh, nc, nd) = (
                3 + rng.next(4) as usize,
                1 + rng.next(3) as usize,
                1 + rng.next(4) as usize,
            );
            let mut routes = Vec::new();
            for h in 0..nh {
                for c in 0..nc {
                    if rng.next(3) > 0 {
                        let cap = (rng.next(4) == 0).then(|| 5.0 + rng.next(30) as f64);
                        routes.push(route(h, c, cap));
                    }
                }
            }
            let t = UnmetTable {
                commodity: format!("case{case}"),
                consumers: (0..nc).map(|c| format!("C{c}")).collect(),
                window_demand: vec![100.0; nc],
                disruptions: (0..nd).map(|d| format!("D{d}")).collect(),
                unmet: (0..nd)
                    .map(|_| (0..nc).map(|_| rng.next(50) as f64).collect())
                    .collect(),
                holders: (0..nh).map(|h| format!("H{h}")).collect(),
                price: vec![Some(1.0); nh],
                routes,
            };
            let s = size(&t, 0.05).unwrap();
            let total: f64 = s.holders.iter().map(|h| h.stock).sum();
            // Each stock is rounded to 1e-6 on its own.
            assert!(
                (total - s.required).abs() <= 1e-6 * (nh as f64 + 1.0),
                "case {case}: {s:?}"
            );
            assert!(s.sharing.joint <= s.sharing.separate + 1e-6, "case {case}");
            let split: Vec<f64> = s.holders.iter().map(|h| h.stock + 1e-6).collect();
            let need: Vec<Vec<f64>> = t
                .unmet
                .iter()
                .map(|row| row.iter().map(|u| (u - 5.0f64).max(0.0)).collect())
                .collect();
            let covered: Vec<Vec<f64>> = need
                .iter()
                .map(|row| {
                    row.iter()
                        .enumerate()
                        .map(|(c, n)| {
                            let cap: f64 = t
                                .routes
                                .iter()
                                .filter(|r| r.consumer == c)
                                .map(|r| r.capacity.unwrap_or(f64::INFINITY))
                                .sum();
                            n.min(cap)
                        })
                        .collect()
                })
                .collect();
            let all = vec![true; nc];
            let feasible = SizingLp::build(&t, &covered, &all, Some(&split))
                .minimise("k", |_| Expression::from(0.0), |_| Vec::new())
                .unwrap();
            assert!(feasible.is_some(), "case {case}: the split covers: {s:?}");
            // Positions in the ranges: not all equal where one common position
            // does not fit the face (the max-min rule at work).
            let positions: Vec<f64> = s
                .holders
                .iter()
                .filter(|h| h.max - h.min > 1e-6)
                .map(|h| (h.stock - h.min) / (h.max - h.min))
                .collect();
            if positions.iter().any(|p| (p - positions[0]).abs() > 1e-4) {
                uneven += 1;
            }
            for h in &s.holders {
                assert!(h.min - 1e-6 <= h.stock && h.stock <= h.max + 1e-6, "{h:?}");
                if h.stock > 1e-6 {
                    assert!(!h.binding.is_empty(), "case {case}: {h:?} binds nowhere");
                }
            }
        }
        assert!(
            uneven > 0,
            "no case exercised the max-min rule beyond one position"
        );
        eprintln!("{uneven} of 200 cases split at uneven positions");
    }
}
