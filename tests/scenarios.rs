//! Scenario overlays (docs/scenarios.md): each operation on each table's
//! numbers, inserts, removes, policies, `extends`, filters (negated, lists,
//! groups), the order of application, the errors (an operation that selects
//! nothing names the scenario file and line), `sourcemix diff`, and the
//! shipped Chinese export-ban scenario on the flagship model.
//!
//! Most checks run on the tiny hand-checked models of tests/models, whose
//! optimum can be recomputed by hand after a change. mining-cap (demand
//! 100 t at JPN-use, 60% mining cap per country):
//!
//!   path cost per tonne = supply + route to JPN-ref + refining + route to use
//!   CHN: 10 + 1 + 2 + 0 = 13        AUS: 12 + 1 + 2 + 0 = 15
//!   baseline: 60 t CHN + 40 t AUS = 780 + 600 = 1380
//!
//! stockpile-cap (same demand and cap): CHN ore 14 per t, JPN stockpile 16
//! per t (at most 30 t, counts as JPN), AUS ore 21 per t; baseline
//! 60*14 + 30*16 + 10*21 = 1530.
//!
//! Scenario files are written into a temporary folder by each test, so that
//! the line numbers the errors must name are visible next to the assertion.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::{check_invariants, close};
use sourcemix::diagnostics::Diagnostics;
use sourcemix::input::ModelTexts;
use sourcemix::model::{FromSet, Model, NodeKind, Policy, PolicyKind, Scope, Stage};
use sourcemix::pipeline::{self, Loaded};
use sourcemix::report::Report;
use sourcemix::scenario::{self, Change, RunParams};
use sourcemix::solve::SolveOptions;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tiny(name: &str) -> PathBuf {
    root().join("tests/models").join(name)
}

fn flagship() -> PathBuf {
    root().join("models/critical-minerals-2024")
}

/// Scenario (and CSV) files in a fresh temporary folder.
struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Files {
        Files {
            dir: tempfile::tempdir().expect("a temporary folder"),
        }
    }

    /// Writes `text` to `name` (sub-folders are created) and returns its path.
    fn put(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(&path, text).unwrap();
        path
    }
}

/// The request to load `model` with the scenario files applied in order.
fn with_scenarios(model: &Path, scenarios: &[PathBuf]) -> pipeline::Request {
    pipeline::Request {
        scenarios: scenarios
            .iter()
            .map(|s| pipeline::ScenarioSource::File(s.clone()))
            .collect(),
        ..pipeline::Request::folder(model)
    }
}

/// Loads `model` with the scenarios applied in order; panics with the diagnostics on failure.
fn load(model: &Path, scenarios: &[PathBuf]) -> Loaded {
    pipeline::load(&with_scenarios(model, scenarios))
        .unwrap_or_else(|d| panic!("the scenarios {scenarios:?} should apply:\n{d}"))
}

/// The diagnostics of a load that must fail.
fn load_err(model: &Path, scenarios: &[PathBuf]) -> String {
    match pipeline::load(&with_scenarios(model, scenarios)) {
        Ok(l) => panic!(
            "the scenarios {scenarios:?} should be rejected; changes: {:?}",
            l.changes
        ),
        Err(d) => {
            assert!(d.has_errors(), "Err without an error:\n{d}");
            d.to_string()
        }
    }
}

/// Solves a loaded model and checks every invariant of the solution.
fn solve(name: &str, loaded: &Loaded) -> Report {
    let nets = pipeline::networks(&loaded.model);
    let outcome = pipeline::solve(&loaded.model, nets, &SolveOptions::default())
        .unwrap_or_else(|e| panic!("{name}: does not solve: {e}"));
    let report = outcome.report(&loaded.model);
    check_invariants(name, &loaded.model, &outcome, &report);
    report
}

/// One scenario file against a tiny model: the model after it, and its optimal total cost.
fn total_with(model: &str, text: &str) -> (Loaded, f64) {
    let f = Files::new();
    let s = f.put("s.toml", text);
    let loaded = load(&tiny(model), &[s]);
    let report = solve(model, &loaded);
    (loaded, report.total_cost)
}

/// Whether `text` names `file` with a line number (`file:LINE`).
fn names_a_line(text: &str, file: &str) -> bool {
    let key = format!("{file}:");
    text.match_indices(&key)
        .any(|(i, _)| text[i + key.len()..].starts_with(|c: char| c.is_ascii_digit()))
}

fn assert_total(label: &str, got: f64, want: f64) {
    assert!(
        close(got, want, 1e-7),
        "{label}: total cost {got}, expected {want} (by hand)"
    );
}

fn supply<'m>(m: &'m Model, node: &str) -> &'m sourcemix::model::Supply {
    m.supply
        .iter()
        .find(|s| m.node(s.node).id == node)
        .unwrap_or_else(|| panic!("no supply row at {node}"))
}

fn refining<'m>(m: &'m Model, node: &str) -> &'m sourcemix::model::Refining {
    m.refining
        .iter()
        .find(|s| m.node(s.node).id == node)
        .unwrap_or_else(|| panic!("no refining row at {node}"))
}

fn demand<'m>(m: &'m Model, node: &str) -> &'m sourcemix::model::Demand {
    m.demand
        .iter()
        .find(|s| m.node(s.node).id == node)
        .unwrap_or_else(|| panic!("no demand row at {node}"))
}

fn route<'m>(m: &'m Model, from: &str, to: &str) -> &'m sourcemix::model::Route {
    m.routes
        .iter()
        .find(|r| m.node(r.from).id == from && m.node(r.to).id == to)
        .unwrap_or_else(|| panic!("no route {from} -> {to}"))
}

/// The field changes as (what, field, before, after).
fn field_changes(changes: &[Change]) -> Vec<(String, String, String, String)> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Field {
                what,
                field,
                before,
                after,
                ..
            } => Some((
                what.clone(),
                field.to_string(),
                before.clone(),
                after.clone(),
            )),
            _ => None,
        })
        .collect()
}

fn fc(what: &str, field: &str, before: &str, after: &str) -> (String, String, String, String) {
    (what.into(), field.into(), before.into(), after.into())
}

// ---------------------------------------------------------------------------
// [[scale]], [[set]], [[add]] on each table's numbers

#[test]
fn scale_supply_cost() {
    // AUS ore 12 -> 6: AUS path 9 is now the cheap one, capped at 60%:
    // 60*9 + 40*13 = 540 + 520 = 1060.
    let (l, total) = total_with(
        "mining-cap",
        "[[scale]]\ntable = \"supply\"\nwhere = { node = \"AUS-mine\" }\ncost = 0.5\n",
    );
    assert_eq!(supply(&l.model, "AUS-mine").cost, 6.0);
    assert_eq!(
        supply(&l.model, "CHN-mine").cost,
        10.0,
        "a row the filter does not select is untouched"
    );
    assert_eq!(
        field_changes(&l.changes),
        [fc("supply AUS-mine li", "cost", "12", "6")]
    );
    assert_total("scale supply cost", total, 1060.0);
}

#[test]
fn set_and_add_supply_numbers() {
    // CHN capacity 50: the cap no longer binds, 50*13 + 50*15 = 1400.
    let (l, total) = total_with(
        "mining-cap",
        "[[set]]\ntable = \"supply\"\nwhere = { country = \"CHN\" }\ncapacity = 50\n",
    );
    assert_eq!(supply(&l.model, "CHN-mine").capacity, Some(50.0));
    assert_eq!(
        field_changes(&l.changes),
        [fc("supply CHN-mine li", "capacity", "(blank)", "50")]
    );
    assert_total("set supply capacity", total, 1400.0);
    // AUS cost 12 + 5 = 17 (path 20): 60*13 + 40*20 = 780 + 800 = 1580.
    let (l, total) = total_with(
        "mining-cap",
        "[[add]]\ntable = \"supply\"\nwhere = { node = \"AUS-mine\" }\ncost = 5\n",
    );
    assert_eq!(supply(&l.model, "AUS-mine").cost, 17.0);
    assert_total("add supply cost", total, 1580.0);
}

#[test]
fn a_blank_capacity_stays_unlimited_under_scale_and_add() {
    for op in ["scale", "add"] {
        let text = format!(
            "[[{op}]]\ntable = \"supply\"\nwhere = {{ country = \"CHN\" }}\ncapacity = 0.5\n"
        );
        let (l, total) = total_with("mining-cap", &text);
        assert_eq!(
            supply(&l.model, "CHN-mine").capacity,
            None,
            "[[{op}]] of a blank capacity"
        );
        assert!(
            field_changes(&l.changes).is_empty(),
            "[[{op}]]: nothing changed, nothing listed: {:?}",
            l.changes
        );
        assert_total(op, total, 1380.0);
    }
    // Routes and refining too.
    let (l, _) = total_with("mining-cap", "[[scale]]\ntable = \"routes\"\ncapacity = 0\n[[add]]\ntable = \"refining\"\ncapacity = 5\n");
    assert!(l.model.routes.iter().all(|r| r.capacity.is_none()));
    assert_eq!(refining(&l.model, "JPN-ref").capacity, None);
}

#[test]
fn scale_add_and_unset_a_given_capacity() {
    // stockpile 30 t -> 60 t: it takes the whole 40 t gap at 16 instead of
    // AUS at 21: 60*14 + 40*16 = 840 + 640 = 1480.
    let (l, total) = total_with(
        "stockpile-cap",
        "[[scale]]\ntable = \"supply\"\nwhere = { kind = \"stockpile\" }\ncapacity = 2\n",
    );
    assert_eq!(supply(&l.model, "JPN-stock").capacity, Some(60.0));
    assert_total("scale stockpile capacity", total, 1480.0);
    // 30 + 5 = 35 t: 60*14 + 35*16 + 5*21 = 840 + 560 + 105 = 1505.
    let (l, total) = total_with(
        "stockpile-cap",
        "[[add]]\ntable = \"supply\"\nwhere = { node = \"JPN-stock\" }\ncapacity = 5\n",
    );
    assert_eq!(supply(&l.model, "JPN-stock").capacity, Some(35.0));
    assert_total("add stockpile capacity", total, 1505.0);
    // "unlimited" with [[set]]: as the x2 case, 1480.
    let (l, total) = total_with(
        "stockpile-cap",
        "[[set]]\ntable = \"supply\"\nwhere = { node = \"JPN-stock\" }\ncapacity = \"unlimited\"\n",
    );
    assert_eq!(supply(&l.model, "JPN-stock").capacity, None);
    assert_eq!(
        field_changes(&l.changes),
        [fc("supply JPN-stock li", "capacity", "30", "(blank)")]
    );
    assert_total("set capacity unlimited", total, 1480.0);
}

#[test]
fn unlimited_is_only_for_set_and_capacity() {
    let f = Files::new();
    let s = f.put("u.toml", "[[scale]]\ntable = \"supply\"\nwhere = { node = \"JPN-stock\" }\ncapacity = \"unlimited\"\n");
    let e = load_err(&tiny("stockpile-cap"), &[s]);
    assert!(e.contains("u.toml:1:") && e.contains("unlimited"), "{e}");
    let s = f.put(
        "w.toml",
        "[[set]]\ntable = \"supply\"\nwhere = { node = \"JPN-stock\" }\ncapacity = \"lots\"\n",
    );
    let e = load_err(&tiny("stockpile-cap"), &[s]);
    assert!(e.contains("w.toml:1:") && e.contains("capacity"), "{e}");
}

#[test]
fn demand_numbers() {
    // 150 t: 90*13 + 60*15 = 1170 + 900 = 2070.
    let (l, total) = total_with(
        "mining-cap",
        "[[add]]\ntable = \"demand\"\nwhere = { node = \"JPN-use\" }\ndemand = 50\n",
    );
    assert_eq!(demand(&l.model, "JPN-use").demand, 150.0);
    assert_total("add demand", total, 2070.0);
    // 200 t: 120*13 + 80*15 = 2760.
    let (_, total) = total_with(
        "mining-cap",
        "[[scale]]\ntable = \"demand\"\nwhere = { commodity = \"li\" }\ndemand = 2\n",
    );
    assert_total("scale demand", total, 2760.0);
    // Penalty 13.5 below the capped mix (13.8 per t): with x t CHN and
    // y >= 2x/3 t AUS the cost is 1350 + 0.5x, so nothing is delivered: 1350.
    let (l, total) = total_with(
        "mining-cap",
        "[[set]]\ntable = \"demand\"\npenalty = 13.5\n",
    );
    assert_eq!(demand(&l.model, "JPN-use").penalty, 13.5);
    assert_total("set penalty", total, 1350.0);
    // A blank penalty is the model's default (1000) when scaled: 1000 x 0.0135 = 13.5.
    let (l, total) = total_with(
        "mining-cap",
        "[[scale]]\ntable = \"demand\"\nwhere = { node = \"JPN-use\" }\npenalty = 0.0135\n",
    );
    assert!(close(demand(&l.model, "JPN-use").penalty, 13.5, 1e-12));
    assert_eq!(field_changes(&l.changes)[0].2, "(blank)");
    assert_total("scale blank penalty", total, 1350.0);
}

#[test]
fn refining_numbers() {
    // Yield 0.5 (blank counts as 1, so scale by 0.5 and set 0.5 agree): 2 t
    // ore per t delivered, refining cost per t of input:
    // CHN 2*(10+1+2) = 26, AUS 2*(12+1+2) = 30: 60*26 + 40*30 = 2760.
    for text in [
        "[[scale]]\ntable = \"refining\"\nwhere = { node = \"JPN-ref\" }\nyield = 0.5\n",
        "[[set]]\ntable = \"refining\"\nwhere = { country = \"JPN\" }\nyield = 0.5\n",
    ] {
        let (l, total) = total_with("mining-cap", text);
        assert_eq!(refining(&l.model, "JPN-ref").yield_, 0.5);
        assert_eq!(
            field_changes(&l.changes),
            [fc("refining JPN-ref li", "yield", "(blank)", "0.5")]
        );
        assert_total(text, total, 2760.0);
    }
    // Refining cost 2 + 3: 60*16 + 40*18 = 960 + 720 = 1680.
    let (l, total) = total_with(
        "mining-cap",
        "[[add]]\ntable = \"refining\"\nwhere = { kind = \"refiner\" }\ncost = 3\n",
    );
    assert_eq!(refining(&l.model, "JPN-ref").cost, 5.0);
    assert_total("add refining cost", total, 1680.0);
    // Refining capacity 80 t: 80 delivered (48 CHN, 32 AUS), 20 unmet at 1000:
    // 48*13 + 32*15 + 20*1000 = 624 + 480 + 20000 = 21104.
    let (_, total) = total_with(
        "mining-cap",
        "[[set]]\ntable = \"refining\"\nwhere = { node = \"JPN-ref\" }\ncapacity = 80\n",
    );
    assert_total("set refining capacity", total, 21104.0);
}

#[test]
fn route_numbers_and_negated_filters() {
    // Routes from CHN cost 5x: CHN path 17 > AUS 15: 60*15 + 40*17 = 1580.
    let (l, total) = total_with(
        "mining-cap",
        "[[scale]]\ntable = \"routes\"\nwhere = { from_country = \"CHN\" }\ncost = 5\n",
    );
    assert_eq!(
        field_changes(&l.changes),
        [fc("route CHN-mine -> JPN-ref li", "cost", "1", "5")]
    );
    assert_total("scale route cost", total, 1580.0);
    // Routes NOT from CHN (AUS-mine -> JPN-ref, JPN-ref -> JPN-use) cost 0:
    // AUS path 14: 60*13 + 40*14 = 1340. JPN-ref -> JPN-use already costs 0,
    // so only one change is listed.
    let (l, total) = total_with(
        "mining-cap",
        "[[set]]\ntable = \"routes\"\nwhere = { from_country = \"!CHN\" }\ncost = 0\n",
    );
    assert_eq!(route(&l.model, "AUS-mine", "JPN-ref").cost, 0.0);
    assert_eq!(route(&l.model, "CHN-mine", "JPN-ref").cost, 1.0);
    assert_eq!(
        field_changes(&l.changes),
        [fc("route AUS-mine -> JPN-ref li", "cost", "1", "0")]
    );
    assert_total("negated from_country", total, 1340.0);
    // A list of negations: from neither mine, i.e. only JPN-ref -> JPN-use: +1 per t, 1480.
    let (l, total) =
        total_with("mining-cap", "[[set]]\ntable = \"routes\"\nwhere = { from = [\"!CHN-mine\", \"!AUS-mine\"] }\ncost = 1\n");
    assert_eq!(
        field_changes(&l.changes),
        [fc("route JPN-ref -> JPN-use li", "cost", "0", "1")]
    );
    assert_total("list of negations", total, 1480.0);
    // Several keys must all match: the AUS ore route into a refiner, +2: 60*13 + 40*17 = 1460.
    let (l, total) =
        total_with("mining-cap", "[[add]]\ntable = \"routes\"\nwhere = { from = \"AUS-mine\", to_kind = \"refiner\" }\ncost = 2\n");
    assert_eq!(route(&l.model, "AUS-mine", "JPN-ref").cost, 3.0);
    assert_total("add route cost", total, 1460.0);
    // A route capacity: CHN ore route at most 50 t: 50*13 + 50*15 = 1400.
    let (l, total) =
        total_with("mining-cap", "[[set]]\ntable = \"routes\"\nwhere = { from_kind = \"mine\", to_country = \"JPN\", from_country = \"CHN\" }\ncapacity = 50\n");
    assert_eq!(route(&l.model, "CHN-mine", "JPN-ref").capacity, Some(50.0));
    assert_total("set route capacity", total, 1400.0);
    // Negation on the supply tables: neither CHN nor AUS = nothing in mining-cap ...
    let f = Files::new();
    let s = f.put(
        "neither.toml",
        "[[scale]]\ntable = \"supply\"\nwhere = { country = [\"!CHN\", \"!AUS\"] }\ncost = 2\n",
    );
    let e = load_err(&tiny("mining-cap"), &[s]);
    assert!(
        e.contains("neither.toml:1:") && e.contains("selects no row of supply"),
        "{e}"
    );
    // ... and "!CHN" alone picks AUS only: AUS cost 24, 60*13 + 40*27 = 1860.
    let (l, total) = total_with(
        "mining-cap",
        "[[scale]]\ntable = \"supply\"\nwhere = { country = \"!CHN\" }\ncost = 2\n",
    );
    assert_eq!(
        field_changes(&l.changes),
        [fc("supply AUS-mine li", "cost", "12", "24")]
    );
    assert_total("negated country", total, 1860.0);
}

#[test]
fn group_filters() {
    // stockpile-cap: only JPN is in G7. The stockpile doubled: 1480.
    let (l, total) = total_with(
        "stockpile-cap",
        "[[scale]]\ntable = \"supply\"\nwhere = { group = \"G7\" }\ncapacity = 2\n",
    );
    assert_eq!(
        field_changes(&l.changes),
        [fc("supply JPN-stock li", "capacity", "30", "60")]
    );
    assert_total("group filter", total, 1480.0);
    // Negated group: the two mines (not G7); CHN 10 -> 11, AUS 16 -> 17:
    // 60*15 + 30*16 + 10*22 = 900 + 480 + 220 = 1600.
    let (l, total) = total_with(
        "stockpile-cap",
        "[[add]]\ntable = \"supply\"\nwhere = { group = \"!G7\" }\ncost = 1\n",
    );
    let changed: Vec<String> = field_changes(&l.changes).into_iter().map(|c| c.0).collect();
    assert_eq!(changed, ["supply AUS-mine li", "supply CHN-mine li"]);
    assert_total("negated group", total, 1600.0);
    // Route group filters: into G7 from a stockpile (JPN-stock -> JPN-use) free:
    // stockpile path 15: 60*14 + 30*15 + 10*21 = 1500.
    let (l, total) =
        total_with("stockpile-cap", "[[set]]\ntable = \"routes\"\nwhere = { to_group = \"G7\", from_kind = \"stockpile\" }\ncost = 0\n");
    assert_eq!(
        field_changes(&l.changes),
        [fc("route JPN-stock -> JPN-use li", "cost", "1", "0")]
    );
    assert_total("to_group", total, 1500.0);
    // from_group negated: every route not leaving a G7 country (the three
    // others) +1: CHN 16, AUS 23, stockpile 16: 60*16 + 30*16 + 10*23 = 1670.
    let (l, total) = total_with(
        "stockpile-cap",
        "[[add]]\ntable = \"routes\"\nwhere = { from_group = \"!G7\" }\ncost = 1\n",
    );
    assert_eq!(field_changes(&l.changes).len(), 3);
    assert_total("from_group negated", total, 1670.0);
    // Countries by group: insert one (groups written as a list), then remove
    // it again by its group; the model is back to the baseline.
    let (l, total) = total_with(
        "stockpile-cap",
        "[[insert]]\ntable = \"countries\"\nrows = [{ code = \"IND\", name = \"India\", groups = [\"Quad\", \"MSP\"] }]\n\n\
         [[remove]]\ntable = \"countries\"\nwhere = { group = \"Quad\" }\n",
    );
    let kinds: Vec<&str> = l
        .changes
        .iter()
        .map(|c| match c {
            Change::Added { .. } => "added",
            Change::Removed { .. } => "removed",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["added", "removed"]);
    assert!(l.model.countries.iter().all(|c| c.code != "IND"));
    assert_total("countries by group", total, 1530.0);
}

// ---------------------------------------------------------------------------
// [[insert]] and [[remove]]

/// An Indian mine: 30 t at 5 (path 5 + 1 + 2 = 8), so 30 IND + 60 CHN + 10 AUS:
/// 240 + 780 + 150 = 1170.
const INDIA_ROWS: &str = r#"
[[insert]]
table = "countries"
rows = [{ code = "IND", name = "India", groups = "Quad" }]

[[insert]]
table = "nodes"
rows = [{ id = "IND-mine", name = "Indian mine", kind = "mine", country = "IND" }]

[[insert]]
table = "supply"
rows = [{ node = "IND-mine", commodity = "li", capacity = 30, cost = 5 }]
"#;

#[test]
fn insert_inline_rows() {
    let text = format!("{INDIA_ROWS}\n[[insert]]\ntable = \"routes\"\nrows = [{{ from = \"IND-mine\", to = \"JPN-ref\", commodity = \"li\", cost = 1 }}]\n");
    let f = Files::new();
    let s = f.put("india.toml", &text);
    let l = load(&tiny("mining-cap"), &[s]);
    let ind = l
        .model
        .nodes
        .iter()
        .find(|n| n.id == "IND-mine")
        .expect("the node is inserted");
    assert_eq!(ind.kind, NodeKind::Mine);
    assert_eq!(l.model.country(ind.country).groups, ["Quad"]);
    assert_eq!(supply(&l.model, "IND-mine").capacity, Some(30.0));
    assert_eq!(route(&l.model, "IND-mine", "JPN-ref").capacity, None);
    // Added rows are placed at the line each was written on.
    let added: Vec<String> = l
        .changes
        .iter()
        .map(|c| match c {
            Change::Added { row, .. } => row.to_string(),
            other => panic!("only rows are added: {other:?}"),
        })
        .collect();
    let shown = f.dir.path().join("india.toml").display().to_string();
    assert_eq!(added, [4, 8, 12, 16].map(|line| format!("{shown}:{line}")));
    let report = solve("insert inline", &l);
    assert_total("insert inline", report.total_cost, 1170.0);
    let use_ = &report.consumers[0];
    assert!(
        close(use_.mining_shares["IND"], 0.3, 1e-9) && close(use_.mining_shares["CHN"], 0.6, 1e-9),
        "{use_:?}"
    );
}

#[test]
fn insert_rows_from_a_csv_file_next_to_the_scenario() {
    let f = Files::new();
    // The scenario sits in a sub-folder: `file` is relative to it, not to the working directory.
    f.put(
        "sub/india-routes.csv",
        "from,to,commodity,cost,capacity\nIND-mine,JPN-ref,li,1,\n",
    );
    let s = f.put(
        "sub/india.toml",
        &format!("{INDIA_ROWS}\n[[insert]]\ntable = \"routes\"\nfile = \"india-routes.csv\"\n"),
    );
    let l = load(&tiny("mining-cap"), &[s]);
    let last = l.changes.last().expect("changes");
    match last {
        Change::Added { row, what, .. } => {
            assert!(
                row.to_string().ends_with("india-routes.csv:2"),
                "the CSV row is shown at its own file and line: {row}"
            );
            assert_eq!(what, "route IND-mine -> JPN-ref li");
        }
        other => panic!("{other:?}"),
    }
    let report = solve("insert csv", &l);
    assert_total("insert from csv", report.total_cost, 1170.0);
    // A missing file is an error at its `file` key.
    let s = f.put(
        "sub/missing.toml",
        "\n[[insert]]\ntable = \"routes\"\nfile = \"nope.csv\"\n",
    );
    let e = load_err(&tiny("mining-cap"), &[s]);
    assert!(
        e.contains("missing.toml:4:8") && e.contains("nope.csv"),
        "{e}"
    );
}

#[test]
fn remove_rows() {
    // No CHN supply and no cap: AUS alone, 100*15 = 1500.
    let (l, total) = total_with("mining-cap", "remove_policies = [\"cap\"]\n\n[[remove]]\ntable = \"supply\"\nwhere = { country = \"CHN\" }\n");
    assert!(l
        .model
        .supply
        .iter()
        .all(|s| l.model.node(s.node).id != "CHN-mine"));
    assert!(l.model.policies.is_empty());
    assert_total("remove supply", total, 1500.0);
    // Removing the AUS ore route with the cap kept: CHN alone can deliver
    // nothing under a 60% cap, so all 100 t go unmet at 1000: 100000.
    let (l, total) = total_with(
        "mining-cap",
        "[[remove]]\ntable = \"routes\"\nwhere = { from = \"AUS-mine\" }\n",
    );
    assert_eq!(l.model.routes.len(), 2);
    assert!(
        matches!(&l.changes[..], [Change::Removed { what, .. }] if what == "route AUS-mine -> JPN-ref li")
    );
    assert_total("remove route", total, 100000.0);
    // Removing a node whose rows remain is caught by validation (the rows name an unknown node).
    let f = Files::new();
    let s = f.put(
        "node.toml",
        "[[remove]]\ntable = \"nodes\"\nwhere = { node = \"AUS-mine\" }\n",
    );
    let e = load_err(&tiny("mining-cap"), &[s]);
    assert!(e.contains("AUS-mine"), "{e}");
}

// ---------------------------------------------------------------------------
// Policies

const CAP_80: &str = r#"
[[policy]]
name = "cap"
type = "max_share"
stage = "mining"
commodity = "li"
scope = "each"
from = "each"
share = 0.8
"#;

#[test]
fn policy_replaced_by_name() {
    // The 60% cap replaced by an 80% one: 80*13 + 20*15 = 1340.
    let (l, total) = total_with("mining-cap", CAP_80);
    assert_eq!(l.model.policies.len(), 1);
    assert_eq!(l.model.policies[0].share, 0.8);
    assert!(
        matches!(&l.changes[..], [Change::Policy { text, .. }] if text == "policy cap replaced"),
        "{:?}",
        l.changes
    );
    assert_total("policy replaced", total, 1340.0);
}

#[test]
fn policy_added() {
    // A second, tighter cap: 50/50: 650 + 750 = 1400.
    let (l, total) = total_with(
        "mining-cap",
        &CAP_80.replace("\"cap\"", "\"cap50\"").replace("0.8", "0.5"),
    );
    let names: Vec<&str> = l.model.policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["cap", "cap50"]);
    assert!(
        matches!(&l.changes[..], [Change::Policy { text, .. }] if text == "policy cap50 added"),
        "{:?}",
        l.changes
    );
    assert_total("policy added", total, 1400.0);
}

#[test]
fn policy_share_and_remove_policies() {
    let (l, total) = total_with(
        "mining-cap",
        "[[policy_share]]\nname = \"cap\"\nshare = 0.8\n",
    );
    assert_eq!(l.model.policies[0].share, 0.8);
    assert_total("policy_share", total, 1340.0);
    // No cap: all CHN, 1300.
    let (l, total) = total_with("mining-cap", "remove_policies = [\"cap\"]\n");
    assert!(l.model.policies.is_empty());
    assert_total("remove_policies", total, 1300.0);
    // A share outside 0..=1 is an error at the operation.
    let f = Files::new();
    let s = f.put(
        "big.toml",
        "# too big\n[[policy_share]]\nname = \"cap\"\nshare = 1.5\n",
    );
    let e = load_err(&tiny("mining-cap"), &[s]);
    assert!(e.contains("big.toml:2:") && e.contains("1.5"), "{e}");
}

// ---------------------------------------------------------------------------
// extends, and the order of application

const SET_AUS_6: &str = "[[set]]\ntable = \"supply\"\nwhere = { node = \"AUS-mine\" }\ncost = 6\n";
const HALVE_AUS: &str =
    "[[scale]]\ntable = \"supply\"\nwhere = { node = \"AUS-mine\" }\ncost = 0.5\n";
// AUS cost 3 (path 6): 60*6 + 40*13 = 360 + 520 = 880.
// AUS cost 6 (path 9): 60*9 + 40*13 = 540 + 520 = 1060.

#[test]
fn order_within_a_file_is_the_written_order() {
    // set, then scale: 6 * 0.5 = 3.
    let (l, total) = total_with("mining-cap", &format!("{SET_AUS_6}\n{HALVE_AUS}"));
    assert_eq!(supply(&l.model, "AUS-mine").cost, 3.0);
    assert_eq!(
        field_changes(&l.changes),
        [
            fc("supply AUS-mine li", "cost", "12", "6"),
            fc("supply AUS-mine li", "cost", "6", "3")
        ]
    );
    assert_total("set then scale", total, 880.0);
    // scale, then set: 12 * 0.5 = 6, then 6.
    let (l, total) = total_with("mining-cap", &format!("{HALVE_AUS}\n{SET_AUS_6}"));
    assert_eq!(supply(&l.model, "AUS-mine").cost, 6.0);
    assert_total("scale then set", total, 1060.0);
}

#[test]
fn several_scenarios_apply_in_the_order_given() {
    let f = Files::new();
    let set = f.put("set.toml", SET_AUS_6);
    let scale = f.put("scale.toml", HALVE_AUS);
    let l = load(&tiny("mining-cap"), &[set.clone(), scale.clone()]);
    assert_eq!(supply(&l.model, "AUS-mine").cost, 3.0);
    assert_total(
        "--scenario set --scenario scale",
        solve("a", &l).total_cost,
        880.0,
    );
    let l = load(&tiny("mining-cap"), &[scale.clone(), set.clone()]);
    assert_eq!(supply(&l.model, "AUS-mine").cost, 6.0);
    assert_total(
        "--scenario scale --scenario set",
        solve("b", &l).total_cost,
        1060.0,
    );
    // The same through the command line.
    let total = |a: &Path, b: &Path| -> f64 {
        let out = sourcemix()
            .args([
                "solve",
                "tests/models/mining-cap",
                "--format",
                "json",
                "--scenario",
            ])
            .arg(a)
            .arg("--scenario")
            .arg(b)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["total_cost"].as_f64().unwrap()
    };
    assert_total("cli set, scale", total(&set, &scale), 880.0);
    assert_total("cli scale, set", total(&scale, &set), 1060.0);
}

#[test]
fn extends_applies_the_parent_first() {
    let f = Files::new();
    // The parent, in another folder, inserts a CSV relative to itself.
    f.put(
        "base/india-routes.csv",
        "from,to,commodity,cost,capacity\nIND-mine,JPN-ref,li,1,\n",
    );
    f.put(
        "base/india.toml",
        &format!("{INDIA_ROWS}\n[[insert]]\ntable = \"routes\"\nfile = \"india-routes.csv\"\n"),
    );
    f.put("base/set.toml", SET_AUS_6);
    // child: the Indian mine and AUS at 6, then halved to 3. AUS path 6 now
    // beats IND (8) and CHN (13): AUS 60, IND 30, CHN 10:
    // 360 + 240 + 130 = 730.
    let child = f.put("child.toml", &format!("description = \"child\"\nextends = [\"base/india.toml\", \"base/set.toml\"]\n\n{HALVE_AUS}"));
    let l = load(&tiny("mining-cap"), &[child]);
    assert_eq!(supply(&l.model, "AUS-mine").cost, 3.0);
    assert!(l.model.nodes.iter().any(|n| n.id == "IND-mine"));
    let report = solve("extends", &l);
    assert_total("extends", report.total_cost, 730.0);
    // Were the child applied before its parent, AUS would end at 6 (path 9):
    // AUS 60*9 + IND 30*8 + CHN 10*13 = 540 + 240 + 130 = 910.
    assert!(!close(report.total_cost, 910.0, 1e-9));
}

#[test]
fn a_cycle_of_extends_is_an_error() {
    let f = Files::new();
    let a = f.put("a.toml", "extends = [\"b.toml\"]\n");
    f.put("b.toml", &format!("extends = [\"a.toml\"]\n{SET_AUS_6}"));
    let e = load_err(&tiny("mining-cap"), &[a]);
    assert!(e.contains("extends itself"), "{e}");
    let me = f.put("me.toml", "extends = [\"me.toml\"]\n");
    let e = load_err(&tiny("mining-cap"), &[me]);
    assert!(e.contains("me.toml") && e.contains("extends itself"), "{e}");
    // A missing parent is an error too.
    let orphan = f.put("orphan.toml", "extends = [\"nowhere.toml\"]\n");
    let e = load_err(&tiny("mining-cap"), &[orphan]);
    assert!(
        e.contains("nowhere.toml") && e.contains("cannot read"),
        "{e}"
    );
}

// ---------------------------------------------------------------------------
// Errors: selecting nothing, unknown names, negative numbers

#[test]
fn every_operation_that_selects_nothing_is_an_error_at_its_line() {
    let f = Files::new();
    let cases: [(&str, &str, usize, &str); 9] = [
        ("scale", "# a typo in the commodity\n\n[[scale]]\ntable = \"supply\"\nwhere = { commodity = \"lithium\" }\ncost = 2\n", 3, "selects no row of supply"),
        ("set", "[[set]]\ntable = \"routes\"\nwhere = { to_country = \"!JPN\" }\ncost = 2\n", 1, "selects no row of routes"),
        ("add", "[[scale]]\ntable = \"demand\"\ndemand = 2\n\n[[add]]\ntable = \"demand\"\nwhere = { node = \"JPN-usr\" }\ndemand = 2\n", 5, "selects no row of demand"),
        ("refining", "[[scale]]\ntable = \"refining\"\nwhere = { country = \"CHN\" }\ncost = 2\n", 1, "selects no row of refining"),
        ("group", "[[scale]]\ntable = \"supply\"\nwhere = { group = \"EU\" }\ncost = 2\n", 1, "selects no row of supply"),
        ("remove", "\n[[remove]]\ntable = \"routes\"\nwhere = { from = \"STOCK-JPN\" }\n", 2, "selects no row of routes"),
        ("remove-countries", "[[remove]]\ntable = \"countries\"\nwhere = { country = \"IND\" }\n", 1, "selects no row of countries"),
        ("policy_share", "description = \"x\"\n\n[[policy_share]]\nname = \"crma\"\nshare = 0.4\n", 3, "names no policy \"crma\""),
        ("remove_policies", "description = \"x\"\n# drop it\nremove_policies = [\"cap\", \"cpa\"]\n", 3, "names no policy \"cpa\""),
    ];
    for (name, text, line, message) in cases {
        let s = f.put(&format!("{name}.toml"), text);
        let e = load_err(&tiny("mining-cap"), &[s]);
        let at = format!("{name}.toml:{line}:");
        assert!(
            e.contains(&at) && e.contains(message),
            "{name}: expected \"{at}\" and \"{message}\" in:\n{e}"
        );
        assert_eq!(e.matches("error:").count(), 1, "{name}: one error:\n{e}");
    }
}

#[test]
fn unknown_keys_tables_and_fields_are_errors() {
    let f = Files::new();
    let cases: [(&str, &str, &str); 11] = [
        ("top", "[[scael]]\ntable = \"supply\"\ncost = 2\n", "scael"),
        ("key", "\n[[scale]]\ntable = \"supply\"\nwhere = { contry = \"CHN\" }\ncost = 2\n", "contry"),
        ("field", "[[scale]]\ntable = \"supply\"\ncapcity = 2\n", "capcity"),
        ("no-field", "[[scale]]\ntable = \"supply\"\nyield = 2\n", "no field `yield`"),
        ("demand-field", "[[set]]\ntable = \"demand\"\ncost = 2\n", "no field `cost`"),
        ("nothing", "[[set]]\ntable = \"demand\"\nwhere = { node = \"JPN-use\" }\n", "names no field"),
        ("table", "[[scale]]\ntable = \"supplies\"\ncost = 2\n", "supplies"),
        ("insert-table", "[[insert]]\ntable = \"mines\"\nrows = [{ id = \"X\" }]\n", "unknown table \"mines\""),
        ("insert-column", "[[insert]]\ntable = \"countries\"\nrows = [{ code = \"IND\", name = \"India\", colour = \"green\" }]\n", "unknown column `colour`"),
        ("wrong-key", "[[scale]]\ntable = \"supply\"\nwhere = { from_country = \"CHN\" }\ncost = 2\n", "do not apply to supply"),
        ("policy", "[[policy_share]]\nname = \"cap\"\nshare = 0.5\nshaer = 0.4\n", "shaer"),
    ];
    for (name, text, message) in cases {
        let s = f.put(&format!("{name}.toml"), text);
        let e = load_err(&tiny("mining-cap"), &[s]);
        assert!(
            names_a_line(&e, &format!("{name}.toml")) && e.contains(message),
            "{name}: expected \"{message}\" at a line in:\n{e}"
        );
    }
    // A [[policy]] is checked with the model.toml rules.
    let s = f.put(
        "bad-policy.toml",
        &CAP_80.replace("share = 0.8", "share = 0.8\nfrum = \"CHN\""),
    );
    let e = load_err(&tiny("mining-cap"), &[s]);
    assert!(
        names_a_line(&e, "bad-policy.toml") && e.contains("frum"),
        "{e}"
    );
}

#[test]
fn a_number_that_would_go_negative_is_an_error() {
    let f = Files::new();
    let cases: [(&str, &str, &str, &str); 4] = [
        (
            "add-cost",
            "mining-cap",
            "[[add]]\ntable = \"supply\"\nwhere = { node = \"CHN-mine\" }\ncost = -20\n",
            "-10",
        ),
        (
            "scale-demand",
            "mining-cap",
            "\n[[scale]]\ntable = \"demand\"\ndemand = -1\n",
            "-100",
        ),
        (
            "set-route",
            "mining-cap",
            "[[set]]\ntable = \"routes\"\nwhere = { from = \"AUS-mine\" }\ncost = -1\n",
            "-1",
        ),
        (
            "add-capacity",
            "stockpile-cap",
            "[[add]]\ntable = \"supply\"\nwhere = { kind = \"stockpile\" }\ncapacity = -40\n",
            "-10",
        ),
    ];
    for (name, model, text, value) in cases {
        let s = f.put(&format!("{name}.toml"), text);
        let e = load_err(&tiny(model), &[s]);
        let line = if name == "scale-demand" { 2 } else { 1 };
        assert!(
            e.contains(&format!("{name}.toml:{line}:"))
                && e.contains(&format!("would become {value}")),
            "{name}: expected the line and \"would become {value}\" in:\n{e}"
        );
    }
    // Going down to exactly 0 is fine: CHN cost 10 - 10 = 0: 60*3 + 40*15 = 780.
    let (_, total) = total_with(
        "mining-cap",
        "[[add]]\ntable = \"supply\"\nwhere = { node = \"CHN-mine\" }\ncost = -10\n",
    );
    assert_total("add down to 0", total, 780.0);
}

// ---------------------------------------------------------------------------
// sourcemix diff

fn sourcemix() -> Command {
    let mut cmd = Command::cargo_bin("sourcemix").expect("the sourcemix binary is built");
    cmd.current_dir(root());
    cmd
}

#[test]
fn diff_prints_every_change_row_by_row() {
    let f = Files::new();
    let s = f.put(
        "d.toml",
        "description = \"diff\"\n\
         \n\
         [[set]]\n\
         table = \"supply\"\n\
         where = { node = \"AUS-mine\" }\n\
         cost = 6\n\
         capacity = 50\n\
         \n\
         [[remove]]\n\
         table = \"routes\"\n\
         where = { from = \"CHN-mine\" }\n\
         \n\
         [[insert]]\n\
         table = \"countries\"\n\
         rows = [{ code = \"IND\", name = \"India\" }]\n\
         \n\
         [[policy_share]]\n\
         name = \"cap\"\n\
         share = 0.7\n",
    );
    let t = f.put(
        "t.toml",
        "[[scale]]\ntable = \"supply\"\nwhere = { node = \"AUS-mine\" }\ncost = 0.5\n",
    );
    let out = sourcemix()
        .args(["diff", "tests/models/mining-cap", "--scenario"])
        .arg(&s)
        .arg("--scenario")
        .arg(&t)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (s, t) = (s.display(), t.display());
    let expected = [
        format!("~ tests/models/mining-cap/supply.csv:2 supply AUS-mine li: capacity (blank) -> 50   ({s}:3:1)"),
        format!("~ tests/models/mining-cap/supply.csv:2 supply AUS-mine li: cost 12 -> 6   ({s}:3:1)"),
        format!("- tests/models/mining-cap/routes.csv:3 route CHN-mine -> JPN-ref li   ({s}:9:1)"),
        format!("+ {s}:15 country IND   ({s}:13:1)"),
        format!("* policy cap: share 0.6 -> 0.7   ({s}:17:1)"),
        format!("~ tests/models/mining-cap/supply.csv:2 supply AUS-mine li: cost 6 -> 3   ({t}:1:1)"),
        "6 changes".to_string(),
    ];
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        expected.iter().map(String::as_str).collect::<Vec<_>>()
    );
}

#[test]
fn diff_and_solve_reject_a_scenario_that_selects_nothing() {
    let f = Files::new();
    let s = f.put("typo.toml", "description = \"typo\"\n[[scale]]\ntable = \"supply\"\nwhere = { country = \"AUT\" }\ncapacity = 2\n");
    for cmd in ["diff", "solve"] {
        let out = sourcemix()
            .args([cmd, "tests/models/mining-cap", "--scenario"])
            .arg(&s)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{cmd}: {stderr}");
        assert!(
            stderr.contains(&format!("{}:2:", s.display()))
                && stderr.contains("selects no row of supply"),
            "{cmd}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{cmd}: nothing is printed on stdout");
    }
}

// ---------------------------------------------------------------------------
// The shipped Chinese export ban on the flagship model

#[test]
fn the_export_ban_cuts_exports_and_leaves_china_alone() {
    let ban = flagship().join("scenarios/china-export-ban.toml");
    let base = load(&flagship(), &[]);
    let banned = load(&flagship(), &[ban]);
    let m = &banned.model;
    let country = |node: &str| -> String {
        let n = m
            .nodes
            .iter()
            .find(|n| n.id == node)
            .unwrap_or_else(|| panic!("unknown node {node}"));
        m.country(n.country).code.clone()
    };
    let banned_commodity = |k: &str| k == "rare_earths" || k == "graphite";

    // The changes: only capacities of export routes of the two commodities, to 0.
    assert!(!banned.changes.is_empty());
    for c in &banned.changes {
        let Change::Field {
            what, field, after, ..
        } = c
        else {
            panic!("the ban only changes numbers: {c:?}")
        };
        let rest = what
            .strip_prefix("route ")
            .unwrap_or_else(|| panic!("not a route: {what}"));
        let (from, rest) = rest.split_once(" -> ").unwrap();
        let (to, commodity) = rest.split_once(' ').unwrap();
        assert_eq!(country(from), "CHN", "{c}");
        assert_ne!(country(to), "CHN", "a route into China is changed: {c}");
        assert!(banned_commodity(commodity), "{c}");
        assert_eq!((*field, after.as_str()), ("capacity", "0"), "{c}");
    }
    // Every export route of the two is cut (and each is listed once).
    let exports: Vec<_> = m
        .routes
        .iter()
        .filter(|r| country(&m.node(r.from).id) == "CHN" && country(&m.node(r.to).id) != "CHN")
        .filter(|r| banned_commodity(&m.commodity(r.commodity).id))
        .collect();
    assert!(
        exports.len() >= 6,
        "the flagship has Chinese exports of both commodities: {}",
        exports.len()
    );
    assert!(exports.iter().all(|r| r.capacity == Some(0.0)));
    assert_eq!(
        banned.changes.len(),
        exports
            .iter()
            .filter(|r| base
                .model
                .routes
                .iter()
                .any(|b| b.at == r.at && b.capacity != Some(0.0)))
            .count()
    );
    // Routes ending in China (and other commodities' exports) are as in the base model.
    assert_eq!(base.model.routes.len(), m.routes.len());
    for (b, r) in base.model.routes.iter().zip(&m.routes) {
        let to_china = country(&m.node(r.to).id) == "CHN";
        if to_china || !banned_commodity(&m.commodity(r.commodity).id) {
            assert_eq!(
                (b.capacity, b.cost),
                (r.capacity, r.cost),
                "route at {} changed",
                r.at
            );
        }
    }

    let before = solve("flagship", &base);
    let after = solve("flagship + china-export-ban", &banned);
    // Nothing of the two leaves China ...
    let leaving: f64 = after
        .flows
        .iter()
        .filter(|f| {
            banned_commodity(&f.commodity) && country(&f.from) == "CHN" && country(&f.to) != "CHN"
        })
        .map(|f| f.amount)
        .sum();
    assert!(
        leaving.abs() <= 1e-6,
        "{leaving} t of rare earths and graphite still leave China"
    );
    // ... though some did before the ban (the test would be void otherwise).
    let left_before: f64 = before
        .flows
        .iter()
        .filter(|f| {
            banned_commodity(&f.commodity) && country(&f.from) == "CHN" && country(&f.to) != "CHN"
        })
        .map(|f| f.amount)
        .sum();
    assert!(
        left_before > 1000.0,
        "baseline Chinese exports: {left_before}"
    );
    // ... and Chinese consumers get at least what they got before.
    for k in ["rare_earths", "graphite"] {
        let delivered = |r: &Report| {
            r.consumers
                .iter()
                .find(|c| c.node == "CON-CHN" && c.commodity == k)
                .map(|c| c.delivered)
                .unwrap()
        };
        let (b, a) = (delivered(&before), delivered(&after));
        assert!(
            b > 0.0 && a >= b - 1e-6 * b,
            "CON-CHN {k}: {a} delivered under the ban, {b} before"
        );
    }
    assert!(
        after.total_cost > before.total_cost,
        "the ban costs something"
    );
}

// ---------------------------------------------------------------------------
// Run parameters (`--max-share`, `--demand-scale`, `--no-policies`) as a scenario

fn two_chains() -> PathBuf {
    root().join("tests/scenarios/two-chains")
}

/// A copy of a model folder (its files, not sub-folders) at `dir`.
fn copy_model(from: &Path, dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_file() {
            fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
        }
    }
}

/// Loads `model` with the run parameters applied to its raw rows, as a scenario.
fn load_with_params(model: &Path, params: &RunParams) -> Result<Loaded, String> {
    let request = pipeline::Request {
        params: params.clone(),
        ..pipeline::Request::folder(model)
    };
    pipeline::load(&request).map_err(|d| d.to_string())
}

#[test]
fn max_share_as_a_scenario_equals_the_policy_written_in_model_toml() {
    // two-chains with every country capped at 50% at both stages: 1800 - 500 x 0.5 = 1550.
    let half = RunParams {
        max_share: Some(0.5),
        ..RunParams::default()
    };
    half.check().expect("0.5 is a share");
    let l = load_with_params(&two_chains(), &half).unwrap();
    let p = l
        .model
        .policies
        .iter()
        .find(|p| p.name == "cli-max-share")
        .expect("the policy is added");
    // What `solve --max-share 0.5` means: no country above 50% of any
    // consumer's deliveries of any commodity, at either stage, none exempt.
    let built = Policy {
        line: None,
        name: "cli-max-share".into(),
        kind: PolicyKind::MaxShare,
        stages: Stage::ALL.to_vec(),
        commodity: None,
        scope: Scope::Each,
        from: FromSet::Each {
            exempt: Default::default(),
        },
        share: 0.5,
        from_year: None,
        until_year: None,
    };
    assert_eq!(
        (
            &p.kind,
            &p.stages,
            &p.commodity,
            &p.scope,
            &p.from,
            p.share,
            p.line
        ),
        (
            &built.kind,
            &built.stages,
            &built.commodity,
            &built.scope,
            &built.from,
            built.share,
            built.line
        )
    );
    let by_params = solve("--max-share 0.5", &l).total_cost;
    assert_total("--max-share 0.5", by_params, 1550.0);

    // The same cap written in model.toml (one policy per stage).
    let f = Files::new();
    let written = f.dir.path().join("two-chains");
    copy_model(&two_chains(), &written);
    let mut toml = fs::read_to_string(written.join("model.toml")).unwrap();
    for stage in ["mining", "refining"] {
        toml.push_str(&format!(
            "\n[[policy]]\nname = \"half-{stage}\"\ntype = \"max_share\"\nstage = \"{stage}\"\ncommodity = \"*\"\nscope = \"each\"\nfrom = \"each\"\nshare = 0.5\n"
        ));
    }
    fs::write(written.join("model.toml"), toml).unwrap();
    let by_file = solve("model.toml", &load(&written, &[])).total_cost;
    assert!(
        close(by_params, by_file, 1e-9),
        "{by_params} by parameters, {by_file} by model.toml"
    );

    // The change prints in `diff` like a scenario's.
    let shown: Vec<String> = l.changes.iter().map(|c| c.to_string()).collect();
    assert_eq!(shown, ["* policy cli-max-share added   (--max-share)"]);
}

#[test]
fn no_policies_then_max_share_leaves_only_the_cap() {
    let params = RunParams {
        max_share: Some(0.9),
        no_policies: true,
        ..RunParams::default()
    };
    let l = load_with_params(&two_chains(), &params).unwrap();
    let names: Vec<&str> = l.model.policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["cli-max-share"]);
    let shown: Vec<String> = l.changes.iter().map(|c| c.to_string()).collect();
    assert_eq!(
        shown,
        [
            "* policy cap removed   (--no-policies)",
            "* policy cli-max-share added   (--max-share)"
        ]
    );
    // 90% at both stages and no 80% mining cap: a = 90, then the cheapest
    // of b, c, d for the rest: a + b <= 90 and a + c <= 90, so d = 10:
    // 90*13 + 10*18 = 1170 + 180 = 1350.
    assert_total("no policies, 90%", solve("np", &l).total_cost, 1350.0);
    // A model without policies is not an error for --no-policies.
    let none = RunParams {
        no_policies: true,
        ..RunParams::default()
    };
    let mut diags = Diagnostics::new();
    let mut raw =
        sourcemix::input::parse(&ModelTexts::read_dir(&two_chains(), &mut diags), &mut diags);
    raw.toml.policies.clear();
    raw.demand.clear();
    let scaled = RunParams {
        demand_scale: Some(2.0),
        ..none.clone()
    };
    let changes = scenario::apply(&mut raw, &scaled.to_scenario(), &mut diags);
    assert!(
        changes.is_empty() && !diags.has_errors(),
        "nothing to remove or scale is not an error: {changes:?}\n{diags}"
    );
}

#[test]
fn demand_scale_doubles_every_demand() {
    let base = load(&flagship(), &[]);
    let doubled = load_with_params(
        &flagship(),
        &RunParams {
            demand_scale: Some(2.0),
            ..RunParams::default()
        },
    )
    .unwrap();
    assert_eq!(base.model.demand.len(), doubled.model.demand.len());
    assert!(base.model.demand.len() > 10);
    for (b, d) in base.model.demand.iter().zip(&doubled.model.demand) {
        assert_eq!(d.demand, 2.0 * b.demand, "demand at {}", b.at);
    }
    let changed = doubled
        .changes
        .iter()
        .filter(|c| {
            matches!(
                c,
                Change::Field {
                    field: "demand",
                    ..
                }
            )
        })
        .count();
    assert_eq!(
        changed,
        base.model.demand.iter().filter(|d| d.demand > 0.0).count()
    );
    assert!(
        doubled.changes[0]
            .to_string()
            .ends_with("   (--demand-scale)"),
        "{}",
        doubled.changes[0]
    );
    // Out of range: a usage error before anything is read.
    for (params, message) in [
        (
            RunParams {
                max_share: Some(1.5),
                ..RunParams::default()
            },
            "--max-share 1.5 is outside 0..=1 (a fraction: 0.65 is 65%)",
        ),
        (
            RunParams {
                demand_scale: Some(-1.0),
                ..RunParams::default()
            },
            "--demand-scale -1 is negative",
        ),
        (
            RunParams {
                demand_scale: Some(f64::INFINITY),
                ..RunParams::default()
            },
            "--demand-scale inf is infinite",
        ),
    ] {
        let e = params.check().unwrap_err().to_string();
        assert!(e.starts_with(message), "{e}");
    }
}

// ---------------------------------------------------------------------------
// Hardened input: table names, paths, diamonds, numbers, inline rows

#[test]
fn an_unknown_table_names_the_valid_ones_and_a_close_one() {
    let f = Files::new();
    for (op, extra) in [
        ("scale", "cost = 2\n"),
        ("remove", ""),
        ("insert", "rows = [{ node = \"x\" }]\n"),
    ] {
        let s = f.put(
            &format!("{op}.toml"),
            &format!("description = \"typo\"\n\n[[{op}]]\ntable = \"suply\"\n{extra}"),
        );
        let e = load_err(&tiny("mining-cap"), &[s]);
        assert!(
            e.contains(&format!("{op}.toml:4:"))
                && e.contains("unknown table \"suply\"; did you mean \"supply\"?")
                && e.contains("countries, nodes, supply, refining, demand, routes"),
            "{op}: {e}"
        );
    }
}

#[test]
fn paths_in_a_scenario_stay_inside_its_folder() {
    let f = Files::new();
    f.put("outside.toml", SET_AUS_6);
    f.put(
        "rows.csv",
        "from,to,commodity,cost,capacity\nAUS-mine,JPN-ref,li,1,\n",
    );
    let up = f.put(
        "in/up.toml",
        "description = \"x\"\nextends = [\"../outside.toml\"]\n",
    );
    let e = load_err(&tiny("mining-cap"), std::slice::from_ref(&up));
    assert!(
        e.contains("up.toml:2:12") && e.contains("\"../outside.toml\" leaves the folder"),
        "{e}"
    );
    let absolute = f.dir.path().join("outside.toml");
    let abs = f.put(
        "in/abs.toml",
        &format!("extends = [{:?}]\n", absolute.display().to_string()),
    );
    let e = load_err(&tiny("mining-cap"), std::slice::from_ref(&abs));
    assert!(
        e.contains("abs.toml:1:") && e.contains("is absolute"),
        "{e}"
    );
    let insert = f.put(
        "in/insert.toml",
        "[[insert]]\ntable = \"routes\"\nfile = \"sub/../../rows.csv\"\n",
    );
    let e = load_err(&tiny("mining-cap"), std::slice::from_ref(&insert));
    assert!(
        e.contains("insert.toml:3:8") && e.contains("leaves the folder"),
        "{e}"
    );
    // Allowed explicitly: the library option ...
    let mut diags = Diagnostics::new();
    let opts = scenario::LoadOptions {
        allow_outside: true,
        model_dir: None,
    };
    let s = scenario::load_with(&up, &opts, &mut diags);
    assert!(!diags.has_errors(), "{diags}");
    assert_eq!(s.ops.len(), 1);
    // ... and the command line.
    for cmd in ["solve", "diff"] {
        let out = sourcemix()
            .args([cmd, "tests/models/mining-cap", "--scenario"])
            .arg(&up)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{cmd}");
        let out = sourcemix()
            .args([
                cmd,
                "tests/models/mining-cap",
                "--allow-outside",
                "--scenario",
            ])
            .arg(&up)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Inside the model folder is inside too: a scenario in MODEL/scenarios/
    // may extend MODEL/common.toml.
    let model = f.dir.path().join("model");
    copy_model(&tiny("mining-cap"), &model);
    fs::write(model.join("common.toml"), SET_AUS_6).unwrap();
    let child = f.put(
        "model/scenarios/child.toml",
        "extends = [\"../common.toml\"]\n",
    );
    let opts = scenario::LoadOptions {
        allow_outside: false,
        model_dir: Some(model.clone()),
    };
    let mut diags = Diagnostics::new();
    let s = scenario::load_with(&child, &opts, &mut diags);
    assert!(!diags.has_errors() && s.ops.len() == 1, "{diags}");
    let out = sourcemix()
        .args(["solve"])
        .arg(&model)
        .arg("--scenario")
        .arg(&child)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_parent_reached_twice_is_applied_once() {
    // top extends left and right, both extend base (AUS cost x 0.5): AUS 6, not 3.
    let f = Files::new();
    f.put("base.toml", HALVE_AUS);
    f.put("left.toml", "extends = [\"base.toml\"]\n");
    f.put("right.toml", "extends = [\"base.toml\"]\n");
    let top = f.put("top.toml", "extends = [\"left.toml\", \"right.toml\"]\n");
    let l = load(&tiny("mining-cap"), &[top]);
    assert_eq!(supply(&l.model, "AUS-mine").cost, 6.0);
    assert_eq!(l.changes.len(), 1, "{:?}", l.changes);
    assert_total("diamond", solve("diamond", &l).total_cost, 1060.0);
    // A cycle is still an error.
    f.put(
        "base.toml",
        &format!("extends = [\"top.toml\"]\n{HALVE_AUS}"),
    );
    let e = load_err(&tiny("mining-cap"), &[f.dir.path().join("top.toml")]);
    assert!(e.contains("extends itself"), "{e}");
}

#[test]
fn scenario_numbers_are_checked_like_csv_cells() {
    let f = Files::new();
    let cases = [
        (
            "big",
            "\n[[set]]\ntable = \"supply\"\ncost = 1e300\n",
            "cost = 1e300 is too large",
        ),
        (
            "grows",
            "\n[[scale]]\ntable = \"supply\"\ncost = 1e14\n",
            "cost would become 1.2e15, which is too large",
        ),
        (
            "nan",
            "\n[[add]]\ntable = \"demand\"\ndemand = nan\n",
            "demand = NaN is NaN",
        ),
        (
            "inf",
            "\n[[scale]]\ntable = \"routes\"\ncapacity = inf\n",
            "capacity = inf is infinite",
        ),
        (
            "share-nan",
            "\n[[policy_share]]\nname = \"cap\"\nshare = nan\n",
            "share NaN is NaN",
        ),
        (
            "share-big",
            "\n[[policy_share]]\nname = \"cap\"\nshare = 2\n",
            "share 2 is outside 0..=1",
        ),
        (
            "policy-share",
            &CAP_80.replace("0.8", "-0.5"),
            "share -0.5 is outside 0..=1",
        ),
    ];
    for (name, text, message) in cases {
        let s = f.put(&format!("{name}.toml"), text);
        let e = load_err(&tiny("mining-cap"), &[s]);
        assert!(
            names_a_line(&e, &format!("{name}.toml")) && e.contains(message),
            "{name}: expected \"{message}\" at a line in:\n{e}"
        );
    }
}

#[test]
fn a_bad_cell_in_an_inline_row_names_the_scenario_line_of_that_row() {
    let f = Files::new();
    let s = f.put(
        "rows.toml",
        "description = \"two rows\"\n\
         \n\
         [[insert]]\n\
         table = \"routes\"\n\
         rows = [\n\
         \x20 { from = \"AUS-mine\", to = \"JPN-ref\", commodity = \"li\", cost = 1 },\n\
         \x20 { from = \"CHN-mine\", to = \"JPN-ref\", commodity = \"li\", cost = \"cheap\" },\n\
         ]\n",
    );
    let e = load_err(&tiny("mining-cap"), std::slice::from_ref(&s));
    let want = format!(
        "{}:7: column \"cost\": \"cheap\" is not a number",
        s.display()
    );
    assert!(e.contains(&want), "expected {want} in:\n{e}");
    assert_eq!(e.matches("error:").count(), 1, "{e}");
    // A number written inline is shown as written, not as 301 digits.
    let s = f.put(
        "big.toml",
        "[[insert]]\ntable = \"routes\"\nrows = [{ from = \"AUS-mine\", to = \"JPN-ref\", commodity = \"li\", cost = 1, capacity = 1e300 }]\n",
    );
    let e = load_err(&tiny("mining-cap"), std::slice::from_ref(&s));
    assert!(
        e.contains(":3: column \"capacity\": \"1e300\" is too large"),
        "{e}"
    );
}

/// Run parameters are changes like a scenario's: `diff` lists them, in the
/// order they apply (after the scenarios), with the flag that made each.
#[test]
fn diff_lists_what_the_run_parameters_change() {
    let out = sourcemix()
        .args([
            "diff",
            "tests/models/mining-cap",
            "--max-share",
            "0.5",
            "--demand-scale",
            "2",
            "--no-policies",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(lines[0].contains("policy cap removed") && lines[0].contains("(--no-policies)"));
    assert!(lines[1].contains("demand.csv:2") && lines[1].contains("demand 100 -> 200"));
    assert!(lines[1].contains("(--demand-scale)"));
    assert!(lines[2].contains("policy cli-max-share added") && lines[2].contains("(--max-share)"));
    assert_eq!(lines[3], "3 changes");
    // And solve applies them the same way: twice the demand, twice the cost.
    let solve = |extra: &[&str]| -> f64 {
        let out = sourcemix()
            .args(["solve", "tests/models/mining-cap", "--format", "json"])
            .args(extra)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["total_cost"].as_f64().unwrap()
    };
    assert_total(
        "demand x2",
        solve(&["--demand-scale", "2"]),
        2.0 * solve(&[]),
    );
}

// ---------------------------------------------------------------------------
// expansion.csv (contract section 10): tests/models/periods-cli, periods
// 2024 (6 years) and 2030 (5), r = 0, penalty 1000 per t. R1 supplies 100 t
// per year at 10; demand is 100 t in 2024 and 150 t in 2030; R2 (supply
// capacity 0, cost 10) may add capacity from 2030: capex 100, lifetime 10,
// so a t per year added for 2030 costs 100 / 10 x 5 = 50 (annuity x W).
//   baseline: 2024 100 x 10 x 6 = 6,000; 2030 150 x 10 x 5 = 7,500;
//   50 t built, 2,500; total 16,000 (tests/periods_cli.rs).

fn periods_model() -> PathBuf {
    tiny("periods-cli")
}

/// Solves periods-cli with the scenario `text`: the run and its discounted total.
fn horizon_with(text: &str) -> (pipeline::Run, f64) {
    let f = Files::new();
    let s = f.put("s.toml", text);
    let run = pipeline::run(&with_scenarios(&periods_model(), &[s]))
        .unwrap_or_else(|e| panic!("the scenario should apply and solve:\n{text}\n{e}"));
    let total = run
        .horizon
        .as_ref()
        .map(|h| h.total_cost)
        .expect("a multi-period report");
    (run, total)
}

fn horizon_err(text: &str) -> (String, PathBuf, Files) {
    let f = Files::new();
    let s = f.put("s.toml", text);
    let e = load_err(&periods_model(), std::slice::from_ref(&s));
    (e, s, f)
}

fn expansion_row(run: &pipeline::Run) -> &sourcemix::model::Expansion {
    let h = run
        .loaded
        .model
        .horizon
        .as_deref()
        .expect("a multi-period model");
    assert_eq!(h.expansions.len(), 1, "one expansion row");
    &h.expansions[0]
}

/// The t per year added over the horizon, by node.
fn added(run: &pipeline::Run, node: &str) -> f64 {
    run.horizon
        .as_ref()
        .map(|h| {
            h.investment
                .iter()
                .filter(|i| i.node == node)
                .map(|i| i.added)
                .sum()
        })
        .unwrap_or(0.0)
}

#[test]
fn expansion_baseline_as_derived() {
    let (run, total) = horizon_with("description = \"nothing\"\n");
    assert_total("periods-cli baseline", total, 16_000.0);
    assert!(close(added(&run, "R2"), 50.0, 1e-9));
}

#[test]
fn set_max_added_limits_the_build_out() {
    // max_added 0: 2030 has R1's 100 t only; 50 t unmet at 1000 for 5 years.
    // 6,000 + 100 x 10 x 5 + 50 x 1000 x 5 = 6,000 + 5,000 + 250,000 = 261,000.
    let (run, total) = horizon_with(
        "[[set]]\ntable = \"expansion\"\nwhere = { node = \"R2\", commodity = \"x\" }\nmax_added = 0\n",
    );
    assert_eq!(expansion_row(&run).max_added, Some(0.0));
    assert_eq!(
        field_changes(&run.loaded.changes),
        [fc("expansion R2 x", "max_added", "(blank)", "0")]
    );
    assert_total("max_added 0", total, 261_000.0);
    assert_eq!(added(&run, "R2"), 0.0);
    // max_added 20: 20 built (1,000), 120 t at 10 (6,000), 30 t unmet (150,000):
    // 6,000 + 6,000 + 1,000 + 150,000 = 163,000.
    let (run, total) = horizon_with("[[set]]\ntable = \"expansion\"\nmax_added = 20\n");
    assert_total("max_added 20", total, 163_000.0);
    assert!(close(added(&run, "R2"), 20.0, 1e-9));
    // Back to unlimited, then scaled: unlimited stays unlimited.
    let (run, total) = horizon_with(
        "[[set]]\ntable = \"expansion\"\nmax_added = 20\n\n[[set]]\ntable = \"expansion\"\nmax_added = \"unlimited\"\n\n[[scale]]\ntable = \"expansion\"\nmax_added = 0.5\n",
    );
    assert_eq!(expansion_row(&run).max_added, None);
    assert_total("unlimited again", total, 16_000.0);
}

#[test]
fn scale_set_and_add_the_costs_of_an_option() {
    // capex x 2: 200 / 10 x 5 = 100 per t, still below the penalty:
    // 6,000 + 7,500 + 50 x 100 = 18,500.
    let (run, total) =
        horizon_with("[[scale]]\ntable = \"expansion\"\nwhere = { node = \"R2\" }\ncapex = 2\n");
    assert_eq!(expansion_row(&run).capex, 200.0);
    assert_total("capex x 2", total, 18_500.0);
    // lifetime x 2 = 20: 100 / 20 x 5 = 25 per t: 6,000 + 7,500 + 1,250 = 14,750.
    let (run, total) = horizon_with("[[scale]]\ntable = \"expansion\"\nlifetime = 2\n");
    assert_eq!(expansion_row(&run).lifetime, 20.0);
    assert_total("lifetime x 2", total, 14_750.0);
    // A blank fixed_cost counts as 0: + 4 per t per year, 50 x 4 x 5 = 1,000: 17,000.
    let (run, total) = horizon_with("[[add]]\ntable = \"expansion\"\nfixed_cost = 4\n");
    assert_eq!(expansion_row(&run).fixed_cost, 4.0);
    assert_eq!(
        field_changes(&run.loaded.changes),
        [fc("expansion R2 x", "fixed_cost", "(blank)", "4")]
    );
    assert_total("fixed_cost + 4", total, 17_000.0);
    // A blank fixed_cost scaled is still 0: it stays blank, and no change is listed.
    let (run, _) = horizon_with("[[scale]]\ntable = \"expansion\"\nfixed_cost = 3\n");
    assert_eq!(expansion_row(&run).fixed_cost, 0.0);
    assert!(run.loaded.changes.is_empty(), "{:?}", run.loaded.changes);
    // capex set to 10,000: a t built costs 10,000 / 10 x 5 = 5,000 plus 50
    // of operating, against 5,000 of penalty left unmet: nothing is built,
    // and the total is that of max_added 0, 261,000.
    let (_, total) = horizon_with("[[set]]\ntable = \"expansion\"\ncapex = 10000\n");
    assert_total("capex 10,000", total, 261_000.0);
}

#[test]
fn first_year_is_set_or_moved_not_scaled() {
    // Set to the first period: available from 2024 too; 2024 does not need
    // it, so the optimum is unchanged.
    let (run, total) = horizon_with("[[set]]\ntable = \"expansion\"\nfirst_year = 2024\n");
    assert_eq!(expansion_row(&run).first_year, 2024);
    assert_eq!(
        field_changes(&run.loaded.changes),
        [fc("expansion R2 x", "first_year", "2030", "2024")]
    );
    assert_total("first_year 2024", total, 16_000.0);
    // [[add]] moves it: 2030 + 5 = 2035, after the last period, which
    // validation refuses at the expansion row.
    let (e, _, _f) = horizon_err("[[add]]\ntable = \"expansion\"\nfirst_year = 5\n");
    assert!(e.contains("expansion.csv:2"), "{e}");
    assert!(e.contains("2035"), "{e}");
    // [[add]] to a blank first_year starts from the first period's year.
    let (run, total) = horizon_with(
        "[[set]]\ntable = \"expansion\"\nfirst_year = 2024\n\n[[add]]\ntable = \"expansion\"\nfirst_year = 6\n",
    );
    assert_eq!(expansion_row(&run).first_year, 2030);
    assert_total("first_year 2024 + 6", total, 16_000.0);
    for (text, want) in [
        (
            "[[scale]]\ntable = \"expansion\"\nfirst_year = 2\n",
            "first_year cannot be scaled",
        ),
        (
            "[[set]]\ntable = \"expansion\"\nfirst_year = 2030.5\n",
            "first_year = 2030.5 is not a whole number",
        ),
        (
            "[[add]]\ntable = \"expansion\"\nfirst_year = -3000\n",
            "first_year would become",
        ),
        (
            "[[set]]\ntable = \"expansion\"\nlifetime = 0\n",
            "lifetime would become 0, which is not above 0",
        ),
        (
            "[[set]]\ntable = \"expansion\"\nmax_added = \"lots\"\n",
            "max_added = \"lots\" is not a number (\"unlimited\" is allowed only for a capacity or max_added, with [[set]])",
        ),
        (
            "[[set]]\ntable = \"expansion\"\ncapacity = 3\n",
            "expansion rows have no field `capacity` (they have: max_added, capex, fixed_cost, first_year, lifetime)",
        ),
        (
            "[[set]]\ntable = \"expansion\"\nwhere = { year = 2030 }\ncapex = 3\n",
            "`where` keys year do not apply to expansion rows",
        ),
        (
            "[[set]]\ntable = \"expansion\"\nwhere = { node = \"R1\" }\ncapex = 3\n",
            "selects no row of expansion",
        ),
    ] {
        let (e, s, _f) = horizon_err(text);
        assert!(e.contains(want), "{text}\nexpected {want:?} in:\n{e}");
        assert!(
            e.contains(&format!("{}:1:", s.display())),
            "{text}: the error names the scenario line:\n{e}"
        );
    }
}

#[test]
fn remove_and_insert_expansion_rows() {
    // No option: 261,000 as with max_added 0.
    let (run, total) =
        horizon_with("[[remove]]\ntable = \"expansion\"\nwhere = { country = \"BBB\" }\n");
    assert!(run
        .loaded
        .model
        .horizon
        .as_deref()
        .is_some_and(|h| h.expansions.is_empty()));
    assert!(matches!(
        run.loaded.changes.as_slice(),
        [Change::Removed { what, .. }] if what == "expansion R2 x"
    ));
    assert_total("no option", total, 261_000.0);
    // Removed, then inserted inline with capex 50: 50 / 10 x 5 = 25 per t:
    // 6,000 + 7,500 + 1,250 = 14,750.
    let text = "[[remove]]\ntable = \"expansion\"\n\n[[insert]]\ntable = \"expansion\"\nrows = [{ node = \"R2\", commodity = \"x\", capex = 50, first_year = 2030, lifetime = 10 }]\n";
    let (run, total) = horizon_with(text);
    assert_eq!(expansion_row(&run).capex, 50.0);
    assert_total("inserted inline", total, 14_750.0);
    // From a CSV file next to the scenario, with max_added 10: 10 built
    // (250), 110 t at 10 (5,500), 40 t unmet (200,000): 6,000 + 205,750 = 211,750.
    let f = Files::new();
    f.put(
        "options.csv",
        "node,commodity,max_added,capex,fixed_cost,first_year,lifetime\nR2,x,10,50,,2030,10\n",
    );
    let s = f.put(
        "s.toml",
        "[[remove]]\ntable = \"expansion\"\n\n[[insert]]\ntable = \"expansion\"\nfile = \"options.csv\"\n",
    );
    let run = pipeline::run(&with_scenarios(&periods_model(), &[s])).expect("solves");
    match run.loaded.changes.last() {
        Some(Change::Added { row, what, .. }) => {
            assert!(row.to_string().ends_with("options.csv:2"), "{row}");
            assert_eq!(what, "expansion R2 x");
        }
        other => panic!("{other:?}"),
    }
    let total = run.horizon.as_ref().map(|h| h.total_cost).unwrap_or(0.0);
    assert_total("inserted from csv", total, 211_750.0);
    // An inserted row is validated like expansion.csv's: a bad lifetime
    // names the CSV's line and column, a node without a row is refused.
    f.put(
        "bad.csv",
        "node,commodity,max_added,capex,fixed_cost,first_year,lifetime\nR2,x,,50,,2030,0\n",
    );
    let s = f.put(
        "bad.toml",
        "[[insert]]\ntable = \"expansion\"\nfile = \"bad.csv\"\n",
    );
    let e = load_err(&periods_model(), &[s]);
    assert!(e.contains("bad.csv:2:") && e.contains("not above 0"), "{e}");
    let (e, s, _f) = horizon_err(
        "[[insert]]\ntable = \"expansion\"\nrows = [{ node = \"R2\", commodity = \"x\", capex = 50, lifetime = 10, lead = 3 }]\n",
    );
    assert!(
        e.contains(&format!("{}:3:", s.display())) && e.contains("unknown column `lead`"),
        "{e}"
    );
}

#[test]
fn expansion_needs_a_model_with_periods() {
    for text in [
        "[[set]]\ntable = \"expansion\"\nmax_added = 0\n",
        "[[remove]]\ntable = \"expansion\"\n",
        "[[insert]]\ntable = \"expansion\"\nrows = [{ node = \"AUS-mine\", commodity = \"li\", capex = 50 }]\n",
    ] {
        let f = Files::new();
        let s = f.put("s.toml", text);
        let e = load_err(&tiny("mining-cap"), std::slice::from_ref(&s));
        assert!(
            e.contains(&format!("{}:1:", s.display()))
                && e.contains("table \"expansion\" is for a multi-period model, and this model.toml has no [periods]"),
            "{text}\n{e}"
        );
    }
}

#[test]
fn diff_shows_expansion_changes() {
    let f = Files::new();
    let s = f.put(
        "e.toml",
        "[[set]]\ntable = \"expansion\"\nmax_added = 20\n\n[[scale]]\ntable = \"expansion\"\ncapex = 1.5\n\n[[remove]]\ntable = \"expansion\"\nwhere = { node = \"R2\" }\n",
    );
    let out = sourcemix()
        .args(["diff", "tests/models/periods-cli", "--scenario"])
        .arg(&s)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = s.display();
    let expected = [
        format!("~ tests/models/periods-cli/expansion.csv:2 expansion R2 x: max_added (blank) -> 20   ({s}:1:1)"),
        format!("~ tests/models/periods-cli/expansion.csv:2 expansion R2 x: capex 100 -> 150   ({s}:5:1)"),
        format!("- tests/models/periods-cli/expansion.csv:2 expansion R2 x   ({s}:9:1)"),
        "3 changes".to_string(),
    ];
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        expected.iter().map(String::as_str).collect::<Vec<_>>()
    );
}
