//! Reading `model.toml` with positions: the document is parsed into toml's
//! spanned tree and walked by hand, so that every problem (a syntax error, a
//! missing key, a key of the wrong type, an unknown key) is reported with its
//! line and column, all at once.

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::numbers::{self, NumberError};
use crate::diagnostics::{Diagnostics, Location};

/// A value with where it was written.
#[derive(Clone, Debug)]
pub struct Positioned<T> {
    pub value: T,
    pub at: Location,
}

/// A policy key that takes either one string or a list of strings.
#[derive(Clone, Debug, PartialEq)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// `model.toml`, keys checked for type; references not yet resolved.
#[derive(Clone, Debug, Default)]
pub struct ModelToml {
    pub name: String,
    pub description: String,
    pub currency: String,
    pub shortfall_penalty: Option<f64>,
    pub commodities: Vec<CommodityEntry>,
    pub policies: Vec<PolicyEntry>,
    /// False when the file is missing, unreadable or not TOML: then nothing
    /// it would define (commodities) can be checked against, and references
    /// to commodities are not reported as unknown.
    pub usable: bool,
    /// Ids of `[[commodity]]` tables that have errors: known, but not usable.
    pub broken_commodities: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct CommodityEntry {
    pub at: Location,
    pub id: Positioned<String>,
    pub name: String,
    pub unit: String,
}

/// One `[[policy]]`; a required key that is missing or mistyped is `None`
/// (and already reported).
#[derive(Clone, Debug)]
pub struct PolicyEntry {
    pub at: Location,
    pub name: Option<Positioned<String>>,
    pub kind: Option<Positioned<String>>,
    /// One stage as written in a file; both for the policy `--max-share` adds.
    pub stage: Option<Positioned<Vec<String>>>,
    pub commodity: Option<Positioned<String>>,
    pub scope: Option<Positioned<OneOrMany>>,
    pub from: Option<Positioned<OneOrMany>>,
    pub exempt: Option<Positioned<Vec<String>>>,
    pub share: Option<Positioned<f64>>,
}

/// Turns byte offsets into 1-based line and character column.
pub(crate) struct Positions<'a> {
    file: &'a str,
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Positions<'a> {
    pub(crate) fn new(file: &'a str, text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Positions {
            file,
            text,
            line_starts,
        }
    }

    pub(crate) fn at(&self, offset: usize) -> Location {
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let end = offset.min(self.text.len());
        let column = self
            .text
            .get(start..end)
            .map(|s| s.chars().count())
            .unwrap_or(0)
            + 1;
        Location::char(self.file, line, column)
    }

    fn of<T>(&self, spanned: &Spanned<T>) -> Location {
        self.at(spanned.span().start)
    }
}

/// Parses `model.toml`. Problems go to `diags`; what could be read is returned.
pub fn read_model_toml(
    shown_as: &str,
    text: Option<&str>,
    unreadable: bool,
    diags: &mut Diagnostics,
) -> ModelToml {
    let unusable = ModelToml {
        usable: false,
        ..ModelToml::default()
    };
    let Some(text) = text else {
        if !unreadable {
            diags.error_hint(
                Location::file(shown_as),
                "file is missing",
                "every model folder needs a model.toml",
            );
        }
        return unusable;
    };
    let pos = Positions::new(shown_as, text);
    let (doc, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        for e in errors {
            let at = e
                .span()
                .map(|s| pos.at(s.start))
                .unwrap_or_else(|| Location::file(shown_as));
            diags.error(at, format!("TOML syntax: {}", e.message().trim()));
        }
        return unusable;
    }
    let mut walker = Walker { pos: &pos, diags };
    walker.document(doc.get_ref(), &pos.at(0))
}

/// Reads only the `[[policy]]` tables of a TOML text (a scenario's), with the
/// same checks as in model.toml. Syntax errors are left to the caller.
pub fn read_policies(shown_as: &str, text: &str, diags: &mut Diagnostics) -> Vec<PolicyEntry> {
    let pos = Positions::new(shown_as, text);
    let Ok(doc) = DeTable::parse(text) else {
        return Vec::new();
    };
    let mut walker = Walker { pos: &pos, diags };
    match doc
        .get_ref()
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == "policy")
    {
        Some((key, value)) => walker.tables(key, value, |w, at, t| w.policy(at, t)),
        None => Vec::new(),
    }
}

struct Walker<'p, 'd> {
    pos: &'p Positions<'p>,
    diags: &'d mut Diagnostics,
}

type Entry<'i> = (
    &'i Spanned<std::borrow::Cow<'i, str>>,
    &'i Spanned<DeValue<'i>>,
);

impl Walker<'_, '_> {
    fn document(&mut self, doc: &DeTable<'_>, top: &Location) -> ModelToml {
        let mut out = ModelToml {
            currency: "USD".into(),
            usable: true,
            ..Default::default()
        };
        let mut has_name = false;
        let mut has_commodity_tables = false;
        for (key, value) in doc.iter() {
            match key.get_ref().as_ref() {
                "name" => {
                    if let Some(s) = self.string(key, value) {
                        out.name = s.value;
                        has_name = true;
                    }
                }
                "description" => {
                    out.description = self.string(key, value).map(|s| s.value).unwrap_or_default()
                }
                "currency" => {
                    out.currency = self
                        .string(key, value)
                        .map(|s| s.value)
                        .unwrap_or(out.currency)
                }
                "defaults" => out.shortfall_penalty = self.defaults(key, value),
                "commodity" => {
                    has_commodity_tables = true;
                    let entries = self.tables(key, value, |w, at, t| Some(w.commodity(at, t)));
                    for entry in entries {
                        match entry {
                            Ok(c) => out.commodities.push(c),
                            Err(Some(id)) => out.broken_commodities.push(id),
                            Err(None) => {}
                        }
                    }
                }
                "policy" => out.policies = self.tables(key, value, |w, at, t| w.policy(at, t)),
                other => self.unknown_key(key, other, "the top level", &TOP_KEYS),
            }
        }
        if !has_name {
            self.diags
                .error(top.clone(), "missing key `name` (the model's name)");
        }
        if !has_commodity_tables {
            self.diags.error_hint(
                top.clone(),
                "no [[commodity]] is defined",
                "add [[commodity]] tables with id, name and unit",
            );
        }
        out
    }

    fn defaults(
        &mut self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        value: &Spanned<DeValue<'_>>,
    ) -> Option<f64> {
        let Some(table) = value.get_ref().as_table() else {
            self.type_error(key, value, "a table");
            return None;
        };
        let mut penalty = None;
        for (k, v) in table.iter() {
            match k.get_ref().as_ref() {
                "shortfall_penalty" => penalty = self.number(k, v).map(|p| p.value),
                other => self.unknown_key(k, other, "[defaults]", &["shortfall_penalty"]),
            }
        }
        penalty
    }

    /// An array of tables, each read with `read`.
    fn tables<T>(
        &mut self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        value: &Spanned<DeValue<'_>>,
        read: impl Fn(&mut Self, Location, &DeTable<'_>) -> Option<T>,
    ) -> Vec<T> {
        let Some(items) = value.get_ref().as_array() else {
            self.type_error(key, value, "an array of tables ([[...]])");
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref().as_table() {
                Some(table) => {
                    let at = self.pos.of(item);
                    out.extend(read(self, at, table));
                }
                None => self.type_error(key, item, "a table"),
            }
        }
        out
    }

    /// A `[[commodity]]`; on error, the id if it could be read.
    fn commodity(
        &mut self,
        at: Location,
        table: &DeTable<'_>,
    ) -> Result<CommodityEntry, Option<String>> {
        let (mut id, mut name, mut unit) = (None, None, None);
        for (k, v) in table.iter() {
            match k.get_ref().as_ref() {
                "id" => id = self.string(k, v),
                "name" => name = self.string(k, v),
                "unit" => unit = self.string(k, v),
                other => self.unknown_key(k, other, "[[commodity]]", &["id", "name", "unit"]),
            }
        }
        let id = self.required(id, &at, "[[commodity]]", "id").ok_or(None)?;
        let unit = self
            .required(unit, &at, "[[commodity]]", "unit")
            .ok_or_else(|| Some(id.value.clone()))?;
        let name = name.map(|n| n.value).unwrap_or_else(|| id.value.clone());
        Ok(CommodityEntry {
            at,
            id,
            name,
            unit: unit.value,
        })
    }

    fn policy(&mut self, at: Location, table: &DeTable<'_>) -> Option<PolicyEntry> {
        let mut p = PolicyEntry {
            at: at.clone(),
            name: None,
            kind: None,
            stage: None,
            commodity: None,
            scope: None,
            from: None,
            exempt: None,
            share: None,
        };
        for entry in table.iter() {
            self.policy_key(&mut p, entry);
        }
        for (present, key) in [
            (p.name.is_some(), "name"),
            (p.kind.is_some(), "type"),
            (p.stage.is_some(), "stage"),
            (p.commodity.is_some(), "commodity"),
            (p.scope.is_some(), "scope"),
            (p.from.is_some(), "from"),
            (p.share.is_some(), "share"),
        ] {
            if !present && !table.iter().any(|(k, _)| k.get_ref().as_ref() == key) {
                self.diags.error(
                    at.clone(),
                    format!("[[policy]] is missing the required key `{key}`"),
                );
            }
        }
        Some(p)
    }

    fn policy_key(&mut self, p: &mut PolicyEntry, (k, v): Entry<'_>) {
        match k.get_ref().as_ref() {
            "name" => p.name = self.string(k, v),
            "type" => p.kind = self.string(k, v),
            "stage" => {
                p.stage = self.string(k, v).map(|s| Positioned {
                    value: vec![s.value],
                    at: s.at,
                })
            }
            "commodity" => p.commodity = self.string(k, v),
            "scope" => p.scope = self.one_or_many(k, v),
            "from" => p.from = self.one_or_many(k, v),
            "exempt" => {
                p.exempt = self.one_or_many(k, v).map(|x| Positioned {
                    value: match x.value {
                        OneOrMany::One(s) => vec![s],
                        OneOrMany::Many(list) => list,
                    },
                    at: x.at,
                })
            }
            "share" => p.share = self.checked_number(k, v, numbers::share),
            other => self.unknown_key(k, other, "[[policy]]", &POLICY_KEYS),
        }
    }

    fn required<T>(
        &mut self,
        value: Option<T>,
        at: &Location,
        table: &str,
        key: &str,
    ) -> Option<T> {
        if value.is_none() {
            self.diags.error(
                at.clone(),
                format!("{table} is missing the required key `{key}`"),
            );
        }
        value
    }

    fn string(
        &mut self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        value: &Spanned<DeValue<'_>>,
    ) -> Option<Positioned<String>> {
        match value.get_ref().as_str() {
            Some(s) => Some(Positioned {
                value: s.to_string(),
                at: self.pos.of(value),
            }),
            None => {
                self.type_error(key, value, "a string");
                None
            }
        }
    }

    /// A quantity (see [`numbers::quantity`]).
    fn number(
        &mut self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        value: &Spanned<DeValue<'_>>,
    ) -> Option<Positioned<f64>> {
        self.checked_number(key, value, numbers::quantity)
    }

    /// A number that `check` accepts, with its position.
    fn checked_number(
        &mut self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        value: &Spanned<DeValue<'_>>,
        check: fn(f64) -> Result<f64, NumberError>,
    ) -> Option<Positioned<f64>> {
        let at = self.pos.of(value);
        let parsed = match value.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .ok()
                .map(|x| x as f64),
            DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
            _ => {
                self.type_error(key, value, "a number");
                return None;
            }
        };
        let key = key.get_ref();
        match parsed.map(|x| (x, check(x))) {
            Some((_, Ok(x))) => Some(Positioned { value: x, at }),
            Some((x, Err(why))) => {
                self.diags
                    .error(at, format!("{key} {} {why}", numbers::show(x)));
                None
            }
            None => {
                self.diags
                    .error(at, format!("`{key}` is not a number this program can read"));
                None
            }
        }
    }

    fn one_or_many(
        &mut self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        value: &Spanned<DeValue<'_>>,
    ) -> Option<Positioned<OneOrMany>> {
        let at = self.pos.of(value);
        if let Some(s) = value.get_ref().as_str() {
            return Some(Positioned {
                value: OneOrMany::One(s.to_string()),
                at,
            });
        }
        let Some(items) = value.get_ref().as_array() else {
            self.type_error(key, value, "a string or a list of strings");
            return None;
        };
        let mut list = Vec::new();
        for item in items.iter() {
            match item.get_ref().as_str() {
                Some(s) => list.push(s.to_string()),
                None => self.type_error(key, item, "a string (in a list of strings)"),
            }
        }
        Some(Positioned {
            value: OneOrMany::Many(list),
            at,
        })
    }

    fn type_error(
        &mut self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        value: &Spanned<DeValue<'_>>,
        expected: &str,
    ) {
        self.diags.error(
            self.pos.of(value),
            format!(
                "`{}` must be {expected}, found {}",
                key.get_ref(),
                value.get_ref().type_str()
            ),
        );
    }

    fn unknown_key(
        &mut self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        name: &str,
        place: &str,
        known: &[&str],
    ) {
        let guess = crate::diagnostics::did_you_mean(name, known.iter().copied());
        self.diags.error_hint(
            self.pos.of(key),
            format!("unknown field `{name}` in {place}{guess}"),
            format!("the fields are: {}", known.join(", ")),
        );
    }
}

const TOP_KEYS: [&str; 6] = [
    "name",
    "description",
    "currency",
    "defaults",
    "commodity",
    "policy",
];
const POLICY_KEYS: [&str; 8] = [
    "name",
    "type",
    "stage",
    "commodity",
    "scope",
    "from",
    "exempt",
    "share",
];
