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
    /// `[periods]` (contract section 10); `None` for a model of one year.
    pub periods: Option<PeriodsEntry>,
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

/// `[periods]`, checked: `years` non-empty and strictly increasing (when
/// they are not, `years` is empty and the error reported), the other keys
/// in range with their defaults filled in.
#[derive(Clone, Debug)]
pub struct PeriodsEntry {
    /// Where `[periods]` is written.
    pub at: Location,
    pub years: Vec<i32>,
    /// 1..=1000, default 5.
    pub last_span: u32,
    /// Finite, 0 or more, default 0.
    pub discount_rate: f64,
    /// Finite, above 0, default 25.
    pub default_lifetime: f64,
}

/// The keys of `[periods]`.
const PERIODS_KEYS: [&str; 4] = ["years", "last_span", "discount_rate", "default_lifetime"];

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
    /// Optional (contract section 10): the first and last year it applies in.
    pub from_year: Option<Positioned<i32>>,
    pub until_year: Option<Positioned<i32>>,
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
                "periods" => out.periods = self.periods(key, value),
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

    /// `[periods]` (contract section 10).
    fn periods(
        &mut self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        value: &Spanned<DeValue<'_>>,
    ) -> Option<PeriodsEntry> {
        let Some(table) = value.get_ref().as_table() else {
            self.type_error(key, value, "a table");
            return None;
        };
        let mut out = PeriodsEntry {
            at: self.pos.of(key),
            years: Vec::new(),
            last_span: 5,
            discount_rate: 0.0,
            default_lifetime: 25.0,
        };
        let mut has_years = false;
        for (k, v) in table.iter() {
            match k.get_ref().as_ref() {
                "years" => {
                    has_years = true;
                    out.years = self.years(k, v);
                }
                "last_span" => {
                    if let Some(n) = self.integer(k, v) {
                        match u32::try_from(n.value) {
                            Ok(span) if (1..=1000).contains(&span) => out.last_span = span,
                            _ => self.diags.error(
                                n.at,
                                format!("last_span {} is not a number of years in 1..=1000 (the years the last period stands for)", n.value),
                            ),
                        }
                    }
                }
                "discount_rate" => {
                    if let Some(r) = self.any_number(k, v) {
                        if !r.value.is_finite() || r.value < 0.0 {
                            self.diags.error_hint(
                                r.at,
                                format!(
                                    "discount_rate {} is not a finite number of 0 or more",
                                    numbers::show(r.value)
                                ),
                                "a rate per year as a fraction: 0.05 is 5%",
                            );
                        } else {
                            if r.value >= 1.0 {
                                self.diags.warning(
                                    r.at,
                                    format!("discount_rate {} is {}% a year; a rate is a fraction (0.05 is 5%)", numbers::show(r.value), numbers::show(r.value * 100.0)),
                                );
                            }
                            out.discount_rate = r.value + 0.0;
                        }
                    }
                }
                "default_lifetime" => {
                    if let Some(l) = self.any_number(k, v) {
                        if l.value.is_finite() && l.value > 0.0 && l.value <= numbers::MAX_QUANTITY
                        {
                            out.default_lifetime = l.value;
                        } else {
                            self.diags.error(
                                l.at,
                                format!(
                                    "default_lifetime {} is not a number of years above 0",
                                    numbers::show(l.value)
                                ),
                            );
                        }
                    }
                }
                other => self.unknown_key(k, other, "[periods]", &PERIODS_KEYS),
            }
        }
        if !has_years {
            self.diags.error_hint(
                out.at.clone(),
                "[periods] is missing the required key `years`",
                "list the representative years: years = [2024, 2030, 2035, 2040]",
            );
        }
        Some(out)
    }

    /// `years = [...]`: integers in 1..=9999, strictly increasing, at least
    /// one. Empty when any of that fails (and reported).
    fn years(
        &mut self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        value: &Spanned<DeValue<'_>>,
    ) -> Vec<i32> {
        let Some(items) = value.get_ref().as_array() else {
            self.type_error(key, value, "a list of years such as [2024, 2030]");
            return Vec::new();
        };
        if items.is_empty() {
            self.diags.error(
                self.pos.of(value),
                "years is an empty list (name at least one year, such as [2024])",
            );
            return Vec::new();
        }
        let mut years: Vec<i32> = Vec::new();
        let mut ok = true;
        for item in items.iter() {
            let at = self.pos.of(item);
            let year = match item.get_ref() {
                DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                    .ok()
                    .and_then(|y| i32::try_from(y).ok())
                    .filter(|y| (1..=9999).contains(y)),
                _ => None,
            };
            let Some(year) = year else {
                self.diags.error(
                    at,
                    format!(
                        "`years` holds {}, not a year (expected a whole number such as 2030)",
                        item_text(item.get_ref())
                    ),
                );
                ok = false;
                continue;
            };
            if let Some(&last) = years.last() {
                if year <= last {
                    self.diags.error(
                        at,
                        format!("year {year} does not come after {last}: years must be strictly increasing"),
                    );
                    ok = false;
                }
            }
            years.push(year);
        }
        if ok {
            years
        } else {
            Vec::new()
        }
    }

    /// An integer with its position.
    fn integer(
        &mut self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        value: &Spanned<DeValue<'_>>,
    ) -> Option<Positioned<i64>> {
        match value.get_ref() {
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(x) => Some(Positioned {
                    value: x,
                    at: self.pos.of(value),
                }),
                Err(_) => {
                    self.diags.error(
                        self.pos.of(value),
                        format!("`{}` is not a number this program can read", key.get_ref()),
                    );
                    None
                }
            },
            _ => {
                self.type_error(key, value, "a whole number");
                None
            }
        }
    }

    /// A year (1..=9999) with its position.
    fn year(
        &mut self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        value: &Spanned<DeValue<'_>>,
    ) -> Option<Positioned<i32>> {
        let n = self.integer(key, value)?;
        match i32::try_from(n.value) {
            Ok(y) if (1..=9999).contains(&y) => Some(Positioned { value: y, at: n.at }),
            _ => {
                self.diags.error(
                    n.at,
                    format!(
                        "`{}` = {} is not a year (expected a whole number such as 2030)",
                        key.get_ref(),
                        n.value
                    ),
                );
                None
            }
        }
    }

    /// Any number (integer or float, NaN and inf included) with its position.
    fn any_number(
        &mut self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        value: &Spanned<DeValue<'_>>,
    ) -> Option<Positioned<f64>> {
        let at = self.pos.of(value);
        let parsed = match value.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .ok()
                .map(|x| x as f64),
            DeValue::Float(f) => parse_toml_float(f.as_str()),
            _ => {
                self.type_error(key, value, "a number");
                return None;
            }
        };
        match parsed {
            Some(x) => Some(Positioned { value: x, at }),
            None => {
                self.diags.error(
                    at,
                    format!("`{}` is not a number this program can read", key.get_ref()),
                );
                None
            }
        }
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
            from_year: None,
            until_year: None,
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
            "from_year" => p.from_year = self.year(k, v),
            "until_year" => p.until_year = self.year(k, v),
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

const TOP_KEYS: [&str; 7] = [
    "name",
    "description",
    "currency",
    "defaults",
    "commodity",
    "policy",
    "periods",
];
const POLICY_KEYS: [&str; 10] = [
    "name",
    "type",
    "stage",
    "commodity",
    "scope",
    "from",
    "exempt",
    "share",
    "from_year",
    "until_year",
];

/// A TOML float as written (`nan`, `inf` and `-inf` included).
fn parse_toml_float(text: &str) -> Option<f64> {
    text.replace('_', "").parse().ok()
}

/// A TOML value as shown in a message.
fn item_text(value: &DeValue<'_>) -> String {
    match value {
        DeValue::Integer(i) => i.as_str().to_string(),
        DeValue::Float(f) => f.as_str().to_string(),
        DeValue::String(s) => format!("\"{s}\""),
        other => format!("a {}", other.type_str()),
    }
}
