//! Scenarios: TOML overlays that change a base model without copying it
//! (docs/scenarios.md). A scenario is parsed into operations, which are
//! applied in the order they were written to the model's raw rows, before
//! validation, so everything a scenario adds is checked like the model itself.

mod apply;
pub mod filter;

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostics::{Diagnostics, Location};
use crate::input::model_toml::{read_policies, Positions};
use crate::input::PolicyEntry;
pub use apply::{apply, Change};
use filter::Filter;

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
    pub table: String,
    #[serde(rename = "where", default)]
    pub filter: Filter,
    pub capacity: Option<Amount>,
    pub cost: Option<f64>,
    #[serde(rename = "yield")]
    pub yield_: Option<f64>,
    pub demand: Option<f64>,
    pub penalty: Option<f64>,
}

/// `[[insert]]`: rows inline or from a CSV file next to the scenario.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InsertOp {
    pub table: String,
    pub rows: Option<Vec<toml::Table>>,
    pub file: Option<String>,
}

/// `[[remove]]`: the selected rows go.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoveOp {
    pub table: String,
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
    Numbers(NumberChange, NumbersOp),
    Insert {
        table: String,
        rows: Vec<toml::Table>,
        csv: Option<(String, String)>,
    },
    Remove(RemoveOp),
    Policy(PolicyEntry),
    Share(ShareOp),
    RemovePolicy(String),
}

/// A scenario's operations (its `extends` first), each with its location.
#[derive(Clone, Debug, Default)]
pub struct Scenario {
    pub ops: Vec<(Location, Op)>,
    /// Every file read (the scenario, what it extends, inserted CSVs), with its text: for content hashes.
    pub sources: Vec<(String, String)>,
}

/// Reads a scenario file and everything it extends. Problems go to `diags`.
pub fn load(path: &Path, diags: &mut Diagnostics) -> Scenario {
    let mut scenario = Scenario::default();
    let mut stack = Vec::new();
    read_into(path, &mut scenario, &mut stack, diags);
    scenario
}

fn read_into(path: &Path, out: &mut Scenario, stack: &mut Vec<PathBuf>, diags: &mut Diagnostics) {
    let shown = path.display().to_string();
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    if stack.contains(&canonical) {
        diags.error(
            Location::file(&shown),
            "the scenario extends itself (through a cycle of `extends`)",
        );
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
    out.sources.push((shown.clone(), text.clone()));
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    stack.push(canonical);
    for parent in &parsed.extends {
        read_into(&dir.join(parent.get_ref()), out, stack, diags);
    }
    stack.pop();
    let mut ops = own_ops(parsed, &pos, &dir, out, diags);
    let policies = read_policies(&shown, &text, diags);
    ops.extend(
        policies
            .into_iter()
            .map(|p| (p.at.line.unwrap_or(0), p.at.clone(), Op::Policy(p))),
    );
    // Operations apply in the order they were written, whatever their kind.
    ops.sort_by_key(|(line, _, _)| *line);
    out.ops.extend(ops.into_iter().map(|(_, at, op)| (at, op)));
}

type Numbered = Vec<(usize, Location, Op)>;

fn own_ops(
    parsed: ScenarioToml,
    pos: &Positions<'_>,
    dir: &Path,
    out: &mut Scenario,
    diags: &mut Diagnostics,
) -> Numbered {
    let mut ops: Numbered = Vec::new();
    let mut push = |span: std::ops::Range<usize>, op: Op| {
        let at = pos.at(span.start);
        ops.push((at.line.unwrap_or(0), at, op));
    };
    for (kind, list) in [
        (NumberChange::Scale, parsed.scale),
        (NumberChange::Set, parsed.set),
        (NumberChange::Add, parsed.add),
    ] {
        for op in list {
            push(op.span(), Op::Numbers(kind, op.into_inner()));
        }
    }
    for op in parsed.insert {
        let span = op.span();
        let op = op.into_inner();
        let csv = op.file.as_ref().and_then(|f| {
            let path = dir.join(f);
            match std::fs::read_to_string(&path) {
                Ok(text) => {
                    out.sources.push((path.display().to_string(), text.clone()));
                    Some((path.display().to_string(), text))
                }
                Err(e) => {
                    diags.error(
                        pos.at(span.start),
                        format!("cannot read {}: {e}", path.display()),
                    );
                    None
                }
            }
        });
        push(
            span,
            Op::Insert {
                table: op.table,
                rows: op.rows.unwrap_or_default(),
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
