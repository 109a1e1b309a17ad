//! Applying a scenario's operations to a model's raw rows, recording every
//! change so that `sourcemix diff` can show it row by row.

use std::fmt;

use super::filter::Lookup;
use super::{Amount, InlineRow, NumberChange, NumbersOp, Op, Scenario, Table};
use crate::diagnostics::{Diagnostics, Location, RowRef};
use crate::input::csv_table::TableText;
use crate::input::numbers::{self, show, NumberError};
use crate::input::{tables, Positioned, RawModel};

/// One change a scenario made, for `sourcemix diff`.
#[derive(Clone, Debug)]
pub enum Change {
    Field {
        by: Location,
        row: Location,
        what: String,
        field: &'static str,
        before: String,
        after: String,
    },
    Added {
        by: Location,
        row: Location,
        what: String,
    },
    Removed {
        by: Location,
        row: Location,
        what: String,
    },
    Policy {
        by: Location,
        text: String,
    },
}

impl Change {
    /// The row changed, added or removed (a location so that a workbook
    /// model can name it as `[book.xlsx]routes!14:14`).
    pub fn row_mut(&mut self) -> Option<&mut Location> {
        match self {
            Change::Field { row, .. } | Change::Added { row, .. } | Change::Removed { row, .. } => {
                Some(row)
            }
            Change::Policy { .. } => None,
        }
    }
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
            Op::Numbers {
                change,
                op,
                may_select_nothing,
            } => numbers(
                raw,
                at,
                *change,
                op,
                *may_select_nothing,
                &mut changes,
                diags,
            ),
            Op::Insert { table, rows, csv } => {
                insert(raw, at, *table, rows, csv.as_ref(), &mut changes, diags)
            }
            Op::Remove(op) => remove(raw, at, op.table, &op.filter, &mut changes, diags),
            Op::Policy(p) => policy(raw, at, p, &mut changes),
            Op::Share(op) => share(raw, at, &op.name, op.share, &mut changes, diags),
            Op::RemovePolicy(name) => remove_policy(raw, at, name, &mut changes, diags),
            Op::RemoveAllPolicies => remove_all_policies(raw, at, &mut changes),
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
        ("max_added", op.max_added.clone()),
        ("capex", num(op.capex)),
        ("fixed_cost", num(op.fixed_cost)),
        ("first_year", num(op.first_year)),
        ("lifetime", num(op.lifetime)),
    ]
    .into_iter()
    .filter(|(_, v)| v.is_some())
    .collect()
}

/// Why a scenario's number cannot be used.
#[derive(Debug, thiserror::Error)]
enum NumberOpError {
    #[error("{field} = \"{word}\" is not a number (\"unlimited\" is allowed only for a capacity or max_added, with [[set]])")]
    Word { field: &'static str, word: String },
    #[error("first_year cannot be scaled: use [[set]] with a year (first_year = 2035) or [[add]] with a number of years (first_year = 5)")]
    ScaledYear,
    #[error("first_year = {} is not a whole number (expected a year such as 2035 with [[set]], or a number of years with [[add]])", show(.value))]
    FractionalYear { value: f64 },
    #[error("first_year would become {}, which is not a year (expected a whole number in 1..=9999)", show(.value))]
    NotAYear { value: f64 },
    #[error("lifetime would become {}, which is not above 0 (a lifetime is a number of years above 0)", show(.value))]
    NoLifetime { value: f64 },
    #[error("{field} = {} {why}", show(.value))]
    Operand {
        field: &'static str,
        value: f64,
        why: NumberError,
    },
    #[error("{field} would become {}, which {why}", show(.value))]
    Result {
        field: &'static str,
        value: f64,
        why: NumberError,
    },
}

/// The operand of one field: a number, or `None` for `capacity = "unlimited"` with [[set]].
fn operand(
    kind: NumberChange,
    amount: &Amount,
    field: &'static str,
) -> Result<Option<f64>, NumberOpError> {
    if field == "first_year" {
        if kind == NumberChange::Scale {
            return Err(NumberOpError::ScaledYear);
        }
        if let Amount::Number(x) = amount {
            if x.is_finite() && x.fract() != 0.0 {
                return Err(NumberOpError::FractionalYear { value: *x });
            }
        }
    }
    match amount {
        Amount::Number(x) => numbers::operand(*x)
            .map(Some)
            .map_err(|why| NumberOpError::Operand {
                field,
                value: *x,
                why,
            }),
        Amount::Word(w)
            if w == "unlimited"
                && (field == "capacity" || field == "max_added")
                && kind == NumberChange::Set =>
        {
            Ok(None)
        }
        Amount::Word(w) => Err(NumberOpError::Word {
            field,
            word: w.clone(),
        }),
    }
}

/// The new value of one number (`value` already checked by [`operand`]).
fn changed(
    kind: NumberChange,
    old: Option<f64>,
    blank_means: Option<f64>,
    value: Option<f64>,
    field: &'static str,
) -> Result<Option<f64>, NumberOpError> {
    let Some(value) = value else {
        return Ok(None); // set unlimited
    };
    let old = old.or(blank_means);
    let new = match (kind, old) {
        (NumberChange::Set, _) => Some(value),
        (_, None) => None, // unlimited stays unlimited
        (NumberChange::Scale, Some(o)) => Some(o * value),
        (NumberChange::Add, Some(o)) => Some(o + value),
    };
    new.map(|x| {
        let x = numbers::quantity(x).map_err(|why| NumberOpError::Result {
            field,
            value: x,
            why,
        })?;
        match field {
            "first_year" if !(1.0..=9999.0).contains(&x) => {
                Err(NumberOpError::NotAYear { value: x })
            }
            "lifetime" if x <= 0.0 => Err(NumberOpError::NoLifetime { value: x }),
            _ => Ok(x),
        }
    })
    .transpose()
}

fn numbers(
    raw: &mut RawModel,
    at_op: &Location,
    kind: NumberChange,
    op: &NumbersOp,
    may_select_nothing: bool,
    changes: &mut Vec<Change>,
    diags: &mut Diagnostics,
) {
    let allowed = op.table.numeric_fields();
    if allowed.is_empty() {
        diags.error(at_op.clone(), format!("table \"{}\" has no numbers to change (expected supply, refining, demand, routes or expansion)", op.table));
        return;
    }
    if !expansion_allowed(raw, at_op, op.table, diags) {
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
    let mut operands = Vec::new();
    for (field, amount) in &given {
        let Some(amount) = amount else { continue };
        match operand(kind, amount, field) {
            Ok(value) => operands.push((*field, value)),
            Err(why) => diags.error(at_op.clone(), why.to_string()),
        }
    }
    if operands.len() < given.len() || !filter_fits(at_op, op.table, &op.filter, diags) {
        return;
    }
    let look = Lookup::new(raw);
    let default_penalty = raw.toml.shortfall_penalty;
    let first_period = raw
        .toml
        .periods
        .as_ref()
        .and_then(|p| p.years.first())
        .map(|y| f64::from(*y));
    let default_lifetime = raw.toml.periods.as_ref().map(|p| p.default_lifetime);
    let mut selected = 0;
    let mut apply_row = |row: &mut dyn NumericRow| {
        selected += 1;
        let (at, what) = (row.at().clone(), row.describe());
        for &(field, value) in &operands {
            let blank_means = match field {
                "yield" => Some(1.0),
                "penalty" => default_penalty,
                "fixed_cost" => Some(0.0),
                "first_year" => first_period,
                "lifetime" => default_lifetime,
                _ => None,
            };
            let Some(slot) = row.slot(field) else {
                continue;
            };
            let old = slot.get();
            match changed(kind, old, blank_means, value, field) {
                // A blank fixed_cost scaled stays 0, that is blank: no change to list.
                Ok(Some(x)) if old.is_none() && field == "fixed_cost" && x == 0.0 => {}
                Ok(new) => {
                    if new != old {
                        let (before, after) = (fmt_amount(old), fmt_amount(new));
                        changes.push(Change::Field {
                            by: at_op.clone(),
                            row: at.location(),
                            what: what.clone(),
                            field,
                            before,
                            after,
                        });
                    }
                    slot.set(new);
                }
                Err(why) => diags.error(at_op.clone(), why.to_string()),
            }
        }
    };
    let filter = &op.filter;
    match op.table {
        Table::Supply => raw
            .supply
            .iter_mut()
            .filter(|r| {
                filter.matches_node_row(&look, &r.node, Some(&r.commodity))
                    && filter.matches_year(r.year)
            })
            .for_each(|r| apply_row(r)),
        Table::Refining => raw
            .refining
            .iter_mut()
            .filter(|r| {
                filter.matches_node_row(&look, &r.node, Some(&r.commodity))
                    && filter.matches_year(r.year)
            })
            .for_each(|r| apply_row(r)),
        Table::Demand => raw
            .demand
            .iter_mut()
            .filter(|r| {
                filter.matches_node_row(&look, &r.node, Some(&r.commodity))
                    && filter.matches_year(r.year)
            })
            .for_each(|r| apply_row(r)),
        Table::Routes => raw
            .routes
            .iter_mut()
            .filter(|r| {
                filter.matches_route(&look, &r.from, &r.to, &r.commodity)
                    && filter.matches_year(r.year)
            })
            .for_each(|r| apply_row(r)),
        Table::Expansion => raw
            .expansion
            .iter_mut()
            .flatten()
            .filter(|r| filter.matches_node_row(&look, &r.node, Some(&r.commodity)))
            .for_each(|r| apply_row(r)),
        Table::Countries | Table::Nodes => {} // no numbers: refused above
    }
    if selected == 0 && !may_select_nothing {
        nothing_selected(at_op, op.table, diags);
    }
}

/// A number a scenario can change: blank-able (capacity, yield, penalty) or
/// required (cost, demand), or a blank-able year (first_year).
enum Slot<'a> {
    Optional(&'a mut Option<f64>),
    Required(&'a mut f64),
    Year(&'a mut Option<i32>),
}

impl Slot<'_> {
    fn get(&self) -> Option<f64> {
        match self {
            Slot::Optional(x) => **x,
            Slot::Required(x) => Some(**x),
            Slot::Year(y) => y.map(f64::from),
        }
    }

    fn set(self, value: Option<f64>) {
        match self {
            Slot::Optional(x) => *x = value,
            Slot::Required(x) => *x = value.unwrap_or(*x),
            // Checked by `changed`: a whole number in 1..=9999.
            Slot::Year(y) => *y = value.map(|v| v as i32),
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
        format!(
            "supply {} {}{}",
            self.node,
            self.commodity,
            in_year(self.year)
        )
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
        format!(
            "refining {} {}{}",
            self.node,
            self.commodity,
            in_year(self.year)
        )
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
        format!(
            "demand {} {}{}",
            self.node,
            self.commodity,
            in_year(self.year)
        )
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
        format!(
            "route {} -> {} {}{}",
            self.from,
            self.to,
            self.commodity,
            in_year(self.year)
        )
    }
    fn slot(&mut self, field: &str) -> Option<Slot<'_>> {
        match field {
            "capacity" => Some(Slot::Optional(&mut self.capacity)),
            "cost" => Some(Slot::Required(&mut self.cost)),
            _ => None,
        }
    }
}

impl NumericRow for tables::ExpansionRow {
    fn at(&self) -> &RowRef {
        &self.at
    }
    fn describe(&self) -> String {
        format!("expansion {} {}", self.node, self.commodity)
    }
    fn slot(&mut self, field: &str) -> Option<Slot<'_>> {
        match field {
            "max_added" => Some(Slot::Optional(&mut self.max_added)),
            "capex" => Some(Slot::Required(&mut self.capex)),
            "fixed_cost" => Some(Slot::Optional(&mut self.fixed_cost)),
            "first_year" => Some(Slot::Year(&mut self.first_year)),
            "lifetime" => Some(Slot::Optional(&mut self.lifetime)),
            _ => None,
        }
    }
}

/// Whether `table` may be changed in this model: expansion rows only in a
/// model with `[periods]` (contract section 10). Reports it when not.
fn expansion_allowed(raw: &RawModel, at: &Location, table: Table, diags: &mut Diagnostics) -> bool {
    if table != Table::Expansion || raw.toml.periods.is_some() {
        return true;
    }
    diags.error_hint(
        at.clone(),
        "table \"expansion\" is for a multi-period model, and this model.toml has no [periods]",
        "expansion.csv holds investment options, which only a model with [periods] has (docs/periods.md); change supply or refining capacity instead",
    );
    false
}

/// ` (2030)` for a row of one period (contract section 10), nothing for a
/// blank-year row.
fn in_year(year: Option<i32>) -> String {
    year.map(|y| format!(" ({y})")).unwrap_or_default()
}

fn nothing_selected(at: &Location, table: Table, diags: &mut Diagnostics) {
    diags.error_hint(
        at.clone(),
        format!("selects no row of {table}"),
        "a filter that matches nothing is an error, so that a typo never gives the baseline silently; check ids, countries and commodities",
    );
}

fn filter_fits(
    at: &Location,
    table: Table,
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
    table: Table,
    rows: &[InlineRow],
    csv: Option<&(String, String)>,
    changes: &mut Vec<Change>,
    diags: &mut Diagnostics,
) {
    if !expansion_allowed(raw, at, table, diags) {
        return;
    }
    let columns = table.columns();
    if rows.is_empty() && csv.is_none() {
        diags.error(
            at.clone(),
            "[[insert]] needs `rows = [...]` or `file = \"rows.csv\"`",
        );
        return;
    }
    // Inline rows are read as a CSV text whose records are placed back at
    // the scenario lines they were written on (the header at the [[insert]]).
    let mut inline_csv = columns.join(",");
    let mut lines = vec![at.line.unwrap_or(0)];
    for row in rows {
        for key in row.cells.keys() {
            if !columns.contains(&key.as_str()) {
                diags.error(
                    row.at.clone(),
                    format!(
                        "inserted {table} row has unknown column `{key}` (columns: {})",
                        columns.join(", ")
                    ),
                );
            }
        }
        let cells: Vec<String> = columns
            .iter()
            .map(|c| row.cells.get(*c).map(cell_text).unwrap_or_default())
            .collect();
        inline_csv.push('\n');
        inline_csv.push_str(
            &cells
                .iter()
                .map(|c| csv_quote(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        lines.push(row.at.line.unwrap_or(0));
    }
    let mut added = Vec::new();
    if !rows.is_empty() {
        let text = TableText {
            shown_as: &at.file,
            text: Some(&inline_csv),
            unreadable: false,
            record_lines: Some(&lines),
        };
        added.extend(read_into(raw, table, &text, diags));
    }
    if let Some((path, text)) = csv {
        let text = TableText {
            shown_as: path,
            text: Some(text),
            unreadable: false,
            record_lines: None,
        };
        added.extend(read_into(raw, table, &text, diags));
    }
    for (row, what) in added {
        changes.push(Change::Added {
            by: at.clone(),
            row: row.location(),
            what,
        });
    }
}

/// Parses rows of `table` from `text` and appends them to `raw`.
fn read_into(
    raw: &mut RawModel,
    table: Table,
    text: &TableText<'_>,
    diags: &mut Diagnostics,
) -> Vec<(RowRef, String)> {
    match table {
        Table::Countries => tables::read_countries(text, diags)
            .into_iter()
            .map(|r| {
                let added = (r.at.clone(), format!("country {}", r.code));
                raw.countries.push(r);
                added
            })
            .collect(),
        Table::Nodes => tables::read_nodes(text, diags)
            .into_iter()
            .map(|r| {
                let added = (
                    r.at.clone(),
                    format!("node {} ({}, {})", r.id, r.kind, r.country),
                );
                raw.nodes.push(r);
                added
            })
            .collect(),
        Table::Supply => tables::read_supply(text, diags)
            .into_iter()
            .map(|r| {
                let added = (
                    r.at.clone(),
                    format!("supply {} {}{}", r.node, r.commodity, in_year(r.year)),
                );
                raw.supply.push(r);
                added
            })
            .collect(),
        Table::Refining => tables::read_refining(text, diags)
            .into_iter()
            .map(|r| {
                let added = (
                    r.at.clone(),
                    format!("refining {} {}{}", r.node, r.commodity, in_year(r.year)),
                );
                raw.refining.push(r);
                added
            })
            .collect(),
        Table::Demand => tables::read_demand(text, diags)
            .into_iter()
            .map(|r| {
                let added = (
                    r.at.clone(),
                    format!("demand {} {}{}", r.node, r.commodity, in_year(r.year)),
                );
                raw.demand.push(r);
                added
            })
            .collect(),
        Table::Routes => tables::read_routes(text, diags)
            .into_iter()
            .map(|r| {
                let added = (
                    r.at.clone(),
                    format!(
                        "route {} -> {} {}{}",
                        r.from,
                        r.to,
                        r.commodity,
                        in_year(r.year)
                    ),
                );
                raw.routes.push(r);
                added
            })
            .collect(),
        Table::Expansion => tables::read_expansion(text, diags)
            .into_iter()
            .map(|r| {
                let added = (
                    r.at.clone(),
                    format!("expansion {} {}", r.node, r.commodity),
                );
                raw.expansion.get_or_insert_with(Vec::new).push(r);
                added
            })
            .collect(),
    }
}

fn cell_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => show(*f),
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
    table: Table,
    filter: &super::filter::Filter,
    changes: &mut Vec<Change>,
    diags: &mut Diagnostics,
) {
    if !expansion_allowed(raw, at, table, diags) || !filter_fits(at, table, filter, diags) {
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
        Table::Countries => drop_rows!(
            raw.countries,
            |r: &tables::CountryRow| !filter.matches_country(&look, &r.code),
            |r: &tables::CountryRow| format!("country {}", r.code)
        ),
        Table::Nodes => drop_rows!(
            raw.nodes,
            |r: &tables::NodeRow| !filter.matches_node_row(&look, &r.id, None),
            |r: &tables::NodeRow| format!("node {}", r.id)
        ),
        Table::Supply => drop_rows!(
            raw.supply,
            |r: &tables::SupplyRow| !(filter.matches_node_row(&look, &r.node, Some(&r.commodity))
                && filter.matches_year(r.year)),
            |r: &tables::SupplyRow| format!("supply {} {}{}", r.node, r.commodity, in_year(r.year))
        ),
        Table::Refining => drop_rows!(
            raw.refining,
            |r: &tables::RefiningRow| !(filter.matches_node_row(
                &look,
                &r.node,
                Some(&r.commodity)
            ) && filter.matches_year(r.year)),
            |r: &tables::RefiningRow| format!(
                "refining {} {}{}",
                r.node,
                r.commodity,
                in_year(r.year)
            )
        ),
        Table::Demand => drop_rows!(
            raw.demand,
            |r: &tables::DemandRow| !(filter.matches_node_row(&look, &r.node, Some(&r.commodity))
                && filter.matches_year(r.year)),
            |r: &tables::DemandRow| format!("demand {} {}{}", r.node, r.commodity, in_year(r.year))
        ),
        Table::Routes => drop_rows!(
            raw.routes,
            |r: &tables::RouteRow| !(filter.matches_route(&look, &r.from, &r.to, &r.commodity)
                && filter.matches_year(r.year)),
            |r: &tables::RouteRow| format!(
                "route {} -> {} {}{}",
                r.from,
                r.to,
                r.commodity,
                in_year(r.year)
            )
        ),
        Table::Expansion => {
            if let Some(rows) = raw.expansion.as_mut() {
                drop_rows!(
                    rows,
                    |r: &tables::ExpansionRow| !filter.matches_node_row(
                        &look,
                        &r.node,
                        Some(&r.commodity)
                    ),
                    |r: &tables::ExpansionRow| format!("expansion {} {}", r.node, r.commodity)
                )
            }
        }
    }
    if removed.is_empty() {
        nothing_selected(at, table, diags);
    }
    changes.extend(removed.into_iter().map(|(row, what)| Change::Removed {
        by: at.clone(),
        row: row.location(),
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
    let value = match numbers::share(value) {
        Ok(x) => x,
        Err(why) => {
            diags.error(at.clone(), format!("share {} {why}", show(value)));
            return;
        }
    };
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
}

/// `--no-policies`: every policy goes; a model without any is not an error.
fn remove_all_policies(raw: &mut RawModel, at: &Location, changes: &mut Vec<Change>) {
    let names: Vec<String> = raw
        .toml
        .policies
        .drain(..)
        .map(|p| p.name.map(|n| n.value).unwrap_or_default())
        .collect();
    if !names.is_empty() {
        changes.push(Change::Policy {
            by: at.clone(),
            text: format!(
                "polic{} {} removed",
                if names.len() == 1 { "y" } else { "ies" },
                names.join(", ")
            ),
        });
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
