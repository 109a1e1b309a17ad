//! Multi-period models (contract section 10), as far as loading and
//! validation go: `[periods]`, the `year` column and its replace-per-period
//! rule, reserves and stocks as budgets, expansion.csv, policy years, and
//! every error and warning with its file, line and column. A model without
//! `[periods]` loads as before (the golden files check its answers).

use std::path::Path;

use sourcemix::diagnostics::{Column, Diagnostic, Diagnostics, Severity};
use sourcemix::model::{BudgetKind, Model};
use sourcemix::pipeline::{self, Request};

/// A small model over 2024, 2030 and 2035. The line of each row is noted:
/// the tests below name rows by line.
const MODEL_TOML: &str = r#"name = "periods-base"
currency = "USD"

[defaults]
shortfall_penalty = 1000

[periods]
years = [2024, 2030, 2035]
last_span = 5
discount_rate = 0.05
default_lifetime = 20

[[commodity]]
id = "li"
name = "Lithium"
unit = "t"

[[commodity]]
id = "co"
name = "Cobalt"
unit = "t"

[[policy]]
name = "cap"
type = "max_share"
stage = "mining"
commodity = "li"
scope = "each"
from = "each"
share = 0.6
from_year = 2030
"#;

const COUNTRIES: &str = "code,name,groups,risk
AUS,Australia,,
CHN,China,,
JPN,Japan,G7,
";

const NODES: &str = "id,name,kind,country
AUS-mine,Australian mine,mine,AUS
CHN-mine,Chinese mine,mine,CHN
JPN-stock,Japanese stockpile,stockpile,JPN
CHN-ref,Chinese refinery,refiner,CHN
JPN-ref,Japanese refinery,refiner,JPN
JPN-hub,Japanese port,hub,JPN
JPN-use,Japanese users,consumer,JPN
";

const SUPPLY: &str = "node,commodity,capacity,cost,stock,reserve,year
AUS-mine,li,100,16,,500,
AUS-mine,li,150,16,,500,2030
CHN-mine,li,,10,,,
JPN-stock,li,30,15,60,,
AUS-mine,co,50,20,,,
";

const REFINING: &str = "node,commodity,capacity,cost,yield,year
CHN-ref,li,,2,,
CHN-ref,co,,3,,
JPN-ref,li,0,4,,
";

const DEMAND: &str = "node,commodity,demand,penalty,year
JPN-use,li,100,,
JPN-use,li,200,,2035
JPN-use,co,10,,2030
";

const ROUTES: &str = "from,to,commodity,cost,capacity,year
AUS-mine,CHN-ref,*,2,,
CHN-mine,CHN-ref,li,1,,
CHN-ref,JPN-use,*,1,,
JPN-stock,JPN-use,li,1,,
AUS-mine,JPN-ref,li,3,,
JPN-ref,JPN-use,li,1,,
CHN-mine,CHN-ref,li,1,5,2035
AUS-mine,CHN-ref,li,9,,2030
";

const EXPANSION: &str = "node,commodity,max_added,capex,fixed_cost,first_year,lifetime
JPN-ref,li,50,1000,,2030,
AUS-mine,li,,500,10,,15
";

/// The files of the base model, by name.
fn base() -> Vec<(&'static str, String)> {
    [
        ("model.toml", MODEL_TOML),
        ("countries.csv", COUNTRIES),
        ("nodes.csv", NODES),
        ("supply.csv", SUPPLY),
        ("refining.csv", REFINING),
        ("demand.csv", DEMAND),
        ("routes.csv", ROUTES),
        ("expansion.csv", EXPANSION),
    ]
    .into_iter()
    .map(|(n, t)| (n, t.to_string()))
    .collect()
}

/// Replaces the text of file `name` (`None`: removes the file).
fn with(
    mut files: Vec<(&'static str, String)>,
    name: &str,
    text: Option<&str>,
) -> Vec<(&'static str, String)> {
    files.retain(|(n, _)| *n != name);
    if let Some(text) = text {
        let name: &'static str = Box::leak(name.to_string().into_boxed_str());
        files.push((name, text.to_string()));
    }
    files
}

/// Appends `line` to file `name`.
fn append(
    files: Vec<(&'static str, String)>,
    name: &str,
    line: &str,
) -> Vec<(&'static str, String)> {
    let text = files
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| format!("{t}{line}\n"))
        .unwrap_or_else(|| panic!("no file {name}"));
    with(files, name, Some(&text))
}

/// Loads the files from a temporary folder.
fn load(files: &[(&'static str, String)]) -> Result<(Model, Diagnostics), Diagnostics> {
    let dir = tempfile::tempdir().expect("a temp dir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("writes");
    }
    pipeline::load(&Request::folder(dir.path())).map(|l| (l.model, l.warnings))
}

fn loads(files: &[(&'static str, String)]) -> (Model, Diagnostics) {
    match load(files) {
        Ok(x) => x,
        Err(diags) => panic!("should load:\n{diags}"),
    }
}

fn fails(files: &[(&'static str, String)]) -> Diagnostics {
    match load(files) {
        Ok(_) => panic!("should not load"),
        Err(diags) => diags,
    }
}

/// Where a diagnostic is expected: file name, line, and the CSV column name
/// or TOML character column.
#[derive(Debug)]
enum Col {
    Named(&'static str),
    Char(usize),
    None,
}

fn matches(d: &Diagnostic, file: &str, line: Option<usize>, col: &Col, text: &str) -> bool {
    let column_ok = match (col, &d.location.column) {
        (Col::Named(n), Some(Column::Named(m))) => n == m,
        (Col::Char(n), Some(Column::Char(m))) => n == m,
        (Col::None, None) => true,
        _ => false,
    };
    Path::new(&d.location.file)
        .file_name()
        .and_then(|f| f.to_str())
        == Some(file)
        && d.location.line == line
        && column_ok
        && d.message.contains(text)
}

#[track_caller]
fn assert_diag(
    diags: &Diagnostics,
    severity: Severity,
    file: &str,
    line: Option<usize>,
    col: Col,
    text: &str,
) {
    let found = diags
        .sorted()
        .into_iter()
        .filter(|d| d.severity == severity)
        .filter(|d| matches(d, file, line, &col, text))
        .count();
    assert_eq!(
        found, 1,
        "expected one {severity:?} at {file}:{line:?} {col:?} containing {text:?}; got:\n{diags}"
    );
}

#[track_caller]
fn assert_error(diags: &Diagnostics, file: &str, line: usize, col: Col, text: &str) {
    assert_diag(diags, Severity::Error, file, Some(line), col, text);
}

#[track_caller]
fn assert_warning(diags: &Diagnostics, file: &str, line: usize, col: Col, text: &str) {
    assert_diag(diags, Severity::Warning, file, Some(line), col, text);
}

fn lines_of<'a>(ats: impl Iterator<Item = &'a sourcemix::diagnostics::RowRef>) -> Vec<usize> {
    ats.map(|at| at.line).collect()
}

// ------------------------------------------------------------- the base model

#[test]
fn the_base_model_loads_without_warnings() {
    let (model, warnings) = loads(&base());
    assert!(warnings.is_empty(), "{warnings}");
    let h = model.horizon.as_ref().expect("a horizon");
    let years: Vec<i32> = h.periods.iter().map(|p| p.year).collect();
    assert_eq!(years, [2024, 2030, 2035]);
    let spans: Vec<u32> = h.periods.iter().map(|p| p.span).collect();
    assert_eq!(spans, [6, 5, 5]);
    // W_1 = sum over 2024..=2029 of 1.05^-(y - 2024).
    let w1: f64 = (0..6).map(|t| 1.05f64.powi(-t)).sum();
    assert!((h.periods[0].weight - w1).abs() < 1e-12);
    assert_eq!(h.discount_rate, 0.05);
    assert_eq!(h.default_lifetime, 20.0);
    assert_eq!(h.line, Some(7));
    assert_eq!(h.models.len(), 3);
    assert!(h.models.iter().all(|m| m.horizon.is_none()));
    assert!(h
        .models
        .iter()
        .all(|m| m.nodes.len() == model.nodes.len() && m.commodities.len() == 2));
}

#[test]
fn a_year_row_replaces_the_blank_row_of_its_key_in_its_period_only() {
    let (model, _) = loads(&base());
    let h = model.horizon.as_ref().expect("a horizon");
    let supply: Vec<Vec<usize>> = h
        .models
        .iter()
        .map(|m| lines_of(m.supply.iter().map(|s| &s.at)))
        .collect();
    // Line 3 (AUS-mine li, 2030) replaces line 2 in 2030 only.
    assert_eq!(
        supply,
        [vec![2, 4, 5, 6], vec![3, 4, 5, 6], vec![2, 4, 5, 6]]
    );
    assert_eq!(h.models[1].supply[0].capacity, Some(150.0));
    assert_eq!(h.models[2].supply[0].capacity, Some(100.0));
    let demand: Vec<Vec<usize>> = h
        .models
        .iter()
        .map(|m| lines_of(m.demand.iter().map(|d| &d.at)))
        .collect();
    // Cobalt demand has a 2030 row only: absent in 2024 and 2035.
    assert_eq!(demand, [vec![2], vec![2, 4], vec![3]]);
    assert_eq!(h.models[2].demand[0].demand, 200.0);
    let refining: Vec<Vec<usize>> = h
        .models
        .iter()
        .map(|m| lines_of(m.refining.iter().map(|r| &r.at)))
        .collect();
    assert_eq!(refining, vec![vec![2, 3, 4]; 3]);
}

#[test]
fn routes_replace_by_the_cells_as_written() {
    let (model, _) = loads(&base());
    let h = model.horizon.as_ref().expect("a horizon");
    let rows = |m: &Model| {
        let mut lines = lines_of(m.routes.iter().map(|r| &r.at));
        lines.dedup();
        lines
    };
    // 2030: the `li` row of line 9 does not replace the `*` row of line 2
    // (a parallel edge); 2035: line 8 replaces line 3.
    assert_eq!(rows(&h.models[0]), [2, 3, 4, 5, 6, 7]);
    assert_eq!(rows(&h.models[1]), [2, 3, 4, 5, 6, 7, 9]);
    assert_eq!(rows(&h.models[2]), [2, 4, 5, 6, 7, 8]);
    // A `*` row is one edge per commodity in every period.
    assert_eq!(h.models[0].routes.len(), 8);
    assert_eq!(
        h.models[2]
            .routes
            .iter()
            .find(|r| r.at.line == 8)
            .and_then(|r| r.capacity),
        Some(5.0)
    );
}

#[test]
fn the_top_level_tables_are_those_of_the_first_period() {
    let (model, _) = loads(&base());
    let h = model.horizon.as_ref().expect("a horizon");
    let first = &h.models[0];
    assert_eq!(
        lines_of(model.supply.iter().map(|s| &s.at)),
        lines_of(first.supply.iter().map(|s| &s.at))
    );
    assert_eq!(
        lines_of(model.demand.iter().map(|s| &s.at)),
        lines_of(first.demand.iter().map(|s| &s.at))
    );
    assert_eq!(model.routes.len(), first.routes.len());
    assert_eq!(model.policies.len(), first.policies.len());
}

#[test]
fn policies_apply_in_the_years_of_their_window() {
    let (model, _) = loads(&base());
    let h = model.horizon.as_ref().expect("a horizon");
    let names: Vec<Vec<&str>> = h
        .models
        .iter()
        .map(|m| m.policies.iter().map(|p| p.name.as_str()).collect())
        .collect();
    assert_eq!(names, [vec![], vec!["cap"], vec!["cap"]]);
    let cap = &h.models[1].policies[0];
    assert_eq!((cap.from_year, cap.until_year), (Some(2030), None));
    assert!(!cap.applies_in(2024) && cap.applies_in(2035));
}

#[test]
fn reserves_and_stocks_are_budgets_over_the_horizon() {
    let (model, _) = loads(&base());
    let h = model.horizon.as_ref().expect("a horizon");
    let budgets: Vec<(&str, &str, BudgetKind, f64, usize)> = h
        .budgets
        .iter()
        .map(|b| {
            (
                model.node(b.node).id.as_str(),
                model.commodity(b.commodity).id.as_str(),
                b.kind,
                b.amount,
                b.at.line,
            )
        })
        .collect();
    assert_eq!(
        budgets,
        [
            ("AUS-mine", "li", BudgetKind::Reserve, 500.0, 2),
            ("JPN-stock", "li", BudgetKind::Stock, 60.0, 5),
        ]
    );
}

#[test]
fn expansion_blanks_take_their_defaults() {
    let (model, _) = loads(&base());
    let h = model.horizon.as_ref().expect("a horizon");
    let e = &h.expansions;
    assert_eq!(e.len(), 2);
    assert_eq!(model.node(e[0].node).id, "JPN-ref");
    assert_eq!(
        (
            e[0].max_added,
            e[0].capex,
            e[0].fixed_cost,
            e[0].first_year,
            e[0].lifetime
        ),
        (Some(50.0), 1000.0, 0.0, 2030, 20.0)
    );
    assert_eq!(model.node(e[1].node).id, "AUS-mine");
    assert_eq!(
        (
            e[1].max_added,
            e[1].capex,
            e[1].fixed_cost,
            e[1].first_year,
            e[1].lifetime
        ),
        (None, 500.0, 10.0, 2024, 15.0)
    );
    assert_eq!(e[1].at.line, 3);
}

#[test]
fn parallel_routes_of_the_same_key_and_year_are_allowed() {
    let files = append(base(), "routes.csv", "CHN-mine,CHN-ref,li,2,7,2035");
    let (model, _) = loads(&files);
    let h = model.horizon.as_ref().expect("a horizon");
    let from_chn_mine: Vec<usize> = h.models[2]
        .routes
        .iter()
        .filter(|r| model.node(r.from).id == "CHN-mine")
        .map(|r| r.at.line)
        .collect();
    assert_eq!(from_chn_mine, [8, 10]);
}

// ------------------------------------------------------------- errors

#[test]
fn a_year_that_is_not_a_period_is_an_error() {
    let files = append(base(), "supply.csv", "CHN-mine,li,5,1,,,2031");
    let files = append(files, "routes.csv", "CHN-mine,CHN-ref,li,1,,2020");
    let files = append(files, "demand.csv", "JPN-use,co,5,,2030.5");
    let diags = fails(&files);
    assert_error(
        &diags,
        "supply.csv",
        7,
        Col::Named("year"),
        "year 2031 is not a period (the periods of [periods] are 2024, 2030 and 2035)",
    );
    assert_error(
        &diags,
        "routes.csv",
        10,
        Col::Named("year"),
        "year 2020 is not a period",
    );
    assert_error(
        &diags,
        "demand.csv",
        5,
        Col::Named("year"),
        "\"2030.5\" is not a year",
    );
    assert_eq!(diags.errors().count(), 3, "{diags}");
    // A row with a wrong year stays, so that nothing else is reported about it.
    assert_eq!(diags.warnings().count(), 0, "{diags}");
}

#[test]
fn duplicate_key_and_year_rows_are_errors() {
    let files = append(base(), "supply.csv", "AUS-mine,li,170,16,,500,2030");
    let files = append(files, "refining.csv", "CHN-ref,li,5,2,,");
    let files = append(files, "demand.csv", "JPN-use,li,300,,2035");
    let diags = fails(&files);
    assert_error(
        &diags,
        "supply.csv",
        7,
        Col::Named("node"),
        "a second row for the same node, commodity and year 2030 (the first is at ",
    );
    assert_error(
        &diags,
        "refining.csv",
        5,
        Col::Named("node"),
        "a second row for the same node and commodity (the first is at ",
    );
    assert_error(
        &diags,
        "demand.csv",
        5,
        Col::Named("node"),
        "a second row for the same node, commodity and year 2035",
    );
    assert_eq!(diags.errors().count(), 3, "{diags}");
}

#[test]
fn an_expansion_of_a_node_that_cannot_expand_is_an_error() {
    let files = append(base(), "expansion.csv", "JPN-stock,li,,100,,,");
    let files = append(files, "expansion.csv", "JPN-hub,li,,100,,,");
    let files = append(files, "expansion.csv", "JPN-use,li,,100,,,");
    let diags = fails(&files);
    assert_error(&diags, "expansion.csv", 4, Col::Named("node"), "node \"JPN-stock\" is a stockpile; expansion.csv rows are for mine / recycler / refiner nodes only");
    assert_error(&diags, "expansion.csv", 5, Col::Named("node"), "is a hub");
    assert_error(
        &diags,
        "expansion.csv",
        6,
        Col::Named("node"),
        "is a consumer",
    );
    assert_eq!(diags.errors().count(), 3, "{diags}");
}

#[test]
fn an_expansion_needs_a_row_in_some_period() {
    let files = append(base(), "expansion.csv", "JPN-ref,co,,100,,,");
    let files = append(files, "expansion.csv", "CHN-mine,co,,100,,,");
    let diags = fails(&files);
    assert_error(
        &diags,
        "expansion.csv",
        4,
        Col::Named("commodity"),
        "node \"JPN-ref\" has no refining.csv row for co in any period",
    );
    assert_error(
        &diags,
        "expansion.csv",
        5,
        Col::Named("commodity"),
        "node \"CHN-mine\" has no supply.csv row for co in any period",
    );
    assert_eq!(diags.errors().count(), 2, "{diags}");
    // A row for one period only is enough.
    let files = append(base(), "refining.csv", "JPN-ref,co,0,4,,2035");
    let files = append(files, "expansion.csv", "JPN-ref,co,,100,,,");
    let (model, _) = loads(&files);
    assert_eq!(model.horizon.expect("a horizon").expansions.len(), 3);
}

#[test]
fn duplicate_and_unknown_expansion_rows_are_errors() {
    let files = append(base(), "expansion.csv", "JPN-ref,li,10,900,,,");
    let files = append(files, "expansion.csv", "JPN-reff,li,10,900,,,");
    let files = append(files, "expansion.csv", "AUS-mine,lithium,10,900,,,");
    let diags = fails(&files);
    assert_error(
        &diags,
        "expansion.csv",
        4,
        Col::Named("node"),
        "a second expansion row for the same node and commodity (the first is at ",
    );
    assert_error(
        &diags,
        "expansion.csv",
        5,
        Col::Named("node"),
        "unknown node \"JPN-reff\"",
    );
    assert_error(
        &diags,
        "expansion.csv",
        5,
        Col::Named("node"),
        "did you mean \"JPN-ref\"",
    );
    assert_error(
        &diags,
        "expansion.csv",
        6,
        Col::Named("commodity"),
        "unknown commodity \"lithium\"",
    );
    assert_eq!(diags.errors().count(), 3, "{diags}");
}

#[test]
fn bad_expansion_numbers_are_errors() {
    let files = with(
        base(),
        "expansion.csv",
        Some(
            "node,commodity,max_added,capex,fixed_cost,first_year,lifetime
JPN-ref,li,NaN,1000,,2036,0
AUS-mine,li,inf,-5,1e400,,-3
CHN-ref,li,,,,2030.5,x
",
        ),
    );
    let diags = fails(&files);
    assert_error(
        &diags,
        "expansion.csv",
        2,
        Col::Named("max_added"),
        "is NaN",
    );
    assert_error(
        &diags,
        "expansion.csv",
        2,
        Col::Named("first_year"),
        "first_year 2036 is after the last period (2035)",
    );
    assert_error(
        &diags,
        "expansion.csv",
        2,
        Col::Named("lifetime"),
        "\"0\" is not above 0; a lifetime is a number of years above 0",
    );
    assert_error(
        &diags,
        "expansion.csv",
        3,
        Col::Named("max_added"),
        "is infinite",
    );
    assert_error(
        &diags,
        "expansion.csv",
        3,
        Col::Named("capex"),
        "is negative",
    );
    assert_error(
        &diags,
        "expansion.csv",
        3,
        Col::Named("fixed_cost"),
        "\"1e400\"",
    );
    assert_error(
        &diags,
        "expansion.csv",
        3,
        Col::Named("lifetime"),
        "\"-3\" is not above 0",
    );
    assert_error(
        &diags,
        "expansion.csv",
        4,
        Col::Named("capex"),
        "is blank; a number is required",
    );
    assert_error(
        &diags,
        "expansion.csv",
        4,
        Col::Named("first_year"),
        "\"2030.5\" is not a year",
    );
    assert_error(
        &diags,
        "expansion.csv",
        4,
        Col::Named("lifetime"),
        "\"x\" is not a number",
    );
    assert_eq!(diags.errors().count(), 10, "{diags}");
}

#[test]
fn a_budget_has_one_value_per_node_and_commodity() {
    let files = with(
        base(),
        "supply.csv",
        Some(
            "node,commodity,capacity,cost,stock,reserve,year
AUS-mine,li,100,16,,500,
AUS-mine,li,150,16,,600,2030
AUS-mine,li,150,16,,,2035
CHN-mine,li,,10,,,
JPN-stock,li,30,15,60,,
JPN-stock,li,30,15,70,,2035
JPN-stock,li,,15,,8,2030
AUS-mine,co,50,20,,,
",
        ),
    );
    let diags = fails(&files);
    assert_error(
        &diags,
        "supply.csv",
        3,
        Col::Named("reserve"),
        "reserve 600 differs from the reserve 500 given at ",
    );
    assert_error(
        &diags,
        "supply.csv",
        3,
        Col::Named("reserve"),
        "supply.csv:2 for the same node and commodity",
    );
    assert_error(
        &diags,
        "supply.csv",
        7,
        Col::Named("stock"),
        "stock 70 differs from the stock 60 given at ",
    );
    assert_error(
        &diags,
        "supply.csv",
        8,
        Col::Named("reserve"),
        "node \"JPN-stock\" is a stockpile; only mine rows have a reserve",
    );
    assert_eq!(diags.errors().count(), 3, "{diags}");
}

#[test]
fn periods_table_errors_name_line_and_column() {
    let toml = MODEL_TOML.replace(
        "years = [2024, 2030, 2035]\nlast_span = 5\ndiscount_rate = 0.05\ndefault_lifetime = 20",
        "years = [2024, 2030, 2030, \"2040\"]\nlast_span = 0\ndiscount_rate = -0.05\ndefault_lifetime = 0\nyear = 3",
    );
    let diags = fails(&with(base(), "model.toml", Some(&toml)));
    assert_error(
        &diags,
        "model.toml",
        8,
        Col::Char(22),
        "year 2030 does not come after 2030: years must be strictly increasing",
    );
    assert_error(
        &diags,
        "model.toml",
        8,
        Col::Char(28),
        "`years` holds \"2040\", not a year",
    );
    assert_error(
        &diags,
        "model.toml",
        9,
        Col::Char(13),
        "last_span 0 is not a number of years in 1..=1000",
    );
    assert_error(
        &diags,
        "model.toml",
        10,
        Col::Char(17),
        "discount_rate -0.05 is not a finite number of 0 or more",
    );
    assert_error(
        &diags,
        "model.toml",
        11,
        Col::Char(20),
        "default_lifetime 0 is not a number of years above 0",
    );
    assert_error(
        &diags,
        "model.toml",
        12,
        Col::Char(1),
        "unknown field `year` in [periods]; did you mean \"years\"?",
    );
}

#[test]
fn periods_needs_years_and_a_rate_above_one_is_a_warning() {
    let toml = MODEL_TOML.replace("years = [2024, 2030, 2035]\n", "");
    let diags = fails(&with(base(), "model.toml", Some(&toml)));
    assert_error(
        &diags,
        "model.toml",
        7,
        Col::Char(2),
        "[periods] is missing the required key `years`",
    );
    let toml = MODEL_TOML.replace("years = [2024, 2030, 2035]", "years = []");
    let diags = fails(&with(base(), "model.toml", Some(&toml)));
    assert_error(
        &diags,
        "model.toml",
        8,
        Col::Char(9),
        "years is an empty list",
    );
    let toml = MODEL_TOML.replace("discount_rate = 0.05", "discount_rate = 5");
    let (_, warnings) = loads(&with(base(), "model.toml", Some(&toml)));
    assert_warning(
        &warnings,
        "model.toml",
        10,
        Col::Char(17),
        "discount_rate 5 is 500% a year; a rate is a fraction (0.05 is 5%)",
    );
}

#[test]
fn the_defaults_of_periods() {
    let toml = MODEL_TOML.replace(
        "last_span = 5\ndiscount_rate = 0.05\ndefault_lifetime = 20\n",
        "",
    );
    let (model, _) = loads(&with(base(), "model.toml", Some(&toml)));
    let h = model.horizon.expect("a horizon");
    assert_eq!(h.periods.last().map(|p| p.span), Some(5));
    assert_eq!(h.discount_rate, 0.0);
    assert_eq!(h.default_lifetime, 25.0);
    assert_eq!(h.expansions[0].lifetime, 25.0);
    let weights: Vec<f64> = h.periods.iter().map(|p| p.weight).collect();
    assert_eq!(weights, [6.0, 5.0, 5.0]);
}

#[test]
fn policy_years_are_checked() {
    let toml = MODEL_TOML.replace("from_year = 2030", "from_year = 2030\nuntil_year = 2029");
    let diags = fails(&with(base(), "model.toml", Some(&toml)));
    assert_error(
        &diags,
        "model.toml",
        32,
        Col::Char(14),
        "until_year 2029 is before from_year 2030",
    );
    let toml = MODEL_TOML.replace("from_year = 2030", "from_year = 2031\nuntil_year = 2034");
    let (model, warnings) = loads(&with(base(), "model.toml", Some(&toml)));
    assert_warning(&warnings, "model.toml", 23, Col::Char(1), "policy \"cap\" applies in no period: no year of [periods] (2024, 2030 and 2035) is in 2031..=2034");
    assert!(model
        .horizon
        .expect("a horizon")
        .models
        .iter()
        .all(|m| m.policies.is_empty()));
    let toml = MODEL_TOML.replace("from_year = 2030", "from_year = 2030.5");
    let diags = fails(&with(base(), "model.toml", Some(&toml)));
    assert_error(
        &diags,
        "model.toml",
        31,
        Col::Char(13),
        "`from_year` must be a whole number, found float",
    );
}

// ------------------------------------------------------------- warnings

#[test]
fn an_expansion_where_capacity_is_unlimited_is_pointless() {
    let files = append(base(), "expansion.csv", "CHN-mine,li,,100,,,");
    let files = append(files, "expansion.csv", "CHN-ref,co,,100,,2030,");
    let (_, warnings) = loads(&files);
    assert_warning(&warnings, "expansion.csv", 4, Col::Named("node"), "node \"CHN-mine\" has an unlimited (blank) capacity for li in every period from 2024 on: adding capacity there is pointless");
    assert_warning(
        &warnings,
        "expansion.csv",
        5,
        Col::Named("node"),
        "from 2030 on",
    );
    // A limited capacity in one usable period is enough to make it useful.
    let files = append(base(), "supply.csv", "CHN-mine,li,40,10,,,2035");
    let files = append(files, "expansion.csv", "CHN-mine,li,,100,,,");
    let (_, warnings) = loads(&files);
    assert!(warnings.is_empty(), "{warnings}");
}

#[test]
fn an_expansion_that_could_never_produce_is_a_warning() {
    let files = append(base(), "refining.csv", "JPN-ref,co,0,4,,2024");
    let files = append(files, "expansion.csv", "JPN-ref,co,,100,,2030,");
    let (_, warnings) = loads(&files);
    assert_warning(&warnings, "expansion.csv", 4, Col::Named("node"), "node \"JPN-ref\" has no refining.csv row for co in any period from 2030 on: capacity added there could never be used");
}

#[test]
fn a_route_problem_of_some_periods_is_reported_once_naming_them() {
    // Cobalt demand exists in 2030 only: an explicit cobalt route to the
    // consumer is unused in 2024 and 2035.
    let files = append(base(), "routes.csv", "CHN-ref,JPN-use,co,4,,");
    // A cobalt route into JPN-ref, which never refines cobalt: unused in
    // every period, reported without years, as in a one-year model.
    let files = append(files, "routes.csv", "AUS-mine,JPN-ref,co,4,,");
    let (_, warnings) = loads(&files);
    assert_warning(&warnings, "routes.csv", 10, Col::Named("commodity"), "route carries co to consumer \"JPN-use\", which has no demand.csv row for co in 2024 and 2035: the route is unused in 2024 and 2035");
    assert_warning(&warnings, "routes.csv", 11, Col::Named("commodity"), "route carries co into refiner \"JPN-ref\", which has no refining.csv row for co: the route is unused");
    assert_eq!(warnings.warnings().count(), 2, "{warnings}");
}

// ------------------------------------------------------------- without [periods]

/// The base model without `[periods]`, its year and reserve cells blank,
/// no from_year, no expansion.csv: a valid one-year model.
fn one_year() -> Vec<(&'static str, String)> {
    let toml = MODEL_TOML
        .replace("[periods]\nyears = [2024, 2030, 2035]\nlast_span = 5\ndiscount_rate = 0.05\ndefault_lifetime = 20\n", "")
        .replace("from_year = 2030\n", "");
    let files = with(base(), "model.toml", Some(&toml));
    let files = with(files, "expansion.csv", None);
    let files = with(
        files,
        "supply.csv",
        Some("node,commodity,capacity,cost,stock,reserve,year\nAUS-mine,li,100,16,,,\nJPN-stock,li,30,15,60,,\n"),
    );
    let files = with(
        files,
        "demand.csv",
        Some("node,commodity,demand,penalty,year\nJPN-use,li,100,,\n"),
    );
    with(
        files,
        "routes.csv",
        Some("from,to,commodity,cost,capacity,year\nAUS-mine,CHN-ref,li,2,,\nCHN-ref,JPN-use,li,1,,\nJPN-stock,JPN-use,li,1,,\n"),
    )
}

#[test]
fn a_model_without_periods_keeps_stock_as_a_disruption_stock() {
    let (model, warnings) = loads(&one_year());
    assert!(warnings.is_empty(), "{warnings}");
    assert!(model.horizon.is_none());
    assert_eq!(model.supply[1].stock, Some(60.0));
    assert_eq!(lines_of(model.supply.iter().map(|s| &s.at)), [2, 3]);
    assert_eq!(model.policies.len(), 1);
    assert_eq!(
        (model.policies[0].from_year, model.policies[0].until_year),
        (None, None)
    );
}

#[test]
fn without_periods_every_part_of_section_10_is_an_error_saying_so() {
    let files = append(one_year(), "supply.csv", "CHN-mine,li,,10,,40,");
    let files = append(files, "demand.csv", "JPN-use,co,10,,2030");
    let files = append(files, "routes.csv", "CHN-mine,CHN-ref,li,1,,2024");
    let toml = files
        .iter()
        .find(|(n, _)| *n == "model.toml")
        .map(|(_, t)| t.replace("share = 0.6", "share = 0.6\nuntil_year = 2030"))
        .expect("model.toml");
    let files = with(files, "model.toml", Some(&toml));
    let files = with(files, "expansion.csv", Some(EXPANSION));
    let diags = fails(&files);
    assert_error(
        &diags,
        "supply.csv",
        4,
        Col::Named("reserve"),
        "a reserve (40) is given but model.toml has no [periods]",
    );
    assert_error(
        &diags,
        "demand.csv",
        3,
        Col::Named("year"),
        "year 2030 is given but model.toml has no [periods]",
    );
    assert_error(
        &diags,
        "routes.csv",
        5,
        Col::Named("year"),
        "year 2024 is given but model.toml has no [periods]",
    );
    assert_error(
        &diags,
        "model.toml",
        26,
        Col::Char(14),
        "until_year = 2030 is given but model.toml has no [periods]",
    );
    assert_diag(
        &diags,
        Severity::Error,
        "expansion.csv",
        None,
        Col::None,
        "expansion.csv is given but model.toml has no [periods]",
    );
    assert_eq!(diags.errors().count(), 5, "{diags}");
    assert!(diags
        .to_string()
        .contains("(hint: add [periods] with years = [...] to model.toml"));
}

#[test]
fn a_shipped_model_without_periods_is_unchanged() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/models/stockpile-cap");
    let loaded = pipeline::load(&Request::folder(&dir)).expect("loads");
    assert!(loaded.model.horizon.is_none());
    assert!(loaded.warnings.is_empty());
    assert_eq!(loaded.model.supply.len(), 3);
    assert_eq!(loaded.model.routes.len(), 4);
}

// ------------------------------------------------------------- scenarios

#[test]
fn a_scenario_inserts_rows_for_a_year_and_changes_rows_of_every_year() {
    let dir = tempfile::tempdir().expect("a temp dir");
    for (name, text) in base() {
        std::fs::write(dir.path().join(name), text).expect("writes");
    }
    let scenario = dir.path().join("later-cobalt.toml");
    std::fs::write(
        &scenario,
        r#"[[insert]]
table = "demand"
rows = [{ node = "JPN-use", commodity = "co", demand = 20, year = 2035 }]

[[insert]]
table = "supply"
rows = [{ node = "CHN-mine", commodity = "li", capacity = 5, cost = 10, reserve = 80, year = 2035 }]

[[scale]]
table = "supply"
where = { node = "AUS-mine", commodity = "li" }
capacity = 2
"#,
    )
    .expect("writes");
    let mut request = Request::folder(dir.path());
    request
        .scenarios
        .push(pipeline::ScenarioSource::File(scenario.clone()));
    let loaded = match pipeline::load(&request) {
        Ok(l) => l,
        Err(diags) => panic!("should load:\n{diags}"),
    };
    let model = loaded.model;
    let h = model.horizon.as_ref().expect("a horizon");
    let co_demand: Vec<Option<f64>> = h
        .models
        .iter()
        .map(|m| {
            m.demand
                .iter()
                .find(|d| model.commodity(d.commodity).id == "co")
                .map(|d| d.demand)
        })
        .collect();
    assert_eq!(co_demand, [None, Some(10.0), Some(20.0)]);
    // [[scale]] changed the AUS-mine li rows of every year.
    let aus_li: Vec<Option<f64>> = h.models.iter().map(|m| m.supply[0].capacity).collect();
    assert_eq!(aus_li, [Some(200.0), Some(300.0), Some(200.0)]);
    // The inserted row replaces CHN-mine's blank-year row in 2035 and
    // brings a reserve.
    let chn = h.models[2]
        .supply
        .iter()
        .find(|s| model.node(s.node).id == "CHN-mine")
        .expect("a CHN-mine row");
    assert_eq!(chn.capacity, Some(5.0));
    assert!(chn.at.file.ends_with("later-cobalt.toml"));
    assert!(h
        .budgets
        .iter()
        .any(|b| model.node(b.node).id == "CHN-mine" && b.amount == 80.0));
}

#[test]
fn a_scenario_filter_selects_rows_by_their_year_cell() {
    let dir = tempfile::tempdir().expect("a temp dir");
    for (name, text) in base() {
        std::fs::write(dir.path().join(name), text).expect("writes");
    }
    let load_with = |text: &str| {
        let scenario = dir.path().join("s.toml");
        std::fs::write(&scenario, text).expect("writes");
        let mut request = Request::folder(dir.path());
        request
            .scenarios
            .push(pipeline::ScenarioSource::File(scenario));
        pipeline::load(&request)
    };
    let loaded = load_with(
        "[[scale]]\ntable = \"demand\"\nwhere = { commodity = \"li\", year = 2035 }\ndemand = 1.5\n",
    )
    .unwrap_or_else(|d| panic!("should load:\n{d}"));
    let h = loaded.model.horizon.as_ref().expect("a horizon");
    let li: Vec<f64> = h.models.iter().map(|m| m.demand[0].demand).collect();
    // Only the row whose year cell is 2035 changes (the blank-year row
    // that holds in 2024 and 2030 does not).
    assert_eq!(li, [100.0, 100.0, 300.0]);
    let diags = match load_with("[[remove]]\ntable = \"nodes\"\nwhere = { year = 2030 }\n") {
        Ok(_) => panic!("should not load"),
        Err(d) => d,
    };
    assert!(
        diags
            .to_string()
            .contains("`where` keys year do not apply to nodes rows"),
        "{diags}"
    );
    let diags = match load_with("[[remove]]\ntable = \"supply\"\nwhere = { year = [2024] }\n") {
        Ok(_) => panic!("should not load"),
        Err(d) => d,
    };
    assert!(
        diags.to_string().contains("selects no row of supply"),
        "{diags}"
    );
}
