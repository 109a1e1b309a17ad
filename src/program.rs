//! Program: the linear program of sections 2-4 of the contract, one per
//! commodity (no constraint couples two commodities, so the optimum of the
//! whole model is the sum of the commodities' optima). Each constraint family
//! is one function whose comment states the equation it adds.

use std::collections::BTreeMap;

use good_lp::{variable, Constraint, Expression, ProblemVariables, Variable};

use crate::id::{CommodityId, CountryId, DemandId, NodeId, RefiningId, RouteId, SupplyId};
use crate::model::{Model, PolicyKind};
use crate::network::{CommodityNetwork, Label, Origin, Role};
use crate::policies::{self, PolicyInstance};

/// A flow variable: tonnes of one label on one route.
#[derive(Copy, Clone, Debug)]
pub struct Flow {
    pub route: RouteId,
    pub label: Label,
    pub var: Variable,
}

/// What a constraint row stands for, so its dual can be reported.
#[derive(Clone, Debug, PartialEq)]
pub enum RowTag {
    SupplyCapacity(SupplyId),
    RefiningCapacity(RefiningId),
    RefinerYield(NodeId, Origin),
    HubBalance(NodeId, Label),
    Demand(DemandId),
    RouteCapacity(RouteId),
    /// Index into `CommodityProgram::policies`.
    Policy(usize),
    /// The total delivered to one scope set of the policies.
    ScopeDelivered,
}

/// The solver-facing part of a program, consumed by `solve`.
pub struct Lp {
    pub vars: ProblemVariables,
    pub objective: Expression,
    /// The objective as one cost per column (see `CommodityProgram::flow_column`).
    pub costs: Vec<f64>,
    pub rows: Vec<Constraint>,
    /// (lower, upper) of each row as written (parallel to `rows`), so that a
    /// kept solver instance can restore a row after changing it.
    pub bounds: Vec<(f64, f64)>,
}

/// The linear program of one commodity and what each of its parts means.
pub struct CommodityProgram {
    pub commodity: CommodityId,
    /// The solver column of its first variable: 0 for a program of its own,
    /// the offset of its period in a multi-period program (`horizon`).
    pub first_column: usize,
    pub flows: Vec<Flow>,
    /// Each consumer's demand row and its unmet-demand variable.
    pub unmet: Vec<(DemandId, Variable)>,
    /// One tag per row of `lp.rows`, in the same order.
    pub tags: Vec<RowTag>,
    pub policies: Vec<PolicyInstance>,
    /// For each policy instance, its row in `lp.rows` (none when nothing can be delivered to its scope).
    pub policy_rows: Vec<Option<usize>>,
    /// Rows in the LP.
    pub rows: usize,
    /// Variables holding the total delivered to each policy scope set.
    pub scope_totals: usize,
    /// For each policy instance, the column of delivered[S] of its scope set
    /// (its coefficient in the policy row is -share), when it has a row.
    pub policy_delivered: Vec<Option<Column>>,
}

/// A column of the program as the solver numbers it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Column(pub u32);

impl Column {
    pub fn index(self) -> usize {
        self.0 as usize
    }

    pub fn at(index: usize) -> Column {
        Column(u32::try_from(index).unwrap_or(u32::MAX))
    }
}

impl CommodityProgram {
    pub fn variables(&self) -> usize {
        self.flows.len() + self.unmet.len() + self.scope_totals
    }

    /// The column of flow `i` (index into `flows`): `build` creates the flow
    /// variables first, in order, then the unmet-demand variables, then the
    /// scope totals, so the solver's columns follow that order.
    pub fn flow_column(&self, i: usize) -> Column {
        Column::at(self.first_column + i)
    }

    /// The column of unmet demand `j` (index into `unmet`).
    pub fn unmet_column(&self, j: usize) -> Column {
        Column::at(self.first_column + self.flows.len() + j)
    }

    /// The solver columns of this program: `first_column` and the
    /// `variables()` after it.
    pub fn columns(&self) -> std::ops::Range<usize> {
        self.first_column..self.first_column + self.variables()
    }

    /// The flows (indices into `flows`) leaving the sources (mines,
    /// recyclers, stockpiles) located in `country`: what an outage of its
    /// supply stops.
    pub fn flows_from_sources_in(
        &self,
        model: &Model,
        net: &CommodityNetwork,
        country: CountryId,
    ) -> Vec<usize> {
        self.flows
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                let from = model.route(f.route).from;
                matches!(net.roles[from.index()], Role::Source(_))
                    && model.node_country(from) == country
            })
            .map(|(i, _)| i)
            .collect()
    }
}

/// The flows into and out of each node, by index into `flows`.
struct Incidence {
    into: Vec<Vec<usize>>,
    out_of: Vec<Vec<usize>>,
}

/// Builds the program of one commodity from its network.
pub fn build(model: &Model, net: &CommodityNetwork) -> (CommodityProgram, Lp) {
    let mut vars = ProblemVariables::new();
    let (program, part) = build_part(model, net, &mut vars, &AddedCapacity::new());
    let LpPart {
        objective,
        costs,
        rows,
        bounds,
    } = part;
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

/// Capacity added by investment (contract section 10) that a period's
/// capacity rows may use, by node: the expression of the added capacity
/// available in that period. A node's supply or refining row then reads
/// `used - added <= existing`.
pub type AddedCapacity = BTreeMap<NodeId, Expression>;

/// The rows and objective of one commodity's program built into variables
/// that other parts share (a period of a multi-period program): its columns
/// start at `CommodityProgram::first_column`, and `costs` holds the cost of
/// its own columns only, in order.
pub struct LpPart {
    pub objective: Expression,
    pub costs: Vec<f64>,
    pub rows: Vec<Constraint>,
    pub bounds: Vec<(f64, f64)>,
}

/// Builds the program of one commodity from its network into `vars`, whose
/// next column becomes the program's first; `added` names the investment
/// expressions its capacity rows subtract.
pub fn build_part(
    model: &Model,
    net: &CommodityNetwork,
    vars: &mut ProblemVariables,
    added: &AddedCapacity,
) -> (CommodityProgram, LpPart) {
    let first_column = vars.len();
    let flows = flow_variables(net, vars);
    let unmet: Vec<(DemandId, Variable)> = net
        .roles
        .iter()
        .filter_map(|r| {
            if let Role::Consumer(d) = r {
                Some((*d, vars.add(variable().min(0.0))))
            } else {
                None
            }
        })
        .collect();
    let incidence = incidence(model, &flows);
    let instances = policies::instances(model, net);
    let scope_totals = scope_total_variables(&instances, &incidence, vars);
    let mut b = Builder {
        model,
        net,
        flows: &flows,
        incidence: &incidence,
        added,
        rows: Vec::new(),
        bounds: Vec::new(),
        tags: Vec::new(),
    };
    b.supply_capacity();
    b.refining_capacity();
    b.refiner_yield();
    b.hub_balance();
    b.demand_balance(&unmet);
    b.route_capacity();
    b.scope_deliveries(&scope_totals);
    let (policy_rows, policy_delivered) = b.policy_shares(&instances, &scope_totals);
    let own_columns = vars.len() - first_column;
    let (objective, costs) = objective(model, net, &flows, &incidence, &unmet, own_columns);
    let Builder {
        rows, bounds, tags, ..
    } = b;
    let program = CommodityProgram {
        commodity: net.commodity,
        first_column,
        flows,
        unmet,
        rows: tags.len(),
        scope_totals: scope_totals.len(),
        policy_delivered,
        tags,
        policies: instances,
        policy_rows,
    };
    (
        program,
        LpPart {
            objective,
            costs,
            rows,
            bounds,
        },
    )
}

/// delivered[S] >= 0 for every distinct scope set S of the policies that some flow can reach.
fn scope_total_variables(
    instances: &[PolicyInstance],
    inc: &Incidence,
    vars: &mut ProblemVariables,
) -> BTreeMap<Vec<NodeId>, (Variable, Column)> {
    let mut totals = BTreeMap::new();
    for inst in instances {
        let reachable = inst
            .consumers
            .iter()
            .any(|c| !inc.into[c.index()].is_empty());
        if reachable && !totals.contains_key(&inst.consumers) {
            let column = Column::at(vars.len());
            totals.insert(
                inst.consumers.clone(),
                (vars.add(variable().min(0.0)), column),
            );
        }
    }
    totals
}

/// x[e, l] >= 0 for every route e and every label l it can usefully carry.
fn flow_variables(net: &CommodityNetwork, vars: &mut ProblemVariables) -> Vec<Flow> {
    let mut flows = Vec::new();
    for (route, labels) in &net.route_labels {
        for &label in labels {
            flows.push(Flow {
                route: *route,
                label,
                var: vars.add(variable().min(0.0)),
            });
        }
    }
    flows
}

fn incidence(model: &Model, flows: &[Flow]) -> Incidence {
    let n = model.nodes.len();
    let mut inc = Incidence {
        into: vec![Vec::new(); n],
        out_of: vec![Vec::new(); n],
    };
    for (i, f) in flows.iter().enumerate() {
        let r = model.route(f.route);
        inc.out_of[r.from.index()].push(i);
        inc.into[r.to.index()].push(i);
    }
    inc
}

/// min  sum_n supply_cost(n) * supplied(n) + sum_n refining_cost(n) * input(n)
///    + sum_e route_cost(e) * shipped(e) + sum_c penalty(c) * unmet(c)
fn objective(
    model: &Model,
    net: &CommodityNetwork,
    flows: &[Flow],
    inc: &Incidence,
    unmet: &[(DemandId, Variable)],
    columns: usize,
) -> (Expression, Vec<f64>) {
    let mut cost: Vec<f64> = flows.iter().map(|f| model.route(f.route).cost).collect();
    for (node, role) in net.roles.iter().enumerate() {
        match *role {
            Role::Source(s) => inc.out_of[node]
                .iter()
                .for_each(|&i| cost[i] += model.supply[s].cost),
            Role::Refiner(r) => inc.into[node]
                .iter()
                .for_each(|&i| cost[i] += model.refining[r].cost),
            _ => {}
        }
    }
    let mut objective = Expression::with_capacity(flows.len() + unmet.len());
    for (i, &c) in cost.iter().enumerate() {
        if c != 0.0 {
            objective.add_mul(c, flows[i].var);
        }
    }
    for &(d, var) in unmet {
        objective.add_mul(model.demand[d].penalty, var);
        cost.push(model.demand[d].penalty);
    }
    cost.resize(columns, 0.0); // the scope totals cost nothing
    (objective, cost)
}

struct Builder<'a> {
    model: &'a Model,
    net: &'a CommodityNetwork,
    flows: &'a [Flow],
    incidence: &'a Incidence,
    added: &'a AddedCapacity,
    rows: Vec<Constraint>,
    bounds: Vec<(f64, f64)>,
    tags: Vec<RowTag>,
}

/// How a row compares its expression with its right-hand side.
#[derive(Copy, Clone)]
enum Sense {
    AtMost,
    Equal,
    AtLeast,
}

impl Builder<'_> {
    /// Adds the row `expr (sense) rhs`; returns its index.
    fn push(&mut self, tag: RowTag, expr: Expression, sense: Sense, rhs: f64) -> usize {
        let (row, bounds) = match sense {
            Sense::AtMost => (expr.leq(rhs), (f64::NEG_INFINITY, rhs)),
            Sense::Equal => (expr.eq(rhs), (rhs, rhs)),
            Sense::AtLeast => (expr.geq(rhs), (rhs, f64::INFINITY)),
        };
        self.rows.push(row);
        self.bounds.push(bounds);
        self.tags.push(tag);
        self.rows.len() - 1
    }

    fn sum(&self, flows: impl Iterator<Item = usize>) -> Expression {
        let mut e = Expression::default();
        for i in flows {
            e.add_mul(1.0, self.flows[i].var);
        }
        e
    }

    /// `used` less the capacity added at `node` (if any) by investment.
    fn less_added(&self, mut used: Expression, node: usize) -> Expression {
        if let Some(added) = self.added.get(&NodeId::from_index(node)) {
            used.add_mul(-1.0, added.clone());
        }
        used
    }

    /// Source n with a finite capacity: sum_e out x[e, l] (- added(n)) <= capacity(n, k).
    fn supply_capacity(&mut self) {
        for (node, role) in self.net.roles.iter().enumerate() {
            if let Role::Source(s) = *role {
                if let Some(cap) = self.model.supply[s].capacity {
                    if !self.incidence.out_of[node].is_empty() {
                        let out = self.sum(self.incidence.out_of[node].iter().copied());
                        let out = self.less_added(out, node);
                        self.push(RowTag::SupplyCapacity(s), out, Sense::AtMost, cap);
                    }
                }
            }
        }
    }

    /// Refiner n with a finite capacity: sum_e in x[e, l] (- added(n)) <= capacity(n, k) (tonnes of input).
    fn refining_capacity(&mut self) {
        for (node, role) in self.net.roles.iter().enumerate() {
            if let Role::Refiner(r) = *role {
                if let Some(cap) = self.model.refining[r].capacity {
                    if !self.incidence.into[node].is_empty() {
                        let input = self.sum(self.incidence.into[node].iter().copied());
                        let input = self.less_added(input, node);
                        self.push(RowTag::RefiningCapacity(r), input, Sense::AtMost, cap);
                    }
                }
            }
        }
    }

    /// Refiner n, for every mining country o:
    /// sum_e out x[e, (o, R)] = yield(n, k) * sum_e in x[e, (o, any)].
    fn refiner_yield(&mut self) {
        for (node, role) in self.net.roles.iter().enumerate() {
            let Role::Refiner(r) = *role else { continue };
            let y = self.model.refining[r].yield_;
            let mut by_origin: BTreeMap<Origin, Expression> = BTreeMap::new();
            for &i in &self.incidence.out_of[node] {
                by_origin
                    .entry(self.flows[i].label.origin)
                    .or_default()
                    .add_mul(1.0, self.flows[i].var);
            }
            for &i in &self.incidence.into[node] {
                by_origin
                    .entry(self.flows[i].label.origin)
                    .or_default()
                    .add_mul(-y, self.flows[i].var);
            }
            for (origin, balance) in by_origin {
                self.push(
                    RowTag::RefinerYield(NodeId::from_index(node), origin),
                    balance,
                    Sense::Equal,
                    0.0,
                );
            }
        }
    }

    /// Hub n, for every label l: sum_e in x[e, l] = sum_e out x[e, l].
    fn hub_balance(&mut self) {
        for (node, role) in self.net.roles.iter().enumerate() {
            if *role != Role::Hub {
                continue;
            }
            let mut by_label: BTreeMap<Label, Expression> = BTreeMap::new();
            for &i in &self.incidence.into[node] {
                by_label
                    .entry(self.flows[i].label)
                    .or_default()
                    .add_mul(1.0, self.flows[i].var);
            }
            for &i in &self.incidence.out_of[node] {
                by_label
                    .entry(self.flows[i].label)
                    .or_default()
                    .add_mul(-1.0, self.flows[i].var);
            }
            for (label, balance) in by_label {
                self.push(
                    RowTag::HubBalance(NodeId::from_index(node), label),
                    balance,
                    Sense::Equal,
                    0.0,
                );
            }
        }
    }

    /// Consumer c: sum_e in x[e, l refined] + s[c, k] = demand(c, k).
    fn demand_balance(&mut self, unmet: &[(DemandId, Variable)]) {
        for &(d, s) in unmet {
            let node = self.model.demand[d].node.index();
            let mut inflow = self.sum(self.incidence.into[node].iter().copied());
            inflow.add_mul(1.0, s);
            let demand = self.model.demand[d].demand;
            self.push(RowTag::Demand(d), inflow, Sense::Equal, demand);
        }
    }

    /// Route e with a finite capacity: sum_l x[e, l] <= capacity(e).
    fn route_capacity(&mut self) {
        let mut by_route: BTreeMap<RouteId, Vec<usize>> = BTreeMap::new();
        for (i, f) in self.flows.iter().enumerate() {
            by_route.entry(f.route).or_default().push(i);
        }
        for (route, list) in by_route {
            if let Some(cap) = self.model.route(route).capacity {
                let shipped = self.sum(list.into_iter());
                self.push(RowTag::RouteCapacity(route), shipped, Sense::AtMost, cap);
            }
        }
    }

    /// For each policy instance with scope S and limited countries X:
    ///   max_share: F_X(S) <= share * delivered(S),
    ///   min_share: F_X(S) >= share * delivered(S),
    /// written as sum_{l in X} (1 - share) x - sum_{l not in X} share x (<= or >=) 0
    /// over the flows into S, where a flow is in X when its label's country at the stage is.
    /// Scope set S of some policy: delivered[S] = sum_e into S of x[e, l]
    /// (one row per distinct set, so that the policy rows need not repeat every inflow).
    fn scope_deliveries(&mut self, totals: &BTreeMap<Vec<NodeId>, (Variable, Column)>) {
        for (consumers, &(delivered, _)) in totals {
            let mut balance = self.sum(
                consumers
                    .iter()
                    .flat_map(|c| self.incidence.into[c.index()].iter().copied()),
            );
            balance.add_mul(-1.0, delivered);
            self.push(RowTag::ScopeDelivered, balance, Sense::Equal, 0.0);
        }
    }

    /// For each policy instance with scope S and limited countries X:
    ///   max_share: F_X(S) <= share * delivered[S],
    ///   min_share: F_X(S) >= share * delivered[S],
    /// where F_X(S) sums the flows into S whose label's country at the stage is in X.
    fn policy_shares(
        &mut self,
        instances: &[PolicyInstance],
        totals: &BTreeMap<Vec<NodeId>, (Variable, Column)>,
    ) -> (Vec<Option<usize>>, Vec<Option<Column>>) {
        let mut rows = Vec::with_capacity(instances.len());
        let mut columns = Vec::with_capacity(instances.len());
        for (idx, inst) in instances.iter().enumerate() {
            let Some(&(delivered, column)) = totals.get(&inst.consumers) else {
                rows.push(None); // nothing can be delivered to S: the row would be 0 <= 0
                columns.push(None);
                continue;
            };
            columns.push(Some(column));
            let limited = inst
                .consumers
                .iter()
                .flat_map(|c| self.incidence.into[c.index()].iter().copied())
                .filter(|&i| inst.limits(self.flows[i].label));
            let mut expr = self.sum(limited);
            expr.add_mul(-inst.share, delivered);
            let sense = match inst.kind {
                PolicyKind::MaxShare => Sense::AtMost,
                PolicyKind::MinShare => Sense::AtLeast,
            };
            rows.push(Some(self.push(RowTag::Policy(idx), expr, sense, 0.0)));
        }
        (rows, columns)
    }
}
