//! Validate: turn raw rows into a `Model` whose every reference is good,
//! collecting every error and warning on the way. A model with `[periods]`
//! (contract section 10) is built as one single-period model per period
//! (the replace-per-period rule applied), each checked like a model of one
//! year, plus what couples them: budgets and expansion options.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::diagnostics::{did_you_mean, Diagnostics, Location, RowRef};
use crate::id::{CommodityId, CountryId, NodeId};
use crate::input::numbers::show;
use crate::input::{OneOrMany, PolicyEntry, Positioned, RawModel};
use crate::model::*;

/// The hint of an error about something only a model with `[periods]` may have.
const NEEDS_PERIODS: &str =
    "add [periods] with years = [...] to model.toml (a multi-period model), or leave the cell blank";
const NEEDS_PERIODS_FILE: &str =
    "add [periods] with years = [...] to model.toml (a multi-period model), or remove the file";
const NEEDS_PERIODS_KEY: &str =
    "add [periods] with years = [...] to model.toml (a multi-period model), or remove the key";

/// Checks `raw` and builds the model. Returns `None` when there is any error
/// (all of them are in `diags`).
pub fn validate(raw: &RawModel, diags: &mut Diagnostics) -> Option<Model> {
    let mut v = Validator {
        raw,
        diags,
        commodity_ids: HashMap::new(),
        country_ids: HashMap::new(),
        node_ids: HashMap::new(),
        broken_nodes: HashSet::new(),
    };
    let commodities = v.commodities();
    let countries = v.countries();
    let nodes = v.nodes();
    let supply = v.supply(&nodes);
    let refining = v.refining(&nodes);
    let demand = v.demand(&nodes);
    let routes = v.routes(&nodes, commodities.len());
    // A model without [periods] is one period whose rows all have a blank year.
    let years: Vec<Option<i32>> = match &raw.toml.periods {
        None => vec![None],
        Some(p) => p.years.iter().copied().map(Some).collect(),
    };
    let tables: Vec<Tables> = years
        .iter()
        .map(|&year| Tables::in_force(year, &supply, &refining, &demand, &routes))
        .collect();
    v.route_warnings(&nodes, &routes, &tables);
    let policies = v.policies(&nodes, &countries);
    let budgets = match raw.toml.periods {
        Some(_) => v.budgets(&nodes, &supply),
        None => Vec::new(),
    };
    let expansions = v.expansions(&nodes, &supply, &refining, &tables);
    if diags.has_errors() {
        return None;
    }
    let model_of = |t: Tables, policies: Vec<Policy>| Model {
        name: raw.toml.name.clone(),
        description: raw.toml.description.clone(),
        currency: raw.toml.currency.clone(),
        commodities: commodities.clone(),
        countries: countries.clone(),
        nodes: nodes.clone(),
        supply: t.supply,
        refining: t.refining,
        demand: t.demand,
        routes: t.routes,
        policies,
        horizon: None,
    };
    let Some(entry) = &raw.toml.periods else {
        let t = tables.into_iter().next()?;
        return Some(model_of(t, policies));
    };
    let models: Vec<Model> = tables
        .into_iter()
        .map(|t| {
            let year = t.year.unwrap_or_default();
            let in_force = policies.iter().filter(|p| p.applies_in(year)).cloned();
            model_of(t, in_force.collect())
        })
        .collect();
    let mut top = models.first()?.clone();
    top.horizon = Some(Box::new(Horizon {
        periods: crate::periods::periods(&entry.years, entry.last_span, entry.discount_rate),
        discount_rate: entry.discount_rate,
        default_lifetime: entry.default_lifetime,
        models,
        expansions,
        budgets,
        line: entry.at.line,
    }));
    Some(top)
}

/// A (node, commodity): the key of supply, refining and demand rows.
type NodeKey = (NodeId, CommodityId);
/// The cells from, to, commodity of a routes.csv row as written.
type RouteKey = (String, String, String);
/// A problem of a row, and the periods it holds in.
type Problem = (String, BTreeSet<Option<i32>>);

/// A checked row with the period it is for (`None`: every period) and the
/// key by which a row of a year replaces the blank-year rows.
struct Dated<K, T> {
    year: Option<i32>,
    key: K,
    item: T,
    /// supply.csv's `reserve` (other tables: `None`).
    reserve: Option<f64>,
}

/// A checked routes.csv row: its edges, one per commodity it carries.
struct RouteRow {
    from: NodeId,
    to: NodeId,
    /// The commodity of a row that names one (not `*`).
    explicit: Option<CommodityId>,
    at: RowRef,
    edges: Vec<Route>,
}

/// The rows in force in one period.
struct Tables {
    /// `None` for a model without `[periods]`.
    year: Option<i32>,
    supply: Vec<Supply>,
    refining: Vec<Refining>,
    demand: Vec<Demand>,
    routes: Vec<Route>,
    /// Which rows of routes.csv (indices into the checked rows) are in force.
    route_rows: Vec<usize>,
}

impl Tables {
    /// The replace-per-period rule (contract section 10): in the period of
    /// `year`, a key's rows of that year if it has any, else its blank-year
    /// rows. Rows keep their file order.
    fn in_force(
        year: Option<i32>,
        supply: &[Dated<NodeKey, Supply>],
        refining: &[Dated<NodeKey, Refining>],
        demand: &[Dated<NodeKey, Demand>],
        routes: &[Dated<RouteKey, RouteRow>],
    ) -> Tables {
        let route_rows = in_force(year, routes);
        Tables {
            year,
            supply: pick(year, supply),
            refining: pick(year, refining),
            demand: pick(year, demand),
            routes: route_rows
                .iter()
                .flat_map(|&i| routes[i].item.edges.iter().cloned())
                .collect(),
            route_rows,
        }
    }
}

/// The indices of the rows in force in the period of `year`.
fn in_force<K: Ord, T>(year: Option<i32>, rows: &[Dated<K, T>]) -> Vec<usize> {
    let replaced: BTreeSet<&K> = rows
        .iter()
        .filter(|r| r.year.is_some() && r.year == year)
        .map(|r| &r.key)
        .collect();
    rows.iter()
        .enumerate()
        .filter(|(_, r)| match r.year {
            Some(y) => Some(y) == year,
            None => !replaced.contains(&r.key),
        })
        .map(|(i, _)| i)
        .collect()
}

fn pick<K: Ord, T: Clone>(year: Option<i32>, rows: &[Dated<K, T>]) -> Vec<T> {
    in_force(year, rows)
        .into_iter()
        .map(|i| rows[i].item.clone())
        .collect()
}

/// `2024, 2030 and 2035`.
fn years_text(years: &[i32]) -> String {
    let text: Vec<String> = years.iter().map(i32::to_string).collect();
    match text.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => text.join(""),
    }
}

struct Validator<'a, 'd> {
    raw: &'a RawModel,
    diags: &'d mut Diagnostics,
    commodity_ids: HashMap<String, CommodityId>,
    country_ids: HashMap<String, CountryId>,
    node_ids: HashMap<String, NodeId>,
    /// Nodes whose own row has an error: references to them are not errors again.
    broken_nodes: HashSet<String>,
}

impl Validator<'_, '_> {
    fn commodities(&mut self) -> Vec<Commodity> {
        let mut out = Vec::new();
        for entry in &self.raw.toml.commodities {
            let id = &entry.id.value;
            if id.is_empty() || id == "*" || id.contains(char::is_whitespace) {
                self.diags.error(
                    entry.id.at.clone(),
                    format!("commodity id \"{id}\" is not allowed (no blank, no `*`, no spaces)"),
                );
            } else if self.commodity_ids.contains_key(id) {
                self.diags.error(
                    entry.id.at.clone(),
                    format!("duplicate commodity id \"{id}\""),
                );
            } else {
                self.commodity_ids
                    .insert(id.clone(), CommodityId::from_index(out.len()));
                out.push(Commodity {
                    id: id.clone(),
                    name: entry.name.clone(),
                    unit: entry.unit.clone(),
                });
            }
        }
        out
    }

    fn countries(&mut self) -> Vec<Country> {
        let mut out = Vec::new();
        for row in &self.raw.countries {
            if self.country_ids.contains_key(&row.code) {
                let at = row.at.cell("code");
                self.diags
                    .error(at, format!("duplicate country code \"{}\"", row.code));
                continue;
            }
            self.country_ids
                .insert(row.code.clone(), CountryId::from_index(out.len()));
            out.push(Country {
                code: row.code.clone(),
                name: row.name.clone(),
                groups: row.groups.clone(),
                risk: row.risk,
            });
        }
        out
    }

    fn nodes(&mut self) -> Vec<Node> {
        let mut out = Vec::new();
        for row in &self.raw.nodes {
            let kind = NodeKind::parse(&row.kind);
            if kind.is_none() {
                let at = row.at.cell("kind");
                self.diags.error(
                    at,
                    format!("unknown kind \"{}\" (expected one of mine, recycler, stockpile, refiner, hub, consumer)", row.kind),
                );
            }
            let country = self.country_ids.get(&row.country).copied();
            if country.is_none() && !row.country.is_empty() {
                let at = row.at.cell("country");
                let guess = did_you_mean(&row.country, self.country_ids.keys().map(String::as_str));
                self.diags.error(
                    at,
                    format!(
                        "unknown country \"{}\" (countries.csv has no such code{guess})",
                        row.country
                    ),
                );
            }
            if self.node_ids.contains_key(&row.id) {
                let at = row.at.cell("id");
                self.diags
                    .error(at, format!("duplicate node id \"{}\"", row.id));
                continue;
            }
            match (kind, country) {
                (Some(kind), Some(country)) => {
                    self.node_ids
                        .insert(row.id.clone(), NodeId::from_index(out.len()));
                    out.push(Node {
                        id: row.id.clone(),
                        name: row.name.clone(),
                        kind,
                        country,
                    });
                }
                _ => {
                    self.broken_nodes.insert(row.id.clone());
                }
            }
        }
        out
    }

    /// Resolves a node reference in `file`, checking its kind with `allowed`.
    fn node_ref(
        &mut self,
        nodes: &[Node],
        table: &str,
        row: &RowRef,
        column: &str,
        id: &str,
        allowed: &[NodeKind],
    ) -> Option<NodeId> {
        let Some(&node) = self.node_ids.get(id) else {
            if id.is_empty() || self.broken_nodes.contains(id) {
                return None; // already reported
            }
            let at = row.cell(column);
            let guess = did_you_mean(id, self.node_ids.keys().map(String::as_str));
            self.diags.error(
                at,
                format!("unknown node \"{id}\" (nodes.csv has no such id{guess})"),
            );
            return None;
        };
        let kind = nodes[node.index()].kind;
        if !allowed.is_empty() && !allowed.contains(&kind) {
            let at = row.cell(column);
            let names: Vec<&str> = allowed.iter().map(|k| k.as_str()).collect();
            self.diags.error(
                at,
                format!(
                    "node \"{id}\" is a {kind}; {table} rows are for {} nodes only",
                    names.join(" / ")
                ),
            );
            return None;
        }
        Some(node)
    }

    fn commodity_ref(&mut self, row: &RowRef, id: &str) -> Option<CommodityId> {
        let found = self.commodity_ids.get(id).copied();
        let reported = id.is_empty()
            || !self.raw.toml.usable
            || self.raw.toml.broken_commodities.iter().any(|c| c == id);
        if found.is_none() && !reported {
            let at = row.cell("commodity");
            let known: Vec<&str> = self
                .raw
                .toml
                .commodities
                .iter()
                .map(|c| c.id.value.as_str())
                .collect();
            let guess = did_you_mean(id, known.iter().copied());
            self.diags.error_hint(
                at,
                format!("unknown commodity \"{id}\"{guess}"),
                format!("model.toml defines: {}", known.join(", ")),
            );
        }
        found
    }

    /// Reports a second row for the same (node, commodity) and year.
    fn unique_pair(
        &mut self,
        seen: &mut HashMap<(NodeId, CommodityId, Option<i32>), RowRef>,
        row: &RowRef,
        key: (NodeId, CommodityId, Option<i32>),
    ) -> bool {
        if let Some(first) = seen.get(&key) {
            let at = row.cell("node");
            let what = match key.2 {
                None => "the same node and commodity".to_string(),
                Some(y) => format!("the same node, commodity and year {y}"),
            };
            self.diags.error(
                at,
                format!("a second row for {what} (the first is at {first})"),
            );
            return false;
        }
        seen.insert(key, row.clone());
        true
    }

    /// The year a dated (node, commodity) row is kept for, or `None` when it
    /// repeats an earlier row's (node, commodity, year) (reported). A row
    /// whose year is wrong (`Err`, already reported) is kept as a blank-year
    /// row, unchecked for duplicates, so that it causes no warnings about a
    /// missing row.
    fn kept_year(
        &mut self,
        seen: &mut HashMap<(NodeId, CommodityId, Option<i32>), RowRef>,
        row: &RowRef,
        (node, commodity): (NodeId, CommodityId),
        year: Result<Option<i32>, ()>,
    ) -> Option<Option<i32>> {
        match year {
            Err(()) => Some(None),
            Ok(year) => self
                .unique_pair(seen, row, (node, commodity, year))
                .then_some(year),
        }
    }

    /// The period a row is for: `Ok(None)` for a blank year, `Ok(Some(y))`
    /// for a year of `[periods]`; `Err` (reported) otherwise.
    fn row_year(&mut self, row: &RowRef, year: Option<i32>) -> Result<Option<i32>, ()> {
        let Some(y) = year else {
            return Ok(None);
        };
        match &self.raw.toml.periods {
            None => {
                self.diags.error_hint(
                    row.cell("year"),
                    format!("year {y} is given but model.toml has no [periods]"),
                    NEEDS_PERIODS,
                );
                Err(())
            }
            // `years` itself is wrong (reported): nothing to check against.
            Some(p) if p.years.is_empty() => Err(()),
            Some(p) if p.years.contains(&y) => Ok(Some(y)),
            Some(p) => {
                self.diags.error(
                    row.cell("year"),
                    format!(
                        "year {y} is not a period (the periods of [periods] are {})",
                        years_text(&p.years)
                    ),
                );
                Err(())
            }
        }
    }

    fn supply(&mut self, nodes: &[Node]) -> Vec<Dated<NodeKey, Supply>> {
        const SOURCES: [NodeKind; 3] = [NodeKind::Mine, NodeKind::Recycler, NodeKind::Stockpile];
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        for row in &self.raw.supply {
            let node = self.node_ref(nodes, "supply.csv", &row.at, "node", &row.node, &SOURCES);
            let commodity = self.commodity_ref(&row.at, &row.commodity);
            let year = self.row_year(&row.at, row.year);
            let (Some(node), Some(commodity)) = (node, commodity) else {
                continue;
            };
            let kind = nodes[node.index()].kind;
            if row.stock.is_some() && kind != NodeKind::Stockpile {
                self.diags.error_hint(
                    row.at.cell("stock"),
                    format!("node \"{}\" is a {kind}; only stockpile rows have a stock", row.node),
                    "leave the cell blank: a mine's or recycler's supply is limited by its capacity",
                );
            }
            if let Some(reserve) = row.reserve {
                if self.raw.toml.periods.is_none() {
                    self.diags.error_hint(
                        row.at.cell("reserve"),
                        format!(
                            "a reserve ({}) is given but model.toml has no [periods]",
                            show(reserve)
                        ),
                        NEEDS_PERIODS,
                    );
                } else if kind != NodeKind::Mine {
                    self.diags.error_hint(
                        row.at.cell("reserve"),
                        format!(
                            "node \"{}\" is a {kind}; only mine rows have a reserve",
                            row.node
                        ),
                        "leave the cell blank (a stockpile's budget is its stock)",
                    );
                }
            }
            if let Some(year) = self.kept_year(&mut seen, &row.at, (node, commodity), year) {
                out.push(Dated {
                    year,
                    key: (node, commodity),
                    item: Supply {
                        node,
                        commodity,
                        capacity: row.capacity,
                        cost: row.cost,
                        stock: row.stock,
                        at: row.at.clone(),
                    },
                    reserve: row.reserve,
                });
            }
        }
        out
    }

    fn refining(&mut self, nodes: &[Node]) -> Vec<Dated<NodeKey, Refining>> {
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        for row in &self.raw.refining {
            let node = self.node_ref(
                nodes,
                "refining.csv",
                &row.at,
                "node",
                &row.node,
                &[NodeKind::Refiner],
            );
            let commodity = self.commodity_ref(&row.at, &row.commodity);
            let year = self.row_year(&row.at, row.year);
            let yield_ = row.yield_.unwrap_or(1.0);
            if !(yield_ > 0.0 && yield_ <= 1.0) {
                let at = row.at.cell("yield");
                self.diags.error(
                    at,
                    format!("yield {yield_} is outside (0, 1] (output per tonne of input)"),
                );
            }
            let (Some(node), Some(commodity)) = (node, commodity) else {
                continue;
            };
            if let Some(year) = self.kept_year(&mut seen, &row.at, (node, commodity), year) {
                out.push(Dated {
                    year,
                    key: (node, commodity),
                    item: Refining {
                        node,
                        commodity,
                        capacity: row.capacity,
                        cost: row.cost,
                        yield_,
                        at: row.at.clone(),
                    },
                    reserve: None,
                });
            }
        }
        out
    }

    fn demand(&mut self, nodes: &[Node]) -> Vec<Dated<NodeKey, Demand>> {
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        for row in &self.raw.demand {
            let node = self.node_ref(
                nodes,
                "demand.csv",
                &row.at,
                "node",
                &row.node,
                &[NodeKind::Consumer],
            );
            let commodity = self.commodity_ref(&row.at, &row.commodity);
            let year = self.row_year(&row.at, row.year);
            let penalty = row.penalty.or(self.raw.toml.shortfall_penalty);
            if penalty.is_none() {
                let at = row.at.cell("penalty");
                self.diags.error_hint(
                    at,
                    "is blank and model.toml sets no default",
                    "give a penalty here or set [defaults] shortfall_penalty in model.toml",
                );
            }
            let (Some(node), Some(commodity), Some(penalty)) = (node, commodity, penalty) else {
                continue;
            };
            if let Some(year) = self.kept_year(&mut seen, &row.at, (node, commodity), year) {
                out.push(Dated {
                    year,
                    key: (node, commodity),
                    item: Demand {
                        node,
                        commodity,
                        demand: row.demand,
                        penalty,
                        at: row.at.clone(),
                    },
                    reserve: None,
                });
            }
        }
        out
    }

    /// The rows of routes.csv, each with its edges (a `*` row has one per
    /// commodity). Keyed by the cells from, to, commodity as written: a
    /// `lithium` row for a year does not replace a `*` row.
    fn routes(&mut self, nodes: &[Node], n_commodities: usize) -> Vec<Dated<RouteKey, RouteRow>> {
        let mut out = Vec::new();
        for row in &self.raw.routes {
            let from = self.node_ref(nodes, "routes.csv", &row.at, "from", &row.from, &[]);
            let to = self.node_ref(nodes, "routes.csv", &row.at, "to", &row.to, &[]);
            let commodities: Vec<CommodityId> = if row.commodity == "*" {
                (0..n_commodities).map(CommodityId::from_index).collect()
            } else {
                self.commodity_ref(&row.at, &row.commodity)
                    .into_iter()
                    .collect()
            };
            let year = self.row_year(&row.at, row.year);
            let (Some(from), Some(to)) = (from, to) else {
                continue;
            };
            if !self.route_ends_ok(nodes, &row.at, from, to) {
                continue;
            }
            let year = year.unwrap_or(None); // a wrong year (reported): kept as blank
            let explicit = if row.commodity == "*" {
                None
            } else {
                commodities.first().copied()
            };
            let edges = commodities
                .into_iter()
                .map(|commodity| Route {
                    from,
                    to,
                    commodity,
                    cost: row.cost,
                    capacity: row.capacity,
                    at: row.at.clone(),
                })
                .collect();
            out.push(Dated {
                year,
                key: (row.from.clone(), row.to.clone(), row.commodity.clone()),
                item: RouteRow {
                    from,
                    to,
                    explicit,
                    at: row.at.clone(),
                    edges,
                },
                reserve: None,
            });
        }
        out
    }

    fn route_ends_ok(&mut self, nodes: &[Node], row: &RowRef, from: NodeId, to: NodeId) -> bool {
        let (f, t) = (&nodes[from.index()], &nodes[to.index()]);
        let mut ok = true;
        if t.kind.is_source() {
            let at = row.cell("to");
            self.diags.error(
                at,
                format!(
                    "route into \"{}\", a {}: nothing may enter a source node",
                    t.id, t.kind
                ),
            );
            ok = false;
        }
        if f.kind == NodeKind::Consumer {
            let at = row.cell("from");
            self.diags.error(
                at,
                format!(
                    "route out of \"{}\", a consumer: nothing may leave a consumer",
                    f.id
                ),
            );
            ok = false;
        }
        ok
    }

    /// Warns about route rows for one commodity that are unused because an
    /// end has no row for it (contract section 1: a node takes part only in
    /// the commodities it has a row for). Each problem is reported once; when
    /// it holds in only some of the periods the row is in force in, the
    /// message names those years.
    fn route_warnings(
        &mut self,
        nodes: &[Node],
        routes: &[Dated<RouteKey, RouteRow>],
        tables: &[Tables],
    ) {
        let mut in_force: Vec<BTreeSet<Option<i32>>> = vec![BTreeSet::new(); routes.len()];
        // (route row, problem) -> (what, the periods it holds in)
        let mut found: BTreeMap<(usize, usize), Problem> = BTreeMap::new();
        for t in tables {
            let processes: BTreeSet<NodeKey> =
                t.refining.iter().map(|r| (r.node, r.commodity)).collect();
            let demands: BTreeSet<NodeKey> =
                t.demand.iter().map(|d| (d.node, d.commodity)).collect();
            let supplies: BTreeSet<NodeKey> =
                t.supply.iter().map(|s| (s.node, s.commodity)).collect();
            for &i in &t.route_rows {
                in_force[i].insert(t.year);
                let r = &routes[i].item;
                let Some(k) = r.explicit else {
                    continue;
                };
                let (f, to) = (&nodes[r.from.index()], &nodes[r.to.index()]);
                let unused =
                    [
                        (to.kind == NodeKind::Refiner && !processes.contains(&(r.to, k)))
                            .then_some(("into", to, "refining.csv")),
                        (to.kind == NodeKind::Consumer && !demands.contains(&(r.to, k)))
                            .then_some(("to", to, "demand.csv")),
                        (f.kind.is_source() && !supplies.contains(&(r.from, k))).then_some((
                            "from",
                            f,
                            "supply.csv",
                        )),
                    ];
                for (j, problem) in unused.into_iter().enumerate() {
                    let Some((direction, node, file)) = problem else {
                        continue;
                    };
                    let kid = self
                        .raw
                        .toml
                        .commodities
                        .get(k.index())
                        .map(|c| c.id.value.clone())
                        .unwrap_or_default();
                    found
                        .entry((i, j))
                        .or_insert_with(|| {
                            let text = format!(
                                "route carries {kid} {direction} {} \"{}\", which has no {file} row for {kid}",
                                node.kind, node.id
                            );
                            (text, BTreeSet::new())
                        })
                        .1
                        .insert(t.year);
                }
            }
        }
        for ((i, _), (text, years)) in found {
            let when = if years == in_force[i] {
                String::new()
            } else {
                let list: Vec<i32> = years.into_iter().flatten().collect();
                format!(" in {}", years_text(&list))
            };
            self.diags.warning(
                routes[i].item.at.cell("commodity"),
                format!("{text}{when}: the route is unused{when}"),
            );
        }
    }

    /// Reserves of mines and stocks of stockpiles as budgets over the
    /// horizon (a model with `[periods]` only): every row of a (node,
    /// commodity) that gives one must give the same value.
    fn budgets(&mut self, nodes: &[Node], supply: &[Dated<NodeKey, Supply>]) -> Vec<Budget> {
        let mut out: Vec<Budget> = Vec::new();
        let mut first: HashMap<(NodeId, CommodityId, BudgetKind), usize> = HashMap::new();
        for row in supply {
            let s = &row.item;
            let kind = nodes[s.node.index()].kind;
            let given = match kind {
                NodeKind::Mine => row.reserve.map(|x| (BudgetKind::Reserve, x, "reserve")),
                NodeKind::Stockpile => s.stock.map(|x| (BudgetKind::Stock, x, "stock")),
                _ => None,
            };
            let Some((budget, amount, column)) = given else {
                continue;
            };
            match first.get(&(s.node, s.commodity, budget)) {
                Some(&b) => {
                    let earlier = &out[b];
                    if earlier.amount != amount {
                        self.diags.error_hint(
                            s.at.cell(column),
                            format!(
                                "{column} {} differs from the {column} {} given at {} for the same node and commodity",
                                show(amount),
                                show(earlier.amount),
                                earlier.at
                            ),
                            format!("a {column} is a budget over the whole horizon: give the same value in every row of the node and commodity, or leave the others blank"),
                        );
                    }
                }
                None => {
                    first.insert((s.node, s.commodity, budget), out.len());
                    out.push(Budget {
                        node: s.node,
                        commodity: s.commodity,
                        kind: budget,
                        amount,
                        at: s.at.clone(),
                    });
                }
            }
        }
        out
    }

    /// The rows of expansion.csv (contract section 10).
    fn expansions(
        &mut self,
        nodes: &[Node],
        supply: &[Dated<NodeKey, Supply>],
        refining: &[Dated<NodeKey, Refining>],
        tables: &[Tables],
    ) -> Vec<Expansion> {
        let Some(rows) = &self.raw.expansion else {
            return Vec::new();
        };
        let shown = self
            .raw
            .shown
            .get("expansion.csv")
            .cloned()
            .unwrap_or_else(|| "expansion.csv".into());
        let Some(periods) = &self.raw.toml.periods else {
            self.diags.error_hint(
                Location::file(shown),
                "expansion.csv is given but model.toml has no [periods]",
                NEEDS_PERIODS_FILE,
            );
            return Vec::new();
        };
        let (first, last) = match (periods.years.first(), periods.years.last()) {
            (Some(&f), Some(&l)) => (f, l),
            _ => return Vec::new(), // `years` is wrong (reported)
        };
        let has_row: BTreeSet<NodeKey> = supply
            .iter()
            .map(|s| s.key)
            .chain(refining.iter().map(|r| r.key))
            .collect();
        let mut seen: HashMap<NodeKey, RowRef> = HashMap::new();
        let mut out = Vec::new();
        for row in rows {
            let node = self.node_ref(
                nodes,
                "expansion.csv",
                &row.at,
                "node",
                &row.node,
                &[NodeKind::Mine, NodeKind::Recycler, NodeKind::Refiner],
            );
            let commodity = self.commodity_ref(&row.at, &row.commodity);
            let first_year = row.first_year.unwrap_or(first);
            let mut ok = true;
            if first_year > last {
                self.diags.error_hint(
                    row.at.cell("first_year"),
                    format!(
                        "first_year {first_year} is after the last period ({last}): the added capacity could never produce"
                    ),
                    format!("give a year up to {last}, or add the period to [periods] years"),
                );
                ok = false;
            }
            let (Some(node), Some(commodity)) = (node, commodity) else {
                continue;
            };
            let kind = nodes[node.index()].kind;
            let file = if kind == NodeKind::Refiner {
                "refining.csv"
            } else {
                "supply.csv"
            };
            if !has_row.contains(&(node, commodity)) {
                self.diags.error_hint(
                    row.at.cell("commodity"),
                    format!(
                        "node \"{}\" has no {file} row for {} in any period: an expansion candidate needs one",
                        row.node, row.commodity
                    ),
                    format!("add a {file} row for it (capacity 0 for a plant that does not exist yet)"),
                );
                ok = false;
            }
            if let Some(earlier) = seen.get(&(node, commodity)) {
                self.diags.error(
                    row.at.cell("node"),
                    format!(
                        "a second expansion row for the same node and commodity (the first is at {earlier})"
                    ),
                );
                continue;
            }
            seen.insert((node, commodity), row.at.clone());
            if !ok {
                continue;
            }
            self.pointless_expansion(row, node, commodity, first_year, file, tables);
            out.push(Expansion {
                node,
                commodity,
                max_added: row.max_added,
                capex: row.capex,
                fixed_cost: row.fixed_cost.unwrap_or(0.0),
                first_year,
                lifetime: row.lifetime.unwrap_or(periods.default_lifetime),
                at: row.at.clone(),
            });
        }
        out
    }

    /// Warns about an expansion that cannot matter: the node has no row for
    /// the commodity in any period from `first_year` on, or an unlimited
    /// capacity in every such period.
    fn pointless_expansion(
        &mut self,
        row: &crate::input::ExpansionRow,
        node: NodeId,
        commodity: CommodityId,
        first_year: i32,
        file: &str,
        tables: &[Tables],
    ) {
        let capacities: Vec<Option<f64>> = tables
            .iter()
            .filter(|t| t.year.is_some_and(|y| y >= first_year))
            .flat_map(|t| {
                let supply = t
                    .supply
                    .iter()
                    .filter(|s| (s.node, s.commodity) == (node, commodity));
                let refining = t
                    .refining
                    .iter()
                    .filter(|r| (r.node, r.commodity) == (node, commodity));
                supply
                    .map(|s| s.capacity)
                    .chain(refining.map(|r| r.capacity))
                    .collect::<Vec<_>>()
            })
            .collect();
        if capacities.is_empty() {
            self.diags.warning(
                row.at.cell("node"),
                format!(
                    "node \"{}\" has no {file} row for {} in any period from {first_year} on: capacity added there could never be used",
                    row.node, row.commodity
                ),
            );
        } else if capacities.iter().all(Option::is_none) {
            self.diags.warning(
                row.at.cell("node"),
                format!(
                    "node \"{}\" has an unlimited (blank) capacity for {} in every period from {first_year} on: adding capacity there is pointless",
                    row.node, row.commodity
                ),
            );
        }
    }

    fn policies(&mut self, nodes: &[Node], countries: &[Country]) -> Vec<Policy> {
        let groups: BTreeSet<&str> = countries
            .iter()
            .flat_map(|c| c.groups.iter().map(String::as_str))
            .collect();
        let groups: BTreeSet<String> = groups.into_iter().map(String::from).collect();
        let mut names: BTreeMap<String, Location> = BTreeMap::new();
        let mut out = Vec::new();
        for entry in &self.raw.toml.policies {
            if let Some(name) = &entry.name {
                if let Some(first) = names.get(&name.value) {
                    self.diags.error(
                        name.at.clone(),
                        format!(
                            "duplicate policy name \"{}\" (first at {first})",
                            name.value
                        ),
                    );
                } else {
                    names.insert(name.value.clone(), name.at.clone());
                }
            }
            if let Some(p) = self.policy(entry, nodes, countries, &groups) {
                out.push(p);
            }
        }
        out
    }

    fn policy(
        &mut self,
        e: &PolicyEntry,
        nodes: &[Node],
        countries: &[Country],
        groups: &BTreeSet<String>,
    ) -> Option<Policy> {
        let kind = e.kind.as_ref().and_then(|k| match k.value.as_str() {
            "max_share" => Some(PolicyKind::MaxShare),
            "min_share" => Some(PolicyKind::MinShare),
            other => {
                self.diags.error(
                    k.at.clone(),
                    format!("unknown policy type \"{other}\" (expected max_share or min_share)"),
                );
                None
            }
        });
        let stages: Option<Vec<Stage>> = e.stage.as_ref().and_then(|s| {
            s.value
                .iter()
                .map(|name| match name.as_str() {
                    "mining" => Some(Stage::Mining),
                    "refining" => Some(Stage::Refining),
                    other => {
                        self.diags.error(
                            s.at.clone(),
                            format!("unknown stage \"{other}\" (expected mining or refining)"),
                        );
                        None
                    }
                })
                .collect()
        });
        let commodity = e.commodity.as_ref().and_then(|c| {
            if c.value == "*" {
                return Some(None);
            }
            let found = self.commodity_ids.get(&c.value).copied();
            if found.is_none() && !self.raw.toml.broken_commodities.contains(&c.value) {
                self.diags.error(
                    c.at.clone(),
                    format!(
                        "unknown commodity \"{}\" (expected \"*\" or a [[commodity]] id)",
                        c.value
                    ),
                );
            }
            found.map(Some)
        });
        // model.toml and scenarios check the share as they read it; a policy
        // built by the program (`--max-share`) is checked here.
        let share = e
            .share
            .as_ref()
            .and_then(|s| match crate::input::numbers::share(s.value) {
                Ok(x) => Some(x),
                Err(why) => {
                    self.diags
                        .error(s.at.clone(), format!("share {} {why}", s.value));
                    None
                }
            });
        let years = self.policy_years(e);
        let scope = e.scope.as_ref().and_then(|s| self.scope(s, nodes, groups));
        let from = e
            .from
            .as_ref()
            .and_then(|f| self.policy_from_set(f, e, kind, countries, groups));
        Some(Policy {
            line: e.at.line,
            name: e.name.as_ref()?.value.clone(),
            kind: kind?,
            stages: stages?,
            commodity: commodity?,
            scope: scope?,
            from: from?,
            share: share?,
            from_year: years?.0,
            until_year: years?.1,
        })
    }

    /// A policy's `from_year` and `until_year` (contract section 10): only in
    /// a model with `[periods]`, and from <= until. A window that holds no
    /// period's year is allowed, with a warning.
    fn policy_years(&mut self, e: &PolicyEntry) -> Option<(Option<i32>, Option<i32>)> {
        let (from, until) = (e.from_year.as_ref(), e.until_year.as_ref());
        let Some(periods) = &self.raw.toml.periods else {
            for (key, given) in [("from_year", from), ("until_year", until)] {
                if let Some(y) = given {
                    self.diags.error_hint(
                        y.at.clone(),
                        format!(
                            "{key} = {} is given but model.toml has no [periods]",
                            y.value
                        ),
                        NEEDS_PERIODS_KEY,
                    );
                }
            }
            return (from.is_none() && until.is_none()).then_some((None, None));
        };
        if let (Some(f), Some(u)) = (from, until) {
            if f.value > u.value {
                self.diags.error(
                    u.at.clone(),
                    format!(
                        "until_year {} is before from_year {} (both are inclusive: the policy would apply in no year)",
                        u.value, f.value
                    ),
                );
                return None;
            }
        }
        let (from, until) = (from.map(|y| y.value), until.map(|y| y.value));
        let applies = |y: &i32| from.is_none_or(|f| *y >= f) && until.is_none_or(|u| *y <= u);
        if (from.is_some() || until.is_some())
            && !periods.years.is_empty()
            && !periods.years.iter().any(applies)
        {
            let name = e.name.as_ref().map(|n| n.value.as_str()).unwrap_or("");
            let window = match (from, until) {
                (Some(f), Some(u)) => format!("{f}..={u}"),
                (Some(f), None) => format!("from {f} on"),
                (None, Some(u)) => format!("until {u}"),
                (None, None) => String::new(),
            };
            self.diags.warning(
                e.at.clone(),
                format!(
                    "policy \"{name}\" applies in no period: no year of [periods] ({}) is in {window}",
                    years_text(&periods.years)
                ),
            );
        }
        Some((from, until))
    }

    fn scope(
        &mut self,
        s: &Positioned<OneOrMany>,
        nodes: &[Node],
        groups: &BTreeSet<String>,
    ) -> Option<Scope> {
        match &s.value {
            OneOrMany::One(text) if text == "each" => Some(Scope::Each),
            OneOrMany::One(text) if text == "all" => Some(Scope::All),
            OneOrMany::One(text) if text.starts_with("group:") => {
                let group = &text["group:".len()..];
                if !self.known_group(group, &s.at, groups) {
                    return None;
                }
                // Country ids whose row lists the group: one pass, not one per node.
                let members: HashSet<CountryId> = self
                    .raw
                    .countries
                    .iter()
                    .filter(|c| c.groups.iter().any(|g| g == group))
                    .filter_map(|c| self.country_ids.get(&c.code).copied())
                    .collect();
                let member = |n: &Node| members.contains(&n.country);
                if !nodes
                    .iter()
                    .any(|n| n.kind == NodeKind::Consumer && member(n))
                {
                    self.diags.warning(
                        s.at.clone(),
                        format!(
                            "scope group:{group} holds no consumer: the policy constrains nothing"
                        ),
                    );
                }
                Some(Scope::Group(group.to_string()))
            }
            OneOrMany::One(text) => {
                self.diags.error_hint(
                    s.at.clone(),
                    format!("scope \"{text}\" is not \"each\", \"all\" or \"group:NAME\""),
                    format!("to pool listed consumers, write a list: scope = [\"{text}\"]"),
                );
                None
            }
            OneOrMany::Many(ids) => {
                let mut list = Vec::new();
                let mut ok = !ids.is_empty();
                if ids.is_empty() {
                    self.diags.error(
                        s.at.clone(),
                        "scope is an empty list (name at least one consumer)",
                    );
                }
                for id in ids {
                    match self.node_ids.get(id) {
                        Some(&n) if nodes[n.index()].kind == NodeKind::Consumer => list.push(n),
                        Some(_) => {
                            self.diags.error(
                                s.at.clone(),
                                format!("scope names \"{id}\", which is not a consumer"),
                            );
                            ok = false;
                        }
                        None => {
                            self.diags.error(
                                s.at.clone(),
                                format!(
                                    "scope names unknown node \"{id}\" (nodes.csv has no such id)"
                                ),
                            );
                            ok = false;
                        }
                    }
                }
                list.sort();
                list.dedup();
                ok.then_some(Scope::Nodes(list))
            }
        }
    }

    fn policy_from_set(
        &mut self,
        f: &Positioned<OneOrMany>,
        e: &PolicyEntry,
        kind: Option<PolicyKind>,
        countries: &[Country],
        groups: &BTreeSet<String>,
    ) -> Option<FromSet> {
        let is_each = f.value == OneOrMany::One("each".into());
        if is_each {
            if kind == Some(PolicyKind::MinShare) {
                self.diags.error_hint(
                    f.at.clone(),
                    "min_share with from = \"each\" is not allowed (a floor needs a set of countries)",
                    "name the countries: from = [\"AUS\", \"group:EU\"]",
                );
                return None;
            }
            let exempt = match &e.exempt {
                Some(x) => self.country_list(&x.value, &x.at, countries, groups)?,
                None => BTreeSet::new(),
            };
            return Some(FromSet::Each { exempt });
        }
        if let Some(x) = &e.exempt {
            self.diags.error(
                x.at.clone(),
                "`exempt` is allowed only with from = \"each\"",
            );
        }
        let entries = match &f.value {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(list) => list.clone(),
        };
        if entries.is_empty() {
            self.diags.error(
                f.at.clone(),
                "from is an empty list (name countries or group:NAME entries)",
            );
            return None;
        }
        let set = self.country_list(&entries, &f.at, countries, groups)?;
        if e.exempt.is_some() {
            return None;
        }
        Some(FromSet::Set {
            label: entries.join("+"),
            countries: set,
        })
    }

    /// Resolves country codes and `group:G` entries into a set of countries.
    fn country_list(
        &mut self,
        entries: &[String],
        at: &Location,
        countries: &[Country],
        groups: &BTreeSet<String>,
    ) -> Option<BTreeSet<CountryId>> {
        let mut set = BTreeSet::new();
        let mut ok = true;
        for entry in entries {
            if let Some(group) = entry.strip_prefix("group:") {
                if self.known_group(group, at, groups) {
                    let members = countries
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| c.groups.iter().any(|g| g == group));
                    set.extend(members.map(|(i, _)| CountryId::from_index(i)));
                } else {
                    ok = false;
                }
            } else if let Some(&c) = self.country_ids.get(entry) {
                set.insert(c);
            } else {
                self.diags.error(
                    at.clone(),
                    format!("unknown country \"{entry}\" (countries.csv has no such code)"),
                );
                ok = false;
            }
        }
        ok.then_some(set)
    }

    fn known_group(&mut self, group: &str, at: &Location, groups: &BTreeSet<String>) -> bool {
        if groups.contains(group) {
            return true;
        }
        let known: Vec<&str> = groups.iter().map(String::as_str).collect();
        self.diags.error_hint(
            at.clone(),
            format!("unknown group \"{group}\": no country in countries.csv lists it"),
            format!(
                "the groups are: {}",
                if known.is_empty() {
                    "(none)".to_string()
                } else {
                    known.join(", ")
                }
            ),
        );
        false
    }
}

/// A one-screen summary of a valid model (`sourcemix validate`).
pub fn summary(model: &Model, warnings: usize) -> String {
    let mut out = format!(
        "model {}: valid ({warnings} warning{})\n",
        model.name,
        if warnings == 1 { "" } else { "s" }
    );
    if !model.description.is_empty() {
        out.push_str(&format!("  {}\n", model.description));
    }
    let kinds: Vec<String> = NodeKind::ALL
        .iter()
        .map(|k| {
            format!(
                "{} {}",
                model.nodes.iter().filter(|n| n.kind == *k).count(),
                k
            )
        })
        .collect();
    out.push_str(&format!(
        "nodes: {} ({})\n",
        model.nodes.len(),
        kinds.join(", ")
    ));
    let first_period = match &model.horizon {
        Some(h) => h
            .periods
            .first()
            .map(|p| format!(" (in {}, the first period)", p.year))
            .unwrap_or_default(),
        None => String::new(),
    };
    out.push_str(&format!(
        "rows: {} supply, {} refining, {} demand, {} route edges{first_period}\n",
        model.supply.len(),
        model.refining.len(),
        model.demand.len(),
        model.routes.len()
    ));
    let commodities: Vec<String> = model
        .commodities
        .iter()
        .map(|c| format!("{} ({})", c.id, c.unit))
        .collect();
    out.push_str(&format!("commodities: {}\n", commodities.join(", ")));
    let used: std::collections::BTreeSet<&str> = model
        .nodes
        .iter()
        .map(|n| model.country(n.country).code.as_str())
        .collect();
    out.push_str(&format!(
        "countries: {} defined, {} with nodes\n",
        model.countries.len(),
        used.len()
    ));
    if let Some(h) = &model.horizon {
        let periods: Vec<String> = h
            .periods
            .iter()
            .map(|p| format!("{} ({} y)", p.year, p.span))
            .collect();
        out.push_str(&format!(
            "periods: {}; discount rate {}; {} expansion option{}, {} budget{}\n",
            periods.join(", "),
            h.discount_rate,
            h.expansions.len(),
            if h.expansions.len() == 1 { "" } else { "s" },
            h.budgets.len(),
            if h.budgets.len() == 1 { "" } else { "s" },
        ));
    }
    // A multi-period model: the policies of every period, each once.
    let mut policies: Vec<&Policy> = model.policies.iter().collect();
    if let Some(h) = &model.horizon {
        policies = Vec::new();
        for p in h.models.iter().flat_map(|m| &m.policies) {
            if !policies.iter().any(|q| q.name == p.name) {
                policies.push(p);
            }
        }
    }
    out.push_str(&format!("policies: {}\n", policies.len()));
    for p in policies {
        let commodity = p
            .commodity
            .map(|k| model.commodity(k).id.clone())
            .unwrap_or_else(|| "*".into());
        let stages: Vec<&str> = p.stages.iter().map(|s| s.as_str()).collect();
        let years = match (p.from_year, p.until_year) {
            (None, None) => String::new(),
            (Some(f), None) => format!(", from {f}"),
            (None, Some(u)) => format!(", until {u}"),
            (Some(f), Some(u)) => format!(", {f}..={u}"),
        };
        out.push_str(&format!(
            "  {}: {} {} at {} of {}{years}\n",
            p.name,
            p.kind.as_str(),
            p.share,
            stages.join("+"),
            commodity
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(year: Option<i32>, key: &str, line: usize) -> Dated<String, usize> {
        Dated {
            year,
            key: key.to_string(),
            item: line,
            reserve: None,
        }
    }

    #[test]
    fn a_row_of_a_year_replaces_the_blank_rows_of_its_key_in_that_year_only() {
        let rows = [
            row(None, "a", 2),
            row(Some(2030), "a", 3),
            row(None, "b", 4),
            row(None, "b", 5), // parallel (routes): both replaced together
            row(Some(2035), "b", 6),
            row(Some(2030), "c", 7), // no blank row: absent in other years
        ];
        assert_eq!(pick(Some(2024), &rows), [2, 4, 5]);
        assert_eq!(pick(Some(2030), &rows), [3, 4, 5, 7]);
        assert_eq!(pick(Some(2035), &rows), [2, 6]);
        // A model without periods: every (blank-year) row.
        let blank = [row(None, "a", 2), row(None, "b", 3)];
        assert_eq!(pick(None, &blank), [2, 3]);
    }

    #[test]
    fn years_are_listed_for_reading() {
        assert_eq!(years_text(&[2024]), "2024");
        assert_eq!(years_text(&[2024, 2035]), "2024 and 2035");
        assert_eq!(years_text(&[2024, 2030, 2035]), "2024, 2030 and 2035");
    }
}
