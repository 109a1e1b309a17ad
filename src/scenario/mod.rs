//! Scenarios: TOML overlays that change a base model without copying it
//! (docs/scenarios.md). A scenario is parsed into operations, which are
//! applied in the order they were written to the model's raw rows, before
//! validation, so everything a scenario adds is checked like the model itself.

mod apply;
pub mod filter;
mod params;

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostics::{did_you_mean, Diagnostics, Location};
use crate::input::model_toml::{read_policies, Positions};
use crate::input::{paths, PolicyEntry};
pub use apply::{apply, Change};
use filter::Filter;
pub use params::{ParamError, RunParams, MAX_SHARE_POLICY};

/// A table of a model folder, as a scenario names it (`table = "supply"`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    Countries,
    Nodes,
    Supply,
    Refining,
    Demand,
    Routes,
    /// `expansion.csv`, the investment options of a model with `[periods]`
    /// (contract section 10).
    Expansion,
}

impl Table {
    pub const ALL: [Table; 7] = [
        Table::Countries,
        Table::Nodes,
        Table::Supply,
        Table::Refining,
        Table::Demand,
        Table::Routes,
        Table::Expansion,
    ];

    /// The name as written in a scenario (the file name without `.csv`).
    pub fn as_str(self) -> &'static str {
        match self {
            Table::Countries => "countries",
            Table::Nodes => "nodes",
            Table::Supply => "supply",
            Table::Refining => "refining",
            Table::Demand => "demand",
            Table::Routes => "routes",
            Table::Expansion => "expansion",
        }
    }

    pub fn parse(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// The numbers `[[scale]]`, `[[set]]` and `[[add]]` may change.
    pub fn numeric_fields(self) -> &'static [&'static str] {
        match self {
            Table::Supply | Table::Routes => &["capacity", "cost"],
            Table::Refining => &["capacity", "cost", "yield"],
            Table::Demand => &["demand", "penalty"],
            Table::Expansion => &["max_added", "capex", "fixed_cost", "first_year", "lifetime"],
            Table::Countries | Table::Nodes => &[],
        }
    }

    /// The CSV columns of the table, the optional ones (supply's `stock`) last.
    pub fn columns(self) -> &'static [&'static str] {
        crate::input::tables::all_columns(self.as_str()).unwrap_or(&[])
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Table {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Table, D::Error> {
        let name = String::deserialize(d)?;
        Table::parse(&name).ok_or_else(|| {
            let names = Table::ALL.map(Table::as_str);
            serde::de::Error::custom(format!(
                "unknown table \"{name}\"{} (the tables are: {})",
                did_you_mean(&name, names),
                names.join(", ")
            ))
        })
    }
}

/// A capacity given in a scenario: a number, or "unlimited".
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Amount {
    Number(f64),
    Word(String),
}

/// `[[scale]]`, `[[set]]` or `[[add]]`: numbers of the selected rows.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumbersOp {
    pub table: Table,
    #[serde(rename = "where", default)]
    pub filter: Filter,
    pub capacity: Option<Amount>,
    pub cost: Option<f64>,
    #[serde(rename = "yield")]
    pub yield_: Option<f64>,
    pub demand: Option<f64>,
    pub penalty: Option<f64>,
    /// Expansion rows: t per year that may be added; "unlimited" with [[set]].
    pub max_added: Option<Amount>,
    pub capex: Option<f64>,
    pub fixed_cost: Option<f64>,
    /// A year ([[set]]) or a number of years ([[add]]); not scaled.
    pub first_year: Option<f64>,
    pub lifetime: Option<f64>,
}

impl NumbersOp {
    /// An operation on every row of `table` that changes nothing yet.
    pub fn every_row(table: Table) -> NumbersOp {
        NumbersOp {
            table,
            filter: Filter::default(),
            capacity: None,
            cost: None,
            yield_: None,
            demand: None,
            penalty: None,
            max_added: None,
            capex: None,
            fixed_cost: None,
            first_year: None,
            lifetime: None,
        }
    }
}

/// `[[insert]]`: rows inline or from a CSV file next to the scenario.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InsertOp {
    pub table: Table,
    pub rows: Option<Vec<Spanned<toml::Table>>>,
    pub file: Option<Spanned<String>>,
}

/// One row of `[[insert]] rows = [...]`, with where it was written.
#[derive(Clone, Debug)]
pub struct InlineRow {
    pub at: Location,
    pub cells: toml::Table,
}

/// `[[remove]]`: the selected rows go.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoveOp {
    pub table: Table,
    #[serde(rename = "where", default)]
    pub filter: Filter,
}

/// `[[policy_share]]`: a policy's new share.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareOp {
    pub name: String,
    pub share: f64,
}

/// A scenario file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioToml {
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    extends: Vec<Spanned<String>>,
    #[serde(default)]
    scale: Vec<Spanned<NumbersOp>>,
    #[serde(default)]
    set: Vec<Spanned<NumbersOp>>,
    #[serde(default)]
    add: Vec<Spanned<NumbersOp>>,
    #[serde(default)]
    insert: Vec<Spanned<InsertOp>>,
    #[serde(default)]
    remove: Vec<Spanned<RemoveOp>>,
    /// Parsed again with the model.toml rules (see `read_policies`).
    #[serde(default)]
    policy: Vec<Spanned<toml::Table>>,
    #[serde(default)]
    policy_share: Vec<Spanned<ShareOp>>,
    #[serde(default)]
    remove_policies: Vec<Spanned<String>>,
}

/// How `[[scale]]`, `[[set]]` and `[[add]]` change a number.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum NumberChange {
    Scale,
    Set,
    Add,
}

/// One operation, with where it was written.
#[derive(Clone, Debug)]
pub enum Op {
    /// `[[scale]]`, `[[set]]`, `[[add]]`. Selecting no row is an error unless
    /// `may_select_nothing` (run parameters: `demand_scale` of a model without demand).
    Numbers {
        change: NumberChange,
        op: NumbersOp,
        may_select_nothing: bool,
    },
    Insert {
        table: Table,
        rows: Vec<InlineRow>,
        /// A CSV file's path (as shown) and text.
        csv: Option<(String, String)>,
    },
    Remove(RemoveOp),
    Policy(Box<PolicyEntry>),
    Share(ShareOp),
    RemovePolicy(String),
    /// Every policy of the model goes (`--no-policies`); none is not an error.
    RemoveAllPolicies,
}

/// A scenario's operations (its `extends` first), each with its location.
#[derive(Clone, Debug, Default)]
pub struct Scenario {
    pub ops: Vec<(Location, Op)>,
    /// Every file read (the scenario, what it extends, inserted CSVs), with its text: for content hashes.
    pub sources: Vec<(String, String)>,
}

/// How a scenario file may name other files.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Paths in `extends` and `file` may leave the folder of the file naming them.
    pub allow_outside: bool,
    /// The base model's folder: a path may also lead inside it.
    pub model_dir: Option<PathBuf>,
}

/// Reads a scenario file and everything it extends. Problems go to `diags`.
/// Paths it names must stay inside its folder (see [`load_with`]).
pub fn load(path: &Path, diags: &mut Diagnostics) -> Scenario {
    load_with(path, &LoadOptions::default(), diags)
}

/// Reads a scenario file and everything it extends, each file once (a
/// parent reached by two `extends` paths is applied once, where it is first
/// reached). Problems go to `diags`.
pub fn load_with(path: &Path, opts: &LoadOptions, diags: &mut Diagnostics) -> Scenario {
    let mut loader = Loader {
        opts,
        out: Scenario::default(),
        stack: Vec::new(),
        done: BTreeSet::new(),
    };
    loader.read(path, diags);
    loader.out
}

struct Loader<'o> {
    opts: &'o LoadOptions,
    out: Scenario,
    /// The files being read (for cycles of `extends`).
    stack: Vec<PathBuf>,
    /// The files already read (for diamonds of `extends`).
    done: BTreeSet<PathBuf>,
}

impl Loader<'_> {
    fn read(&mut self, path: &Path, diags: &mut Diagnostics) {
        let shown = path.display().to_string();
        let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if self.stack.contains(&canonical) {
            diags.error(
                Location::file(&shown),
                "the scenario extends itself (through a cycle of `extends`)",
            );
            return;
        }
        if self.done.contains(&canonical) {
            return;
        }
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                diags.error(
                    Location::file(&shown),
                    format!("cannot read the scenario: {e}"),
                );
                return;
            }
        };
        let pos = Positions::new(&shown, &text);
        let parsed: ScenarioToml = match toml::from_str(&text) {
            Ok(p) => p,
            Err(e) => {
                let at = e
                    .span()
                    .map(|s| pos.at(s.start))
                    .unwrap_or_else(|| Location::file(&shown));
                diags.error(at, format!("scenario: {}", e.message().trim()));
                return;
            }
        };
        self.out.sources.push((shown.clone(), text.clone()));
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        self.stack.push(canonical.clone());
        for parent in &parsed.extends {
            if let Some(p) = self.resolve(&dir, parent, &pos, diags) {
                self.read(&p, diags);
            }
        }
        self.stack.pop();
        self.done.insert(canonical);
        let mut ops = self.own_ops(parsed, &pos, &dir, diags);
        let policies = read_policies(&shown, &text, diags);
        ops.extend(policies.into_iter().map(|p| {
            (
                p.at.line.unwrap_or(0),
                p.at.clone(),
                Op::Policy(Box::new(p)),
            )
        }));
        // Operations apply in the order they were written, whatever their kind.
        ops.sort_by_key(|(line, _, _)| *line);
        self.out
            .ops
            .extend(ops.into_iter().map(|(_, at, op)| (at, op)));
    }

    /// A path named in the file, if it may be read.
    fn resolve(
        &self,
        dir: &Path,
        written: &Spanned<String>,
        pos: &Positions<'_>,
        diags: &mut Diagnostics,
    ) -> Option<PathBuf> {
        match paths::resolve(
            dir,
            written.get_ref(),
            self.opts.model_dir.as_deref(),
            self.opts.allow_outside,
        ) {
            Ok(p) => Some(p),
            Err(e) => {
                diags.error(pos.at(written.span().start), e.to_string());
                None
            }
        }
    }

    fn own_ops(
        &mut self,
        parsed: ScenarioToml,
        pos: &Positions<'_>,
        dir: &Path,
        diags: &mut Diagnostics,
    ) -> Numbered {
        let mut ops: Numbered = Vec::new();
        let mut push = |span: std::ops::Range<usize>, op: Op| {
            let at = pos.at(span.start);
            ops.push((at.line.unwrap_or(0), at, op));
        };
        for (change, list) in [
            (NumberChange::Scale, parsed.scale),
            (NumberChange::Set, parsed.set),
            (NumberChange::Add, parsed.add),
        ] {
            for op in list {
                let span = op.span();
                push(
                    span,
                    Op::Numbers {
                        change,
                        op: op.into_inner(),
                        may_select_nothing: false,
                    },
                );
            }
        }
        for op in parsed.insert {
            let span = op.span();
            let op = op.into_inner();
            let csv = op.file.as_ref().and_then(|f| {
                let path = self.resolve(dir, f, pos, diags)?;
                match std::fs::read_to_string(&path) {
                    Ok(text) => {
                        self.out
                            .sources
                            .push((path.display().to_string(), text.clone()));
                        Some((path.display().to_string(), text))
                    }
                    Err(e) => {
                        diags.error(
                            pos.at(f.span().start),
                            format!("cannot read {}: {e}", path.display()),
                        );
                        None
                    }
                }
            });
            let rows = op
                .rows
                .unwrap_or_default()
                .into_iter()
                .map(|r| InlineRow {
                    at: pos.at(r.span().start),
                    cells: r.into_inner(),
                })
                .collect();
            push(
                span,
                Op::Insert {
                    table: op.table,
                    rows,
                    csv,
                },
            );
        }
        for op in parsed.remove {
            push(op.span(), Op::Remove(op.into_inner()));
        }
        for op in parsed.policy_share {
            push(op.span(), Op::Share(op.into_inner()));
        }
        for name in parsed.remove_policies {
            push(name.span(), Op::RemovePolicy(name.into_inner()));
        }
        let _ = parsed.policy;
        ops
    }
}

type Numbered = Vec<(usize, Location, Op)>;
