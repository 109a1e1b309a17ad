//! The batch file and the runs it expands into (sweeps become one run per
//! value, or per combination of values).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Parameters a run may set besides its scenarios.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
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

/// One run: a name, its scenarios in order, its parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSpec {
    pub name: String,
    /// Paths as written in the batch file (relative to it).
    pub scenarios: Vec<String>,
    pub params: Params,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchToml {
    model: String,
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
    name: String,
    #[serde(default)]
    scenarios: Vec<String>,
    max_share: Option<f64>,
    demand_scale: Option<f64>,
    #[serde(default)]
    no_policies: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepToml {
    name: String,
    #[serde(default)]
    scenarios: Vec<String>,
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
}

impl Plan {
    /// The path of a scenario named in the batch file.
    pub fn scenario_path(&self, scenario: &str) -> PathBuf {
        self.base_dir.join(scenario)
    }
}

/// Reads a batch file and expands its sweeps.
pub fn read(path: &Path) -> Result<Plan, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    let parsed: BatchToml = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start].matches('\n').count() + 1)
            .unwrap_or(0);
        format!("{shown}:{line}: {}", e.message().trim())
    })?;
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut runs: Vec<RunSpec> = parsed
        .run
        .into_iter()
        .map(|r| {
            let params = Params {
                max_share: r.max_share,
                demand_scale: r.demand_scale,
                no_policies: r.no_policies,
            };
            RunSpec {
                name: r.name,
                scenarios: r.scenarios,
                params,
            }
        })
        .collect();
    for sweep in parsed.sweep {
        runs.extend(expand(&sweep).map_err(|e| format!("{shown}: sweep \"{}\": {e}", sweep.name))?);
    }
    let mut names = BTreeSet::new();
    for r in &runs {
        if r.name.is_empty() || r.name.contains(['/', '\\']) || r.name.starts_with('.') {
            return Err(format!(
                "{shown}: run name \"{}\" cannot be a folder name (no '/', no leading '.')",
                r.name
            ));
        }
        if !names.insert(r.name.clone()) {
            return Err(format!("{shown}: two runs are named \"{}\"", r.name));
        }
    }
    if runs.is_empty() {
        return Err(format!("{shown}: no [[run]] or [[sweep]]"));
    }
    Ok(Plan {
        model: base_dir.join(&parsed.model),
        base_dir,
        runs,
    })
}

/// One run per combination of the varied values, first parameter slowest.
fn expand(sweep: &SweepToml) -> Result<Vec<RunSpec>, String> {
    type Setter = fn(&mut Params, &str);
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
        return Err("`vary` needs at least one parameter with at least one value".into());
    }
    let mut combos: Vec<(String, Params)> = vec![(sweep.name.clone(), Params::default())];
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
    Ok(combos
        .into_iter()
        .map(|(name, params)| RunSpec {
            name,
            scenarios: sweep.scenarios.clone(),
            params,
        })
        .collect())
}

fn set_max_share(p: &mut Params, v: &str) {
    p.max_share = v.parse().ok();
}

fn set_demand_scale(p: &mut Params, v: &str) {
    p.demand_scale = v.parse().ok();
}

fn set_no_policies(p: &mut Params, v: &str) {
    p.no_policies = v == "true";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_two_parameter_sweep_is_a_cartesian_product() {
        let sweep = SweepToml {
            name: "s".into(),
            scenarios: vec!["a.toml".into()],
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
            Params {
                max_share: Some(0.5),
                demand_scale: Some(2.0),
                no_policies: false
            }
        );
        assert!(runs.iter().all(|r| r.scenarios == ["a.toml"]));
    }
}
