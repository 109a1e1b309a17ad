//! The CSV tables of a model folder (the six of every model and the optional
//! expansion.csv), as raw rows: strings checked for presence and numbers
//! checked for syntax and sign, references not yet resolved.

use serde::Deserialize;

use super::csv_table::{read_rows, Cells, TableText};
use crate::diagnostics::{Diagnostics, RowRef};

/// The columns of each table, by table name (file name without `.csv`).
pub fn columns(table: &str) -> Option<&'static [&'static str]> {
    Some(match table {
        "countries" => &COUNTRY_COLUMNS,
        "nodes" => &NODE_COLUMNS,
        "supply" => &SUPPLY_COLUMNS,
        "refining" => &REFINING_COLUMNS,
        "demand" => &DEMAND_COLUMNS,
        "routes" => &ROUTE_COLUMNS,
        "expansion" => &EXPANSION_COLUMNS,
        _ => return None,
    })
}

const COUNTRY_COLUMNS: [&str; 4] = ["code", "name", "groups", "risk"];
const NODE_COLUMNS: [&str; 4] = ["id", "name", "kind", "country"];
const SUPPLY_COLUMNS: [&str; 4] = ["node", "commodity", "capacity", "cost"];

/// Columns a table may have but need not (no warning when present, blank
/// when absent), so that models written before them stay valid:
/// supply.csv's `stock` (t on hand, stockpiles only; contract section 8)
/// and `reserve` (t over the horizon, mines only; section 10), and the
/// `year` of supply, refining, demand and routes rows (section 10).
pub fn optional_columns(table: &str) -> &'static [&'static str] {
    match table {
        "supply" => &SUPPLY_OPTIONAL,
        "refining" | "demand" | "routes" => &YEAR_ONLY,
        _ => &[],
    }
}

const SUPPLY_OPTIONAL: [&str; 3] = ["stock", "reserve", "year"];
const YEAR_ONLY: [&str; 1] = ["year"];

/// The required and then the optional columns of each table (what a
/// scenario's inserted rows may name).
pub fn all_columns(table: &str) -> Option<&'static [&'static str]> {
    match table {
        "supply" => Some(&SUPPLY_ALL),
        "refining" => Some(&REFINING_ALL),
        "demand" => Some(&DEMAND_ALL),
        "routes" => Some(&ROUTE_ALL),
        other => columns(other),
    }
}

const SUPPLY_ALL: [&str; 7] = [
    "node",
    "commodity",
    "capacity",
    "cost",
    "stock",
    "reserve",
    "year",
];
const REFINING_ALL: [&str; 6] = ["node", "commodity", "capacity", "cost", "yield", "year"];
const DEMAND_ALL: [&str; 5] = ["node", "commodity", "demand", "penalty", "year"];
const ROUTE_ALL: [&str; 6] = ["from", "to", "commodity", "cost", "capacity", "year"];
const EXPANSION_COLUMNS: [&str; 7] = [
    "node",
    "commodity",
    "max_added",
    "capex",
    "fixed_cost",
    "first_year",
    "lifetime",
];
const REFINING_COLUMNS: [&str; 5] = ["node", "commodity", "capacity", "cost", "yield"];
const DEMAND_COLUMNS: [&str; 4] = ["node", "commodity", "demand", "penalty"];
const ROUTE_COLUMNS: [&str; 5] = ["from", "to", "commodity", "cost", "capacity"];

/// `countries.csv`
#[derive(Clone, Debug)]
pub struct CountryRow {
    pub at: RowRef,
    pub code: String,
    pub name: String,
    pub groups: Vec<String>,
    pub risk: Option<f64>,
}

/// `nodes.csv`
#[derive(Clone, Debug)]
pub struct NodeRow {
    pub at: RowRef,
    pub id: String,
    pub name: String,
    pub kind: String,
    pub country: String,
}

/// `supply.csv`
#[derive(Clone, Debug)]
pub struct SupplyRow {
    pub at: RowRef,
    pub node: String,
    pub commodity: String,
    pub capacity: Option<f64>,
    pub cost: f64,
    /// t on hand (stockpile rows only; checked by `validate`); `None` when
    /// blank or when the file has no `stock` column.
    pub stock: Option<f64>,
    /// t over the horizon (mine rows of a multi-period model only; checked
    /// by `validate`); `None` when blank or absent.
    pub reserve: Option<f64>,
    /// The period the row is for; `None` (blank): every period.
    pub year: Option<i32>,
}

/// `refining.csv`
#[derive(Clone, Debug)]
pub struct RefiningRow {
    pub at: RowRef,
    pub node: String,
    pub commodity: String,
    pub capacity: Option<f64>,
    pub cost: f64,
    pub yield_: Option<f64>,
    /// The period the row is for; `None` (blank): every period.
    pub year: Option<i32>,
}

/// `demand.csv`
#[derive(Clone, Debug)]
pub struct DemandRow {
    pub at: RowRef,
    pub node: String,
    pub commodity: String,
    pub demand: f64,
    pub penalty: Option<f64>,
    /// The period the row is for; `None` (blank): every period.
    pub year: Option<i32>,
}

/// `routes.csv`
#[derive(Clone, Debug)]
pub struct RouteRow {
    pub at: RowRef,
    pub from: String,
    pub to: String,
    pub commodity: String,
    pub cost: f64,
    pub capacity: Option<f64>,
    /// The period the row is for; `None` (blank): every period.
    pub year: Option<i32>,
}

/// `expansion.csv` (contract section 10): capacity a node may add.
#[derive(Clone, Debug)]
pub struct ExpansionRow {
    pub at: RowRef,
    pub node: String,
    pub commodity: String,
    /// `None` (blank): unlimited.
    pub max_added: Option<f64>,
    pub capex: f64,
    /// `None` (blank): 0.
    pub fixed_cost: Option<f64>,
    /// `None` (blank): the first period's year.
    pub first_year: Option<i32>,
    /// More than 0; `None` (blank): the `default_lifetime` of `[periods]`.
    pub lifetime: Option<f64>,
}

#[derive(Deserialize)]
struct CountryCells {
    code: String,
    name: String,
    groups: String,
    risk: String,
}

#[derive(Deserialize)]
struct NodeCells {
    id: String,
    name: String,
    kind: String,
    country: String,
}

#[derive(Deserialize)]
struct SupplyCells {
    node: String,
    commodity: String,
    capacity: String,
    cost: String,
    #[serde(default)]
    stock: String,
    #[serde(default)]
    reserve: String,
    #[serde(default)]
    year: String,
}

#[derive(Deserialize)]
struct RefiningCells {
    node: String,
    commodity: String,
    capacity: String,
    cost: String,
    #[serde(rename = "yield")]
    yield_: String,
    #[serde(default)]
    year: String,
}

#[derive(Deserialize)]
struct DemandCells {
    node: String,
    commodity: String,
    demand: String,
    penalty: String,
    #[serde(default)]
    year: String,
}

#[derive(Deserialize)]
struct RouteCells {
    from: String,
    to: String,
    commodity: String,
    cost: String,
    capacity: String,
    #[serde(default)]
    year: String,
}

#[derive(Deserialize)]
struct ExpansionCells {
    node: String,
    commodity: String,
    max_added: String,
    capex: String,
    fixed_cost: String,
    first_year: String,
    lifetime: String,
}

/// Reads `table` row by row with `parse`, keeping the rows whose required cells are good.
fn read_table<C: serde::de::DeserializeOwned, R>(
    table: &TableText<'_>,
    columns: &[&str],
    diags: &mut Diagnostics,
    parse: impl Fn(&mut Cells<'_>, C) -> R,
) -> Vec<R> {
    read_table_with(table, columns, &[], diags, parse)
}

/// As [`read_table`], for a table that also has `optional` columns.
fn read_table_with<C: serde::de::DeserializeOwned, R>(
    table: &TableText<'_>,
    columns: &[&str],
    optional: &[&str],
    diags: &mut Diagnostics,
    parse: impl Fn(&mut Cells<'_>, C) -> R,
) -> Vec<R> {
    let rows = read_rows::<C>(table, columns, optional, diags);
    let mut out = Vec::with_capacity(rows.len());
    let file: std::sync::Arc<str> = std::sync::Arc::from(table.shown_as);
    for (line, cells) in rows {
        let mut c = Cells::new(file.clone(), line, diags);
        out.push(parse(&mut c, cells));
    }
    out
}

pub fn read_countries(table: &TableText<'_>, diags: &mut Diagnostics) -> Vec<CountryRow> {
    read_table(table, &COUNTRY_COLUMNS, diags, |c, r: CountryCells| {
        let risk = c.optional_number("risk", &r.risk);
        if let Some(x) = risk.filter(|x| *x > 1.0) {
            c.diags.error(
                c.at("risk"),
                format!("\"{x}\" is above 1; a risk score is in 0..=1"),
            );
        }
        CountryRow {
            at: c.row(),
            code: c.text("code", &r.code),
            name: c.text("name", &r.name),
            groups: r
                .groups
                .split(';')
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(String::from)
                .collect(),
            risk,
        }
    })
}

pub fn read_nodes(table: &TableText<'_>, diags: &mut Diagnostics) -> Vec<NodeRow> {
    read_table(table, &NODE_COLUMNS, diags, |c, r: NodeCells| NodeRow {
        at: c.row(),
        id: c.text("id", &r.id),
        name: c.text("name", &r.name),
        kind: c.text("kind", &r.kind),
        country: c.text("country", &r.country),
    })
}

pub fn read_supply(table: &TableText<'_>, diags: &mut Diagnostics) -> Vec<SupplyRow> {
    read_table_with(
        table,
        &SUPPLY_COLUMNS,
        &SUPPLY_OPTIONAL,
        diags,
        |c, r: SupplyCells| SupplyRow {
            at: c.row(),
            node: c.text("node", &r.node),
            commodity: c.text("commodity", &r.commodity),
            capacity: c.optional_number("capacity", &r.capacity),
            cost: c.number("cost", &r.cost),
            stock: c.optional_number("stock", &r.stock),
            reserve: c.optional_number("reserve", &r.reserve),
            year: c.optional_year("year", &r.year),
        },
    )
}

pub fn read_refining(table: &TableText<'_>, diags: &mut Diagnostics) -> Vec<RefiningRow> {
    read_table_with(
        table,
        &REFINING_COLUMNS,
        &YEAR_ONLY,
        diags,
        |c, r: RefiningCells| RefiningRow {
            at: c.row(),
            node: c.text("node", &r.node),
            commodity: c.text("commodity", &r.commodity),
            capacity: c.optional_number("capacity", &r.capacity),
            cost: c.number("cost", &r.cost),
            yield_: c.optional_number("yield", &r.yield_),
            year: c.optional_year("year", &r.year),
        },
    )
}

pub fn read_demand(table: &TableText<'_>, diags: &mut Diagnostics) -> Vec<DemandRow> {
    read_table_with(
        table,
        &DEMAND_COLUMNS,
        &YEAR_ONLY,
        diags,
        |c, r: DemandCells| DemandRow {
            at: c.row(),
            node: c.text("node", &r.node),
            commodity: c.text("commodity", &r.commodity),
            demand: c.number("demand", &r.demand),
            penalty: c.optional_number("penalty", &r.penalty),
            year: c.optional_year("year", &r.year),
        },
    )
}

pub fn read_routes(table: &TableText<'_>, diags: &mut Diagnostics) -> Vec<RouteRow> {
    read_table_with(
        table,
        &ROUTE_COLUMNS,
        &YEAR_ONLY,
        diags,
        |c, r: RouteCells| RouteRow {
            at: c.row(),
            from: c.text("from", &r.from),
            to: c.text("to", &r.to),
            commodity: c.text("commodity", &r.commodity),
            cost: c.number("cost", &r.cost),
            capacity: c.optional_number("capacity", &r.capacity),
            year: c.optional_year("year", &r.year),
        },
    )
}

/// expansion.csv; only read when the file exists (it is optional).
pub fn read_expansion(table: &TableText<'_>, diags: &mut Diagnostics) -> Vec<ExpansionRow> {
    read_table(table, &EXPANSION_COLUMNS, diags, |c, r: ExpansionCells| {
        let lifetime = match r.lifetime.parse::<f64>() {
            Ok(x) if x <= 0.0 => {
                c.diags.error_hint(
                    c.at("lifetime"),
                    format!(
                        "\"{}\" is not above 0; a lifetime is a number of years above 0",
                        r.lifetime
                    ),
                    "leave it blank for the default_lifetime of [periods]",
                );
                None
            }
            _ => c.optional_number("lifetime", &r.lifetime),
        };
        ExpansionRow {
            at: c.row(),
            node: c.text("node", &r.node),
            commodity: c.text("commodity", &r.commodity),
            max_added: c.optional_number("max_added", &r.max_added),
            capex: c.number("capex", &r.capex),
            fixed_cost: c.optional_number("fixed_cost", &r.fixed_cost),
            first_year: c.optional_year("first_year", &r.first_year),
            lifetime,
        }
    })
}
