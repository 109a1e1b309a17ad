//! Applying a scenario's operations to a model's raw rows, recording every
//! change so that `sourcemix diff` can show it row by row.

use std::fmt;

use super::filter::Lookup;
use super::{Amount, NumberChange, NumbersOp, Op, Scenario};
use crate::diagnostics::{Diagnostics, Location, RowRef};
use crate::input::csv_table::TableText;
use crate::input::{tables, Positioned, RawModel};

/// One change a scenario made, for `sourcemix diff`.
#[derive(Clone, Debug)]
pub enum Change {
    Field {
        by: Location,
        row: RowRef,
        what: String,
        field: &'static str,
        before: String,
        after: String,
    },
    Added {
        by: Location,
        row: RowRef,
        what: String,
    },
    Removed {
        by: Location,
        row: RowRef,
        what: String,
    },
    Policy {
        by: Location,
        text: String,
    },
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Field {
                by,
                row,
                what,
                field,
                before,
                after,
            } => write!(f, "~ {row} {what}: {field} {before} -> {after}   ({by})"),
            Change::Added { by, row, what } => write!(f, "+ {row} {what}   ({by})"),
            Change::Removed { by, row, what } => write!(f, "- {row} {what}   ({by})"),
            Change::Policy { by, text } => write!(f, "* {text}   ({by})"),
        }
    }
}

/// Applies `scenario` to `raw`. Problems (an operation that selects nothing
/// among them) go to `diags`; the changes made are returned.
pub fn apply(raw: &mut RawModel, scenario: &Scenario, diags: &mut Diagnostics) -> Vec<Change> {
    let mut changes = Vec::new();
    for (at, op) in &scenario.ops {
        match op {
            Op::Numbers(kind, op) => numbers(raw, at, *kind, op, &mut changes, diags),
            Op::Insert { table, rows, csv } => {
                insert(raw, at, table, rows, csv.as_ref(), &mut changes, diags)
            }
            Op::Remove(op) => remove(raw, at, &op.table, &op.filter, &mut changes, diags),
            Op::Policy(p) => policy(raw, at, p, &mut changes),
            Op::Share(op) => share(raw, at, &op.name, op.share, &mut changes, diags),
            Op::RemovePolicy(name) => remove_policy(raw, at, name, &mut changes, diags),
        }
    }
    changes
}

fn fmt_amount(x: Option<f64>) -> String {
    x.map(|v| format!("{v}"))
        .unwrap_or_else(|| "(blank)".into())
}

/// The fields an operation sets, each with its new value.
fn fields(op: &NumbersOp) -> Vec<(&'static str, Option<Amount>)> {
    let num = |x: Option<f64>| x.map(Amount::Number);
    [
        ("capacity", op.capacity.clone()),
        ("cost", num(op.cost)),
        ("yield", num(op.yield_)),
        ("demand", num(op.demand)),
        ("penalty", num(op.penalty)),
    ]
    .into_iter()
    .filter(|(_, v)| v.is_some())
    .collect()
}

fn table_fields(table: &str) -> &'static [&'static str] {
    match table {
        "supply" | "routes" => &["capacity", "cost"],
        "refining" => &["capacity", "cost", "yield"],
        "demand" => &["demand", "penalty"],
        _ => &[],
    }
}

/// The new value of one number, or why it cannot be computed.
fn changed(
    kind: NumberChange,
    old: Option<f64>,
    blank_means: Option<f64>,
    amount: &Amount,
    field: &str,
) -> Result<Option<f64>, String> {
    let value = match amount {
        Amount::Number(x) if x.is_finite() => *x,
        Amount::Word(w) if w == "unlimited" && field == "capacity" && kind == NumberChange::Set => {
            return Ok(None)
        }
        other => {
            return Err(format!(
                "{field} = {other:?} is not a finite number{}",
                if field == "capacity" {
                    " (or \"unlimited\" with [[set]])"
                } else {
                    ""
                }
            ))
        }
    };
    let old = old.or(blank_means);
    let new = match (kind, old) {
        (NumberChange::Set, _) => Some(value),
        (_, None) => None, // unlimited stays unlimited
        (NumberChange::Scale, Some(o)) => Some(o * value),
        (NumberChange::Add, Some(o)) => Some(o + value),
    };
    match new {
        Some(x) if !(x.is_finite() && x >= 0.0) => Err(format!(
            "{field} would become {x}; numbers must stay finite and not negative"
        )),
        other => Ok(other.map(|x| x + 0.0)),
    }
}

fn numbers(
    raw: &mut RawModel,
    at_op: &Location,
    kind: NumberChange,
    op: &NumbersOp,
    changes: &mut Vec<Change>,
    diags: &mut Diagnostics,
) {
    let allowed = table_fields(&op.table);
    if allowed.is_empty() {
        diags.error(at_op.clone(), format!("table \"{}\" has no numbers to change (expected supply, refining, demand or routes)", op.table));
        return;
    }
    let given = fields(op);
    if given.is_empty() {
        diags.error(
            at_op.clone(),
            format!(
                "names no field to change (the fields of {} are: {})",
                op.table,
                allowed.join(", ")
            ),
        );
        return;
    }
    if let Some((f, _)) = given.iter().find(|(f, _)| !allowed.contains(f)) {
        diags.error(
            at_op.clone(),
            format!(
                "{} rows have no field `{f}` (they have: {})",
                op.table,
                allowed.join(", ")
            ),
        );
        return;
    }
    if !filter_fits(at_op, &op.table, &op.filter, diags) {
        return;
    }
    let look = Lookup::new(raw);
    let default_penalty = raw.toml.shortfall_penalty;
    let mut selected = 0;
    let mut apply_row = |row: &mut dyn NumericRow| {
        selected += 1;
        let (at, what) = (row.at().clone(), row.describe());
        for (field, amount) in &given {
            let Some(amount) = amount else { continue };
            let blank_means = match *field {
                "yield" => Some(1.0),
                "penalty" => default_penalty,
                _ => None,
            };
            let Some(slot) = row.slot(field) else {
                continue;
            };
            let old = slot.get();
            match changed(kind, old, blank_means, amount, field) {
                Ok(new) => {
                    if new != old {
                        let (before, after) = (fmt_amount(old), fmt_amount(new));
                        changes.push(Change::Field {
                            by: at_op.clone(),
                            row: at.clone(),
                            what: what.clone(),
                            field,
                            before,
                            after,
                        });
                    }
                    slot.set(new);
                }
                Err(why) => diags.error(at_op.clone(), why),
            }
        }
    };
    let filter = &op.filter;
    match op.table.as_str() {
        "supply" => raw
            .supply
            .iter_mut()
            .filter(|r| filter.matches_node_row(&look, &r.node, Some(&r.commodity)))
            .for_each(|r| apply_row(r)),
        "refining" => raw
            .refining
            .iter_mut()
            .filter(|r| filter.matches_node_row(&look, &r.node, Some(&r.commodity)))
            .for_each(|r| apply_row(r)),
        "demand" => raw
            .demand
            .iter_mut()
            .filter(|r| filter.matches_node_row(&look, &r.node, Some(&r.commodity)))
            .for_each(|r| apply_row(r)),
        _ => raw
            .routes
            .iter_mut()
            .filter(|r| filter.matches_route(&look, &r.from, &r.to, &r.commodity))
            .for_each(|r| apply_row(r)),
    }
    if selected == 0 {
        nothing_selected(at_op, &op.table, diags);
    }
}

/// A number a scenario can change: blank-able (capacity, yield, penalty) or required (cost, demand).
enum Slot<'a> {
    Optional(&'a mut Option<f64>),
    Required(&'a mut f64),
}

impl Slot<'_> {
    fn get(&self) -> Option<f64> {
        match self {
            Slot::Optional(x) => **x,
            Slot::Required(x) => Some(**x),
        }
    }

    fn set(self, value: Option<f64>) {
        match self {
            Slot::Optional(x) => *x = value,
            Slot::Required(x) => *x = value.unwrap_or(*x),
        }
    }
}

/// A raw row with numbers a scenario can change.
trait NumericRow {
    fn at(&self) -> &RowRef;
    fn describe(&self) -> String;
    fn slot(&mut self, field: &str) -> Option<Slot<'_>>;
}

impl NumericRow for tables::SupplyRow {
    fn at(&self) -> &RowRef {
        &self.at
    }
    fn describe(&self) -> String {
        format!("supply {} {}", self.node, self.commodity)
    }
    fn slot(&mut self, field: &str) -> Option<Slot<'_>> {
        match field {
            "capacity" => Some(Slot::Optional(&mut self.capacity)),
            "cost" => Some(Slot::Required(&mut self.cost)),
            _ => None,
        }
    }
}

impl NumericRow for tables::RefiningRow {
    fn at(&self) -> &RowRef {
        &self.at
    }
    fn describe(&self) -> String {
        format!("refining {} {}", self.node, self.commodity)
    }
    fn slot(&mut self, field: &str) -> Option<Slot<'_>> {
        match field {
            "capacity" => Some(Slot::Optional(&mut self.capacity)),
            "cost" => Some(Slot::Required(&mut self.cost)),
            "yield" => Some(Slot::Optional(&mut self.yield_)),
            _ => None,
        }
    }
}

impl NumericRow for tables::DemandRow {
    fn at(&self) -> &RowRef {
        &self.at
    }
    fn describe(&self) -> String {
        format!("demand {} {}", self.node, self.commodity)
    }
    fn slot(&mut self, field: &str) -> Option<Slot<'_>> {
        match field {
            "demand" => Some(Slot::Required(&mut self.demand)),
            "penalty" => Some(Slot::Optional(&mut self.penalty)),
            _ => None,
        }
    }
}

impl NumericRow for tables::RouteRow {
    fn at(&self) -> &RowRef {
        &self.at
    }
    fn describe(&self) -> String {
        format!("route {} -> {} {}", self.from, self.to, self.commodity)
    }
    fn slot(&mut self, field: &str) -> Option<Slot<'_>> {
        match field {
            "capacity" => Some(Slot::Optional(&mut self.capacity)),
            "cost" => Some(Slot::Required(&mut self.cost)),
            _ => None,
        }
    }
}

fn nothing_selected(at: &Location, table: &str, diags: &mut Diagnostics) {
    diags.error_hint(
        at.clone(),
        format!("selects no row of {table}"),
        "a filter that matches nothing is an error, so that a typo never gives the baseline silently; check ids, countries and commodities",
    );
}

fn filter_fits(
    at: &Location,
    table: &str,
    filter: &super::filter::Filter,
    diags: &mut Diagnostics,
) -> bool {
    let wrong = filter.keys_not_for(table);
    if !wrong.is_empty() {
        diags.error(
            at.clone(),
            format!(
                "`where` keys {} do not apply to {table} rows",
                wrong.join(", ")
            ),
        );
    }
    wrong.is_empty()
}

fn insert(
    raw: &mut RawModel,
    at: &Location,
    table: &str,
    rows: &[toml::Table],
    csv: Option<&(String, String)>,
    changes: &mut Vec<Change>,
    diags: &mut Diagnostics,
) {
    let Some(columns) = tables::columns(table) else {
        diags.error(at.clone(), format!("unknown table \"{table}\" (expected countries, nodes, supply, refining, demand or routes)"));
        return;
    };
    if rows.is_empty() && csv.is_none() {
        diags.error(
            at.clone(),
            "[[insert]] needs `rows = [...]` or `file = \"rows.csv\"`",
        );
        return;
    }
    let scenario_file = at.file.clone();
    let mut inline_csv = columns.join(",");
    for row in rows {
        for key in row.keys() {
            if !columns.contains(&key.as_str()) {
                diags.error(
                    at.clone(),
                    format!(
                        "inserted {table} row has unknown column `{key}` (columns: {})",
                        columns.join(", ")
                    ),
                );
            }
        }
        let cells: Vec<String> = columns
            .iter()
            .map(|c| row.get(*c).map(cell_text).unwrap_or_default())
            .collect();
        inline_csv.push('\n');
        inline_csv.push_str(
            &cells
                .iter()
                .map(|c| csv_quote(c))
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    let mut added = Vec::new();
    if !rows.is_empty() {
        let text = TableText {
            shown_as: &scenario_file,
            text: Some(&inline_csv),
            unreadable: false,
        };
        let line = at.line.unwrap_or(0);
        added.extend(read_into(raw, table, &text, diags, Some(line)));
    }
    if let Some((path, text)) = csv {
        let text = TableText {
            shown_as: path,
            text: Some(text),
            unreadable: false,
        };
        added.extend(read_into(raw, table, &text, diags, None));
    }
    for (row, what) in added {
        changes.push(Change::Added {
            by: at.clone(),
            row,
            what,
        });
    }
}

/// Parses rows of `table` from `text` and appends them to `raw`; inline rows
/// are placed at the scenario's `line`.
fn read_into(
    raw: &mut RawModel,
    table: &str,
    text: &TableText<'_>,
    diags: &mut Diagnostics,
    line: Option<usize>,
) -> Vec<(RowRef, String)> {
    let place = |at: &mut RowRef| {
        if let Some(l) = line {
            at.line = l;
        }
        at.clone()
    };
    match table {
        "countries" => tables::read_countries(text, diags)
            .into_iter()
            .map(|mut r| {
                let a = place(&mut r.at);
                let w = format!("country {}", r.code);
                raw.countries.push(r);
                (a, w)
            })
            .collect(),
        "nodes" => tables::read_nodes(text, diags)
            .into_iter()
            .map(|mut r| {
                let a = place(&mut r.at);
                let w = format!("node {} ({}, {})", r.id, r.kind, r.country);
                raw.nodes.push(r);
                (a, w)
            })
            .collect(),
        "supply" => tables::read_supply(text, diags)
            .into_iter()
            .map(|mut r| {
                let a = place(&mut r.at);
                let w = format!("supply {} {}", r.node, r.commodity);
                raw.supply.push(r);
                (a, w)
            })
            .collect(),
        "refining" => tables::read_refining(text, diags)
            .into_iter()
            .map(|mut r| {
                let a = place(&mut r.at);
                let w = format!("refining {} {}", r.node, r.commodity);
                raw.refining.push(r);
                (a, w)
            })
            .collect(),
        "demand" => tables::read_demand(text, diags)
            .into_iter()
            .map(|mut r| {
                let a = place(&mut r.at);
                let w = format!("demand {} {}", r.node, r.commodity);
                raw.demand.push(r);
                (a, w)
            })
            .collect(),
        _ => tables::read_routes(text, diags)
            .into_iter()
            .map(|mut r| {
                let a = place(&mut r.at);
                let w = format!("route {} -> {} {}", r.from, r.to, r.commodity);
                raw.routes.push(r);
                (a, w)
            })
            .collect(),
    }
}

fn cell_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Array(items) => items.iter().map(cell_text).collect::<Vec<_>>().join(";"),
        other => other.to_string(),
    }
}

fn csv_quote(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn remove(
    raw: &mut RawModel,
    at: &Location,
    table: &str,
    filter: &super::filter::Filter,
    changes: &mut Vec<Change>,
    diags: &mut Diagnostics,
) {
    if tables::columns(table).is_none() {
        diags.error(at.clone(), format!("unknown table \"{table}\" (expected countries, nodes, supply, refining, demand or routes)"));
        return;
    }
    if !filter_fits(at, table, filter, diags) {
        return;
    }
    let look = Lookup::new(raw);
    let mut removed: Vec<(RowRef, String)> = Vec::new();
    macro_rules! drop_rows {
        ($rows:expr, $keep:expr, $what:expr) => {{
            $rows.retain(|r| {
                let goes = !$keep(r);
                if goes {
                    removed.push((r.at.clone(), $what(r)));
                }
                !goes
            });
        }};
    }
    match table {
        "countries" => drop_rows!(
            raw.countries,
            |r: &tables::CountryRow| !filter.matches_country(&look, &r.code),
            |r: &tables::CountryRow| format!("country {}", r.code)
        ),
        "nodes" => drop_rows!(
            raw.nodes,
            |r: &tables::NodeRow| !filter.matches_node_row(&look, &r.id, None),
            |r: &tables::NodeRow| format!("node {}", r.id)
        ),
        "supply" => drop_rows!(
            raw.supply,
            |r: &tables::SupplyRow| !filter.matches_node_row(&look, &r.node, Some(&r.commodity)),
            |r: &tables::SupplyRow| format!("supply {} {}", r.node, r.commodity)
        ),
        "refining" => drop_rows!(
            raw.refining,
            |r: &tables::RefiningRow| !filter.matches_node_row(&look, &r.node, Some(&r.commodity)),
            |r: &tables::RefiningRow| format!("refining {} {}", r.node, r.commodity)
        ),
        "demand" => drop_rows!(
            raw.demand,
            |r: &tables::DemandRow| !filter.matches_node_row(&look, &r.node, Some(&r.commodity)),
            |r: &tables::DemandRow| format!("demand {} {}", r.node, r.commodity)
        ),
        _ => drop_rows!(
            raw.routes,
            |r: &tables::RouteRow| !filter.matches_route(&look, &r.from, &r.to, &r.commodity),
            |r: &tables::RouteRow| format!("route {} -> {} {}", r.from, r.to, r.commodity)
        ),
    }
    if removed.is_empty() {
        nothing_selected(at, table, diags);
    }
    changes.extend(removed.into_iter().map(|(row, what)| Change::Removed {
        by: at.clone(),
        row,
        what,
    }));
}

fn policy(
    raw: &mut RawModel,
    at: &Location,
    p: &crate::input::PolicyEntry,
    changes: &mut Vec<Change>,
) {
    let name = p.name.as_ref().map(|n| n.value.clone()).unwrap_or_default();
    let existing = raw
        .toml
        .policies
        .iter()
        .position(|q| q.name.as_ref().is_some_and(|n| n.value == name));
    match existing {
        Some(i) => {
            raw.toml.policies[i] = p.clone();
            changes.push(Change::Policy {
                by: at.clone(),
                text: format!("policy {name} replaced"),
            });
        }
        None => {
            raw.toml.policies.push(p.clone());
            changes.push(Change::Policy {
                by: at.clone(),
                text: format!("policy {name} added"),
            });
        }
    }
}

fn share(
    raw: &mut RawModel,
    at: &Location,
    name: &str,
    value: f64,
    changes: &mut Vec<Change>,
    diags: &mut Diagnostics,
) {
    let Some(p) = raw
        .toml
        .policies
        .iter_mut()
        .find(|q| q.name.as_ref().is_some_and(|n| n.value == name))
    else {
        diags.error(
            at.clone(),
            format!("[[policy_share]] names no policy \"{name}\""),
        );
        return;
    };
    let before = p
        .share
        .as_ref()
        .map(|s| s.value.to_string())
        .unwrap_or_else(|| "(none)".into());
    p.share = Some(Positioned {
        value,
        at: at.clone(),
    });
    changes.push(Change::Policy {
        by: at.clone(),
        text: format!("policy {name}: share {before} -> {value}"),
    });
    if !(0.0..=1.0).contains(&value) {
        diags.error(
            at.clone(),
            format!("share {value} is outside 0..=1 (a fraction: 0.65 is 65%)"),
        );
    }
}

fn remove_policy(
    raw: &mut RawModel,
    at: &Location,
    name: &str,
    changes: &mut Vec<Change>,
    diags: &mut Diagnostics,
) {
    let before = raw.toml.policies.len();
    raw.toml
        .policies
        .retain(|q| q.name.as_ref().is_none_or(|n| n.value != name));
    if raw.toml.policies.len() == before {
        diags.error(
            at.clone(),
            format!("remove_policies names no policy \"{name}\""),
        );
    } else {
        changes.push(Change::Policy {
            by: at.clone(),
            text: format!("policy {name} removed"),
        });
    }
}
