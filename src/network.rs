//! Network: the supply graph of each commodity (petgraph), and what can flow
//! where. Every tonne carries a label (mining country, refining country | raw);
//! a forward pass finds the labels that can arrive at each node, a backward
//! pass keeps those that can still reach a consumer, and the program then
//! creates a flow variable only for a label that can use its route.
//!
//! Only the label dimensions some policy on the commodity needs are tracked
//! (`Tracking`); an untracked dimension collapses to one value, which keeps the
//! linear program small. Shares along an untracked dimension are reported
//! from a proportional decomposition of the flows (see `report::mix`).

use std::collections::{BTreeSet, VecDeque};

use petgraph::dot::{Config, Dot};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Bfs, EdgeFiltered, EdgeRef};
use petgraph::Direction;

use crate::diagnostics::Diagnostics;
use crate::id::{CommodityId, CountryId, DemandId, NodeId, RefiningId, RouteId, SupplyId};
use crate::model::{Model, Node, NodeKind, Route, Stage};

/// The mining-country part of a label.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    /// No policy needs the mining country: all origins share one label.
    Untracked,
    Country(CountryId),
}

/// The refining-country part of a label.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Refined {
    /// Has passed no refiner (and did not come from a recycler or stockpile).
    Raw,
    /// Refined, but no policy needs the refining country.
    Untracked,
    Country(CountryId),
}

/// What a tonne carries.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Label {
    pub origin: Origin,
    pub refined: Refined,
}

impl Label {
    pub fn is_refined(self) -> bool {
        self.refined != Refined::Raw
    }

    /// The label's country at `stage`, when that dimension is tracked.
    pub fn country_at(self, stage: Stage) -> Option<CountryId> {
        match (stage, self.origin, self.refined) {
            (Stage::Mining, Origin::Country(c), _) => Some(c),
            (Stage::Refining, _, Refined::Country(c)) => Some(c),
            _ => None,
        }
    }
}

/// Which label dimensions a commodity's program tracks.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Tracking {
    pub mining: bool,
    pub refining: bool,
}

impl Tracking {
    /// Tracks a dimension exactly when some policy on `k` looks at that stage.
    pub fn for_commodity(model: &Model, k: CommodityId) -> Tracking {
        let stages: BTreeSet<Stage> = model
            .policies_on(k)
            .flat_map(|(_, p)| p.stages.iter().copied())
            .collect();
        Tracking {
            mining: stages.contains(&Stage::Mining),
            refining: stages.contains(&Stage::Refining),
        }
    }

    fn origin(self, country: CountryId) -> Origin {
        if self.mining {
            Origin::Country(country)
        } else {
            Origin::Untracked
        }
    }

    fn refined(self, country: CountryId) -> Refined {
        if self.refining {
            Refined::Country(country)
        } else {
            Refined::Untracked
        }
    }
}

/// The role a node plays for one commodity.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// Supplies the commodity (its row of `model.supply`).
    Source(SupplyId),
    /// Refines it (its row of `model.refining`).
    Refiner(RefiningId),
    Hub,
    /// Demands it (its row of `model.demand`).
    Consumer(DemandId),
    /// Takes no part in this commodity.
    Inert,
}

/// The graph of one commodity and the labels on each of its routes.
#[derive(Clone, Debug)]
pub struct CommodityNetwork {
    pub commodity: CommodityId,
    pub tracking: Tracking,
    /// Node index i is `NodeId(i)`; edges are the commodity's routes.
    pub graph: DiGraph<NodeId, RouteId>,
    pub roles: Vec<Role>,
    /// The labels each route can usefully carry, for routes that carry any.
    pub route_labels: Vec<(RouteId, Vec<Label>)>,
    /// The labels that can arrive at each node (only useful ones).
    pub labels_in: Vec<BTreeSet<Label>>,
}

impl CommodityNetwork {
    /// Builds the graph of commodity `k` and works out its labels.
    pub fn build(model: &Model, k: CommodityId) -> CommodityNetwork {
        CommodityNetwork::build_with(model, k, Tracking::for_commodity(model, k))
    }

    /// As [`CommodityNetwork::build`], tracking the given label dimensions
    /// (at least those the policies need, or their rows lose meaning): share
    /// ranges track both stages (`ranges`).
    pub fn build_with(model: &Model, k: CommodityId, tracking: Tracking) -> CommodityNetwork {
        let roles = roles(model, k);
        let mut graph = DiGraph::with_capacity(model.nodes.len(), 0);
        for i in 0..model.nodes.len() {
            graph.add_node(NodeId::from_index(i));
        }
        for (i, r) in model.routes.iter().enumerate() {
            if r.commodity == k
                && roles[r.from.index()] != Role::Inert
                && roles[r.to.index()] != Role::Inert
            {
                graph.add_edge(
                    NodeIndex::new(r.from.index()),
                    NodeIndex::new(r.to.index()),
                    RouteId::from_index(i),
                );
            }
        }
        let mut net = CommodityNetwork {
            commodity: k,
            tracking,
            graph,
            roles,
            route_labels: Vec::new(),
            labels_in: Vec::new(),
        };
        let (avail_in, avail_out) = net.forward(model);
        let useful_in = net.backward(&avail_in, &avail_out);
        let mut route_labels: Vec<(RouteId, Vec<Label>)> = net
            .graph
            .edge_references()
            .filter_map(|e| {
                let carried: Vec<Label> = avail_out[e.source().index()]
                    .intersection(&useful_in[e.target().index()])
                    .copied()
                    .collect();
                (!carried.is_empty()).then_some((*e.weight(), carried))
            })
            .collect();
        route_labels.sort_by_key(|(r, _)| *r);
        net.route_labels = route_labels;
        net.labels_in = useful_in;
        net
    }

    /// The label a source node emits.
    fn emitted(&self, model: &Model, node: NodeId) -> Label {
        let n = model.node(node);
        let origin = self.tracking.origin(n.country);
        match n.kind {
            NodeKind::Mine => Label {
                origin,
                refined: Refined::Raw,
            },
            _ => Label {
                origin,
                refined: self.tracking.refined(n.country),
            },
        }
    }

    /// The label a refiner gives out for an input label.
    pub fn refine(&self, model: &Model, refiner: NodeId, input: Label) -> Label {
        Label {
            origin: input.origin,
            refined: self.tracking.refined(model.node_country(refiner)),
        }
    }

    /// Whether `node` takes in `label` at all.
    fn accepts(&self, node: usize, label: Label) -> bool {
        match self.roles[node] {
            Role::Refiner(_) | Role::Hub => true,
            Role::Consumer(_) => label.is_refined(),
            Role::Source(_) | Role::Inert => false,
        }
    }

    /// The labels that can arrive at (in) and leave (out) each node.
    fn forward(&self, model: &Model) -> (Vec<BTreeSet<Label>>, Vec<BTreeSet<Label>>) {
        let n = model.nodes.len();
        let mut avail_in = vec![BTreeSet::new(); n];
        let mut avail_out = vec![BTreeSet::new(); n];
        let mut queue = VecDeque::new();
        for (i, role) in self.roles.iter().enumerate() {
            if let Role::Source(_) = role {
                avail_out[i].insert(self.emitted(model, NodeId::from_index(i)));
                queue.push_back(i);
            }
        }
        while let Some(u) = queue.pop_front() {
            let out: Vec<Label> = avail_out[u].iter().copied().collect();
            for v in self
                .graph
                .neighbors_directed(NodeIndex::new(u), Direction::Outgoing)
            {
                let v = v.index();
                let arriving: Vec<Label> = out
                    .iter()
                    .copied()
                    .filter(|l| self.accepts(v, *l) && !avail_in[v].contains(l))
                    .collect();
                if arriving.is_empty() {
                    continue;
                }
                let mut grew = false;
                for l in arriving {
                    avail_in[v].insert(l);
                    let passed = match self.roles[v] {
                        Role::Hub => Some(l),
                        Role::Refiner(_) => Some(self.refine(model, NodeId::from_index(v), l)),
                        _ => None,
                    };
                    if let Some(p) = passed {
                        grew |= avail_out[v].insert(p);
                    }
                }
                if grew {
                    queue.push_back(v);
                }
            }
        }
        (avail_in, avail_out)
    }

    /// Of the labels that can arrive at each node, those that can go on to a consumer.
    fn backward(
        &self,
        avail_in: &[BTreeSet<Label>],
        avail_out: &[BTreeSet<Label>],
    ) -> Vec<BTreeSet<Label>> {
        let n = avail_in.len();
        let mut useful_in = vec![BTreeSet::new(); n];
        let mut useful_out: Vec<BTreeSet<Label>> = vec![BTreeSet::new(); n];
        let mut queue = VecDeque::new();
        for (v, role) in self.roles.iter().enumerate() {
            if let Role::Consumer(_) = role {
                useful_in[v] = avail_in[v].clone();
                queue.push_back(v);
            }
        }
        while let Some(v) = queue.pop_front() {
            for u in self
                .graph
                .neighbors_directed(NodeIndex::new(v), Direction::Incoming)
            {
                let u = u.index();
                let added: Vec<Label> = avail_out[u]
                    .intersection(&useful_in[v])
                    .filter(|l| !useful_out[u].contains(l))
                    .copied()
                    .collect();
                if added.is_empty() {
                    continue;
                }
                useful_out[u].extend(added.iter().copied());
                let before = useful_in[u].len();
                match self.roles[u] {
                    Role::Hub => useful_in[u].extend(added),
                    Role::Refiner(_) => {
                        // An input label is useful when its refined form is.
                        let refined: BTreeSet<Label> = added.into_iter().collect();
                        let inputs: Vec<Label> = avail_in[u]
                            .iter()
                            .copied()
                            .filter(|l| refined.iter().any(|r| r.origin == l.origin))
                            .collect();
                        useful_in[u].extend(inputs);
                    }
                    _ => {}
                }
                if useful_in[u].len() > before {
                    queue.push_back(u);
                }
            }
        }
        useful_in
    }

    /// The labels that leave `node` on some route.
    pub fn labels_out(&self, node: NodeId) -> BTreeSet<Label> {
        let mut out = BTreeSet::new();
        for e in self
            .graph
            .edges_directed(NodeIndex::new(node.index()), Direction::Outgoing)
        {
            if let Ok(i) = self
                .route_labels
                .binary_search_by_key(e.weight(), |(r, _)| *r)
            {
                out.extend(self.route_labels[i].1.iter().copied());
            }
        }
        out
    }

    /// Whether a mine's raw output can reach a refiner of this commodity
    /// (through hubs only: raw material cannot pass anything else).
    fn mine_reaches_refiner(&self, mine: usize) -> bool {
        let through_hubs = EdgeFiltered::from_fn(&self.graph, |e| {
            e.source().index() == mine || self.roles[e.source().index()] == Role::Hub
        });
        let mut bfs = Bfs::new(&through_hubs, NodeIndex::new(mine));
        while let Some(v) = bfs.next(&through_hubs) {
            if let Role::Refiner(_) = self.roles[v.index()] {
                return true;
            }
        }
        false
    }

    /// Warnings about parts of this commodity's network that can never be used.
    pub fn warn_dead_ends(&self, model: &Model, diags: &mut Diagnostics) {
        let kid = &model.commodity(self.commodity).id;
        for (i, role) in self.roles.iter().enumerate() {
            let node = &model.nodes[i];
            match *role {
                Role::Source(row) => {
                    let at = model.supply[row].at.location();
                    if node.kind == NodeKind::Mine && !self.mine_reaches_refiner(i) {
                        diags.warning(at, format!("mine \"{}\"'s {kid} can never be refined (no route through hubs reaches a refiner of {kid})", node.id));
                    } else if self.labels_out(NodeId::from_index(i)).is_empty() {
                        diags.warning(
                            at,
                            format!("supply of {kid} at \"{}\" can reach no consumer", node.id),
                        );
                    }
                }
                Role::Consumer(row) if self.labels_in[i].is_empty() => {
                    diags.warning(
                        model.demand[row].at.location(),
                        format!("no supply of {kid} can reach consumer \"{}\": all its demand will be unmet", node.id),
                    );
                }
                _ => {}
            }
        }
    }
}

/// What each node does for commodity `k`.
fn roles(model: &Model, k: CommodityId) -> Vec<Role> {
    let mut roles: Vec<Role> = model
        .nodes
        .iter()
        .map(|n| {
            if n.kind == NodeKind::Hub {
                Role::Hub
            } else {
                Role::Inert
            }
        })
        .collect();
    for (i, s) in model
        .supply
        .iter()
        .enumerate()
        .filter(|(_, s)| s.commodity == k)
    {
        roles[s.node.index()] = Role::Source(SupplyId::from_index(i));
    }
    for (i, r) in model
        .refining
        .iter()
        .enumerate()
        .filter(|(_, r)| r.commodity == k)
    {
        roles[r.node.index()] = Role::Refiner(RefiningId::from_index(i));
    }
    for (i, d) in model
        .demand
        .iter()
        .enumerate()
        .filter(|(_, d)| d.commodity == k)
    {
        roles[d.node.index()] = Role::Consumer(DemandId::from_index(i));
    }
    roles
}

/// The networks of every commodity of the model, in commodity order.
pub fn build_all(model: &Model) -> Vec<CommodityNetwork> {
    model
        .commodity_ids()
        .map(|k| CommodityNetwork::build(model, k))
        .collect()
}

/// The whole model as a Graphviz digraph: one edge per route and commodity.
pub fn to_dot(model: &Model) -> String {
    let mut graph: DiGraph<&Node, &Route> =
        DiGraph::with_capacity(model.nodes.len(), model.routes.len());
    for n in &model.nodes {
        graph.add_node(n);
    }
    for r in &model.routes {
        graph.add_edge(
            NodeIndex::new(r.from.index()),
            NodeIndex::new(r.to.index()),
            r,
        );
    }
    let node_attrs = |_, (_, n): (NodeIndex, &&Node)| {
        let shape = match n.kind {
            NodeKind::Mine => "invtriangle",
            NodeKind::Recycler => "invhouse",
            NodeKind::Stockpile => "cylinder",
            NodeKind::Refiner => "box",
            NodeKind::Hub => "circle",
            NodeKind::Consumer => "doubleoctagon",
        };
        let country = &model.country(n.country).code;
        format!(
            "label=\"{}\\n{} ({})\" shape={shape}",
            escape(&n.id),
            n.kind,
            escape(country)
        )
    };
    let edge_attrs = |_, e: petgraph::graph::EdgeReference<'_, &Route>| {
        let r = *e.weight();
        let capacity = r.capacity.map(|c| format!(" cap {c}")).unwrap_or_default();
        format!(
            "label=\"{} {}{capacity}\"",
            escape(&model.commodity(r.commodity).id),
            r.cost
        )
    };
    let dot = Dot::with_attr_getters(
        &graph,
        &[Config::NodeNoLabel, Config::EdgeNoLabel],
        &edge_attrs,
        &node_attrs,
    );
    format!("{dot:?}")
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
