//! Periods: the arithmetic of contract section 10 that does not depend on
//! flows: how many years each period stands for, its discounted weight, the
//! annuity that spreads a capital cost over a lifetime, and in which periods
//! capacity added at the start of one period is available.

use crate::id::PeriodId;
use crate::model::{Expansion, Period};

/// The periods of `years` (increasing): period p stands for the years y_p ..
/// y_(p+1) - 1, the last for `last_span` years, and weighs
/// W_p = sum over those years y of (1 + r)^-(y - y_1).
pub fn periods(years: &[i32], last_span: u32, discount_rate: f64) -> Vec<Period> {
    let first = years.first().copied().unwrap_or(0);
    years
        .iter()
        .enumerate()
        .map(|(p, &year)| {
            let span = match years.get(p + 1) {
                Some(&next) => u32::try_from(next - year).unwrap_or(0),
                None => last_span,
            };
            let weight = (0..span)
                .map(|i| discount(discount_rate, year + i as i32 - first))
                .sum();
            Period { year, span, weight }
        })
        .collect()
}

/// (1 + r)^-t.
fn discount(rate: f64, years: i32) -> f64 {
    (1.0 + rate).powi(-years)
}

/// The share of a capital cost paid in each year of a life of `lifetime`
/// years at rate r: r / (1 - (1 + r)^-lifetime), 1 / lifetime when r = 0.
pub fn annuity(rate: f64, lifetime: f64) -> f64 {
    if rate == 0.0 {
        1.0 / lifetime
    } else {
        rate / (1.0 - (1.0 + rate).powf(-lifetime))
    }
}

/// The periods in which capacity of `option` may be added: those whose year
/// is `first_year` or later.
pub fn build_periods(periods: &[Period], option: &Expansion) -> Vec<PeriodId> {
    periods
        .iter()
        .enumerate()
        .filter(|(_, p)| p.year >= option.first_year)
        .map(|(p, _)| PeriodId::from_index(p))
        .collect()
}

/// Whether capacity added at the start of period `built` is available
/// (and paid for) in period `period`: from its own period on, in every
/// period whose first year is before its end of life
/// (y_q < y_built + lifetime).
pub fn available(
    periods: &[Period],
    option: &Expansion,
    built: PeriodId,
    period: PeriodId,
) -> bool {
    let (b, q) = (&periods[built.index()], &periods[period.index()]);
    period >= built && f64::from(q.year) < f64::from(b.year) + option.lifetime
}

/// What one t per year of capacity of `option` costs in a period where it is
/// available, in present value: W_q x (capex x annuity + fixed_cost).
pub fn cost_per_period(period: &Period, option: &Expansion, discount_rate: f64) -> f64 {
    period.weight * (option.capex * annuity(discount_rate, option.lifetime) + option.fixed_cost)
}

/// What one t per year of capacity of `option` added at the start of
/// `built` costs over the horizon: the sum of [`cost_per_period`] over the
/// periods in which it is available.
pub fn cost_of_adding(
    periods: &[Period],
    option: &Expansion,
    built: PeriodId,
    discount_rate: f64,
) -> f64 {
    (0..periods.len())
        .map(PeriodId::from_index)
        .filter(|&q| available(periods, option, built, q))
        .map(|q| cost_per_period(&periods[q.index()], option, discount_rate))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::RowRef;
    use crate::id::{CommodityId, NodeId};

    fn option(first_year: i32, lifetime: f64) -> Expansion {
        Expansion {
            node: NodeId(0),
            commodity: CommodityId(0),
            max_added: None,
            capex: 1000.0,
            fixed_cost: 10.0,
            first_year,
            lifetime,
            at: RowRef::new("expansion.csv", 2),
        }
    }

    #[test]
    fn spans_run_to_the_next_period_and_the_last_takes_last_span() {
        let p = periods(&[2024, 2030, 2035, 2040], 5, 0.0);
        let spans: Vec<u32> = p.iter().map(|p| p.span).collect();
        assert_eq!(spans, [6, 5, 5, 5]);
        // r = 0: a period weighs its span.
        let weights: Vec<f64> = p.iter().map(|p| p.weight).collect();
        assert_eq!(weights, [6.0, 5.0, 5.0, 5.0]);
    }

    #[test]
    fn weights_discount_each_year_to_the_first() {
        // Two periods 2024 (2 years) and 2026 (last_span 1), r = 10%:
        // W_1 = 1 + 1/1.1, W_2 = 1/1.1^2.
        let p = periods(&[2024, 2026], 1, 0.1);
        assert!((p[0].weight - (1.0 + 1.0 / 1.1)).abs() < 1e-12);
        assert!((p[1].weight - 1.0 / 1.21).abs() < 1e-12);
    }

    #[test]
    fn annuity_spreads_the_capital_cost() {
        assert_eq!(annuity(0.0, 20.0), 0.05);
        // r = 10%, 2 years: 0.1 / (1 - 1/1.21) = 0.121 / 0.21.
        assert!((annuity(0.1, 2.0) - 0.121 / 0.21).abs() < 1e-12);
    }

    #[test]
    fn added_capacity_lives_until_its_lifetime_ends() {
        let p = periods(&[2024, 2030, 2035, 2040], 5, 0.0);
        let o = option(2030, 10.0);
        assert_eq!(
            build_periods(&p, &o),
            [PeriodId(1), PeriodId(2), PeriodId(3)]
        );
        // Built for 2030, ten years: available in 2030 and 2035 (2035 < 2040), not 2040.
        let live: Vec<bool> = (0..4)
            .map(|q| available(&p, &o, PeriodId(1), PeriodId(q)))
            .collect();
        assert_eq!(live, [false, true, true, false]);
        // Its cost: W = 5 in each of the two periods, capex / 10 + 10 a year.
        assert!(
            (cost_of_adding(&p, &o, PeriodId(1), 0.0) - 2.0 * 5.0 * (100.0 + 10.0)).abs() < 1e-9
        );
    }
}
