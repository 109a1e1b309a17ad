//! The report as a table for a terminal: what it cost, who gets what from
//! where, which policies and capacities bind and what relaxing them is worth.

use std::fmt::Write;

use std::collections::BTreeMap;

use super::{RangeKind, RangeReport, Report};
use crate::model::Stage;

/// How many countries the table lists per consumer and stage.
const TOP: usize = 3;

/// Renders `report` as plain text.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let cur = &report.currency;
    let _ = writeln!(
        out,
        "sourcemix: model {} -- {}",
        report.model, report.status
    );
    let _ = writeln!(
        out,
        "LP: {} variables, {} constraints",
        report.lp.variables, report.lp.constraints
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "Total cost {:>26} {cur}", amount(report.total_cost));
    for (name, value) in [
        ("supply", report.cost.supply),
        ("refining", report.cost.refining),
        ("transport", report.cost.transport),
        ("shortfall penalty", report.cost.shortfall),
    ] {
        let _ = writeln!(out, "  {name:<18} {:>24} {cur}", amount(value));
    }
    totals(&mut out, report);
    consumers(&mut out, report);
    policies(&mut out, report);
    capacities(&mut out, report);
    out
}

fn totals(out: &mut String, report: &Report) {
    let _ = writeln!(out, "\nAll consumers together (t per year)");
    let _ = writeln!(
        out,
        "{:<12} {:>16} {:>16} {:>14}  {:<34} {:<34}",
        "commodity",
        "demand",
        "delivered",
        "unmet",
        "top mining countries (HHI)",
        "top refining countries (HHI)"
    );
    for t in &report.totals {
        let _ = writeln!(
            out,
            "{:<12} {:>16} {:>16} {:>14}  {:<34} {:<34}",
            t.commodity,
            amount(t.demand),
            amount(t.delivered),
            amount(t.unmet),
            top(&t.mining_shares, t.hhi_mining),
            top(&t.refining_shares, t.hhi_refining),
        );
    }
}

fn consumers(out: &mut String, report: &Report) {
    let _ = writeln!(
        out,
        "\nConsumers (t per year; marginal cost in {} per t of extra demand)",
        report.currency
    );
    if !report.ranges.is_empty() {
        let _ = writeln!(
            out,
            "[a-b]: the least and the most % of demand the country can supply at the least total cost"
        );
    }
    let ranges = ranges_by_consumer(report);
    let cells: Vec<(String, String)> = report
        .consumers
        .iter()
        .map(|c| {
            let at = |stage: Stage| {
                let ranges = &ranges;
                move |country: &str| {
                    ranges
                        .get(&(c.node.as_str(), c.commodity.as_str(), stage, country))
                        .map(|r| bracket(r))
                }
            };
            (
                top_with(&c.mining_shares, c.hhi_mining, at(Stage::Mining)),
                top_with(&c.refining_shares, c.hhi_refining, at(Stage::Refining)),
            )
        })
        .collect();
    // Without ranges the columns keep their fixed width (and the table its bytes).
    let (wm, wr) = if report.ranges.is_empty() {
        (34, 34)
    } else {
        let wm = cells.iter().map(|c| c.0.len()).max().unwrap_or(0);
        let wr = cells.iter().map(|c| c.1.len()).max().unwrap_or(0);
        (wm.max(34), wr.max(34))
    };
    let _ = writeln!(
        out,
        "{:<10} {:<12} {:>14} {:>14} {:>12} {:>14}  {:<wm$} {:<wr$}",
        "consumer",
        "commodity",
        "demand",
        "delivered",
        "unmet",
        "marginal",
        "top mining countries (HHI)",
        "top refining countries (HHI)"
    );
    for (c, (mining, refining)) in report.consumers.iter().zip(&cells) {
        let _ = writeln!(
            out,
            "{:<10} {:<12} {:>14} {:>14} {:>12} {:>14}  {:<wm$} {:<wr$}",
            c.node,
            c.commodity,
            amount(c.demand),
            amount(c.delivered),
            amount(c.unmet),
            amount(c.marginal_cost),
            mining,
            refining,
        );
    }
    scope_ranges(out, report);
}

type RangeKey<'a> = (&'a str, &'a str, Stage, &'a str);

/// The per-consumer ranges by (consumer, commodity, stage, country).
fn ranges_by_consumer(report: &Report) -> BTreeMap<RangeKey<'_>, &RangeReport> {
    report
        .ranges
        .iter()
        .filter(|r| r.kind == RangeKind::Consumer)
        .map(|r| {
            (
                (
                    r.scope.as_str(),
                    r.commodity.as_str(),
                    r.stage,
                    r.country.as_str(),
                ),
                r,
            )
        })
        .collect()
}

/// `[40.2-65.0]`: a range in percent of demand.
fn bracket(r: &RangeReport) -> String {
    format!("[{:.1}-{:.1}]", r.min_share * 100.0, r.max_share * 100.0)
}

/// The ranges of the pooled policy scopes: per scope, commodity and stage,
/// the countries supplying most (share of the scope's demand, and range).
fn scope_ranges(out: &mut String, report: &Report) {
    let mut groups: BTreeMap<(&str, &str, Stage), Vec<&RangeReport>> = BTreeMap::new();
    for r in report.ranges.iter().filter(|r| r.kind == RangeKind::Scope) {
        groups
            .entry((r.scope.as_str(), r.commodity.as_str(), r.stage))
            .or_default()
            .push(r);
    }
    if groups.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nPooled policy scopes (t per year; % of the scope's demand [least-most at the least total cost])"
    );
    let width = groups.keys().map(|k| k.0.len()).max().unwrap_or(5).max(5);
    let _ = writeln!(
        out,
        "{:<width$} {:<12} {:<9} {:>14}  top countries",
        "scope", "commodity", "stage", "demand"
    );
    for ((scope, commodity, stage), mut list) in groups {
        list.sort_by(|a, b| {
            b.amount
                .total_cmp(&a.amount)
                .then(b.max.total_cmp(&a.max))
                .then(a.country.cmp(&b.country))
        });
        let named: Vec<String> = list
            .iter()
            .take(TOP)
            .map(|r| {
                let share = if r.demand > 0.0 {
                    r.amount / r.demand
                } else {
                    0.0
                };
                format!("{} {:.1}% {}", r.country, share * 100.0, bracket(r))
            })
            .collect();
        let demand = list.first().map(|r| r.demand).unwrap_or(0.0);
        let _ = writeln!(
            out,
            "{:<width$} {:<12} {:<9} {:>14}  {}",
            scope,
            commodity,
            stage,
            amount(demand),
            named.join(", ")
        );
    }
}

fn top(shares: &BTreeMap<String, f64>, hhi: f64) -> String {
    top_with(shares, hhi, |_| None)
}

/// The top countries with their shares, each followed by its range when
/// `range` gives one.
fn top_with(
    shares: &BTreeMap<String, f64>,
    hhi: f64,
    range: impl Fn(&str) -> Option<String>,
) -> String {
    let mut list: Vec<(&String, &f64)> = shares.iter().collect();
    if list.is_empty() {
        return "-".into();
    }
    list.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
    let named: Vec<String> = list
        .iter()
        .take(TOP)
        .map(|(k, v)| match range(k) {
            Some(r) => format!("{k} {:.1}% {r}", *v * 100.0),
            None => format!("{k} {:.1}%", *v * 100.0),
        })
        .collect();
    format!("{} ({:.0})", named.join(", "), hhi)
}

fn policies(out: &mut String, report: &Report) {
    let binding = report.policies.iter().filter(|p| p.binding).count();
    // Only the rows that shape the answer are listed (PolicyReport::shapes_answer).
    let shown: Vec<_> = report
        .policies
        .iter()
        .filter(|p| p.shapes_answer())
        .collect();
    let in_form = report
        .policies
        .iter()
        .filter(|p| p.binds_in_form_only())
        .count();
    let trivial = binding.saturating_sub(shown.len() + in_form);
    let _ = writeln!(
        out,
        "\nBinding policies: {} of {} rows (shadow price: {} per percentage point of the limit)",
        binding,
        report.policies.len(),
        report.currency
    );
    if in_form > 0 {
        let _ = writeln!(
            out,
            "({in_form} binding rows over scopes that receive nothing are not listed)"
        );
    }
    if trivial > 0 {
        let _ = writeln!(
            out,
            "({trivial} binding rows with a cap of 100% or a floor of 0%, which hold whatever is delivered, are not listed)"
        );
    }
    if shown.is_empty() {
        return;
    }
    let name_width = shown
        .iter()
        .map(|p| p.policy.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let _ = writeln!(
        out,
        "{:<name_width$} {:<10} {:<12} {:<9} {:<14} {:<14} {:>7} {:>8} {:>18}",
        "policy", "type", "commodity", "stage", "scope", "from", "limit", "actual", "shadow price"
    );
    for p in shown {
        let _ = writeln!(
            out,
            "{:<name_width$} {:<10} {:<12} {:<9} {:<14} {:<14} {:>6.1}% {:>7.1}% {:>18}",
            p.policy,
            p.kind,
            p.commodity,
            p.stage,
            p.scope,
            p.from,
            p.limit * 100.0,
            p.actual * 100.0,
            amount(p.shadow_price)
        );
    }
}

fn capacities(out: &mut String, report: &Report) {
    let mut binding: Vec<_> = report.capacities.iter().filter(|c| c.binding).collect();
    binding.sort_by(|a, b| a.shadow_price.total_cmp(&b.shadow_price));
    let _ = writeln!(
        out,
        "\nBinding capacities: {} of {} (shadow price: {} per extra t; most valuable first)",
        binding.len(),
        report.capacities.len(),
        report.currency
    );
    if binding.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "{:<9} {:<32} {:<12} {:>14} {:>14}",
        "kind", "node or route", "commodity", "capacity", "shadow price"
    );
    for c in binding {
        let name = c.node.as_deref().or(c.route.as_deref()).unwrap_or("-");
        let _ = writeln!(
            out,
            "{:<9} {:<32} {:<12} {:>14} {:>14}",
            c.kind,
            name,
            c.commodity,
            amount(c.capacity),
            amount(c.shadow_price)
        );
    }
}

/// A number with thousands separators and two decimals.
pub fn amount(x: f64) -> String {
    let text = format!("{:.2}", x.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if x < 0.0 && text != "0.00" { "-" } else { "" };
    format!("{sign}{grouped}.{frac}")
}

#[cfg(test)]
mod tests {
    use super::amount;

    #[test]
    fn amounts_are_grouped() {
        assert_eq!(amount(1234567.891), "1,234,567.89");
        assert_eq!(amount(-0.001), "0.00");
        assert_eq!(amount(-1000.0), "-1,000.00");
        assert_eq!(amount(12.5), "12.50");
    }
}
