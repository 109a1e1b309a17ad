//! Policies expanded into row instances: one per (policy, commodity, stage,
//! scope set, country or country set), as section 4 of the contract defines.

use std::collections::BTreeSet;

use crate::id::{CommodityId, CountryId, NodeId, PolicyId};
use crate::model::{FromSet, Model, PolicyKind, Scope, Stage};
use crate::network::{CommodityNetwork, Label, Role};

/// One constraint row a policy adds.
#[derive(Clone, Debug)]
pub struct PolicyInstance {
    pub policy: PolicyId,
    pub commodity: CommodityId,
    pub stage: Stage,
    pub kind: PolicyKind,
    pub share: f64,
    /// The consumers pooled (all with a demand row for the commodity).
    pub consumers: Vec<NodeId>,
    /// A consumer id (scope each), `all`, `group:G`, or listed ids joined by `+`.
    pub scope_label: String,
    /// The limited countries: one for `from = "each"`, else the set.
    pub countries: BTreeSet<CountryId>,
    /// The country code for `from = "each"`, else the set as written joined by `+`.
    pub from_label: String,
}

impl PolicyInstance {
    /// Whether a tonne carrying `label` counts in F_X(S) (section 4 of the
    /// contract): its country at the policy's stage is one of the limited
    /// countries. A raw tonne has no refining country and never counts at
    /// the refining stage.
    pub fn limits(&self, label: Label) -> bool {
        label
            .country_at(self.stage)
            .is_some_and(|x| self.countries.contains(&x))
    }
}

/// The scope sets of `scope` for commodity `k`: (label, consumers with demand for k).
pub fn scope_sets(
    model: &Model,
    net: &CommodityNetwork,
    scope: &Scope,
) -> Vec<(String, Vec<NodeId>)> {
    let demanding: Vec<NodeId> = (0..model.nodes.len())
        .filter(|&i| matches!(net.roles[i], Role::Consumer(_)))
        .map(NodeId::from_index)
        .collect();
    match scope {
        Scope::Each => demanding
            .iter()
            .map(|&c| (model.node(c).id.clone(), vec![c]))
            .collect(),
        Scope::All => non_empty("all".into(), demanding),
        Scope::Nodes(list) => {
            let label = list
                .iter()
                .map(|&n| model.node(n).id.as_str())
                .collect::<Vec<_>>()
                .join("+");
            non_empty(
                label,
                list.iter()
                    .copied()
                    .filter(|n| demanding.contains(n))
                    .collect(),
            )
        }
        Scope::Group(g) => {
            let members = model.group_members(g);
            let pooled = demanding
                .iter()
                .copied()
                .filter(|&c| members.contains(&model.node_country(c)))
                .collect();
            non_empty(format!("group:{g}"), pooled)
        }
    }
}

fn non_empty(label: String, consumers: Vec<NodeId>) -> Vec<(String, Vec<NodeId>)> {
    if consumers.is_empty() {
        Vec::new()
    } else {
        vec![(label, consumers)]
    }
}

/// The countries that can appear at `stage` in deliveries to `consumers`.
pub fn reaching_countries(
    net: &CommodityNetwork,
    consumers: &[NodeId],
    stage: Stage,
) -> BTreeSet<CountryId> {
    consumers
        .iter()
        .flat_map(|c| {
            net.labels_in[c.index()]
                .iter()
                .filter_map(move |l| l.country_at(stage))
        })
        .collect()
}

/// Every row instance of every policy on commodity `net.commodity`.
pub fn instances(model: &Model, net: &CommodityNetwork) -> Vec<PolicyInstance> {
    let k = net.commodity;
    let mut out = Vec::new();
    for (pid, p) in model.policies_on(k) {
        for &stage in &p.stages {
            for (scope_label, consumers) in scope_sets(model, net, &p.scope) {
                let base = PolicyInstance {
                    policy: pid,
                    commodity: k,
                    stage,
                    kind: p.kind,
                    share: p.share,
                    consumers,
                    scope_label,
                    countries: BTreeSet::new(),
                    from_label: String::new(),
                };
                match &p.from {
                    FromSet::Each { exempt } => {
                        for x in reaching_countries(net, &base.consumers, stage) {
                            if !exempt.contains(&x) {
                                let from_label = model.country(x).code.clone();
                                out.push(PolicyInstance {
                                    countries: BTreeSet::from([x]),
                                    from_label,
                                    ..base.clone()
                                });
                            }
                        }
                    }
                    FromSet::Set { label, countries } => {
                        out.push(PolicyInstance {
                            countries: countries.clone(),
                            from_label: label.clone(),
                            ..base
                        });
                    }
                }
            }
        }
    }
    out
}

/// Floors that can only hold by delivering nothing: no country of the set can
/// reach the scope at that stage.
pub fn unreachable_floors<'a>(
    net: &CommodityNetwork,
    all: &'a [PolicyInstance],
) -> Vec<&'a PolicyInstance> {
    all.iter()
        .filter(|i| i.kind == PolicyKind::MinShare && i.share > 0.0)
        .filter(|i| reaching_countries(net, &i.consumers, i.stage).is_disjoint(&i.countries))
        .collect()
}
