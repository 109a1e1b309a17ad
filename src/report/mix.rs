//! Shares of deliveries by mining and refining country.
//!
//! A tracked label dimension gives its shares exactly. An untracked one (no
//! policy on that stage for the commodity) is recovered by a proportional
//! decomposition: every node mixes what it receives, so the composition of
//! what leaves a hub is the flow-weighted average of what enters it, a refiner
//! passes on the mining composition of its input and stamps its own refining
//! country, and a source stamps its own country. The same rule is applied to
//! tracked dimensions too (where it is exact), so every share comes from one
//! computation.
//!
//! The unknowns are the compositions of the streams (node, label) that leave
//! a node. Each is a flow-weighted average of the streams it is made of, so
//! where streams feed each other in a cycle, the compositions of a strongly
//! connected group of streams are the solution of a linear system, which is
//! solved directly (Gaussian elimination with partial pivoting): exact up to
//! rounding, whatever the size of the flows that circulate.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::id::{CountryId, NodeId};
use crate::model::{Model, NodeKind};
use crate::network::{CommodityNetwork, Label, Origin, Role};
use crate::program::CommodityProgram;

/// Fractions by country, summing to 1 (or empty when there is nothing).
pub type Shares = BTreeMap<CountryId, f64>;

/// Fractions by (mining country, refining country): the joint composition of
/// refined material (raw material has no pair).
pub type Pairs = BTreeMap<(CountryId, CountryId), f64>;

/// The composition of one stream of material.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mix {
    pub mining: Shares,
    pub refining: Shares,
    /// Which mining country's material was refined in which country.
    pub pairs: Pairs,
}

impl Mix {
    pub(crate) fn add_scaled(&mut self, other: &Mix, weight: f64) {
        for (c, s) in &other.mining {
            *self.mining.entry(*c).or_default() += s * weight;
        }
        for (c, s) in &other.refining {
            *self.refining.entry(*c).or_default() += s * weight;
        }
        for (c, s) in &other.pairs {
            *self.pairs.entry(*c).or_default() += s * weight;
        }
    }

    pub(crate) fn scale(&mut self, factor: f64) {
        self.mining.values_mut().for_each(|s| *s *= factor);
        self.refining.values_mut().for_each(|s| *s *= factor);
        self.pairs.values_mut().for_each(|s| *s *= factor);
    }
}

/// A stream of material: what leaves node `.0` with label `.1`.
type Stream = (usize, Label);

/// How a stream is made: its parts (other streams, with the flow taken from
/// each) and, for a refiner, the refining country it stamps.
struct Recipe {
    parts: Vec<(Stream, f64)>,
    /// `Some(mix)` for a source: the composition, fixed.
    fixed: Option<Mix>,
    /// `Some(country)` for a refiner's output: its refining share is 1.
    stamps: Option<CountryId>,
}

/// The composition of each consumer's deliveries of one commodity.
pub fn consumer_mixes(
    model: &Model,
    net: &CommodityNetwork,
    program: &CommodityProgram,
    flows: &[f64],
) -> BTreeMap<NodeId, Mix> {
    let mut into: Vec<Vec<(usize, Label, f64)>> = vec![Vec::new(); model.nodes.len()];
    for (f, &x) in program.flows.iter().zip(flows) {
        if x > 0.0 {
            let r = model.route(f.route);
            into[r.to.index()].push((r.from.index(), f.label, x));
        }
    }
    let recipes = recipes(model, net, &into);
    let known = compositions(&recipes);
    let mut mixes = BTreeMap::new();
    for (v, role) in net.roles.iter().enumerate() {
        if let Role::Consumer(_) = role {
            mixes.insert(
                NodeId::from_index(v),
                blend(
                    into[v].iter().map(|&(from, label, x)| ((from, label), x)),
                    &known,
                ),
            );
        }
    }
    mixes
}

/// The recipe of every stream that leaves a node, given what enters it.
fn recipes(
    model: &Model,
    net: &CommodityNetwork,
    into: &[Vec<(usize, Label, f64)>],
) -> BTreeMap<Stream, Recipe> {
    let mut out = BTreeMap::new();
    for (v, node) in model.nodes.iter().enumerate() {
        match net.roles[v] {
            Role::Source(_) => {
                let mut mix = Mix::default();
                mix.mining.insert(node.country, 1.0);
                if node.kind != NodeKind::Mine {
                    mix.refining.insert(node.country, 1.0);
                    mix.pairs.insert((node.country, node.country), 1.0);
                }
                for l in net.labels_out(NodeId::from_index(v)) {
                    let recipe = Recipe {
                        parts: Vec::new(),
                        fixed: Some(mix.clone()),
                        stamps: None,
                    };
                    out.insert((v, l), recipe);
                }
            }
            Role::Hub => {
                let mut by_label: BTreeMap<Label, Vec<(Stream, f64)>> = BTreeMap::new();
                for &(from, label, x) in &into[v] {
                    by_label.entry(label).or_default().push(((from, label), x));
                }
                for (l, parts) in by_label {
                    let recipe = Recipe {
                        parts,
                        fixed: None,
                        stamps: None,
                    };
                    out.insert((v, l), recipe);
                }
            }
            Role::Refiner(_) => {
                let mut by_origin: BTreeMap<Origin, Vec<(Stream, f64)>> = BTreeMap::new();
                for &(from, label, x) in &into[v] {
                    by_origin
                        .entry(label.origin)
                        .or_default()
                        .push(((from, label), x));
                }
                for (origin, parts) in by_origin {
                    let out_label = net.refine(
                        model,
                        NodeId::from_index(v),
                        Label {
                            origin,
                            refined: crate::network::Refined::Raw,
                        },
                    );
                    let recipe = Recipe {
                        parts,
                        fixed: None,
                        stamps: Some(node.country),
                    };
                    out.insert((v, out_label), recipe);
                }
            }
            Role::Consumer(_) | Role::Inert => {}
        }
    }
    out
}

/// The composition of every stream that carries material from some source.
/// A stream fed by nothing but a circulation among streams (no material from
/// any source reaches it) has no composition and is left out, as are its
/// parts in the streams it feeds.
fn compositions(recipes: &BTreeMap<Stream, Recipe>) -> HashMap<Stream, Mix> {
    let streams: Vec<Stream> = recipes.keys().copied().collect();
    let index: HashMap<Stream, usize> = streams.iter().enumerate().map(|(i, s)| (*s, i)).collect();
    let mut graph: DiGraph<(), ()> = DiGraph::new();
    for _ in &streams {
        graph.add_node(());
    }
    for (i, s) in streams.iter().enumerate() {
        for (part, _) in &recipes[s].parts {
            if let Some(&j) = index.get(part) {
                graph.add_edge(NodeIndex::new(j), NodeIndex::new(i), ());
            }
        }
    }
    let mut known: HashMap<Stream, Mix> = HashMap::new();
    // tarjan_scc lists components sinks first; the streams fed first come first here.
    for component in tarjan_scc(&graph).into_iter().rev() {
        let members: Vec<Stream> = component.iter().map(|n| streams[n.index()]).collect();
        let cyclic = members.len() > 1 || {
            let s = members[0];
            recipes[&s].parts.iter().any(|(p, _)| *p == s)
        };
        if cyclic {
            for (s, mix) in solve_cycle(&members, recipes, &known) {
                known.insert(s, mix);
            }
        } else {
            let s = members[0];
            let recipe = &recipes[&s];
            let mix = match &recipe.fixed {
                Some(mix) => Some(mix.clone()),
                None if recipe.parts.iter().any(|(p, _)| known.contains_key(p)) => {
                    let mut mix = blend(recipe.parts.iter().copied(), &known);
                    if let Some(country) = recipe.stamps {
                        mix.refining = Shares::from([(country, 1.0)]);
                        mix.pairs = stamped(&mix.mining, country);
                    }
                    Some(mix)
                }
                None => None,
            };
            if let Some(mix) = mix {
                known.insert(s, mix);
            }
        }
    }
    known
}

/// The compositions of a strongly connected group of streams, exactly: for
/// each stage (and for the pairs), the system m_i = sum_j w_ij m_j + b_i
/// (w_ij the share of stream i made of member j, b_i what comes from outside
/// the group, already known) is solved for all countries at once. A group
/// that takes in no known material gets no composition. Since the group is
/// strongly connected and some stream in it takes in outside material,
/// I - W is irreducibly diagonally dominant, hence regular.
fn solve_cycle(
    members: &[Stream],
    recipes: &BTreeMap<Stream, Recipe>,
    known: &HashMap<Stream, Mix>,
) -> Vec<(Stream, Mix)> {
    let position: HashMap<Stream, usize> =
        members.iter().enumerate().map(|(i, s)| (*s, i)).collect();
    let fed = members.iter().any(|s| {
        recipes[s]
            .parts
            .iter()
            .any(|(p, _)| !position.contains_key(p) && known.contains_key(p))
    });
    if !fed {
        return Vec::new();
    }
    let group = Group {
        members,
        recipes,
        known,
        position: &position,
    };
    let stamps = |i: usize| recipes[&members[i]].stamps;
    // A refiner's output is the mining mix of its input, refined in its country.
    let Some(mining) = group.solve(|m| m.mining.clone(), |_| None) else {
        return Vec::new(); // singular only through rounding: leave the group out
    };
    let Some(refining) = group.solve(
        |m| m.refining.clone(),
        |i| stamps(i).map(|c| Shares::from([(c, 1.0)])),
    ) else {
        return Vec::new();
    };
    let Some(pairs) = group.solve(
        |m| m.pairs.clone(),
        |i| stamps(i).map(|c| stamped(&mining[i], c)),
    ) else {
        return Vec::new();
    };
    let mixes = mining
        .into_iter()
        .zip(refining)
        .zip(pairs)
        .map(|((mining, refining), pairs)| Mix {
            mining,
            refining,
            pairs,
        });
    members.iter().copied().zip(mixes).collect()
}

/// The joint composition of material of mining mix `mining` refined in `country`.
fn stamped(mining: &Shares, country: CountryId) -> Pairs {
    mining.iter().map(|(&m, &s)| ((m, country), s)).collect()
}

/// A strongly connected group of streams and what is known outside it.
struct Group<'a> {
    members: &'a [Stream],
    recipes: &'a BTreeMap<Stream, Recipe>,
    known: &'a HashMap<Stream, Mix>,
    position: &'a HashMap<Stream, usize>,
}

impl Group<'_> {
    /// One dimension of the compositions (`pick` reads it from a known mix;
    /// `fixed(i)` is member i's own composition when it does not blend its
    /// parts, a refiner's stamp); `None` if the system is singular.
    fn solve<K: Ord + Copy + std::hash::Hash>(
        &self,
        pick: impl Fn(&Mix) -> BTreeMap<K, f64>,
        fixed: impl Fn(usize) -> Option<BTreeMap<K, f64>>,
    ) -> Option<Vec<BTreeMap<K, f64>>> {
        let n = self.members.len();
        let own: Vec<Option<BTreeMap<K, f64>>> = (0..n).map(&fixed).collect();
        let mut keys: BTreeSet<K> = BTreeSet::new();
        for (i, s) in self.members.iter().enumerate() {
            if let Some(f) = &own[i] {
                keys.extend(f.keys());
            }
            for (p, _) in &self.recipes[s].parts {
                if let Some(m) = self.known.get(p) {
                    keys.extend(pick(m).keys());
                }
            }
        }
        let keys: Vec<K> = keys.into_iter().collect();
        let column: HashMap<K, usize> = keys.iter().enumerate().map(|(i, c)| (*c, i)).collect();
        let mut a = vec![vec![0.0; n]; n];
        let mut b = vec![vec![0.0; keys.len()]; n];
        for (i, s) in self.members.iter().enumerate() {
            a[i][i] = 1.0;
            if let Some(f) = &own[i] {
                for (k, v) in f {
                    b[i][column[k]] = *v;
                }
                continue;
            }
            let r = &self.recipes[s];
            let weighed = |p: &Stream| self.position.contains_key(p) || self.known.contains_key(p);
            let total: f64 = r
                .parts
                .iter()
                .filter(|(p, _)| weighed(p))
                .map(|(_, x)| x)
                .sum();
            if total <= 0.0 {
                continue;
            }
            for (p, x) in &r.parts {
                if let Some(&j) = self.position.get(p) {
                    a[i][j] -= x / total;
                } else if let Some(m) = self.known.get(p) {
                    for (k, share) in pick(m) {
                        b[i][column[&k]] += share * x / total;
                    }
                }
            }
        }
        let x = gauss(a, b)?;
        Some(
            x.into_iter()
                .map(|row| {
                    keys.iter()
                        .zip(row)
                        .filter(|(_, v)| *v > 0.0)
                        .map(|(k, v)| (*k, v))
                        .collect()
                })
                .collect(),
        )
    }
}

/// Solves A X = B (A square, B with one column per country) by Gaussian
/// elimination with partial pivoting; `None` if A is singular.
fn gauss(mut a: Vec<Vec<f64>>, mut b: Vec<Vec<f64>>) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    for k in 0..n {
        let pivot = (k..n).max_by(|&i, &j| a[i][k].abs().total_cmp(&a[j][k].abs()))?;
        // NaN or (numerically) zero: singular.
        if a[pivot][k].abs().is_nan() || a[pivot][k].abs() <= f64::MIN_POSITIVE {
            return None;
        }
        a.swap(k, pivot);
        b.swap(k, pivot);
        let (upper, lower) = a.split_at_mut(k + 1);
        let (b_upper, b_lower) = b.split_at_mut(k + 1);
        let (row_k, b_k) = (&upper[k], &b_upper[k]);
        for (row, b_row) in lower.iter_mut().zip(b_lower.iter_mut()) {
            let f = row[k] / row_k[k];
            if f == 0.0 {
                continue;
            }
            for (x, y) in row[k..].iter_mut().zip(&row_k[k..]) {
                *x -= f * y;
            }
            for (x, y) in b_row.iter_mut().zip(b_k) {
                *x -= f * y;
            }
        }
    }
    for k in (0..n).rev() {
        for j in 0..b[k].len() {
            let mut v = b[k][j];
            for i in k + 1..n {
                v -= a[k][i] * b[i][j];
            }
            b[k][j] = v / a[k][k];
        }
    }
    Some(b)
}

/// The flow-weighted average of the mixes of some streams (those with a
/// known composition).
fn blend(parts: impl Iterator<Item = (Stream, f64)>, known: &HashMap<Stream, Mix>) -> Mix {
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

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    use super::*;
    use crate::network::CommodityNetwork;

    /// Two mines, each refined in its own country and sent to its own hub;
    /// the hubs H1 and H2 trade with each other both ways, and each serves a
    /// consumer. No policy, so neither country is tracked in the labels and
    /// every share comes from the decomposition.
    fn two_hub_model(dir: &Path) {
        let files = [
            (
                "model.toml",
                "name = \"two-hubs\"\n[defaults]\nshortfall_penalty = 1000\n\
                 [[commodity]]\nid = \"li\"\nunit = \"t\"\n",
            ),
            (
                "countries.csv",
                "code,name,groups,risk\nAUS,a,,\nCHL,c,,\nJPN,j,,\nKOR,k,,\nSGP,s,,\nNLD,n,,\nDEU,d,,\n",
            ),
            (
                "nodes.csv",
                "id,name,kind,country\nA,a,mine,AUS\nB,b,mine,CHL\nRA,ra,refiner,JPN\nRB,rb,refiner,KOR\n\
                 H1,h1,hub,SGP\nH2,h2,hub,NLD\nC1,c1,consumer,DEU\nC2,c2,consumer,DEU\n",
            ),
            ("supply.csv", "node,commodity,capacity,cost\nA,li,,1\nB,li,,1\n"),
            (
                "refining.csv",
                "node,commodity,capacity,cost,yield\nRA,li,,1,\nRB,li,,1,\n",
            ),
            (
                "demand.csv",
                "node,commodity,demand,penalty\nC1,li,50,\nC2,li,50,\n",
            ),
            (
                "routes.csv",
                "from,to,commodity,cost,capacity\nA,RA,li,1,\nB,RB,li,1,\nRA,H1,li,1,\nRB,H2,li,1,\n\
                 H1,H2,li,1,\nH2,H1,li,1,\nH1,C1,li,1,\nH2,C2,li,1,\n",
            ),
        ];
        for (name, body) in files {
            fs::write(dir.join(name), body).unwrap();
        }
    }

    /// The mixes of C1 and C2 when H2 -> H1 carries `b` t and H1 -> H2 `b + 10`.
    fn mixes_with_circulation(b: f64) -> (Mix, Mix, Model) {
        let tmp = tempfile::tempdir().unwrap();
        two_hub_model(tmp.path());
        let model = crate::pipeline::load(&crate::pipeline::Request::folder(tmp.path()))
            .unwrap_or_else(|d| panic!("{:?}", d.sorted()))
            .model;
        let k = crate::id::CommodityId::from_index(0);
        let net = CommodityNetwork::build(&model, k);
        let (program, _) = crate::program::build(&model, &net);
        let amount = |from: &str, to: &str| match (from, to) {
            ("A", "RA") | ("RA", "H1") => 60.0,
            ("B", "RB") | ("RB", "H2") => 40.0,
            ("H1", "H2") => b + 10.0,
            ("H2", "H1") => b,
            ("H1", "C1") | ("H2", "C2") => 50.0,
            other => panic!("no such route {other:?}"),
        };
        let mut seen = BTreeSet::new();
        let flows: Vec<f64> = program
            .flows
            .iter()
            .map(|f| {
                let r = model.route(f.route);
                if seen.insert(f.route) {
                    amount(&model.node(r.from).id, &model.node(r.to).id)
                } else {
                    0.0
                }
            })
            .collect();
        assert_eq!(seen.len(), 8, "every route has a flow variable");
        let mixes = consumer_mixes(&model, &net, &program, &flows);
        let c = |id: &str| {
            let n = model.nodes.iter().position(|n| n.id == id).unwrap();
            mixes[&NodeId::from_index(n)].clone()
        };
        let (c1, c2) = (c("C1"), c("C2"));
        (c1, c2, model)
    }

    /// Derivation: with p the AUS share at H1 and q at H2 (the refining
    /// shares JPN / KOR follow the same streams),
    ///   H1 takes 60 t of AUS from RA and b t from H2: p = (60 + b q) / (60 + b),
    ///   H2 takes 40 t of CHL from RB and b + 10 t from H1: q = (b + 10) p / (b + 50),
    /// so p = 0.6 (b + 50) / (b + 30) and q = 0.6 (b + 10) / (b + 30).
    /// For b = 20: p = 0.84, q = 0.36. For b = 1e6 the old fixed-point
    /// iteration stopped after 10,000 sweeps far from the answer.
    #[test]
    fn a_cycle_between_two_hubs_is_solved_exactly() {
        for b in [20.0, 1e6, 1e9] {
            let (c1, c2, model) = mixes_with_circulation(b);
            let code = |m: &Shares, code: &str| {
                let i = model.countries.iter().position(|c| c.code == code).unwrap();
                m.get(&CountryId::from_index(i)).copied().unwrap_or(0.0)
            };
            let p = 0.6 * (b + 50.0) / (b + 30.0);
            let q = 0.6 * (b + 10.0) / (b + 30.0);
            for (mix, want, who) in [(&c1, p, "C1"), (&c2, q, "C2")] {
                let near = |x: f64, y: f64| (x - y).abs() <= 1e-9;
                assert!(
                    near(code(&mix.mining, "AUS"), want)
                        && near(code(&mix.mining, "CHL"), 1.0 - want)
                        && near(code(&mix.refining, "JPN"), want)
                        && near(code(&mix.refining, "KOR"), 1.0 - want),
                    "b = {b}: {who} should be AUS/JPN {want}: {mix:?}"
                );
                // AUS ore is refined in JPN only, CHL ore in KOR only.
                let pair = |m: &str, r: &str| {
                    let i = model.countries.iter().position(|c| c.code == m).unwrap();
                    let j = model.countries.iter().position(|c| c.code == r).unwrap();
                    let key = (CountryId::from_index(i), CountryId::from_index(j));
                    mix.pairs.get(&key).copied().unwrap_or(0.0)
                };
                assert!(
                    (pair("AUS", "JPN") - want).abs() <= 1e-9
                        && (pair("CHL", "KOR") - (1.0 - want)).abs() <= 1e-9
                        && mix.pairs.len() == 2,
                    "b = {b}: {who}'s pairs: {:?}",
                    mix.pairs
                );
            }
        }
        let (c1, c2, _) = mixes_with_circulation(20.0);
        assert_eq!(c1.mining.len(), 2);
        assert_eq!(c2.refining.len(), 2);
    }
}
