//! Golden outputs: the `--out` files of the two flagships and of every example
//! model, pinned in `tests/golden/<name>/`, so that a change of answer is a
//! reviewed diff, not a surprise. Numbers are compared with a tolerance
//! (1e-9 relative, 1e-6 absolute), text exactly; the measured `timings` are
//! left out.
//!
//! To regenerate on purpose (after a change whose new answers you have
//! checked): `scripts/regenerate-golden.sh`, then review `git diff tests/golden`.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sourcemix::pipeline::{self, OutDir, Request};

const FILES: [&str; 5] = [
    "summary.json",
    "flows.csv",
    "mix.csv",
    "policies.csv",
    "capacities.csv",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (golden folder name, model folder) of every pinned model.
fn pinned() -> Vec<(String, PathBuf)> {
    let mut models: Vec<(String, PathBuf)> = ["critical-minerals-2024", "critical-minerals-2040"]
        .into_iter()
        .map(|name| (name.to_string(), root().join("models").join(name)))
        .collect();
    let mut examples: Vec<PathBuf> = fs::read_dir(root().join("models/examples"))
        .expect("models/examples")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("model.toml").exists())
        .collect();
    examples.sort();
    for dir in examples {
        let name = dir
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        models.push((format!("examples-{name}"), dir));
    }
    models
}

/// Solves `model` through the run path and returns its output files, with
/// the timings zeroed in summary.json.
fn outputs(model: &Path) -> Vec<(&'static str, String)> {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("out");
    let request = Request {
        out: Some(OutDir {
            dir: out.clone(),
            extra: Vec::new(),
        }),
        ..Request::folder(model)
    };
    pipeline::run(&request).unwrap_or_else(|e| panic!("{}: {e}", model.display()));
    FILES
        .iter()
        .map(|&name| {
            let text = fs::read_to_string(out.join(name)).expect("output file");
            let text = if name == "summary.json" {
                let mut v: Value = serde_json::from_str(&text).expect("summary.json parses");
                v.as_object_mut().expect("an object").remove("timings");
                serde_json::to_string_pretty(&v).expect("serializes") + "\n"
            } else {
                text
            };
            (name, text)
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6_f64.max(1e-9 * a.abs().max(b.abs()))
}

/// Differences between two JSON values, with their paths.
fn json_diffs(path: &str, want: &Value, got: &Value, out: &mut Vec<String>) {
    match (want, got) {
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (
                a.as_f64().unwrap_or(f64::NAN),
                b.as_f64().unwrap_or(f64::NAN),
            );
            if !close(a, b) {
                out.push(format!("{path}: golden {a}, now {b}"));
            }
        }
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => json_diffs(&format!("{path}.{k}"), x, y, out),
                    (Some(_), None) => out.push(format!("{path}.{k}: gone")),
                    (None, Some(_)) => out.push(format!("{path}.{k}: new")),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                json_diffs(&format!("{path}[{i}]"), x, y, out);
            }
        }
        (Value::Array(a), Value::Array(b)) => out.push(format!(
            "{path}: golden has {} items, now {}",
            a.len(),
            b.len()
        )),
        (a, b) if a != b => out.push(format!("{path}: golden {a}, now {b}")),
        _ => {}
    }
}

/// Differences between two CSV texts, cell by cell.
fn csv_diffs(file: &str, want: &str, got: &str, out: &mut Vec<String>) {
    let rows = |text: &str| -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes())
            .records()
            .map(|r| {
                r.expect("a CSV record")
                    .iter()
                    .map(str::to_string)
                    .collect()
            })
            .collect()
    };
    let (a, b) = (rows(want), rows(got));
    if a.len() != b.len() {
        out.push(format!(
            "{file}: golden has {} lines, now {}",
            a.len(),
            b.len()
        ));
        return;
    }
    for (line, (x, y)) in a.iter().zip(&b).enumerate() {
        if x.len() != y.len() {
            out.push(format!(
                "{file}:{}: golden has {} cells, now {}",
                line + 1,
                x.len(),
                y.len()
            ));
            continue;
        }
        for (col, (p, q)) in x.iter().zip(y).enumerate() {
            let same = match (p.parse::<f64>(), q.parse::<f64>()) {
                (Ok(u), Ok(v)) => close(u, v),
                _ => p == q,
            };
            if !same {
                out.push(format!(
                    "{file}:{} column {}: golden {p:?}, now {q:?}",
                    line + 1,
                    col + 1
                ));
            }
        }
    }
}

#[test]
fn outputs_match_the_golden_files() {
    let regenerate = std::env::var_os("SOURCEMIX_REGENERATE_GOLDEN").is_some();
    let mut problems = Vec::new();
    for (name, model) in pinned() {
        let dir = root().join("tests/golden").join(&name);
        for (file, text) in outputs(&model) {
            let path = dir.join(file);
            if regenerate {
                fs::create_dir_all(&dir).expect("golden folder");
                fs::write(&path, &text).expect("golden file");
                continue;
            }
            let Ok(want) = fs::read_to_string(&path) else {
                problems.push(format!(
                    "{}: missing (run scripts/regenerate-golden.sh)",
                    path.display()
                ));
                continue;
            };
            let mut diffs = Vec::new();
            if file.ends_with(".json") {
                let w: Value = serde_json::from_str(&want).expect("golden JSON parses");
                let g: Value = serde_json::from_str(&text).expect("new JSON parses");
                json_diffs(file, &w, &g, &mut diffs);
            } else {
                csv_diffs(file, &want, &text, &mut diffs);
            }
            problems.extend(diffs.into_iter().take(20).map(|d| format!("{name}/{d}")));
        }
    }
    assert!(
        problems.is_empty(),
        "outputs differ from tests/golden ({} differences):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The comparison itself: a changed number beyond the tolerance is caught,
/// one within it is not, and so is a changed text cell.
#[test]
fn the_golden_comparison_catches_changes() {
    let mut d = Vec::new();
    json_diffs(
        "",
        &serde_json::json!({"a": 1.0, "b": "x"}),
        &serde_json::json!({"a": 1.0 + 1e-12, "b": "x"}),
        &mut d,
    );
    assert!(d.is_empty(), "{d:?}");
    json_diffs(
        "",
        &serde_json::json!({"a": 100.0}),
        &serde_json::json!({"a": 100.01}),
        &mut d,
    );
    assert_eq!(d.len(), 1, "{d:?}");
    let mut d = Vec::new();
    csv_diffs("f.csv", "k,v\na,1.5\n", "k,v\na,1.5000000000001\n", &mut d);
    assert!(d.is_empty(), "{d:?}");
    csv_diffs("f.csv", "k,v\na,1.5\n", "k,v\nb,1.5\n", &mut d);
    csv_diffs("f.csv", "k,v\na,1.5\n", "k,v\na,2.5\n", &mut d);
    assert_eq!(d.len(), 2, "{d:?}");
}
