//! The report as a table for a terminal: what it cost, who gets what from
//! where, which policies and capacities bind and what relaxing them is worth.

use std::fmt::Write;

use std::collections::BTreeMap;

use super::Report;

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
    let _ = writeln!(
        out,
        "{:<10} {:<12} {:>14} {:>14} {:>12} {:>14}  {:<34} {:<34}",
        "consumer",
        "commodity",
        "demand",
        "delivered",
        "unmet",
        "marginal",
        "top mining countries (HHI)",
        "top refining countries (HHI)"
    );
    for c in &report.consumers {
        let _ = writeln!(
            out,
            "{:<10} {:<12} {:>14} {:>14} {:>12} {:>14}  {:<34} {:<34}",
            c.node,
            c.commodity,
            amount(c.demand),
            amount(c.delivered),
            amount(c.unmet),
            amount(c.marginal_cost),
            top(&c.mining_shares, c.hhi_mining),
            top(&c.refining_shares, c.hhi_refining),
        );
    }
}

fn top(shares: &BTreeMap<String, f64>, hhi: f64) -> String {
    let mut list: Vec<(&String, &f64)> = shares.iter().collect();
    if list.is_empty() {
        return "-".into();
    }
    list.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
    let named: Vec<String> = list
        .iter()
        .take(TOP)
        .map(|(k, v)| format!("{k} {:.1}%", *v * 100.0))
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
