//! Validate: turn raw rows into a `Model` whose every reference is good,
//! collecting every error and warning on the way.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::diagnostics::{did_you_mean, Diagnostics, Location, RowRef};
use crate::id::{CommodityId, CountryId, NodeId};
use crate::input::{OneOrMany, PolicyEntry, Positioned, RawModel};
use crate::model::*;

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
    let routes = v.routes(&nodes, &refining, &demand, &supply, commodities.len());
    let policies = v.policies(&nodes, &countries);
    if diags.has_errors() {
        return None;
    }
    Some(Model {
        name: raw.toml.name.clone(),
        description: raw.toml.description.clone(),
        currency: raw.toml.currency.clone(),
        commodities,
        countries,
        nodes,
        supply,
        refining,
        demand,
        routes,
        policies,
        horizon: None,
    })
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

    /// Reports a second row for the same (node, commodity).
    fn unique_pair(
        &mut self,
        seen: &mut HashMap<(NodeId, CommodityId), RowRef>,
        row: &RowRef,
        key: (NodeId, CommodityId),
    ) -> bool {
        if let Some(first) = seen.get(&key) {
            let at = row.cell("node");
            self.diags.error(
                at,
                format!("a second row for the same node and commodity (the first is at {first})"),
            );
            return false;
        }
        seen.insert(key, row.clone());
        true
    }

    fn supply(&mut self, nodes: &[Node]) -> Vec<Supply> {
        const SOURCES: [NodeKind; 3] = [NodeKind::Mine, NodeKind::Recycler, NodeKind::Stockpile];
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        for row in &self.raw.supply {
            let node = self.node_ref(nodes, "supply.csv", &row.at, "node", &row.node, &SOURCES);
            let commodity = self.commodity_ref(&row.at, &row.commodity);
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
            if self.unique_pair(&mut seen, &row.at, (node, commodity)) {
                out.push(Supply {
                    node,
                    commodity,
                    capacity: row.capacity,
                    cost: row.cost,
                    stock: row.stock,
                    at: row.at.clone(),
                });
            }
        }
        out
    }

    fn refining(&mut self, nodes: &[Node]) -> Vec<Refining> {
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
            if self.unique_pair(&mut seen, &row.at, (node, commodity)) {
                out.push(Refining {
                    node,
                    commodity,
                    capacity: row.capacity,
                    cost: row.cost,
                    yield_,
                    at: row.at.clone(),
                });
            }
        }
        out
    }

    fn demand(&mut self, nodes: &[Node]) -> Vec<Demand> {
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
            if self.unique_pair(&mut seen, &row.at, (node, commodity)) {
                out.push(Demand {
                    node,
                    commodity,
                    demand: row.demand,
                    penalty,
                    at: row.at.clone(),
                });
            }
        }
        out
    }

    fn routes(
        &mut self,
        nodes: &[Node],
        refining: &[Refining],
        demand: &[Demand],
        supply: &[Supply],
        n_commodities: usize,
    ) -> Vec<Route> {
        let processes: BTreeSet<(NodeId, CommodityId)> =
            refining.iter().map(|r| (r.node, r.commodity)).collect();
        let demands: BTreeSet<(NodeId, CommodityId)> =
            demand.iter().map(|d| (d.node, d.commodity)).collect();
        let supplies: BTreeSet<(NodeId, CommodityId)> =
            supply.iter().map(|s| (s.node, s.commodity)).collect();
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
            let (Some(from), Some(to)) = (from, to) else {
                continue;
            };
            if !self.route_ends_ok(nodes, &row.at, from, to) {
                continue;
            }
            if row.commodity != "*" {
                let k = commodities.first().copied();
                if let Some(k) = k {
                    self.explicit_route_checks(
                        nodes, &row.at, from, to, k, &processes, &demands, &supplies,
                    );
                }
            }
            for commodity in commodities {
                out.push(Route {
                    from,
                    to,
                    commodity,
                    cost: row.cost,
                    capacity: row.capacity,
                    at: row.at.clone(),
                });
            }
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

    #[allow(clippy::too_many_arguments)]
    fn explicit_route_checks(
        &mut self,
        nodes: &[Node],
        row: &RowRef,
        from: NodeId,
        to: NodeId,
        k: CommodityId,
        processes: &BTreeSet<(NodeId, CommodityId)>,
        demands: &BTreeSet<(NodeId, CommodityId)>,
        supplies: &BTreeSet<(NodeId, CommodityId)>,
    ) {
        let (f, t) = (&nodes[from.index()], &nodes[to.index()]);
        let kid = &self
            .raw
            .toml
            .commodities
            .get(k.index())
            .map(|c| c.id.value.clone())
            .unwrap_or_default();
        // The contract (section 1): a node takes part only in the commodities
        // it has a row for, so each of these routes is simply unused.
        let unused = [
            (t.kind == NodeKind::Refiner && !processes.contains(&(to, k))).then_some((
                "into",
                t,
                "refining.csv",
            )),
            (t.kind == NodeKind::Consumer && !demands.contains(&(to, k))).then_some((
                "to",
                t,
                "demand.csv",
            )),
            (f.kind.is_source() && !supplies.contains(&(from, k))).then_some((
                "from",
                f,
                "supply.csv",
            )),
        ];
        for (direction, node, file) in unused.into_iter().flatten() {
            self.diags.warning(
                row.cell("commodity"),
                format!(
                    "route carries {kid} {direction} {} \"{}\", which has no {file} row for {kid}: the route is unused",
                    node.kind, node.id
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
        let scope = e.scope.as_ref().and_then(|s| self.scope(s, nodes, groups));
        let from = e
            .from
            .as_ref()
            .and_then(|f| self.from_set(f, e, kind, countries, groups));
        Some(Policy {
            line: e.at.line,
            name: e.name.as_ref()?.value.clone(),
            kind: kind?,
            stages: stages?,
            commodity: commodity?,
            scope: scope?,
            from: from?,
            share: share?,
            from_year: None,
            until_year: None,
        })
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

    fn from_set(
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
    out.push_str(&format!(
        "rows: {} supply, {} refining, {} demand, {} route edges\n",
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
    out.push_str(&format!("policies: {}\n", model.policies.len()));
    for p in &model.policies {
        let commodity = p
            .commodity
            .map(|k| model.commodity(k).id.clone())
            .unwrap_or_else(|| "*".into());
        let stages: Vec<&str> = p.stages.iter().map(|s| s.as_str()).collect();
        out.push_str(&format!(
            "  {}: {} {} at {} of {}\n",
            p.name,
            p.kind.as_str(),
            p.share,
            stages.join("+"),
            commodity
        ));
    }
    out
}
