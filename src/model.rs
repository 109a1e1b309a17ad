//! The validated model: every reference is known to be good, every number is
//! finite and in range. Built by `validate` from the raw input.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::diagnostics::RowRef;
use crate::id::{CommodityId, CountryId, NodeId, PolicyId, RouteId};

/// A whole model folder, checked.
#[derive(Clone, Debug)]
pub struct Model {
    pub name: String,
    pub description: String,
    pub currency: String,
    pub commodities: Vec<Commodity>,
    pub countries: Vec<Country>,
    pub nodes: Vec<Node>,
    pub supply: Vec<Supply>,
    pub refining: Vec<Refining>,
    pub demand: Vec<Demand>,
    /// One entry per directed edge and commodity (a `*` row is expanded).
    pub routes: Vec<Route>,
    pub policies: Vec<Policy>,
    /// Contract section 10: the periods and investment options of a
    /// multi-period model (`[periods]` in model.toml); `None` for a model of
    /// one year. For a multi-period model the tables above are those of its
    /// first period (`horizon.models[0]`), so that code that knows nothing
    /// of periods sees one coherent year; what is solved is the horizon.
    pub horizon: Option<Box<Horizon>>,
}

#[derive(Clone, Debug)]
pub struct Commodity {
    pub id: String,
    pub name: String,
    pub unit: String,
}

#[derive(Clone, Debug)]
pub struct Country {
    pub code: String,
    pub name: String,
    pub groups: Vec<String>,
    pub risk: Option<f64>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeKind {
    Mine,
    Recycler,
    Stockpile,
    Refiner,
    Hub,
    Consumer,
}

impl NodeKind {
    pub const ALL: [NodeKind; 6] = [
        NodeKind::Mine,
        NodeKind::Recycler,
        NodeKind::Stockpile,
        NodeKind::Refiner,
        NodeKind::Hub,
        NodeKind::Consumer,
    ];

    pub fn parse(text: &str) -> Option<NodeKind> {
        NodeKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Mine => "mine",
            NodeKind::Recycler => "recycler",
            NodeKind::Stockpile => "stockpile",
            NodeKind::Refiner => "refiner",
            NodeKind::Hub => "hub",
            NodeKind::Consumer => "consumer",
        }
    }

    /// Mines, recyclers and stockpiles: where material enters the network.
    pub fn is_source(self) -> bool {
        matches!(
            self,
            NodeKind::Mine | NodeKind::Recycler | NodeKind::Stockpile
        )
    }
}

impl fmt::Display for NodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug)]
pub struct Node {
    pub id: String,
    pub name: String,
    pub kind: NodeKind,
    pub country: CountryId,
}

/// A row of supply.csv: what a mine, recycler or stockpile can supply.
#[derive(Clone, Debug)]
pub struct Supply {
    pub node: NodeId,
    pub commodity: CommodityId,
    /// t per year; `None` is unlimited.
    pub capacity: Option<f64>,
    /// currency per t supplied.
    pub cost: f64,
    /// t on hand, for a stockpile (`None`: no limit beyond its capacity):
    /// caps its release in a disruption window (contract section 8,
    /// `disruption::Window`). Always `None` for mines and recyclers.
    pub stock: Option<f64>,
    pub at: RowRef,
}

/// The periods of a multi-period model and what couples them (contract
/// section 10).
#[derive(Clone, Debug)]
pub struct Horizon {
    /// In increasing year order; index = `PeriodId`.
    pub periods: Vec<Period>,
    /// Per year, discounting to the first period's year.
    pub discount_rate: f64,
    /// Years, for expansion rows that leave `lifetime` blank.
    pub default_lifetime: f64,
    /// One single-period model per period (parallel to `periods`): the
    /// period's supply, refining, demand and route rows after the
    /// replace-per-period rule, and the policies in force in its year. Node,
    /// country and commodity ids are those of the top-level model; supply,
    /// refining, demand, route and policy ids are each period model's own.
    /// Their own `horizon` is `None`.
    pub models: Vec<Model>,
    /// The rows of expansion.csv.
    pub expansions: Vec<Expansion>,
    /// Reserves of mines and stocks of stockpiles: budgets over the horizon.
    pub budgets: Vec<Budget>,
    /// The line of `[periods]` in model.toml.
    pub line: Option<usize>,
}

/// One representative year.
#[derive(Clone, Debug, PartialEq)]
pub struct Period {
    pub year: i32,
    /// How many years it stands for: up to the next period's year (the
    /// last: `last_span`).
    pub span: u32,
    /// W_p = sum over those years y of (1 + r)^-(y - y_1).
    pub weight: f64,
}

/// A row of expansion.csv: capacity a mine, recycler or refiner may add.
#[derive(Clone, Debug)]
pub struct Expansion {
    pub node: NodeId,
    pub commodity: CommodityId,
    /// t per year in total over the horizon; `None` is unlimited.
    pub max_added: Option<f64>,
    /// currency per t per year of capacity.
    pub capex: f64,
    /// currency per t per year of capacity, per year (0 when blank).
    pub fixed_cost: f64,
    /// The first year in which added capacity can produce (the first
    /// period's year when blank).
    pub first_year: i32,
    /// Years (the horizon's `default_lifetime` when blank).
    pub lifetime: f64,
    pub at: RowRef,
}

/// What a budget over the horizon limits. Serialized as `reserve`, `stock`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BudgetKind {
    /// A mine's `reserve`: sum_p span_p x supplied_p <= reserve.
    Reserve,
    /// A stockpile's `stock`: sum_p span_p x released_p <= stock.
    Stock,
}

impl BudgetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BudgetKind::Reserve => "reserve",
            BudgetKind::Stock => "stock",
        }
    }
}

/// A reserve or stock: t over the whole horizon for one node and commodity.
#[derive(Clone, Debug)]
pub struct Budget {
    pub node: NodeId,
    pub commodity: CommodityId,
    pub kind: BudgetKind,
    /// t over the horizon.
    pub amount: f64,
    /// The first supply row that gives it.
    pub at: RowRef,
}

/// A row of refining.csv.
#[derive(Clone, Debug)]
pub struct Refining {
    pub node: NodeId,
    pub commodity: CommodityId,
    /// t of input per year; `None` is unlimited.
    pub capacity: Option<f64>,
    /// currency per t of input.
    pub cost: f64,
    /// output / input, in (0, 1].
    pub yield_: f64,
    pub at: RowRef,
}

/// A row of demand.csv.
#[derive(Clone, Debug)]
pub struct Demand {
    pub node: NodeId,
    pub commodity: CommodityId,
    /// t per year.
    pub demand: f64,
    /// currency per t left unmet (the model default where the row left it blank).
    pub penalty: f64,
    pub at: RowRef,
}

/// One directed edge for one commodity.
#[derive(Clone, Debug)]
pub struct Route {
    pub from: NodeId,
    pub to: NodeId,
    pub commodity: CommodityId,
    pub cost: f64,
    /// t per year; `None` is unlimited.
    pub capacity: Option<f64>,
    pub at: RowRef,
}

/// Serialized as in model.toml (`max_share`, `min_share`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    MaxShare,
    MinShare,
}

impl PolicyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::MaxShare => "max_share",
            PolicyKind::MinShare => "min_share",
        }
    }
}

/// Which country of a tonne a policy looks at. Serialized as in model.toml
/// (`mining`, `refining`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// The country where the tonne entered the network.
    Mining,
    /// The country of the last refiner it passed.
    Refining,
}

impl Stage {
    pub const ALL: [Stage; 2] = [Stage::Mining, Stage::Refining];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Mining => "mining",
            Stage::Refining => "refining",
        }
    }
}

impl fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The consumers a policy pools.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every consumer separately.
    Each,
    /// All consumers pooled.
    All,
    /// The listed consumers pooled.
    Nodes(Vec<NodeId>),
    /// The consumers located in the group's countries, pooled.
    Group(String),
}

/// The countries a policy limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FromSet {
    /// Every country separately, except the exempt ones.
    Each { exempt: BTreeSet<CountryId> },
    /// One set, limited in total. `label` is the list as written, joined by `+`.
    Set {
        label: String,
        countries: BTreeSet<CountryId>,
    },
}

/// A cap or floor on the share of deliveries from some countries.
#[derive(Clone, Debug)]
pub struct Policy {
    /// The model.toml line of its `[[policy]]` table (none for a command-line policy).
    pub line: Option<usize>,
    pub name: String,
    pub kind: PolicyKind,
    pub stages: Vec<Stage>,
    /// `None` means every commodity, separately.
    pub commodity: Option<CommodityId>,
    pub scope: Scope,
    pub from: FromSet,
    pub share: f64,
    /// The first and last year it applies in (inclusive; `None`: no bound).
    /// Only a multi-period model may set them (contract section 10).
    pub from_year: Option<i32>,
    pub until_year: Option<i32>,
}

impl Policy {
    /// Whether the policy applies in a period of year `year`.
    pub fn applies_in(&self, year: i32) -> bool {
        self.from_year.is_none_or(|y| year >= y) && self.until_year.is_none_or(|y| year <= y)
    }
}

impl Model {
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    pub fn country(&self, id: CountryId) -> &Country {
        &self.countries[id.index()]
    }

    pub fn commodity(&self, id: CommodityId) -> &Commodity {
        &self.commodities[id.index()]
    }

    pub fn route(&self, id: RouteId) -> &Route {
        &self.routes[id.index()]
    }

    pub fn policy(&self, id: PolicyId) -> &Policy {
        &self.policies[id.index()]
    }

    pub fn commodity_ids(&self) -> impl Iterator<Item = CommodityId> {
        (0..self.commodities.len()).map(CommodityId::from_index)
    }

    pub fn node_country(&self, id: NodeId) -> CountryId {
        self.node(id).country
    }

    /// The countries with at least one supply row (mine, recycler or
    /// stockpile of some commodity), in id order: the candidates of an
    /// outage of supply.
    pub fn supplying_countries(&self) -> Vec<CountryId> {
        let countries: BTreeSet<CountryId> = self
            .supply
            .iter()
            .map(|s| self.node_country(s.node))
            .collect();
        countries.into_iter().collect()
    }

    /// The policies that apply to commodity `k`.
    pub fn policies_on(&self, k: CommodityId) -> impl Iterator<Item = (PolicyId, &Policy)> {
        self.policies
            .iter()
            .enumerate()
            .filter(move |(_, p)| p.commodity.is_none_or(|c| c == k))
            .map(|(i, p)| (PolicyId::from_index(i), p))
    }

    /// Countries listing `group` in their groups.
    pub fn group_members(&self, group: &str) -> BTreeSet<CountryId> {
        self.countries
            .iter()
            .enumerate()
            .filter(|(_, c)| c.groups.iter().any(|g| g == group))
            .map(|(i, _)| CountryId::from_index(i))
            .collect()
    }

    /// A short text naming a route edge: `from -> to` (with its line when parallel edges exist).
    pub fn route_label(&self, id: RouteId) -> String {
        let r = self.route(id);
        format!("{}->{}", self.node(r.from).id, self.node(r.to).id)
    }
}
