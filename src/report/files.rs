//! The report as files: JSON, and the CSV tables of `solve --out DIR`.
//! Every renderer is a pure function returning bytes; `write_out_dir` puts
//! them on disk whole or not at all.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::Report;

/// The files `solve --out` writes, in order.
pub const OUT_FILES: [&str; 5] = [
    "summary.json",
    "flows.csv",
    "mix.csv",
    "policies.csv",
    "capacities.csv",
];

/// The record a batch keeps beside a run's outputs.
pub const RUN_FILE: &str = "run.json";

/// Errors writing an output folder.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path} exists and holds files sourcemix did not write ({example}); choose another --out folder or move them away")]
    Foreign { path: String, example: String },
    #[error("{path} exists and is not a folder")]
    NotADir { path: String },
    #[error("cannot render {file}: {reason}")]
    Render { file: String, reason: String },
}

/// The report as a pretty-printed JSON document (with a final newline).
pub fn json(report: &Report) -> String {
    let mut text =
        serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

#[derive(Serialize)]
struct MixRow<'a> {
    consumer: &'a str,
    commodity: &'a str,
    stage: &'a str,
    country: &'a str,
    amount: f64,
    share: f64,
}

#[derive(Serialize)]
struct CapacityRow<'a> {
    kind: &'a str,
    node: &'a str,
    route: &'a str,
    commodity: &'a str,
    line: usize,
    capacity: f64,
    used: f64,
    binding: bool,
    shadow_price: f64,
}

fn csv_of<T: Serialize>(
    file: &str,
    rows: impl Iterator<Item = T>,
    header: &[&str],
) -> Result<Vec<u8>, WriteError> {
    let fail = |e: csv::Error| WriteError::Render {
        file: file.into(),
        reason: e.to_string(),
    };
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(header).map_err(fail)?;
    for row in rows {
        w.serialize(row).map_err(fail)?;
    }
    w.into_inner().map_err(|e| WriteError::Render {
        file: file.into(),
        reason: e.to_string(),
    })
}

/// Every output file's name and bytes.
pub fn render_all(report: &Report) -> Result<Vec<(&'static str, Vec<u8>)>, WriteError> {
    let flows = csv_of(
        "flows.csv",
        report.flows.iter(),
        &["from", "to", "commodity", "line", "amount"],
    )?;
    let mix_rows = report.consumers.iter().flat_map(|c| {
        let mining = c.mining_shares.iter().map(move |(k, s)| ("mining", k, s));
        let refining = c
            .refining_shares
            .iter()
            .map(move |(k, s)| ("refining", k, s));
        mining
            .chain(refining)
            .map(move |(stage, country, &share)| MixRow {
                consumer: &c.node,
                commodity: &c.commodity,
                stage,
                country,
                amount: super::tonnes(c.delivered * share),
                share,
            })
    });
    let mix = csv_of(
        "mix.csv",
        mix_rows,
        &[
            "consumer",
            "commodity",
            "stage",
            "country",
            "amount",
            "share",
        ],
    )?;
    let policy_header = [
        "policy",
        "type",
        "commodity",
        "stage",
        "scope",
        "from",
        "limit",
        "actual",
        "delivered",
        "binding",
        "shadow_price",
    ];
    let policies = csv_of("policies.csv", report.policies.iter(), &policy_header)?;
    let capacity_rows = report.capacities.iter().map(|c| CapacityRow {
        kind: &c.kind,
        node: c.node.as_deref().unwrap_or(""),
        route: c.route.as_deref().unwrap_or(""),
        commodity: &c.commodity,
        line: c.line,
        capacity: c.capacity,
        used: c.used,
        binding: c.binding,
        shadow_price: c.shadow_price,
    });
    let capacity_header = [
        "kind",
        "node",
        "route",
        "commodity",
        "line",
        "capacity",
        "used",
        "binding",
        "shadow_price",
    ];
    let capacities = csv_of("capacities.csv", capacity_rows, &capacity_header)?;
    Ok(vec![
        ("summary.json", json(report).into_bytes()),
        ("flows.csv", flows),
        ("mix.csv", mix),
        ("policies.csv", policies),
        ("capacities.csv", capacities),
    ])
}

/// Writes `files` as the folder `dir`, whole or not at all: they are written
/// into a fresh folder beside `dir`, which then takes `dir`'s place. An
/// existing `dir` is replaced only when it holds nothing but files sourcemix
/// writes, so nothing a user put there is lost.
pub fn write_out_dir(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), WriteError> {
    let shown = dir.display().to_string();
    let io_err = |path: &Path| {
        let path = path.display().to_string();
        move |source| WriteError::Io { path, source }
    };
    check_replaceable(dir, files)?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(io_err(&parent))?;
    let staging = tempfile::Builder::new()
        .prefix(".sourcemix-out-")
        .tempdir_in(&parent)
        .map_err(io_err(&parent))?;
    for (name, bytes) in files {
        let path = staging.path().join(name);
        fs::write(&path, bytes).map_err(io_err(&path))?;
    }
    let staged = staging.keep();
    if dir.exists() {
        let old = tempfile::Builder::new()
            .prefix(".sourcemix-old-")
            .tempdir_in(&parent)
            .map_err(io_err(&parent))?;
        let old_path = old.keep();
        fs::remove_dir(&old_path).map_err(io_err(&old_path))?;
        fs::rename(dir, &old_path).map_err(io_err(dir))?;
        if let Err(e) = fs::rename(&staged, dir) {
            let _ = fs::rename(&old_path, dir); // put the previous output back
            let _ = fs::remove_dir_all(&staged);
            return Err(WriteError::Io {
                path: shown,
                source: e,
            });
        }
        fs::remove_dir_all(&old_path).map_err(io_err(&old_path))?;
    } else {
        fs::rename(&staged, dir).map_err(io_err(dir))?;
    }
    Ok(())
}

/// An existing `dir` may be replaced only if every entry in it is a file sourcemix writes there.
fn check_replaceable(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), WriteError> {
    let shown = dir.display().to_string();
    if !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(WriteError::NotADir { path: shown });
    }
    let entries = fs::read_dir(dir).map_err(|source| WriteError::Io {
        path: shown.clone(),
        source,
    })?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let ours =
        |n: &str| files.iter().any(|(f, _)| *f == n) || OUT_FILES.contains(&n) || n == RUN_FILE;
    match names.into_iter().find(|n| !ours(n)) {
        Some(example) => Err(WriteError::Foreign {
            path: shown,
            example,
        }),
        None => Ok(()),
    }
}
