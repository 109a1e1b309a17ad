//! Disruptions (contract section 8): the market of a window of T months
//! with one country's supply at one stage cut off, solved for every
//! disruption of a set by changing the kept reference program and
//! re-solving it warm (docs/disruptions.md).
//!
//! - [`Window`]: every annual quantity (supply, refining and route
//!   capacities, demand) times T/12, a stockpile's release further capped
//!   by its `stock`, the model's policies off unless kept
//!   ([`Window::model`] builds that model once; nothing else edits it).
//! - [`Disruption`]: a country, a stage, a kind and a commodity. An
//!   `Outage` stops the flows out of the country's mines and recyclers
//!   (mining) or into its refiners (refining); an `ExportBan` stops every
//!   flow into a consumer outside the country whose label carries the
//!   country at the stage (section 4's `max_share` of 0 over those
//!   consumers, written as bounds since flows are never negative).
//! - [`run`]: per commodity, the window's program is built with the label
//!   dimensions the bans need tracked, solved cold once per worker (the
//!   reference), and then for each disruption its flows are fixed at 0,
//!   the LP re-solved from the reference basis, the tie-break QP of
//!   section 6 run on that optimum (so a shortage is shared in proportion
//!   to demand), and the bounds, basis and solution put back.
//!
//! Every change is a column bound, never a row bound: the tie-break holds
//! binding rows at the bounds they were built with, which would undo a
//! changed row.

use std::collections::BTreeSet;

use rayon::prelude::*;

use crate::diagnostics::did_you_mean;
use crate::id::{CommodityId, CountryId, NodeId};
use crate::model::{FromSet, Model, NodeKind, Policy, PolicyKind, Scope, Stage};
use crate::network::{CommodityNetwork, Role, Tracking};
use crate::program::{self, Column, CommodityProgram};
use crate::solve::{LpSolution, Snapshot, SolveError, SolveOptions, SolveStats, SolvedProgram};
use crate::tiebreak::{break_ties, TieBreak};

/// What a disruption does to a country's supply at a stage.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DisruptionKind {
    /// The country's mines and recyclers (mining stage) or refiners
    /// (refining stage) stop for the commodity.
    Outage,
    /// No tonne whose stage country is the country reaches a consumer
    /// outside it; its own consumers are served as before.
    ExportBan,
}

impl DisruptionKind {
    pub const ALL: [DisruptionKind; 2] = [DisruptionKind::Outage, DisruptionKind::ExportBan];

    /// As written on the command line and in reports: `outage`, `export-ban`.
    pub fn as_str(self) -> &'static str {
        match self {
            DisruptionKind::Outage => "outage",
            DisruptionKind::ExportBan => "export-ban",
        }
    }
}

/// One disruption of section 8: `country`'s supply of `commodity` at
/// `stage`, stopped as `kind` says, for the whole window.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Disruption {
    pub country: CountryId,
    pub stage: Stage,
    pub kind: DisruptionKind,
    pub commodity: CommodityId,
}

impl Disruption {
    /// `CHN refining export-ban of lithium`.
    pub fn describe(&self, model: &Model) -> String {
        format!(
            "{} {} {} of {}",
            model.country(self.country).code,
            self.stage.as_str(),
            self.kind.as_str(),
            model.commodity(self.commodity).id
        )
    }

    /// A key that orders disruptions by their names (commodity, stage,
    /// kind, country), whatever the row order of the model's files.
    pub fn sort_key<'m>(&self, model: &'m Model) -> (&'m str, Stage, DisruptionKind, &'m str) {
        (
            &model.commodity(self.commodity).id,
            self.stage,
            self.kind,
            &model.country(self.country).code,
        )
    }
}

/// The months a disruption lasts, and whether the model's policies apply
/// inside them.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Window {
    /// T: every annual quantity is multiplied by T/12.
    pub months: f64,
    /// Keep the model's policies inside the window (off by default, section 8).
    pub keep_policies: bool,
}

impl Default for Window {
    /// A year, without the model's policies.
    fn default() -> Window {
        Window {
            months: 12.0,
            keep_policies: false,
        }
    }
}

impl Window {
    /// T/12.
    pub fn factor(&self) -> f64 {
        self.months / 12.0
    }

    /// The window must last more than 0 and at most [`MAX_MONTHS`] months.
    pub fn check(&self) -> Result<(), DisruptionError> {
        if self.months > 0.0 && self.months <= MAX_MONTHS {
            Ok(())
        } else {
            Err(DisruptionError::Months(self.months))
        }
    }

    /// The model of the window: supply, refining and route capacities and
    /// demand times T/12; a stockpile row with a stock supplies at most
    /// min(capacity x T/12, stock); the policies dropped unless kept; and
    /// the supply rows of the `without` nodes removed (nodes without supply
    /// rows are unaffected). Costs and penalties are per tonne and stay.
    pub fn model(&self, model: &Model, without: &[NodeId]) -> Model {
        let f = self.factor();
        let mut m = model.clone();
        m.supply.retain(|s| !without.contains(&s.node));
        for s in &mut m.supply {
            let scaled = s.capacity.map(|c| c * f);
            s.capacity = match (scaled, s.stock) {
                (Some(c), Some(stock)) => Some(c.min(stock)),
                (None, Some(stock)) => Some(stock),
                (c, None) => c,
            };
        }
        for r in &mut m.refining {
            r.capacity = r.capacity.map(|c| c * f);
        }
        for d in &mut m.demand {
            d.demand *= f;
        }
        for r in &mut m.routes {
            r.capacity = r.capacity.map(|c| c * f);
        }
        if !self.keep_policies {
            m.policies.clear();
        }
        m
    }
}

/// The longest window: ten years. A longer one is not a disruption, and
/// quantities scaled by more could leave the range the solver is trusted in.
pub const MAX_MONTHS: f64 = 120.0;

/// Why a set of disruptions could not be solved.
#[derive(Debug, thiserror::Error)]
pub enum DisruptionError {
    #[error("the window must last more than 0 and at most {MAX_MONTHS} months (got {0})")]
    Months(f64),
    /// A disruption or `without` names an id the model does not have.
    #[error("{0} is not in the model")]
    UnknownId(String),
    #[error(transparent)]
    Solver(#[from] SolveError),
}

/// The countries whose supply of `k` at `stage` a disruption can stop:
/// those with a mine or recycler row for `k` (mining) or a refiner row
/// (refining).
pub fn stage_countries(model: &Model, k: CommodityId, stage: Stage) -> BTreeSet<CountryId> {
    match stage {
        Stage::Mining => model
            .supply
            .iter()
            .filter(|s| s.commodity == k && stops_at_mining(model.node(s.node).kind))
            .map(|s| model.node_country(s.node))
            .collect(),
        Stage::Refining => model
            .refining
            .iter()
            .filter(|r| r.commodity == k)
            .map(|r| model.node_country(r.node))
            .collect(),
    }
}

/// A mining-stage outage stops mines and recyclers, not stockpiles.
fn stops_at_mining(kind: NodeKind) -> bool {
    matches!(kind, NodeKind::Mine | NodeKind::Recycler)
}

/// The N-1 set of section 8, narrowed by options (`None` = all): for every
/// commodity, stage and kind asked for, every country of
/// [`stage_countries`]. In the order commodity, stage, kind, country (ids).
pub fn default_set(
    model: &Model,
    stages: &[Stage],
    kinds: &[DisruptionKind],
    commodities: Option<&[CommodityId]>,
    countries: Option<&[CountryId]>,
) -> Vec<Disruption> {
    let mut set = Vec::new();
    for k in model.commodity_ids() {
        if commodities.is_some_and(|list| !list.contains(&k)) {
            continue;
        }
        for stage in Stage::ALL.into_iter().filter(|s| stages.contains(s)) {
            let candidates = stage_countries(model, k, stage);
            for kind in DisruptionKind::ALL
                .into_iter()
                .filter(|d| kinds.contains(d))
            {
                for &country in &candidates {
                    if countries.is_none_or(|list| list.contains(&country)) {
                        set.push(Disruption {
                            country,
                            stage,
                            kind,
                            commodity: k,
                        });
                    }
                }
            }
        }
    }
    set
}

/// What the window leaves one consumer of one commodity.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsumerImpact {
    pub consumer: NodeId,
    pub commodity: CommodityId,
    /// Its demand over the window (t): annual demand x T/12.
    pub window_demand: f64,
    /// Delivered over the window (t).
    pub delivered: f64,
    /// Demand left unmet (t).
    pub unmet: f64,
    /// Tonnes released from stockpiles that reach this consumer, traced
    /// back through hubs and refiners by proportional mixing (as the
    /// shares of `report::mix`): a refiner passes on the stock in its
    /// input, a tonne out standing for 1/yield tonnes released.
    pub stock_drawn: f64,
    /// The consumer's shortfall penalty per tonne.
    pub penalty: f64,
}

impl ConsumerImpact {
    /// Unmet as a fraction of window demand (0 when there is no demand).
    pub fn unmet_share(&self) -> f64 {
        if self.window_demand > 0.0 {
            self.unmet / self.window_demand
        } else {
            0.0
        }
    }
}

/// One commodity over the window without disruption.
#[derive(Clone, Debug, PartialEq)]
pub struct CommodityWindow {
    pub commodity: CommodityId,
    /// The least total cost of the commodity over the window.
    pub cost: f64,
    /// Every consumer with demand for it, in the order of their ids as
    /// written (node id text).
    pub consumers: Vec<ConsumerImpact>,
    /// Released from stockpiles in total (t).
    pub stock_drawn: f64,
}

impl CommodityWindow {
    pub fn unmet(&self) -> f64 {
        total(&self.consumers, |c| c.unmet)
    }

    pub fn window_demand(&self) -> f64 {
        total(&self.consumers, |c| c.window_demand)
    }
}

/// One quantity summed over the consumers of a window.
fn total(consumers: &[ConsumerImpact], of: impl Fn(&ConsumerImpact) -> f64) -> f64 {
    consumers.iter().map(of).sum()
}

/// The undisrupted window: one entry per commodity of the model, in
/// commodity id order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reference {
    pub commodities: Vec<CommodityWindow>,
}

impl Reference {
    pub fn commodity(&self, k: CommodityId) -> Option<&CommodityWindow> {
        self.commodities.iter().find(|c| c.commodity == k)
    }

    /// The total cost of every commodity over the window.
    pub fn cost(&self) -> f64 {
        self.commodities.iter().map(|c| c.cost).sum()
    }
}

/// The window under one disruption (its commodity only: no constraint
/// couples two commodities, so the others are as in the reference).
#[derive(Clone, Debug, PartialEq)]
pub struct DisruptionOutcome {
    pub disruption: Disruption,
    /// Every consumer with demand for the commodity (node id text order).
    pub consumers: Vec<ConsumerImpact>,
    /// The least total cost of the commodity over the disrupted window.
    pub cost: f64,
    /// `cost` less the reference window's cost of the commodity.
    pub extra_cost: f64,
    /// Released from stockpiles in total (t).
    pub stock_drawn: f64,
    /// Whether the reported flows follow the tie rule of section 6 (false:
    /// the QP could not be run, the LP's vertex is reported).
    pub tie_broken: bool,
    /// The LP re-solve (warm) or solve (cold), and the tie-break's time.
    pub stats: SolveStats,
}

impl DisruptionOutcome {
    /// Total unmet demand (t).
    pub fn unmet(&self) -> f64 {
        total(&self.consumers, |c| c.unmet)
    }

    /// Total window demand of the commodity (t).
    pub fn window_demand(&self) -> f64 {
        total(&self.consumers, |c| c.window_demand)
    }

    /// The consumer with the largest unmet share, the first by id text
    /// among those within [`SHARE_TIE`] of it (a shortage shared in
    /// proportion to demand leaves equal shares, equal up to solver
    /// noise); `None` when nothing is unmet.
    pub fn worst_hit(&self) -> Option<&ConsumerImpact> {
        let top = self
            .consumers
            .iter()
            .filter(|c| c.unmet > 0.0)
            .map(ConsumerImpact::unmet_share)
            .fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.max(s))))?;
        self.consumers
            .iter()
            .find(|c| c.unmet > 0.0 && c.unmet_share() >= top - SHARE_TIE)
    }
}

/// Unmet shares closer than this are equal when the worst-hit consumer is chosen.
pub const SHARE_TIE: f64 = 1e-6;

/// Solves the reference window and every disruption of `set`, each a warm
/// re-solve of the reference program; `without` = source nodes (e.g.
/// stockpile holders) whose supply is removed in the reference and in
/// every disruption. The outcomes are in the order of `set`.
pub fn run(
    model: &Model,
    set: &[Disruption],
    window: &Window,
    without: &[NodeId],
    options: &SolveOptions,
) -> Result<(Reference, Vec<DisruptionOutcome>), DisruptionError> {
    run_with(model, set, window, without, options, &|_| {})
}

/// As [`run`], calling `done` (from any worker thread) after each
/// disruption is solved: for a progress bar.
pub fn run_with(
    model: &Model,
    set: &[Disruption],
    window: &Window,
    without: &[NodeId],
    options: &SolveOptions,
    done: &(dyn Fn(&DisruptionOutcome) + Sync),
) -> Result<(Reference, Vec<DisruptionOutcome>), DisruptionError> {
    check(model, set, window, without)?;
    let wm = window.model(model, without);
    let threads = rayon::current_num_threads().max(1);
    // Per commodity, the disruptions in chunks, one kept program per chunk
    // (a HiGHS instance is used by one thread at a time); the first chunk
    // of each commodity also reports the reference.
    let mut tasks: Vec<(CommodityId, bool, Vec<usize>)> = Vec::new();
    for k in wm.commodity_ids() {
        let mine: Vec<usize> = (0..set.len()).filter(|&i| set[i].commodity == k).collect();
        if mine.is_empty() {
            tasks.push((k, true, Vec::new()));
            continue;
        }
        let size = mine.len().div_ceil(threads);
        for (n, chunk) in mine.chunks(size).enumerate() {
            tasks.push((k, n == 0, chunk.to_vec()));
        }
    }
    let solved: Result<Vec<_>, DisruptionError> = tasks
        .into_par_iter()
        .map(|(k, with_reference, items)| {
            let mut kept = Kept::build(&wm, k, tracking(&wm, set, k), options)?;
            let chosen = kept.chosen(options);
            let reference = with_reference.then(|| kept.window(&chosen.0));
            let base = kept.solved.snapshot();
            let mut outcomes = Vec::with_capacity(items.len());
            for i in items {
                let outcome = kept.disrupted(&set[i], &base, &chosen, options)?;
                done(&outcome);
                outcomes.push((i, outcome));
            }
            Ok((reference, outcomes))
        })
        .collect();
    let mut reference = Reference::default();
    let mut slots: Vec<Option<DisruptionOutcome>> = vec![None; set.len()];
    for (window, outcomes) in solved? {
        reference.commodities.extend(window);
        for (i, o) in outcomes {
            slots[i] = Some(o);
        }
    }
    reference.commodities.sort_by_key(|c| c.commodity);
    let outcomes = finish(&reference, slots.into_iter().flatten().collect());
    Ok((reference, outcomes))
}

/// Each disruption solved cold instead: its model edited
/// ([`disrupted_model`]), built and solved from scratch (the same label
/// tracking and tie rule as [`run`]). For tests and benchmarks: the answer
/// must be [`run`]'s.
pub fn run_cold(
    model: &Model,
    set: &[Disruption],
    window: &Window,
    without: &[NodeId],
    options: &SolveOptions,
) -> Result<(Reference, Vec<DisruptionOutcome>), DisruptionError> {
    check(model, set, window, without)?;
    let wm = window.model(model, without);
    let reference: Result<Vec<CommodityWindow>, DisruptionError> = wm
        .commodity_ids()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|k| {
            let mut kept = Kept::build(&wm, k, tracking(&wm, set, k), options)?;
            let (chosen, _) = kept.chosen(options);
            Ok(kept.window(&chosen))
        })
        .collect();
    let reference = Reference {
        commodities: reference?,
    };
    let outcomes: Result<Vec<DisruptionOutcome>, DisruptionError> = set
        .par_iter()
        .map(|d| {
            let edited = disrupted_model(&wm, d);
            let k = d.commodity;
            let mut kept = Kept::build(&edited, k, tracking(&wm, set, k), options)?;
            let (chosen, tie_broken) = kept.chosen(options);
            Ok(kept.outcome(d, &chosen, tie_broken))
        })
        .collect();
    let outcomes = finish(&reference, outcomes?);
    Ok((reference, outcomes))
}

/// The window is valid and every id is the model's.
fn check(
    model: &Model,
    set: &[Disruption],
    window: &Window,
    without: &[NodeId],
) -> Result<(), DisruptionError> {
    window.check()?;
    let unknown = |what: &str, index: usize| DisruptionError::UnknownId(format!("{what} {index}"));
    for d in set {
        if d.commodity.index() >= model.commodities.len() {
            return Err(unknown("commodity", d.commodity.index()));
        }
        if d.country.index() >= model.countries.len() {
            return Err(unknown("country", d.country.index()));
        }
    }
    match without.iter().find(|n| n.index() >= model.nodes.len()) {
        Some(n) => Err(unknown("node", n.index())),
        None => Ok(()),
    }
}

/// The extra cost of each outcome over the reference of its commodity.
fn finish(reference: &Reference, mut outcomes: Vec<DisruptionOutcome>) -> Vec<DisruptionOutcome> {
    for o in &mut outcomes {
        let base = reference
            .commodity(o.disruption.commodity)
            .map_or(0.0, |r| r.cost);
        o.extra_cost = o.cost - base;
    }
    outcomes
}

/// A window model with disruption `d` written into its data: an outage
/// sets the capacity of the stopped supply or refining rows to 0, an
/// export ban adds a `max_share` of 0 on the country at the stage over the
/// consumers of the commodity outside it (section 8).
pub fn disrupted_model(window_model: &Model, d: &Disruption) -> Model {
    let mut m = window_model.clone();
    let k = d.commodity;
    match (d.kind, d.stage) {
        (DisruptionKind::Outage, Stage::Mining) => {
            for s in &mut m.supply {
                let node = window_model.node(s.node);
                if s.commodity == k && node.country == d.country && stops_at_mining(node.kind) {
                    s.capacity = Some(0.0);
                }
            }
        }
        (DisruptionKind::Outage, Stage::Refining) => {
            for r in &mut m.refining {
                if r.commodity == k && window_model.node_country(r.node) == d.country {
                    r.capacity = Some(0.0);
                }
            }
        }
        (DisruptionKind::ExportBan, stage) => {
            let outside: Vec<NodeId> = window_model
                .demand
                .iter()
                .filter(|c| c.commodity == k && window_model.node_country(c.node) != d.country)
                .map(|c| c.node)
                .collect();
            let code = window_model.country(d.country).code.clone();
            m.policies.push(Policy {
                line: None,
                name: format!("export-ban-{code}"),
                kind: PolicyKind::MaxShare,
                stages: vec![stage],
                commodity: Some(k),
                scope: Scope::Nodes(outside),
                from: FromSet::Set {
                    label: code,
                    countries: BTreeSet::from([d.country]),
                },
                share: 0.0,
                from_year: None,
                until_year: None,
            });
        }
    }
    m
}

/// The label dimensions commodity `k`'s window program tracks: those its
/// policies need (none when they are off) and the stage of every export
/// ban of `k` in `set`.
fn tracking(window_model: &Model, set: &[Disruption], k: CommodityId) -> Tracking {
    let mut t = Tracking::for_commodity(window_model, k);
    for d in set
        .iter()
        .filter(|d| d.commodity == k && d.kind == DisruptionKind::ExportBan)
    {
        match d.stage {
            Stage::Mining => t.mining = true,
            Stage::Refining => t.refining = true,
        }
    }
    t
}

/// One commodity's window program, solved, with its HiGHS instance kept.
struct Kept<'m> {
    model: &'m Model,
    net: CommodityNetwork,
    program: CommodityProgram,
    solved: SolvedProgram,
}

impl<'m> Kept<'m> {
    fn build(
        model: &'m Model,
        k: CommodityId,
        tracking: Tracking,
        options: &SolveOptions,
    ) -> Result<Kept<'m>, SolveError> {
        let net = CommodityNetwork::build_with(model, k, tracking);
        let (program, lp) = program::build(model, &net);
        let solved = SolvedProgram::solve(&program, lp, &model.commodity(k).id, options)?;
        Ok(Kept {
            model,
            net,
            program,
            solved,
        })
    }

    /// The optimum to report of the last LP solve (section 6), and whether
    /// the tie rule could be applied; the instance is left at the LP.
    fn chosen(&mut self, options: &SolveOptions) -> (LpSolution, bool) {
        match options.tie_break {
            TieBreak::None => (self.solved.solution().clone(), true),
            TieBreak::Market => {
                match break_ties(self.model, &self.net, &self.program, &mut self.solved) {
                    Ok(chosen) => (chosen, true),
                    Err(_) => (self.solved.solution().clone(), false),
                }
            }
        }
    }

    /// Solves disruption `d` on the kept instance (warm, from the basis of
    /// `base`) and puts the instance back to `base`. `reference` is the
    /// reported optimum of the reference (and whether it is tie-broken).
    fn disrupted(
        &mut self,
        d: &Disruption,
        base: &Snapshot,
        reference: &(LpSolution, bool),
        options: &SolveOptions,
    ) -> Result<DisruptionOutcome, SolveError> {
        let stopped = stopped_flows(self.model, &self.net, &self.program, d);
        // A disruption that stops only flows the reported reference leaves
        // at 0 changes nothing: that optimum stays feasible at the same
        // cost, so the disrupted optimal face is the reference's less those
        // flows, and the tie-break's unique minimiser over the larger face,
        // lying in the smaller one, is its minimiser too.
        if stopped.iter().all(|&i| reference.0.flows[i] == 0.0) {
            let mut outcome = self.outcome(d, &reference.0, reference.1);
            outcome.stats = SolveStats {
                warm: true,
                ..SolveStats::default()
            };
            return Ok(outcome);
        }
        let stopped: Vec<Column> = stopped
            .into_iter()
            .map(|i| self.program.flow_column(i))
            .collect();
        self.solved.fix_to_zero(stopped.iter().copied());
        let result = match self.solved.resolve() {
            Ok(_) => Ok(self.chosen(options)),
            Err(e) => Err(e),
        };
        // Flow columns are built with bounds [0, inf): the fix is undone.
        for &c in &stopped {
            self.solved.set_column_bounds(c, 0.0, f64::INFINITY);
        }
        self.solved.restore(base.clone())?;
        let (chosen, tie_broken) = result?;
        Ok(self.outcome(d, &chosen, tie_broken))
    }

    fn outcome(&self, d: &Disruption, chosen: &LpSolution, tie_broken: bool) -> DisruptionOutcome {
        let w = self.window(chosen);
        DisruptionOutcome {
            disruption: *d,
            consumers: w.consumers,
            cost: w.cost,
            extra_cost: 0.0,
            stock_drawn: w.stock_drawn,
            tie_broken,
            stats: chosen.stats,
        }
    }

    /// What `solution` leaves each consumer.
    fn window(&self, solution: &LpSolution) -> CommodityWindow {
        let model = self.model;
        let flows = &solution.flows;
        let per_tonne = stock_per_tonne(model, &self.net, &self.program, flows);
        let mut into = vec![0.0; model.nodes.len()];
        let mut drawn_into = vec![0.0; model.nodes.len()];
        let mut drawn = 0.0;
        for (f, &x) in self.program.flows.iter().zip(flows) {
            let r = model.route(f.route);
            into[r.to.index()] += x;
            drawn_into[r.to.index()] += x * per_tonne[r.from.index()];
            if let Role::Source(s) = self.net.roles[r.from.index()] {
                if model.node(model.supply[s].node).kind == NodeKind::Stockpile {
                    drawn += x;
                }
            }
        }
        let mut consumers: Vec<ConsumerImpact> = self
            .program
            .unmet
            .iter()
            .zip(&solution.unmet)
            .map(|(&(d, _), &unmet)| {
                let row = &model.demand[d];
                ConsumerImpact {
                    consumer: row.node,
                    commodity: row.commodity,
                    window_demand: row.demand,
                    delivered: into[row.node.index()],
                    unmet,
                    stock_drawn: drawn_into[row.node.index()],
                    penalty: row.penalty,
                }
            })
            .collect();
        consumers.sort_by(|a, b| model.node(a.consumer).id.cmp(&model.node(b.consumer).id));
        CommodityWindow {
            commodity: self.program.commodity,
            cost: solution.objective,
            consumers,
            stock_drawn: drawn,
        }
    }
}

/// The flows (indices into `program.flows`) that disruption `d` stops.
fn stopped_flows(
    model: &Model,
    net: &CommodityNetwork,
    program: &CommodityProgram,
    d: &Disruption,
) -> Vec<usize> {
    let stops = |i: usize| -> bool {
        let f = &program.flows[i];
        let r = model.route(f.route);
        match (d.kind, d.stage) {
            (DisruptionKind::Outage, Stage::Mining) => {
                let from = model.node(r.from);
                matches!(net.roles[r.from.index()], Role::Source(_))
                    && from.country == d.country
                    && stops_at_mining(from.kind)
            }
            (DisruptionKind::Outage, Stage::Refining) => {
                matches!(net.roles[r.to.index()], Role::Refiner(_))
                    && model.node_country(r.to) == d.country
            }
            (DisruptionKind::ExportBan, stage) => {
                matches!(net.roles[r.to.index()], Role::Consumer(_))
                    && model.node_country(r.to) != d.country
                    && f.label.country_at(stage) == Some(d.country)
            }
        }
    };
    (0..program.flows.len()).filter(|&i| stops(i)).collect()
}

/// Tonnes released from stockpiles per tonne leaving each node (by node
/// index), by proportional mixing: 1 out of a stockpile, 0 out of a mine
/// or recycler, the inflow-weighted average into a hub, and that average
/// over the yield out of a refiner. Solved by repeated passes (a
/// least-cost flow has no circulation, so the passes settle within the
/// network's depth; a circulation converges geometrically and is cut off
/// after a bounded number of passes).
fn stock_per_tonne(
    model: &Model,
    net: &CommodityNetwork,
    program: &CommodityProgram,
    flows: &[f64],
) -> Vec<f64> {
    let n = model.nodes.len();
    let mut inflow = vec![0.0; n];
    for (f, &x) in program.flows.iter().zip(flows) {
        inflow[model.route(f.route).to.index()] += x;
    }
    let mut rho: Vec<f64> = (0..n)
        .map(|i| match net.roles[i] {
            Role::Source(s) if model.node(model.supply[s].node).kind == NodeKind::Stockpile => 1.0,
            _ => 0.0,
        })
        .collect();
    for _ in 0..(4 * n + 16) {
        let mut stock_in = vec![0.0; n];
        for (f, &x) in program.flows.iter().zip(flows) {
            let r = model.route(f.route);
            stock_in[r.to.index()] += x * rho[r.from.index()];
        }
        let mut changed = false;
        for i in 0..n {
            let next = match net.roles[i] {
                Role::Hub if inflow[i] > 0.0 => stock_in[i] / inflow[i],
                Role::Refiner(r) if inflow[i] > 0.0 => {
                    stock_in[i] / inflow[i] / model.refining[r].yield_
                }
                _ => continue,
            };
            if (next - rho[i]).abs() > 1e-15 * next.abs().max(1.0) {
                changed = true;
            }
            rho[i] = next;
        }
        if !changed {
            break;
        }
    }
    rho
}

/// The set [`default_set`] gives for commodities and countries named as
/// written (empty = all). Every unknown name is an error (with the closest
/// known name), all of them returned together.
pub fn select(
    model: &Model,
    stages: &[Stage],
    kinds: &[DisruptionKind],
    commodities: &[String],
    countries: &[String],
) -> Result<Vec<Disruption>, Vec<String>> {
    let mut errors = Vec::new();
    let commodity_ids = resolve(
        commodities,
        model.commodities.iter().map(|c| c.id.as_str()),
        "commodity",
        &mut errors,
    )
    .map(|ids| {
        ids.into_iter()
            .map(CommodityId::from_index)
            .collect::<Vec<_>>()
    });
    let country_ids = resolve(
        countries,
        model.countries.iter().map(|c| c.code.as_str()),
        "country",
        &mut errors,
    )
    .map(|ids| {
        ids.into_iter()
            .map(CountryId::from_index)
            .collect::<Vec<_>>()
    });
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(default_set(
        model,
        stages,
        kinds,
        commodity_ids.as_deref(),
        country_ids.as_deref(),
    ))
}

/// The positions of `names` among `known` (`None` when no name is given);
/// an error for each unknown name.
fn resolve<'a>(
    names: &[String],
    known: impl Iterator<Item = &'a str> + Clone,
    what: &str,
    errors: &mut Vec<String>,
) -> Option<Vec<usize>> {
    if names.is_empty() {
        return None;
    }
    let mut ids = Vec::new();
    for name in names {
        match known.clone().position(|k| k == name) {
            Some(i) => ids.push(i),
            None => errors.push(format!(
                "unknown {what} \"{name}\" (the model has no such {what}{})",
                did_you_mean(name, known.clone())
            )),
        }
    }
    Some(ids)
}
