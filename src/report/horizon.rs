//! What a multi-period solve reports (contract section 10): the discounted
//! headline, the investment plan, the budgets over the horizon, and each
//! period's own report of section 5.

use serde::{Deserialize, Serialize};

use super::{CostParts, Report};
use crate::model::BudgetKind;

/// The report of a model with `[periods]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HorizonReport {
    pub model: String,
    pub currency: String,
    /// The objective: sum_p W_p x operating_p + investment (present value,
    /// discounted to the first period's year).
    pub total_cost: f64,
    /// Present value of the investment: every t per year of added capacity
    /// x W_q x (capex x annuity + fixed_cost) over the periods q in which it
    /// is available.
    pub investment_cost: f64,
    /// Present value of operating: sum_p W_p x the period's annual cost.
    pub operating_cost: f64,
    pub periods: Vec<PeriodReport>,
    /// Added capacity by node, commodity and period built, sorted by period,
    /// then node, then commodity. Only entries that add more than 0 t.
    pub investment: Vec<InvestmentReport>,
    /// Every `max_added` limit of expansion.csv (finite ones), with its
    /// shadow price.
    pub max_added: Vec<MaxAddedReport>,
    /// Every reserve and stock budget, with what the horizon uses of it.
    pub budgets: Vec<BudgetReport>,
}

/// One period: its year, what it stands for, and the report of section 5 of
/// its flows (annual tonnes and annual cost; shadow prices divided by W_p, so
/// that they are in currency per tonne per year and per percentage point).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PeriodReport {
    pub year: i32,
    /// Years it stands for.
    pub span: u32,
    /// W_p, its discounted weight in the objective.
    pub weight: f64,
    /// The period's annual operating cost by part (undiscounted).
    pub cost: CostParts,
    /// W_p x the annual operating cost.
    pub discounted_cost: f64,
    /// Present value of the investment cost charged to this period (the
    /// capacity available in it).
    pub investment_cost: f64,
    pub report: Report,
}

/// Capacity added at the start of one period.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InvestmentReport {
    /// The year of the period in which it is added (and first produces).
    pub year: i32,
    pub node: String,
    pub country: String,
    /// `mine`, `recycler`, `stockpile` or `refiner`.
    pub kind: String,
    pub commodity: String,
    /// t per year added.
    pub added: f64,
    /// The last year of the horizon in which it is available (its period
    /// of end of life, or the horizon's end), for the timeline.
    pub available_until: i32,
    /// Present value of what it costs over the periods it is available.
    pub cost: f64,
    /// The line of its row in expansion.csv.
    pub line: usize,
}

/// A finite `max_added` of expansion.csv.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MaxAddedReport {
    pub node: String,
    pub commodity: String,
    pub line: usize,
    pub max_added: f64,
    /// t per year added over the horizon.
    pub added: f64,
    pub binding: bool,
    /// d(total cost)/d(max_added): present-value currency per t per year of
    /// extra allowance (negative: a higher limit would save that much).
    pub shadow_price: f64,
}

/// A reserve (mine) or stock (stockpile) budget over the horizon.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BudgetReport {
    pub kind: BudgetKind,
    pub node: String,
    pub commodity: String,
    pub line: usize,
    /// t over the horizon.
    pub amount: f64,
    /// t used over the horizon: sum_p span_p x supplied_p.
    pub used: f64,
    /// t used in each period (span_p x supplied_p), parallel to the periods.
    pub used_by_period: Vec<f64>,
    pub binding: bool,
    /// d(total cost)/d(amount): present-value currency per t of budget.
    pub shadow_price: f64,
}
