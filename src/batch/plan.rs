//! The batch file and the runs it expands into (sweeps become one run per
//! value, or per combination of values).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::diagnostics::Location;
use crate::input::model_toml::Positions;
use crate::input::paths::{self, PathError};
use crate::scenario::RunParams;

/// One run: a name, its scenarios in order, its parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSpec {
    pub name: String,
    /// Paths as written in the batch file (relative to it).
    pub scenarios: Vec<String>,
    pub params: RunParams,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchToml {
    model: Spanned<String>,
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    run: Vec<RunToml>,
    #[serde(default)]
    sweep: Vec<SweepToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RunToml {
    name: Spanned<String>,
    #[serde(default)]
    scenarios: Vec<Spanned<String>>,
    max_share: Option<f64>,
    demand_scale: Option<f64>,
    #[serde(default)]
    no_policies: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepToml {
    name: Spanned<String>,
    #[serde(default)]
    scenarios: Vec<Spanned<String>>,
    vary: Vary,
}

/// The parameters a sweep varies, each over a list of values.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Vary {
    max_share: Option<Vec<f64>>,
    demand_scale: Option<Vec<f64>>,
    no_policies: Option<Vec<bool>>,
}

/// A batch, ready to run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The base model folder.
    pub model: PathBuf,
    /// The folder the batch file is in: scenario paths are relative to it.
    pub base_dir: PathBuf,
    pub runs: Vec<RunSpec>,
    /// Paths (the model, scenarios and what they name) may leave the batch
    /// file's folder (`--allow-outside`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_outside: bool,
}

impl Plan {
    /// The path of a scenario named in the batch file.
    pub fn scenario_path(&self, scenario: &str) -> PathBuf {
        self.base_dir.join(scenario)
    }
}

/// Why a batch file cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{file}: cannot read: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("{at}: {message}")]
    Toml { at: Location, message: String },
    #[error(
        "{at}: sweep \"{sweep}\": `vary` needs at least one parameter with at least one value"
    )]
    EmptySweep { at: Location, sweep: String },
    #[error("{at}: {error}")]
    RunName { at: Location, error: RunNameError },
    #[error("{at}: two runs are named \"{name}\"")]
    DuplicateRun { at: Location, name: String },
    #[error("{file}: no [[run]] or [[sweep]]")]
    NoRuns { file: String },
    #[error("{at}: {error}")]
    // Boxed: a Location (which may name a sheet) and a PathError together are large.
    Path { at: Box<Location>, error: PathError },
}

/// A run name that cannot be a folder of `runs/`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("run name \"{0}\" cannot be a folder name (not empty, no '/' or '\\', no leading '.')")]
pub struct RunNameError(pub String);

/// Checks that `name` is one plain folder name inside `runs/`: not empty, no
/// path separator, not `.`, `..` or hidden.
pub fn check_run_name(name: &str) -> Result<(), RunNameError> {
    let bad = name.is_empty()
        || name.contains(['/', '\\', '\0'])
        || name.starts_with('.')
        || Path::new(name).components().count() != 1;
    if bad {
        Err(RunNameError(name.to_string()))
    } else {
        Ok(())
    }
}

/// Reads a batch file and expands its sweeps; its paths must stay inside its folder.
pub fn read(path: &Path) -> Result<Plan, PlanError> {
    read_with(path, false)
}

/// Reads a batch file and expands its sweeps. Unless `allow_outside`, the
/// model and the scenarios it names must be inside the batch file's folder
/// (the folder itself may be the model: `model = "."`).
pub fn read_with(path: &Path, allow_outside: bool) -> Result<Plan, PlanError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| PlanError::Read {
        file: shown.clone(),
        source,
    })?;
    let pos = Positions::new(&shown, &text);
    let parsed: BatchToml = toml::from_str(&text).map_err(|e| PlanError::Toml {
        at: e
            .span()
            .map(|s| pos.at(s.start))
            .unwrap_or_else(|| Location::file(&shown)),
        message: e.message().trim().to_string(),
    })?;
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let inside = |written: &Spanned<String>| -> Result<PathBuf, PlanError> {
        paths::resolve(&base_dir, written.get_ref(), None, allow_outside).map_err(|error| {
            PlanError::Path {
                at: Box::new(pos.at(written.span().start)),
                error,
            }
        })
    };
    let model = inside(&parsed.model)?;
    let mut runs: Vec<(Location, RunSpec)> = Vec::new();
    for r in parsed.run {
        for s in &r.scenarios {
            inside(s)?;
        }
        let params = RunParams {
            max_share: r.max_share,
            demand_scale: r.demand_scale,
            no_policies: r.no_policies,
        };
        runs.push((
            pos.at(r.name.span().start),
            RunSpec {
                name: r.name.into_inner(),
                scenarios: r.scenarios.into_iter().map(Spanned::into_inner).collect(),
                params,
            },
        ));
    }
    for sweep in parsed.sweep {
        for s in &sweep.scenarios {
            inside(s)?;
        }
        let at = pos.at(sweep.name.span().start);
        let expanded = expand(&sweep).ok_or_else(|| PlanError::EmptySweep {
            at: at.clone(),
            sweep: sweep.name.get_ref().clone(),
        })?;
        runs.extend(expanded.into_iter().map(|r| (at.clone(), r)));
    }
    let mut names = BTreeSet::new();
    for (at, r) in &runs {
        check_run_name(&r.name).map_err(|error| PlanError::RunName {
            at: at.clone(),
            error,
        })?;
        if !names.insert(r.name.clone()) {
            return Err(PlanError::DuplicateRun {
                at: at.clone(),
                name: r.name.clone(),
            });
        }
    }
    if runs.is_empty() {
        return Err(PlanError::NoRuns { file: shown });
    }
    Ok(Plan {
        model,
        base_dir,
        runs: runs.into_iter().map(|(_, r)| r).collect(),
        allow_outside,
    })
}

/// One run per combination of the varied values, first parameter slowest.
/// `None` when the sweep varies nothing.
fn expand(sweep: &SweepToml) -> Option<Vec<RunSpec>> {
    type Setter = fn(&mut RunParams, &str);
    let mut axes: Vec<(&str, Vec<(String, Setter)>)> = Vec::new();
    if let Some(values) = &sweep.vary.max_share {
        axes.push((
            "max_share",
            values
                .iter()
                .map(|v| (v.to_string(), set_max_share as Setter))
                .collect(),
        ));
    }
    if let Some(values) = &sweep.vary.demand_scale {
        axes.push((
            "demand_scale",
            values
                .iter()
                .map(|v| (v.to_string(), set_demand_scale as Setter))
                .collect(),
        ));
    }
    if let Some(values) = &sweep.vary.no_policies {
        axes.push((
            "no_policies",
            values
                .iter()
                .map(|v| (v.to_string(), set_no_policies as Setter))
                .collect(),
        ));
    }
    if axes.is_empty() || axes.iter().any(|(_, v)| v.is_empty()) {
        return None;
    }
    let mut combos: Vec<(String, RunParams)> =
        vec![(sweep.name.get_ref().clone(), RunParams::default())];
    for (param, values) in &axes {
        combos = combos
            .into_iter()
            .flat_map(|(name, params)| {
                values.iter().map(move |(text, set)| {
                    let mut p = params.clone();
                    set(&mut p, text);
                    (format!("{name}_{param}={text}"), p)
                })
            })
            .collect();
    }
    let scenarios: Vec<String> = sweep
        .scenarios
        .iter()
        .map(|s| s.get_ref().clone())
        .collect();
    Some(
        combos
            .into_iter()
            .map(|(name, params)| RunSpec {
                name,
                scenarios: scenarios.clone(),
                params,
            })
            .collect(),
    )
}

fn set_max_share(p: &mut RunParams, v: &str) {
    p.max_share = v.parse().ok();
}

fn set_demand_scale(p: &mut RunParams, v: &str) {
    p.demand_scale = v.parse().ok();
}

fn set_no_policies(p: &mut RunParams, v: &str) {
    p.no_policies = v == "true";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_two_parameter_sweep_is_a_cartesian_product() {
        let sweep = SweepToml {
            name: Spanned::new(0..1, "s".into()),
            scenarios: vec![Spanned::new(0..1, "a.toml".into())],
            vary: Vary {
                max_share: Some(vec![1.0, 0.5]),
                demand_scale: Some(vec![1.0, 2.0, 3.0]),
                no_policies: None,
            },
        };
        let runs = expand(&sweep).unwrap();
        let names: Vec<&str> = runs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "s_max_share=1_demand_scale=1",
                "s_max_share=1_demand_scale=2",
                "s_max_share=1_demand_scale=3",
                "s_max_share=0.5_demand_scale=1",
                "s_max_share=0.5_demand_scale=2",
                "s_max_share=0.5_demand_scale=3",
            ]
        );
        assert_eq!(
            runs[4].params,
            RunParams {
                max_share: Some(0.5),
                demand_scale: Some(2.0),
                no_policies: false
            }
        );
        assert!(runs.iter().all(|r| r.scenarios == ["a.toml"]));
    }
}
