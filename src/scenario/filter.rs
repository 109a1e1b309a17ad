//! Row filters of scenario operations: `where = { country = "!CHN", ... }`.

use std::collections::HashMap;

use serde::Deserialize;

use super::Table;
use crate::input::RawModel;

/// A string or a list of strings; a value starting with `!` is negated.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Values {
    One(String),
    Many(Vec<String>),
}

impl Values {
    fn list(&self) -> Vec<&str> {
        match self {
            Values::One(s) => vec![s.as_str()],
            Values::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }

    /// Whether `value` passes: it equals one of the plain entries (if there
    /// are any) and none of the negated ones.
    fn matches(&self, test: impl Fn(&str) -> bool) -> bool {
        let list = self.list();
        let (negated, plain): (Vec<&str>, Vec<&str>) =
            list.into_iter().partition(|v| v.starts_with('!'));
        let excluded = negated.iter().any(|v| test(&v[1..]));
        let included = plain.is_empty() || plain.iter().any(|v| test(v));
        included && !excluded
    }
}

/// `where = {...}`: every given key must match.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    pub node: Option<Values>,
    pub kind: Option<Values>,
    pub country: Option<Values>,
    pub group: Option<Values>,
    pub commodity: Option<Values>,
    pub from: Option<Values>,
    pub to: Option<Values>,
    pub from_kind: Option<Values>,
    pub to_kind: Option<Values>,
    pub from_country: Option<Values>,
    pub to_country: Option<Values>,
    pub from_group: Option<Values>,
    pub to_group: Option<Values>,
    /// The row's `year` cell (contract section 10): a year or a list of
    /// years; a blank-year row matches none.
    pub year: Option<Years>,
}

/// The years a filter selects: `year = 2030` or `year = [2030, 2035]`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Years {
    One(i64),
    Many(Vec<i64>),
}

impl Years {
    fn contains(&self, year: i32) -> bool {
        match self {
            Years::One(y) => *y == i64::from(year),
            Years::Many(list) => list.contains(&i64::from(year)),
        }
    }
}

/// What a filter can ask about a node or a country, copied out of the raw
/// model (nodes and countries only) so that its rows can change meanwhile.
pub struct Lookup {
    /// node id -> (kind, country)
    nodes: HashMap<String, (String, String)>,
    /// country code -> groups
    groups: HashMap<String, Vec<String>>,
}

impl Lookup {
    pub fn new(raw: &RawModel) -> Lookup {
        Lookup {
            nodes: raw
                .nodes
                .iter()
                .map(|n| (n.id.clone(), (n.kind.clone(), n.country.clone())))
                .collect(),
            groups: raw
                .countries
                .iter()
                .map(|c| (c.code.clone(), c.groups.clone()))
                .collect(),
        }
    }

    fn kind(&self, node: &str) -> &str {
        self.nodes.get(node).map(|n| n.0.as_str()).unwrap_or("")
    }

    fn country(&self, node: &str) -> &str {
        self.nodes.get(node).map(|n| n.1.as_str()).unwrap_or("")
    }

    fn in_group(&self, country: &str, group: &str) -> bool {
        self.groups
            .get(country)
            .is_some_and(|g| g.iter().any(|x| x == group))
    }
}

fn ok(values: &Option<Values>, test: impl Fn(&str) -> bool) -> bool {
    values.as_ref().is_none_or(|v| v.matches(test))
}

impl Filter {
    /// The keys this filter uses that do not apply to `table`.
    pub fn keys_not_for(&self, table: Table) -> Vec<&'static str> {
        let node_keys = [
            ("node", &self.node),
            ("kind", &self.kind),
            ("country", &self.country),
            ("group", &self.group),
        ];
        let route_keys = [
            ("from", &self.from),
            ("to", &self.to),
            ("from_kind", &self.from_kind),
            ("to_kind", &self.to_kind),
            ("from_country", &self.from_country),
            ("to_country", &self.to_country),
            ("from_group", &self.from_group),
            ("to_group", &self.to_group),
        ];
        let allowed: &[&str] = match table {
            Table::Supply | Table::Refining | Table::Demand | Table::Expansion => {
                &["node", "kind", "country", "group", "commodity"]
            }
            Table::Nodes => &["node", "kind", "country", "group"],
            Table::Countries => &["country", "group"],
            Table::Routes => &[
                "commodity",
                "from",
                "to",
                "from_kind",
                "to_kind",
                "from_country",
                "to_country",
                "from_group",
                "to_group",
            ],
        };
        let with_year = matches!(
            table,
            Table::Supply | Table::Refining | Table::Demand | Table::Routes
        );
        let mut wrong: Vec<&'static str> = node_keys
            .iter()
            .chain(route_keys.iter())
            .chain([("commodity", &self.commodity)].iter())
            .filter(|(name, v)| v.is_some() && !allowed.contains(name))
            .map(|(name, _)| *name)
            .collect();
        if self.year.is_some() && !with_year {
            wrong.push("year");
        }
        wrong
    }

    /// A row of supply, refining or demand (or a node, with no commodity).
    pub fn matches_node_row(&self, look: &Lookup, node: &str, commodity: Option<&str>) -> bool {
        let country = look.country(node);
        ok(&self.node, |v| v == node)
            && ok(&self.kind, |v| v == look.kind(node))
            && ok(&self.country, |v| v == country)
            && ok(&self.group, |g| look.in_group(country, g))
            && ok(&self.commodity, |v| commodity == Some(v))
    }

    /// A row of a table with a `year` column, by its year cell.
    pub fn matches_year(&self, year: Option<i32>) -> bool {
        self.year
            .as_ref()
            .is_none_or(|years| year.is_some_and(|y| years.contains(y)))
    }

    /// A country row.
    pub fn matches_country(&self, look: &Lookup, code: &str) -> bool {
        ok(&self.country, |v| v == code) && ok(&self.group, |g| look.in_group(code, g))
    }

    /// A route row.
    pub fn matches_route(&self, look: &Lookup, from: &str, to: &str, commodity: &str) -> bool {
        let (fc, tc) = (look.country(from), look.country(to));
        ok(&self.from, |v| v == from)
            && ok(&self.to, |v| v == to)
            && ok(&self.from_kind, |v| v == look.kind(from))
            && ok(&self.to_kind, |v| v == look.kind(to))
            && ok(&self.from_country, |v| v == fc)
            && ok(&self.to_country, |v| v == tc)
            && ok(&self.from_group, |g| look.in_group(fc, g))
            && ok(&self.to_group, |g| look.in_group(tc, g))
            && ok(&self.commodity, |v| v == commodity)
    }
}

#[cfg(test)]
mod tests {
    use super::Values;

    #[test]
    fn negation_and_lists() {
        let not_china = Values::One("!CHN".into());
        assert!(not_china.matches(|v| v == "JPN"));
        assert!(!not_china.matches(|v| v == "CHN"));
        let either = Values::Many(vec!["JPN".into(), "KOR".into()]);
        assert!(either.matches(|v| v == "KOR"));
        assert!(!either.matches(|v| v == "CHN"));
        let neither = Values::Many(vec!["!CHN".into(), "!RUS".into()]);
        assert!(neither.matches(|v| v == "JPN"));
        assert!(!neither.matches(|v| v == "RUS"));
    }
}
