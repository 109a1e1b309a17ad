//! Run parameters (`solve --max-share X --no-policies`, and a batch run's
//! `max_share`, `demand_scale`, `no_policies`) as a scenario: operations on
//! the raw rows like any scenario's, so that they are validated with the
//! model and listed by `sourcemix diff`.

use serde::{Deserialize, Serialize};

use super::{NumberChange, NumbersOp, Op, Scenario, Table};
use crate::diagnostics::Location;
use crate::input::numbers::{self, NumberError};
use crate::input::{OneOrMany, PolicyEntry, Positioned};

/// Parameters a run may set besides its scenarios.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunParams {
    /// Adds the `cli-max-share` cap (as `solve --max-share`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_share: Option<f64>,
    /// Multiplies every demand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demand_scale: Option<f64>,
    /// Drops the model's own policies.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_policies: bool,
}

/// A run parameter out of range.
#[derive(Copy, Clone, Debug, PartialEq, thiserror::Error)]
pub enum ParamError {
    #[error("--max-share {value} {why}")]
    MaxShare { value: f64, why: NumberError },
    #[error("--demand-scale {value} {why}")]
    DemandScale { value: f64, why: NumberError },
}

/// The name of the policy `max_share` adds.
pub const MAX_SHARE_POLICY: &str = "cli-max-share";

impl RunParams {
    /// Checks the values (before any file is read): a share in 0..=1, a
    /// demand scale finite and 0 or more.
    pub fn check(&self) -> Result<(), ParamError> {
        if let Some(value) = self.max_share {
            numbers::share(value).map_err(|why| ParamError::MaxShare { value, why })?;
        }
        if let Some(value) = self.demand_scale {
            numbers::quantity(value).map_err(|why| ParamError::DemandScale { value, why })?;
        }
        Ok(())
    }

    /// The parameters as operations on a model's raw rows, in this order:
    /// `no_policies` removes every policy, `demand_scale` scales every demand
    /// row, `max_share` adds the policy `cli-max-share` (every consumer, every
    /// commodity, mining and refining stage, every country, none exempt).
    /// Neither a model without policies nor one without demand is an error
    /// here. Values out of range are reported when the scenario is applied
    /// (call [`RunParams::check`] first for a usage error).
    pub fn to_scenario(&self) -> Scenario {
        let mut ops = Vec::new();
        if self.no_policies {
            ops.push((Location::file("--no-policies"), Op::RemoveAllPolicies));
        }
        if let Some(k) = self.demand_scale {
            ops.push((
                Location::file("--demand-scale"),
                Op::Numbers {
                    change: NumberChange::Scale,
                    op: NumbersOp {
                        demand: Some(k),
                        ..NumbersOp::every_row(Table::Demand)
                    },
                    may_select_nothing: true,
                },
            ));
        }
        if let Some(share) = self.max_share {
            let at = Location::file("--max-share");
            let text = |s: &str| {
                Some(Positioned {
                    value: s.to_string(),
                    at: at.clone(),
                })
            };
            let each = || {
                Some(Positioned {
                    value: OneOrMany::One("each".into()),
                    at: at.clone(),
                })
            };
            let policy = PolicyEntry {
                at: at.clone(),
                name: text(MAX_SHARE_POLICY),
                kind: text("max_share"),
                stage: Some(Positioned {
                    value: vec!["mining".into(), "refining".into()],
                    at: at.clone(),
                }),
                commodity: text("*"),
                scope: each(),
                from: each(),
                exempt: None,
                share: Some(Positioned {
                    value: share,
                    at: at.clone(),
                }),
                from_year: None,
                until_year: None,
            };
            ops.push((at, Op::Policy(Box::new(policy))));
        }
        Scenario {
            ops,
            sources: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_names_the_flag_and_the_range() {
        let p = RunParams {
            max_share: Some(1.5),
            ..RunParams::default()
        };
        assert_eq!(
            p.check().unwrap_err().to_string(),
            "--max-share 1.5 is outside 0..=1 (a fraction: 0.65 is 65%)"
        );
        let p = RunParams {
            demand_scale: Some(-2.0),
            ..RunParams::default()
        };
        assert!(p
            .check()
            .unwrap_err()
            .to_string()
            .starts_with("--demand-scale -2 is negative"));
        let p = RunParams {
            demand_scale: Some(f64::NAN),
            ..RunParams::default()
        };
        assert!(p.check().is_err());
        assert!(RunParams {
            max_share: Some(0.0),
            demand_scale: Some(0.0),
            no_policies: true
        }
        .check()
        .is_ok());
    }

    #[test]
    fn the_operations_come_in_order() {
        let s = RunParams {
            max_share: Some(0.5),
            demand_scale: Some(2.0),
            no_policies: true,
        }
        .to_scenario();
        let at: Vec<String> = s.ops.iter().map(|(at, _)| at.to_string()).collect();
        assert_eq!(at, ["--no-policies", "--demand-scale", "--max-share"]);
        assert!(RunParams::default().to_scenario().ops.is_empty());
    }
}
