//! Load: read a model folder's files and parse them into raw rows. Nothing
//! here resolves a reference; that is `validate`'s job.

pub mod csv_table;
pub mod model_toml;
pub mod numbers;
pub mod paths;
pub mod tables;
pub mod workbook;

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::Path;
use std::sync::Arc;

use crate::diagnostics::{Diagnostics, Location};
use csv_table::TableText;
pub use model_toml::PeriodsEntry;
pub use model_toml::{ModelToml, OneOrMany, PolicyEntry, Positioned};
pub use tables::{CountryRow, DemandRow, ExpansionRow, NodeRow, RefiningRow, RouteRow, SupplyRow};

/// The files every model folder has, in the order they are read.
pub const MODEL_FILES: [&str; 7] = [
    "model.toml",
    "countries.csv",
    "nodes.csv",
    "supply.csv",
    "refining.csv",
    "demand.csv",
    "routes.csv",
];

/// The files a model folder may have (contract section 10's
/// `expansion.csv`, which only a model with `[periods]` may have). A file
/// that does not exist is simply absent from [`ModelTexts::files`].
pub const OPTIONAL_MODEL_FILES: [&str; 1] = ["expansion.csv"];

/// The text of every model file (`None` where the file does not exist).
#[derive(Clone, Debug, Default)]
pub struct ModelTexts {
    /// The folder as the user named it, used to show file paths.
    pub shown_dir: String,
    pub files: BTreeMap<String, Option<String>>,
    /// Files that exist but could not be read (already reported): not "missing".
    pub unreadable: BTreeSet<String>,
    /// The sheet row of each record (the header first) of a table read from
    /// a workbook; a table without an entry counts the lines of its text.
    pub record_lines: BTreeMap<String, Vec<usize>>,
    /// Set when the model is a workbook: how its texts map to its cells.
    pub workbook: Option<Arc<workbook::Layout>>,
}

impl ModelTexts {
    /// Reads every model file of `dir`. A file that cannot be read (other than
    /// missing) or is not UTF-8 is reported in `diags` and treated as missing.
    /// A `dir` that is an `.xlsx` file is read as a model workbook ([`workbook`]).
    pub fn read_dir(dir: &Path, diags: &mut Diagnostics) -> ModelTexts {
        if workbook::is_workbook(dir) && dir.exists() {
            return workbook::read(dir, diags);
        }
        let shown_dir = dir.display().to_string();
        let mut files = BTreeMap::new();
        let mut unreadable = BTreeSet::new();
        if !dir.is_dir() {
            let why = if dir.exists() {
                "is not a folder"
            } else {
                "does not exist"
            };
            diags.error(
                Location::file(&shown_dir),
                format!("{why}: a model is a folder holding model.toml and six CSV files"),
            );
            unreadable.extend(MODEL_FILES.iter().map(|n| n.to_string()));
            return ModelTexts {
                shown_dir,
                files,
                unreadable,
                ..ModelTexts::default()
            };
        }
        for name in MODEL_FILES {
            let path = dir.join(name);
            let text = match std::fs::read(&path) {
                Ok(bytes) => utf8(&path.display().to_string(), bytes, diags),
                Err(e) if e.kind() == io::ErrorKind::NotFound => None,
                Err(e) => {
                    diags.error(
                        Location::file(path.display().to_string()),
                        format!("cannot read: {e}"),
                    );
                    unreadable.insert(name.to_string());
                    None
                }
            };
            if text.is_none() && path.exists() {
                unreadable.insert(name.to_string());
            }
            files.insert(name.to_string(), text);
        }
        for name in OPTIONAL_MODEL_FILES {
            let path = dir.join(name);
            match std::fs::read(&path) {
                Ok(bytes) => {
                    let text = utf8(&path.display().to_string(), bytes, diags);
                    if text.is_none() {
                        unreadable.insert(name.to_string());
                    }
                    files.insert(name.to_string(), text);
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => {
                    diags.error(
                        Location::file(path.display().to_string()),
                        format!("cannot read: {e}"),
                    );
                    unreadable.insert(name.to_string());
                    files.insert(name.to_string(), None);
                }
            }
        }
        ModelTexts {
            shown_dir,
            files,
            unreadable,
            ..ModelTexts::default()
        }
    }

    /// Names the cells of a workbook model in `diags` (`[book.xlsx]routes!D14`);
    /// nothing changes for a model folder.
    pub fn relocate(&self, diags: &mut Diagnostics) {
        if let Some(layout) = &self.workbook {
            diags.relocate(|loc| layout.locate(loc));
        }
    }

    /// [`ModelTexts::relocate`] for one location.
    pub fn relocate_one(&self, loc: &mut Location) {
        if let Some(layout) = &self.workbook {
            layout.locate(loc);
        }
    }

    /// The path of `name` as shown in messages.
    pub fn shown(&self, name: &str) -> String {
        if self.shown_dir.is_empty() {
            name.to_string()
        } else {
            Path::new(&self.shown_dir).join(name).display().to_string()
        }
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        self.files.get(name).and_then(|t| t.as_deref())
    }
}

fn utf8(shown: &str, bytes: Vec<u8>, diags: &mut Diagnostics) -> Option<String> {
    match String::from_utf8(bytes) {
        Ok(s) => Some(s),
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            diags.error(Location::line(shown, line), "is not valid UTF-8 text");
            None
        }
    }
}

/// Every file of a model, parsed into raw rows.
#[derive(Clone, Debug, Default)]
pub struct RawModel {
    pub toml: ModelToml,
    pub countries: Vec<CountryRow>,
    pub nodes: Vec<NodeRow>,
    pub supply: Vec<SupplyRow>,
    pub refining: Vec<RefiningRow>,
    pub demand: Vec<DemandRow>,
    pub routes: Vec<RouteRow>,
    /// The rows of expansion.csv; `None` when the model has no such file.
    pub expansion: Option<Vec<ExpansionRow>>,
    /// The path shown for each file name.
    pub shown: BTreeMap<String, String>,
}

/// Parses every file's text. Problems go to `diags`.
pub fn parse(texts: &ModelTexts, diags: &mut Diagnostics) -> RawModel {
    let shown: BTreeMap<String, String> = MODEL_FILES
        .iter()
        .chain(OPTIONAL_MODEL_FILES.iter())
        .map(|n| (n.to_string(), texts.shown(n)))
        .collect();
    let table = |name: &'static str| TableText {
        shown_as: shown.get(name).map(String::as_str).unwrap_or(name),
        text: texts.text(name),
        unreadable: texts.unreadable.contains(name),
        record_lines: texts.record_lines.get(name).map(Vec::as_slice),
    };
    RawModel {
        toml: model_toml::read_model_toml(
            &texts.shown("model.toml"),
            texts.text("model.toml"),
            texts.unreadable.contains("model.toml"),
            diags,
        ),
        countries: tables::read_countries(&table("countries.csv"), diags),
        nodes: tables::read_nodes(&table("nodes.csv"), diags),
        supply: tables::read_supply(&table("supply.csv"), diags),
        refining: tables::read_refining(&table("refining.csv"), diags),
        demand: tables::read_demand(&table("demand.csv"), diags),
        routes: tables::read_routes(&table("routes.csv"), diags),
        // An optional file: absent is not an error (but unreadable is, and
        // was reported when it was read).
        expansion: texts
            .files
            .contains_key("expansion.csv")
            .then(|| tables::read_expansion(&table("expansion.csv"), diags)),
        shown,
    }
}
