//! Synthetic models, generated in code from a seed: for property tests (tiny
//! random models) and for benchmarks (large models with a regional shape).
//!
//! [`generate`] returns the text of every model file, exactly as a model folder
//! would hold it, so a synthetic model goes through the same load and
//! validation as a real one. The same [`SynthParams`] always give the same
//! bytes (ChaCha8 seeded with `seed`).
//!
//! Two shapes:
//! - [`Shape::Random`] (`SynthParams::small`): 5 to 15 nodes of every kind
//!   wired at random, with hub cycles, capacities that bind, demand that goes
//!   unmet, and one to four policies drawn from every form the contract has.
//! - [`Shape::Regional`] (`medium`, `large`, `xl`): countries grouped into
//!   regions (`group:R0`, `group:R1`, ...). In each region a few countries
//!   mine, two refine, and all consume. Mines ship to "raw" hubs and refiners
//!   of their own region (and some to one importing refiner country of the
//!   next region); refiners ship to "refined" hubs and consumers of their
//!   region; consumers also buy from the refined hubs of the next region.
//!   Hubs form cycles only inside a region. So the labels (mining country,
//!   refining country) that can reach any edge stay few, as in the real
//!   trade, and the commodities differ in what their policies make the program
//!   track (see [`tier`]): that, more than the node count, sets the LP size.

use crate::model::NodeKind as Kind;
use std::fmt::Write as _;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::input::ModelTexts;

/// How the nodes are wired.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A handful of nodes wired at random (property tests).
    Random,
    /// Regions of countries, trade mostly inside a region (benchmarks).
    Regional,
}

/// What to generate. Presets: [`SynthParams::small`], [`SynthParams::medium`],
/// [`SynthParams::large`], [`SynthParams::xl`]; every field may be changed.
#[derive(Clone, Debug, PartialEq)]
pub struct SynthParams {
    /// The model's name (in model.toml and in the paths shown in messages).
    pub name: String,
    pub shape: Shape,
    /// Nodes in nodes.csv.
    pub nodes: usize,
    /// Rows in routes.csv to aim for (a few may be dropped where no endpoint fits;
    /// a `*` row becomes one edge per commodity).
    pub routes: usize,
    pub countries: usize,
    /// Regions (`Regional` only); each is a group `R<i>` of countries.
    pub regions: usize,
    pub commodities: usize,
    pub seed: u64,
    /// `Regional` only: add a `commodity = "*"` policy (refining stage). It
    /// makes every commodity track the refining country; without it the first
    /// four commodities track nothing / mining / refining / both.
    pub star_policy: bool,
    /// `Regional` only: instead of each commodity's tier policies (see
    /// [`tier`]), give every commodity two caps per consumer, `max_share`
    /// with `scope = "each"` and `from = "each"`: 50% per mining country and
    /// 60% per refining country, no exemptions. Every commodity then tracks
    /// both stages with a policy row per (consumer, country) at each stage:
    /// the family of issue 7's section 4 (`scale --caps-each`).
    pub caps_each: bool,
}

impl SynthParams {
    /// A tiny random model (5 to 15 nodes) for property tests; the sizes are
    /// drawn from `seed` too, so many seeds give many different models.
    pub fn small(seed: u64) -> SynthParams {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5EED_5A11);
        let nodes = rng.random_range(5..=15);
        SynthParams {
            name: format!("synth-small-{seed}"),
            shape: Shape::Random,
            nodes,
            routes: nodes * rng.random_range(2..=3),
            countries: rng.random_range(2..=5),
            regions: 1,
            commodities: rng.random_range(1..=3),
            seed,
            star_policy: true,
            caps_each: false,
        }
    }

    /// About 300 nodes and 3,000 routes.
    pub fn medium() -> SynthParams {
        SynthParams::regional("synth-medium", 300, 3_000, 20, 4)
    }

    /// 3,000 nodes and 30,000 routes.
    pub fn large() -> SynthParams {
        SynthParams::regional("synth-large", 3_000, 30_000, 40, 8)
    }

    /// 20,000 nodes and 200,000 routes.
    pub fn xl() -> SynthParams {
        SynthParams::regional("synth-xl", 20_000, 200_000, 100, 20)
    }

    /// A regional model of any size (four commodities, seed 2024).
    pub fn regional(
        name: &str,
        nodes: usize,
        routes: usize,
        countries: usize,
        regions: usize,
    ) -> SynthParams {
        SynthParams {
            name: name.to_string(),
            shape: Shape::Regional,
            nodes,
            routes,
            countries,
            regions,
            commodities: 4,
            seed: 2024,
            star_policy: true,
            caps_each: false,
        }
    }

    /// A preset by name: `small` (seed 0), `medium`, `large` or `xl`.
    pub fn preset(name: &str) -> Option<SynthParams> {
        match name {
            "small" => Some(SynthParams::small(0)),
            "medium" => Some(SynthParams::medium()),
            "large" => Some(SynthParams::large()),
            "xl" => Some(SynthParams::xl()),
            _ => None,
        }
    }
}

/// What a commodity's policies make the program track, for `Regional` models
/// without the `*` policy: commodity i gets tier i % 4.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Tier {
    /// No policy: plain flows.
    Nothing,
    /// Mining-stage policies only.
    Mining,
    /// Refining-stage policies only.
    Refining,
    /// Policies at both stages.
    Both,
}

/// The tier of commodity `index` in a `Regional` model.
pub fn tier(index: usize) -> Tier {
    [Tier::Nothing, Tier::Mining, Tier::Refining, Tier::Both][index % 4]
}

/// The id of commodity `index`.
pub fn commodity_id(index: usize) -> String {
    const NAMES: [&str; 5] = ["lithium", "cobalt", "nickel", "graphite", "rare_earths"];
    NAMES
        .get(index)
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("mineral{index}"))
}

/// The text of every model file for `p` (no `None`: every file is there).
pub fn generate(p: &SynthParams) -> ModelTexts {
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    let files = match p.shape {
        Shape::Random => random_model(p, &mut rng),
        Shape::Regional => regional_model(p, &mut rng),
    };
    ModelTexts {
        shown_dir: p.name.clone(),
        files: files.into_files(),
        unreadable: Default::default(),
        ..ModelTexts::default()
    }
}

/// A multi-period version of a generated model (contract section 10), for
/// tests and benchmarks: `[periods]` with `years` (5-year last span, 5%
/// discount rate); every demand row once per period, multiplied by that
/// period's `growth`; and an expansion option for every mine, recycler and
/// refiner row with a finite capacity: up to its capacity again, capex 8 x
/// its unit cost per t per year, from the second period, 20 years.
pub fn with_periods(texts: &ModelTexts, years: &[i32], growth: &[f64]) -> ModelTexts {
    let mut out = texts.clone();
    let file = |name: &str| texts.files.get(name).cloned().flatten().unwrap_or_default();
    let mut toml = file("model.toml");
    let list: Vec<String> = years.iter().map(|y| y.to_string()).collect();
    let _ = writeln!(
        toml,
        "\n[periods]\nyears = [{}]\nlast_span = 5\ndiscount_rate = 0.05",
        list.join(", ")
    );
    let mut demand = String::from("node,commodity,demand,penalty,year\n");
    for row in file("demand.csv").lines().skip(1) {
        let cells: Vec<&str> = row.split(',').collect();
        let Some(base) = cells.get(2).and_then(|d| d.parse::<f64>().ok()) else {
            continue;
        };
        for (year, g) in years.iter().zip(growth) {
            let penalty = cells.get(3).copied().unwrap_or("");
            let _ = writeln!(
                demand,
                "{},{},{:.0},{penalty},{year}",
                cells[0],
                cells[1],
                base * g
            );
        }
    }
    let kinds: std::collections::BTreeMap<String, String> = file("nodes.csv")
        .lines()
        .skip(1)
        .filter_map(|row| {
            let cells: Vec<&str> = row.split(',').collect();
            Some((cells.first()?.to_string(), cells.get(2)?.to_string()))
        })
        .collect();
    let first_year = years.get(1).or(years.first()).copied().unwrap_or(0);
    let mut expansion =
        String::from("node,commodity,max_added,capex,fixed_cost,first_year,lifetime\n");
    for table in ["supply.csv", "refining.csv"] {
        for row in file(table).lines().skip(1) {
            let cells: Vec<&str> = row.split(',').collect();
            let (Some(node), Some(k), Some(cap), Some(cost)) =
                (cells.first(), cells.get(1), cells.get(2), cells.get(3))
            else {
                continue;
            };
            let expandable = matches!(
                kinds.get(*node).map(String::as_str),
                Some("mine" | "recycler" | "refiner")
            );
            let (Ok(cap), Ok(cost)) = (cap.parse::<f64>(), cost.parse::<f64>()) else {
                continue;
            };
            if expandable {
                let _ = writeln!(
                    expansion,
                    "{node},{k},{cap:.0},{:.2},,{first_year},20",
                    8.0 * cost
                );
            }
        }
    }
    for (name, text) in [
        ("model.toml", toml),
        ("demand.csv", demand),
        ("expansion.csv", expansion),
    ] {
        out.files.insert(name.to_string(), Some(text));
    }
    out
}

/// The files being written.
struct Files {
    toml: String,
    countries: String,
    nodes: String,
    supply: String,
    refining: String,
    demand: String,
    routes: String,
    route_rows: usize,
}

impl Files {
    fn new(p: &SynthParams, description: &str, default_penalty: f64) -> Files {
        let mut toml = String::new();
        let _ = writeln!(
            toml,
            "# Generated by sourcemix::synth ({:?}, seed {}).",
            p.shape, p.seed
        );
        let _ = writeln!(toml, "name = {}", quoted(&p.name));
        let _ = writeln!(toml, "description = {}", quoted(description));
        let _ = writeln!(
            toml,
            "currency = \"USD\"\n\n[defaults]\nshortfall_penalty = {default_penalty}\n"
        );
        for k in 0..p.commodities.max(1) {
            let id = commodity_id(k);
            let _ = writeln!(
                toml,
                "[[commodity]]\nid = {}\nname = {}\nunit = \"t\"\n",
                quoted(&id),
                quoted(&format!("Synthetic {id}"))
            );
        }
        Files {
            toml,
            countries: "code,name,groups,risk\n".into(),
            nodes: "id,name,kind,country\n".into(),
            supply: "node,commodity,capacity,cost\n".into(),
            refining: "node,commodity,capacity,cost,yield\n".into(),
            demand: "node,commodity,demand,penalty\n".into(),
            routes: "from,to,commodity,cost,capacity\n".into(),
            route_rows: 0,
        }
    }

    fn country(&mut self, code: &str, groups: &[String], risk: Option<f64>) {
        let _ = writeln!(
            self.countries,
            "{code},Country {code},{},{}",
            groups.join(";"),
            opt(risk, 2)
        );
    }

    fn node(&mut self, id: &str, kind: &str, country: &str) {
        let _ = writeln!(self.nodes, "{id},{kind} {id},{kind},{country}");
    }

    fn supply(&mut self, node: &str, k: &str, capacity: Option<f64>, cost: f64) {
        let _ = writeln!(self.supply, "{node},{k},{},{cost:.2}", opt(capacity, 0));
    }

    fn refining(
        &mut self,
        node: &str,
        k: &str,
        capacity: Option<f64>,
        cost: f64,
        yield_: Option<f64>,
    ) {
        let _ = writeln!(
            self.refining,
            "{node},{k},{},{cost:.2},{}",
            opt(capacity, 0),
            opt(yield_, 3)
        );
    }

    fn demand(&mut self, node: &str, k: &str, demand: f64, penalty: Option<f64>) {
        let _ = writeln!(self.demand, "{node},{k},{demand:.0},{}", opt(penalty, 0));
    }

    fn route(&mut self, from: &str, to: &str, k: &str, cost: f64, capacity: Option<f64>) {
        let _ = writeln!(
            self.routes,
            "{from},{to},{k},{cost:.2},{}",
            opt(capacity, 0)
        );
        self.route_rows += 1;
    }

    fn policy(&mut self, policy: &PolicyText) {
        let t = &mut self.toml;
        let _ = writeln!(
            t,
            "[[policy]]\nname = {}\ntype = \"{}\"",
            quoted(&policy.name),
            policy.kind
        );
        let _ = writeln!(
            t,
            "stage = \"{}\"\ncommodity = {}",
            policy.stage,
            quoted(&policy.commodity)
        );
        let _ = writeln!(
            t,
            "scope = {}\nfrom = {}",
            policy.scope.toml(),
            policy.from.toml()
        );
        if let Some(exempt) = &policy.exempt {
            let _ = writeln!(t, "exempt = {}", OneOrList::List(exempt.clone()).toml());
        }
        let _ = writeln!(t, "share = {:.2}\n", policy.share);
    }

    fn into_files(self) -> std::collections::BTreeMap<String, Option<String>> {
        [
            ("model.toml", self.toml),
            ("countries.csv", self.countries),
            ("nodes.csv", self.nodes),
            ("supply.csv", self.supply),
            ("refining.csv", self.refining),
            ("demand.csv", self.demand),
            ("routes.csv", self.routes),
        ]
        .into_iter()
        .map(|(name, text)| (name.to_string(), Some(text)))
        .collect()
    }
}

/// A `scope`, `from` or `exempt` value.
#[derive(Clone, Debug)]
enum OneOrList {
    One(String),
    List(Vec<String>),
}

impl OneOrList {
    fn toml(&self) -> String {
        match self {
            OneOrList::One(s) => quoted(s),
            OneOrList::List(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(|s| quoted(s))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

struct PolicyText {
    name: String,
    kind: &'static str,
    stage: &'static str,
    commodity: String,
    scope: OneOrList,
    from: OneOrList,
    exempt: Option<Vec<String>>,
    share: f64,
}

fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn opt(x: Option<f64>, decimals: usize) -> String {
    x.map(|x| format!("{x:.decimals$}")).unwrap_or_default()
}

/// A uniform pick from a non-empty slice.
fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn uniform(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

/// A yield in (0.5, 1].
fn yield_in(rng: &mut ChaCha8Rng, lo: f64) -> f64 {
    1.0 - (1.0 - lo) * rng.random::<f64>()
}

// ---------------------------------------------------------------------------
// Random (small) models

const SMALL_CODES: [&str; 8] = ["CHN", "AUS", "CHL", "COD", "IDN", "USA", "DEU", "JPN"];

/// A random non-empty subset of `0..n` (each member with probability `p`).
fn subset(rng: &mut ChaCha8Rng, n: usize, p: f64) -> Vec<usize> {
    let mut s: Vec<usize> = (0..n).filter(|_| rng.random_bool(p)).collect();
    if s.is_empty() {
        s.push(rng.random_range(0..n));
    }
    s
}

fn random_model(p: &SynthParams, rng: &mut ChaCha8Rng) -> Files {
    let default_penalty = (uniform(rng, 800.0, 3000.0)).round();
    let mut f = Files::new(
        p,
        "A small random model for property tests",
        default_penalty,
    );
    let n_countries = p.countries.clamp(1, SMALL_CODES.len());
    let n_k = p.commodities.max(1);
    let ks: Vec<String> = (0..n_k).map(commodity_id).collect();

    // Countries and groups; EU and ALLY have at least one member each.
    let offset = rng.random_range(0..SMALL_CODES.len());
    let codes: Vec<&str> = (0..n_countries)
        .map(|i| SMALL_CODES[(offset + i) % SMALL_CODES.len()])
        .collect();
    let mut groups: Vec<Vec<String>> = vec![Vec::new(); n_countries];
    for g in groups.iter_mut() {
        if rng.random_bool(0.4) {
            g.push("EU".into());
        }
        if rng.random_bool(0.5) {
            g.push("ALLY".into());
        }
    }
    for name in ["EU", "ALLY"] {
        if !groups.iter().any(|g| g.iter().any(|x| x == name)) {
            let i = rng.random_range(0..n_countries);
            groups[i].push(name.into());
        }
    }
    for (i, code) in codes.iter().enumerate() {
        let risk = rng.random_bool(0.6).then(|| uniform(rng, 0.0, 1.0));
        f.country(code, &groups[i], risk);
    }

    // Nodes: at least a mine, a refiner and a consumer.
    let n = p.nodes.max(3);
    let weighted = [
        (Kind::Mine, 3),
        (Kind::Recycler, 1),
        (Kind::Stockpile, 1),
        (Kind::Refiner, 2),
        (Kind::Hub, 2),
        (Kind::Consumer, 2),
    ];
    let total: u32 = weighted.iter().map(|w| w.1).sum();
    let mut kinds = vec![Kind::Mine, Kind::Refiner, Kind::Consumer];
    while kinds.len() < n {
        let mut x = rng.random_range(0..total);
        for &(k, w) in &weighted {
            if x < w {
                kinds.push(k);
                break;
            }
            x -= w;
        }
    }
    let ids: Vec<String> = kinds
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{}{i}", &k.as_str()[..3].to_uppercase()))
        .collect();
    let node_country: Vec<usize> = (0..n).map(|_| rng.random_range(0..n_countries)).collect();
    for i in 0..n {
        f.node(&ids[i], kinds[i].as_str(), codes[node_country[i]]);
    }

    // Rows: what each node supplies, refines, demands.
    let mut commodities_of: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        match kinds[i] {
            Kind::Mine | Kind::Recycler | Kind::Stockpile => {
                commodities_of[i] = subset(rng, n_k, 0.5);
                for &k in &commodities_of[i] {
                    let capacity = rng
                        .random_bool(0.75)
                        .then(|| uniform(rng, 40.0, 400.0).round());
                    let base = if kinds[i] == Kind::Mine { 10.0 } else { 60.0 };
                    f.supply(&ids[i], &ks[k], capacity, uniform(rng, base, base + 90.0));
                }
            }
            Kind::Refiner => {
                commodities_of[i] = subset(rng, n_k, 0.5);
                for &k in &commodities_of[i] {
                    let capacity = rng
                        .random_bool(0.7)
                        .then(|| uniform(rng, 40.0, 400.0).round());
                    let y = rng.random_bool(0.7).then(|| yield_in(rng, 0.5));
                    f.refining(&ids[i], &ks[k], capacity, uniform(rng, 5.0, 50.0), y);
                }
            }
            Kind::Consumer => {
                if rng.random_bool(0.9) {
                    commodities_of[i] = subset(rng, n_k, 0.7);
                }
                for &k in &commodities_of[i] {
                    let penalty = rng
                        .random_bool(0.3)
                        .then(|| uniform(rng, 300.0, 3000.0).round());
                    f.demand(&ids[i], &ks[k], uniform(rng, 20.0, 150.0).round(), penalty);
                }
            }
            Kind::Hub => {}
        }
    }

    // Routes: a backbone so that material can flow, hub cycles, then random edges.
    let senders: Vec<usize> = (0..n).filter(|&i| kinds[i] != Kind::Consumer).collect();
    let receivers: Vec<usize> = (0..n).filter(|&i| !kinds[i].is_source()).collect();
    let hubs: Vec<usize> = (0..n).filter(|&i| kinds[i] == Kind::Hub).collect();
    let route = |f: &mut Files, rng: &mut ChaCha8Rng, from: usize, to: usize| {
        if from == to {
            return;
        }
        // An explicit commodity into a refiner must be one it refines.
        let k = if rng.random_bool(0.3) {
            "*".to_string()
        } else if kinds[to] == Kind::Refiner {
            ks[*pick(rng, &commodities_of[to])].clone()
        } else if kinds[from].is_source() || kinds[from] == Kind::Refiner {
            ks[*pick(rng, &commodities_of[from])].clone()
        } else if kinds[to] == Kind::Consumer && !commodities_of[to].is_empty() {
            ks[*pick(rng, &commodities_of[to])].clone()
        } else {
            ks[rng.random_range(0..n_k)].clone()
        };
        let capacity = rng
            .random_bool(0.3)
            .then(|| uniform(rng, 5.0, 100.0).round());
        f.route(&ids[from], &ids[to], &k, uniform(rng, 1.0, 30.0), capacity);
    };
    for &from in &senders {
        let to = match kinds[from] {
            Kind::Mine => {
                let refiners: Vec<usize> = (0..n)
                    .filter(|&i| kinds[i] == Kind::Refiner || kinds[i] == Kind::Hub)
                    .collect();
                *pick(rng, &refiners)
            }
            _ => *pick(rng, &receivers),
        };
        route(&mut f, rng, from, to);
    }
    // Most demand gets a supply chain (source -> refiner -> consumer, at
    // times through a hub), so unmet demand is common but not the rule.
    let explicit = |f: &mut Files, rng: &mut ChaCha8Rng, from: usize, to: usize, k: usize| {
        let capacity = rng
            .random_bool(0.2)
            .then(|| uniform(rng, 20.0, 200.0).round());
        f.route(
            &ids[from],
            &ids[to],
            &ks[k],
            uniform(rng, 1.0, 30.0),
            capacity,
        );
    };
    let via_hub = |f: &mut Files, rng: &mut ChaCha8Rng, from: usize, to: usize, k: usize| {
        if !hubs.is_empty() && rng.random_bool(0.3) {
            let hub = *pick(rng, &hubs);
            explicit(f, rng, from, hub, k);
            explicit(f, rng, hub, to, k);
        } else {
            explicit(f, rng, from, to, k);
        }
    };
    for to in (0..n).filter(|&i| kinds[i] == Kind::Consumer) {
        for &k in &commodities_of[to] {
            let refiners: Vec<usize> = (0..n)
                .filter(|&i| kinds[i] == Kind::Refiner && commodities_of[i].contains(&k))
                .collect();
            let sources: Vec<usize> = (0..n)
                .filter(|&i| kinds[i].is_source() && commodities_of[i].contains(&k))
                .collect();
            if refiners.is_empty() || sources.is_empty() || rng.random_bool(0.15) {
                continue;
            }
            let (refiner, source) = (*pick(rng, &refiners), *pick(rng, &sources));
            via_hub(&mut f, rng, refiner, to, k);
            if kinds[source] == Kind::Mine || rng.random_bool(0.5) {
                via_hub(&mut f, rng, source, refiner, k);
            } else {
                via_hub(&mut f, rng, source, to, k);
            }
        }
    }
    if hubs.len() >= 2 && rng.random_bool(0.6) {
        let (a, b) = (hubs[0], hubs[1]);
        route(&mut f, rng, a, b);
        route(&mut f, rng, b, a);
    }
    while f.route_rows < p.routes {
        let (from, to) = (*pick(rng, &senders), *pick(rng, &receivers));
        if from != to {
            route(&mut f, rng, from, to);
        }
    }

    // Policies: one to four, of random forms.
    let consumers: Vec<usize> = (0..n).filter(|&i| kinds[i] == Kind::Consumer).collect();
    let n_policies = rng.random_range(1..=4);
    for i in 0..n_policies {
        let max = rng.random_bool(0.7);
        let stage = if rng.random_bool(0.5) {
            "mining"
        } else {
            "refining"
        };
        let commodity = if rng.random_bool(0.5) {
            "*".to_string()
        } else {
            ks[rng.random_range(0..n_k)].clone()
        };
        let group = |rng: &mut ChaCha8Rng| {
            if rng.random_bool(0.5) {
                "group:EU"
            } else {
                "group:ALLY"
            }
            .to_string()
        };
        let scope = match rng.random_range(0..4) {
            0 => OneOrList::One("each".into()),
            1 => OneOrList::One("all".into()),
            2 => {
                let mut list: Vec<String> = subset(rng, consumers.len(), 0.5)
                    .into_iter()
                    .map(|c| ids[consumers[c]].clone())
                    .collect();
                list.sort();
                OneOrList::List(list)
            }
            _ => OneOrList::One(group(rng)),
        };
        let set = |rng: &mut ChaCha8Rng| match rng.random_range(0..3) {
            0 => OneOrList::One(group(rng)),
            1 => OneOrList::List(vec![
                codes[rng.random_range(0..n_countries)].to_string(),
                group(rng),
            ]),
            _ => OneOrList::List(
                subset(rng, n_countries, 0.4)
                    .into_iter()
                    .map(|c| codes[c].to_string())
                    .collect(),
            ),
        };
        let (from, exempt) = if max && rng.random_bool(0.5) {
            let exempt = match rng.random_range(0..3) {
                0 => None,
                1 => Some(vec![group(rng)]),
                _ => Some(vec![codes[rng.random_range(0..n_countries)].to_string()]),
            };
            (OneOrList::One("each".into()), exempt)
        } else {
            (set(rng), None)
        };
        let share = if max {
            uniform(rng, 0.2, 0.8)
        } else {
            uniform(rng, 0.1, 0.6)
        };
        f.policy(&PolicyText {
            name: format!("p{i}-{}", if max { "cap" } else { "floor" }),
            kind: if max { "max_share" } else { "min_share" },
            stage,
            commodity,
            scope,
            from,
            exempt,
            share,
        });
    }
    f
}

// ---------------------------------------------------------------------------
// Regional (benchmark) models

/// One country of a regional model.
struct Country {
    code: String,
    region: usize,
    /// Position inside its region: 0 is the cheap giant (mines and refines).
    rank: usize,
    mines: bool,
    refines: bool,
    /// The refining country that also buys ore from the previous region.
    imports: bool,
}

/// A three-letter code for country `i` ("XAA", "XAB", ...).
fn country_code(i: usize) -> String {
    let letter = |x: usize| char::from(b'A' + (x % 26) as u8);
    format!("{}{}{}", letter(23 + i / 676), letter(i / 26), letter(i))
}

fn regional_countries(p: &SynthParams) -> Vec<Country> {
    let regions = p.regions.max(1);
    let n = p.countries.max(regions);
    let per_region = |g: usize| (0..n).filter(|i| i % regions == g).count();
    (0..n)
        .map(|i| {
            let (region, rank) = (i % regions, i / regions);
            let size = per_region(region);
            let last_refiner = if size >= 4 { 3 } else { size - 1 };
            Country {
                code: country_code(i),
                region,
                rank,
                mines: rank < (size * 3).div_ceil(5),
                refines: rank == 0 || rank == last_refiner,
                imports: rank == last_refiner,
            }
        })
        .collect()
}

/// Node indices of one kind, by region and commodity.
struct ByRegion {
    all: Vec<Vec<usize>>,
    by_k: Vec<Vec<Vec<usize>>>,
}

impl ByRegion {
    fn new(regions: usize, n_k: usize) -> ByRegion {
        ByRegion {
            all: vec![Vec::new(); regions],
            by_k: vec![vec![Vec::new(); n_k]; regions],
        }
    }

    fn add(&mut self, region: usize, node: usize, ks: &[usize]) {
        self.all[region].push(node);
        for &k in ks {
            self.by_k[region][k].push(node);
        }
    }
}

fn regional_model(p: &SynthParams, rng: &mut ChaCha8Rng) -> Files {
    let regions = p.regions.max(1);
    let n_k = p.commodities.max(1);
    let ks: Vec<String> = (0..n_k).map(commodity_id).collect();
    let description = format!(
        "Synthetic regional model: {} nodes, {} countries in {regions} regions, {n_k} commodities",
        p.nodes, p.countries
    );
    let mut f = Files::new(p, &description, 1_000_000.0);

    let countries = regional_countries(p);
    for (i, c) in countries.iter().enumerate() {
        let mut groups = vec![format!("R{}", c.region)];
        if i % 3 == 1 {
            groups.push("ALLY".into());
        }
        if i % 4 == 0 {
            groups.push("BLOC".into());
        }
        let risk = (i % 4 != 3).then(|| uniform(rng, 0.0, 1.0));
        f.country(&c.code, &groups, risk);
    }
    let in_region = |g: usize, want: &dyn Fn(&Country) -> bool| -> Vec<usize> {
        countries
            .iter()
            .enumerate()
            .filter(|(_, c)| c.region == g && want(c))
            .map(|(i, _)| i)
            .collect()
    };
    let mining: Vec<Vec<usize>> = (0..regions).map(|g| in_region(g, &|c| c.mines)).collect();
    let refining: Vec<Vec<usize>> = (0..regions).map(|g| in_region(g, &|c| c.refines)).collect();
    let anyone: Vec<Vec<usize>> = (0..regions).map(|g| in_region(g, &|_| true)).collect();

    // Base costs per commodity (USD/t, loosely after relative prices).
    let supply_base: Vec<f64> = (0..n_k)
        .map(|k| [9_000.0, 25_000.0, 15_000.0, 700.0, 60_000.0][k % 5])
        .collect();
    let refining_base: Vec<f64> = supply_base.iter().map(|b| b * 0.3).collect();
    // The cheap giant (rank 0) undercuts everyone, so the caps bite.
    let country_factor = |c: &Country, rng: &mut ChaCha8Rng| {
        if c.rank == 0 {
            0.7
        } else {
            uniform(rng, 0.9, 1.3)
        }
    };

    // Nodes.
    let n = p.nodes.max(7 * regions);
    let counts = [
        (Kind::Mine, 0.30),
        (Kind::Recycler, 0.04),
        (Kind::Stockpile, 0.02),
        (Kind::Refiner, 0.16),
        (Kind::Hub, 0.09), // raw hubs
        (Kind::Hub, 0.09), // refined hubs
    ];
    let mut plan: Vec<(Kind, bool, usize)> = counts
        .iter()
        .enumerate()
        .map(|(i, &(kind, share))| {
            (
                kind,
                i == 5,
                ((n as f64 * share).round() as usize).max(regions),
            )
        })
        .collect();
    let used: usize = plan.iter().map(|x| x.2).sum();
    plan.push((Kind::Consumer, false, n.saturating_sub(used).max(regions)));

    let mut ids: Vec<String> = Vec::new();
    let mut node_region: Vec<usize> = Vec::new();
    let mut node_country: Vec<usize> = Vec::new();
    let mut node_ks: Vec<Vec<usize>> = Vec::new();
    let mut mines = ByRegion::new(regions, n_k);
    let mut importers = ByRegion::new(regions, n_k);
    let mut refiners = ByRegion::new(regions, n_k);
    let mut raw_hubs = ByRegion::new(regions, n_k);
    let mut refined_hubs = ByRegion::new(regions, n_k);
    let mut consumers = ByRegion::new(regions, n_k);
    let mut secondary = ByRegion::new(regions, n_k); // recyclers and stockpiles
    for (kind, refined_hub, count) in plan {
        for j in 0..count {
            let node = ids.len();
            let region = j % regions;
            let country = match kind {
                Kind::Mine => *pick(rng, &mining[region]),
                Kind::Refiner => *pick(rng, &refining[region]),
                _ => *pick(rng, &anyone[region]),
            };
            let prefix = match (kind, refined_hub) {
                (Kind::Mine, _) => "MINE",
                (Kind::Recycler, _) => "RCY",
                (Kind::Stockpile, _) => "STK",
                (Kind::Refiner, _) => "REF",
                (Kind::Hub, false) => "HUBRAW",
                (Kind::Hub, true) => "HUBREF",
                (Kind::Consumer, _) => "CON",
            };
            let id = format!("{prefix}-{}-{j:05}", countries[country].code);
            f.node(&id, kind.as_str(), &countries[country].code);
            let c = &countries[country];
            let ks_here: Vec<usize> = match kind {
                Kind::Hub => (0..n_k).collect(),
                Kind::Consumer => {
                    let m = [1, 1, 1, 1, 2, 2, 2, 3][rng.random_range(0..8)].min(n_k);
                    let mut s: Vec<usize> = Vec::new();
                    while s.len() < m {
                        let k = rng.random_range(0..n_k);
                        if !s.contains(&k) {
                            s.push(k);
                        }
                    }
                    s.sort();
                    s
                }
                _ => {
                    let first = rng.random_range(0..n_k);
                    let mut s = vec![first];
                    if n_k > 1 && rng.random_bool(0.12) {
                        s.push((first + 1 + rng.random_range(0..n_k - 1)) % n_k);
                    }
                    s.sort();
                    s
                }
            };
            for &k in &ks_here {
                let k_id = &ks[k];
                match kind {
                    Kind::Mine => {
                        let unlimited = rng.random_bool(0.08);
                        let capacity = (!unlimited).then(|| uniform(rng, 1_000.0, 5_000.0).round());
                        let dear = if unlimited { 1.6 } else { 1.0 };
                        let cost =
                            supply_base[k] * country_factor(c, rng) * dear * uniform(rng, 0.9, 1.1);
                        f.supply(&id, k_id, capacity, cost);
                    }
                    Kind::Recycler => {
                        let cost = supply_base[k] * 1.3 * uniform(rng, 0.9, 1.1);
                        f.supply(&id, k_id, Some(uniform(rng, 100.0, 800.0).round()), cost);
                    }
                    Kind::Stockpile => {
                        let cost = supply_base[k] * 2.0 * uniform(rng, 0.9, 1.1);
                        f.supply(&id, k_id, Some(uniform(rng, 200.0, 1_500.0).round()), cost);
                    }
                    Kind::Refiner => {
                        let capacity = rng
                            .random_bool(0.85)
                            .then(|| uniform(rng, 2_000.0, 8_000.0).round());
                        let cost =
                            refining_base[k] * country_factor(c, rng) * uniform(rng, 0.9, 1.1);
                        let y = rng.random_bool(0.8).then(|| yield_in(rng, 0.6));
                        f.refining(&id, k_id, capacity, cost, y);
                    }
                    Kind::Consumer => {
                        let penalty = rng
                            .random_bool(0.15)
                            .then(|| uniform(rng, 200_000.0, 600_000.0).round());
                        f.demand(&id, k_id, uniform(rng, 100.0, 2_000.0).round(), penalty);
                    }
                    Kind::Hub => {}
                }
            }
            let set = match (kind, refined_hub) {
                (Kind::Mine, _) => &mut mines,
                (Kind::Recycler | Kind::Stockpile, _) => &mut secondary,
                (Kind::Refiner, _) => {
                    if c.imports {
                        importers.add(region, node, &ks_here);
                    }
                    &mut refiners
                }
                (Kind::Hub, false) => &mut raw_hubs,
                (Kind::Hub, true) => &mut refined_hubs,
                (Kind::Consumer, _) => &mut consumers,
            };
            set.add(region, node, &ks_here);
            ids.push(id);
            node_region.push(region);
            node_country.push(country);
            node_ks.push(ks_here);
        }
    }

    // Routes, by kind of link (shares of the row budget).
    #[derive(Copy, Clone)]
    enum Link {
        MineRawHub,
        MineRefiner,
        MineImporter,
        RawHubRefiner,
        RawHubRawHub,
        RefinerRefinedHub,
        RefinerRefiner,
        RefinerConsumer,
        RefinedHubRefinedHub,
        RefinedHubConsumer,
        RefinedHubConsumerNext,
        SecondaryOut,
    }
    let links = [
        (Link::MineRawHub, 0.12),
        (Link::MineRefiner, 0.12),
        (Link::MineImporter, 0.03),
        (Link::RawHubRefiner, 0.15),
        (Link::RawHubRawHub, 0.04),
        (Link::RefinerRefinedHub, 0.12),
        (Link::RefinerRefiner, 0.02),
        (Link::RefinerConsumer, 0.08),
        (Link::RefinedHubRefinedHub, 0.04),
        (Link::RefinedHubConsumer, 0.20),
        (Link::RefinedHubConsumerNext, 0.05),
        (Link::SecondaryOut, 0.03),
    ];
    let all_mines: Vec<usize> = mines.all.concat();
    let all_refiners: Vec<usize> = refiners.all.concat();
    let all_consumers: Vec<usize> = consumers.all.concat();
    let all_secondary: Vec<usize> = secondary.all.concat();
    let next = |g: usize| (g + 1) % regions;
    let freight =
        |rng: &mut ChaCha8Rng, far: bool| uniform(rng, 20.0, 200.0) * if far { 3.0 } else { 1.0 };
    let route_capacity = |rng: &mut ChaCha8Rng| {
        rng.random_bool(0.25)
            .then(|| uniform(rng, 200.0, 3_000.0).round())
    };
    for (link, share) in links {
        let rows = (p.routes as f64 * share).round() as usize;
        for _ in 0..rows {
            // (from, to, commodity or None for `*`, crosses regions)
            let chosen: Option<(usize, usize, Option<usize>, bool)> = match link {
                Link::MineRawHub => {
                    let m = *pick(rng, &all_mines);
                    let k = *pick(rng, &node_ks[m]);
                    let hubs = &raw_hubs.all[node_region[m]];
                    (!hubs.is_empty()).then(|| (m, *pick(rng, hubs), Some(k), false))
                }
                Link::MineRefiner | Link::MineImporter => {
                    let m = *pick(rng, &all_mines);
                    let k = *pick(rng, &node_ks[m]);
                    let (targets, far) = match link {
                        Link::MineRefiner => (&refiners.by_k[node_region[m]][k], false),
                        _ => (&importers.by_k[next(node_region[m])][k], regions > 1),
                    };
                    (!targets.is_empty()).then(|| (m, *pick(rng, targets), Some(k), far))
                }
                Link::RawHubRefiner => {
                    let r = *pick(rng, &all_refiners);
                    let k = *pick(rng, &node_ks[r]);
                    let hubs = &raw_hubs.all[node_region[r]];
                    (!hubs.is_empty()).then(|| (*pick(rng, hubs), r, Some(k), false))
                }
                Link::RawHubRawHub | Link::RefinedHubRefinedHub => {
                    let hubs = match link {
                        Link::RawHubRawHub => &raw_hubs.all,
                        _ => &refined_hubs.all,
                    };
                    let g = rng.random_range(0..regions);
                    let hubs = &hubs[g];
                    (hubs.len() >= 2)
                        .then(|| (*pick(rng, hubs), *pick(rng, hubs)))
                        .filter(|(a, b)| a != b)
                        .map(|(a, b)| (a, b, None, false))
                }
                Link::RefinerRefinedHub => {
                    let r = *pick(rng, &all_refiners);
                    let k = (!rng.random_bool(0.3)).then(|| *pick(rng, &node_ks[r]));
                    let hubs = &refined_hubs.all[node_region[r]];
                    (!hubs.is_empty()).then(|| (r, *pick(rng, hubs), k, false))
                }
                Link::RefinerRefiner => {
                    let r = *pick(rng, &all_refiners);
                    let k = *pick(rng, &node_ks[r]);
                    let targets = &refiners.by_k[node_region[r]][k];
                    let to = *pick(rng, targets);
                    (to != r).then_some((r, to, Some(k), false))
                }
                Link::RefinerConsumer => {
                    let r = *pick(rng, &all_refiners);
                    let k = *pick(rng, &node_ks[r]);
                    let targets = &consumers.by_k[node_region[r]][k];
                    (!targets.is_empty()).then(|| (r, *pick(rng, targets), Some(k), false))
                }
                Link::RefinedHubConsumer | Link::RefinedHubConsumerNext => {
                    let c = *pick(rng, &all_consumers);
                    if node_ks[c].is_empty() {
                        None
                    } else {
                        let k = (!rng.random_bool(0.5)).then(|| *pick(rng, &node_ks[c]));
                        let (g, far) = match link {
                            Link::RefinedHubConsumer => (node_region[c], false),
                            _ => (next(node_region[c]), regions > 1),
                        };
                        let hubs = &refined_hubs.all[g];
                        (!hubs.is_empty()).then(|| (*pick(rng, hubs), c, k, far))
                    }
                }
                Link::SecondaryOut => {
                    if all_secondary.is_empty() {
                        None
                    } else {
                        let s = *pick(rng, &all_secondary);
                        let k = *pick(rng, &node_ks[s]);
                        let g = node_region[s];
                        let targets = if rng.random_bool(0.6) {
                            &refined_hubs.all[g]
                        } else {
                            &consumers.by_k[g][k]
                        };
                        (!targets.is_empty()).then(|| (s, *pick(rng, targets), Some(k), false))
                    }
                }
            };
            if let Some((from, to, k, far)) = chosen {
                let k_id = k.map(|k| ks[k].as_str()).unwrap_or("*");
                let cost = freight(rng, far);
                let capacity = route_capacity(rng);
                f.route(&ids[from], &ids[to], k_id, cost, capacity);
            }
        }
    }

    // Policies.
    let code = |i: usize| countries[i % countries.len()].code.clone();
    let region_group = |g: usize| format!("group:R{}", g % regions);
    for (k, k_id) in ks.iter().enumerate() {
        let policy = |name: &str, kind, stage, scope, from, exempt, share| PolicyText {
            name: format!("{k_id}-{name}"),
            kind,
            stage,
            commodity: k_id.clone(),
            scope,
            from,
            exempt,
            share,
        };
        let mut list: Vec<String> = (0..regions.min(3))
            .flat_map(|g| consumers.by_k[g][k].iter().take(2))
            .map(|&c| ids[c].clone())
            .collect();
        list.sort();
        let list = if list.is_empty() {
            OneOrList::One("all".into())
        } else {
            OneOrList::List(list)
        };
        let policies = match tier(k) {
            _ if p.caps_each => vec![
                policy(
                    "mining-cap-each",
                    "max_share",
                    "mining",
                    OneOrList::One("each".into()),
                    OneOrList::One("each".into()),
                    None,
                    0.5,
                ),
                policy(
                    "refining-cap-each",
                    "max_share",
                    "refining",
                    OneOrList::One("each".into()),
                    OneOrList::One("each".into()),
                    None,
                    0.6,
                ),
            ],
            Tier::Nothing => Vec::new(),
            Tier::Mining => vec![
                policy(
                    "mining-cap-each",
                    "max_share",
                    "mining",
                    OneOrList::One("each".into()),
                    OneOrList::One("each".into()),
                    Some(vec!["group:ALLY".into()]),
                    0.5,
                ),
                policy(
                    "mining-ally-floor",
                    "min_share",
                    "mining",
                    list,
                    OneOrList::List(vec![code(0), "group:ALLY".into()]),
                    None,
                    0.25,
                ),
            ],
            Tier::Refining => vec![
                policy(
                    "refining-bloc-cap",
                    "max_share",
                    "refining",
                    OneOrList::One(region_group(0)),
                    OneOrList::List(vec![code(1), "group:BLOC".into()]),
                    None,
                    0.4,
                ),
                policy(
                    "refining-cap-all",
                    "max_share",
                    "refining",
                    OneOrList::One("all".into()),
                    OneOrList::One("each".into()),
                    None,
                    0.15,
                ),
            ],
            Tier::Both => vec![
                policy(
                    "mining-cap-region",
                    "max_share",
                    "mining",
                    OneOrList::One(region_group(1)),
                    OneOrList::One("each".into()),
                    Some(vec!["group:ALLY".into(), code(2)]),
                    0.6,
                ),
                policy(
                    "refining-ally-floor",
                    "min_share",
                    "refining",
                    OneOrList::One("group:ALLY".into()),
                    OneOrList::One("group:ALLY".into()),
                    None,
                    0.2,
                ),
            ],
        };
        for p in &policies {
            f.policy(p);
        }
    }
    if p.star_policy {
        f.policy(&PolicyText {
            name: "all-refining-cap-each".into(),
            kind: "max_share",
            stage: "refining",
            commodity: "*".into(),
            scope: OneOrList::One("each".into()),
            from: OneOrList::One("each".into()),
            exempt: Some(vec!["group:ALLY".into()]),
            share: 0.7,
        });
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::MODEL_FILES;
    use crate::pipeline;
    use crate::solve::SolveOptions;

    fn loads(p: &SynthParams) -> pipeline::Loaded {
        match pipeline::load(&pipeline::Request::texts(generate(p))) {
            Ok(loaded) => loaded,
            Err(diags) => panic!("{} does not validate:\n{diags}", p.name),
        }
    }

    #[test]
    fn small_models_validate_for_200_seeds() {
        for seed in 0..200 {
            let p = SynthParams::small(seed);
            assert!((5..=15).contains(&p.nodes));
            let loaded = loads(&p);
            assert_eq!(loaded.model.nodes.len(), p.nodes);
        }
    }

    #[test]
    fn small_models_cover_every_policy_form() {
        let mut seen = std::collections::BTreeSet::new();
        for seed in 0..200 {
            let text = generate(&SynthParams::small(seed)).files["model.toml"]
                .clone()
                .unwrap();
            for form in [
                "type = \"max_share\"",
                "type = \"min_share\"",
                "stage = \"mining\"",
                "stage = \"refining\"",
                "commodity = \"*\"",
                "scope = \"each\"",
                "scope = \"all\"",
                "scope = [",
                "scope = \"group:",
                "from = \"each\"",
                "from = [",
                "from = \"group:",
                "exempt = [\"group:",
            ] {
                if text.contains(form) {
                    seen.insert(form);
                }
            }
        }
        assert_eq!(seen.len(), 13, "forms seen: {seen:?}");
    }

    #[test]
    fn medium_validates_with_every_policy_form() {
        let p = SynthParams::medium();
        let loaded = loads(&p);
        let m = &loaded.model;
        assert_eq!(m.nodes.len(), 300);
        let rows = generate(&p).files["routes.csv"]
            .as_ref()
            .unwrap()
            .lines()
            .count()
            - 1;
        assert!((2_800..=3_000).contains(&rows), "{rows} route rows");
        assert_eq!(m.commodities.len(), 4);
        let toml = generate(&p).files["model.toml"].clone().unwrap();
        for form in [
            "commodity = \"*\"",
            "scope = \"each\"",
            "scope = \"all\"",
            "scope = [",
            "scope = \"group:",
            "from = [",
            "exempt = [",
        ] {
            assert!(toml.contains(form), "medium lacks {form}");
        }
        assert!(m
            .policies
            .iter()
            .any(|p| p.kind == crate::model::PolicyKind::MinShare));
    }

    #[test]
    fn caps_each_caps_every_commodity_at_both_stages() {
        let p = SynthParams {
            caps_each: true,
            commodities: 3,
            star_policy: false,
            ..SynthParams::medium()
        };
        let loaded = loads(&p);
        let m = &loaded.model;
        assert_eq!(m.commodities.len(), 3);
        // Two caps per commodity, each per consumer and per country.
        assert_eq!(m.policies.len(), 6);
        let toml = generate(&p).files["model.toml"].clone().unwrap();
        assert_eq!(toml.matches("scope = \"each\"\nfrom = \"each\"").count(), 6);
        assert!(!toml.contains("exempt"));
        // Only the policies differ from the same model without the option.
        let plain = generate(&SynthParams {
            caps_each: false,
            ..p.clone()
        });
        for (name, text) in &generate(&p).files {
            if name != "model.toml" {
                assert_eq!(text, &plain.files[name], "{name}");
            }
        }
    }

    #[test]
    fn small_models_are_varied() {
        // Across seeds: hub cycles, binding caps and capacities, unmet demand.
        let (mut cycles, mut unmet, mut binding_policy, mut binding_capacity) = (0, 0, 0, 0);
        for seed in 0..100 {
            let p = SynthParams::small(seed);
            let routes = generate(&p).files["routes.csv"].clone().unwrap();
            let hub_edges: Vec<(&str, &str)> = routes
                .lines()
                .filter_map(|l| {
                    let mut cells = l.split(',');
                    Some((cells.next()?, cells.next()?))
                })
                .filter(|(a, b)| a.starts_with("HUB") && b.starts_with("HUB"))
                .collect();
            if hub_edges.iter().any(|(a, b)| hub_edges.contains(&(*b, *a))) {
                cycles += 1;
            }
            let loaded = loads(&p);
            let nets = pipeline::networks(&loaded.model);
            let report = pipeline::solve(&loaded.model, nets, &SolveOptions::default())
                .expect("solves")
                .report(&loaded.model);
            unmet += usize::from(report.consumers.iter().any(|c| c.unmet > 1e-6));
            binding_policy += usize::from(report.policies.iter().any(|p| p.shapes_answer()));
            binding_capacity += usize::from(report.capacities.iter().any(|c| c.binding));
        }
        eprintln!("of 100: hub cycles {cycles}, unmet {unmet}, binding policy {binding_policy}, binding capacity {binding_capacity}");
        for (what, n) in [
            ("hub cycles", cycles),
            ("unmet demand", unmet),
            ("binding policy", binding_policy),
            ("binding capacity", binding_capacity),
        ] {
            assert!((5..=95).contains(&n), "{what} in {n} of 100 small models");
        }
    }

    #[test]
    fn large_validates() {
        let p = SynthParams::large();
        let loaded = loads(&p);
        assert_eq!(loaded.model.nodes.len(), 3_000);
        assert!(
            loaded.model.routes.len() > 30_000,
            "{} edges",
            loaded.model.routes.len()
        );
    }

    #[test]
    fn same_seed_same_texts() {
        for p in [
            SynthParams::small(7),
            SynthParams::small(8),
            SynthParams::medium(),
        ] {
            let (a, b) = (generate(&p), generate(&p));
            assert_eq!(a.files, b.files);
            assert_eq!(a.files.len(), MODEL_FILES.len());
            for name in MODEL_FILES {
                assert!(a.files[name].is_some(), "{name} missing");
            }
        }
        assert_ne!(
            generate(&SynthParams::small(7)).files,
            generate(&SynthParams::small(8)).files
        );
    }
}
