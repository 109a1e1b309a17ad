//! Shares of deliveries by mining and refining country.
//!
//! A tracked label dimension gives its shares exactly. An untracked one (no
//! policy on that stage for the commodity) is recovered by a proportional
//! decomposition: every node mixes what it receives, so the composition of
//! what leaves a hub is the flow-weighted average of what enters it, a refiner
//! passes on the mining composition of its input and stamps its own refining
//! country, and a source stamps its own country. The same rule is applied to
//! tracked dimensions too (where it is exact), so every share comes from one
//! computation. Cycles are handled strongly-connected-component by component,
//! iterating within a cycle until the compositions settle.

use std::collections::{BTreeMap, HashMap};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::id::{CountryId, NodeId};
use crate::model::{Model, NodeKind};
use crate::network::{CommodityNetwork, Label, Origin, Role};
use crate::program::CommodityProgram;

/// Fractions by country, summing to 1 (or empty when there is nothing).
pub type Shares = BTreeMap<CountryId, f64>;

/// The composition of one stream of material.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mix {
    pub mining: Shares,
    pub refining: Shares,
}

impl Mix {
    fn add_scaled(&mut self, other: &Mix, weight: f64) {
        for (c, s) in &other.mining {
            *self.mining.entry(*c).or_default() += s * weight;
        }
        for (c, s) in &other.refining {
            *self.refining.entry(*c).or_default() += s * weight;
        }
    }

    fn scale(&mut self, factor: f64) {
        self.mining.values_mut().for_each(|s| *s *= factor);
        self.refining.values_mut().for_each(|s| *s *= factor);
    }

    fn distance(&self, other: &Mix) -> f64 {
        let d = |a: &Shares, b: &Shares| {
            a.keys()
                .chain(b.keys())
                .map(|k| (a.get(k).unwrap_or(&0.0) - b.get(k).unwrap_or(&0.0)).abs())
                .fold(0.0, f64::max)
        };
        d(&self.mining, &other.mining).max(d(&self.refining, &other.refining))
    }
}

/// The composition of each consumer's deliveries of one commodity.
pub fn consumer_mixes(
    model: &Model,
    net: &CommodityNetwork,
    program: &CommodityProgram,
    flows: &[f64],
) -> BTreeMap<NodeId, Mix> {
    let mut into: Vec<Vec<(usize, Label, f64)>> = vec![Vec::new(); model.nodes.len()];
    let mut graph: DiGraph<(), ()> = DiGraph::new();
    for _ in 0..model.nodes.len() {
        graph.add_node(());
    }
    for (f, &x) in program.flows.iter().zip(flows) {
        if x > 0.0 {
            let r = model.route(f.route);
            into[r.to.index()].push((r.from.index(), f.label, x));
            graph.add_edge(
                NodeIndex::new(r.from.index()),
                NodeIndex::new(r.to.index()),
                (),
            );
        }
    }
    let mut out: HashMap<(usize, Label), Mix> = HashMap::new();
    // tarjan_scc lists components sinks first; sources must come first here.
    for component in tarjan_scc(&graph).into_iter().rev() {
        let nodes: Vec<usize> = component.iter().map(|n| n.index()).collect();
        let cyclic = nodes.len() > 1 || into[nodes[0]].iter().any(|(from, _, _)| *from == nodes[0]);
        let sweeps = if cyclic { 10_000 } else { 1 };
        for _ in 0..sweeps {
            let mut change: f64 = 0.0;
            for &v in &nodes {
                for (label, mix) in outgoing_mixes(model, net, v, &into[v], &out) {
                    let previous = out.insert((v, label), mix.clone());
                    change = change.max(previous.map(|p| p.distance(&mix)).unwrap_or(1.0));
                }
            }
            if change < 1e-13 {
                break;
            }
        }
    }
    let mut mixes = BTreeMap::new();
    for (v, role) in net.roles.iter().enumerate() {
        if let Role::Consumer(_) = role {
            mixes.insert(
                NodeId::from_index(v),
                blend(
                    into[v].iter().map(|&(from, label, x)| ((from, label), x)),
                    &out,
                ),
            );
        }
    }
    mixes
}

/// The composition of each label leaving node `v`, given what enters it.
fn outgoing_mixes(
    model: &Model,
    net: &CommodityNetwork,
    v: usize,
    into: &[(usize, Label, f64)],
    known: &HashMap<(usize, Label), Mix>,
) -> Vec<(Label, Mix)> {
    let node = &model.nodes[v];
    match net.roles[v] {
        Role::Source(_) => {
            let label = net.labels_out(NodeId::from_index(v));
            let mut mix = Mix::default();
            mix.mining.insert(node.country, 1.0);
            if node.kind != NodeKind::Mine {
                mix.refining.insert(node.country, 1.0);
            }
            label.into_iter().map(|l| (l, mix.clone())).collect()
        }
        Role::Hub => {
            let mut by_label: BTreeMap<Label, Vec<((usize, Label), f64)>> = BTreeMap::new();
            for &(from, label, x) in into {
                by_label.entry(label).or_default().push(((from, label), x));
            }
            by_label
                .into_iter()
                .map(|(l, parts)| (l, blend(parts.into_iter(), known)))
                .collect()
        }
        Role::Refiner(_) => {
            let mut by_origin: BTreeMap<Origin, Vec<((usize, Label), f64)>> = BTreeMap::new();
            for &(from, label, x) in into {
                by_origin
                    .entry(label.origin)
                    .or_default()
                    .push(((from, label), x));
            }
            by_origin
                .into_iter()
                .map(|(origin, parts)| {
                    let input = blend(parts.into_iter(), known);
                    let out_label = net.refine(
                        model,
                        NodeId::from_index(v),
                        Label {
                            origin,
                            refined: crate::network::Refined::Raw,
                        },
                    );
                    let mix = Mix {
                        mining: input.mining,
                        refining: Shares::from([(node.country, 1.0)]),
                    };
                    (out_label, mix)
                })
                .collect()
        }
        Role::Consumer(_) | Role::Inert => Vec::new(),
    }
}

/// The flow-weighted average of the mixes of some streams.
fn blend(
    parts: impl Iterator<Item = ((usize, Label), f64)>,
    known: &HashMap<(usize, Label), Mix>,
) -> Mix {
    let mut mix = Mix::default();
    let mut total = 0.0;
    for (key, x) in parts {
        if let Some(m) = known.get(&key) {
            mix.add_scaled(m, x);
            total += x;
        }
    }
    if total > 0.0 {
        mix.scale(1.0 / total);
    }
    mix
}

/// Herfindahl-Hirschman index of shares given as fractions: sum of (100 s)^2.
pub fn hhi(shares: &Shares) -> f64 {
    shares.values().map(|s| (100.0 * s).powi(2)).sum()
}
